/* fuzz_authcfg.c - libFuzzer target for proto/authcfg.c.
 *
 * Any bytes either parse or fail cleanly (leaving an empty list); what
 * parses has printable user names without ':' and is written back as a
 * file that parses to the same entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/authcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authcfg c, d;
	struct err e = ERR_INIT;
	struct buf b = { 0 };

	if (authcfg_parse((const char *)data, size, &c, &e) < 0) {
		if (c.n || c.v || !e.msg[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < c.n; i++)
		if (!*c.v[i].user || strchr(c.v[i].user, ':'))
			abort();
	authcfg_write(&c, &b);
	if (authcfg_parse(buf_head(&b), buf_used(&b), &d, &e) < 0 ||
	    d.n != c.n)
		abort();
	for (size_t i = 0; i < c.n; i++) {
		const struct authcfg_entry *x = authcfg_find(&d, c.v[i].key);
		if (!x || strcmp(x->user, c.v[i].user) ||
		    strcmp(x->password, c.v[i].password))
			abort();
	}
	authcfg_free(&c);
	authcfg_free(&d);
	buf_free(&b);
	return 0;
}
