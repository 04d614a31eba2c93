/* test_json.c - proto/json.c: the NDJSON writer. Every test checks the
 * exact bytes written and parses each line back with yajl_tree. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "../../proto/json.h"

/* b must hold exactly want; every line of it must parse as an object. */
static void check_out(struct buf *b, const char *want)
{
	size_t n = strlen(want), start = 0;

	if (buf_used(b) != n || memcmp(buf_head(b), want, n))
		fail_msg("got  %.*s\nwant %s", (int)buf_used(b), buf_head(b),
			 want);
	for (size_t i = 0; i < n; i++) {
		char err[256], line[4096];
		if (want[i] != '\n')
			continue;
		assert_true(i - start < sizeof(line));
		memcpy(line, want + start, i - start);
		line[i - start] = '\0';
		yajl_val v = yajl_tree_parse(line, err, sizeof(err));
		if (!YAJL_IS_OBJECT(v))
			fail_msg("line does not parse: %s: %s", line, err);
		yajl_tree_free(v);
		start = i + 1;
	}
	assert_int_equal(start, n); /* LF-terminated */
}

/* Parse the single line in b and return it (caller frees). */
static yajl_val parse_back(struct buf *b)
{
	char err[256];
	char *s = strndup(buf_head(b), buf_used(b));
	yajl_val v;

	assert_non_null(s);
	v = yajl_tree_parse(s, err, sizeof(err));
	free(s);
	if (!YAJL_IS_OBJECT(v))
		fail_msg("does not parse: %s", err);
	return v;
}

static void test_flat_object(void **state)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	jw_str(&w, "name", "web");
	jw_int(&w, "n", -5);
	jw_bool(&w, "up", true);
	jw_bool(&w, "down", false);
	jw_null(&w, "x");
	jw_str(&w, "none", NULL);
	jw_close(&w);
	check_out(&b, "{\"name\":\"web\",\"n\":-5,\"up\":true,\"down\":false,"
		      "\"x\":null,\"none\":null}\n");
	buf_free(&b);
}

/* Objects appended to one buffer are separate lines. */
static void test_ndjson_lines(void **state)
{
	struct buf b = { 0 };
	struct jw w;

	for (int i = 0; i < 3; i++) {
		jw_open(&w, &b);
		jw_int(&w, "i", i);
		jw_close(&w);
	}
	jw_open(&w, &b);
	jw_close(&w);
	check_out(&b, "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n{}\n");
	buf_free(&b);
}

static void test_escapes(void **state)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	jw_str(&w, "q", "say \"hi\" \\ /");
	jw_str(&w, "c", "\n\r\t\b\f\x01\x1f\x7f");
	jw_str(&w, "k\"ey\n", "v");
	jw_close(&w);
	check_out(&b, "{\"q\":\"say \\\"hi\\\" \\\\ /\","
		      "\"c\":\"\\n\\r\\t\\b\\f\\u0001\\u001F\x7f\","
		      "\"k\\\"ey\\n\":\"v\"}\n");
	buf_free(&b);
}

static void test_nested(void **state)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	jw_str(&w, "id", "abc");
	jw_obj(&w, "state");
	jw_bool(&w, "running", true);
	jw_obj(&w, "health");
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_arr(&w, "args");
	jw_vstr(&w, "httpd");
	jw_vstr(&w, "-f");
	jw_vint(&w, 7);
	jw_obj(&w, NULL);
	jw_str(&w, "k", "v");
	jw_end_obj(&w);
	jw_arr(&w, NULL);
	jw_end_arr(&w);
	jw_end_arr(&w);
	jw_arr(&w, "empty");
	jw_end_arr(&w);
	jw_close(&w);
	check_out(&b, "{\"id\":\"abc\",\"state\":{\"running\":true,"
		      "\"health\":{}},\"args\":[\"httpd\",\"-f\",7,"
		      "{\"k\":\"v\"},[]],\"empty\":[]}\n");
	buf_free(&b);
}

static void test_integer_limits(void **state)
{
	struct buf b = { 0 };
	struct jw w;
	yajl_val v;

	jw_open(&w, &b);
	jw_uint(&w, "umax", UINT64_MAX);
	jw_uint(&w, "uzero", 0);
	jw_int(&w, "max", INT64_MAX);
	jw_int(&w, "min", INT64_MIN);
	jw_close(&w);
	check_out(&b, "{\"umax\":18446744073709551615,\"uzero\":0,"
		      "\"max\":9223372036854775807,"
		      "\"min\":-9223372036854775808}\n");
	v = parse_back(&b);
	const char *path[] = { "umax", NULL };
	yajl_val u = yajl_tree_get(v, path, yajl_t_number);
	assert_non_null(u);
	assert_string_equal(YAJL_GET_NUMBER(u), "18446744073709551615");
	yajl_tree_free(v);
	buf_free(&b);
}

