/* jsonlog.c - json-file log lines (see jsonlog.h): the writer goes through
 * proto/json.c (UTF-8 repair, yajl escapes), the reader is a yajl event
 * parser so "log" may carry NULs (\u0000) that a tree parser would cut.
 * Times go through gmtime_r/timegm, which ignore TZ. */
#include "jsonlog.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

#include "json.h"

#define NS_PER_SEC 1000000000LL
#define PARSE_MAX_DEPTH 64 /* nesting allowed inside ignored keys */

const char *jsonlog_stream_name(enum jsonlog_stream s)
{
	return s == JSONLOG_STDERR ? "stderr" : "stdout";
}

void jsonlog_entry_free(struct jsonlog_entry *en)
{
	buf_free(&en->store);
	en->log = NULL;
	en->len = 0;
}

/* ---- time ---- */

char *jsonlog_format_time(char *buf, int64_t time_ns)
{
	int64_t sec = time_ns / NS_PER_SEC, frac = time_ns % NS_PER_SEC;
	time_t t;
	struct tm tm;
	int n, k;

	if (frac < 0) { /* floor: times before 1970 keep a positive fraction */
		frac += NS_PER_SEC;
		sec--;
	}
	t = (time_t)sec;
	gmtime_r(&t, &tm);
	n = snprintf(buf, JSONLOG_TIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec);
	if (frac) { /* Go's RFC3339Nano: drop trailing zeros */
		for (k = 9; frac % 10 == 0; k--)
			frac /= 10;
		n += snprintf(buf + n, JSONLOG_TIME_SIZE - (size_t)n, ".%0*lld",
			      k, (long long)frac);
	}
	buf[n] = 'Z';
	buf[n + 1] = '\0';
	return buf;
}

/* Read exactly width digits at s[*i] into *val. */
static bool time_digits(const char *s, size_t len, size_t *i, int width,
			int *val)
{
	*val = 0;
	for (int k = 0; k < width; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return false;
		*val = *val * 10 + (s[*i] - '0');
	}
	return true;
}

/* Accept sep (or its lower case for T) at s[*i]. */
static bool time_sep(const char *s, size_t len, size_t *i, char sep)
{
	if (*i >= len || (s[*i] != sep && !(sep == 'T' && s[*i] == 't')))
		return false;
	(*i)++;
	return true;
}

/* Optional fraction: '.' and one or more digits; the first nine count. */
static bool time_frac(const char *s, size_t len, size_t *i, int64_t *frac)
{
	int k = 0;

	*frac = 0;
	if (*i >= len || s[*i] != '.')
		return true;
	for ((*i)++; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++, k++)
		if (k < 9)
			*frac = *frac * 10 + (s[*i] - '0');
	for (int pad = k; pad < 9; pad++)
		*frac *= 10;
	return k > 0;
}

