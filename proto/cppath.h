/* cppath.h - the words of `skiff cp SRC DEST`, as Docker reads them.
 *
 * A word is "-" (a tar stream on the client's stdin or stdout),
 * CONTAINER:PATH (the part before the first ':' names a container when
 * it holds no '/' and the word does not start with '/' or '.'), or a
 * path on the client's side. A path is split into the directory that
 * holds the entry and the entry's name: "/a/b" -> "/a" + "b", "b" ->
 * "." + "b", "/" -> "/" + ".". A trailing '/' says the entry must be a
 * directory; a trailing "/." copies what is inside a directory rather
 * than the directory itself. A container path is always taken from the
 * container's root ("etc" is "/etc"). Shared by the CLI (which opens
 * the host side's directory) and skiffd (which resolves the container
 * side), so both read a word the same way. */
#ifndef SKIFF_CPPATH_H
#define SKIFF_CPPATH_H

#include <stdbool.h>

#include "../core/base/err.h"

struct cppath {
	char *container;     /* CONTAINER of CONTAINER:PATH, else NULL */
	char *parent;	     /* directory holding the entry */
	char *name;	     /* the entry's name in parent ("." = parent) */
	bool stream;	     /* the word "-" */
	bool trailing_slash; /* "a/b/": b must be a directory */
	bool contents;	     /* "a/b/.": what is inside b */
};

/* Parse word into *p (zeroed first; free with cppath_free even after a
 * failure). ERR_INVALID for an empty path or container name, a NUL-free
 * path ending in "..", or a path longer than 4095 bytes. */
int cppath_parse(const char *word, struct cppath *p, struct err *e);
void cppath_free(struct cppath *p);

#endif
