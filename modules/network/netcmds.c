/* netcmds.c - the network verbs (network create|ls|inspect|rm|prune|
 * connect|disconnect, port) and the module's struct module. Handlers
 * look networks and containers up, check everything before anything
 * changes, and answer once the state is durable where they change it.
 * Owns nothing long-lived. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/ctl.h"
#include "../../core/module.h"
#include "../../core/service.h"
#include "../../proto/jsonlog.h"
#include "../iface/netsvc.h"
#include "dnsd.h"
#include "network.h"

extern const struct network_service network_service;

/* --label K=V words as {"K":"V"} (malloc'd), or NULL and e set. */
char *netcmds_labels(const struct strlist *l, struct err *e);
char *netcmds_labels(const struct strlist *l, struct err *e)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	for (int i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');
		char k[256];
		if (eq == l->v[i] || (eq && (size_t)(eq - l->v[i]) >= sizeof(k))) {
			buf_free(&b);
			return err_setc(e, ERR_INVALID, "--label %s: not K=V",
					l->v[i]), NULL;
		}
		snprintf(k, sizeof(k), "%.*s",
			 eq ? (int)(eq - l->v[i]) : (int)strlen(l->v[i]),
			 l->v[i]);
		jw_str(&w, k, eq ? eq + 1 : "");
	}
	jw_close(&w);
	while (buf_used(&b) && buf_head(&b)[buf_used(&b) - 1] == '\n')
		b.len--;
	return buf_take_str(&b);
}

static void finish_saved(int errnum, void *ctx)
{
	struct err e = ERR_INIT;

	if (errnum)
		err_set(&e, errnum, "save network state");
	ctl_req_finish(ctx, errnum ? &e : NULL);
}

static int do_create(struct ctl_req *r, void *args, struct err *e)
{
	struct net *n = net_create(ctl_req_argv(r)[0], args, e);
	struct jw w;

	if (!n)
		return -1;
	ctl_req_json(r, &w);
	jw_str(&w, "id", n->id);
	jw_close(&w);
	net_save(n, finish_saved, r);
	return CMD_PENDING;
}

/* ---- ls and inspect ---- */

static bool label_match(const struct net *n, const char *want)
{
	const char *eq = strchr(want, '=');
	char key[300], pat[700];

	snprintf(key, sizeof(key), "\"%.*s\":",
		 eq ? (int)(eq - want) : (int)strlen(want), want);
	if (!eq)
		return strstr(n->labels_json, key) != NULL;
	snprintf(pat, sizeof(pat), "%s\"%s\"", key, eq + 1);
	return strstr(n->labels_json, pat) != NULL;
}

static int filter_match(const struct net *n, const struct strlist *f,
			bool *ok, struct err *e)
{
	*ok = true;
	for (int i = 0; i < f->n; i++) {
		const char *s = f->v[i];
		if (!strncmp(s, "name=", 5))
			*ok &= strstr(n->name, s + 5) != NULL;
		else if (!strncmp(s, "id=", 3))
			*ok &= !strncmp(n->id, s + 3, strlen(s + 3));
		else if (!strncmp(s, "driver=", 7))
			*ok &= !strcmp(s + 7, "bridge");
		else if (!strncmp(s, "label=", 6))
			*ok &= label_match(n, s + 6);
		else if (!strcmp(s, "type=custom") || !strcmp(s, "type=builtin"))
			*ok &= n->is_default == !strcmp(s, "type=builtin");
		else
			return err_setc(e, ERR_INVALID, "invalid filter \"%s\" "
					"(name=, id=, driver=, label=, type=)",
					s);
	}
	return 0;
}

static int do_ls(struct ctl_req *r, void *args, struct err *e)
{
	struct netls_args *a = args;
	const char *modes[] = { "none", "host" };
	struct jw w;
	bool ok;

	for (struct net *n = net_first(); n; n = n->next) {
		if (filter_match(n, &a->filter, &ok, e) < 0)
			return -1;
		if (!ok)
			continue;
		ctl_req_json(r, &w);
		jw_strn(&w, "network_id", n->id, a->no_trunc ? 64 : 12);
		if (!a->quiet) {
			jw_str(&w, "name", n->name);
			jw_str(&w, "driver", "bridge");
			jw_str(&w, "scope", "local");
		}
		jw_close(&w);
	}
	/* Docker lists host and none as networks too. */
	for (int i = 0; i < 2 && !a->filter.n && !a->quiet; i++) {
		ctl_req_json(r, &w);
		jw_str(&w, "network_id", modes[i]);
		jw_str(&w, "name", modes[i]);
		jw_str(&w, "driver", i ? "host" : "null");
		jw_str(&w, "scope", "local");
		jw_close(&w);
	}
	return 0;
}

