/* gotmpl_funcs.c - the functions a template can call: Go's builtins
 * (and, or, not, len, index, slice, print, printf, println, html, js,
 * urlquery, call, eq, ne, lt, le, gt, ge) and Docker's helpers (json,
 * split, join, title, lower, upper, pad, truncate), with Go's argument
 * types and error texts. Results that need memory take it from the
 * execution's scratch arena. */
#include "gotmpl_int.h"

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int gx_fn(struct gx *x, struct gv *a, size_t n, struct gv *res,
		  char *msg, size_t msglen);

struct gx_func {
	const char *name;
	int fixed;	   /* argument count, -1 when variadic */
	int min;	   /* variadic: at least this many */
	const char *types; /* per argument; the last repeats if variadic */
	bool header;	   /* one of Docker's HeaderFunctions */
	gx_fn *fn;
};

static int gx_msg(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int gx_msg(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

static void gx_set_bool(struct gv *res, bool b)
{
	*res = (struct gv){ .k = GV_BOOL, .iface = false };
	res->b = b;
}

/* The arena copy of what b holds; b is freed. */
static void gx_set_buf(struct gx *x, struct gv *res, struct buf *b)
{
	*res = (struct gv){ .k = GV_STR, .iface = false };
	res->s = gx_strdup(x, b->data ? buf_head(b) : "", buf_used(b));
	buf_free(b);
}

/* Go's %T: the dynamic type, "<nil>" for a nil interface. */
static const char *gx_dyn_type(const struct gv *v)
{
	struct gv d = gv_indirect(*v);
	return d.k == GV_INVALID ? "<nil>" : gv_type(&d);
}

/* ---- logic and comparison ---- */

static int gx_not(struct gx *x, struct gv *a, size_t n, struct gv *res,
		  char *msg, size_t len)
{
	gx_set_bool(res, !gv_truth(&a[0]));
	return 0;
}

enum gx_kind { GK_INVALID, GK_BOOL, GK_INT, GK_FLOAT, GK_STRING };

static enum gx_kind gx_basic(const struct gv *v)
{
	switch (v->k) {
	case GV_BOOL:
		return GK_BOOL;
	case GV_INT:
		return GK_INT;
	case GV_FLOAT:
		return GK_FLOAT;
	case GV_STR:
		return GK_STRING;
	default:
		return GK_INVALID;
	}
}

static int gx_cmp_str(const struct gv *a, const struct gv *b)
{
	size_t n = a->s.n < b->s.n ? a->s.n : b->s.n;
	int c = memcmp(a->s.p, b->s.p, n);
	return c ? c : (a->s.n > b->s.n) - (a->s.n < b->s.n);
}

static int gx_eq2(struct gv a, struct gv b, bool *eq, char *msg, size_t len)
{
	enum gx_kind k1, k2;

	a = gv_indirect(a);
	b = gv_indirect(b);
	k1 = gx_basic(&a);
	k2 = gx_basic(&b);
	*eq = false;
	if (k1 != k2) {
		if (a.k != GV_INVALID && b.k != GV_INVALID)
			return gx_msg(msg, len, "incompatible types for comparison");
		return 0;
	}
	switch (k1) {
	case GK_BOOL:
		*eq = a.b == b.b;
		return 0;
	case GK_INT:
		*eq = a.i == b.i;
		return 0;
	case GK_FLOAT:
		*eq = a.f == b.f;
		return 0;
	case GK_STRING:
		*eq = !gx_cmp_str(&a, &b);
		return 0;
	default:
		break;
	}
	/* maps, slices and nil: equal only when both are nil */
	if (a.k == GV_INVALID || b.k == GV_INVALID) {
		*eq = a.k == b.k;
		return 0;
	}
	struct buf pa = { 0 }, pb = { 0 };
	gv_print(&a, &pa);
	buf_append(&pa, "", 1);
	gv_print(&b, &pb);
	buf_append(&pb, "", 1);
	if (a.k != b.k)
		gx_msg(msg, len, "non-comparable types %s: %s, %s: %s",
		       buf_head(&pa), gv_type(&a), gv_type(&b), buf_head(&pb));
	else
		gx_msg(msg, len, "non-comparable type %s: %s", buf_head(&pb),
		       gv_type(&b));
	buf_free(&pa);
	buf_free(&pb);
	return -1;
}

static int gx_eq(struct gx *x, struct gv *a, size_t n, struct gv *res,
		 char *msg, size_t len)
{
	bool eq = false;

	if (n < 2)
		return gx_msg(msg, len, "missing argument for comparison");
	for (size_t i = 1; i < n && !eq; i++)
		if (gx_eq2(a[0], a[i], &eq, msg, len) < 0)
			return -1;
	gx_set_bool(res, eq);
	return 0;
}

static int gx_ne(struct gx *x, struct gv *a, size_t n, struct gv *res,
		 char *msg, size_t len)
{
	bool eq;
	if (gx_eq2(a[0], a[1], &eq, msg, len) < 0)
		return -1;
	gx_set_bool(res, !eq);
	return 0;
}

static int gx_lt2(struct gv a, struct gv b, bool *lt, char *msg, size_t len)
{
	enum gx_kind k1, k2;

	a = gv_indirect(a);
	b = gv_indirect(b);
	k1 = gx_basic(&a);
	k2 = gx_basic(&b);
	if (k1 == GK_INVALID || k2 == GK_INVALID)
		return gx_msg(msg, len, "invalid type for comparison");
	if (k1 != k2)
		return gx_msg(msg, len, "incompatible types for comparison");
	switch (k1) {
	case GK_INT:
		*lt = a.i < b.i;
		return 0;
	case GK_FLOAT:
		*lt = a.f < b.f;
		return 0;
	case GK_STRING:
		*lt = gx_cmp_str(&a, &b) < 0;
		return 0;
	default:
		return gx_msg(msg, len, "invalid type for comparison");
	}
}

/* lt, le, gt, ge as Go builds them from lt and eq. */
static int gx_order(struct gv *a, struct gv *res, char op, char *msg,
		    size_t len)
{
	bool lt = false, eq = false;

	if (gx_lt2(a[0], a[1], &lt, msg, len) < 0)
		return -1;
	if (op != 'l' && op != 'G' && !lt &&
	    gx_eq2(a[0], a[1], &eq, msg, len) < 0)
		return -1;
	switch (op) {
	case 'l':
		gx_set_bool(res, lt);
		break;
	case 'L':
		gx_set_bool(res, lt || eq);
		break;
	case 'g':
		gx_set_bool(res, !(lt || eq));
		break;
	default:
		gx_set_bool(res, !lt);
	}
	return 0;
}

#define GX_ORDER(fname, op)                                                \
	static int fname(struct gx *x, struct gv *a, size_t n,             \
			 struct gv *res, char *msg, size_t len)            \
	{                                                                  \
		return gx_order(a, res, op, msg, len);                     \
	}
GX_ORDER(gx_lt, 'l')
GX_ORDER(gx_le, 'L')
GX_ORDER(gx_gt, 'g')
GX_ORDER(gx_ge, 'G')

/* ---- len, index, slice, call ---- */

static int gx_len(struct gx *x, struct gv *a, size_t n, struct gv *res,
		  char *msg, size_t len)
{
	struct gv v = a[0];

	if (v.k == GV_NIL)
		return gx_msg(msg, len, "len of nil pointer");
	if (v.k == GV_INVALID)
		return gx_msg(msg, len,
			      "reflect: call of reflect.Value.Type on zero Value");
	v = gv_indirect(v);
	if (v.k != GV_STR && v.k != GV_MAP && v.k != GV_ARR && v.k != GV_STRS)
		return gx_msg(msg, len, "len of type %s", gv_type(&v));
	*res = (struct gv){ .k = GV_INT, .iface = false };
	res->i = (int64_t)gv_len(&v);
	return 0;
}

/* Go's indexArg: an int index in [0, cap]. */
static int gx_index_arg(struct gv ix, size_t cap, size_t *out, char *msg,
			size_t len)
{
	ix = gv_indirect(ix);
	if (ix.k == GV_INVALID)
		return gx_msg(msg, len, "cannot index slice/array with nil");
	if (ix.k != GV_INT)
		return gx_msg(msg, len, "cannot index slice/array with type %s",
			      gv_type(&ix));
	if (ix.i < 0 || (uint64_t)ix.i > cap)
		return gx_msg(msg, len, "index out of range: %lld",
			      (long long)ix.i);
	*out = (size_t)ix.i;
	return 0;
}

static int gx_index1(struct gv *item, struct gv ix, char *msg, size_t len)
{
	size_t i;

	if (item->k == GV_NIL)
		return gx_msg(msg, len, "index of nil pointer");
	*item = gv_indirect(*item);
	switch (item->k) {
	case GV_ARR:
	case GV_STRS:
	case GV_STR:
		if (gx_index_arg(ix, gv_len(item), &i, msg, len) < 0)
			return -1;
		if (i == gv_len(item))
			return gx_msg(msg, len, "reflect: %s index out of range",
				      item->k == GV_STR ? "string" : "slice");
		*item = gv_index(item, i);
		return 0;
	case GV_MAP: {
		yajl_val o = item->a.j, v = NULL;
		char *key;
		ix = gv_indirect(ix);
		if (ix.k == GV_INVALID)
			return gx_msg(msg, len, "value is nil; should be of type string");
		if (ix.k != GV_STR)
			return gx_msg(msg, len, "value has type %s; should be string",
				      gv_type(&ix));
		key = xstrndup(ix.s.p, ix.s.n);
		for (size_t k = o->u.object.len; k-- > 0 && !v;)
			if (!strcmp(o->u.object.keys[k], key))
				v = o->u.object.values[k];
		free(key);
		*item = gv_from_json(v, true); /* absent: a nil interface{} */
		return 0;
	}
	default:
		return gx_msg(msg, len, "can't index item of type %s",
			      gv_type(item));
	}
}

static int gx_index(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	struct gv item = gv_indirect(a[0]);

	if (item.k == GV_INVALID)
		return gx_msg(msg, len, "index of untyped nil");
	for (size_t i = 1; i < n; i++)
		if (gx_index1(&item, a[i], msg, len) < 0)
			return -1;
	*res = item;
	return 0;
}

static int gx_slice(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	struct gv item = gv_indirect(a[0]);
	size_t idx[3] = { 0, 0, 0 }, cap;

	if (item.k == GV_INVALID)
		return gx_msg(msg, len, "slice of untyped nil");
	if (n - 1 > 3)
		return gx_msg(msg, len, "too many slice indexes: %zu", n - 1);
	if (item.k == GV_STR && n - 1 == 3)
		return gx_msg(msg, len, "cannot 3-index slice a string");
	if (item.k != GV_STR && item.k != GV_ARR && item.k != GV_STRS)
		return gx_msg(msg, len, "can't slice item of type %s",
			      gv_type(&item));
	cap = idx[1] = gv_len(&item);
	for (size_t i = 1; i < n; i++)
		if (gx_index_arg(a[i], cap, &idx[i - 1], msg, len) < 0)
			return -1;
	if (idx[0] > idx[1])
		return gx_msg(msg, len, "invalid slice index: %zu > %zu", idx[0],
			      idx[1]);
	if (n - 1 == 3 && idx[1] > idx[2])
		return gx_msg(msg, len, "invalid slice index: %zu > %zu", idx[1],
			      idx[2]);
	*res = item;
	if (item.k == GV_STR) {
		res->s = (struct gv_str){ item.s.p + idx[0], idx[1] - idx[0] };
	} else if (item.k == GV_ARR) {
		res->a.off += idx[0];
		res->a.n = idx[1] - idx[0];
	} else {
		res->sv.v += idx[0];
		res->sv.n = idx[1] - idx[0];
	}
	return 0;
}

static int gx_call_fn(struct gx *x, struct gv *a, size_t n, struct gv *res,
		      char *msg, size_t len)
{
	struct gv f = gv_indirect(a[0]);
	if (f.k == GV_INVALID)
		return gx_msg(msg, len, "call of nil");
	return gx_msg(msg, len, "non-function of type %s", gv_type(&f));
}

/* ---- print, escapers ---- */

/* fmt.Sprint: a space between operands when neither is a string. */
static void gx_sprint(struct gv *a, size_t n, bool ln, struct buf *b)
{
	for (size_t i = 0; i < n; i++) {
		struct gv v = a[i];
		bool str = v.k == GV_STR, prev = i && a[i - 1].k == GV_STR;
		if (i && (ln || (!str && !prev)))
			buf_puts(b, " ");
		if (v.k == GV_INVALID)
			v.k = GV_NIL;
		gv_print(&v, b);
	}
	if (ln)
		buf_puts(b, "\n");
}

static int gx_print(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	struct buf b = { 0 };
	gx_sprint(a, n, false, &b);
	gx_set_buf(x, res, &b);
	return 0;
}

static int gx_println(struct gx *x, struct gv *a, size_t n, struct gv *res,
		      char *msg, size_t len)
{
	struct buf b = { 0 };
	gx_sprint(a, n, true, &b);
	gx_set_buf(x, res, &b);
	return 0;
}

static int gx_printf(struct gx *x, struct gv *a, size_t n, struct gv *res,
		     char *msg, size_t len)
{
	struct buf b = { 0 };
	gx_sprintf(a[0].s.p, a[0].s.n, a + 1, n - 1, &b);
	gx_set_buf(x, res, &b);
	return 0;
}

/* Go's evalArgs: one string as is, else Sprint with nils as <no value>. */
static void gx_eval_args(struct gv *a, size_t n, struct buf *b)
{
	if (n == 1 && a[0].k == GV_STR) {
		buf_append(b, a[0].s.p, a[0].s.n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i].k == GV_NIL || a[i].k == GV_INVALID) {
			a[i].k = GV_STR;
			a[i].s = (struct gv_str){ "<no value>", 10 };
		}
	gx_sprint(a, n, false, b);
}

static int gx_html(struct gx *x, struct gv *a, size_t n, struct gv *res,
		   char *msg, size_t len)
{
	struct buf in = { 0 }, out = { 0 };

	gx_eval_args(a, n, &in);
	for (size_t i = 0; i < buf_used(&in); i++) {
		char c = buf_head(&in)[i];
		switch (c) {
		case '\0': buf_puts(&out, "\xef\xbf\xbd"); break;
		case '"': buf_puts(&out, "&#34;"); break;
		case '\'': buf_puts(&out, "&#39;"); break;
		case '&': buf_puts(&out, "&amp;"); break;
		case '<': buf_puts(&out, "&lt;"); break;
		case '>': buf_puts(&out, "&gt;"); break;
		default: buf_append(&out, &c, 1);
		}
	}
	buf_free(&in);
	gx_set_buf(x, res, &out);
	return 0;
}

static int gx_js(struct gx *x, struct gv *a, size_t n, struct gv *res,
		 char *msg, size_t len)
{
	struct buf in = { 0 }, out = { 0 };

	gx_eval_args(a, n, &in);
	for (size_t i = 0; i < buf_used(&in);) {
		unsigned char c = (unsigned char)buf_head(&in)[i];
		const char *esc = NULL;
		if (c >= 0x80) {
			size_t l = gv_js_rune(buf_head(&in) + i, buf_used(&in) - i, &out);
			i += l;
			continue;
		}
		switch (c) {
		case '\\': esc = "\\\\"; break;
		case '\'': esc = "\\'"; break;
		case '"': esc = "\\\""; break;
		case '<': esc = "\\u003C"; break;
		case '>': esc = "\\u003E"; break;
		case '&': esc = "\\u0026"; break;
		case '=': esc = "\\u003D"; break;
		}
		if (esc)
			buf_puts(&out, esc);
		else if (c < ' ')
			buf_printf(&out, "\\u00%02X", c);
		else
			buf_append(&out, &c, 1);
		i++;
	}
	buf_free(&in);
	gx_set_buf(x, res, &out);
	return 0;
}

static int gx_urlquery(struct gx *x, struct gv *a, size_t n, struct gv *res,
		       char *msg, size_t len)
{
	struct buf in = { 0 }, out = { 0 };

	gx_eval_args(a, n, &in);
	for (size_t i = 0; i < buf_used(&in); i++) {
		unsigned char c = (unsigned char)buf_head(&in)[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c))
			buf_append(&out, &c, 1);
		else if (c == ' ')
			buf_puts(&out, "+");
		else
			buf_printf(&out, "%%%02X", c);
	}
	buf_free(&in);
	gx_set_buf(x, res, &out);
	return 0;
}

/* ---- Docker's helpers ---- */

static int gx_json(struct gx *x, struct gv *a, size_t n, struct gv *res,
		   char *msg, size_t len)
{
	struct buf b = { 0 };
	gv_json(&a[0], &b);
	gx_set_buf(x, res, &b);
	return 0;
}

static int gx_split(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	struct gv_str s = a[0].s, sep = a[1].s;
	size_t cnt = 0, cap = 8;
	struct gv_str *v = xmalloc(cap * sizeof(*v));

	for (size_t i = 0;;) {
		size_t j = i;
		if (cnt == cap) {
			v = xrealloc(v, cap *= 2, sizeof(*v));
		}
		if (!sep.n) { /* into UTF-8 sequences */
			if (i >= s.n)
				break;
			j = i + gv_utf8_len(s.p + i, s.n - i);
			v[cnt++] = (struct gv_str){ s.p + i, j - i };
			i = j;
			continue;
		}
		const char *hit = memmem(s.p + i, s.n - i, sep.p, sep.n);
		j = hit ? (size_t)(hit - s.p) : s.n;
		v[cnt++] = (struct gv_str){ s.p + i, j - i };
		if (!hit)
			break;
		i = j + sep.n;
	}
	*res = (struct gv){ .k = GV_STRS, .iface = false };
	res->sv.v = gx_alloc(x, (cnt + 1) * sizeof(*v));
	memcpy(res->sv.v, v, cnt * sizeof(*v));
	res->sv.n = cnt;
	free(v);
	return 0;
}

/* join accepts []string or a JSON array of strings (Docker's typed fields
 * are []string where our JSON has []interface {}). */
static int gx_join(struct gx *x, struct gv *a, size_t n, struct gv *res,
		   char *msg, size_t len)
{
	struct gv l = gv_indirect(a[0]);
	struct buf b = { 0 };

	if (l.k != GV_ARR && l.k != GV_STRS)
		return gx_msg(msg, len, "join: %s is not a list of strings",
			      gx_dyn_type(&a[0]));
	for (size_t i = 0; i < gv_len(&l); i++) {
		struct gv e = gv_indirect(gv_index(&l, i));
		if (e.k != GV_STR) {
			buf_free(&b);
			return gx_msg(msg, len, "join: element %zu is not a string", i);
		}
		if (i)
			buf_append(&b, a[1].s.p, a[1].s.n);
		buf_append(&b, e.s.p, e.s.n);
	}
	gx_set_buf(x, res, &b);
	return 0;
}

static int gx_case(struct gx *x, struct gv *a, struct gv *res, int mode)
{
	struct buf b = { 0 };
	gv_case(a[0].s.p, a[0].s.n, mode, &b);
	gx_set_buf(x, res, &b);
	return 0;
}

static int gx_upper(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	return gx_case(x, a, res, 'U');
}

static int gx_lower(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	return gx_case(x, a, res, 'L');
}

static int gx_title(struct gx *x, struct gv *a, size_t n, struct gv *res,
		    char *msg, size_t len)
{
	return gx_case(x, a, res, 'T');
}

static int gx_truncate(struct gx *x, struct gv *a, size_t n, struct gv *res,
		       char *msg, size_t len)
{
	*res = a[0];
	if ((int64_t)a[0].s.n < a[1].i)
		return 0;
	if (a[1].i < 0)
		return gx_msg(msg, len, "runtime error: slice bounds out of range [:%lld]",
			      (long long)a[1].i);
	res->s.n = (size_t)a[1].i;
	return 0;
}

static int gx_pad(struct gx *x, struct gv *a, size_t n, struct gv *res,
		  char *msg, size_t len)
{
	struct buf b = { 0 };

	*res = a[0];
	if (!a[0].s.n)
		return 0;
	if (a[1].i < 0 || a[2].i < 0)
		return gx_msg(msg, len, "strings: negative Repeat count");
	if (a[1].i > 1 << 20 || a[2].i > 1 << 20)
		return gx_msg(msg, len, "strings: Repeat count too large");
	memset(buf_reserve(&b, (size_t)a[1].i + 1), ' ', (size_t)a[1].i);
	b.len += (size_t)a[1].i;
	buf_append(&b, a[0].s.p, a[0].s.n);
	memset(buf_reserve(&b, (size_t)a[2].i + 1), ' ', (size_t)a[2].i);
	b.len += (size_t)a[2].i;
	gx_set_buf(x, res, &b);
	return 0;
}

static const struct gx_func gx_funcs[] = {
	{ "and", -1, 1, "r", false, NULL },
	{ "call", -1, 1, "r", false, gx_call_fn },
	{ "eq", -1, 1, "r", false, gx_eq },
	{ "ge", 2, 0, "rr", false, gx_ge },
	{ "gt", 2, 0, "rr", false, gx_gt },
	{ "html", -1, 0, "v", false, gx_html },
	{ "index", -1, 1, "r", false, gx_index },
	{ "join", 2, 0, "vs", true, gx_join },
	{ "js", -1, 0, "v", false, gx_js },
	{ "json", 1, 0, "v", true, gx_json },
	{ "le", 2, 0, "rr", false, gx_le },
	{ "len", 1, 0, "r", false, gx_len },
	{ "lower", 1, 0, "s", true, gx_lower },
	{ "lt", 2, 0, "rr", false, gx_lt },
	{ "ne", 2, 0, "rr", false, gx_ne },
	{ "not", 1, 0, "r", false, gx_not },
	{ "or", -1, 1, "r", false, NULL },
	{ "pad", 3, 0, "sii", false, gx_pad },
	{ "print", -1, 0, "v", false, gx_print },
	{ "printf", -1, 1, "sv", false, gx_printf },
	{ "println", -1, 0, "v", false, gx_println },
	{ "slice", -1, 1, "r", false, gx_slice },
	{ "split", 2, 0, "ss", true, gx_split },
	{ "title", 1, 0, "s", true, gx_title },
	{ "truncate", 2, 0, "si", true, gx_truncate },
	{ "upper", 1, 0, "s", true, gx_upper },
	{ "urlquery", -1, 0, "v", false, gx_urlquery },
};

const struct gx_func *gx_func_find_n(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(gx_funcs); i++)
		if (strlen(gx_funcs[i].name) == len &&
		    !memcmp(gx_funcs[i].name, name, len))
			return &gx_funcs[i];
	return NULL;
}

const struct gx_func *gx_func_find(const char *name)
{
	return gx_func_find_n(name, strlen(name));
}

bool gx_func_is(const struct gx_func *f, const char *name)
{
	return !strcmp(f->name, name);
}

bool gx_func_header(const struct gx_func *f)
{
	return f->header;
}

int gx_func_arity(const struct gx_func *f, int *min)
{
	*min = f->min;
	return f->fixed;
}

char gx_func_argtype(const struct gx_func *f, size_t i)
{
	size_t n = strlen(f->types);
	return f->types[i < n ? i : n - 1];
}

int gx_func_call(struct gx *x, const struct gx_func *f, struct gv *args,
		 size_t nargs, struct gv *res, char *msg, size_t msglen)
{
	return f->fn(x, args, nargs, res, msg, msglen);
}
