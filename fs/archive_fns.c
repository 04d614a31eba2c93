/* archive_fns.c - libarchive's calls, resolved on first use (see
 * archive_fns.h). */
#include "archive_fns.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/base/lazylib.h"

struct archive_fns archive_fns;

#define ARCHIVE_FN_NAME(f) #f,
static const char *const names[] = { ARCHIVE_FNS(ARCHIVE_FN_NAME) };
#undef ARCHIVE_FN_NAME

_Static_assert(sizeof(struct archive_fns) ==
		       sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "archive_fns is one pointer per name");

static struct lazylib lib = {
	.soname = "libarchive.so.13",
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.table = &archive_fns,
};

int archive_fns_load(struct err *e)
{
	return lazylib_load(&lib, e);
}

/* Never loads: a process that chroot()ed into a container would dlopen
 * the container's library, so loading is explicit and comes first. */
const struct archive_fns *archive_fns_need(void)
{
	fprintf(stderr, "skiff: libarchive called before archive_fns_load\n");
	abort();
}
