/* fuzz_netdev.c - libFuzzer target for /proc/PID/net/dev text
 * (proto/netdev.c): parses or fails naming a line; a failure leaves the
 * totals zero. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/netdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netdev_totals t;
	struct err e = ERR_INIT;

	if (netdev_parse((const char *)data, size, &t, &e) < 0 &&
	    (!strstr(e.msg, "line ") || t.ifaces || t.rx_bytes))
		abort();
	return 0;
}
