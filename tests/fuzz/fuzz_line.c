/* fuzz_line.c - libFuzzer target for the request grammar (proto/line.c).
 *
 * Two properties per input:
 *  1. line_parse() of the bytes either fails cleanly or gives words that
 *     line_quote() turns back into a line parsing to the same words.
 *  2. The bytes split at NULs, taken as an argv, quote and parse back to
 *     the same argv (or are refused for bad UTF-8 or size, as documented).
 * The structs are static so their reuse across calls is fuzzed too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct line_words first, again;
static struct buf quoted;

static void same_words(const struct line_words *a, int argc,
		       char *const argv[])
{
	if (a->argc != argc || a->argv[argc])
		abort();
	for (int i = 0; i < argc; i++)
		if (strcmp(a->argv[i], argv[i]))
			abort();
}

/* Quote argv, parse it back, and demand the same words. */
static void round_trip(int argc, char *const argv[], bool may_be_bad)
{
	struct err e = ERR_INIT;

	buf_reset(&quoted);
	if (line_quote(&quoted, argc, argv, &e) < 0) {
		if (e.class == ERR_TOO_LARGE ||
		    (may_be_bad && e.class == ERR_INVALID))
			return;
		abort();
	}
	if (!buf_used(&quoted) ||
	    buf_head(&quoted)[buf_used(&quoted) - 1] != '\n' ||
	    memchr(buf_head(&quoted), '\n', buf_used(&quoted) - 1))
		abort(); /* exactly one line */
	if (line_parse(buf_head(&quoted), buf_used(&quoted) - 1, &again, &e) < 0)
		abort();
	same_words(&again, argc, argv);
}

static void parse_then_quote(const char *s, size_t n)
{
	struct err e = ERR_INIT;

	if (line_parse(s, n, &first, &e) < 0) {
		if (e.class != ERR_INVALID && e.class != ERR_TOO_LARGE)
			abort();
		if (!strstr(e.msg, "column") && e.class == ERR_INVALID)
			abort(); /* every syntax error names its column */
		return;
	}
	round_trip(first.argc, first.argv, false);
}

/* The input split at NUL bytes as an argv (at most 64 words). */
static void quote_then_parse(const char *s, size_t n)
{
	char *copy = malloc(n + 1), *argv[65];
	int argc = 0;

	if (!copy)
		abort();
	memcpy(copy, s, n);
	copy[n] = '\0';
	for (size_t i = 0; i <= n && argc < 64;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	if (n == 0)
		argc = 0;
	argv[argc] = NULL;
	round_trip(argc, argv, true);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_then_quote((const char *)data, size);
	quote_then_parse((const char *)data, size);
	return 0;
}
