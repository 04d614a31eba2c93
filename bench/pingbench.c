/* pingbench.c - load generator and protocol checker for skiffd's control
 * socket, with redis-benchmark's knobs (-s -c -P -n). With -r PING
 * -e +PONG it drives a redis inline PING the same way, so both servers can
 * also be measured with one client.
 *
 * One process, one epoll set, non-blocking UNIX stream sockets. Each
 * client writes a batch of P request lines, reads replies until it has
 * seen P status lines, records the batch's latency, and starts the next
 * batch until -n requests have been sent in total. A reply is zero or more
 * data lines (JSON objects, skipped) and one status line; a status line
 * other than `ok`, a line that is neither, or a connection that closes
 * early is an error: the run stops and exits non-zero.
 *
 * Owns: the client array (fd, unread input, unsent output), one shared
 * request buffer of P lines and the latency samples (one per batch, in
 * nanoseconds). Prints a summary and, last, a machine-readable line
 * `rps=N p50_us=N p99_us=N`. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP (64 * 1024)
#define MAX_LINE 4096

struct client {
	int fd;
	int inflight;	/* status lines still owed for this batch */
	size_t woff, wlen; /* unsent part of the shared batch buffer */
	uint64_t t0;	/* batch start, ns */
	size_t ilen;	/* bytes of a partial line kept in in[] */
	bool want_out;	/* EPOLLOUT armed */
	char in[IN_CAP];
};

static struct {
	const char *sock, *req, *expect;
	int nclients, pipeline;
	long total;
	long sent, done;	/* requests written, status lines read */
	char *batch;		/* pipeline copies of "req\n" */
	size_t reqlen, explen;
	uint64_t *lat;		/* batch latencies, ns */
	size_t nlat, latcap;
	int ep;
	struct client *cl;
} b = { .sock = "/run/skiff/skiff.sock", .req = "ping", .expect = "ok",
	.nclients = 1, .pipeline = 1, .total = 100000 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what)
{
	fprintf(stderr, "pingbench: %s\n", what);
	exit(1);
}

static void fail_errno(const char *what)
{
	fprintf(stderr, "pingbench: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: pingbench [-s SOCKET] [-c CLIENTS] [-P PIPELINE] "
		"[-n TOTAL] [-r REQUEST] [-e STATUS]\n"
		"  -s  control socket (default /run/skiff/skiff.sock)\n"
		"  -c  parallel connections (default 1)\n"
		"  -P  requests in flight per connection (default 1)\n"
		"  -n  total requests (default 100000)\n"
		"  -r  request line without LF (default \"ping\")\n"
		"  -e  the success status line (default \"ok\"; \"+PONG\" "
		"drives redis)\n");
	exit(2);
}

static long num_arg(const char *s, long min)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min)
		usage();
	return v;
}

static void parse_args(int argc, char **argv)
{
	int o;

	while ((o = getopt(argc, argv, "s:c:P:n:r:e:h")) != -1) {
		switch (o) {
		case 's': b.sock = optarg; break;
		case 'c': b.nclients = (int)num_arg(optarg, 1); break;
		case 'P': b.pipeline = (int)num_arg(optarg, 1); break;
		case 'n': b.total = num_arg(optarg, 1); break;
		case 'r': b.req = optarg; break;
		case 'e': b.expect = optarg; break;
		default: usage();
		}
	}
	if (optind < argc || strchr(b.req, '\n') || b.nclients > 10000 ||
	    b.pipeline > 100000)
		usage();
	b.explen = strlen(b.expect);
}

/* The shared batch: P copies of the request line, written from offset 0
 * (a short batch at the end of the run uses a prefix of it). */
static void batch_init(void)
{
	b.reqlen = strlen(b.req) + 1;
	b.batch = malloc(b.reqlen * (size_t)b.pipeline);
	if (!b.batch)
		fail("out of memory");
	for (int i = 0; i < b.pipeline; i++) {
		memcpy(b.batch + b.reqlen * (size_t)i, b.req, b.reqlen - 1);
		b.batch[b.reqlen * (size_t)i + b.reqlen - 1] = '\n';
	}
	b.latcap = (size_t)(b.total / b.pipeline) + (size_t)b.nclients + 1;
	b.lat = malloc(b.latcap * sizeof(*b.lat));
	if (!b.lat)
		fail("out of memory");
}

static void arm(struct client *c, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0),
				  .data.ptr = c };

	if (out == c->want_out)
		return;
	c->want_out = out;
	if (epoll_ctl(b.ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fail_errno("epoll_ctl");
}

/* Write what the kernel takes of the current batch; EPOLLOUT if short. */
static void client_write(struct client *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, b.batch + c->woff, c->wlen - c->woff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			fail_errno("send");
		c->woff += (size_t)n;
	}
	arm(c, c->woff < c->wlen);
}

