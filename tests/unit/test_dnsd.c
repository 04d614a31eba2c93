/* test_dnsd.c - modules/network/dnsd.c on a real loop: a "container"
 * network namespace of the test's making gets its 127.0.0.11:53 (UDP
 * and TCP, opened by the helper inside it), names are answered there
 * from the fill callback, the rest forwarded to dnsmasq in the "host"
 * namespace (the test's own, unshared at start), a refilled table after
 * dnsd_changed, detach closes the sockets, a bad netns fd is reported
 * (and through ready), and resolv.conf reads as Docker's. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "../../core/daemon.h"
#include "../../modules/network/dnsd.h"
#include "../../net/dns_fns.h"
#include "../../net/dnssrv.h"

static struct dnsd *d;
static int hostns = -1, ctrns = -1;
static pid_t dnsmasq = -1;
static char upstream[64];
static int nready, nfail;
static const char *webip = "10.5.0.2";

static int fill(void *arg, const char *id, struct dns_table *t, struct err *e)
{
	if (strcmp(id, "c1"))
		return err_setc(e, ERR_NOT_FOUND, "who is %s", id);
	return dns_table_add(t, "web", webip, e) < 0 ||
		       dns_table_add(t, "app", "10.5.0.3", e) < 0 ||
		       dns_table_add(t, "app", "10.5.0.4", e) < 0 ||
		       dns_table_hide(t, "db", e) < 0
		   ? -1
		   : 0;
}

static void ready(void *arg, const char *id, const struct err *e)
{
	if (e)
		nfail++;
	else
		nready++;
}

/* A socket of type in the container's namespace. */
static int ctr_socket(int type)
{
	int s;

	assert_int_equal(setns(ctrns, CLONE_NEWNET), 0);
	s = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_int_equal(setns(hostns, CLONE_NEWNET), 0);
	assert_true(s >= 0);
	return s;
}

static void loop_until(bool (*done)(void *), void *arg, int ms)
{
	for (int i = 0; i < ms / 5 && !done(arg); i++) {
		ev_run(daemon_ctx.loop, EVRUN_NOWAIT);
		usleep(5000);
	}
}

static bool readable(void *arg)
{
	char c;

	return recv(*(int *)arg, &c, 1, MSG_PEEK) >= 0;
}

static void query(const char *name, uint16_t id, struct buf *w)
{
	ldns_pkt *q =
	    ldns_pkt_query_new(ldns_dname_new_frm_str(name), LDNS_RR_TYPE_A,
			       LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *wire = NULL;
	size_t n = 0;

	ldns_pkt_set_id(q, id);
	assert_int_equal(ldns_pkt2wire(&wire, q, &n), LDNS_STATUS_OK);
	buf_reset(w);
	buf_append(w, wire, n);
	free(wire);
	ldns_pkt_free(q);
}

/* "RCODE|a,b," of a reply's wire form. */
static const char *show(const uint8_t *m, size_t n)
{
	static char out[512];
	ldns_pkt *p = NULL;
	ldns_rr_list *an;

	assert_int_equal(ldns_wire2pkt(&p, m, n), LDNS_STATUS_OK);
	snprintf(out, sizeof(out), "%d|", ldns_pkt_get_rcode(p));
	an = ldns_pkt_answer(p);
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, i), 0));

		strncat(out, s, sizeof(out) - strlen(out) - 2);
		strcat(out, ",");
		free(s);
	}
	ldns_pkt_free(p);
	return out;
}

/* 127.0.0.11:53 */
static struct sockaddr_in dns_addr(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};

	inet_pton(AF_INET, DNSD_ADDR, &a.sin_addr);
	return a;
}

/* Ask name over UDP inside the container; "" if nothing came. */
static const char *ask(const char *name)
{
	int s = ctr_socket(SOCK_DGRAM);
	struct sockaddr_in a = dns_addr();
	struct buf w = {0};
	uint8_t m[4096];
	ssize_t n;

	query(name, 0x5151, &w);
	sendto(s, buf_head(&w), buf_used(&w), 0, (struct sockaddr *)&a,
	       sizeof(a));
	buf_free(&w);
	loop_until(readable, &s, 3000);
	n = recv(s, m, sizeof(m), 0);
	close(s);
	return n > 0 ? show(m, (size_t)n) : "";
}

static void attach_c1(void)
{
	const char *ups[] = {upstream};
	struct err e = ERR_INIT;
	int was = nready;

	/* synchronous: bound when it returns */
	assert_int_equal(dnsd_attach(d, "c1", ctrns, ups, 1, &e), 0);
	assert_int_equal(nready, was + 1);
}

static void test_answers(void **state)
{
	attach_c1();
	assert_string_equal(ask("web."), "0|10.5.0.2,");
	assert_string_equal(ask("db."), "3|");
	assert_string_equal(ask("ext.test."), "0|192.0.2.9,");
	/* a new address is seen after dnsd_changed only */
	webip = "10.5.0.9";
	assert_string_equal(ask("web."), "0|10.5.0.2,");
	dnsd_changed(d);
	assert_string_equal(ask("web."), "0|10.5.0.9,");
	webip = "10.5.0.2";
	dnsd_changed(d);
}

