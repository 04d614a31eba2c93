/* imagesvc.h - what the supervisor and the images module ask of each
 * other: two named service tables (core/service.h). This header is
 * theirs, not core's and not either module's (DESIGN.md 1); core knows
 * neither the names nor the words below.
 *
 * The images module offers IMAGES_SERVICE: an image reference (or id) to
 * the directories of its unpacked layers, topmost first and joined by ':'
 * (overlayfs's lowerdir), its image config (JSON text) and its id; and a
 * quiet pull (run/create of an image not here yet, as Docker does). The
 * supervisor offers CONTAINERS_SERVICE: does any container use this image
 * id (rmi refuses then)? and, for `commit`, a container's image and upper
 * dir. Either side may be absent (a build without the module): the
 * imagesvc_* calls below then say so. */
#ifndef SKIFF_IFACE_IMAGESVC_H
#define SKIFF_IFACE_IMAGESVC_H

#include <stdbool.h>
#include <stdlib.h>

#include "../../core/base/err.h"
#include "../../core/service.h"

struct image_rootfs {
	char *ref;	   /* the full reference it was found by, or NULL */
	char *id;	   /* "sha256:<config digest>" */
	char *lowerdirs;   /* "/var/lib/skiff/layers/<chain>:..." */
	char *config_json; /* the image config */
};

/* A container, for `commit`. */
struct image_ctr {
	char *id;	/* container id */
	char *name;	/* container name */
	char *image_id; /* "sha256:..." of the image it was made from */
	char *upper;	/* STATE/upper (may not exist: never started) */
};

/* Pull ref quietly; done runs once, from the loop, with NULL or why. */
typedef void (*image_pull_done_fn)(void *ctx, const struct err *e);

#define IMAGES_SERVICE "images"
struct images_service {
	int (*resolve)(const char *what, struct image_rootfs *out,
		       struct err *e);
	/* -1 with e set when it cannot start (then done never runs). */
	int (*pull)(const char *ref, image_pull_done_fn done, void *ctx,
		    struct err *e);
};

#define CONTAINERS_SERVICE "containers"
struct containers_service {
	/* The id of a container made from image id, or NULL. */
	const char *(*image_user)(const char *id);
	/* ERR_NOT_FOUND: no such container; ERR_INVALID: it was made from
	 * --rootfs, not an image. */
	int (*image_ctr)(const char *name, struct image_ctr *out,
			 struct err *e);
};

static inline void image_rootfs_free(struct image_rootfs *r)
{
	free(r->ref);
	free(r->id);
	free(r->lowerdirs);
	free(r->config_json);
	*r = (struct image_rootfs){ 0 };
}

static inline void image_ctr_free(struct image_ctr *c)
{
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->upper);
	*c = (struct image_ctr){ 0 };
}

/* ERR_NOT_FOUND when there is no such image (or no images module). */
static inline int imagesvc_resolve(const char *what, struct image_rootfs *out,
				   struct err *e)
{
	const struct images_service *s = service_get(IMAGES_SERVICE);

	*out = (struct image_rootfs){ 0 };
	if (!s)
		return err_setc(e, ERR_NOT_FOUND,
				"no such image: %s (this skiffd has no images "
				"module)", what);
	return s->resolve(what, out, e);
}

static inline int imagesvc_pull(const char *ref, image_pull_done_fn done,
				void *ctx, struct err *e)
{
	const struct images_service *s = service_get(IMAGES_SERVICE);

	if (!s)
		return err_setc(e, ERR_NOT_FOUND,
				"no such image: %s (this skiffd has no images "
				"module)", ref);
	return s->pull(ref, done, ctx, e);
}

/* The id of a container that uses image id ("" when none). */
static inline const char *imagesvc_user(const char *id)
{
	const struct containers_service *s = service_get(CONTAINERS_SERVICE);
	const char *c = s ? s->image_user(id) : NULL;

	return c ? c : "";
}

static inline bool imagesvc_in_use(const char *id)
{
	return *imagesvc_user(id) != '\0';
}

static inline int imagesvc_ctr(const char *name, struct image_ctr *out,
			       struct err *e)
{
	const struct containers_service *s = service_get(CONTAINERS_SERVICE);

	*out = (struct image_ctr){ 0 };
	if (!s)
		return err_setc(e, ERR_NOT_FOUND,
				"no such container: %s (this skiffd has no "
				"supervisor module)", name);
	return s->image_ctr(name, out, e);
}

#endif
