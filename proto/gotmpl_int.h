/* gotmpl_int.h - the parse tree, values and execution state shared by
 * gotmpl_parse.c, gotmpl_exec.c and gotmpl_funcs.c (not a public API).
 *
 * Nodes mirror Go's text/template/parse nodes. Every node belongs to the
 * template (one malloc'd array of node pointers freed by gotmpl_free);
 * strings in nodes are NUL-terminated copies owned by the template.
 * Values (struct gv) borrow: strings point into the yajl tree, the
 * template, or the execution's scratch arena. */
#ifndef SKIFF_GOTMPL_INT_H
#define SKIFF_GOTMPL_INT_H

#include <stdint.h>

#include "gotmpl.h"

enum gn_type {
	GN_LIST,
	GN_TEXT,
	GN_ACTION,
	GN_IF,
	GN_WITH,
	GN_RANGE,
	GN_BREAK,
	GN_CONTINUE,
	GN_PIPE,
	GN_CMD,
	GN_FIELD,    /* .A.B: idents */
	GN_VARIABLE, /* $x.A: idents[0] is "$x" */
	GN_CHAIN,    /* (pipe).A or x.A: sub, idents */
	GN_IDENT,    /* function name */
	GN_DOT,
	GN_NIL,
	GN_BOOL,
	GN_NUMBER,
	GN_STRING,
};

struct gn {
	enum gn_type type;
	size_t pos;	     /* byte offset in the template text */
	struct gn **kids;    /* list items, pipe commands, command args */
	size_t nkids;
	char **idents;	     /* field/variable/chain names; pipe decls */
	size_t nidents;
	struct gn *pipe;     /* action, if, with, range */
	struct gn *list;     /* if, with, range body */
	struct gn *elselist; /* if, with, range */
	struct gn *sub;	     /* chain: the node before the fields */
	bool is_assign;	     /* pipe: '=' rather than ':=' */
	bool b;		     /* bool */
	bool is_int, is_float; /* number */
	bool float_syntax;     /* number written with . e or p: a float64 */
	bool is_uint;	       /* fits uint64 but not int64 */
	int64_t i;
	double f;
	char *text; /* text, number/string source, ident */
	char *sval; /* string: the unquoted value */
	size_t len; /* text, sval length */
};

struct gotmpl {
	char *src; /* the template text, NUL-terminated */
	size_t srclen;
	struct gn *root;
	struct gn **nodes; /* every node, for freeing */
	size_t nnodes, capnodes;
	bool missingkey_error; /* Go's Option("missingkey=error") */
};

/* Node as Go's String() writes it (for "at <...>" in errors). */
void gn_string(const struct gn *n, struct buf *b);

enum gv_kind {
	GV_INVALID, /* Go's zero reflect.Value: <no value> */
	GV_NIL,	    /* a nil interface{} (JSON null inside a map or slice) */
	GV_BOOL,
	GV_INT,
	GV_FLOAT,
	GV_STR,
	GV_MAP,	 /* yajl object: map[string]interface {} */
	GV_ARR,	 /* yajl array (or a slice of it): []interface {} */
	GV_STRS, /* []string (split's result) */
};

struct gv_str {
	const char *p;
	size_t n;
};

struct gv {
	enum gv_kind k;
	bool iface; /* still wrapped in interface{} (a map/slice element) */
	bool u8;    /* GV_INT that is a byte of a string (Go's uint8) */
	union {
		bool b;
		int64_t i;
		double f;
		struct gv_str s;
		struct {
			yajl_val j;
			size_t off, n; /* GV_ARR window; GV_MAP n = size */
		} a;
		struct {
			struct gv_str *v;
			size_t n;
		} sv;
	};
};

/* One scratch allocation of an execution, freed at its end. */
struct gx_blk {
	struct gx_blk *next;
	max_align_t data[];
};

struct gx_var {
	const char *name;
	struct gv v;
};

struct gx {
	const struct gotmpl *t;
	struct buf *out;
	struct err *e;
	const struct gn *at; /* the node an error names */
	struct gx_blk *blks;
	size_t scratch; /* bytes in blks */
	struct gx_var *vars; /* inl until it outgrows it */
	size_t nvars, capvars;
	struct gx_var inl[8];
	bool header; /* rendering a table header */
	const struct gotmpl_header *hdr;
	size_t nhdr;
	int depth;
};

