/* registry.c - requests to a registry's distribution API (see images.h).
 *
 * Owns every struct reg_call (one logical request: the call, plus a token
 * request and one retry when the registry answers 401, and for Docker
 * Hub the registry-mirrors tried first) and the token cache (one
 * Authorization value per registry and repository, until it expires).
 * The 401's body and a failing mirror's answer are dropped; the caller
 * sees only the answer it asked for. A GET or HEAD that meets a
 * transient fault (429, 500, 502, 503, 504, a broken connection, a
 * limit of core/http) is sent again after a back-off (registry-retry-
 * delay doubling, with jitter, Retry-After honoured up to
 * REG_RETRY_AFTER_MAX), at most registry-retries times; a body the
 * caller had begun to take continues where it stopped (Range), so the
 * caller sees one answer. Credentials come from auth.c and
 * are never logged; https uses the system CAs plus
 * CERTS_DIR/HOST:PORT/ca.crt when it exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <yajl/yajl_tree.h>

#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../proto/wwwauth.h"
#include "images.h"
#include "../../core/base/xalloc.h"

#define TOKEN_BODY_MAX (256 * 1024)
#define TOKEN_TTL_DEFAULT 60 /* seconds, the token spec's default */
#define REG_RETRY_DELAY_MAX 30000  /* ms: back-off stops doubling here */
#define REG_RETRY_AFTER_MAX 60000  /* ms: the longest Retry-After waited */

struct token {
	char *key; /* "base repo" */
	char *value;
	int64_t expires_mono_ns;
	struct token *next;
};
static struct token *tokens;

struct reg_call {
	struct reg_call_opts o;
	struct reg_endpoint ep;
	char *what, *method, *url;
	void *body; /* a copy of o->body, for the retry */
	char **headers; /* the caller's, kept for the retry */
	size_t nheaders;
	struct http_req *req, *token_req;
	struct buf token_body;
	char *challenge; /* WWW-Authenticate of a 401 to retry */
	bool retried;
	bool unauthorized; /* this answer is a 401 we handle */
	int at;		   /* mirror index; ep.n_mirrors: the registry */
	bool skip;	   /* a mirror's error answer: try the next */
	bool delivered;	   /* the caller has seen an answer */
	char *own_auth;	   /* login: its Authorization value, uncached */
	/* retries: attempts sent so far; the answer being dropped for a
	 * retry (its status); the caller's first answer and the body bytes
	 * it took, and what a resumed 200 repeats of them */
	int attempts;
	long retry_status;
	int64_t retry_after_ms;
	long first_status;
	int64_t got, resume_skip;
	bool resume_failed; /* a resumed answer that cannot continue */
	char *last_url;
	ev_timer backoff;
};

/* ---- endpoints ---- */

static bool loopback(const char *domain)
{
	if (!strncmp(domain, "localhost", 9))
		return !domain[9] || domain[9] == ':';
	return !strncmp(domain, "127.", 4) || !strncmp(domain, "[::1]", 5);
}

/* host[:port] with the port and IPv6 brackets taken off. */
static void host_only(const char *host, char *out, size_t n)
{
	const char *end;

	if (*host == '[' && (end = strchr(host, ']'))) {
		snprintf(out, n, "%.*s", (int)(end - host - 1), host + 1);
		return;
	}
	end = strchr(host, ':');
	snprintf(out, n, "%.*s", end ? (int)(end - host) : (int)strlen(host),
		 host);
}

/* Does an IP literal fall in "addr/bits"? */
static bool in_cidr(const char *ip, const char *cidr)
{
	unsigned char a[16], net[16];
	char base[64];
	const char *slash = strchr(cidr, '/');
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	int bits = atoi(slash + 1);

	snprintf(base, sizeof(base), "%.*s", (int)(slash - cidr), cidr);
	if (inet_pton(fam, ip, a) != 1 || inet_pton(fam, base, net) != 1)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char m = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((a[i] & m) != (net[i] & m))
			return false;
	}
	return true;
}

/* The daemon config's insecure-registries: host[:port] as written, the
 * host alone, or a CIDR holding an IP literal host (names are not
 * resolved: that would block the loop). */
