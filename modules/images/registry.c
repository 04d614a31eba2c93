/* registry.c - requests to a registry's distribution API (see images.h).
 *
 * Owns every struct reg_call (one logical request: the call, plus a token
 * request and one retry when the registry answers 401) and the token
 * cache (one bearer token per registry and repository, until it
 * expires). The 401's body is dropped; the caller sees only the answer
 * it asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>

#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../proto/wwwauth.h"
#include "images.h"

#define TOKEN_BODY_MAX (256 * 1024)
#define TOKEN_TTL_DEFAULT 60 /* seconds, the token spec's default */

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
};

/* ---- endpoints ---- */

static bool loopback(const char *domain)
{
	if (!strncmp(domain, "localhost", 9))
		return !domain[9] || domain[9] == ':';
	return !strncmp(domain, "127.", 4) || !strncmp(domain, "[::1]", 5);
}

int reg_endpoint(const struct ref *r, struct reg_endpoint *ep, struct err *e)
{
	const char *host = r->domain;

	memset(ep, 0, sizeof(*ep));
	if (!strcmp(host, REF_DEFAULT_DOMAIN))
		host = "registry-1.docker.io";
	/* Docker's default: registries on loopback speak plain HTTP. */
	ep->insecure = loopback(host);
	snprintf(ep->base, sizeof(ep->base), "%s://%s",
		 ep->insecure ? "http" : "https", host);
	snprintf(ep->repo, sizeof(ep->repo), "%s", r->path);
	return 0;
}

/* ---- tokens ---- */

static void token_key(const struct reg_endpoint *ep, bool push, char *out,
		      size_t n)
{
	snprintf(out, n, "%s %s%s", ep->base, ep->repo, push ? " push" : "");
}

static const char *token_get(const struct reg_endpoint *ep, bool push)
{
	char key[sizeof(ep->base) + sizeof(ep->repo) + 8];

	token_key(ep, push, key, sizeof(key));
	for (struct token *t = tokens; t; t = t->next)
		if (!strcmp(t->key, key))
			return t->expires_mono_ns > mono_ns() ? t->value : NULL;
	return NULL;
}

static void token_put(const struct reg_endpoint *ep, bool push,
		      const char *value, long ttl)
{
	char key[sizeof(ep->base) + sizeof(ep->repo) + 8];
	struct token *t;

	token_key(ep, push, key, sizeof(key));
	for (t = tokens; t; t = t->next)
		if (!strcmp(t->key, key))
			break;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || !(t->key = strdup(key)))
			abort();
		t->next = tokens;
		tokens = t;
	}
	free(t->value);
	t->value = strdup(value);
	if (!t->value)
		abort();
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

static void call_free(struct reg_call *c)
{
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
	return c->o.on_response ? c->o.on_response(c, r, status, c->o.ctx)
				: HTTP_CONTINUE;
}

static int on_data(struct http_req *r, const char *p, size_t n, void *ctx)
{
	struct reg_call *c = ctx;

	if (c->unauthorized || !c->o.on_data)
		return HTTP_CONTINUE;
	return c->o.on_data(c, p, n, c->o.ctx);
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
	char what[64];

	c->token_req = NULL;
	snprintf(what, sizeof(what), "token for %.40s", c->ep.repo);
	if (he) {
		call_end(c, 0, he);
		return;
	}
	if (status != 200) {
		reg_status_error(status, buf_head(&c->token_body),
				 buf_used(&c->token_body), what, &e);
		call_end(c, status, &e);
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
		call_end(c, status, &e);
		return;
	}
	token_put(&c->ep, c->o.push, YAJL_GET_STRING(tok),
		  exp && YAJL_IS_INTEGER(exp) && YAJL_GET_INTEGER(exp) > 0
		      ? (long)YAJL_GET_INTEGER(exp)
		      : TOKEN_TTL_DEFAULT);
	yajl_tree_free(v);
	buf_reset(&c->token_body);
	if (call_send(c, &e) < 0)
		call_end(c, 0, &e);
}

