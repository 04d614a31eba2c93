/* endpoint.c - containers' networks: each container's network config
 * (struct netctr, durable in ROOT/netctrs/ID.json), its endpoints (one
 * struct ep per network it is on: addresses reserved from the network's
 * allocator while the container exists), the wiring of an endpoint into
 * a live network namespace (a veth pair whose peer is made inside it as
 * eth0, eth1, ..., its address, the default route, the bridge port's
 * hairpin and isolation flags), and the container's /etc/hosts and
 * /etc/resolv.conf.
 *
 * ep_join() and ep_leave() are the one place a container comes onto and
 * goes off a network (create, connect, disconnect, remove); the ep_watch
 * hooks hear of each wired and unwired endpoint. A veth is not deleted
 * when its container exits: the kernel deletes it with the namespace,
 * off skiffd's critical path (a delete costs ~25 ms); only a live
 * disconnect deletes one. Owns while attached: the namespace fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../core/store.h"
#include "../../net/nlink.h"
#include "../iface/netsvc.h"
#include "dnsd.h"
#include "network.h"

static struct netctr *ctrs;
static const struct ep_watch *watch;
static struct buf upstream; /* the host's resolv.conf, loopback dropped */

void ep_watch_set(const struct ep_watch *w)
{
	watch = w;
}

struct netctr *netctr_first(void)
{
	return ctrs;
}

struct netctr *netctr_find(const char *id)
{
	for (struct netctr *c = ctrs; c; c = c->next)
		if (!strcmp(c->id, id))
			return c;
	return NULL;
}

struct ep *ep_on(const struct netctr *c, const struct net *n)
{
	for (struct ep *ep = c->eps; ep; ep = ep->next)
		if (ep->net == n)
			return ep;
	return NULL;
}

static void words_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **words_dup(const struct strlist *l, int *n)
{
	char **v = xcalloc((size_t)(l ? l->n : 0) + 1, sizeof(*v));

	*n = l ? l->n : 0;
	for (int i = 0; i < *n; i++)
		v[i] = xstrdup(l->v[i]);
	return v;
}

static void ep_free(struct ep *ep)
{
	words_free(ep->aliases, ep->naliases);
	free(ep);
}

static void netctr_free(struct netctr *c)
{
	struct ep *next;

	for (struct ep *ep = c->eps; ep; ep = next) {
		next = ep->next;
		ep_free(ep);
	}
	free(c->name);
	free(c->hostname);
	free(c->etc_dir);
	words_free(c->add_host, c->nadd_host);
	words_free(c->dns, c->ndns);
	words_free(c->dns_search, c->ndns_search);
	words_free(c->dns_option, c->ndns_option);
	words_free(c->links, c->nlinks);
	words_free(c->expose, c->nexpose);
	for (int i = 0; i < c->nports; i++)
		if (c->ports[i].fd >= 0)
			close(c->ports[i].fd);
	free(c->ports);
	if (c->netns_fd >= 0)
		close(c->netns_fd);
	free(c);
}

/* ---- state ---- */

static void jw_words(struct jw *w, const char *key, char **v, int n)
{
	jw_arr(w, key);
	for (int i = 0; i < n; i++)
		jw_vstr(w, v[i]);
	jw_end_arr(w);
}

static const char *const mode_names[] = { "none", "bridge", "host",
					  "container" };

static void netctr_write(const struct netctr *c, struct jw *w)
{
	jw_str(w, "Name", c->name);
	jw_str(w, "Mode", mode_names[c->mode]);
	jw_str(w, "Join", c->join);
	jw_str(w, "Hostname", c->hostname ? c->hostname : "");
	jw_words(w, "AddHost", c->add_host, c->nadd_host);
	jw_words(w, "Dns", c->dns, c->ndns);
	jw_words(w, "DnsSearch", c->dns_search, c->ndns_search);
	jw_words(w, "DnsOptions", c->dns_option, c->ndns_option);
	jw_words(w, "Links", c->links, c->nlinks);
	jw_words(w, "Expose", c->expose, c->nexpose);
	ports_write_state(c, w);
	jw_arr(w, "Endpoints");
	for (const struct ep *ep = c->eps; ep; ep = ep->next) {
		jw_obj(w, NULL);
		jw_str(w, "Network", ep->net->id);
		jw_str(w, "IP", ep->ip);
		jw_str(w, "IP6", ep->ip6);
		jw_str(w, "Mac", ep->mac);
		jw_bool(w, "Given", ep->ip_given);
		jw_str(w, "If", ep->ifname);
		jw_words(w, "Aliases", ep->aliases, ep->naliases);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void ctr_saved(int errnum, void *ctx)
{
	char *id = ctx;

	if (errnum)
		log_err("container %.12s: saving its network: %s", id,
			strerror(errnum));
	free(id);
}

void netctr_save(struct netctr *c)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	netctr_write(c, &w);
	jw_close(&w);
	store_put("netctrs", c->id, buf_head(&b), buf_used(&b), ctr_saved,
		  xstrdup(c->id));
	buf_free(&b);
}

static const char *jstr(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_string);

	return v ? YAJL_GET_STRING(v) : "";
}

