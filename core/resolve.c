/* resolve.c - host names resolved in helper processes (see resolve.h).
 *
 * One struct name per host asked for: its last answer and when it
 * expires, and while a lookup runs, its helper (core/helper) and the
 * callers waiting. The helper writes the addresses as one line and ends
 * with its result frame (a failure keeps its class and message);
 * both are read on the loop, never waited for. Names are few (a
 * registry, its token server, a blob CDN): the list is searched in order
 * and cut to NAMES_MAX, dropping expired answers first. */
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "daemon.h"
#include "helper.h"

#define NAMES_MAX 64
#define LOOKUP_TIMEOUT 30.0 /* seconds: a hung NSS module or resolver */
#define ANSWER_MAX 2048
#define ADDRS_MAX 16 /* addresses kept of one answer */

struct resolve_wait {
	struct name *n;
	resolve_fn fn;
	void *ctx;
	struct resolve_wait *next;
};

struct name {
	char *host;
	char *addrs; /* the last good answer, or NULL */
	ev_tstamp expires;
	struct helper h;   /* the lookup; running while h.proc */
	char *answer;	   /* the line it wrote */
	bool looking;	   /* h started and not ended */
	struct resolve_wait *waiting;
	struct resolve_wait *answering; /* being told, one at a time */
	bool telling;	  /* in lookup_done's loop: not to be freed */
	bool timed_out;	  /* the helper was killed by the timer */
	ev_timer timer;	  /* LOOKUP_TIMEOUT for the helper */
	struct name *next;
};

static struct name *names;
static unsigned n_names;

/* ---- in the helper ---- */

/* host's TCP addresses appended to out, comma-separated, each once, IPv6
 * ones in brackets ("10.0.0.2,[fd00::2]"): the form CURLOPT_RESOLVE
 * takes. ERR_NOT_FOUND naming the host when it has none. getaddrinfo
 * blocks (DNS, /etc/hosts, NSS), which is why this runs only here, in
 * the helper process: core may not reach net/ (DESIGN.md 1), and this
 * body is plain libc. */
