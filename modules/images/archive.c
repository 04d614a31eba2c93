/* archive.c - image archives: `save`, `load` and `import`.
 *
 *   save [-o FILE] IMAGE...   a tarball that is both a docker-archive
 *                             (manifest.json) and an OCI layout (oci-layout,
 *                             index.json, blobs/), as Docker >= 25 writes
 *   load [-i FILE]            such a tarball, or an oci-archive, back in
 *   import FILE|- [REF]       a rootfs tarball as a one-layer image
 *
 * The client passes its file (or stdout/stdin) by SCM_RIGHTS; skiffd never
 * opens a client path. Each request runs one helper process (helper.c)
 * with that fd as its stdin: it does every read, write and fsync, and
 * reports by lines on stdout ("err MSG", or "say TEXT" for the reply). The
 * loop only looks references up before the helper starts and turns its
 * lines into the reply. A load or import counts in images.pulls while it
 * runs, so `rmi` collects no blob it has stored but not yet named.
 *
 * load stores every member named blobs/ALGO/HEX through a blobstore writer
 * that checks that digest, and keeps the other documents (manifest.json,
 * index.json, legacy *.json) in memory; only when every image's blobs are
 * present, its config parses and its layers unpacked to their diff_ids
 * does it write the references, so a bad archive names no image. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../fs/archive_fns.h"
#include "../../fs/imgimport.h"
#include "../../fs/tree.h"
#include "../../fs/unpack.h"
#include "../../proto/imgarchive.h"
#include "../../proto/json.h"
#include "../../proto/ociimage.h"
#include "../../fs/layers.h"
#include "images.h"
#include "../../core/base/xalloc.h"

#define ANNOT_CONTAINERD_NAME "io.containerd.image.name"
#define ARCHIVE_MAX_MEMBERS 100000

/* One request: its helper and what it reported. */
struct arc {
	struct ctl_req *r;
	struct helper h;
	struct err err;
	struct strv said; /* reply lines, sent once the helper succeeded */
	const char *verb;
	bool counted; /* in images.pulls */
};

static void arc_line(struct helper *h, char *line)
{
	struct arc *a = h->owner;

	if (!strncmp(line, "say ", 4) && strv_push(&a->said, line + 4) < 0)
		abort();
}

static void arc_end(struct helper *h, const struct err *result)
{
	struct arc *a = h->owner;

	helper_close(h);
	if (result->class != ERR_OK) {
		a->err = *result;
		err_wrap(&a->err, "%s", a->verb);
	}
	for (size_t i = 0; !a->err.msg[0] && i < a->said.n; i++) {
		const char *what = strrchr(a->said.v[i], ' ');
		struct jw w;
		ctl_req_json(a->r, &w);
		jw_str(&w, "text", a->said.v[i]);
		jw_close(&w);
		/* an event per image: its name, or its id */
		bus_publish("image", a->verb,
			    what ? what + 1 : a->said.v[i], NULL);
	}
	if (a->counted)
		images.pulls--;
	ctl_req_finish(a->r, a->err.msg[0] ? &a->err : NULL);
	strv_free(&a->said);
	free(a);
}

/* Start fn in a helper with the client's fd as its stdin; the fd is
 * closed here whatever happens. */
static int arc_start(struct ctl_req *r, const char *verb, int fd,
		     helper_fn fn, void *arg, bool count, struct err *e)
{
	struct arc *a = xcalloc(1, sizeof(*a));

	a->r = r;
	a->verb = verb;
	a->h.owner = a;
	a->h.on_line = arc_line;
	a->h.on_end = arc_end;
	if (helper_start(&a->h, fn, arg, &(struct helper_fds){ .in_fd = fd },
			 e) < 0) {
		close(fd);
		free(a);
		return -1;
	}
	close(fd);
	if ((a->counted = count))
		images.pulls++;
	return CMD_PENDING;
}

/* The fd the CLI passed, or an error saying what was expected. */
static int client_fd(struct ctl_req *r, const char *verb, const char *what,
		     struct err *e)
{
	int fd = ctl_req_take_fd(r);

	if (fd < 0)
		err_setc(e, ERR_INVALID,
			 "%s needs the client's %s passed with the request "
			 "(SCM_RIGHTS; the skiff CLI does this)",
			 verb, what);
	return fd;
}

/* ---- save ---- */

struct save_img {
	char manifest[DIGEST_STR_MAX];
	char media_type[128];
	uint64_t size;
	struct strv refs; /* full references */
};

