/* cnode.c - compose YAML as a tree of positioned nodes (see cnode.h).
 *
 * The loader drives libfyaml's event parser (no libfyaml document is
 * kept): a stack of open collections, a table of anchors, merge keys
 * applied when their mapping ends. Nothing here does I/O; the caller
 * reads the file. */
#include <libfyaml.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "cnode.h"

/* ---- nodes ---- */

const char *cnode_files_add(struct cnode_files *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i], name))
			return f->v[i];
	f->v = xrealloc(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n] = xstrdup(name);
	return f->v[f->n++];
}

void cnode_files_free(struct cnode_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

struct cnode *cnode_new(enum cnode_type t, const struct cnode *where)
{
	struct cnode *n = xcalloc(1, sizeof(*n));

	n->t = t;
	if (where) {
		n->file = where->file;
		n->line = where->line;
		n->col = where->col;
	}
	return n;
}

struct cnode *cnode_new_str(const char *s, const struct cnode *where)
{
	struct cnode *n = cnode_new(CN_STR, where);

	n->s = xstrdup(s);
	return n;
}

struct cnode *cnode_new_int(long long i, const struct cnode *where)
{
	struct cnode *n = cnode_new(CN_INT, where);

	n->i = i;
	n->s = xasprintf("%lld", i);
	return n;
}

struct cnode *cnode_new_bool(bool b, const struct cnode *where)
{
	struct cnode *n = cnode_new(CN_BOOL, where);

	n->b = b;
	n->s = xstrdup(b ? "true" : "false");
	return n;
}

void cnode_free(struct cnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->k)
			cnode_free(n->k[i]);
		cnode_free(n->v[i]);
	}
	free(n->k);
	free(n->v);
	free(n->s);
	free(n);
}

static struct cnode *copy_counted(const struct cnode *n, size_t *count)
{
	struct cnode *c = xmalloc(sizeof(*c));

	(*count)++;
	*c = *n;
	c->s = n->s ? xstrdup(n->s) : NULL;
	c->k = NULL;
	c->v = NULL;
	c->cap = n->n;
	if (n->n) {
		c->v = xcalloc(n->n, sizeof(*c->v));
		if (n->t == CN_MAP)
			c->k = xcalloc(n->n, sizeof(*c->k));
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->t == CN_MAP)
			c->k[i] = copy_counted(n->k[i], count);
		c->v[i] = copy_counted(n->v[i], count);
	}
	return c;
}

struct cnode *cnode_copy(const struct cnode *n)
{
	size_t count = 0;

	return n ? copy_counted(n, &count) : NULL;
}

static size_t cnode_count(const struct cnode *n)
{
	size_t c = 1;

	for (size_t i = 0; i < n->n; i++)
		c += cnode_count(n->v[i]) + (n->k ? 1 : 0);
	return c;
}

static bool is_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static bool parse_int(const char *s, long long *out)
{
	const char *p = s;
	int base = 10;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && p[1] == 'o')
		base = 8, p += 2;
	else if (p[0] == '0' && p[1] == 'x')
		base = 16, p += 2;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (!(base == 16 ? strchr("0123456789abcdefABCDEF", *q) != NULL :
				   (*q >= '0' && *q < '0' + base)))
			return false;
	errno = 0;
	*out = strtoll(p, &end, base);
	if (errno || *end)
		return false;
	if (*s == '-')
		*out = -*out;
	return true;
}

static bool parse_float(const char *s, double *out)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf",
					   "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
	const char *p = s;
	bool digits = false;
	char *end;

	if (is_one_of(s, inf) || is_one_of(s, ninf) || is_one_of(s, nan)) {
		*out = is_one_of(s, nan) ? NAN :
		       is_one_of(s, ninf) ? -INFINITY : INFINITY;
		return true;
	}
	/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
	if (*p == '-' || *p == '+')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits = true;
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, &end);
	return true;
}

