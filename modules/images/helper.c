/* helper.c - what the images module's helpers (core/helper) share: the
 * chain unpack that pull and load run, and the end of a streamed reply. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/daemon.h"
#include "../../fs/layers.h"
#include "images.h"


static void unpacked(size_t i, void *ctx)
{
	dprintf(1, "unpacked %zu\n", i);
}

/* In a helper (pull and load share this): fs/layers does the work;
 * "unpacked I" on stdout after each new layer. */
int img_unpack_chain(struct blobstore *bs, const char *layers, size_t n,
		     const struct oci_desc *desc, char (*chain)[DIGEST_STR_MAX],
		     const struct strv *diff_ids, struct err *e)
{
	return layers_unpack_chain(&(struct layers_chain){ .bs = bs,
							   .layers = layers,
							   .n = n,
							   .desc = desc,
							   .chain = chain,
							   .diff_ids = diff_ids,
							   .progress = unpacked },
				   e);
}

enum ctl_produce img_stream_end(bool finished, const struct err *why,
				struct err *e)
{
	if (!finished)
		return CTL_MORE;
	if (why->msg[0]) {
		*e = *why;
		return CTL_FAIL;
	}
	return CTL_DONE;
}
