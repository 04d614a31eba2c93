/* test_jsonlog.c - proto/jsonlog.c: the json-file line format. Checks the
 * exact bytes written, the time text both ways, and that parse errors
 * name the key and the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/jsonlog.h"

#define T0 1795464494115285577LL /* 2026-11-23T20:08:14.115285577Z */

static void formats_to(const char *stream, const char *bytes, size_t len,
		       int64_t ns, const char *want)
{
	struct buf b = { 0 };

	jsonlog_format(&b, stream, bytes, len, ns);
	if (buf_used(&b) != strlen(want) || memcmp(buf_head(&b), want,
						   buf_used(&b)))
		fail_msg("got  %.*s\nwant %s", (int)buf_used(&b), buf_head(&b),
			 want);
	buf_free(&b);
}

static void test_format_exact(void **state)
{
	formats_to("stdout", "hello\n", 6, T0,
		   "{\"log\":\"hello\\n\",\"stream\":\"stdout\","
		   "\"time\":\"2026-11-23T20:08:14.115285577Z\"}\n");
	formats_to("stderr", "no newline", 10, T0,
		   "{\"log\":\"no newline\",\"stream\":\"stderr\","
		   "\"time\":\"2026-11-23T20:08:14.115285577Z\"}\n");
	formats_to("stdout", "", 0, 0,
		   "{\"log\":\"\",\"stream\":\"stdout\","
		   "\"time\":\"1970-01-01T00:00:00Z\"}\n");
}

static void test_format_escapes(void **state)
{
	static const char in[] = "a\"b\\c\td\re\x01\x1f/\0z\n";

	formats_to("stdout", in, sizeof(in) - 1, 0,
		   "{\"log\":\"a\\\"b\\\\c\\td\\re\\u0001\\u001F/"
		   "\\u0000z\\n\",\"stream\":\"stdout\","
		   "\"time\":\"1970-01-01T00:00:00Z\"}\n");
}

/* Each byte of a bad sequence becomes U+FFFD; good UTF-8 passes as is. */
static void test_format_bad_utf8(void **state)
{
	formats_to("stdout", "x\xff\xc3(y\xc3\xa9\n", 8, 0,
		   "{\"log\":\"x\xef\xbf\xbd\xef\xbf\xbd(y\xc3\xa9\\n\","
		   "\"stream\":\"stdout\","
		   "\"time\":\"1970-01-01T00:00:00Z\"}\n");
}

static void time_is(int64_t ns, const char *want)
{
	char t[JSONLOG_TIME_SIZE];
	struct err e = ERR_INIT;
	int64_t back = 0;

	assert_string_equal(jsonlog_format_time(t, ns), want);
	if (jsonlog_parse_time(t, strlen(t), &back, &e) < 0)
		fail_msg("%s: %s", t, e.msg);
	assert_true(back == ns);
}