static void ipam_config(const struct ipam *p, struct jw *w)
{
	char s[CIDR_STRLEN];

	jw_obj(w, NULL);
	ipam_subnet_str(p, s, sizeof(s));
	jw_str(w, "Subnet", s);
	ipam_gateway_str(p, s, sizeof(s));
	jw_str(w, "Gateway", s);
	if (cidr_first(&p->range) != cidr_first(&p->subnet) ||
	    p->range.prefix != p->subnet.prefix) {
		cidr_str(&p->range, s, sizeof(s));
		jw_str(w, "IPRange", s);
	}
	jw_end_obj(w);
}

static void inspect_one(const struct net *n, struct jw *w)
{
	char t[64], ebuf[64];
	yajl_val l = yajl_tree_parse(n->labels_json, ebuf, sizeof(ebuf));
	yajl_val o = yajl_tree_parse(n->options_json, ebuf, sizeof(ebuf));

	jw_str(w, "Name", n->name);
	jw_str(w, "Id", n->id);
	jw_str(w, "Created", jsonlog_format_time(t, n->created_ns));
	jw_str(w, "Scope", "local");
	jw_str(w, "Driver", "bridge");
	jw_bool(w, "EnableIPv6", n->ipv6);
	jw_obj(w, "IPAM");
	jw_str(w, "Driver", "default");
	jw_obj(w, "Options");
	jw_end_obj(w);
	jw_arr(w, "Config");
	ipam_config(&n->ip4, w);
	if (n->ipv6)
		ipam_config(&n->ip6, w);
	jw_end_arr(w);
	jw_end_obj(w);
	jw_bool(w, "Internal", n->internal);
	jw_bool(w, "Attachable", false);
	jw_bool(w, "Ingress", false);
	jw_obj(w, "Containers");
	for (struct netctr *c = netctr_first(); c; c = c->next) {
		struct ep *ep = ep_on(c, n);
		char a[CIDR_STRLEN + 8];
		if (!ep)
			continue;
		jw_obj(w, c->id);
		jw_str(w, "Name", c->name);
		jw_str(w, "EndpointID", ep->host_if);
		jw_str(w, "MacAddress", ep->mac);
		snprintf(a, sizeof(a), "%s/%u", ep->ip, n->ip4.subnet.prefix);
		jw_str(w, "IPv4Address", a);
		if (*ep->ip6)
			snprintf(a, sizeof(a), "%s/%u", ep->ip6,
				 n->ip6.subnet.prefix);
		jw_str(w, "IPv6Address", *ep->ip6 ? a : "");
		jw_end_obj(w);
	}
	jw_end_obj(w);
	jw_tree(w, "Options", o);
	jw_tree(w, "Labels", l);
	yajl_tree_free(l);
	yajl_tree_free(o);
}

static int do_inspect(struct ctl_req *r, void *args, struct err *e)
{
	struct jw w;

	for (int i = 0; i < ctl_req_argc(r); i++) /* all or nothing */
		if (!net_find(ctl_req_argv(r)[i], e))
			return -1;
	for (int i = 0; i < ctl_req_argc(r); i++) {
		ctl_req_json(r, &w);
		inspect_one(net_find(ctl_req_argv(r)[i], e), &w);
		jw_close(&w);
	}
	return 0;
}

/* ---- rm and prune ---- */

struct rm_wait {
	struct ctl_req *r;
	unsigned left;
	int errnum;
};

static void rm_one(int errnum, void *ctx)
{
	struct rm_wait *m = ctx;
	struct err e = ERR_INIT;

	if (errnum)
		m->errnum = errnum;
	if (--m->left)
		return;
	if (m->errnum)
		err_set(&e, m->errnum, "remove network state");
	ctl_req_finish(m->r, m->errnum ? &e : NULL);
	free(m);
}

