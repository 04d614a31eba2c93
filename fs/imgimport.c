/* imgimport.c - `import`'s work: a rootfs tarball as a one-layer image
 * in the content store (see imgimport.h). The stream becomes the layer
 * blob (a plain tar gzip-compressed on the way in, libarchive's raw
 * writer with its gzip filter; gzip or zstd kept as given), the layer is
 * unpacked under a temporary name and renamed to its diff_id once that
 * is known, then the config and manifest are written and named. */
#include "imgimport.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/file.h"
#include "../proto/ociimage.h"
#include "archive_fns.h"
#include "blobstore.h"
#include "tree.h"
#include "unpack.h"

/* The stream on stdin as a blob; a plain tar is gzip-compressed on the
 * way in (libarchive's raw writer with its gzip filter), a gzip or zstd
 * one is kept as given. */
struct imgimport_sink {
	struct blobstore_writer *w;
	struct err *e;
};

static la_ssize_t imgimport_gz_write(struct archive *ar, void *ctx, const void *p,
			   size_t n)
{
	struct imgimport_sink *s = ctx;

	if (blobstore_writer_write(s->w, p, n, s->e) < 0) {
		archive_set_error(ar, EIO, "%s", s->e->msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static int imgimport_store(struct blobstore *bs, int in,
			   char out[DIGEST_STR_MAX], const char **mt,
			   struct err *e)
{
	unsigned char head[65536];
	ssize_t n = read(in, head, sizeof(head));
	struct blobstore_writer *w = NULL;
	struct imgimport_sink s = { NULL, e };
	struct archive *ar = NULL;
	struct archive_entry *en = NULL;
	uint64_t off;
	bool compressed;

	if (n < 0)
		return err_set(e, errno, "read the tarball");
	if (n < 4)
		return err_setc(e, ERR_INVALID, "the tarball is empty");
	compressed = (head[0] == 0x1f && head[1] == 0x8b) ||
		     (head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f &&
		      head[3] == 0xfd);
	*mt = !compressed	   ? MT_OCI_LAYER_GZIP
	      : head[0] == 0x1f ? MT_OCI_LAYER_GZIP
				 : MT_OCI_LAYER_ZSTD;
	if (blobstore_writer_open(bs, NULL, BLOBSTORE_SIZE_UNKNOWN, &w, &off,
				  e) < 0)
		return -1;
	s.w = w;
	if (!compressed) {
		ar = archive_write_new();
		en = archive_entry_new();
		if (!ar || !en)
			abort();
		archive_entry_set_pathname(en, "layer.tar");
		archive_entry_set_filetype(en, AE_IFREG);
		if (archive_write_set_format_raw(ar) != ARCHIVE_OK ||
		    archive_write_add_filter_gzip(ar) != ARCHIVE_OK ||
		    archive_write_set_bytes_in_last_block(ar, 1) != ARCHIVE_OK ||
		    archive_write_open(ar, &s, NULL, imgimport_gz_write, NULL) !=
			ARCHIVE_OK ||
		    archive_write_header(ar, en) != ARCHIVE_OK)
			goto arfail;
	}
	for (; n > 0; n = read(in, head, sizeof(head))) {
		if (ar && archive_write_data(ar, head, (size_t)n) != n)
			goto arfail;
		if (!ar && blobstore_writer_write(w, head, (size_t)n, e) < 0)
			goto fail;
	}
	if (n < 0) {
		err_set(e, errno, "read the tarball");
		goto fail;
	}
	if (ar && archive_write_close(ar) != ARCHIVE_OK)
		goto arfail;
	archive_write_free(ar);
	archive_entry_free(en);
	return blobstore_writer_commit(w, out, e);
arfail:
	if (!e->msg[0])
		err_setc(e, ERR_INTERNAL, "compress the layer: %s",
			 archive_error_string(ar));
fail:
	if (ar)
		archive_write_free(ar);
	archive_entry_free(en);
	blobstore_writer_discard(w);
	return -1;
}

/* Unpack the layer under a temporary name (its chain id, the diff_id,
 * is known only after), then rename it into place. */
static int imgimport_unpack(struct blobstore *bs, const char *layers,
			    const char *digest, const char *mt,
			    char diff_id[DIGEST_STR_MAX], struct err *e)
{
	struct unpack_opts o = { .media_type = mt };
	struct unpack_result r;
	char tmp[4096], dir[4096];
	struct err ignored = ERR_INIT;
	int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s/%d.import", layers, (int)getpid());
	if (blobstore_open_blob(bs, digest, &fd, e) < 0)
		return -1;
	tree_remove(AT_FDCWD, tmp, e);
	if (unpack_layer(fd, tmp, &o, &r, e) < 0) {
		close(fd);
		return err_wrap(e, "unpack");
	}
	close(fd);
	snprintf(diff_id, DIGEST_STR_MAX, "%s", r.diff_id);
	snprintf(dir, sizeof(dir), "%s/%s", layers, digest_hex(r.diff_id));
	if (access(dir, F_OK) == 0)
		return tree_remove(AT_FDCWD, tmp, e);
	if (rename(tmp, dir) < 0) {
		err_set(e, errno, "rename %s", tmp);
		tree_remove(AT_FDCWD, tmp, e);
		return -1;
	}
	file_fsync_dir(AT_FDCWD, layers, &ignored); /* best effort */
	return 0;
}

/* Config and manifest of the one-layer image. */
static int imgimport_docs(struct blobstore *bs, const struct imgimport_opts *a,
			  const char *layer, const char *mt, const char *diff_id,
		       char id[DIGEST_STR_MAX], struct oci_desc *md,
		       char mdig[DIGEST_STR_MAX], struct buf *man,
		       struct err *e)
{
	struct oci_platform host = { 0 };
	struct oci_history h = { 0 };
	struct oci_imgcfg c = { 0 };
	struct oci_manifest m = { .schema_version = 2 };
	struct buf cb = { 0 };
	char now[32], by[300];
	time_t t = time(NULL);
	uint64_t lsize = 0;
	int rc = -1;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(by, sizeof(by), "skiff import %s", a->source);
	if (ociimage_platform_host(&host, e) < 0)
		return -1;
	c.created = now;
	c.architecture = host.architecture;
	c.variant = host.variant;
	c.os = "linux";
	if (strv_push(&c.diff_ids, diff_id) < 0)
		abort();
	h = (struct oci_history){ .created = now, .created_by = by,
				  .comment = (char *)a->message };
	c.history = &h;
	c.n_history = 1;
	ociimage_write_config(&c, &cb);
	if (blobstore_put(bs, buf_head(&cb), buf_used(&cb), NULL, id, e) < 0)
		goto out;
	blobstore_has(bs, layer, &lsize, e);
	m.media_type = MT_OCI_MANIFEST;
	m.config = (struct oci_desc){ .media_type = MT_OCI_CONFIG,
				      .digest = id, .size = buf_used(&cb) };
	m.layers = &(struct oci_desc){ .media_type = (char *)mt,
				       .digest = (char *)layer,
				       .size = lsize };
	m.n_layers = 1;
	ociimage_write_manifest(&m, man);
	if (blobstore_put(bs, buf_head(man), buf_used(man), NULL, mdig, e) < 0)
		goto out;
	*md = (struct oci_desc){ .media_type = MT_OCI_MANIFEST,
				 .digest = mdig, .size = buf_used(man) };
	rc = 0;
out:
	strv_free(&c.diff_ids);
	ociimage_platform_clear(&host);
	buf_free(&cb);
	return rc;
}

int imgimport_run(const struct imgimport_opts *o, char id[DIGEST_STR_MAX],
		  struct err *e)
{
	struct blobstore *bs = NULL;
	char layer[DIGEST_STR_MAX], diff_id[DIGEST_STR_MAX],
	    mdig[DIGEST_STR_MAX];
	const char *mt = NULL;
	struct oci_desc md;
	struct buf man = { 0 };
	int rc = -1;

	if (archive_fns_load(e) < 0 ||
	    blobstore_open(o->content, &bs, e) < 0 ||
	    imgimport_store(bs, o->fd, layer, &mt, e) < 0 ||
	    imgimport_unpack(bs, o->layers, layer, mt, diff_id, e) < 0 ||
	    imgimport_docs(bs, o, layer, mt, diff_id, id, &md, mdig, &man, e) <
		0 ||
	    blobstore_index_put(bs, o->name ? o->name : id, &md, e) < 0)
		goto out;
	rc = 0;
out:
	buf_free(&man);
	blobstore_free(bs);
	return rc;
}
