/* network.h - the network module's own types (module-internal).
 *
 * struct net: one network (the default `bridge` or a user-defined one),
 * durable in ROOT/networks/ID.json, with its address allocator (net/ipam)
 * rebuilt at load from the endpoints that hold addresses.
 *
 * struct netctr: one container's network config as run/create asked for
 * it (mode, host name, extra hosts, DNS words, links, published ports),
 * durable in ROOT/netctrs/ID.json, with one struct ep per network it is
 * on. THE place where a container joins and leaves a network is
 * ep_join()/ep_leave() (endpoint.c): every name, alias and address of a
 * container on a network passes there, and so do the hooks below, which
 * is where an embedded DNS responder learns who answers to what. */
#ifndef SKIFF_NETWORK_H
#define SKIFF_NETWORK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../core/base/buf.h"
#include "../../core/base/err.h"
#include "../../core/cmd.h"
#include "../../core/config.h"
#include "../../proto/cmdreq.h"
#include "../../net/cidr.h"
#include "../../net/ipam.h"
#include "../../proto/json.h"
#include "../../proto/portspec.h"

#define NET_ID_LEN 64
#define NET_DEFAULT "bridge" /* Docker's default network's name */

struct net {
	char id[NET_ID_LEN + 1];
	char *name;
	char bridge[IFNAMSIZ];
	bool is_default; /* the `bridge` network: --link, no DNS names */
	bool internal, icc, ipv6;
	bool no_masq; /* ip-masq false, -o ...enable_ip_masquerade=false */
	unsigned mtu;
	char *labels_json;  /* {"k":"v"} */
	char *options_json; /* -o words as {"k":"v"} */
	int64_t created_ns;
	struct ipam ip4;
	struct ipam ip6; /* used when ipv6 */
	bool up;	 /* bridge and nat rules made by this skiffd */
	struct net *next;
};

struct netctr;

/* A container on one network. */
struct ep {
	struct netctr *ctr;
	struct net *net;
	char ip[INET6_ADDRSTRLEN];  /* "" until given */
	char ip6[INET6_ADDRSTRLEN]; /* "" without ipv6 */
	char mac[18];
	bool ip_given;		   /* --ip: kept as asked */
	char **aliases;		   /* --network-alias, --alias */
	int naliases;
	char ifname[IFNAMSIZ];	   /* in the container: eth0, eth1, ... */
	char host_if[IFNAMSIZ];	   /* the host end while wired, else "" */
	struct ep *next;	   /* the container's next network */
};

/* One published port, expanded (a range is one per port). */
struct netport {
	char host_ip[INET6_ADDRSTRLEN]; /* "" any */
	uint16_t host_port;		/* 0: chosen at start */
	uint16_t host_lo, host_hi;	/* a host range to choose from */
	uint16_t ctr_port;
	enum portspec_proto proto;
	int fd; /* the bound socket that holds the host port, or -1 */
	uint16_t bound; /* the host port held while running */
};

enum netctr_mode { NETCTR_NONE, NETCTR_BRIDGE, NETCTR_HOST,
		   NETCTR_CONTAINER };

struct netctr {
	char id[NET_ID_LEN + 1];
	char *name;
	enum netctr_mode mode;
	char join[NET_ID_LEN + 1]; /* NETCTR_CONTAINER: its id */
	char *hostname;
	struct buf extra; /* --add-host "HOST IP" lines, --link "NAME ALIAS" */
	char **add_host, **dns, **dns_search, **dns_option, **links;
	int nadd_host, ndns, ndns_search, ndns_option, nlinks;
	struct netport *ports;
	int nports;
	char **expose; /* "80/tcp" */
	int nexpose;
	struct ep *eps;
	bool attached; /* wired into a live namespace */
	bool dirty;    /* changed at load, saved at the next attach */
	int netns_fd;  /* while attached, -1 otherwise */
	char *etc_dir;
	struct netctr *next;
};

/* Hooks for a module part that wants to know who joins and leaves
 * networks (the embedded DNS responder): joined runs once the endpoint
 * is wired (addresses set), left before it goes. */
struct ep_watch {
	void (*joined)(const struct ep *ep);
	void (*left)(const struct ep *ep);
};
void ep_watch_set(const struct ep_watch *w);

