/* dnssrv.c - the embedded DNS server's responder and forwarder (see
 * dnssrv.h). Messages are read and built by dns.c (ldns); this file owns
 * the clients, the upstream sockets and the pending forwarded queries
 * (a doubly linked list, scanned: max_pending bounds it). Time is
 * CLOCK_MONOTONIC in milliseconds. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "dns_fns.h"
#include "dnssrv.h"

#define DNSSRV_MSG_MAX 65535

struct dnssrv_upstream {
	struct sockaddr_storage addr;
	socklen_t len;
};

struct dnssrv_client {
	struct dnssrv_client *next, *prev;
	void *owner;
	struct dns_table *table; /* NULL until the next query fills it */
	struct dnssrv_upstream up[DNSSRV_UPSTREAMS_MAX];
	size_t nup;
};

/* A query sent upstream, waiting for its reply. */
struct dnssrv_pending {
	struct dnssrv_pending *next, *prev;
	struct dnssrv_peer peer;
	uint8_t *q; /* the client's query as it came */
	size_t qlen;
	uint16_t id;	 /* the upstream id (ours, random) */
	size_t tried;	 /* upstreams asked so far (1..nup) */
	int64_t next_ms; /* ask the next upstream then */
	int64_t end_ms;	 /* SERVFAIL then */
	/* A TCP client's query goes upstream over TCP (ops.watch given):
	 * the connection to the upstream asked last, or -1; the framed
	 * query and how much of it is sent; the reply's bytes so far. */
	int tfd;
	struct buf tout, tin;
	size_t tsent;
};

struct dnssrv {
	struct dnssrv_ops ops;
	struct dnssrv_conf conf;
	int fd4, fd6;
	struct dnssrv_client *clients;
	struct dnssrv_pending *pending;
	size_t npending;
	uint64_t rnd;	  /* xorshift state for upstream ids */
	struct buf reply; /* a local answer, reused from query to query */
	struct dnssrv_stats stats;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int udp_socket(int family)
{
	return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

struct dnssrv *dnssrv_new(const struct dnssrv_ops *ops,
			  const struct dnssrv_conf *conf, struct err *e)
{
	struct dnssrv *s = xcalloc(1, sizeof(*s));

	s->ops = *ops;
	if (conf)
		s->conf = *conf;
	if (s->conf.try_ms <= 0)
		s->conf.try_ms = 1000;
	if (s->conf.total_ms <= 0)
		s->conf.total_ms = 3000;
	if (!s->conf.max_pending)
		s->conf.max_pending = 1024;
	if (getrandom(&s->rnd, sizeof(s->rnd), GRND_NONBLOCK) !=
		sizeof(s->rnd) ||
	    !s->rnd)
		s->rnd = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ull | 1;
	s->fd6 = udp_socket(AF_INET6); /* -1: a host without IPv6 */
	if ((s->fd4 = udp_socket(AF_INET)) < 0) {
		err_set(e, errno, "dns upstream socket");
		dnssrv_free(s);
		return NULL;
	}
	return s;
}

/* Stop watching and close p's upstream TCP connection, if any. */
static void tcp_close(struct dnssrv *s, struct dnssrv_pending *p)
{
	if (p->tfd < 0)
		return;
	s->ops.watch(s->ops.arg, p->tfd, 0);
	close(p->tfd);
	p->tfd = -1;
	buf_reset(&p->tout);
	buf_reset(&p->tin);
	p->tsent = 0;
}

static void pending_free(struct dnssrv *s, struct dnssrv_pending *p)
{
	tcp_close(s, p);
	buf_free(&p->tout);
	buf_free(&p->tin);
	if (p->prev)
		p->prev->next = p->next;
	else
		s->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	s->npending--;
	free(p->q);
	free(p);
}

void dnssrv_free(struct dnssrv *s)
{
	if (!s)
		return;
	while (s->pending)
		pending_free(s, s->pending);
	while (s->clients)
		dnssrv_client_free(s, s->clients);
	buf_free(&s->reply);
	if (s->fd4 >= 0)
		close(s->fd4);
	if (s->fd6 >= 0)
		close(s->fd6);
	free(s);
}

int dnssrv_fds(const struct dnssrv *s, int *fds)
{
	int n = 0;

	fds[n++] = s->fd4;
	if (s->fd6 >= 0)
		fds[n++] = s->fd6;
	return n;
}

/* "IP", "IP:PORT", "[IPv6]:PORT" or a bare IPv6 address, port 53. */
static int upstream_parse(const char *spec, struct dnssrv_upstream *u,
			  struct err *e)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon = strrchr(spec, ':');
	struct sockaddr_in *a4 = (struct sockaddr_in *)&u->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&u->addr;
	size_t hlen = strlen(spec);
	unsigned long p = 53;
	char *end;