void cnode_type_plain(struct cnode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
					     NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE",
					      NULL };

	if (is_one_of(n->s, nulls))
		n->t = CN_NULL;
	else if (is_one_of(n->s, trues) || is_one_of(n->s, falses))
		n->t = CN_BOOL, n->b = is_one_of(n->s, trues);
	else if (parse_int(n->s, &n->i))
		n->t = CN_INT;
	else if (parse_float(n->s, &n->d))
		n->t = CN_FLOAT;
	else
		n->t = CN_STR;
}

void cnode_set_text(struct cnode *n, char *owned)
{
	free(n->s);
	n->s = owned;
	if (n->plain)
		cnode_type_plain(n);
	else
		n->t = CN_STR;
}

ssize_t cnode_find(const struct cnode *map, const char *key)
{
	if (!map || map->t != CN_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->k[i]->s, key))
			return (ssize_t)i;
	return -1;
}

struct cnode *cnode_get(const struct cnode *map, const char *key)
{
	ssize_t i = cnode_find(map, key);

	return i < 0 ? NULL : map->v[i];
}

static void grow(struct cnode *n)
{
	if (n->n < n->cap)
		return;
	n->cap = n->cap ? 2 * n->cap : 4;
	n->v = xrealloc(n->v, n->cap, sizeof(*n->v));
	if (n->t == CN_MAP)
		n->k = xrealloc(n->k, n->cap, sizeof(*n->k));
}

static void map_append(struct cnode *map, struct cnode *key,
		       struct cnode *val)
{
	grow(map);
	map->k[map->n] = key;
	map->v[map->n++] = val;
}

void cnode_set(struct cnode *map, const char *key, struct cnode *val)
{
	ssize_t i = cnode_find(map, key);

	if (i >= 0) {
		cnode_free(map->v[i]);
		map->v[i] = val;
		return;
	}
	map_append(map, cnode_new_str(key, val), val);
}

void cnode_del(struct cnode *map, const char *key)
{
	ssize_t i = cnode_find(map, key);

	if (i < 0)
		return;
	cnode_free(map->k[i]);
	cnode_free(map->v[i]);
	memmove(map->k + i, map->k + i + 1, (map->n - i - 1) * sizeof(*map->k));
	memmove(map->v + i, map->v + i + 1, (map->n - i - 1) * sizeof(*map->v));
	map->n--;
}

void cnode_push(struct cnode *seq, struct cnode *item)
{
	grow(seq);
	seq->v[seq->n++] = item;
}

void cnode_sort(struct cnode *map)
{
	/* insertion sort: maps are small, and it is stable */
	for (size_t i = 1; i < map->n; i++)
		for (size_t j = i; j > 0 &&
				   strcmp(map->k[j - 1]->s, map->k[j]->s) > 0;
		     j--) {
			struct cnode *k = map->k[j], *v = map->v[j];
			map->k[j] = map->k[j - 1];
			map->v[j] = map->v[j - 1];
			map->k[j - 1] = k;
			map->v[j - 1] = v;
		}
}

const char *cnode_where(const struct cnode *n, char *buf, size_t size)
{
	if (!n || !n->file)
		snprintf(buf, size, "(built in)");
	else
		snprintf(buf, size, "%s:%d:%d", n->file, n->line, n->col);
	return buf;
}

const char *cnode_text(const struct cnode *n)
{
	if (!n || n->t == CN_MAP || n->t == CN_SEQ)
		return NULL;
	return n->t == CN_NULL ? "" : n->s;
}

bool cnode_equal(const struct cnode *a, const struct cnode *b)
{
	if (a->t != b->t || a->n != b->n)
		return false;
	switch (a->t) {
	case CN_NULL:
		return true;
	case CN_BOOL:
		return a->b == b->b;
	case CN_INT:
		return a->i == b->i;
	case CN_FLOAT:
		return a->d == b->d;
	case CN_STR:
		return !strcmp(a->s, b->s);
	case CN_MAP:
		for (size_t i = 0; i < a->n; i++) {
			const struct cnode *o = cnode_get(b, a->k[i]->s);
			if (!o || !cnode_equal(a->v[i], o))
				return false;
		}
		return true;
	case CN_SEQ:
		for (size_t i = 0; i < a->n; i++)
			if (!cnode_equal(a->v[i], b->v[i]))
				return false;
		return true;
	}
	return false;
}

