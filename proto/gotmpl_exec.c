/* gotmpl_exec.c - running a parsed template over a yajl tree (Go's
 * text/template exec.go): walk, pipelines, commands, fields, variables,
 * the argument typing of function calls, and the error texts.
 *
 * An execution owns a scratch arena (x->blks) for strings that functions
 * make, and the variable stack; both are freed before gotmpl_exec()
 * returns. Walk functions return 0, -1 (x->e set), or GX_BREAK /
 * GX_CONTINUE travelling up to the nearest range. */
#include "gotmpl_int.h"

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GX_BREAK = 1, GX_CONTINUE = 2 };
#define GX_MAX_DEPTH 10000
/* Limits Go does not have (its writer and GC would let a template take
 * all memory): output per execution and scratch held by one execution. */
#define GX_MAX_OUT (16u << 20)
#define GX_MAX_SCRATCH (64u << 20)

void *gx_alloc(struct gx *x, size_t n)
{
	struct gx_blk *b = xmalloc(sizeof(*b) + n + 1);
	b->next = x->blks;
	x->blks = b;
	x->scratch += n;
	return b->data;
}

struct gv_str gx_strdup(struct gx *x, const char *p, size_t n)
{
	char *s = gx_alloc(x, n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return (struct gv_str){ s, n };
}

int gx_fail(struct gx *x, const char *fmt, ...)
{
	char msg[400];
	struct buf ctx = { 0 };
	const struct gotmpl *t = x->t;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!x->at) {
		err_setc(x->e, ERR_INVALID, "template: : %s", msg);
		return -1;
	}
	size_t pos = x->at->pos, line = 1, col = pos;
	for (size_t i = 0; i < pos && i < t->srclen; i++)
		if (t->src[i] == '\n') {
			line++;
			col = pos - i - 1;
		}
	gn_string(x->at, &ctx);
	buf_append(&ctx, "", 1);
	err_setc(x->e, ERR_INVALID, "template: :%zu:%zu: executing \"\" at <%s>: %s",
		 line, col, buf_head(&ctx), msg);
	buf_free(&ctx);
	return -1;
}

/* ---- variables ---- */

static void gx_push(struct gx *x, const char *name, struct gv v)
{
	if (!x->vars) {
		x->vars = x->inl;
		x->capvars = ARRAY_SIZE(x->inl);
	}
	if (x->nvars == x->capvars) {
		struct gx_var *nv = xmalloc(2 * x->capvars * sizeof(*nv));
		memcpy(nv, x->vars, x->nvars * sizeof(*nv));
		if (x->vars != x->inl)
			free(x->vars);
		x->vars = nv;
		x->capvars *= 2;
	}
	x->vars[x->nvars++] = (struct gx_var){ name, v };
}

static struct gx_var *gx_var(struct gx *x, const char *name)
{
	for (size_t i = x->nvars; i-- > 0;)
		if (!strcmp(x->vars[i].name, name))
			return &x->vars[i];
	return NULL;
}

/* ---- fields ---- */

static const struct gotmpl_header *gx_hdr_find(struct gx *x, const char *path)
{
	for (size_t i = 0; i < x->nhdr; i++)
		if (!strcmp(x->hdr[i].field, path))
			return &x->hdr[i];
	return NULL;
}

/* Header mode: the field path from dot names a column; its title. */
static int gx_header_field(struct gx *x, const struct gn *node,
			   const char *const *idents, size_t n, struct gv *res)
{
	struct buf path = { 0 };
	const struct gotmpl_header *h;

	for (size_t i = 0; i < n; i++)
		buf_printf(&path, "%s%s", i ? "." : "", idents[i]);
	buf_append(&path, "", 1);
	h = gx_hdr_find(x, buf_head(&path));
	*res = (struct gv){ .k = GV_STR };
	if (h) {
		res->s = gx_strdup(x, h->title, strlen(h->title));
	} else {
		struct gv_str s = gx_strdup(x, idents[n - 1], strlen(idents[n - 1]));
		for (size_t i = 0; i < s.n; i++)
			if (s.p[i] >= 'a' && s.p[i] <= 'z')
				((char *)s.p)[i] = (char)(s.p[i] - 'a' + 'A');
		res->s = s;
	}
	buf_free(&path);
	(void)node;
	return 0;
}

