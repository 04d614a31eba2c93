/* logfile.c - the json-file log writer, rotation and zstd compression of
 * rotated files (see logfile.h). Owns one O_APPEND fd per struct logfile;
 * logfile_compress() owns its own fds and runs in a helper process. */
#include "logfile.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "../core/base/buf.h"
#include "../core/base/cleanup.h"
#include "../core/base/file.h"

#define NAME_SLACK 32 /* room for ".<gen>.zst.tmp" after the path */

struct logfile {
	char *path;	/* the live file */
	char *gen1;	/* path.1 */
	char *gen1_zst; /* path.1.zst */
	int fd;		/* O_APPEND on path, -1 after a failed reopen */
	int64_t size;	/* bytes in the live file */
	int64_t max_size;
	int max_files;
	bool pending; /* path.1 waits for (or is under) compression */
	bool torn;    /* a failed write stopped mid-line */
	bool stuck;   /* rotation failed in this call: retry in the next */
	struct buf partial[JSONLOG_NSTREAMS]; /* bytes after the last LF */
	struct buf out; /* formatted lines not yet written */
};

/* path.N plus suffix ("" or ".zst" or ".zst.tmp") into name[PATH_MAX];
 * logfile_open() refused paths that could not fit. */
static void logfile_gen_name(char *name, const char *path, int n,
			     const char *suffix)
{
	snprintf(name, PATH_MAX, "%s.%d%s", path, n, suffix);
}

static bool logfile_exists(const char *name)
{
	return access(name, F_OK) == 0;
}

/* unlink that is quiet about ENOENT; returns -1 (with e) on other errors. */
static int logfile_unlink(const char *name, struct err *e)
{
	if (unlink(name) < 0 && errno != ENOENT)
		return err_set(e, errno, "unlink %s", name);
	return 0;
}

static int logfile_rename(const char *from, const char *to, struct err *e)
{
	if (rename(from, to) < 0 && errno != ENOENT)
		return err_set(e, errno, "rename %s", from);
	return 0;
}

/* write() all of p[0..n) (regular files may write short on ENOSPC). */
static int logfile_write_full(int fd, const char *p, size_t n, size_t *done)
{
	ssize_t r;

	*done = 0;
	while (*done < n) {
		r = write(fd, p + *done, n - *done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : (errno = ENOSPC, -1);
		*done += (size_t)r;
	}
	return 0;
}

/* ---- the live file ---- */

static int logfile_open_live(struct logfile *lf, bool trunc, struct err *e)
{
	struct stat st;
	int fd;

	fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
				    (trunc ? O_TRUNC : 0),
		  0640);
	if (fd < 0)
		return err_set(e, errno, "open %s", lf->path);
	if (fstat(fd, &st) < 0) {
		err_set(e, errno, "stat %s", lf->path);
		close(fd);
		return -1;
	}
	lf->fd = fd;
	lf->size = st.st_size;
	return 0;
}

/* Write the first n bytes of lf->out. On failure they are dropped (a full
 * disk must not grow memory) and a torn line is ended by the next write. */
static int logfile_flush_out(struct logfile *lf, size_t n, struct err *e)
{
	size_t done = 0;
	int r = -1;

	if (!n)
		return 0;
	if (lf->fd < 0 && logfile_open_live(lf, false, e) < 0)
		goto drop;
	if (lf->torn) {
		if (logfile_write_full(lf->fd, "\n", 1, &done) < 0)
			goto fail;
		lf->size++;
		lf->torn = false;
	}
	r = logfile_write_full(lf->fd, buf_head(&lf->out), n, &done);
	lf->size += (int64_t)done;
	if (r == 0) {
		buf_consume(&lf->out, n);
		return 0;
	}
	lf->torn = done > 0;
fail:
	err_set(e, errno, "write %s", lf->path);
drop:
	buf_consume(&lf->out, n);
	return err_wrap(e, "%zu bytes of log lost", n - done);
}

/* Shift path.N -> path.N+1 (both forms), dropping the oldest generation,
 * then path -> path.1. */
static int logfile_shift(struct logfile *lf, struct err *e)
{
	static const char *const forms[] = { "", ".zst" };
	char from[PATH_MAX], to[PATH_MAX];

	for (size_t f = 0; f < ARRAY_SIZE(forms); f++) {
		logfile_gen_name(to, lf->path, lf->max_files - 1, forms[f]);
		if (logfile_unlink(to, e) < 0)
			return -1;
		for (int n = lf->max_files - 2; n >= 1; n--) {
			logfile_gen_name(from, lf->path, n, forms[f]);
			logfile_gen_name(to, lf->path, n + 1, forms[f]);
			if (logfile_rename(from, to, e) < 0)
				return -1;
		}
	}
	if (rename(lf->path, lf->gen1) < 0)
		return err_set(e, errno, "rename %s", lf->path);
	return 0;
}

