/* render.c - skiff's layouts of reply lines: a docker-style table, `Key:
 * value` lines, bare values, indented JSON (CLI_PRETTY), event lines
 * (CLI_EVENTS), progress lines (CLI_PROGRESS), raw log and help text.
 * Which one a verb gets comes from its hints in the command table and
 * from the reply's shape, never from the verb's name.
 *
 * Owns nothing beyond a call: text goes to c->out and leaves through
 * render_flush(); objects of a non-streaming reply are kept in c->objs
 * until its status line. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "../core/base/cleanup.h"
#include "skiff.h"
#include "../core/base/xalloc.h"

#define MAX_DEPTH 64	    /* nesting laid out; deeper values are cut off */
#define JSON_DEPTH_MAX 1000 /* nesting accepted in a reply line */
#define COL_GAP 3	    /* spaces between table columns, as docker */

/* ---- values as text ---- */

yajl_val render_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

const char *render_str(yajl_val obj, const char *key)
{
	return YAJL_GET_STRING(render_get(obj, key));
}

/* An integer member; false when absent or not an integer. */
bool render_int(yajl_val obj, const char *key, int *out)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(obj, path, yajl_t_number);

	if (!v || !YAJL_IS_INTEGER(v))
		return false;
	*out = (int)YAJL_GET_INTEGER(v);
	return true;
}

static bool nested(yajl_val v)
{
	return YAJL_IS_OBJECT(v) || YAJL_IS_ARRAY(v);
}

static void gen_val(yajl_gen g, yajl_val v, int depth)
{
	const char *s;
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		s = v->u.string;
		yajl_gen_string(g, (const unsigned char *)s, strlen(s));
		break;
	case yajl_t_number:
		s = v->u.number.r;
		yajl_gen_number(g, s, strlen(s));
		break;
	case yajl_t_object:
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len && depth < MAX_DEPTH; i++) {
			s = v->u.object.keys[i];
			yajl_gen_string(g, (const unsigned char *)s, strlen(s));
			gen_val(g, v->u.object.values[i], depth + 1);
		}
		yajl_gen_map_close(g);
		break;
	case yajl_t_array:
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len && depth < MAX_DEPTH; i++)
			gen_val(g, v->u.array.values[i], depth + 1);
		yajl_gen_array_close(g);
		break;
	case yajl_t_true:
	case yajl_t_false:
		yajl_gen_bool(g, v->type == yajl_t_true);
		break;
	default:
		yajl_gen_null(g);
	}
}

/* Move what the generator produced into out and ready it for more. */
static void gen_take(struct client *c, struct buf *out)
{
	const unsigned char *p;
	size_t n;

	yajl_gen_get_buf(c->gen, &p, &n);
	buf_append(out, p, n);
	yajl_gen_clear(c->gen);
	yajl_gen_reset(c->gen, NULL);
}

static void json_compact(struct client *c, yajl_val v, struct buf *out)
{
	gen_val(c->gen, v, 0);
	gen_take(c, out);
}

void render_json(struct client *c, yajl_val v, struct buf *out)
{
	json_compact(c, v, out);
}

static void json_key(struct client *c, const char *key, struct buf *out)
{
	yajl_gen_string(c->gen, (const unsigned char *)key, strlen(key));
	gen_take(c, out);
}

/* Text of a value: strings raw, numbers as sent, null empty, nested
 * values as compact JSON. */
static void val_text(struct client *c, yajl_val v, struct buf *out)
{
	if (YAJL_IS_STRING(v))
		buf_puts(out, v->u.string);
	else if (YAJL_IS_NUMBER(v))
		buf_puts(out, v->u.number.r);
	else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		buf_puts(out, YAJL_IS_TRUE(v) ? "true" : "false");
	else if (v && !YAJL_IS_NULL(v))
		json_compact(c, v, out);
}

static void indent(struct buf *out, int n, const char *unit)
{
	while (n-- > 0)
		buf_puts(out, unit);
}

/* Pretty JSON as docker inspect prints it: 4-space indent, "k": v, and
 * empty containers as {} and [] (yajl's beautifier breaks those). */
