/* imgcommit.c - `commit`'s work (see imgcommit.h): a container's
 * changes (its overlay upper dir) as a new gzip layer on top of its
 * image.
 *
 * It walks the upper dir (never following symlinks, not into other
 * mounts) into a tar stream, turning overlayfs whiteouts back into OCI
 * ones (a 0/0 character device NAME becomes an empty ".wh.NAME", a
 * directory with trusted.overlay.opaque=y gets ".wh..wh..opq") and
 * dropping trusted.overlay.* xattrs; the tar bytes are hashed (the
 * diff_id) and gzip-compressed into a blobstore writer in the same pass.
 * Then the layer is unpacked into LAYERS/<chain id> like any other, and
 * the config (the image's, with the new diff_id, a history entry and a
 * new created time) and manifest are stored before the reference. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "../proto/ociimage.h"
#include "archive_fns.h"
#include "blobstore.h"
#include "imgcommit.h"
#include "layers.h"

#define IMGCOMMIT_DOC_MAX (4u << 20) /* a manifest or config, at most */

/* The layer's two writers: tar (format) -> hash + raw/gzip -> blob. */
struct layer_out {
	struct archive *gz;
	struct blobstore_writer *w;
	struct digest_ctx diff;
	struct err *e;
};

static la_ssize_t blob_write(struct archive *ar, void *ctx, const void *p,
			     size_t n)
{
	struct layer_out *o = ctx;

	if (blobstore_writer_write(o->w, p, n, o->e) < 0) {
		archive_set_error(ar, EIO, "%s", o->e->msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static la_ssize_t tar_write(struct archive *ar, void *ctx, const void *p,
			    size_t n)
{
	struct layer_out *o = ctx;

	digest_ctx_update(&o->diff, p, n);
	if (archive_write_data(o->gz, p, n) != (la_ssize_t)n) {
		archive_set_error(ar, EIO, "gzip: %s",
				  archive_error_string(o->gz));
		return -1;
	}
	return (la_ssize_t)n;
}

/* Keep an entry's xattrs but overlayfs's own. */
static void drop_overlay_xattrs(struct archive_entry *en)
{
	struct archive_entry *keep = archive_entry_new();
	const char *name;
	const void *v;
	size_t n;

	if (!keep)
		abort();
	archive_entry_xattr_reset(en);
	while (archive_entry_xattr_next(en, &name, &v, &n) == ARCHIVE_OK)
		if (strncmp(name, "trusted.overlay.", 16))
			archive_entry_xattr_add_entry(keep, name, v, n);
	archive_entry_xattr_clear(en);
	archive_entry_xattr_reset(keep);
	while (archive_entry_xattr_next(keep, &name, &v, &n) == ARCHIVE_OK)
		archive_entry_xattr_add_entry(en, name, v, n);
	archive_entry_free(keep);
}

static int empty_member(struct archive *tw, const char *path,
			struct err *e)
{
	struct archive_entry *en = archive_entry_new();
	int r;

	if (!en)
		abort();
	archive_entry_set_pathname(en, path);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_size(en, 0);
	r = archive_write_header(tw, en);
	archive_entry_free(en);
	return r < ARCHIVE_WARN ? err_setc(e, ERR_INTERNAL, "%s: %s", path,
					   archive_error_string(tw))
				: 0;
}

/* One entry of the upper dir, in OCI terms. */
static int put_entry(struct archive *rd, struct archive *tw,
		     struct archive_entry *en, struct err *e)
{
	_cleanup_free_ char *path = xstrdup(archive_entry_pathname(en));
	const char *rel = path;
	char *slash, wh[4200], v[4] = { 0 };
	mode_t type = archive_entry_filetype(en);
	const void *p;
	size_t n;
	la_int64_t off;
	int r;

	while (!strncmp(rel, "./", 2))
		rel += 2;
	if (!*rel || !strcmp(rel, "."))
		return 0;
	if (type == AE_IFCHR && archive_entry_rdev(en) == 0) {
		slash = strrchr(rel, '/');
		snprintf(wh, sizeof(wh), "%.*s.wh.%s",
			 slash ? (int)(slash - rel + 1) : 0, rel,
			 slash ? slash + 1 : rel);
		return empty_member(tw, wh, e);
	}
	drop_overlay_xattrs(en);
	archive_entry_set_pathname(en, rel);
	if (archive_write_header(tw, en) < ARCHIVE_WARN)
		return err_setc(e, ERR_INTERNAL, "%s: %s", rel,
				archive_error_string(tw));
	if (type == AE_IFREG && archive_entry_size(en) > 0)
		while ((r = archive_read_data_block(rd, &p, &n, &off)) ==
		       ARCHIVE_OK)
			if (archive_write_data(tw, p, n) != (la_ssize_t)n)
				return err_setc(e, ERR_INTERNAL, "%s: %s", rel,
						archive_error_string(tw));
	if (type == AE_IFDIR &&
	    lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v) - 1) == 1 &&
	    v[0] == 'y') {
		snprintf(wh, sizeof(wh), "%s/.wh..wh..opq", rel);
		return empty_member(tw, wh, e);
	}
	return 0;
}

/* Walk the upper dir (our working directory) into tw. */
static int walk_upper(struct archive *tw, struct err *e)
{
	struct archive *rd = archive_read_disk_new();
	struct archive_entry *en;
	int r, rc = -1;

	if (!rd)
		abort();
	archive_read_disk_set_symlink_physical(rd);
	archive_read_disk_set_behavior(rd, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_read_disk_open(rd, ".") != ARCHIVE_OK) {
		err_setc(e, ERR_INTERNAL, "upper dir: %s",
			 archive_error_string(rd));
		goto out;
	}
	for (;;) {
		en = archive_entry_new();
		if (!en)
			abort();
		r = archive_read_next_header2(rd, en);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(en);
			break;
		}
		if (r < ARCHIVE_WARN) {
			err_setc(e, ERR_INTERNAL, "upper dir: %s",
				 archive_error_string(rd));
			archive_entry_free(en);
			goto out;
		}
		archive_read_disk_descend(rd);
		r = put_entry(rd, tw, en, e);
		archive_entry_free(en);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	archive_read_free(rd);
	return rc;
}

/* The container's changes as a gzip blob; diff_id of the tar. */
static int commit_layer(struct blobstore *bs, const char *upper,
			char blob[DIGEST_STR_MAX],
			char diff_id[DIGEST_STR_MAX], struct err *e)
{
	struct layer_out o = { .e = e };
	struct archive *tw = archive_write_new();
	struct archive_entry *raw = archive_entry_new();
	uint64_t off;
	int rc = -1;

	o.gz = archive_write_new();
	if (!tw || !raw || !o.gz)
		abort();
	if (digest_ctx_init(&o.diff, DIGEST_SHA256, e) < 0 ||
	    blobstore_writer_open(bs, NULL, BLOBSTORE_SIZE_UNKNOWN, &o.w, &off,
				  e) < 0)
		goto out;
	archive_entry_set_pathname(raw, "layer.tar");
	archive_entry_set_filetype(raw, AE_IFREG);
	if (archive_write_set_format_raw(o.gz) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(o.gz) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(o.gz, 1) != ARCHIVE_OK ||
	    archive_write_open(o.gz, &o, NULL, blob_write, NULL) != ARCHIVE_OK ||
	    archive_write_header(o.gz, raw) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(tw) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(tw, 1) != ARCHIVE_OK ||
	    archive_write_open(tw, &o, NULL, tar_write, NULL) != ARCHIVE_OK) {
		err_setc(e, ERR_INTERNAL, "layer: %s",
			 archive_error_string(o.gz));
		goto out;
	}
	if (access(upper, F_OK) == 0 &&
	    (chdir(upper) < 0 ? err_set(e, errno, "%s", upper)
			      : walk_upper(tw, e)) < 0)
		goto out;
	if (archive_write_close(tw) != ARCHIVE_OK ||
	    archive_write_close(o.gz) != ARCHIVE_OK) {
		if (!e->msg[0])
			err_setc(e, ERR_INTERNAL, "layer: %s",
				 archive_error_string(tw));
		goto out;
	}
	digest_ctx_final(&o.diff, diff_id);
	rc = blobstore_writer_commit(o.w, blob, e);
	o.w = NULL;
out:
	if (o.w)
		blobstore_writer_discard(o.w);
	digest_ctx_free(&o.diff);
	archive_write_free(tw);
	archive_write_free(o.gz);
	archive_entry_free(raw);
	return rc;
}

/* The new config: the image's, one more diff_id and history entry. */
static int commit_config(struct blobstore *bs, const struct imgcommit_opts *a,
			 struct oci_imgcfg *cfg, const char *diff_id,
			 char id[DIGEST_STR_MAX], uint64_t *size,
			 struct err *e)
{
	char now[32], by[300];
	time_t t = time(NULL);
	struct oci_history *h;
	struct buf b = { 0 };
	int rc;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(by, sizeof(by), "skiff commit %s", a->ctr);
	if (strv_push(&cfg->diff_ids, diff_id) < 0)
		abort();
	cfg->history = xrealloc(cfg->history, cfg->n_history + 1,
				sizeof(*cfg->history));
	h = &cfg->history[cfg->n_history++];
	*h = (struct oci_history){ strdup(now), strdup(by),
				   a->author ? strdup(a->author) : NULL,
				   a->message ? strdup(a->message) : NULL,
				   false };
	free(cfg->created);
	cfg->created = strdup(now);
	ociimage_write_config(cfg, &b);
	*size = buf_used(&b);
	rc = blobstore_put(bs, buf_head(&b), buf_used(&b), NULL, id, e);
	buf_free(&b);
	return rc;
}

static int commit_image(struct blobstore *bs, const struct imgcommit_opts *a,
			struct oci_manifest *m, struct oci_imgcfg *cfg,
			char id[DIGEST_STR_MAX], struct err *e)
{
	char blob[DIGEST_STR_MAX], diff_id[DIGEST_STR_MAX], md[DIGEST_STR_MAX];
	char(*chain)[DIGEST_STR_MAX] = NULL;
	struct oci_desc *l, d;
	struct buf b = { 0 };
	uint64_t lsize = 0, csize = 0;
	int rc = -1;

	if (commit_layer(bs, a->upper, blob, diff_id, e) < 0)
		return err_wrap(e, "layer");
	blobstore_has(bs, blob, &lsize, e);
	if (commit_config(bs, a, cfg, diff_id, id, &csize, e) < 0)
		return -1;
	m->layers = xrealloc(m->layers, m->n_layers + 1, sizeof(*m->layers));
	l = &m->layers[m->n_layers++];
	*l = (struct oci_desc){
	    .media_type = strdup(m->docker ? MT_DOCKER_LAYER_GZIP
					   : MT_OCI_LAYER_GZIP),
	    .digest = strdup(blob), .size = lsize };
	free(m->config.digest);
	m->config.digest = strdup(id);
	m->config.size = csize;
	chain = xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
	layers_chain_ids(&cfg->diff_ids, chain);
	if (layers_unpack_chain(&(struct layers_chain){ .bs = bs,
							.layers = a->layers,
							.n = m->n_layers,
							.desc = m->layers,
							.chain = chain,
							.diff_ids =
							    &cfg->diff_ids },
				e) < 0)
		goto out;
	ociimage_write_manifest(m, &b);
	if (blobstore_put(bs, buf_head(&b), buf_used(&b), NULL, md, e) < 0)
		goto out;
	d = (struct oci_desc){ .media_type = m->docker ? MT_DOCKER_MANIFEST
						       : MT_OCI_MANIFEST,
			       .digest = md, .size = buf_used(&b) };
	if (blobstore_index_put(bs, a->name ? a->name : id, &d, e) < 0)
		goto out;
	rc = 0;
out:
	free(chain);
	buf_free(&b);
	return rc;
}

int imgcommit_run(const struct imgcommit_opts *a, char id[DIGEST_STR_MAX],
		  struct err *e)
{
	struct blobstore *bs = NULL;
	struct buf mb = { 0 }, cb = { 0 };
	struct oci_manifest *m = NULL;
	struct oci_imgcfg *cfg = NULL;
	int rc = -1;

	if (archive_fns_load(e) < 0 ||
	    blobstore_open(a->content, &bs, e) < 0 ||
	    blobstore_read(bs, a->manifest, IMGCOMMIT_DOC_MAX, &mb, e) < 0 ||
	    ociimage_parse_manifest(buf_head(&mb), buf_used(&mb), &m, e) < 0 ||
	    blobstore_read(bs, m->config.digest, IMGCOMMIT_DOC_MAX, &cb, e) < 0 ||
	    ociimage_parse_config(buf_head(&cb), buf_used(&cb), &cfg, e) < 0)
		goto out;
	rc = commit_image(bs, a, m, cfg, id, e);
out:
	buf_free(&mb);
	buf_free(&cb);
	ociimage_manifest_free(m);
	ociimage_config_free(cfg);
	blobstore_free(bs);
	return rc;
}
