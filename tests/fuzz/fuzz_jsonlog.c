/* fuzz_jsonlog.c - libFuzzer target for the json-file line format
 * (proto/jsonlog.c).
 *
 * 1. The input as a line: jsonlog_parse must not crash, and an entry it
 *    accepts must have a known stream and UTF-8 log bytes.
 * 2. The input as log bytes (its first byte picks the stream and time):
 *    jsonlog_format writes one LF-terminated line that jsonlog_parse reads
 *    back with the same stream and time, and with the same bytes when the
 *    input was valid UTF-8.
 * 3. The input as a time string: a time that parses formats and parses
 *    back to the same nanoseconds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/jsonlog.h"
#include "../../proto/line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;
static struct jsonlog_entry en;

static void check_parse(const char *in, size_t n)
{
	struct err e = ERR_INIT;

	if (jsonlog_parse(in, n, &en, &e) < 0) {
		if (!e.msg[0])
			abort(); /* every failure says why */
		return;
	}
	if (en.stream != JSONLOG_STDOUT && en.stream != JSONLOG_STDERR)
		abort();
	if (!utf8_valid(en.log, en.len, NULL) || en.log[en.len])
		abort();
}

static void check_roundtrip(const char *in, size_t n)
{
	enum jsonlog_stream s = n && (in[0] & 1) ? JSONLOG_STDERR
						 : JSONLOG_STDOUT;
	int64_t t = n ? (int64_t)in[0] * 1000000007LL : 0;
	struct err e = ERR_INIT;

	buf_reset(&out);
	jsonlog_format(&out, jsonlog_stream_name(s), in, n, t);
	if (buf_head(&out)[buf_used(&out) - 1] != '\n' ||
	    memchr(buf_head(&out), '\n', buf_used(&out) - 1))
		abort(); /* one line, LF-terminated */
	if (jsonlog_parse(buf_head(&out), buf_used(&out), &en, &e) < 0)
		abort();
	if (en.stream != s || en.time_ns != t)
		abort();
	if (utf8_valid(in, n, NULL) && (en.len != n || memcmp(en.log, in, n)))
		abort();
}

static void check_time(const char *in, size_t n)
{
	char t[JSONLOG_TIME_SIZE];
	struct err e = ERR_INIT;
	int64_t ns, back;

	if (jsonlog_parse_time(in, n, &ns, &e) < 0)
		return;
	jsonlog_format_time(t, ns);
	if (jsonlog_parse_time(t, strlen(t), &back, &e) < 0 || back != ns)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;

	check_parse(in, size);
	check_roundtrip(in, size);
	check_time(in, size);
	return 0;
}
