/* logread.h - reading a container's json-file log back for `logs`.
 *
 * A reader walks the generations a fs/logfile.h writer leaves, oldest to
 * newest: PATH.<max_files-1> ... PATH.1 (each plain or .zst, whichever
 * exists; zstd is decompressed as a stream), then PATH. It applies the
 * stream, --since/--until and --tail filters, and in follow mode goes on
 * with PATH as it grows and across rotations.
 *
 * Every file is opened by logread_open(), so a rotation or compression
 * that runs meanwhile moves names, not the files being read. In follow
 * mode, at the end of PATH the reader checks PATH's inode: a new inode
 * means the writer rotated, so the old file (now PATH.1, or gone after
 * compression; the open fd still reads it) is finished first and the new
 * PATH is read from 0; a size below the read offset means it was
 * truncated (max_files 1), and reading restarts at 0. A follower that
 * falls more than one whole rotation behind (its client stopped reading
 * for over max_size bytes of output) goes on with the new PATH and misses
 * the generations rotated in between.
 *
 * Regular files cannot be read non-blocking. Instead each logread_next()
 * reads at most LOGREAD_CALL_BYTES from disk (and as much decompressed),
 * so a daemon can call it from a stream producer without holding the
 * loop. Lines that do not parse are skipped and counted. Memory: one text
 * buffer (a line is at most LOGREAD_LINE_MAX; longer ones are skipped),
 * one zstd stream at a time, one fd per generation until it is done. */
#ifndef SKIFF_LOGREAD_H
#define SKIFF_LOGREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/base/err.h"
#include "../proto/jsonlog.h"

#define LOGREAD_STDOUT (1u << JSONLOG_STDOUT)
#define LOGREAD_STDERR (1u << JSONLOG_STDERR)
#define LOGREAD_CALL_BYTES (256 * 1024) /* disk bytes per logread_next */
#define LOGREAD_LINE_MAX (1024 * 1024)	/* longer lines are skipped */

struct logread_opts {
	unsigned streams; /* LOGREAD_STDOUT | LOGREAD_STDERR; 0 means both */
	int64_t since_ns; /* only entries with time >= since; 0: no bound */
	int64_t until_ns; /* only entries with time <= until; 0: no bound */
	long long tail;	  /* only the last N matching entries; < 0: all */
	bool follow;	  /* go on with new entries until until_ns */
	int max_files;	  /* the writer's; 0: every generation found */
};

/* What logread_next() returning 0 means. */
enum logread_state {
	LOGREAD_READY, /* this call's read budget ran out: call again soon */
	LOGREAD_WAIT,  /* follow: at the end of PATH; call again when the
			* writer has written (or on a timer) */
	LOGREAD_END,   /* no more entries, ever */
};

struct logread;

/* Open every generation of PATH now. A missing PATH is an empty log
 * (follow waits for it to appear). */
struct logread *logread_open(const char *path, const struct logread_opts *o,
			     struct err *e);
/* 1: the next entry is in out (valid until the next call; out may be
 * reused, free it with jsonlog_entry_free()); 0: nothing more now, see
 * logread_state(); -1: a read error (e says which file). */
int logread_next(struct logread *r, struct jsonlog_entry *out,
		 struct err *e);
enum logread_state logread_state(const struct logread *r);
/* Lines skipped because they did not parse, were too long, or sat in a
 * corrupt .zst file. */
unsigned long long logread_skipped(const struct logread *r);
void logread_free(struct logread *r);

#endif
