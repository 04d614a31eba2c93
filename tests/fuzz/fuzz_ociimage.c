/* fuzz_ociimage.c - libFuzzer target for the index, manifest and image
 * config parsers, sniffing and platform selection.
 *
 * Whatever parses must write back as JSON that parses again, and writing
 * that again must give the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/ociimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUNDTRIP(type, parse, write, freefn)                                  \
	do {                                                                   \
		type *a = NULL, *b = NULL;                                     \
		struct buf x = {0}, y = {0};                                   \
		if (parse(json, size, &a, &e) == 0) {                          \
			write(a, &x);                                          \
			if (parse(x.data, x.len, &b, &e) < 0)                  \
				abort();                                       \
			write(b, &y);                                          \
			if (x.len != y.len || memcmp(x.data, y.data, x.len))   \
				abort();                                       \
		}                                                              \
		freefn(a);                                                     \
		freefn(b);                                                     \
		buf_free(&x);                                                  \
		buf_free(&y);                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct err e = ERR_INIT;
	struct oci_index *idx = NULL;
	struct oci_platform p;
	enum oci_mt kind;
	size_t which;

	ociimage_sniff(json, size, MT_OCI_MANIFEST, &kind, &e);
	ROUNDTRIP(struct oci_manifest, ociimage_parse_manifest,
		  ociimage_write_manifest, ociimage_manifest_free);
	ROUNDTRIP(struct oci_index, ociimage_parse_index, ociimage_write_index,
		  ociimage_index_free);
	ROUNDTRIP(struct oci_imgcfg, ociimage_parse_config,
		  ociimage_write_config, ociimage_config_free);
	if (ociimage_parse_index(json, size, &idx, &e) == 0) {
		static const char *const want[] = {
		    "linux/amd64", "linux/arm/v7", "linux/arm64"};
		for (size_t i = 0; i < 3; i++) {
			if (ociimage_platform_parse(want[i], &p, &e) < 0)
				abort();
			if (ociimage_index_select(idx, &p, &which, &e) == 0 &&
			    which >= idx->n_manifests)
				abort();
			ociimage_platform_clear(&p);
		}
		ociimage_index_free(idx);
	}
	return 0;
}
