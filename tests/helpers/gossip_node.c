/* gossip_node.c - one gossip member on real sockets, for interop tests
 * with Debian's serf agent (tests/integration/t_gossip.sh).
 *
 *   gossip_node --name N --bind IP:PORT [--key B64]... [--tag K=V]...
 *               [--join IP:PORT]... [--profile lan|wan|local]
 *               [--for SECONDS] [--until-alive N] [--leave]
 *               [--event NAME:PAYLOAD] [--query NAME:PAYLOAD]
 *               [--answer PAYLOAD] [--keys OP[:KEY]]
 *
 * Runs net/serf over net/swim (the state machines skiffd's membership
 * module drives) on a non-blocking UDP socket and TCP listener with
 * poll(). One second after start it sends the --event, --query or --keys
 * query given; it answers every query with --answer. What happens is
 * printed as it comes: "event NAME PAYLOAD", "query NAME PAYLOAD",
 * "ack FROM", "response FROM PAYLOAD". At the end (time up, or N members
 * alive) it prints one line per member: NAME IP:PORT STATE INCARNATION
 * TAGS (STATE: Serf's alive, leaving, left, failed), then "keys K1,K2..."
 * (primary first); with --leave it leaves gracefully first. Owns its
 * sockets and streams; all freed at exit. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../net/serf.h"

#define MAXC 64

struct conn {
	int fd;
	bool out, done_writing;
	uint32_t id;
	uint64_t deadline;
	struct buf in, wr;
};

static struct conn conns[MAXC];
static int udp_fd = -1, tcp_fd = -1;
static struct serf *sw;
static const char *answer;
static const char *my_name;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int parse_addr(const char *s, struct swim_addr *a)
{
	char ip[64];
	const char *colon = strrchr(s, ':');
	struct in_addr in;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = 0;
	if (inet_pton(AF_INET, ip, &in) != 1)
		return -1;
	memcpy(a->ip, &in, 4);
	a->len = 4;
	a->port = (uint16_t)atoi(colon + 1);
	return a->port ? 0 : -1;
}

static struct sockaddr_in sin_of(const struct swim_addr *a)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(a->port)};

	memcpy(&sa.sin_addr, a->ip, 4);
	return sa;
}

static void op_send(void *ctx, const struct swim_addr *to, const uint8_t *p,
		    size_t n)
{
	struct sockaddr_in sa = sin_of(to);

	if (to->len == 4)
		sendto(udp_fd, p, n, MSG_DONTWAIT, (struct sockaddr *)&sa,
		       sizeof(sa));
}

static struct conn *conn_new(int fd, bool out, uint32_t id)
{
	for (int i = 0; i < MAXC; i++) {
		if (conns[i].fd > 0)
			continue;
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].fd = fd;
		conns[i].out = out;
		conns[i].id = id;
		conns[i].deadline = now_ms() + 10000;
		return &conns[i];
	}
	return NULL;
}

static void conn_close(struct conn *c, bool failed)
{
	if (c->out && failed)
		serf_stream_failed(sw, c->id, now_ms());
	close(c->fd);
	c->fd = 0;
	buf_free(&c->in);
	buf_free(&c->wr);
}

static void op_stream(void *ctx, uint32_t id, const struct swim_addr *to,
		      const uint8_t *p, size_t n)
{
	struct sockaddr_in sa = sin_of(to);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct conn *c;

	if (fd < 0 ||
	    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	     errno != EINPROGRESS) ||
	    !(c = conn_new(fd, true, id))) {
		if (fd >= 0)
			close(fd);
		serf_stream_failed(sw, id, now_ms());
		return;
	}
	buf_append(&c->wr, p, n);
}

static void print_bytes(struct msgpk_bytes b)
{
	printf(" %.*s", (int)b.n, b.p ? (const char *)b.p : "");
}

static void op_event(void *ctx, const struct serf_event *ev)
{
	struct err e = ERR_INIT;

	switch (ev->kind) {
	case SERF_USER:
		printf("event");
		print_bytes(ev->name);
		print_bytes(ev->payload);
		break;
	case SERF_QUERY:
		printf("query");
		print_bytes(ev->name);
		print_bytes(ev->payload);
		if (answer)
			serf_respond(sw, ev->ltime, ev->query_id,
				     (const uint8_t *)answer, strlen(answer),
				     now_ms(), &e);
		break;
	case SERF_QUERY_ACK:
		printf("ack");
		print_bytes(ev->from);
		break;
	case SERF_QUERY_RESPONSE:
		printf("response");
		print_bytes(ev->from);
		if (ev->payload.n && ev->payload.p[0] == SERFWIRE_KEY_RESPONSE)
			printf(" key-response");
		else
			print_bytes(ev->payload);
		break;
	default:
		return;
	}
	printf("\n");
	fflush(stdout);
}

static const struct serf_ops ops = {
    .send = op_send,
    .stream = op_stream,
    .event = op_event,
};

/* Is an incoming stream message complete? Sealed ones carry a length,
 * compressed ones are one msgpack map; others wait for EOF. */