static void test_tcp(void **state)
{
	int s = ctr_socket(SOCK_STREAM);
	struct sockaddr_in a = dns_addr();
	struct buf w = {0}, f = {0};
	uint8_t m[4096], pre[2];
	size_t got = 0, len;
	const uint8_t *msg;
	int rc;

	rc = connect(s, (struct sockaddr *)&a, sizeof(a));
	assert_true(rc == 0 || errno == EINPROGRESS);
	for (int i = 0; i < 2; i++) {
		query(i ? "ext.test." : "app.", (uint16_t)i, &w);
		pre[0] = (uint8_t)(buf_used(&w) >> 8),
		pre[1] = (uint8_t)buf_used(&w);
		buf_append(&f, pre, 2);
		buf_append(&f, buf_head(&w), buf_used(&w));
	}
	for (int i = 0; i < 300; i++) { /* the connect completes on the loop */
		ev_run(daemon_ctx.loop, EVRUN_NOWAIT);
		if (send(s, buf_head(&f), buf_used(&f), MSG_NOSIGNAL) > 0)
			break;
		usleep(5000);
	}
	for (int i = 0; i < 2; i++) {
		size_t used;

		while (!(used = dnssrv_tcp_frame(m, got, &msg, &len))) {
			ssize_t n;

			loop_until(readable, &s, 3000);
			n = recv(s, m + got, sizeof(m) - got, 0);
			assert_true(n > 0);
			got += (size_t)n;
		}
		assert_string_equal(
		    show(msg, len),
		    i ? "0|192.0.2.9,"
		    : strstr(show(msg, len), "10.5.0.3,10.5.0.4")
			? "0|10.5.0.3,10.5.0.4,"
			: "0|10.5.0.4,10.5.0.3,");
		memmove(m, m + used, got - used);
		got -= used;
	}
	close(s);
	buf_free(&w), buf_free(&f);
	for (int i = 0; i < 10; i++)
		ev_run(daemon_ctx.loop, EVRUN_NOWAIT);
}

static void test_detach(void **state)
{
	int bad = open("/dev/null", O_RDONLY | O_CLOEXEC);
	const char *ups[] = {upstream};
	struct err e = ERR_INIT;

	dnsd_detach(d, "c1");
	assert_string_equal(ask("web."), "");
	dnsd_detach(d, "never");
	/* a bad netns: refused, ready says so, nothing stays attached */
	assert_int_equal(dnsd_attach(d, "c2", bad, ups, 1, &e), -1);
	assert_non_null(strstr(e.msg, "setns"));
	close(bad);
	assert_int_equal(nfail, 1);
	/* attached again, served again */
	attach_c1();
	assert_string_equal(ask("web."), "0|10.5.0.2,");
	dnsd_detach(d, "c1");
}

/* Attaching is synchronous: it must stay cheap (a clone sharing our
 * memory, a bind, an exit). 100 attach/detach cycles. */
static void test_attach_cost(void **state)
{
	const char *ups[] = {upstream};
	struct err e = ERR_INIT;
	struct timespec t0, t1;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(dnsd_attach(d, "c1", ctrns, ups, 1, &e), 0);
		dnsd_detach(d, "c1");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) /
	     100;
	print_message("attach + detach: %.3f ms each\n", ms);
	assert_true(ms < 20);
}

static void test_resolv_conf(void **state)
{
	const char *search[] = {"example.com"}, *opts[] = {"ndots:3", "rotate"};
	struct buf b = {0};

	dnsd_resolv_conf(&b, NULL, 0, NULL, 0);
	buf_puts(&b, "|");
	dnsd_resolv_conf(&b, search, 1, opts, 2);
	buf_append(&b, "", 1);
	assert_string_equal(buf_head(&b),
			    "nameserver 127.0.0.11\noptions ndots:0\n|"
			    "nameserver 127.0.0.11\nsearch example.com\n"
			    "options ndots:3 rotate\n");
	buf_free(&b);
}

static void start_dnsmasq(void)
{
	char port[32];

	snprintf(port, sizeof(port), "--port=%d", 20000 + getpid() % 20000);
	snprintf(upstream, sizeof(upstream), "127.0.0.1:%d",
		 20000 + getpid() % 20000);
	if ((dnsmasq = fork()) == 0) {
		execl("/usr/sbin/dnsmasq", "dnsmasq", "-k",
		      "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		      "--bind-interfaces", "--listen-address=127.0.0.1",
		      "--pid-file=", "--user=root",
		      "--address=/ext.test/192.0.2.9", port, (char *)NULL);
		_exit(127);
	}
	usleep(300000);
}

static int setup(void **state)
{
	struct dnsd_ops ops = {.fill = fill, .ready = ready};
	struct dnsd_conf conf = {.try_ms = 300, .total_ms = 900};
	struct err e = ERR_INIT;

	if (geteuid() != 0 || dns_fns_load(&e) < 0 ||
	    unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0)
		return -1;
	hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0)
		return -1;
	ctrns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(hostns, CLONE_NEWNET) < 0)
		return -1;
	start_dnsmasq();
	daemon_ctx.loop = ev_loop_new(EVFLAG_NOSIGMASK);
	d = dnsd_new(daemon_ctx.loop, &ops, &conf, &e);
	return d ? 0 : -1;
}

static int teardown(void **state)
{
	dnsd_free(d);
	if (dnsmasq > 0) {
		kill(dnsmasq, SIGTERM);
		waitpid(dnsmasq, NULL, 0);
	}
	close(hostns), close(ctrns);
	ev_loop_destroy(daemon_ctx.loop);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_detach),
	    cmocka_unit_test(test_attach_cost),
	    cmocka_unit_test(test_resolv_conf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
