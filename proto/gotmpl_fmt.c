/* gotmpl_fmt.c - the parts of Go's fmt and strings that templates reach:
 * Sprintf for printf (verbs v s q d b o O x X c U t e E f F g G T, flags,
 * width, precision, and Go's %!verb(type=value) / MISSING / EXTRA
 * reports), upper/lower/title case mapping, and the js escaper's runes.
 * Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic; other scripts pass unchanged (Go maps them too). */
#include "gotmpl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gf_spec {
	bool minus, plus, sharp, space, zero;
	int wid, prec; /* -1 when absent */
	char verb;
};

static size_t gf_runes(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i += gv_utf8_len(s + i, n - i))
		r++;
	return r;
}

static void gf_fill(struct buf *b, char c, size_t n)
{
	if (!n)
		return;
	memset(buf_reserve(b, n), c, n);
	b->len += n;
}

/* Go's f.pad: width in runes, zeros only when asked and not left-aligned. */
static void gf_pad(const struct gf_spec *f, const char *s, size_t n,
		   struct buf *b)
{
	size_t w = gf_runes(s, n);
	size_t fill = f->wid > 0 && (size_t)f->wid > w ? (size_t)f->wid - w : 0;

	if (!f->minus)
		gf_fill(b, f->zero ? '0' : ' ', fill);
	buf_append(b, s, n);
	if (f->minus)
		gf_fill(b, ' ', fill);
}

static void gf_pad_num(const struct gf_spec *f, const char *s, struct buf *b)
{
	size_t n = strlen(s);
	struct gf_spec g = *f;

	if (f->zero && !f->minus && f->wid > 0 && (s[0] == '-' || s[0] == '+' ||
						   s[0] == ' ')) {
		buf_append(b, s, 1); /* sign before the zeros */
		g.wid--;
		gf_pad(&g, s + 1, n - 1, b);
		return;
	}
	gf_pad(f, s, n, b);
}

static void gf_print(const struct gf_spec *f, const struct gv *v,
		     struct buf *b);

static void gf_bad(const struct gf_spec *f, const struct gv *v, struct buf *b)
{
	struct gf_spec g = *f;

	g.verb = 'v';
	buf_printf(b, "%%!%c(", f->verb);
	if (v->k == GV_NIL || v->k == GV_INVALID) {
		buf_puts(b, "<nil>");
	} else {
		buf_printf(b, "%s=", gv_type(v));
		gf_print(&g, v, b);
	}
	buf_puts(b, ")");
}

static void gf_cfmt(const struct gf_spec *f, char *out, size_t len,
		    char conv, const char *lenmod)
{
	char *p = out;
	*p++ = '%';
	if (f->minus) *p++ = '-';
	if (f->plus) *p++ = '+';
	if (f->space) *p++ = ' ';
	if (f->sharp) *p++ = '#';
	if (f->zero && !f->minus) *p++ = '0';
	*p = '\0';
	if (f->wid >= 0)
		p += sprintf(p, "%d", f->wid);
	if (f->prec >= 0)
		p += sprintf(p, ".%d", f->prec);
	snprintf(p, len - (size_t)(p - out), "%s%c", lenmod, conv);
}

