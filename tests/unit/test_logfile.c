/* test_logfile.c - fs/logfile.c (writer, rotation, compression) and
 * fs/logread.c (reader, filters, tail, follow), each test in its own
 * temporary directory. Entries read back are rendered as "o:<log>|" or
 * "e:<log>|" so a whole log compares as one string. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../fs/logfile.h"
#include "../../fs/logread.h"

#define SEC 1000000000LL
#define T0 (1795464494LL * SEC)
#define OUT JSONLOG_STDOUT
#define ERR JSONLOG_STDERR

struct ctx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	strcpy(c->dir, "/tmp/skiff-logfile-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->path, sizeof(c->path), "%s/ctr-json.log", c->dir);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	DIR *d = opendir(c->dir);
	struct dirent *de;
	char name[PATH_MAX];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/%s", c->dir, de->d_name);
		unlink(name);
	}
	if (d)
		closedir(d);
	rmdir(c->dir);
	free(c);
	return 0;
}

static struct logfile *open_log(struct ctx *c, int64_t max_size, int files)
{
	struct err e = ERR_INIT;
	struct logfile *lf = logfile_open(c->path, max_size, files, &e);

	if (!lf)
		fail_msg("logfile_open: %s", e.msg);
	return lf;
}

/* Write and, on a rotation, compress (if asked) and finish the job. */
static int putn(struct logfile *lf, enum jsonlog_stream s, const char *bytes,
		size_t len, int64_t now, bool compress)
{
	struct err e = ERR_INIT;
	const char *src, *dst;
	int r = logfile_write(lf, s, bytes, len, now, &e);

	if (r < 0)
		fail_msg("logfile_write: %s", e.msg);
	if (r == 1) {
		assert_true(logfile_compress_pending(lf, &src, &dst));
		if (compress && logfile_compress(src, dst, &e) < 0)
			fail_msg("logfile_compress: %s", e.msg);
		logfile_compress_done(lf);
	}
	return r;
}

static int put(struct logfile *lf, enum jsonlog_stream s, const char *bytes,
	       int64_t now, bool compress)
{
	return putn(lf, s, bytes, strlen(bytes), now, compress);
}

static void render(struct buf *b, const struct jsonlog_entry *en)
{
	buf_printf(b, "%c:", en->stream == ERR ? 'e' : 'o');
	buf_append(b, en->log, en->len);
	buf_puts(b, "|");
}

/* Read entries until the reader stops with `until` state (READY means
 * call again); render them into b. */
static void drain(struct logread *r, struct buf *b, enum logread_state want)
{
	struct jsonlog_entry en = { 0 };
	struct err e = ERR_INIT;
	int n;

	for (;;) {
		n = logread_next(r, &en, &e);
		if (n < 0)
			fail_msg("logread_next: %s", e.msg);
		if (n == 1) {
			render(b, &en);
			continue;
		}
		if (logread_state(r) != LOGREAD_READY)
			break;
	}
	assert_int_equal(logread_state(r), want);
	jsonlog_entry_free(&en);
}

/* The whole log under opts, as one NUL-terminated string (caller frees). */
static char *read_log(struct ctx *c, struct logread_opts o)
{
	struct err e = ERR_INIT;
	struct logread *r = logread_open(c->path, &o, &e);
	struct buf b = { 0 };

	if (!r)
		fail_msg("logread_open: %s", e.msg);
	drain(r, &b, LOGREAD_END);
	assert_int_equal(logread_skipped(r), 0);
	logread_free(r);
	buf_append(&b, "", 1);
	return b.data;
}

static struct logread_opts all_of(int max_files)
{
	return (struct logread_opts){ .tail = -1, .max_files = max_files };
}

static void log_is(struct ctx *c, struct logread_opts o, const char *want)
{
	_cleanup_free_ char *got = read_log(c, o);

	assert_string_equal(got, want);
}

