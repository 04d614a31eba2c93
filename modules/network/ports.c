/* ports.c - a container's published ports: -p, -P and --expose words
 * expanded into one struct netport per port (net/nat takes concrete
 * ports), host ports held by a bound socket of skiffd's while the
 * container runs (so no other program, and no other container, can take
 * one: nat does not reserve ports), and their DNAT map elements in
 * skiff's nat table, published and withdrawn in one transaction each.
 * Owns the held sockets (struct netport.fd). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../net/nat.h"
#include "network.h"

static void add_port(struct netctr *c, const struct netport *p)
{
	c->ports = xrealloc(c->ports, (size_t)c->nports + 1, sizeof(*p));
	c->ports[c->nports] = *p;
	c->ports[c->nports].fd = -1;
	c->nports++;
}

static void add_expose(struct netctr *c, uint16_t port,
		       enum portspec_proto proto)
{
	char w[32];

	snprintf(w, sizeof(w), "%u/%s", port, portspec_proto_name(proto));
	for (int i = 0; i < c->nexpose; i++)
		if (!strcmp(c->expose[i], w))
			return;
	c->expose = xrealloc(c->expose, (size_t)c->nexpose + 2,
						sizeof(char *));
	c->expose[c->nexpose++] = xstrdup(w);
	c->expose[c->nexpose] = NULL;
}

static bool published(const struct netctr *c, uint16_t port,
		      enum portspec_proto proto)
{
	for (int i = 0; i < c->nports; i++)
		if (c->ports[i].ctr_port == port && c->ports[i].proto == proto)
			return true;
	return false;
}

static int proto_of(const char *s, enum portspec_proto *p)
{
	if (!strcmp(s, "tcp"))
		*p = PORTSPEC_TCP;
	else if (!strcmp(s, "udp"))
		*p = PORTSPEC_UDP;
	else if (!strcmp(s, "sctp"))
		*p = PORTSPEC_SCTP;
	else
		return -1;
	return 0;
}

/* The image's ExposedPorts keys ("80/tcp") onto c's expose list. */
static void image_ports(struct netctr *c, const char *json)
{
	char ebuf[64];
	yajl_val t = json ? yajl_tree_parse(json, ebuf, sizeof(ebuf)) : NULL;

	for (size_t i = 0; t && YAJL_IS_OBJECT(t) && i < t->u.object.len;
	     i++) {
		unsigned port;
		char proto[8] = "tcp";
		enum portspec_proto p;
		if (sscanf(t->u.object.keys[i], "%u/%7s", &port, proto) < 1 ||
		    !port || port > 65535 || proto_of(proto, &p) < 0)
			continue;
		add_expose(c, (uint16_t)port, p);
	}
	yajl_tree_free(t);
}

int ports_plan(struct netctr *c, const struct strlist *publish,
	       const struct strlist *expose, bool publish_all,
	       const char *image_exposed, struct err *e)
{
	struct portspec s;

	for (int i = 0; i < publish->n; i++) {
		if (portspec_parse(publish->v[i], &s, e) < 0)
			return err_wrap(e, "-p %s", publish->v[i]);
		for (unsigned k = 0; k < portspec_count(&s); k++) {
			struct netport p = { .proto = s.proto };
			snprintf(p.host_ip, sizeof(p.host_ip), "%s", s.ip);
			p.ctr_port = (uint16_t)(s.ctr_lo + k);
			p.host_port = portspec_host_port(&s, k);
			if (!p.host_port && s.host_lo) {
				p.host_lo = s.host_lo;
				p.host_hi = s.host_hi;
			}
			add_port(c, &p);
			add_expose(c, p.ctr_port, p.proto);
		}
	}
	for (int i = 0; i < expose->n; i++) {
		if (portspec_parse_expose(expose->v[i], &s, e) < 0)
			return err_wrap(e, "--expose %s", expose->v[i]);
		for (unsigned k = 0; k < portspec_count(&s); k++)
			add_expose(c, (uint16_t)(s.ctr_lo + k), s.proto);
	}
	image_ports(c, image_exposed);
	for (int i = 0; publish_all && i < c->nexpose; i++) {
		unsigned port;
		char proto[8];
		struct netport p = { 0 };
		if (sscanf(c->expose[i], "%u/%7s", &port, proto) != 2 ||
		    proto_of(proto, &p.proto) < 0 ||
		    published(c, (uint16_t)port, p.proto))
			continue;
		p.ctr_port = (uint16_t)port;
		add_port(c, &p);
	}
	return 0;
}

/* ---- holding host ports ---- */

