/* fuzz_noproxy.c - libFuzzer target for NO_PROXY lists (proto/noproxy.c).
 *
 * Input: the list, a NUL, the host. Any bytes are matched without a crash
 * or a read past either string; "*" always matches, an empty list matches
 * only loopback names and addresses, and a host always matches a list
 * made of itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/noproxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 2), *host;
	const char *nul;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = '\0';
	nul = memchr(copy, '\0', size + 1);
	host = (char *)nul + 1;
	(void)noproxy_match(copy, host, 443);
	if (!noproxy_match("*", host, 80))
		abort();
	if (*host && *host != '.' && !strpbrk(host, ",/:[] \t") &&
	    strlen(host) < 200 &&
	    !noproxy_match(host, host, 80))
		abort();
	free(copy);
	return 0;
}