static bool insecure(const char *host)
{
	char h[REF_NAME_MAX + 1];
	const char *const *v = img_settings.insecure.v;

	if (loopback(host))
		return true; /* Docker's default */
	host_only(host, h, sizeof(h));
	for (size_t i = 0; v && v[i]; i++) {
		if (!strcmp(v[i], host) || !strcmp(v[i], h))
			return true;
		if (strchr(v[i], '/') && in_cidr(h, v[i]))
			return true;
	}
	return false;
}

int reg_endpoint_host(const char *host, const char *repo,
		      struct reg_endpoint *ep, struct err *e)
{
	const char *const *m = img_settings.mirrors.v;
	bool hub = !strcmp(host, REF_DEFAULT_DOMAIN);

	memset(ep, 0, sizeof(*ep));
	if (hub)
		host = "registry-1.docker.io";
	ep->insecure = insecure(host);
	snprintf(ep->base, sizeof(ep->base), "%s://%s",
		 ep->insecure ? "http" : "https", host);
	snprintf(ep->repo, sizeof(ep->repo), "%s", repo);
	for (size_t i = 0; hub && *repo && m && m[i] &&
			   ep->n_mirrors < REG_MIRRORS_MAX; i++)
		snprintf(ep->mirrors[ep->n_mirrors++], sizeof(ep->mirrors[0]),
			 "%s", m[i]);
	(void)e;
	return 0;
}

int reg_endpoint(const struct ref *r, struct reg_endpoint *ep, struct err *e)
{
	return reg_endpoint_host(r->domain, r->path, ep, e);
}

/* ---- tokens ---- */

/* Tokens are the Authorization header's value ("Bearer T", or "Basic
 * B" once a Basic challenge was answered), per registry base (a mirror
 * has its own) and repository. */
#define TOKEN_KEY_MAX (2 * REF_NAME_MAX + 32)
static void token_key(const char *base, const char *repo, bool push,
		      char *out, size_t n)
{
	snprintf(out, n, "%s %s%s", base, repo, push ? " push" : "");
}

static const char *token_get(const char *base, const char *repo, bool push)
{
	char key[TOKEN_KEY_MAX];

	token_key(base, repo, push, key, sizeof(key));
	for (struct token *t = tokens; t; t = t->next)
		if (!strcmp(t->key, key))
			return t->expires_mono_ns > mono_ns() ? t->value : NULL;
	return NULL;
}

static void token_put(const char *base, const char *repo, bool push,
		      const char *value, long ttl)
{
	char key[TOKEN_KEY_MAX];
	struct token *t;

	token_key(base, repo, push, key, sizeof(key));
	for (t = tokens; t; t = t->next)
		if (!strcmp(t->key, key))
			break;
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		t->key = xstrdup(key);
		t->next = tokens;
		tokens = t;
	}
	free(t->value);
	t->value = xstrdup(value);
	/* Renew a little early: the token must not expire mid-request. */
	t->expires_mono_ns = mono_ns() + (int64_t)(ttl > 10 ? ttl - 5 : ttl) *
						 1000000000LL;
}

void reg_forget_tokens(void)
{
	while (tokens) {
		struct token *t = tokens;
		tokens = t->next;
		free(t->key);
		free(t->value);
		free(t);
	}
}

void reg_limits(struct http_opts *o)
{
	o->min_rate = (long)img_settings.min_rate;
	o->rate_window_s = (long)(img_settings.rate_window_ms / 1000);
	o->timeout_ms = (long)img_settings.request_timeout_ms;
	o->rate_name = "registry-min-rate over registry-rate-window";
	o->deadline_name = "registry-request-timeout";
}

/* ---- errors ---- */