static int rm_list(struct ctl_req *r, struct net **list, int n)
{
	struct rm_wait *m;
	struct jw w;

	if (!n)
		return 0;
	m = xcalloc(1, sizeof(*m));
	m->r = r;
	m->left = (unsigned)n;
	for (int i = 0; i < n; i++) {
		ctl_req_json(r, &w);
		jw_str(&w, "deleted", list[i]->name);
		jw_close(&w);
	}
	for (int i = 0; i < n; i++)
		net_destroy(list[i], rm_one, m);
	return CMD_PENDING;
}

static int do_rm(struct ctl_req *r, void *args, struct err *e)
{
	struct netrm_args *a = args;
	int n = ctl_req_argc(r), k = 0;
	_cleanup_free_ struct net **list = xcalloc((size_t)n + 1,
						   sizeof(*list));

	for (int i = 0; i < n; i++) { /* all checked before any goes */
		const char *ref = ctl_req_argv(r)[i];
		struct net *net = net_find(ref, e);
		unsigned users;
		bool dup = false;
		if (!net) {
			if (a->force && e->class == ERR_NOT_FOUND) {
				err_clear(e);
				continue;
			}
			return -1;
		}
		if (net->is_default)
			return err_setc(e, ERR_DENIED, "bridge is a pre-defined "
					"network and cannot be removed");
		if ((users = net_users(net)))
			return err_setc(e, ERR_CONFLICT, "network %s has %u "
					"container%s on it: remove them or "
					"disconnect them first", net->name,
					users, users == 1 ? "" : "s");
		for (int j = 0; j < k; j++)
			dup |= list[j] == net;
		if (!dup)
			list[k++] = net;
	}
	return rm_list(r, list, k);
}

static int do_prune(struct ctl_req *r, void *args, struct err *e)
{
	struct netprune_args *a = args;
	unsigned count = 0;
	int k = 0;
	_cleanup_free_ struct net **list = NULL;

	for (int i = 0; i < a->filter.n; i++)
		if (strncmp(a->filter.v[i], "label=", 6))
			return err_setc(e, ERR_INVALID, "invalid filter \"%s\" "
					"(use label=)", a->filter.v[i]);
	for (struct net *n = net_first(); n; n = n->next)
		count++;
	list = xcalloc(count + 1, sizeof(*list));
	for (struct net *n = net_first(); n; n = n->next) {
		bool ok = !n->is_default && !net_users(n);
		for (int i = 0; ok && i < a->filter.n; i++)
			ok = label_match(n, a->filter.v[i] + 6);
		if (ok)
			list[k++] = n;
	}
	return rm_list(r, list, k);
}

/* ---- connect and disconnect ---- */

static struct netctr *ctr_of(const char *ref, struct err *e)
{
	struct netsvc_ctr who;
	struct netctr *c;

	if (netsvc_find_ctr(ref, &who, e) < 0)
		return NULL;
	if (who.pidfd >= 0)
		close(who.pidfd);
	if (!(c = netctr_find(who.id)))
		return err_setc(e, ERR_INVALID, "container %s has no network "
				"config (made before networking)", ref), NULL;
	return c;
}

static int do_connect(struct ctl_req *r, void *args, struct err *e)
{
	struct netconnect_args *a = args;
	struct net *n = net_find(ctl_req_argv(r)[0], e);
	struct netctr *c = n ? ctr_of(ctl_req_argv(r)[1], e) : NULL;
	struct ep *ep;

	if (!c)
		return -1;
	if (c->mode != NETCTR_BRIDGE)
		return err_setc(e, ERR_INVALID, "container %s is on network "
				"mode %s: it cannot join networks", c->name,
				c->mode == NETCTR_HOST ? "host" : "none");
	if (ep_on(c, n))
		return err_setc(e, ERR_CONFLICT, "container %s is already on "
				"network %s", c->name, n->name);
	if (n->is_default && a->alias.n)
		return err_setc(e, ERR_INVALID, "--alias needs a user-defined "
				"network");
	ep = ep_join(c, n, a->ip, a->ip6, (char **)a->alias.v, a->alias.n, e);
	if (!ep)
		return -1;
	if (c->attached && ep_wire(ep, e) < 0) {
		ep_leave(ep);
		return -1;
	}
	netctr_write_etc(c);
	netctr_save(c);
	return 0;
}

