/* nat_fns.c - libnftables's calls, resolved on first use (see nat_fns.h). */
#include "nat_fns.h"

#include "../core/base/lazylib.h"

struct nat_fns nat_fns;

#define NAT_FN_NAME(f) #f,
static const char *const names[] = { NAT_FNS(NAT_FN_NAME) };
#undef NAT_FN_NAME

_Static_assert(sizeof(struct nat_fns) ==
		       sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "nat_fns is one pointer per name");

static struct lazylib lib = {
	.soname = "libnftables.so.1",
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.table = &nat_fns,
};

int nat_fns_load(struct err *e)
{
	return lazylib_load(&lib, e);
}