	if (spec[0] == '[' && (end = strchr(spec, ']'))) {
		hlen = (size_t)(end - spec - 1), spec++;
		port = end[1] == ':' ? end + 2 : end[1] ? "" : NULL;
	} else if (colon && strchr(spec, ':') == colon) {
		hlen = (size_t)(colon - spec), port = colon + 1;
	}
	if (hlen >= sizeof(host))
		return err_setc(e, ERR_INVALID, "upstream \"%s\"", spec);
	memcpy(host, spec, hlen), host[hlen] = '\0';
	if (port &&
	    (!*port || (p = strtoul(port, &end, 10)) == 0 || *end || p > 65535))
		return err_setc(e, ERR_INVALID, "upstream \"%s\": bad port",
				spec);
	memset(u, 0, sizeof(*u));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET, a4->sin_port = htons((uint16_t)p);
		u->len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6, a6->sin6_port = htons((uint16_t)p);
		u->len = sizeof(*a6);
	} else {
		return err_setc(e, ERR_INVALID,
				"upstream \"%s\" is not an address", spec);
	}
	return 0;
}

int dnssrv_client_upstreams(struct dnssrv_client *c,
			    const char *const *upstreams, size_t n,
			    struct err *e)
{
	struct dnssrv_upstream up[DNSSRV_UPSTREAMS_MAX];
	size_t k = 0;

	for (size_t i = 0; i < n && k < DNSSRV_UPSTREAMS_MAX; i++)
		if (upstream_parse(upstreams[i], &up[k++], e) < 0)
			return -1;
	memcpy(c->up, up, sizeof(up));
	c->nup = k;
	return 0;
}

struct dnssrv_client *dnssrv_client_new(struct dnssrv *s, void *owner,
					const char *const *upstreams, size_t n,
					struct err *e)
{
	struct dnssrv_client *c = xcalloc(1, sizeof(*c));

	c->owner = owner;
	if (dnssrv_client_upstreams(c, upstreams, n, e) < 0) {
		free(c);
		return NULL;
	}
	c->next = s->clients;
	if (c->next)
		c->next->prev = c;
	s->clients = c;
	return c;
}

void *dnssrv_client_owner(const struct dnssrv_client *c)
{
	return c->owner;
}

void dnssrv_client_free(struct dnssrv *s, struct dnssrv_client *c)
{
	struct dnssrv_pending *p, *next;

	if (!c)
		return;
	for (p = s->pending; p; p = next) {
		next = p->next;
		if (p->peer.client == c)
			pending_free(s, p);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	dns_table_free(c->table);
	free(c);
}

void dnssrv_changed(struct dnssrv *s)
{
	for (struct dnssrv_client *c = s->clients; c; c = c->next) {
		dns_table_free(c->table);
		c->table = NULL;
	}
}

/* Send reply m to p: a UDP reply over the asker's limit (lim) is cut
 * to its question with TC; a TCP reply gets its length prefix. */
static void deliver(struct dnssrv *s, const struct dnssrv_peer *p,
		    const uint8_t *q, size_t qlen, const uint8_t *m, size_t len)
{
	struct err e = ERR_INIT;
	struct buf b = {0};

	if (p->conn) {
		uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};

		buf_append(&b, pre, 2);
		buf_append(&b, m, len);
		s->ops.send(s->ops.arg, p, (uint8_t *)buf_head(&b),
			    buf_used(&b));
	} else if (len > 512 && len > dns_udp_limit(q, qlen)) {
		if (dns_truncate(m, len, &b, &e) == 0) {
			s->stats.truncated++;
			s->ops.send(s->ops.arg, p, (uint8_t *)buf_head(&b),
				    buf_used(&b));
		}
	} else {
		s->ops.send(s->ops.arg, p, m, len);
	}
	buf_free(&b);
}