static int sock_type(enum portspec_proto p)
{
	return p == PORTSPEC_UDP ? SOCK_DGRAM : SOCK_STREAM;
}

/* Bind (and for TCP listen: nothing reaches it, DNAT comes first) a
 * socket on ip:port; port 0 lets the kernel choose. */
static int hold(const struct netport *p, uint16_t port, uint16_t *got,
		struct err *e)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	bool v6 = strchr(p->host_ip, ':') != NULL;
	int proto = p->proto == PORTSPEC_SCTP ? IPPROTO_SCTP : 0;
	int fd = socket(v6 ? AF_INET6 : AF_INET,
			sock_type(p->proto) | SOCK_CLOEXEC | SOCK_NONBLOCK,
			proto);

	if (fd < 0)
		return err_set(e, errno, "socket");
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, p->host_ip, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		if (*p->host_ip && inet_pton(AF_INET, p->host_ip,
					     &a->sin_addr) != 1) {
			close(fd);
			return err_setc(e, ERR_INVALID, "host IP %s",
					p->host_ip);
		}
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (p->proto != PORTSPEC_UDP && listen(fd, 1) < 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	*got = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			: ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int hold_port(struct netport *p, struct err *e)
{
	int fd = -1;

	if (p->host_port || !p->host_lo) {
		fd = hold(p, p->host_port, &p->bound, e);
	} else {
		for (unsigned k = p->host_lo; k <= p->host_hi && fd < 0; k++)
			fd = hold(p, (uint16_t)k, &p->bound, e);
	}
	if (fd >= 0) {
		p->fd = fd;
		return 0;
	}
	if (e->class != ERR_OK)
		return -1;
	if (errno == EADDRINUSE)
		return err_setc(e, ERR_CONFLICT, "host port %s:%u/%s is "
				"already in use", *p->host_ip ? p->host_ip
							    : "0.0.0.0",
				p->host_port ? p->host_port : p->host_lo,
				portspec_proto_name(p->proto));
	return err_set(e, errno, "bind %s:%u/%s",
		       *p->host_ip ? p->host_ip : "0.0.0.0", p->host_port,
		       portspec_proto_name(p->proto));
}

/* The map elements of c's ports to ip (IPv4) and ip6 ("" without): a
 * port on every address (no host IP) goes to both families, as Docker
 * publishes 0.0.0.0 and [::]; one on an address to that address's
 * family. *n of them; NULL with e when a port's family has no address. */
static struct nat_port *nat_ports(const struct netctr *c, const char *ip,
				  const char *ip6, size_t *n, struct err *e)
{
	struct nat_port *np = xcalloc(2 * (size_t)c->nports + 1, sizeof(*np));

	*n = 0;
	for (int i = 0; i < c->nports; i++) {
		const struct netport *p = &c->ports[i];
		bool v6 = strchr(p->host_ip, ':') != NULL;
		struct nat_port one = { .host_ip = p->host_ip,
					.host_port = p->bound,
					.proto = p->proto,
					.ctr_ip = v6 ? ip6 : ip,
					.ctr_port = p->ctr_port };
		if (!*one.ctr_ip) {
			free(np);
			return err_setc(e, ERR_INVALID, "-p %s:%u: the "
					"container has no IPv%d address",
					p->host_ip, p->host_port, v6 ? 6 : 4),
			       NULL;
		}
		np[(*n)++] = one;
		if (!*p->host_ip && *ip6) {
			one.ctr_ip = ip6;
			np[(*n)++] = one;
		}
	}
	return np;
}

static void release_all(struct netctr *c)
{
	for (int i = 0; i < c->nports; i++) {
		if (c->ports[i].fd >= 0)
			close(c->ports[i].fd);
		c->ports[i].fd = -1;
		c->ports[i].bound = 0;
	}
}

int ports_publish(struct netctr *c, const char *ip, const char *ip6,
		  struct err *e)
{
	struct nat *nt;
	struct nat_port *np;
	size_t n;
	int rc;

	if (!c->nports)
		return 0;
	for (int i = 0; i < c->nports; i++)
		if (hold_port(&c->ports[i], e) < 0) {
			release_all(c);
			return -1;
		}
	if (!net_settings.iptables) /* held, and no rule: docs/networking.md */
		return 0;
	if (!(nt = net_nat(e))) {
		release_all(c);
		return -1;
	}
	if (!(np = nat_ports(c, ip, ip6, &n, e))) {
		release_all(c);
		return -1;
	}
	rc = nat_publish(nt, np, n, e);
	free(np);
	if (rc < 0)
		release_all(c);
	return rc;
}

void ports_unpublish(struct netctr *c)
{
	struct err e = ERR_INIT;
	struct nat *nt;
	struct nat_port *np;
	size_t n;

	if (!c->nports || !c->ports[0].bound)
		return;
	if (c->eps && net_settings.iptables && (nt = net_nat(&e)) &&
	    (np = nat_ports(c, c->eps->ip, c->eps->ip6, &n, &e))) {
		if (nat_unpublish(nt, np, n, &e) < 0)
			log_warn("container %.12s: %s", c->id, e.msg);
		free(np);
	}
	release_all(c);
}

/* ---- shown ---- */

/* ps: "0.0.0.0:8080->80/tcp, 443/tcp" (Docker's order: published,
 * then exposed only). */
void ports_text(const struct netctr *c, struct buf *out)
{
	const char *sep = "";

	for (int i = 0; i < c->nports; i++) {
		const struct netport *p = &c->ports[i];
		if (!p->bound)
			continue;
		buf_printf(out, "%s%s:%u->%u/%s", sep,
			   *p->host_ip ? p->host_ip : "0.0.0.0", p->bound,
			   p->ctr_port, portspec_proto_name(p->proto));
		sep = ", ";
	}
	for (int i = 0; i < c->nexpose; i++) {
		unsigned port;
		char proto[8];
		enum portspec_proto pr;
		if (sscanf(c->expose[i], "%u/%7s", &port, proto) != 2 ||
		    proto_of(proto, &pr) < 0 ||
		    (published(c, (uint16_t)port, pr) && c->nports &&
		     c->ports[0].bound))
			continue;
		buf_printf(out, "%s%s", sep, c->expose[i]);
		sep = ", ";
	}
}

/* inspect's NetworkSettings.Ports members: {"80/tcp":[{"HostIp",
 * "HostPort"}], "443/tcp":null}. */
void ports_json(const struct netctr *c, struct jw *w)
{
	char port[16];

	for (int i = 0; i < c->nexpose; i++) {
		bool any = false;
		for (int k = 0; k < c->nports; k++) {
			const struct netport *p = &c->ports[k];
			snprintf(port, sizeof(port), "%u/%s", p->ctr_port,
				 portspec_proto_name(p->proto));
			if (!p->bound || strcmp(port, c->expose[i]))
				continue;
			if (!any)
				jw_arr(w, c->expose[i]);
			any = true;
			snprintf(port, sizeof(port), "%u", p->bound);
			jw_obj(w, NULL);
			jw_str(w, "HostIp",
			       *p->host_ip ? p->host_ip : "0.0.0.0");
			jw_str(w, "HostPort", port);
			jw_end_obj(w);
		}
		if (any)
			jw_end_arr(w);
		else
			jw_null(w, c->expose[i]);
	}
}

void ports_write_state(const struct netctr *c, struct jw *w)
{
	jw_arr(w, "Ports");
	for (int i = 0; i < c->nports; i++) {
		const struct netport *p = &c->ports[i];
		jw_obj(w, NULL);
		jw_str(w, "HostIp", p->host_ip);
		jw_int(w, "HostPort", p->host_port);
		jw_int(w, "HostLo", p->host_lo);
		jw_int(w, "HostHi", p->host_hi);
		jw_int(w, "Port", p->ctr_port);
		jw_str(w, "Proto", portspec_proto_name(p->proto));
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static long long jint(yajl_val o, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(o, path, yajl_t_number);

	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

void ports_read_state(struct netctr *c, yajl_val t)
{
	const char *path[] = { "Ports", NULL }, *ip[] = { "HostIp", NULL },
		   *pr[] = { "Proto", NULL };
	yajl_val a = yajl_tree_get(t, path, yajl_t_array);

	for (size_t i = 0; a && i < a->u.array.len; i++) {
		yajl_val o = a->u.array.values[i];
		yajl_val h = yajl_tree_get(o, ip, yajl_t_string);
		yajl_val p = yajl_tree_get(o, pr, yajl_t_string);
		struct netport np = { 0 };
		if (!p || proto_of(YAJL_GET_STRING(p), &np.proto) < 0)
			continue;
		snprintf(np.host_ip, sizeof(np.host_ip), "%s",
			 h ? YAJL_GET_STRING(h) : "");
		np.host_port = (uint16_t)jint(o, "HostPort");
		np.host_lo = (uint16_t)jint(o, "HostLo");
		np.host_hi = (uint16_t)jint(o, "HostHi");
		np.ctr_port = (uint16_t)jint(o, "Port");
		add_port(c, &np);
	}
}