/* A 401: get a token the challenge points at, then send again. */
static int call_auth(struct reg_call *c, struct err *e)
{
	struct wwwauth w;
	const struct wwwauth_challenge *b;
	char scope[REF_NAME_MAX + 32];
	struct buf url = { 0 };
	int rc = -1;

	c->retried = true;
	if (wwwauth_parse(c->challenge, &w, e) < 0)
		goto out;
	b = wwwauth_find(&w, "Bearer");
	if (!b) {
		err_setc(e, ERR_DENIED,
			 "%s/v2/%s: unauthorized: authentication required "
			 "(the registry asks for %s credentials)",
			 c->ep.base, c->ep.repo, w.v[0].scheme);
		goto out;
	}
	snprintf(scope, sizeof(scope), "repository:%s:%s", c->ep.repo,
		 c->o.push ? "pull,push" : "pull");
	if (wwwauth_token_url(b, (const char *const[]){ scope, NULL }, &url,
			      e) < 0)
		goto out;
	buf_append(&url, "", 1);
	c->token_req = http_start(&(struct http_opts){
		.url = buf_head(&url),
		.on_data = token_data,
		.on_done = token_done,
		.ctx = c,
		.timeout_ms = 60000,
	}, e);
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
			call_end(c, 401, &e);
		return;
	}
	call_end(c, status, he);
}

static int call_send(struct reg_call *c, struct err *e)
{
	const char *tok = token_get(&c->ep, c->o.push);
	char url[sizeof(c->ep.base) + sizeof(c->ep.repo) + 2048];
	const char **h = calloc(c->nheaders + 2, sizeof(*h));
	char *auth = NULL;
	size_t n = 0;

	if (!h)
		abort();
	for (size_t i = 0; i < c->nheaders; i++)
		h[n++] = c->headers[i];
	if (tok) {
		if (asprintf(&auth, "Authorization: Bearer %s", tok) < 0)
			abort();
		h[n++] = auth;
	}
	if (c->url)
		snprintf(url, sizeof(url), "%s", c->url);
	else
		snprintf(url, sizeof(url), "%s/v2/%s/%s", c->ep.base,
			 c->ep.repo, c->what);
	c->unauthorized = false;
	c->req = http_start(&(struct http_opts){
		.method = c->method,
		.url = url,
		.headers = h,
		.range_from = c->o.range_from,
		.body = c->body,
		.body_len = c->o.body_len,
		.upload = c->o.upload,
		.upload_fd = c->o.upload_fd,
		.upload_size = c->o.upload_size,
		.on_response = on_response,
		.on_data = on_data,
		.on_done = on_done,
		.ctx = c,
	}, e);
	free(auth);
	free(h);
	return c->req ? 0 : -1;
}

struct reg_call *reg_call(const struct reg_call_opts *o, struct err *e)
{
	struct reg_call *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->o = *o;
	c->ep = *o->ep;
	c->what = strdup(o->what ? o->what : "");
	c->method = o->method ? strdup(o->method) : NULL;
	c->url = o->url ? strdup(o->url) : NULL;
	if (!c->what || (o->method && !c->method) || (o->url && !c->url))
		abort();
	if (o->body_len) {
		if (!(c->body = malloc(o->body_len)))
			abort();
		memcpy(c->body, o->body, o->body_len);
	}
	for (const char *const *h = o->headers; h && *h; h++)
		c->nheaders++;
	c->headers = calloc(c->nheaders + 1, sizeof(*c->headers));
	if (!c->headers)
		abort();
	for (size_t i = 0; i < c->nheaders; i++)
		if (!(c->headers[i] = strdup(o->headers[i])))
			abort();
	if (call_send(c, e) < 0) {
		call_free(c);
		return NULL;
	}
	return c;
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