/* Scratch memory that lives until the execution ends; aborts on OOM. */
void *gx_alloc(struct gx *x, size_t n);
struct gv_str gx_strdup(struct gx *x, const char *p, size_t n);
/* Fail with Go's exec wording at x->at; returns -1. */
int gx_fail(struct gx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Value helpers. */
struct gv gv_from_json(yajl_val j, bool iface);
/* Go's type name of v ("string", "map[string]interface {}", ...). */
const char *gv_type(const struct gv *v);
/* Drop the interface wrapper: a nil interface becomes invalid. */
struct gv gv_indirect(struct gv v);
bool gv_truth(const struct gv *v);
/* Elements of an array-like value, keys of a map in Go's sorted order. */
size_t gv_len(const struct gv *v);
struct gv gv_index(const struct gv *v, size_t i);
/* Sorted member indices of a GV_MAP (allocated in x's scratch). */
size_t *gv_map_order(struct gx *x, yajl_val obj);
/* Each element of a map (in Go's key order, with its key) or of an
 * array-like value (key NULL), with its index: one walk for fmt's %v,
 * fmt.Print and encoding/json. */
typedef void (*gv_elem_fn)(size_t i, const char *key, const struct gv *e,
			   void *ctx);
void gv_each(const struct gv *v, gv_elem_fn fn, void *ctx);
/* fmt.Print of one value (%v). */
void gv_print(const struct gv *v, struct buf *b);
/* Go's %v of a float64. */
void gv_fmt_float(double f, struct buf *b);
/* encoding/json of v (no HTML escaping), as Docker's json helper. */
void gv_json(const struct gv *v, struct buf *b);

/* Go's strconv.Quote into b; Unquote of a "..." `...` literal (-1 if
 * malformed); UnquoteChar of a '.' literal (-1 bad escape or empty, -2
 * more than one character). */
void gv_quote(const char *s, size_t n, struct buf *b);
/* QuoteToASCII when ascii (printf's %+q). */
void gv_quote_ascii(const char *s, size_t n, bool ascii, struct buf *b);
int gv_unquote(const char *s, size_t n, struct buf *b);
int gv_unquote_char(const char *s, size_t n, int32_t *r);

/* UTF-8: the valid sequence at s (0 if invalid) and its code point;
 * gv_utf8_len() is 1 for an invalid byte, as Go's range over a string. */
size_t gv_utf8(const unsigned char *s, size_t n, uint32_t *cp);
size_t gv_utf8_len(const char *s, size_t n);
bool gv_printable(uint32_t c);

/* gotmpl_fmt.c: fmt.Sprintf of args; strings.ToUpper ('U'), ToLower
 * ('L') and Title ('T'); the js escaper's treatment of one non-ASCII
 * rune at s (returns the bytes used). */
void gx_sprintf(const char *f, size_t n, struct gv *args, size_t nargs,
		struct buf *b);
void gv_case(const char *s, size_t n, int mode, struct buf *b);
/* Append code point c as UTF-8. */
void gv_put_rune(uint32_t c, struct buf *b);
size_t gv_js_rune(const char *s, size_t n, struct buf *b);

/* Builtins and Docker's helpers (gotmpl_funcs.c). A function gets the
 * evaluated, type-checked arguments (a pipeline's final value last) and
 * returns 0 with *res, or -1 with the reason (Go's error text, without
 * "error calling NAME: ") in msg. */
struct gx_func;
const struct gx_func *gx_func_find(const char *name);
const struct gx_func *gx_func_find_n(const char *name, size_t len);
bool gx_func_is(const struct gx_func *f, const char *name);
/* Is f one of Docker's HeaderFunctions (identity in a table header)? */
bool gx_func_header(const struct gx_func *f);
int gx_func_call(struct gx *x, const struct gx_func *f, struct gv *args,
		 size_t nargs, struct gv *res, char *msg, size_t msglen);
/* Fixed argument count, or -1 when variadic with at least *min. */
int gx_func_arity(const struct gx_func *f, int *min);
/* Go parameter type of argument i: 's' string, 'i' int, 'S' []string,
 * 'v' interface{}, 'r' reflect.Value. */
char gx_func_argtype(const struct gx_func *f, size_t i);

#endif
