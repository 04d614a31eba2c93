/* test_nat.c - net/nat.c on the real kernel: a host namespace (the test
 * process's own, made at start), a client namespace on an outside link,
 * and container namespaces behind bridges; real TCP and UDP packets
 * through published ports, masquerade, hairpin and isolation. Servers
 * are children of this test, stopped by pid at the end. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../net/nat.h"
#include "../../net/nlink.h"
#include "netns_test.h"

static char br_a[IFNAMSIZ], br_b[IFNAMSIZ], br_i[IFNAMSIZ];
static int ns_c1, ns_d, ns_e, ns_x; /* containers on A, B, I; a client */
static pid_t servers[8];
static size_t nservers;

static void must(int rc, const struct err *e)
{
	if (rc < 0)
		fail_msg("%s", e->msg);
}

/* A veth from bridge (NULL: none) into ns as eth0 with ip, default
 * route via gw, lo up. */
static void attach(struct nlink *host, const char *bridge, int ns,
		   const char *ip, const char *gw)
{
	static int seq;
	char vh[IFNAMSIZ];
	struct err e = ERR_INIT;
	struct nlink *c;
	struct nlink_veth v = {
	    .host = vh, .master = bridge, .peer_netns_fd = ns, .peer = "eth0"};

	snprintf(vh, sizeof(vh), "sv%u-%u", (unsigned)getpid() % 100000u,
		 (unsigned)seq++ % 100u);
	must(nlink_veth_add(host, &v, &e), &e);
	if (bridge) /* hairpin: a container reaches its own published port */
		must(nlink_port_set(host, vh, true, false, &e), &e);
	assert_non_null(c = nlink_open(ns, &e));
	must(nlink_set_up(c, "lo", true, &e), &e);
	must(nlink_set_up(c, "eth0", true, &e), &e);
	must(nlink_addr_add(c, "eth0", ip, &e), &e);
	must(nlink_route_default(c, gw, "eth0", &e), &e);
	nlink_close(c);
	if (!bridge) { /* the client's link: the host end gets gw */
		char a[64];

		snprintf(a, sizeof(a), "%s/24", gw);
		must(nlink_addr_add(host, vh, a, &e), &e);
	}
}

static void bridge(struct nlink *host, const char *name, const char *ip)
{
	struct err e = ERR_INIT;

	must(nlink_bridge_add(host, name, 0, NULL, &e), &e);
	must(nlink_set_up(host, name, true, &e), &e);
	must(nlink_addr_add(host, name, ip, &e), &e);
}

/* A socket made inside ns (ns -1: here). */
static int sock_in(int ns, int type)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd;

	if (self < 0 || (ns >= 0 && setns(ns, CLONE_NEWNET) < 0))
		abort();
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (setns(self, CLONE_NEWNET) < 0 || fd < 0)
		abort();
	close(self);
	return fd;
}

/* A server in ns that answers each TCP connection or UDP datagram with
 * the peer's address, as text. */
static void serve(int ns, int type, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	int one = 1, fd = sock_in(ns, type);
	pid_t pid;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0))
		fail_msg("bind %u: %s", port, strerror(errno));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;) {
			struct sockaddr_in peer;
			socklen_t len = sizeof(peer);
			char ip[INET_ADDRSTRLEN], buf[16];
			int c;

			if (type == SOCK_DGRAM) {
				if (recvfrom(fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&peer,
					     &len) < 0)
					continue;
				inet_ntop(AF_INET, &peer.sin_addr, ip,
					  sizeof(ip));
				sendto(fd, ip, strlen(ip), 0,
				       (struct sockaddr *)&peer, len);
				continue;
			}
			c = accept4(fd, (struct sockaddr *)&peer, &len,
				    SOCK_CLOEXEC);
			if (c < 0)
				continue;
			inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
			(void)!write(c, ip, strlen(ip));
			close(c);
		}
	}
	close(fd);
	servers[nservers++] = pid;
}

/* From ns, ask ip:port who we are; the answer, or "" when unreachable. */
static const char *ask(int ns, int type, const char *ip, uint16_t port)
{
	static char out[64];
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 600000};
	int fd = sock_in(ns, type);
	ssize_t n = -1;

	inet_pton(AF_INET, ip, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    (type == SOCK_STREAM || send(fd, "?", 1, 0) == 1))
		n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void test_table_whole(void **state)
{
	struct err e = ERR_INIT;
	struct nat *n = nat_open(NULL, &e);

	assert_non_null(n);
	must(nat_setup(n, &e), &e);
	must(nat_setup(n, &e), &e); /* again: made anew, not doubled */
	assert_non_null(
	    strstr(nt_sh("nft list table inet skiff"), "map pub4any"));
	must(nat_teardown(n, &e), &e);
	assert_null(strstr(nt_sh("nft list tables"), "skiff"));
	must(nat_teardown(n, &e), &e); /* absent is fine */
	nat_close(n);
}

