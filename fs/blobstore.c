/* blobstore.c - the OCI-layout content store (see blobstore.h).
 *
 * Paths are always relative to the root's directory fd (openat family),
 * built only from validated digests or fixed names. Owns: the root fd;
 * per writer, the partial's fd (and its flock) and a digest context. */
#include "blobstore.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/file.h"

#define LAYOUT_FILE "oci-layout"
#define LAYOUT_JSON "{\"imageLayoutVersion\":\"1.0.0\"}"
#define INDEX_FILE "index.json"
#define INDEX_MAX (64u << 20)
#define CHUNK (1u << 20)

struct blobstore {
	int root_fd;
	char *root;
};

struct blobstore_writer {
	struct blobstore *bs;
	int fd;
	char partial[40 + DIGEST_STR_MAX]; /* "ingest/<hex>.partial" */
	char expect[DIGEST_STR_MAX];	   /* "" when computed */
	uint64_t size, off;
	struct digest_ctx dc;
};

static unsigned tmp_counter;

/* ---- small file helpers ---- */

static int write_all(int fd, const void *p, size_t n, uint64_t off)
{
	const char *c = p;

	while (n) {
		ssize_t r = pwrite(fd, c, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Durable replace of dir/name (relative to root): temp with O_EXCL,
 * write, fsync, rename, fsync the directory; the temp goes on failure. */
static int write_atomic(struct blobstore *bs, const char *name, const void *p,
			size_t n, struct err *e)
{
	char tmp[128];

	snprintf(tmp, sizeof(tmp), "%s.tmp-%d-%u", name, (int)getpid(),
		 __atomic_fetch_add(&tmp_counter, 1, __ATOMIC_RELAXED));
	return file_write_durable(&(struct file_durable){ .dirfd = bs->root_fd,
							  .label = bs->root,
							  .name = name,
							  .tmp = tmp,
							  .mode = 0644 },
				  p, n, e);
}

/* Read a whole regular file below root, refusing more than max bytes. */
static int read_file_at(int dirfd, const char *name, size_t max,
			struct buf *out, struct err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t start = out->len;
	struct stat st;

	if (fd < 0)
		return err_set(e, errno, "open %s", name);
	if (fstat(fd, &st) < 0)
		return err_set(e, errno, "stat %s", name);
	if (!S_ISREG(st.st_mode))
		return err_setc(e, ERR_INVALID, "%s: not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return err_setc(e, ERR_TOO_LARGE, "%s: %lld bytes, limit %zu",
				name, (long long)st.st_size, max);
	for (;;) {
		char *p = buf_reserve(out, CHUNK);
		ssize_t r = read(fd, p, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, errno, "read %s", name);
		if (r == 0)
			return 0;
		out->len += (size_t)r;
		if (out->len - start > max)
			return err_setc(e, ERR_TOO_LARGE, "%s: over %zu bytes",
					name, max);
	}
}

static int mkdir_at(int dirfd, const char *name, struct err *e)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", name);
	return 0;
}

/* ---- names ---- */

/* "blobs/<algo>/<hex>" for a digest that passes digest_check(). */
static int blob_path(const char *digest, char *out, size_t n,
		     enum digest_algo *algo, struct err *e)
{
	enum digest_algo a;

	if (!digest)
		return err_setc(e, ERR_INVALID, "no digest");
	if (digest_check(digest, &a, e) < 0)
		return -1;
	snprintf(out, n, "blobs/%s/%s", digest_algo_name(a),
		 digest_hex(digest));
	if (algo)
		*algo = a;
	return 0;
}

bool blobstore_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > BLOBSTORE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("-._:@/+", c)))
			return false;
	}
	return true;
}

/* ---- the store ---- */

static int index_lock(struct blobstore *bs, struct err *e);

