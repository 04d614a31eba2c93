/* ssl_fns.c - libssl's calls, resolved on first use (see ssl_fns.h). */
#include "ssl_fns.h"

#include <stdio.h>

#include "lazylib.h"

struct ssl_fns ssl_fns;

#define SSL_FN_NAME(f) #f,
static const char *const names[] = { SSL_FNS(SSL_FN_NAME) };
#undef SSL_FN_NAME

_Static_assert(sizeof(struct ssl_fns) ==
		       sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "ssl_fns is one pointer per name");

static struct lazylib lib = {
	.soname = "libssl.so.3",
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.table = &ssl_fns,
};

int ssl_fns_load(struct err *e)
{
	return lazylib_load(&lib, e);
}

const char *ssl_fns_error(char *buf, size_t len)
{
	unsigned long code = ERR_get_error();

	buf[0] = '\0';
	if (code) {
		const char *r = ERR_reason_error_string(code);
		snprintf(buf, len, "%s", r ? r : "TLS error");
	}
	ERR_clear_error();
	return buf;
}
