/* test_nlink.c - net/nlink.c and net/nlink_event.c on the real kernel,
 * inside network namespaces this test makes (nothing outside them is
 * touched; they go away with the process). */
#include <linux/rtnetlink.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "../../net/nlink.h"
#include "netns_test.h"

static char br[IFNAMSIZ], vh[IFNAMSIZ];

static void must(int rc, const struct err *e)
{
	if (rc < 0)
		fail_msg("%s", e->msg);
}

static void has(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("\"%s\" lacks \"%s\"", out, want);
}

static void fails(int rc, const struct err *e, enum err_class class,
		  const char *msg)
{
	assert_int_equal(rc, -1);
	if (!strstr(e->msg, msg))
		fail_msg("\"%s\" lacks \"%s\"", e->msg, msg);
	assert_int_equal(e->class, class);
}

static void test_bridge(void **state)
{
	struct err e = ERR_INIT;
	struct nlink *n = nlink_open(-1, &e);

	assert_non_null(n);
	must(nlink_bridge_add(n, br, 1400, "02:42:0a:4d:00:01", &e), &e);
	assert_true(nlink_index(n, br, &e) > 0);
	has(nt_sh("ip link show %s", br), "mtu 1400");
	has(nt_out, "02:42:0a:4d:00:01");
	has(nt_out, "state DOWN");
	must(nlink_set_up(n, br, true, &e), &e);
	has(nt_sh("ip link show %s", br), ",UP");
	fails(nlink_bridge_add(n, br, 0, NULL, &e), &e, ERR_CONFLICT, br);
	fails(nlink_bridge_add(n, "brx", 0, "02:42", &e), &e, ERR_INVALID,
	      "\"02:42\" is not a MAC address");
	fails(nlink_index(n, "nope0", &e), &e, ERR_NOT_FOUND, "link nope0");
	must(nlink_addr_add(n, br, "10.77.0.1/24", &e), &e);
	must(nlink_addr_add(n, br, "fd77::1/64", &e), &e);
	has(nt_sh("ip addr show %s", br), "inet 10.77.0.1/24");
	has(nt_out, "inet6 fd77::1/64");
	fails(nlink_addr_add(n, br, "10.77.0.1/24", &e), &e, ERR_CONFLICT,
	      "add 10.77.0.1/24");
	fails(nlink_addr_add(n, br, "10.77/24", &e), &e, ERR_INVALID,
	      "not an IP address");
	fails(nlink_addr_add(n, br, "10.77.0.9/40", &e), &e, ERR_INVALID,
	      "bad prefix length");
	fails(nlink_addr_add(n, "nope0", "10.1.0.1/24", &e), &e, ERR_NOT_FOUND,
	      "nope0");
	nlink_close(n);
}

/* Configure a container's side from outside it, then check it there. */
static void ctr_side(int ns, const char *ip, const char *ip6)
{
	struct err e = ERR_INIT;
	struct nlink *c = nlink_open(ns, &e);

	assert_non_null(c);
	must(nlink_set_up(c, "lo", true, &e), &e);
	must(nlink_set_up(c, "eth0", true, &e), &e);
	must(nlink_addr_add(c, "eth0", ip, &e), &e);
	must(nlink_addr_add(c, "eth0", ip6, &e), &e);
	must(nlink_route_default(c, "10.77.0.1", "eth0", &e), &e);
	must(nlink_route_default(c, "fd77::1", NULL, &e), &e);
	nlink_close(c);
	has(nt_sh_in(ns, "ip route"), "default via 10.77.0.1 dev eth0");
	has(nt_sh_in(ns, "ip -6 route"), "default via fd77::1 dev eth0");
	has(nt_sh_in(ns, "ip addr show lo"), "LOOPBACK,UP");
}

static void test_veth_netns_fd(void **state)
{
	struct err e = ERR_INIT;
	struct nlink *n = nlink_open(-1, &e);
	int ns = nt_netns();
	struct nlink_veth v = {.host = vh,
			       .master = br,
			       .mtu = 1400,
			       .peer_netns_fd = ns,
			       .peer = "eth0",
			       .peer_mac = "02:42:0a:4d:00:02"};

	assert_non_null(n);
	must(nlink_veth_add(n, &v, &e), &e);
	has(nt_sh("ip link show %s", vh), "master ");
	has(nt_out, "mtu 1400");
	has(nt_sh_in(ns, "ip link show eth0"), "02:42:0a:4d:00:02");
	has(nt_out, "mtu 1400");
	ctr_side(ns, "10.77.0.2/24", "fd77::2/64");
	/* Real packets: the container reaches its gateway over the bridge. */
	has(nt_sh_in(ns, "busybox ping -c1 -w5 10.77.0.1"),
	    " 1 packets received");
	fails(nlink_veth_add(n, &v, &e), &e, ERR_CONFLICT, vh);
	must(nlink_del(n, vh, &e), &e);
	has(nt_sh_in(ns, "ip link"), "lo:");
	assert_null(strstr(nt_out, "eth0"));
	fails(nlink_del(n, vh, &e), &e, ERR_NOT_FOUND, vh);
	close(ns);
	nlink_close(n);
}

