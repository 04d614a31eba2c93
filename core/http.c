/* http.c - HTTP(S) requests on the daemon's loop (see http.h).
 *
 * libcurl is loaded (curl_fns.h) and the multi handle made on first use.
 * curl never resolves a name (its resolver is a thread per lookup): a
 * request's host is looked up by core/resolve first and handed to curl
 * with CURLOPT_RESOLVE, and redirects are followed here, not by curl, so
 * each new host is looked up the same way (route()). curl asks for socket
 * interest through on_socket (one struct http_sock, an ev_io, per socket, kept as
 * curl's socket pointer) and for a timeout through on_curl_timer (our one
 * ev_timer); both only arm watchers. The watchers call
 * curl_multi_socket_action, then collect finished transfers, whose
 * on_done runs there: outside any curl callback, so an owner may start
 * the next request (or free its state) from it. */
#include "http.h"

#include <arpa/inet.h>
#include <ev.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "curl_fns.h"
#include "daemon.h"
#include "resolve.h"
#include "../proto/noproxy.h"
#include "base/xalloc.h"

#define HTTP_BUFFER (128 * 1024) /* curl's receive buffer: fewer wake-ups */
/* Bodies delivered per loop iteration, all requests together: libcurl
 * reads a socket again and again while it has data (megabytes on
 * loopback), and each chunk is hashed and piped on, so without a bound
 * one iteration of a pull held the loop for milliseconds. A request
 * that finds the slice used is paused and resumed next iteration. */
#define HTTP_SLICE (128 * 1024)
#define HTTP_MAX_CONNECTIONS 16
#define HTTP_MAX_REDIRECTS 10
#define HTTP_RATE_WINDOW 30L /* s, when the caller sets none */
#define HTTP_CONNECT_TIMEOUT 30L /* s */
/* libcurl with its TLS stack is about 4 MiB of PSS that an edge host's
 * skiffd, idle between pulls, should not keep. */
#define HTTP_IDLE_UNLOAD 30.0

struct http_req {
	CURL *easy;
	struct curl_slist *headers;
	struct http_opts o; /* callbacks and ctx (strings are not kept) */
	char *url;
	char errbuf[CURL_ERROR_SIZE];
	bool responded, aborted;
	bool follow;	    /* follow redirects (GET and HEAD) */
	bool redirecting;   /* this response is a redirect being followed */
	bool added;	    /* in the multi handle */
	int redirects;
	struct resolve_wait *resolving; /* waiting for its host's address */
	struct curl_slist *resolve;	/* "host:port:addrs" for curl */
	ev_io upload_io; /* upload_fd was empty: resume when readable */
	ev_timer slice;	 /* paused for the slice: resume next iteration */
	long status;
	struct http_req *prev, *next;
};

struct http_sock {
	ev_io io;
	curl_socket_t fd;
};

static struct {
	CURLM *multi;
	ev_timer timer;
	ev_timer idle; /* no request for HTTP_IDLE_UNLOAD s: unload libcurl */
	struct http_req *reqs;
	unsigned n;
	unsigned iter;	  /* ev_iteration of the bytes below */
	size_t iter_bytes; /* body bytes delivered in that iteration */
} http;