/* "Z" or "+hh:mm"/"-hh:mm": seconds east of UTC into *off. */
static bool time_zone(const char *s, size_t len, size_t *i, int64_t *off)
{
	int hh, mm, sign;

	*off = 0;
	if (*i < len && (s[*i] == 'Z' || s[*i] == 'z')) {
		(*i)++;
		return true;
	}
	if (*i >= len || (s[*i] != '+' && s[*i] != '-'))
		return false;
	sign = s[(*i)++] == '-' ? -1 : 1;
	if (!time_digits(s, len, i, 2, &hh) || !time_sep(s, len, i, ':') ||
	    !time_digits(s, len, i, 2, &mm) || hh > 23 || mm > 59)
		return false;
	*off = sign * (hh * 3600LL + mm * 60LL);
	return true;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Range checks on the six fields (Go refuses second 60 too). */
static int time_check(const int v[6], struct err *e)
{
	static const char *const names[] = { "year",	"month",  "day",
					      "hour",	"minute", "second" };
	static const int max[] = { 9999, 12, 31, 23, 59, 59 };

	for (int f = 0; f < 6; f++) {
		int hi = f == 2 ? days_in_month(v[0], v[1]) : max[f];
		if (v[f] > hi || (f >= 1 && f <= 2 && v[f] < 1))
			return err_setc(e, ERR_INVALID,
					"not RFC3339: %s %d out of range",
					names[f], v[f]);
	}
	return 0;
}

/* Fields to nanoseconds, refusing what int64 cannot hold (1677-2262). */
static int time_to_ns(const int v[6], int64_t frac, int64_t off, int64_t *ns,
		      struct err *e)
{
	struct tm tm = { .tm_year = v[0] - 1900, .tm_mon = v[1] - 1,
			 .tm_mday = v[2], .tm_hour = v[3], .tm_min = v[4],
			 .tm_sec = v[5] };
	int64_t sec = (int64_t)timegm(&tm) - off;

	if (__builtin_mul_overflow(sec, NS_PER_SEC, ns) ||
	    __builtin_add_overflow(*ns, frac, ns))
		return err_setc(e, ERR_INVALID,
				"not RFC3339: year %d out of range", v[0]);
	return 0;
}

int jsonlog_parse_time(const char *s, size_t len, int64_t *ns, struct err *e)
{
	static const int widths[6] = { 4, 2, 2, 2, 2, 2 };
	static const char seps[] = "--T::";
	int v[6];
	int64_t frac, off;
	size_t i = 0;

	for (int f = 0; f < 6; f++) {
		if (!time_digits(s, len, &i, widths[f], &v[f]) ||
		    (f < 5 && !time_sep(s, len, &i, seps[f])))
			goto bad;
	}
	if (!time_frac(s, len, &i, &frac) || !time_zone(s, len, &i, &off) ||
	    i != len)
		goto bad;
	if (time_check(v, e) < 0)
		return -1;
	return time_to_ns(v, frac, off, ns, e);
bad:
	return err_setc(e, ERR_INVALID, "not RFC3339 at column %zu",
			(i < len ? i : len) + 1);
}

/* ---- writer ---- */

void jsonlog_format(struct buf *out, const char *stream, const char *bytes,
		    size_t len, int64_t time_ns)
{
	char t[JSONLOG_TIME_SIZE];
	struct jw w;

	jw_open(&w, out);
	jw_strn(&w, "log", bytes, len);
	jw_str(&w, "stream", stream);
	jw_str(&w, "time", jsonlog_format_time(t, time_ns));
	jw_close(&w);
}

/* ---- reader ---- */

enum parse_key { KEY_OTHER, KEY_LOG, KEY_STREAM, KEY_TIME };
#define SEEN(k) (1u << (k))

struct parse {
	struct jsonlog_entry *out;
	struct err *e;
	int depth;	    /* 0 outside, 1 inside the line's object */
	enum parse_key key; /* the key whose value comes next at depth 1 */
	unsigned seen;	    /* SEEN() bits of the required keys */
};

static const char *const key_names[] = { "", "log", "stream", "time" };

/* A value of the wrong type: fine under an ignored key, an error for a
 * required key or as the whole line. */
static int parse_other(struct parse *p, const char *what)
{
	if (p->depth == 0)
		return err_setc(p->e, ERR_INVALID, "not a JSON object"), 0;
	if (p->depth == 1 && p->key != KEY_OTHER)
		return err_setc(p->e, ERR_INVALID, "\"%s\": %s, not a string",
				key_names[p->key], what),
		       0;
	return 1;
}

static int cb_null(void *ctx)
{
	return parse_other(ctx, "null");
}

static int cb_bool(void *ctx, int v)
{
	return parse_other(ctx, "a boolean");
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	return parse_other(ctx, "a number");
}

static int set_stream(struct parse *p, const char *s, size_t len)
{
	if (len == 6 && !memcmp(s, "stdout", 6))
		p->out->stream = JSONLOG_STDOUT;
	else if (len == 6 && !memcmp(s, "stderr", 6))
		p->out->stream = JSONLOG_STDERR;
	else
		return err_setc(p->e, ERR_INVALID,
				"\"stream\": not \"stdout\" or \"stderr\"");
	return 0;
}

static int set_log(struct parse *p, const char *s, size_t len)
{
	struct buf *b = &p->out->store;

	buf_reset(b);
	buf_append(b, s, len);
	buf_append(b, "", 1);
	p->out->log = buf_head(b);
	p->out->len = len;
	return 0;
}

static int cb_string(void *ctx, const unsigned char *v, size_t len)
{
	struct parse *p = ctx;
	const char *s = (const char *)v;
	int r = 0;

	if (p->depth != 1 || p->key == KEY_OTHER)
		return parse_other(p, "a string");
	if (p->key == KEY_LOG)
		r = set_log(p, s, len);
	else if (p->key == KEY_STREAM)
		r = set_stream(p, s, len);
	else if (jsonlog_parse_time(s, len, &p->out->time_ns, p->e) < 0)
		r = err_wrap(p->e, "\"time\"");
	p->seen |= SEEN(p->key);
	return r == 0;
}

static int cb_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct parse *p = ctx;

	p->key = KEY_OTHER;
	if (p->depth != 1)
		return 1;
	for (enum parse_key i = KEY_LOG; i <= KEY_TIME; i++)
		if (strlen(key_names[i]) == len &&
		    !memcmp(k, key_names[i], len))
			p->key = i;
	return 1;
}