static off_t file_size(const char *name)
{
	struct stat st;

	return stat(name, &st) < 0 ? -1 : st.st_size;
}

static bool exists(struct ctx *c, const char *suffix)
{
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s%s", c->path, suffix);
	return access(name, F_OK) == 0;
}

/* ---- the writer ---- */

static void test_exact_line(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 0, 1);
	static const char want[] = "{\"log\":\"hi\\n\",\"stream\":\"stderr\","
				   "\"time\":\"2026-11-23T20:08:14.5Z\"}\n";
	char got[sizeof(want) + 8] = { 0 };
	int fd;

	put(lf, ERR, "hi\n", T0 + SEC / 2, false);
	assert_int_equal(logfile_size(lf), sizeof(want) - 1);
	logfile_close(lf);
	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, got, sizeof(got)), sizeof(want) - 1);
	close(fd);
	assert_string_equal(got, want);
}

static void test_lines_across_chunks(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 0, 1);

	put(lf, OUT, "hel", T0, false);
	put(lf, OUT, "lo\nwor", T0, false);
	put(lf, OUT, "ld\n\nlast", T0, false);
	log_is(c, all_of(1), "o:hello\n|o:world\n|o:\n|");
	assert_int_equal(logfile_flush_partial(lf, T0, NULL), 0);
	log_is(c, all_of(1), "o:hello\n|o:world\n|o:\n|o:last|");
	logfile_close(lf);
}

/* stdout's partial line never takes stderr's bytes, and vice versa. */
static void test_streams_apart(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 0, 1);

	put(lf, OUT, "out-a", T0, false);
	put(lf, ERR, "err-a", T0, false);
	put(lf, ERR, "err-b\nerr-c", T0, false);
	put(lf, OUT, "out-b\n", T0, false);
	put(lf, OUT, "out-c", T0, false);
	log_is(c, all_of(1), "e:err-aerr-b\n|o:out-aout-b\n|");
	logfile_flush_partial(lf, T0, NULL);
	log_is(c, all_of(1), "e:err-aerr-b\n|o:out-aout-b\n|o:out-c|e:err-c|");
	logfile_close(lf);
}

static void lens_are(struct ctx *c, const size_t *want, size_t n)
{
	struct logread_opts o = all_of(1);
	struct logread *r = logread_open(c->path, &o, NULL);
	struct jsonlog_entry en = { 0 };
	size_t i = 0;

	assert_non_null(r);
	while (logread_next(r, &en, NULL) == 1) {
		assert_true(i < n);
		assert_int_equal(en.len, want[i]);
		i++;
	}
	assert_int_equal(i, n);
	jsonlog_entry_free(&en);
	logread_free(r);
}

/* A line over 16 KiB goes out in 16 KiB partial entries (Docker). */
static void test_partial_16k(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 0, 1);
	char *big = malloc(40001);
	const size_t want[] = { 16384, 16384, 7233 };

	assert_non_null(big);
	memset(big, 'x', 40000);
	big[40000] = '\0';
	for (int i = 0; i < 40000; i += 1000) { /* in small chunks */
		char piece[1001];
		memcpy(piece, big + i, 1000);
		piece[1000] = '\0';
		put(lf, OUT, piece, T0, false);
	}
	put(lf, OUT, "\n", T0, false);
	lens_are(c, want, 3);
	free(big);
	logfile_close(lf);
}

/* The forced cut does not split a UTF-8 character. */
static void test_partial_utf8_cut(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 0, 1);
	char *big = malloc(LOGFILE_PARTIAL_MAX + 8);
	const size_t want[] = { 16383, 4 };
	struct logread_opts o = all_of(1);
	struct logread *r;
	struct jsonlog_entry en = { 0 };

	assert_non_null(big);
	memset(big, 'y', 16383);
	strcpy(big + 16383, "\xe2\x82\xac\n"); /* EURO SIGN straddles 16K */
	put(lf, OUT, big, T0, false);
	lens_are(c, want, 2);
	r = logread_open(c->path, &o, NULL);
	assert_int_equal(logread_next(r, &en, NULL), 1);
	assert_int_equal(logread_next(r, &en, NULL), 1);
	assert_string_equal(en.log, "\xe2\x82\xac\n");
	jsonlog_entry_free(&en);
	logread_free(r);
	free(big);
	logfile_close(lf);
}

