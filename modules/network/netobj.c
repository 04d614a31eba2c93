/* netobj.c - networks as durable objects: the registry, the state files
 * (ROOT/networks/ID.json through core/store), the default `bridge`
 * network, subnets chosen from Docker's pools around the host's routes,
 * and a network's kernel side (its bridge and its rules in skiff's nat
 * table), made on first use and removed with the network.
 *
 * Owns the list of struct net, and the two kernel handles every part of
 * the module shares (one rtnetlink socket in skiffd's namespace, one
 * libnftables context), opened on first use so an idle skiffd loads
 * neither libnl nor libnftables. The nat table is made anew whole when
 * the context opens: whatever a skiffd that died left there goes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../core/store.h"
#include "../../net/nat.h"
#include "../../net/nlink.h"
#include "../../proto/jsonlog.h"
#include "network.h"

static struct net *nets;
static struct nlink *host_nl;
static struct nat *host_nat;

struct net *net_first(void)
{
	return nets;
}

struct net *net_default(void)
{
	for (struct net *n = nets; n; n = n->next)
		if (n->is_default)
			return n;
	return NULL;
}

struct net *net_find(const char *ref, struct err *e)
{
	struct net *hit = NULL;
	size_t len = strlen(ref);
	int hits = 0;

	for (struct net *n = nets; n; n = n->next)
		if (!strcmp(n->name, ref) || !strcmp(n->id, ref))
			return n;
	for (struct net *n = nets; len && n; n = n->next)
		if (!strncmp(n->id, ref, len))
			hit = n, hits++;
	if (hits == 1)
		return hit;
	err_setc(e, hits ? ERR_CONFLICT : ERR_NOT_FOUND,
		 hits ? "network %s is ambiguous: %d networks' ids begin "
			"so" : "network %s not found", ref, hits);
	return NULL;
}

unsigned net_users(const struct net *n)
{
	unsigned k = 0;

	for (struct netctr *c = netctr_first(); c; c = c->next)
		k += ep_on(c, n) != NULL;
	return k;
}

static void net_free(struct net *n)
{
	free(n->name);
	free(n->labels_json);
	free(n->options_json);
	ipam_free(&n->ip4);
	ipam_free(&n->ip6);
	free(n);
}

/* ---- the kernel handles ---- */

struct nlink *net_nlink(struct err *e)
{
	if (!host_nl && (host_nl = nlink_open(-1, e)))
		linkwatch_start();
	return host_nl;
}

void net_link_gone(const char *name)
{
	for (struct net *n = nets; n; n = n->next)
		if (n->up && !strcmp(n->bridge, name)) {
			n->up = false;
			log_warn("network %s: its bridge %s was removed; it is "
				 "made again at the network's next use",
				 n->name, name);
		}
}

/* The nat table's name: "skiff" for the default root, else "skiff-" and
 * a hash of the root, so two skiffd in one namespace (two roots) never
 * remake each other's table. */
const char *net_table(void)
{
	static char name[32];
	const char *root = daemon_ctx.cfg.root;
	uint32_t h = 2166136261u; /* FNV-1a */

	if (name[0])
		return name;
	if (!strcmp(root, "/var/lib/skiff"))
		return strcpy(name, "skiff");
	for (const char *p = root; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(name, sizeof(name), "skiff-%08x", h);
	return name;
}

struct nat *net_nat(struct err *e)
{
	struct nat *n;

	if (host_nat)
		return host_nat;
	if (!net_settings.iptables)
		return err_setc(e, ERR_INTERNAL, "\"iptables\": false: skiff "
				"manages no nftables rules"), NULL;
	if (!(n = nat_open(net_table(), e)))
		return NULL;
	if (nat_setup(n, e) < 0) {
		nat_close(n);
		return NULL;
	}
	return host_nat = n;
}

void net_kernel_close(void)
{
	linkwatch_stop();
	nlink_close(host_nl);
	nat_close(host_nat);
	host_nl = NULL;
	host_nat = NULL;
}

/* ---- the host's routes (/proc: no netlink, so no libnl at init) ---- */

/* IPv4 routes of the main table as prefixes, the default route and
 * the routes through skip (NULL: none) left out; *n of them into out (at
 * most max). */
static size_t host_routes(struct cidr *out, size_t max, const char *skip)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
	char line[512], ifn[64];
	unsigned dst, gw, flags, refc, use, metric, mask;
	size_t k = 0;

	while (f && k < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifn, &dst, &gw,
			   &flags, &refc, &use, &metric, &mask) != 8 || !mask ||
		    (skip && !strcmp(ifn, skip)))
			continue;
		out[k].family = AF_INET;
		out[k].addr = cidr_from_bytes(AF_INET, &dst);
		out[k].prefix = (unsigned)__builtin_popcount(mask);
		k++;
	}
	return k;
}

