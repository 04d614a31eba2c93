/* test_ipam.c - net/cidr.c (prefix arithmetic, default pool choice) and
 * net/ipam.c (allocate, reserve, release, JSON round trip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../net/ipam.h"
#include "../../proto/jtree.h"

static void must(int rc, const struct err *e)
{
	if (rc < 0)
		fail_msg("%s", e->msg);
}

static void fails(int rc, const struct err *e, enum err_class class,
		  const char *msg)
{
	assert_int_equal(rc, -1);
	if (!strstr(e->msg, msg))
		fail_msg("\"%s\" lacks \"%s\"", e->msg, msg);
	assert_int_equal(e->class, class);
}

static void test_cidr(void **state)
{
	struct cidr a, b;
	struct err e = ERR_INIT;
	char s[CIDR_STRLEN];

	must(cidr_parse("172.17.0.0/16", &a, &e), &e);
	cidr_str(&a, s, sizeof(s));
	assert_string_equal(s, "172.17.0.0/16");
	cidr_addr_str(AF_INET, cidr_last(&a), s, sizeof(s));
	assert_string_equal(s, "172.17.255.255");
	must(cidr_parse("172.17.5.0/24", &b, &e), &e);
	assert_true(cidr_within(&a, &b));
	assert_false(cidr_within(&b, &a));
	assert_true(cidr_overlap(&a, &b) && cidr_overlap(&b, &a));
	must(cidr_parse("172.18.0.0/16", &b, &e), &e);
	assert_false(cidr_overlap(&a, &b));
	must(cidr_parse("fd00:1::/64", &b, &e), &e);
	assert_false(cidr_overlap(&a, &b));
	cidr_addr_str(AF_INET6, cidr_last(&b), s, sizeof(s));
	assert_string_equal(s, "fd00:1::ffff:ffff:ffff:ffff");
	must(cidr_parse("::/0", &b, &e), &e);
	assert_int_equal(cidr_last(&b), ~(cidr_u128)0);
	fails(cidr_parse("172.17.0.1/16", &a, &e), &e, ERR_INVALID,
	      "host bits set (did you mean 172.17.0.0/16?)");
	fails(cidr_parse("172.17.0.0/33", &a, &e), &e, ERR_INVALID,
	      "bad prefix length \"33\"");
	fails(cidr_parse("172.17.0.0/-1", &a, &e), &e, ERR_INVALID,
	      "bad prefix length");
	fails(cidr_parse("172.17.0.0", &a, &e), &e, ERR_INVALID,
	      "not a subnet");
	fails(cidr_parse("x/8", &a, &e), &e, ERR_INVALID,
	      "\"x\" is not an IP address");
}

static void test_pick_default(void **state)
{
	struct cidr used[4], got;
	struct err e = ERR_INIT;
	char s[CIDR_STRLEN];

	must(cidr_parse("0.0.0.0/0", &used[0], &e), &e); /* default route */
	must(cidr_pick_default(used, 1, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "172.17.0.0/16");
	must(cidr_parse("172.17.3.0/24", &used[1], &e), &e);
	must(cidr_parse("172.16.0.0/15", &used[2], &e), &e); /* .16 + .17 */
	must(cidr_parse("172.18.0.0/16", &used[3], &e), &e);
	must(cidr_pick_default(used, 4, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "172.19.0.0/16");
	must(cidr_parse("172.16.0.0/12", &used[1], &e), &e);
	must(cidr_pick_default(used, 2, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "192.168.0.0/20");
	must(cidr_parse("192.168.0.0/16", &used[2], &e), &e);
	fails(cidr_pick_default(used, 3, &got, &e), &e, ERR_CONFLICT,
	      "no free subnet");
}

/* daemon.json's default-address-pools: each base cut in /size, in order */
static void test_pick_pools(void **state)
{
	struct err e = ERR_INIT;
	struct cidr_pool pools[2] = {{.size = 24}, {.size = 26}};
	struct cidr used[3], got;
	char s[CIDR_STRLEN];

	must(cidr_parse("10.200.0.0/23", &pools[0].base, &e), &e);
	must(cidr_parse("10.9.0.0/24", &pools[1].base, &e), &e);
	must(cidr_parse("10.200.0.0/24", &used[0], &e), &e);
	must(cidr_pick_pools(pools, 2, used, 1, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "10.200.1.0/24");
	must(cidr_parse("10.200.1.128/25", &used[1], &e), &e);
	must(cidr_parse("10.9.0.0/26", &used[2], &e), &e);
	must(cidr_pick_pools(pools, 2, used, 3, &got, &e), &e);
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "10.9.0.64/26");
	must(cidr_parse("10.9.0.0/24", &used[2], &e), &e);
	fails(cidr_pick_pools(pools, 2, used, 3, &got, &e), &e, ERR_CONFLICT,
	      "default-address-pools");
	must(cidr_pick_pools(NULL, 0, used, 1, &got, &e), &e); /* Docker's */
	cidr_str(&got, s, sizeof(s));
	assert_string_equal(s, "172.17.0.0/16");
}

static void alloc_is(struct ipam *p, const char *want)
{
	struct err e = ERR_INIT;
	char ip[INET6_ADDRSTRLEN];

	must(ipam_alloc(p, ip, sizeof(ip), &e), &e);
	assert_string_equal(ip, want);
}

static void test_alloc(void **state)
{
	struct ipam p;
	struct err e = ERR_INIT;
	char ip[INET6_ADDRSTRLEN];

	must(ipam_init(&p, "10.9.0.0/29", NULL, NULL, &e), &e);
	ipam_gateway_str(&p, ip, sizeof(ip));
	assert_string_equal(ip, "10.9.0.1");
	alloc_is(&p, "10.9.0.2");
	alloc_is(&p, "10.9.0.3");
	must(ipam_release(&p, "10.9.0.2", &e), &e);
	alloc_is(&p, "10.9.0.4"); /* no reuse at once */
	alloc_is(&p, "10.9.0.5");
	alloc_is(&p, "10.9.0.6");
	alloc_is(&p, "10.9.0.2"); /* wraps, skips network and gateway */
	fails(ipam_alloc(&p, ip, sizeof(ip), &e), &e, ERR_CONFLICT,
	      "no free address left in 10.9.0.0/29");
	fails(ipam_release(&p, "10.9.0.7", &e), &e, ERR_NOT_FOUND,
	      "10.9.0.7 is not in use");
	must(ipam_release(&p, "10.9.0.5", &e), &e);
	assert_false(ipam_in_use(&p, "10.9.0.5"));
	assert_true(ipam_in_use(&p, "10.9.0.6"));
	alloc_is(&p, "10.9.0.5");
	ipam_free(&p);
}

static void test_reserve(void **state)
{
	struct ipam p;
	struct err e = ERR_INIT;

	must(ipam_init(&p, "10.9.0.0/24", "10.9.0.254", "10.9.0.128/25", &e),
	     &e);
	alloc_is(&p, "10.9.0.128");
	must(ipam_reserve(&p, "10.9.0.7", &e), &e); /* outside the range */
	must(ipam_reserve(&p, "10.9.0.129", &e), &e);
	alloc_is(&p, "10.9.0.130");
	fails(ipam_reserve(&p, "10.9.0.7", &e), &e, ERR_CONFLICT,
	      "10.9.0.7 is already in use");
	fails(ipam_reserve(&p, "10.9.1.7", &e), &e, ERR_INVALID,
	      "address 10.9.1.7 is not in subnet 10.9.0.0/24");
	fails(ipam_reserve(&p, "10.9.0.254", &e), &e, ERR_INVALID,
	      "gateway address");
	fails(ipam_reserve(&p, "10.9.0.255", &e), &e, ERR_INVALID,
	      "broadcast address");
	fails(ipam_reserve(&p, "10.9.0.0", &e), &e, ERR_INVALID,
	      "network address");
	fails(ipam_reserve(&p, "fd00::1", &e), &e, ERR_INVALID,
	      "not in subnet");
	fails(ipam_reserve(&p, "bogus", &e), &e, ERR_INVALID,
	      "\"bogus\" is not an IP address");
	ipam_free(&p);
}

static void test_init_errors(void **state)
{
	struct ipam p;
	struct err e = ERR_INIT;

	fails(ipam_init(&p, "10.0.0.0/31", NULL, NULL, &e), &e, ERR_INVALID,
	      "too small");
	fails(ipam_init(&p, "10.0.0.0/24", "10.0.1.1", NULL, &e), &e,
	      ERR_INVALID, "gateway 10.0.1.1 is not in subnet 10.0.0.0/24");
	fails(ipam_init(&p, "10.0.0.0/24", "10.0.0.255", NULL, &e), &e,
	      ERR_INVALID, "broadcast");
	fails(ipam_init(&p, "10.0.0.0/24", NULL, "10.0.0.0/16", &e), &e,
	      ERR_INVALID, "ip range 10.0.0.0/16 is not inside subnet");
	fails(ipam_init(&p, "10.0.0.0/24", NULL, "fd00::/64", &e), &e,
	      ERR_INVALID, "not inside");
	fails(ipam_init(&p, "10.0.0.0/24", "fd00::1", NULL, &e), &e,
	      ERR_INVALID, "not in subnet");
}

static void test_v6(void **state)
{
	struct ipam p;
	struct err e = ERR_INIT;
	char ip[INET6_ADDRSTRLEN];

	must(ipam_init(&p, "fd00:dead::/64", NULL, NULL, &e), &e);
	ipam_gateway_str(&p, ip, sizeof(ip));
	assert_string_equal(ip, "fd00:dead::1");
	alloc_is(&p, "fd00:dead::2");
	must(ipam_reserve(&p, "fd00:dead::3", &e), &e);
	alloc_is(&p, "fd00:dead::4");
	must(ipam_reserve(&p, "fd00:dead::ffff:ffff:ffff:ffff", &e), &e);
	fails(ipam_reserve(&p, "fd00:dead::", &e), &e, ERR_INVALID,
	      "network address");
	ipam_free(&p);
}

/* What ipam_write wrote, read back into a new allocator. */
static void reload(struct ipam *p, struct buf *out)
{
	struct err e = ERR_INIT;
	struct jw w;
	yajl_val v;

	buf_reset(out);
	jw_open(&w, out);
	ipam_write(p, &w, "IPAM");
	jw_close(&w);
	ipam_free(p);
	v = jt_parse(buf_head(out), buf_used(out), &e);
	assert_non_null(v);
	must(ipam_read(p, jt_get(v, "IPAM"), &e), &e);
	yajl_tree_free(v);
}

static void test_json(void **state)
{
	struct ipam p;
	struct err e = ERR_INIT;
	struct buf out = {0};

	must(ipam_init(&p, "10.9.0.0/24", NULL, "10.9.0.16/28", &e), &e);
	alloc_is(&p, "10.9.0.16");
	alloc_is(&p, "10.9.0.17");
	must(ipam_reserve(&p, "10.9.0.100", &e), &e);
	must(ipam_release(&p, "10.9.0.16", &e), &e);
	reload(&p, &out);
	assert_non_null(strstr(out.data, "\"Used\":[\"10.9.0.17\","
					 "\"10.9.0.100\"]"));
	assert_non_null(strstr(out.data, "\"IPRange\":\"10.9.0.16/28\""));
	alloc_is(&p, "10.9.0.18"); /* next survives: no reuse of .16 */
	fails(ipam_reserve(&p, "10.9.0.100", &e), &e, ERR_CONFLICT, "in use");
	ipam_free(&p);

	/* A restart with a long used list, then nothing handed out twice. */
	must(ipam_init(&p, "fd00::/120", NULL, NULL, &e), &e);
	for (int i = 0; i < 200; i++) {
		char ip[INET6_ADDRSTRLEN];

		must(ipam_alloc(&p, ip, sizeof(ip), &e), &e);
	}
	reload(&p, &out);
	assert_int_equal(p.n, 200);
	alloc_is(&p, "fd00::ca");
	ipam_free(&p);
	buf_free(&out);
}

static void test_json_errors(void **state)
{
	static const char *const bad[][2] = {
	    {"{\"Gateway\":\"10.0.0.1\"}", "ipam: no Subnet"},
	    {"{\"Subnet\":\"10.0.0.0/24\",\"Used\":[\"10.0.1.2\"]}",
	     "ipam: Used[0]: address 10.0.1.2 is not in subnet"},
	    {"{\"Subnet\":\"10.0.0.0/24\",\"Used\":[\"10.0.0.2\","
	     "\"10.0.0.2\"]}",
	     "already in use"},
	    {"{\"Subnet\":\"10.0.0.0/24\",\"Used\":[7]}", "Used[0]"},
	    {"{\"Subnet\":\"10.0.0.0/24\",\"Next\":\"fd00::1\"}",
	     "Next: \"fd00::1\""},
	    {"[]", "expected an object"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err e = ERR_INIT;
		struct ipam p;
		yajl_val v = jt_parse(bad[i][0], strlen(bad[i][0]), &e);

		assert_non_null(v);
		assert_int_equal(ipam_read(&p, v, &e), -1);
		if (!strstr(e.msg, bad[i][1]))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i][0], e.msg,
				 bad[i][1]);
		assert_null(p.used);
		yajl_tree_free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_pick_default),
	    cmocka_unit_test(test_pick_pools),
	    cmocka_unit_test(test_alloc),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_v6),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
