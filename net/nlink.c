/* nlink.c - rtnetlink requests through libnl (see nlink.h). Owns the
 * libnl socket of each struct nlink; every libnl object made here is put
 * before the function returns. */
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "nlink.h"
#include "nlink_int.h"
#include "../core/base/xalloc.h"

#ifndef PIDFD_GET_NET_NAMESPACE
#define PIDFD_GET_NET_NAMESPACE _IO(0xFF, 4)
#endif

/* Fill e from a negative libnl code: "what: libnl's message". */
static int nlerr(struct err *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int nlerr(struct err *e, int rc, const char *fmt, ...)
{
	enum err_class class = ERR_INTERNAL;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rc < 0)
		rc = -rc;
	if (rc == NLE_EXIST)
		class = ERR_CONFLICT;
	else if (rc == NLE_OBJ_NOTFOUND || rc == NLE_NODEV)
		class = ERR_NOT_FOUND;
	else if (rc == NLE_PERM)
		class = ERR_DENIED;
	else if (rc == NLE_INVAL || rc == NLE_RANGE || rc == NLE_AF_NOSUPPORT)
		class = ERR_INVALID;
	return err_setc(e, class, "%s: %s", what, nl_geterror(rc));
}

/* The socket is made while the thread is in netns_fd's namespace; the
 * thread must get back (a failure there is a broken invariant). */
static int connect_in(struct nlink *n, int netns_fd, struct err *e)
{
	_cleanup_close_ int self = -1;
	int rc;

	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return err_set(e, errno, "open own netns");
		if (setns(netns_fd, CLONE_NEWNET) < 0)
			return err_set(e, errno, "enter netns");
	}
	rc = nl_connect(n->sk, NETLINK_ROUTE);
	if (self >= 0 && setns(self, CLONE_NEWNET) < 0)
		abort();
	return rc < 0 ? nlerr(e, rc, "rtnetlink socket") : 0;
}

struct nlink *nlink_open(int netns_fd, struct err *e)
{
	struct nlink *n;

	if (nlink_fns_load(e) < 0)
		return NULL;
	n = xcalloc(1, sizeof(*n));
	if (!(n->sk = nl_socket_alloc()))
		abort();
	if (connect_in(n, netns_fd, e) < 0) {
		nlink_close(n);
		return NULL;
	}
	return n;
}

void nlink_close(struct nlink *n)
{
	if (!n)
		return;
	nl_socket_free(n->sk);
	free(n);
}

int nlink_netns_of_pidfd(int pidfd, struct err *e)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	int fd, pid = -1;

	fd = ioctl(pidfd, PIDFD_GET_NET_NAMESPACE, 0);
	if (fd >= 0) { /* the kernel makes it O_CLOEXEC; older ones did not */
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			err_set(e, errno, "pidfd %d: netns fd", pidfd);
			close(fd);
			return -1;
		}
		return fd;
	}
	if (errno == ESRCH)
		return err_setc(e, ERR_NOT_FOUND, "pidfd %d: process gone",
				pidfd);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (!(f = fopen(path, "re")))
		return err_set(e, errno, "pidfd %d", pidfd);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid:\t%d", &pid) == 1)
			break;
	if (pid <= 0)
		return err_setc(e, ERR_NOT_FOUND, "pidfd %d: process gone",
				pidfd);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		close(fd);
		return err_setc(e, ERR_NOT_FOUND, "pidfd %d: process gone",
				pidfd);
	}
	return fd;
}

/* The kernel's view of a link by name (put it with rtnl_link_put). */
static struct rtnl_link *get_link(struct nlink *n, const char *name,
				  struct err *e)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(n->sk, 0, name, &l);

	if (rc < 0) {
		nlerr(e, rc, "link %s", name);
		return NULL;
	}
	return l;
}

