/* test_portspec.c - proto/portspec.c: Docker's -p and --expose words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../proto/portspec.h"

/* Parse word and compare with "ip|hostlo-hosthi|ctrlo-ctrhi|proto". */
static void parses_to(const char *word, const char *expect)
{
	struct portspec p;
	struct err e = ERR_INIT;
	char got[256];

	if (portspec_parse(word, &p, &e) < 0)
		fail_msg("%s: %s", word, e.msg);
	snprintf(got, sizeof(got), "%s|%u-%u|%u-%u|%s", p.ip, p.host_lo,
		 p.host_hi, p.ctr_lo, p.ctr_hi, portspec_proto_name(p.proto));
	if (strcmp(got, expect))
		fail_msg("%s: got %s, want %s", word, got, expect);
	assert_int_equal(p.family, !p.ip[0]	       ? 0
				   : strchr(p.ip, ':') ? AF_INET6
						       : AF_INET);
}

static void fails_with(const char *word, const char *msg)
{
	struct portspec p;
	struct err e = ERR_INIT;

	if (portspec_parse(word, &p, &e) != -1)
		fail_msg("%s: parsed", word);
	if (!strstr(e.msg, msg))
		fail_msg("%s: \"%s\" lacks \"%s\"", word, e.msg, msg);
	assert_int_equal(e.class, ERR_INVALID);
}

static void test_forms(void **state)
{
	static const char *const table[][2] = {
	    {"80", "|0-0|80-80|tcp"},
	    {"80/udp", "|0-0|80-80|udp"},
	    {"80/sctp", "|0-0|80-80|sctp"},
	    {"8080:80", "|8080-8080|80-80|tcp"},
	    {"8080:80/tcp", "|8080-8080|80-80|tcp"},
	    {"127.0.0.1:8080:80/udp", "127.0.0.1|8080-8080|80-80|udp"},
	    {"127.0.0.1::80", "127.0.0.1|0-0|80-80|tcp"},
	    {":80", "|0-0|80-80|tcp"},
	    {"8000-8010:80-90", "|8000-8010|80-90|tcp"},
	    {"8000-8010:80", "|8000-8010|80-80|tcp"},
	    {"80-90", "|0-0|80-90|tcp"},
	    {"[::1]:80:80", "::1|80-80|80-80|tcp"},
	    {"::1:80:80", "::1|80-80|80-80|tcp"},
	    {"[fd00::0001]::53/udp", "fd00::1|0-0|53-53|udp"},
	    {"0.0.0.0:65535:1", "0.0.0.0|65535-65535|1-1|tcp"},
	    {"1-65535", "|0-0|1-65535|tcp"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		parses_to(table[i][0], table[i][1]);
}

static void test_errors(void **state)
{
	static const char *const table[][2] = {
	    {"", "empty"},
	    {"0", "container port \"0\" is not a port"},
	    {"65536", "container port \"65536\""},
	    {"http", "container port \"http\""},
	    {"80/icmp", "unknown protocol \"icmp\""},
	    {"80/", "unknown protocol \"\""},
	    {"x:80", "host port \"x\""},
	    {"1.2.3.4:80", "host port \"1.2.3.4\""},
	    {"999.1.1.1:80:80", "\"999.1.1.1\" is not an IP address"},
	    {"[1.2.3.4]:80:80", "\"1.2.3.4\" is not an IP address"},
	    {"host:80:80", "\"host\" is not an IP address"},
	    {"90-80", "container port range \"90-80\" ends before it starts"},
	    {"8000-8010:80-81", "host range 8000-8010 and container "
				"range 80-81 differ in length"},
	    {"80:", "container port \"\""},
	    {"-80", "container port \"-80\""},
	    {"+80", "container port \"+80\""},
	    {" 80", "container port \" 80\""},
	    {"80-", "container port \"80-\""},
	    {"1-2-3", "container port \"1-2-3\""},
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		fails_with(table[i][0], table[i][1]);
}

static void test_long(void **state)
{
	char w[400];

	memset(w, '1', sizeof(w) - 1);
	w[sizeof(w) - 1] = '\0';
	fails_with(w, "longer than");
}

static void test_host_port(void **state)
{
	struct portspec p;
	struct err e = ERR_INIT;

	assert_int_equal(portspec_parse("8000-8002:80-82", &p, &e), 0);
	assert_int_equal(portspec_count(&p), 3);
	assert_int_equal(portspec_host_port(&p, 0), 8000);
	assert_int_equal(portspec_host_port(&p, 2), 8002);
	assert_int_equal(portspec_parse("8000-8010:80", &p, &e), 0);
	assert_int_equal(portspec_count(&p), 1);
	assert_int_equal(portspec_host_port(&p, 0), 0); /* one of the range */
	assert_int_equal(portspec_parse("80", &p, &e), 0);
	assert_int_equal(portspec_host_port(&p, 0), 0);
}

static void test_expose(void **state)
{
	struct portspec p;
	struct err e = ERR_INIT;

	assert_int_equal(portspec_parse_expose("53/udp", &p, &e), 0);
	assert_int_equal(p.ctr_lo, 53);
	assert_int_equal(p.proto, PORTSPEC_UDP);
	assert_int_equal(portspec_parse_expose("7000-7002", &p, &e), 0);
	assert_int_equal(portspec_count(&p), 3);
	assert_int_equal(portspec_parse_expose("80:80", &p, &e), -1);
	assert_non_null(strstr(e.msg, "container port \"80:80\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),  cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_long),   cmocka_unit_test(test_host_port),
	    cmocka_unit_test(test_expose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
