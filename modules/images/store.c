/* store.c - the images module: its state, `images`, `rmi` and the
 * module table entry (`image inspect` is imginspect.c).
 *
 * Reads of the layout (index.json, a manifest, a config: small files) are
 * done on the loop; `rmi` drops the reference and collects the blobs no
 * reference needs any more in a helper process, because both write and
 * fsync. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../core/diskuse.h"
#include "../iface/imagesvc.h"
#include "../../core/module.h"
#include "../../core/proc.h"
#include "../../fs/tree.h"
#include "../../fs/unpack.h"
#include "../../proto/ociimage.h"
#include "../../fs/layers.h"
#include "../../proto/units.h"
#include "images.h"
#include "../../core/base/xalloc.h"

struct images images;

/* ---- reading ---- */

int img_list(struct img_entry **out, size_t *n, struct err *e)
{
	struct oci_index *x = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (blobstore_index_load(images.bs, &x, e) < 0)
		return -1;
	*out = xcalloc(x->n_manifests ? x->n_manifests : 1, sizeof(**out));
	for (size_t i = 0; i < x->n_manifests; i++) {
		const char *name = ociimage_desc_annotation(&x->manifests[i],
							    ANNOT_REF_NAME);
		if (x->manifests[i].mt != OCI_MT_MANIFEST)
			continue; /* not one of ours to run */
		/* no name: a dangling image, listed by its manifest digest;
		 * "sha256:<id>" names are untagged images of older skiffs */
		(*out)[k].dangling = !name || !strncmp(name, "sha256:", 7);
		snprintf((*out)[k].ref, sizeof((*out)[k].ref), "%s",
			 name ? name : x->manifests[i].digest);
		snprintf((*out)[k].manifest, sizeof((*out)[k].manifest), "%s",
			 x->manifests[i].digest);
		snprintf((*out)[k].media_type, sizeof((*out)[k].media_type),
			 "%s", x->manifests[i].media_type);
		(*out)[k++].manifest_size = x->manifests[i].size;
	}
	*n = k;
	ociimage_index_free(x);
	return 0;
}

/* The image's config digest (its id) and parsed manifest. */
int img_manifest(const struct img_entry *en, struct oci_manifest **m,
		 struct err *e)
{
	struct buf b = { 0 };
	int rc;

	*m = NULL;
	if (blobstore_read(images.bs, en->manifest, IMG_DOC_MAX, &b, e) < 0)
		return -1;
	rc = ociimage_parse_manifest(buf_head(&b), buf_used(&b), m, e);
	buf_free(&b);
	return rc;
}

/* The config digest (image id) of an entry's manifest, or -1. */
static int img_id(const struct img_entry *en, char id[DIGEST_STR_MAX],
		  struct err *e)
{
	struct oci_manifest *m = NULL;

	if (img_manifest(en, &m, e) < 0)
		return -1;
	snprintf(id, DIGEST_STR_MAX, "%s", m->config.digest);
	ociimage_manifest_free(m);
	return 0;
}

int img_lookup(const char *what, struct img_entry *out, struct err *e)
{
	_cleanup_free_ struct img_entry *all = NULL;
	struct ref r;
	char full[REF_STR_MAX], id[DIGEST_STR_MAX], hit[DIGEST_STR_MAX] = "";
	const char *hex = what;
	size_t n;
	bool found = false;

	if (img_list(&all, &n, e) < 0)
		return -1;
	if (ref_parse(what, 0, &r, e) == 0) {
		ref_string(&r, full, sizeof(full));
		for (size_t i = 0; i < n; i++)
			if (!all[i].dangling && !strcmp(all[i].ref, full)) {
				*out = all[i];
				out->by_id = false;
				return 0;
			}
	}
	/* an image id (config digest), full or a unique hex prefix (any
	 * length, as Docker's); of the entries with that id a named one is
	 * preferred */
	err_clear(e);
	if (!strncmp(hex, "sha256:", 7))
		hex += 7;
	if (!*hex || strlen(hex) > 64 ||
	    strspn(hex, "0123456789abcdef") != strlen(hex))
		return err_setc(e, ERR_NOT_FOUND, "no such image: %s", what);
	for (size_t i = 0; i < n; i++) {
		if (img_id(&all[i], id, e) < 0) {
			err_clear(e);
			continue;
		}
		if (strncmp(digest_hex(id), hex, strlen(hex)))
			continue;
		if (*hit && strcmp(hit, id))
			return err_setc(e, ERR_CONFLICT,
					"image id prefix %s is ambiguous: it "
					"names several images (give more "
					"digits)", hex);
		snprintf(hit, sizeof(hit), "%s", id);
		if (!found || (out->dangling && !all[i].dangling))
			*out = all[i];
		found = true;
	}
	if (!found)
		return err_setc(e, ERR_NOT_FOUND, "no such image: %s", what);
	out->by_id = true;
	return 0;
}

