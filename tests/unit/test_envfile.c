/* test_envfile.c - proto/envfile.c: Docker's --env-file lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/envfile.h"

/* The fake environment: FROMENV=yes, EMPTY="" and nothing else. */
static const char *lookup(const char *name, void *ctx)
{
	if (!strcmp(name, "FROMENV"))
		return "yes";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

static void parses_to(const char *text, const char *const *expect)
{
	struct envfile f = {0};
	struct err e = ERR_INIT;
	size_t n = 0;

	if (envfile_parse("f", text, strlen(text), lookup, NULL, &f, &e) < 0)
		fail_msg("envfile_parse(\"%s\"): %s", text, e.msg);
	while (expect[n])
		n++;
	assert_int_equal(f.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(f.v[i], expect[i]);
	envfile_free(&f);
}

static void fails_with(const char *text, size_t len, const char *want)
{
	struct envfile f = {0};
	struct err e = ERR_INIT;

	assert_int_equal(
	    envfile_parse("vars.env", text, len, lookup, NULL, &f, &e), -1);
	if (!strstr(e.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
	envfile_free(&f);
}

static void test_pairs(void **state)
{
	parses_to("A=1\nB=two words\n",
		  (const char *[]){"A=1", "B=two words", NULL});
	parses_to("A=x=y", (const char *[]){"A=x=y", NULL});
	parses_to("A=\n", (const char *[]){"A=", NULL});
	parses_to("A=\"quoted\"  \n", (const char *[]){"A=\"quoted\"  ", NULL});
}

static void test_comments_blanks(void **state)
{
	parses_to("# c\n\n   \n\t# indented comment\n  A=1\n",
		  (const char *[]){"A=1", NULL});
	parses_to("", (const char *[]){NULL});
	parses_to("\xef\xbb\xbf"
		  "A=1",
		  (const char *[]){"A=1", NULL});
}

static void test_bare_keys(void **state)
{
	parses_to("FROMENV\nNOTSET\nEMPTY\n",
		  (const char *[]){"FROMENV=yes", "EMPTY=", NULL});
}

static void test_errors(void **state)
{
	fails_with("A=1\n=x\n", 6, "vars.env:2: no variable name");
	fails_with("A=1\n\nbad name=1\n", 15,
		   "vars.env:3: variable \"bad name\"");
	fails_with("A=1\nB=\0x\n", 8, "vars.env:2: a NUL byte");
	fails_with("A=\xff\n", 4, "vars.env:1: invalid UTF-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pairs),
	    cmocka_unit_test(test_comments_blanks),
	    cmocka_unit_test(test_bare_keys),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