static void line(char *buf, size_t size, int i)
{
	snprintf(buf, size, "line %04d\n", i);
}

/* Write lines [from, to) one per call; returns the rotations seen. */
static int put_lines(struct logfile *lf, int from, int to, bool compress)
{
	char l[32];
	int rot = 0;

	for (int i = from; i < to; i++) {
		line(l, sizeof(l), i);
		rot += put(lf, i % 3 ? OUT : ERR, l, T0 + i * SEC, compress);
	}
	return rot;
}

/* The log must be exactly lines [from, to), in order. */
static void lines_are(struct ctx *c, struct logread_opts o, int from, int to)
{
	_cleanup_free_ char *got = read_log(c, o);
	struct buf want = { 0 };
	char l[32];

	for (int i = from; i < to; i++) {
		line(l, sizeof(l), i);
		buf_printf(&want, "%c:%s|", i % 3 ? 'o' : 'e', l);
	}
	buf_append(&want, "", 1);
	assert_string_equal(got, want.data);
	buf_free(&want);
}

/* First line number in the log. */
static int first_line(struct ctx *c, int max_files)
{
	_cleanup_free_ char *got = read_log(c, all_of(max_files));
	int n = -1;

	assert_int_equal(sscanf(got + 2, "line %d", &n), 1);
	return n;
}

static void test_rotation(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 3);
	int rot = put_lines(lf, 0, 100, false);

	assert_true(rot >= 5);
	assert_true(exists(c, "") && exists(c, ".1") && exists(c, ".2"));
	assert_false(exists(c, ".3") || exists(c, ".1.zst"));
	assert_true(file_size(c->path) <= 1000);
	assert_true(file_size(c->dir) > 0);
	for (int g = 1; g <= 2; g++) {
		char name[PATH_MAX];
		snprintf(name, sizeof(name), "%s.%d", c->path, g);
		/* a rotated file is full: one more line would not fit */
		assert_true(file_size(name) <= 1000 && file_size(name) > 900);
	}
	lines_are(c, all_of(3), first_line(c, 3), 100); /* oldest dropped */
	assert_true(first_line(c, 3) > 0);
	logfile_close(lf);
}

/* max_files 1: the file is truncated, nothing is kept. */
static void test_rotation_one_file(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 1);
	const char *src, *dst;

	assert_int_equal(put_lines(lf, 0, 40, false), 0); /* no jobs */
	assert_false(logfile_compress_pending(lf, &src, &dst));
	assert_false(exists(c, ".1"));
	assert_true(file_size(c->path) <= 1000);
	assert_int_equal(first_line(c, 1), 28); /* 14 lines of 70 bytes */
	lines_are(c, all_of(1), 28, 40);
	logfile_close(lf);
}

/* While a job is pending the writer does not rotate; it says congested. */
static void test_pending_blocks_rotation(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 3);
	struct err e = ERR_INIT;
	const char *src, *dst;
	char l[32];
	int i = 0, rot = 0;

	while (!rot) {
		line(l, sizeof(l), i++);
		rot = logfile_write(lf, OUT, l, strlen(l), T0, &e);
		assert_true(rot >= 0);
	}
	assert_true(logfile_compress_pending(lf, &src, &dst));
	assert_string_equal(src + strlen(c->path), ".1");
	assert_string_equal(dst + strlen(c->path), ".1.zst");
	assert_false(logfile_congested(lf));
	for (int k = 0; k < 30; k++, i++) {
		line(l, sizeof(l), i);
		rot = logfile_write(lf, OUT, l, strlen(l), T0, &e);
		assert_int_equal(rot, 0);
	}
	assert_true(logfile_congested(lf));
	assert_true(logfile_size(lf) > 1000);
	assert_int_equal(logfile_compress(src, dst, &e), 0);
	logfile_compress_done(lf);
	assert_false(logfile_congested(lf));
	line(l, sizeof(l), i);
	assert_int_equal(logfile_write(lf, OUT, l, strlen(l), T0, &e), 1);
	logfile_close(lf);
}