void cnode_json(struct jw *w, const char *key, const struct cnode *n)
{
	if (key)
		jw_key(w, key);
	switch (n->t) {
	case CN_NULL:
		yajl_gen_null(w->g);
		break;
	case CN_BOOL:
		yajl_gen_bool(w->g, n->b);
		break;
	case CN_INT:
		yajl_gen_integer(w->g, n->i);
		break;
	case CN_FLOAT:
		if (isfinite(n->d))
			yajl_gen_double(w->g, n->d);
		else
			jw_vstr(w, n->s); /* JSON has no inf or nan */
		break;
	case CN_STR:
		jw_vstr(w, n->s);
		break;
	case CN_MAP:
		jw_obj(w, NULL);
		for (size_t i = 0; i < n->n; i++)
			cnode_json(w, n->k[i]->s, n->v[i]);
		jw_end_obj(w);
		break;
	case CN_SEQ:
		jw_arr(w, NULL);
		for (size_t i = 0; i < n->n; i++)
			cnode_json(w, NULL, n->v[i]);
		jw_end_arr(w);
		break;
	}
}

/* ---- the loader ---- */

struct anchor {
	char *name;
	const struct cnode *node; /* in the tree being built */
};

struct frame {
	struct cnode *node;
	struct cnode *key;    /* a mapping's key waiting for its value */
	struct cnode **merge; /* values of `<<` keys, in order */
	size_t nmerge;
	char *anchor; /* registered when the collection ends */
};

