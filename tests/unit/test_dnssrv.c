/* test_dnssrv.c - net/dnssrv.c over real sockets on loopback, in a
 * network namespace of the test's own: names, aliases in rotating
 * order, PTR, NXDOMAIN for another network's names, FORMERR, truncation
 * and TCP, forwarding to a real dnsmasq, a dead upstream answered with
 * SERVFAIL in bounded time, and failing over to the next upstream.
 *
 * The test plays the caller: one UDP and one TCP socket stand for a
 * container's 127.0.0.1x:53, a poll() loop drives dnssrv. */
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../net/dns_fns.h"
#include "../../net/dnssrv.h"

static struct dnssrv *srv;
static int usock = -1, tsock = -1; /* the "container's" sockets */
static struct sockaddr_in uaddr, taddr;
static pid_t dnsmasq = -1;
static int dnsmasq_port;
static int fills;

/* Who asks: a and big are on net1 (web, app x3, many x40), b on net2
 * (db); each sees the other's names as hidden. */
static int fill(void *arg, void *owner, struct dns_table *t, struct err *e)
{
	const char *who = owner;
	char ip[32];

	fills++;
	if (!strcmp(who, "fail"))
		return err_setc(e, ERR_INTERNAL, "no table");
	if (!strcmp(who, "b"))
		return dns_table_add(t, "db", "10.2.0.2", e) < 0 ||
			       dns_table_hide(t, "web", e) < 0 ||
			       dns_table_hide(t, "app", e) < 0 ||
			       dns_table_subnet(t, "10.2.0.0/24", e) < 0
			   ? -1
			   : 0;
	if (dns_table_add(t, "web", "10.1.0.2", e) < 0 ||
	    dns_table_add(t, "web", "fd01::2", e) < 0 ||
	    dns_table_add(t, "c1", "10.1.0.3", e) < 0 ||
	    dns_table_add(t, "app", "10.1.0.3", e) < 0 ||
	    dns_table_add(t, "app", "10.1.0.4", e) < 0 ||
	    dns_table_add(t, "app", "10.1.0.5", e) < 0 ||
	    dns_table_hide(t, "db", e) < 0 ||
	    dns_table_subnet(t, "10.1.0.0/24", e) < 0)
		return -1;
	for (int i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "10.1.1.%d", i + 1);
		if (dns_table_add(t, "many", ip, e) < 0)
			return -1;
	}
	return 0;
}

static void sendreply(void *arg, const struct dnssrv_peer *p, const uint8_t *m,
		      size_t len)
{
	if (p->conn)
		assert_int_equal(write(*(int *)p->conn, m, len), (ssize_t)len);
	else
		sendto(usock, m, len, 0, (const struct sockaddr *)&p->addr,
		       p->addrlen);
}

/* ops.watch: the fds dnssrv asks us to watch (its TCP upstreams) */
static struct {
	int fd, events;
} watched[16];
static int nwatched;

static void watch(void *arg, int fd, int events)
{
	int i;

	for (i = 0; i < nwatched && watched[i].fd != fd; i++)
		;
	if (!events) {
		if (i < nwatched)
			watched[i] = watched[--nwatched];
		return;
	}
	assert_true(i < 16);
	watched[i].fd = fd;
	watched[i].events = events;
	nwatched += i == nwatched;
}

static int64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A query's wire form: name, type, id; edns: an EDNS0 size, 0 none. */
static void query(const char *name, ldns_rr_type type, uint16_t id,
		  uint16_t edns, struct buf *w)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
					 LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *wire = NULL;
	size_t n = 0;

	assert_non_null(q);
	ldns_pkt_set_id(q, id);
	assert_int_equal(ldns_pkt2wire(&wire, q, &n), LDNS_STATUS_OK);
	buf_reset(w);
	buf_append(w, wire, n);
	if (edns) { /* an OPT record: root, type 41, class = size */
		uint8_t opt[11] = {0, 0, 41, (uint8_t)(edns >> 8),
				   (uint8_t)edns};
		char *h = buf_head(w);

		h[11] = 1; /* ARCOUNT */
		buf_append(w, opt, sizeof(opt));
	}
	free(wire);
	ldns_pkt_free(q);
}