static void http_check_done(void);

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	int flags = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		    (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	curl_socket_t fd = ((struct http_sock *)w->data)->fd;
	int running;

	/* May free w (CURL_POLL_REMOVE): not used after this. */
	curl_multi_socket_action(http.multi, fd, flags, &running);
	http_check_done();
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct http_sock *k = socketp;
	int ev = (what & CURL_POLL_IN ? EV_READ : 0) |
		 (what & CURL_POLL_OUT ? EV_WRITE : 0);

	if (what == CURL_POLL_REMOVE) {
		if (k) {
			ev_io_stop(daemon_ctx.loop, &k->io);
			free(k);
			curl_multi_assign(http.multi, fd, NULL);
		}
		return 0;
	}
	if (!k) {
		k = xcalloc(1, sizeof(*k));
		k->fd = fd;
		ev_io_init(&k->io, on_io, fd, ev);
		k->io.data = k;
		curl_multi_assign(http.multi, fd, k);
	} else {
		ev_io_stop(daemon_ctx.loop, &k->io);
		ev_io_set(&k->io, fd, ev);
	}
	ev_io_start(daemon_ctx.loop, &k->io);
	return 0;
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	int running;

	curl_multi_socket_action(http.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done();
}

/* curl wants socket_action called after timeout_ms (-1: never); it must
 * not be called from here, so this only arms the timer. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	ev_timer_stop(daemon_ctx.loop, &http.timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&http.timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(daemon_ctx.loop, &http.timer);
	}
	return 0;
}

static void on_idle(struct ev_loop *loop, ev_timer *t, int revents)
{
	http_release();
}

/* Nothing in flight: unload libcurl if nothing starts for a while. */
static void idle_arm(void)
{
	if (http.n || !http.multi || ev_is_active(&http.idle))
		return;
	ev_timer_init(&http.idle, on_idle, HTTP_IDLE_UNLOAD, 0.);
	ev_timer_start(daemon_ctx.loop, &http.idle);
}

static int http_init(struct err *e)
{
	ev_timer_stop(daemon_ctx.loop, &http.idle);
	if (http.multi)
		return 0;
	if (curl_fns_load(e) < 0)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_setc(e, ERR_INTERNAL, "curl_global_init failed");
	http.multi = curl_multi_init();
	if (!http.multi)
		return err_setc(e, ERR_INTERNAL, "curl_multi_init failed");
	curl_multi_setopt(http.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(http.multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(http.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)HTTP_MAX_CONNECTIONS);
	ev_timer_init(&http.timer, on_timer, 0., 0.);
	return 0;
}

/* ---- one request ---- */

static void take_status(struct http_req *r)
{
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
}

/* A 3xx with a Location this request follows. (Its absolute form,
 * CURLINFO_REDIRECT_URL, is known only once the transfer is done.) */
static bool wants_redirect(struct http_req *r)
{
	struct curl_header *h;

	return r->follow && r->status >= 300 && r->status <= 399 &&
	       curl_easy_header(r->easy, "Location", 0, CURLH_HEADER, -1,
				&h) == CURLHE_OK;
}

static void on_slice(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_req *r = w->data;

	curl_easy_pause(r->easy, CURLPAUSE_CONT); /* delivers what it held */
}

/* true: this iteration's slice is used; r is paused until the next. */
static bool slice_used(struct http_req *r, size_t len)
{
	unsigned it = ev_iteration(daemon_ctx.loop);

	if (it != http.iter) {
		http.iter = it;
		http.iter_bytes = 0;
	}
	if (http.iter_bytes >= HTTP_SLICE) {
		ev_timer_set(&r->slice, 0., 0.);
		ev_timer_start(daemon_ctx.loop, &r->slice);
		return true;
	}
	http.iter_bytes += len;
	return false;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	size_t len = size * n;
	int x = HTTP_CONTINUE;

	if (r->responded && slice_used(r, len))
		return CURL_WRITEFUNC_PAUSE; /* the same bytes come again */
	if (!r->responded && !r->redirecting) {
		take_status(r);
		r->redirecting = wants_redirect(r);
		r->responded = !r->redirecting;
		if (r->responded && r->o.on_response)
			x = r->o.on_response(r, r->status, r->o.ctx);
	}
	if (r->redirecting)
		return len; /* a redirect's body: nobody reads it */
	if (x == HTTP_CONTINUE && r->o.on_data)
		x = r->o.on_data(r, p, len, r->o.ctx);
	if (x == HTTP_PAUSE)
		return CURL_WRITEFUNC_PAUSE; /* the same bytes come again */
	if (x == HTTP_ABORT) {
		r->aborted = true;
		return 0; /* ends the transfer with CURLE_WRITE_ERROR */
	}
	return len;
}

static void on_upload_ready(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_req *r = w->data;

	ev_io_stop(loop, w);
	curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

/* The body from upload_fd; an empty pipe pauses the upload until it is
 * readable again. */
static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	ssize_t k = read(r->o.upload_fd, p, size * n);

	if (k >= 0)
		return (size_t)k;
	if (errno == EAGAIN || errno == EINTR) {
		ev_io_init(&r->upload_io, on_upload_ready, r->o.upload_fd,
			   EV_READ);
		r->upload_io.data = r;
		ev_io_start(daemon_ctx.loop, &r->upload_io);
		return CURL_READFUNC_PAUSE;
	}
	snprintf(r->errbuf, sizeof(r->errbuf), "read upload: %s",
		 strerror(errno));
	return CURL_READFUNC_ABORT;
}

static void req_unlink(struct http_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		http.reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	--http.n;
	idle_arm();
}

static void req_free(struct http_req *r)
{
	ev_io_stop(daemon_ctx.loop, &r->upload_io);
	ev_timer_stop(daemon_ctx.loop, &r->slice);
	resolve_cancel(r->resolving);
	if (r->added)
		curl_multi_remove_handle(http.multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	curl_slist_free_all(r->resolve);
	free(r->url);
	free(r);
}

/* ---- names and redirects ---- */

struct url_parts {
	char *scheme, *host; /* curl_free()d; an IPv6 host keeps its [] */
	long port;
};

static void url_parts_free(struct url_parts *u)
{
	curl_free(u->scheme);
	curl_free(u->host);
}

/* flags: CURLU_DEFAULT_SCHEME for "host:port" (a proxy). */
static int url_split(const char *url, unsigned flags, struct url_parts *u,
		     struct err *e)
{
	CURLU *h = curl_url();
	char *port = NULL;
	CURLUcode rc;

	memset(u, 0, sizeof(*u));
	if (!h)
		abort();
	rc = curl_url_set(h, CURLUPART_URL, url, flags);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_SCHEME, &u->scheme, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_HOST, &u->host, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	curl_url_cleanup(h);
	if (rc != CURLUE_OK) {
		url_parts_free(u);
		return err_setc(e, ERR_INVALID, "%s: bad URL: %s", url,
				curl_url_strerror(rc));
	}
	u->port = strtol(port, NULL, 10);
	curl_free(port);
	return 0;
}

static bool is_address(const char *host)
{
	struct in_addr a;

	return host[0] == '[' || inet_pton(AF_INET, host, &a) == 1;
}

static void add(struct http_req *r)
{
	/* Only arms the timer: nothing runs before the loop does. */
	curl_multi_add_handle(http.multi, r->easy);
	r->added = true;
}

static void use_addrs(struct http_req *r, const struct url_parts *u,
		      const char *addrs)
{
	struct buf b = { 0 };
	struct curl_slist *l;

	buf_printf(&b, "%s:%ld:%s", u->host, u->port, addrs);
	buf_append(&b, "", 1);
	l = curl_slist_append(NULL, b.data);
	buf_free(&b);
	if (!l)
		abort();
	curl_easy_setopt(r->easy, CURLOPT_RESOLVE, l);
	curl_slist_free_all(r->resolve); /* curl took the old one in */
	r->resolve = l;
}

static void req_fail(struct http_req *r, const struct err *why)
{
	struct err e = ERR_INIT;

	err_setc(&e, why->class, "%s: %s", r->url, why->msg);
	req_unlink(r);
	r->o.on_done(r, 0, &e, r->o.ctx);
	req_free(r);
}

static int route(struct http_req *r, struct err *e);

static void on_resolved(void *ctx, const char *addrs, const struct err *why)
{
	struct http_req *r = ctx;
	struct err e = ERR_INIT;

	r->resolving = NULL;
	if (!addrs)
		req_fail(r, why);
	else if (route(r, &e) < 0) /* now from the cache */
		req_fail(r, &e);
}

static const char *env2(const char *upper, const char *lower)
{
	const char *v = getenv(upper);

	return v && *v ? v : getenv(lower);
}

/* The proxy the environment names for u, as Docker reads it (HTTPS_PROXY
 * or HTTP_PROXY by the URL's scheme, never for loopback, not for a host
 * NO_PROXY names: proto/noproxy), or NULL; *var is its variable. */
static const char *proxy_for(const struct url_parts *u, const char **var)
{
	bool https = !strcasecmp(u->scheme, "https");
	const char *p = https ? env2("HTTPS_PROXY", "https_proxy")
			      : env2("HTTP_PROXY", "http_proxy");
	char host[256];
	size_t n = strlen(u->host);

	*var = https ? "HTTPS_PROXY" : "HTTP_PROXY";
	if (!p || !*p)
		return NULL;
	if (u->host[0] == '[' && n >= 2 && n - 2 < sizeof(host)) /* [v6] */
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), u->host + 1);
	else
		snprintf(host, sizeof(host), "%s", u->host);
	return noproxy_match(env2("NO_PROXY", "no_proxy"), host, u->port)
		       ? NULL
		       : p;
}

/* Point r at the proxy for u, if any: then *u becomes the proxy's. curl
 * is told the proxy every time ("" for none), so it never reads the
 * environment (it would look the proxy's name up itself). */
static int use_proxy(struct http_req *r, struct url_parts *u, struct err *e)
{
	const char *var, *proxy = proxy_for(u, &var);
	struct url_parts pu;

	curl_easy_setopt(r->easy, CURLOPT_PROXY, proxy ? proxy : "");
	if (!proxy)
		return 0;
	if (url_split(proxy, CURLU_DEFAULT_SCHEME, &pu, e) < 0)
		return err_setc(e, ERR_INVALID, "%s=%s: not a proxy URL", var,
				proxy);
	if (strcasecmp(pu.scheme, "http") && strcasecmp(pu.scheme, "https")) {
		err_setc(e, ERR_INVALID, "%s=%s: only http:// and https:// "
			 "proxies", var, proxy);
		url_parts_free(&pu);
		return -1;
	}
	url_parts_free(u);
	*u = pu;
	return 0;
}

/* Start r on its URL (or its proxy): at once for an address or a name
 * looked up lately, else once core/resolve has the name's addresses. */
static int route(struct http_req *r, struct err *e)
{
	struct url_parts u;
	const char *addrs;

	if (url_split(r->url, 0, &u, e) < 0)
		return -1;
	if (use_proxy(r, &u, e) < 0) {
		url_parts_free(&u);
		return -1;
	}
	if (is_address(u.host)) {
		add(r);
	} else if ((addrs = resolve_cached(u.host))) {
		use_addrs(r, &u, addrs);
		add(r);
	} else {
		r->resolving = resolve_name(u.host, on_resolved, r, e);
		if (!r->resolving) {
			url_parts_free(&u);
			return -1;
		}
	}
	url_parts_free(&u);
	return 0;
}

/* Credentials are for the host they were given for (curl's rule too):
 * a redirect elsewhere (a registry sending a blob to its CDN, whose
 * signed URL refuses a second credential) goes without them. */
static void drop_credentials(struct http_req *r)
{
	struct curl_slist *l = NULL;

	for (struct curl_slist *h = r->headers; h; h = h->next) {
		if (!strncasecmp(h->data, "Authorization:", 14))
			continue;
		if (!(l = curl_slist_append(l, h->data)))
			abort();
	}
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, l);
	curl_slist_free_all(r->headers);
	r->headers = l;
	curl_easy_setopt(r->easy, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(r->easy, CURLOPT_PASSWORD, NULL);
}

/* Run r again on its response's Location (with the same options: a
 * Range stays). */
static int follow(struct http_req *r, struct err *e)
{
	char *to = NULL;
	struct url_parts a, b;
	bool same;

	curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &to);
	if (!to)
		return err_setc(e, ERR_INVALID, "%s: %ld to a Location that is "
				"not a URL", r->url, r->status);
	if (++r->redirects > HTTP_MAX_REDIRECTS)
		return err_setc(e, ERR_INTERNAL, "%s: more than %d redirects",
				r->url, HTTP_MAX_REDIRECTS);
	to = xstrdup(to); /* curl's copy goes with the next URL */
	if (url_split(r->url, 0, &a, e) < 0) {
		free(to);
		return -1;
	}
	if (url_split(to, 0, &b, e) < 0) {
		url_parts_free(&a);
		free(to);
		return -1;
	}
	same = !strcasecmp(a.scheme, b.scheme) &&
	       !strcasecmp(a.host, b.host) && a.port == b.port;
	url_parts_free(&a);
	url_parts_free(&b);
	curl_multi_remove_handle(http.multi, r->easy);
	r->added = false;
	if (!same)
		drop_credentials(r);
	curl_easy_setopt(r->easy, CURLOPT_URL, to);
	free(r->url);
	r->url = to;
	r->redirecting = r->responded = false;
	r->status = 0;
	r->errbuf[0] = '\0';
	return route(r, e);
}