/* The C conversions below take formats built by gf_cfmt from Go flags. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static void gf_int(const struct gf_spec *f, int64_t i, struct buf *b)
{
	char fmt[40], tmp[160];
	struct buf q = { 0 };

	if (i < 0 && (f->verb == 'o' || f->verb == 'x' || f->verb == 'X')) {
		/* Go writes the sign and the magnitude */
		const char *pre = !f->sharp ? "" : f->verb == 'o' ? "0" :
					f->verb == 'x' ? "0x" : "0X";
		snprintf(tmp, sizeof(tmp),
			 f->verb == 'o' ? "-%s%llo" : f->verb == 'x' ? "-%s%llx" : "-%s%llX",
			 pre, (unsigned long long)(0 - (uint64_t)i));
		gf_pad_num(f, tmp, b);
		return;
	}
	switch (f->verb) {
	case 'v':
	case 'd':
	case 'o':
	case 'x':
	case 'X':
		gf_cfmt(f, fmt, sizeof(fmt), f->verb == 'v' ? 'd' : f->verb, "ll");
		snprintf(tmp, sizeof(tmp), fmt, (long long)i);
		buf_puts(b, tmp);
		return;
	case 'b': {
		char d[70];
		int n = 0;
		uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
		do
			d[n++] = (char)('0' + (u & 1));
		while (u >>= 1);
		char s[80];
		size_t k = 0;
		if (i < 0)
			s[k++] = '-';
		else if (f->plus)
			s[k++] = '+';
		while (n)
			s[k++] = d[--n];
		s[k] = '\0';
		gf_pad_num(f, s, b);
		return;
	}
	case 'O':
		snprintf(tmp, sizeof(tmp), "%s0o%llo", i < 0 ? "-" : "",
			 (unsigned long long)(i < 0 ? 0 - (uint64_t)i : (uint64_t)i));
		gf_pad_num(f, tmp, b);
		return;
	case 'c':
	case 'q':
	case 'U': {
		uint32_t r = i < 0 || i > 0x10ffff || (i >= 0xd800 && i <= 0xdfff) ?
				     0xfffd :
				     (uint32_t)i;
		if (f->verb == 'U') {
			struct buf u8 = { 0 };
			buf_printf(&u8, "U+%04llX", (unsigned long long)i);
			if (f->sharp && i >= 0 && i <= 0x10ffff && gv_printable(r)) {
				buf_puts(&u8, " '");
				gv_put_rune(r, &u8);
				buf_puts(&u8, "'");
			}
			gf_pad(f, buf_head(&u8), buf_used(&u8), b);
			buf_free(&u8);
			return;
		}
		char u[5];
		struct buf enc = { 0 };
		gv_put_rune(r, &enc);
		size_t n = buf_used(&enc) < 5 ? buf_used(&enc) : 4;
		memcpy(u, buf_head(&enc), n);
		buf_free(&enc);
		if (f->verb == 'c') {
			gf_pad(f, u, n, b);
			return;
		}
		gv_quote(u, n, &q); /* "x" -> 'x' */
		char *h = buf_head(&q);
		h[0] = h[buf_used(&q) - 1] = '\'';
		if (n == 1 && u[0] == '\'') {
			buf_reset(&q);
			buf_puts(&q, "'\\''");
		} else if (n == 1 && u[0] == '"') {
			buf_reset(&q);
			buf_puts(&q, "'\"'");
		}
		gf_pad(f, buf_head(&q), buf_used(&q), b);
		buf_free(&q);
		return;
	}
	default: {
		struct gv v = { .k = GV_INT, .iface = false };
		v.i = i;
		gf_bad(f, &v, b);
	}
	}
}

static void gf_float(const struct gf_spec *f, double x, struct buf *b)
{
	char fmt[40], tmp[400];
	struct buf s = { 0 };

	switch (f->verb) {
	case 'e':
	case 'E':
	case 'f':
	case 'F':
		gf_cfmt(f, fmt, sizeof(fmt), f->verb, "");
		snprintf(tmp, sizeof(tmp), fmt, x);
		buf_puts(b, tmp);
		return;
	case 'v':
	case 'g':
	case 'G':
		if (f->prec >= 0) {
			gf_cfmt(f, fmt, sizeof(fmt), f->verb == 'v' ? 'g' : f->verb, "");
			snprintf(tmp, sizeof(tmp), fmt, x);
			buf_puts(b, tmp);
			return;
		}
		if (f->plus && !(x < 0))
			buf_puts(&s, "+");
		else if (f->space && !(x < 0))
			buf_puts(&s, " ");
		gv_fmt_float(x, &s);
		if (f->verb == 'G')
			for (size_t i = 0; i < buf_used(&s); i++)
				if (buf_head(&s)[i] == 'e')
					buf_head(&s)[i] = 'E';
		buf_append(&s, "", 1);
		gf_pad_num(f, buf_head(&s), b);
		buf_free(&s);
		return;
	default: {
		struct gv v = { .k = GV_FLOAT, .iface = false };
		v.f = x;
		gf_bad(f, &v, b);
	}
	}
}

static void gf_string(const struct gf_spec *f, const struct gv *v,
		      struct buf *b)
{
	struct gv_str s = v->s;
	struct buf q = { 0 };

	if (f->prec >= 0) { /* precision counts runes */
		size_t i = 0;
		for (int r = 0; r < f->prec && i < s.n; r++)
			i += gv_utf8_len(s.p + i, s.n - i);
		s.n = i;
	}
	switch (f->verb) {
	case 'v':
	case 's':
		gf_pad(f, s.p, s.n, b);
		return;
	case 'q':
		gv_quote_ascii(s.p, s.n, f->plus, &q);
		break;
	case 'x':
	case 'X':
		for (size_t i = 0; i < s.n; i++)
			buf_printf(&q, f->verb == 'x' ? "%02x" : "%02X",
				   (unsigned char)s.p[i]);
		break;
	default:
		gf_bad(f, v, b);
		return;
	}
	gf_pad(f, q.data ? buf_head(&q) : "", buf_used(&q), b);
	buf_free(&q);
}