/* Create what a fresh layout needs; existing files are left alone. */
static int layout_init(struct blobstore *bs, struct err *e)
{
	static const char empty_index[] =
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\","
	    "\"manifests\":[]}";
	_cleanup_close_ int lock = -1;

	if (mkdir_at(bs->root_fd, "blobs", e) < 0 ||
	    mkdir_at(bs->root_fd, "blobs/sha256", e) < 0 ||
	    mkdir_at(bs->root_fd, "blobs/sha512", e) < 0 ||
	    mkdir_at(bs->root_fd, "ingest", e) < 0)
		return -1;
	lock = index_lock(bs, e);
	if (lock < 0)
		return -1;
	if (faccessat(bs->root_fd, LAYOUT_FILE, F_OK, 0) < 0 &&
	    write_atomic(bs, LAYOUT_FILE, LAYOUT_JSON, strlen(LAYOUT_JSON), e) <
		0)
		return -1;
	if (faccessat(bs->root_fd, INDEX_FILE, F_OK, 0) < 0 &&
	    write_atomic(bs, INDEX_FILE, empty_index, strlen(empty_index), e) <
		0)
		return -1;
	return 0;
}

int blobstore_open(const char *root, struct blobstore **out, struct err *e)
{
	struct blobstore *bs;

	*out = NULL;
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", root);
	bs = calloc(1, sizeof(*bs));
	if (!bs || !(bs->root = strdup(root))) {
		free(bs);
		return err_set(e, ENOMEM, "blobstore");
	}
	bs->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bs->root_fd < 0) {
		err_set(e, errno, "open %s", root);
		blobstore_free(bs);
		return -1;
	}
	if (layout_init(bs, e) < 0) {
		err_wrap(e, "content store %s", root);
		blobstore_free(bs);
		return -1;
	}
	*out = bs;
	return 0;
}

void blobstore_free(struct blobstore *bs)
{
	if (!bs)
		return;
	if (bs->root_fd >= 0)
		close(bs->root_fd);
	free(bs->root);
	free(bs);
}

const char *blobstore_root(const struct blobstore *bs)
{
	return bs->root;
}

int blobstore_has(struct blobstore *bs, const char *digest, uint64_t *size,
		  struct err *e)
{
	char path[64 + DIGEST_STR_MAX];
	struct stat st;

	if (blob_path(digest, path, sizeof(path), NULL, e) < 0)
		return -1;
	if (fstatat(bs->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, errno, "stat %s", path);
	}
	if (!S_ISREG(st.st_mode))
		return err_setc(e, ERR_INTERNAL, "%s/%s: not a regular file",
				bs->root, path);
	if (size)
		*size = (uint64_t)st.st_size;
	return 1;
}

int blobstore_open_blob(struct blobstore *bs, const char *digest, int *fd,
			struct err *e)
{
	char path[64 + DIGEST_STR_MAX];

	if (blob_path(digest, path, sizeof(path), NULL, e) < 0)
		return -1;
	*fd = openat(bs->root_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT)
			return err_setc(e, ERR_NOT_FOUND, "blob %s not found",
					digest);
		return err_set(e, errno, "open %s/%s", bs->root, path);
	}
	return 0;
}

int blobstore_read(struct blobstore *bs, const char *digest, size_t max,
		   struct buf *out, struct err *e)
{
	char path[64 + DIGEST_STR_MAX], got[DIGEST_STR_MAX];
	struct digest_ctx dc = {0};
	enum digest_algo algo;
	size_t start = out->len;

	if (blob_path(digest, path, sizeof(path), &algo, e) < 0)
		return -1;
	if (read_file_at(bs->root_fd, path, max, out, e) < 0) {
		out->len = start;
		if (e->code == ENOENT)
			return err_setc(e, ERR_NOT_FOUND, "blob %s not found",
					digest);
		return -1;
	}
	if (digest_ctx_init(&dc, algo, e) < 0) {
		out->len = start;
		return -1;
	}
	digest_ctx_update(&dc, out->data + start, out->len - start);
	digest_ctx_final(&dc, got);
	digest_ctx_free(&dc);
	if (strcmp(got, digest) != 0) {
		out->len = start;
		return err_setc(e, ERR_INTERNAL,
				"blob %s is corrupt on disk (content hashes "
				"to %s)",
				digest, got);
	}
	return 0;
}