static bool is_zstd(const char *name)
{
	unsigned char m[4] = { 0 };
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && read(fd, m, 4) == 4 && m[0] == 0x28 &&
		  m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_compress(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 4000, 4);
	char name[PATH_MAX];

	assert_true(put_lines(lf, 0, 400, true) >= 3);
	for (int g = 1; g <= 3; g++) {
		snprintf(name, sizeof(name), "%s.%d.zst", c->path, g);
		assert_true(is_zstd(name));
		assert_true(file_size(name) < 1000); /* it compressed */
		snprintf(name, sizeof(name), "%s.%d", c->path, g);
		assert_int_equal(file_size(name), -1);
	}
	assert_false(exists(c, ".1.zst.tmp"));
	lines_are(c, all_of(4), first_line(c, 4), 400);
	lines_are(c, all_of(0), first_line(c, 4), 400); /* scan for gens */
	logfile_close(lf);
}

/* Some generations compressed, some not (a helper failed or is slow). */
static void test_mixed_generations(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 5);
	int first;

	put_lines(lf, 0, 30, true);
	put_lines(lf, 30, 45, false);
	put_lines(lf, 45, 60, true);
	first = first_line(c, 5);
	assert_true(exists(c, ".1.zst") || exists(c, ".2.zst"));
	assert_true(exists(c, ".2") || exists(c, ".3") || exists(c, ".4"));
	lines_are(c, all_of(5), first, 60);
	logfile_close(lf);
}

/* Both forms of PATH.1 (a helper died between rename and unlink) and a
 * stale .tmp: the reader takes one form, reopening the writer drops the
 * plain file and the .tmp; a smaller max_files drops older generations. */
static void test_reopen_recovers(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 3);
	const char *src, *dst;
	char keep[PATH_MAX], tmp[PATH_MAX];

	put_lines(lf, 0, 40, false);
	logfile_close(lf);
	snprintf(keep, sizeof(keep), "%s.1.keep", c->path);
	snprintf(tmp, sizeof(tmp), "%s.1.zst.tmp", c->path);
	lf = open_log(c, 1000, 3);
	assert_true(logfile_compress_pending(lf, &src, &dst)); /* .1 plain */
	assert_int_equal(link(src, keep), 0);
	assert_int_equal(logfile_compress(src, dst, NULL), 0);
	assert_int_equal(rename(keep, src), 0);
	assert_int_equal(link(dst, tmp), 0);
	assert_true(exists(c, ".1") && exists(c, ".1.zst"));
	lines_are(c, all_of(3), first_line(c, 3), 40);
	logfile_close(lf);
	lf = open_log(c, 1000, 3);
	assert_false(logfile_compress_pending(lf, &src, &dst));
	assert_false(exists(c, ".1.zst.tmp") || exists(c, ".1"));
	assert_true(exists(c, ".1.zst") && exists(c, ".2"));
	lines_are(c, all_of(3), first_line(c, 3), 40);
	logfile_close(lf);
	lf = open_log(c, 1000, 2);
	assert_false(exists(c, ".2") || exists(c, ".2.zst"));
	assert_true(exists(c, ".1.zst"));
	logfile_close(lf);
}

#define S(i) ((i) % 3 ? OUT : ERR) /* as put_lines() does */

/* A rotation that cannot rename goes on appending; nothing is lost and
 * the next call tries again. */