/* The live file is full: rotate it, or truncate it when max_files is 1.
 * On failure the writer goes on appending to the same file. */
static int logfile_rotate(struct logfile *lf, struct err *e)
{
	bool keep = lf->max_files > 1;
	int r = 0;

	close(lf->fd);
	lf->fd = -1;
	if (keep && logfile_shift(lf, e) < 0) {
		r = err_wrap(e, "rotate %s", lf->path);
		lf->stuck = true;
	}
	if (logfile_open_live(lf, !keep, r < 0 ? NULL : e) < 0)
		return -1;
	if (r < 0)
		return -1;
	lf->pending = keep;
	return keep; /* 1: a job is pending */
}

/* Would the entry that starts at `start` in lf->out overfill the file? */
static bool logfile_full(const struct logfile *lf, size_t start)
{
	int64_t before = lf->size + (int64_t)start;

	return lf->max_size > 0 && !lf->pending && !lf->stuck && before > 0 &&
	       before + (int64_t)(buf_used(&lf->out) - start) > lf->max_size;
}

/* Format one entry into lf->out; rotate first if it would not fit.
 * Returns 1 if it rotated, 0 if not, -1 on an error (the entry is kept). */
static int logfile_emit(struct logfile *lf, enum jsonlog_stream s,
			const char *p, size_t n, int64_t now_ns, struct err *e)
{
	size_t start = buf_used(&lf->out);
	int r;

	jsonlog_format(&lf->out, jsonlog_stream_name(s), p, n, now_ns);
	if (!logfile_full(lf, start))
		return 0;
	r = logfile_flush_out(lf, start, e);
	if (r == 0)
		r = logfile_rotate(lf, e);
	return r;
}

/* ---- cutting chunks into lines ---- */

/* Length of p[0..n) without a trailing incomplete UTF-8 sequence, so a
 * forced cut does not split a character (0 if that would leave none). */
