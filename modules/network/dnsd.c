/* dnsd.c - the embedded DNS server on the loop (see dnsd.h).
 *
 * Owns one struct dnssrv (net/dnssrv.h: answers, forwarding, deadlines)
 * with an ev_io per upstream socket (and per TCP connection to an
 * upstream, struct dnsd_tcpup) and one ev_timer for its next
 * deadline, re-armed after every call into it; per attached container a
 * struct dnsd_ctr: its dnssrv client, an ev_io on its UDP and its
 * listening TCP socket (bound in its netns by a short-lived child that
 * shares our memory and fds: dnsd_listen_in), and
 * its TCP connections (struct dnsd_conn: bounded input and output, at
 * most DNSD_CONNS_MAX per container). A connection is freed only from
 * its own callback or at detach (after ev_clear_pending). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/base/xalloc.h"
#include "../../net/dnssrv.h"
#include "dnsd.h"

#define DNSD_CONNS_MAX 16	 /* TCP connections per container */
#define DNSD_OUT_MAX (256 << 10) /* a TCP reader this far behind is cut */
#define DNSD_UDP_BATCH 64	 /* datagrams per wake-up */

struct dnsd_ctr;

struct dnsd_conn {
	ev_io io;
	int fd;
	struct dnsd_ctr *ctr;
	struct buf in, out;
	bool dead; /* a write failed: closed at its next callback */
	struct dnsd_conn *next;
};

struct dnsd_ctr {
	struct dnsd *d;
	char *id;
	struct dnssrv_client *client;
	int ufd, tfd; /* its 127.0.0.11:53, UDP and listening TCP */
	ev_io uio, tio;
	struct dnsd_conn *conns;
	int nconns;
	struct dnsd_ctr *next;
};

/* An ev_io on one of dnssrv's TCP connections to an upstream (a TCP
 * client's forwarded query). Stopped ones wait on a spare list, freed
 * only by dnsd_free: dnssrv may stop one from inside its callback. */
struct dnsd_tcpup {
	ev_io io;
	struct dnsd_tcpup *next;
};

struct dnsd {
	struct ev_loop *loop;
	struct dnsd_tcpup *tcpups, *spare;
	struct dnsd_ops ops;
	struct dnssrv *srv;
	ev_io up[2];
	int nup;
	ev_timer timer;
	struct dnsd_ctr *ctrs;
	uint8_t *dgram; /* 64 KiB: the datagram being read */
};

/* dnssrv's next deadline on our timer. */
static void dnsd_rearm(struct dnsd *d)
{
	int ms = dnssrv_next_ms(d->srv);

	ev_timer_stop(d->loop, &d->timer);
	if (ms >= 0) {
		ev_timer_set(&d->timer, ms / 1000.0 + 0.001, 0);
		ev_timer_start(d->loop, &d->timer);
	}
}

static void dnsd_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dnsd *d = w->data;

	dnssrv_expire(d->srv);
	dnsd_rearm(d);
}

static void dnsd_on_upstream(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dnsd *d = w->data;

	dnssrv_readable(d->srv, w->fd);
	dnsd_rearm(d);
}

static void dnsd_on_tcpup(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dnsd *d = w->data;

	dnssrv_io(d->srv, w->fd,
		  revents & EV_WRITE ? DNSSRV_WRITE : DNSSRV_READ);
	dnsd_rearm(d);
}

/* ops.watch of dnssrv: start, change or stop watching an upstream TCP
 * connection. */
static void dnsd_watch_up(void *arg, int fd, int events)
{
	struct dnsd *d = arg;
	struct dnsd_tcpup **pp, *u;

	for (pp = &d->tcpups; *pp && (*pp)->io.fd != fd; pp = &(*pp)->next)
		;
	if ((u = *pp)) {
		ev_io_stop(d->loop, &u->io);
		if (!events) { /* to the spare list */
			*pp = u->next;
			u->next = d->spare;
			d->spare = u;
			return;
		}
	} else if (!events) {
		return;
	} else if ((u = d->spare)) {
		d->spare = u->next;
		u->next = d->tcpups;
		d->tcpups = u;
	} else {
		u = xcalloc(1, sizeof(*u));
		u->next = d->tcpups;
		d->tcpups = u;
	}
	ev_io_init(&u->io, dnsd_on_tcpup, fd,
		   (events & DNSSRV_READ ? EV_READ : 0) |
		       (events & DNSSRV_WRITE ? EV_WRITE : 0));
	u->io.data = d;
	ev_io_start(d->loop, &u->io);
}