static void servfail(struct dnssrv *s, const struct dnssrv_peer *p,
		     const uint8_t *q, size_t qlen)
{
	struct err e = ERR_INIT;
	struct buf b = {0};

	if (dns_servfail(q, qlen, &b, &e) == 0) {
		s->stats.servfail++;
		deliver(s, p, q, qlen, (uint8_t *)buf_head(&b), buf_used(&b));
	}
	buf_free(&b);
}

static uint16_t fresh_id(struct dnssrv *s)
{
	for (;;) {
		struct dnssrv_pending *p;
		uint16_t id;

		s->rnd ^= s->rnd << 13, s->rnd ^= s->rnd >> 7;
		s->rnd ^= s->rnd << 17;
		id = (uint16_t)(s->rnd >> 24);
		for (p = s->pending; p && p->id != id; p = p->next)
			;
		if (!p)
			return id;
	}
}

/* Over TCP: a non-blocking connect to u, the framed query kept for when
 * it is writable. A connection to an upstream asked before goes. */
static void tcp_ask(struct dnssrv *s, struct dnssrv_pending *p,
		    const struct dnssrv_upstream *u, const struct buf *q)
{
	uint8_t pre[2] = {(uint8_t)(buf_used(q) >> 8), (uint8_t)buf_used(q)};
	int fd;

	tcp_close(s, p);
	fd = socket(u->addr.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (const struct sockaddr *)&u->addr, u->len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return;
	}
	p->tfd = fd;
	buf_append(&p->tout, pre, 2);
	buf_append(&p->tout, buf_head(q), buf_used(q));
	s->ops.watch(s->ops.arg, fd, DNSSRV_WRITE);
}

/* Send p's query to its client's upstream number p->tried (then one
 * more is tried): over TCP for a TCP client when the caller watches
 * fds for us, else over UDP. A send that fails outright just waits for
 * the next try: the deadline stays the one bound on the answer. */
static void ask_upstream(struct dnssrv *s, struct dnssrv_pending *p)
{
	const struct dnssrv_upstream *u = &p->peer.client->up[p->tried];
	int fd = u->addr.ss_family == AF_INET6 ? s->fd6 : s->fd4;
	struct err e = ERR_INIT;
	struct buf b = {0};

	if (dns_forward_query(p->q, p->qlen, p->id, &b, &e) == 0) {
		if (p->peer.conn && s->ops.watch)
			tcp_ask(s, p, u, &b);
		else if (fd >= 0)
			(void)!sendto(fd, buf_head(&b), buf_used(&b),
				      MSG_DONTWAIT,
				      (const struct sockaddr *)&u->addr,
				      u->len);
	}
	buf_free(&b);
	p->tried++;
	p->next_ms = now_ms() + s->conf.try_ms;
}

