/* nlink.h - links, addresses and routes through rtnetlink (libnl-3,
 * libnl-route-3, loaded on first use: nlink_fns.h). No `ip` process.
 *
 * A struct nlink is one route-netlink socket bound to one network
 * namespace: the caller's (netns_fd -1) or the one of a netns fd, opened
 * by switching the calling thread there for the socket() call only, so a
 * container's links are configured from outside it. Calls on it block on
 * the kernel's answer (short: rtnetlink does no I/O), and the socket is
 * O_CLOEXEC. Nothing global but the function table.
 *
 * Names are interface names (IFNAMSIZ); addresses are text: "10.0.0.2/24",
 * "fd00::2/64", MACs "02:42:ac:11:00:02". Errors name the link and say
 * what the kernel refused (libnl's message). */
#ifndef SKIFF_NLINK_H
#define SKIFF_NLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/base/err.h"
#include "cidr.h"

struct nlink;

/* A socket in netns_fd's namespace (-1: the caller's). */
struct nlink *nlink_open(int netns_fd, struct err *e);
void nlink_close(struct nlink *n);

/* A netns fd (O_CLOEXEC) for a process held by its pidfd: the pidfd's
 * ioctl where the kernel has it (6.11), else /proc/PID/ns/net checked
 * against the pidfd afterwards (so a recycled pid is refused). */
int nlink_netns_of_pidfd(int pidfd, struct err *e);

/* Create a bridge; mtu 0 and mac NULL leave the kernel's choice. It is
 * left down (nlink_up). ERR_CONFLICT when the name exists. */
int nlink_bridge_add(struct nlink *n, const char *name, unsigned mtu,
		     const char *mac, struct err *e);

struct nlink_veth {
	const char *host;   /* the host end's name ("veth1a2b3c4") */
	const char *master; /* bridge to enslave the host end to, or NULL */
	unsigned mtu;	    /* both ends; 0: the kernel's */
	int peer_netns_fd;  /* where the peer lives (-1: beside the host end) */
	const char *peer;   /* its name there ("eth0") */
	const char *peer_mac; /* or NULL */
};

/* Create a veth pair in one request: the host end up and enslaved to
 * master, the peer created right inside peer_netns_fd under its final
 * name (no rename, no move afterwards). The peer stays down (the kernel
 * refuses both ends up in the creating request): the caller sets it up
 * with its addresses, through an nlink opened in that namespace. */
int nlink_veth_add(struct nlink *n, const struct nlink_veth *v, struct err *e);
/* Move an existing link into netns_fd's namespace under new_name (NULL:
 * keep its name). */
int nlink_move(struct nlink *n, const char *name, int netns_fd,
	       const char *new_name, struct err *e);
/* Delete a link (a veth's peer goes with it); ERR_NOT_FOUND if absent. */
int nlink_del(struct nlink *n, const char *name, struct err *e);
/* Set a link up (down when !up). */
/* A link's MTU, as a user sets it: a bridge keeps it when its last port
 * goes (one made with an MTU falls back to 1500). */
int nlink_set_mtu(struct nlink *n, const char *name, unsigned mtu,
		  struct err *e);
int nlink_set_up(struct nlink *n, const char *name, bool up, struct err *e);
/* A bridge port's flags: hairpin (frames may go back out the port they
 * came in by: a container reaching its own published port) and isolated
 * (no traffic with other isolated ports: icc=false). */
int nlink_port_set(struct nlink *n, const char *port, bool hairpin,
		   bool isolated, struct err *e);
/* The interface index of a link, or -1 with ERR_NOT_FOUND. */
int nlink_index(struct nlink *n, const char *name, struct err *e);

/* Add an address with its prefix ("10.0.0.2/24") to a link. */
int nlink_addr_add(struct nlink *n, const char *link, const char *addr,
		   struct err *e);
/* Add the default route of gateway's family via gateway, through link
 * (NULL: let the kernel find the link from the on-link routes). */
int nlink_route_default(struct nlink *n, const char *gateway, const char *link,
			struct err *e);

/* The prefixes of the main table's routes of one family (the default
 * route excluded), into *out (the caller frees it). */
int nlink_routes(struct nlink *n, int family, struct cidr **out, size_t *count,
		 struct err *e);
/* The default bridge subnet: 172.17.0.0/16 unless a route of n's
 * namespace or one of taken[] overlaps it, then the next free prefix of
 * Docker's default pools (cidr_pick_default). */
int nlink_pick_subnet(struct nlink *n, const struct cidr *taken, size_t ntaken,
		      struct cidr *out, struct err *e);

/* Link and address news for the daemon's loop. nlink_event_open gives
 * a non-blocking socket subscribed to link and IPv4/IPv6 address groups
 * of netns_fd's namespace (-1: the caller's); the loop watches
 * nlink_fd(), recv()s datagrams and walks their messages with NLMSG_OK /
 * NLMSG_NEXT, handing each to nlink_event_parse. */
struct nlink *nlink_event_open(int netns_fd, struct err *e);
int nlink_fd(const struct nlink *n);

enum nlink_event_type {
	NLINK_EV_LINK_NEW = 1, /* new link or a change of one */
	NLINK_EV_LINK_DEL,
	NLINK_EV_ADDR_NEW,
	NLINK_EV_ADDR_DEL,
};

struct nlink_event {
	enum nlink_event_type type;
	int ifindex;
	char name[IFNAMSIZ];	/* links; "" when the message had none */
	unsigned flags;		/* links: IFF_UP, IFF_RUNNING, ... */
	int master;		/* links: the bridge's ifindex, or 0 */
	int family;		/* addresses: AF_INET or AF_INET6 */
	char addr[CIDR_STRLEN]; /* addresses: "10.0.0.2/24" */
};

/* Parse one message (h must have passed NLMSG_OK); 1 with ev filled, 0
 * for a message of another kind, -1 with e when it is malformed (drop
 * it and count it). */
struct nlmsghdr;
int nlink_event_parse(const struct nlmsghdr *h, struct nlink_event *ev,
		      struct err *e);

#endif