static int do_disconnect(struct ctl_req *r, void *args, struct err *e)
{
	struct net *n = net_find(ctl_req_argv(r)[0], e);
	struct netctr *c = n ? ctr_of(ctl_req_argv(r)[1], e) : NULL;
	struct ep *ep;

	if (!c)
		return -1;
	if (!(ep = ep_on(c, n)))
		return err_setc(e, ERR_NOT_FOUND, "container %s is not on "
				"network %s", c->name, n->name);
	if (ep == c->eps && c->nports && c->ports[0].bound)
		ports_unpublish(c);
	ep_leave(ep);
	netctr_write_etc(c);
	netctr_save(c);
	return 0;
}

/* ---- port ---- */

static int do_port(struct ctl_req *r, void *args, struct err *e)
{
	struct netctr *c = ctr_of(ctl_req_argv(r)[0], e);
	const char *want = ctl_req_argc(r) > 1 ? ctl_req_argv(r)[1] : NULL;
	struct buf text = { 0 };
	struct jw w;
	char key[32];

	if (!c)
		return -1;
	for (int i = 0; i < c->nports; i++) {
		const struct netport *p = &c->ports[i];
		if (!p->bound)
			continue;
		snprintf(key, sizeof(key), "%u/%s", p->ctr_port,
			 portspec_proto_name(p->proto));
		if (want && strcmp(want, key) &&
		    (strchr(want, '/') || strtoul(want, NULL, 10) != p->ctr_port))
			continue;
		if (want)
			buf_printf(&text, "%s:%u\n",
				   *p->host_ip ? p->host_ip : "0.0.0.0",
				   p->bound);
		else
			buf_printf(&text, "%s -> %s:%u\n", key,
				   *p->host_ip ? p->host_ip : "0.0.0.0",
				   p->bound);
	}
	if (want && !buf_used(&text))
		return err_setc(e, ERR_NOT_FOUND, "no public port '%s' "
				"published for %s", want, c->name);
	if (buf_used(&text)) {
		ctl_req_json(r, &w);
		jw_strn(&w, "text", buf_head(&text), buf_used(&text));
		jw_close(&w);
	}
	buf_free(&text);
	return 0;
}

/* ---- the module ---- */

static const struct command cmd_create = { "network create", do_create };
static const struct command cmd_ls = { "network ls", do_ls };
static const struct command cmd_inspect = { "network inspect", do_inspect };
static const struct command cmd_rm = { "network rm", do_rm };
static const struct command cmd_prune = { "network prune", do_prune };
static const struct command cmd_connect = { "network connect", do_connect };
static const struct command cmd_disconnect = { "network disconnect",
					       do_disconnect };
static const struct command cmd_port = { "port", do_port };

const struct command *const network_commands[] = {
	&cmd_create, &cmd_ls,	      &cmd_inspect,    &cmd_rm,
	&cmd_prune,  &cmd_connect, &cmd_disconnect, &cmd_port,
	NULL,
};

/* A container renamed or removed (the supervisor's news). */
static void on_container(const struct bus_event *ev)
{
	const char *name = NULL;

	for (int i = 0; ev->attrs && ev->attrs[i]; i += 2)
		if (!strcmp(ev->attrs[i], "name"))
			name = ev->attrs[i + 1];
	if (!strcmp(ev->action, "rename") && name)
		network_service.rename(ev->id, name);
	else if (!strcmp(ev->action, "destroy"))
		network_service.remove(ev->id);
}

static const struct bus_sub net_subs[] = {
	{ "container", on_container },
	{ NULL, NULL },
};

static int net_init(struct err *e)
{
	netctr_resolv_init();
	dnswire_init();
	service_register(NETWORK_SERVICE, &network_service);
	if (net_load_all(e) < 0)
		return -1;
	return netctr_load_all(e);
}

static void net_stop(void (*done)(void))
{
	dnswire_stop();
	net_kernel_close();
	done();
}

static void net_info(struct jw *w)
{
	unsigned k = 0;

	for (struct net *n = net_first(); n; n = n->next)
		k++;
	jw_int(w, "networks", k);
	jw_str(w, "nft-table", net_settings.iptables ? net_table() : "");
}

const struct module module_network = {
	.name = "network",
	.init = net_init,
	.stop = net_stop,
	.commands = network_commands,
	.subs = net_subs,
	.info = net_info,
	.config = &net_config,
};