/* Doubles: shortest round-trip digits, non-finite values as null. */
static void test_doubles(void **state)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	jw_double(&w, "a", 0.1);
	jw_double(&w, "b", 1.5);
	jw_double(&w, "c", 3.0);
	jw_double(&w, "d", -2.5e-300);
	jw_double(&w, "nan", NAN);
	jw_double(&w, "inf", -INFINITY);
	jw_str(&w, "after", "ok");
	jw_close(&w);
	check_out(&b, "{\"a\":0.1,\"b\":1.5,\"c\":3.0,\"d\":-2.5e-300,"
		      "\"nan\":null,\"inf\":null,\"after\":\"ok\"}\n");
	buf_free(&b);
}

static void test_utf8_repair(void **state)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	jw_str(&w, "ok", "ünï €uro 😀 \xf4\x8f\xbf\xbf");
	jw_str(&w, "bad", "a\xff" "b");
	jw_str(&w, "overlong", "\xc0\x80");
	jw_str(&w, "surrogate", "x\xed\xa0\x80y");
	jw_str(&w, "cut", "end\xe2\x82");
	jw_str(&w, "big", "\xf4\x90\x80\x80");
	jw_str(&w, "k\xfe", "key repaired");
	jw_close(&w);
	check_out(&b, "{\"ok\":\"ünï €uro 😀 \xf4\x8f\xbf\xbf\","
		      "\"bad\":\"a\xef\xbf\xbd" "b\","
		      "\"overlong\":\"\xef\xbf\xbd\xef\xbf\xbd\","
		      "\"surrogate\":\"x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy\","
		      "\"cut\":\"end\xef\xbf\xbd\xef\xbf\xbd\","
		      "\"big\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
		      "\"k\xef\xbf\xbd\":\"key repaired\"}\n");
	buf_free(&b);
}

/* jw_strn takes a length: embedded NULs are escaped, not truncation. */
static void test_strn(void **state)
{
	struct buf b = { 0 };
	struct jw w;
	yajl_val v;

	jw_open(&w, &b);
	jw_strn(&w, "log", "a\0b\xff", 4);
	jw_strn(&w, "part", "abcdef", 3);
	jw_strn(&w, "none", "", 0);
	jw_close(&w);
	check_out(&b, "{\"log\":\"a\\u0000b\xef\xbf\xbd\",\"part\":\"abc\","
		      "\"none\":\"\"}\n");
	v = parse_back(&b);
	const char *path[] = { "part", NULL };
	assert_string_equal(YAJL_GET_STRING(yajl_tree_get(v, path,
							  yajl_t_string)),
			    "abc");
	yajl_tree_free(v);
	buf_free(&b);
}

/* A long string of mixed bad bytes: valid JSON, one U+FFFD per bad byte. */
static void test_long_repair(void **state)
{
	struct buf b = { 0 };
	struct jw w;
	char in[3000];
	yajl_val v;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i % 3 ? 'a' : 0x80 | (i & 0x3f));
	jw_open(&w, &b);
	jw_strn(&w, "s", in, sizeof(in));
	jw_close(&w);
	v = parse_back(&b);
	const char *path[] = { "s", NULL };
	const char *s = YAJL_GET_STRING(yajl_tree_get(v, path, yajl_t_string));
	assert_non_null(s);
	assert_int_equal(strlen(s), 2000 + 1000 * 3);
	yajl_tree_free(v);
	buf_free(&b);
}

/* The pretty generator is for whole documents; it must stay valid. */
static void test_pretty(void **state)
{
	struct buf b = { 0 };
	struct jw w;
	yajl_val v;

	jw_open_pretty(&w, &b);
	jw_str(&w, "a", "b");
	jw_obj(&w, "o");
	jw_int(&w, "n", 1);
	jw_end_obj(&w);
	jw_close(&w);
	assert_non_null(memmem(buf_head(&b), buf_used(&b), "    \"a\": \"b\"",
			       12));
	assert_int_equal(buf_head(&b)[buf_used(&b) - 1], '\n');
	v = parse_back(&b);
	yajl_tree_free(v);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_object),
		cmocka_unit_test(test_ndjson_lines),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_integer_limits),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_utf8_repair),
		cmocka_unit_test(test_strn),
		cmocka_unit_test(test_long_repair),
		cmocka_unit_test(test_pretty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