struct save_args {
	const char *content;
	struct save_img *imgs;
	size_t n;
};

/* One regular member of n bytes, its data from fd (or p when fd < 0). */
static int tar_member(struct archive *ar, const char *name, const void *p,
		      int fd, uint64_t n, struct err *e)
{
	struct archive_entry *en = archive_entry_new();
	char buf[65536];
	uint64_t left = n;

	if (!en)
		abort();
	archive_entry_set_pathname(en, name);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_size(en, (la_int64_t)n);
	archive_entry_set_mtime(en, 0, 0);
	if (archive_write_header(ar, en) != ARCHIVE_OK) {
		archive_entry_free(en);
		return err_setc(e, ERR_INTERNAL, "write %s: %s", name,
				archive_error_string(ar));
	}
	archive_entry_free(en);
	while (left) {
		ssize_t got = (ssize_t)(left < sizeof(buf) ? left : sizeof(buf));
		if (fd >= 0 && (got = read(fd, buf, (size_t)got)) <= 0)
			return err_set(e, got ? errno : EIO, "read %s", name);
		if (archive_write_data(ar, fd >= 0 ? buf : p, (size_t)got) != got)
			return err_setc(e, ERR_INTERNAL, "write %s: %s", name,
					archive_error_string(ar));
		if (fd < 0)
			p = (const char *)p + got;
		left -= (uint64_t)got;
	}
	return 0;
}

static int save_blob(struct archive *ar, struct blobstore *bs,
		     struct strv *done, const char *digest, struct err *e)
{
	char name[DIGEST_STR_MAX + 16];
	uint64_t size = 0;
	int fd = -1, rc;

	if (strv_contains(done, digest))
		return 0;
	if (strv_push(done, digest) < 0)
		abort();
	snprintf(name, sizeof(name), "blobs/%.*s/%s",
		 (int)(strchr(digest, ':') - digest), digest, digest_hex(digest));
	if (blobstore_has(bs, digest, &size, e) != 1)
		return e->msg[0] ? -1
				 : err_setc(e, ERR_NOT_FOUND,
					    "blob %s is not in the store",
					    digest);
	if (blobstore_open_blob(bs, digest, &fd, e) < 0)
		return -1;
	rc = tar_member(ar, name, NULL, fd, size, e);
	close(fd);
	return rc;
}

/* Docker writes "docker.io/library/busybox:latest" as "busybox:latest". */
static void familiar(const char *full, char *out, size_t n)
{
	struct ref r;
	struct err e = ERR_INIT;

	if (ref_parse(full, 0, &r, &e) == 0)
		ref_familiar(&r, out, n);
	else
		snprintf(out, n, "%s", full);
}

/* One image: its blobs, its index.json entries and manifest.json one. */
static int save_image(struct archive *ar, struct blobstore *bs,
		      struct save_img *im, struct strv *done, struct jw *idx,
		      struct imgarchive_image *out, struct err *e)
{
	struct buf b = { 0 };
	struct oci_manifest *m = NULL;
	char path[DIGEST_STR_MAX + 16];
	int rc = -1;

	if (blobstore_read(bs, im->manifest, IMG_DOC_MAX, &b, e) < 0 ||
	    ociimage_parse_manifest(buf_head(&b), buf_used(&b), &m, e) < 0 ||
	    save_blob(ar, bs, done, im->manifest, e) < 0 ||
	    save_blob(ar, bs, done, m->config.digest, e) < 0)
		goto out;
	snprintf(path, sizeof(path), "blobs/sha256/%s",
		 digest_hex(m->config.digest));
	out->config = xstrdup(path);
	for (size_t i = 0; i < m->n_layers; i++) {
		if (save_blob(ar, bs, done, m->layers[i].digest, e) < 0)
			goto out;
		snprintf(path, sizeof(path), "blobs/sha256/%s",
			 digest_hex(m->layers[i].digest));
		if (strv_push(&out->layers, path) < 0)
			abort();
	}
	for (size_t i = 0, named = 0; i < im->refs.n || !named; i++) {
		/* one entry per name; an untagged image (kept under its
		 * id) gets one without names */
		const char *full = i < im->refs.n ? im->refs.v[i] : NULL;
		const char *tag = full ? strrchr(full, ':') : NULL;
		char fam[REF_STR_MAX];
		if (full && !strncmp(full, "sha256:", 7))
			continue;
		jw_obj(idx, NULL);
		jw_str(idx, "mediaType", im->media_type);
		jw_str(idx, "digest", im->manifest);
		jw_uint(idx, "size", im->size);
		if (full) {
			familiar(full, fam, sizeof(fam));
			if (strv_push(&out->repo_tags, fam) < 0)
				abort();
			jw_obj(idx, "annotations");
			jw_str(idx, ANNOT_CONTAINERD_NAME, full);
			jw_str(idx, ANNOT_REF_NAME, tag ? tag + 1 : "latest");
			jw_end_obj(idx);
		}
		jw_end_obj(idx);
		named++;
	}
	rc = 0;
out:
	buf_free(&b);
	ociimage_manifest_free(m);
	return rc;
}