void reg_status_error(long status, const char *body, size_t len,
		      const char *what, struct err *e)
{
	char detail[300] = "";
	enum err_class cls = ERR_INTERNAL;
	const char *path[] = { "errors", NULL };
	char *text = NULL;
	yajl_val v = NULL, errs;

	if (body && len && len < 65536 && (text = strndup(body, len)))
		v = yajl_tree_parse(text, NULL, 0);
	errs = v ? yajl_tree_get(v, path, yajl_t_array) : NULL;
	if (errs && errs->u.array.len && YAJL_IS_OBJECT(errs->u.array.values[0])) {
		yajl_val x = errs->u.array.values[0];
		const char *cp[] = { "code", NULL }, *mp[] = { "message", NULL };
		yajl_val code = yajl_tree_get(x, cp, yajl_t_string);
		yajl_val msg = yajl_tree_get(x, mp, yajl_t_string);
		snprintf(detail, sizeof(detail), ": %s%s%s",
			 code ? YAJL_GET_STRING(code) : "",
			 code && msg ? ": " : "",
			 msg ? YAJL_GET_STRING(msg) : "");
	}
	yajl_tree_free(v);
	free(text);
	if (status == 401 || status == 403)
		cls = ERR_DENIED;
	else if (status == 404)
		cls = ERR_NOT_FOUND;
	else if (status == 429)
		cls = ERR_BUSY;
	err_setc(e, cls, "%s: %s (HTTP %ld)%s", what,
		 status == 401   ? "unauthorized: authentication required"
		 : status == 403 ? "denied"
		 : status == 404 ? "not found"
		 : status == 429 ? "too many requests"
		 : status >= 500 ? "registry error"
				 : "unexpected answer",
		 status, detail);
}

/* ---- the call ---- */

static int call_send(struct reg_call *c, struct err *e);

/* The base this attempt talks to: each mirror in turn, then the
 * registry itself. */
static const char *call_base(const struct reg_call *c)
{
	return c->at < c->ep.n_mirrors ? c->ep.mirrors[c->at] : c->ep.base;
}

/* The credentials for this attempt: login's own, else the stored ones
 * for the host of the base (Docker Hub's key for registry-1). */
static bool call_creds(const struct reg_call *c, const char **user,
		       const char **pass)
{
	const char *b = call_base(c);
	char key[REF_NAME_MAX + 1];

	if (c->o.user && c->at >= c->ep.n_mirrors) {
		*user = c->o.user;
		*pass = c->o.password ? c->o.password : "";
		return true;
	}
	auth_key(b, key, sizeof(key));
	return auth_find(key, user, pass) == 0;
}

/* The per-registry TLS files, Docker's certs.d layout:
 * CERTS_DIR/HOST:PORT/ca.crt (trusted besides the system CAs) and
 * client.cert with client.key (a client certificate). A stat each, on
 * the loop: small local lookups, like reading the config. */
struct call_tls {
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	bool has_ca, has_cert;
};

static bool tls_file(const char *dir, int n, const char *host,
		     const char *name, char *out)
{
	struct stat st;

	snprintf(out, PATH_MAX, "%s/%.*s/%s", dir, n, host, name);
	return stat(out, &st) == 0 && S_ISREG(st.st_mode);
}

static void call_tls(const struct reg_call *c, struct call_tls *t)
{
	const char *b = call_base(c), *dir = img_settings.certs_dir;
	const char *h = b + 8;
	int n = (int)strcspn(h, "/");

	memset(t, 0, sizeof(*t));
	if (strncmp(b, "https://", 8) || !dir)
		return;
	t->has_ca = tls_file(dir, n, h, "ca.crt", t->ca);
	t->has_cert = tls_file(dir, n, h, "client.cert", t->cert) &&
		      tls_file(dir, n, h, "client.key", t->key);
}

/* A login's call keeps its Authorization to itself: it must prove its
 * own credentials, never ride on a token another request cached. */
static void call_token_put(struct reg_call *c, const char *value, long ttl)
{
	if (!c->o.user) {
		token_put(call_base(c), c->ep.repo, c->o.push, value, ttl);
		return;
	}
	if (c->own_auth)
		OPENSSL_cleanse(c->own_auth, strlen(c->own_auth));
	free(c->own_auth);
	c->own_auth = xstrdup(value);
}

static void call_free(struct reg_call *c)
{
	ev_timer_stop(daemon_ctx.loop, &c->backoff);
	free(c->last_url);
	if (c->own_auth)
		OPENSSL_cleanse(c->own_auth, strlen(c->own_auth));
	free(c->own_auth);
	for (size_t i = 0; i < c->nheaders; i++)
		free(c->headers[i]);
	free(c->headers);
	free(c->what);
	free(c->method);
	free(c->url);
	free(c->body);
	free(c->challenge);
	buf_free(&c->token_body);
	free(c);
}