struct gf_elem {
	const struct gf_spec *f;
	struct buf *b;
};
static void gf_print_elem(size_t i, const char *key, const struct gv *e,
			  void *ctx);

static void gf_print(const struct gf_spec *f, const struct gv *v, struct buf *b)
{
	switch (v->k) {
	case GV_INVALID:
	case GV_NIL:
		if (f->verb == 'v')
			gf_pad(f, "<nil>", 5, b);
		else
			gf_bad(f, v, b);
		return;
	case GV_BOOL:
		if (f->verb == 'v' || f->verb == 't')
			gf_pad(f, v->b ? "true" : "false", v->b ? 4 : 5, b);
		else
			gf_bad(f, v, b);
		return;
	case GV_INT:
		gf_int(f, v->i, b);
		return;
	case GV_FLOAT:
		gf_float(f, v->f, b);
		return;
	case GV_STR:
		gf_string(f, v, b);
		return;
	case GV_MAP:
	case GV_ARR:
	case GV_STRS:
		buf_puts(b, v->k == GV_MAP ? "map[" : "[");
		gv_each(v, gf_print_elem, &(struct gf_elem){ f, b });
		buf_puts(b, "]");
		return;
	}
}

/* One element of a map or slice under the verb: "k:v" or "v". */
static void gf_print_elem(size_t i, const char *key, const struct gv *e,
			  void *ctx)
{
	const struct gf_elem *x = ctx;

	if (i)
		buf_puts(x->b, " ");
	if (key) {
		struct gv kv = { .k = GV_STR, .iface = false,
				 .s = { key, strlen(key) } };
		gf_print(x->f, &kv, x->b);
		buf_puts(x->b, ":");
	}
	if (e->k == GV_NIL)
		gf_pad(x->f, "<nil>", 5, x->b);
	else
		gf_print(x->f, e, x->b);
}

/* Parse flags, width, precision; returns the index after the verb. */
static size_t gf_spec(const char *s, size_t n, size_t i, struct gf_spec *f)
{
	memset(f, 0, sizeof(*f));
	f->wid = f->prec = -1;
	for (; i < n; i++) {
		switch (s[i]) {
		case '-': f->minus = true, f->zero = false; continue;
		case '+': f->plus = true; continue;
		case '#': f->sharp = true; continue;
		case ' ': f->space = true; continue;
		case '0': f->zero = !f->minus; continue;
		}
		break;
	}
	/* Go's parsenum: a number past 1e6 swallows the rest (NOVERB) */
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (f->wid > 1000000)
			return f->verb = 0, n;
		f->wid = (f->wid < 0 ? 0 : f->wid * 10) + (s[i++] - '0');
	}
	if (i < n && s[i] == '.') {
		i++;
		f->prec = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (f->prec > 1000000)
				return f->verb = 0, n;
			f->prec = f->prec * 10 + (s[i++] - '0');
		}
	}
	f->verb = i < n ? s[i] : 0;
	return i < n ? i + 1 : i;
}

void gx_sprintf(const char *s, size_t n, struct gv *args, size_t nargs,
		struct buf *b)
{
	size_t arg = 0;

