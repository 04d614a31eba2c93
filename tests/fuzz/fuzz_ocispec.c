/* fuzz_ocispec.c - libFuzzer target for ocispec_parse and ocispec_write.
 *
 * Whatever parses must write back as config.json that parses again. */
#include <stdint.h>
#include <stdlib.h>

#include "../../proto/ocispec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct oci_spec *s = NULL, *again = NULL;
	struct buf b = {0};

	if (ocispec_parse((const char *)data, size, &s, &e) < 0)
		return 0;
	ocispec_write(s, &b);
	if (ocispec_parse(b.data, b.len, &again, &e) < 0)
		abort();
	ocispec_free(again);
	ocispec_free(s);
	buf_free(&b);
	return 0;
}
