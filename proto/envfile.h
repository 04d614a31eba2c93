/* envfile.h - Docker's --env-file format, read by the skiff CLI.
 *
 * One variable per line: KEY=VALUE (the value verbatim, up to the end of
 * the line, no quotes processed), or a bare KEY that takes its value from
 * the caller's environment (left out when it has none there). Leading
 * blanks of a line are skipped; blank lines and lines starting with `#`
 * are comments; a UTF-8 byte order mark at the start is ignored. A name
 * must be non-empty and hold no blank; NUL bytes and invalid UTF-8 are
 * refused. Errors name the file and line ("vars.env:3: ..."). */
#ifndef SKIFF_ENVFILE_H
#define SKIFF_ENVFILE_H

#include <stddef.h>

#include "../core/base/err.h"

#define ENVFILE_MAX (1024 * 1024) /* bytes of one file */

/* The variables, as "KEY=VALUE" strings in file order; owned. */
struct envfile {
	char **v;
	size_t n;
};

/* Parse text[0..len), the contents of `file` (for messages). lookup(name, ctx)
 * gives a bare KEY's value or NULL (getenv-like; may be NULL for "never set").
 * Appends to out, which the caller frees with envfile_free() whether or not
 * this failed. */
int envfile_parse(const char *file, const char *text, size_t len,
		  const char *(*lookup)(const char *name, void *ctx), void *ctx,
		  struct envfile *out, struct err *e);
void envfile_free(struct envfile *f);

#endif