/* Drive dnssrv for client c until fd has something to read, or
 * timeout_ms. conn: the accepted TCP connection, or -1. */
static int pump(struct dnssrv_client *c, int fd, int conn, int timeout_ms)
{
	int64_t end = ms() + timeout_ms;
	static struct buf in; /* the TCP connection's unframed bytes */
	uint8_t m[65536];

	for (;;) {
		struct pollfd p[5 + 16] = {
		    {fd, POLLIN, 0}, {usock, POLLIN, 0}, {conn, POLLIN, 0}};
		int up[2], nup = dnssrv_fds(srv, up), wait, next, nw = nwatched;
		int64_t left = end - ms();

		for (int i = 0; i < nup; i++)
			p[3 + i] = (struct pollfd){up[i], POLLIN, 0};
		for (int i = 0; i < nw; i++)
			p[5 + i] = (struct pollfd){
			    watched[i].fd,
			    watched[i].events & DNSSRV_WRITE ? POLLOUT : POLLIN,
			    0};
		if (left <= 0)
			return -1;
		next = dnssrv_next_ms(srv);
		wait = next >= 0 && next < left ? next : (int)left;
		for (int i = nup; i < 2; i++)
			p[3 + i] = (struct pollfd){-1, 0, 0};
		assert_true(poll(p, 5 + (nfds_t)nw, wait) >= 0);
		for (int i = 0; i < nw; i++) /* dnssrv_io may unwatch */
			if (p[5 + i].revents)
				dnssrv_io(srv, p[5 + i].fd,
					  p[5 + i].events == POLLOUT
					      ? DNSSRV_WRITE
					      : DNSSRV_READ);
		if (dnssrv_next_ms(srv) == 0)
			dnssrv_expire(srv);
		if (p[0].revents)
			return 0;
		if (p[1].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(usock, m, sizeof(m), 0,
					     (struct sockaddr *)&from, &fl);

			assert_true(n >= 0);
			dnssrv_udp(srv, c, m, (size_t)n,
				   (struct sockaddr *)&from, fl);
		}
		if (conn >= 0 && (p[2].revents & POLLIN)) {
			ssize_t n = read(conn, m, sizeof(m));
			const uint8_t *msg;
			size_t len, used;

			assert_true(n > 0);
			buf_append(&in, m, (size_t)n);
			while ((used = dnssrv_tcp_frame(
				    (uint8_t *)buf_head(&in), buf_used(&in),
				    &msg, &len))) {
				dnssrv_tcp(srv, c, &conn, msg, len);
				buf_consume(&in, used);
			}
		}
		for (int i = 0; i < nup; i++)
			if (p[3 + i].revents & POLLIN)
				dnssrv_readable(srv, up[i]);
	}
}

/* Send w over UDP for client c; the reply parsed into *r (NULL when
 * none came within timeout_ms); the time it took. */
static int64_t ask_udp(struct dnssrv_client *c, const struct buf *w,
		       ldns_pkt **r, int timeout_ms)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int64_t t0 = ms();
	uint8_t m[65536];
	ssize_t n;

	*r = NULL;
	assert_true(s >= 0);
	assert_int_equal(connect(s, (struct sockaddr *)&uaddr, sizeof(uaddr)),
			 0);
	assert_int_equal(send(s, buf_head(w), buf_used(w), 0),
			 (ssize_t)buf_used(w));
	if (pump(c, s, -1, timeout_ms) == 0) {
		n = recv(s, m, sizeof(m), 0);
		assert_true(n > 0);
		assert_int_equal(ldns_wire2pkt(r, m, (size_t)n),
				 LDNS_STATUS_OK);
	}
	close(s);
	return ms() - t0;
}