/* A child in a netns of its own that waits for EOF on *hold; its pid. */
static pid_t ctr_child(int *hold)
{
	int ready[2], h[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(h, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(h[1]);
		if (unshare(CLONE_NEWNET) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		while (read(h[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(h[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*hold = h[1];
	return pid;
}

static void test_veth_pidfd(void **state)
{
	struct err e = ERR_INIT;
	struct nlink *n = nlink_open(-1, &e);
	struct nlink_veth v = {.host = vh, .peer = "eth0"};
	int hold, pidfd, ns;
	pid_t pid = ctr_child(&hold);

	assert_non_null(n);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	assert_true(pidfd >= 0);
	ns = nlink_netns_of_pidfd(pidfd, &e);
	must(ns, &e);
	assert_true(fcntl(ns, F_GETFD) & FD_CLOEXEC);
	v.peer_netns_fd = ns;
	must(nlink_veth_add(n, &v, &e), &e);
	has(nt_sh("nsenter -t %d -n ip link show eth0", (int)pid), "eth0@");
	must(nlink_del(n, vh, &e), &e);
	close(ns);
	close(hold); /* ends the child */
	waitpid(pid, NULL, 0);
	fails(nlink_netns_of_pidfd(pidfd, &e), &e, ERR_NOT_FOUND, "gone");
	close(pidfd);
	nlink_close(n);
}

/* icc=false: isolated ports reach the gateway but not each other. A ping
 * that must arrive retries for up to 5 s (-w5: a loaded machine may take
 * longer than a second to resolve the neighbour); one that must not, 1 s. */
static void test_port_isolated(void **state)
{
	struct err e = ERR_INIT;
	struct nlink *n = nlink_open(-1, &e), *c;
	int ns[2] = {nt_netns(), nt_netns()};
	char host[2][IFNAMSIZ], ip[32];

	assert_non_null(n);
	for (int i = 0; i < 2; i++) {
		struct nlink_veth v = {.host = host[i],
				       .master = br,
				       .peer_netns_fd = ns[i],
				       .peer = "eth0"};

		snprintf(host[i], IFNAMSIZ, "sip%u-%u",
			 (unsigned)getpid() % 100000u, (unsigned)i & 1u);
		must(nlink_veth_add(n, &v, &e), &e);
		must(nlink_port_set(n, host[i], false, true, &e), &e);
		assert_non_null(c = nlink_open(ns[i], &e));
		must(nlink_set_up(c, "eth0", true, &e), &e);
		snprintf(ip, sizeof(ip), "10.77.0.%d/24", 10 + i);
		must(nlink_addr_add(c, "eth0", ip, &e), &e);
		nlink_close(c);
	}
	has(nt_sh("ip -d link show %s", host[0]), "isolated on");
	has(nt_sh_in(ns[0], "busybox ping -c1 -w5 10.77.0.1"),
	    " 1 packets received");
	has(nt_sh_in(ns[0], "busybox ping -c1 -W1 10.77.0.11"),
	    "0 packets received");
	must(nlink_port_set(n, host[0], false, false, &e), &e);
	must(nlink_port_set(n, host[1], false, false, &e), &e);
	has(nt_sh_in(ns[0], "busybox ping -c1 -w5 10.77.0.11"),
	    " 1 packets received");
	fails(nlink_port_set(n, "nope0", true, false, &e), &e, ERR_NOT_FOUND,
	      "nope0");
	for (int i = 0; i < 2; i++) {
		must(nlink_del(n, host[i], &e), &e);
		close(ns[i]);
	}
	nlink_close(n);
}

static void test_move(void **state)
{
	struct err e = ERR_INIT;
	struct nlink *n = nlink_open(-1, &e);
	int ns = nt_netns();
	struct nlink_veth v = {
	    .host = vh, .peer_netns_fd = -1, .peer = "mvpeer"};

	assert_non_null(n);
	must(nlink_veth_add(n, &v, &e), &e);
	must(nlink_move(n, "mvpeer", ns, "eth1", &e), &e);
	has(nt_sh_in(ns, "ip link show eth1"), "eth1@");
	fails(nlink_index(n, "mvpeer", &e), &e, ERR_NOT_FOUND, "mvpeer");
	must(nlink_del(n, vh, &e), &e);
	close(ns);
	nlink_close(n);
}

static void test_pick_subnet(void **state)
{
	struct err e = ERR_INIT;
	int ns = nt_netns();
	struct nlink *n = nlink_open(ns, &e);
	struct cidr got, taken;
	char s[CIDR_STRLEN];
	struct cidr *routes;
	size_t count;

	assert_non_null(n);
	must(nlink_pick_subnet(n, NULL, 0, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "172.17.0.0/16");
	must(nlink_bridge_add(n, "brpick", 0, NULL, &e), &e);
	must(nlink_set_up(n, "brpick", true, &e), &e);
	must(nlink_addr_add(n, "brpick", "172.17.5.1/24", &e), &e);
	must(nlink_routes(n, AF_INET, &routes, &count, &e), &e);
	assert_int_equal(count, 1);
	cidr_str(&routes[0], s, sizeof(s));
	assert_string_equal(s, "172.17.5.0/24");
	free(routes);
	must(nlink_pick_subnet(n, NULL, 0, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "172.18.0.0/16");
	must(cidr_parse("172.18.0.0/16", &taken, &e), &e);
	must(nlink_pick_subnet(n, &taken, 1, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "172.19.0.0/16");
	nlink_close(n);
	close(ns);
}

/* Read events until one matches type and (for links) name. */
static void expect_event(struct nlink *ev, enum nlink_event_type type,
			 const char *name_or_addr)
{
	struct pollfd p = {.fd = nlink_fd(ev), .events = POLLIN};
	char buf[16384];
	struct err e = ERR_INIT;

	while (poll(&p, 1, 2000) == 1) {
		ssize_t len = recv(p.fd, buf, sizeof(buf), 0);
		size_t left = len > 0 ? (size_t)len : 0;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct nlink_event x;

			if (nlink_event_parse(h, &x, &e) != 1 || x.type != type)
				continue;
			if (!strcmp(x.name, name_or_addr) ||
			    !strcmp(x.addr, name_or_addr))
				return;
		}
	}
	fail_msg("no event %d for %s", type, name_or_addr);
}

static void test_events(void **state)
{
	struct err e = ERR_INIT;
	int ns = nt_netns();
	struct nlink *ev = nlink_event_open(ns, &e), *n = nlink_open(ns, &e);
	struct nlink_event x;
	struct nlmsghdr bad = {.nlmsg_len = sizeof(bad),
			       .nlmsg_type = RTM_NEWLINK};

	assert_non_null(ev);
	assert_non_null(n);
	assert_true(fcntl(nlink_fd(ev), F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(nlink_fd(ev), F_GETFD) & FD_CLOEXEC);
	must(nlink_bridge_add(n, "brev", 0, NULL, &e), &e);
	expect_event(ev, NLINK_EV_LINK_NEW, "brev");
	must(nlink_set_up(n, "brev", true, &e), &e);
	must(nlink_addr_add(n, "brev", "10.78.0.1/24", &e), &e);
	expect_event(ev, NLINK_EV_ADDR_NEW, "10.78.0.1/24");
	must(nlink_del(n, "brev", &e), &e);
	expect_event(ev, NLINK_EV_LINK_DEL, "brev");
	/* too short for its ifinfomsg: refused, not read past */
	assert_int_equal(nlink_event_parse(&bad, &x, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	bad.nlmsg_type = RTM_NEWROUTE;
	assert_int_equal(nlink_event_parse(&bad, &x, &e), 0);
	nlink_close(n);
	nlink_close(ev);
	close(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bridge),
	    cmocka_unit_test(test_veth_netns_fd),
	    cmocka_unit_test(test_veth_pidfd),
	    cmocka_unit_test(test_port_isolated),
	    cmocka_unit_test(test_move),
	    cmocka_unit_test(test_pick_subnet),
	    cmocka_unit_test(test_events),
	};

	if (nt_isolate() < 0) {
		printf("[  SKIPPED ] not root: no network namespaces\n");
		return 0;
	}
	snprintf(br, sizeof(br), "sbr%d", (int)getpid());
	snprintf(vh, sizeof(vh), "svh%d", (int)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