/* Two daemons in one namespace: each makes, fills and removes its own
 * table and never touches the other's. */
static void test_two_tables(void **state)
{
	struct err e = ERR_INIT;
	struct nat *a = nat_open(NULL, &e), *b = nat_open("skiff-2nd", &e);
	const struct nat_port p = {NULL, 8081, PORTSPEC_TCP, "10.79.0.9", 80};
	const struct nat_net net = {.bridge = "tt2nd", .subnet4 = "10.99.0.0/24"};

	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(nat_table(b), "skiff-2nd");
	assert_null(nat_open("Bad Name", &e));
	err_clear(&e);
	must(nat_setup(a, &e), &e);
	must(nat_publish(a, &p, 1, &e), &e);
	must(nat_setup(b, &e), &e); /* the second daemon starts */
	must(nat_network_add(b, &net, &e), &e);
	must(nat_publish(b, &p, 1, &e), &e); /* its own maps */
	assert_non_null(strstr(nt_sh("nft list map inet skiff pub4any"),
			       "8081"));
	assert_non_null(strstr(nt_sh("nft list map inet skiff-2nd pub4any"),
			       "8081"));
	assert_non_null(strstr(nt_sh("nft list table inet skiff-2nd"),
			       "n-tt2nd-ps"));
	assert_null(strstr(nt_sh("nft list table inet skiff"), "tt2nd"));
	must(nat_teardown(b, &e), &e);
	assert_non_null(strstr(nt_sh("nft list map inet skiff pub4any"),
			       "8081"));
	must(nat_teardown(a, &e), &e);
	nat_close(a);
	nat_close(b);
}

static void setup_world(struct nat *n)
{
	struct err e = ERR_INIT;
	struct nlink *h = nlink_open(-1, &e);
	const struct nat_net nets[] = {
	    {.bridge = br_a, .subnet4 = "10.79.0.0/24"},
	    {.bridge = br_b, .subnet4 = "10.80.0.0/24"},
	    {.bridge = br_i, .subnet4 = "10.81.0.0/24", .internal = true},
	};

	assert_non_null(h);
	ns_c1 = nt_netns(), ns_d = nt_netns(), ns_e = nt_netns();
	ns_x = nt_netns();
	bridge(h, br_a, "10.79.0.1/24");
	bridge(h, br_b, "10.80.0.1/24");
	bridge(h, br_i, "10.81.0.1/24");
	attach(h, br_a, ns_c1, "10.79.0.2/24", "10.79.0.1");
	attach(h, br_b, ns_d, "10.80.0.2/24", "10.80.0.1");
	attach(h, br_i, ns_e, "10.81.0.2/24", "10.81.0.1");
	attach(h, NULL, ns_x, "192.0.2.2/24", "192.0.2.1");
	nlink_close(h);
	must(nat_forwarding_on(false, &e), &e);
	must(nat_route_localnet(br_a, &e), &e);
	must(nat_setup(n, &e), &e);
	for (size_t i = 0; i < ARRAY_SIZE(nets); i++)
		must(nat_network_add(n, &nets[i], &e), &e);
	serve(ns_c1, SOCK_STREAM, 80);
	serve(ns_c1, SOCK_DGRAM, 53);
	serve(ns_d, SOCK_STREAM, 80);
	serve(ns_x, SOCK_STREAM, 9090);
}