static char **jwords(yajl_val t, const char *key, int *n)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_array);
	char **out;

	*n = 0;
	out = xcalloc((v ? v->u.array.len : 0) + 1, sizeof(*out));
	for (size_t i = 0; v && i < v->u.array.len; i++)
		if (YAJL_IS_STRING(v->u.array.values[i]))
			out[(*n)++] = xstrdup(
			    YAJL_GET_STRING(v->u.array.values[i]));
	return out;
}

static void mac_of(const char *ip, char *out, size_t n);

/* An endpoint's addresses go back into its network's allocator. The
 * default network's subnet may have changed with the daemon settings
 * (bip): an address it no longer holds is replaced by a new one. */
static bool ep_reserve(struct ep *ep)
{
	struct err e = ERR_INIT;
	bool moved = false;

	if (*ep->ip && ipam_reserve(&ep->net->ip4, ep->ip, &e) < 0 &&
	    e.class == ERR_INVALID && ep->net->is_default && !ep->ip_given) {
		err_clear(&e);
		moved = ipam_alloc(&ep->net->ip4, ep->ip, sizeof(ep->ip),
				   &e) == 0;
		if (moved)
			mac_of(ep->ip, ep->mac, sizeof(ep->mac));
	}
	if (e.class != ERR_OK)
		log_warn("network %s: %s", ep->net->name, e.msg);
	if (moved)
		log_info("container %.12s: new address %s on network %s",
			 ep->ctr->id, ep->ip, ep->net->name);
	err_clear(&e);
	if (*ep->ip6 && ep->net->ipv6 &&
	    ipam_reserve(&ep->net->ip6, ep->ip6, &e) < 0)
		log_warn("network %s: %s", ep->net->name, e.msg);
	return moved;
}

static void load_eps(struct netctr *c, yajl_val t)
{
	const char *path[] = { "Endpoints", NULL };
	yajl_val a = yajl_tree_get(t, path, yajl_t_array);
	struct ep **tail = &c->eps;
	struct err e = ERR_INIT;

	for (size_t i = 0; a && i < a->u.array.len; i++) {
		yajl_val o = a->u.array.values[i];
		struct net *n = net_find(jstr(o, "Network"), &e);
		struct ep *ep;
		if (!n) {
			log_warn("container %.12s: its network %s is gone",
				 c->id, jstr(o, "Network"));
			continue;
		}
		ep = xcalloc(1, sizeof(*ep));
		ep->ctr = c;
		ep->net = n;
		snprintf(ep->ip, sizeof(ep->ip), "%s", jstr(o, "IP"));
		snprintf(ep->ip6, sizeof(ep->ip6), "%s", jstr(o, "IP6"));
		snprintf(ep->mac, sizeof(ep->mac), "%s", jstr(o, "Mac"));
		snprintf(ep->ifname, sizeof(ep->ifname), "%s", jstr(o, "If"));
		ep->ip_given = YAJL_IS_TRUE(yajl_tree_get(
		    o, (const char *[]){ "Given", NULL }, yajl_t_true));
		ep->aliases = jwords(o, "Aliases", &ep->naliases);
		if (ep_reserve(ep))
			c->dirty = true;
		*tail = ep;
		tail = &ep->next;
	}
}

static void load_one(const char *id, yajl_val t, void *ctx)
{
	struct netctr *c = xcalloc(1, sizeof(*c));
	const char *mode = jstr(t, "Mode");

	snprintf(c->id, sizeof(c->id), "%s", id);
	c->netns_fd = -1;
	c->name = xstrdup(jstr(t, "Name"));
	for (int i = 0; i < 4; i++)
		if (!strcmp(mode, mode_names[i]))
			c->mode = (enum netctr_mode)i;
	snprintf(c->join, sizeof(c->join), "%s", jstr(t, "Join"));
	c->hostname = xstrdup(jstr(t, "Hostname"));
	c->add_host = jwords(t, "AddHost", &c->nadd_host);
	c->dns = jwords(t, "Dns", &c->ndns);
	c->dns_search = jwords(t, "DnsSearch", &c->ndns_search);
	c->dns_option = jwords(t, "DnsOptions", &c->ndns_option);
	c->links = jwords(t, "Links", &c->nlinks);
	c->expose = jwords(t, "Expose", &c->nexpose);
	ports_read_state(c, t);
	load_eps(c, t);
	c->next = ctrs;
	ctrs = c;
}

