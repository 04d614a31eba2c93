/* curl_fns.c - libcurl's calls, resolved on first use (see curl_fns.h). */
#include "curl_fns.h"

#include "base/lazylib.h"

struct curl_fns curl_fns;

#define CURL_FN_NAME(f) #f,
static const char *const names[] = { CURL_FNS(CURL_FN_NAME) };
#undef CURL_FN_NAME

_Static_assert(sizeof(struct curl_fns) ==
		       sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "curl_fns is one pointer per name");

static struct lazylib lib = {
	.soname = "libcurl.so.4",
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.table = &curl_fns,
};

int curl_fns_load(struct err *e)
{
	return lazylib_load(&lib, e);
}

void curl_fns_unload(void)
{
	lazylib_unload(&lib);
}