/* "RCODE|first answer's data,second's," for a reply. */
static const char *show(ldns_pkt *p)
{
	static char out[2048];
	ldns_rr_list *an = ldns_pkt_answer(p);

	snprintf(out, sizeof(out), "%d|", ldns_pkt_get_rcode(p));
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, i), 0));

		strncat(out, s, sizeof(out) - strlen(out) - 2);
		strcat(out, ",");
		free(s);
	}
	return out;
}

static const char *ask(struct dnssrv_client *c, const char *name,
		       ldns_rr_type type)
{
	struct buf w = {0};
	ldns_pkt *r;

	query(name, type, 0x4242, 0, &w);
	ask_udp(c, &w, &r, 2000);
	buf_free(&w);
	assert_non_null(r);
	assert_int_equal(ldns_pkt_id(r), 0x4242);
	name = show(r);
	ldns_pkt_free(r);
	return name;
}

static struct dnssrv_client *client(const char *owner, const char *up1,
				    const char *up2)
{
	const char *ups[2] = {up1, up2};
	struct err e = ERR_INIT;
	struct dnssrv_client *c = dnssrv_client_new(srv, (void *)owner, ups,
						    up2	  ? 2
						    : up1 ? 1
							  : 0,
						    &e);

	assert_non_null(c);
	return c;
}

static void test_names(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);
	struct dnssrv_client *b = client("b", NULL, NULL);

	assert_string_equal(ask(a, "web.", LDNS_RR_TYPE_A), "0|10.1.0.2,");
	assert_string_equal(ask(a, "WEB.", LDNS_RR_TYPE_AAAA), "0|fd01::2,");
	assert_string_equal(ask(a, "c1.", LDNS_RR_TYPE_A), "0|10.1.0.3,");
	/* another network's names: NXDOMAIN, both ways */
	assert_string_equal(ask(a, "db.", LDNS_RR_TYPE_A), "3|");
	assert_string_equal(ask(b, "web.", LDNS_RR_TYPE_A), "3|");
	assert_string_equal(ask(b, "db.", LDNS_RR_TYPE_A), "0|10.2.0.2,");
	/* no upstream for an unknown name: SERVFAIL at once */
	assert_string_equal(ask(a, "nowhere.test.", LDNS_RR_TYPE_A), "2|");
	dnssrv_client_free(srv, a);
	dnssrv_client_free(srv, b);
}

static void test_rotation(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);
	char first[3][64];

	for (int i = 0; i < 3; i++) {
		const char *s = ask(a, "app.", LDNS_RR_TYPE_A);

		/* all three each time, starting one further along */
		assert_int_equal(strlen(s),
				 strlen("0|10.1.0.3,10.1.0.4,10.1.0.5,"));
		assert_non_null(strstr(s, "10.1.0.3"));
		assert_non_null(strstr(s, "10.1.0.4"));
		assert_non_null(strstr(s, "10.1.0.5"));
		snprintf(first[i], sizeof(first[i]), "%.10s", s + 2);
	}
	assert_string_not_equal(first[0], first[1]);
	assert_string_not_equal(first[1], first[2]);
	assert_string_not_equal(first[0], first[2]);
	dnssrv_client_free(srv, a);
}