int netctr_load_all(struct err *e)
{
	_cleanup_free_ char *dir = NULL;

	dir = xasprintf("%s/netctrs", daemon_ctx.cfg.root);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", dir);
	return store_load("netctrs", load_one, NULL, e);
}

/* ---- joining and leaving ---- */

/* Docker's MAC for an IPv4 address: 02:42 and the address's bytes. */
static void mac_of(const char *ip, char *out, size_t n)
{
	unsigned a, b, c, d;

	if (sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		a = b = c = d = 0;
	snprintf(out, n, "02:42:%02x:%02x:%02x:%02x", a & 255, b & 255,
		 c & 255, d & 255);
}

static int take_ip(struct ipam *p, const char *want, char *out, size_t n,
		   struct err *e)
{
	if (!want)
		return ipam_alloc(p, out, n, e);
	if (ipam_reserve(p, want, e) < 0)
		return -1;
	snprintf(out, n, "%s", want);
	return 0;
}

/* The first interface name the container does not use: eth0, eth1, ... */
static void next_ifname(const struct netctr *c, char *out, size_t n)
{
	for (int i = 0;; i++) {
		bool used = false;
		snprintf(out, n, "eth%d", i);
		for (const struct ep *ep = c->eps; ep; ep = ep->next)
			used |= !strcmp(ep->ifname, out);
		if (!used)
			return;
	}
}

static int wire(struct ep *ep, struct nlink *in, bool route, struct err *e);

struct ep *ep_join(struct netctr *c, struct net *n, const char *ip,
		   const char *ip6, char **aliases, int naliases,
		   struct err *e)
{
	struct ep *ep = xcalloc(1, sizeof(*ep)), **tail;
	struct err ign = ERR_INIT;

	ep->ctr = c;
	ep->net = n;
	if (take_ip(&n->ip4, ip, ep->ip, sizeof(ep->ip), e) < 0 ||
	    (n->ipv6 && take_ip(&n->ip6, ip6, ep->ip6, sizeof(ep->ip6),
				e) < 0)) {
		if (*ep->ip)
			ipam_release(&n->ip4, ep->ip, &ign);
		free(ep);
		return err_wrap(e, "network %s", n->name), NULL;
	}
	if (ip6 && !n->ipv6) {
		ipam_release(&n->ip4, ep->ip, &ign);
		free(ep);
		return err_setc(e, ERR_INVALID, "--ip6 %s: network %s has no "
				"IPv6", ip6, n->name), NULL;
	}
	ep->ip_given = ip != NULL;
	mac_of(ep->ip, ep->mac, sizeof(ep->mac));
	ep->aliases = xcalloc((size_t)naliases + 1, sizeof(char *));
	for (int i = 0; i < naliases; i++)
		ep->aliases[i] = xstrdup(aliases[i]);
	ep->naliases = naliases;
	next_ifname(c, ep->ifname, sizeof(ep->ifname));
	for (tail = &c->eps; *tail; tail = &(*tail)->next)
		;
	*tail = ep;
	return ep;
}

static void unwire(struct ep *ep, bool del)
{
	struct err e = ERR_INIT;
	struct nlink *nl;

	if (!*ep->host_if)
		return;
	if (watch && watch->left)
		watch->left(ep);
	if (del && (nl = net_nlink(&e)) && nlink_del(nl, ep->host_if, &e) < 0 &&
	    e.class != ERR_NOT_FOUND)
		log_warn("container %.12s: %s", ep->ctr->id, e.msg);
	*ep->host_if = 0;
	bus_publish("network", "disconnect", ep->net->id,
		    (const char *const[]){ "container", ep->ctr->id, "name",
					   ep->net->name, "type", "bridge",
					   NULL });
}

void ep_leave(struct ep *ep)
{
	struct netctr *c = ep->ctr;
	struct err e = ERR_INIT;

	unwire(ep, true);
	if (*ep->ip)
		ipam_release(&ep->net->ip4, ep->ip, &e);
	if (*ep->ip6)
		ipam_release(&ep->net->ip6, ep->ip6, &e);
	for (struct ep **pp = &c->eps; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	ep_free(ep);
}

/* ---- wiring ---- */

static void host_ifname(const struct ep *ep, char *out, size_t n)
{
	snprintf(out, n, "sk%.10s%s", ep->ctr->id, ep->ifname + 3);
}

static int veth(struct nlink *nl, const struct ep *ep, const char *host,
		struct err *e)
{
	struct nlink_veth v = { .host = host, .master = ep->net->bridge,
				.mtu = ep->net->mtu,
				.peer_netns_fd = ep->ctr->netns_fd,
				.peer = ep->ifname, .peer_mac = ep->mac };

	if (nlink_veth_add(nl, &v, e) == 0)
		return 0;
	if (e->class != ERR_CONFLICT) /* a namespace of this container's */
		return -1;	      /* last run, still being freed */
	err_clear(e);
	if (nlink_del(nl, host, e) < 0 && e->class != ERR_NOT_FOUND)
		return -1;
	err_clear(e);
	return nlink_veth_add(nl, &v, e);
}

static int wire(struct ep *ep, struct nlink *in, bool route, struct err *e)
{
	struct net *n = ep->net;
	struct nlink *nl = net_nlink(e);
	char host[IFNAMSIZ], a[CIDR_STRLEN + 8], gw[CIDR_STRLEN];

	if (!nl || net_up(n, e) < 0)
		return -1;
	host_ifname(ep, host, sizeof(host));
	if (veth(nl, ep, host, e) < 0)
		return err_wrap(e, "network %s", n->name);
	snprintf(ep->host_if, sizeof(ep->host_if), "%s", host);
	snprintf(a, sizeof(a), "%s/%u", ep->ip, n->ip4.subnet.prefix);
	if (nlink_port_set(nl, host, true, !n->icc, e) < 0 ||
	    nlink_addr_add(in, ep->ifname, a, e) < 0)
		return err_wrap(e, "network %s", n->name);
	if (*ep->ip6) {
		snprintf(a, sizeof(a), "%s/%u", ep->ip6, n->ip6.subnet.prefix);
		if (nlink_addr_add(in, ep->ifname, a, e) < 0)
			return err_wrap(e, "network %s", n->name);
	}
	if (nlink_set_up(in, ep->ifname, true, e) < 0)
		return err_wrap(e, "network %s", n->name);
	if (route && !n->internal) {
		ipam_gateway_str(&n->ip4, gw, sizeof(gw));
		if (nlink_route_default(in, gw, ep->ifname, e) < 0)
			return err_wrap(e, "network %s", n->name);
		if (*ep->ip6) {
			ipam_gateway_str(&n->ip6, gw, sizeof(gw));
			if (nlink_route_default(in, gw, ep->ifname, e) < 0)
				return err_wrap(e, "network %s", n->name);
		}
	}
	if (watch && watch->joined)
		watch->joined(ep);
	bus_publish("network", "connect", n->id,
		    (const char *const[]){ "container", ep->ctr->id, "name",
					   n->name, "type", "bridge", NULL });
	return 0;
}

/* Does c already have a default route (through an earlier endpoint)? */
static bool has_route(const struct netctr *c, const struct ep *upto)
{
	for (const struct ep *ep = c->eps; ep && ep != upto; ep = ep->next)
		if (*ep->host_if && !ep->net->internal)
			return true;
	return false;
}

/* Wire one endpoint of an attached container (connect, or attach). */
int ep_wire(struct ep *ep, struct err *e)
{
	struct nlink *in = nlink_open(ep->ctr->netns_fd, e);
	int rc;

	if (!in)
		return -1;
	rc = wire(ep, in, !has_route(ep->ctr, ep), e);
	nlink_close(in);
	if (rc < 0)
		unwire(ep, true);
	return rc;
}

/* ---- /etc/hosts and /etc/resolv.conf ---- */

/* The host's resolver config: systemd-resolved's stub (127.0.0.53)
 * replaced by the upstreams it uses, loopback servers dropped, Google's
 * when none remain (Docker's rules). Read once, at init. */
void netctr_resolv_init(void)
{
	const char *files[] = { "/etc/resolv.conf",
				"/run/systemd/resolve/resolv.conf" };
	char line[1024];
	bool ns = false;

	for (int i = 0; i < 2 && !ns; i++) {
		_cleanup_fclose_ FILE *f = fopen(files[i], "re");
		buf_reset(&upstream);
		while (f && fgets(line, sizeof(line), f)) {
			const char *p = line + strspn(line, " \t");
			if (!strncmp(p, "nameserver", 10)) {
				p += 10 + strspn(p + 10, " \t");
				if (!strncmp(p, "127.", 4) ||
				    !strncmp(p, "::1", 3))
					continue;
				ns = true;
			}
			if (*p == '#' || *p == ';' || *p == '\n')
				continue;
			buf_puts(&upstream, p == line ? line : line);
		}
	}
	if (!ns)
		buf_puts(&upstream, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

const char *netctr_host_resolv(void)
{
	if (!buf_used(&upstream))
		return "";
	*buf_reserve(&upstream, 1) = '\0'; /* a C string, len unchanged */
	return buf_head(&upstream);
}

/* Lines of the host's file that start with word (nameserver, search,
 * options). */
static void upstream_lines(struct buf *out, const char *word)
{
	const char *p = buf_head(&upstream), *end = p + buf_used(&upstream);
	size_t k = strlen(word);

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
		if (!strncmp(p, word, k) && (p[k] == ' ' || p[k] == '\t'))
			buf_append(out, p, len);
		p += len;
	}
}

int netctr_dns_words(const struct netctr *c, enum netctr_dns which,
		     const char *const **out)
{
	static const size_t own[] = { offsetof(struct netctr, dns),
				      offsetof(struct netctr, dns_search),
				      offsetof(struct netctr, dns_option) };
	static const size_t cnt[] = { offsetof(struct netctr, ndns),
				      offsetof(struct netctr, ndns_search),
				      offsetof(struct netctr, ndns_option) };
	const struct strlist *dflt[] = { &net_settings.dns,
					 &net_settings.dns_search,
					 &net_settings.dns_opts };
	int n = *(const int *)((const char *)c + cnt[which]);

	if (n) {
		*out = *(const char *const *const *)((const char *)c +
						     own[which]);
		return n;
	}
	*out = dflt[which]->v;
	return dflt[which]->n;
}

static void resolv_text(const struct netctr *c, struct buf *b)
{
	static const char *const words[] = { "nameserver", "search",
					     "options" };
	const char *const *v;
	int n;

	if (dnswire_resolv(c, b)) /* a user network: the embedded server */
		return;
	for (int w = NETCTR_DNS; w <= NETCTR_DNS_OPTS; w++) {
		if (!(n = netctr_dns_words(c, (enum netctr_dns)w, &v))) {
			upstream_lines(b, words[w]);
			continue;
		}
		if (w == NETCTR_DNS) { /* a name server a line */
			for (int i = 0; i < n; i++)
				buf_printf(b, "nameserver %s\n", v[i]);
			continue;
		}
		buf_puts(b, words[w]);
		for (int i = 0; i < n; i++)
			buf_printf(b, " %s", v[i]);
		buf_puts(b, "\n");
	}
}

/* --link NAME[:ALIAS]: the linked container's address on the default
 * bridge, as Docker writes it ("IP\tALIAS ID NAME"). */
static void link_lines(const struct netctr *c, struct buf *b)
{
	for (int i = 0; i < c->nlinks; i++) {
		_cleanup_free_ char *name = xstrdup(c->links[i]);
		char *alias = strchr(name, ':');
		struct netsvc_ctr who;
		struct netctr *o;
		struct ep *ep;
		struct err e = ERR_INIT;

		if (alias)
			*alias++ = 0;
		if (netsvc_find_ctr(name, &who, &e) < 0)
			continue;
		if (who.pidfd >= 0)
			close(who.pidfd);
		if (!(o = netctr_find(who.id)) || !net_default() ||
		    !(ep = ep_on(o, net_default())))
			continue;
		buf_printf(b, "%s\t%s %.12s %s\n", ep->ip, alias ? alias : name,
			   who.id, who.name);
	}
}

static void hosts_text(const struct netctr *c, struct buf *b)
{
	buf_puts(b, "127.0.0.1\tlocalhost\n"
		    "::1\tlocalhost ip6-localhost ip6-loopback\n"
		    "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
		    "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	for (int i = 0; i < c->nadd_host; i++) {
		const char *sep = strchr(c->add_host[i], ':');
		if (sep)
			buf_printf(b, "%s\t%.*s\n", sep + 1,
				   (int)(sep - c->add_host[i]), c->add_host[i]);
	}
	link_lines(c, b);
	for (const struct ep *ep = c->eps; ep; ep = ep->next) {
		buf_printf(b, "%s\t%s\n", ep->ip, c->hostname);
		if (*ep->ip6)
			buf_printf(b, "%s\t%s\n", ep->ip6, c->hostname);
	}
}

/* Replace the contents of a file bound into the container (same inode:
 * the bind mount sees it). Small files on the state dir's disk. */
static void put_file(const char *dir, const char *name, const struct buf *b)
{
	char path[4096];
	_cleanup_close_ int fd = -1;
	size_t off = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	while (fd >= 0 && off < buf_used(b)) {
		ssize_t k = write(fd, buf_head(b) + off, buf_used(b) - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	if (fd < 0 || off < buf_used(b))
		log_warn("%s: %s", path, strerror(errno));
}

void netctr_write_etc(struct netctr *c)
{
	struct buf b = { 0 };

	if (!c->etc_dir || c->mode == NETCTR_HOST ||
	    c->mode == NETCTR_CONTAINER)
		return;
	hosts_text(c, &b);
	put_file(c->etc_dir, "hosts", &b);
	buf_reset(&b);
	resolv_text(c, &b);
	put_file(c->etc_dir, "resolv.conf", &b);
	buf_free(&b);
}

/* ---- the service: create, attach, detach, remove ---- */

static int parse_mode(struct netctr *c, const struct netsvc_opts *o,
		      struct netsvc_plan *plan, struct err *e)
{
	const char *first = o->network->n ? o->network->v[0] : NET_DEFAULT;
	struct netsvc_ctr who;

	if (!o->network->n && !net_default()) /* "bridge": "none" */
		first = "none";
	c->mode = NETCTR_BRIDGE;
	if (!strcmp(first, "none"))
		c->mode = NETCTR_NONE;
	else if (!strcmp(first, "host"))
		c->mode = NETCTR_HOST;
	else if (!strncmp(first, "container:", 10))
		c->mode = NETCTR_CONTAINER;
	if (c->mode != NETCTR_BRIDGE && o->network->n > 1)
		return err_setc(e, ERR_INVALID, "--network %s cannot be "
				"combined with other networks", first);
	if (c->mode != NETCTR_BRIDGE && o->publish->n)
		return err_setc(e, ERR_INVALID, "-p needs a bridge network "
				"(not --network %s)", first);
	if (c->mode != NETCTR_BRIDGE && (o->ip || o->ip6 || o->mac))
		return err_setc(e, ERR_INVALID, "--ip, --ip6 and --mac-address "
				"need a bridge network (not --network %s)",
				first);
	plan->mode = c->mode == NETCTR_HOST	   ? NETSVC_NS_HOST
		     : c->mode == NETCTR_CONTAINER ? NETSVC_NS_CONTAINER
						   : NETSVC_NS_NEW;
	if (c->mode != NETCTR_CONTAINER)
		return 0;
	if (netsvc_find_ctr(first + 10, &who, e) < 0)
		return err_wrap(e, "--network %s", first);
	if (who.pidfd >= 0)
		close(who.pidfd);
	snprintf(c->join, sizeof(c->join), "%s", who.id);
	snprintf(plan->join_id, sizeof(plan->join_id), "%s", who.id);
	return 0;
}

static int check_words(const struct netsvc_opts *o, struct err *e)
{
	for (int i = 0; i < o->add_host->n; i++) {
		const char *w = o->add_host->v[i], *sep = strchr(w, ':');
		int fam;
		cidr_u128 a;
		if (!sep || sep == w ||
		    cidr_parse_addr(sep + 1, &fam, &a, e) < 0)
			return err_setc(e, ERR_INVALID, "--add-host %s: not "
					"HOST:IP", w);
	}
	for (int i = 0; i < o->dns->n; i++) {
		int fam;
		cidr_u128 a;
		if (cidr_parse_addr(o->dns->v[i], &fam, &a, e) < 0)
			return err_setc(e, ERR_INVALID, "--dns %s: not an IP "
					"address", o->dns->v[i]);
	}
	return 0;
}

static int join_all(struct netctr *c, const struct netsvc_opts *o,
		    struct err *e)
{
	int n = o->network->n ? o->network->n : 1;

	if (c->mode != NETCTR_BRIDGE)
		return 0;
	for (int i = 0; i < n; i++) {
		const char *ref = o->network->n ? o->network->v[i]
						: NET_DEFAULT;
		struct net *net = net_find(ref, e);
		struct ep *ep;
		if (!net)
			return err_wrap(e, "--network");
		if (ep_on(c, net))
			return err_setc(e, ERR_INVALID, "--network %s given "
					"twice", ref);
		if (net->is_default && o->alias->n && i == 0)
			return err_setc(e, ERR_INVALID, "--network-alias "
					"needs a user-defined network");
		ep = ep_join(c, net, i ? NULL : o->ip, i ? NULL : o->ip6,
			     i ? NULL : (char **)o->alias->v,
			     i ? 0 : o->alias->n, e);
		if (!ep)
			return -1;
		if (!i && o->mac)
			snprintf(ep->mac, sizeof(ep->mac), "%s", o->mac);
	}
	return 0;
}

static void netctr_drop(struct netctr *c)
{
	while (c->eps)
		ep_leave(c->eps);
	for (struct netctr **pp = &ctrs; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	netctr_free(c);
}

static int svc_create(const char *id, const char *name,
		      const struct netsvc_opts *o, struct netsvc_plan *plan,
		      struct err *e)
{
	struct netctr *c = xcalloc(1, sizeof(*c));

	snprintf(c->id, sizeof(c->id), "%s", id);
	c->netns_fd = -1;
	c->name = xstrdup(name);
	c->hostname = xstrdup(o->hostname ? o->hostname : "");
	c->add_host = words_dup(o->add_host, &c->nadd_host);
	c->dns = words_dup(o->dns, &c->ndns);
	c->dns_search = words_dup(o->dns_search, &c->ndns_search);
	c->dns_option = words_dup(o->dns_option, &c->ndns_option);
	c->links = words_dup(o->link, &c->nlinks);
	c->next = ctrs;
	ctrs = c;
	if (o->mac && strlen(o->mac) != 17) {
		err_setc(e, ERR_INVALID, "--mac-address %s: not a MAC "
			 "(02:42:ac:11:00:02)", o->mac);
		goto fail;
	}
	if (parse_mode(c, o, plan, e) < 0 || check_words(o, e) < 0 ||
	    ports_plan(c, o->publish, o->expose, o->publish_all,
		       o->image_exposed, e) < 0 ||
	    join_all(c, o, e) < 0)
		goto fail;
	netctr_save(c);
	return 0;
fail:
	netctr_drop(c);
	return -1;
}

static void detach(struct netctr *c)
{
	ports_unpublish(c);
	for (struct ep *ep = c->eps; ep; ep = ep->next)
		unwire(ep, false); /* the veth goes with the namespace */
	if (c->netns_fd >= 0)
		close(c->netns_fd);
	c->netns_fd = -1;
	c->attached = false;
}

static int svc_attach(const char *id, int pidfd, const char *etc_dir,
		      struct err *e)
{
	struct netctr *c = netctr_find(id);

	if (!c)
		return 0; /* made before this module knew it: none */
	free(c->etc_dir);
	c->etc_dir = xstrdup(etc_dir);
	if (c->mode != NETCTR_BRIDGE)
		return 0;
	if ((c->netns_fd = nlink_netns_of_pidfd(pidfd, e)) < 0)
		return -1;
	c->attached = true;
	for (struct ep *ep = c->eps; ep; ep = ep->next)
		if (ep_wire(ep, e) < 0)
			goto fail;
	if (c->eps && ports_publish(c, c->eps->ip, c->eps->ip6, e) < 0)
		goto fail;
	netctr_write_etc(c);
	if (c->dirty) /* an address the default network moved at load */
		netctr_save(c);
	c->dirty = false;
	return 0;
fail:
	detach(c);
	return -1;
}

static void svc_detach(const char *id)
{
	struct netctr *c = netctr_find(id);

	if (c)
		detach(c);
}

static void ctr_deleted(int errnum, void *ctx)
{
	ctr_saved(errnum, ctx);
}

static void svc_remove(const char *id)
{
	struct netctr *c = netctr_find(id);

	if (!c)
		return;
	detach(c);
	store_del("netctrs", c->id, ctr_deleted, xstrdup(c->id));
	netctr_drop(c);
}

static void svc_rename(const char *id, const char *name)
{
	struct netctr *c = netctr_find(id);

	if (!c)
		return;
	free(c->name);
	c->name = xstrdup(name);
	netctr_save(c);
}

/* ---- inspect, ps, port ---- */

static void ep_json(const struct ep *ep, struct jw *w)
{
	char gw[CIDR_STRLEN];

	ipam_gateway_str(&ep->net->ip4, gw, sizeof(gw));
	jw_obj(w, ep->net->name);
	jw_null(w, "IPAMConfig");
	jw_null(w, "Links");
	jw_arr(w, "Aliases");
	for (int i = 0; i < ep->naliases; i++)
		jw_vstr(w, ep->aliases[i]);
	if (!ep->net->is_default)
		jw_vstr(w, ep->ctr->name);
	jw_end_arr(w);
	jw_str(w, "MacAddress", ep->mac);
	jw_str(w, "NetworkID", ep->net->id);
	jw_str(w, "EndpointID", *ep->host_if ? ep->host_if : "");
	jw_str(w, "Gateway", gw);
	jw_str(w, "IPAddress", ep->ip);
	jw_int(w, "IPPrefixLen", ep->net->ip4.subnet.prefix);
	if (ep->net->ipv6)
		ipam_gateway_str(&ep->net->ip6, gw, sizeof(gw));
	jw_str(w, "IPv6Gateway", ep->net->ipv6 ? gw : "");
	jw_str(w, "GlobalIPv6Address", ep->ip6);
	jw_int(w, "GlobalIPv6PrefixLen",
	       ep->net->ipv6 ? ep->net->ip6.subnet.prefix : 0);
	jw_end_obj(w);
}

/* Docker's endpoint under Networks.none or Networks.host: the same keys
 * as a bridge endpoint's, all empty (templates such as
 * {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}} work on every
 * container). */
static void ep_json_empty(const char *name, struct jw *w)
{
	jw_obj(w, name);
	jw_null(w, "IPAMConfig");
	jw_null(w, "Links");
	jw_null(w, "Aliases");
	jw_str(w, "MacAddress", "");
	jw_str(w, "NetworkID", name);
	jw_str(w, "EndpointID", "");
	jw_str(w, "Gateway", "");
	jw_str(w, "IPAddress", "");
	jw_int(w, "IPPrefixLen", 0);
	jw_str(w, "IPv6Gateway", "");
	jw_str(w, "GlobalIPv6Address", "");
	jw_int(w, "GlobalIPv6PrefixLen", 0);
	jw_end_obj(w);
}

static void svc_inspect(const char *id, struct buf *out)
{
	const struct netctr *c = netctr_find(id);
	struct ep *def = NULL;
	char gw[CIDR_STRLEN] = "";
	struct jw w;

	jw_open(&w, out);
	if (c && net_default())
		def = ep_on(c, net_default());
	if (def)
		ipam_gateway_str(&def->net->ip4, gw, sizeof(gw));
	jw_str(&w, "Bridge", "");
	jw_str(&w, "SandboxID", c && c->attached ? c->id : "");
	jw_str(&w, "SandboxKey", "");
	jw_obj(&w, "Ports"); /* none and host publish nothing (Docker: {}) */
	if (c && c->mode == NETCTR_BRIDGE)
		ports_json(c, &w);
	jw_end_obj(&w);
	jw_str(&w, "Gateway", gw);
	jw_str(&w, "IPAddress", def ? def->ip : "");
	jw_int(&w, "IPPrefixLen", def ? def->net->ip4.subnet.prefix : 0);
	jw_str(&w, "MacAddress", def ? def->mac : "");
	jw_str(&w, "GlobalIPv6Address", def ? def->ip6 : "");
	jw_obj(&w, "Networks");
	for (const struct ep *ep = c ? c->eps : NULL; ep; ep = ep->next)
		ep_json(ep, &w);
	if (!c || c->mode == NETCTR_NONE || c->mode == NETCTR_HOST)
		ep_json_empty(c ? mode_names[c->mode] : "none", &w);
	else if (c->mode == NETCTR_CONTAINER) {
		jw_obj(&w, "container");
		jw_end_obj(&w);
	}
	jw_end_obj(&w);
	jw_close(&w);
	while (buf_used(out) && buf_head(out)[buf_used(out) - 1] == '\n')
		out->len--;
}

static void svc_ports(const char *id, struct buf *out)
{
	const struct netctr *c = netctr_find(id);

	if (c && c->mode == NETCTR_BRIDGE) /* as inspect's Ports */
		ports_text(c, out);
}

static void svc_mode(const char *id, struct buf *out)
{
	const struct netctr *c = netctr_find(id);

	if (!c)
		buf_puts(out, "none");
	else if (c->mode == NETCTR_CONTAINER)
		buf_printf(out, "container:%s", c->join);
	else if (c->mode == NETCTR_BRIDGE && c->eps)
		buf_puts(out, c->eps->net->is_default ? "bridge"
						      : c->eps->net->name);
	else
		buf_puts(out, mode_names[c->mode]);
}

const struct network_service network_service = {
	.create = svc_create,
	.attach = svc_attach,
	.detach = svc_detach,
	.remove = svc_remove,
	.rename = svc_rename,
	.inspect = svc_inspect,
	.ports = svc_ports,
	.mode = svc_mode,
};