/* Which limit cut a transfer that timed out: the deadline (the whole
 * request took timeout_ms), the connect, or the minimum rate. */
static void timeout_message(struct http_req *r, struct err *e)
{
	const struct http_opts *o = &r->o;
	curl_off_t total = 0, conn = 0, got = 0;

	curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &total);
	curl_easy_getinfo(r->easy, CURLINFO_PRETRANSFER_TIME_T, &conn);
	curl_easy_getinfo(r->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
	if (o->timeout_ms > 0 && total / 1000 >= o->timeout_ms - 50)
		err_setc(e, ERR_BUSY, "%s: not done within the request "
			 "deadline of %.1f s (%s; %lld bytes received)", r->url,
			 (double)o->timeout_ms / 1000,
			 o->deadline_name ? o->deadline_name : "deadline",
			 (long long)got);
	else if (!conn && total / 1000000 >= HTTP_CONNECT_TIMEOUT - 1)
		err_setc(e, ERR_BUSY, "%s: connect timed out after %ld s",
			 r->url, HTTP_CONNECT_TIMEOUT);
	else
		err_setc(e, ERR_BUSY, "%s: slower than the minimum rate of "
			 "%ld bytes/s over %ld s (%s; %lld bytes received)",
			 r->url, o->min_rate > 0 ? o->min_rate : 1L,
			 o->rate_window_s > 0 ? o->rate_window_s
					      : HTTP_RATE_WINDOW,
			 o->rate_name ? o->rate_name : "minimum rate",
			 (long long)got);
	e->code = ETIMEDOUT;
}