static void test_ptr(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);

	assert_string_equal(ask(a, "2.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			    "0|web.,");
	assert_string_equal(ask(a, "4.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			    "0|app.,");
	/* an address of the subnet nobody has */
	assert_string_equal(ask(a, "99.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			    "3|");
	dnssrv_client_free(srv, a);
}

static void test_refill(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);
	struct dnssrv_client *f = client("fail", NULL, NULL);
	int n = fills;

	ask(a, "web.", LDNS_RR_TYPE_A);
	ask(a, "web.", LDNS_RR_TYPE_A);
	assert_int_equal(fills, n + 1); /* cached */
	dnssrv_changed(srv);
	ask(a, "web.", LDNS_RR_TYPE_A);
	assert_int_equal(fills, n + 2);
	/* a table that cannot be had: SERVFAIL */
	assert_string_equal(ask(f, "web.", LDNS_RR_TYPE_A), "2|");
	dnssrv_client_free(srv, a);
	dnssrv_client_free(srv, f);
}

static void test_formerr(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);
	uint8_t junk[40] = {0xab, 0xcd, 0x01, 0x00, 0x00, 0x01};
	struct buf w = {0};
	ldns_pkt *r;

	memset(junk + 12, 0xff, sizeof(junk) - 12);
	buf_append(&w, junk, sizeof(junk));
	ask_udp(a, &w, &r, 2000);
	assert_non_null(r);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_id(r), 0xabcd);
	ldns_pkt_free(r);
	/* less than a header: no reply at all */
	buf_reset(&w);
	buf_append(&w, junk, 5);
	ask_udp(a, &w, &r, 200);
	assert_null(r);
	assert_true(dnssrv_stats(srv)->formerr >= 1);
	buf_free(&w);
	dnssrv_client_free(srv, a);
}

static void test_truncation(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);
	struct buf w = {0};
	ldns_pkt *r;

	query("many.", LDNS_RR_TYPE_A, 7, 0, &w);
	ask_udp(a, &w, &r, 2000);
	assert_non_null(r);
	assert_true(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 0);
	assert_int_equal(ldns_pkt_qdcount(r), 1);
	ldns_pkt_free(r);
	/* an EDNS0 asker with room gets everything */
	query("many.", LDNS_RR_TYPE_A, 8, 4096, &w);
	ask_udp(a, &w, &r, 2000);
	assert_non_null(r);
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 40);
	ldns_pkt_free(r);
	buf_free(&w);
	dnssrv_client_free(srv, a);
}

/* Two queries pipelined on one TCP connection, both answered in full. */
static void test_tcp(void **state)
{
	struct dnssrv_client *a = client("a", NULL, NULL);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), conn;
	struct buf w = {0}, both = {0};
	uint8_t m[65536];
	size_t got = 0;

	assert_int_equal(connect(s, (struct sockaddr *)&taddr, sizeof(taddr)),
			 0);
	conn = accept4(tsock, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	for (int i = 0; i < 2; i++) {
		uint8_t pre[2];

		query(i ? "web." : "many.", LDNS_RR_TYPE_A, (uint16_t)(10 + i),
		      0, &w);
		pre[0] = (uint8_t)(buf_used(&w) >> 8),
		pre[1] = (uint8_t)buf_used(&w);
		buf_append(&both, pre, 2);
		buf_append(&both, buf_head(&w), buf_used(&w));
	}
	/* split mid-prefix: framing must wait for the rest */
	assert_int_equal(write(s, buf_head(&both), 1), 1);
	assert_int_equal(pump(a, s, conn, 100), -1);
	assert_int_equal(write(s, buf_head(&both) + 1, buf_used(&both) - 1),
			 (ssize_t)buf_used(&both) - 1);
	for (int i = 0; i < 2; i++) {
		const uint8_t *msg;
		size_t len, used;
		ldns_pkt *r = NULL;

		while (!(used = dnssrv_tcp_frame(m, got, &msg, &len))) {
			ssize_t n;

			assert_int_equal(pump(a, s, conn, 2000), 0);
			n = read(s, m + got, sizeof(m) - got);
			assert_true(n > 0);
			got += (size_t)n;
		}
		assert_int_equal(ldns_wire2pkt(&r, msg, len), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_id(r), 10 + i);
		assert_false(ldns_pkt_tc(r));
		assert_int_equal(ldns_pkt_ancount(r), i ? 1 : 40);
		ldns_pkt_free(r);
		memmove(m, m + used, got - used);
		got -= used;
	}
	dnssrv_conn_gone(srv, &conn);
	close(conn), close(s);
	buf_free(&w), buf_free(&both);
	dnssrv_client_free(srv, a);
}

