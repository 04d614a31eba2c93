/* layers.c - unpacked layers by chain id (see layers.h). Owns nothing
 * but the fd of the blob being unpacked. */
#include "layers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/xalloc.h"
#include "unpack.h"

int layers_unpack_chain(const struct layers_chain *c, struct err *e)
{
	char dir[4096];

	for (size_t i = 0; i < c->n; i++) {
		struct unpack_opts o = { .media_type = c->desc[i].media_type,
					 .diff_id = c->diff_ids->v[i] };
		struct unpack_result r;
		int fd = -1;
		snprintf(dir, sizeof(dir), "%s/%s", c->layers,
			 digest_hex(c->chain[i]));
		if (access(dir, F_OK) == 0)
			continue;
		if (blobstore_open_blob(c->bs, c->desc[i].digest, &fd, e) < 0)
			return -1;
		if (unpack_layer(fd, dir, &o, &r, e) < 0) {
			close(fd);
			if (e->class == ERR_CONFLICT && access(dir, F_OK) == 0) {
				/* another pull or load unpacked (and
				 * checked) it */
				err_clear(e);
				continue;
			}
			return err_wrap(e, "layer %s", c->desc[i].digest);
		}
		close(fd);
		if (c->progress)
			c->progress(i, c->ctx);
	}
	return 0;
}

void layers_chain_ids(const struct strv *diff_ids, char (*out)[DIGEST_STR_MAX])
{
	for (size_t i = 0; i < diff_ids->n; i++) {
		char *s = NULL;
		if (!i) {
			snprintf(out[0], DIGEST_STR_MAX, "%s", diff_ids->v[0]);
			continue;
		}
		s = xasprintf("%s %s", out[i - 1], diff_ids->v[i]);
		digest_sha256(s, strlen(s), out[i]);
		free(s);
	}
}
