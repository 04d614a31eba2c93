/* nlink_event.c - rtnetlink news: the subscribed socket and the parse of
 * one message (see nlink.h). Parsing goes through libnl's attribute
 * validation (nlmsg_parse with a policy), never raw pointer walks. */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlink.h"
#include "nlink_int.h"

struct nlink *nlink_event_open(int netns_fd, struct err *e)
{
	struct nlink *n = nlink_open(netns_fd, e);
	int rc;

	if (!n)
		return NULL;
	nl_socket_disable_seq_check(n->sk);
	rc = nl_socket_add_memberships(n->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				       RTNLGRP_IPV6_IFADDR, 0);
	if (rc >= 0)
		rc = nl_socket_set_nonblocking(n->sk);
	if (rc >= 0) /* bursts (a 1,000-container start) without ENOBUFS */
		rc = nl_socket_set_buffer_size(n->sk, 1 << 20, 0);
	if (rc < 0) {
		err_setc(e, ERR_INTERNAL, "rtnetlink events: %s",
			 nl_geterror(rc));
		nlink_close(n);
		return NULL;
	}
	return n;
}

int nlink_fd(const struct nlink *n)
{
	return nl_socket_get_fd(n->sk);
}

static int parse_link(const struct nlmsghdr *h, struct nlink_event *ev,
		      struct err *e)
{
	struct nla_policy pol[IFLA_MAX + 1] = {
	    [IFLA_IFNAME] = {.type = NLA_STRING, .maxlen = IFNAMSIZ},
	    [IFLA_MASTER] = {.type = NLA_U32},
	};
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct nlattr *tb[IFLA_MAX + 1];
	int rc;

	rc = nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifi), tb, IFLA_MAX, pol);
	if (rc < 0)
		return err_setc(e, ERR_INVALID, "link message: %s",
				nl_geterror(rc));
	ev->type = h->nlmsg_type == RTM_NEWLINK ? NLINK_EV_LINK_NEW
						: NLINK_EV_LINK_DEL;
	ev->ifindex = ifi->ifi_index;
	ev->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(ev->name, sizeof(ev->name), "%s",
			 nla_get_string(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		ev->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	return 1;
}

static int parse_addr(const struct nlmsghdr *h, struct nlink_event *ev,
		      struct err *e)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct nlattr *tb[IFA_MAX + 1], *a;
	char ip[INET6_ADDRSTRLEN];
	int rc, len;

	rc = nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifa), tb, IFA_MAX, NULL);
	if (rc < 0)
		return err_setc(e, ERR_INVALID, "address message: %s",
				nl_geterror(rc));
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	/* IFA_LOCAL is the address itself where it differs (peer links). */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	len = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!a || nla_len(a) != len || ifa->ifa_prefixlen > (unsigned)len * 8)
		return err_setc(e, ERR_INVALID,
				"address message: no address "
				"of its family");
	ev->type = h->nlmsg_type == RTM_NEWADDR ? NLINK_EV_ADDR_NEW
						: NLINK_EV_ADDR_DEL;
	ev->ifindex = (int)ifa->ifa_index;
	ev->family = ifa->ifa_family;
	inet_ntop(ev->family, nla_data(a), ip, sizeof(ip));
	snprintf(ev->addr, sizeof(ev->addr), "%s/%u", ip, ifa->ifa_prefixlen);
	return 1;
}

int nlink_event_parse(const struct nlmsghdr *h, struct nlink_event *ev,
		      struct err *e)
{
	memset(ev, 0, sizeof(*ev));
	if (nlink_fns_load(e) < 0)
		return -1;
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return parse_link(h, ev, e);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return parse_addr(h, ev, e);
	default:
		return 0;
	}
}