static int save_write(struct archive *ar, const struct save_args *a,
		      struct err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	struct blobstore *bs = NULL;
	struct strv done = { 0 };
	struct imgarchive man = { 0 };
	struct buf ib = { 0 }, mb = { 0 };
	struct jw w;
	int rc = -1;

	if (blobstore_open(a->content, &bs, e) < 0)
		return -1;
	man.images = xcalloc(a->n, sizeof(*man.images));
	man.n = a->n;
	if (tar_member(ar, "oci-layout", layout, -1, sizeof(layout) - 1, e) < 0)
		goto out;
	jw_open(&w, &ib);
	jw_int(&w, "schemaVersion", 2);
	jw_str(&w, "mediaType", MT_OCI_INDEX);
	jw_arr(&w, "manifests");
	for (size_t i = 0; i < a->n; i++)
		if (save_image(ar, bs, &a->imgs[i], &done, &w, &man.images[i],
			       e) < 0) {
			jw_end_arr(&w);
			jw_close(&w);
			goto out;
		}
	jw_end_arr(&w);
	jw_close(&w);
	imgarchive_write(&man, &mb);
	if (tar_member(ar, "index.json", buf_head(&ib), -1, buf_used(&ib), e) <
		0 ||
	    tar_member(ar, "manifest.json", buf_head(&mb), -1, buf_used(&mb),
		       e) < 0)
		goto out;
	rc = 0;
out:
	imgarchive_free(&man);
	strv_free(&done);
	buf_free(&ib);
	buf_free(&mb);
	blobstore_free(bs);
	return rc;
}

/* In the helper: the tarball to stdin (the client's file or stdout). */
static int save_main(void *arg, struct err *e)
{
	struct archive *ar;
	int rc;

	if (archive_fns_load(e) < 0)
		return -1;
	if (!(ar = archive_write_new()))
		abort();
	signal(SIGPIPE, SIG_IGN);
	if (archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(ar, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(ar, 0) != ARCHIVE_OK) {
		err_setc(e, ERR_INTERNAL, "%s", archive_error_string(ar));
		archive_write_free(ar);
		return -1;
	}
	rc = save_write(ar, arg, e);
	if (archive_write_close(ar) != ARCHIVE_OK && rc == 0)
		rc = err_setc(e, ERR_INTERNAL, "write the archive: %s",
			      archive_error_string(ar));
	archive_write_free(ar);
	return rc;
}

static void save_args_free(struct save_args *a)
{
	for (size_t i = 0; i < a->n; i++)
		strv_free(&a->imgs[i].refs);
	free(a->imgs);
}

/* The images named, each once, with every name it was given by. */
static int save_collect(struct ctl_req *r, struct save_args *a, struct err *e)
{
	int argc = ctl_req_argc(r);
	char **argv = ctl_req_argv(r);

	a->imgs = xcalloc((size_t)argc, sizeof(*a->imgs));
	for (int i = 0; i < argc; i++) {
		struct img_entry en;
		size_t k;
		if (img_lookup(argv[i], &en, e) < 0)
			return err_wrap(e, "save");
		for (k = 0; k < a->n; k++)
			if (!strcmp(a->imgs[k].manifest, en.manifest))
				break;
		if (k == a->n) {
			a->n++;
			snprintf(a->imgs[k].manifest, DIGEST_STR_MAX, "%s",
				 en.manifest);
			snprintf(a->imgs[k].media_type,
				 sizeof(a->imgs[k].media_type), "%s",
				 en.media_type);
			a->imgs[k].size = en.manifest_size;
		}
		if (!strv_contains(&a->imgs[k].refs, en.ref) &&
		    strv_push(&a->imgs[k].refs, en.ref) < 0)
			abort();
	}
	return 0;
}

static int do_save(struct ctl_req *r, void *args, struct err *e)
{
	struct save_args a = { .content = images.content };
	int fd = client_fd(r, "save", "output file or stdout", e), rc;

	if (fd < 0)
		return -1;
	if (isatty(fd)) {
		close(fd);
		return err_setc(e, ERR_INVALID,
				"cowardly refusing to save to a terminal. Use "
				"the -o flag or redirect");
	}
	if (save_collect(r, &a, e) < 0) {
		close(fd);
		save_args_free(&a);
		return -1;
	}
	rc = arc_start(r, "save", fd, save_main, &a, false, e);
	save_args_free(&a); /* the helper has its own copy */
	return rc;
}

/* ---- load ---- */

/* A member of the archive: stored as a blob (digest) or kept (doc). */
struct member {
	char *name;
	char digest[DIGEST_STR_MAX];
	uint64_t size;
	struct buf doc; /* small documents, not stored unless named */
	bool kept;
};

struct load {
	struct blobstore *bs;
	const char *layers;
	struct member *m;
	size_t n, cap;
	struct oci_platform host;
};

static struct member *load_member(struct load *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->m[i].name, name))
			return &l->m[i];
	return NULL;
}