/* An object or array opens: only an object may be the line itself. */
static int cb_open(struct parse *p, bool is_map)
{
	if (p->depth == 0 && !is_map)
		return parse_other(p, "an array");
	if (p->depth > 0 && !parse_other(p, is_map ? "an object" : "an array"))
		return 0;
	if (++p->depth > PARSE_MAX_DEPTH)
		return err_setc(p->e, ERR_INVALID, "nested too deeply"), 0;
	return 1;
}

static int cb_start_map(void *ctx)
{
	return cb_open(ctx, true);
}

static int cb_start_array(void *ctx)
{
	return cb_open(ctx, false);
}

static int cb_close(void *ctx)
{
	((struct parse *)ctx)->depth--;
	return 1;
}

static const yajl_callbacks parse_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_close,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_close,
};

/* yajl's own message for a syntax error, without its trailing newline. */
static int parse_syntax_error(yajl_handle h, const char *line, size_t len,
			      struct err *e)
{
	unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)line,
					    len);
	size_t n = strlen((char *)msg);

	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	err_setc(e, ERR_INVALID, "not JSON: %.*s", (int)n, (char *)msg);
	yajl_free_error(h, msg);
	return -1;
}

/* The required keys, in the order a reader would want to hear of them. */
static int parse_missing(unsigned seen, struct err *e)
{
	for (enum parse_key k = KEY_LOG; k <= KEY_TIME; k++)
		if (!(seen & SEEN(k)))
			return err_setc(e, ERR_INVALID, "\"%s\": missing",
					key_names[k]);
	return 0;
}

int jsonlog_parse(const char *line, size_t len, struct jsonlog_entry *out,
		  struct err *e)
{
	struct parse p = { .out = out, .e = e };
	yajl_handle h;
	yajl_status st;

	if (len && line[len - 1] == '\n')
		len--;
	if (!len)
		return err_setc(e, ERR_INVALID, "empty line");
	h = yajl_alloc(&parse_callbacks, NULL, &p);
	if (!h)
		return err_setc(e, ERR_INTERNAL, "out of memory");
	st = yajl_parse(h, (const unsigned char *)line, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_error)
		parse_syntax_error(h, line, len, e);
	yajl_free(h);
	if (st != yajl_status_ok)
		return -1; /* client_canceled: a callback set e */
	return parse_missing(p.seen, e);
}
