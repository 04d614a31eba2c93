/* test_netdev.c - proto/netdev.c: /proc/PID/net/dev totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/netdev.h"

#define HEAD                                                                   \
	"Inter-|   Receive                                                |  " \
	"Transmit\n face |bytes    packets errs drop fifo frame compressed "   \
	"multicast|bytes    packets errs drop fifo colls carrier compressed\n"

static void test_sums_all_but_lo(void **state)
{
	const char *t = HEAD
	    "    lo:    6534      58    0    0    0     0          0         "
	    "0     6534      58    0    0    0     0       0          0\n"
	    "  eth0:  1000  10 0 0 0 0 0 0  2000 20 0 0 0 0 0 0\n"
	    "lo0:  5 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n"
	    "veth-long-name: 18446744073709551615 1 0 0 0 0 0 0 0 0 0 0 0 0 "
	    "0 0\n";
	struct netdev_totals n;
	struct err e = ERR_INIT;

	assert_int_equal(netdev_parse(t, strlen(t), &n, &e), 0);
	assert_int_equal(n.ifaces, 3); /* lo0 is not lo */
	assert_true(n.rx_bytes == 1000u + 5u + 18446744073709551615u);
	assert_int_equal(n.tx_bytes, 2007);
	assert_int_equal(n.rx_packets, 12);
	assert_int_equal(n.tx_packets, 21);
}

static void test_only_headers(void **state)
{
	struct netdev_totals n;
	struct err e = ERR_INIT;

	assert_int_equal(netdev_parse(HEAD, strlen(HEAD), &n, &e), 0);
	assert_int_equal(n.ifaces, 0);
	assert_int_equal(n.rx_bytes, 0);
}

static void test_malformed(void **state)
{
	const char *t = HEAD "eth0: 1 2 3\n";
	struct netdev_totals n;
	struct err e = ERR_INIT;

	assert_int_equal(netdev_parse(t, strlen(t), &n, &e), -1);
	assert_non_null(strstr(e.msg, "line 3"));
	err_clear(&e);
	t = HEAD ": 1 2 3 4 5 6 7 8 9 10\n";
	assert_int_equal(netdev_parse(t, strlen(t), &n, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sums_all_but_lo),
	    cmocka_unit_test(test_only_headers),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