static void json_pretty(struct client *c, yajl_val v, int depth,
			struct buf *out)
{
	bool obj = YAJL_IS_OBJECT(v);
	size_t n = obj ? v->u.object.len : YAJL_IS_ARRAY(v) ? v->u.array.len : 0;

	if (!n || depth >= MAX_DEPTH) {
		json_compact(c, v, out);
		return;
	}
	buf_puts(out, obj ? "{\n" : "[\n");
	for (size_t i = 0; i < n; i++) {
		indent(out, depth + 1, "    ");
		if (obj) {
			json_key(c, v->u.object.keys[i], out);
			buf_puts(out, ": ");
		}
		json_pretty(c, obj ? v->u.object.values[i] : v->u.array.values[i],
			    depth + 1, out);
		buf_puts(out, i + 1 < n ? ",\n" : "\n");
	}
	indent(out, depth, "    ");
	buf_puts(out, obj ? "}" : "]");
}

/* ---- layouts ---- */

static void kv_obj(struct client *c, yajl_val obj, int depth, struct buf *out);

/* After "Key:" or "-": a scalar on the same line, a nested value below. */
static void kv_val(struct client *c, yajl_val v, int depth, struct buf *out)
{
	size_t i;

	if (YAJL_IS_OBJECT(v) && v->u.object.len && depth < MAX_DEPTH) {
		buf_puts(out, "\n");
		kv_obj(c, v, depth + 1, out);
	} else if (YAJL_IS_ARRAY(v) && v->u.array.len && depth < MAX_DEPTH) {
		buf_puts(out, "\n");
		for (i = 0; i < v->u.array.len; i++) {
			indent(out, depth + 1, " ");
			buf_puts(out, "-");
			kv_val(c, v->u.array.values[i], depth + 1, out);
		}
	} else {
		buf_puts(out, " ");
		val_text(c, v, out);
		if (out->data[out->len - 1] == ' ')
			out->len--; /* no trailing blank after "Key:" */
		buf_puts(out, "\n");
	}
}

/* `Key: value` lines (info, version): nested objects one space deeper,
 * arrays as ` - item` lines. */
static void kv_obj(struct client *c, yajl_val obj, int depth, struct buf *out)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		indent(out, depth, " ");
		buf_puts(out, obj->u.object.keys[i]);
		buf_puts(out, ":");
		kv_val(c, obj->u.object.values[i], depth, out);
	}
}

/* Terminal columns of UTF-8 text, counting one per code point. */
static size_t text_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

static void pad(struct buf *out, size_t n)
{
	while (n--)
		buf_append(out, " ", 1);
}

/* Append one table cell to out; returns its width. */
static size_t cell(struct client *c, yajl_val obj, const char *key,
		   struct buf *out)
{
	size_t start = out->len;

	val_text(c, render_get(obj, key), out);
	return text_width(out->data + start, out->len - start);
}

static void header(yajl_val first, const size_t *width, struct buf *out)
{
	size_t ncol = first->u.object.len;

	for (size_t k = 0; k < ncol; k++) {
		const char *key = first->u.object.keys[k];
		for (const char *p = key; *p; p++) {
			char ch = *p == '_' ? ' ' : *p;
			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			buf_append(out, &ch, 1);
		}
		if (k + 1 < ncol)
			pad(out, width[k] - text_width(key, strlen(key)) +
					 COL_GAP);
	}
	buf_puts(out, "\n");
}

/* A docker-style table: the first object's keys are the columns, cells
 * left aligned, COL_GAP spaces between columns. Cells are laid out twice
 * (measure, then print) rather than kept. */
