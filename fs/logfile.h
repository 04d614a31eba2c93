/* logfile.h - a container's json-file log: the writer, its rotation and the
 * compression of rotated files.
 *
 * Files: PATH is the live file; PATH.1 ... PATH.<max_files-1> are rotated
 * generations, newest first, each either plain (PATH.N) or compressed
 * (PATH.N.zst). Only PATH.1 is ever compressed, once, right after a
 * rotation; fs/logread.h reads either form.
 *
 * Writing: the caller reads raw chunks from a container's stdout/stderr
 * pipe and hands each to logfile_write(), which cuts them into lines with
 * one partial-line buffer per stream, formats json-file lines
 * (proto/jsonlog.h) and appends them with one write() per call (two when
 * the call rotates). The fd is O_APPEND|O_CLOEXEC on a regular file:
 * writes land in the page cache and never wait for the disk, but they are
 * not non-blocking in the poll sense and their cost grows with the chunk,
 * so the CALLER bounds the work per wake-up (read at most a fixed number
 * of bytes per pipe per wake-up; the pipe holds the rest and pushes back
 * on the container, nothing is dropped). Nothing here fsyncs.
 *
 * Rotation: before a line would take the live file past max_size, the
 * file becomes PATH.1 (PATH.N shifts to PATH.N+1, the oldest is deleted)
 * and a new PATH is opened. A rotation leaves a compression job pending:
 * the caller runs logfile_compress() in a helper process and calls
 * logfile_compress_done() when it exits. While a job is pending the writer
 * does not rotate again (the helper is working on PATH.1); lines go on
 * into the live file past max_size, and logfile_congested() tells the
 * caller to stop reading the pipe until the job is done, so on-disk usage
 * stays near max_size * max_files.
 *
 * Memory: a struct logfile owns its fd, its path strings, two partial
 * buffers of at most LOGFILE_PARTIAL_MAX bytes and one output buffer. */
#ifndef SKIFF_LOGFILE_H
#define SKIFF_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/err.h"
#include "../proto/jsonlog.h"

/* Daemon-config defaults: rotation is on unless configured off. */
#define LOGFILE_DEFAULT_MAX_SIZE (10LL * 1024 * 1024)
#define LOGFILE_DEFAULT_MAX_FILES 3
/* A line longer than this goes out as partial entries of at most this
 * many bytes (Docker's 16 KiB), cut at a UTF-8 character boundary. */
#define LOGFILE_PARTIAL_MAX (16 * 1024)

struct logfile;

/* Open (create, mode 0640) or append to PATH. max_size 0 means no
 * rotation; max_files >= 1 counts PATH itself (1: truncate on rotation,
 * nothing is kept or compressed). If a rotated PATH.1 was left
 * uncompressed (the daemon died before its helper finished), the job is
 * pending at once: check logfile_compress_pending() after opening. */
struct logfile *logfile_open(const char *path, int64_t max_size,
			     int max_files, struct err *e);

/* Append bytes[0..len) read from stream, stamped now_ns (CLOCK_REALTIME
 * nanoseconds). Complete lines are written; the rest waits in the
 * stream's partial buffer. Returns 1 when this call rotated (a compression
 * job is now pending), 0 when not, -1 on an error: a failed write drops
 * the bytes it could not write and counts them in e (a full disk must not
 * grow memory; the next write starts on a fresh line); a failed rotation
 * keeps appending to PATH and is retried by the next call. A call that
 * fails may still have rotated: logfile_compress_pending() is the truth. */
int logfile_write(struct logfile *lf, enum jsonlog_stream stream,
		  const char *bytes, size_t len, int64_t now_ns, struct err *e);

/* Write out both streams' partial lines (no trailing "\n") as entries:
 * call when the container exits or its pipe reaches EOF. */
int logfile_flush_partial(struct logfile *lf, int64_t now_ns, struct err *e);

/* The pending compression job: src (PATH.1) and dst (PATH.1.zst), or
 * false when none is pending. The strings live as long as lf. */
bool logfile_compress_pending(const struct logfile *lf, const char **src,
			      const char **dst);
/* The helper for the pending job exited (success or not: a failed job
 * leaves PATH.1 plain, which readers accept). Allows the next rotation;
 * a caller that does not compress calls this right after a rotation. */
void logfile_compress_done(struct logfile *lf);
/* True while a job is pending and the live file is at or past max_size:
 * stop reading the container's pipes until logfile_compress_done(). */
bool logfile_congested(const struct logfile *lf);

/* Bytes in the live file (as written through lf). */
int64_t logfile_size(const struct logfile *lf);
/* Close the fd and free; unflushed partial lines are lost. NULL is ok. */
void logfile_close(struct logfile *lf);

/* Compress src into dst with zstd: write dst.tmp, fsync, rename to dst,
 * fsync the directory, unlink src. BLOCKING (reads and fsyncs a whole
 * file): run it in a short-lived helper process, never on the loop. */
int logfile_compress(const char *src, const char *dst, struct err *e);

/* Remove PATH and every rotated generation, plain, compressed or a
 * compression's leftover .tmp (for `rm`). Missing files are fine. */
int logfile_remove_all(const char *path, int max_files, struct err *e);

#endif