static bool complete(const struct buf *b)
{
	const uint8_t *p = (const uint8_t *)buf_head(b);
	size_t n = buf_used(b), need, len;
	struct err e = ERR_INIT;

	if (n == 0)
		return false;
	if (p[0] == MLWIRE_ENCRYPT)
		return mlcrypt_stream_need(p, n, MLWIRE_MAX_PUSH_BYTES, &need,
					   &e) == 0 &&
		       need && n >= need;
	if (p[0] == MLWIRE_COMPRESS)
		return msgpk_check(p + 1, n - 1, &len, &e) == 0;
	return false;
}

static void conn_input(struct conn *c, bool eof)
{
	struct err e = ERR_INIT;

	if (c->out) {
		if (eof) {
			if (buf_used(&c->in))
				serf_stream_reply(
				    sw, c->id,
				    (const uint8_t *)buf_head(&c->in),
				    buf_used(&c->in), now_ms(), &e);
			conn_close(c, buf_used(&c->in) == 0);
		}
		return;
	}
	if (c->done_writing || !(eof || complete(&c->in)))
		return;
	if (buf_used(&c->in))
		serf_stream_in(sw, (const uint8_t *)buf_head(&c->in),
			       buf_used(&c->in), &c->wr, now_ms(), &e);
	c->done_writing = true;
	if (!buf_used(&c->wr))
		conn_close(c, false);
}

static void conn_io(struct conn *c, short rev)
{
	char tmp[65536];
	ssize_t r;

	if (rev & POLLOUT && buf_used(&c->wr)) {
		r = write(c->fd, buf_head(&c->wr), buf_used(&c->wr));
		if (r < 0 && errno != EAGAIN) {
			conn_close(c, true);
			return;
		}
		if (r > 0)
			buf_consume(&c->wr, (size_t)r);
		if (!buf_used(&c->wr) && !c->out && c->done_writing) {
			conn_close(c, false);
			return;
		}
	}
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		r = read(c->fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EAGAIN)
			return;
		if (r > 0 &&
		    buf_used(&c->in) + (size_t)r > MLWIRE_MAX_PUSH_BYTES) {
			conn_close(c, true);
			return;
		}
		if (r > 0)
			buf_append(&c->in, tmp, (size_t)r);
		conn_input(c, r <= 0);
	}
}

static void udp_in(void)
{
	uint8_t pkt[65536];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	ssize_t r;

	while ((r = recvfrom(udp_fd, pkt, sizeof(pkt), MSG_DONTWAIT,
			     (struct sockaddr *)&sa, &sl)) > 0) {
		struct swim_addr from = {.len = 4, .port = ntohs(sa.sin_port)};
		struct err e = ERR_INIT;

		memcpy(from.ip, &sa.sin_addr, 4);
		serf_recv(sw, &from, pkt, (size_t)r, now_ms(), &e);
		sl = sizeof(sa);
	}
}

