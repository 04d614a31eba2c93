/* layers.h - a store of unpacked layers, LAYERS/<chain id hex>, one
 * directory per chain id (OCI image spec), filled from a content store.
 * Blocks: run it in a helper process (core/helper). */
#ifndef SKIFF_LAYERS_H
#define SKIFF_LAYERS_H

#include <stddef.h>

#include "../core/base/err.h"
#include "../proto/digest.h"
#include "../proto/jtree.h"
#include "../proto/ociimage.h"
#include "blobstore.h"

struct layers_chain {
	struct blobstore *bs;		/* where the layer blobs are */
	const char *layers;		/* LAYERS */
	size_t n;			/* layers, base first */
	const struct oci_desc *desc;	/* each layer's blob */
	char (*chain)[DIGEST_STR_MAX];	/* each layer's chain id */
	const struct strv *diff_ids;	/* each layer's diff_id */
	void (*progress)(size_t i, void *ctx); /* after each new one */
	void *ctx;
};

/* Unpack each layer of the chain not yet there. Layers already unpacked
 * (by an earlier pull or load of an image sharing them) are kept; each
 * new one must give its config's diff_id, else its directory is removed
 * and the error names both. */
int layers_unpack_chain(const struct layers_chain *c, struct err *e);

/* Layer i's chain id (OCI image spec): diff_ids[0], then
 * sha256(chain[i-1] + " " + diff_ids[i]). out gets n digests. */
void layers_chain_ids(const struct strv *diff_ids,
		      char (*out)[DIGEST_STR_MAX]);

#endif