/* ---- the rootfs of an image, for the supervisor (core/imagesvc) ---- */

static int img_resolve(const char *what, struct image_rootfs *out,
		       struct err *e)
{
	struct img_entry en;
	struct oci_manifest *m = NULL;
	struct oci_imgcfg *cfg = NULL;
	struct buf b = { 0 }, dirs = { 0 };
	char (*chain)[DIGEST_STR_MAX] = NULL;
	int rc = -1;

	if (img_lookup(what, &en, e) < 0 || img_manifest(&en, &m, e) < 0 ||
	    blobstore_read(images.bs, m->config.digest, IMG_DOC_MAX, &b, e) < 0 ||
	    ociimage_parse_config(buf_head(&b), buf_used(&b), &cfg, e) < 0)
		goto out;
	chain = xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
	layers_chain_ids(&cfg->diff_ids, chain);
	for (size_t i = cfg->diff_ids.n; i-- > 0;) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s", images.layers,
			 digest_hex(chain[i]));
		if (access(dir, F_OK) < 0) {
			err_setc(e, ERR_NOT_FOUND,
				 "image %s: layer %zu is not unpacked (pull it "
				 "again)", en.ref, i);
			goto out;
		}
		buf_printf(&dirs, "%s%s", buf_used(&dirs) ? ":" : "", dir);
	}
	if (!cfg->diff_ids.n) {
		err_setc(e, ERR_INVALID, "image %s has no layers", en.ref);
		goto out;
	}
	img_touch(en.ref);
	out->ref = xstrdup(en.dangling ? m->config.digest : en.ref);
	out->id = xstrdup(m->config.digest);
	out->lowerdirs = buf_take_str(&dirs);
	out->config_json = buf_take_str(&b);
	rc = 0;
out:
	free(chain);
	buf_free(&b);
	buf_free(&dirs);
	ociimage_manifest_free(m);
	ociimage_config_free(cfg);
	return rc;
}

/* ---- images ---- */

/* --filter reference=PATTERN: a glob on the familiar name[:tag], as
 * Docker matches it (name alone, or name:tag); a dangling image matches
 * no reference. dangling=true|false: only those without (with) a name. */
static bool filter_match(const struct img_entry *en, const struct strlist *f,
			 const char *repo)
{
	struct ref r;
	struct err e = ERR_INIT;
	char name[REF_STR_MAX] = "", full[REF_STR_MAX] = "";

	if (!en->dangling && ref_parse(en->ref, 0, &r, &e) == 0) {
		ref_familiar_name(&r, name, sizeof(name));
		ref_familiar(&r, full, sizeof(full));
	}
	/* `images REPOSITORY[:TAG]`: every tag of it, or that one */
	if (repo && (en->dangling || (strcmp(repo, name) && strcmp(repo, full))))
		return false;
	for (int i = 0; i < f->n; i++) {
		const char *pat = f->v[i] + strlen("reference=");
		if (!strncmp(f->v[i], "reference=", 10) &&
		    (en->dangling ||
		     (fnmatch(pat, name, 0) && fnmatch(pat, full, 0))))
			return false;
		if (!strcmp(f->v[i], "dangling=true") && !en->dangling)
			return false;
		if (!strcmp(f->v[i], "dangling=false") && en->dangling)
			return false;
	}
	return true;
}

static int check_filters(const struct strlist *f, struct err *e)
{
	for (int i = 0; i < f->n; i++)
		if (strncmp(f->v[i], "reference=", 10) &&
		    strcmp(f->v[i], "dangling=true") &&
		    strcmp(f->v[i], "dangling=false"))
			return err_setc(e, ERR_INVALID,
					"invalid filter \"%s\" (images takes "
					"reference=PATTERN, dangling=true or "
					"dangling=false)", f->v[i]);
	return 0;
}

