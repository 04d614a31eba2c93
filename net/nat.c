/* nat.c - skiff's nftables table (see nat.h). Builds nft's own language
 * into a buffer from checked values only (names matched against a
 * character set, addresses parsed and printed back), then runs it as one
 * transaction. Owns the libnftables context of each struct nat. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/base/cleanup.h"
#include "cidr.h"
#include "nat.h"
#include "nat_fns.h"
#include "../core/base/xalloc.h"

/* The scripts below are written for the table `inet skiff`; run() names
 * the struct's own table in them (see table_script). */
#define NAT_TABLE "inet skiff"
#define NAT_TABLE_MAX 32

struct nat {
	struct nft_ctx *ctx;
	char table[NAT_TABLE_MAX + 1]; /* "skiff", "skiff-1a2b3c4d" */
};

/* libnftables opens its netlink socket in nft_ctx_new without
 * SOCK_CLOEXEC: it is the lowest free fd at that moment; mark it. */
static int cloexec_socket(int fd)
{
	struct stat st;
	int flags;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	flags = fcntl(fd, F_GETFD);
	return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static bool table_ok(const char *t)
{
	size_t len = strlen(t);

	return len && len <= NAT_TABLE_MAX && (t[0] < '0' || t[0] > '9') &&
	       strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

struct nat *nat_open(const char *table, struct err *e)
{
	struct nat *n;
	int lowest;

	table = table ? table : "skiff";
	if (!table_ok(table))
		return err_setc(e, ERR_INVALID, "nft table name \"%s\": want "
				"1-32 of [a-z0-9_-], not a digit first", table),
		       NULL;
	if (nat_fns_load(e) < 0)
		return NULL;
	n = xcalloc(1, sizeof(*n));
	snprintf(n->table, sizeof(n->table), "%s", table);
	lowest = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the lowest free fd */
	if (lowest >= 0)
		close(lowest);
	n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->ctx) {
		free(n);
		err_setc(e, ERR_INTERNAL, "libnftables: no context");
		return NULL;
	}
	if (cloexec_socket(lowest) < 0) {
		err_set(e, errno, "libnftables socket: FD_CLOEXEC");
		nat_close(n);
		return NULL;
	}
	nft_ctx_buffer_output(n->ctx);
	nft_ctx_buffer_error(n->ctx);
	return n;
}

void nat_close(struct nat *n)
{
	if (!n)
		return;
	nft_ctx_free(n->ctx);
	free(n);
}

const char *nat_table(const struct nat *n)
{
	return n->table;
}

/* script with each "inet skiff" (a table reference: nothing else in
 * the scripts has a space before a name) naming n's table instead; the
 * text is the caller's to free, or NULL when script is right as it is. */
static char *table_script(const struct nat *n, const char *script)
{
	static const char word[] = NAT_TABLE;
	struct buf b = {0};
	const char *p = script, *hit;

	if (!strcmp(n->table, "skiff"))
		return NULL;
	while ((hit = strstr(p, word))) {
		char next = hit[sizeof(word) - 1];
		buf_append(&b, p, (size_t)(hit - p));
		if (next == ' ' || next == '\n' || next == '\0')
			buf_printf(&b, "inet %s", n->table);
		else
			buf_append(&b, word, sizeof(word) - 1);
		p = hit + sizeof(word) - 1;
	}
	buf_append(&b, p, strlen(p) + 1);
	return buf_take_str(&b);
}

/* Run script as one transaction; the error is nft's first line. */
static int run(struct nat *n, const char *script, const char *what,
	       struct err *e)
{
	_cleanup_free_ char *own = table_script(n, script);
	const char *msg;
	size_t len;

	if (nft_run_cmd_from_buffer(n->ctx, own ? own : script) == 0)
		return 0;
	msg = nft_ctx_get_error_buffer(n->ctx);
	msg = msg ? msg : "failed";
	if (!strncmp(msg, "Error: ", 7))
		msg += 7;
	len = strcspn(msg, "\n");
	return err_setc(e,
			strstr(msg, "File exists")    ? ERR_CONFLICT
			: strstr(msg, "No such file") ? ERR_NOT_FOUND
						      : ERR_INTERNAL,
			"%s: %.*s", what, (int)len, msg);
}

static const char nat_base[] =
    "add table " NAT_TABLE "\n"
    "delete table " NAT_TABLE "\n"
    "table " NAT_TABLE " {\n"
    " map pub4 { type ipv4_addr . inet_proto . inet_service :"
    " ipv4_addr . inet_service; }\n"
    " map pub4any { type inet_proto . inet_service :"
    " ipv4_addr . inet_service; }\n"
    " map pub6 { type ipv6_addr . inet_proto . inet_service :"
    " ipv6_addr . inet_service; }\n"
    " map pub6any { type inet_proto . inet_service :"
    " ipv6_addr . inet_service; }\n"
    " set bridges { type ifname; }\n"
    " map post_src4 { type ipv4_addr : verdict; flags interval; }\n"
    " map post_src6 { type ipv6_addr : verdict; flags interval; }\n"
    " map post_oif { type ifname : verdict; }\n"
    " map fwd_iif { type ifname : verdict; }\n"
    " map fwd_oif { type ifname : verdict; }\n"
    " chain published {\n"
    "  meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport"
    " map @pub4\n"
    "  meta nfproto ipv4 dnat ip to meta l4proto . th dport map @pub4any\n"
    "  meta nfproto ipv6 dnat ip6 to ip6 daddr . meta l4proto . th dport"
    " map @pub6\n"
    "  meta nfproto ipv6 dnat ip6 to meta l4proto . th dport"
    " map @pub6any\n"
    " }\n"
    " chain prerouting { type nat hook prerouting priority dstnat;"
    " fib daddr type local jump published; }\n"
    " chain output { type nat hook output priority -100;"
    " fib daddr type local jump published; }\n"
    " chain postrouting { type nat hook postrouting priority srcnat;\n"
    "  ip saddr vmap @post_src4\n"
    "  ip6 saddr vmap @post_src6\n"
    "  oifname vmap @post_oif\n"
    " }\n"
    " chain forward { type filter hook forward priority filter;\n"
    "  iifname vmap @fwd_iif\n"
    "  oifname vmap @fwd_oif\n"
    " }\n"
    "}\n";

int nat_setup(struct nat *n, struct err *e)
{
	return run(n, nat_base, "create table " NAT_TABLE, e);
}

int nat_teardown(struct nat *n, struct err *e)
{
	return run(n, "add table " NAT_TABLE "\ndelete table " NAT_TABLE "\n",
		   "delete table " NAT_TABLE, e);
}

static int check_bridge(const char *b, struct err *e)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	size_t len = strlen(b);

	if (!len || len >= 16 || strspn(b, ok) != len ||
	    !strchr(ok + 0, b[0]) || b[0] == '-' || b[0] == '.')
		return err_setc(e, ERR_INVALID,
				"bridge name \"%s\": want 1-15 "
				"of [A-Za-z0-9_.-]",
				b);
	return 0;
}

