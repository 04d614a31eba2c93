/* gotmpl.h - Go text/template (as Docker and podman accept it for
 * --format) over a yajl JSON tree.
 *
 * gotmpl_parse() compiles a template once; gotmpl_exec() applies it to one
 * JSON value and appends the text to a struct buf, so a caller renders many
 * objects with one parse. The language, the builtins and Docker's helpers
 * (json, join, split, upper, lower, title, truncate, pad) behave as in Go
 * 1.19's text/template over json.Unmarshal'd data, with one choice: a JSON
 * number that is an integer (fits int64, no '.', no exponent) is an int, so
 * it prints as 1234567 (as Docker's typed fields do) where Go's interface{}
 * float64 would give 1.234567e+06. Error messages read like Go's:
 *   template: :1: unexpected "}" in operand
 *   template: :1:6: executing "" at <.A.B>: nil pointer evaluating ...
 * A template owns its text and nodes; gotmpl_exec() allocates only scratch
 * memory that it frees before returning. No global state. */
#ifndef SKIFF_GOTMPL_H
#define SKIFF_GOTMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

struct gotmpl;

/* Compile len bytes of template text; NULL and e (class invalid) on a parse
 * error worded like Go's. */
struct gotmpl *gotmpl_parse(const char *text, size_t len, struct err *e);
void gotmpl_free(struct gotmpl *t);

/* Go's t.Option("missingkey=error"), as Docker's inspect sets it: a
 * field that names no key of a map fails ("map has no entry for key
 * \"Foo\"") instead of giving <no value>. */
void gotmpl_missingkey_error(struct gotmpl *t);

/* Apply t to dot (any yajl value; NULL is Go's nil). Appends to out; on an
 * execution error returns -1 with e set, and out keeps what was written
 * before the failing action (as Go's writer would). */
int gotmpl_exec(const struct gotmpl *t, yajl_val dot, struct buf *out,
		struct err *e);

/* Docker's --format preparation: *table tells whether the format begins
 * with "table" (then that word is cut); the result is trimmed of spaces and
 * the two-character sequences \t and \n become a tab and a newline.
 * Returns a malloc'd string. */
char *gotmpl_docker_format(const char *format, bool *table);

/* One known column header: the field path as written after the dot
 * ("Names", "Config.Image") and its title ("NAMES", "CONTAINER ID"). */
struct gotmpl_header {
	const char *field;
	const char *title;
};

/* Render the table's header row the way Docker does: t runs with the
 * header functions (json, join, split, upper, lower, title, truncate and
 * pad give back their first argument) over an object whose fields are
 * the titles. A field path not in hdr gets its last element upper-cased
 * (`{{.Config.Image}}` -> IMAGE). Appends to out. */
int gotmpl_exec_header(const struct gotmpl *t, const struct gotmpl_header *hdr,
		       size_t nhdr, struct buf *out, struct err *e);

/* Align tab-separated cells like Go's text/tabwriter with Docker's
 * settings (minwidth 10, tabwidth 1, padding 3, pad with spaces, no
 * flags): each tab-terminated cell is padded to its column block's width,
 * counted in UTF-8 characters; the text after a line's last tab is not.
 * Appends to out. */
void gotmpl_tabwrite(const char *in, size_t len, struct buf *out);

#endif
