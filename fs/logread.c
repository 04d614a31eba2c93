/* logread.c - the json-file log reader (see logread.h). Owns one fd per
 * generation until that generation is read, one zstd stream for the .zst
 * file being read, and the text buffer lines are cut from.
 *
 * --tail runs in two phases over the same open files: COUNT reads the
 * generations newest first, counting matching entries until it has seen
 * N (or run out); EMIT rewinds to the generation where the last N start,
 * passes over the surplus and hands out the rest. Both phases read within
 * the per-call budget, so a long count returns 0 with LOGREAD_READY. */
#include "logread.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "../core/base/buf.h"

#define READ_CHUNK (64 * 1024)
#define SCAN_MAX_GENS 10000 /* max_files 0: stop looking past this */
#define READ_WINDOW_LOG_MAX 23 /* 8 MiB decompression window at most */

struct logread_src {
	int fd;		   /* -1: PATH not there (yet) */
	bool zst;	   /* a .zst generation */
	ZSTD_DCtx *z;	   /* made when the source is first read */
	struct buf zin;	   /* compressed bytes not yet decompressed */
	bool frame_open;   /* decompression is inside a frame */
	bool out_full;	   /* the last step filled its output: more may wait */
	dev_t dev;	   /* identity of the open file, for rotation */
	ino_t ino;
	int64_t off;	   /* bytes read from fd */
	bool rotated;	   /* PATH now names another file: drain, switch */
};

enum logread_phase { PHASE_COUNT, PHASE_EMIT };

struct logread {
	char *path;
	struct logread_opts o;
	struct logread_src *src; /* oldest generation first; last is PATH */
	int nsrc;
	int cur;		 /* the source being read */
	enum logread_phase phase;
	long long counted;	 /* COUNT: matching entries in newer sources */
	long long count_cur;	 /* COUNT: matching entries in cur */
	long long skip;		 /* EMIT: matching entries to pass over */
	struct buf text;	 /* bytes of cur not yet cut into lines */
	bool overlong;		 /* dropping the rest of a too-long line */
	size_t budget;		 /* bytes this call may still read */
	enum logread_state state;
	unsigned long long skipped;
	struct jsonlog_entry scratch; /* COUNT parses here */
};

/* A bad line counts once: in EMIT, not again when COUNT passed it. */
static void logread_bad(struct logread *r)
{
	if (r->phase == PHASE_EMIT)
		r->skipped++;
}

/* ---- sources ---- */

static int logread_src_open(struct logread_src *s, const char *name,
			    bool zst, struct err *e)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->zst = zst;
	s->fd = open(name, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return errno == ENOENT ? 0 : err_set(e, errno, "open %s", name);
	if (fstat(s->fd, &st) < 0)
		return err_set(e, errno, "stat %s", name);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 1;
}

static void logread_src_close(struct logread_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	ZSTD_freeDCtx(s->z);
	s->z = NULL;
	buf_free(&s->zin);
}

static int logread_src_rewind(struct logread_src *s, struct err *e)
{
	if (s->fd >= 0 && lseek(s->fd, 0, SEEK_SET) < 0)
		return err_set(e, errno, "seek");
	s->off = 0;
	buf_reset(&s->zin);
	s->frame_open = s->out_full = false;
	if (s->z)
		ZSTD_DCtx_reset(s->z, ZSTD_reset_session_only);
	return 0;
}

/* Generation g, plain first: a compression renames .zst into place
 * before it unlinks the plain file, so one of the two is always there. */
static int logread_open_gen(struct logread *r, int g, struct err *e)
{
	char name[PATH_MAX];
	struct logread_src *s = &r->src[r->nsrc];
	int ok;

	snprintf(name, sizeof(name), "%s.%d", r->path, g);
	ok = logread_src_open(s, name, false, e);
	if (ok == 0) {
		snprintf(name, sizeof(name), "%s.%d.zst", r->path, g);
		ok = logread_src_open(s, name, true, e);
	}
	if (ok < 0) {
		logread_src_close(s);
		return -1;
	}
	if (ok > 0)
		r->nsrc++;
	return 0;
}

