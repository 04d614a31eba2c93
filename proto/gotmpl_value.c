/* gotmpl_value.c - template values over yajl nodes: Go's type names,
 * truth, length and indexing, and the three ways Go writes a value:
 * fmt's %v (text/template's output), encoding/json (Docker's json
 * helper) and strconv.Quote/Unquote (literals, %q, parse errors).
 * Nothing here allocates except the sorted key order and growing bufs. */
#include "gotmpl_int.h"
#include "../core/base/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gv gv_from_json(yajl_val j, bool iface)
{
	struct gv v = { .k = GV_INVALID, .iface = iface };

	if (!j || j->type == yajl_t_null) {
		v.k = iface ? GV_NIL : GV_INVALID;
		return v;
	}
	switch (j->type) {
	case yajl_t_string:
		v.k = GV_STR;
		v.s = (struct gv_str){ j->u.string, strlen(j->u.string) };
		break;
	case yajl_t_number:
		if (j->u.number.flags & YAJL_NUMBER_INT_VALID) {
			v.k = GV_INT;
			v.i = j->u.number.i;
		} else {
			v.k = GV_FLOAT;
			v.f = (j->u.number.flags & YAJL_NUMBER_DOUBLE_VALID) ?
				      j->u.number.d :
				      strtod(j->u.number.r, NULL);
		}
		break;
	case yajl_t_object:
		v.k = GV_MAP;
		v.a.j = j;
		v.a.n = j->u.object.len;
		break;
	case yajl_t_array:
		v.k = GV_ARR;
		v.a.j = j;
		v.a.n = j->u.array.len;
		break;
	case yajl_t_true:
	case yajl_t_false:
		v.k = GV_BOOL;
		v.b = j->type == yajl_t_true;
		break;
	default:
		break;
	}
	return v;
}

const char *gv_type(const struct gv *v)
{
	if (v->iface)
		return "interface {}";
	if (v->u8)
		return "uint8";
	switch (v->k) {
	case GV_BOOL:
		return "bool";
	case GV_INT:
		return "int";
	case GV_FLOAT:
		return "float64";
	case GV_STR:
		return "string";
	case GV_MAP:
		return "map[string]interface {}";
	case GV_ARR:
		return "[]interface {}";
	case GV_STRS:
		return "[]string";
	default:
		return "<nil>";
	}
}

struct gv gv_indirect(struct gv v)
{
	if (v.k == GV_NIL)
		v.k = GV_INVALID;
	v.iface = false;
	return v;
}

bool gv_truth(const struct gv *v)
{
	switch (v->k) {
	case GV_BOOL:
		return v->b;
	case GV_INT:
		return v->i != 0;
	case GV_FLOAT:
		return v->f != 0;
	case GV_STR:
		return v->s.n > 0;
	case GV_MAP:
	case GV_ARR:
	case GV_STRS:
		return gv_len(v) > 0;
	default:
		return false;
	}
}

size_t gv_len(const struct gv *v)
{
	switch (v->k) {
	case GV_STR:
		return v->s.n;
	case GV_MAP:
		return v->a.j->u.object.len;
	case GV_ARR:
		return v->a.n;
	case GV_STRS:
		return v->sv.n;
	default:
		return 0;
	}
}

struct gv gv_index(const struct gv *v, size_t i)
{
	struct gv r = { .k = GV_STR, .iface = false };

	if (v->k == GV_ARR)
		return gv_from_json(v->a.j->u.array.values[v->a.off + i], true);
	if (v->k == GV_STRS) {
		r.s = v->sv.v[i];
		return r;
	}
	r.k = GV_INT; /* a byte of a string */
	r.u8 = true;
	r.i = (unsigned char)v->s.p[i];
	return r;
}

static const char *const *gv_sort_keys;

static int gv_key_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(gv_sort_keys[i], gv_sort_keys[j]);
	return c ? c : (i < j ? -1 : i > j);
}

