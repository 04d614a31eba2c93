/* gotmpl_lex.c - the lexer of Go's text/template: template text to items.
 *
 * Follows text/template/parse/lex.go state by state (trim markers,
 * comments, numbers, quotes) so items, positions and error texts match;
 * the items go into one growable array the parser walks (gotmpl_parse.c).
 * A lexing error ends the array with an error item (its text is the
 * message) followed by nothing: the parser reports it if it gets there. */
#include "gotmpl_lex.h"
#include "../core/base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *word;
	enum gi_type type;
} gl_keywords[] = {
	{ "block", GI_BLOCK }, { "break", GI_BREAK },
	{ "continue", GI_CONTINUE }, { "define", GI_DEFINE },
	{ "else", GI_ELSE }, { "end", GI_END },
	{ "if", GI_IF }, { "range", GI_RANGE },
	{ "nil", GI_NIL }, { "template", GI_TEMPLATE },
	{ "with", GI_WITH },
};

struct gl {
	const char *s;
	size_t len, pos, start;
	int line, startline;
	int paren;
	struct gl_items *out;
};

static bool gl_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Go's unicode.IsLetter/IsDigit for ASCII; any non-ASCII byte counts as
 * part of a letter (identifiers are rarely anything else). */
static bool gl_alnum(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

static int gl_peek(const struct gl *l)
{
	return l->pos < l->len ? (unsigned char)l->s[l->pos] : -1;
}

static bool gl_prefix(const struct gl *l, size_t at, const char *p)
{
	size_t n = strlen(p);
	return at <= l->len && l->len - at >= n && !memcmp(l->s + at, p, n);
}

static void gl_emit_at(struct gl *l, enum gi_type type, size_t start,
		       size_t end)
{
	struct gl_items *o = l->out;
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->v = xrealloc(o->v, o->cap, sizeof(*o->v));
	}
	o->v[o->n++] = (struct gi){ type, start, end - start, l->startline };
	for (size_t i = start; i < end; i++)
		if (l->s[i] == '\n')
			l->line++;
	l->startline = l->line;
}

static void gl_emit(struct gl *l, enum gi_type type)
{
	gl_emit_at(l, type, l->start, l->pos);
	l->start = l->pos;
}

/* Skip [start, pos) without an item, counting its newlines. */
static void gl_ignore(struct gl *l)
{
	for (size_t i = l->start; i < l->pos; i++)
		if (l->s[i] == '\n')
			l->line++;
	l->start = l->pos;
	l->startline = l->line;
}

/* The error item carries its message in the items' message store. */
static int gl_error(struct gl *l, const char *msg)
{
	snprintf(l->out->err, sizeof(l->out->err), "%s", msg);
	gl_emit_at(l, GI_ERROR, l->start, l->start);
	return -1;
}

static bool gl_left_trim(const struct gl *l, size_t at)
{
	return at + 2 <= l->len && l->s[at] == '-' && gl_space(l->s[at + 1]);
}

static bool gl_right_trim(const struct gl *l, size_t at)
{
	return at + 2 <= l->len && gl_space(l->s[at]) && l->s[at + 1] == '-';
}

/* At "}}" or " -}}"? */
static bool gl_at_right(const struct gl *l, bool *trim)
{
	*trim = gl_right_trim(l, l->pos) && gl_prefix(l, l->pos + 2, "}}");
	return *trim || gl_prefix(l, l->pos, "}}");
}

static bool gl_at_terminator(const struct gl *l)
{
	int c = gl_peek(l);
	if (c < 0 || gl_space(c))
		return true;
	if (strchr(".,|:()", c))
		return true;
	return gl_prefix(l, l->pos, "}}");
}

static void gl_skip_space_after(struct gl *l)
{
	while (l->pos < l->len && gl_space(l->s[l->pos]))
		l->pos++;
	gl_ignore(l);
}

static int gl_comment(struct gl *l)
{
	bool trim;
	const char *end;

	l->pos += 2;
	end = memmem(l->s + l->pos, l->len - l->pos, "*/", 2);
	if (!end)
		return gl_error(l, "unclosed comment");
	l->pos = (size_t)(end - l->s) + 2;
	if (!gl_at_right(l, &trim))
		return gl_error(l, "comment ends before closing delimiter");
	l->pos += trim ? 4 : 2;
	gl_ignore(l);
	if (trim)
		gl_skip_space_after(l);
	return 0;
}