static void call_end(struct reg_call *c, long status, const struct err *e)
{
	c->req = c->token_req = NULL;
	c->o.on_done(c, status, e, c->o.ctx);
	call_free(c);
}

/* A failure: on a mirror, before the caller saw anything, try the next
 * mirror or the registry itself (Docker's fallback); else the end. */
static void call_fail(struct reg_call *c, long status, const struct err *e)
{
	struct err e2 = ERR_INIT;

	c->req = c->token_req = NULL;
	if (c->at < c->ep.n_mirrors && !c->delivered) {
		log_info("mirror %s: %s; trying %s", c->ep.mirrors[c->at],
			 e ? e->msg : "failed",
			 c->at + 1 < c->ep.n_mirrors ? c->ep.mirrors[c->at + 1]
						     : c->ep.base);
		c->at++;
		c->retried = c->skip = false;
		buf_reset(&c->token_body);
		if (call_send(c, &e2) == 0)
			return;
		e = &e2;
		status = 0;
	}
	call_end(c, status, e);
}

/* ---- retries ---- */

static bool retryable_status(long status)
{
	return status == 429 || status == 500 || status == 502 ||
	       status == 503 || status == 504;
}

/* Idempotent, to the registry itself (a mirror that fails is skipped),
 * with attempts left. */
static bool call_may_retry(const struct reg_call *c)
{
	return (!c->method || !strcmp(c->method, "GET") ||
		!strcmp(c->method, "HEAD")) &&
	       !c->o.upload && !c->o.body_len && c->at >= c->ep.n_mirrors &&
	       c->attempts <= img_settings.retries;
}

/* Retry-After in seconds (an HTTP date is left to the back-off). */
static int64_t retry_after(struct http_req *r)
{
	const char *v = http_header(r, "Retry-After");
	char *end;
	long long s;

	if (!v)
		return 0;
	s = strtoll(v, &end, 10);
	if (end == v || s < 0)
		return 0;
	return s > REG_RETRY_AFTER_MAX / 1000 ? REG_RETRY_AFTER_MAX
					      : (int64_t)s * 1000;
}

/* registry-retry-delay doubling per attempt up to REG_RETRY_DELAY_MAX,
 * then a random half of it taken off (jitter: pulls that failed
 * together do not come back together), at least Retry-After. */
static int64_t backoff_ms(const struct reg_call *c)
{
	int64_t d = img_settings.retry_delay_ms;
	uint32_t rnd = 0;

	for (int i = 1; i < c->attempts && d < REG_RETRY_DELAY_MAX; i++)
		d *= 2;
	if (d > REG_RETRY_DELAY_MAX)
		d = REG_RETRY_DELAY_MAX;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)mono_ns();
	d -= (int64_t)((double)d / 2 * ((double)rnd / UINT32_MAX));
	return d > c->retry_after_ms ? d : c->retry_after_ms;
}

static void on_backoff(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct reg_call *c = t->data;
	struct err e = ERR_INIT;

	if (call_send(c, &e) < 0)
		call_fail(c, 0, &e);
}

/* A transient fault this call may retry: arm the back-off and say so. */
static bool call_retry(struct reg_call *c, long status, const struct err *he)
{
	int64_t ms;

	if (!call_may_retry(c) || (he && he->class == ERR_CANCELED))
		return false;
	if (he ? he->code != ECONNRESET && he->code != ETIMEDOUT
	       : !c->retry_status)
		return false;
	ms = backoff_ms(c);
	if (he)
		log_info("%s; retry %d of %lld in %.1f s", he->msg, c->attempts,
			 (long long)img_settings.retries, (double)ms / 1000);
	else
		log_info("%s: HTTP %ld; retry %d of %lld in %.1f s",
			 c->last_url, status, c->attempts,
			 (long long)img_settings.retries, (double)ms / 1000);
	ev_timer_init(&c->backoff, on_backoff, (double)ms / 1000, 0.);
	c->backoff.data = c;
	ev_timer_start(daemon_ctx.loop, &c->backoff);
	return true;
}

/* Where this attempt starts: the caller's offset, or, once the caller
 * took part of a body, the byte after the last it took. */