/* Go's map order: keys sorted bytewise (fmt and range both sort). */
size_t *gv_map_order(struct gx *x, yajl_val obj)
{
	size_t n = obj->u.object.len;
	size_t *o = x ? gx_alloc(x, (n + 1) * sizeof(*o)) :
			xmalloc((n + 1) * sizeof(*o));
	for (size_t i = 0; i < n; i++)
		o[i] = i;
	gv_sort_keys = (const char *const *)obj->u.object.keys;
	qsort(o, n, sizeof(*o), gv_key_cmp);
	return o;
}

void gv_each(const struct gv *v, gv_elem_fn fn, void *ctx)
{
	if (v->k == GV_MAP) {
		yajl_val o = v->a.j;
		size_t *order = gv_map_order(NULL, o);
		for (size_t i = 0; i < o->u.object.len; i++) {
			struct gv e = gv_from_json(o->u.object.values[order[i]],
						   true);
			fn(i, o->u.object.keys[order[i]], &e, ctx);
		}
		free(order);
		return;
	}
	for (size_t i = 0; i < gv_len(v); i++) {
		struct gv e = gv_index(v, i);
		fn(i, NULL, &e, ctx);
	}
}

/* Shortest round-trip digits of |f| (> 0): digits[], count, and the
 * decimal exponent dp such that f = 0.d1d2... x 10^dp. */
