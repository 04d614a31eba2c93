/* jtree.c - typed, path-naming reads over yajl_tree (see jtree.h).
 *
 * Owns nothing beyond the strings it hands out; trees are freed by callers
 * with yajl_tree_free(). */
#include "jtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int strv_push(struct strv *s, const char *str)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->v = v;
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		return -1;
	s->n++;
	return 0;
}

bool strv_contains(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

/* Deepest [ / { nesting outside strings; stops counting past the limit. */
static size_t jt_depth(const char *p, size_t len)
{
	size_t depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < len && max <= JT_MAX_DEPTH; i++) {
		char c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return max;
}

yajl_val jt_parse(const char *json, size_t len, struct err *e)
{
	_cleanup_free_ char *copy = NULL;
	char ebuf[256] = "";
	yajl_val v;

	if (memchr(json, '\0', len)) {
		err_setc(e, ERR_INVALID, "invalid JSON: NUL byte");
		return NULL;
	}
	if (jt_depth(json, len) > JT_MAX_DEPTH) {
		err_setc(e, ERR_INVALID, "invalid JSON: nested deeper than %d",
			 JT_MAX_DEPTH);
		return NULL;
	}
	copy = malloc(len + 1);
	if (!copy) {
		err_set(e, ENOMEM, "parse JSON");
		return NULL;
	}
	memcpy(copy, json, len);
	copy[len] = '\0';
	v = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (!v) {
		ebuf[strcspn(ebuf, "\n")] = '\0';
		err_setc(e, ERR_INVALID, "invalid JSON: %s", ebuf);
	}
	return v;
}

void jt_init(struct jt *t, struct err *e)
{
	t->e = e;
	t->len = 0;
	t->path[0] = '\0';
}

/* Append text to the path, truncating quietly at the buffer's end. */
static size_t jt_append(struct jt *t, const char *sep, const char *text)
{
	size_t mark = t->len;
	int n;

	n = snprintf(t->path + t->len, sizeof(t->path) - t->len, "%s%s", sep,
		     text);
	if (n > 0)
		t->len += (size_t)n;
	if (t->len >= sizeof(t->path))
		t->len = sizeof(t->path) - 1;
	return mark;
}

size_t jt_key(struct jt *t, const char *key)
{
	return jt_append(t, t->len ? "." : "", key);
}

size_t jt_idx(struct jt *t, size_t i)
{
	char num[24];

	snprintf(num, sizeof(num), "[%zu]", i);
	return jt_append(t, "", num);
}

void jt_pop(struct jt *t, size_t mark)
{
	t->len = mark;
	t->path[mark] = '\0';
}

int jt_fail(struct jt *t, const char *what)
{
	return err_setc(t->e, ERR_INVALID, "%s: %s",
			t->len ? t->path : "(document)", what);
}

yajl_val jt_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++) {
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			yajl_val v = obj->u.object.values[i];
			return YAJL_IS_NULL(v) ? NULL : v;
		}
	}
	return NULL;
}

int jt_str(struct jt *t, yajl_val v, char **out)
{
	char *s;

	if (!YAJL_IS_STRING(v))
		return jt_fail(t, "expected a string");
	s = strdup(v->u.string);
	if (!s)
		return err_set(t->e, ENOMEM, "%s", t->path);
	free(*out);
	*out = s;
	return 0;
}

int jt_bool(struct jt *t, yajl_val v, bool *out)
{
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return jt_fail(t, "expected a boolean");
	*out = YAJL_IS_TRUE(v);
	return 0;
}

/* Numbers are read from yajl's text so all of uint64 is representable. */
int jt_u64(struct jt *t, yajl_val v, uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long n;

	if (!YAJL_IS_NUMBER(v))
		return jt_fail(t, "expected a number");
	s = v->u.number.r;
	if (!s || *s < '0' || *s > '9')
		return jt_fail(t, "expected an unsigned integer");
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end)
		return jt_fail(t, "expected an unsigned integer");
	if (errno == ERANGE)
		return jt_fail(t, "number out of range");
	*out = n;
	return 0;
}

int jt_u32(struct jt *t, yajl_val v, uint32_t *out)
{
	uint64_t n;

	if (jt_u64(t, v, &n) < 0)
		return -1;
	if (n > UINT32_MAX)
		return jt_fail(t, "number out of range");
	*out = (uint32_t)n;
	return 0;
}

int jt_want_obj(struct jt *t, yajl_val v)
{
	return YAJL_IS_OBJECT(v) ? 0 : jt_fail(t, "expected an object");
}

int jt_want_arr(struct jt *t, yajl_val v)
{
	return YAJL_IS_ARRAY(v) ? 0 : jt_fail(t, "expected an array");
}

int jt_strv(struct jt *t, yajl_val v, struct strv *out)
{
	if (jt_want_arr(t, v) < 0)
		return -1;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val s = v->u.array.values[i];
		size_t m = jt_idx(t, i);
		if (!YAJL_IS_STRING(s))
			return jt_fail(t, "expected a string");
		if (strv_push(out, s->u.string) < 0)
			return err_set(t->e, ENOMEM, "%s", t->path);
		jt_pop(t, m);
	}
	return 0;
}

/* One body for the jt_opt_* family: look up, push the key, read, pop. */
#define JT_OPT(name, type, reader)                                             \
	int name(struct jt *t, yajl_val obj, const char *key, type *out)       \
	{                                                                      \
		yajl_val v = jt_get(obj, key);                                 \
		size_t m;                                                      \
		int r;                                                         \
		if (!v)                                                        \
			return 0;                                              \
		m = jt_key(t, key);                                            \
		r = reader(t, v, out);                                         \
		if (r == 0)                                                    \
			jt_pop(t, m);                                          \
		return r;                                                      \
	}

JT_OPT(jt_opt_str, char *, jt_str)
JT_OPT(jt_opt_bool, bool, jt_bool)
JT_OPT(jt_opt_u32, uint32_t, jt_u32)
JT_OPT(jt_opt_u64, uint64_t, jt_u64)
JT_OPT(jt_opt_strv, struct strv, jt_strv)

int jt_opt_array(struct jt *t, yajl_val obj, const char *key, size_t elsize,
		 void **arr, size_t *n, jt_elem_fn fn)
{
	yajl_val v = jt_get(obj, key);
	size_t m, cnt;

	if (!v)
		return 0;
	m = jt_key(t, key);
	if (jt_want_arr(t, v) < 0)
		return -1;
	cnt = v->u.array.len;
	if (cnt) {
		*arr = calloc(cnt, elsize);
		if (!*arr)
			return err_set(t->e, ENOMEM, "%s", t->path);
		*n = cnt;
	}
	for (size_t i = 0; i < cnt; i++) {
		size_t mi = jt_idx(t, i);
		if (fn(t, v->u.array.values[i], (char *)*arr + i * elsize) < 0)
			return -1;
		jt_pop(t, mi);
	}
	jt_pop(t, m);
	return 0;
}
