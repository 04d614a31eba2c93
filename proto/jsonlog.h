/* jsonlog.h - Docker's json-file log line format.
 *
 * One line per entry: {"log":"...","stream":"stdout","time":"..."} + LF.
 * "log" holds the bytes of one output line including its trailing "\n"
 * (a partial line has none); bytes that are not UTF-8 become U+FFFD.
 * "time" is RFC3339Nano in UTC as Go writes it: 2026-11-23T20:08:14.1152Z
 * (trailing zeros of the fraction dropped, no fraction when it is zero).
 * Pure functions: no fds, no state; an entry owns its log bytes. */
#ifndef SKIFF_JSONLOG_H
#define SKIFF_JSONLOG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

enum jsonlog_stream { JSONLOG_STDOUT = 0, JSONLOG_STDERR = 1 };
#define JSONLOG_NSTREAMS 2

/* Longest time string plus NUL ("2262-04-11T23:47:16.854775807Z"). */
#define JSONLOG_TIME_SIZE 40

struct jsonlog_entry {
	const char *log; /* the "log" bytes (may hold NULs), NUL-terminated */
	size_t len;	 /* bytes in log, terminator excluded */
	enum jsonlog_stream stream;
	int64_t time_ns; /* nanoseconds since the Unix epoch, UTC */
	struct buf store; /* owns log; reused by the next parse */
};

/* "stdout" or "stderr". */
const char *jsonlog_stream_name(enum jsonlog_stream s);

/* Append one line (with LF) for bytes[0..len) of stream at time_ns. */
void jsonlog_format(struct buf *out, const char *stream, const char *bytes,
		    size_t len, int64_t time_ns);

/* Parse one line (a trailing LF is allowed) into out, which may be reused
 * across calls. Unknown keys ("attrs") are ignored; "log", "stream" and
 * "time" are required. On failure returns -1 with e naming the key and
 * the problem, e.g. `"time": not RFC3339 at byte 11`. */
int jsonlog_parse(const char *line, size_t len, struct jsonlog_entry *out,
		  struct err *e);
void jsonlog_entry_free(struct jsonlog_entry *en);

/* RFC3339Nano UTC text of time_ns into buf (JSONLOG_TIME_SIZE bytes);
 * returns buf. For `logs --timestamps`. */
char *jsonlog_format_time(char *buf, int64_t time_ns);
/* Parse RFC3339 (any fraction length, "Z" or a +hh:mm offset) to
 * nanoseconds since the epoch. For --since/--until and for "time". */
int jsonlog_parse_time(const char *s, size_t len, int64_t *ns, struct err *e);

#endif
