/* imgcommit.h - a container's upper dir as a new layer on top of its
 * image, in an OCI layout content store: `commit`'s work, with no daemon.
 * Blocks: run it in a helper process (core/helper). */
#ifndef SKIFF_IMGCOMMIT_H
#define SKIFF_IMGCOMMIT_H

#include "../core/base/err.h"
#include "../proto/digest.h"

struct imgcommit_opts {
	const char *content;  /* the content store's root */
	const char *layers;   /* where unpacked layers live */
	const char *upper;    /* the container's overlay upper dir */
	const char *manifest; /* its image's manifest digest */
	const char *name;     /* the reference to name it by, or NULL: its id */
	const char *ctr;      /* for the history: "skiff commit CTR" */
	const char *message;  /* the history's comment, or NULL */
	const char *author;   /* the history's author, or NULL */
};

/* id gets the new image's id (its config's digest). */
int imgcommit_run(const struct imgcommit_opts *o, char id[DIGEST_STR_MAX],
		  struct err *e);

#endif