/* Write what c->out holds; arm write interest only if the kernel's
 * buffer is full. -1: the connection is broken. */
static int dnsd_conn_flush(struct dnsd_conn *c)
{
	struct ev_loop *loop = c->ctr->d->loop;

	while (buf_used(&c->out)) {
		ssize_t n = send(c->fd, buf_head(&c->out), buf_used(&c->out),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		buf_consume(&c->out, (size_t)n);
	}
	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_READ | (buf_used(&c->out) ? EV_WRITE : 0));
	ev_io_start(loop, &c->io);
	return 0;
}

/* ops.send of dnssrv: UDP back to the sender from the container's own
 * socket, TCP into the connection's output. */
static void dnsd_send(void *arg, const struct dnssrv_peer *p, const uint8_t *m,
		      size_t len)
{
	struct dnsd_ctr *ctr = dnssrv_client_owner(p->client);
	struct dnsd_conn *c = p->conn;

	if (!c) {
		(void)!sendto(ctr->ufd, m, len, MSG_DONTWAIT,
			      (const struct sockaddr *)&p->addr, p->addrlen);
		return;
	}
	if (c->dead)
		return;
	buf_append(&c->out, m, len);
	if (buf_used(&c->out) > DNSD_OUT_MAX || dnsd_conn_flush(c) < 0) {
		c->dead = true; /* closed in its own callback, never here */
		ev_feed_event(ctr->d->loop, &c->io, EV_READ);
	}
}