static void forward(struct dnssrv *s, const struct dnssrv_peer *peer,
		    const uint8_t *q, size_t qlen)
{
	struct dnssrv_pending *p;
	int64_t now = now_ms();

	if (!peer->client->nup || s->npending >= s->conf.max_pending) {
		servfail(s, peer, q, qlen);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->tfd = -1;
	p->peer = *peer;
	p->q = xmalloc(qlen);
	memcpy(p->q, q, qlen);
	p->qlen = qlen;
	p->id = fresh_id(s);
	p->end_ms = now + s->conf.total_ms;
	p->next = s->pending;
	if (p->next)
		p->next->prev = p;
	s->pending = p;
	s->npending++;
	s->stats.forwarded++;
	ask_upstream(s, p);
}

/* One query from peer: answered, forwarded, or dropped. */
static void query(struct dnssrv *s, const struct dnssrv_peer *peer,
		  const uint8_t *q, size_t qlen)
{
	struct dnssrv_client *c = peer->client;
	struct buf *b = &s->reply;
	struct err e = ERR_INIT;
	const uint8_t *r;

	if (!c->table) {
		c->table = dns_table_new();
		if (s->ops.fill(s->ops.arg, c->owner, c->table, &e) < 0) {
			dns_table_free(c->table);
			c->table = NULL;
			servfail(s, peer, q, qlen);
			return;
		}
	}
	buf_reset(b);
	switch (dns_answer(c->table, q, qlen, b)) {
	case DNS_REPLY:
		r = (const uint8_t *)buf_head(b);
		if (buf_used(b) > 3 && (r[3] & 0xf) == LDNS_RCODE_FORMERR)
			s->stats.formerr++;
		else
			s->stats.answered++;
		deliver(s, peer, q, qlen, r, buf_used(b));
		break;
	case DNS_FORWARD:
		forward(s, peer, q, qlen);
		break;
	case DNS_DROP:
		s->stats.dropped++;
		break;
	}
	buf_shrink(b, 4096);
}

void dnssrv_udp(struct dnssrv *s, struct dnssrv_client *c, const uint8_t *m,
		size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	struct dnssrv_peer peer = {.client = c};

	if (fromlen > sizeof(peer.addr))
		return;
	memcpy(&peer.addr, from, fromlen);
	peer.addrlen = fromlen;
	query(s, &peer, m, len);
}

void dnssrv_tcp(struct dnssrv *s, struct dnssrv_client *c, void *conn,
		const uint8_t *m, size_t len)
{
	struct dnssrv_peer peer = {.client = c, .conn = conn};

	query(s, &peer, m, len);
}

void dnssrv_conn_gone(struct dnssrv *s, void *conn)
{
	struct dnssrv_pending *p, *next;

	for (p = s->pending; p; p = next) {
		next = p->next;
		if (p->peer.conn == conn)
			pending_free(s, p);
	}
}

size_t dnssrv_tcp_frame(const uint8_t *in, size_t len, const uint8_t **msg,
			size_t *msglen)
{
	size_t n;

	if (len < 2)
		return 0;
	n = (size_t)in[0] << 8 | in[1];
	if (len - 2 < n)
		return 0;
	*msg = in + 2;
	*msglen = n;
	return n + 2;
}

/* Was from one of the upstreams p asked? */
static bool asked(const struct dnssrv_pending *p,
		  const struct sockaddr_storage *from, socklen_t len)
{
	for (size_t i = 0; i < p->tried; i++) {
		const struct dnssrv_upstream *u = &p->peer.client->up[i];

		if (u->len == len && !memcmp(&u->addr, from, len))
			return true;
	}
	return false;
}

/* One upstream reply: to the client whose query it answers, or dropped. */
static void upstream_reply(struct dnssrv *s, const uint8_t *r, size_t len,
			   const struct sockaddr_storage *from,
			   socklen_t fromlen)
{
	uint16_t id = len >= 2 ? (uint16_t)(r[0] << 8 | r[1]) : 0;
	struct err e = ERR_INIT;
	struct buf b = {0};
	struct dnssrv_pending *p;

	for (p = s->pending; p; p = p->next)
		if (p->id == id && asked(p, from, fromlen) && p->tfd < 0)
			break;
	if (!p || dns_forward_reply(r, len, id, p->q, p->qlen, &b, &e) < 0) {
		s->stats.dropped++;
		buf_free(&b);
		return;
	}
	deliver(s, &p->peer, p->q, p->qlen, (uint8_t *)buf_head(&b),
		buf_used(&b));
	pending_free(s, p);
	buf_free(&b);
}

void dnssrv_readable(struct dnssrv *s, int fd)
{
	_cleanup_free_ uint8_t *m = xmalloc(DNSSRV_MSG_MAX);

	for (int i = 0; i < 64; i++) { /* bounded work per wake-up */
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, m, DNSSRV_MSG_MAX, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error: the timer copes */
		upstream_reply(s, m, (size_t)n, &from, fromlen);
	}
}

/* p's connection is writable: the connect's outcome, then the query. */
static void tcp_writable(struct dnssrv *s, struct dnssrv_pending *p)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(p->tfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		tcp_close(s, p); /* refused: the next try, or SERVFAIL */
		return;
	}
	while (p->tsent < buf_used(&p->tout)) {
		ssize_t n = send(p->tfd, buf_head(&p->tout) + p->tsent,
				 buf_used(&p->tout) - p->tsent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return; /* still watched for writing */
		if (n <= 0) {
			tcp_close(s, p);
			return;
		}
		p->tsent += (size_t)n;
	}
	s->ops.watch(s->ops.arg, p->tfd, DNSSRV_READ);
}

/* p's connection is readable: the reply, once whole, goes to the
 * client (checked as a UDP one is: id and question). */
static void tcp_readable(struct dnssrv *s, struct dnssrv_pending *p)
{
	struct err e = ERR_INIT;
	struct buf b = {0};
	const uint8_t *msg;
	size_t len;
	ssize_t n = recv(p->tfd, buf_reserve(&p->tin, 4096), 4096,
			 MSG_DONTWAIT);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0 || buf_used(&p->tin) + (size_t)n > DNSSRV_MSG_MAX + 2) {
		tcp_close(s, p);
		return;
	}
	p->tin.len += (size_t)n;
	if (!dnssrv_tcp_frame((uint8_t *)buf_head(&p->tin), buf_used(&p->tin),
			      &msg, &len))
		return;
	if (dns_forward_reply(msg, len, p->id, p->q, p->qlen, &b, &e) < 0) {
		s->stats.dropped++;
		tcp_close(s, p);
	} else {
		deliver(s, &p->peer, p->q, p->qlen, (uint8_t *)buf_head(&b),
			buf_used(&b));
		pending_free(s, p);
	}
	buf_free(&b);
}