static void tcp_accept(void)
{
	int fd;

	while ((fd = accept4(tcp_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		if (!conn_new(fd, false, 0))
			close(fd);
}

static int listen_on(const struct swim_addr *a)
{
	struct sockaddr_in sa = sin_of(a);
	int one = 1;

	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (udp_fd < 0 || tcp_fd < 0)
		return -1;
	setsockopt(tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(udp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    bind(tcp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(tcp_fd, 64) < 0)
		return -1;
	return 0;
}

/* One poll round: sockets, streams, then the state machine's timers. */
static void step(void)
{
	struct pollfd pf[MAXC + 2];
	int map[MAXC + 2], n = 0;
	uint64_t now = now_ms(), d = serf_next_deadline(sw);
	int timeout = d > now ? (int)(d - now) : 0;

	pf[n] = (struct pollfd){udp_fd, POLLIN, 0};
	map[n++] = -1;
	pf[n] = (struct pollfd){tcp_fd, POLLIN, 0};
	map[n++] = -2;
	for (int i = 0; i < MAXC; i++) {
		if (conns[i].fd <= 0)
			continue;
		if (now >= conns[i].deadline) {
			conn_close(&conns[i], true);
			continue;
		}
		pf[n] = (struct pollfd){
		    conns[i].fd,
		    (short)(POLLIN | (buf_used(&conns[i].wr) ? POLLOUT : 0)),
		    0};
		map[n++] = i;
	}
	if (timeout > 100)
		timeout = 100;
	if (poll(pf, (nfds_t)n, timeout) > 0) {
		for (int i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (map[i] == -1)
				udp_in();
			else if (map[i] == -2)
				tcp_accept();
			else if (conns[map[i]].fd == pf[i].fd)
				conn_io(&conns[map[i]], pf[i].revents);
		}
	}
	if (serf_next_deadline(sw) <= now_ms())
		serf_tick(sw, now_ms());
}

static size_t alive_count(void)
{
	const struct swim_member *m[256];
	size_t n = swim_members(serf_swim(sw), m, 256), alive = 0;

	for (size_t i = 0; i < n && i < 256; i++)
		alive += m[i]->state == MLWIRE_STATE_ALIVE;
	return alive;
}

static void print_members(void)
{
	static const char *names[] = {"alive", "leaving", "left", "failed"};
	const struct mlcrypt_keyring *kr = serf_keyring(sw);
	const struct swim_member *m[256];
	size_t n = swim_members(serf_swim(sw), m, 256);

	for (size_t i = 0; i < n && i < 256; i++) {
		struct serfwire_tags t;
		struct err e = ERR_INIT;
		char ip[INET_ADDRSTRLEN] = "?";

		inet_ntop(AF_INET, m[i]->addr.ip, ip, sizeof(ip));
		printf("%s %s:%u %s %u ", m[i]->name, ip, m[i]->addr.port,
		       names[serf_member_status(sw, m[i]->name)],
		       m[i]->incarnation);
		if (serfwire_tags_decode(m[i]->meta, m[i]->meta_len, &t, &e) ==
		    0) {
			for (uint32_t k = 0; k < t.n; k++)
				printf("%s%.*s=%.*s", k ? "," : "",
				       (int)t.v[k].key.n,
				       (const char *)t.v[k].key.p,
				       (int)t.v[k].value.n,
				       (const char *)t.v[k].value.p);
			serfwire_tags_free(&t);
		}
		printf("\n");
	}
	printf("keys");
	for (size_t i = 0; i < kr->n; i++) {
		char b64[48];

		mlcrypt_key_format(&kr->keys[i], b64);
		printf("%s%s", i ? "," : " ", b64);
	}
	printf("\n");
	fflush(stdout);
}

/* The --event, --query or --keys action, "NAME:PAYLOAD" or "OP[:KEY]". */
static void act(const char *kind, const char *arg)
{
	char name[128];
	const char *colon = strchr(arg, ':');
	const char *payload = colon ? colon + 1 : "";
	size_t nlen = colon ? (size_t)(colon - arg) : strlen(arg);
	struct err e = ERR_INIT;
	uint32_t id;
	int r;

	if (nlen >= sizeof(name))
		return;
	memcpy(name, arg, nlen);
	name[nlen] = 0;
	if (!strcmp(kind, "event"))
		r = serf_user_event(sw, name, (const uint8_t *)payload,
				    strlen(payload), true, now_ms(), &e);
	else if (!strcmp(kind, "query"))
		r = serf_query(sw, name, (const uint8_t *)payload,
			       strlen(payload), NULL, 0, NULL, NULL, 0, true,
			       now_ms(), &id, &e);
	else
		r = serf_key_query(sw, name, colon ? payload : NULL, now_ms(),
				   &id, &e);
	if (r < 0)
		fprintf(stderr, "gossip_node: %s: %s\n", kind, e.msg);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: gossip_node --name N --bind IP:PORT [--key B64]... "
		"[--tag K=V]... [--join IP:PORT]... [--profile P] "
		"[--for S] [--until-alive N] [--leave]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct mlcrypt_keyring ring;
	struct serf_config c = {.profile = swim_lan, .ops = &ops};
	const char *action = NULL, *action_kind = NULL;
	struct serfwire_tag tags[32];
	size_t ntags = 0, until = 0;
	const char *joins[16];
	size_t njoin = 0;
	double secs = 10;
	bool leave = false;
	struct err e = ERR_INIT;
	uint64_t end;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--leave")) {
			leave = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--name")) {
			my_name = v;
		} else if (!strcmp(a, "--bind")) {
			if (parse_addr(v, &c.addr) < 0)
				return usage();
		} else if (!strcmp(a, "--key")) {
			struct mlcrypt_key k;

			if (mlcrypt_key_parse(v, &k, &e) < 0 ||
			    mlcrypt_keyring_add(&ring, &k, &e) < 0) {
				fprintf(stderr, "gossip_node: %s\n", e.msg);
				return 2;
			}
		} else if (!strcmp(a, "--tag") && strchr(v, '=') &&
			   ntags < 32) {
			const char *eq = strchr(v, '=');

			tags[ntags].key = (struct msgpk_bytes){
			    (const uint8_t *)v, (uint32_t)(eq - v)};
			tags[ntags++].value = (struct msgpk_bytes){
			    (const uint8_t *)eq + 1, (uint32_t)strlen(eq + 1)};
		} else if (!strcmp(a, "--join") && njoin < 16) {
			joins[njoin++] = v;
		} else if (!strcmp(a, "--profile")) {
			c.profile = !strcmp(v, "wan")	  ? swim_wan
				    : !strcmp(v, "local") ? swim_local
							  : swim_lan;
		} else if (!strcmp(a, "--event") || !strcmp(a, "--query") ||
			   !strcmp(a, "--keys")) {
			action_kind = a + 2;
			action = v;
		} else if (!strcmp(a, "--answer")) {
			answer = v;
		} else if (!strcmp(a, "--for")) {
			secs = atof(v);
		} else if (!strcmp(a, "--until-alive")) {
			until = (size_t)atoi(v);
		} else {
			return usage();
		}
	}
	if (!my_name || !c.addr.len)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	if (listen_on(&c.addr) < 0) {
		perror("gossip_node: bind");
		return 1;
	}
	c.name = my_name;
	c.tags = tags;
	c.n_tags = ntags;
	c.keys = ring.n ? &ring : NULL;
	c.seed = (uint64_t)getpid() ^ now_ms();
	sw = serf_new(&c, now_ms());
	for (size_t i = 0; i < njoin; i++) {
		struct swim_addr a;

		if (parse_addr(joins[i], &a) == 0)
			serf_join(sw, &a, now_ms());
	}
	if (action) {
		uint64_t at = now_ms() + 1000;

		while (now_ms() < at)
			step();
		act(action_kind, action);
	}
	end = now_ms() + (uint64_t)(secs * 1000);
	while (now_ms() < end && !(until && alive_count() >= until))
		step();
	if (leave) {
		uint64_t stop = now_ms() + 5000;

		serf_leave(sw, now_ms());
		while (now_ms() < stop && !serf_left(sw))
			step();
	}
	print_members();
	for (int i = 0; i < MAXC; i++)
		if (conns[i].fd > 0)
			conn_close(&conns[i], false);
	serf_free(sw);
	close(udp_fd);
	close(tcp_fd);
	return 0;
}
