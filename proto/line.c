/* line.c - request line grammar (see line.h). Pure functions over caller
 * buffers; the only memory is struct line_words' own, grown as needed. */
#include "line.h"
#include "../core/base/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence at s, or 0 if it is malformed. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (!n) {
			if (bad)
				*bad = i;
			return false;
		}
		i += n;
	}
	return true;
}

void line_words_free(struct line_words *w)
{
	free(w->argv);
	free(w->store);
	memset(w, 0, sizeof(*w));
}

static void push_word(struct line_words *w, char *start)
{
	if ((size_t)w->argc + 2 > w->argcap) {
		size_t cap = w->argcap ? w->argcap * 2 : 16;
		char **a = xrealloc(w->argv, cap, sizeof(*a));
		w->argv = a;
		w->argcap = cap;
	}
	w->argv[w->argc++] = start;
	w->argv[w->argc] = NULL;
}

/* Room for n bytes of words; kept across calls, grown only. */
static void store_reserve(struct line_words *w, size_t n)
{
	size_t cap = w->storecap ? w->storecap : 64;

	if (n <= w->storecap)
		return;
	while (cap < n)
		cap *= 2;
	free(w->store);
	w->store = xmalloc(cap);
	w->storecap = cap;
}

static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	default:
		return c;
	}
}

/* Check the whole line before splitting so errors name the first bad byte:
 * UTF-8 is checked up to the first NUL, which is reported only if nothing
 * before it is bad. */
static int check_bytes(const char *line, size_t len, struct err *e)
{
	const char *nul = memchr(line, '\0', len);
	size_t end = nul ? (size_t)(nul - line) : len, bad;

	if (!utf8_valid(line, end, &bad))
		return err_setc(e, ERR_INVALID, "invalid UTF-8 at column %zu",
				bad + 1);
	if (nul)
		return err_setc(e, ERR_INVALID, "NUL byte at column %zu",
				end + 1);
	return 0;
}

int line_parse(const char *line, size_t len, struct line_words *w,
	       struct err *e)
{
	size_t i = 0, quote_at = 0;
	bool in_word = false, in_quote = false;
	char *out, *word = NULL;

	if (len > LINE_MAX_BYTES)
		return err_setc(e, ERR_TOO_LARGE,
				"line of %zu bytes is over the limit of %d",
				len, LINE_MAX_BYTES);
	if (check_bytes(line, len, e) < 0)
		return -1;
	if (len && line[len - 1] == '\r') /* tolerate CRLF from terminals */
		len--;
	store_reserve(w, len + 1);
	w->argc = 0;
	out = w->store;
	while (i < len) {
		char c = line[i];
		if (!in_quote && (c == ' ' || c == '\t')) {
			if (in_word) {
				*out++ = '\0';
				push_word(w, word);
				in_word = false;
			}
			i++;
			continue;
		}
		if (!in_word) {
			word = out;
			in_word = true;
		}
		if (c == '"') {
			in_quote = !in_quote;
			quote_at = i;
			i++;
		} else if (c == '\\') {
			if (i + 1 >= len)
				return err_setc(e, ERR_INVALID,
						"backslash at end of line "
						"(column %zu)", i + 1);
			*out++ = unescape(line[i + 1]);
			i += 2;
		} else {
			*out++ = c;
			i++;
		}
	}
	if (in_quote)
		return err_setc(e, ERR_INVALID,
				"unbalanced quote: opened at column %zu, "
				"never closed", quote_at + 1);
	if (in_word) {
		*out++ = '\0';
		push_word(w, word);
	}
	if (!w->argc) { /* argv is always a NULL-terminated array */
		push_word(w, out);
		w->argv[--w->argc] = NULL;
	}
	return 0;
}

static bool needs_quote(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '"' || *s == '\\' ||
		    (unsigned char)*s < 0x20)
			return true;
	return false;
}

int line_quote(struct buf *out, int argc, char *const argv[], struct err *e)
{
	size_t bad, start = out->len;

	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!utf8_valid(s, strlen(s), &bad)) {
			out->len = start;
			return err_setc(e, ERR_INVALID,
					"argument %d is not UTF-8 (byte %zu)",
					i + 1, bad + 1);
		}
		if (i)
			buf_append(out, " ", 1);
		if (!needs_quote(s)) {
			buf_puts(out, s);
			continue;
		}
		buf_append(out, "\"", 1);
		for (; *s; s++) {
			switch (*s) {
			case '"':
				buf_puts(out, "\\\"");
				break;
			case '\\':
				buf_puts(out, "\\\\");
				break;
			case '\n':
				buf_puts(out, "\\n");
				break;
			case '\t':
				buf_puts(out, "\\t");
				break;
			case '\r':
				buf_puts(out, "\\r");
				break;
			default:
				buf_append(out, s, 1);
			}
		}
		buf_append(out, "\"", 1);
	}
	buf_append(out, "\n", 1);
	if (out->len - start - 1 > LINE_MAX_BYTES) {
		out->len = start;
		return err_setc(e, ERR_TOO_LARGE,
				"request is longer than %d bytes",
				LINE_MAX_BYTES);
	}
	return 0;
}
