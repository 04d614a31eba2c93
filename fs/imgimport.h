/* imgimport.h - a rootfs tarball (plain, gzip or zstd) as a new
 * one-layer image in an OCI layout content store, its layer unpacked
 * under LAYERS/<diff_id hex>: `import`'s work, with no daemon. Blocks:
 * run it in a helper process (core/helper). */
#ifndef SKIFF_IMGIMPORT_H
#define SKIFF_IMGIMPORT_H

#include "../core/base/err.h"
#include "../proto/digest.h"

struct imgimport_opts {
	const char *content; /* the content store's root */
	const char *layers;  /* where unpacked layers live */
	const char *name;    /* the reference to name it by, or NULL: its id */
	const char *source;  /* for the history: "skiff import SOURCE" */
	const char *message; /* the history's comment, or NULL */
	int fd;		     /* the tarball, read to its end */
};

/* id gets the new image's id (its config's digest). */
int imgimport_run(const struct imgimport_opts *o, char id[DIGEST_STR_MAX],
		  struct err *e);

#endif