static int64_t call_range(const struct reg_call *c)
{
	if (!c->delivered)
		return c->o.range_from;
	return (c->first_status == 206 ? c->o.range_from : 0) + c->got;
}

/* An answer to a resumed attempt: 206 goes on, a 200 (Range ignored)
 * has its first resume_skip bytes dropped, anything else ends it. */
static void resumed_response(struct reg_call *c, long status)
{
	c->resume_skip = 0;
	if (status == 200)
		c->resume_skip = call_range(c);
	else if (status != 206)
		c->resume_failed = true;
}

static int on_response(struct http_req *r, long status, void *ctx)
{
	struct reg_call *c = ctx;
	const char *w;

	c->unauthorized = status == 401 && !c->retried &&
			  (w = http_header(r, "WWW-Authenticate")) != NULL;
	if (c->unauthorized) {
		free(c->challenge);
		c->challenge = strdup(w);
		return HTTP_CONTINUE; /* its body is dropped */
	}
	/* a mirror that fails is skipped, its answer unseen */
	c->skip = c->at < c->ep.n_mirrors && status >= 400;
	if (c->skip)
		return HTTP_CONTINUE;
	if (retryable_status(status) && call_may_retry(c)) {
		c->retry_status = status; /* its body is dropped */
		c->retry_after_ms = retry_after(r);
		return HTTP_CONTINUE;
	}
	if (c->delivered) {
		resumed_response(c, status);
		return HTTP_CONTINUE;
	}
	c->delivered = true;
	c->first_status = status;
	return c->o.on_response ? c->o.on_response(c, r, status, c->o.ctx)
				: HTTP_CONTINUE;
}

static int on_data(struct http_req *r, const char *p, size_t n, void *ctx)
{
	struct reg_call *c = ctx;

	size_t s;
	int x;

	if (c->unauthorized || c->skip || c->retry_status ||
	    c->resume_failed || !c->o.on_data)
		return HTTP_CONTINUE;
	/* a paused chunk comes again whole: count only what was taken */
	s = n < (uint64_t)c->resume_skip ? n : (size_t)c->resume_skip;
	x = s < n ? c->o.on_data(c, p + s, n - s, c->o.ctx) : HTTP_CONTINUE;
	if (x == HTTP_CONTINUE) {
		c->resume_skip -= (int64_t)s;
		c->got += (int64_t)(n - s);
	}
	return x;
}

static int token_data(struct http_req *r, const char *p, size_t n, void *ctx)
{
	struct reg_call *c = ctx;

	if (buf_used(&c->token_body) + n > TOKEN_BODY_MAX)
		return HTTP_ABORT;
	buf_append(&c->token_body, p, n);
	return HTTP_CONTINUE;
}

static void token_done(struct http_req *r, long status, const struct err *he,
		       void *ctx)
{
	struct reg_call *c = ctx;
	const char *tp[] = { "token", NULL }, *ap[] = { "access_token", NULL },
		   *xp[] = { "expires_in", NULL };
	struct err e = ERR_INIT;
	yajl_val v = NULL, tok, exp;
	char what[64], *hv = NULL;

	c->token_req = NULL;
	snprintf(what, sizeof(what), "token for %.40s",
		 *c->ep.repo ? c->ep.repo : "login");
	if (he) {
		call_fail(c, 0, he);
		return;
	}
	if (status != 200) {
		reg_status_error(status, buf_head(&c->token_body),
				 buf_used(&c->token_body), what, &e);
		call_fail(c, status, &e);
		return;
	}
	buf_append(&c->token_body, "", 1);
	v = yajl_tree_parse(buf_head(&c->token_body), NULL, 0);
	tok = v ? yajl_tree_get(v, tp, yajl_t_string) : NULL;
	if (!tok || !*YAJL_GET_STRING(tok))
		tok = v ? yajl_tree_get(v, ap, yajl_t_string) : NULL;
	exp = v ? yajl_tree_get(v, xp, yajl_t_number) : NULL;
	if (!tok || !*YAJL_GET_STRING(tok)) {
		yajl_tree_free(v);
		err_setc(&e, ERR_INTERNAL,
			 "%s: the token server's answer has no token", what);
		call_fail(c, status, &e);
		return;
	}
	hv = xasprintf("Bearer %s", YAJL_GET_STRING(tok));
	call_token_put(c, hv,
		  exp && YAJL_IS_INTEGER(exp) && YAJL_GET_INTEGER(exp) > 0
		      ? (long)YAJL_GET_INTEGER(exp)
		      : TOKEN_TTL_DEFAULT);
	free(hv);
	yajl_tree_free(v);
	buf_reset(&c->token_body);
	if (call_send(c, &e) < 0)
		call_fail(c, 0, &e);
}

