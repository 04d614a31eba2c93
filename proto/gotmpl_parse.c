/* gotmpl_parse.c - items to the parse tree (Go's text/template/parse).
 *
 * A recursive-descent parser over the lexer's item array with Go's
 * grammar, checks and error texts ("template: :LINE: unexpected ...").
 * Nodes are recorded in the template as they are made, so a parse error
 * leaves from any depth with longjmp and gotmpl_free() releases them.
 * Unsupported on purpose: define, template and block (there is one
 * unnamed template per --format). */
#include "gotmpl_int.h"
#include "gotmpl_lex.h"
#include "../core/base/xalloc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gp {
	struct gotmpl *t;
	struct gl_items items;
	size_t i;
	int line; /* of the item read last (Go's t.token[0]) */
	int action_line;
	const char **vars;
	size_t nvars, capvars;
	int range_depth;
	struct err *e;
	jmp_buf fail;
};

static void *gp_xalloc(void *p, size_t n)
{
	p = xrealloc(p, 1, n ? n : 1);
	return p;
}

static char *gp_strndup(const char *s, size_t n)
{
	char *r = gp_xalloc(NULL, n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

__attribute__((noreturn, format(printf, 2, 3))) static void
gp_errorf(struct gp *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_setc(p->e, ERR_INVALID, "template: :%d: %s", p->line, msg);
	longjmp(p->fail, 1);
}

static struct gn *gp_node(struct gp *p, enum gn_type type, size_t pos)
{
	struct gotmpl *t = p->t;
	struct gn *n = gp_xalloc(NULL, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->type = type;
	n->pos = pos;
	if (t->nnodes == t->capnodes) {
		t->capnodes = t->capnodes ? 2 * t->capnodes : 32;
		t->nodes = gp_xalloc(t->nodes, t->capnodes * sizeof(*t->nodes));
	}
	t->nodes[t->nnodes++] = n;
	return n;
}

static void gp_add(struct gn *parent, struct gn *kid)
{
	parent->kids = gp_xalloc(parent->kids,
				 (parent->nkids + 1) * sizeof(*parent->kids));
	parent->kids[parent->nkids++] = kid;
}

static void gp_add_ident(struct gn *n, const char *s, size_t len)
{
	n->idents = gp_xalloc(n->idents, (n->nidents + 1) * sizeof(char *));
	n->idents[n->nidents++] = gp_strndup(s, len);
}

/* ---- item cursor ---- */

static struct gi *gp_next(struct gp *p)
{
	struct gi *it = &p->items.v[p->i];
	if (p->i + 1 < p->items.n)
		p->i++;
	p->line = it->line;
	return it;
}

static void gp_backup(struct gp *p, const struct gi *it)
{
	p->i = (size_t)(it - p->items.v);
}

static struct gi *gp_peek(struct gp *p)
{
	p->line = p->items.v[p->i].line;
	return &p->items.v[p->i];
}

static struct gi *gp_next_nonspace(struct gp *p)
{
	struct gi *it;
	do
		it = gp_next(p);
	while (it->type == GI_SPACE);
	return it;
}

/* Like Go: the spaces before the item are consumed. */
static struct gi *gp_peek_nonspace(struct gp *p)
{
	struct gi *it = gp_next_nonspace(p);
	gp_backup(p, it);
	return it;
}

/* Go's item String(): EOF, the error text, <keyword>, or %q (cut at 10). */
static void gp_item_string(struct gp *p, const struct gi *it, struct buf *b)
{
	const char *s = p->t->src + it->pos;
	size_t n = it->len, runes = 0, cut = n;

	if (it->type == GI_EOF) {
		buf_puts(b, "EOF");
		return;
	}
	if (it->type == GI_ERROR) {
		buf_puts(b, p->items.err);
		return;
	}
	if (it->type > GI_KEYWORD) {
		buf_printf(b, "<%.*s>", (int)n, s);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && runes++ == 10)
			cut = i;
	gv_quote(s, n > 10 && runes > 10 ? cut : n, b);
	if (runes > 10)
		buf_puts(b, "...");
}

__attribute__((noreturn)) static void gp_unexpected(struct gp *p,
						    const struct gi *it,
						    const char *context)
{
	struct buf b = { 0 };
	char msg[300];

	gp_item_string(p, it, &b);
	buf_append(&b, "", 1);
	if (it->type == GI_ERROR) {
		const char *extra = "";
		char more[80] = "";
		if (p->action_line && p->action_line != it->line) {
			size_t l = strlen(p->items.err);
			bool action = l >= 7 &&
				      !strcmp(p->items.err + l - 7, " action");
			snprintf(more, sizeof(more), "%s started at :%d",
				 action ? "" : " in action", p->action_line);
			extra = more;
		}
		snprintf(msg, sizeof(msg), "%s%s", buf_head(&b), extra);
	} else {
		snprintf(msg, sizeof(msg), "unexpected %s in %s", buf_head(&b),
			 context);
	}
	buf_free(&b);
	p->line = it->line;
	gp_errorf(p, "%s", msg);
}

static struct gi *gp_expect(struct gp *p, enum gi_type type,
			    const char *context)
{
	struct gi *it = gp_next_nonspace(p);
	if (it->type != type)
		gp_unexpected(p, it, context);
	return it;
}

/* ---- variables in scope ---- */

static void gp_push_var(struct gp *p, const char *name)
{
	if (p->nvars == p->capvars) {
		p->capvars = p->capvars ? 2 * p->capvars : 8;
		p->vars = gp_xalloc(p->vars, p->capvars * sizeof(*p->vars));
	}
	p->vars[p->nvars++] = name;
}

static bool gp_has_var(struct gp *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->nvars; i++)
		if (strlen(p->vars[i]) == len && !memcmp(p->vars[i], name, len))
			return true;
	return false;
}

/* ---- operands ---- */

static struct gn *gp_pipeline(struct gp *p, const char *context,
			      enum gi_type end);

/* "$x.A.B" or ".A.B" split at the dots into idents. */
static void gp_split_idents(struct gn *n, const char *s, size_t len)
{
	size_t i = 0;
	if (s[0] == '.') /* field: drop the leading dot */
		i = 1;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != '.')
			j++;
		gp_add_ident(n, s + i, j - i);
		i = j + 1;
	}
}