/* A free private IPv4 subnet: Docker's pools, around the host's routes
 * (but those of skip: the default bridge of an earlier skiffd on this
 * host is reused, not avoided) and the subnets of the networks that
 * exist. */
static int pick_subnet(const char *skip, char *out, size_t len,
		       struct err *e)
{
	struct cidr used[256], c;
	size_t k = host_routes(used, 200, skip), np = 0;
	struct cidr_pool pools[NET_POOLS_MAX];

	for (struct net *n = nets; n && k < 256; n = n->next)
		used[k++] = n->ip4.subnet;
	for (int i = 0; i < net_settings.pools.n; i++)
		if (net_settings.pools.v[i].base.family == AF_INET)
			pools[np++] = net_settings.pools.v[i];
	if (net_settings.pools.n && !np)
		return err_setc(e, ERR_CONFLICT, "default-address-pools has no "
				"IPv4 pool (give --subnet)");
	if (cidr_pick_pools(pools, np, used, k, &c, e) < 0)
		return err_wrap(e, "no free private subnet (give --subnet)");
	cidr_str(&c, out, len);
	return 0;
}

/* ---- state ---- */

void net_write_json(const struct net *n, struct jw *w, bool state)
{
	char ebuf[64];
	yajl_val l = yajl_tree_parse(n->labels_json ? n->labels_json : "{}",
				     ebuf, sizeof(ebuf));
	yajl_val o = yajl_tree_parse(n->options_json ? n->options_json : "{}",
				     ebuf, sizeof(ebuf));

	jw_str(w, "Name", n->name);
	jw_str(w, "Id", n->id);
	jw_str(w, "Bridge", n->bridge);
	jw_bool(w, "Default", n->is_default);
	jw_bool(w, "Internal", n->internal);
	jw_bool(w, "ICC", n->icc);
	jw_bool(w, "EnableIPv6", n->ipv6);
	jw_bool(w, "NoMasquerade", n->no_masq);
	jw_int(w, "MTU", n->mtu);
	jw_int(w, "CreatedNs", n->created_ns);
	jw_tree(w, "Labels", l);
	jw_tree(w, "Options", o);
	ipam_write(&n->ip4, w, "IPAM4");
	if (n->ipv6)
		ipam_write(&n->ip6, w, "IPAM6");
	yajl_tree_free(l);
	yajl_tree_free(o);
}

static void saved(int errnum, void *ctx)
{
	char *name = ctx;

	if (errnum)
		log_err("network %s: saving its state: %s", name,
			strerror(errnum));
	free(name);
}

void net_save(struct net *n, void (*done)(int errnum, void *ctx), void *ctx)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	net_write_json(n, &w, true);
	jw_close(&w);
	if (!done) {
		done = saved;
		ctx = xstrdup(n->name);
	}
	store_put("networks", n->id, buf_head(&b), buf_used(&b), done, ctx);
	buf_free(&b);
}

static const char *jstr(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_string);

	return v ? YAJL_GET_STRING(v) : NULL;
}

static bool jbool(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };

	return YAJL_IS_TRUE(yajl_tree_get(t, path, yajl_t_true));
}