/* Start the next batch, or close the client when the run is spent. */
static void batch_start(struct client *c)
{
	long left = b.total - b.sent;
	int n = left < b.pipeline ? (int)left : b.pipeline;

	if (n <= 0) {
		epoll_ctl(b.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		return;
	}
	b.sent += n;
	c->inflight = n;
	c->woff = 0;
	c->wlen = b.reqlen * (size_t)n;
	c->t0 = now_ns();
	client_write(c);
}

static void batch_end(struct client *c)
{
	if (b.nlat < b.latcap)
		b.lat[b.nlat++] = now_ns() - c->t0;
	batch_start(c);
}

/* One reply line (LF stripped). Returns 1 for a status line, 0 for data. */
static int reply_line(const char *s, size_t len)
{
	if (len && s[len - 1] == '\r')
		len--;
	if (len == b.explen && !memcmp(s, b.expect, len))
		return 1;
	if (len && s[0] == '{')
		return 0;
	fprintf(stderr, "pingbench: request \"%.60s\" got \"%.*s\"\n", b.req,
		(int)(len > 200 ? 200 : len), s);
	exit(1);
}

/* Split c->in into lines; keep a trailing partial line for later. */
static void consume_lines(struct client *c)
{
	char *p = c->in, *end = c->in + c->ilen, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		int st = reply_line(p, (size_t)(nl - p));
		p = nl + 1;
		if (!st)
			continue;
		if (c->inflight <= 0)
			fail("reply with no request outstanding");
		b.done++;
		if (--c->inflight == 0) {
			memmove(c->in, p, (size_t)(end - p));
			c->ilen = (size_t)(end - p);
			batch_end(c);
			if (c->fd < 0)
				return;
			p = c->in;
			end = c->in + c->ilen;
		}
	}
	if (end - p > MAX_LINE)
		fail("reply line too long");
	memmove(c->in, p, (size_t)(end - p));
	c->ilen = (size_t)(end - p);
}

static void client_read(struct client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->ilen, IN_CAP - c->ilen,
				 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			fail_errno("recv");
		if (n == 0)
			fail("server closed the connection early");
		c->ilen += (size_t)n;
		consume_lines(c);
		if (c->fd < 0 || (size_t)n < IN_CAP / 2)
			return;
	}
}

static void client_connect(struct client *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (strlen(b.sock) >= sizeof(sa.sun_path))
		fail("socket path too long");
	strcpy(sa.sun_path, b.sock);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		fail_errno("socket");
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_errno(b.sock);
	if (epoll_ctl(b.ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		fail_errno("epoll_ctl");
}

static void run(void)
{
	struct epoll_event evs[256];

	while (b.done < b.total) {
		int n = epoll_wait(b.ep, evs, 256, 10000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_errno("epoll_wait");
		if (n == 0)
			fail("no reply for 10 s");
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			if (c->fd >= 0 && (evs[i].events & EPOLLOUT))
				client_write(c);
			if (c->fd >= 0 &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				client_read(c);
		}
	}
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;

	return a < c ? -1 : a > c;
}

static double pct_us(double p)
{
	size_t i;

	if (!b.nlat)
		return 0;
	i = (size_t)(p * (double)(b.nlat - 1) + 0.5);
	return (double)b.lat[i] / 1000.0;
}

static void report(uint64_t ns)
{
	double secs = (double)ns / 1e9, rps = (double)b.done / secs;
	double p50, p99;

	qsort(b.lat, b.nlat, sizeof(*b.lat), cmp_u64);
	p50 = pct_us(0.50);
	p99 = pct_us(0.99);
	printf("%ld requests \"%s\" on %s: %d clients, pipeline %d\n", b.done,
	       b.req, b.sock, b.nclients, b.pipeline);
	printf("  %.3f s, %.0f requests/s\n", secs, rps);
	printf("  batch latency: p50 %.1f us, p99 %.1f us, max %.1f us "
	       "(%zu batches)\n",
	       p50, p99, b.nlat ? (double)b.lat[b.nlat - 1] / 1000.0 : 0.0,
	       b.nlat);
	printf("rps=%.0f p50_us=%.1f p99_us=%.1f\n", rps, p50, p99);
}

int main(int argc, char **argv)
{
	uint64_t t0;

	parse_args(argc, argv);
	batch_init();
	b.cl = calloc((size_t)b.nclients, sizeof(*b.cl));
	b.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!b.cl || b.ep < 0)
		fail("out of memory or epoll");
	for (int i = 0; i < b.nclients; i++)
		client_connect(&b.cl[i]);
	t0 = now_ns();
	for (int i = 0; i < b.nclients; i++)
		batch_start(&b.cl[i]);
	run();
	report(now_ns() - t0);
	return 0;
}