static struct gn *gp_variable(struct gp *p, const struct gi *it)
{
	const char *s = p->t->src + it->pos;
	struct gn *n = gp_node(p, GN_VARIABLE, it->pos);
	size_t name = 0;

	while (name < it->len && s[name] != '.')
		name++;
	if (!gp_has_var(p, s, name))
		gp_errorf(p, "undefined variable \"%.*s\"", (int)name, s);
	gp_split_idents(n, s, it->len);
	return n;
}

static struct gn *gp_string(struct gp *p, const struct gi *it)
{
	struct gn *n = gp_node(p, GN_STRING, it->pos);
	const char *s = p->t->src + it->pos;
	struct buf b = { 0 };

	n->text = gp_strndup(s, it->len);
	if (gv_unquote(s, it->len, &b) < 0) {
		buf_free(&b);
		gp_errorf(p, "invalid syntax");
	}
	n->len = buf_used(&b);
	n->sval = gp_strndup(b.data ? buf_head(&b) : "", n->len);
	buf_free(&b);
	return n;
}

/* Go's newNumber: a char constant, an int, or a float (int when integral). */
static struct gn *gp_number(struct gp *p, const struct gi *it)
{
	struct gn *n = gp_node(p, GN_NUMBER, it->pos);
	const char *s = p->t->src + it->pos;
	char *clean = gp_xalloc(NULL, it->len + 1), *end;
	size_t k = 0;

