/* test_cppath.c - proto/cppath.c: the words of `cp`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/cppath.h"

static void splits(const char *word, const char *ctr, const char *parent,
		   const char *name, bool slash, bool contents)
{
	struct cppath p;
	struct err e = ERR_INIT;

	if (cppath_parse(word, &p, &e) < 0)
		fail_msg("cppath_parse(\"%s\"): %s", word, e.msg);
	if (ctr)
		assert_string_equal(p.container, ctr);
	else
		assert_null(p.container);
	assert_string_equal(p.parent, parent);
	assert_string_equal(p.name, name);
	assert_int_equal(p.trailing_slash, slash);
	assert_int_equal(p.contents, contents);
	cppath_free(&p);
}

static void test_container_words(void **state)
{
	splits("c1:/etc/passwd", "c1", "/etc", "passwd", false, false);
	splits("c1:etc/hosts", "c1", "etc", "hosts", false, false);
	splits("c1:etc", "c1", "/", "etc", false, false);
	splits("c1:/", "c1", "/", ".", false, false);
	splits("c1:/data/", "c1", "/", "data", true, false);
	splits("c1:/data/.", "c1", "/data", ".", false, true);
	splits("web.1:/a:b", "web.1", "/", "a:b", false, false);
}

static void test_host_words(void **state)
{
	splits("/tmp/x", NULL, "/tmp", "x", false, false);
	splits("x", NULL, ".", "x", false, false);
	splits("./c1:x", NULL, ".", "c1:x", false, false);
	splits("/c1:x", NULL, "/", "c1:x", false, false);
	splits("a/b:c", NULL, "a", "b:c", false, false); /* '/' before ':' */
	splits(".", NULL, ".", ".", false, true);
	splits("dir//", NULL, ".", "dir", true, false);
}

static void test_stream_and_errors(void **state)
{
	struct cppath p;
	struct err e = ERR_INIT;

	assert_int_equal(cppath_parse("-", &p, &e), 0);
	assert_true(p.stream);
	cppath_free(&p);
	assert_int_equal(cppath_parse(":/x", &p, &e), -1);
	assert_non_null(strstr(e.msg, "no container name"));
	cppath_free(&p);
	err_clear(&e);
	assert_int_equal(cppath_parse("c1:", &p, &e), -1);
	assert_non_null(strstr(e.msg, "empty path"));
	cppath_free(&p);
	err_clear(&e);
	assert_int_equal(cppath_parse("c1:/a/..", &p, &e), -1);
	cppath_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_container_words),
	    cmocka_unit_test(test_host_words),
	    cmocka_unit_test(test_stream_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
