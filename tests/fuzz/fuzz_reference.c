/* fuzz_reference.c - libFuzzer target for ref_parse and digest_checkn.
 *
 * Whatever parses must print (canonical and familiar forms) as a reference
 * that parses again to the same canonical form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1024], out[REF_STR_MAX], again_s[REF_STR_MAX];
	struct err e = ERR_INIT;
	struct ref r, again;

	digest_checkn((const char *)data, size, NULL, &e);
	if (size >= sizeof(in) || memchr(data, '\0', size))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (ref_parse(in, size & 1 ? REF_NO_DEFAULT_TAG : 0, &r, &e) < 0)
		return 0;
	ref_string(&r, out, sizeof(out));
	if (ref_parse(out, REF_NO_DEFAULT_TAG, &again, &e) < 0)
		abort();
	ref_string(&again, again_s, sizeof(again_s));
	if (strcmp(out, again_s) != 0)
		abort();
	ref_familiar(&r, out, sizeof(out));
	if (ref_parse(out, REF_NO_DEFAULT_TAG, &again, &e) < 0)
		abort();
	ref_string(&again, out, sizeof(out));
	if (strcmp(out, again_s) != 0)
		abort();
	return 0;
}
