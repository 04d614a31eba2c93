/* jtree.h - typed reads from a yajl_tree document, errors naming the path.
 *
 * A struct jt carries the caller's struct err and the JSON path of the value
 * being read ("process.user.uid", "mounts[2].options[0]"). Readers check the
 * type, copy the value out (strings are strdup'd, the caller owns them) and
 * on failure fill the error as "PATH: expected a string". jt_parse() refuses
 * documents nested deeper than JT_MAX_DEPTH before yajl builds the tree, so
 * the recursive yajl_tree_free() stays shallow. */
#ifndef SKIFF_JTREE_H
#define SKIFF_JTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "../core/base/err.h"

#define JT_MAX_DEPTH 64

struct jt {
	struct err *e;
	size_t len;	/* current length of path */
	char path[256]; /* dotted path of the value being read */
};

/* A growable vector of owned strings. */
struct strv {
	char **v;
	size_t n;
};

void strv_free(struct strv *s);
/* Append a copy of str; returns -1 only on allocation failure. */
int strv_push(struct strv *s, const char *str);
bool strv_contains(const struct strv *s, const char *str);

/* Parse len bytes (no NUL needed) into a tree; NULL and e set on failure. */
yajl_val jt_parse(const char *json, size_t len, struct err *e);
void jt_init(struct jt *t, struct err *e);
/* Push ".key" or "[i]" onto the path; returns the old length for jt_pop. */
size_t jt_key(struct jt *t, const char *key);
size_t jt_idx(struct jt *t, size_t i);
void jt_pop(struct jt *t, size_t mark);
/* Fail with "PATH: what"; returns -1. */
int jt_fail(struct jt *t, const char *what);

/* Member of an object, NULL when absent or JSON null. */
yajl_val jt_get(yajl_val obj, const char *key);
/* Readers of the value v at the current path (v must be non-NULL). */
int jt_str(struct jt *t, yajl_val v, char **out);
int jt_bool(struct jt *t, yajl_val v, bool *out);
int jt_u64(struct jt *t, yajl_val v, uint64_t *out);
int jt_u32(struct jt *t, yajl_val v, uint32_t *out);
int jt_strv(struct jt *t, yajl_val v, struct strv *out);
int jt_want_obj(struct jt *t, yajl_val v);
int jt_want_arr(struct jt *t, yajl_val v);
/* Optional members: absent or null leaves *out untouched and returns 0. */
int jt_opt_str(struct jt *t, yajl_val obj, const char *key, char **out);
int jt_opt_bool(struct jt *t, yajl_val obj, const char *key, bool *out);
int jt_opt_u32(struct jt *t, yajl_val obj, const char *key, uint32_t *out);
int jt_opt_u64(struct jt *t, yajl_val obj, const char *key, uint64_t *out);
int jt_opt_strv(struct jt *t, yajl_val obj, const char *key, struct strv *out);

/* Reads one array element into a zeroed struct at elem. */
typedef int (*jt_elem_fn)(struct jt *t, yajl_val v, void *elem);
/* Optional array of objects: allocates *arr with one zeroed struct of elsize
 * per element, sets *n at once (so a partial result is freeable) and calls
 * fn for each with the path at "key[i]". */
int jt_opt_array(struct jt *t, yajl_val obj, const char *key, size_t elsize,
		 void **arr, size_t *n, jt_elem_fn fn);

#endif