/* A Basic challenge: answer it with the credentials skiff has (and keep
 * the answer as this repository's "token" for an hour, so later
 * requests skip the 401). */
static int call_basic(struct reg_call *c, const char *scheme, struct err *e)
{
	const char *user, *pass;
	char *hv;

	if (!call_creds(c, &user, &pass))
		return err_setc(e, ERR_DENIED,
				"%s/v2/%s: unauthorized: authentication "
				"required (the registry asks for %s "
				"credentials: skiff login)",
				call_base(c), c->ep.repo, scheme);
	hv = auth_basic(user, pass);
	call_token_put(c, hv, 3600);
	OPENSSL_cleanse(hv, strlen(hv));
	free(hv);
	return call_send(c, e);
}

/* A 401: get a token the challenge points at (with our credentials as
 * basic auth, the token spec's way, when we have some), then send
 * again; or answer a Basic challenge. */
static int call_auth(struct reg_call *c, struct err *e)
{
	struct wwwauth w;
	const struct wwwauth_challenge *b;
	char scope[REF_NAME_MAX + 32];
	const char *user = NULL, *pass = NULL;
	struct buf url = { 0 };
	struct call_tls t;
	int rc = -1;

	c->retried = true;
	if (wwwauth_parse(c->challenge, &w, e) < 0)
		goto out;
	b = wwwauth_find(&w, "Bearer");
	if (!b) {
		rc = wwwauth_find(&w, "Basic")
			     ? call_basic(c, "Basic", e)
			     : err_setc(e, ERR_DENIED,
					"%s/v2/%s: unauthorized: the registry "
					"asks for %s credentials",
					call_base(c), c->ep.repo,
					w.v[0].scheme);
		goto out;
	}
	snprintf(scope, sizeof(scope), "repository:%s:%s", c->ep.repo,
		 c->o.push ? "pull,push" : "pull");
	if (wwwauth_token_url(b, *c->ep.repo ? (const char *const[]){ scope, NULL }
					     : NULL,
			      &url, e) < 0)
		goto out;
	buf_append(&url, "", 1);
	call_creds(c, &user, &pass);
	call_tls(c, &t);
	struct http_opts o = {
		.url = buf_head(&url),
		.user = user,
		.password = pass,
		.ca_file = t.has_ca ? t.ca : NULL,
		.on_data = token_data,
		.on_done = token_done,
		.ctx = c,
	};
	reg_limits(&o);
	if (!o.timeout_ms || o.timeout_ms > 60000)
		o.timeout_ms = 60000; /* a token is small */
	c->token_req = http_start(&o, e);
	rc = c->token_req ? 0 : -1;
out:
	wwwauth_free(&w);
	buf_free(&url);
	return rc;
}

static void on_done(struct http_req *r, long status, const struct err *he,
		    void *ctx)
{
	struct reg_call *c = ctx;
	struct err e = ERR_INIT;

	c->req = NULL;
	if (!he && c->unauthorized) {
		c->unauthorized = false;
		if (call_auth(c, &e) < 0)
			call_fail(c, 401, &e);
		return;
	}
	if (!he && c->skip) {
		err_setc(&e, ERR_INTERNAL, "HTTP %ld", status);
		call_fail(c, status, &e);
		return;
	}
	if (call_retry(c, status, he))
		return;
	if (c->retry_status && !he) { /* no attempt left after all */
		err_setc(&e, ERR_INTERNAL, "%s: HTTP %ld", c->last_url, status);
		call_fail(c, status, reg_call_gave_up(c, &e));
		return;
	}
	if (c->resume_failed && !he) {
		err_setc(&e, ERR_INTERNAL, "%s: HTTP %ld to a resumed request",
			 c->last_url, status);
		call_fail(c, status, reg_call_gave_up(c, &e));
		return;
	}
	if (he) {
		e = *he;
		call_fail(c, status, reg_call_gave_up(c, &e));
	} else {
		call_end(c, status, NULL);
	}
}

