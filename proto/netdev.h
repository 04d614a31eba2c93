/* netdev.h - the kernel's /proc/PID/net/dev table, for `stats`.
 *
 * Two header lines, then one line per interface of the network namespace:
 * "  NAME: rx_bytes rx_packets errs drop fifo frame compressed multicast
 * tx_bytes tx_packets ...". Totals follow Docker: every interface but the
 * loopback `lo` is counted. */
#ifndef SKIFF_NETDEV_H
#define SKIFF_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#include "../core/base/err.h"

struct netdev_totals {
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_packets, tx_packets;
	unsigned ifaces; /* interfaces counted (lo left out) */
};

/* Sum text[0..len) into *out (zeroed first). A malformed interface line
 * is ERR_INVALID naming its line number; nothing is half-counted. */
int netdev_parse(const char *text, size_t len, struct netdev_totals *out,
		 struct err *e);

#endif
