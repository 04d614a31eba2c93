/* dnswire.c - the embedded DNS server (dnsd.h) wired into the network
 * module: a container is attached when its first endpoint on a
 * user-defined network is wired and detached when its last one is
 * unwired (a live disconnect, or the container's exit: the sockets would
 * otherwise keep its namespace alive); every join and leave refills the
 * name tables; the names a container sees are built from the endpoint
 * records (network.h) on demand.
 *
 * Owns: the one struct dnsd, made at the first attach (an idle skiffd
 * holds no DNS socket and maps no ldns). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../net/dnssrv.h"
#include "dnsd.h"
#include "network.h"

static struct dnsd *dns;

/* Is ep wired on a network that has names (not the default bridge)? */
static bool named(const struct ep *ep)
{
	return !ep->net->is_default && *ep->host_if;
}

/* ep's container's names (name, short id, aliases) to its addresses on
 * ep's network (visible), or as NXDOMAIN (not visible). */
static int put_names(struct dns_table *t, const struct ep *ep, bool visible,
		     struct err *e)
{
	const struct netctr *c = ep->ctr;
	const char *ips[2] = {ep->ip, ep->ip6};
	char sid[13];
	const char *names[64];
	int n = 0;

	snprintf(sid, sizeof(sid), "%.12s", c->id);
	if (c->name)
		names[n++] = c->name[0] == '/' ? c->name + 1 : c->name;
	names[n++] = sid;
	for (int i = 0; i < ep->naliases && n < 64; i++)
		names[n++] = ep->aliases[i];
	for (int i = 0; i < n; i++) {
		if (!visible) {
			if (dns_table_hide(t, names[i], e) < 0)
				return -1;
			continue;
		}
		for (int k = 0; k < 2; k++)
			if (*ips[k] &&
			    dns_table_add(t, names[i], ips[k], e) < 0)
				return -1;
	}
	return 0;
}

/* The names container id may resolve (dnsd_ops.fill). Visible names go
 * first: a PTR answers an address's first name, the container's. */
static int dnswire_fill(void *arg, const char *id, struct dns_table *t,
			struct err *e)
{
	const struct netctr *me = netctr_find(id);
	char sub[64];

	if (!me)
		return err_setc(e, ERR_NOT_FOUND, "no container %.12s", id);
	for (int pass = 0; pass < 2; pass++)
		for (const struct netctr *c = netctr_first(); c; c = c->next)
			for (const struct ep *ep = c->eps; ep; ep = ep->next) {
				bool vis = ep_on(me, ep->net) != NULL;

				if (named(ep) && vis == !pass &&
				    put_names(t, ep, vis, e) < 0)
					return -1;
			}
	for (const struct ep *ep = me->eps; ep; ep = ep->next) {
		if (ep->net->is_default)
			continue;
		ipam_subnet_str(&ep->net->ip4, sub, sizeof(sub));
		if (dns_table_subnet(t, sub, e) < 0)
			return -1;
		if (ep->net->ipv6) {
			ipam_subnet_str(&ep->net->ip6, sub, sizeof(sub));
			if (dns_table_subnet(t, sub, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* c's upstreams: its --dns, else the daemon's dns, else the host's name
 * servers. */
static size_t upstreams(const struct netctr *c, const char **v, char *buf,
			size_t n)
{
	const char *p = netctr_host_resolv();
	const char *const *own;
	int nown = netctr_dns_words(c, NETCTR_DNS, &own);
	size_t k = 0, used = 0;

	for (int i = 0; i < nown && k < DNSSRV_UPSTREAMS_MAX; i++)
		v[k++] = own[i];
	while (!k && p && *p) { /* "nameserver X" lines */
		const char *nl = strchr(p, '\n');
		int len = 0;

		if (sscanf(p, "nameserver %63s%n", buf + used, &len) == 1 &&
		    used + 64 <= n && k < DNSSRV_UPSTREAMS_MAX) {
			v[k++] = buf + used;
			used += strlen(buf + used) + 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return k;
}

static void dnswire_joined(const struct ep *ep)
{
	const struct netctr *c = ep->ctr;
	struct dnsd_ops ops = {.fill = dnswire_fill};
	const char *ups[DNSSRV_UPSTREAMS_MAX];
	char buf[DNSSRV_UPSTREAMS_MAX * 64 + 64];
	struct err e = ERR_INIT;
	size_t n;

	if (ep->net->is_default || c->netns_fd < 0)
		return;
	if (!dns && !(dns = dnsd_new(daemon_ctx.loop, &ops, NULL, &e))) {
		log_warn("embedded dns: %s", e.msg);
		return;
	}
	n = upstreams(c, ups, buf, sizeof(buf));
	if (dnsd_attach(dns, c->id, c->netns_fd, ups, n, &e) < 0)
		log_warn("container %.12s: %s", c->id, e.msg);
	dnsd_changed(dns);
}

static void dnswire_left(const struct ep *ep)
{
	bool more = false;

	if (!dns)
		return;
	for (const struct ep *o = ep->ctr->eps; o; o = o->next)
		more |= o != ep && named(o);
	if (!more)
		dnsd_detach(dns, ep->ctr->id);
	dnsd_changed(dns);
}

void dnswire_init(void)
{
	static const struct ep_watch w = {.joined = dnswire_joined,
					  .left = dnswire_left};

	ep_watch_set(&w);
}

void dnswire_stop(void)
{
	dnsd_free(dns);
	dns = NULL;
}

/* The words of the host's resolv.conf line starting with key (search,
 * options) into v, pointing into buf. */
static size_t host_words(const char *key, const char **v, size_t max, char *buf,
			 size_t n)
{
	const char *p = netctr_host_resolv(), *nl;
	size_t k = 0, klen = strlen(key);
	char *save = NULL, *w;

	for (; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, key, klen) ||
		    (p[klen] != ' ' && p[klen] != '\t'))
			continue;
		snprintf(buf, n, "%.*s", (int)(nl ? nl - p : (long)strlen(p)),
			 p + klen);
		for (w = strtok_r(buf, " \t", &save); w && k < max;
		     w = strtok_r(NULL, " \t", &save))
			v[k++] = w;
		break;
	}
	return k;
}

bool dnswire_resolv(const struct netctr *c, struct buf *out)
{
	const char *search[8], *opts[16];
	char sbuf[512], obuf[512];
	size_t ns = 0, no = 0;
	bool user = false;
	const char *const *v;
	int n;

	for (const struct ep *ep = c->eps; ep; ep = ep->next)
		user |= !ep->net->is_default;
	if (!user)
		return false;
	n = netctr_dns_words(c, NETCTR_DNS_SEARCH, &v);

	for (int i = 0; i < n && ns < 8; i++)
		search[ns++] = v[i];
	if (!n)
		ns = host_words("search", search, 8, sbuf, sizeof(sbuf));
	n = netctr_dns_words(c, NETCTR_DNS_OPTS, &v);
	for (int i = 0; i < n && no < 16; i++)
		opts[no++] = v[i];
	if (!n)
		no = host_words("options", opts, 16, obuf, sizeof(obuf));
	dnsd_resolv_conf(out, search, ns, opts, no);
	return true;
}
