/* line.h - the control protocol's request grammar (DESIGN.md section 3).
 *
 * A request is one line of UTF-8; its words are the CLI's argv. Words are
 * split on spaces and tabs; double quotes group; a backslash escapes the
 * next byte (\n, \t, \r inside or outside quotes mean LF, TAB, CR).
 * `""` is an empty word. The CLI builds lines with line_quote() and the
 * daemon splits them with line_parse(), so both sides share one grammar. */
#ifndef SKIFF_LINE_H
#define SKIFF_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

#define LINE_MAX_BYTES (64 * 1024) /* longest request line, LF excluded */

struct line_words {
	int argc;
	char **argv;   /* argc words + NULL, pointing into store */
	char *store;   /* the words, NUL-separated */
	size_t argcap; /* capacity of argv */
	size_t storecap; /* capacity of store */
};

/* Split line[0..len) (no LF) into w. On failure returns -1 with e naming
 * the problem and its 1-based byte column. w is reusable across calls (its
 * buffers only grow, so a reused w parses without allocating); free it
 * with line_words_free(). */
int line_parse(const char *line, size_t len, struct line_words *w,
	       struct err *e);
void line_words_free(struct line_words *w);

/* Append argv as one request line (quoting where needed) plus LF. Fails on
 * a word that is not UTF-8. */
int line_quote(struct buf *out, int argc, char *const argv[], struct err *e);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF). On false, *bad is the offset of the first
 * bad byte. */
bool utf8_valid(const char *s, size_t len, size_t *bad);

#endif
