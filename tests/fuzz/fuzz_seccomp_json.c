/* fuzz_seccomp_json.c - libFuzzer target for Docker seccomp profiles.
 *
 * Parses with a fixed capability set; a parsed profile is written inside an
 * OCI spec and must parse back. */
#include <stdint.h>
#include <stdlib.h>

#include "../../proto/seccomp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *capv[] = {"CAP_CHOWN", "CAP_SYS_ADMIN"};
	struct strv caps = {capv, 2};
	struct seccomp_json_ctx ctx = {&caps, NULL, 6, 1};
	struct err e = ERR_INIT;
	struct oci_spec spec = {0}, *again = NULL;
	struct buf b = {0};

	if (seccomp_json_parse((const char *)data, size, &ctx, &spec.seccomp,
			       &e) < 0)
		return 0;
	ocispec_write(&spec, &b);
	if (ocispec_parse(b.data, b.len, &again, &e) < 0)
		abort();
	ocispec_free(again);
	ocispec_seccomp_free(spec.seccomp);
	buf_free(&b);
	return 0;
}
