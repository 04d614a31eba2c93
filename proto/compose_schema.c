/* compose_schema.c - a compose file checked against the compose-spec JSON
 * schema.
 *
 * The schema is the one Debian's docker-compose package ships
 * (compose/config/compose_spec.json), compiled in by the Makefile as
 * compose_schema_json[]; three keys the spec gained since are added to
 * it here at load (top-level `name`, `depends_on`'s `restart` and
 * `required`). The validator covers the keywords that schema uses:
 * type, enum, properties, patternProperties, additionalProperties,
 * required, items, uniqueItems, oneOf, anyOf, minimum, maximum and $ref
 * (formats are checked later, by the normaliser, which parses the
 * values anyway). Errors name the node's file:line:column and its path:
 * "a.yml:4:5: services.web.ports[0]: expected an integer or a string".
 *
 * Owns the parsed schema (a yajl tree, made once and kept) and a cache
 * of compiled patterns. */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "../core/base/xalloc.h"
#include "compose.h"
#include "jtree.h"

extern const char compose_schema_json[];

static yajl_val schema_root;

struct pattern {
	const char *src; /* points into the schema */
	regex_t re;
};
static struct pattern *patterns;
static size_t npatterns;

struct check {
	struct err *e;
	char path[512];
	size_t len;
	int depth; /* of the error kept in e: the deepest wins in oneOf */
};

static yajl_val obj_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

/* Add key: value (JSON text) to the object at obj. */
static void obj_add(yajl_val obj, const char *key, const char *json)
{
	char errbuf[128];
	yajl_val v = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	size_t n = obj->u.object.len;

	if (!v)
		abort(); /* our own literal */
	obj->u.object.keys = xrealloc((void *)obj->u.object.keys, n + 1,
				      sizeof(char *));
	obj->u.object.values = xrealloc(obj->u.object.values, n + 1,
					sizeof(yajl_val));
	obj->u.object.keys[n] = xstrdup(key);
	obj->u.object.values[n] = v;
	obj->u.object.len = n + 1;
}

/* The spec's keys newer than the schema Debian ships. */
static void schema_extend(yajl_val root)
{
	yajl_val props = obj_get(root, "properties");
	yajl_val dep = obj_get(obj_get(obj_get(obj_get(obj_get(root,
		"definitions"), "service"), "properties"), "depends_on"),
		"oneOf");
	yajl_val cond = NULL;

	if (props && !obj_get(props, "name"))
		obj_add(props, "name", "{\"type\":\"string\"}");
	if (YAJL_IS_ARRAY(dep) && dep->u.array.len == 2)
		cond = obj_get(obj_get(obj_get(dep->u.array.values[1],
					       "patternProperties"),
				       "^[a-zA-Z0-9._-]+$"),
			       "properties");
	if (cond && !obj_get(cond, "restart")) {
		obj_add(cond, "restart", "{\"type\":\"boolean\"}");
		obj_add(cond, "required", "{\"type\":\"boolean\"}");
	}
}

static int schema_load(struct err *e)
{
	char errbuf[256];

	if (schema_root)
		return 0;
	schema_root = yajl_tree_parse(compose_schema_json, errbuf,
				      sizeof(errbuf));
	if (!schema_root)
		return err_setc(e, ERR_INTERNAL, "the compose schema: %s",
				errbuf);
	schema_extend(schema_root);
	return 0;
}

static regex_t *pattern(const char *src)
{
	for (size_t i = 0; i < npatterns; i++)
		if (patterns[i].src == src)
			return &patterns[i].re;
	patterns = xrealloc(patterns, npatterns + 1, sizeof(*patterns));
	patterns[npatterns].src = src;
	if (regcomp(&patterns[npatterns].re, src, REG_EXTENDED | REG_NOSUB))
		abort(); /* the compiled-in schema's patterns are valid */
	return &patterns[npatterns++].re;
}

/* ---- messages ---- */

static size_t path_push(struct check *c, const char *fmt, const char *key,
			size_t idx)
{
	size_t mark = c->len;
	int n;

	if (key)
		n = snprintf(c->path + c->len, sizeof(c->path) - c->len,
			     c->len ? ".%.100s" : "%.100s", key);
	else
		n = snprintf(c->path + c->len, sizeof(c->path) - c->len,
			     "[%zu]", idx);
	(void)fmt;
	if (n > 0 && c->len + (size_t)n < sizeof(c->path))
		c->len += (size_t)n;
	return mark;
}

static void path_pop(struct check *c, size_t mark)
{
	c->len = mark;
	c->path[mark] = '\0';
}

static int fail(struct check *c, const struct cnode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct check *c, const struct cnode *n, const char *fmt, ...)
{
	char where[300], what[300];
	int depth = 0;
	va_list ap;

	for (size_t i = 0; i < c->len; i++)
		depth += c->path[i] == '.' || c->path[i] == '[';
	if (c->e->class != ERR_OK && depth < c->depth)
		return -1; /* a deeper reason is already there */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err_setc(c->e, ERR_INVALID, "%s: %s: %s",
		 cnode_where(n, where, sizeof(where)),
		 c->len ? c->path : "(top level)", what);
	c->depth = depth;
	return -1;
}

