/* ipam.c - one network's address allocator (see ipam.h). Owns the sorted
 * used array of its struct ipam. */
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../proto/jtree.h"
#include "ipam.h"
#include "../core/base/xalloc.h"

/* Smallest subnets that still leave an address to hand out. */
#define IPAM_MAX_PREFIX4 30
#define IPAM_MAX_PREFIX6 127

void ipam_free(struct ipam *p)
{
	free(p->used);
	memset(p, 0, sizeof(*p));
}

static int parse_in(struct ipam *p, const char *what, const char *s,
		    cidr_u128 *addr, struct err *e)
{
	int family;

	if (cidr_parse_addr(s, &family, addr, e) < 0)
		return err_wrap(e, "%s", what);
	if (!cidr_contains(&p->subnet, family, *addr)) {
		char sub[CIDR_STRLEN];

		cidr_str(&p->subnet, sub, sizeof(sub));
		return err_setc(e, ERR_INVALID, "%s %s is not in subnet %s",
				what, s, sub);
	}
	return 0;
}

/* Never handed out nor reserved: network (or anycast) and broadcast. */
static bool is_special(const struct ipam *p, cidr_u128 a)
{
	return a == cidr_first(&p->subnet) ||
	       (p->subnet.family == AF_INET && a == cidr_last(&p->subnet));
}

static int init_range(struct ipam *p, const char *range, struct err *e)
{
	char sub[CIDR_STRLEN];

	p->range = p->subnet;
	if (!range)
		return 0;
	if (cidr_parse(range, &p->range, e) < 0)
		return err_wrap(e, "ip range");
	if (!cidr_within(&p->subnet, &p->range)) {
		cidr_str(&p->subnet, sub, sizeof(sub));
		return err_setc(e, ERR_INVALID,
				"ip range %s is not inside "
				"subnet %s",
				range, sub);
	}
	return 0;
}

int ipam_init(struct ipam *p, const char *subnet, const char *gateway,
	      const char *range, struct err *e)
{
	memset(p, 0, sizeof(*p));
	if (cidr_parse(subnet, &p->subnet, e) < 0)
		return -1;
	if (p->subnet.prefix >
	    (p->subnet.family == AF_INET ? IPAM_MAX_PREFIX4 : IPAM_MAX_PREFIX6))
		return err_setc(e, ERR_INVALID, "subnet %s is too small",
				subnet);
	if (init_range(p, range, e) < 0)
		return -1;
	p->gateway = cidr_first(&p->subnet) + 1;
	if (gateway && parse_in(p, "gateway", gateway, &p->gateway, e) < 0)
		return -1;
	if (is_special(p, p->gateway))
		return err_setc(e, ERR_INVALID,
				"gateway %s is the subnet's %s "
				"address",
				gateway,
				p->gateway == cidr_first(&p->subnet)
				    ? "network"
				    : "broadcast");
	p->next = cidr_first(&p->range);
	return 0;
}

/* Index of the first used entry >= a. */
static size_t find(const struct ipam *p, cidr_u128 a)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->used[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool used(const struct ipam *p, cidr_u128 a)
{
	size_t i = find(p, a);

	return i < p->n && p->used[i] == a;
}

static void insert(struct ipam *p, cidr_u128 a)
{
	size_t i = find(p, a);

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->used = xrealloc(p->used, p->cap, sizeof(*p->used));
	}
	memmove(p->used + i + 1, p->used + i, (p->n - i) * sizeof(*p->used));
	p->used[i] = a;
	p->n++;
}

static bool free_for_alloc(const struct ipam *p, cidr_u128 a)
{
	return a != p->gateway && !is_special(p, a) && !used(p, a);
}

int ipam_alloc(struct ipam *p, char *out, size_t n, struct err *e)
{
	cidr_u128 lo = cidr_first(&p->range), hi = cidr_last(&p->range);
	cidr_u128 a = p->next, steps = hi - lo;
	char r[CIDR_STRLEN];

	/* Among n + 4 distinct candidates at most n are used and 3 are
	 * special, so the walk is short unless the range is full. */
	if (steps > (cidr_u128)p->n + 4)
		steps = (cidr_u128)p->n + 4;
	for (cidr_u128 i = 0; i <= steps; i++, a++) {
		if (a < lo || a > hi)
			a = lo;
		if (free_for_alloc(p, a)) {
			insert(p, a);
			p->next = a + 1;
			cidr_addr_str(p->subnet.family, a, out, n);
			return 0;
		}
	}
	cidr_str(&p->range, r, sizeof(r));
	return err_setc(e, ERR_CONFLICT, "no free address left in %s", r);
}