static void table(struct client *c, struct buf *out)
{
	yajl_val first = c->objs[0];
	size_t ncol = first->u.object.len, w;
	_cleanup_free_ size_t *width = xcalloc(ncol + 1, sizeof(*width));
	_cleanup_buf_ struct buf scratch = { 0 };

	if (!ncol)
		return;
	for (size_t k = 0; k < ncol; k++) {
		const char *key = first->u.object.keys[k];
		width[k] = text_width(key, strlen(key));
		for (size_t r = 0; r < c->nobjs; r++) {
			buf_reset(&scratch);
			w = cell(c, c->objs[r], key, &scratch);
			width[k] = w > width[k] ? w : width[k];
		}
	}
	header(first, width, out);
	for (size_t r = 0; r < c->nobjs; r++) {
		for (size_t k = 0; k < ncol; k++) {
			w = cell(c, c->objs[r], first->u.object.keys[k], out);
			if (k + 1 < ncol)
				pad(out, width[k] - w + COL_GAP);
		}
		buf_puts(out, "\n");
	}
}

/* Seconds, ms, µs or ns since the epoch, told apart by magnitude. */
static bool epoch_ns(const char *num, long long *sec, long *nsec)
{
	char *end;
	long long n, scale = 1;

	if (strpbrk(num, ".eE")) {
		double d = strtod(num, &end);
		if (*end || d < 0 || d > 1e11)
			return false;
		*sec = (long long)d;
		*nsec = (long)((d - (double)*sec) * 1e9);
		return true;
	}
	errno = 0;
	n = strtoll(num, &end, 10);
	if (*end || errno || n < 0)
		return false;
	if (n >= 100000000000000000LL)
		scale = 1000000000;
	else if (n >= 100000000000000LL)
		scale = 1000000;
	else if (n >= 100000000000LL)
		scale = 1000;
	*sec = n / scale;
	*nsec = (long)(n % scale * (1000000000 / scale));
	return true;
}

/* Local RFC 3339 time with nanoseconds, as `docker events` prints. */
static void event_time(yajl_val v, struct buf *out)
{
	char date[64], zone[16];
	long long sec;
	long nsec;
	struct tm tm;
	time_t t;

	if (!YAJL_IS_NUMBER(v) || !epoch_ns(v->u.number.r, &sec, &nsec)) {
		if (YAJL_IS_STRING(v) || YAJL_IS_NUMBER(v))
			buf_puts(out, YAJL_IS_STRING(v) ? v->u.string :
							  v->u.number.r);
		return;
	}
	t = (time_t)sec;
	if (!localtime_r(&t, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		buf_puts(out, v->u.number.r);
		return;
	}
	buf_printf(out, "%s.%09ld%.3s:%s", date, nsec, zone, zone + 3);
}

/* `TIME TYPE ACTION ID (k=v, k=v)` */
static void event_line(struct client *c, yajl_val ev, struct buf *out)
{
	static const char *const words[] = { "type", "action", "id" };
	yajl_val t = render_get(ev, "timeNano"), attrs = render_get(ev, "attributes");

	event_time(t ? t : render_get(ev, "time"), out);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		const char *s = render_str(ev, words[i]);
		if (s)
			buf_printf(out, " %s", s);
	}
	if (YAJL_IS_OBJECT(attrs) && attrs->u.object.len) {
		buf_puts(out, " (");
		for (size_t i = 0; i < attrs->u.object.len; i++) {
			buf_printf(out, "%s%s=", i ? ", " : "",
				   attrs->u.object.keys[i]);
			val_text(c, attrs->u.object.values[i], out);
		}
		buf_puts(out, ")");
	} else if (attrs && !YAJL_IS_NULL(attrs)) {
		buf_puts(out, " ");
		val_text(c, attrs, out);
	}
	buf_puts(out, "\n");
}

/* `key=value key=value` for streamed objects other than events; an
 * object of one key is just its value (`wait` prints the exit code). */
static void pairs_line(struct client *c, yajl_val obj, struct buf *out)
{
	if (obj->u.object.len == 1) {
		val_text(c, obj->u.object.values[0], out);
		buf_puts(out, "\n");
		return;
	}
	for (size_t i = 0; i < obj->u.object.len; i++) {
		buf_printf(out, "%s%s=", i ? " " : "", obj->u.object.keys[i]);
		val_text(c, obj->u.object.values[i], out);
	}
	buf_puts(out, "\n");
}