static struct member *member_add(struct load *l, const char *name,
				 struct err *e)
{
	struct member *m;

	if (load_member(l, name))
		return err_setc(e, ERR_INVALID,
				"archive member %s appears twice", name),
		       NULL;
	if (l->n == ARCHIVE_MAX_MEMBERS)
		return err_setc(e, ERR_INVALID,
				"more than %d archive members",
				ARCHIVE_MAX_MEMBERS),
		       NULL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->m = xrealloc(l->m, l->cap, sizeof(*l->m));
	}
	m = &l->m[l->n++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	return m;
}

/* Is this member a document to keep in memory (JSON, oci-layout)? */
static bool is_doc(const char *name, int64_t size)
{
	size_t n = strlen(name);

	return size >= 0 && (uint64_t)size <= IMG_DOC_MAX &&
	       ((n > 5 && !strcmp(name + n - 5, ".json")) ||
		!strcmp(name, "oci-layout") || !strcmp(name, "repositories"));
}

/* A blob member: through a writer that checks its digest (expect) or
 * computes it (NULL). */
static int read_blob(struct archive *ar, struct load *l, struct member *m,
		     const char *expect, int64_t size, struct err *e)
{
	struct blobstore_writer *w = NULL;
	uint64_t off = 0;
	const void *p;
	size_t n;
	la_int64_t at;
	int r = blobstore_writer_open(l->bs, expect,
				      size < 0 ? BLOBSTORE_SIZE_UNKNOWN
					       : (uint64_t)size,
				      &w, &off, e);

	if (r < 0)
		return err_wrap(e, "archive member %s", m->name);
	if (r == 0 && off) { /* a partial of an earlier try: start over */
		blobstore_writer_discard(w);
		if (blobstore_writer_open(l->bs, expect,
					  size < 0 ? BLOBSTORE_SIZE_UNKNOWN
						   : (uint64_t)size,
					  &w, &off, e) < 0)
			return err_wrap(e, "archive member %s", m->name);
	}
	m->size = (uint64_t)(size < 0 ? 0 : size);
	while ((r = archive_read_data_block(ar, &p, &n, &at)) == ARCHIVE_OK)
		if (w && blobstore_writer_write(w, p, n, e) < 0)
			return err_wrap(e, "archive member %s", m->name);
	if (r != ARCHIVE_EOF) {
		if (w)
			blobstore_writer_discard(w);
		return err_setc(e, ERR_INVALID, "archive member %s: %s",
				m->name, archive_error_string(ar));
	}
	if (!w) { /* already stored */
		snprintf(m->digest, sizeof(m->digest), "%s", expect);
		return 0;
	}
	if (blobstore_writer_commit(w, m->digest, e) < 0)
		return err_wrap(e, "archive member %s", m->name);
	return 0;
}

static int read_doc(struct archive *ar, struct member *m, struct err *e)
{
	char tmp[65536];
	la_ssize_t n;

	while ((n = archive_read_data(ar, tmp, sizeof(tmp))) > 0) {
		if (buf_used(&m->doc) + (size_t)n > IMG_DOC_MAX)
			return err_setc(e, ERR_INVALID,
					"archive member %s: larger than %u "
					"bytes", m->name, IMG_DOC_MAX);
		buf_append(&m->doc, tmp, (size_t)n);
	}
	if (n < 0)
		return err_setc(e, ERR_INVALID, "archive member %s: %s",
				m->name, archive_error_string(ar));
	m->kept = true;
	m->size = buf_used(&m->doc);
	return 0;
}