	n->text = gp_strndup(s, it->len);
	if (it->type == GI_CHAR_CONST) {
		int32_t r;
		int q = gv_unquote_char(s, it->len, &r);
		free(clean);
		if (q == -2)
			gp_errorf(p, "malformed character constant: %s", n->text);
		if (q < 0)
			gp_errorf(p, "invalid syntax");
		n->is_int = n->is_float = true;
		n->i = r;
		n->f = r;
		return n;
	}
	for (size_t i = 0; i < it->len; i++)
		if (s[i] != '_')
			clean[k++] = s[i];
	clean[k] = '\0';
	if (k && clean[k - 1] == 'i') {
		free(clean);
		gp_errorf(p, "complex numbers are not supported: %s", n->text);
	}
	errno = 0;
	if (!strpbrk(clean, ".eEpP") || (strpbrk(clean, "xX") && !strpbrk(clean, "pP"))) {
		bool octal = clean[0] == '0' && clean[1] >= '0' && clean[1] <= '9';
		const char *digits = clean;
		int base = 0, neg = 0;
		if (*digits == '+' || *digits == '-')
			neg = *digits++ == '-';
		if (digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O'))
			digits += 2, base = 8;
		else if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
			digits += 2, base = 2;
		(void)octal;
		unsigned long long u = strtoull(digits, &end, base);
		if (*end || end == digits) {
			/* Go: a float syntax without . e p ("08") overflows */
			strtod(clean, &end);
			bool f = !*end && end != clean && !strpbrk(clean, "xX");
			free(clean);
			gp_errorf(p, "%s: \"%s\"",
				  f ? "integer overflow" : "illegal number syntax",
				  n->text);
		}
		if (errno || (neg && u > (unsigned long long)INT64_MAX + 1)) {
			free(clean);
			gp_errorf(p, "integer overflow: \"%s\"", n->text);
		}
		n->is_float = true;
		if (!neg && u > (unsigned long long)INT64_MAX) {
			n->is_uint = true; /* fits uint64 only: not an int */
			n->f = (double)u;
		} else {
			n->i = neg ? (int64_t)(0 - u) : (int64_t)u;
			n->is_int = true;
			n->f = (double)n->i;
		}
	} else {
		n->f = strtod(clean, &end);
		if (*end || end == clean || errno == ERANGE) {
			free(clean);
			gp_errorf(p, "illegal number syntax: \"%s\"", n->text);
		}
		n->is_float = true;
		n->float_syntax = true;
		if (n->f >= -9.2233720368547758e18 && n->f < 9.2233720368547758e18 &&
		    (double)(int64_t)n->f == n->f) {
			n->is_int = true;
			n->i = (int64_t)n->f;
		}
	}
	free(clean);
	return n;
}

static struct gn *gp_term(struct gp *p)
{
	struct gi *it = gp_next_nonspace(p);
	const char *s = p->t->src + it->pos;
	struct gn *n;

	switch (it->type) {
	case GI_IDENTIFIER:
		if (!gx_func_find_n(s, it->len))
			gp_errorf(p, "function \"%.*s\" not defined",
				  (int)it->len, s);
		n = gp_node(p, GN_IDENT, it->pos);
		n->text = gp_strndup(s, it->len);
		return n;
	case GI_DOT:
		return gp_node(p, GN_DOT, it->pos);
	case GI_NIL:
		return gp_node(p, GN_NIL, it->pos);
	case GI_VARIABLE:
		return gp_variable(p, it);
	case GI_FIELD:
		n = gp_node(p, GN_FIELD, it->pos);
		gp_split_idents(n, s, it->len);
		return n;
	case GI_BOOL:
		n = gp_node(p, GN_BOOL, it->pos);
		n->b = s[0] == 't';
		return n;
	case GI_CHAR_CONST:
	case GI_NUMBER:
		return gp_number(p, it);
	case GI_LEFT_PAREN:
		return gp_pipeline(p, "parenthesized pipeline", GI_RIGHT_PAREN);
	case GI_STRING:
	case GI_RAW_STRING:
		return gp_string(p, it);
	default:
		gp_backup(p, it);
		return NULL;
	}
}

static struct gn *gp_operand(struct gp *p)
{
	struct gn *node = gp_term(p), *chain;
	struct buf b = { 0 };

	if (!node || gp_peek(p)->type != GI_FIELD)
		return node;
	chain = gp_node(p, GN_CHAIN, gp_peek(p)->pos);
	chain->sub = node;
	while (gp_peek(p)->type == GI_FIELD) {
		struct gi *f = gp_next(p);
		gp_add_ident(chain, p->t->src + f->pos + 1, f->len - 1);
	}
	switch (node->type) {
	case GN_FIELD:
	case GN_VARIABLE:
		/* .A .B -> .A.B; $x .B -> $x.B (Go re-parses chain.String()) */
		for (size_t i = 0; i < chain->nidents; i++)
			gp_add_ident(node, chain->idents[i],
				     strlen(chain->idents[i]));
		node->pos = chain->pos;
		return node;
	case GN_BOOL:
	case GN_STRING:
	case GN_NUMBER:
	case GN_NIL:
	case GN_DOT:
		gn_string(node, &b);
		{
			struct buf q = { 0 };
			char msg[200];
			gv_quote(buf_head(&b), buf_used(&b), &q);
			snprintf(msg, sizeof(msg), "%.*s", (int)buf_used(&q),
				 buf_head(&q));
			buf_free(&q);
			buf_free(&b);
			gp_errorf(p, "unexpected . after term %s", msg);
		}
	default:
		return chain;
	}
}

static struct gn *gp_command(struct gp *p)
{
	struct gn *cmd = gp_node(p, GN_CMD, gp_peek_nonspace(p)->pos);

