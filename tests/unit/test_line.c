/* test_line.c - proto/line.c: the request grammar (line_parse, line_quote)
 * and utf8_valid. Each test owns its struct line_words and frees it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/line.h"

/* Parse s (no LF) and check the words; expect is NULL-terminated. */
static void parses_to(const char *s, const char *const *expect)
{
	struct line_words w = { 0 };
	struct err e = ERR_INIT;
	int n = 0;

	if (line_parse(s, strlen(s), &w, &e) != 0)
		fail_msg("line_parse(\"%s\"): %s", s, e.msg);
	while (expect[n])
		n++;
	assert_int_equal(w.argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(w.argv[i], expect[i]);
	assert_null(w.argv[n]);
	line_words_free(&w);
}

/* Parse line[0..len) and expect failure of class cls whose message
 * contains want. */
static void fails_with(const char *line, size_t len, enum err_class cls,
		       const char *want)
{
	struct line_words w = { 0 };
	struct err e = ERR_INIT;

	assert_int_equal(line_parse(line, len, &w, &e), -1);
	assert_int_equal(e.class, cls);
	if (!strstr(e.msg, want))
		fail_msg("error \"%s\" does not contain \"%s\"", e.msg, want);
	line_words_free(&w);
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_plain_words(void **state)
{
	parses_to("ps", WORDS("ps"));
	parses_to("run -d --name web -p 8080:80 alpine httpd -f",
		  WORDS("run", "-d", "--name", "web", "-p", "8080:80",
			"alpine", "httpd", "-f"));
}

static void test_spaces_and_tabs(void **state)
{
	parses_to("  a   b\t\tc \t d  ", WORDS("a", "b", "c", "d"));
	parses_to("\ta", WORDS("a"));
	parses_to("a\t", WORDS("a"));
}

static void test_double_quotes(void **state)
{
	parses_to("echo \"a b\" \"c\td\"", WORDS("echo", "a b", "c\td"));
	parses_to("\"a b\"c", WORDS("a bc"));
	parses_to("x\"a b\"", WORDS("xa b"));
	parses_to("\"a\"\"b\"", WORDS("ab"));
	parses_to("a\"\"b", WORDS("ab"));
	parses_to("--env=\"K=V W\"", WORDS("--env=K=V W"));
}

static void test_escapes(void **state)
{
	parses_to("\\\" \\\\ \\n \\t \\r \\x",
		  WORDS("\"", "\\", "\n", "\t", "\r", "x"));
	parses_to("\"in \\\"quotes\\\" \\\\ \\n\\t\\r \\q\"",
		  WORDS("in \"quotes\" \\ \n\t\r q"));
	parses_to("a\\ b", WORDS("a b"));
	parses_to("\\é", WORDS("é"));
}

static void test_empty_words(void **state)
{
	parses_to("\"\"", WORDS(""));
	parses_to("a \"\" b", WORDS("a", "", "b"));
	parses_to("\"\" \"\"", WORDS("", ""));
}

static void test_unbalanced_quote(void **state)
{
	fails_with("echo \"a b", 9, ERR_INVALID, "column 6");
	fails_with("\"a\" \"b\" \"", 9, ERR_INVALID, "column 9");
	fails_with("\"", 1, ERR_INVALID, "column 1");
}

static void test_backslash_at_end(void **state)
{
	fails_with("echo a\\", 7, ERR_INVALID, "column 7");
	fails_with("\"a\\", 3, ERR_INVALID, "backslash");
}

static void test_nul_bytes(void **state)
{
	fails_with("ab\0cd", 5, ERR_INVALID, "NUL byte at column 3");
	fails_with("\0", 1, ERR_INVALID, "column 1");
}

static void test_invalid_utf8(void **state)
{
	fails_with("ab \xc0\x80", 5, ERR_INVALID, "UTF-8 at column 4");
	fails_with("\xe0\x80\xaf", 3, ERR_INVALID, "column 1");
	fails_with("x \xed\xa0\x80", 5, ERR_INVALID, "column 3");
	fails_with("echo \xe2\x82", 7, ERR_INVALID, "column 6");
	fails_with("\xe2\x82 x", 4, ERR_INVALID, "column 1");
	fails_with("ok \xf4\x90\x80\x80", 7, ERR_INVALID, "column 4");
	fails_with("\xf5\x80\x80\x80", 4, ERR_INVALID, "column 1");
	fails_with("a\x80", 2, ERR_INVALID, "column 2");
	fails_with("\"\xff\"", 3, ERR_INVALID, "column 2");
}

/* The first bad byte is named, whichever kind it is. */
static void test_first_bad_byte(void **state)
{
	fails_with("a\xff b\0", 5, ERR_INVALID, "UTF-8 at column 2");
	fails_with("a\0 b\xff", 5, ERR_INVALID, "NUL byte at column 2");
}

static void test_valid_multibyte(void **state)
{
	parses_to("ünï €uro 😀 \"日本 語\"",
		  WORDS("ünï", "€uro", "😀", "日本 語"));
	parses_to("\xf4\x8f\xbf\xbf \xef\xbf\xbf",
		  WORDS("\xf4\x8f\xbf\xbf", "\xef\xbf\xbf"));
}

static void test_too_large(void **state)
{
	size_t n = LINE_MAX_BYTES + 1;
	char *big = malloc(n);
	struct line_words w = { 0 };
	struct err e = ERR_INIT;

	assert_non_null(big);
	memset(big, 'a', n);
	fails_with(big, n, ERR_TOO_LARGE, "limit");
	assert_int_equal(line_parse(big, n - 1, &w, &e), 0); /* at the limit */
	assert_int_equal(w.argc, 1);
	assert_int_equal(strlen(w.argv[0]), n - 1);
	line_words_free(&w);
	free(big);
}

static void test_trailing_cr(void **state)
{
	parses_to("ps -a\r", WORDS("ps", "-a"));
	parses_to("\"a b\"\r", WORDS("a b"));
	parses_to("\r", WORDS(NULL));
}

static void test_empty_line(void **state)
{
	struct line_words w = { 0 };
	struct err e = ERR_INIT;

	assert_int_equal(line_parse("", 0, &w, &e), 0);
	assert_int_equal(w.argc, 0);
	assert_non_null(w.argv);
	assert_null(w.argv[0]);
	assert_int_equal(line_parse(" \t ", 3, &w, &e), 0);
	assert_int_equal(w.argc, 0);
	assert_null(w.argv[0]);
	line_words_free(&w);
}

/* One struct line_words through many calls: more words than its first
 * capacity, then fewer, then failures, then success again. */
static void test_reuse(void **state)
{
	struct line_words w = { 0 };
	struct err e = ERR_INIT;
	char many[200];
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "w%d ", i);
	assert_int_equal(line_parse(many, n, &w, &e), 0);
	assert_int_equal(w.argc, 40);
	assert_string_equal(w.argv[39], "w39");
	assert_null(w.argv[40]);
	assert_int_equal(line_parse("a b", 3, &w, &e), 0);
	assert_int_equal(w.argc, 2);
	assert_string_equal(w.argv[1], "b");
	assert_null(w.argv[2]);
	assert_int_equal(line_parse("\"x", 2, &w, &e), -1);
	assert_int_equal(line_parse("\xff", 1, &w, &e), -1);
	assert_int_equal(line_parse("", 0, &w, &e), 0);
	assert_int_equal(w.argc, 0);
	assert_null(w.argv[0]);
	assert_int_equal(line_parse("last one", 8, &w, &e), 0);
	assert_int_equal(w.argc, 2);
	assert_string_equal(w.argv[0], "last");
	line_words_free(&w);
	assert_null(w.argv);
	line_words_free(&w); /* twice is harmless */
}

/* line_quote: plain words stay plain, others are quoted, LF ends. */
static void test_quote_exact(void **state)
{
	char *argv[] = { "run", "-d", "a b", "", "q\"x", "b\\s", "t\tn\nr\r",
			 "ünï", NULL };
	struct buf b = { 0 };
	struct err e = ERR_INIT;
	const char *want = "run -d \"a b\" \"\" \"q\\\"x\" \"b\\\\s\" "
			   "\"t\\tn\\nr\\r\" ünï\n";

	assert_int_equal(line_quote(&b, 8, argv, &e), 0);
	assert_int_equal(buf_used(&b), strlen(want));
	assert_memory_equal(buf_head(&b), want, strlen(want));
	buf_reset(&b);
	assert_int_equal(line_quote(&b, 0, argv, &e), 0);
	assert_int_equal(buf_used(&b), 1);
	assert_memory_equal(buf_head(&b), "\n", 1);
	buf_free(&b);
}

static void test_quote_errors(void **state)
{
	char *bad[] = { "ok", "x\xc0\x80", NULL };
	struct buf b = { 0 };
	struct err e = ERR_INIT;
	size_t n = LINE_MAX_BYTES / 2 + 1;
	char *big = malloc(n + 1);

	buf_puts(&b, "keep");
	assert_int_equal(line_quote(&b, 2, bad, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "argument 2"));
	assert_int_equal(buf_used(&b), 4); /* out is left as it was */
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	char *two[] = { big, big, NULL };
	assert_int_equal(line_quote(&b, 2, two, &e), -1);
	assert_int_equal(e.class, ERR_TOO_LARGE);
	assert_int_equal(buf_used(&b), 4);
	free(big);
	buf_free(&b);
}

/* xorshift64*: a fixed, portable sequence for the property test. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Random word of ASCII, specials, controls (never NUL) and UTF-8. */
static void random_word(uint64_t *s, char *out, size_t cap)
{
	static const char *const pieces[] = {
		" ", "\t", "\"", "\\", "\n", "\r", "\x01", "\x1b", "\x7f",
		"é", "€", "😀", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xed\x9f\xbf",
		"\xee\x80\x80", "\"\"", "\\n", "-", "=",
	};
	size_t len = rng_next(s) % 24, n = 0;

	for (size_t i = 0; i < len; i++) {
		uint64_t r = rng_next(s);
		const char *p;
		char ch[2] = { 0 };
		if (r % 3) {
			ch[0] = (char)(0x20 + (r >> 8) % 0x5f);
			p = ch;
		} else {
			p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(*pieces))];
		}
		size_t k = strlen(p);
		if (n + k >= cap)
			break;
		memcpy(out + n, p, k);
		n += k;
	}
	out[n] = '\0';
}