/* Go's RFC3339Nano: trailing zeros of the fraction are dropped. */
static void test_time_format(void **state)
{
	time_is(T0, "2026-11-23T20:08:14.115285577Z");
	time_is(1795464494000000000LL, "2026-11-23T20:08:14Z");
	time_is(1795464494100000000LL, "2026-11-23T20:08:14.1Z");
	time_is(1795464494000000010LL, "2026-11-23T20:08:14.00000001Z");
	time_is(-1, "1969-12-31T23:59:59.999999999Z");
	time_is(951782400000000000LL, "2000-02-29T00:00:00Z");
	time_is(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
}

static void parses_time(const char *s, int64_t want)
{
	struct err e = ERR_INIT;
	int64_t ns = 0;

	if (jsonlog_parse_time(s, strlen(s), &ns, &e) < 0)
		fail_msg("%s: %s", s, e.msg);
	if (ns != want)
		fail_msg("%s: got %lld want %lld", s, (long long)ns,
			 (long long)want);
}

static void bad_time(const char *s, const char *want)
{
	struct err e = ERR_INIT;
	int64_t ns;

	assert_int_equal(jsonlog_parse_time(s, strlen(s), &ns, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	if (!strstr(e.msg, want))
		fail_msg("%s: got \"%s\", want \"%s\"", s, e.msg, want);
}

static void test_time_parse(void **state)
{
	parses_time("2026-11-23T20:08:14.115285577Z", T0);
	parses_time("2026-11-23t20:08:14.115285577z", T0);
	parses_time("2026-11-23T21:08:14.115285577+01:00", T0);
	parses_time("2026-11-23T19:38:14.115285577-00:30", T0);
	parses_time("2026-11-23T20:08:14.1152855779999Z", T0);
	parses_time("2026-11-23T20:08:14Z", 1795464494000000000LL);
	bad_time("2026-11-23", "not RFC3339 at column 11");
	bad_time("2026-11-23 20:08:14Z", "not RFC3339 at column 11");
	bad_time("2026-11-23T20:08:14", "not RFC3339 at column 20");
	bad_time("2026-11-23T20:08:14.Z", "not RFC3339");
	bad_time("2026-11-23T20:08:14Zjunk", "not RFC3339 at column 21");
	bad_time("2026-13-23T20:08:14Z", "month 13 out of range");
	bad_time("2025-02-29T20:08:14Z", "day 29 out of range");
	bad_time("2026-11-23T24:08:14Z", "hour 24 out of range");
	bad_time("2026-11-23T20:08:60Z", "second 60 out of range");
	bad_time("9999-11-23T20:08:14Z", "year 9999 out of range");
	bad_time("", "not RFC3339 at column 1");
}

static void test_parse_roundtrip(void **state)
{
	static const char in[] = "bin\0ary \xc3\xa9\n";
	struct jsonlog_entry en = { 0 };
	struct err e = ERR_INIT;
	struct buf b = { 0 };

	jsonlog_format(&b, "stderr", in, sizeof(in) - 1, T0);
	if (jsonlog_parse(buf_head(&b), buf_used(&b), &en, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(en.len, sizeof(in) - 1);
	assert_memory_equal(en.log, in, sizeof(in) - 1);
	assert_int_equal(en.log[en.len], '\0');
	assert_int_equal(en.stream, JSONLOG_STDERR);
	assert_true(en.time_ns == T0);
	/* Reuse: the second line replaces the first; no LF is fine too. */
	buf_reset(&b);
	jsonlog_format(&b, "stdout", "x", 1, 5);
	assert_int_equal(jsonlog_parse(buf_head(&b), buf_used(&b) - 1, &en,
				       &e),
			 0);
	assert_int_equal(en.len, 1);
	assert_string_equal(en.log, "x");
	assert_int_equal(en.stream, JSONLOG_STDOUT);
	assert_true(en.time_ns == 5);
	jsonlog_entry_free(&en);
	buf_free(&b);
}

/* Docker's "attrs" and other unknown keys are skipped, nested or not. */
static void test_parse_extra_keys(void **state)
{
	static const char line[] =
		"{\"attrs\":{\"a\":[1,{\"log\":2}],\"b\":null},\"log\":\"hi\","
		"\"x\":true,\"stream\":\"stdout\","
		"\"time\":\"1970-01-01T00:00:01Z\"}";
	struct jsonlog_entry en = { 0 };
	struct err e = ERR_INIT;

	if (jsonlog_parse(line, strlen(line), &en, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(en.log, "hi");
	assert_true(en.time_ns == 1000000000LL);
	jsonlog_entry_free(&en);
}

static void parse_fails(const char *line, const char *want)
{
	struct jsonlog_entry en = { 0 };
	struct err e = ERR_INIT;

	assert_int_equal(jsonlog_parse(line, strlen(line), &en, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	if (!strstr(e.msg, want))
		fail_msg("%s: got \"%s\", want \"%s\"", line, e.msg, want);
	jsonlog_entry_free(&en);
}

#define TM "\"time\":\"2026-11-23T20:08:14Z\""
static void test_parse_errors(void **state)
{
	parse_fails("{\"log\":\"a\",\"stream\":\"stdout\","
		    "\"time\":\"yesterday\"}",
		    "\"time\": not RFC3339 at column 1");
	parse_fails("{\"log\":\"a\",\"stream\":\"stdout\","
		    "\"time\":\"2026-11-23\"}",
		    "\"time\": not RFC3339");
	parse_fails("{\"log\":\"a\",\"stream\":\"stdin\"," TM "}",
		    "\"stream\": not \"stdout\" or \"stderr\"");
	parse_fails("{\"log\":5,\"stream\":\"stdout\"," TM "}",
		    "\"log\": a number, not a string");
	parse_fails("{\"log\":[],\"stream\":\"stdout\"," TM "}",
		    "\"log\": an array, not a string");
	parse_fails("{\"log\":\"a\",\"stream\":null," TM "}",
		    "\"stream\": null, not a string");
	parse_fails("{\"log\":\"a\",\"stream\":\"stdout\",\"time\":{}}",
		    "\"time\": an object, not a string");
	parse_fails("{\"stream\":\"stdout\"," TM "}", "\"log\": missing");
	parse_fails("{\"log\":\"a\"," TM "}", "\"stream\": missing");
	parse_fails("{\"log\":\"a\",\"stream\":\"stdout\"}",
		    "\"time\": missing");
	parse_fails("[1]", "not a JSON object");
	parse_fails("\"log\"", "not a JSON object");
	parse_fails("{\"log\":\"a\"", "not JSON");
	parse_fails("{\"log\":\"a\"} {}", "not JSON");
	parse_fails("{\"log\":\"\xff\"}", "not JSON");
	parse_fails("\n", "empty line");
}

static void test_parse_deep(void **state)
{
	char line[400] = "{\"x\":";
	size_t n = strlen(line);

	for (int i = 0; i < 100; i++)
		line[n++] = '[';
	line[n] = '\0';
	parse_fails(line, "nested too deeply");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_escapes),
		cmocka_unit_test(test_format_bad_utf8),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_extra_keys),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