/* One tar entry: checked name, then stored or kept. Links and
 * directories are skipped (legacy docker-archive layer dirs are links). */
static int load_entry(struct archive *ar, struct load *l,
		      struct archive_entry *en, struct err *e)
{
	const char *raw = archive_entry_pathname(en);
	char name[4200], digest[DIGEST_STR_MAX];
	mode_t type = archive_entry_filetype(en);
	int64_t size = archive_entry_size_is_set(en) ? archive_entry_size(en)
						     : -1;
	struct member *m;

	if (!raw)
		return err_setc(e, ERR_INVALID, "archive member without a name");
	if (imgarchive_member_check(raw, name, sizeof(name), e) < 0)
		return -1;
	if (archive_entry_hardlink(en) || type == AE_IFLNK || type == AE_IFDIR)
		return 0;
	if (type != AE_IFREG)
		return err_setc(e, ERR_INVALID,
				"archive member %s: not a regular file", name);
	if (!(m = member_add(l, name, e)))
		return -1;
	if (imgarchive_blob_digest(name, digest))
		return read_blob(ar, l, m, digest, size, e);
	if (is_doc(name, size))
		return read_doc(ar, m, e);
	return read_blob(ar, l, m, NULL, size, e);
}

static int load_read(struct load *l, struct err *e)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *en;
	int r, rc = -1;

	if (!ar)
		abort();
	archive_read_support_format_tar(ar);
	archive_read_support_filter_gzip(ar);
	archive_read_support_filter_zstd(ar);
	if (archive_read_open_fd(ar, 0, 65536) != ARCHIVE_OK) {
		err_setc(e, ERR_INVALID, "not an image archive: %s",
			 archive_error_string(ar));
		goto out;
	}
	while ((r = archive_read_next_header(ar, &en)) == ARCHIVE_OK)
		if (load_entry(ar, l, en, e) < 0)
			goto out;
	if (r != ARCHIVE_EOF) {
		err_setc(e, ERR_INVALID, "not an image archive: %s",
			 archive_error_string(ar));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(ar);
	return rc;
}

/* An image to name once all are checked. */
struct ld_img {
	char manifest[DIGEST_STR_MAX];
	char media_type[128];
	uint64_t size;
	char config[DIGEST_STR_MAX];
	struct strv names; /* full references */
};

struct ld_list {
	struct ld_img *v;
	size_t n;
};

static struct ld_img *ld_add(struct ld_list *L)
{
	L->v = xrealloc(L->v, L->n + 1, sizeof(*L->v));
	memset(&L->v[L->n], 0, sizeof(*L->v));
	return &L->v[L->n++];
}

static void ld_name(struct ld_img *im, const char *name)
{
	struct ref r;
	struct err e = ERR_INIT;
	char full[REF_STR_MAX];

	if (!name || ref_parse(name, 0, &r, &e) < 0 || *r.digest)
		return;
	ref_string(&r, full, sizeof(full));
	if (!strv_contains(&im->names, full) && strv_push(&im->names, full) < 0)
		abort();
}

/* A document member stored as a blob (or the blob it names). */
static int member_store(struct load *l, const char *path, const char *what,
			char out[DIGEST_STR_MAX], struct err *e)
{
	struct member *m = load_member(l, path);

	if (!m)
		return err_setc(e, ERR_NOT_FOUND,
				"%s %s is not in the archive", what, path);
	if (m->kept && !m->digest[0] &&
	    blobstore_put(l->bs, buf_head(&m->doc), buf_used(&m->doc), NULL,
			  m->digest, e) < 0)
		return err_wrap(e, "%s %s", what, path);
	snprintf(out, DIGEST_STR_MAX, "%s", m->digest);
	return 0;
}

/* A layer's media type from its first bytes (gzip, zstd or a tar). */
static const char *layer_type(struct load *l, const char *digest)
{
	unsigned char mg[4] = { 0 };
	int fd = -1;
	struct err e = ERR_INIT;
	const char *t = MT_OCI_LAYER;

	if (blobstore_open_blob(l->bs, digest, &fd, &e) < 0)
		return t;
	if (read(fd, mg, 4) == 4) {
		if (mg[0] == 0x1f && mg[1] == 0x8b)
			t = MT_OCI_LAYER_GZIP;
		else if (mg[0] == 0x28 && mg[1] == 0xb5 && mg[2] == 0x2f &&
			 mg[3] == 0xfd)
			t = MT_OCI_LAYER_ZSTD;
	}
	close(fd);
	return t;
}