/* A pull's progress, as docker draws it: "ID: STATUS" lines; on a
 * terminal a layer's download is one line redrawn in place. */
static bool progress_line(struct client *c, yajl_val obj, struct buf *out)
{
	const char *status = render_str(obj, "status"), *id = render_str(obj, "id");
	yajl_val cur = render_get(obj, "current"), tot = render_get(obj, "total");
	static bool tty = false, known = false;

	if (!status || !(c->o->how & CLI_PROGRESS))
		return false;
	if (!known) {
		tty = isatty(STDOUT_FILENO);
		known = true;
	}
	if (!strcmp(status, "Downloading")) {
		if (tty && YAJL_IS_NUMBER(cur) && YAJL_IS_NUMBER(tot))
			buf_printf(out, "\r\033[K%s: Downloading %.1f/%.1f MB", id,
				   YAJL_GET_DOUBLE(cur) / 1e6,
				   YAJL_GET_DOUBLE(tot) / 1e6);
		return true;
	}
	buf_printf(out, "%s%s%s%s\n", tty ? "\r\033[K" : "", id ? id : "",
		   id ? ": " : "", status);
	return true;
}

/* A line of a streaming reply: an event, a progress line, else pairs. */
bool render_streamed(struct client *c, yajl_val obj)
{
	int f = format_streamed(c, obj);

	if (f)
		return f == 2;
	if (c->events)
		event_line(c, obj, &c->out);
	else if (!progress_line(c, obj, &c->out))
		pairs_line(c, obj, &c->out);
	return false;
}

/* ---- output ---- */

/* Write c->out to f (stdout or stderr). Returns MORE, or an exit status
 * when f is gone (a closed pipe ends us quietly, like any filter). */
int render_flush(struct client *c, FILE *f)
{
	size_t n = buf_used(&c->out);

	if ((n && fwrite(buf_head(&c->out), 1, n, f) != n) || fflush(f)) {
		if (errno != EPIPE)
			fprintf(stderr, "skiff: write to %s: %s\n",
				f == stdout ? "stdout" : "stderr",
				strerror(errno));
		return EXIT_ERR;
	}
	buf_reset(&c->out);
	return MORE;
}

/* The top-level "log" string of a line with its length: yajl_tree ends
 * strings at a NUL, and a container's output may hold NULs (\u0000). */
struct logscan {
	int depth;
	bool want;
	struct buf *out;
};

static int ls_key(void *ctx, const unsigned char *k, size_t n)
{
	struct logscan *l = ctx;

	l->want = l->depth == 1 && n == 3 && !memcmp(k, "log", 3);
	return 1;
}

static int ls_open(void *ctx)
{
	((struct logscan *)ctx)->depth++;
	((struct logscan *)ctx)->want = false;
	return 1;
}

static int ls_close(void *ctx)
{
	((struct logscan *)ctx)->depth--;
	return 1;
}

static int ls_string(void *ctx, const unsigned char *s, size_t n)
{
	struct logscan *l = ctx;

	if (l->want)
		buf_append(l->out, s, n);
	l->want = false;
	return 1;
}

static int ls_other(void *ctx)
{
	((struct logscan *)ctx)->want = false;
	return 1;
}

static int ls_bool(void *ctx, int b)
{
	return ls_other(ctx);
}

static int ls_number(void *ctx, const char *s, size_t n)
{
	return ls_other(ctx);
}

static void log_bytes(const char *line, struct buf *out)
{
	static const yajl_callbacks cb = {
		.yajl_null = ls_other,
		.yajl_boolean = ls_bool,
		.yajl_number = ls_number,
		.yajl_string = ls_string,
		.yajl_start_map = ls_open,
		.yajl_map_key = ls_key,
		.yajl_end_map = ls_close,
		.yajl_start_array = ls_open,
		.yajl_end_array = ls_close,
	};
	struct logscan l = { .out = out };
	yajl_handle h = yajl_alloc(&cb, NULL, &l);

	if (!h)
		abort();
	yajl_parse(h, (const unsigned char *)line, strlen(line));
	yajl_complete_parse(h);
	yajl_free(h);
}