/* One row of `images`. */
static void images_row(struct ctl_req *r, const struct images_args *a,
		       const struct img_entry *en,
		       const struct oci_manifest *m,
		       const struct oci_imgcfg *cfg)
{
	char name[REF_STR_MAX] = "<none>", id[80], t[64], sz[32];
	const char *tag = "<none>";
	int64_t created;
	uint64_t size = 0;
	struct ref ref;
	struct err e = ERR_INIT;
	struct jw w;

	for (size_t k = 0; k < m->n_layers; k++)
		size += m->layers[k].size;
	snprintf(id, sizeof(id), "%.*s", a->no_trunc ? 71 : 12,
		 a->no_trunc ? m->config.digest : digest_hex(m->config.digest));
	if (!en->dangling && ref_parse(en->ref, 0, &ref, &e) == 0) {
		ref_familiar_name(&ref, name, sizeof(name));
		tag = *ref.tag ? ref.tag : "<none>";
	}
	ctl_req_json(r, &w);
	if (a->quiet) {
		jw_str(&w, "ID", id);
		jw_close(&w);
		return;
	}
	/* the keys of Docker's `images --format`, in its {{json .}} order */
	created = units_parse_time(cfg->created);
	units_size((double)size, sz, sizeof(sz));
	jw_str(&w, "Containers", "N/A");
	units_time_text(created, t, sizeof(t));
	jw_str(&w, "CreatedAt", created ? t : "");
	units_ago(created, t, sizeof(t));
	jw_str(&w, "CreatedSince", created ? t : "N/A");
	jw_str(&w, "Digest", a->digests && *en->manifest ? en->manifest
							 : "<none>");
	jw_str(&w, "ID", id);
	jw_str(&w, "Repository", name);
	jw_str(&w, "SharedSize", "N/A");
	jw_str(&w, "Size", sz);
	jw_str(&w, "Tag", tag);
	jw_str(&w, "UniqueSize", "N/A");
	jw_str(&w, "VirtualSize", sz);
	jw_close(&w);
}

/* Named and dangling images alike (skiff has no intermediate images,
 * so -a shows what the plain listing shows, as Docker's does for
 * pulled images). */
static int do_images(struct ctl_req *r, void *args, struct err *e)
{
	const struct images_args *a = args;
	_cleanup_free_ struct img_entry *all = NULL;
	size_t n;

	if (check_filters(&a->filter, e) < 0 || img_list(&all, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct oci_manifest *m = NULL;
		struct oci_imgcfg *cfg = NULL;
		struct buf b = { 0 };

		if (!filter_match(&all[i], &a->filter,
				  ctl_req_argc(r) ? ctl_req_argv(r)[0] : NULL))
			continue;
		if (img_manifest(&all[i], &m, e) < 0 ||
		    blobstore_read(images.bs, m->config.digest, IMG_DOC_MAX, &b,
				   e) < 0 ||
		    ociimage_parse_config(buf_head(&b), buf_used(&b), &cfg, e) <
			0)
			log_warn("images: %s: %s", all[i].ref, e->msg);
		else
			images_row(r, a, &all[i], m, cfg);
		err_clear(e);
		ociimage_manifest_free(m);
		ociimage_config_free(cfg);
		buf_free(&b);
	}
	return 0;
}

/* ---- rmi: drop references, then collect unreferenced blobs ---- */

/* What one rmi step removes: a name, or a manifest's dangling entries. */
struct rmi_target {
	char *name;			/* NULL: the dangling entries */
	char manifest[DIGEST_STR_MAX];
	char id[DIGEST_STR_MAX];	/* the image id (config digest) */
	bool keep;			/* in use: untag, keep it dangling */
};

struct rmi_args_h {
	const char *content, *layers;
	bool gc, prune_ingest;
	const struct rmi_target *t;
	int n;
};

static int keep_blob(const char *digest, uint64_t size, void *ctx);

struct gc {
	struct blobstore *bs;
	char **live;
	size_t n, cap;
	size_t removed;
};

static void gc_keep(struct gc *g, const char *d)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->live = xrealloc(g->live, g->cap, sizeof(*g->live));
	}
	g->live[g->n++] = xstrdup(d);
}

static int keep_blob(const char *digest, uint64_t size, void *ctx)
{
	struct gc *g = ctx;
	struct err e = ERR_INIT;

	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->live[i], digest))
			return 0;
	if (blobstore_delete(g->bs, digest, &e) == 0)
		g->removed++;
	return 0;
}

/* In the helper: every blob that no index.json entry reaches goes. */
/* Unpacked layers no image needs, and temp dirs of unpacks that were
 * killed midway. */
static int gc_layers(struct gc *g, const char *layers, struct err *e)
{
	DIR *d = opendir(layers);
	struct dirent *de;

	if (!d)
		return err_set(e, errno, "open %s", layers);
	while ((de = readdir(d))) {
		char digest[DIGEST_STR_MAX];
		bool live = false;
		if (de->d_name[0] == '.')
			continue;
		snprintf(digest, sizeof(digest), "sha256:%.64s", de->d_name);
		for (size_t i = 0; i < g->n && !strchr(de->d_name, '.'); i++)
			live |= !strcmp(g->live[i], digest);
		if (!live && tree_remove(dirfd(d), de->d_name, e) == 0)
			g->removed++;
		err_clear(e);
	}
	closedir(d);
	return 0;
}

