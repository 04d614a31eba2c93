/* dnsserve.c - the embedded DNS responder (net/dnssrv) alone on a libev
 * loop, for bench/dns: one UDP socket on 127.0.0.1:PORT, the names of
 * a hosts-format file ("IP NAME..." lines; a name on several lines has
 * several addresses, answered in rotating order), everything else
 * forwarded to UPSTREAM if given. The same code path skiffd's dnsd
 * runs per container, without the netns.
 *
 *   dnsserve PORT HOSTSFILE [UPSTREAM]
 *
 * Runs until SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../net/dnssrv.h"

static struct dnssrv *srv;
static struct dnssrv_client *cli;
static int usock;
static const char *hosts;
static ev_timer timer;

static int fill(void *arg, void *owner, struct dns_table *t, struct err *e)
{
	FILE *f = fopen(hosts, "re");
	char line[512];

	if (!f)
		return err_set(e, errno, "open %s", hosts);
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *ip = strtok_r(line, " \t\n", &save), *n;

		while (ip && *ip != '#' && (n = strtok_r(NULL, " \t\n", &save)))
			if (dns_table_add(t, n, ip, e) < 0) {
				fclose(f);
				return -1;
			}
	}
	fclose(f);
	return 0;
}

static void send_reply(void *arg, const struct dnssrv_peer *p, const uint8_t *m,
		       size_t len)
{
	(void)!sendto(usock, m, len, MSG_DONTWAIT,
		      (const struct sockaddr *)&p->addr, p->addrlen);
}

static void rearm(struct ev_loop *loop)
{
	int ms = dnssrv_next_ms(srv);

	ev_timer_stop(loop, &timer);
	if (ms >= 0) {
		ev_timer_set(&timer, ms / 1000.0 + 0.001, 0);
		ev_timer_start(loop, &timer);
	}
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	dnssrv_expire(srv);
	rearm(loop);
}

static void on_udp(struct ev_loop *loop, ev_io *w, int revents)
{
	static uint8_t m[65536];

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(usock, m, sizeof(m), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		dnssrv_udp(srv, cli, m, (size_t)n, (struct sockaddr *)&from,
			   fl);
	}
	rearm(loop);
}

static void on_upstream(struct ev_loop *loop, ev_io *w, int revents)
{
	dnssrv_readable(srv, w->fd);
	rearm(loop);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct dnssrv_ops ops = {.fill = fill, .send = send_reply};
	struct sockaddr_in a = {.sin_family = AF_INET};
	const char *ups[1] = {argc > 3 ? argv[3] : NULL};
	struct err e = ERR_INIT;
	ev_io uio, up[2];
	ev_signal sterm, sint;
	int fds[2], n;

	if (argc < 3) {
		fprintf(stderr, "usage: dnsserve PORT HOSTSFILE [UPSTREAM]\n");
		return 2;
	}
	hosts = argv[2];
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	usock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (usock < 0 || bind(usock, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("dnsserve: bind");
		return 1;
	}
	if (!(srv = dnssrv_new(&ops, NULL, &e)) ||
	    !(cli = dnssrv_client_new(srv, NULL, ups, ups[0] ? 1 : 0, &e))) {
		fprintf(stderr, "dnsserve: %s\n", e.msg);
		return 1;
	}
	ev_io_init(&uio, on_udp, usock, EV_READ);
	ev_io_start(loop, &uio);
	n = dnssrv_fds(srv, fds);
	for (int i = 0; i < n; i++) {
		ev_io_init(&up[i], on_upstream, fds[i], EV_READ);
		ev_io_start(loop, &up[i]);
	}
	ev_timer_init(&timer, on_timer, 0, 0);
	ev_signal_init(&sterm, on_signal, SIGTERM);
	ev_signal_init(&sint, on_signal, SIGINT);
	ev_signal_start(loop, &sterm);
	ev_signal_start(loop, &sint);
	ev_run(loop, 0);
	dnssrv_free(srv);
	close(usock);
	return 0;
}
