/* nlink_fns.c - libnl's calls, resolved on first use (see nlink_fns.h). */
#include "nlink_fns.h"

#include "../core/base/lazylib.h"

struct nlink_fns nlink_fns;

#define NLINK_FN_NAME(f) #f,
static const char *const names[] = { NLINK_FNS(NLINK_FN_NAME) };
#undef NLINK_FN_NAME

_Static_assert(sizeof(struct nlink_fns) ==
		       sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "nlink_fns is one pointer per name");

static struct lazylib lib = {
	.soname = "libnl-route-3.so.200",
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.table = &nlink_fns,
};

int nlink_fns_load(struct err *e)
{
	return lazylib_load(&lib, e);
}