struct loader {
	const char *file;
	struct err *e;
	struct frame stack[CNODE_MAX_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t nanchors;
	size_t count; /* nodes made, aliases expanded */
	struct cnode *root;
	struct cnode **spent; /* merge sources: anchors may point in */
	size_t nspent;
};

static int fail_at(struct loader *l, const struct fy_mark *m, const char *why)
{
	return err_setc(l->e, ERR_INVALID, "%s:%d:%d: %s", l->file,
			m ? m->line + 1 : 0, m ? m->column + 1 : 0, why);
}

static int fail_node(struct loader *l, const struct cnode *n, const char *why)
{
	return err_setc(l->e, ERR_INVALID, "%s:%d:%d: %s", l->file, n->line,
			n->col, why);
}

static char *tok_text(struct fy_token *t)
{
	size_t len = 0;
	const char *s = t ? fy_token_get_text(t, &len) : NULL;

	return s ? xstrndup(s, len) : NULL;
}

static void anchor_add(struct loader *l, char *name, const struct cnode *n)
{
	l->anchors = xrealloc(l->anchors, l->nanchors + 1, sizeof(*l->anchors));
	l->anchors[l->nanchors].name = name;
	l->anchors[l->nanchors++].node = n;
}

static const struct cnode *anchor_find(struct loader *l, const char *name)
{
	for (size_t i = l->nanchors; i-- > 0;) /* the latest definition */
		if (!strcmp(l->anchors[i].name, name))
			return l->anchors[i].node;
	return NULL;
}

/* Merge `<<` sources into the mapping: its own keys win, then earlier
 * sources over later ones (YAML's merge key type). */
static int apply_merges(struct loader *l, struct frame *f)
{
	for (size_t m = 0; m < f->nmerge; m++) {
		struct cnode *src = f->merge[m];
		size_t nsrc = src->t == CN_SEQ ? src->n : 1;
		for (size_t s = 0; s < nsrc; s++) {
			struct cnode *one = src->t == CN_SEQ ? src->v[s] : src;
			if (one->t != CN_MAP)
				return fail_node(l, one, "a merge key (<<) "
							 "takes a mapping or "
							 "a list of mappings");
			for (size_t i = 0; i < one->n; i++) {
				if (cnode_find(f->node, one->k[i]->s) >= 0)
					continue;
				map_append(f->node, cnode_copy(one->k[i]),
					   cnode_copy(one->v[i]));
			}
		}
	}
	return 0;
}

/* A finished node goes to its parent (or becomes the root). */
static int attach(struct loader *l, struct cnode *n, const struct fy_mark *m,
		  bool merge_key_ok)
{
	struct frame *f;

	if (l->depth == 0) {
		l->root = n;
		return 0;
	}
	f = &l->stack[l->depth - 1];
	if (f->node->t == CN_SEQ) {
		cnode_push(f->node, n);
		return 0;
	}
	if (!f->key) {
		if (n->t == CN_MAP || n->t == CN_SEQ) {
			cnode_free(n);
			return fail_at(l, m, "a mapping key must be a scalar");
		}
		if (n->t == CN_NULL) { /* `? ` or `: v` with no key: "" */
			free(n->s);
			n->s = xstrdup("");
		}
		n->t = CN_STR;
		if (cnode_find(f->node, n->s) >= 0 && strcmp(n->s, "<<")) {
			err_setc(l->e, ERR_INVALID,
				 "%s:%d:%d: duplicate key \"%.100s\"", l->file,
				 n->line, n->col, n->s);
			cnode_free(n);
			return -1;
		}
		f->key = n;
		return 0;
	}
	if (merge_key_ok && f->key->plain && !strcmp(f->key->s, "<<")) {
		cnode_free(f->key);
		f->key = NULL;
		f->merge = xrealloc(f->merge, f->nmerge + 1, sizeof(*f->merge));
		f->merge[f->nmerge++] = n;
		return 0;
	}
	map_append(f->node, f->key, n);
	f->key = NULL;
	return 0;
}

static struct cnode *node_at(struct loader *l, enum cnode_type t,
			     const struct fy_mark *m)
{
	struct cnode *n = cnode_new(t, NULL);

	n->file = l->file;
	n->line = m ? m->line + 1 : 0;
	n->col = m ? m->column + 1 : 0;
	l->count++;
	return n;
}

static int on_scalar(struct loader *l, struct fy_event *ev)
{
	struct fy_token *tag = ev->scalar.tag;
	const struct fy_mark *m = fy_event_start_mark(ev);
	struct cnode *n = node_at(l, CN_STR, m);
	_cleanup_free_ char *tagtext = tok_text(tag);
	char *anchor = tok_text(ev->scalar.anchor);

	n->s = tok_text(ev->scalar.value);
	if (!n->s)
		n->s = xstrdup("");
	if (strlen(n->s) != (size_t)fy_token_get_text_length(ev->scalar.value)) {
		free(anchor);
		cnode_free(n);
		return fail_at(l, m, "a NUL byte in a scalar");
	}
	n->plain = fy_token_scalar_style(ev->scalar.value) == FYSS_PLAIN &&
		   !tagtext;
	if (n->plain)
		cnode_type_plain(n);
	if (anchor)
		anchor_add(l, anchor, n);
	return attach(l, n, m, true);
}

static int on_alias(struct loader *l, struct fy_event *ev)
{
	const struct fy_mark *m = fy_event_start_mark(ev);
	_cleanup_free_ char *name = tok_text(ev->alias.anchor);
	const struct cnode *target = name ? anchor_find(l, name) : NULL;
	struct cnode *copy;

	if (!target)
		return fail_at(l, m, "an alias to an unknown anchor");
	l->count += cnode_count(target);
	if (l->count > CNODE_MAX_NODES)
		return fail_at(l, m, "aliases expand to too many nodes");
	copy = cnode_copy(target);
	copy->line = m ? m->line + 1 : copy->line;
	copy->col = m ? m->column + 1 : copy->col;
	return attach(l, copy, m, true);
}

static int on_start(struct loader *l, struct fy_event *ev, enum cnode_type t)
{
	const struct fy_mark *m = fy_event_start_mark(ev);
	struct fy_token *anchor = t == CN_MAP ? ev->mapping_start.anchor :
						ev->sequence_start.anchor;
	struct frame *f;

	if (l->depth == CNODE_MAX_DEPTH)
		return fail_at(l, m, "nested too deeply");
	if (l->depth && l->stack[l->depth - 1].node->t == CN_MAP &&
	    !l->stack[l->depth - 1].key)
		return fail_at(l, m, "a mapping key must be a scalar");
	f = &l->stack[l->depth++];
	memset(f, 0, sizeof(*f));
	f->node = node_at(l, t, m);
	f->anchor = tok_text(anchor);
	return 0;
}

static void frame_clear(struct loader *l, struct frame *f)
{
	l->spent = xrealloc(l->spent, l->nspent + f->nmerge + 1,
			    sizeof(*l->spent));
	for (size_t i = 0; i < f->nmerge; i++)
		l->spent[l->nspent++] = f->merge[i];
	free(f->merge);
	free(f->anchor);
	cnode_free(f->key);
	f->merge = NULL;
	f->nmerge = 0;
	f->anchor = NULL;
	f->key = NULL;
}

static int on_end(struct loader *l, struct fy_event *ev)
{
	struct frame *f = &l->stack[l->depth - 1];
	struct cnode *n = f->node;
	int r = f->node->t == CN_MAP ? apply_merges(l, f) : 0;

	if (r == 0 && f->anchor)
		anchor_add(l, steal_ptr(&f->anchor), n);
	frame_clear(l, f);
	f->node = NULL;
	l->depth--;
	if (r < 0) {
		cnode_free(n);
		return -1;
	}
	return attach(l, n, fy_event_start_mark(ev), true);
}

static int on_event(struct loader *l, struct fy_event *ev, int *docs)
{
	switch (ev->type) {
	case FYET_DOCUMENT_START:
		if (++*docs > 1)
			return fail_at(l, fy_event_start_mark(ev),
				       "a compose file holds one YAML "
				       "document");
		return 0;
	case FYET_SCALAR:
		return on_scalar(l, ev);
	case FYET_ALIAS:
		return on_alias(l, ev);
	case FYET_MAPPING_START:
		return on_start(l, ev, CN_MAP);
	case FYET_SEQUENCE_START:
		return on_start(l, ev, CN_SEQ);
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		return on_end(l, ev);
	default:
		return 0;
	}
}

static void loader_free(struct loader *l)
{
	while (l->depth > 0) {
		struct frame *f = &l->stack[--l->depth];
		frame_clear(l, f);
		cnode_free(f->node);
	}
	for (size_t i = 0; i < l->nanchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	for (size_t i = 0; i < l->nspent; i++)
		cnode_free(l->spent[i]);
	free(l->spent);
}

/* libfyaml's first collected error as "file:line:col: message". */
static int parse_error(struct loader *l, struct fy_diag *diag,
		       struct buf *first)
{
	void *it = NULL;
	struct fy_diag_error *de = diag ? fy_diag_errors_iterate(diag, &it) :
					  NULL;

	while (buf_used(first) && strchr(" \n", first->data[first->len - 1]))
		first->len--;
	if (!de && buf_used(first)) {
		/* "<memory-@...>:L:C: error: why" */
		buf_append(first, "", 1);
		const char *m = buf_head(first), *gt = strstr(m, ">:");
		const char *why = gt ? gt + 2 : m;
		const char *tag = strstr(why, ": error: ");
		if (tag)
			return err_setc(l->e, ERR_INVALID, "%s:%.*s: %.300s",
					l->file, (int)(tag - why), why,
					tag + 9);
		return err_setc(l->e, ERR_INVALID, "%s: %.300s", l->file, why);
	}
	if (!de)
		return err_setc(l->e, ERR_INVALID, "%s: not valid YAML",
				l->file);
	return err_setc(l->e, ERR_INVALID, "%s:%d:%d: %s", l->file,
			de->line + 1, de->column + 1, de->msg);
}

static int run_parser(struct loader *l, struct fy_parser *p,
		      struct fy_diag *diag, struct buf *first)
{
	struct fy_event *ev;
	int docs = 0, r = 0;

	while (r == 0 && (ev = fy_parser_parse(p)) != NULL) {
		r = on_event(l, ev, &docs);
		fy_parser_event_free(p, ev);
	}
	if (r == 0 && fy_parser_get_stream_error(p))
		r = parse_error(l, diag, first);
	/* Drain the stream after stopping early: libfyaml 0.7.12 can crash
	 * destroying a parser left in the middle of a document. */
	while (r < 0 && (ev = fy_parser_parse(p)) != NULL)
		fy_parser_event_free(p, ev);
	return r;
}

/* The offset of the first byte that is not printable UTF-8 (YAML's
 * character set: no C0 control but tab and line ends, no DEL), or len.
 * Checked before libfyaml sees the text: its scanner (0.7.12) can loop
 * forever on some invalid bytes. */
static size_t text_bad_at(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
				  (c & 0xf0) == 0xe0	     ? 3 :
				  (c & 0xf8) == 0xf0	     ? 4 : 0;
		if (!n || i + n > len || (c < 0x20 && c != 9 && c != 10 && c != 13) ||
		    c == 0x7f || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
			return i;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += n;
	}
	return len;
}

/* A tab followed by blanks and a block indicator (-, ? or : then a
 * blank): YAML refuses it, and libfyaml 0.7.12 corrupts its indent
 * stack on it (a crash when the parser is destroyed), so it is refused
 * before libfyaml sees it. Returns the offset or len. */
static size_t tab_indicator_at(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t j = i + 1;
		if (s[i] != '\t')
			continue;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < len && strchr("-?:", s[j]) &&
		    (j + 1 == len || strchr(" \t\r\n", s[j + 1])))
			return i;
	}
	return len;
}

