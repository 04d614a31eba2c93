/* dns_fns.c - ldns's calls, resolved on first use (see dns_fns.h). */
#include "dns_fns.h"

#include "../core/base/lazylib.h"

struct dns_fns dns_fns;

#define DNS_FN_NAME(f) #f,
static const char *const names[] = { DNS_FNS(DNS_FN_NAME) };
#undef DNS_FN_NAME

_Static_assert(sizeof(struct dns_fns) ==
		       sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "dns_fns is one pointer per name");

static struct lazylib lib = {
	.soname = "libldns.so.3",
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.table = &dns_fns,
};

int dns_fns_load(struct err *e)
{
	return lazylib_load(&lib, e);
}
