/* gotmpl_table.c - Docker's --format framing around the template engine:
 * the "table" directive and the \t \n words (docker/cli formatter's
 * preFormat), and the column alignment of Go's text/tabwriter with the
 * settings Docker uses (minwidth 10, tabwidth 1, padding 3, spaces).
 * Owns nothing past the calls; the result strings are the caller's. */
#include "gotmpl_int.h"
#include "../core/base/xalloc.h"

#include <stdlib.h>
#include <string.h>

char *gotmpl_docker_format(const char *format, bool *table)
{
	struct buf b = { 0 };
	const char *s = format;
	size_t n;

	*table = !strncmp(s, "table", 5);
	if (*table)
		s += 5;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			buf_puts(&b, s[i + 1] == 't' ? "\t" : "\n");
			i++;
		} else {
			buf_append(&b, s + i, 1);
		}
	}
	buf_append(&b, "", 1);
	return buf_take_str(&b);
}

enum { TW_MINWIDTH = 10, TW_PADDING = 3 };

/* A cell: bytes [off, off + len) of the input and its width in runes. */
struct tw_cell {
	size_t off, len, width;
};

struct tw_line {
	struct tw_cell *cells;
	size_t n; /* the last cell is the line's tail (not tab-terminated) */
};

struct tw {
	const char *in;
	struct tw_line *lines;
	size_t nlines;
	size_t *widths; /* column widths of the enclosing blocks */
	size_t nwidths;
	struct buf *out;
};

static size_t tw_runes(const char *s, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			r++;
	return r;
}

static void tw_write_lines(struct tw *t, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		struct tw_line *l = &t->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			struct tw_cell *c = &l->cells[j];
			buf_append(t->out, t->in + c->off, c->len);
			if (j + 1 < l->n && t->widths[j] > c->width) {
				/* a tab-terminated cell: pad it */
				size_t pad = t->widths[j] - c->width;
				memset(buf_reserve(t->out, pad), ' ', pad);
				t->out->len += pad;
			}
		}
		if (i + 1 < t->nlines)
			buf_puts(t->out, "\n");
	}
}

/* Go's tabwriter format(): lines [line0, line1) at column `column`. */
static size_t tw_format(struct tw *t, size_t line0, size_t line1)
{
	size_t column = t->nwidths;

	for (size_t this = line0; this < line1; this++) {
		struct tw_line *l = &t->lines[this];
		if (column + 1 >= l->n)
			continue;
		/* a cell in this column starts a block: find its end */
		tw_write_lines(t, line0, this);
		line0 = this;
		size_t width = TW_MINWIDTH;
		for (; this < line1; this++) {
			l = &t->lines[this];
			if (column + 1 >= l->n)
				break;
			if (l->cells[column].width + TW_PADDING > width)
				width = l->cells[column].width + TW_PADDING;
		}
		t->widths[t->nwidths++] = width;
		line0 = tw_format(t, line0, this);
		t->nwidths--;
	}
	tw_write_lines(t, line0, line1);
	return line1;
}

void gotmpl_tabwrite(const char *in, size_t len, struct buf *out)
{
	struct tw t = { .in = in, .out = out };
	size_t maxcells = 1, start = 0;

	/* split into lines of cells; a trailing newline ends the last line */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && in[i] != '\n')
			continue;
		if (i == len && start == len && len)
			break;
		t.lines = xrealloc(t.lines, t.nlines + 1, sizeof(*t.lines));
		struct tw_line *l = &t.lines[t.nlines++];
		l->cells = NULL;
		l->n = 0;
		for (size_t c = start;;) {
			const char *tab = memchr(in + c, '\t', i - c);
			size_t e = tab ? (size_t)(tab - in) : i;
			l->cells = xrealloc(l->cells, l->n + 1,
					    sizeof(*l->cells));
			l->cells[l->n++] = (struct tw_cell){ c, e - c,
							     tw_runes(in + c, e - c) };
			if (!tab)
				break;
			c = e + 1;
		}
		if (l->n > maxcells)
			maxcells = l->n;
		start = i + 1;
	}
	t.widths = xcalloc(maxcells + 1, sizeof(*t.widths));
	tw_format(&t, 0, t.nlines);
	if (len && in[len - 1] == '\n')
		buf_puts(out, "\n");
	for (size_t i = 0; i < t.nlines; i++)
		free(t.lines[i].cells);
	free(t.lines);
	free(t.widths);
}
