/* dnsd.h - the embedded DNS server on skiffd's loop (Docker's 127.0.0.11).
 *
 * For each container on a user-defined network the network module calls
 * dnsd_attach(): dnsd opens a UDP and a TCP socket bound to
 * 127.0.0.11:53 INSIDE the container's network namespace (a short-lived
 * child that shares skiffd's memory and fd table setns()es into it and
 * binds them; skiffd's own thread never changes namespace) and watches
 * them. The
 * socket a query arrives on names the asking container. Answers come
 * from net/dnssrv.h: names from the table the network module fills
 * (ops.fill, called lazily and cached per container until
 * dnsd_changed()), anything else forwarded to the container's upstreams
 * without blocking, SERVFAIL on timeout.
 *
 * Owns: the attached containers (their sockets, TCP connections, ev
 * watchers), one upstream socket per address family, one timer. Part of
 * modules/network: only that module includes it. */
#ifndef SKIFF_DNSD_H
#define SKIFF_DNSD_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/base/buf.h"
#include "../../core/base/err.h"
#include "../../net/dns.h"

#define DNSD_ADDR "127.0.0.11" /* what resolv.conf names, as Docker's */

struct dnsd;

struct dnsd_ops {
	/* Fill t with what container ctr_id may resolve: for each network
	 * it is on, every attached container's name, short id and
	 * aliases -> its address there (dns_table_add, several per name
	 * for round robin), names that exist only on networks it is NOT
	 * on (dns_table_hide: NXDOMAIN), and the subnets of its networks
	 * (dns_table_subnet: unknown addresses there are NXDOMAIN in
	 * PTR). Return -1 with e to answer SERVFAIL. Called on the loop,
	 * at the first query after attach or dnsd_changed(). */
	int (*fill)(void *arg, const char *ctr_id, struct dns_table *t,
		    struct err *e);
	/* Optional: the sockets of ctr_id are bound (e NULL) or could not
	 * be opened (e set; the container is not attached). Called from
	 * within dnsd_attach. */
	void (*ready)(void *arg, const char *ctr_id, const struct err *e);
	void *arg;
};

/* Timeouts (ms): each upstream gets try_ms before the next one is
 * asked; after total_ms the query gets SERVFAIL. 0: defaults. */
struct dnsd_conf {
	int try_ms;
	int total_ms;
};

struct dnsd *dnsd_new(struct ev_loop *loop, const struct dnsd_ops *ops,
		      const struct dnsd_conf *conf, struct err *e);
/* Detaches every container, closes every socket. NULL is fine. */
void dnsd_free(struct dnsd *d);

/* Serve ctr_id inside the netns netns_fd (borrowed, not kept).
 * upstreams: "IP", "IP:PORT" or "[IPv6]:PORT" (the container's --dns,
 * else daemon `dns`, else the host's resolv.conf with 127.0.0.53
 * replaced by resolved's real servers), copied. Synchronous (~0.1 ms):
 * on 0 the sockets are bound, before the container can ask. Attaching
 * an attached container replaces its upstreams only. */
int dnsd_attach(struct dnsd *d, const char *ctr_id, int netns_fd,
		const char *const *upstreams, size_t nupstreams, struct err *e);
/* Close ctr_id's sockets and forget its pending queries. Unknown ids
 * are ignored. */
void dnsd_detach(struct dnsd *d, const char *ctr_id);
/* Names or addresses changed (a container joined or left a network, an
 * alias came or went): every container's table is refilled on its next
 * query. */
void dnsd_changed(struct dnsd *d);

/* resolv.conf for a container that uses the embedded server, as Docker
 * writes it for user-defined networks: "nameserver 127.0.0.11", the
 * search domains, then "options ndots:0" (unless an option sets ndots) and the
 * given options. */
void dnsd_resolv_conf(struct buf *out, const char *const *search,
		      size_t nsearch, const char *const *options,
		      size_t noptions);

/* dnswire.c: the server wired into the network module (network.h). */
struct netctr;
/* Hear of endpoints joining and leaving (ep_watch). */
void dnswire_init(void);
/* Close every DNS socket (the module stops). */
void dnswire_stop(void);
/* resolv.conf for c if it is on a user-defined network (true), else
 * false and nothing written. */
bool dnswire_resolv(const struct netctr *c, struct buf *out);

#endif