static long long jint(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_number);

	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static char *jobj_text(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_object);
	struct buf b = { 0 };
	struct jw w;

	if (!v)
		return xstrdup("{}");
	jw_open(&w, &b);
	for (size_t i = 0; i < v->u.object.len; i++)
		if (YAJL_IS_STRING(v->u.object.values[i]))
			jw_str(&w, v->u.object.keys[i],
			       YAJL_GET_STRING(v->u.object.values[i]));
	jw_close(&w);
	while (buf_used(&b) && buf_head(&b)[buf_used(&b) - 1] == '\n')
		b.len--;
	return buf_take_str(&b);
}

static void load_one(const char *id, yajl_val t, void *ctx)
{
	struct net *n = xcalloc(1, sizeof(*n));
	const char *ip4[] = { "IPAM4", NULL }, *ip6[] = { "IPAM6", NULL };
	const char *name = jstr(t, "Name"), *br = jstr(t, "Bridge");
	struct err e = ERR_INIT;

	snprintf(n->id, sizeof(n->id), "%s", id);
	n->name = xstrdup(name ? name : id);
	snprintf(n->bridge, sizeof(n->bridge), "%s", br ? br : "");
	n->is_default = jbool(t, "Default");
	n->internal = jbool(t, "Internal");
	n->icc = jbool(t, "ICC");
	n->ipv6 = jbool(t, "EnableIPv6");
	n->no_masq = jbool(t, "NoMasquerade");
	n->mtu = (unsigned)jint(t, "MTU");
	n->created_ns = jint(t, "CreatedNs");
	n->labels_json = jobj_text(t, "Labels");
	n->options_json = jobj_text(t, "Options");
	if (ipam_read(&n->ip4, yajl_tree_get(t, ip4, yajl_t_object), &e) < 0 ||
	    (n->ipv6 &&
	     ipam_read(&n->ip6, yajl_tree_get(t, ip6, yajl_t_object), &e) < 0) ||
	    !*n->bridge) {
		log_err("network %s: state file: %s", id,
			e.msg[0] ? e.msg : "no bridge");
		net_free(n);
		return;
	}
	n->next = nets;
	nets = n;
}