	for (size_t i = 0; i < n;) {
		struct gf_spec f;
		if (s[i] != '%') {
			buf_append(b, s + i, 1);
			i++;
			continue;
		}
		i = gf_spec(s, n, i + 1, &f);
		if (!f.verb) {
			buf_puts(b, "%!(NOVERB)");
			break;
		}
		if (f.verb == '%') {
			buf_puts(b, "%");
			continue;
		}
		if ((unsigned char)f.verb >= 0x80) { /* a multi-byte verb */
			size_t l = gv_utf8_len(s + i - 1, n - i + 1);
			buf_printf(b, "%%!%.*s(", (int)l, s + i - 1);
			i += l - 1;
			if (arg >= nargs) {
				buf_puts(b, "MISSING)");
				continue;
			}
			struct gv v = gv_indirect(args[arg++]);
			if (v.k == GV_INVALID) {
				buf_puts(b, "<nil>)");
				continue;
			}
			buf_printf(b, "%s=", gv_type(&v));
			f.verb = 'v';
			gf_print(&f, &v, b);
			buf_puts(b, ")");
			continue;
		}
		if (arg >= nargs) {
			buf_printf(b, "%%!%c(MISSING)", f.verb);
			continue;
		}
		if (f.verb == 'T') {
			struct gv d = gv_indirect(args[arg++]);
			const char *t = d.k == GV_INVALID ? "<nil>" : gv_type(&d);
			gf_pad(&f, t, strlen(t), b);
			continue;
		}
		struct gv v = args[arg++];
		if (v.k == GV_INVALID)
			v.k = GV_NIL;
		v.iface = false;
		gf_print(&f, &v, b);
	}
	if (arg < nargs) {
		buf_puts(b, "%!(EXTRA ");
		for (size_t i = arg; i < nargs; i++) {
			struct gv v = gv_indirect(args[i]);
			if (i > arg)
				buf_puts(b, ", ");
			if (v.k == GV_INVALID) {
				buf_puts(b, "<nil>");
				continue;
			}
			buf_printf(b, "%s=", gv_type(&v));
			gv_print(&v, b);
		}
		buf_puts(b, ")");
	}
}

/* ---- case mapping ---- */

static uint32_t gv_upper(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c < 0x80)
		return c;
	if (c == 0xb5)
		return 0x39c;
	if (c == 0xff)
		return 0x178;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 32;
	if (c >= 0x100 && c <= 0x137 && (c & 1))
		return c - 1;
	if (c >= 0x139 && c <= 0x148 && !(c & 1))
		return c - 1;
	if (c >= 0x14a && c <= 0x177 && (c & 1))
		return c - 1;
	if (c == 0x17a || c == 0x17c || c == 0x17e)
		return c - 1;
	if (c == 0x3c2)
		return 0x3a3;
	if (c >= 0x3b1 && c <= 0x3cb)
		return c - 32;
	if (c >= 0x3ac && c <= 0x3ac)
		return 0x386;
	if (c >= 0x3ad && c <= 0x3af)
		return c - 37;
	if (c >= 0x430 && c <= 0x44f)
		return c - 32;
	if (c >= 0x450 && c <= 0x45f)
		return c - 80;
	return c;
}

static uint32_t gv_lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c == 0x178)
		return 0xff;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x137 && !(c & 1))
		return c + 1;
	if (c >= 0x139 && c <= 0x148 && (c & 1))
		return c + 1;
	if (c >= 0x14a && c <= 0x177 && !(c & 1))
		return c + 1;
	if (c == 0x179 || c == 0x17b || c == 0x17d)
		return c + 1;
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return c + 32;
	if (c == 0x386)
		return 0x3ac;
	if (c >= 0x388 && c <= 0x38a)
		return c + 37;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

/* strings.Title's word boundary test on the previous rune. */
static bool gv_separator(uint32_t r)
{
	if (r <= 0x7f) {
		if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
		    (r >= 'A' && r <= 'Z') || r == '_')
			return false;
		return true;
	}
	return r == 0x85 || r == 0xa0 || r == 0x1680 ||
	       (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
	       r == 0x202f || r == 0x205f || r == 0x3000;
}

void gv_case(const char *s, size_t n, int mode, struct buf *b)
{
	uint32_t prev = ' ';

	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t l = gv_utf8((const unsigned char *)s + i, n - i, &c);
		if (!l) { /* strings.Map turns a bad byte into U+FFFD */
			bool ascii = true;
			for (size_t k = 0; k < n; k++)
				ascii &= (unsigned char)s[k] < 0x80;
			buf_puts(b, "\xef\xbf\xbd");
			i++;
			prev = 0xfffd;
			continue;
		}
		uint32_t m = c;
		if (mode == 'U')
			m = gv_upper(c);
		else if (mode == 'L')
			m = gv_lower(c);
		else if (gv_separator(prev))
			m = gv_upper(c);
		gv_put_rune(m, b);
		prev = c;
		i += l;
	}
}

size_t gv_js_rune(const char *s, size_t n, struct buf *b)
{
	uint32_t c;
	size_t l = gv_utf8((const unsigned char *)s, n, &c);

	if (!l) { /* utf8.DecodeRune gives RuneError, not printable: \uFFFD */
		buf_puts(b, "\\uFFFD");
		return 1;
	}
	if (gv_printable(c))
		buf_append(b, s, l);
	else
		buf_printf(b, "\\u%04X", (unsigned)c);
	return l;
}