static const char *type_word(enum cnode_type t)
{
	static const char *const words[] = {
		[CN_NULL] = "null",	 [CN_BOOL] = "a boolean",
		[CN_INT] = "an integer", [CN_FLOAT] = "a number",
		[CN_STR] = "a string",	 [CN_MAP] = "a mapping",
		[CN_SEQ] = "a list",
	};
	return words[t];
}

/* ---- keywords ---- */

static bool type_is(const struct cnode *n, const char *t)
{
	if (!strcmp(t, "object"))
		return n->t == CN_MAP;
	if (!strcmp(t, "array"))
		return n->t == CN_SEQ;
	if (!strcmp(t, "string"))
		return n->t == CN_STR;
	if (!strcmp(t, "integer"))
		return n->t == CN_INT;
	if (!strcmp(t, "number"))
		return n->t == CN_INT || n->t == CN_FLOAT;
	if (!strcmp(t, "boolean"))
		return n->t == CN_BOOL;
	if (!strcmp(t, "null"))
		return n->t == CN_NULL;
	return false;
}

/* Does the schema's `type` (if any) admit n's type? */
static bool type_ok(const struct cnode *n, yajl_val type)
{
	if (!type)
		return true;
	if (YAJL_IS_STRING(type))
		return type_is(n, YAJL_GET_STRING(type));
	for (size_t i = 0; YAJL_IS_ARRAY(type) && i < type->u.array.len; i++)
		if (YAJL_IS_STRING(type->u.array.values[i]) &&
		    type_is(n, YAJL_GET_STRING(type->u.array.values[i])))
			return true;
	return false;
}

static yajl_val resolve(yajl_val s)
{
	yajl_val ref = obj_get(s, "$ref");
	const char *p;

	for (int hops = 0; ref && YAJL_IS_STRING(ref) && hops < 8; hops++) {
		p = YAJL_GET_STRING(ref);
		if (strncmp(p, "#/definitions/", 14))
			break;
		s = obj_get(obj_get(schema_root, "definitions"), p + 14);
		ref = obj_get(s, "$ref");
	}
	return s;
}

static void type_expect(yajl_val type, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	if (YAJL_IS_STRING(type)) {
		snprintf(out, size, "%s", YAJL_GET_STRING(type));
		return;
	}
	for (size_t i = 0; YAJL_IS_ARRAY(type) && i < type->u.array.len; i++) {
		int n = snprintf(out + len, size - len, "%s%s",
				 i ? " or " : "",
				 YAJL_GET_STRING(type->u.array.values[i]));
		if (n < 0 || len + (size_t)n >= size)
			break;
		len += (size_t)n;
	}
}

static int check(struct check *c, const struct cnode *n, yajl_val s);

static bool enum_ok(const struct cnode *n, yajl_val en)
{
	for (size_t i = 0; i < en->u.array.len; i++) {
		yajl_val v = en->u.array.values[i];
		const char *str = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
		if (str && n->t == CN_STR && !strcmp(n->s, str))
			return true;
		if (YAJL_IS_NUMBER(v) && n->t == CN_INT &&
		    YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) == n->i)
			return true;
	}
	return false;
}

/* The schema that a mapping's key takes, or NULL when none admits it. */
static yajl_val key_schema(const char *key, yajl_val s, bool *found)
{
	yajl_val props = obj_get(s, "properties");
	yajl_val pats = obj_get(s, "patternProperties");
	yajl_val addl = obj_get(s, "additionalProperties");
	yajl_val v = obj_get(props, key);

	*found = true;
	if (v)
		return v;
	for (size_t i = 0; YAJL_IS_OBJECT(pats) && i < pats->u.object.len;
	     i++)
		if (!regexec(pattern(pats->u.object.keys[i]), key, 0, NULL, 0))
			return pats->u.object.values[i];
	if (YAJL_IS_FALSE(addl)) {
		*found = false;
		return NULL;
	}
	return YAJL_IS_OBJECT(addl) ? addl : NULL;
}

static int check_map(struct check *c, const struct cnode *n, yajl_val s)
{
	yajl_val req = obj_get(s, "required");
	bool found;

	for (size_t i = 0; i < n->n; i++) {
		yajl_val ks = key_schema(n->k[i]->s, s, &found);
		if (!found)
			return fail(c, n->k[i], "unknown key \"%.100s\"",
				    n->k[i]->s);
		if (!ks)
			continue;
		size_t mark = path_push(c, NULL, n->k[i]->s, 0);
		int r = check(c, n->v[i], ks);
		path_pop(c, mark);
		if (r < 0)
			return -1;
	}
	for (size_t i = 0; YAJL_IS_ARRAY(req) && i < req->u.array.len; i++)
		if (YAJL_IS_STRING(req->u.array.values[i]) &&
		    !cnode_get(n, YAJL_GET_STRING(req->u.array.values[i])))
			return fail(c, n, "\"%.100s\" is required",
				    YAJL_GET_STRING(req->u.array.values[i]));
	return 0;
}