static void random_id(char *out)
{
	unsigned char r[32];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		abort(); /* getrandom of 32 bytes does not fail */
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

/* ---- the default network, as the daemon settings ask ---- */

/* Without bip, an earlier default's subnet stays while it is on the
 * same bridge and, with pools given, is one of their prefixes. */
static bool subnet_fits(const struct net *keep, const char *bridge)
{
	const struct cidr *c = &keep->ip4.subnet;

	if (strcmp(keep->bridge, bridge))
		return false;
	if (!net_settings.pools.n)
		return true;
	for (int i = 0; i < net_settings.pools.n; i++) {
		const struct cidr_pool *p = &net_settings.pools.v[i];
		if (p->size == c->prefix && cidr_within(&p->base, c))
			return true;
	}
	return false;
}

/* Its addresses: bip (the bridge's address and prefix), else keep's
 * subnet or a free one; fixed-cidr as the range; fixed-cidr-v6 with
 * ipv6. keep: the default as an earlier start made it, or NULL. */
static int default_addresses(struct net *n, const struct net *keep,
			     struct err *e)
{
	char subnet[CIDR_STRLEN], gw[CIDR_STRLEN];
	const char *g = NULL;
	struct cidr c;
	cidr_u128 a;

	if (net_settings.bip) {
		if (net_settings_bip(net_settings.bip, &c, &a, e) < 0)
			return -1;
		cidr_str(&c, subnet, sizeof(subnet));
		cidr_addr_str(AF_INET, a, gw, sizeof(gw));
		g = gw;
	} else if (keep && subnet_fits(keep, n->bridge)) {
		ipam_subnet_str(&keep->ip4, subnet, sizeof(subnet));
	} else if (pick_subnet(n->bridge, subnet, sizeof(subnet), e) < 0) {
		return -1;
	}
	if (ipam_init(&n->ip4, subnet, g, net_settings.fixed_cidr, e) < 0)
		return err_wrap(e, "daemon settings bip and fixed-cidr");
	n->ipv6 = net_settings.ipv6;
	if (n->ipv6 && !net_settings.fixed_cidr_v6)
		return err_setc(e, ERR_INVALID, "daemon setting \"ipv6\": "
				"the default network needs \"fixed-cidr-v6\"");
	if (n->ipv6 &&
	    ipam_init(&n->ip6, net_settings.fixed_cidr_v6, NULL, NULL, e) < 0)
		return err_wrap(e, "daemon setting fixed-cidr-v6");
	return 0;
}

/* A default network from the settings (not in the list, not saved). */
static struct net *default_new(const struct net *keep, struct err *e)
{
	struct net *n = xcalloc(1, sizeof(*n));

	snprintf(n->bridge, sizeof(n->bridge), "%s", net_settings.bridge);
	if (default_addresses(n, keep, e) < 0) {
		net_free(n);
		return NULL;
	}
	if (keep) {
		memcpy(n->id, keep->id, sizeof(n->id));
		n->created_ns = keep->created_ns;
	} else {
		random_id(n->id);
		n->created_ns = now_ns();
	}
	n->name = xstrdup(NET_DEFAULT);
	n->is_default = true;
	n->icc = net_settings.icc;
	n->no_masq = !net_settings.ip_masq;
	n->mtu = (unsigned)net_settings.mtu;
	n->labels_json = xstrdup("{}");
	n->options_json = xasprintf("{\"com.docker.network.bridge.name\":"
				    "\"%s\"}", n->bridge);
	return n;
}

static bool cidr_same(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && a->addr == b->addr &&
	       a->prefix == b->prefix;
}

static bool ipam_same(const struct ipam *a, const struct ipam *b)
{
	return cidr_same(&a->subnet, &b->subnet) &&
	       cidr_same(&a->range, &b->range) && a->gateway == b->gateway;
}

static bool default_same(const struct net *a, const struct net *b)
{
	return !strcmp(a->bridge, b->bridge) && a->mtu == b->mtu &&
	       a->icc == b->icc && a->no_masq == b->no_masq &&
	       a->ipv6 == b->ipv6 && ipam_same(&a->ip4, &b->ip4) &&
	       (!a->ipv6 || ipam_same(&a->ip6, &b->ip6));
}

static int default_write(const struct net *n, struct err *e)
{
	_cleanup_free_ char *dir = xasprintf("%s/networks",
					     daemon_ctx.cfg.root);
	char file[NET_ID_LEN + 8];
	struct buf b = { 0 };
	struct jw w;
	int rc;

	jw_open(&w, &b);
	net_write_json(n, &w, true);
	jw_close(&w);
	snprintf(file, sizeof(file), "%s.json", n->id);
	rc = store_write_sync(dir, file, buf_head(&b), buf_used(&b), e);
	buf_free(&b);
	return rc;
}

/* At start, as dockerd remakes its default network from its settings:
 * made when absent, changed in place when the settings changed (the
 * containers on it keep their addresses where the new subnet holds
 * them: endpoint.c), removed with "bridge": "none". */
static int default_apply(struct err *e)
{
	struct net *old = net_default(), *n, **pp;
	_cleanup_free_ char *path = NULL;

	if (!strcmp(net_settings.bridge, "none")) {
		if (!old)
			return 0;
		path = xasprintf("%s/networks/%s.json", daemon_ctx.cfg.root,
				 old->id);
		for (pp = &nets; *pp != old; pp = &(*pp)->next)
			;
		*pp = old->next;
		net_free(old);
		return unlink(path) < 0 ? err_set(e, errno, "unlink %s", path)
					: 0;
	}
	if (!(n = default_new(old, e)))
		return err_wrap(e, "the default network");
	if (old && default_same(old, n)) {
		net_free(n);
		return 0;
	}
	if (old) {
		log_info("network %s: remade from the daemon settings "
			 "(bridge %s)", NET_DEFAULT, n->bridge);
		for (pp = &nets; *pp != old; pp = &(*pp)->next)
			;
		*pp = old->next;
		net_free(old);
	}
	n->next = nets;
	nets = n;
	return default_write(n, e);
}

int net_load_all(struct err *e)
{
	_cleanup_free_ char *dir = NULL;

	dir = xasprintf("%s/networks", daemon_ctx.cfg.root);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", dir);
	if (store_load("networks", load_one, NULL, e) < 0)
		return -1;
	return default_apply(e);
}

/* ---- network create ---- */

static int opt_bool(const char *v, bool *out, const char *k, struct err *e)
{
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return err_setc(e, ERR_INVALID, "-o %s=%s: true or false", k,
				v);
	return 0;
}

/* -o words: mtu, icc, the bridge's name (Docker's long keys too). */
static int net_opts(struct net *n, const struct strlist *o, struct err *e)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	for (int i = 0; i < o->n; i++) {
		const char *eq = strchr(o->v[i], '=');
		char k[128];
		if (!eq || eq == o->v[i] || (size_t)(eq - o->v[i]) >= sizeof(k)) {
			buf_free(&b);
			return err_setc(e, ERR_INVALID, "-o %s: not K=V",
					o->v[i]);
		}
		snprintf(k, sizeof(k), "%.*s", (int)(eq - o->v[i]), o->v[i]);
		eq++;
		if (!strcmp(k, "mtu") ||
		    !strcmp(k, "com.docker.network.driver.mtu")) {
			char *end;
			unsigned long m = strtoul(eq, &end, 10);
			if (*end || m < 68 || m > 65535) {
				buf_free(&b);
				return err_setc(e, ERR_INVALID, "-o %s=%s: an "
						"MTU of 68 to 65535", k, eq);
			}
			n->mtu = (unsigned)m;
		} else if (!strcmp(k, "icc") ||
			   !strcmp(k, "com.docker.network.bridge.enable_icc")) {
			if (opt_bool(eq, &n->icc, k, e) < 0) {
				buf_free(&b);
				return -1;
			}
		} else if (!strcmp(k, "com.docker.network.bridge."
				    "enable_ip_masquerade")) {
			bool on;
			if (opt_bool(eq, &on, k, e) < 0) {
				buf_free(&b);
				return -1;
			}
			n->no_masq = !on;
		} else if (!strcmp(k, "com.docker.network.bridge.name")) {
			if (!*eq || strlen(eq) >= IFNAMSIZ ||
			    strspn(eq, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
				       "KLMNOPQRSTUVWXYZ0123456789_.-") !=
				strlen(eq)) {
				buf_free(&b);
				return err_setc(e, ERR_INVALID, "-o %s=%s: an "
						"interface name of 1 to 15 of "
						"[A-Za-z0-9_.-]", k, eq);
			}
			snprintf(n->bridge, sizeof(n->bridge), "%s", eq);
		} else {
			buf_free(&b);
			return err_setc(e, ERR_INVALID, "-o %s: unknown option "
					"(mtu, icc, com.docker.network.bridge."
					"name, com.docker.network.bridge."
					"enable_ip_masquerade)", k);
		}
		jw_str(&w, k, eq);
	}
	jw_close(&w);
	while (buf_used(&b) && buf_head(&b)[buf_used(&b) - 1] == '\n')
		b.len--;
	n->options_json = buf_take_str(&b);
	return 0;
}

