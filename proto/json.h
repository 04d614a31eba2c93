/* json.h - NDJSON data lines built with yajl's generator.
 *
 * struct jw writes one JSON object straight into a struct buf through
 * yajl's print callback: jw_open(), then jw_str()/jw_int()/... pairs, then
 * jw_close() appends the LF. Strings that are not UTF-8 have their bad
 * bytes replaced by U+FFFD, as Docker does for container output. */
#ifndef SKIFF_JSON_H
#define SKIFF_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../core/base/buf.h"

struct jw {
	yajl_gen g;
	struct buf *out;
	struct buf scratch; /* for UTF-8 repair */
};

/* Start an object (a data line) appended to out. */
void jw_open(struct jw *w, struct buf *out);
/* Finish the object and append LF; frees the generator. */
void jw_close(struct jw *w);
/* Start a pretty-printing generator for a whole document (no LF rules). */
void jw_open_pretty(struct jw *w, struct buf *out);

void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_strn(struct jw *w, const char *key, const char *val, size_t len);
void jw_int(struct jw *w, const char *key, long long val);
void jw_uint(struct jw *w, const char *key, unsigned long long val);
void jw_double(struct jw *w, const char *key, double val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);
/* Nested containers; key may be NULL inside an array. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);
/* A parsed yajl tree re-emitted as the value of key (NULL in arrays). */
void jw_tree(struct jw *w, const char *key, yajl_val v);
/* Array element values (no key). */
void jw_vstr(struct jw *w, const char *val);
void jw_vint(struct jw *w, long long val);

#endif
