/* fuzz_wwwauth.c - libFuzzer target for proto/wwwauth.c.
 *
 * Any bytes (cut at the first NUL, as a header is a C string here) either
 * parse or fail cleanly; what parses has at least one challenge with a
 * non-empty scheme, and a token URL built from a Bearer challenge starts
 * with its realm and has no byte a URL may not hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/wwwauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1);
	struct wwwauth w;
	struct err e = ERR_INIT;
	struct buf url = { 0 };

	if (!h)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	if (wwwauth_parse(h, &w, &e) == 0) {
		if (!w.n)
			abort();
		for (size_t i = 0; i < w.n; i++) {
			if (!w.v[i].scheme || !*w.v[i].scheme)
				abort();
			if (w.v[i].token68 && w.v[i].nparams)
				abort();
			buf_reset(&url);
			if (wwwauth_token_url(&w.v[i], NULL, &url, &e) == 0) {
				const char *realm =
				    wwwauth_param(&w.v[i], "realm");
				if (buf_used(&url) < strlen(realm) ||
				    memcmp(buf_head(&url), realm, strlen(realm)))
					abort();
				for (size_t k = 0; k < buf_used(&url); k++)
					if ((unsigned char)buf_head(&url)[k] <= ' ')
						abort();
			}
		}
	} else if (!e.msg[0]) {
		abort(); /* a refusal always says why */
	}
	wwwauth_free(&w);
	buf_free(&url);
	free(h);
	return 0;
}
