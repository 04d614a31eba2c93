/* lzw.c - Go compress/lzw compatible LZW, LSB order, litWidth 8 (lzw.h).
 *
 * Owns nothing between calls; each call allocates its code table and
 * frees it before returning. */
#include "lzw.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"

enum {
	LZW_CLEAR = 256,
	LZW_EOF = 257,
	LZW_MAX_WIDTH = 12,
	LZW_MAX_CODE = (1 << LZW_MAX_WIDTH) - 1,
	LZW_TABLE = 1 << 14, /* hash slots: 4x the codes, as Go sizes it */
	LZW_NONE = 0xffff,
};

struct lzw_writer {
	struct buf *out;
	uint32_t bits;
	unsigned nbits, width;
	unsigned hi, overflow;
	uint32_t *table; /* slot: key << 12 | code, or 0 for empty */
};

static void w_code(struct lzw_writer *w, uint32_t c)
{
	w->bits |= c << w->nbits;
	w->nbits += w->width;
	while (w->nbits >= 8) {
		uint8_t b = (uint8_t)w->bits;

		buf_append(w->out, &b, 1);
		w->bits >>= 8;
		w->nbits -= 8;
	}
}

static void w_reset(struct lzw_writer *w)
{
	w->width = 9;
	w->hi = LZW_EOF;
	w->overflow = 1u << 9;
	memset(w->table, 0, LZW_TABLE * sizeof(*w->table));
}

/* One more code is defined; at the 12-bit limit send clear and restart.
 * Returns false when the table was just reset. */
static bool w_inc_hi(struct lzw_writer *w)
{
	w->hi++;
	if (w->hi == w->overflow) {
		w->width++;
		w->overflow <<= 1;
	}
	if (w->hi == LZW_MAX_CODE) {
		w_code(w, LZW_CLEAR);
		w_reset(w);
		return false;
	}
	return true;
}

static uint32_t w_slot(uint32_t key)
{
	return ((key >> 12) ^ key) & (LZW_TABLE - 1);
}

/* Find key's code (return it) or the empty slot it would go in (*slot). */
static int w_lookup(const struct lzw_writer *w, uint32_t key, uint32_t *slot)
{
	uint32_t h = w_slot(key);

	for (;; h = (h + 1) & (LZW_TABLE - 1)) {
		uint32_t t = w->table[h];

		if (t == 0) {
			*slot = h;
			return -1;
		}
		if (t >> 12 == key)
			return (int)(t & 0xfff);
	}
}

void lzw_compress(const uint8_t *in, size_t n, struct buf *out)
{
	struct lzw_writer w = {.out = out};
	uint32_t code;

	w.table = xmalloc(LZW_TABLE * sizeof(*w.table));
	w_reset(&w);
	w_code(&w, LZW_CLEAR);
	if (n == 0)
		goto end;
	code = in[0];
	for (size_t i = 1; i < n; i++) {
		uint32_t key = code << 8 | in[i], slot;
		int found = w_lookup(&w, key, &slot);

		if (found >= 0) {
			code = (uint32_t)found;
			continue;
		}
		w_code(&w, code);
		code = in[i];
		if (w_inc_hi(&w))
			w.table[slot] = key << 12 | w.hi;
	}
	w_code(&w, code);
	w_inc_hi(&w);
end:
	w_code(&w, LZW_EOF);
	if (w.nbits > 0) {
		uint8_t b = (uint8_t)w.bits;

		buf_append(out, &b, 1);
	}
	free(w.table);
}

struct lzw_reader {
	const uint8_t *in;
	size_t n, pos; /* pos: next input byte */
	uint32_t bits;
	unsigned nbits, width;
	uint16_t prefix[1 << LZW_MAX_WIDTH];
	uint8_t suffix[1 << LZW_MAX_WIDTH];
	uint8_t tmp[1 << LZW_MAX_WIDTH];
};

static int r_code(struct lzw_reader *r, unsigned *code)
{
	while (r->nbits < r->width) {
		if (r->pos >= r->n)
			return -1;
		r->bits |= (uint32_t)r->in[r->pos++] << r->nbits;
		r->nbits += 8;
	}
	*code = r->bits & ((1u << r->width) - 1);
	r->bits >>= r->width;
	r->nbits -= r->width;
	return 0;
}

/* Expand code (<= hi) into r->tmp; returns the start index. */
static size_t r_expand(struct lzw_reader *r, unsigned code, unsigned hi,
		       unsigned last)
{
	size_t i = sizeof(r->tmp) - 1;
	unsigned c = code;

	if (code == hi && last != LZW_NONE) {
		/* Not yet defined: last's expansion plus its first byte. */
		c = last;
		while (c >= LZW_CLEAR)
			c = r->prefix[c];
		r->tmp[i--] = (uint8_t)c;
		c = last;
	}
	while (c >= LZW_CLEAR) {
		r->tmp[i--] = r->suffix[c];
		c = r->prefix[c];
	}
	r->tmp[i] = (uint8_t)c;
	return i;
}

static int r_fail(struct lzw_reader *r, struct err *e, const char *why)
{
	return err_setc(e, ERR_INVALID, "lzw: %s at byte %zu", why, r->pos);
}

int lzw_decompress(const uint8_t *in, size_t n, size_t max, struct buf *out,
		   struct err *e)
{
	_cleanup_free_ struct lzw_reader *r = xcalloc(1, sizeof(*r));
	unsigned hi = LZW_EOF, overflow = 1u << 9, last = LZW_NONE, code;
	size_t written = 0;

	*r = (struct lzw_reader){.in = in, .n = n, .width = 9};
	for (;;) {
		if (r_code(r, &code) < 0)
			return r_fail(r, e, "input ends before the end code");
		if (code == LZW_CLEAR) {
			r->width = 9;
			hi = LZW_EOF;
			overflow = 1u << 9;
			last = LZW_NONE;
			continue;
		}
		if (code == LZW_EOF)
			return 0;
		if (code > hi)
			return r_fail(r, e, "undefined code");
		size_t start = code < LZW_CLEAR ? sizeof(r->tmp) - 1
						: r_expand(r, code, hi, last);
		if (code < LZW_CLEAR)
			r->tmp[start] = (uint8_t)code;
		size_t len = sizeof(r->tmp) - start;
		if (len > max - written)
			return r_fail(r, e, "expansion over the size limit");
		buf_append(out, r->tmp + start, len);
		written += len;
		if (last != LZW_NONE) {
			r->suffix[hi] = r->tmp[start];
			r->prefix[hi] = (uint16_t)last;
		}
		last = code;
		hi++;
		if (hi >= overflow) {
			if (r->width == LZW_MAX_WIDTH) {
				last = LZW_NONE;
				hi--;
			} else {
				r->width++;
				overflow = 1u << r->width;
			}
		}
	}
}
