/* ipam.h - the address allocator of one network and one family.
 *
 * A network has a struct ipam for its IPv4 subnet and, with --ipv6, one
 * for its IPv6 subnet. Addresses are handed out from the range (the
 * subnet, or --ip-range inside it) in rising order from where the last
 * allocation stopped, wrapping once, as Docker does, so a freed address
 * is not reused at once. Never handed out: the gateway, and for IPv4 the
 * subnet's network and broadcast addresses, for IPv6 its subnet-router
 * anycast address (the prefix itself). A given --ip may lie anywhere in
 * the subnet (outside --ip-range too) but not on those.
 *
 * The owner keeps it durable: ipam_write() gives a JSON object the
 * daemon stores with the network, ipam_read() rebuilds the same state
 * (used set and next position), so no address is handed out twice
 * across a restart. Memory: the used set is one sorted array owned by
 * the struct; ipam_free() releases it. No kernel, no loop. */
#ifndef SKIFF_IPAM_H
#define SKIFF_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "../core/base/err.h"
#include "../proto/json.h"
#include "cidr.h"

struct ipam {
	struct cidr subnet;
	struct cidr range; /* where ipam_alloc looks; the subnet by default */
	cidr_u128 gateway;
	cidr_u128 next;	 /* where the next search starts */
	cidr_u128 *used; /* sorted, each once */
	size_t n, cap;
};

/* Set up an empty allocator. gateway NULL: the subnet's first host
 * address; range NULL: the whole subnet. Errors (ERR_INVALID) name the
 * subnet, gateway or range that is wrong (host bits, families that
 * differ, a gateway or range outside the subnet, a subnet too small). */
int ipam_init(struct ipam *p, const char *subnet, const char *gateway,
	      const char *range, struct err *e);
void ipam_free(struct ipam *p);

/* Hand out the next free address of the range as text (out of at least
 * INET6_ADDRSTRLEN bytes); ERR_CONFLICT when the range is full. */
int ipam_alloc(struct ipam *p, char *out, size_t n, struct err *e);
/* Take a given address (--ip): ERR_INVALID when it is not an address of
 * the subnet or is the gateway, network or broadcast address;
 * ERR_CONFLICT when it is in use. */
int ipam_reserve(struct ipam *p, const char *ip, struct err *e);
/* Give an address back; ERR_NOT_FOUND when it was not in use. */
int ipam_release(struct ipam *p, const char *ip, struct err *e);
bool ipam_in_use(const struct ipam *p, const char *ip);
/* The gateway and subnet as text (buffers of CIDR_STRLEN). */
void ipam_gateway_str(const struct ipam *p, char *buf, size_t n);
void ipam_subnet_str(const struct ipam *p, char *buf, size_t n);

/* The state as one JSON object value of key (NULL inside an array):
 * {"Subnet","Gateway","IPRange","Next","Used":[...]}. */
void ipam_write(const struct ipam *p, struct jw *w, const char *key);
/* Rebuild p (empty or freed) from what ipam_write wrote; errors name the
 * member that is wrong. */
int ipam_read(struct ipam *p, yajl_val v, struct err *e);

#endif
