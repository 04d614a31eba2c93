/* lazylib.h - a shared library opened on first use, not at exec.
 *
 * skiffd's idle footprint is mostly the clean pages of libraries it maps at
 * start. A big library used only on some paths (libcurl with its TLS and
 * auth stacks for registry traffic, libarchive with libxml2 and ICU for
 * tar streams) is not linked: its header declares a table of function
 * pointers (struct of `__typeof__(fn) *fn;`, in a fixed order) and macros
 * that route each call through the table, and the first user calls
 * lazylib_load(), which dlopen()s the soname and fills the table by name.
 * A helper process forked from skiffd loads it in the helper only, so the
 * daemon never maps it (see fs/archive_fns.h, core/curl_fns.h). */
#ifndef SKIFF_LAZYLIB_H
#define SKIFF_LAZYLIB_H

#include <stddef.h>

#include "err.h"

struct lazylib {
	const char *soname;	  /* "libcurl.so.4" */
	const char *const *names; /* symbol names, in the table's order */
	size_t n;
	void *table; /* n function pointers, filled by lazylib_load */
	void *handle;
};

/* Open l->soname and resolve every name (once); 0, or -1 with e naming the
 * library or the symbol that is missing (then the table stays empty). */
int lazylib_load(struct lazylib *l, struct err *e);
/* dlclose it and empty the table (no call through it may follow before
 * the next lazylib_load). */
void lazylib_unload(struct lazylib *l);

#endif