	for (;;) {
		struct gn *op;
		struct gi *it;

		gp_peek_nonspace(p);
		op = gp_operand(p);
		if (op)
			gp_add(cmd, op);
		it = gp_next(p);
		if (it->type == GI_SPACE)
			continue;
		if (it->type == GI_RIGHT_DELIM || it->type == GI_RIGHT_PAREN)
			gp_backup(p, it);
		else if (it->type != GI_PIPE)
			gp_unexpected(p, it, "operand");
		break;
	}
	if (!cmd->nkids)
		gp_errorf(p, "empty command");
	return cmd;
}

static void gp_check_pipeline(struct gp *p, struct gn *pipe,
			      const char *context)
{
	if (!pipe->nkids)
		gp_errorf(p, "missing value for %s", context);
	for (size_t i = 1; i < pipe->nkids; i++) {
		switch (pipe->kids[i]->kids[0]->type) {
		case GN_BOOL:
		case GN_DOT:
		case GN_NIL:
		case GN_NUMBER:
		case GN_STRING:
			gp_errorf(p,
				  "non executable command in pipeline stage %zu",
				  i + 1);
		default:
			break;
		}
	}
}

/* Declarations "$x :=", "$x =", "$i, $v :=" at the start of a pipeline. */
static void gp_decls(struct gp *p, struct gn *pipe, const char *context)
{
	for (;;) {
		struct gi *v = gp_peek_nonspace(p), *after, *next;
		const char *name;

		if (v->type != GI_VARIABLE)
			return;
		gp_next_nonspace(p);
		after = gp_peek(p);
		next = gp_peek_nonspace(p);
		name = p->t->src + v->pos;
		if (next->type == GI_ASSIGN || next->type == GI_DECLARE) {
			pipe->is_assign = next->type == GI_ASSIGN;
			gp_next_nonspace(p);
			gp_add_ident(pipe, name, v->len);
			gp_push_var(p, pipe->idents[pipe->nidents - 1]);
			return;
		}
		if (next->type == GI_CHAR && p->t->src[next->pos] == ',') {
			gp_next_nonspace(p);
			gp_add_ident(pipe, name, v->len);
			gp_push_var(p, pipe->idents[pipe->nidents - 1]);
			if (!strcmp(context, "range") && pipe->nidents < 2) {
				enum gi_type nt = gp_peek_nonspace(p)->type;
				if (nt == GI_VARIABLE || nt == GI_RIGHT_DELIM ||
				    nt == GI_RIGHT_PAREN)
					continue;
				gp_errorf(p, "range can only initialize variables");
			}
			gp_errorf(p, "too many declarations in %s", context);
		}
		(void)after;
		gp_backup(p, v);
		return;
	}
}

static struct gn *gp_pipeline(struct gp *p, const char *context,
			      enum gi_type end)
{
	struct gi *first = gp_peek_nonspace(p);
	struct gn *pipe = gp_node(p, GN_PIPE, first->pos);