static void test_round_trip(void **state)
{
	static char words[12][128];
	char *argv[13];
	struct line_words w = { 0 };
	struct buf b = { 0 };
	struct err e = ERR_INIT;
	uint64_t seed = 0x5eed5eed5eedULL;

	for (int iter = 0; iter < 5000; iter++) {
		int argc = (int)(rng_next(&seed) % 13);
		for (int i = 0; i < argc; i++) {
			random_word(&seed, words[i], sizeof(words[i]));
			argv[i] = words[i];
		}
		argv[argc] = NULL;
		buf_reset(&b);
		assert_int_equal(line_quote(&b, argc, argv, &e), 0);
		assert_int_equal(buf_head(&b)[buf_used(&b) - 1], '\n');
		assert_null(memchr(buf_head(&b), '\n', buf_used(&b) - 1));
		if (line_parse(buf_head(&b), buf_used(&b) - 1, &w, &e))
			fail_msg("iteration %d: %s", iter, e.msg);
		assert_int_equal(w.argc, argc);
		for (int i = 0; i < argc; i++)
			assert_string_equal(w.argv[i], argv[i]);
		assert_null(w.argv[argc]);
	}
	line_words_free(&w);
	buf_free(&b);
}

static void valid(const char *s, size_t len)
{
	size_t bad = 99;

	if (!utf8_valid(s, len, &bad))
		fail_msg("valid UTF-8 rejected at %zu", bad);
}