static int lookup_addrs(const char *host, struct buf *out, struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	size_t start = out->len;
	int rc, n = 0;

	rc = getaddrinfo(host, NULL, &hints, &res); /* lint: in a helper */
	if (rc != 0)
		return err_setc(e, ERR_NOT_FOUND, "%s: %s", host,
				rc == EAI_SYSTEM ? strerror(errno)
						 : gai_strerror(rc));
	for (struct addrinfo *a = res; a && n < ADDRS_MAX; a = a->ai_next) {
		char text[INET6_ADDRSTRLEN + 2], ip[INET6_ADDRSTRLEN];
		const void *p;

		if (a->ai_family == AF_INET6)
			p = &((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		else if (a->ai_family == AF_INET)
			p = &((const struct sockaddr_in *)a->ai_addr)->sin_addr;
		else
			continue;
		if (!inet_ntop(a->ai_family, p, ip, sizeof(ip)))
			continue;
		snprintf(text, sizeof(text),
			 a->ai_family == AF_INET6 ? "[%s]" : "%s", ip);
		if (out->len > start &&
		    memmem(out->data + start, out->len - start, text,
			   strlen(text)))
			continue; /* one per address, not per socket type */
		if (n++)
			buf_puts(out, ",");
		buf_puts(out, text);
	}
	freeaddrinfo(res);
	if (!n)
		return err_setc(e, ERR_NOT_FOUND,
				"%s: no IPv4 or IPv6 address", host);
	return 0;
}

static int lookup_main(void *arg, struct err *e)
{
	const char *host = arg;
	struct buf b = { 0 };

	if (lookup_addrs(host, &b, e) < 0)
		return -1;
	buf_puts(&b, "\n");
	if (write(1, b.data, b.len) != (ssize_t)b.len)
		return err_set(e, errno, "write");
	return 0;
}

/* ---- on the loop ---- */

static void name_free(struct name *n)
{
	free(n->host);
	free(n->addrs);
	free(n->answer);
	free(n);
}

/* Drop answers nobody waits for, expired ones first, down to NAMES_MAX. */
static void names_trim(void)
{
	ev_tstamp now = ev_now(daemon_ctx.loop);

	for (int pass = 0; pass < 2 && n_names >= NAMES_MAX; pass++) {
		for (struct name **pp = &names; *pp;) {
			struct name *n = *pp;
			bool busy = n->looking || n->waiting || n->answering ||
				    n->telling;
			if (!busy && (pass || n->expires <= now)) {
				*pp = n->next;
				name_free(n);
				n_names--;
				if (n_names < NAMES_MAX)
					return;
			} else {
				pp = &n->next;
			}
		}
	}
}

static struct name *name_find(const char *host)
{
	for (struct name *n = names; n; n = n->next)
		if (!strcasecmp(n->host, host))
			return n;
	return NULL;
}

const char *resolve_cached(const char *host)
{
	struct name *n = name_find(host);

	if (!n || !n->addrs || n->expires <= ev_now(daemon_ctx.loop))
		return NULL;
	return n->addrs;
}

static void lookup_line(struct helper *h, char *line)
{
	struct name *n = h->owner;

	if (!n->answer && line[0] && strlen(line) < ANSWER_MAX)
		n->answer = strdup(line);
}

/* The answer, or NULL with e saying why. */
static char *lookup_answer(struct name *n, const struct err *result,
			   struct err *e)
{
	if (result->class == ERR_OK && n->answer)
		return steal_ptr(&n->answer);
	if (n->timed_out)
		err_setc(e, ERR_BUSY, "resolve %s: no answer in %.0f s",
			 n->host, LOOKUP_TIMEOUT);
	else if (result->class != ERR_OK)
		err_setc(e, result->class, "resolve %s", result->msg);
	else
		err_setc(e, ERR_INTERNAL, "resolve %s: no answer", n->host);
	return NULL;
}

static void lookup_done(struct helper *h, const struct err *result)
{
	struct name *n = h->owner;
	struct err e = ERR_INIT;
	char *addrs = lookup_answer(n, result, &e);
	struct resolve_wait *w;

	helper_close(h);
	free(n->answer);
	n->answer = NULL;
	ev_timer_stop(daemon_ctx.loop, &n->timer);
	n->looking = false;
	n->timed_out = false;
	if (addrs) {
		free(n->addrs);
		n->addrs = addrs;
		n->expires = ev_now(daemon_ctx.loop) + RESOLVE_TTL;
	}
	/* One at a time: a callback may cancel a waiter or ask again (a
	 * new waiter then waits for a new lookup). */
	n->answering = n->waiting;
	n->waiting = NULL;
	n->telling = true;
	while ((w = n->answering)) {
		n->answering = w->next;
		w->fn(w->ctx, addrs ? n->addrs : NULL, addrs ? NULL : &e);
		free(w);
	}
	n->telling = false;
}

static void on_lookup_timeout(struct ev_loop *loop, ev_timer *t,
			      int revents)
{
	struct name *n = t->data;

	n->timed_out = true;
	if (n->h.proc) /* lookup_done tells the waiters */
		proc_signal(n->h.proc, SIGKILL);
}

static int lookup_start(struct name *n, struct err *e)
{
	n->h.owner = n;
	n->h.on_line = lookup_line;
	n->h.on_end = lookup_done;
	if (helper_start(&n->h, lookup_main, n->host, NULL, e) < 0)
		return err_wrap(e, "resolve %s", n->host);
	n->looking = true;
	ev_timer_init(&n->timer, on_lookup_timeout, LOOKUP_TIMEOUT, 0.);
	n->timer.data = n;
	ev_timer_start(daemon_ctx.loop, &n->timer);
	return 0;
}

struct resolve_wait *resolve_name(const char *host, resolve_fn fn,
				  void *ctx, struct err *e)
{
	struct name *n = name_find(host);
	struct resolve_wait *w;

	if (!n) {
		names_trim();
		n = xcalloc(1, sizeof(*n));
		n->host = xstrdup(host);
		helper_init(&n->h);
		n->next = names;
		names = n;
		n_names++;
	}
	if (!n->looking && lookup_start(n, e) < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->n = n;
	w->fn = fn;
	w->ctx = ctx;
	w->next = n->waiting;
	n->waiting = w;
	return w;
}

static bool unlink_wait(struct resolve_wait **pp, struct resolve_wait *w)
{
	for (; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return true;
		}
	}
	return false;
}

void resolve_cancel(struct resolve_wait *w)
{
	if (!w)
		return;
	if (!unlink_wait(&w->n->waiting, w))
		unlink_wait(&w->n->answering, w);
	free(w);
}

void resolve_shutdown(void)
{
	struct name *n;

	while ((n = names)) {
		names = n->next;
		while (n->waiting) {
			struct resolve_wait *w = n->waiting;
			n->waiting = w->next;
			free(w);
		}
		ev_timer_stop(daemon_ctx.loop, &n->timer);
		helper_kill(&n->h);
		name_free(n);
	}
	n_names = 0;
}
