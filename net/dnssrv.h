/* dnssrv.h - the embedded DNS server's responder and forwarder, driven
 * by its caller: no loop, no listening sockets, no timers of its own.
 *
 * The caller receives queries on sockets it owns (one set per asking
 * client, e.g. a container's 127.0.0.11:53) and hands each message to
 * dnssrv_udp() or dnssrv_tcp() with the client it came for. dnssrv
 * answers from the client's name table (net/dns.h; filled by
 * ops.fill on first use and kept until dnssrv_changed()), or forwards
 * the query to the client's upstreams over UDP from its own sockets
 * (dnssrv_fds(): the caller watches them and calls dnssrv_readable()),
 * matching replies by upstream, id and question. Each upstream gets
 * try_ms before the next is asked; after total_ms the client gets
 * SERVFAIL (dnssrv_next_ms() says when to call dnssrv_expire()). Every
 * reply goes out through ops.send; over UDP a reply larger than the
 * client's limit (512 bytes, or its EDNS0 size) is cut to its question
 * with TC set; over TCP it carries its two-byte length prefix.
 *
 * Owns: the upstream sockets, the clients (their tables and upstream
 * lists) and the pending forwarded queries (at most max_pending; more
 * get SERVFAIL at once). A query that came over TCP goes upstream over
 * TCP when the caller watches fds for dnssrv (ops.watch, dnssrv_io): a
 * non-blocking connection per such query, closed with its answer or its
 * next try; without ops.watch every upstream is asked over UDP (a
 * truncated upstream reply is passed on as it is, and the resolver's
 * retry over TCP is forwarded over UDP again). */
#ifndef SKIFF_DNSSRV_H
#define SKIFF_DNSSRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../core/base/err.h"
#include "dns.h"

#define DNSSRV_UPSTREAMS_MAX 3 /* as resolv.conf's MAXNS */

struct dnssrv;
struct dnssrv_client;

/* Where a reply goes: the client, and for UDP the sender's address, for
 * TCP the caller's connection (conn != NULL). */
struct dnssrv_peer {
	struct dnssrv_client *client;
	void *conn;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

enum { DNSSRV_READ = 1, DNSSRV_WRITE = 2 };

struct dnssrv_ops {
	/* The names client (owner as given to dnssrv_client_new) may see,
	 * into t (empty). -1 with e: the query gets SERVFAIL. */
	int (*fill)(void *arg, void *owner, struct dns_table *t, struct err *e);
	/* Send one reply (over TCP with its length prefix) to p. */
	void (*send)(void *arg, const struct dnssrv_peer *p, const uint8_t *m,
		     size_t len);
	/* Optional: watch fd for events (DNSSRV_READ or DNSSRV_WRITE, which
	 * replace what it was watched for) and call dnssrv_io() when one
	 * comes; 0: stop watching (fd is closed right after). */
	void (*watch)(void *arg, int fd, int events);
	void *arg;
};

struct dnssrv_conf {
	int try_ms;	    /* per upstream; 0: 1000 */
	int total_ms;	    /* until SERVFAIL; 0: 3000 */
	size_t max_pending; /* 0: 1024 */
};

/* The upstream sockets (UDP, IPv4 and, where the host has it, IPv6),
 * non-blocking and close-on-exec. */
struct dnssrv *dnssrv_new(const struct dnssrv_ops *ops,
			  const struct dnssrv_conf *conf, struct err *e);
/* Frees every client and pending query (nothing is sent). */
void dnssrv_free(struct dnssrv *s);
/* The upstream sockets to watch for reading (1 or 2); fds[2]. */
int dnssrv_fds(const struct dnssrv *s, int *fds);

/* A client (owner is the caller's, handed to ops.fill) with its
 * upstreams ("IP", "IP:PORT", "[IPv6]:PORT"; at most
 * DNSSRV_UPSTREAMS_MAX are used). */
struct dnssrv_client *dnssrv_client_new(struct dnssrv *s, void *owner,
					const char *const *upstreams, size_t n,
					struct err *e);
int dnssrv_client_upstreams(struct dnssrv_client *c,
			    const char *const *upstreams, size_t n,
			    struct err *e);
void *dnssrv_client_owner(const struct dnssrv_client *c);
/* Forget the client and drop its pending queries (nothing is sent). */
void dnssrv_client_free(struct dnssrv *s, struct dnssrv_client *c);
/* Every client's table is refilled on its next query. */
void dnssrv_changed(struct dnssrv *s);

/* One datagram m from (from, fromlen) for client c. */
void dnssrv_udp(struct dnssrv *s, struct dnssrv_client *c, const uint8_t *m,
		size_t len, const struct sockaddr *from, socklen_t fromlen);
/* One TCP message (without its length prefix) on the caller's
 * connection conn for client c. */
void dnssrv_tcp(struct dnssrv *s, struct dnssrv_client *c, void *conn,
		const uint8_t *m, size_t len);
/* The connection conn is gone: drop its pending queries. */
void dnssrv_conn_gone(struct dnssrv *s, void *conn);
/* TCP framing: the size of the first whole message in in[0..len) (set
 * *msg to it) and the bytes it takes with its prefix; 0 if incomplete. */
size_t dnssrv_tcp_frame(const uint8_t *in, size_t len, const uint8_t **msg,
			size_t *msglen);

/* An upstream socket fd is readable: read every waiting reply. */
void dnssrv_readable(struct dnssrv *s, int fd);
/* An fd given to ops.watch is ready for events (DNSSRV_*). */
void dnssrv_io(struct dnssrv *s, int fd, int events);
/* Milliseconds until dnssrv_expire() is due, -1 if nothing waits. */
int dnssrv_next_ms(const struct dnssrv *s);
/* Ask the next upstream or answer SERVFAIL for queries now due. */
void dnssrv_expire(struct dnssrv *s);

/* In the network namespace netns_fd (this process moves into it: call
 * it in a helper process, never on a loop thread), a UDP socket
 * (fds[0]) and a listening TCP socket (fds[1]) bound to addr:port
 * (IP_FREEBIND: lo may not be up yet), non-blocking, close-on-exec.
 * netns_fd -1: the current namespace. */
int dnssrv_listen(int netns_fd, const char *addr, uint16_t port, int *fds,
		  struct err *e);

/* Counters since dnssrv_new. */
struct dnssrv_stats {
	uint64_t answered, forwarded, servfail, formerr, dropped, truncated;
};
const struct dnssrv_stats *dnssrv_stats(const struct dnssrv *s);

#endif