/* A transport failure: its message, and in e->code its kind (http.h). */
static void fail_message(struct http_req *r, CURLcode rc, struct err *e)
{
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		timeout_message(r, e);
		return;
	}
	err_setc(e, ERR_INTERNAL, "%s: %s", r->url,
		 *r->errbuf ? r->errbuf : curl_easy_strerror(rc));
	switch (rc) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		e->code = ECONNRESET;
		break;
	case CURLE_COULDNT_CONNECT:
		e->code = ECONNREFUSED;
		break;
	default:
		break;
	}
}

static void req_finish(struct http_req *r, CURLcode rc)
{
	struct err e = ERR_INIT;
	bool failed = rc != CURLE_OK;

	take_status(r);
	if (!failed && !r->aborted &&
	    (r->redirecting || (!r->responded && wants_redirect(r)))) {
		if (follow(r, &e) == 0)
			return; /* on_done comes with the final response */
		req_unlink(r);
		r->o.on_done(r, 0, &e, r->o.ctx);
		req_free(r);
		return;
	}
	if (!failed && !r->responded && r->o.on_response) {
		r->responded = true; /* a response without a body */
		if (r->o.on_response(r, r->status, r->o.ctx) == HTTP_ABORT)
			r->aborted = failed = true;
	}
	if (r->aborted)
		err_setc(&e, ERR_CANCELED, "%s: canceled", r->url);
	else if (failed)
		fail_message(r, rc, &e);
	req_unlink(r);
	r->o.on_done(r, r->status, failed ? &e : NULL, r->o.ctx);
	req_free(r);
}