/* A docker-archive image without an OCI manifest: make one. A config
 * named HEX.json (older Docker, skopeo) must hash to HEX. */
static int ld_from_docker(struct load *l, const struct imgarchive_image *di,
			  struct ld_list *L, struct err *e)
{
	struct oci_manifest m = { .schema_version = 2 };
	struct ld_img *im;
	struct buf b = { 0 };
	const char *base = strrchr(di->config, '/');
	int rc = -1;

	base = base ? base + 1 : di->config;
	im = ld_add(L);
	if (member_store(l, di->config, "config", im->config, e) < 0)
		return -1;
	if (strlen(base) == 64 + 5 && !strcmp(base + 64, ".json") &&
	    strncmp(digest_hex(im->config), base, 64))
		return err_setc(e, ERR_INVALID,
				"config %s: its digest is %s", di->config,
				im->config);
	m.config = (struct oci_desc){ .media_type = MT_OCI_CONFIG,
				      .digest = im->config };
	blobstore_has(l->bs, im->config, &m.config.size, e);
	m.media_type = MT_OCI_MANIFEST;
	m.layers = xcalloc(di->layers.n + 1, sizeof(*m.layers));
	m.n_layers = di->layers.n;
	for (size_t i = 0; i < di->layers.n; i++) {
		struct member *lm = load_member(l, di->layers.v[i]);
		if (!lm || lm->kept) {
			err_setc(e, ERR_NOT_FOUND,
				 "layer %s is not in the archive",
				 di->layers.v[i]);
			goto out;
		}
		m.layers[i] = (struct oci_desc){
		    .media_type = (char *)layer_type(l, lm->digest),
		    .digest = lm->digest, .size = lm->size };
		blobstore_has(l->bs, lm->digest, &m.layers[i].size, e);
	}
	ociimage_write_manifest(&m, &b);
	if (blobstore_put(l->bs, buf_head(&b), buf_used(&b), NULL, im->manifest,
			  e) < 0)
		goto out;
	snprintf(im->media_type, sizeof(im->media_type), MT_OCI_MANIFEST);
	im->size = buf_used(&b);
	for (size_t i = 0; i < di->repo_tags.n; i++)
		ld_name(im, di->repo_tags.v[i]);
	rc = 0;
out:
	free(m.layers);
	buf_free(&b);
	return rc;
}

/* An index.json entry: a manifest, or an index to pick this host's
 * platform from. */
static int ld_from_oci(struct load *l, const struct oci_desc *d,
		       struct ld_list *L, struct err *e)
{
	struct ld_img *im;
	const char *name = ociimage_desc_annotation(d, ANNOT_CONTAINERD_NAME);
	struct oci_desc pick = *d;
	struct oci_index *x = NULL;
	struct buf b = { 0 };

	if (d->mt == OCI_MT_INDEX) {
		size_t which;
		if (blobstore_read(l->bs, d->digest, IMG_DOC_MAX, &b, e) < 0 ||
		    ociimage_parse_index(buf_head(&b), buf_used(&b), &x, e) < 0 ||
		    ociimage_index_select(x, &l->host, &which, e) < 0) {
			buf_free(&b);
			ociimage_index_free(x);
			return err_wrap(e, "index %s", d->digest);
		}
		pick = x->manifests[which];
	}
	im = ld_add(L);
	snprintf(im->manifest, sizeof(im->manifest), "%s", pick.digest);
	snprintf(im->media_type, sizeof(im->media_type), "%s",
		 pick.media_type ? pick.media_type : MT_OCI_MANIFEST);
	im->size = pick.size;
	if (!name) { /* skopeo: "busybox:latest"; Docker: just a tag */
		name = ociimage_desc_annotation(d, ANNOT_REF_NAME);
		if (name && !strpbrk(name, ":/"))
			name = NULL;
	}
	ld_name(im, name);
	buf_free(&b);
	ociimage_index_free(x);
	return 0;
}