	gp_decls(p, pipe, context);
	for (;;) {
		struct gi *it = gp_next_nonspace(p);
		if (it->type == end) {
			gp_check_pipeline(p, pipe, context);
			return pipe;
		}
		switch (it->type) {
		case GI_BOOL:
		case GI_CHAR_CONST:
		case GI_DOT:
		case GI_FIELD:
		case GI_IDENTIFIER:
		case GI_NUMBER:
		case GI_NIL:
		case GI_RAW_STRING:
		case GI_STRING:
		case GI_VARIABLE:
		case GI_LEFT_PAREN:
			gp_backup(p, it);
			gp_add(pipe, gp_command(p));
			break;
		default:
			gp_unexpected(p, it, context);
		}
	}
}

/* ---- control structures ---- */

static struct gn *gp_item_list(struct gp *p, struct gn **endp);

/* End and else come back from gp_action as these marker nodes. */
static struct gn gp_end_marker, gp_else_marker;

static struct gn *gp_control(struct gp *p, enum gn_type type,
			     const char *context)
{
	size_t mark = p->nvars;
	struct gn *n, *next;

	n = gp_node(p, type, 0);
	n->pipe = gp_pipeline(p, context, GI_RIGHT_DELIM);
	n->pos = n->pipe->pos;
	if (type == GN_RANGE)
		p->range_depth++;
	n->list = gp_item_list(p, &next);
	if (type == GN_RANGE)
		p->range_depth--;
	if (next == &gp_else_marker) {
		if (type == GN_IF && gp_peek(p)->type == GI_IF) {
			gp_next(p);
			n->elselist = gp_node(p, GN_LIST, gp_peek(p)->pos);
			gp_add(n->elselist, gp_control(p, GN_IF, "if"));
		} else {
			n->elselist = gp_item_list(p, &next);
			if (next != &gp_end_marker)
				gp_errorf(p, "expected end; found {{else}}");
		}
	}
	p->nvars = mark;
	return n;
}

static struct gn *gp_break(struct gp *p, struct gi *kw, bool brk)
{
	const char *what = brk ? "{{break}}" : "{{continue}}";
	struct gi *it = gp_next_nonspace(p);

	if (it->type != GI_RIGHT_DELIM)
		gp_unexpected(p, it, what);
	if (!p->range_depth)
		gp_errorf(p, "%s outside {{range}}", what);
	return gp_node(p, brk ? GN_BREAK : GN_CONTINUE, kw->pos);
}

static struct gn *gp_action(struct gp *p)
{
	struct gi *it = gp_next_nonspace(p);

	switch (it->type) {
	case GI_BREAK:
	case GI_CONTINUE:
		return gp_break(p, it, it->type == GI_BREAK);
	case GI_ELSE:
		if (gp_peek_nonspace(p)->type != GI_IF)
			gp_expect(p, GI_RIGHT_DELIM, "else");
		return &gp_else_marker;
	case GI_END:
		gp_expect(p, GI_RIGHT_DELIM, "end");
		return &gp_end_marker;
	case GI_IF:
		return gp_control(p, GN_IF, "if");
	case GI_RANGE:
		return gp_control(p, GN_RANGE, "range");
	case GI_WITH:
		return gp_control(p, GN_WITH, "with");
	case GI_DEFINE:
	case GI_TEMPLATE:
	case GI_BLOCK:
		gp_errorf(p, "{{%.*s}} is not supported", (int)it->len,
			  p->t->src + it->pos);
	default:
		break;
	}
	gp_backup(p, it);
	{
		struct gn *a = gp_node(p, GN_ACTION, gp_peek(p)->pos);
		a->pipe = gp_pipeline(p, "command", GI_RIGHT_DELIM);
		return a;
	}
}

/* Text or action; NULL for a comment. */
static struct gn *gp_text_or_action(struct gp *p)
{
	struct gi *it = gp_next_nonspace(p);
	struct gn *n;

	switch (it->type) {
	case GI_TEXT:
		n = gp_node(p, GN_TEXT, it->pos);
		n->text = gp_strndup(p->t->src + it->pos, it->len);
		n->len = it->len;
		return n;
	case GI_LEFT_DELIM:
		p->action_line = it->line;
		n = gp_action(p);
		p->action_line = 0;
		return n;
	default:
		gp_unexpected(p, it, "input");
	}
}

static struct gn *gp_item_list(struct gp *p, struct gn **endp)
{
	struct gn *list = gp_node(p, GN_LIST, gp_peek_nonspace(p)->pos);

	while (gp_peek_nonspace(p)->type != GI_EOF) {
		struct gn *n = gp_text_or_action(p);
		if (n == &gp_end_marker || n == &gp_else_marker) {
			*endp = n;
			return list;
		}
		gp_add(list, n);
	}
	gp_errorf(p, "unexpected EOF");
}

static void gp_top(struct gp *p)
{
	struct gn *root = gp_node(p, GN_LIST, 0);

	p->t->root = root;
	while (gp_peek(p)->type != GI_EOF) {
		struct gn *n = gp_text_or_action(p);
		if (n == &gp_end_marker || n == &gp_else_marker)
			gp_errorf(p, "unexpected %s", n == &gp_end_marker ?
							      "{{end}}" :
							      "{{else}}");
		gp_add(root, n);
	}
}

/* The one setjmp: gp_errorf() lands here from any depth. */
static int gp_run(struct gp *p)
{
	if (setjmp(p->fail))
		return -1;
	gp_top(p);
	return 0;
}

struct gotmpl *gotmpl_parse(const char *text, size_t len, struct err *e)
{
	struct gotmpl *t = gp_xalloc(NULL, sizeof(*t));
	struct gp p = { .t = t, .e = e };

