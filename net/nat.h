/* nat.h - published ports, masquerade and isolation in the kernel, through
 * libnftables (loaded on first use: nat_fns.h). No `nft` or `iptables`
 * process. Everything lives in skiff's own table, `inet skiff` (or
 * another name given at nat_open: one per daemon), created
 * and removed whole, so it coexists with a host firewall and with Docker's
 * or podman's tables:
 *
 *   prerouting, output (nat)  a packet to a local address (any of the
 *                             host's, 127.0.0.1 included) whose address,
 *                             protocol and port are in the pub4/pub6 maps
 *                             (or pub4any/pub6any: any address) is DNATed
 *                             to its container
 *   postrouting (nat)         per network, found by source subnet:
 *                             masquerade what leaves for elsewhere (not
 *                             --internal) and DNATed traffic that goes
 *                             back out of its own bridge (hairpin); by
 *                             output bridge: the host's 127.0.0.0/8
 *                             sources (route_localnet)
 *   forward (filter)          per network: nothing between skiff networks,
 *                             nothing in or out of an --internal one, and
 *                             from outside only replies and published ports
 *
 * Outside clients are never SNATed: a container sees their address.
 * Per-network rules are chains reached through verdict maps keyed by the
 * bridge name or the subnet, and ports are map elements, so every change is one
 * transaction by name (no rule handles). icc=false is not here: it is the
 * bridge ports' isolation flag (nlink_port_isolate).
 *
 * A struct nat is one libnftables context (its netlink socket is bound to
 * the caller's network namespace and made O_CLOEXEC here). Calls block on
 * the kernel's answer. Errors carry libnftables' message. */
#ifndef SKIFF_NAT_H
#define SKIFF_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/err.h"
#include "../proto/portspec.h"

struct nat;

/* table: the table's name in the inet family (NULL: "skiff"), so two
 * daemons in one namespace each keep their own. */
struct nat *nat_open(const char *table, struct err *e);
const char *nat_table(const struct nat *n);
void nat_close(struct nat *n);

/* (Re)create the table whole and empty; nat_teardown removes it whole
 * (absent is fine). */
int nat_setup(struct nat *n, struct err *e);
int nat_teardown(struct nat *n, struct err *e);

struct nat_net {
	const char *bridge;  /* [A-Za-z0-9_.-], at most 15 */
	const char *subnet4; /* "172.18.0.0/16" or NULL */
	const char *subnet6; /* "fd00:1::/64" or NULL */
	bool internal;	     /* no way out, no way in */
	bool no_masquerade;  /* outbound keeps its source (ip-masq false) */
};

/* Add (or replace) one network's rules; remove them (net as it was
 * added: its subnets are keys of the source maps). */
int nat_network_add(struct nat *n, const struct nat_net *net, struct err *e);
int nat_network_del(struct nat *n, const struct nat_net *net, struct err *e);

struct nat_port {
	const char *host_ip; /* NULL or "": every address of its family */
	uint16_t host_port;
	enum portspec_proto proto;
	const char *ctr_ip; /* the container's address (its family rules) */
	uint16_t ctr_port;
};

/* Publish ports in one transaction: all or none. A host address,
 * protocol and port already published is ERR_CONFLICT. */
int nat_publish(struct nat *n, const struct nat_port *p, size_t count,
		struct err *e);
/* Remove published ports (one transaction). */
int nat_unpublish(struct nat *n, const struct nat_port *p, size_t count,
		  struct err *e);

/* The sysctls the rules need: forwarding (IPv4, and IPv6 when ipv6), and
 * route_localnet on a bridge (so 127.0.0.1:PORT can be DNATed onto it).
 * They are per network namespace: the caller's. */
int nat_forwarding_on(bool ipv6, struct err *e);
int nat_route_localnet(const char *bridge, struct err *e);

#endif