static void test_published(void **state)
{
	struct err e = ERR_INIT;
	struct nat *n = nat_open(NULL, &e);
	const struct nat_port ports[] = {
	    {NULL, 8080, PORTSPEC_TCP, "10.79.0.2", 80},
	    {"", 5353, PORTSPEC_UDP, "10.79.0.2", 53},
	    {"127.0.0.1", 8081, PORTSPEC_TCP, "10.79.0.2", 80},
	};

	assert_non_null(n);
	setup_world(n);
	must(nat_publish(n, ports, ARRAY_SIZE(ports), &e), &e);
	/* an outside client, seen with its own address */
	assert_string_equal(ask(ns_x, SOCK_STREAM, "192.0.2.1", 8080),
			    "192.0.2.2");
	assert_string_equal(ask(ns_x, SOCK_DGRAM, "192.0.2.1", 5353),
			    "192.0.2.2");
	/* the host itself, through 127.0.0.1 and its own address */
	assert_string_equal(ask(-1, SOCK_STREAM, "127.0.0.1", 8080),
			    "10.79.0.1");
	assert_string_equal(ask(-1, SOCK_STREAM, "192.0.2.1", 8080),
			    "192.0.2.1");
	/* bound to one host address only */
	assert_string_equal(ask(-1, SOCK_STREAM, "127.0.0.1", 8081),
			    "10.79.0.1");
	assert_string_equal(ask(ns_x, SOCK_STREAM, "192.0.2.1", 8081), "");
	/* hairpin: the container through its own published port */
	assert_string_equal(ask(ns_c1, SOCK_STREAM, "192.0.2.1", 8080),
			    "10.79.0.1");
	/* outbound: masqueraded behind the host */
	assert_string_equal(ask(ns_c1, SOCK_STREAM, "192.0.2.2", 9090),
			    "192.0.2.1");
	/* a taken host port, all or nothing */
	assert_int_equal(nat_publish(n, ports, 1, &e), -1);
	assert_int_equal(e.class, ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "already published"));
	/* gone with unpublish */
	must(nat_unpublish(n, ports, 1, &e), &e);
	assert_string_equal(ask(ns_x, SOCK_STREAM, "192.0.2.1", 8080), "");
	assert_string_equal(ask(ns_x, SOCK_DGRAM, "192.0.2.1", 5353),
			    "192.0.2.2");
	nat_close(n);
}

static void test_isolation(void **state)
{
	struct err e = ERR_INIT;
	struct nat *n = nat_open(NULL, &e);
	const struct nat_net a = {.bridge = br_a, .subnet4 = "10.79.0.0/24"};

	assert_non_null(n);
	/* networks do not reach each other, either way */
	assert_string_equal(ask(ns_c1, SOCK_STREAM, "10.80.0.2", 80), "");
	assert_string_equal(ask(ns_d, SOCK_STREAM, "10.79.0.2", 80), "");
	/* the outside does not reach a container unpublished */
	assert_string_equal(ask(ns_x, SOCK_STREAM, "10.80.0.2", 80), "");
	/* an internal network has no way out */
	assert_string_equal(ask(ns_e, SOCK_STREAM, "192.0.2.2", 9090), "");
	assert_string_equal(ask(ns_d, SOCK_STREAM, "192.0.2.2", 9090),
			    "192.0.2.1");
	/* without its rules, network A's traffic leaves unmasqueraded */
	must(nat_network_del(n, &a, &e), &e);
	assert_null(strstr(nt_sh("nft list table inet skiff"), br_a));
	assert_string_equal(ask(ns_c1, SOCK_STREAM, "192.0.2.2", 9090),
			    "10.79.0.2");
	must(nat_network_add(n, &a, &e), &e);
	must(nat_network_add(n, &a, &e), &e); /* replaced, not doubled */
	assert_string_equal(ask(ns_c1, SOCK_STREAM, "192.0.2.2", 9090),
			    "192.0.2.1");
	assert_string_equal(ask(ns_c1, SOCK_STREAM, "10.80.0.2", 80), "");
	must(nat_network_del(n, &a, &e), &e);
	must(nat_network_del(n, &a, &e), &e); /* absent is fine */
	must(nat_teardown(n, &e), &e);
	nat_close(n);
}

static void test_bad_input(void **state)
{
	struct err e = ERR_INIT;
	struct nat *n = nat_open(NULL, &e);
	const struct nat_net bad = {.bridge = "br\"; flush ruleset"};
	const struct nat_port p6 = {"::1", 80, PORTSPEC_TCP, "10.79.0.2", 80};
	const struct nat_port p0 = {NULL, 0, PORTSPEC_TCP, "10.79.0.2", 80};

	assert_non_null(n);
	assert_int_equal(nat_network_add(n, &bad, &e), -1);
	assert_non_null(strstr(e.msg, "bridge name"));
	assert_int_equal(nat_publish(n, &p6, 1, &e), -1);
	assert_non_null(strstr(e.msg, "differ in family"));
	assert_int_equal(nat_publish(n, &p0, 1, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_int_equal(nat_route_localnet("nope", &e), -1);
	nat_close(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_whole),
	    cmocka_unit_test(test_two_tables),
	    cmocka_unit_test(test_published),
	    cmocka_unit_test(test_isolation),
	    cmocka_unit_test(test_bad_input),
	};
	int rc;

	if (nt_isolate() < 0) {
		printf("[  SKIPPED ] not root: no network namespaces\n");
		return 0;
	}
	snprintf(br_a, sizeof(br_a), "sna%d", (int)getpid());
	snprintf(br_b, sizeof(br_b), "snb%d", (int)getpid());
	snprintf(br_i, sizeof(br_i), "sni%d", (int)getpid());
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t i = 0; i < nservers; i++) {
		kill(servers[i], SIGKILL);
		waitpid(servers[i], NULL, 0);
	}
	return rc;
}
