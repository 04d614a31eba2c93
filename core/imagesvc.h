/* imagesvc.h - what the supervisor and the images module ask of each
 * other, through core (modules never include each other's headers).
 *
 * The images module registers a resolver: an image reference (or id) to
 * the directories of its unpacked layers, topmost first and joined by ':'
 * (overlayfs's lowerdir), its image config (JSON text) and its id. The
 * supervisor registers a question: does any container use this image id
 * (rmi refuses then)? Either side may be absent (a build without the
 * module): the calls then say so. */
#ifndef SKIFF_IMAGESVC_H
#define SKIFF_IMAGESVC_H

#include <stdbool.h>

#include "base/err.h"

struct image_rootfs {
	char *ref;	   /* the full reference it was found by, or NULL */
	char *id;	   /* "sha256:<config digest>" */
	char *lowerdirs;   /* "/var/lib/skiff/layers/<chain>:..." */
	char *config_json; /* the image config */
};

typedef int (*image_resolve_fn)(const char *what, struct image_rootfs *out,
				struct err *e);
typedef bool (*image_in_use_fn)(const char *id);
/* Pull ref quietly; done runs once, from the loop, with NULL or why. */
typedef void (*image_pull_done_fn)(void *ctx, const struct err *e);
typedef int (*image_pull_fn)(const char *ref, image_pull_done_fn done,
			     void *ctx, struct err *e);

void imagesvc_set_resolver(image_resolve_fn fn);
void imagesvc_set_puller(image_pull_fn fn);
/* Start a pull (run/create of an image not here yet, as Docker does);
 * -1 with e set when it cannot start (then done never runs). */
int imagesvc_pull(const char *ref, image_pull_done_fn done, void *ctx,
		  struct err *e);
void imagesvc_set_in_use(image_in_use_fn fn);
/* ERR_NOT_FOUND when there is no such image (or no images module). */
int imagesvc_resolve(const char *what, struct image_rootfs *out,
		     struct err *e);
bool imagesvc_in_use(const char *id);
void image_rootfs_free(struct image_rootfs *r);

/* For `commit` (images module): a container's image and its overlay
 * upper dir (its changes), answered by the supervisor. */
struct image_ctr {
	char *id;	/* container id */
	char *name;	/* container name */
	char *image_id; /* "sha256:..." of the image it was made from */
	char *upper;	/* STATE/upper (may not exist: never started) */
};
typedef int (*image_ctr_fn)(const char *name, struct image_ctr *out,
			    struct err *e);
void imagesvc_set_ctr_lookup(image_ctr_fn fn);
/* ERR_NOT_FOUND: no such container (or no supervisor); ERR_INVALID: it
 * was made from --rootfs, not an image. */
int imagesvc_ctr(const char *name, struct image_ctr *out, struct err *e);
void image_ctr_free(struct image_ctr *c);

#endif
