/* helper.c - what the images module's helpers (core/helper) share: the
 * chain unpack that pull and load run, and the end of a streamed reply. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/daemon.h"
#include "../../fs/unpack.h"
#include "images.h"


/* In a helper: unpack each layer of a chain into LAYERS/<chain id hex>
 * (pull and load share this). Layers already unpacked (by an earlier
 * pull or load of an image sharing them) are kept; each new one must
 * give its config's diff_id, else its directory is removed and the
 * error names both. Writes "unpacked I" on stdout after each. */
int img_unpack_chain(struct blobstore *bs, const char *layers, size_t n,
		     const struct oci_desc *desc, char (*chain)[DIGEST_STR_MAX],
		     const struct strv *diff_ids, struct err *e)
{
	char dir[4096];

	for (size_t i = 0; i < n; i++) {
		struct unpack_opts o = { .media_type = desc[i].media_type,
					 .diff_id = diff_ids->v[i] };
		struct unpack_result r;
		int fd = -1;
		snprintf(dir, sizeof(dir), "%s/%s", layers,
			 digest_hex(chain[i]));
		if (access(dir, F_OK) == 0)
			continue;
		if (blobstore_open_blob(bs, desc[i].digest, &fd, e) < 0)
			return -1;
		if (unpack_layer(fd, dir, &o, &r, e) < 0) {
			close(fd);
			if (e->class == ERR_CONFLICT && access(dir, F_OK) == 0) {
				/* another pull or load unpacked (and
				 * checked) it */
				err_clear(e);
				continue;
			}
			return err_wrap(e, "layer %s", desc[i].digest);
		}
		close(fd);
		dprintf(1, "unpacked %zu\n", i);
	}
	return 0;
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