/* The oldest generation to look at: max_files - 1, or with max_files 0
 * the last of the unbroken run PATH.1, PATH.2, ... */
static int logread_oldest(const struct logread *r)
{
	char a[PATH_MAX], b[PATH_MAX];
	int g = 0;

	if (r->o.max_files > 0)
		return r->o.max_files - 1;
	while (g < SCAN_MAX_GENS) {
		snprintf(a, sizeof(a), "%s.%d", r->path, g + 1);
		snprintf(b, sizeof(b), "%s.%d.zst", r->path, g + 1);
		if (access(a, F_OK) < 0 && access(b, F_OK) < 0)
			break;
		g++;
	}
	return g;
}

static int logread_open_all(struct logread *r, struct err *e)
{
	int oldest = logread_oldest(r);

	r->src = calloc((size_t)oldest + 1, sizeof(*r->src));
	if (!r->src)
		return err_set(e, ENOMEM, "logs %s", r->path);
	for (int g = oldest; g >= 1; g--)
		if (logread_open_gen(r, g, e) < 0)
			return -1;
	if (logread_src_open(&r->src[r->nsrc], r->path, false, e) < 0)
		return -1;
	r->nsrc++; /* PATH, even when missing (fd -1) */
	return 0;
}

/* ---- reading bytes ---- */

static size_t logread_chunk(const struct logread *r)
{
	return r->budget < READ_CHUNK ? r->budget : READ_CHUNK;
}

/* read() into b; returns bytes read (0 at EOF) or -1. */
static ssize_t logread_read(struct logread *r, struct logread_src *s,
			    struct buf *b, struct err *e)
{
	size_t want = logread_chunk(r);
	ssize_t n;

	do
		n = read(s->fd, buf_reserve(b, want), want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, errno, "read %s", r->path);
	b->len += (size_t)n;
	s->off += n;
	r->budget -= (size_t)n;
	return n;
}

/* Decompress some of s->zin into r->text. Returns 1, or 0 when the file
 * is corrupt (it is then dropped and counted). */
static int logread_inflate(struct logread *r, struct logread_src *s)
{
	size_t want = logread_chunk(r) ? logread_chunk(r) : 1;
	size_t have = buf_used(&s->zin);
	ZSTD_inBuffer in = { have ? buf_head(&s->zin) : "", have, 0 };
	ZSTD_outBuffer out = { buf_reserve(&r->text, want), want, 0 };
	size_t ret = ZSTD_decompressStream(s->z, &out, &in);

	if (ZSTD_isError(ret)) {
		logread_bad(r);
		return 0;
	}
	s->frame_open = ret != 0;
	s->out_full = out.pos == out.size;
	buf_consume(&s->zin, in.pos);
	r->text.len += out.pos;
	r->budget -= out.pos < r->budget ? out.pos : r->budget;
	return 1;
}

/* Fill r->text from a .zst source: 1 progress, 0 end, -1 error. */
static int logread_fill_zst(struct logread *r, struct logread_src *s,
			    struct err *e)
{
	ssize_t n;

	if (!s->z) {
		s->z = ZSTD_createDCtx();
		if (!s->z)
			return err_set(e, ENOMEM, "zstd");
		/* bound the window a hostile file can ask for; ours use 2 MiB */
		ZSTD_DCtx_setParameter(s->z, ZSTD_d_windowLogMax,
				       READ_WINDOW_LOG_MAX);
	}
	if (!buf_used(&s->zin) && !s->out_full) {
		n = logread_read(r, s, &s->zin, e);
		if (n < 0)
			return -1;
		if (n == 0 && s->frame_open) /* truncated in a frame */
			logread_bad(r);
		if (n == 0)
			return 0;
	}
	return logread_inflate(r, s);
}

