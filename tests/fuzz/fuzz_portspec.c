/* fuzz_portspec.c - libFuzzer target for -p and --expose words
 * (proto/portspec.c).
 *
 * The first byte picks the parser; the rest is the word (NUL-free).
 * Every word parses or fails with ERR_INVALID and a message; a parsed one
 * has ordered, non-zero container ports, host ranges that fit them, and
 * an IP that formats back to what was stored. */
#include <arpa/inet.h>

#include "../../proto/portspec.h"
#include "fuzz_word.h"

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

static void fuzz_word(unsigned pick, const char *w)
{
	struct portspec p;
	struct err e = ERR_INIT;
	int rc = pick ? portspec_parse_expose(w, &p, &e)
		      : portspec_parse(w, &p, &e);

	if (rc < 0 && (e.class != ERR_INVALID || !e.msg[0]))
		abort();
	if (rc == 0)
		check(&p);
}