void dnssrv_io(struct dnssrv *s, int fd, int events)
{
	struct dnssrv_pending *p;

	for (p = s->pending; p && p->tfd != fd; p = p->next)
		;
	if (!p || fd < 0)
		return;
	if (events & DNSSRV_WRITE)
		tcp_writable(s, p);
	else if (events & DNSSRV_READ)
		tcp_readable(s, p);
}

int dnssrv_next_ms(const struct dnssrv *s)
{
	int64_t now = now_ms(), due = -1;

	for (const struct dnssrv_pending *p = s->pending; p; p = p->next) {
		int64_t t =
		    p->tried < p->peer.client->nup && p->next_ms < p->end_ms
			? p->next_ms
			: p->end_ms;

		if (due < 0 || t < due)
			due = t;
	}
	if (due < 0)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

void dnssrv_expire(struct dnssrv *s)
{
	int64_t now = now_ms();
	struct dnssrv_pending *p, *next;

	for (p = s->pending; p; p = next) {
		next = p->next;
		if (p->end_ms <= now) {
			servfail(s, &p->peer, p->q, p->qlen);
			pending_free(s, p);
		} else if (p->next_ms <= now &&
			   p->tried < p->peer.client->nup) {
			ask_upstream(s, p);
		}
	}
}

const struct dnssrv_stats *dnssrv_stats(const struct dnssrv *s)
{
	return &s->stats;
}

/* One socket of type bound to a:port, TCP listening. */
static int listen_one(int type, const struct sockaddr_in *a, struct err *e)
{
	int one = 1,
	    fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return err_set(e, errno, "dns socket");
	if (setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0 ||
	    (type == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		err_set(e, errno, "dns %s socket on %s:%u",
			type == SOCK_STREAM ? "tcp" : "udp",
			inet_ntoa(a->sin_addr), ntohs(a->sin_port));
		close(fd);
		return -1;
	}
	return fd;
}

int dnssrv_listen(int netns_fd, const char *addr, uint16_t port, int *fds,
		  struct err *e)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return err_setc(e, ERR_INVALID, "\"%s\" is not an address",
				addr);
	if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0)
		return err_set(e, errno, "setns");
	if ((fds[0] = listen_one(SOCK_DGRAM, &a, e)) < 0)
		return -1;
	if ((fds[1] = listen_one(SOCK_STREAM, &a, e)) < 0) {
		close(fds[0]);
		return -1;
	}
	return 0;
}