static void http_check_done(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(http.multi, &left))) {
		struct http_req *r = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
		if (r)
			req_finish(r, m->data.result);
	}
}

static int set_body(struct http_req *r, const struct http_opts *o)
{
	CURL *c = r->easy;

	if (o->method && !strcmp(o->method, "HEAD"))
		return curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (o->method && strcmp(o->method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	if (o->upload) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, r);
		return curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
					(curl_off_t)o->upload_size);
	}
	if (!o->body && !(o->method && (!strcmp(o->method, "PUT") ||
					!strcmp(o->method, "POST"))))
		return CURLE_OK;
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)o->body_len);
	return curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS,
				o->body ? (const char *)o->body : "");
}

struct http_req *http_start(const struct http_opts *o, struct err *e)
{
	struct http_req *r;
	char range[32];
	CURLcode rc = CURLE_OK;
	CURL *c;

	if (!o->url || !o->on_done)
		return err_setc(e, ERR_INVALID, "http: no url or on_done"), NULL;
	if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))
		return err_setc(e, ERR_INVALID,
				"%s: only http:// and https:// URLs", o->url),
		       NULL;
	if (http_init(e) < 0)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	ev_timer_init(&r->slice, on_slice, 0., 0.);
	r->slice.data = r;
	r->url = xstrdup(o->url);
	if (!(r->easy = curl_easy_init()))
		abort();
	r->o = *o;
	c = r->easy;
	for (const char *const *h = o->headers; h && *h; h++) {
		struct curl_slist *l = curl_slist_append(r->headers, *h);
		if (!l)
			abort();
		r->headers = l;
	}