static void dnsd_conn_free(struct dnsd_conn *c)
{
	struct dnsd_ctr *ctr = c->ctr;
	struct dnsd_conn **pp;

	dnssrv_conn_gone(ctr->d->srv, c);
	ev_io_stop(ctr->d->loop, &c->io);
	ev_clear_pending(ctr->d->loop, &c->io);
	for (pp = &ctr->conns; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	ctr->nconns--;
	close(c->fd);
	buf_free(&c->in), buf_free(&c->out);
	free(c);
}

/* Read what came; answer each whole message. -1: close. */
static int dnsd_conn_read(struct dnsd_conn *c)
{
	struct dnsd_ctr *ctr = c->ctr;
	const uint8_t *msg;
	size_t len, used;
	ssize_t n;

	if (buf_used(&c->in) >= 2 + 65535)
		return -1; /* cannot happen with framing: a whole one is read */
	n = recv(c->fd, buf_reserve(&c->in, 16384), 16384, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->in.len += (size_t)n;
	while (!c->dead &&
	       (used = dnssrv_tcp_frame((uint8_t *)buf_head(&c->in),
					buf_used(&c->in), &msg, &len))) {
		dnssrv_tcp(ctr->d->srv, ctr->client, c, msg, len);
		buf_consume(&c->in, used);
	}
	dnsd_rearm(ctr->d);
	return 0;
}

static void dnsd_on_conn(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dnsd_conn *c = w->data;

	if (!c->dead && (revents & EV_WRITE) && dnsd_conn_flush(c) < 0)
		c->dead = true;
	if (!c->dead && (revents & EV_READ) && dnsd_conn_read(c) < 0)
		c->dead = true;
	if (c->dead)
		dnsd_conn_free(c);
}

static void dnsd_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dnsd_ctr *ctr = w->data;

	for (int i = 0; i < DNSD_CONNS_MAX; i++) {
		int fd =
		    accept4(ctr->tfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct dnsd_conn *c;

		if (fd < 0)
			return; /* EAGAIN, or EMFILE: the next wake-up */
		if (ctr->nconns >= DNSD_CONNS_MAX) {
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->ctr = ctr;
		c->next = ctr->conns;
		ctr->conns = c;
		ctr->nconns++;
		ev_io_init(&c->io, dnsd_on_conn, fd, EV_READ);
		c->io.data = c;
		ev_io_start(loop, &c->io);
	}
}

static void dnsd_on_udp(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dnsd_ctr *ctr = w->data;
	uint8_t *m = ctr->d->dgram;

	for (int i = 0; i < DNSD_UDP_BATCH; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(ctr->ufd, m, 65536, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		dnssrv_udp(ctr->d->srv, ctr->client, m, (size_t)n,
			   (struct sockaddr *)&from, fl);
	}
	dnsd_rearm(ctr->d);
}

/* The child of dnsd_listen_in: it shares our memory and fd table
 * (CLONE_VM | CLONE_FILES), enters the netns, binds, and exits; we are
 * suspended meanwhile (CLONE_VFORK), as with vfork. */
struct dnsd_listen {
	int netns_fd;
	int fds[2];
	int rc;
	struct err e;
};

static int dnsd_listen_child(void *arg)
{
	struct dnsd_listen *l = arg;

	l->rc = dnssrv_listen(l->netns_fd, DNSD_ADDR, 53, l->fds, &l->e);
	_exit(0);
}

/* ctr's sockets, bound inside netns_fd by a short-lived child so that
 * skiffd's own thread never changes namespace. Costs a clone and an
 * exit (~0.1 ms); the child never runs anything but dnssrv_listen. */
static int dnsd_listen_in(int netns_fd, int *fds, struct err *e)
{
	struct dnsd_listen l = {
	    .netns_fd = netns_fd, .fds = {-1, -1}, .rc = -1};
	size_t size = 64 << 10;
	void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid;
	int st;

	if (stack == MAP_FAILED)
		return err_set(e, errno, "mmap");
	pid = clone(dnsd_listen_child, (char *)stack + size,
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &l);
	if (pid < 0) {
		err_set(e, errno, "clone");
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (l.rc < 0)
			*e = l.e;
	}
	munmap(stack, size);
	if (pid < 0 || l.rc < 0)
		return -1;
	fds[0] = l.fds[0], fds[1] = l.fds[1];
	return 0;
}

static void dnsd_ctr_close(struct dnsd_ctr *ctr)
{
	struct ev_loop *loop = ctr->d->loop;

	while (ctr->conns)
		dnsd_conn_free(ctr->conns);
	ev_io_stop(loop, &ctr->uio);
	ev_io_stop(loop, &ctr->tio);
	if (ctr->ufd >= 0)
		close(ctr->ufd);
	if (ctr->tfd >= 0)
		close(ctr->tfd);
	ctr->ufd = ctr->tfd = -1;
}

static void dnsd_ctr_free(struct dnsd_ctr *ctr)
{
	struct dnsd_ctr **pp;

	for (pp = &ctr->d->ctrs; *pp != ctr; pp = &(*pp)->next)
		;
	*pp = ctr->next;
	dnsd_ctr_close(ctr);
	dnssrv_client_free(ctr->d->srv, ctr->client);
	free(ctr->id);
	free(ctr);
}

/* Watch ctr's sockets fds. */
static void dnsd_watch(struct dnsd_ctr *ctr, const int *fds)
{
	struct dnsd *d = ctr->d;

	ctr->ufd = fds[0], ctr->tfd = fds[1];
	ev_io_init(&ctr->uio, dnsd_on_udp, ctr->ufd, EV_READ);
	ev_io_init(&ctr->tio, dnsd_on_accept, ctr->tfd, EV_READ);
	ctr->uio.data = ctr->tio.data = ctr;
	ev_io_start(d->loop, &ctr->uio);
	ev_io_start(d->loop, &ctr->tio);
}

static struct dnsd_ctr *dnsd_find(struct dnsd *d, const char *id)
{
	struct dnsd_ctr *c;

	for (c = d->ctrs; c && strcmp(c->id, id); c = c->next)
		;
	return c;
}

int dnsd_attach(struct dnsd *d, const char *ctr_id, int netns_fd,
		const char *const *upstreams, size_t nupstreams, struct err *e)
{
	struct dnsd_ctr *ctr = dnsd_find(d, ctr_id);
	int fds[2];

	if (ctr)
		return dnssrv_client_upstreams(ctr->client, upstreams,
					       nupstreams, e);
	ctr = xcalloc(1, sizeof(*ctr));
	ctr->d = d;
	ctr->id = xstrdup(ctr_id);
	ctr->ufd = ctr->tfd = -1;
	ctr->client = dnssrv_client_new(d->srv, ctr, upstreams, nupstreams, e);
	ctr->next = d->ctrs;
	d->ctrs = ctr;
	if (!ctr->client || dnsd_listen_in(netns_fd, fds, e) < 0) {
		err_wrap(e, "dns for %.12s", ctr_id);
		if (d->ops.ready)
			d->ops.ready(d->ops.arg, ctr_id, e);
		dnsd_ctr_free(ctr);
		return -1;
	}
	dnsd_watch(ctr, fds);
	if (d->ops.ready)
		d->ops.ready(d->ops.arg, ctr->id, NULL);
	return 0;
}

void dnsd_detach(struct dnsd *d, const char *ctr_id)
{
	struct dnsd_ctr *ctr = dnsd_find(d, ctr_id);

	if (ctr) {
		dnsd_ctr_free(ctr);
		dnsd_rearm(d);
	}
}

void dnsd_changed(struct dnsd *d)
{
	dnssrv_changed(d->srv);
}

static int dnsd_fill(void *arg, void *owner, struct dns_table *t, struct err *e)
{
	struct dnsd *d = arg;
	struct dnsd_ctr *ctr = owner;

	return d->ops.fill(d->ops.arg, ctr->id, t, e);
}

struct dnsd *dnsd_new(struct ev_loop *loop, const struct dnsd_ops *ops,
		      const struct dnsd_conf *conf, struct err *e)
{
	struct dnsd *d = xcalloc(1, sizeof(*d));
	struct dnssrv_ops sops = {
	    .fill = dnsd_fill, .send = dnsd_send, .watch = dnsd_watch_up,
	    .arg = d};
	struct dnssrv_conf sconf = {0};
	int fds[2];

	if (conf)
		sconf.try_ms = conf->try_ms, sconf.total_ms = conf->total_ms;
	d->loop = loop;
	d->ops = *ops;
	d->dgram = xmalloc(65536);
	if (!(d->srv = dnssrv_new(&sops, &sconf, e))) {
		free(d->dgram);
		free(d);
		return NULL;
	}
	d->nup = dnssrv_fds(d->srv, fds);
	for (int i = 0; i < d->nup; i++) {
		ev_io_init(&d->up[i], dnsd_on_upstream, fds[i], EV_READ);
		d->up[i].data = d;
		ev_io_start(loop, &d->up[i]);
	}
	ev_timer_init(&d->timer, dnsd_on_timer, 0, 0);
	d->timer.data = d;
	return d;
}

void dnsd_free(struct dnsd *d)
{
	if (!d)
		return;
	while (d->ctrs)
		dnsd_ctr_free(d->ctrs);
	for (int i = 0; i < d->nup; i++)
		ev_io_stop(d->loop, &d->up[i]);
	ev_timer_stop(d->loop, &d->timer);
	dnssrv_free(d->srv); /* its connections' watchers go to spare */
	while (d->tcpups) { /* none left; in case */
		struct dnsd_tcpup *u = d->tcpups;
		ev_io_stop(d->loop, &u->io);
		d->tcpups = u->next;
		free(u);
	}
	while (d->spare) {
		struct dnsd_tcpup *u = d->spare;
		d->spare = u->next;
		free(u);
	}
	free(d->dgram);
	free(d);
}

void dnsd_resolv_conf(struct buf *out, const char *const *search,
		      size_t nsearch, const char *const *options,
		      size_t noptions)
{
	buf_puts(out, "nameserver " DNSD_ADDR "\n");
	if (nsearch) {
		buf_puts(out, "search");
		for (size_t i = 0; i < nsearch; i++)
			buf_printf(out, " %s", search[i]);
		buf_puts(out, "\n");
	}
	bool ndots = false;

	for (size_t i = 0; i < noptions; i++)
		ndots |= !strncmp(options[i], "ndots:", 6);
	buf_puts(out, ndots ? "options" : "options ndots:0");
	for (size_t i = 0; i < noptions; i++)
		buf_printf(out, " %s", options[i]);
	buf_puts(out, "\n");
}
