/* imginspect.c - `image inspect` in the Docker Engine API's schema (GET
 * /images/{name}/json, API 1.41, as Docker 20.10 writes it): Id,
 * RepoTags, RepoDigests, Created, Config in container.Config's shape,
 * Architecture, Os, Size, GraphDriver, RootFS, Metadata, so
 * `image inspect -f '{{.Config.Cmd}}'` and scripts reading the JSON run
 * unchanged.
 *
 * What Docker has and skiff does not know is zero ("" or null), never
 * invented: RepoDigests is empty (skiff does not record which names came
 * from a registry), Metadata.LastTagTime is Go's zero time, Size is the
 * sum of the layer blobs as `images` counts it. skiff's own facts (the
 * manifest's digest and media type, the manifest and config documents
 * as stored) are under "Skiff". Reads a manifest and a config (small
 * files) on the loop; owns nothing beyond a call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/xalloc.h"
#include "../../fs/layers.h"
#include "../../proto/ociimage.h"
#include "images.h"

/* The members of Docker's container.Config, in its order; what the
 * image's config lacks is written as Docker writes Go's zero value. */
enum cfg_zero { Z_STR, Z_BOOL, Z_NULL, Z_OMIT };
static const struct {
	const char *key;
	enum cfg_zero zero;
} cfg_members[] = {
	{ "Hostname", Z_STR },	     { "Domainname", Z_STR },
	{ "User", Z_STR },	     { "AttachStdin", Z_BOOL },
	{ "AttachStdout", Z_BOOL },  { "AttachStderr", Z_BOOL },
	{ "ExposedPorts", Z_OMIT },  { "Tty", Z_BOOL },
	{ "OpenStdin", Z_BOOL },     { "StdinOnce", Z_BOOL },
	{ "Env", Z_NULL },	     { "Cmd", Z_NULL },
	{ "Healthcheck", Z_OMIT },   { "ArgsEscaped", Z_OMIT },
	{ "Image", Z_STR },	     { "Volumes", Z_NULL },
	{ "WorkingDir", Z_STR },     { "Entrypoint", Z_NULL },
	{ "NetworkDisabled", Z_OMIT }, { "MacAddress", Z_OMIT },
	{ "OnBuild", Z_NULL },	     { "Labels", Z_NULL },
	{ "StopSignal", Z_OMIT },    { "StopTimeout", Z_OMIT },
	{ "Shell", Z_OMIT },
};

static yajl_val member(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };

	return obj ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

static const char *member_str(yajl_val obj, const char *key)
{
	yajl_val v = member(obj, key);

	return YAJL_IS_STRING(v) ? v->u.string : "";
}

/* Config: the image config's "config" object laid out as Docker's
 * container.Config (an empty string member stays as Docker keeps it). */
static void put_config(struct jw *w, const char *key, yajl_val c)
{
	jw_obj(w, key);
	for (size_t i = 0; i < ARRAY_SIZE(cfg_members); i++) {
		yajl_val v = member(c, cfg_members[i].key);
		if (v) {
			jw_tree(w, cfg_members[i].key, v);
			continue;
		}
		switch (cfg_members[i].zero) {
		case Z_STR:
			jw_str(w, cfg_members[i].key, "");
			break;
		case Z_BOOL:
			jw_bool(w, cfg_members[i].key, false);
			break;
		case Z_NULL:
			jw_null(w, cfg_members[i].key);
			break;
		case Z_OMIT:
			break;
		}
	}
	jw_end_obj(w);
}

/* RepoTags: every name of the image (entries with the same manifest), in
 * Docker's familiar form. */
static void put_tags(struct jw *w, const char *manifest)
{
	_cleanup_free_ struct img_entry *all = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;

	jw_arr(w, "RepoTags");
	if (img_list(&all, &n, &e) == 0)
		for (size_t i = 0; i < n; i++) {
			char fam[REF_STR_MAX];
			struct ref r;
			if (all[i].dangling || strcmp(all[i].manifest, manifest) ||
			    ref_parse(all[i].ref, 0, &r, &e) < 0) {
				err_clear(&e);
				continue;
			}
			ref_familiar(&r, fam, sizeof(fam));
			jw_vstr(w, fam);
		}
	jw_end_arr(w);
}

/* GraphDriver: the unpacked layers skiff's overlay mounts, Docker's
 * overlay2 keys (UpperDir the top layer, LowerDir the rest, top first);
 * an image has no merged or work dir of its own. */
static void put_graphdriver(struct jw *w, const struct strv *diff_ids)
{
	char (*chain)[DIGEST_STR_MAX] = xcalloc(diff_ids->n + 1,
						sizeof(*chain));
	struct buf lower = { 0 };
	char *upper;

	layers_chain_ids(diff_ids, chain);
	jw_obj(w, "GraphDriver");
	jw_obj(w, "Data");
	for (size_t i = diff_ids->n - 1; i-- > 0;)
		buf_printf(&lower, "%s%s/%s", buf_used(&lower) ? ":" : "",
			   images.layers, digest_hex(chain[i]));
	if (buf_used(&lower))
		jw_strn(w, "LowerDir", buf_head(&lower), buf_used(&lower));
	if (diff_ids->n) {
		upper = xasprintf("%s/%s", images.layers,
				  digest_hex(chain[diff_ids->n - 1]));
		jw_str(w, "UpperDir", upper);
		free(upper);
	}
	jw_end_obj(w);
	jw_str(w, "Name", "overlay");
	jw_end_obj(w);
	buf_free(&lower);
	free(chain);
}