/* A "log" or "text" string goes out raw at once (logs, help); stream
 * "stderr" log lines go to stderr, as docker logs does. */
int render_raw_text(struct client *c, const char *line, yajl_val obj,
		    bool *done)
{
	const char *s = render_str(obj, "log"), *stream;
	bool to_err;
	size_t n;

	if (!s)
		s = render_str(obj, "text");
	*done = s != NULL;
	if (!s)
		return MORE;
	stream = render_str(obj, "stream");
	to_err = stream && !strcmp(stream, "stderr");
	if (to_err && render_flush(c, stdout) != MORE)
		return EXIT_ERR;
	n = strlen(s);
	if (s == render_str(obj, "log") && strstr(line, "\\u0000")) {
		size_t before = buf_used(&c->out);
		log_bytes(line, &c->out); /* every byte, NULs too */
		n = buf_used(&c->out) - before;
		s = buf_head(&c->out) + before;
	} else {
		buf_append(&c->out, s, n);
	}
	/* A stream's output is raw bytes, cut anywhere; a message is a line. */
	if (!stream && (!n || s[n - 1] != '\n'))
		buf_puts(&c->out, "\n");
	return to_err ? render_flush(c, stderr) : MORE;
}

void render_keep(struct client *c, yajl_val obj)
{
	if (c->nobjs == c->capobjs) {
		c->capobjs = c->capobjs ? c->capobjs * 2 : 16;
		c->objs = xrealloc(c->objs, c->capobjs, sizeof(*c->objs));
	}
	c->objs[c->nobjs++] = obj;
}

/* yajl_tree builds any depth but frees it recursively: refuse lines nested
 * deeper than a reply ever is before they reach it. Brackets in strings
 * do not count. */
bool render_depth_ok(const char *s)
{
	bool in_str = false;
	int depth = 0;

	for (; *s; s++) {
		if (in_str && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			in_str = !in_str;
		else if (!in_str && (*s == '{' || *s == '['))
			depth++;
		else if (!in_str && (*s == '}' || *s == ']'))
			depth--;
		if (depth > JSON_DEPTH_MAX)
			return false;
	}
	return true;
}

/* {"container":..,"error":..}: one container of a multi-container
 * request failed (stop a b c); say so on stderr at once, as docker does,
 * and let the final `err` line go unsaid. */
bool render_item_error(struct client *c, yajl_val obj)
{
	const char *msg = render_str(obj, "error");

	if (!msg || !render_str(obj, "container"))
		return false;
	if (c->inspect && !strcmp(c->o->spec->name, "inspect") &&
	    !strncmp(msg, "no such container", 17)) {
		conn_inspect_other(c, render_str(obj, "container"));
		yajl_tree_free(obj);
		return true;
	}
	fflush(stdout);
	fprintf(stderr, "skiff: %s\n", msg);
	c->item_errors = true;
	yajl_tree_free(obj);
	return true;
}

/* Lay out the objects of a non-streaming reply, once it has ended. */
void render_kept(struct client *c)
{
	bool deep = false;

	if (format_kept(c) || !c->nobjs)
		return;
	if (c->inspect) {
		buf_puts(&c->out, "[\n");
		for (size_t i = 0; i < c->nobjs; i++) {
			indent(&c->out, 1, "    ");
			json_pretty(c, c->objs[i], 1, &c->out);
			buf_puts(&c->out, i + 1 < c->nobjs ? ",\n" : "\n");
		}
		buf_puts(&c->out, "]\n");
		return;
	}
	for (size_t i = 0; i < c->objs[0]->u.object.len; i++)
		deep = deep || nested(c->objs[0]->u.object.values[i]);
	if (c->objs[0]->u.object.len == 1 && !deep) {
		/* one column (ids of `run -d`, `ps -q`): bare values */
		for (size_t i = 0; i < c->nobjs; i++)
			pairs_line(c, c->objs[i], &c->out);
	} else if (c->nobjs == 1 && deep)
		kv_obj(c, c->objs[0], 0, &c->out);
	else
		table(c, &c->out);
}