static int gc_run(struct blobstore *bs, const char *layers, struct err *e)
{
	struct gc g = { .bs = bs };
	struct oci_index *x = NULL;
	struct oci_imgcfg *cfg = NULL;
	int rc = -1;

	if (blobstore_index_load(bs, &x, e) < 0)
		return -1;
	for (size_t i = 0; i < x->n_manifests; i++) {
		struct buf b = { 0 };
		struct oci_manifest *m = NULL;
		gc_keep(&g, x->manifests[i].digest);
		if (blobstore_read(bs, x->manifests[i].digest, IMG_DOC_MAX, &b,
				   e) < 0 ||
		    ociimage_parse_manifest(buf_head(&b), buf_used(&b), &m, e) <
			0) {
			buf_free(&b);
			goto out; /* unsure what is live: delete nothing */
		}
		gc_keep(&g, m->config.digest);
		for (size_t k = 0; k < m->n_layers; k++)
			gc_keep(&g, m->layers[k].digest);
		buf_reset(&b);
		if (blobstore_read(bs, m->config.digest, IMG_DOC_MAX, &b, e) == 0 &&
		    ociimage_parse_config(buf_head(&b), buf_used(&b), &cfg, e) ==
			0) {
			char (*chain)[DIGEST_STR_MAX] =
			    xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
			layers_chain_ids(&cfg->diff_ids, chain);
			for (size_t k = 0; k < cfg->diff_ids.n; k++)
				gc_keep(&g, chain[k]);
			free(chain);
			ociimage_config_free(cfg);
			cfg = NULL;
		} else {
			ociimage_manifest_free(m);
			buf_free(&b);
			goto out; /* unsure what is live: delete nothing */
		}
		ociimage_manifest_free(m);
		buf_free(&b);
	}
	rc = blobstore_walk(bs, keep_blob, &g, e);
	if (rc == 0)
		rc = gc_layers(&g, layers, e);
	if (rc == 0)
		dprintf(1, "removed %zu\n", g.removed);
out:
	for (size_t i = 0; i < g.n; i++)
		free(g.live[i]);
	free(g.live);
	ociimage_index_free(x);
	return rc;
}

static int rmi_main(void *arg, struct err *e)
{
	const struct rmi_args_h *a = arg;
	struct blobstore *bs = NULL;
	size_t pruned = 0;

	if (blobstore_open(a->content, &bs, e) < 0)
		return -1;
	for (int i = 0; i < a->n; i++)
		if (a->t[i].name ? blobstore_index_untag(bs, a->t[i].name,
							 a->t[i].keep, e) < 0
				 : blobstore_index_drop(bs, a->t[i].manifest,
							e) < 0)
			return -1;
	if (a->gc && gc_run(bs, a->layers, e) < 0)
		return -1;
	/* image-prune: every partial download no pull is writing (its
	 * writer holds a lock on it) */
	if (a->prune_ingest &&
	    blobstore_ingest_prune(bs, time(NULL) + 1, &pruned, e) < 0)
		return -1;
	return 0;
}

struct rmi {
	struct ctl_req *r; /* or NULL: then done is called */
	void (*done)(void *ctx, const struct err *e);
	void *ctx;
	struct helper h;
	struct err err;
	struct rmi_target *t;
	int n, cap;
};

static struct rmi *rmi_new(void)
{
	struct rmi *m = xcalloc(1, sizeof(*m));

	helper_init(&m->h);
	return m;
}

static void rmi_free(struct rmi *m)
{
	helper_kill(&m->h);
	for (int i = 0; i < m->n; i++)
		free(m->t[i].name);
	free(m->t);
	free(m);
}

/* Add a step (once: `rmi a a` or an id and its name remove it once). */
static void rmi_add(struct rmi *m, const char *name, const char *manifest,
		    const char *id, bool keep)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->t[i].manifest, manifest) &&
		    (name ? m->t[i].name && !strcmp(m->t[i].name, name)
			  : !m->t[i].name))
			return;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 8;
		m->t = xrealloc(m->t, (size_t)m->cap, sizeof(*m->t));
	}
	m->t[m->n] = (struct rmi_target){ .keep = keep };
	m->t[m->n].name = xstrdup(name); /* NULL stays NULL */
	snprintf(m->t[m->n].manifest, DIGEST_STR_MAX, "%s", manifest);
	snprintf(m->t[m->n].id, DIGEST_STR_MAX, "%s", id);
	m->n++;
}

/* The collector's "removed N": nothing to do with it. */
static void rmi_line(struct helper *h, char *line)
{
}

static bool manifest_listed(const struct img_entry *all, size_t n,
			    const char *manifest)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].manifest, manifest))
			return true;
	return false;
}

