/* test_mountspec.c - proto/mountspec.c: Docker's -v and --mount words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/mountspec.h"

/* Parse word (-v, or --mount when mount) and compare with the expected
 * "type|source|dest|opts|rw|nocopy" ("-" for NULL). */
static void parses_to(const char *word, bool mount, const char *expect)
{
	struct mountspec m = { 0 };
	struct err e = ERR_INIT;
	char got[512];

	if ((mount ? mountspec_parse_mount(word, &m, &e)
		   : mountspec_parse_v(word, &m, &e)) < 0)
		fail_msg("%s: %s", word, e.msg);
	snprintf(got, sizeof(got), "%s|%s|%s|%s|%d|%d", m.type,
		 m.source ? m.source : "-", m.dest, m.opts ? m.opts : "-",
		 m.rw, m.nocopy);
	assert_string_equal(got, expect);
	mountspec_free(&m);
}

static void fails_with(const char *word, bool mount, const char *msg)
{
	struct mountspec m = { 0 };
	struct err e = ERR_INIT;

	assert_int_equal(mount ? mountspec_parse_mount(word, &m, &e)
			       : mountspec_parse_v(word, &m, &e), -1);
	if (!strstr(e.msg, msg))
		fail_msg("%s: \"%s\" lacks \"%s\"", word, e.msg, msg);
	assert_int_equal(e.class, ERR_INVALID);
	mountspec_free(&m);
}

static void test_v(void **state)
{
	parses_to("/data", false, "volume|-|/data|-|1|0");
	parses_to("db:/var/lib/db", false, "volume|db|/var/lib/db|-|1|0");
	parses_to("db:/d:ro", false, "volume|db|/d|-|0|0");
	parses_to("db:/d:ro,nocopy", false, "volume|db|/d|-|0|1");
	parses_to("/host:/h", false, "bind|/host|/h|-|1|0");
	parses_to("/host:/h:ro,rslave", false, "bind|/host|/h|ro,rslave|0|0");
}

static void test_v_errors(void **state)
{
	fails_with("data", false, "want NAME:/PATH");
	fails_with(":/d", false, "empty source");
	fails_with("a/b:/d", false, "invalid volume name \"a/b\"");
	fails_with("..:/d", false, "invalid volume name \"..\"");
	fails_with("../x:/d", false, "invalid volume name");
	fails_with("xy:/d:rslave", false, "invalid option \"rslave\"");
}

static void test_mount(void **state)
{
	parses_to("type=volume,source=vv,target=/d", true,
		  "volume|vv|/d|-|1|0");
	parses_to("target=/d", true, "volume|-|/d|-|1|0");
	parses_to("src=vv,dst=/d,readonly,volume-nocopy", true,
		  "volume|vv|/d|-|0|1");
	parses_to("type=bind,source=/h,destination=/d,ro=false,"
		  "bind-propagation=rslave", true, "bind|/h|/d|rslave|1|0");
	parses_to("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770", true,
		  "tmpfs|-|/t|size=67108864,mode=1770|1|0");
}

static void test_mount_errors(void **state)
{
	fails_with("type=nfs,target=/d", true, "unknown type \"nfs\"");
	fails_with("target=/d,colour=red", true, "unexpected key 'colour'");
	fails_with("target=", true, "key 'target' needs a value");
	fails_with("type=volume,source=v", true, "target is required");
	fails_with("type=bind,source=h,target=/d", true, "absolute source");
	fails_with("type=tmpfs,source=x,target=/d", true, "takes no source");
	fails_with("type=tmpfs,target=/d,tmpfs-size=-1", true,
		   "invalid tmpfs-size");
	fails_with("type=tmpfs,target=/d,tmpfs-mode=9", true,
		   "invalid tmpfs-mode");
	fails_with("target=/d,tmpfs-size=1m", true, "are for type=tmpfs");
	fails_with("target=/d,readonly=yes", true, "invalid value for readonly");
	fails_with("type=bind,source=/h,target=/d,volume-nocopy", true,
		   "volume-nocopy is for type=volume");
	fails_with("type=bind,source=/h,target=/d,bind-propagation=up", true,
		   "invalid bind-propagation");
	fails_with("source=a..b/c,target=/d", true, "invalid volume name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v),
	    cmocka_unit_test(test_v_errors),
	    cmocka_unit_test(test_mount),
	    cmocka_unit_test(test_mount_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
