/* fuzz_dnssrv.c - libFuzzer target for the embedded DNS server's
 * responder and forwarder (net/dnssrv.c): any bytes as a client's UDP
 * datagram, as a TCP byte stream (framed), and as an upstream's reply
 * to a forwarded query (sent over real loopback sockets) give replies
 * that parse back, or nothing, never a crash; no query stays pending
 * past each input. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../net/dns_fns.h"
#include "../../net/dnssrv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dnssrv *srv;
static struct dnssrv_client *cli;
static int up = -1;   /* the fake upstream */
static char spec[64]; /* its address */
static struct sockaddr_in srv_addr;

static int fill(void *arg, void *owner, struct dns_table *t, struct err *e)
{
	return dns_table_add(t, "web", "10.1.0.2", e) < 0 ||
		       dns_table_add(t, "web", "fd00::2", e) < 0 ||
		       dns_table_add(t, "app", "10.1.0.3", e) < 0 ||
		       dns_table_add(t, "app", "10.1.0.4", e) < 0 ||
		       dns_table_hide(t, "db", e) < 0 ||
		       dns_table_subnet(t, "10.1.0.0/24", e) < 0
		   ? -1
		   : 0;
}

/* Every reply must parse (TCP: after its prefix). */
static void check(void *arg, const struct dnssrv_peer *p, const uint8_t *m,
		  size_t len)
{
	ldns_pkt *pkt = NULL;

	if (p->conn) {
		if (len < 2 || (size_t)(m[0] << 8 | m[1]) != len - 2)
			abort();
		m += 2, len -= 2;
	}
	if (ldns_wire2pkt(&pkt, m, len) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(pkt);
}

static void init(void)
{
	struct dnssrv_ops ops = {.fill = fill, .send = check};
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	struct err e = ERR_INIT;
	int fds[2];

	if (dns_fns_load(&e) < 0 || !(srv = dnssrv_new(&ops, NULL, &e)))
		abort();
	up = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (up < 0 || bind(up, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(up, (struct sockaddr *)&a, &al) < 0)
		abort();
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", ntohs(a.sin_port));
	dnssrv_fds(srv, fds);
	al = sizeof(srv_addr);
	if (getsockname(fds[0], (struct sockaddr *)&srv_addr, &al) < 0)
		abort();
	srv_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* A fresh client: the old one's pending queries go with it. */
static void renew(void)
{
	struct err e = ERR_INIT;
	const char *ups[1] = {spec};

	dnssrv_client_free(srv, cli);
	if (!(cli = dnssrv_client_new(srv, NULL, ups, 1, &e)))
		abort();
	if (dnssrv_next_ms(srv) != -1)
		abort();
}

/* Forward a fixed query ("ext.", id 0x0102), answer it upstream with
 * data under the id the server chose. */
static void upstream(const uint8_t *data, size_t size)
{
	static const uint8_t q[] = {1, 2, 1,   0,   0,	 1, 0, 0, 0, 0, 0,
				    0, 3, 'e', 'x', 't', 0, 0, 1, 0, 1};
	struct sockaddr_in from = {.sin_family = AF_INET};
	uint8_t fwd[512], *r;
	ssize_t n;
	int fds[2];

	while (recv(up, fwd, sizeof(fwd), MSG_DONTWAIT) >= 0)
		; /* what the fuzzed queries forwarded */
	dnssrv_udp(srv, cli, q, sizeof(q), (struct sockaddr *)&from,
		   sizeof(from));
	n = recv(up, fwd, sizeof(fwd), MSG_DONTWAIT);
	if (n < 2 || size < 2)
		return;
	r = malloc(size);
	memcpy(r, data, size);
	r[0] = fwd[0], r[1] = fwd[1]; /* the id it asked with */
	sendto(up, r, size, 0, (struct sockaddr *)&srv_addr, sizeof(srv_addr));
	free(r);
	dnssrv_fds(srv, fds);
	dnssrv_readable(srv, fds[0]);
	dnssrv_expire(srv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in from = {.sin_family = AF_INET};
	const uint8_t *msg;
	size_t len, used, off = 0;
	static int conn;

	if (!srv)
		init();
	renew();
	dnssrv_udp(srv, cli, data, size, (struct sockaddr *)&from,
		   sizeof(from));
	while ((used = dnssrv_tcp_frame(data + off, size - off, &msg, &len))) {
		dnssrv_tcp(srv, cli, &conn, msg, len);
		off += used;
	}
	dnssrv_conn_gone(srv, &conn);
	upstream(data, size);
	renew();
	return 0;
}