static void untagged_name(const char *ref, char *out, size_t n)
{
	struct err e = ERR_INIT;
	struct ref r;

	if (ref_parse(ref, 0, &r, &e) < 0)
		snprintf(out, n, "%s", ref);
	else
		ref_familiar(&r, out, n);
}

/* Say what went, as Docker's API does: {"Untagged":NAME} per name (in
 * its familiar form), then {"Deleted":ID} per image id no entry has any
 * more. */
static void rmi_report(struct rmi *m)
{
	char name[REF_STR_MAX];
	_cleanup_free_ struct img_entry *all = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;
	struct jw w;

	for (int i = 0; i < m->n; i++) {
		if (!m->t[i].name)
			continue;
		if (m->r) {
			ctl_req_json(m->r, &w);
			untagged_name(m->t[i].name, name, sizeof(name));
			jw_str(&w, "Untagged", name);
			jw_close(&w);
		}
		bus_publish("image", "untag", m->t[i].name, NULL);
	}
	if (img_list(&all, &n, &e) < 0)
		return;
	for (int i = 0; i < m->n; i++) {
		bool first = true;
		for (int k = 0; k < i; k++)
			first &= !!strcmp(m->t[k].manifest, m->t[i].manifest);
		if (!first || manifest_listed(all, n, m->t[i].manifest))
			continue;
		if (m->r) {
			ctl_req_json(m->r, &w);
			jw_str(&w, "Deleted", m->t[i].id);
			jw_close(&w);
		}
		bus_publish("image", "delete", m->t[i].id, NULL);
	}
}

static void rmi_end(struct helper *h, const struct err *result)
{
	struct rmi *m = h->owner;

	if (result->class != ERR_OK) {
		m->err = *result;
		err_wrap(&m->err, "rmi");
	}
	if (!m->err.msg[0])
		rmi_report(m);
	if (m->r)
		ctl_req_finish(m->r, m->err.msg[0] ? &m->err : NULL);
	else if (m->done)
		m->done(m->ctx, m->err.msg[0] ? &m->err : NULL);
	rmi_free(m);
}

/* Start the helper that drops m's names and collects what no image
 * needs (only while no pull is in progress: its blobs are in no
 * reference yet); m is freed here on failure, else by rmi_end. */
static int rmi_run(struct rmi *m, bool prune_ingest, struct err *e)
{
	struct rmi_args_h h = { .content = images.content,
				.layers = images.layers,
				.gc = !images.pulls,
				.prune_ingest = prune_ingest,
				.t = m->t,
				.n = m->n };

	m->h.owner = m;
	m->h.on_line = rmi_line;
	m->h.on_end = rmi_end;
	if (helper_start(&m->h, rmi_main, &h, NULL, e) < 0) {
		rmi_free(m);
		return -1;
	}
	return 0;
}

/* Do the names all lie in one repository (Docker then lets an id
 * remove them all without -f)? */
static bool one_repository(const struct img_entry *all, size_t n,
			   const char *manifest)
{
	struct ref first, r;
	struct err e = ERR_INIT;
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		if (all[i].dangling || strcmp(all[i].manifest, manifest) ||
		    ref_parse(all[i].ref, 0, &r, &e) < 0)
			continue;
		if (have && (strcmp(r.domain, first.domain) ||
			     strcmp(r.path, first.path)))
			return false;
		first = r;
		have = true;
	}
	return true;
}

static bool rmi_queued(const struct rmi *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (m->t[i].name && !strcmp(m->t[i].name, name))
			return true;
	return false;
}

/* rmi NAME: untag it; the image goes with its last name unless a
 * container uses it (then only -f untags, and it stays dangling). */
static int rmi_name(struct rmi *m, const struct img_entry *en,
		    const struct img_entry *all, size_t n, const char *id,
		    bool force, struct err *e)
{
	bool others = false, used = imagesvc_in_use(id);

	/* Another name stays: not one this same rmi removes (Docker: rmi
	 * A B of an image in use untags A, then refuses B). */
	for (size_t i = 0; i < n; i++)
		others |= !all[i].dangling && strcmp(all[i].ref, en->ref) &&
			  !strcmp(all[i].manifest, en->manifest) &&
			  !rmi_queued(m, all[i].ref);
	if (used && !others && !force) {
		char name[REF_STR_MAX];
		untagged_name(en->ref, name, sizeof(name));
		return err_setc(e, ERR_CONFLICT,
				"conflict: unable to remove repository "
				"reference \"%s\" (must force) - container "
				"%.12s is using its referenced image %.12s",
				name, imagesvc_user(id), digest_hex(id));
	}
	rmi_add(m, en->ref, en->manifest, id, used);
	return 0;
}