/* The flag value of family fam among list (one of each at most). */
static int by_family(const struct strlist *l, int fam, const char *flag,
		     const char **out, struct err *e)
{
	*out = NULL;
	for (int i = 0; i < l->n; i++) {
		int f = strchr(l->v[i], ':') ? AF_INET6 : AF_INET;
		if (f != fam)
			continue;
		if (*out)
			return err_setc(e, ERR_INVALID, "--%s: one IPv%d value "
					"at most", flag, fam == AF_INET ? 4 : 6);
		*out = l->v[i];
	}
	return 0;
}

static int check_overlap(const struct ipam *p, const char *what,
			 struct err *e)
{
	char s[CIDR_STRLEN];

	for (struct net *o = nets; o; o = o->next) {
		const struct ipam *q = p->subnet.family == AF_INET ? &o->ip4
								   : &o->ip6;
		if ((p->subnet.family == AF_INET || o->ipv6) &&
		    cidr_overlap(&p->subnet, &q->subnet)) {
			ipam_subnet_str(q, s, sizeof(s));
			return err_setc(e, ERR_CONFLICT, "%s overlaps network "
					"%s's subnet %s", what, o->name, s);
		}
	}
	return 0;
}

static int net_addresses(struct net *n, const struct netcreate_args *a,
			 struct err *e)
{
	const char *s4, *g4, *r4, *s6, *g6, *r6;
	char pick[CIDR_STRLEN];