/* More bytes of the current source into r->text: 1 progress, 0 end of
 * the source (for now), -1 error. */
static int logread_fill(struct logread *r, struct err *e)
{
	struct logread_src *s = &r->src[r->cur];
	ssize_t n;

	if (s->fd < 0)
		return 0;
	if (s->zst)
		return logread_fill_zst(r, s, e);
	n = logread_read(r, s, &r->text, e);
	return n < 0 ? -1 : n > 0;
}

/* ---- lines and entries ---- */

/* Cut the next complete line from r->text into p[0..n). Lines over
 * LOGREAD_LINE_MAX are dropped up to their LF. */
static bool logread_line(struct logread *r, const char **p, size_t *n)
{
	while (buf_used(&r->text)) {
		char *head = buf_head(&r->text);
		char *nl = memchr(head, '\n', buf_used(&r->text));

		if (!nl) {
			if (buf_used(&r->text) >= LOGREAD_LINE_MAX) {
				buf_reset(&r->text);
				r->overlong = true;
			}
			return false;
		}
		buf_consume(&r->text, (size_t)(nl - head) + 1);
		if (!r->overlong) {
			*p = head; /* consume keeps the bytes in place */
			*n = (size_t)(nl - head) + 1;
			return true;
		}
		r->overlong = false;
		logread_bad(r);
	}
	return false;
}

enum take { TAKE_SKIP, TAKE_EMIT, TAKE_END };

/* Parse and filter one line. */
static enum take logread_take(struct logread *r, const char *p, size_t n,
			      struct jsonlog_entry *out)
{
	struct jsonlog_entry *en = r->phase == PHASE_COUNT ? &r->scratch : out;
	unsigned streams = r->o.streams ? r->o.streams
					: LOGREAD_STDOUT | LOGREAD_STDERR;

	if (jsonlog_parse(p, n, en, NULL) < 0) {
		logread_bad(r);
		return TAKE_SKIP;
	}
	if (!(streams & (1u << en->stream)) ||
	    (r->o.since_ns && en->time_ns < r->o.since_ns))
		return TAKE_SKIP;
	if (r->o.until_ns && en->time_ns > r->o.until_ns)
		return r->o.follow && r->phase == PHASE_EMIT ? TAKE_END
							    : TAKE_SKIP;
	if (r->phase == PHASE_COUNT) {
		r->count_cur++;
		return TAKE_SKIP;
	}
	if (r->skip > 0) {
		r->skip--;
		return TAKE_SKIP;
	}
	return TAKE_EMIT;
}

/* ---- moving between sources ---- */

/* Start handing out entries at source `start`, after `skip` of them. */
static int logread_begin_emit(struct logread *r, int start, long long skip,
			      struct err *e)
{
	for (int i = 0; i < start; i++)
		logread_src_close(&r->src[i]);
	for (int i = start; i < r->nsrc; i++)
		if (logread_src_rewind(&r->src[i], e) < 0)
			return -1;
	r->phase = PHASE_EMIT;
	r->cur = start;
	r->skip = skip;
	buf_reset(&r->text);
	r->overlong = false;
	return 0;
}

/* COUNT finished a source: enough entries, or go one generation older. */
static int logread_counted(struct logread *r, struct err *e)
{
	long long total = r->counted + r->count_cur;

	if (total >= r->o.tail)
		return logread_begin_emit(r, r->cur, total - r->o.tail, e);
	if (r->cur == 0)
		return logread_begin_emit(r, 0, 0, e);
	r->counted = total;
	r->count_cur = 0;
	r->cur--;
	buf_reset(&r->text);
	r->overlong = false;
	return 0;
}

/* Follow: PATH names a new file; the old one is drained, so move on. */
static int logread_switch(struct logread *r, struct err *e)
{
	struct logread_src *s = &r->src[r->nsrc - 1];

	if (buf_used(&r->text)) /* a torn last line */
		logread_bad(r);
	buf_reset(&r->text);
	r->overlong = false;
	logread_src_close(s);
	if (logread_src_open(s, r->path, false, e) < 0)
		return -1;
	return 1;
}

