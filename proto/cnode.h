/* cnode.h - a compose file as a tree of typed nodes that know where they
 * came from.
 *
 * cnode_load() reads YAML with libfyaml's event parser into struct cnode:
 * scalars typed by YAML 1.2's core schema (null, bool, int, float, else a
 * string; quoted scalars and !!str are strings), mappings with unique
 * string keys in file order, sequences; anchors and aliases resolved
 * (an alias is a deep copy, capped by CNODE_MAX_NODES against alias
 * bombs) and merge keys (`<<: *a`, `<<: [*a, *b]`) applied as YAML's
 * merge type says. Every node, keys included, carries its file and its
 * 1-based line and column, so later stages (interpolation, the schema,
 * normalisation) can name them.
 *
 * A node owns its children and its strings. `file` points into a
 * struct cnode_files the caller keeps for as long as any node lives
 * (nodes are copied between files when several are merged). */
#ifndef SKIFF_CNODE_H
#define SKIFF_CNODE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "json.h"

#define CNODE_MAX_NODES 1000000 /* per document, aliases expanded */
#define CNODE_MAX_DEPTH 64
#define CNODE_MAX_BYTES (4u * 1024 * 1024) /* one compose file */

enum cnode_type { CN_NULL, CN_BOOL, CN_INT, CN_FLOAT, CN_STR, CN_MAP, CN_SEQ };

struct cnode {
	enum cnode_type t;
	bool plain; /* a plain scalar: typed again after interpolation */
	const char *file;
	int line, col;
	char *s; /* scalar text (every scalar type) */
	long long i;
	double d;
	bool b;
	size_t n, cap;
	struct cnode **k; /* CN_MAP: key nodes (CN_STR) */
	struct cnode **v; /* CN_MAP values, CN_SEQ items */
};

/* File names the nodes point to; freed last. */
struct cnode_files {
	char **v;
	size_t n;
};
const char *cnode_files_add(struct cnode_files *f, const char *name);
void cnode_files_free(struct cnode_files *f);

/* Parse len bytes of YAML named `file` (one document; an empty one is
 * CN_NULL). NULL with "file:line:col: why" in e on failure. */
struct cnode *cnode_load(struct cnode_files *files, const char *file,
			 const char *text, size_t len, struct err *e);

struct cnode *cnode_new(enum cnode_type t, const struct cnode *where);
struct cnode *cnode_new_str(const char *s, const struct cnode *where);
struct cnode *cnode_new_int(long long i, const struct cnode *where);
struct cnode *cnode_new_bool(bool b, const struct cnode *where);
void cnode_free(struct cnode *n);
struct cnode *cnode_copy(const struct cnode *n);
/* Type a plain scalar's text as YAML 1.2's core schema does. */
void cnode_type_plain(struct cnode *n);
/* Set a scalar's text (typed as plain when n->plain). */
void cnode_set_text(struct cnode *n, char *owned);

/* Mappings. get: NULL when absent. set: replaces or appends, takes val. */
struct cnode *cnode_get(const struct cnode *map, const char *key);
ssize_t cnode_find(const struct cnode *map, const char *key);
void cnode_set(struct cnode *map, const char *key, struct cnode *val);
/* Remove key (no-op when absent). */
void cnode_del(struct cnode *map, const char *key);
void cnode_push(struct cnode *seq, struct cnode *item);
/* Sort a mapping's keys bytewise (the order `config` prints). */
void cnode_sort(struct cnode *map);

/* "file:line:col" of a node, for messages. */
const char *cnode_where(const struct cnode *n, char *buf, size_t size);
/* The node as JSON (key NULL inside an array). */
void cnode_json(struct jw *w, const char *key, const struct cnode *n);
/* A scalar's text as a string ("" for null); NULL for collections. */
const char *cnode_text(const struct cnode *n);
bool cnode_equal(const struct cnode *a, const struct cnode *b);

#endif