static int gv_shortest(double f, char *digits, int *dp)
{
	char tmp[40];
	int nd = 0;

	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	for (char *c = tmp; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	*dp = atoi(strchr(tmp, 'e') + 1) + 1;
	return nd;
}

/* strconv.FormatFloat(f, fmt, -1, 64) for fmt 'e' or 'f'. */
static void gv_float_form(double f, char fmt, struct buf *b)
{
	char digits[24];
	int dp, nd;

	if (f < 0) {
		buf_puts(b, "-");
		f = -f;
	}
	if (f == 0) {
		buf_puts(b, fmt == 'e' ? "0e+00" : "0");
		return;
	}
	nd = gv_shortest(f, digits, &dp);
	if (fmt == 'e') {
		int exp = dp - 1;
		buf_printf(b, "%c", digits[0]);
		if (nd > 1)
			buf_printf(b, ".%s", digits + 1);
		buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (dp <= 0) {
		buf_puts(b, "0.");
		for (int i = 0; i < -dp; i++)
			buf_puts(b, "0");
		buf_puts(b, digits);
		return;
	}
	for (int i = 0; i < dp; i++)
		buf_printf(b, "%c", i < nd ? digits[i] : '0');
	if (nd > dp)
		buf_printf(b, ".%s", digits + dp);
}

void gv_fmt_float(double f, struct buf *b)
{
	char digits[24];
	int dp;

	if (isnan(f)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(f)) {
		buf_puts(b, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (f == 0) {
		buf_puts(b, signbit(f) ? "-0" : "0");
		return;
	}
	gv_shortest(fabs(f), digits, &dp);
	/* %v is 'g' with the shortest digits: %e when exp < -4 || exp >= 6 */
	gv_float_form(f, dp - 1 < -4 || dp - 1 >= 6 ? 'e' : 'f', b);
}

/* fmt.Print's map and slice elements: "k:v k:v", "a b". */
static void gv_print_elem(size_t i, const char *key, const struct gv *e,
			  void *b)
{
	if (i)
		buf_puts(b, " ");
	if (key)
		buf_printf(b, "%s:", key);
	gv_print(e, b);
}

void gv_print(const struct gv *v, struct buf *b)
{
	switch (v->k) {
	case GV_INVALID:
		buf_puts(b, "<invalid reflect.Value>");
		break;
	case GV_NIL:
		buf_puts(b, "<nil>");
		break;
	case GV_BOOL:
		buf_puts(b, v->b ? "true" : "false");
		break;
	case GV_INT:
		buf_printf(b, "%lld", (long long)v->i);
		break;
	case GV_FLOAT:
		gv_fmt_float(v->f, b);
		break;
	case GV_STR:
		buf_append(b, v->s.p, v->s.n);
		break;
	case GV_MAP:
	case GV_ARR:
	case GV_STRS:
		buf_puts(b, v->k == GV_MAP ? "map[" : "[");
		gv_each(v, gv_print_elem, b);
		buf_puts(b, "]");
		break;
	}
}

/* ---- encoding/json ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if bad. */
size_t gv_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		len = 2, c &= 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, c &= 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t gv_utf8_len(const char *s, size_t n)
{
	uint32_t c;
	size_t l = gv_utf8((const unsigned char *)s, n, &c);
	return l ? l : 1;
}

static void gv_json_str(const char *p, size_t n, struct buf *b)
{
	const unsigned char *s = (const unsigned char *)p;

	buf_puts(b, "\"");
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t l = gv_utf8(s + i, n - i, &c);
		if (!l) {
			buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", (int)c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\r')
			buf_puts(b, "\\r");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20)
			buf_printf(b, "\\u00%02x", (unsigned)c);
		else if (c == 0x2028 || c == 0x2029)
			buf_printf(b, "\\u%04x", (unsigned)c);
		else
			buf_append(b, s + i, l);
		i += l;
	}
	buf_puts(b, "\"");
}

static void gv_json_float(double f, struct buf *b)
{
	double a = fabs(f);
	size_t start = buf_used(b);
	bool e = a != 0 && (a < 1e-6 || a >= 1e21);

	gv_float_form(f, e ? 'e' : 'f', b);
	if (e) { /* Go writes e-07 as e-7 */
		char *s = buf_head(b) + start;
		size_t n = buf_used(b) - start;
		if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
			s[n - 2] = s[n - 1];
			b->len--;
		}
	}
}

/* encoding/json's members and elements: "k":v,"k":v and a,b. */
static void gv_json_elem(size_t i, const char *key, const struct gv *e,
			 void *b)
{
	if (i)
		buf_puts(b, ",");
	if (key) {
		gv_json_str(key, strlen(key), b);
		buf_puts(b, ":");
	}
	gv_json(e, b);
}

void gv_json(const struct gv *v, struct buf *b)
{
	switch (v->k) {
	case GV_BOOL:
		buf_puts(b, v->b ? "true" : "false");
		break;
	case GV_INT:
		buf_printf(b, "%lld", (long long)v->i);
		break;
	case GV_FLOAT:
		gv_json_float(v->f, b);
		break;
	case GV_STR:
		gv_json_str(v->s.p, v->s.n, b);
		break;
	case GV_MAP:
	case GV_ARR:
	case GV_STRS:
		buf_puts(b, v->k == GV_MAP ? "{" : "[");
		gv_each(v, gv_json_elem, b);
		buf_puts(b, v->k == GV_MAP ? "}" : "]");
		break;
	default:
		buf_puts(b, "null");
	}
}

/* ---- strconv.Quote / Unquote ---- */

/* unicode.IsPrint for the runes where it says no, beyond ASCII controls:
 * C1 controls, the no-break and other spaces, format characters. */
bool gv_printable(uint32_t c)
{
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == 0xad)
		return false;
	if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	    (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff ||
	    (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xe000 && c <= 0xf8ff) ||
	    c >= 0xf0000 || (c & 0xfffe) == 0xfffe)
		return false;
	return true;
}

void gv_quote(const char *p, size_t n, struct buf *b)
{
	gv_quote_ascii(p, n, false, b);
}

void gv_quote_ascii(const char *p, size_t n, bool ascii, struct buf *b)
{
	const unsigned char *s = (const unsigned char *)p;

	buf_puts(b, "\"");
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t l = gv_utf8(s + i, n - i, &c);
		const char *esc = NULL;
		if (!l) {
			buf_printf(b, "\\x%02x", s[i++]);
			continue;
		}
		switch (c) {
		case '\a': esc = "\\a"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\v': esc = "\\v"; break;
		case '\\': esc = "\\\\"; break;
		case '"': esc = "\\\""; break;
		}
		if (esc)
			buf_puts(b, esc);
		else if (gv_printable(c) && (!ascii || c < 0x80))
			buf_append(b, s + i, l);
		else if (c < 0x80)
			buf_printf(b, "\\x%02x", (unsigned)c);
		else if (c < 0x10000)
			buf_printf(b, "\\u%04x", (unsigned)c);
		else
			buf_printf(b, "\\U%08x", (unsigned)c);
		i += l;
	}
	buf_puts(b, "\"");
}