/* Follow, at the end of PATH: 1 read on, 0 wait (state set), -1 error. */
static int logread_follow(struct logread *r, struct err *e)
{
	struct logread_src *s = &r->src[r->nsrc - 1];
	struct stat st;

	r->state = LOGREAD_WAIT;
	if (s->fd < 0)
		return logread_switch(r, e) < 0 ? -1 : s->fd >= 0;
	if (stat(r->path, &st) < 0) /* ENOENT: between rename and reopen */
		return errno == ENOENT ? 0
				       : err_set(e, errno, "stat %s", r->path);
	if (st.st_ino != s->ino || st.st_dev != s->dev) {
		if (s->rotated) /* read to EOF once since noticing */
			return logread_switch(r, e);
		s->rotated = true;
		return 1;
	}
	if (fstat(s->fd, &st) < 0)
		return err_set(e, errno, "stat %s", r->path);
	if (st.st_size >= s->off)
		return 0;
	buf_reset(&r->text); /* truncated (max_files 1): start over */
	return logread_src_rewind(s, e) < 0 ? -1 : 1;
}

/* The current source has no more bytes for now: 1 read on, 0 stop
 * (state set), -1 error. */
static int logread_at_end(struct logread *r, struct err *e)
{
	if (r->phase == PHASE_COUNT)
		return logread_counted(r, e) < 0 ? -1 : 1;
	if (r->cur < r->nsrc - 1) {
		if (buf_used(&r->text)) /* a torn last line */
			logread_bad(r);
		buf_reset(&r->text);
		r->overlong = false;
		logread_src_close(&r->src[r->cur++]);
		return 1;
	}
	if (!r->o.follow) {
		r->state = LOGREAD_END;
		return 0;
	}
	return logread_follow(r, e);
}

/* ---- public ---- */

int logread_next(struct logread *r, struct jsonlog_entry *out,
		 struct err *e)
{
	const char *p;
	size_t n;
	int f;

	if (r->state == LOGREAD_END)
		return 0;
	r->budget = LOGREAD_CALL_BYTES;
	for (;;) {
		while (logread_line(r, &p, &n)) {
			enum take t = logread_take(r, p, n, out);
			r->state = t == TAKE_END ? LOGREAD_END : LOGREAD_READY;
			if (t != TAKE_SKIP)
				return t == TAKE_EMIT;
		}
		if (!r->budget) {
			r->state = LOGREAD_READY;
			return 0;
		}
		f = logread_fill(r, e);
		if (f == 0)
			f = logread_at_end(r, e);
		if (f <= 0)
			return f;
	}
}

struct logread *logread_open(const char *path, const struct logread_opts *o,
			     struct err *e)
{
	struct logread *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path))) {
		free(r);
		err_set(e, ENOMEM, "logs %s", path);
		return NULL;
	}
	r->o = *o;
	if (strlen(path) + 32 >= PATH_MAX) {
		err_setc(e, ERR_INVALID, "log path too long");
		goto fail;
	}
	if (logread_open_all(r, e) < 0)
		goto fail;
	r->phase = o->tail >= 0 ? PHASE_COUNT : PHASE_EMIT;
	r->cur = o->tail >= 0 ? r->nsrc - 1 : 0;
	return r;
fail:
	logread_free(r);
	return NULL;
}

enum logread_state logread_state(const struct logread *r)
{
	return r->state;
}

unsigned long long logread_skipped(const struct logread *r)
{
	return r->skipped;
}

void logread_free(struct logread *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nsrc; i++)
		logread_src_close(&r->src[i]);
	free(r->src);
	buf_free(&r->text);
	jsonlog_entry_free(&r->scratch);
	free(r->path);
	free(r);
}
