/* cidr.h - IP prefixes and addresses as numbers: parse, print, contain,
 * overlap, and the choice of a free private subnet from Docker's default
 * address pools. Pure arithmetic (no sockets, no netlink): the netlink
 * side (net/nl) supplies the host's routes, the daemon its networks.
 *
 * An address is held as a 128-bit number in host order (an IPv4 address
 * is its 32-bit value) beside its family, so next/previous and ranges are
 * additions and comparisons. */
#ifndef SKIFF_CIDR_H
#define SKIFF_CIDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/base/err.h"

typedef unsigned __int128 cidr_u128;

struct cidr {
	int family;	 /* AF_INET or AF_INET6 */
	cidr_u128 addr;	 /* the prefix (host bits zero) */
	unsigned prefix; /* 0..32 or 0..128 */
};

/* Longest text of "address/prefix". */
#define CIDR_STRLEN (INET6_ADDRSTRLEN + 4)

/* Parse an address ("10.0.0.2", "fd00::2") into *family and *addr. */
int cidr_parse_addr(const char *s, int *family, cidr_u128 *addr, struct err *e);
/* Parse "ADDR/PREFIX"; host bits set are an error naming the prefix the
 * caller probably meant. */
int cidr_parse(const char *s, struct cidr *c, struct err *e);
/* Text of an address or a prefix, into buf of at least CIDR_STRLEN. */
void cidr_addr_str(int family, cidr_u128 addr, char *buf, size_t n);
void cidr_str(const struct cidr *c, char *buf, size_t n);
/* Address to and from the network-order bytes of in_addr/in6_addr. */
cidr_u128 cidr_from_bytes(int family, const void *bytes);
void cidr_to_bytes(int family, cidr_u128 addr, void *bytes);

/* The first and last address of c. */
cidr_u128 cidr_first(const struct cidr *c);
cidr_u128 cidr_last(const struct cidr *c);
bool cidr_contains(const struct cidr *c, int family, cidr_u128 addr);
/* Does inner lie wholly inside outer (same family)? */
bool cidr_within(const struct cidr *outer, const struct cidr *inner);
bool cidr_overlap(const struct cidr *a, const struct cidr *b);

/* The first prefix of Docker's default pools (172.17.0.0/16 ...
 * 172.31.0.0/16, then 192.168.0.0/16 cut in /20s) that overlaps none of
 * used[] (default routes, prefix 0, are ignored). ERR_CONFLICT when all
 * are taken. */
int cidr_pick_default(const struct cidr *used, size_t n, struct cidr *out,
		      struct err *e);

/* One of daemon.json's "default-address-pools": base cut in /size. */
struct cidr_pool {
	struct cidr base;
	unsigned size; /* base.prefix .. 32 (128) */
};
/* The first /size of the pools, in order, that overlaps none of used[]
 * (as cidr_pick_default, which it is when npools is 0). */
int cidr_pick_pools(const struct cidr_pool *pools, size_t npools,
		    const struct cidr *used, size_t n, struct cidr *out,
		    struct err *e);

#endif
