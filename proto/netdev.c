/* netdev.c - sum /proc/PID/net/dev (see netdev.h). No I/O, no memory
 * kept: the caller reads the file (a few hundred bytes). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "netdev.h"

/* One interface line, NUL-terminated in line[]: "name: 16 numbers". */
static int one_iface(const char *line, unsigned no, struct netdev_totals *t,
		     struct err *e)
{
	const char *colon = strchr(line, ':'), *name = line;
	uint64_t v[16];

	while (*name == ' ')
		name++;
	if (!colon || colon == name ||
	    sscanf(colon + 1,
		   "%" SCNu64 " %" SCNu64 " %*u %*u %*u %*u %*u %*u %" SCNu64
		   " %" SCNu64,
		   &v[0], &v[1], &v[8], &v[9]) != 4)
		return err_setc(e, ERR_INVALID,
				"net/dev line %u: expected "
				"\"NAME: counters\"",
				no);
	if (colon - name == 2 && !strncmp(name, "lo", 2))
		return 0; /* loopback: Docker leaves it out */
	t->rx_bytes += v[0];
	t->rx_packets += v[1];
	t->tx_bytes += v[8];
	t->tx_packets += v[9];
	t->ifaces++;
	return 0;
}

int netdev_parse(const char *text, size_t len, struct netdev_totals *out,
		 struct err *e)
{
	struct netdev_totals t = {0};
	char line[512];
	unsigned no = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		no++;
		if (n >= sizeof(line) || memchr(text + i, '\0', n))
			return err_setc(e, ERR_INVALID,
					"net/dev line %u: too "
					"long or holds a NUL",
					no);
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		if (no <= 2 || !n)
			continue; /* the two header lines */
		if (one_iface(line, no, &t, e) < 0)
			return -1;
	}
	*out = t;
	return 0;
}
