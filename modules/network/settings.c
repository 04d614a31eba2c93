/* settings.c - the network module's keys in skiffd.json (core/config.h),
 * named and shaped as in Docker's daemon.json: the default network's
 * bridge, address (bip), range (fixed-cidr, fixed-cidr-v6), MTU, icc and
 * IPv6; the pools other networks' subnets come from; whether skiff
 * touches nftables (iptables), ip_forward (ip-forward) and masquerades
 * (ip-masq); the containers' default dns, dns-search and dns-opts.
 *
 * Owns net_settings, which core's config reader fills at start (none of
 * these apply at SIGHUP, as with Docker). Only the checks live here; the
 * default network is built from them in netobj.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "network.h"

struct net_settings net_settings;

/* "ADDR/PREFIX" with host bits allowed (bip is the bridge's address). */
int net_settings_bip(const char *s, struct cidr *subnet, cidr_u128 *addr,
		     struct err *e)
{
	char a[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long p;
	int fam;

	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return err_setc(e, ERR_INVALID, "bip %s: want ADDRESS/PREFIX", s);
	snprintf(a, sizeof(a), "%.*s", (int)(slash - s), s);
	p = strtoul(slash + 1, &end, 10);
	if (cidr_parse_addr(a, &fam, addr, e) < 0)
		return err_wrap(e, "bip %s", s);
	if (*end || !slash[1] || fam != AF_INET || p < 1 || p > 30)
		return err_setc(e, ERR_INVALID, "bip %s: want an IPv4 "
				"ADDRESS/PREFIX, prefix 1 to 30", s);
	subnet->family = AF_INET;
	subnet->prefix = (unsigned)p;
	subnet->addr = *addr & ~((((cidr_u128)1) << (32 - p)) - 1);
	if (*addr == subnet->addr || *addr == cidr_last(subnet))
		return err_setc(e, ERR_INVALID, "bip %s: the network or "
				"broadcast address", s);
	return 0;
}

static int bip_check(void *field)
{
	const char *s = *(char **)field;
	struct err e = ERR_INIT;
	struct cidr c;
	cidr_u128 a;

	return !s || net_settings_bip(s, &c, &a, &e) == 0 ? 0 : -1;
}

static int cidr_check(void *field, int family)
{
	const char *s = *(char **)field;
	struct err e = ERR_INIT;
	struct cidr c;

	return !s || (cidr_parse(s, &c, &e) == 0 && c.family == family) ? 0
									 : -1;
}

static int cidr4_check(void *field)
{
	return cidr_check(field, AF_INET);
}

static int cidr6_check(void *field)
{
	return cidr_check(field, AF_INET6);
}

static int bridge_check(void *field)
{
	const char *s = *(char **)field;
	size_t n = strlen(s);

	return n < IFNAMSIZ && s[0] != '-' && s[0] != '.' &&
			       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
					 "KLMNOPQRSTUVWXYZ0123456789_.-") == n
		   ? 0
		   : -1;
}

static int dns_check(void *field)
{
	const struct strlist *l = field;
	struct err e = ERR_INIT;
	cidr_u128 a;
	int fam;

	for (int i = 0; i < l->n; i++)
		if (cidr_parse_addr(l->v[i], &fam, &a, &e) < 0)
			return -1;
	return 0;
}

/* "mtu": a JSON number (Docker's), 0 for the kernel's default. */
static int mtu_parse(void *field, const char *text)
{
	char *end;
	long long m;

	if (!text)
		return *(long long *)field = 0, 0;
	m = strtoll(text, &end, 10);
	if (*end || (m && (m < 68 || m > 65535)))
		return -1;
	*(long long *)field = m;
	return 0;
}