	memset(t, 0, sizeof(*t));
	t->src = gp_strndup(text, len);
	t->srclen = len;
	gl_lex(t->src, len, &p.items);
	gp_push_var(&p, "$");
	if (gp_run(&p) < 0) {
		free(p.items.v);
		free(p.vars);
		gotmpl_free(t);
		return NULL;
	}
	free(p.items.v);
	free(p.vars);
	return t;
}

void gotmpl_free(struct gotmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nnodes; i++) {
		struct gn *n = t->nodes[i];
		for (size_t j = 0; j < n->nidents; j++)
			free(n->idents[j]);
		free(n->idents);
		free(n->kids);
		free(n->text);
		free(n->sval);
		free(n);
	}
	free(t->nodes);
	free(t->src);
	free(t);
}

/* ---- Go's Node.String(), for the "at <...>" of execution errors ---- */

static void gn_idents(const struct gn *n, size_t from, bool lead, struct buf *b)
{
	for (size_t i = from; i < n->nidents; i++) {
		if (lead || i > from)
			buf_puts(b, ".");
		buf_puts(b, n->idents[i]);
	}
}

static void gn_branch(const struct gn *n, const char *kw, struct buf *b)
{
	buf_printf(b, "{{%s ", kw);
	gn_string(n->pipe, b);
	buf_puts(b, "}}");
	gn_string(n->list, b);
	if (n->elselist) {
		buf_puts(b, "{{else}}");
		gn_string(n->elselist, b);
	}
	buf_puts(b, "{{end}}");
}

static void gn_arg(const struct gn *a, struct buf *b)
{
	if (a->type == GN_PIPE) {
		buf_puts(b, "(");
		gn_string(a, b);
		buf_puts(b, ")");
	} else {
		gn_string(a, b);
	}
}

void gn_string(const struct gn *n, struct buf *b)
{
	switch (n->type) {
	case GN_LIST:
		for (size_t i = 0; i < n->nkids; i++)
			gn_string(n->kids[i], b);
		break;
	case GN_TEXT:
		buf_append(b, n->text, n->len);
		break;
	case GN_ACTION:
		buf_puts(b, "{{");
		gn_string(n->pipe, b);
		buf_puts(b, "}}");
		break;
	case GN_IF:
		gn_branch(n, "if", b);
		break;
	case GN_WITH:
		gn_branch(n, "with", b);
		break;
	case GN_RANGE:
		gn_branch(n, "range", b);
		break;
	case GN_BREAK:
		buf_puts(b, "{{break}}");
		break;
	case GN_CONTINUE:
		buf_puts(b, "{{continue}}");
		break;
	case GN_PIPE:
		for (size_t i = 0; i < n->nidents; i++)
			buf_printf(b, "%s%s", i ? ", " : "", n->idents[i]);
		if (n->nidents)
			buf_puts(b, n->is_assign ? " = " : " := ");
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				buf_puts(b, " | ");
			gn_string(n->kids[i], b);
		}
		break;
	case GN_CMD:
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				buf_puts(b, " ");
			gn_arg(n->kids[i], b);
		}
		break;
	case GN_FIELD:
		gn_idents(n, 0, true, b);
		break;
	case GN_VARIABLE:
		gn_idents(n, 0, false, b);
		break;
	case GN_CHAIN:
		gn_arg(n->sub, b);
		gn_idents(n, 0, true, b);
		break;
	case GN_IDENT:
	case GN_NUMBER:
	case GN_STRING:
		buf_puts(b, n->text);
		break;
	case GN_DOT:
		buf_puts(b, ".");
		break;
	case GN_NIL:
		buf_puts(b, "nil");
		break;
	case GN_BOOL:
		buf_puts(b, n->b ? "true" : "false");
		break;
	}
}