	if (by_family(&a->subnet, AF_INET, "subnet", &s4, e) < 0 ||
	    by_family(&a->gateway, AF_INET, "gateway", &g4, e) < 0 ||
	    by_family(&a->ip_range, AF_INET, "ip-range", &r4, e) < 0 ||
	    by_family(&a->subnet, AF_INET6, "subnet", &s6, e) < 0 ||
	    by_family(&a->gateway, AF_INET6, "gateway", &g6, e) < 0 ||
	    by_family(&a->ip_range, AF_INET6, "ip-range", &r6, e) < 0)
		return -1;
	if ((g4 || r4) && !s4)
		return err_setc(e, ERR_INVALID, "--gateway and --ip-range "
				"need --subnet");
	if (!s4) {
		if (pick_subnet(NULL, pick, sizeof(pick), e) < 0)
			return -1;
		s4 = pick;
	}
	if (ipam_init(&n->ip4, s4, g4, r4, e) < 0 ||
	    check_overlap(&n->ip4, s4, e) < 0)
		return -1;
	if (s6 && !a->ipv6)
		return err_setc(e, ERR_INVALID, "an IPv6 --subnet needs --ipv6");
	if (a->ipv6 && !s6)
		return err_setc(e, ERR_INVALID, "--ipv6 needs an IPv6 --subnet "
				"(e.g. fd00:1::/64)");
	if (s6 && (ipam_init(&n->ip6, s6, g6, r6, e) < 0 ||
		   check_overlap(&n->ip6, s6, e) < 0))
		return -1;
	n->ipv6 = a->ipv6;
	return 0;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < 128 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
					 "_.-") == n && s[0] != '.' &&
	       s[0] != '-';
}

extern char *netcmds_labels(const struct strlist *l, struct err *e);

struct net *net_create(const char *name, const struct netcreate_args *a,
		       struct err *e)
{
	struct net *n;

	if (!name_ok(name))
		return err_setc(e, ERR_INVALID, "invalid network name %s: "
				"[A-Za-z0-9][A-Za-z0-9_.-]*", name), NULL;
	if (!strcmp(name, "none") || !strcmp(name, "host") ||
	    !strncmp(name, "container", 9))
		return err_setc(e, ERR_INVALID, "%s is a network mode, not a "
				"name a network may have", name), NULL;
	if (net_find(name, e) && !strcmp(net_find(name, e)->name, name))
		return err_setc(e, ERR_CONFLICT, "network with name %s "
				"already exists", name), NULL;
	err_clear(e);
	if (a->driver && strcmp(a->driver, "bridge"))
		return err_setc(e, ERR_INVALID, "--driver %s: only bridge",
				a->driver), NULL;
	n = xcalloc(1, sizeof(*n));
	random_id(n->id);
	n->icc = true;
	snprintf(n->bridge, sizeof(n->bridge), "br-%.12s", n->id);
	if (net_opts(n, &a->opt, e) < 0 || net_addresses(n, a, e) < 0 ||
	    !(n->labels_json = netcmds_labels(&a->label, e))) {
		net_free(n);
		return NULL;
	}
	for (struct net *o = nets; o; o = o->next)
		if (!strcmp(o->bridge, n->bridge)) {
			err_setc(e, ERR_CONFLICT, "bridge %s is network %s's",
				 n->bridge, o->name);
			net_free(n);
			return NULL;
		}
	n->name = xstrdup(name);
	n->internal = a->internal;
	n->created_ns = now_ns();
	n->next = nets;
	nets = n;
	bus_publish("network", "create", n->id,
		    (const char *const[]){ "name", n->name, "type", "bridge",
					   NULL });
	return n;
}

