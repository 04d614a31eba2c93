/* cidr.c - IP prefix arithmetic (see cidr.h). No state, no allocation. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

cidr_u128 cidr_from_bytes(int family, const void *bytes)
{
	const unsigned char *b = bytes;
	cidr_u128 v = 0;

	for (unsigned i = 0; i < family_bits(family) / 8; i++)
		v = v << 8 | b[i];
	return v;
}

void cidr_to_bytes(int family, cidr_u128 addr, void *bytes)
{
	unsigned char *b = bytes;

	for (unsigned i = family_bits(family) / 8; i-- > 0; addr >>= 8)
		b[i] = (unsigned char)(addr & 0xff);
}

int cidr_parse_addr(const char *s, int *family, cidr_u128 *addr, struct err *e)
{
	struct in6_addr a;

	if (inet_pton(AF_INET, s, &a) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a) == 1)
		*family = AF_INET6;
	else
		return err_setc(e, ERR_INVALID, "\"%s\" is not an IP address",
				s);
	*addr = cidr_from_bytes(*family, &a);
	return 0;
}

void cidr_addr_str(int family, cidr_u128 addr, char *buf, size_t n)
{
	struct in6_addr a;

	cidr_to_bytes(family, addr, &a);
	if (!inet_ntop(family, &a, buf, (socklen_t)n) && n)
		buf[0] = '\0';
}

void cidr_str(const struct cidr *c, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	cidr_addr_str(c->family, c->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, c->prefix);
}

/* The host-bits mask of a prefix. */
static cidr_u128 host_mask(int family, unsigned prefix)
{
	unsigned host = family_bits(family) - prefix;

	return host >= 128 ? ~(cidr_u128)0 : ((cidr_u128)1 << host) - 1;
}

int cidr_parse(const char *s, struct cidr *c, struct err *e)
{
	char a[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long prefix;
	char want[CIDR_STRLEN];

	if (strlen(s) >= sizeof(a) || !(slash = strchr(s, '/')))
		return err_setc(e, ERR_INVALID,
				"\"%s\" is not a subnet "
				"(ADDRESS/PREFIX)",
				s);
	snprintf(a, sizeof(a), "%.*s", (int)(slash - s), s);
	if (cidr_parse_addr(a, &c->family, &c->addr, e) < 0)
		return err_wrap(e, "subnet \"%s\"", s);
	prefix = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || slash[1] < '0' || slash[1] > '9' ||
	    prefix > family_bits(c->family))
		return err_setc(e, ERR_INVALID,
				"subnet \"%s\": bad prefix "
				"length \"%s\"",
				s, slash + 1);
	c->prefix = (unsigned)prefix;
	if (c->addr & host_mask(c->family, c->prefix)) {
		struct cidr ok = *c;

		ok.addr &= ~host_mask(c->family, c->prefix);
		cidr_str(&ok, want, sizeof(want));
		return err_setc(e, ERR_INVALID,
				"subnet \"%s\" has host bits "
				"set (did you mean %s?)",
				s, want);
	}
	return 0;
}

cidr_u128 cidr_first(const struct cidr *c)
{
	return c->addr;
}

cidr_u128 cidr_last(const struct cidr *c)
{
	return c->addr | host_mask(c->family, c->prefix);
}

bool cidr_contains(const struct cidr *c, int family, cidr_u128 addr)
{
	return family == c->family && addr >= cidr_first(c) &&
	       addr <= cidr_last(c);
}

bool cidr_within(const struct cidr *outer, const struct cidr *inner)
{
	return inner->family == outer->family &&
	       inner->prefix >= outer->prefix &&
	       cidr_contains(outer, inner->family, inner->addr);
}

bool cidr_overlap(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && cidr_first(a) <= cidr_last(b) &&
	       cidr_first(b) <= cidr_last(a);
}

/* Candidate i of Docker's default pools, false past the last. */
static bool default_pool(unsigned i, struct cidr *c)
{
	c->family = AF_INET;
	if (i < 15) { /* 172.17.0.0/16 .. 172.31.0.0/16 */
		c->addr = (cidr_u128)(0xac110000u + (i << 16));
		c->prefix = 16;
		return true;
	}
	i -= 15;
	if (i < 16) { /* 192.168.0.0/20 .. 192.168.240.0/20 */
		c->addr = (cidr_u128)(0xc0a80000u + (i << 12));
		c->prefix = 20;
		return true;
	}
	return false;
}

int cidr_pick_default(const struct cidr *used, size_t n, struct cidr *out,
		      struct err *e)
{
	struct cidr c;

	for (unsigned i = 0; default_pool(i, &c); i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (used[j].prefix && cidr_overlap(&c, &used[j]))
				break;
		if (j == n) {
			*out = c;
			return 0;
		}
	}
	return err_setc(e, ERR_CONFLICT,
			"no free subnet left in the default "
			"pools (172.17-31.0.0/16, 192.168.0.0/16 in /20s)");
}

static bool cidr_free_of(const struct cidr *c, const struct cidr *used,
			 size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (used[j].prefix && cidr_overlap(c, &used[j]))
			return false;
	return true;
}

int cidr_pick_pools(const struct cidr_pool *pools, size_t npools,
		    const struct cidr *used, size_t n, struct cidr *out,
		    struct err *e)
{
	if (!npools)
		return cidr_pick_default(used, n, out, e);
	for (size_t p = 0; p < npools; p++) {
		const struct cidr_pool *pl = &pools[p];
		unsigned width = pl->base.family == AF_INET ? 32 : 128;
		unsigned bits = pl->size - pl->base.prefix;
		/* at most 2^16 candidates a pool: a /8 cut in /24s */
		uint64_t count = bits >= 16 ? 65536 : (uint64_t)1 << bits;
		struct cidr c = { pl->base.family, 0, pl->size };

		for (uint64_t i = 0; i < count; i++) {
			c.addr = pl->base.addr + ((cidr_u128)i << (width - pl->size));
			if (cidr_free_of(&c, used, n)) {
				*out = c;
				return 0;
			}
		}
	}
	return err_setc(e, ERR_CONFLICT, "no free subnet left in the "
			"default-address-pools");
}