/* rmi ID: every name of the image and its dangling entry. A dangling
 * image a container uses cannot go, even with -f (its layers are the
 * container's); names in several repositories need -f. */
static int rmi_id(struct rmi *m, const struct img_entry *en,
		  const struct img_entry *all, size_t n, const char *id,
		  const char *what, bool force, struct err *e)
{
	bool used = imagesvc_in_use(id), named = !en->dangling;

	if (used && !named)
		return err_setc(e, ERR_CONFLICT,
				"conflict: unable to delete %s (cannot be "
				"forced) - image is being used by container "
				"%.12s", what, imagesvc_user(id));
	if (used && !force)
		return err_setc(e, ERR_CONFLICT,
				"conflict: unable to delete %s (must be "
				"forced) - image is being used by container "
				"%.12s", what, imagesvc_user(id));
	if (!force && !one_repository(all, n, en->manifest))
		return err_setc(e, ERR_CONFLICT,
				"unable to delete %s (must be forced): image is "
				"referenced in multiple repositories", what);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].manifest, en->manifest) &&
		    (!used || !all[i].dangling))
			rmi_add(m, all[i].dangling ? NULL : all[i].ref,
				en->manifest, id, used);
	return 0;
}

static int do_rmi(struct ctl_req *r, void *args, struct err *e)
{
	const struct rmi_args *a = args;
	int argc = ctl_req_argc(r);
	char **argv = ctl_req_argv(r);
	_cleanup_free_ struct img_entry *all = NULL;
	struct rmi *m = rmi_new();
	size_t n;

	if (img_list(&all, &n, e) < 0)
		goto fail;
	for (int i = 0; i < argc; i++) {
		struct img_entry en;
		char id[DIGEST_STR_MAX];
		if (img_lookup(argv[i], &en, e) < 0 || img_id(&en, id, e) < 0 ||
		    (en.by_id ? rmi_id(m, &en, all, n, id, argv[i], a->force, e)
			      : rmi_name(m, &en, all, n, id, a->force, e)) < 0)
			goto fail;
	}
	m->r = r;
	return rmi_run(m, false, e) < 0 ? -1 : CMD_PENDING;
fail:
	rmi_free(m);
	return -1;
}

/* Remove one image with no request (the automatic collection in gc.c):
 * a name, or a dangling entry; done runs once, from the loop. */
int img_remove(const struct img_entry *en,
	       void (*done)(void *ctx, const struct err *e), void *ctx,
	       struct err *e)
{
	struct rmi *m = rmi_new();
	char id[DIGEST_STR_MAX];

	if (img_id(en, id, e) < 0) {
		rmi_free(m);
		return -1;
	}
	rmi_add(m, en->dangling ? NULL : en->ref, en->manifest, id, false);
	m->done = done;
	m->ctx = ctx;
	return rmi_run(m, false, e);
}

/* ---- image prune ---- */

/* As Docker: dangling images no container uses go, with -a every image
 * no container uses; then the blobs and layers no image needs, and
 * day-old partial downloads. */
static int do_prune(struct ctl_req *r, void *args, struct err *e)
{
	const struct prune_args *a = args;
	_cleanup_free_ struct img_entry *all = NULL;
	struct rmi *m = rmi_new();
	size_t n = 0;

	if (img_list(&all, &n, e) < 0) {
		rmi_free(m);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char id[DIGEST_STR_MAX];
		if (!a->all && !all[i].dangling)
			continue;
		if (img_id(&all[i], id, e) < 0) {
			err_clear(e);
			continue;
		}
		if (!imagesvc_in_use(id))
			rmi_add(m, all[i].dangling ? NULL : all[i].ref,
				all[i].manifest, id, false);
	}
	m->r = r;
	return rmi_run(m, true, e) < 0 ? -1 : CMD_PENDING;
}

const struct command img_cmd_prune = { "image-prune", do_prune };

/* ---- history ---- */

static int do_history(struct ctl_req *r, void *args, struct err *e)
{
	struct img_entry en;
	struct oci_manifest *m = NULL;
	struct oci_imgcfg *cfg = NULL;
	struct buf b = { 0 };
	size_t layer;

	if (img_lookup(ctl_req_argv(r)[0], &en, e) < 0 ||
	    img_manifest(&en, &m, e) < 0 ||
	    blobstore_read(images.bs, m->config.digest, IMG_DOC_MAX, &b, e) < 0 ||
	    ociimage_parse_config(buf_head(&b), buf_used(&b), &cfg, e) < 0) {
		ociimage_manifest_free(m);
		buf_free(&b);
		return -1;
	}
	/* newest first; each entry that made a layer takes the next one */
	layer = m->n_layers;
	for (size_t i = cfg->n_history; i-- > 0;) {
		const struct oci_history *h = &cfg->history[i];
		uint64_t size = 0;
		char id[16];
		struct jw w;
		if (!h->empty_layer && layer > 0)
			size = m->layers[--layer].size;
		snprintf(id, sizeof(id), "%.12s",
			 i + 1 == cfg->n_history ? digest_hex(m->config.digest)
						 : "<missing>");
		ctl_req_json(r, &w);
		jw_str(&w, "image", id);
		jw_str(&w, "created", h->created ? h->created : "");
		jw_str(&w, "created_by", h->created_by ? h->created_by : "");
		jw_uint(&w, "size", size);
		jw_str(&w, "comment", h->comment ? h->comment : "");
		jw_close(&w);
	}
	ociimage_manifest_free(m);
	ociimage_config_free(cfg);
	buf_free(&b);
	return 0;
}