/* ---- the kernel side ---- */

static int addr_add(struct nlink *nl, const struct net *n,
		    const struct ipam *p, struct err *e)
{
	char gw[CIDR_STRLEN], a[CIDR_STRLEN + 8];

	ipam_gateway_str(p, gw, sizeof(gw));
	snprintf(a, sizeof(a), "%s/%u", gw, p->subnet.prefix);
	if (nlink_addr_add(nl, n->bridge, a, e) < 0 &&
	    e->class != ERR_CONFLICT)
		return -1;
	err_clear(e);
	return 0;
}

int net_up(struct net *n, struct err *e)
{
	struct nlink *nl = net_nlink(e);
	struct nat *nt = nl && net_settings.iptables ? net_nat(e) : NULL;
	char s4[CIDR_STRLEN], s6[CIDR_STRLEN];
	struct nat_net nn = { .bridge = n->bridge, .internal = n->internal,
			      .no_masquerade = n->no_masq };

	if (n->up)
		return 0;
	if (!nl || (!nt && net_settings.iptables))
		return err_wrap(e, "network %s", n->name);
	if (nlink_bridge_add(nl, n->bridge, 0, NULL, e) < 0) {
		if (e->class != ERR_CONFLICT) /* left by an earlier skiffd */
			return err_wrap(e, "network %s", n->name);
		err_clear(e);
	}
	ipam_subnet_str(&n->ip4, s4, sizeof(s4));
	nn.subnet4 = s4;
	if (n->ipv6) {
		ipam_subnet_str(&n->ip6, s6, sizeof(s6));
		nn.subnet6 = s6;
	}
	/* the MTU set as a change, not at creation: the kernel keeps it
	 * then when the bridge has no port */
	if ((n->mtu && nlink_set_mtu(nl, n->bridge, n->mtu, e) < 0) ||
	    addr_add(nl, n, &n->ip4, e) < 0 ||
	    (n->ipv6 && addr_add(nl, n, &n->ip6, e) < 0) ||
	    nlink_set_up(nl, n->bridge, true, e) < 0 ||
	    (nt && nat_network_add(nt, &nn, e) < 0) ||
	    (nt && nat_route_localnet(n->bridge, e) < 0) ||
	    (net_settings.ip_forward && nat_forwarding_on(n->ipv6, e) < 0))
		return err_wrap(e, "network %s", n->name);
	n->up = true;
	return 0;
}

/* The bridge and the rules go (an earlier skiffd's bridge too). */
static void net_down(struct net *n)
{
	struct err e = ERR_INIT;
	struct nlink *nl = net_nlink(&e);
	char s4[CIDR_STRLEN], s6[CIDR_STRLEN];
	struct nat_net nn = { .bridge = n->bridge, .internal = n->internal };

	if (n->up && host_nat) {
		ipam_subnet_str(&n->ip4, s4, sizeof(s4));
		nn.subnet4 = s4;
		if (n->ipv6) {
			ipam_subnet_str(&n->ip6, s6, sizeof(s6));
			nn.subnet6 = s6;
		}
		if (nat_network_del(host_nat, &nn, &e) < 0)
			log_warn("network %s: %s", n->name, e.msg);
	}
	err_clear(&e);
	if (nl && nlink_del(nl, n->bridge, &e) < 0 &&
	    e.class != ERR_NOT_FOUND)
		log_warn("network %s: %s", n->name, e.msg);
	n->up = false;
}

void net_destroy(struct net *n, void (*done)(int errnum, void *ctx),
		 void *ctx)
{
	for (struct net **pp = &nets; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	net_down(n);
	if (!done) {
		done = saved;
		ctx = xstrdup(n->name);
	}
	store_del("networks", n->id, done, ctx);
	bus_publish("network", "destroy", n->id,
		    (const char *const[]){ "name", n->name, "type", "bridge",
					   NULL });
	net_free(n);
}