/* A subnet of the wanted family, printed back. */
static int subnet_of(const char *s, int family, char *out, struct err *e)
{
	struct cidr c;

	if (cidr_parse(s, &c, e) < 0)
		return -1;
	if (c.family != family)
		return err_setc(e, ERR_INVALID, "subnet %s: want IPv%c", s,
				family == AF_INET ? '4' : '6');
	cidr_str(&c, out, CIDR_STRLEN);
	return 0;
}

/* The four chains of a network, their rules, and the map elements that
 * lead to them. Postrouting knows no input interface: what comes from a
 * network is found by its source subnet. */
static void net_script(struct buf *b, const struct nat_net *net, const char *s4,
		       const char *s6)
{
	const char *br = net->bridge;

	buf_printf(b,
		   "add chain " NAT_TABLE " n-%s-ps\n"
		   "add chain " NAT_TABLE " n-%s-po\n"
		   "add chain " NAT_TABLE " n-%s-fi\n"
		   "add chain " NAT_TABLE " n-%s-fo\n",
		   br, br, br, br);
	/* hairpin: DNATed back out of the bridge it came from */
	buf_printf(b,
		   "add rule " NAT_TABLE " n-%s-ps oifname \"%s\" "
		   "ct status dnat masquerade\n",
		   br, br);
	if (!net->internal && !net->no_masquerade)
		buf_printf(b,
			   "add rule " NAT_TABLE " n-%s-ps oifname != \"%s\""
			   " masquerade\n",
			   br, br);
	buf_printf(b,
		   "add rule " NAT_TABLE " n-%s-po ip saddr 127.0.0.0/8 "
		   "masquerade\n",
		   br);
	buf_printf(b, "add rule " NAT_TABLE " n-%s-fi oifname \"%s\" accept\n",
		   br, br);
	buf_printf(b, "add rule " NAT_TABLE " n-%s-fi %s drop\n", br,
		   net->internal ? "" : "oifname @bridges");
	if (net->internal)
		buf_printf(b, "add rule " NAT_TABLE " n-%s-fo drop\n", br);
	else
		buf_printf(
		    b,
		    "add rule " NAT_TABLE " n-%s-fo iifname @bridges drop\n"
		    "add rule " NAT_TABLE " n-%s-fo ct state "
		    "established,related accept\n"
		    "add rule " NAT_TABLE " n-%s-fo ct status dnat accept\n"
		    "add rule " NAT_TABLE " n-%s-fo drop\n",
		    br, br, br, br);
	buf_printf(
	    b,
	    "add element " NAT_TABLE " bridges { \"%s\" }\n"
	    "add element " NAT_TABLE " post_oif { \"%s\" : jump n-%s-po }\n"
	    "add element " NAT_TABLE " fwd_iif { \"%s\" : jump n-%s-fi }\n"
	    "add element " NAT_TABLE " fwd_oif { \"%s\" : jump n-%s-fo }\n",
	    br, br, br, br, br, br, br);
	if (s4[0])
		buf_printf(b,
			   "add element " NAT_TABLE " post_src4 { %s : jump "
			   "n-%s-ps }\n",
			   s4, br);
	if (s6[0])
		buf_printf(b,
			   "add element " NAT_TABLE " post_src6 { %s : jump "
			   "n-%s-ps }\n",
			   s6, br);
}