int ipam_reserve(struct ipam *p, const char *ip, struct err *e)
{
	cidr_u128 a;

	if (parse_in(p, "address", ip, &a, e) < 0)
		return -1;
	if (a == p->gateway || is_special(p, a))
		return err_setc(e, ERR_INVALID,
				"address %s is the subnet's %s "
				"address",
				ip,
				a == p->gateway		      ? "gateway"
				: a == cidr_first(&p->subnet) ? "network"
							      : "broadcast");
	if (used(p, a))
		return err_setc(e, ERR_CONFLICT, "address %s is already in use",
				ip);
	insert(p, a);
	return 0;
}

int ipam_release(struct ipam *p, const char *ip, struct err *e)
{
	cidr_u128 a;
	int family;
	size_t i;

	if (cidr_parse_addr(ip, &family, &a, e) < 0)
		return -1;
	i = find(p, a);
	if (family != p->subnet.family || i == p->n || p->used[i] != a)
		return err_setc(e, ERR_NOT_FOUND, "address %s is not in use",
				ip);
	memmove(p->used + i, p->used + i + 1,
		(p->n - i - 1) * sizeof(*p->used));
	p->n--;
	return 0;
}

bool ipam_in_use(const struct ipam *p, const char *ip)
{
	struct err e = ERR_INIT;
	cidr_u128 a;
	int family;

	return cidr_parse_addr(ip, &family, &a, &e) == 0 &&
	       family == p->subnet.family && used(p, a);
}

void ipam_gateway_str(const struct ipam *p, char *buf, size_t n)
{
	cidr_addr_str(p->subnet.family, p->gateway, buf, n);
}

void ipam_subnet_str(const struct ipam *p, char *buf, size_t n)
{
	cidr_str(&p->subnet, buf, n);
}

void ipam_write(const struct ipam *p, struct jw *w, const char *key)
{
	char s[CIDR_STRLEN];

	jw_obj(w, key);
	cidr_str(&p->subnet, s, sizeof(s));
	jw_str(w, "Subnet", s);
	ipam_gateway_str(p, s, sizeof(s));
	jw_str(w, "Gateway", s);
	if (p->range.prefix != p->subnet.prefix) {
		cidr_str(&p->range, s, sizeof(s));
		jw_str(w, "IPRange", s);
	}
	cidr_addr_str(p->subnet.family, p->next, s, sizeof(s));
	jw_str(w, "Next", s);
	jw_arr(w, "Used");
	for (size_t i = 0; i < p->n; i++) {
		cidr_addr_str(p->subnet.family, p->used[i], s, sizeof(s));
		jw_vstr(w, s);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static int read_used(struct ipam *p, struct jt *t, yajl_val v)
{
	yajl_val arr = jt_get(v, "Used");
	size_t mark = jt_key(t, "Used");

	if (arr && jt_want_arr(t, arr) < 0)
		return -1;
	for (size_t i = 0; arr && i < YAJL_GET_ARRAY(arr)->len; i++) {
		_cleanup_free_ char *ip = NULL;
		size_t m = jt_idx(t, i);

		if (jt_str(t, YAJL_GET_ARRAY(arr)->values[i], &ip) < 0)
			return -1;
		if (ipam_reserve(p, ip, t->e) < 0)
			return err_wrap(t->e, "%s", t->path);
		jt_pop(t, m);
	}
	jt_pop(t, mark);
	return 0;
}

int ipam_read(struct ipam *p, yajl_val v, struct err *e)
{
	_cleanup_free_ char *subnet = NULL, *gw = NULL, *range = NULL,
			    *next = NULL;
	struct jt t;
	int family;

	jt_init(&t, e);
	memset(p, 0, sizeof(*p));
	if (jt_want_obj(&t, v) < 0 ||
	    jt_opt_str(&t, v, "Subnet", &subnet) < 0 ||
	    jt_opt_str(&t, v, "Gateway", &gw) < 0 ||
	    jt_opt_str(&t, v, "IPRange", &range) < 0 ||
	    jt_opt_str(&t, v, "Next", &next) < 0)
		return -1;
	if (!subnet)
		return err_setc(e, ERR_INVALID, "ipam: no Subnet");
	if (ipam_init(p, subnet, gw, range, e) < 0 || read_used(p, &t, v) < 0)
		goto fail;
	if (next && (cidr_parse_addr(next, &family, &p->next, e) < 0 ||
		     family != p->subnet.family)) {
		err_setc(e, ERR_INVALID,
			 "Next: \"%s\" is not an address of "
			 "the subnet",
			 next);
		goto fail;
	}
	return 0;
fail:
	ipam_free(p);
	return err_wrap(e, "ipam");
}