static int gv_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void gv_put_rune(uint32_t c, struct buf *b)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c, n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12), u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18), u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* One character of a quoted literal at s[*i] (Go's UnquoteChar); a rune
 * (*is_byte false) or a raw byte from \x or octal. -1 when malformed. */
static int gv_unquote_one(const char *s, size_t n, size_t *i, char quote,
			  uint32_t *c, bool *is_byte)
{
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\";
	size_t l;
	int digits = 0, base = 16;

	*is_byte = false;
	if (s[*i] == quote && quote != '`')
		return -1;
	if (s[*i] != '\\') {
		l = gv_utf8((const unsigned char *)s + *i, n - *i, c);
		if (!l) { /* invalid UTF-8 passes through as a byte */
			*c = (unsigned char)s[*i];
			*is_byte = true;
			l = 1;
		}
		*i += l;
		return 0;
	}
	if (++*i >= n)
		return -1;
	char e = s[(*i)++];
	for (const char *p = simple; *p; p += 2)
		if (*p == e) {
			*c = (unsigned char)p[1];
			return 0;
		}
	if (e == quote && (e == '\'' || e == '"')) {
		*c = (unsigned char)e;
		return 0;
	}
	switch (e) {
	case 'x': digits = 2, *is_byte = true; break;
	case 'u': digits = 4; break;
	case 'U': digits = 8; break;
	case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7':
		digits = 2, base = 8, *is_byte = true;
		*c = (uint32_t)(e - '0');
		break;
	default:
		return -1;
	}
	if (base == 16)
		*c = 0;
	for (int k = 0; k < digits; k++) {
		int d = *i < n ? gv_hex(s[*i]) : -1;
		if (d < 0 || d >= base)
			return -1;
		*c = *c * (uint32_t)base + (uint32_t)d;
		(*i)++;
	}
	if (base == 8 && *c > 255)
		return -1;
	if (!*is_byte && (*c > 0x10ffff || (*c >= 0xd800 && *c <= 0xdfff)))
		return -1;
	return 0;
}

int gv_unquote(const char *s, size_t n, struct buf *b)
{
	if (n < 2 || s[0] != s[n - 1] || (s[0] != '"' && s[0] != '`'))
		return -1;
	if (s[0] == '`') { /* raw: no escapes, carriage returns dropped */
		for (size_t i = 1; i + 1 < n; i++)
			if (s[i] != '\r')
				buf_append(b, s + i, 1);
		return 0;
	}
	for (size_t i = 1; i + 1 < n;) {
		uint32_t c;
		bool is_byte;
		if (gv_unquote_one(s, n - 1, &i, '"', &c, &is_byte) < 0)
			return -1;
		if (is_byte) {
			char ch = (char)c;
			buf_append(b, &ch, 1);
		} else {
			gv_put_rune(c, b);
		}
	}
	return 0;
}

int gv_unquote_char(const char *s, size_t n, int32_t *r)
{
	size_t i = 1;
	uint32_t c;
	bool is_byte;

	if (n < 3 || s[0] != '\'' || s[n - 1] != '\'')
		return -1;
	if (gv_unquote_one(s, n - 1, &i, '\'', &c, &is_byte) < 0)
		return -1;
	if (i != n - 1)
		return -2;
	if (is_byte && s[1] != '\\')
		return -1; /* invalid UTF-8 */
	*r = (int32_t)c;
	return 0;
}