/* Check one image whole (manifest, config, every layer) and unpack. */
static int ld_check(struct load *l, struct ld_img *im, struct err *e)
{
	struct buf b = { 0 }, c = { 0 };
	struct oci_manifest *m = NULL;
	struct oci_imgcfg *cfg = NULL;
	char(*chain)[DIGEST_STR_MAX] = NULL;
	int rc = -1;

	if (blobstore_has(l->bs, im->manifest, NULL, e) != 1) {
		if (!e->msg[0])
			err_setc(e, ERR_NOT_FOUND,
				 "manifest %s is not in the archive",
				 im->manifest);
		goto out;
	}
	if (blobstore_read(l->bs, im->manifest, IMG_DOC_MAX, &b, e) < 0 ||
	    ociimage_parse_manifest(buf_head(&b), buf_used(&b), &m, e) < 0 ||
	    ociimage_manifest_runnable(m, e) < 0) {
		err_wrap(e, "manifest %s", im->manifest);
		goto out;
	}
	for (size_t i = 0; i <= m->n_layers; i++) {
		const char *d = i ? m->layers[i - 1].digest : m->config.digest;
		if (blobstore_has(l->bs, d, NULL, e) != 1) {
			err_setc(e, ERR_NOT_FOUND,
				 "%s %s is not in the archive",
				 i ? "layer" : "config", d);
			goto out;
		}
	}
	if (blobstore_read(l->bs, m->config.digest, IMG_DOC_MAX, &c, e) < 0 ||
	    ociimage_parse_config(buf_head(&c), buf_used(&c), &cfg, e) < 0 ||
	    ociimage_config_matches(cfg, m, e) < 0) {
		err_wrap(e, "config %s", m->config.digest);
		goto out;
	}
	snprintf(im->config, sizeof(im->config), "%s", m->config.digest);
	chain = xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
	layers_chain_ids(&cfg->diff_ids, chain);
	rc = img_unpack_chain(l->bs, l->layers, m->n_layers, m->layers, chain,
			      &cfg->diff_ids, e);
out:
	free(chain);
	buf_free(&b);
	buf_free(&c);
	ociimage_manifest_free(m);
	ociimage_config_free(cfg);
	return rc;
}

/* The config digest of an image from index.json (for RepoTags). */
static int ld_config(struct load *l, struct ld_img *im, struct err *e)
{
	struct buf b = { 0 };
	struct oci_manifest *m = NULL;

	if (blobstore_has(l->bs, im->manifest, NULL, e) != 1)
		return e->msg[0] ? -1
				 : err_setc(e, ERR_NOT_FOUND,
					    "manifest %s is not in the archive",
					    im->manifest);
	if (blobstore_read(l->bs, im->manifest, IMG_DOC_MAX, &b, e) < 0 ||
	    ociimage_parse_manifest(buf_head(&b), buf_used(&b), &m, e) < 0) {
		buf_free(&b);
		return err_wrap(e, "manifest %s", im->manifest);
	}
	snprintf(im->config, sizeof(im->config), "%s", m->config.digest);
	buf_free(&b);
	ociimage_manifest_free(m);
	return 0;
}

/* Which images the archive holds: index.json's (the manifests stored as
 * they were, so digests survive a save and load), else manifest.json's;
 * manifest.json's RepoTags name them either way. */
static int ld_plan(struct load *l, struct ld_list *L, struct err *e)
{
	struct member *ix = load_member(l, "index.json"),
		      *mj = load_member(l, "manifest.json");
	struct imgarchive da = { 0 };
	struct oci_index *x = NULL;
	int rc = -1;

	if ((!ix || !ix->kept) && (!mj || !mj->kept))
		return err_setc(e, ERR_INVALID,
				"neither manifest.json nor index.json in the "
				"archive");
	if (mj && mj->kept &&
	    imgarchive_parse(buf_head(&mj->doc), buf_used(&mj->doc), &da, e) < 0)
		return -1;
	if (ix && ix->kept) {
		if (ociimage_parse_index(buf_head(&ix->doc), buf_used(&ix->doc),
					 &x, e) < 0) {
			err_wrap(e, "index.json");
			goto out;
		}
		for (size_t i = 0; i < x->n_manifests; i++)
			if (ld_from_oci(l, &x->manifests[i], L, e) < 0)
				goto out;
		for (size_t i = 0; i < da.n; i++) {
			char cd[DIGEST_STR_MAX];
			if (member_store(l, da.images[i].config, "config", cd,
					 e) < 0)
				goto out;
			for (size_t k = 0; k < L->n; k++) {
				if (!L->v[k].config[0] &&
				    ld_config(l, &L->v[k], e) < 0)
					goto out;
				for (size_t t = 0; !strcmp(L->v[k].config, cd) &&
						   t < da.images[i].repo_tags.n;
				     t++)
					ld_name(&L->v[k],
						da.images[i].repo_tags.v[t]);
			}
		}
	} else {
		for (size_t i = 0; i < da.n; i++)
			if (ld_from_docker(l, &da.images[i], L, e) < 0)
				goto out;
	}
	rc = 0;
out:
	imgarchive_free(&da);
	ociimage_index_free(x);
	return rc;
}