/* The documents of one image, parsed as trees and as structs. */
struct img_docs {
	struct img_entry en;
	struct oci_manifest *m;
	struct oci_imgcfg *cfg;
	yajl_val mv, cv; /* the manifest and the config as stored */
};

static void docs_free(struct img_docs *d)
{
	ociimage_manifest_free(d->m);
	ociimage_config_free(d->cfg);
	yajl_tree_free(d->mv);
	yajl_tree_free(d->cv);
}

static yajl_val parse_tree(struct buf *b, const char *what, struct err *e)
{
	char ebuf[128];
	yajl_val v;

	buf_append(b, "", 1);
	v = yajl_tree_parse(buf_head(b), ebuf, sizeof(ebuf));
	if (!v)
		err_setc(e, ERR_INTERNAL, "%s: %s", what, ebuf);
	return v;
}

static int docs_load(const char *what, struct img_docs *d, struct err *e)
{
	struct buf man = { 0 }, cfg = { 0 };
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (img_lookup(what, &d->en, e) < 0 ||
	    img_manifest(&d->en, &d->m, e) < 0 ||
	    blobstore_read(images.bs, d->en.manifest, IMG_DOC_MAX, &man, e) <
		    0 ||
	    blobstore_read(images.bs, d->m->config.digest, IMG_DOC_MAX, &cfg,
			   e) < 0 ||
	    ociimage_parse_config(buf_head(&cfg), buf_used(&cfg), &d->cfg, e) <
		    0)
		goto out;
	d->mv = parse_tree(&man, "manifest", e);
	d->cv = d->mv ? parse_tree(&cfg, "config", e) : NULL;
	rc = d->cv ? 0 : -1;
out:
	buf_free(&man);
	buf_free(&cfg);
	return rc;
}

static void put_skiff(struct jw *w, const struct img_docs *d)
{
	jw_obj(w, "Skiff");
	jw_str(w, "Name", d->en.dangling ? "" : d->en.ref);
	jw_bool(w, "Dangling", d->en.dangling);
	jw_str(w, "ManifestDigest", d->en.manifest);
	jw_str(w, "MediaType", d->en.media_type);
	jw_tree(w, "Manifest", d->mv);
	jw_tree(w, "Config", d->cv);
	jw_end_obj(w);
}

static void put_image(struct jw *w, const struct img_docs *d)
{
	uint64_t size = 0;

	for (size_t k = 0; k < d->m->n_layers; k++)
		size += d->m->layers[k].size;
	jw_str(w, "Id", d->m->config.digest);
	put_tags(w, d->en.manifest);
	jw_arr(w, "RepoDigests");
	jw_end_arr(w);
	jw_str(w, "Parent", "");
	jw_str(w, "Comment", member_str(d->cv, "comment"));
	jw_str(w, "Created", d->cfg->created ? d->cfg->created
					     : "0001-01-01T00:00:00Z");
	jw_str(w, "Container", member_str(d->cv, "container"));
	if (member(d->cv, "container_config"))
		put_config(w, "ContainerConfig",
			   member(d->cv, "container_config"));
	jw_str(w, "DockerVersion", member_str(d->cv, "docker_version"));
	jw_str(w, "Author", d->cfg->author ? d->cfg->author : "");
	put_config(w, "Config", member(d->cv, "config"));
	jw_str(w, "Architecture", d->cfg->architecture ? d->cfg->architecture
							: "");
	if (d->cfg->variant && *d->cfg->variant)
		jw_str(w, "Variant", d->cfg->variant);
	jw_str(w, "Os", d->cfg->os ? d->cfg->os : "");
	if (d->cfg->os_version && *d->cfg->os_version)
		jw_str(w, "OsVersion", d->cfg->os_version);
	jw_uint(w, "Size", size);
	jw_uint(w, "VirtualSize", size);
	put_graphdriver(w, &d->cfg->diff_ids);
	jw_obj(w, "RootFS");
	jw_str(w, "Type", "layers");
	jw_arr(w, "Layers");
	for (size_t k = 0; k < d->cfg->diff_ids.n; k++)
		jw_vstr(w, d->cfg->diff_ids.v[k]);
	jw_end_arr(w);
	jw_end_obj(w);
	jw_obj(w, "Metadata");
	jw_str(w, "LastTagTime", "0001-01-01T00:00:00Z");
	jw_end_obj(w);
	put_skiff(w, d);
}

/* One data line per image, in the order asked; the first that cannot be
 * read ends the reply with its error (Docker's "No such image"). */
static int do_inspect(struct ctl_req *r, void *args, struct err *e)
{
	char **argv = ctl_req_argv(r);

	for (int i = 0; i < ctl_req_argc(r); i++) {
		struct img_docs d;
		struct jw w;

		if (docs_load(argv[i], &d, e) < 0) {
			docs_free(&d);
			return -1;
		}
		ctl_req_json(r, &w);
		put_image(&w, &d);
		jw_close(&w);
		docs_free(&d);
	}
	return 0;
}

const struct command img_cmd_inspect = { "image-inspect", do_inspect };