/* [{"base": "10.10.0.0/16", "size": 24}, ...] */
static int pools_parse(void *field, const struct yajl_val_s *cv)
{
	struct net_pools *p = field;
	yajl_val v = (yajl_val)cv;
	struct err e = ERR_INIT;

	memset(p, 0, sizeof(*p));
	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v) || v->u.array.len > NET_POOLS_MAX)
		return -1;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val o = v->u.array.values[i];
		yajl_val b = yajl_tree_get(o, (const char *[]){ "base", NULL },
					   yajl_t_string);
		yajl_val s = yajl_tree_get(o, (const char *[]){ "size", NULL },
					   yajl_t_number);
		struct cidr_pool *pl = &p->v[i];
		if (!YAJL_IS_OBJECT(o) || o->u.object.len != 2 || !b || !s ||
		    !YAJL_IS_INTEGER(s) ||
		    cidr_parse(YAJL_GET_STRING(b), &pl->base, &e) < 0)
			return -1;
		pl->size = (unsigned)YAJL_GET_INTEGER(s);
		if (YAJL_GET_INTEGER(s) < pl->base.prefix ||
		    YAJL_GET_INTEGER(s) >
			(pl->base.family == AF_INET ? 30 : 126))
			return -1;
	}
	p->n = (int)v->u.array.len;
	return 0;
}

#define NET_STR(key, member, dflt, chk, why)                                   \
	{ .f = { .name = key, .type = FLAG_STR,                                \
		 .offset = offsetof(struct net_settings, member),              \
		 .help = why },                                                \
	  .def = dflt, .check = chk }
#define NET_BOOL(key, member, dflt)                                            \
	{ .f = { .name = key, .type = FLAG_BOOL,                               \
		 .offset = offsetof(struct net_settings, member),              \
		 .help = "expected true or false" },                           \
	  .def = dflt }
#define NET_LIST(key, member, why)                                             \
	{ .f = { .name = key, .type = FLAG_LIST,                               \
		 .offset = offsetof(struct net_settings, member),              \
		 .help = why } }

static const struct config_key net_keys[] = {
	NET_STR("bridge", bridge, "skiff0", bridge_check,
		"expected the default network's bridge name (1 to 15 of "
		"[A-Za-z0-9_.-]) or \"none\""),
	NET_STR("bip", bip, NULL, bip_check,
		"expected the default bridge's IPv4 ADDRESS/PREFIX "
		"(\"192.168.5.1/24\")"),
	NET_STR("fixed-cidr", fixed_cidr, NULL, cidr4_check,
		"expected an IPv4 subnet inside the default bridge's"),
	NET_STR("fixed-cidr-v6", fixed_cidr_v6, NULL, cidr6_check,
		"expected an IPv6 subnet (\"fd00:1::/64\")"),
	{ .f = { .name = "default-address-pools",
		 .offset = offsetof(struct net_settings, pools),
		 .help = "expected [{\"base\": \"SUBNET\", \"size\": PREFIX}, "
			 "...] (at most 16; size from the base's prefix to "
			 "30, 126 for IPv6)" },
	  .parse_tree = pools_parse, .size = sizeof(struct net_pools) },
	{ .f = { .name = "mtu", .type = FLAG_INT,
		 .offset = offsetof(struct net_settings, mtu),
		 .help = "expected an MTU of 68 to 65535" },
	  .parse = mtu_parse, .size = sizeof(long long) },
	NET_BOOL("icc", icc, "true"),
	NET_BOOL("iptables", iptables, "true"),
	NET_BOOL("ip-forward", ip_forward, "true"),
	NET_BOOL("ip-masq", ip_masq, "true"),
	NET_BOOL("ipv6", ipv6, "false"),
	{ .f = { .name = "dns", .type = FLAG_LIST,
		 .offset = offsetof(struct net_settings, dns),
		 .help = "expected a list of name server IP addresses" },
	  .check = dns_check },
	NET_LIST("dns-search", dns_search, "expected a list of domains"),
	NET_LIST("dns-opts", dns_opts, "expected a list of resolv.conf "
					 "options (\"ndots:2\")"),
	{ .f = { .name = NULL } },
};

const struct config_table net_config = { net_keys, &net_settings,
					 sizeof(net_settings) };
