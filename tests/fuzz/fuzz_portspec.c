/* fuzz_portspec.c - libFuzzer target for -p and --expose words
 * (proto/portspec.c).
 *
 * The first byte picks the parser; the rest is the word (NUL-free).
 * Every word parses or fails with ERR_INVALID and a message; a parsed one
 * has ordered, non-zero container ports, host ranges that fit them, and
 * an IP that formats back to what was stored. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct portspec *p)
{
	char ip[INET6_ADDRSTRLEN] = "";

	if (!p->ctr_lo || p->ctr_lo > p->ctr_hi)
		abort();
	if (p->host_lo > p->host_hi || (!p->host_lo && p->host_hi))
		abort();
	if (p->host_lo && p->ctr_lo != p->ctr_hi &&
	    p->host_hi - p->host_lo != p->ctr_hi - p->ctr_lo)
		abort();
	if (p->family && !inet_ntop(p->family, &p->addr, ip, sizeof(ip)))
		abort();
	if (strcmp(ip, p->ip))
		abort();
	for (unsigned i = 0; i < portspec_count(p); i++)
		if (portspec_host_port(p, i) &&
		    portspec_host_port(p, i) != p->host_lo + i)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portspec p;
	struct err e = ERR_INIT;
	char *w;
	int rc;

	if (size < 1 || memchr(data + 1, 0, size - 1))
		return 0;
	w = malloc(size);
	if (!w)
		abort();
	memcpy(w, data + 1, size - 1);
	w[size - 1] = '\0';
	rc = data[0] & 1 ? portspec_parse_expose(w, &p, &e)
			 : portspec_parse(w, &p, &e);
	if (rc < 0 && (e.class != ERR_INVALID || !e.msg[0]))
		abort();
	if (rc == 0)
		check(&p);
	free(w);
	return 0;
}
