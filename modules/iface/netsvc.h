/* netsvc.h - what the supervisor and the network module ask of each
 * other: two named service tables (core/service.h). This header is
 * theirs, not core's and not either module's (DESIGN.md 1).
 *
 * The network module offers NETWORK_SERVICE: a container's network as
 * run/create asked for it (checked and kept durable by the network
 * module, addresses reserved), wired into its network namespace before
 * its process runs its command (veth, addresses, routes, published
 * ports, /etc/hosts and /etc/resolv.conf), unwired when its process has
 * gone, forgotten when it is removed, and shown as Docker shows it
 * (inspect's NetworkSettings, ps's PORTS, `skiff port`).
 *
 * The supervisor offers NETCTRS_SERVICE: a container by reference (id,
 * name or id prefix) with its process's pidfd, for `network connect` and
 * `network disconnect` of running containers and for --link and
 * container:NAME.
 *
 * Every hook is called on the loop and answers at once (netlink and
 * nftables calls are short kernel round trips). Either side may be
 * absent (a build without the module): the netsvc_* calls below cope. */
#ifndef SKIFF_IFACE_NETSVC_H
#define SKIFF_IFACE_NETSVC_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/buf.h"
#include "../../core/base/err.h"
#include "../../core/service.h"
#include "../../proto/cmdspec.h"

/* How the container's network namespace is made (the supervisor's part:
 * the OCI spec's "network" namespace). */
enum netsvc_mode {
	NETSVC_NS_NEW,	     /* its own (none, bridge, user networks) */
	NETSVC_NS_HOST,	     /* the host's: no network namespace */
	NETSVC_NS_CONTAINER, /* another container's (container:NAME) */
};

/* run/create's network words; pointers into the request, copied by
 * create. An empty network list means Docker's default, the `bridge`
 * network. */
struct netsvc_opts {
	const struct strlist *network; /* --network/--net, in order */
	const char *ip, *ip6, *mac;    /* --ip, --ip6, --mac-address */
	const struct strlist *alias;   /* --network-alias */
	const char *hostname;	       /* the container's host name */
	const struct strlist *add_host; /* HOST:IP */
	const struct strlist *dns, *dns_search, *dns_option;
	const struct strlist *link;    /* NAME[:ALIAS] */
	const struct strlist *publish; /* -p words */
	const struct strlist *expose;  /* --expose words */
	bool publish_all;	       /* -P */
	const char *image_exposed;     /* the image's {"80/tcp":{}}, or NULL */
};

/* What create tells the supervisor about the namespace to make. */
struct netsvc_plan {
	enum netsvc_mode mode;
	char join_id[65]; /* NETSVC_NS_CONTAINER: whose namespace */
};

#define NETWORK_SERVICE "network"
struct network_service {
	/* run/create: check o and keep the container's network (durable;
	 * addresses and host ports taken now). Nothing is kept on error,
	 * which names the conflict (unknown network, --ip taken, ...). */
	int (*create)(const char *id, const char *name,
		      const struct netsvc_opts *o, struct netsvc_plan *plan,
		      struct err *e);
	/* The container's init exists, not yet exec'd: wire its network
	 * namespace (pidfd's) and write etc_dir's hosts and resolv.conf
	 * (the files bound on /etc/hosts and /etc/resolv.conf). */
	int (*attach)(const char *id, int pidfd, const char *etc_dir,
		      struct err *e);
	/* Its process is gone (or never ran): published ports and the
	 * host's side go; addresses stay reserved until remove. */
	void (*detach)(const char *id);
	/* Removed: its network config and addresses go. */
	void (*remove)(const char *id);
	/* Renamed (names are DNS names on user networks). */
	void (*rename)(const char *id, const char *name);
	/* inspect's "NetworkSettings" as one JSON object's text (Docker's
	 * fields: Networks.NAME.{IPAddress, IPPrefixLen, Gateway,
	 * MacAddress, Aliases, NetworkID, EndpointID, ...}, Ports,
	 * IPAddress, Gateway, MacAddress of the default bridge). */
	void (*inspect)(const char *id, struct buf *out);
	/* ps's PORTS text: "0.0.0.0:8080->80/tcp, 443/tcp" ("" if none). */
	void (*ports)(const char *id, struct buf *out);
	/* "bridge", "host", "none", "container:ID" or the first network's
	 * name: Docker's HostConfig.NetworkMode. */
	void (*mode)(const char *id, struct buf *out);
};

/* A container as the supervisor knows it. pidfd is a dup the caller
 * closes (-1: not running). */
struct netsvc_ctr {
	char id[65];
	char name[256];
	int pidfd;
	bool running;
};

#define NETCTRS_SERVICE "netctrs"
struct netctrs_service {
	/* ERR_NOT_FOUND: no such container. */
	int (*find)(const char *ref, struct netsvc_ctr *out, struct err *e);
};

static inline const struct network_service *netsvc(void)
{
	return service_get(NETWORK_SERVICE);
}

/* inspect's NetworkSettings ("{}" without a network module). */
static inline void netsvc_inspect(const char *id, struct buf *out)
{
	const struct network_service *s = netsvc();

	if (s)
		s->inspect(id, out);
	else
		buf_puts(out, "{}");
}

/* ps's PORTS ("" without a network module). */
static inline void netsvc_ports(const char *id, struct buf *out)
{
	const struct network_service *s = netsvc();

	if (s)
		s->ports(id, out);
}

static inline int netsvc_find_ctr(const char *ref, struct netsvc_ctr *out,
				  struct err *e)
{
	const struct netctrs_service *s = service_get(NETCTRS_SERVICE);

	memset(out, 0, sizeof(*out));
	out->pidfd = -1;
	if (!s)
		return err_setc(e, ERR_NOT_FOUND,
				"no such container: %s (this skiffd has no "
				"supervisor module)", ref);
	return s->find(ref, out, e);
}

#endif