int nlink_index(struct nlink *n, const char *name, struct err *e)
{
	struct rtnl_link *l = get_link(n, name, e);
	int idx;

	if (!l)
		return -1;
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

static int set_mac(struct rtnl_link *l, const char *mac, struct err *e)
{
	struct nl_addr *a = NULL;
	int rc;

	if (!mac)
		return 0;
	rc = nl_addr_parse(mac, AF_LLC, &a);
	if (rc < 0 || nl_addr_get_len(a) != 6) {
		nl_addr_put(a);
		return err_setc(e, ERR_INVALID, "\"%s\" is not a MAC address",
				mac);
	}
	rtnl_link_set_addr(l, a);
	nl_addr_put(a);
	return 0;
}

int nlink_bridge_add(struct nlink *n, const char *name, unsigned mtu,
		     const char *mac, struct err *e)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (!l)
		abort();
	rc = rtnl_link_set_type(l, "bridge");
	if (rc < 0) {
		rtnl_link_put(l);
		return nlerr(e, rc, "bridge %s", name);
	}
	rtnl_link_set_name(l, name);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	if (set_mac(l, mac, e) < 0) {
		rtnl_link_put(l);
		return err_wrap(e, "bridge %s", name);
	}
	rc = rtnl_link_add(n->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	return rc < 0 ? nlerr(e, rc, "create bridge %s", name) : 0;
}

/* Fill a veth request: both ends' names, MTU and state, the peer's netns
 * and MAC, the host end's master. */
static int veth_fill(struct nlink *n, struct rtnl_link *l,
		     struct rtnl_link *peer, const struct nlink_veth *v,
		     struct err *e)
{
	rtnl_link_set_name(l, v->host);
	rtnl_link_set_name(peer, v->peer);
	if (v->mtu) {
		rtnl_link_set_mtu(l, v->mtu);
		rtnl_link_set_mtu(peer, v->mtu);
	}
	rtnl_link_set_flags(l, IFF_UP); /* the peer up too is ENOTCONN */
	if (v->peer_netns_fd >= 0)
		rtnl_link_set_ns_fd(peer, v->peer_netns_fd);
	if (v->master) {
		int idx = nlink_index(n, v->master, e);

		if (idx < 0)
			return -1;
		rtnl_link_set_master(l, idx);
	}
	return set_mac(peer, v->peer_mac, e);
}

int nlink_veth_add(struct nlink *n, const struct nlink_veth *v, struct err *e)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *peer;
	int rc = -1;

	if (!l)
		abort();
	peer = rtnl_link_veth_get_peer(l);
	if (veth_fill(n, l, peer, v, e) == 0) {
		rc = rtnl_link_add(n->sk, l, NLM_F_CREATE | NLM_F_EXCL);
		if (rc < 0)
			nlerr(e, rc, "create veth %s", v->host);
	} else {
		err_wrap(e, "veth %s", v->host);
	}
	rtnl_link_put(peer);
	rtnl_link_veth_release(l);
	return rc < 0 ? -1 : 0;
}

/* Send change (a partial link) against the link called name. */
static int change(struct nlink *n, const char *name, struct rtnl_link *chg,
		  const char *what, struct err *e)
{
	struct rtnl_link *l = get_link(n, name, e);
	int rc;

	if (!l)
		return -1;
	rc = rtnl_link_change(n->sk, l, chg, 0);
	rtnl_link_put(l);
	return rc < 0 ? nlerr(e, rc, "%s %s", what, name) : 0;
}

int nlink_set_up(struct nlink *n, const char *name, bool up, struct err *e)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int rc;

	if (!chg)
		abort();
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	rc = change(n, name, chg, up ? "set up" : "set down", e);
	rtnl_link_put(chg);
	return rc;
}

int nlink_set_mtu(struct nlink *n, const char *name, unsigned mtu,
		  struct err *e)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int rc;

	if (!chg)
		abort();
	rtnl_link_set_mtu(chg, mtu);
	rc = change(n, name, chg, "set mtu", e);
	rtnl_link_put(chg);
	return rc;
}

int nlink_move(struct nlink *n, const char *name, int netns_fd,
	       const char *new_name, struct err *e)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int rc;

	if (!chg)
		abort();
	rtnl_link_set_ns_fd(chg, netns_fd);
	if (new_name)
		rtnl_link_set_name(chg, new_name);
	rc = change(n, name, chg, "move", e);
	rtnl_link_put(chg);
	return rc;
}

int nlink_del(struct nlink *n, const char *name, struct err *e)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (!l)
		abort();
	rtnl_link_set_name(l, name);
	rc = rtnl_link_delete(n->sk, l);
	rtnl_link_put(l);
	return rc < 0 ? nlerr(e, rc, "delete link %s", name) : 0;
}

int nlink_port_set(struct nlink *n, const char *port, bool hairpin,
		   bool isolated, struct err *e)
{
	struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE};
	struct nl_msg *m;
	struct nlattr *nest;
	int idx, rc;

	if ((idx = nlink_index(n, port, e)) < 0)
		return -1;
	ifi.ifi_index = idx;
	if (!(m = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK)))
		abort();
	rc = nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	nest = rc < 0 ? NULL : nla_nest_start(m, IFLA_PROTINFO | NLA_F_NESTED);
	if (!nest || nla_put_u8(m, IFLA_BRPORT_MODE, hairpin) < 0 ||
	    nla_put_u8(m, IFLA_BRPORT_ISOLATED, isolated) < 0)
		rc = -NLE_NOMEM;
	else
		nla_nest_end(m, nest);
	if (rc >= 0)
		rc = nl_send_auto(n->sk, m);
	nlmsg_free(m);
	if (rc >= 0)
		rc = nl_wait_for_ack(n->sk);
	return rc < 0 ? nlerr(e, rc, "bridge port %s", port) : 0;
}

/* Parse "ADDR[/PREFIX]" of either family (host bits are expected: it is
 * an interface address); put it with nl_addr_put. Checked here first,
 * since libnl would take "10.1" as 10.0.0.1. */
static struct nl_addr *parse_ip(const char *s, struct err *e)
{
	const char *slash = strchr(s, '/');
	struct nl_addr *a = NULL;
	char ip[INET6_ADDRSTRLEN], *end;
	unsigned long prefix = 0;
	cidr_u128 v;
	int family;

	snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(s, "/"), s);
	if (cidr_parse_addr(ip, &family, &v, e) < 0)
		return NULL;
	if (slash)
		prefix = strtoul(slash + 1, &end, 10);
	if (slash && (slash[1] < '0' || slash[1] > '9' || *end ||
		      prefix > (family == AF_INET ? 32u : 128u))) {
		err_setc(e, ERR_INVALID, "\"%s\": bad prefix length", s);
		return NULL;
	}
	if (nl_addr_parse(s, family, &a) < 0) {
		err_setc(e, ERR_INVALID, "\"%s\" is not an address", s);
		return NULL;
	}
	return a;
}

int nlink_addr_add(struct nlink *n, const char *link, const char *addr,
		   struct err *e)
{
	struct rtnl_addr *ra;
	struct nl_addr *a;
	int idx, rc;

	if ((idx = nlink_index(n, link, e)) < 0)
		return -1;
	if (!(a = parse_ip(addr, e)))
		return err_wrap(e, "address on %s", link);
	if (!(ra = rtnl_addr_alloc()))
		abort();
	rtnl_addr_set_ifindex(ra, idx);
	rc = rtnl_addr_set_local(ra, a);
	nl_addr_put(a);
	if (rc >= 0)
		rc = rtnl_addr_add(n->sk, ra, 0);
	rtnl_addr_put(ra);
	return rc < 0 ? nlerr(e, rc, "add %s to %s", addr, link) : 0;
}

/* The default route through gw (taken), on link index idx (0: any). */
static int route_add(struct nlink *n, struct nl_addr *gw, int idx,
		     struct err *e)
{
	int family = nl_addr_get_family(gw);
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL;
	int rc;

	if (!r || !nh)
		abort();
	rc = nl_addr_parse(family == AF_INET ? "0.0.0.0/0" : "::/0", family,
			   &dst);
	if (rc >= 0) {
		rtnl_route_set_family(r, (uint8_t)family);
		rtnl_route_set_table(r, RT_TABLE_MAIN);
		rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
		rtnl_route_set_protocol(r, RTPROT_BOOT);
		rc = rtnl_route_set_dst(r, dst);
	}
	rtnl_route_nh_set_gateway(nh, gw);
	if (idx > 0)
		rtnl_route_nh_set_ifindex(nh, idx);
	rtnl_route_add_nexthop(r, nh); /* r owns nh now */
	if (rc >= 0)
		rc = rtnl_route_add(n->sk, r, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return rc < 0 ? nlerr(e, rc, "add default route") : 0;
}

int nlink_route_default(struct nlink *n, const char *gateway, const char *link,
			struct err *e)
{
	struct nl_addr *gw;
	int idx = 0, rc;

	if (link && (idx = nlink_index(n, link, e)) < 0)
		return -1;
	if (!(gw = parse_ip(gateway, e)))
		return err_wrap(e, "gateway");
	rc = route_add(n, gw, idx, e);
	nl_addr_put(gw);
	return rc < 0 ? err_wrap(e, "via %s", gateway) : 0;
}

/* One route of the dump, kept when it is a prefix of the main table. */
static void keep_route(struct rtnl_route *r, int family, struct cidr **out,
		       size_t *count)
{
	struct nl_addr *dst = rtnl_route_get_dst(r);
	unsigned len = family == AF_INET ? 4 : 16;
	struct cidr c;

	if (rtnl_route_get_table(r) != RT_TABLE_MAIN || !dst ||
	    !nl_addr_get_prefixlen(dst) || nl_addr_get_len(dst) != len)
		return;
	c.family = family;
	c.prefix = nl_addr_get_prefixlen(dst);
	c.addr = cidr_from_bytes(family, nl_addr_get_binary_addr(dst));
	*out = xrealloc(*out, *count + 1, sizeof(**out));
	(*out)[(*count)++] = c;
}

int nlink_routes(struct nlink *n, int family, struct cidr **out, size_t *count,
		 struct err *e)
{
	struct nl_cache *cache = NULL;
	int rc = rtnl_route_alloc_cache(n->sk, family, 0, &cache);

	*out = NULL;
	*count = 0;
	if (rc < 0)
		return nlerr(e, rc, "list routes");
	for (struct nl_object *o = nl_cache_get_first(cache); o;
	     o = nl_cache_get_next(o))
		keep_route((struct rtnl_route *)o, family, out, count);
	nl_cache_free(cache);
	return 0;
}

int nlink_pick_subnet(struct nlink *n, const struct cidr *taken, size_t ntaken,
		      struct cidr *out, struct err *e)
{
	_cleanup_free_ struct cidr *all = NULL;
	size_t count;

	if (nlink_routes(n, AF_INET, &all, &count, e) < 0)
		return -1;
	all = xrealloc(all, count + ntaken + 1, sizeof(*all));
	if (ntaken)
		memcpy(all + count, taken, ntaken * sizeof(*all));
	return cidr_pick_default(all, count + ntaken, out, e);
}
