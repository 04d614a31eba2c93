/* json.c - NDJSON writer over yajl_gen (see json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"

static void print_cb(void *ctx, const char *s, size_t len)
{
	buf_append(ctx, s, len);
}

static void open_gen(struct jw *w, struct buf *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->g = yajl_gen_alloc(NULL);
	if (!w->g)
		abort();
	yajl_gen_config(w->g, yajl_gen_print_callback, print_cb, out);
	if (pretty) {
		yajl_gen_config(w->g, yajl_gen_beautify, 1);
		yajl_gen_config(w->g, yajl_gen_indent_string, "    ");
	}
	yajl_gen_map_open(w->g);
}

void jw_open(struct jw *w, struct buf *out)
{
	open_gen(w, out, false);
}

void jw_open_pretty(struct jw *w, struct buf *out)
{
	open_gen(w, out, true);
}

void jw_close(struct jw *w)
{
	yajl_gen_map_close(w->g);
	yajl_gen_free(w->g);
	w->g = NULL;
	buf_append(w->out, "\n", 1);
	buf_free(&w->scratch);
}

/* Emit a string value, replacing invalid UTF-8 sequences with U+FFFD. */
static void put_string(struct jw *w, const char *s, size_t len)
{
	size_t bad;

	if (utf8_valid(s, len, &bad)) {
		yajl_gen_string(w->g, (const unsigned char *)s, len);
		return;
	}
	buf_reset(&w->scratch);
	while (!utf8_valid(s, len, &bad)) {
		buf_append(&w->scratch, s, bad);
		buf_append(&w->scratch, "\xef\xbf\xbd", 3);
		s += bad + 1;
		len -= bad + 1;
	}
	buf_append(&w->scratch, s, len);
	yajl_gen_string(w->g, (const unsigned char *)buf_head(&w->scratch),
			buf_used(&w->scratch));
}

void jw_key(struct jw *w, const char *key)
{
	if (key)
		put_string(w, key, strlen(key));
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	if (val)
		put_string(w, val, strlen(val));
	else
		yajl_gen_null(w->g);
}

void jw_strn(struct jw *w, const char *key, const char *val, size_t len)
{
	jw_key(w, key);
	put_string(w, val, len);
}

void jw_int(struct jw *w, const char *key, long long val)
{
	jw_key(w, key);
	yajl_gen_integer(w->g, val);
}

void jw_uint(struct jw *w, const char *key, unsigned long long val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", val);

	jw_key(w, key);
	yajl_gen_number(w->g, num, (size_t)n);
}

/* JSON has no NaN or infinity: they become null (yajl_gen_double would
 * refuse them and leave the key without a value, breaking the object).
 * Finite values get the shortest digits that read back to the same double,
 * so 0.1 is "0.1", not yajl's "%.20g" noise. */
void jw_double(struct jw *w, const char *key, double val)
{
	char num[32];
	int n = 0;

	jw_key(w, key);
	if (!isfinite(val)) {
		yajl_gen_null(w->g);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(num, sizeof(num), "%.*g", prec, val);
		if (strtod(num, NULL) == val)
			break;
	}
	if (!strpbrk(num, ".eE")) /* keep it a fraction for readers */
		n += snprintf(num + n, sizeof(num) - (size_t)n, ".0");
	yajl_gen_number(w->g, num, (size_t)n);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	jw_key(w, key);
	yajl_gen_bool(w->g, val);
}

void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	yajl_gen_null(w->g);
}

void jw_obj(struct jw *w, const char *key)
{
	jw_key(w, key);
	yajl_gen_map_open(w->g);
}

void jw_arr(struct jw *w, const char *key)
{
	jw_key(w, key);
	yajl_gen_array_open(w->g);
}

void jw_end_obj(struct jw *w)
{
	yajl_gen_map_close(w->g);
}

void jw_end_arr(struct jw *w)
{
	yajl_gen_array_close(w->g);
}

void jw_vstr(struct jw *w, const char *val)
{
	jw_str(w, NULL, val);
}

void jw_vint(struct jw *w, long long val)
{
	jw_int(w, NULL, val);
}

void jw_tree(struct jw *w, const char *key, yajl_val v)
{
	jw_key(w, key);
	if (!v || YAJL_IS_NULL(v)) {
		yajl_gen_null(w->g);
	} else if (YAJL_IS_STRING(v)) {
		put_string(w, v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(w->g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(w->g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(w->g);
		for (size_t i = 0; i < v->u.object.len; i++)
			jw_tree(w, v->u.object.keys[i], v->u.object.values[i]);
		yajl_gen_map_close(w->g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(w->g);
		for (size_t i = 0; i < v->u.array.len; i++)
			jw_tree(w, NULL, v->u.array.values[i]);
		yajl_gen_array_close(w->g);
	}
}