static size_t logfile_utf8_cut(const unsigned char *p, size_t n)
{
	size_t i = n, need;

	while (i > 0 && n - i < 3 && (p[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || p[i - 1] < 0xc2 || p[i - 1] > 0xf4)
		return n;
	need = p[i - 1] >= 0xf0 ? 4 : p[i - 1] >= 0xe0 ? 3 : 2;
	return i - 1 + need > n ? i - 1 : n;
}

/* Merge status r into the running status: -1 sticks, rotations count. */
static int logfile_status(int acc, int r)
{
	return acc < 0 || r < 0 ? -1 : acc | r;
}

/* Entry for a complete line: the stream's partial bytes plus p[0..n). */
static int logfile_line(struct logfile *lf, enum jsonlog_stream s,
			const char *p, size_t n, int64_t now_ns, struct err *e)
{
	struct buf *part = &lf->partial[s];
	int r;

	if (!buf_used(part))
		return logfile_emit(lf, s, p, n, now_ns, e);
	buf_append(part, p, n);
	r = logfile_emit(lf, s, buf_head(part), buf_used(part), now_ns, e);
	buf_reset(part);
	return r;
}

/* The partial buffer is full with no LF: out goes a partial entry. */
static int logfile_cut(struct logfile *lf, enum jsonlog_stream s,
		       int64_t now_ns, struct err *e)
{
	struct buf *part = &lf->partial[s];
	size_t n = logfile_utf8_cut((unsigned char *)buf_head(part),
				    buf_used(part));
	int r = logfile_emit(lf, s, buf_head(part), n, now_ns, e);

	buf_consume(part, n);
	return r;
}

/* Cut bytes into entries: each ends at an LF or at LOGFILE_PARTIAL_MAX
 * bytes; the tail waits in the stream's partial buffer. */
static int logfile_split(struct logfile *lf, enum jsonlog_stream s,
			 const char *bytes, size_t len, int64_t now_ns,
			 struct err *e)
{
	struct buf *part = &lf->partial[s];
	int st = 0;

	while (len) {
		size_t room = LOGFILE_PARTIAL_MAX - buf_used(part);
		const char *nl = memchr(bytes, '\n', len < room ? len : room);
		size_t n = nl ? (size_t)(nl - bytes) + 1 : len;

		if (nl) {
			st = logfile_status(
				st, logfile_line(lf, s, bytes, n, now_ns, e));
		} else if (len < room) {
			buf_append(part, bytes, len);
		} else {
			n = room;
			buf_append(part, bytes, n);
			st = logfile_status(st, logfile_cut(lf, s, now_ns, e));
		}
		bytes += n;
		len -= n;
	}
	return st;
}

int logfile_write(struct logfile *lf, enum jsonlog_stream stream,
		  const char *bytes, size_t len, int64_t now_ns, struct err *e)
{
	int st;

	if ((unsigned)stream >= JSONLOG_NSTREAMS)
		return err_setc(e, ERR_INVALID, "log stream %d", (int)stream);
	lf->stuck = false;
	st = logfile_split(lf, stream, bytes, len, now_ns, e);
	if (logfile_flush_out(lf, buf_used(&lf->out), e) < 0)
		return -1;
	return st;
}

int logfile_flush_partial(struct logfile *lf, int64_t now_ns, struct err *e)
{
	int st = 0;

	lf->stuck = false;
	for (int s = 0; s < JSONLOG_NSTREAMS; s++) {
		struct buf *part = &lf->partial[s];
		if (!buf_used(part))
			continue;
		int r = logfile_emit(lf, s, buf_head(part), buf_used(part),
				     now_ns, e);
		st = logfile_status(st, r);
		buf_reset(part);
	}
	if (logfile_flush_out(lf, buf_used(&lf->out), e) < 0)
		return -1;
	return st;
}

/* ---- compression jobs ---- */

bool logfile_compress_pending(const struct logfile *lf, const char **src,
			      const char **dst)
{
	if (!lf->pending)
		return false;
	*src = lf->gen1;
	*dst = lf->gen1_zst;
	return true;
}

void logfile_compress_done(struct logfile *lf)
{
	lf->pending = false;
}

bool logfile_congested(const struct logfile *lf)
{
	return lf->pending && lf->max_size > 0 && lf->size >= lf->max_size;
}

int64_t logfile_size(const struct logfile *lf)
{
	return lf->size;
}

/* ---- open and close ---- */

/* What a previous writer left: a finished job whose src survived (drop
 * it), an unfinished one (pending again), generations past max_files
 * (the limit shrank: delete them). */
static int logfile_recover(struct logfile *lf, struct err *e)
{
	char name[PATH_MAX];

	logfile_gen_name(name, lf->path, 1, ".zst.tmp");
	if (logfile_unlink(name, e) < 0)
		return -1;
	if (logfile_exists(lf->gen1_zst) && logfile_unlink(lf->gen1, e) < 0)
		return -1;
	lf->pending = lf->max_files > 1 && logfile_exists(lf->gen1);
	for (int n = lf->max_files; n < INT_MAX; n++) {
		logfile_gen_name(name, lf->path, n, "");
		bool plain = logfile_exists(name);
		if (plain && logfile_unlink(name, e) < 0)
			return -1;
		logfile_gen_name(name, lf->path, n, ".zst");
		if (!logfile_exists(name) && !plain)
			break;
		if (logfile_unlink(name, e) < 0)
			return -1;
	}
	return 0;
}

static int logfile_names(struct logfile *lf, const char *path, struct err *e)
{
	if (strlen(path) + NAME_SLACK >= PATH_MAX)
		return err_setc(e, ERR_INVALID, "log path too long");
	lf->path = strdup(path);
	if (asprintf(&lf->gen1, "%s.1", path) < 0)
		lf->gen1 = NULL;
	if (asprintf(&lf->gen1_zst, "%s.1.zst", path) < 0)
		lf->gen1_zst = NULL;
	if (!lf->path || !lf->gen1 || !lf->gen1_zst)
		return err_set(e, ENOMEM, "log path");
	return 0;
}

struct logfile *logfile_open(const char *path, int64_t max_size,
			     int max_files, struct err *e)
{
	struct logfile *lf;

	if (max_size < 0 || max_files < 1) {
		err_setc(e, ERR_INVALID, "log max-size %lld, max-file %d",
			 (long long)max_size, max_files);
		return NULL;
	}
	lf = calloc(1, sizeof(*lf));
	if (!lf) {
		err_set(e, ENOMEM, "log %s", path);
		return NULL;
	}
	lf->fd = -1;
	lf->max_size = max_size;
	lf->max_files = max_files;
	if (logfile_names(lf, path, e) < 0 || logfile_recover(lf, e) < 0 ||
	    logfile_open_live(lf, false, e) < 0) {
		logfile_close(lf);
		return NULL;
	}
	return lf;
}

void logfile_close(struct logfile *lf)
{
	if (!lf)
		return;
	if (lf->fd >= 0)
		close(lf->fd);
	for (int s = 0; s < JSONLOG_NSTREAMS; s++)
		buf_free(&lf->partial[s]);
	buf_free(&lf->out);
	free(lf->path);
	free(lf->gen1);
	free(lf->gen1_zst);
	free(lf);
}

int logfile_remove_all(const char *path, int max_files, struct err *e)
{
	static const char *const forms[] = { "", ".zst", ".zst.tmp" };
	char name[PATH_MAX];
	bool any = true;
	int r;

	if (strlen(path) + NAME_SLACK >= PATH_MAX)
		return err_setc(e, ERR_INVALID, "log path too long");
	r = logfile_unlink(path, e);
	for (int n = 1; n < INT_MAX && (any || n < max_files); n++) {
		any = false;
		for (size_t f = 0; f < ARRAY_SIZE(forms); f++) {
			logfile_gen_name(name, path, n, forms[f]);
			any |= logfile_exists(name);
			if (logfile_unlink(name, e) < 0)
				r = -1;
		}
	}
	return r;
}

/* ---- the compressor (helper process) ---- */

static void logfile_cctx_freep(ZSTD_CCtx **c)
{
	ZSTD_freeCCtx(*c); /* accepts NULL */
}

/* Run one compressStream2 step to completion, writing what it makes. */
static int logfile_zstd_step(ZSTD_CCtx *c, ZSTD_inBuffer *in,
			     ZSTD_EndDirective mode, int fd, struct err *e)
{
	char obuf[64 * 1024];
	size_t left, done;

	do {
		ZSTD_outBuffer out = { obuf, sizeof(obuf), 0 };
		left = ZSTD_compressStream2(c, &out, in, mode);
		if (ZSTD_isError(left))
			return err_setc(e, ERR_INTERNAL, "zstd: %s",
					ZSTD_getErrorName(left));
		if (logfile_write_full(fd, obuf, out.pos, &done) < 0)
			return err_set(e, errno, "write");
	} while (mode == ZSTD_e_end ? left != 0 : in->pos < in->size);
	return 0;
}

/* Compress all of in into out: a single frame with a checksum. */
static int logfile_zstd(int in, int out, struct err *e)
{
	_cleanup_(logfile_cctx_freep) ZSTD_CCtx *c = ZSTD_createCCtx();
	char ibuf[128 * 1024];
	ssize_t n;

	if (!c)
		return err_set(e, ENOMEM, "zstd");
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	for (;;) {
		n = read(in, ibuf, sizeof(ibuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "read");
		ZSTD_inBuffer zin = { ibuf, (size_t)n, 0 };
		if (logfile_zstd_step(c, &zin, n ? ZSTD_e_continue : ZSTD_e_end,
				      out, e) < 0)
			return -1;
		if (!n)
			return 0;
	}
}

/* src -> tmp, durably: compressed, fsync'd and closed. */
static int logfile_compress_tmp(const char *src, const char *tmp,
				struct err *e)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	int out;

	if (in < 0)
		return err_set(e, errno, "open %s", src);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0)
		return err_set(e, errno, "open %s", tmp);
	if (logfile_zstd(in, out, e) < 0) {
		close(out);
		return err_wrap(e, "%s", tmp);
	}
	if (fsync(out) < 0) {
		err_set(e, errno, "fsync %s", tmp);
		close(out);
		return -1;
	}
	if (close(out) < 0)
		return err_set(e, errno, "close %s", tmp);
	return 0;
}

int logfile_compress(const char *src, const char *dst, struct err *e)
{
	_cleanup_free_ char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp", dst) < 0) {
		tmp = NULL;
		return err_set(e, ENOMEM, "compress %s", src);
	}
	if (logfile_compress_tmp(src, tmp, e) < 0)
		goto fail;
	if (rename(tmp, dst) < 0) {
		err_set(e, errno, "rename %s", tmp);
		goto fail;
	}
	if (file_fsync_parent(AT_FDCWD, dst, e) < 0 || logfile_unlink(src, e) < 0)
		return err_wrap(e, "compress %s", src);
	return 0;
fail:
	unlink(tmp);
	return err_wrap(e, "compress %s", src);
}