struct load_args {
	const char *content, *layers;
};

static void load_free(struct load *l, struct ld_list *L)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].name);
		buf_free(&l->m[i].doc);
	}
	free(l->m);
	for (size_t i = 0; i < L->n; i++)
		strv_free(&L->v[i].names);
	free(L->v);
	ociimage_platform_clear(&l->host);
	blobstore_free(l->bs);
}

/* Name every image (only now: all were checked) and say so. */
static int load_name(struct load *l, struct ld_list *L, struct err *e)
{
	for (size_t i = 0; i < L->n; i++) {
		struct ld_img *im = &L->v[i];
		struct oci_desc d = { .media_type = im->media_type,
				      .digest = im->manifest,
				      .size = im->size };
		if (!im->names.n && strv_push(&im->names, im->config) < 0)
			abort();
		for (size_t k = 0; k < im->names.n; k++)
			if (blobstore_index_put(l->bs, im->names.v[k], &d, e) < 0)
				return -1;
	}
	for (size_t i = 0; i < L->n; i++)
		for (size_t k = 0; k < L->v[i].names.n; k++) {
			struct ref r;
			char fam[REF_STR_MAX];
			if (!strncmp(L->v[i].names.v[k], "sha256:", 7) ||
			    ref_parse(L->v[i].names.v[k], 0, &r, e) < 0) {
				dprintf(1, "say Loaded image ID: %s\n",
					L->v[i].config);
				continue;
			}
			ref_familiar(&r, fam, sizeof(fam));
			dprintf(1, "say Loaded image: %s\n", fam);
		}
	return 0;
}

static int load_main(void *arg, struct err *e)
{
	const struct load_args *a = arg;
	struct load l = { .layers = a->layers };
	struct ld_list L = { 0 };
	int rc = -1;

	if (archive_fns_load(e) < 0 ||
	    blobstore_open(a->content, &l.bs, e) < 0 ||
	    ociimage_platform_host(&l.host, e) < 0 || load_read(&l, e) < 0 ||
	    ld_plan(&l, &L, e) < 0)
		goto out;
	for (size_t i = 0; i < L.n; i++)
		if (ld_check(&l, &L.v[i], e) < 0)
			goto out;
	rc = load_name(&l, &L, e);
out:
	load_free(&l, &L);
	return rc;
}

static int do_load(struct ctl_req *r, void *args, struct err *e)
{
	struct load_args a = { images.content, images.layers };
	int fd = client_fd(r, "load", "input file or stdin", e);

	if (fd < 0)
		return -1;
	if (isatty(fd)) {
		close(fd);
		return err_setc(e, ERR_INVALID,
				"requested load from stdin, but stdin is a "
				"terminal. Use the -i flag or redirect");
	}
	return arc_start(r, "load", fd, load_main, &a, true, e);
}

/* ---- import: a rootfs tarball as a one-layer image ---- */

/* In the helper: fs/imgimport does the work, from stdin. */
static int import_main(void *arg, struct err *e)
{
	char id[DIGEST_STR_MAX];

	if (imgimport_run(arg, id, e) < 0)
		return -1;
	dprintf(1, "say %s\n", id);
	return 0;
}

static int do_import(struct ctl_req *r, void *args, struct err *e)
{
	const struct import_flags *f = args;
	char **argv = ctl_req_argv(r);
	char name[REF_STR_MAX] = "";
	struct imgimport_opts a;
	struct ref ref;
	int fd;

	if (ctl_req_argc(r) > 1) {
		if (ref_parse(argv[1], 0, &ref, e) < 0)
			return err_wrap(e, "import");
		if (*ref.digest)
			return err_setc(e, ERR_INVALID,
					"import %s: a reference with a digest "
					"cannot name a new image", argv[1]);
		ref_string(&ref, name, sizeof(name));
	}
	if ((fd = client_fd(r, "import", "tarball or stdin", e)) < 0)
		return -1;
	a = (struct imgimport_opts){ images.content, images.layers,
				     name[0] ? name : NULL, argv[0],
				     f->message, 0 };
	return arc_start(r, "import", fd, import_main, &a, true, e);
}

/* ---- the commands ---- */

const struct command img_cmd_save = { "save", do_save };
const struct command img_cmd_load = { "load", do_load };
const struct command img_cmd_import = { "import", do_import };