static void gl_right_delim(struct gl *l)
{
	bool trim = gl_right_trim(l, l->pos);
	if (trim) {
		l->pos += 2;
		gl_ignore(l);
	}
	l->pos += 2;
	gl_emit(l, GI_RIGHT_DELIM);
	if (trim)
		gl_skip_space_after(l);
}

static int gl_quote(struct gl *l, int q, const char *what)
{
	for (;;) {
		int c = gl_peek(l);
		if (c >= 0)
			l->pos++;
		if (c == '\\' && q != '`') {
			c = gl_peek(l);
			if (c >= 0 && c != '\n') {
				l->pos++;
				continue;
			}
		}
		if (c < 0 || (c == '\n' && q != '`'))
			return gl_error(l, what);
		if (c == q)
			break;
	}
	gl_emit(l, q == '"' ? GI_STRING : q == '`' ? GI_RAW_STRING : GI_CHAR_CONST);
	return 0;
}

static bool gl_accept(struct gl *l, const char *set)
{
	int c = gl_peek(l);
	if (c > 0 && strchr(set, c)) {
		l->pos++;
		return true;
	}
	return false;
}

static void gl_accept_run(struct gl *l, const char *set)
{
	while (gl_accept(l, set))
		;
}

static bool gl_scan_number(struct gl *l)
{
	const char *digits = "0123456789_";

	gl_accept(l, "+-");
	if (gl_accept(l, "0")) {
		if (gl_accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (gl_accept(l, "oO"))
			digits = "01234567_";
		else if (gl_accept(l, "bB"))
			digits = "01_";
	}
	gl_accept_run(l, digits);
	if (gl_accept(l, "."))
		gl_accept_run(l, digits);
	if (strlen(digits) == 11 && gl_accept(l, "eE")) {
		gl_accept(l, "+-");
		gl_accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 23 && gl_accept(l, "pP")) {
		gl_accept(l, "+-");
		gl_accept_run(l, "0123456789_");
	}
	gl_accept(l, "i");
	if (gl_peek(l) >= 0 && gl_alnum(gl_peek(l))) {
		l->pos++;
		return false;
	}
	return true;
}

static int gl_number(struct gl *l)
{
	char msg[160];
	bool ok = gl_scan_number(l);
	int sign = gl_peek(l);

	if (ok && (sign == '+' || sign == '-')) /* complex: 1+2i */
		ok = gl_scan_number(l) && l->s[l->pos - 1] == 'i';
	if (!ok) {
		snprintf(msg, sizeof(msg), "bad number syntax: \"%.*s\"",
			 (int)(l->pos - l->start > 100 ? 100 : l->pos - l->start),
			 l->s + l->start);
		return gl_error(l, msg);
	}
	gl_emit(l, GI_NUMBER);
	return 0;
}

/* "bad character U+0023 '#'" */
static int gl_bad_char(struct gl *l)
{
	char msg[80];
	int c = gl_peek(l);
	if (c >= 0x20 && c < 0x7f)
		snprintf(msg, sizeof(msg), "bad character U+%04X '%c'", c, c);
	else
		snprintf(msg, sizeof(msg), "bad character U+%04X", c < 0 ? 0 : c);
	return gl_error(l, msg);
}

static int gl_word(struct gl *l, enum gi_type type)
{
	while (gl_peek(l) >= 0 && gl_alnum(gl_peek(l)))
		l->pos++;
	if (!gl_at_terminator(l))
		return gl_bad_char(l);
	if (type == GI_IDENTIFIER) {
		size_t n = l->pos - l->start;
		const char *w = l->s + l->start;
		for (size_t i = 0; i < ARRAY_SIZE(gl_keywords); i++)
			if (strlen(gl_keywords[i].word) == n &&
			    !memcmp(gl_keywords[i].word, w, n))
				type = gl_keywords[i].type;
		if ((n == 4 && !memcmp(w, "true", 4)) ||
		    (n == 5 && !memcmp(w, "false", 5)))
			type = GI_BOOL;
	}
	gl_emit(l, type);
	return 0;
}

static int gl_field_or_var(struct gl *l, enum gi_type type)
{
	if (gl_at_terminator(l)) {
		gl_emit(l, type == GI_VARIABLE ? GI_VARIABLE : GI_DOT);
		return 0;
	}
	return gl_word(l, type);
}

static int gl_space_run(struct gl *l)
{
	int n = 0;
	while (l->pos < l->len && gl_space(l->s[l->pos])) {
		l->pos++;
		n++;
	}
	if (gl_right_trim(l, l->pos - 1) && gl_prefix(l, l->pos + 1, "}}")) {
		l->pos--; /* keep the space of " -}}" */
		if (n == 1)
			return 0;
	}
	gl_emit(l, GI_SPACE);
	return 0;
}

static int gl_char_item(struct gl *l, int c)
{
	char msg[80];

	if (c >= 0x20 && c < 0x7f) {
		gl_emit(l, GI_CHAR);
		return 0;
	}
	snprintf(msg, sizeof(msg), "unrecognized character in action: U+%04X",
		 c);
	return gl_error(l, msg);
}

/* One item inside {{ }}; 1 when the action's right delimiter was read. */
static int gl_inside(struct gl *l)
{
	bool trim;
	int c;

	if (gl_at_right(l, &trim)) {
		if (l->paren)
			return gl_error(l, "unclosed left paren");
		gl_right_delim(l);
		return 1;
	}
	c = gl_peek(l);
	if (c < 0)
		return gl_error(l, "unclosed action");
	if (gl_space(c))
		return gl_space_run(l);
	l->pos++;
	switch (c) {
	case '=':
		gl_emit(l, GI_ASSIGN);
		return 0;
	case ':':
		if (gl_peek(l) != '=')
			return gl_error(l, "expected :=");
		l->pos++;
		gl_emit(l, GI_DECLARE);
		return 0;
	case '|':
		gl_emit(l, GI_PIPE);
		return 0;
	case '"':
		return gl_quote(l, '"', "unterminated quoted string");
	case '`':
		return gl_quote(l, '`', "unterminated raw quoted string");
	case '\'':
		return gl_quote(l, '\'', "unterminated character constant");
	case '$':
		return gl_field_or_var(l, GI_VARIABLE);
	case '(':
		gl_emit(l, GI_LEFT_PAREN);
		l->paren++;
		return 0;
	case ')':
		gl_emit(l, GI_RIGHT_PAREN);
		if (--l->paren < 0)
			return gl_error(l, "unexpected right paren U+0029 ')'");
		return 0;
	case '.':
		if (l->pos < l->len && (l->s[l->pos] < '0' || l->s[l->pos] > '9'))
			return gl_field_or_var(l, GI_FIELD);
		/* fallthrough: '.' can start a number */
	}
	if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
		l->pos--;
		return gl_number(l);
	}
	if (gl_alnum(c)) {
		l->pos--;
		return gl_word(l, GI_IDENTIFIER);
	}
	return gl_char_item(l, c);
}