static int check_seq(struct check *c, const struct cnode *n, yajl_val s)
{
	yajl_val items = obj_get(s, "items");

	for (size_t i = 0; items && i < n->n; i++) {
		size_t mark = path_push(c, NULL, NULL, i);
		int r = check(c, n->v[i], items);
		path_pop(c, mark);
		if (r < 0)
			return -1;
	}
	if (YAJL_IS_TRUE(obj_get(s, "uniqueItems")))
		for (size_t i = 0; i < n->n; i++)
			for (size_t j = i + 1; j < n->n; j++)
				if (cnode_equal(n->v[i], n->v[j]))
					return fail(c, n->v[j],
						    "a duplicate of item %s",
						    n->v[i]->s ? n->v[i]->s :
								 "before");
	return 0;
}

/* oneOf / anyOf: how many branches admit n; on none, the reason of the
 * branch whose type fits (the deepest), else the types wanted. */
static int check_branches(struct check *c, const struct cnode *n,
			  yajl_val arr, bool one)
{
	struct err best = ERR_INIT, *outer = c->e;
	int bestdepth = -1, matched = 0;
	char types[200], buf[200];
	size_t len = 0;

	types[0] = '\0';
	for (size_t i = 0; i < arr->u.array.len; i++) {
		struct err e = ERR_INIT;
		yajl_val b = resolve(arr->u.array.values[i]);
		c->e = &e;
		c->depth = 0;
		if (check(c, n, b) == 0) {
			matched++;
		} else if (type_ok(n, obj_get(b, "type")) &&
			   c->depth > bestdepth) {
			best = e;
			bestdepth = c->depth;
		}
		type_expect(obj_get(b, "type"), buf, sizeof(buf));
		int w = snprintf(types + len, sizeof(types) - len, "%s%s",
				 len ? " or " : "", buf);
		if (w > 0 && len + (size_t)w < sizeof(types))
			len += (size_t)w;
	}
	c->e = outer;
	if (matched == 1 || (!one && matched))
		return 0;
	if (matched > 1)
		return fail(c, n, "the value matches more than one form");
	if (bestdepth >= 0) {
		*c->e = best;
		c->depth = bestdepth;
		return -1;
	}
	return fail(c, n, "expected %s, got %s", types, type_word(n->t));
}

static int check(struct check *c, const struct cnode *n, yajl_val s)
{
	yajl_val type, en, v;
	char want[200];

	s = resolve(s);
	if (!YAJL_IS_OBJECT(s))
		return 0;
	type = obj_get(s, "type");
	if (!type_ok(n, type)) {
		type_expect(type, want, sizeof(want));
		return fail(c, n, "expected %s, got %s", want,
			    type_word(n->t));
	}
	if ((en = obj_get(s, "enum")) && YAJL_IS_ARRAY(en) && !enum_ok(n, en))
		return fail(c, n, "\"%.100s\" is not one of the values allowed",
			    n->s ? n->s : "");
	if ((v = obj_get(s, "minimum")) && YAJL_IS_NUMBER(v) &&
	    (n->t == CN_INT || n->t == CN_FLOAT) &&
	    (n->t == CN_INT ? (double)n->i : n->d) < YAJL_GET_DOUBLE(v))
		return fail(c, n, "%s is below the minimum", n->s);
	if ((v = obj_get(s, "maximum")) && YAJL_IS_NUMBER(v) &&
	    (n->t == CN_INT || n->t == CN_FLOAT) &&
	    (n->t == CN_INT ? (double)n->i : n->d) > YAJL_GET_DOUBLE(v))
		return fail(c, n, "%s is above the maximum", n->s);
	if (n->t == CN_MAP && check_map(c, n, s) < 0)
		return -1;
	if (n->t == CN_SEQ && check_seq(c, n, s) < 0)
		return -1;
	if ((v = obj_get(s, "oneOf")) && YAJL_IS_ARRAY(v) &&
	    check_branches(c, n, v, true) < 0)
		return -1;
	if ((v = obj_get(s, "anyOf")) && YAJL_IS_ARRAY(v) &&
	    check_branches(c, n, v, false) < 0)
		return -1;
	return 0;
}

int compose_schema_check(const struct cnode *root, struct err *e)
{
	struct check c = { .e = e };

	if (schema_load(e) < 0)
		return -1;
	if (root->t == CN_NULL)
		return err_setc(e, ERR_INVALID, "%s: an empty compose file",
				root->file ? root->file : "compose file");
	return check(&c, root, schema_root);
}