static void test_rotate_fails(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 500, 3);
	struct err e = ERR_INIT;
	char name[PATH_MAX], l[32];
	int r = 0, i;

	snprintf(name, sizeof(name), "%s.2", c->path);
	assert_int_equal(mkdir(name, 0700), 0); /* unlink fails: EISDIR */
	for (i = 0; r == 0; i++) {
		line(l, sizeof(l), i);
		r = logfile_write(lf, S(i), l, strlen(l), T0 + i * SEC, &e);
	}
	assert_int_equal(r, -1);
	assert_non_null(strstr(e.msg, "rotate"));
	line(l, sizeof(l), i);
	assert_int_equal(logfile_write(lf, S(i), l, strlen(l), T0 + i * SEC,
				       &e),
			 -1);
	i++;
	assert_true(logfile_size(lf) > 500);
	rmdir(name);
	line(l, sizeof(l), i);
	assert_int_equal(put(lf, S(i), l, T0 + i * SEC, false), 1);
	lines_are(c, all_of(3), 0, i + 1);
	logfile_close(lf);
}

/* ---- the reader ---- */

static void test_tail(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 3);
	struct logread_opts o = all_of(3);
	int first, live_first;
	char name[PATH_MAX];

	put_lines(lf, 0, 60, true);
	first = first_line(c, 3);
	logfile_close(lf);
	/* how many lines the live file holds */
	snprintf(name, sizeof(name), "%s", c->path);
	live_first = 60 - (int)(file_size(name) / 70); /* 70-byte lines */
	assert_true(live_first > first && live_first < 60);
	o.tail = 3;
	lines_are(c, o, 57, 60);
	o.tail = 60 - live_first + 4; /* reaches into PATH.1.zst */
	lines_are(c, o, live_first - 4, 60);
	o.tail = 60 - first + 20; /* more than there is */
	lines_are(c, o, first, 60);
	o.tail = 0;
	lines_are(c, o, 0, 0);
	o.tail = 2;
	o.streams = LOGREAD_STDERR; /* the last two of stderr: 54, 57 */
	log_is(c, o, "e:line 0054\n|e:line 0057\n|");
}

static void test_since_until(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 3);
	struct logread_opts o = all_of(3);

	put_lines(lf, 0, 50, true);
	logfile_close(lf);
	o.since_ns = T0 + 30 * SEC;
	lines_are(c, o, 30, 50);
	o.until_ns = T0 + 40 * SEC;
	lines_are(c, o, 30, 41);
	o.since_ns = 0;
	o.tail = 2;
	lines_are(c, o, 39, 41);
	o.since_ns = T0 + 100 * SEC;
	o.until_ns = 0;
	lines_are(c, o, 0, 0);
}

static void test_stream_filter(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 0, 1);
	struct logread_opts o = all_of(1);

	put(lf, OUT, "o1\n", T0, false);
	put(lf, ERR, "e1\n", T0, false);
	put(lf, OUT, "o2\n", T0, false);
	logfile_close(lf);
	o.streams = LOGREAD_STDOUT;
	log_is(c, o, "o:o1\n|o:o2\n|");
	o.streams = LOGREAD_STDERR;
	log_is(c, o, "e:e1\n|");
	o.streams = LOGREAD_STDOUT | LOGREAD_STDERR;
	log_is(c, o, "o:o1\n|e:e1\n|o:o2\n|");
}