static void test_forward(void **state)
{
	char up[64];
	struct dnssrv_client *a, *c;
	struct buf w = {0};
	ldns_pkt *r;
	int64_t took;

	if (dnsmasq < 0)
		skip();
	snprintf(up, sizeof(up), "127.0.0.1:%d", dnsmasq_port);
	a = client("a", up, NULL);
	assert_string_equal(ask(a, "ext.test.", LDNS_RR_TYPE_A),
			    "0|192.0.2.7,");
	/* our own names are not forwarded */
	assert_string_equal(ask(a, "web.", LDNS_RR_TYPE_A), "0|10.1.0.2,");
	query("ext.test.", LDNS_RR_TYPE_A, 0x77, 0, &w);
	/* a dead first upstream: the second answers after try_ms */
	c = client("a", "127.0.0.1:9", up);
	took = ask_udp(c, &w, &r, 3000);
	assert_non_null(r);
	assert_string_equal(show(r), "0|192.0.2.7,");
	assert_int_equal(ldns_pkt_id(r), 0x77);
	assert_true(took >= 90 && took < 1000);
	ldns_pkt_free(r);
	buf_free(&w);
	dnssrv_client_free(srv, a);
	dnssrv_client_free(srv, c);
}

/* One query over a TCP connection of client c; the reply parsed. */
static ldns_pkt *ask_tcp(struct dnssrv_client *c, const char *name,
			 ldns_rr_type type, uint16_t id)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), conn;
	struct buf w = {0}, framed = {0};
	uint8_t m[65536], pre[2];
	const uint8_t *msg;
	size_t got = 0, len;
	ldns_pkt *r = NULL;

	assert_int_equal(connect(s, (struct sockaddr *)&taddr, sizeof(taddr)),
			 0);
	conn = accept4(tsock, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	query(name, type, id, 0, &w);
	pre[0] = (uint8_t)(buf_used(&w) >> 8), pre[1] = (uint8_t)buf_used(&w);
	buf_append(&framed, pre, 2);
	buf_append(&framed, buf_head(&w), buf_used(&w));
	assert_int_equal(write(s, buf_head(&framed), buf_used(&framed)),
			 (ssize_t)buf_used(&framed));
	while (!dnssrv_tcp_frame(m, got, &msg, &len)) {
		ssize_t n;

		assert_int_equal(pump(c, s, conn, 2000), 0);
		n = read(s, m + got, sizeof(m) - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(ldns_wire2pkt(&r, msg, len), LDNS_STATUS_OK);
	dnssrv_conn_gone(srv, &conn);
	close(conn), close(s);
	buf_free(&w), buf_free(&framed);
	return r;
}

/* A TCP client's query goes upstream over TCP: a reply too big for UDP
 * comes whole (over UDP the same query is truncated), and a refused
 * first upstream is followed by the next one. */
static void test_forward_tcp(void **state)
{
	char up[64];
	struct dnssrv_client *a, *c;
	struct buf w = {0};
	ldns_pkt *r;

	if (dnsmasq < 0)
		skip();
	snprintf(up, sizeof(up), "127.0.0.1:%d", dnsmasq_port);
	a = client("a", up, NULL);
	query("big.test.", LDNS_RR_TYPE_TXT, 0x51, 0, &w);
	ask_udp(a, &w, &r, 2000);
	assert_non_null(r);
	assert_true(ldns_pkt_tc(r));
	ldns_pkt_free(r);
	r = ask_tcp(a, "big.test.", LDNS_RR_TYPE_TXT, 0x52);
	assert_int_equal(ldns_pkt_id(r), 0x52);
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	/* its third string (each 250 a's and a length byte) came too */
	assert_non_null(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), 0), 2));
	ldns_pkt_free(r);
	assert_int_equal(nwatched, 0); /* the connection went with it */
	c = client("a", "127.0.0.1:9", up); /* port 9: refused */
	r = ask_tcp(c, "ext.test.", LDNS_RR_TYPE_A, 0x53);
	assert_string_equal(show(r), "0|192.0.2.7,");
	ldns_pkt_free(r);
	assert_int_equal(nwatched, 0);
	buf_free(&w);
	dnssrv_client_free(srv, a);
	dnssrv_client_free(srv, c);
}