static int call_send(struct reg_call *c, struct err *e)
{
	const char *tok = c->o.user ? c->own_auth
				    : token_get(call_base(c), c->ep.repo,
						c->o.push);
	char url[sizeof(c->ep.base) + sizeof(c->ep.repo) + 2048];
	struct call_tls t;
	const char **h = xcalloc(c->nheaders + 2, sizeof(*h));
	char *auth = NULL;
	size_t n = 0;

	for (size_t i = 0; i < c->nheaders; i++)
		h[n++] = c->headers[i];
	if (tok) {
		auth = xasprintf("Authorization: %s", tok);
		h[n++] = auth;
	}
	if (c->url)
		snprintf(url, sizeof(url), "%s", c->url);
	else if (*c->ep.repo)
		snprintf(url, sizeof(url), "%s/v2/%s/%s", call_base(c),
			 c->ep.repo, c->what);
	else
		snprintf(url, sizeof(url), "%s/v2/%s", call_base(c), c->what);
	c->unauthorized = c->skip = c->resume_failed = false;
	c->retry_status = 0;
	c->retry_after_ms = c->resume_skip = 0;
	c->attempts++;
	free(c->last_url);
	c->last_url = xstrdup(url);
	call_tls(c, &t);
	struct http_opts o = {
		.method = c->method,
		.url = url,
		.headers = h,
		.range_from = call_range(c),
		.body = c->body,
		.body_len = c->o.body_len,
		.upload = c->o.upload,
		.upload_fd = c->o.upload_fd,
		.upload_size = c->o.upload_size,
		.ca_file = t.has_ca ? t.ca : NULL,
		.cert_file = t.has_cert ? t.cert : NULL,
		.key_file = t.has_cert ? t.key : NULL,
		.on_response = on_response,
		.on_data = on_data,
		.on_done = on_done,
		.ctx = c,
	};
	reg_limits(&o);
	c->req = http_start(&o, e);
	if (auth)
		OPENSSL_cleanse(auth, strlen(auth));
	free(auth);
	free(h);
	return c->req ? 0 : -1;
}

struct reg_call *reg_call(const struct reg_call_opts *o, struct err *e)
{
	struct reg_call *c = xcalloc(1, sizeof(*c));

	c->o = *o;
	c->ep = *o->ep;
	ev_timer_init(&c->backoff, on_backoff, 0., 0.);
	c->backoff.data = c;
	c->what = xstrdup(o->what ? o->what : "");
	c->method = xstrdup(o->method); /* NULL stays NULL */
	c->url = xstrdup(o->url);
	if (o->body_len) {
		c->body = xmalloc(o->body_len);
		memcpy(c->body, o->body, o->body_len);
	}
	for (const char *const *h = o->headers; h && *h; h++)
		c->nheaders++;
	c->headers = xcalloc(c->nheaders + 1, sizeof(*c->headers));
	for (size_t i = 0; i < c->nheaders; i++)
		c->headers[i] = xstrdup(o->headers[i]);
	if (call_send(c, e) < 0) {
		call_free(c);
		return NULL;
	}
	return c;
}

struct err *reg_call_gave_up(const struct reg_call *c, struct err *e)
{
	size_t n = strlen(e->msg);

	if (c->attempts > 1)
		snprintf(e->msg + n, sizeof(e->msg) - n,
			 " (gave up after %d attempts)", c->attempts);
	return e;
}

void reg_call_status_error(const struct reg_call *c, long status,
			   const char *body, size_t len, const char *what,
			   struct err *e)
{
	size_t n;

	reg_status_error(status, body, len, what, e);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, " from %s",
		 c->last_url ? c->last_url : "?");
	reg_call_gave_up(c, e);
}

void reg_call_cancel(struct reg_call *c)
{
	if (!c)
		return;
	http_cancel(c->req);
	http_cancel(c->token_req);
	call_free(c);
}

void reg_call_resume(struct reg_call *c)
{
	if (c->req)
		http_resume(c->req);
}