#define TM "\"time\":\"2026-11-23T20:08:14Z\""
/* Bad lines are skipped and counted, never fatal. */
static void test_bad_lines(void **state)
{
	struct ctx *c = *state;
	struct logread_opts o = all_of(1);
	struct buf got = { 0 };
	struct logread *r;
	FILE *f = fopen(c->path, "we");

	assert_non_null(f);
	fputs("{\"log\":\"a\\n\",\"stream\":\"stdout\"," TM "}\n"
	      "garbage\n"
	      "{\"log\":\"b\\n\",\"stream\":\"stdout\"," TM "}\n"
	      "{\"log\":\"torn",
	      f);
	fclose(f);
	r = logread_open(c->path, &o, NULL);
	drain(r, &got, LOGREAD_END);
	buf_append(&got, "", 1);
	assert_string_equal(got.data, "o:a\n|o:b\n|");
	assert_int_equal(logread_skipped(r), 1); /* the torn end may grow */
	logread_free(r);
	buf_free(&got);
}

static void test_missing_log(void **state)
{
	struct ctx *c = *state;

	log_is(c, all_of(3), "");
}

/* Follow: new lines appear, rotations (with compression) lose nothing. */
static void test_follow(void **state)
{
	struct ctx *c = *state;
	struct logread_opts o = all_of(3);
	struct logread *r;
	struct logfile *lf;
	struct buf got = { 0 }, want = { 0 };
	char l[32];
	int rot = 0;

	o.follow = true;
	r = logread_open(c->path, &o, NULL); /* before the file exists */
	assert_non_null(r);
	drain(r, &got, LOGREAD_WAIT);
	lf = open_log(c, 500, 3);
	for (int i = 0; i < 80; i++) {
		line(l, sizeof(l), i);
		rot += put(lf, OUT, l, T0 + i, i % 2);
		buf_printf(&want, "o:%s|", l);
		if (i % 3 == 0)
			drain(r, &got, LOGREAD_WAIT);
	}
	drain(r, &got, LOGREAD_WAIT);
	assert_true(rot >= 5);
	buf_append(&got, "", 1);
	buf_append(&want, "", 1);
	assert_string_equal(got.data, want.data);
	/* until ends a follow */
	logread_free(r);
	o.tail = 1;
	o.until_ns = T0 + 100;
	r = logread_open(c->path, &o, NULL);
	buf_reset(&got);
	drain(r, &got, LOGREAD_WAIT);
	assert_int_equal(got.len, strlen("o:line 0079\n|"));
	put(lf, OUT, "late\n", T0 + 101, false);
	drain(r, &got, LOGREAD_END);
	logread_free(r);
	logfile_close(lf);
	buf_free(&got);
	buf_free(&want);
}

/* Follow with max_files 1: a truncation starts the reader over. */
static void test_follow_truncate(void **state)
{
	struct ctx *c = *state;
	struct logread_opts o = all_of(1);
	struct logfile *lf = open_log(c, 1000, 1);
	struct buf got = { 0 };
	struct logread *r;

	o.follow = true;
	o.tail = 0;
	put_lines(lf, 0, 5, false);
	r = logread_open(c->path, &o, NULL);
	drain(r, &got, LOGREAD_WAIT);
	assert_int_equal(got.len, 0);
	put_lines(lf, 5, 14, false); /* 14 lines of 70 bytes fill 1000 */
	drain(r, &got, LOGREAD_WAIT);
	assert_int_equal(got.len, 9 * strlen("o:line 0005\n|"));
	buf_reset(&got);
	put_lines(lf, 14, 15, false); /* truncates */
	assert_int_equal(logfile_size(lf), 70);
	drain(r, &got, LOGREAD_WAIT);
	buf_append(&got, "", 1);
	assert_string_equal(got.data, "o:line 0014\n|");
	logread_free(r);
	logfile_close(lf);
	buf_free(&got);
}

/* Bytes of every file of the log, temp files included. */
static off_t disk_usage(struct ctx *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	char name[PATH_MAX];
	off_t total = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/%s", c->dir, de->d_name);
		total += file_size(name);
	}
	closedir(d);
	return total;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyz0123456789"
#define LETTERS ALNUM ALNUM ALNUM

/* 50 MB as fast as it comes, in 64 KiB chunks cut mid-line: the disk
 * never holds more than max_size * max_files, and what is kept reads
 * back in sequence up to the last line. */