const struct command img_cmd_history = { "history", do_history };

/* ---- tag ---- */

struct tag_args_h {
	const char *content, *name;
	struct oci_desc desc;
};

static int tag_main(void *arg, struct err *e)
{
	const struct tag_args_h *a = arg;
	struct blobstore *bs = NULL;

	if (blobstore_open(a->content, &bs, e) < 0 ||
	    blobstore_index_put(bs, a->name, &a->desc, e) < 0)
		return -1;
	return 0;
}

struct tag {
	struct ctl_req *r;
	struct helper h;
	struct err err;
	char name[REF_STR_MAX];
};

static void tag_end(struct helper *h, const struct err *result)
{
	struct tag *t = h->owner;

	helper_close(h);
	if (result->class != ERR_OK) {
		t->err = *result;
		err_wrap(&t->err, "tag");
	}
	if (!t->err.msg[0])
		bus_publish("image", "tag", t->name, NULL);
	ctl_req_finish(t->r, t->err.msg[0] ? &t->err : NULL);
	free(t);
}

static int do_tag(struct ctl_req *r, void *args, struct err *e)
{
	char **argv = ctl_req_argv(r);
	struct img_entry en;
	struct ref target;
	struct tag *t;
	struct tag_args_h a;

	if (img_lookup(argv[0], &en, e) < 0)
		return -1;
	if (ref_parse(argv[1], 0, &target, e) < 0)
		return -1;
	if (*target.digest)
		return err_setc(e, ERR_INVALID,
				"tag %s: a tag cannot name a digest", argv[1]);
	t = xcalloc(1, sizeof(*t));
	ref_string(&target, t->name, sizeof(t->name));
	t->r = r;
	helper_init(&t->h);
	t->h.owner = t;
	t->h.on_end = tag_end;
	a = (struct tag_args_h){ images.content, t->name,
				 { .media_type = en.media_type,
				   .digest = en.manifest,
				   .size = en.manifest_size } };
	if (helper_start(&t->h, tag_main, &a, NULL, e) < 0) {
		free(t);
		return -1;
	}
	return CMD_PENDING;
}

const struct command img_cmd_tag = { "tag", do_tag };

/* ---- system df (core/diskuse) ---- */

static void img_diskuse(struct du_list *l);
/* Docker's first row of `system df`. */
static const struct du_kind img_du = { "Images", "image", 0, img_diskuse };

/* Partial downloads (content/ingest/HEX.partial): a cut or failed pull
 * keeps them to resume; image-prune and image gc reclaim them. Listing
 * a directory of a few names on the loop, as the image rows read
 * index.json. */
static void img_partials_du(struct du_list *l);
static const struct du_kind img_partials_kind = { "Partial downloads",
						  "partial", 3,
						  img_partials_du };

static void img_partials_du(struct du_list *l)
{
	_cleanup_free_ char *dir = xasprintf("%s/ingest", images.content);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char id[DIGEST_STR_MAX];
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *path = NULL;
		if (de->d_name[0] == '.' || n < 9 ||
		    strcmp(de->d_name + n - 8, ".partial"))
			continue;
		snprintf(id, sizeof(id), "sha256:%.*s", (int)(n - 8),
			 de->d_name);
		path = xasprintf("%s/%s", dir, de->d_name);
		du_add(l, &img_partials_kind, false, "", id,
		       (const char *const[]){ path, NULL });
	}
	closedir(d);
}

static void path_push(struct strv *p, const char *dir, const char *digest)
{
	char *path;

	path = xasprintf("%s/%s", dir, digest_hex(digest));
	if (strv_push(p, path) < 0)
		abort();
	free(path);
}

/* One item per image (manifest): its manifest, config and layer blobs
 * and its unpacked layer dirs; a layer two images share is one path, so
 * it counts once. In use when a container was made from it. */