int blobstore_delete(struct blobstore *bs, const char *digest, struct err *e)
{
	char path[64 + DIGEST_STR_MAX];
	enum digest_algo algo;
	char dir[32];

	if (blob_path(digest, path, sizeof(path), &algo, e) < 0)
		return -1;
	if (unlinkat(bs->root_fd, path, 0) < 0) {
		if (errno == ENOENT)
			return err_setc(e, ERR_NOT_FOUND, "blob %s not found",
					digest);
		return err_set(e, errno, "unlink %s/%s", bs->root, path);
	}
	snprintf(dir, sizeof(dir), "blobs/%s", digest_algo_name(algo));
	return file_fsync_dir(bs->root_fd, dir, e);
}

/* Every entry of blobs/<algo> whose name is a valid hex for algo. */
static int walk_algo(struct blobstore *bs, enum digest_algo algo,
		     blobstore_walk_fn fn, void *ctx, struct err *e)
{
	char dir[32], digest[DIGEST_STR_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "blobs/%s", digest_algo_name(algo));
	fd = openat(bs->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(e, errno, "open %s", dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_set(e, errno, "opendir %s", dir);
	}
	while (r == 0 && (de = readdir(d))) {
		if (strlen(de->d_name) != digest_hex_len(algo))
			continue;
		snprintf(digest, sizeof(digest), "%s:%.128s",
			 digest_algo_name(algo), de->d_name);
		if (!digest_valid(digest) ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		r = fn(digest, (uint64_t)st.st_size, ctx);
	}
	closedir(d);
	return r;
}

int blobstore_walk(struct blobstore *bs, blobstore_walk_fn fn, void *ctx,
		   struct err *e)
{
	int r = walk_algo(bs, DIGEST_SHA256, fn, ctx, e);

	return r ? r : walk_algo(bs, DIGEST_SHA512, fn, ctx, e);
}

int blobstore_ingest_prune(struct blobstore *bs, time_t before, size_t *removed,
			   struct err *e)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	*removed = 0;
	fd = openat(bs->root_fd, "ingest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s/ingest", bs->root);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_set(e, errno, "opendir %s/ingest", bs->root);
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int pfd = -1;
		if (de->d_name[0] == '.')
			continue;
		pfd = openat(fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0 || fstat(pfd, &st) < 0 || st.st_mtime >= before ||
		    flock(pfd, LOCK_EX | LOCK_NB) < 0)
			continue; /* gone, fresh, or being written */
		if (unlinkat(fd, de->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(d);
	return 0;
}

/* ---- writers ---- */

/* Open and flock the partial at name; retry when a commit or discard
 * replaced the file between our open and our lock (the inode we locked
 * must still be the one at the path). */
static int partial_lock(struct blobstore *bs, const char *name, int flags,
			const char *what, int *out, struct err *e)
{
	struct stat a, b;

	for (int tries = 0; tries < 8; tries++) {
		int fd = openat(
		    bs->root_fd, name,
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | flags, 0644);
		if (fd < 0)
			return err_set(e, errno, "open %s/%s", bs->root, name);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int saved = errno;
			close(fd);
			if (saved == EWOULDBLOCK)
				return err_setc(e, ERR_BUSY,
						"blob %s is being written by "
						"another writer",
						what);
			return err_set(e, saved, "lock %s/%s", bs->root, name);
		}
		if (fstat(fd, &a) == 0 &&
		    fstatat(bs->root_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			*out = fd;
			return 0;
		}
		close(fd);
	}
	return err_setc(e, ERR_BUSY, "blob %s: partial file keeps changing",
			what);
}

/* Unlink our partial, but only while the path still names our inode. */
static void partial_unlink(struct blobstore_writer *w)
{
	struct stat a, b;

	if (w->fd >= 0 && fstat(w->fd, &a) == 0 &&
	    fstatat(w->bs->root_fd, w->partial, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		unlinkat(w->bs->root_fd, w->partial, 0);
}

static void writer_free(struct blobstore_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	digest_ctx_free(&w->dc);
	free(w);
}

/* Hash the first `have` bytes already in the partial. */
static int rehash(struct blobstore_writer *w, uint64_t have, struct err *e)
{
	_cleanup_free_ char *chunk = malloc(CHUNK);

	if (!chunk)
		return err_set(e, ENOMEM, "resume %s", w->expect);
	while (w->off < have) {
		size_t want =
		    have - w->off < CHUNK ? (size_t)(have - w->off) : CHUNK;
		ssize_t r = pread(w->fd, chunk, want, (off_t)w->off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return err_set(e, r < 0 ? errno : EIO, "read %s/%s",
				       w->bs->root, w->partial);
		digest_ctx_update(&w->dc, chunk, (size_t)r);
		w->off += (uint64_t)r;
	}
	return 0;
}

/* Writer for a known digest: lock its partial and pick up its bytes.
 * Returns 1 when the blob turns out to be stored already. */
static int writer_known(struct blobstore_writer *w, const char *digest,
			struct err *e)
{
	struct blobstore *bs = w->bs;
	enum digest_algo algo;
	uint64_t have = 0;
	struct stat st;
	int r;

	if (digest_check(digest, &algo, e) < 0)
		return -1;
	snprintf(w->expect, sizeof(w->expect), "%s", digest);
	snprintf(w->partial, sizeof(w->partial), "ingest/%s.partial",
		 digest_hex(digest));
	if (partial_lock(bs, w->partial, 0, digest, &w->fd, e) < 0)
		return -1;
	/* The writer we raced with may have committed it meanwhile. */
	r = blobstore_has(bs, digest, &have, e);
	if (r != 0) {
		if (r == 1)
			partial_unlink(w);
		return r;
	}
	if (fstat(w->fd, &st) < 0)
		return err_set(e, errno, "stat %s/%s", bs->root, w->partial);
	have = (uint64_t)st.st_size;
	if (w->size != BLOBSTORE_SIZE_UNKNOWN && have > w->size) {
		if (ftruncate(w->fd, 0) < 0)
			return err_set(e, errno, "truncate %s", w->partial);
		have = 0;
	}
	if (digest_ctx_init(&w->dc, algo, e) < 0)
		return -1;
	return rehash(w, have, e);
}

/* Writer whose digest is computed: a fresh, uniquely named partial. */
static int writer_anonymous(struct blobstore_writer *w, struct err *e)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(w->partial, sizeof(w->partial), "ingest/tmp-%d-%u-%lx.partial",
		 (int)getpid(),
		 __atomic_fetch_add(&tmp_counter, 1, __ATOMIC_RELAXED),
		 (unsigned long)ts.tv_nsec);
	if (partial_lock(w->bs, w->partial, O_EXCL, "(new)", &w->fd, e) < 0)
		return -1;
	return digest_ctx_init(&w->dc, DIGEST_SHA256, e);
}

int blobstore_writer_open(struct blobstore *bs, const char *digest,
			  uint64_t size, struct blobstore_writer **out,
			  uint64_t *offset, struct err *e)
{
	struct blobstore_writer *w;
	uint64_t have;
	int r;

	*out = NULL;
	*offset = 0;
	if (digest) {
		r = blobstore_has(bs, digest, &have, e);
		if (r < 0)
			return -1;
		if (r == 1 && size != BLOBSTORE_SIZE_UNKNOWN && have != size)
			return err_setc(e, ERR_CONFLICT,
					"blob %s is stored with %llu bytes, "
					"not %llu",
					digest, (unsigned long long)have,
					(unsigned long long)size);
		if (r == 1)
			return 1;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(e, ENOMEM, "blob writer");
	w->bs = bs;
	w->fd = -1;
	w->size = size;
	r = digest ? writer_known(w, digest, e) : writer_anonymous(w, e);
	if (r != 0) {
		writer_free(w);
		return r;
	}
	*offset = w->off;
	*out = w;
	return 0;
}

static const char *writer_name(const struct blobstore_writer *w)
{
	return w->expect[0] ? w->expect : "(new)";
}

int blobstore_writer_write(struct blobstore_writer *w, const void *p, size_t n,
			   struct err *e)
{
	if (w->size != BLOBSTORE_SIZE_UNKNOWN && n > w->size - w->off) {
		partial_unlink(w);
		return err_setc(e, ERR_INVALID,
				"blob %s: more data than the %llu bytes "
				"expected",
				writer_name(w), (unsigned long long)w->size);
	}
	if (write_all(w->fd, p, n, w->off) < 0)
		return err_set(e, errno, "write %s/%s", w->bs->root,
			       w->partial);
	digest_ctx_update(&w->dc, p, n);
	w->off += n;
	return 0;
}

uint64_t blobstore_writer_offset(const struct blobstore_writer *w)
{
	return w->off;
}

/* Rename the verified partial to blobs/<algo>/<hex> durably. */
static int writer_place(struct blobstore_writer *w, const char *digest,
			struct err *e)
{
	char path[64 + DIGEST_STR_MAX], dir[32];
	struct blobstore *bs = w->bs;
	enum digest_algo algo;

	if (blob_path(digest, path, sizeof(path), &algo, e) < 0)
		return -1;
	if (fchmod(w->fd, 0444) < 0)
		return err_set(e, errno, "chmod %s/%s", bs->root, w->partial);
	if (renameat(bs->root_fd, w->partial, bs->root_fd, path) < 0)
		return err_set(e, errno, "rename %s/%s", bs->root, w->partial);
	snprintf(dir, sizeof(dir), "blobs/%s", digest_algo_name(algo));
	if (file_fsync_dir(bs->root_fd, dir, e) < 0 ||
	    file_fsync_dir(bs->root_fd, "ingest", e) < 0)
		return -1;
	return 0;
}

int blobstore_writer_commit(struct blobstore_writer *w,
			    char out[DIGEST_STR_MAX], struct err *e)
{
	char got[DIGEST_STR_MAX];
	int r = -1;

	if (w->size != BLOBSTORE_SIZE_UNKNOWN && w->off < w->size) {
		if (!w->off) /* nothing to resume */
			partial_unlink(w);
		err_setc(e, ERR_INVALID,
			 "blob %s incomplete: %llu of %llu bytes (kept to "
			 "resume)",
			 writer_name(w), (unsigned long long)w->off,
			 (unsigned long long)w->size);
	} else if (fsync(w->fd) < 0) {
		err_set(e, errno, "fsync %s/%s", w->bs->root, w->partial);
	} else {
		digest_ctx_final(&w->dc, got);
		if (w->expect[0] && strcmp(got, w->expect) != 0) {
			partial_unlink(w);
			err_setc(e, ERR_INVALID,
				 "digest mismatch: expected %s, got %s "
				 "(%llu bytes discarded)",
				 w->expect, got, (unsigned long long)w->off);
		} else if (writer_place(w, got, e) == 0) {
			if (out)
				memcpy(out, got, sizeof(got));
			r = 0;
		}
	}
	writer_free(w);
	return r;
}

void blobstore_writer_close(struct blobstore_writer *w)
{
	/* An empty partial holds nothing to resume, only a name: e.g. a
	 * layer's sink that a pull failing elsewhere ended before its first
	 * byte (on a full disk it would be left behind for nothing). */
	if (w && !w->off)
		partial_unlink(w);
	writer_free(w);
}

void blobstore_writer_discard(struct blobstore_writer *w)
{
	if (w)
		partial_unlink(w);
	writer_free(w);
}

int blobstore_put(struct blobstore *bs, const void *p, size_t n,
		  const char *expect, char out[DIGEST_STR_MAX], struct err *e)
{
	struct blobstore_writer *w;
	uint64_t off;
	int r;

	r = blobstore_writer_open(bs, expect, n, &w, &off, e);
	if (r < 0)
		return -1;
	if (r == 1) {
		if (out)
			snprintf(out, DIGEST_STR_MAX, "%s", expect);
		return 0;
	}
	/* A partial of the right length may exist; write the rest of it. */
	if (off > n ||
	    blobstore_writer_write(w, (const char *)p + off, n - off, e) < 0) {
		blobstore_writer_discard(w);
		return off > n ? err_setc(e, ERR_INTERNAL, "bad partial") : -1;
	}
	return blobstore_writer_commit(w, out, e);
}

/* ---- index.json ---- */

/* flock the root for an index.json read-modify-write; returns the fd. */
static int index_lock(struct blobstore *bs, struct err *e)
{
	int fd = openat(bs->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return err_set(e, errno, "open %s", bs->root);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			err_set(e, errno, "lock %s", bs->root);
			close(fd);
			return -1;
		}
	}
	return fd;
}

int blobstore_index_load(struct blobstore *bs, struct oci_index **out,
			 struct err *e)
{
	struct buf b = {0};
	int r;

	*out = NULL;
	r = read_file_at(bs->root_fd, INDEX_FILE, INDEX_MAX, &b, e);
	if (r == 0)
		r = ociimage_parse_index(buf_head(&b), buf_used(&b), out, e);
	buf_free(&b);
	return r < 0 ? err_wrap(e, "%s/%s", bs->root, INDEX_FILE) : 0;
}

static int index_save(struct blobstore *bs, const struct oci_index *x,
		      struct err *e)
{
	struct buf b = {0};
	int r;

	ociimage_write_index(x, &b);
	r = write_atomic(bs, INDEX_FILE, buf_head(&b), buf_used(&b), e);
	buf_free(&b);
	return r;
}

static ssize_t index_lookup(const struct oci_index *x, const char *name)
{
	for (size_t i = 0; i < x->n_manifests; i++) {
		const char *n =
		    ociimage_desc_annotation(&x->manifests[i], ANNOT_REF_NAME);
		if (n && strcmp(n, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/* A name that is an image id ("sha256:...", what skiff stored untagged
 * images under before dangling entries existed) counts as no name. */
static bool name_is_id(const char *name)
{
	return !name || !strncmp(name, "sha256:", 7);
}

static bool desc_nameless(const struct oci_desc *d)
{
	return name_is_id(ociimage_desc_annotation(d, ANNOT_REF_NAME));
}

/* Does an entry other than skip point at digest? */
static bool index_refers(const struct oci_index *x, const char *digest,
			 size_t skip)
{
	for (size_t i = 0; i < x->n_manifests; i++)
		if (i != skip && !strcmp(x->manifests[i].digest, digest))
			return true;
	return false;
}

static void index_del(struct oci_index *x, size_t at)
{
	ociimage_desc_clear(&x->manifests[at]);
	memmove(&x->manifests[at], &x->manifests[at + 1],
		(x->n_manifests - at - 1) * sizeof(x->manifests[0]));
	x->n_manifests--;
}

/* Drop the ref.name annotation: the entry becomes a dangling image. */
static void desc_unname(struct oci_desc *d)
{
	for (size_t i = 0; i < d->n_annotations; i++) {
		if (strcmp(d->annotations[i].key, ANNOT_REF_NAME))
			continue;
		free(d->annotations[i].key);
		free(d->annotations[i].value);
		memmove(&d->annotations[i], &d->annotations[i + 1],
			(d->n_annotations - i - 1) * sizeof(d->annotations[0]));
		d->n_annotations--;
		return;
	}
}

/* Append *d (moved: *d is zeroed). */
static int index_append(struct oci_index *x, struct oci_desc *d,
			struct err *e)
{
	struct oci_desc *v =
	    realloc(x->manifests, (x->n_manifests + 1) * sizeof(*v));

	if (!v)
		return err_set(e, ENOMEM, "index.json");
	x->manifests = v;
	x->manifests[x->n_manifests++] = *d;
	memset(d, 0, sizeof(*d));
	return 0;
}

static int check_name(const char *name, struct err *e)
{
	if (!blobstore_name_valid(name))
		return err_setc(e, ERR_INVALID,
				"invalid image name \"%.128s\" for index.json",
				name);
	return 0;
}

/* The entry at `at` loses its name: when nothing else points at its
 * manifest it stays as a dangling entry, else it goes. */
static void index_unname_at(struct oci_index *x, size_t at, bool keep)
{
	if (keep && !index_refers(x, x->manifests[at].digest, at))
		desc_unname(&x->manifests[at]);
	else
		index_del(x, at);
}

/* Point name at d (moved) in x: the manifest the name left stays
 * dangling when no other entry has it; dangling entries of d's manifest
 * go (it has a name now). A nameless put adds a dangling entry only when
 * no entry has the manifest yet. */
static int index_set(struct oci_index *x, const char *name,
		     struct oci_desc *d, struct err *e)
{
	ssize_t at = name_is_id(name) ? -1 : index_lookup(x, name);

	if (name_is_id(name)) {
		if (index_refers(x, d->digest, SIZE_MAX))
			return 0;
		return index_append(x, d, e);
	}
	if (at >= 0 && strcmp(x->manifests[at].digest, d->digest))
		index_unname_at(x, (size_t)at, true);
	else if (at >= 0)
		index_del(x, (size_t)at);
	for (size_t i = x->n_manifests; i-- > 0;)
		if (!strcmp(x->manifests[i].digest, d->digest) &&
		    desc_nameless(&x->manifests[i]))
			index_del(x, i);
	return index_append(x, d, e);
}

int blobstore_index_put(struct blobstore *bs, const char *name,
			const struct oci_desc *desc, struct err *e)
{
	_cleanup_close_ int lock = -1;
	struct oci_index *x = NULL;
	struct oci_desc d;
	int r = -1;

	if ((name && check_name(name, e) < 0) ||
	    digest_check(desc->digest ? desc->digest : "", NULL, e) < 0)
		return -1;
	if (ociimage_desc_copy(&d, desc) < 0 ||
	    (!name_is_id(name) &&
	     ociimage_desc_set_annotation(&d, ANNOT_REF_NAME, name) < 0)) {
		ociimage_desc_clear(&d);
		return err_set(e, ENOMEM, "index.json");
	}
	if (name_is_id(name))
		desc_unname(&d);
	lock = index_lock(bs, e);
	if (lock < 0 || blobstore_index_load(bs, &x, e) < 0 ||
	    index_set(x, name, &d, e) < 0)
		goto out;
	r = index_save(bs, x, e);
out:
	ociimage_desc_clear(&d);
	ociimage_index_free(x);
	return r;
}

int blobstore_index_untag(struct blobstore *bs, const char *name,
			  bool keep_dangling, struct err *e)
{
	_cleanup_close_ int lock = -1;
	struct oci_index *x = NULL;
	ssize_t at;
	int r = -1;

	if (check_name(name, e) < 0)
		return -1;
	lock = index_lock(bs, e);
	if (lock < 0 || blobstore_index_load(bs, &x, e) < 0)
		goto out;
	at = index_lookup(x, name);
	if (at < 0) {
		err_setc(e, ERR_NOT_FOUND, "no image named %s", name);
		goto out;
	}
	index_unname_at(x, (size_t)at, keep_dangling);
	r = index_save(bs, x, e);
out:
	ociimage_index_free(x);
	return r;
}

int blobstore_index_remove(struct blobstore *bs, const char *name,
			   struct err *e)
{
	return blobstore_index_untag(bs, name, false, e);
}

int blobstore_index_drop(struct blobstore *bs, const char *digest,
			 struct err *e)
{
	_cleanup_close_ int lock = -1;
	struct oci_index *x = NULL;
	size_t dropped = 0;
	int r = -1;

	if (digest_check(digest, NULL, e) < 0)
		return -1;
	lock = index_lock(bs, e);
	if (lock < 0 || blobstore_index_load(bs, &x, e) < 0)
		goto out;
	for (size_t i = x->n_manifests; i-- > 0;)
		if (!strcmp(x->manifests[i].digest, digest) &&
		    desc_nameless(&x->manifests[i])) {
			index_del(x, i);
			dropped++;
		}
	if (!dropped)
		err_setc(e, ERR_NOT_FOUND, "no dangling image with manifest %s",
			 digest);
	else
		r = index_save(bs, x, e);
out:
	ociimage_index_free(x);
	return r;
}

int blobstore_index_find(struct blobstore *bs, const char *name,
			 struct oci_desc *out, struct err *e)
{
	struct oci_index *x = NULL;
	ssize_t at;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (check_name(name, e) < 0 || blobstore_index_load(bs, &x, e) < 0)
		return -1;
	at = index_lookup(x, name);
	if (at < 0)
		err_setc(e, ERR_NOT_FOUND, "no image named %s", name);
	else if (ociimage_desc_copy(out, &x->manifests[at]) < 0)
		err_set(e, ENOMEM, "index.json");
	else
		r = 0;
	ociimage_index_free(x);
	return r;
}

bool blobstore_busy_wait(unsigned *tries, unsigned max, struct err *e)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	if (e->class != ERR_BUSY || ++*tries >= max)
		return false;
	err_clear(e);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return true;
}