static void test_dead_upstream(void **state)
{
	struct dnssrv_client *a = client("a", "127.0.0.1:9", "[::1]:9");
	struct buf w = {0};
	ldns_pkt *r;
	int64_t took;

	query("ext.test.", LDNS_RR_TYPE_A, 0x99, 0, &w);
	took = ask_udp(a, &w, &r, 3000);
	assert_non_null(r);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_id(r), 0x99);
	/* total_ms is 400: bounded, never a stall */
	assert_true(took >= 390 && took < 1400);
	ldns_pkt_free(r);
	assert_int_equal(dnssrv_next_ms(srv), -1);
	buf_free(&w);
	dnssrv_client_free(srv, a);
}

static void test_bad_upstreams(void **state)
{
	const char *bad[] = {"nonsense", "10.0.0.1:0", "[::1]:x",
			     "1.2.3.4:70000"};
	const char *good[] = {"10.0.0.1", "10.0.0.1:5353", "[fd00::1]:53",
			      "fd00::1"};
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(dnssrv_client_new(srv, "a", &bad[i], 1, &e));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct dnssrv_client *c =
		    dnssrv_client_new(srv, "a", &good[i], 1, &e);

		assert_non_null(c);
		dnssrv_client_free(srv, c);
	}
}

static const char many_a[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; /* 250 */

/* dnsmasq on a free port of this namespace's loopback, answering
 * ext.test with 192.0.2.7 and big.test with a TXT record too big for
 * UDP (over TCP too); started only if installed. */
static void start_dnsmasq(void)
{
	char port[32], big_txt[1024];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);

	if (access("/usr/sbin/dnsmasq", X_OK) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		close(s);
		return;
	}
	close(s);
	dnsmasq_port = ntohs(a.sin_port);
	snprintf(port, sizeof(port), "--port=%d", dnsmasq_port);
	/* big.test TXT: three strings of 250 bytes, over UDP's 512 */
	snprintf(big_txt, sizeof(big_txt), "--txt-record=big.test,\"%s\","
		 "\"%s\",\"%s\"", many_a, many_a, many_a);
	if ((dnsmasq = fork()) == 0) {
		execl("/usr/sbin/dnsmasq", "dnsmasq", "-k",
		      "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		      "--bind-interfaces", "--listen-address=127.0.0.1",
		      "--pid-file=", "--user=root",
		      "--address=/ext.test/192.0.2.7", port, big_txt,
		      (char *)NULL);
		_exit(127);
	}
	usleep(200000); /* let it bind; the forward test retries anyway */
}

static int bound(int type, struct sockaddr_in *a)
{
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	socklen_t al = sizeof(*a);

	*a = (struct sockaddr_in){.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)a, &al), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(s, 8), 0);
	return s;
}

/* The test's own network namespace, its lo up: nothing leaves it. */
static int isolate(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	return system("ip link set lo up") == 0 ? 0 : -1;
}

static int setup(void **state)
{
	struct dnssrv_ops ops = {.fill = fill, .send = sendreply,
				 .watch = watch};
	struct dnssrv_conf conf = {.try_ms = 100, .total_ms = 400};
	struct err e = ERR_INIT;

	if (dns_fns_load(&e) < 0 || isolate() < 0)
		return -1;
	usock = bound(SOCK_DGRAM, &uaddr);
	tsock = bound(SOCK_STREAM, &taddr);
	srv = dnssrv_new(&ops, &conf, &e);
	if (!srv)
		return -1;
	start_dnsmasq();
	return 0;
}

static int teardown(void **state)
{
	if (dnsmasq > 0) {
		kill(dnsmasq, SIGTERM);
		waitpid(dnsmasq, NULL, 0);
	}
	dnssrv_free(srv);
	close(usock), close(tsock);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_ptr),
	    cmocka_unit_test(test_refill),
	    cmocka_unit_test(test_formerr),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_forward),
	    cmocka_unit_test(test_forward_tcp),
	    cmocka_unit_test(test_dead_upstream),
	    cmocka_unit_test(test_bad_upstreams),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