/* Remove a network's elements and chains, present or not: each delete
 * follows an add of the same thing, in the same transaction. */
static void net_del_script(struct buf *b, const char *br, const char *s4,
			   const char *s6)
{
	static const char *const maps[] = {"post_oif", "fwd_iif", "fwd_oif"};
	static const char *const chains[] = {"po", "fi", "fo"};

	buf_printf(b,
		   "add element " NAT_TABLE " bridges { \"%s\" }\n"
		   "delete element " NAT_TABLE " bridges { \"%s\" }\n"
		   "add chain " NAT_TABLE " n-%s-ps\n",
		   br, br, br);
	for (int v = 4; v <= 6; v += 2) {
		const char *s = v == 4 ? s4 : s6;

		if (s[0])
			buf_printf(b,
				   "add element " NAT_TABLE " post_src%d { %s :"
				   " jump n-%s-ps }\n"
				   "delete element " NAT_TABLE " post_src%d "
				   "{ %s }\n",
				   v, s, br, v, s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++)
		buf_printf(
		    b,
		    "add chain " NAT_TABLE " n-%s-%s\n"
		    "add element " NAT_TABLE " %s { \"%s\" : jump n-%s-%s }\n"
		    "delete element " NAT_TABLE " %s { \"%s\" }\n",
		    br, chains[i], maps[i], br, br, chains[i], maps[i], br);
	buf_printf(b,
		   "flush chain " NAT_TABLE " n-%s-ps\n"
		   "delete chain " NAT_TABLE " n-%s-ps\n",
		   br, br);
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
		buf_printf(b,
			   "flush chain " NAT_TABLE " n-%s-%s\n"
			   "delete chain " NAT_TABLE " n-%s-%s\n",
			   br, chains[i], br, chains[i]);
}

/* Check a network's names and subnets; the subnets printed back. */
static int net_check(const struct nat_net *net, char *s4, char *s6,
		     struct err *e)
{
	s4[0] = s6[0] = '\0';
	if (check_bridge(net->bridge, e) < 0 ||
	    (net->subnet4 && subnet_of(net->subnet4, AF_INET, s4, e) < 0) ||
	    (net->subnet6 && subnet_of(net->subnet6, AF_INET6, s6, e) < 0))
		return err_wrap(e, "network %s", net->bridge);
	return 0;
}

int nat_network_add(struct nat *n, const struct nat_net *net, struct err *e)
{
	char s4[CIDR_STRLEN], s6[CIDR_STRLEN];
	struct buf b = {0};
	int rc;

	if (net_check(net, s4, s6, e) < 0)
		return -1;
	net_del_script(&b, net->bridge, s4, s6);
	net_script(&b, net, s4, s6);
	buf_append(&b, "", 1);
	rc = run(n, buf_head(&b), "network rules", e);
	buf_free(&b);
	return rc < 0 ? err_wrap(e, "network %s", net->bridge) : 0;
}

int nat_network_del(struct nat *n, const struct nat_net *net, struct err *e)
{
	char s4[CIDR_STRLEN], s6[CIDR_STRLEN];
	struct buf b = {0};
	int rc;

	if (net_check(net, s4, s6, e) < 0)
		return -1;
	net_del_script(&b, net->bridge, s4, s6);
	buf_append(&b, "", 1);
	rc = run(n, buf_head(&b), "remove network rules", e);
	buf_free(&b);
	return rc < 0 ? err_wrap(e, "network %s", net->bridge) : 0;
}

/* One port's map and key ("pub4any", "tcp . 8080") and value. */
static int port_words(const struct nat_port *p, const char **map, char *key,
		      size_t keylen, char *val, size_t vallen, struct err *e)
{
	char hip[INET6_ADDRSTRLEN] = "", cip[INET6_ADDRSTRLEN];
	int hf = 0, cf;
	cidr_u128 a;

	if (cidr_parse_addr(p->ctr_ip, &cf, &a, e) < 0)
		return err_wrap(e, "container address");
	cidr_addr_str(cf, a, cip, sizeof(cip));
	if (p->host_ip && p->host_ip[0]) {
		if (cidr_parse_addr(p->host_ip, &hf, &a, e) < 0)
			return err_wrap(e, "host address");
		cidr_addr_str(hf, a, hip, sizeof(hip));
		if (hf != cf)
			return err_setc(e, ERR_INVALID,
					"host address %s and "
					"container address %s differ in family",
					hip, cip);
	}
	if (!p->host_port || !p->ctr_port || p->proto > PORTSPEC_SCTP)
		return err_setc(e, ERR_INVALID, "port 0 or unknown protocol");
	*map = cf == AF_INET ? (hf ? "pub4" : "pub4any")
			     : (hf ? "pub6" : "pub6any");
	snprintf(key, keylen, "%s%s%s . %u", hf ? hip : "", hf ? " . " : "",
		 portspec_proto_name(p->proto), p->host_port);
	snprintf(val, vallen, "%s . %u", cip, p->ctr_port);
	return 0;
}

/* publish (create elements: a taken key fails) or unpublish. */
static int ports(struct nat *n, const struct nat_port *p, size_t count,
		 bool add, struct err *e)
{
	char key[96], val[64];
	struct buf b = {0};
	const char *map = NULL;
	int rc = 0;

	for (size_t i = 0; i < count && rc == 0; i++) {
		rc = port_words(&p[i], &map, key, sizeof(key), val, sizeof(val),
				e);
		if (rc == 0 && add)
			buf_printf(
			    &b, "create element " NAT_TABLE " %s { %s : %s }\n",
			    map, key, val);
		else if (rc == 0)
			buf_printf(&b,
				   "delete element " NAT_TABLE " %s { %s }\n",
				   map, key);
	}
	buf_append(&b, "", 1);
	if (rc == 0 && count)
		rc = run(n, buf_head(&b), add ? "publish" : "unpublish", e);
	buf_free(&b);
	if (rc < 0 && e->class == ERR_CONFLICT && add)
		err_wrap(e, "a host port is already published");
	return rc;
}

int nat_publish(struct nat *n, const struct nat_port *p, size_t count,
		struct err *e)
{
	return ports(n, p, count, true, e);
}

int nat_unpublish(struct nat *n, const struct nat_port *p, size_t count,
		  struct err *e)
{
	return ports(n, p, count, false, e);
}

static int sysctl_write(const char *path, const char *val, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);

	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	if (write(fd, val, len) != (ssize_t)len)
		return err_set(e, errno, "write %s", path);
	return 0;
}

int nat_forwarding_on(bool ipv6, struct err *e)
{
	if (sysctl_write("/proc/sys/net/ipv4/ip_forward", "1", e) < 0)
		return -1;
	if (ipv6 &&
	    sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1", e) < 0)
		return -1;
	return 0;
}

int nat_route_localnet(const char *bridge, struct err *e)
{
	char path[128];

	if (check_bridge(bridge, e) < 0)
		return -1;
	snprintf(path, sizeof(path),
		 "/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	return sysctl_write(path, "1", e);
}
