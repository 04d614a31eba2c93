/* imagesvc.c - the two hooks between the supervisor and the images
 * module (see imagesvc.h). */
#include "imagesvc.h"

#include <stdlib.h>

static image_resolve_fn resolver;
static image_in_use_fn in_use;
static image_pull_fn puller;
static image_ctr_fn ctr_lookup;

void imagesvc_set_ctr_lookup(image_ctr_fn fn)
{
	ctr_lookup = fn;
}

int imagesvc_ctr(const char *name, struct image_ctr *out, struct err *e)
{
	*out = (struct image_ctr){ 0 };
	if (!ctr_lookup)
		return err_setc(e, ERR_NOT_FOUND,
				"no such container: %s (this skiffd has no "
				"supervisor module)", name);
	return ctr_lookup(name, out, e);
}

void image_ctr_free(struct image_ctr *c)
{
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->upper);
	*c = (struct image_ctr){ 0 };
}

void imagesvc_set_puller(image_pull_fn fn)
{
	puller = fn;
}

int imagesvc_pull(const char *ref, image_pull_done_fn done, void *ctx,
		  struct err *e)
{
	if (!puller)
		return err_setc(e, ERR_NOT_FOUND,
				"no such image: %s (this skiffd has no images "
				"module)", ref);
	return puller(ref, done, ctx, e);
}

void imagesvc_set_resolver(image_resolve_fn fn)
{
	resolver = fn;
}

void imagesvc_set_in_use(image_in_use_fn fn)
{
	in_use = fn;
}

int imagesvc_resolve(const char *what, struct image_rootfs *out,
		     struct err *e)
{
	*out = (struct image_rootfs){ 0 };
	if (!resolver)
		return err_setc(e, ERR_NOT_FOUND,
				"no such image: %s (this skiffd has no images "
				"module)", what);
	return resolver(what, out, e);
}

bool imagesvc_in_use(const char *id)
{
	return in_use && in_use(id);
}

void image_rootfs_free(struct image_rootfs *r)
{
	free(r->ref);
	free(r->id);
	free(r->lowerdirs);
	free(r->config_json);
	*r = (struct image_rootfs){ 0 };
}