/* libfyaml's first message, kept for parse_error(). */
static void diag_keep(struct fy_diag *diag, void *user, const char *buf,
		      size_t len)
{
	struct buf *first = user;

	if (!buf_used(first))
		buf_append(first, buf, len);
}

struct cnode *cnode_load(struct cnode_files *files, const char *file,
			 const char *text, size_t len, struct err *e)
{
	struct loader l = { .file = cnode_files_add(files, file), .e = e };
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
					     FYPCF_JSON_NONE };
	struct fy_parser *p;
	struct buf first = { 0 };
	int r = -1;

	if (len > CNODE_MAX_BYTES) {
		err_setc(e, ERR_TOO_LARGE, "%s: larger than %u bytes", file,
			 CNODE_MAX_BYTES);
		return NULL;
	}
	size_t bad = text_bad_at((const unsigned char *)text, len);
	size_t tab = bad < len ? len : tab_indicator_at(text, len);
	if (tab < len) {
		size_t line = 1, col = 1;
		for (size_t i = 0; i < tab; i++)
			col = text[i] == '\n' ? (line++, 1) : col + 1;
		err_setc(e, ERR_INVALID,
			 "%s:%zu:%zu: a tab before a block indicator (indent "
			 "with spaces)",
			 file, line, col);
		return NULL;
	}
	if (bad < len) {
		size_t line = 1;
		for (size_t i = 0; i < bad; i++)
			line += text[i] == '\n';
		err_setc(e, ERR_INVALID,
			 "%s:%zu: not printable UTF-8 (byte 0x%02x at offset "
			 "%zu)",
			 file, line, (unsigned char)text[bad], bad);
		return NULL;
	}
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_keep;
	dcfg.user = &first;
	dcfg.show_source = false;
	dcfg.show_type = false;
	dcfg.show_module = false;
	dcfg.show_position = true;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	cfg.diag = diag;
	p = fy_parser_create(&cfg);
	if (!p || fy_parser_set_string(p, text, len) != 0)
		err_setc(e, ERR_INTERNAL, "%s: cannot start the YAML parser",
			 file);
	else
		r = run_parser(&l, p, diag, &first);
	if (p)
		fy_parser_destroy(p);
	if (diag)
		fy_diag_destroy(diag);
	buf_free(&first);
	loader_free(&l);
	if (r < 0) {
		cnode_free(l.root);
		return NULL;
	}
	if (!l.root) { /* an empty file */
		l.root = cnode_new(CN_NULL, NULL);
		l.root->file = l.file;
		l.root->line = l.root->col = 1;
	}
	return l.root;
}