static void test_burst(void **state)
{
	struct ctx *c = *state;
	const int64_t max = 1024 * 1024;
	const size_t cap = 64 * 1024;
	struct logfile *lf = open_log(c, max, 3);
	struct logread_opts o = all_of(3);
	struct jsonlog_entry en = { 0 };
	struct buf gen = { 0 };
	unsigned seq = 0, rot = 0, prev = 0, got = 0, n;
	size_t total = 0;
	struct logread *r;
	int k;

	while (total < 50u * 1000 * 1000) {
		while (buf_used(&gen) < cap) {
			int w = (int)(seq * 7 % 100);
			buf_printf(&gen, "%08u %.*s\n", seq, w, LETTERS);
			seq++;
		}
		rot += (unsigned)putn(lf, OUT, buf_head(&gen), cap, T0 + seq,
				      true);
		buf_consume(&gen, cap);
		assert_true(disk_usage(c) <= max * 3);
		total += cap;
	}
	putn(lf, OUT, buf_head(&gen), buf_used(&gen), T0 + seq, true);
	assert_true(rot > 40);
	logfile_close(lf);
	r = logread_open(c->path, &o, NULL);
	while ((k = logread_next(r, &en, NULL)) == 1 ||
	       logread_state(r) == LOGREAD_READY) {
		if (!k)
			continue;
		assert_int_equal(sscanf(en.log, "%u", &n), 1);
		if (got++)
			assert_int_equal(n, prev + 1);
		prev = n;
	}
	assert_true(got > 10000);
	assert_int_equal(logread_skipped(r), 0);
	assert_int_equal(prev, seq - 1);
	jsonlog_entry_free(&en);
	logread_free(r);
	buf_free(&gen);
}

static void test_remove_all(void **state)
{
	struct ctx *c = *state;
	struct logfile *lf = open_log(c, 1000, 4);
	struct err e = ERR_INIT;

	put_lines(lf, 0, 30, true);
	put_lines(lf, 30, 60, false);
	logfile_close(lf);
	assert_true(disk_usage(c) > 0);
	assert_int_equal(logfile_remove_all(c->path, 4, &e), 0);
	assert_int_equal(disk_usage(c), 0);
	assert_int_equal(logfile_remove_all(c->path, 4, &e), 0);
}

static void lf_bad_stream(struct ctx *c)
{
	struct logfile *lf = open_log(c, 0, 1);
	struct err e = ERR_INIT;

	assert_int_equal(logfile_write(lf, 7, "x\n", 2, T0, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	logfile_close(lf);
}

static void test_open_errors(void **state)
{
	struct ctx *c = *state;
	struct err e = ERR_INIT;
	char name[PATH_MAX];

	assert_null(logfile_open(c->path, -1, 3, &e));
	assert_int_equal(e.class, ERR_INVALID);
	assert_null(logfile_open(c->path, 100, 0, &e));
	snprintf(name, sizeof(name), "%s/no/such/dir/log", c->dir);
	assert_null(logfile_open(name, 100, 3, &e));
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "no/such/dir"));
	lf_bad_stream(c);
	assert_int_equal(logfile_compress(name, c->path, &e), -1);
	assert_non_null(strstr(e.msg, "compress"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exact_line),
		T(test_lines_across_chunks),
		T(test_streams_apart),
		T(test_partial_16k),
		T(test_partial_utf8_cut),
		T(test_rotation),
		T(test_rotation_one_file),
		T(test_pending_blocks_rotation),
		T(test_compress),
		T(test_mixed_generations),
		T(test_reopen_recovers),
		T(test_rotate_fails),
		T(test_tail),
		T(test_since_until),
		T(test_stream_filter),
		T(test_bad_lines),
		T(test_missing_log),
		T(test_follow),
		T(test_follow_truncate),
		T(test_burst),
		T(test_remove_all),
		T(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