#define SET(opt, val)                                                          \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(c, opt, val);                    \
	} while (0)
	SET(CURLOPT_URL, o->url);
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L); /* follow() does, resolving first */
	SET(CURLOPT_HTTPHEADER, r->headers);
	SET(CURLOPT_USERAGENT, "skiff/" SKIFF_VERSION);
	SET(CURLOPT_BUFFERSIZE, (long)HTTP_BUFFER);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	SET(CURLOPT_LOW_SPEED_LIMIT, o->min_rate > 0 ? o->min_rate : 1L);
	SET(CURLOPT_LOW_SPEED_TIME,
	    o->rate_window_s > 0 ? o->rate_window_s : HTTP_RATE_WINDOW);
	if (o->timeout_ms > 0)
		SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	if (o->range_from > 0) {
		snprintf(range, sizeof(range), "%lld-", (long long)o->range_from);
		SET(CURLOPT_RANGE, range);
	}
	if (o->ca_file) { /* added to the system's CAs, as Docker does */
		SET(CURLOPT_CAINFO, o->ca_file);
		SET(CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (o->cert_file) {
		SET(CURLOPT_SSLCERT, o->cert_file);
		SET(CURLOPT_SSLKEY, o->key_file ? o->key_file : o->cert_file);
	}
	if (o->user) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, o->user);
		SET(CURLOPT_PASSWORD, o->password ? o->password : "");
	}
#undef SET
	if (rc == CURLE_OK)
		rc = set_body(r, o);
	if (rc != CURLE_OK) {
		err_setc(e, ERR_INTERNAL, "%s: %s", o->url, curl_easy_strerror(rc));
		curl_easy_cleanup(c);
		curl_slist_free_all(r->headers);
		free(r->url);
		free(r);
		return NULL;
	}
	r->follow = !o->no_redirect && !o->upload &&
		    (!o->method || !strcmp(o->method, "GET") ||
		     !strcmp(o->method, "HEAD"));
	if (route(r, e) < 0) {
		req_free(r);
		idle_arm();
		return NULL;
	}
	r->next = http.reqs;
	if (http.reqs)
		http.reqs->prev = r;
	http.reqs = r;
	http.n++;
	return r;
}

void http_cancel(struct http_req *r)
{
	if (!r)
		return;
	req_unlink(r);
	req_free(r);
}

void http_resume(struct http_req *r)
{
	curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

const char *http_header(struct http_req *r, const char *name)
{
	struct curl_header *h;

	if (curl_easy_header(r->easy, name, 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK)
		return NULL;
	return h->value;
}

const char *http_effective_url(struct http_req *r)
{
	char *u = NULL;

	curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &u);
	return u ? u : r->url;
}

unsigned http_active(void)
{
	return http.n;
}

bool http_release(void)
{
	if (!http.multi || http.n)
		return false;
	ev_timer_stop(daemon_ctx.loop, &http.idle);
	ev_timer_stop(daemon_ctx.loop, &http.timer);
	curl_multi_cleanup(http.multi); /* closes kept connections */
	http.multi = NULL;
	curl_global_cleanup();
	curl_fns_unload();
	return true;
}

void http_shutdown(void)
{
	while (http.reqs)
		http_cancel(http.reqs);
	resolve_shutdown();
	http_release();
}