static int gl_action(struct gl *l)
{
	int r;

	l->pos += 2;
	if (gl_left_trim(l, l->pos) && gl_prefix(l, l->pos + 2, "/*")) {
		l->pos += 2;
		gl_ignore(l);
		return gl_comment(l);
	}
	if (gl_prefix(l, l->pos, "/*")) {
		gl_ignore(l);
		return gl_comment(l);
	}
	gl_emit(l, GI_LEFT_DELIM);
	if (gl_left_trim(l, l->pos))
		l->pos += 2;
	gl_ignore(l);
	l->paren = 0;
	while ((r = gl_inside(l)) == 0)
		;
	return r < 0 ? -1 : 0;
}

void gl_lex(const char *s, size_t len, struct gl_items *out)
{
	struct gl l = { .s = s, .len = len, .line = 1, .startline = 1, .out = out };

	for (;;) {
		const char *d = memmem(s + l.pos, len - l.pos, "{{", 2);
		size_t at = d ? (size_t)(d - s) : len, trim = 0;
		if (d && gl_left_trim(&l, at + 2))
			while (at - trim > l.start && gl_space(s[at - trim - 1]))
				trim++;
		l.pos = at - trim;
		if (l.pos > l.start)
			gl_emit(&l, GI_TEXT);
		l.pos = at;
		gl_ignore(&l);
		if (!d)
			break;
		if (gl_action(&l) < 0)
			return;
	}
	gl_emit(&l, GI_EOF);
}
