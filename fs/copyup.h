/* copyup.h - Docker's copy-up: a new, empty volume starts with what the
 * image has at its path (owner and mode of the directory too). A volume
 * that is not empty, or an image path that is not a directory, is left
 * as it is. Blocks and changes its process's mount namespace: run it in
 * a helper process (core/helper), never in the daemon. */
#ifndef SKIFF_COPYUP_H
#define SKIFF_COPYUP_H

#include "../core/base/err.h"

struct copyup_vol {
	const char *dest; /* the path in the image */
	const char *data; /* the volume's directory on the host */
};

struct copyup_opts {
	const char *lower; /* the image's lowerdirs, topmost first */
	const char *dir;   /* a directory of the caller's (made if missing) */
	const char *mnt;   /* in dir: where the layers are mounted */
	const char *empty; /* in dir: an empty bottom layer */
	const struct copyup_vol *vols;
	int n;
};

int copyup_run(const struct copyup_opts *o, struct err *e);

#endif
