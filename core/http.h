/* http.h - HTTP(S) requests on the daemon's loop (DESIGN.md section 2).
 *
 * libcurl's multi-socket interface driven by libev: curl tells us which
 * sockets to watch and when its timer is due; we never call a blocking
 * curl function and never wait. Used for the registry (distribution) API
 * and, later, etcd's JSON gateway.
 *
 * A request is started with http_start() and ends exactly once with
 * on_done, called from the loop (never from inside http_start). The body
 * arrives through on_data in order; on_data may return HTTP_PAUSE to stop
 * the transfer until http_resume() (back-pressure: a slow disk or helper
 * holds the socket, nothing is buffered without bound) or HTTP_ABORT to
 * end it (on_done then gets ERR_CANCELED). on_response, when set, is
 * called once the final response's headers are in (after redirects),
 * before any body; it may return HTTP_ABORT too.
 *
 * A failure of the transport (not an HTTP status) says what kind it was
 * in e->code: ETIMEDOUT (a limit cut it, or the connect took too long),
 * ECONNRESET (the connection broke: reset, closed early, nothing
 * answered), ECONNREFUSED (nobody listens), else 0; a caller retries
 * by it.
 *
 * Owns: the multi handle, one ev_io per socket curl uses, one ev_timer,
 * and every struct http_req until its on_done has returned.
 *
 * Name resolution: IP literals and "localhost" never leave the loop; other
 * names are resolved by libcurl's own resolver (Debian's libcurl runs
 * getaddrinfo in a short-lived thread of its own). */
#ifndef SKIFF_HTTP_H
#define SKIFF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum { HTTP_CONTINUE = 0, HTTP_PAUSE = 1, HTTP_ABORT = -1 };

struct http_req;

struct http_opts {
	const char *method;	     /* NULL: GET (HEAD has no body) */
	const char *url;	     /* http:// or https:// */
	const char *const *headers;  /* "Name: value", NULL-terminated */
	const void *body;	     /* request body (PUT/POST), copied */
	size_t body_len;
	int64_t range_from;	     /* > 0: ask for bytes from here on */
	/* Upload the body from this non-blocking fd (a pipe) instead of
	 * body: read as curl sends, the transfer waits while it is empty;
	 * upload_size is its length, or -1 for chunked transfer encoding.
	 * The caller keeps the fd open until on_done. */
	int upload_fd;
	int64_t upload_size;
	const char *ca_file;	     /* extra CA bundle for this host */
	const char *cert_file;	     /* client certificate (PEM), and */
	const char *key_file;	     /* its key, for TLS client auth */
	const char *user, *password; /* basic auth, when user is set */
	bool no_redirect;	     /* default: follow up to 10 */
	bool upload;		     /* the body comes from upload_fd */
	/* Give up when fewer than min_rate bytes/s (0: 1) arrive over
	 * rate_window_s seconds (0: 30; curl's low-speed check, its rate
	 * averaged over the last few seconds), or when the whole request
	 * takes longer than timeout_ms (0: no limit). The error then says
	 * which limit cut it, by rate_name or deadline_name when set (the
	 * config keys that set them), and has code ETIMEDOUT. */
	long min_rate;
	long rate_window_s;
	long timeout_ms;
	const char *rate_name, *deadline_name; /* static strings */
	int (*on_response)(struct http_req *r, long status, void *ctx);
	int (*on_data)(struct http_req *r, const char *p, size_t n, void *ctx);
	/* e is NULL on success (any HTTP status: check it). */
	void (*on_done)(struct http_req *r, long status, const struct err *e,
			void *ctx);
	void *ctx;
};

/* o->upload_fd is used only when o->upload is set (0 is a valid fd). */
struct http_req *http_start(const struct http_opts *o, struct err *e);
/* End a request now (not from inside its own callbacks: return
 * HTTP_ABORT there); its on_done is not called. */
void http_cancel(struct http_req *r);
/* Resume a transfer its on_data paused. */
void http_resume(struct http_req *r);
/* A header of the final response (case-insensitive name), or NULL. */
const char *http_header(struct http_req *r, const char *name);
/* The URL the body came from (after redirects). */
const char *http_effective_url(struct http_req *r);
/* Requests in flight. */
unsigned http_active(void);
/* Close kept connections and unload libcurl if no request is in flight;
 * the next http_start loads it again. Done by itself HTTP_IDLE_UNLOAD s
 * after the last request ends. True if it unloaded. */
bool http_release(void);
/* Cancel everything and free the multi handle (shutdown). */
void http_shutdown(void);

#endif