static yajl_val gx_member(yajl_val obj, const char *key)
{
	size_t n = obj->u.object.len;
	/* the last of duplicate keys wins, as in a Go map */
	for (size_t i = n; i-- > 0;)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

static int gx_field(struct gx *x, const char *name, size_t nargs,
		    bool has_final, struct gv recv, struct gv *res)
{
	if (recv.k == GV_INVALID) {
		*res = (struct gv){ .k = GV_INVALID, .iface = false };
		return 0;
	}
	if (recv.k == GV_NIL)
		return gx_fail(x, "nil pointer evaluating %s.%s", gv_type(&recv),
			       name);
	if (recv.k == GV_MAP) {
		yajl_val v;
		if (nargs > 1 || has_final)
			return gx_fail(x, "%s is not a method but has arguments",
				       name);
		v = gx_member(recv.a.j, name);
		if (!v && x->t->missingkey_error)
			return gx_fail(x, "map has no entry for key \"%s\"",
				       name);
		if (!v) /* absent; a JSON null is a yajl_t_null value */
			*res = (struct gv){ .k = GV_INVALID, .iface = false };
		else
			*res = gv_from_json(v, true);
		return 0;
	}
	return gx_fail(x, "can't evaluate field %s in type %s", name,
		       gv_type(&recv));
}

static int gx_field_chain(struct gx *x, struct gv recv, const struct gn *node,
			  char *const *idents, size_t n, size_t nargs,
			  bool has_final, struct gv *res)
{
	for (size_t i = 0; i < n; i++) {
		bool last = i + 1 == n;
		if (gx_field(x, idents[i], last ? nargs : 0, last && has_final,
			     recv, &recv) < 0)
			return -1;
	}
	(void)node;
	*res = recv;
	return 0;
}

/* ---- evaluation ---- */

static int gx_pipeline(struct gx *x, struct gv dot, const struct gn *pipe,
		       struct gv *res);
static int gx_walk(struct gx *x, struct gv dot, const struct gn *n);

static struct gv gx_constant(const struct gn *n)
{
	struct gv v = { .k = GV_INT, .iface = false };
	if (n->float_syntax) {
		v.k = GV_FLOAT;
		v.f = n->f;
	} else {
		v.i = n->i;
	}
	return v;
}

static int gx_not_a_function(struct gx *x, const struct gn *cmd,
			     bool has_final)
{
	struct buf b = { 0 };
	int r;

	if (cmd->nkids <= 1 && !has_final)
		return 0;
	gn_string(cmd->kids[0], &b);
	buf_append(&b, "", 1);
	r = gx_fail(x, "can't give argument to non-function %s", buf_head(&b));
	buf_free(&b);
	return r;
}

static int gx_variable(struct gx *x, const struct gn *var, size_t nargs,
		       const struct gn *cmd, bool has_final, struct gv *res)
{
	struct gx_var *v;

	x->at = var;
	v = gx_var(x, var->idents[0]);
	if (!v)
		return gx_fail(x, "undefined variable: %s", var->idents[0]);
	if (var->nidents == 1) {
		if (cmd && gx_not_a_function(x, cmd, has_final) < 0)
			return -1;
		*res = v->v;
		return 0;
	}
	return gx_field_chain(x, v->v, var, var->idents + 1, var->nidents - 1,
			      nargs, has_final, res);
}

static int gx_arg(struct gx *x, struct gv dot, char type, const struct gn *n,
		  struct gv *res);

static int gx_fields_from(struct gx *x, struct gv dot, const struct gn *n,
			  size_t nargs, bool has_final, struct gv *res)
{
	x->at = n;
	if (x->header && dot.k == GV_MAP)
		return gx_header_field(x, n, (const char *const *)n->idents,
				       n->nidents, res);
	return gx_field_chain(x, dot, n, n->idents, n->nidents, nargs,
			      has_final, res);
}

static int gx_chain(struct gx *x, struct gv dot, const struct gn *chain,
		    size_t nargs, bool has_final, struct gv *res)
{
	struct gv recv;
	struct buf b = { 0 };

	x->at = chain;
	if (chain->sub->type == GN_NIL) {
		gn_string(chain, &b);
		buf_append(&b, "", 1);
		gx_fail(x, "indirection through explicit nil in %s", buf_head(&b));
		buf_free(&b);
		return -1;
	}
	if (gx_arg(x, dot, 0, chain->sub, &recv) < 0)
		return -1;
	return gx_field_chain(x, recv, chain, chain->idents, chain->nidents,
			      nargs, has_final, res);
}

static int gx_call(struct gx *x, struct gv dot, const struct gn *fnode,
		   const struct gn *cmd, const struct gn *const *args,
		   size_t nargs, const struct gv *final, struct gv *res);

static int gx_command(struct gx *x, struct gv dot, const struct gn *cmd,
		      const struct gv *final, struct gv *res)
{
	const struct gn *first = cmd->kids[0];

	switch (first->type) {
	case GN_FIELD:
		return gx_fields_from(x, dot, first, cmd->nkids, final != NULL, res);
	case GN_CHAIN:
		return gx_chain(x, dot, first, cmd->nkids, final != NULL, res);
	case GN_IDENT:
		x->at = first;
		return gx_call(x, dot, first, cmd,
			       (const struct gn *const *)cmd->kids + 1,
			       cmd->nkids - 1, final, res);
	case GN_PIPE:
		if (gx_not_a_function(x, cmd, final != NULL) < 0)
			return -1;
		return gx_pipeline(x, dot, first, res);
	case GN_VARIABLE:
		return gx_variable(x, first, cmd->nkids, cmd, final != NULL, res);
	default:
		break;
	}
	x->at = first;
	if (gx_not_a_function(x, cmd, final != NULL) < 0)
		return -1;
	*res = (struct gv){ .k = GV_INVALID, .iface = false };
	switch (first->type) {
	case GN_BOOL:
		res->k = GV_BOOL;
		res->b = first->b;
		return 0;
	case GN_DOT:
		*res = dot;
		return 0;
	case GN_NIL:
		return gx_fail(x, "nil is not a command");
	case GN_NUMBER:
		if (!first->is_int && !first->float_syntax)
			return gx_fail(x, "%s overflows int", first->text);
		*res = gx_constant(first);
		return 0;
	case GN_STRING:
		res->k = GV_STR;
		res->s = (struct gv_str){ first->sval, first->len };
		return 0;
	default:
		return gx_fail(x, "can't evaluate command");
	}
}

static int gx_pipeline(struct gx *x, struct gv dot, const struct gn *pipe,
		       struct gv *res)
{
	struct gv v = { .k = GV_INVALID, .iface = false };

	x->at = pipe;
	for (size_t i = 0; i < pipe->nkids; i++) {
		struct gv prev = v;
		if (gx_command(x, dot, pipe->kids[i], i ? &prev : NULL, &v) < 0)
			return -1;
		v = gv_indirect(v);
	}
	for (size_t i = 0; i < pipe->nidents; i++) {
		if (pipe->is_assign) {
			struct gx_var *var = gx_var(x, pipe->idents[i]);
			if (!var)
				return gx_fail(x, "undefined variable: %s",
					       pipe->idents[i]);
			var->v = v;
		} else {
			gx_push(x, pipe->idents[i], v);
		}
	}
	*res = v;
	return 0;
}

/* ---- function arguments (Go's evalArg and validateType) ---- */

static const char *gx_type_name(char type)
{
	switch (type) {
	case 's':
		return "string";
	case 'i':
		return "int";
	case 'S':
		return "[]string";
	case 'r':
		return "reflect.Value";
	default:
		return "interface {}";
	}
}

static int gx_validate(struct gx *x, struct gv v, char type, struct gv *res)
{
	if (v.k == GV_INVALID) {
		if (type == 'v' || type == 0) {
			v.k = type ? GV_NIL : GV_INVALID;
			v.iface = type != 0;
		} else if (type != 'r') {
			return gx_fail(x, "invalid value; expected %s",
				       gx_type_name(type));
		}
		*res = v;
		return 0;
	}
	if (type == 's' || type == 'i') {
		enum gv_kind want = type == 's' ? GV_STR : GV_INT;
		if (v.k != want || v.u8) {
			struct gv d = v; /* a non-nil interface{} says what it holds */
			if (d.k != GV_NIL)
				d.iface = false;
			return gx_fail(x, "wrong type for value; expected %s; got %s",
				       gx_type_name(type), gv_type(&d));
		}
		v.iface = false;
	}
	*res = v;
	return 0;
}

static int gx_literal(struct gx *x, char type, const struct gn *n,
		      struct gv *res)
{
	struct buf b = { 0 };
	int r;

	*res = (struct gv){ .k = GV_INVALID, .iface = false };
	if (type == 's' && n->type == GN_STRING) {
		res->k = GV_STR;
		res->s = (struct gv_str){ n->sval, n->len };
		return 0;
	}
	if (type == 'i' && n->type == GN_NUMBER && n->is_int) {
		res->k = GV_INT;
		res->i = n->i;
		return 0;
	}
	if (type == 'v' || type == 'r' || type == 0) {
		switch (n->type) {
		case GN_BOOL:
			res->k = GV_BOOL;
			res->b = n->b;
			return 0;
		case GN_NUMBER:
			if (!n->is_int && !n->float_syntax)
				return gx_fail(x, "%s overflows int", n->text);
			*res = gx_constant(n);
			return 0;
		case GN_STRING:
			res->k = GV_STR;
			res->s = (struct gv_str){ n->sval, n->len };
			return 0;
		default:
			break;
		}
	}
	gn_string(n, &b);
	buf_append(&b, "", 1);
	if (type == 's' || type == 'i')
		r = gx_fail(x, "expected %s; found %s",
			    type == 's' ? "string" : "integer", buf_head(&b));
	else
		r = gx_fail(x, "can't handle %s for arg of type %s", buf_head(&b),
			    gx_type_name(type));
	buf_free(&b);
	return r;
}

/* Evaluate argument n for a parameter of type ('s', 'i', 'S', 'v', 'r', or
 * 0 for the untyped receiver of a chain). */
static int gx_arg(struct gx *x, struct gv dot, char type, const struct gn *n,
		  struct gv *res)
{
	struct gv v;
	int r;

	x->at = n;
	switch (n->type) {
	case GN_DOT:
		return gx_validate(x, dot, type, res);
	case GN_NIL:
		if (type == 'v' || type == 'r' || type == 'S' || type == 0) {
			*res = (struct gv){ .k = type == 'v' ? GV_NIL : GV_INVALID,
					    .iface = type == 'v' };
			return 0;
		}
		return gx_fail(x, "cannot assign nil to %s", gx_type_name(type));
	case GN_FIELD:
		r = gx_fields_from(x, dot, n, 1, false, &v);
		break;
	case GN_VARIABLE:
		r = gx_variable(x, n, 0, NULL, false, &v);
		break;
	case GN_PIPE:
		r = gx_pipeline(x, dot, n, &v);
		break;
	case GN_IDENT:
		r = gx_call(x, dot, n, n, NULL, 0, NULL, &v);
		break;
	case GN_CHAIN:
		r = gx_chain(x, dot, n, 0, false, &v);
		break;
	default:
		return gx_literal(x, type, n, res);
	}
	if (r < 0)
		return -1;
	return gx_validate(x, v, type, res);
}

static int gx_call_logic(struct gx *x, struct gv dot, bool is_or,
			 const struct gn *const *args, size_t nargs,
			 const struct gv *final, struct gv *res)
{
	struct gv v = { .k = GV_INVALID, .iface = false };

	for (size_t i = 0; i < nargs; i++) {
		if (gx_arg(x, dot, 'r', args[i], &v) < 0)
			return -1;
		if (gv_truth(&v) == is_or) {
			*res = v;
			return 0;
		}
	}
	if (final)
		v = *final;
	*res = v;
	return 0;
}

static int gx_call(struct gx *x, struct gv dot, const struct gn *fnode,
		   const struct gn *cmd, const struct gn *const *args,
		   size_t nargs, const struct gv *final, struct gv *res)
{
	const char *name = fnode->text;
	const struct gx_func *f = gx_func_find(name);
	size_t numin = nargs + (final ? 1 : 0);
	int min, fixed = gx_func_arity(f, &min);
	struct gv *argv;
	size_t i;

	x->at = fnode;
	if (fixed < 0 && numin < (size_t)min)
		return gx_fail(x, "wrong number of args for %s: want at least %d got %zu",
			       name, min, nargs);
	if (fixed >= 0 && numin != (size_t)fixed)
		return gx_fail(x, "wrong number of args for %s: want %d got %zu",
			       name, fixed, numin);
	if (gx_func_is(f, "and") || gx_func_is(f, "or"))
		return gx_call_logic(x, dot, gx_func_is(f, "or"), args, nargs,
				     final, res);
	argv = gx_alloc(x, (numin + 1) * sizeof(*argv));
	for (i = 0; i < nargs; i++)
		if (gx_arg(x, dot, gx_func_argtype(f, i), args[i], &argv[i]) < 0)
			return -1;
	if (final && gx_validate(x, *final, gx_func_argtype(f, i), &argv[i]) < 0)
		return -1;
	if (x->header && gx_func_header(f)) {
		/* Docker's header functions give back their first argument */
		if (argv[0].k != GV_STR) {
			x->at = cmd;
			return gx_fail(x, "error calling %s: header of a non-string",
				       name);
		}
		*res = argv[0];
		return 0;
	}
	char msg[300] = "";
	if (gx_func_call(x, f, argv, numin, res, msg, sizeof(msg)) < 0) {
		x->at = cmd;
		return gx_fail(x, "error calling %s: %s", name, msg);
	}
	if (x->scratch > GX_MAX_SCRATCH)
		return gx_fail(x, "template needs more than %u MiB", GX_MAX_SCRATCH >> 20);
	return 0;
}

/* ---- walk ---- */

static int gx_out_check(struct gx *x)
{
	if (buf_used(x->out) > GX_MAX_OUT)
		return gx_fail(x, "output larger than %u MiB", GX_MAX_OUT >> 20);
	return 0;
}

static int gx_print(struct gx *x, const struct gn *action, struct gv v)
{
	x->at = action;
	if (gx_out_check(x) < 0)
		return -1;
	if (v.k == GV_INVALID) {
		buf_puts(x->out, "<no value>");
		return 0;
	}
	gv_print(&v, x->out);
	return 0;
}

static int gx_if_with(struct gx *x, struct gv dot, const struct gn *n)
{
	size_t mark = x->nvars;
	struct gv v;
	int r;

	if (gx_pipeline(x, dot, n->pipe, &v) < 0)
		return -1;
	if (gv_truth(&v))
		r = gx_walk(x, n->type == GN_WITH ? v : dot, n->list);
	else
		r = n->elselist ? gx_walk(x, dot, n->elselist) : 0;
	x->nvars = mark;
	return r;
}

static int gx_range_one(struct gx *x, const struct gn *n, struct gv key,
			struct gv elem)
{
	size_t mark = x->nvars;
	int r;

	if (n->pipe->nidents > 0)
		x->vars[x->nvars - 1].v = elem;
	if (n->pipe->nidents > 1)
		x->vars[x->nvars - 2].v = key;
	r = gx_walk(x, elem, n->list);
	x->nvars = mark;
	return r == GX_CONTINUE ? 0 : r;
}

static int gx_range_over(struct gx *x, const struct gn *n, struct gv v,
			 bool *any)
{
	size_t len = gv_len(&v);
	int r = 0;

	*any = len > 0;
	if (v.k == GV_MAP) {
		size_t *order = gv_map_order(x, v.a.j);
		for (size_t i = 0; i < len && !r; i++) {
			yajl_val o = v.a.j;
			struct gv key = { .k = GV_STR, .iface = false };
			key.s = (struct gv_str){ o->u.object.keys[order[i]],
						 strlen(o->u.object.keys[order[i]]) };
			r = gx_range_one(x, n, key,
					 gv_from_json(o->u.object.values[order[i]], true));
		}
	} else {
		for (size_t i = 0; i < len && !r; i++) {
			struct gv key = { .k = GV_INT, .iface = false };
			key.i = (int64_t)i;
			r = gx_range_one(x, n, key, gv_index(&v, i));
		}
	}
	return r == GX_BREAK ? 0 : r;
}

static int gx_range(struct gx *x, struct gv dot, const struct gn *n)
{
	size_t mark = x->nvars;
	bool any = false;
	struct gv v;
	int r = 0;

	x->at = n;
	if (gx_pipeline(x, dot, n->pipe, &v) < 0)
		return -1;
	v = gv_indirect(v);
	switch (v.k) {
	case GV_MAP:
	case GV_ARR:
	case GV_STRS:
		r = gx_range_over(x, n, v, &any);
		break;
	case GV_INVALID:
		break;
	case GV_INT:
		/* Go 1.22 ranges over an int; 1.19 refuses, as we do */
	default: {
		struct buf b = { 0 };
		gv_print(&v, &b);
		buf_append(&b, "", 1);
		r = gx_fail(x, "range can't iterate over %s", buf_head(&b));
		buf_free(&b);
	}
	}
	if (r == 0 && !any && n->elselist)
		r = gx_walk(x, dot, n->elselist);
	x->nvars = mark;
	return r;
}

static int gx_walk(struct gx *x, struct gv dot, const struct gn *n)
{
	struct gv v;
	int r;

	x->at = n;
	switch (n->type) {
	case GN_ACTION:
		if (gx_pipeline(x, dot, n->pipe, &v) < 0)
			return -1;
		return n->pipe->nidents ? 0 : gx_print(x, n, v);
	case GN_BREAK:
		return GX_BREAK;
	case GN_CONTINUE:
		return GX_CONTINUE;
	case GN_IF:
	case GN_WITH:
		if (++x->depth > GX_MAX_DEPTH)
			return gx_fail(x, "exceeded maximum template depth");
		r = gx_if_with(x, dot, n);
		x->depth--;
		return r;
	case GN_LIST:
		for (size_t i = 0; i < n->nkids; i++)
			if ((r = gx_walk(x, dot, n->kids[i])) != 0)
				return r;
		return 0;
	case GN_RANGE:
		if (++x->depth > GX_MAX_DEPTH)
			return gx_fail(x, "exceeded maximum template depth");
		r = gx_range(x, dot, n);
		x->depth--;
		return r;
	case GN_TEXT:
		buf_append(x->out, n->text, n->len);
		return gx_out_check(x);
	default:
		return gx_fail(x, "unknown node");
	}
}

static int gx_run(struct gx *x, struct gv dot)
{
	int r;

	gx_push(x, "$", dot);
	r = gx_walk(x, dot, x->t->root);
	while (x->blks) {
		struct gx_blk *b = x->blks;
		x->blks = b->next;
		free(b);
	}
	if (x->vars != x->inl)
		free(x->vars);
	return r < 0 ? -1 : 0;
}

int gotmpl_exec(const struct gotmpl *t, yajl_val dot, struct buf *out,
		struct err *e)
{
	struct gx x = { .t = t, .out = out, .e = e };
	return gx_run(&x, gv_from_json(dot, false));
}

void gotmpl_missingkey_error(struct gotmpl *t)
{
	t->missingkey_error = true;
}

int gotmpl_exec_header(const struct gotmpl *t, const struct gotmpl_header *hdr,
		       size_t nhdr, struct buf *out, struct err *e)
{
	struct gx x = { .t = t, .out = out, .e = e, .header = true,
			.hdr = hdr, .nhdr = nhdr };
	struct yajl_val_s empty = { .type = yajl_t_object };
	struct gv dot = { .k = GV_MAP, .iface = false };

	dot.a.j = &empty;
	return gx_run(&x, dot);
}