/* settings.c: skiffd.json's network keys (Docker's daemon.json names) */
#define NET_POOLS_MAX 16
struct net_pools {
	struct cidr_pool v[NET_POOLS_MAX];
	int n;
};
struct net_settings {
	char *bridge; /* the default network's bridge; "none": no default */
	char *bip, *fixed_cidr, *fixed_cidr_v6; /* NULL: not given */
	struct net_pools pools; /* none given: Docker's default pools */
	long long mtu;		/* the default network's; 0: the kernel's */
	bool icc, iptables, ip_forward, ip_masq, ipv6;
	struct strlist dns, dns_search, dns_opts; /* containers' defaults */
};
extern struct net_settings net_settings;
extern const struct config_table net_config;
/* bip's text into its subnet and the bridge's address. */
int net_settings_bip(const char *s, struct cidr *subnet, cidr_u128 *addr,
		     struct err *e);

/* netobj.c: networks */
struct net *net_first(void);
/* Exact name, exact id, or unique id prefix. */
struct net *net_find(const char *ref, struct err *e);
struct net *net_default(void);
int net_load_all(struct err *e);
void net_save(struct net *n, void (*done)(int errnum, void *ctx), void *ctx);
void net_write_json(const struct net *n, struct jw *w, bool state);
/* A new network from `network create`'s flags (not saved). */
struct net *net_create(const char *name, const struct netcreate_args *a,
		       struct err *e);
void net_destroy(struct net *n, void (*done)(int errnum, void *ctx),
		 void *ctx);
/* Make the bridge and the nat rules if this skiffd has not yet. */
int net_up(struct net *n, struct err *e);
/* The shared kernel handles (opened on first use). */
struct nlink *net_nlink(struct err *e);
struct nat *net_nat(struct err *e);
/* The nat table's name (one per root). */
const char *net_table(void);
void net_kernel_close(void);
/* A link named name is gone (linkwatch.c's news): a network whose
 * bridge it was is made again at its next use. */
void net_link_gone(const char *name);
/* linkwatch.c: link news on the loop while the kernel handles are open */
void linkwatch_start(void);
void linkwatch_stop(void);
/* How many endpoints a network has. */
unsigned net_users(const struct net *n);

/* endpoint.c: containers' network configs */
struct netctr *netctr_find(const char *id);
struct netctr *netctr_first(void);
int netctr_load_all(struct err *e);
void netctr_save(struct netctr *c);
/* Put c on n (addresses reserved; wired at once when attached). */
struct ep *ep_join(struct netctr *c, struct net *n, const char *ip,
		   const char *ip6, char **aliases, int naliases,
		   struct err *e);
/* Wire ep into its attached container's namespace. */
int ep_wire(struct ep *ep, struct err *e);
/* Take c off ep's network (unwired, addresses freed). */
void ep_leave(struct ep *ep);
struct ep *ep_on(const struct netctr *c, const struct net *n);
/* The hosts file of c, into etc_dir (attached only). */
void netctr_write_etc(struct netctr *c);
/* c's --dns, --dns-search or --dns-option words, else the daemon's dns,
 * dns-search or dns-opts (0: neither: the host's are used). */
enum netctr_dns { NETCTR_DNS, NETCTR_DNS_SEARCH, NETCTR_DNS_OPTS };
int netctr_dns_words(const struct netctr *c, enum netctr_dns which,
		     const char *const **out);
/* The host's resolv.conf upstreams, read at init. */
void netctr_resolv_init(void);
/* Those lines ("nameserver IP", "search ...", "options ...") as text. */
const char *netctr_host_resolv(void);

/* ports.c: published ports */
/* Expand -p/--expose/-P words into c's ports and expose list. */
int ports_plan(struct netctr *c, const struct strlist *publish,
	       const struct strlist *expose, bool publish_all,
	       const char *image_exposed, struct err *e);
/* Bind the host ports and publish them to ip and ip6 (the container's
 * addresses on its first network; ip6 "" without IPv6); all or none. */
int ports_publish(struct netctr *c, const char *ip, const char *ip6,
		  struct err *e);
void ports_unpublish(struct netctr *c);
void ports_text(const struct netctr *c, struct buf *out);
void ports_json(const struct netctr *c, struct jw *w);
void ports_write_state(const struct netctr *c, struct jw *w);
void ports_read_state(struct netctr *c, yajl_val t);

/* netcmds.c */
extern const struct command *const network_commands[];

#endif
