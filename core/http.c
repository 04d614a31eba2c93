/* http.c - HTTP(S) requests on the daemon's loop (see http.h).
 *
 * libcurl is loaded (curl_fns.h) and the multi handle made on first use. curl asks for socket interest
 * through on_socket (one struct http_sock, an ev_io, per socket, kept as
 * curl's socket pointer) and for a timeout through on_curl_timer (our one
 * ev_timer); both only arm watchers. The watchers call
 * curl_multi_socket_action, then collect finished transfers, whose
 * on_done runs there: outside any curl callback, so an owner may start
 * the next request (or free its state) from it. */
#include "http.h"

#include "curl_fns.h"
#include <ev.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon.h"

#define HTTP_BUFFER (256 * 1024) /* curl's receive buffer: fewer wake-ups */
#define HTTP_MAX_CONNECTIONS 16

struct http_req {
	CURL *easy;
	struct curl_slist *headers;
	struct http_opts o; /* callbacks and ctx (strings are not kept) */
	char *url;
	char errbuf[CURL_ERROR_SIZE];
	bool responded, aborted;
	ev_io upload_io; /* upload_fd was empty: resume when readable */
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
	struct http_req *reqs;
	unsigned n;
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
		k = calloc(1, sizeof(*k));
		if (!k)
			abort();
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

static int http_init(struct err *e)
{
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

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	size_t len = size * n;
	int x = HTTP_CONTINUE;

	if (!r->responded) {
		r->responded = true;
		take_status(r);
		if (r->o.on_response)
			x = r->o.on_response(r, r->status, r->o.ctx);
	}
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
	http.n--;
}

static void req_free(struct http_req *r)
{
	ev_io_stop(daemon_ctx.loop, &r->upload_io);
	curl_multi_remove_handle(http.multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->url);
	free(r);
}

static void req_finish(struct http_req *r, CURLcode rc)
{
	struct err e = ERR_INIT;
	bool failed = rc != CURLE_OK;

	take_status(r);
	if (!failed && !r->responded && r->o.on_response) {
		r->responded = true; /* a response without a body */
		if (r->o.on_response(r, r->status, r->o.ctx) == HTTP_ABORT)
			r->aborted = failed = true;
	}
	if (r->aborted)
		err_setc(&e, ERR_CANCELED, "%s: canceled", r->url);
	else if (failed)
		err_setc(&e, rc == CURLE_OPERATION_TIMEDOUT ? ERR_BUSY
							    : ERR_INTERNAL,
			 "%s: %s", r->url,
			 *r->errbuf ? r->errbuf : curl_easy_strerror(rc));
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
	r = calloc(1, sizeof(*r));
	if (!r || !(r->url = strdup(o->url)) || !(r->easy = curl_easy_init()))
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
	SET(CURLOPT_FOLLOWLOCATION, o->no_redirect ? 0L : 1L);
	SET(CURLOPT_MAXREDIRS, 10L);
	SET(CURLOPT_HTTPHEADER, r->headers);
	SET(CURLOPT_USERAGENT, "skiff/" SKIFF_VERSION);
	SET(CURLOPT_BUFFERSIZE, (long)HTTP_BUFFER);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, 30L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, o->stall_seconds > 0 ? o->stall_seconds : 30L);
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
	r->next = http.reqs;
	if (http.reqs)
		http.reqs->prev = r;
	http.reqs = r;
	http.n++;
	/* Only arms the timer: nothing runs before the loop does. */
	curl_multi_add_handle(http.multi, c);
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

void http_shutdown(void)
{
	while (http.reqs)
		http_cancel(http.reqs);
	if (!http.multi)
		return;
	ev_timer_stop(daemon_ctx.loop, &http.timer);
	curl_multi_cleanup(http.multi);
	http.multi = NULL;
	curl_global_cleanup();
}
