/* test_noproxy.c - NO_PROXY matching as Docker (Go) reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../proto/noproxy.h"

static void test_loopback_never(void **s)
{
	assert_true(noproxy_match(NULL, "localhost", 80));
	assert_true(noproxy_match(NULL, "LOCALHOST", 80));
	assert_true(noproxy_match("", "127.0.0.1", 5000));
	assert_true(noproxy_match("", "127.8.9.1", 5000));
	assert_true(noproxy_match(NULL, "::1", 443));
	assert_false(noproxy_match(NULL, "registry.example.com", 443));
	assert_false(noproxy_match(NULL, "10.0.0.1", 443));
	assert_false(noproxy_match(NULL, "localhost.example.com", 443));
}

static void test_names(void **s)
{
	const char *l = " example.com, .corp.net ,registry:5000,";

	assert_true(noproxy_match(l, "example.com", 443));
	assert_true(noproxy_match(l, "EXAMPLE.com", 443));
	assert_true(noproxy_match(l, "a.b.example.com", 443));
	assert_false(noproxy_match(l, "badexample.com", 443));
	assert_false(noproxy_match(l, "example.com.evil", 443));
	assert_true(noproxy_match(l, "x.corp.net", 443));
	assert_false(noproxy_match(l, "corp.net", 443));
	assert_true(noproxy_match(l, "registry", 5000));
	assert_false(noproxy_match(l, "registry", 443));
	assert_true(noproxy_match("*", "anything.at.all", 1));
	assert_true(noproxy_match("a.com,*", "b.com", 1));
	assert_false(noproxy_match(",,  ,", "b.com", 1));
}

static void test_addresses(void **s)
{
	const char *l = "10.0.0.0/8,192.168.1.7,fd00::/8,[2001:db8::1]:443";

	assert_true(noproxy_match(l, "10.200.3.4", 80));
	assert_false(noproxy_match(l, "11.0.0.1", 80));
	assert_true(noproxy_match(l, "192.168.1.7", 80));
	assert_false(noproxy_match(l, "192.168.1.70", 80));
	assert_true(noproxy_match(l, "fd12::5", 80));
	assert_false(noproxy_match(l, "fe80::1", 80));
	assert_true(noproxy_match(l, "2001:db8::1", 443));
	assert_false(noproxy_match(l, "2001:db8::1", 80));
	/* a CIDR never matches a name, a bad one nothing */
	assert_false(noproxy_match(l, "10.example.com", 80));
	assert_false(noproxy_match("10.0.0.0/99,10.0.0.0/x,/8", "10.0.0.1", 80));
	assert_true(noproxy_match("0.0.0.0/0", "203.0.113.9", 80));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loopback_never),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