static void img_diskuse_one(struct du_list *l, const struct img_entry *all,
			    size_t n, size_t i)
{
	struct oci_manifest *m = NULL;
	struct oci_imgcfg *cfg = NULL;
	struct buf b = { 0 };
	struct strv paths = { 0 };
	struct err e = ERR_INIT;
	char (*chain)[DIGEST_STR_MAX] = NULL, *blobs = NULL;

	char fam[REF_STR_MAX] = "";
	struct ref r;

	for (size_t k = 0; k < n && !*fam; k++)
		if (!all[k].dangling &&
		    !strcmp(all[k].manifest, all[i].manifest) &&
		    ref_parse(all[k].ref, 0, &r, &e) == 0)
			ref_familiar(&r, fam, sizeof(fam));
	err_clear(&e);
	if (img_manifest(&all[i], &m, &e) < 0 ||
	    blobstore_read(images.bs, m->config.digest, IMG_DOC_MAX, &b, &e) <
		0 ||
	    ociimage_parse_config(buf_head(&b), buf_used(&b), &cfg, &e) < 0) {
		log_warn("system df: %s: %s", all[i].ref, e.msg);
		goto out;
	}
	blobs = xasprintf("%s/blobs/sha256", images.content);
	path_push(&paths, blobs, all[i].manifest);
	path_push(&paths, blobs, m->config.digest);
	for (size_t k = 0; k < m->n_layers; k++)
		path_push(&paths, blobs, m->layers[k].digest);
	chain = xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
	layers_chain_ids(&cfg->diff_ids, chain);
	for (size_t k = 0; k < cfg->diff_ids.n; k++)
		path_push(&paths, images.layers, chain[k]);
	if (strv_push(&paths, "") < 0) /* room for the NULL at the end */
		abort();
	free(paths.v[--paths.n]);
	paths.v[paths.n] = NULL;
	du_add(l, &img_du, imagesvc_in_use(m->config.digest), fam,
	       m->config.digest, (const char *const *)paths.v);
out:
	free(blobs);
	free(chain);
	strv_free(&paths);
	buf_free(&b);
	ociimage_manifest_free(m);
	ociimage_config_free(cfg);
}

static void img_diskuse(struct du_list *l)
{
	_cleanup_free_ struct img_entry *all = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;

	if (img_list(&all, &n, &e) < 0) {
		log_warn("system df: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		for (size_t k = 0; k < i; k++)
			first &= !!strcmp(all[k].manifest, all[i].manifest);
		if (first)
			img_diskuse_one(l, all, n, i);
	}
}

/* What the supervisor may ask of images (modules/iface). */
static const struct images_service img_service = {
	.resolve = img_resolve,
	.pull = img_pull_quiet,
};

/* ---- the module ---- */

static int images_init(struct err *e)
{
	images.content = xasprintf("%s/content", daemon_ctx.cfg.root);
	images.layers = xasprintf("%s/layers", daemon_ctx.cfg.root);
	if (mkdir(images.layers, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", images.layers);
	service_register(IMAGES_SERVICE, &img_service);
	diskuse_register(&img_du);
	diskuse_register(&img_partials_kind);
	img_gc_start();
	if (auth_load(e) < 0)
		return -1;
	return blobstore_open(images.content, &images.bs, e);
}

static void images_stop(void (*done)(void))
{
	img_gc_stop();
	reg_forget_tokens();
	auth_free_all();
	done();
}

static void images_info(struct jw *w)
{
	_cleanup_free_ struct img_entry *all = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;

	img_list(&all, &n, &e);
	jw_uint(w, "images", n);
}

/* Docker's info key: how many images (named or not, one per id). */
static void images_info_docker(struct jw *w)
{
	_cleanup_free_ struct img_entry *all = NULL;
	struct err e = ERR_INIT;
	size_t n = 0, ids = 0;

	img_list(&all, &n, &e);
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = !!strcmp(all[k].manifest, all[i].manifest);
		ids += first;
	}
	jw_uint(w, "Images", ids);
}

const struct command img_cmd_images = { "images", do_images };

const struct command img_cmd_rmi = { "rmi", do_rmi };

static const struct command *const images_commands[] = {
	&img_cmd_pull, &img_cmd_push, &img_cmd_images, &img_cmd_inspect,
	&img_cmd_rmi, &img_cmd_prune, &img_cmd_history,
	&img_cmd_tag, &img_cmd_save, &img_cmd_load, &img_cmd_import,
	&img_cmd_commit, &img_cmd_login, &img_cmd_logout, NULL,
};

const struct module module_images = {
	.name = "images",
	.init = images_init,
	.stop = images_stop,
	.commands = images_commands,
	.info = images_info,
	.info_docker = images_info_docker,
	.config = &img_config,
};