static void invalid(const char *s, size_t len, size_t at)
{
	size_t bad = 99;

	assert_false(utf8_valid(s, len, &bad));
	assert_int_equal(bad, at);
	assert_false(utf8_valid(s, len, NULL));
}

static void test_utf8_valid(void **state)
{
	valid("", 0);
	valid("plain ascii \x7f", 13);
	valid("\xc2\x80 \xdf\xbf", 5);		  /* U+0080, U+07FF */
	valid("\xe0\xa0\x80 \xef\xbf\xbf", 7);	  /* U+0800, U+FFFF */
	valid("\xed\x9f\xbf \xee\x80\x80", 7);	  /* around surrogates */
	valid("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", 9); /* U+10000, U+10FFFF */
	valid("a\0b", 3); /* NUL is valid UTF-8; line_parse rejects it */
	invalid("\xc0\x80", 2, 0);	      /* overlong NUL */
	invalid("ab\xc1\xbf", 4, 2);	      /* overlong 2-byte */
	invalid("\xe0\x80\x80", 3, 0);	      /* overlong 3-byte */
	invalid("x\xe0\x9f\xbf", 4, 1);	      /* overlong U+07FF */
	invalid("\xf0\x8f\xbf\xbf", 4, 0);    /* overlong 4-byte */
	invalid("\xed\xa0\x80", 3, 0);	      /* U+D800 */
	invalid("ok\xed\xbf\xbf", 5, 2);      /* U+DFFF */
	invalid("\xf4\x90\x80\x80", 4, 0);    /* U+110000 */
	invalid("\xf5\x80\x80\x80", 4, 0);
	invalid("\xf8\x88\x80\x80\x80", 5, 0); /* 5-byte form */
	invalid("\xfe\xff", 2, 0);
	invalid("abc\x80", 4, 3);	 /* lone continuation */
	invalid("\xe2\x82", 2, 0);	 /* truncated at end */
	invalid("\xe2\x82z", 3, 0);	 /* truncated by ASCII */
	invalid("\xf0\x9f\x98", 3, 0);	 /* truncated 4-byte */
	invalid("é\xc3", 3, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_spaces_and_tabs),
		cmocka_unit_test(test_double_quotes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_empty_words),
		cmocka_unit_test(test_unbalanced_quote),
		cmocka_unit_test(test_backslash_at_end),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_first_bad_byte),
		cmocka_unit_test(test_valid_multibyte),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_trailing_cr),
		cmocka_unit_test(test_empty_line),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_quote_exact),
		cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_utf8_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
