/* unpack.c - image layer unpack (see unpack.h for the design).
 *
 * One struct unpack_ctx per unpack_fd() call owns: the two libarchive
 * readers, the SHA-256 state, the cached parent directory fd (with its
 * path), the ring of written files whose page cache is still to drop, and
 * the list of directory times applied at the end. Every fd is O_CLOEXEC and
 * closed before unpack_fd() returns. Entries are applied by the functions in
 * the "entries" section, always as one *at() call on a single name under a
 * parent fd that parent_fd() resolved inside the root. */
#include "unpack.h"
#include "tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "archive_fns.h"

#define IN_BLOCK (128 * 1024)  /* read size of the compressed input */
#define CACHE_CHUNK (8u << 20) /* write back a big file every 8 MiB */
#define CACHE_RING 32	       /* written files waiting for their drop */
#define PIPE_SIZE (1 << 20)    /* decompressor pipe and read size */
#define SHOW_MAX 160	       /* entry name bytes quoted in messages */
#define OVERLAY_XATTR "trusted.overlay."
#define WH_PREFIX ".wh."
#define WH_META ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define RESOLVE_FLAGS                                                          \
	(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |       \
	 RESOLVE_NO_XDEV)

struct dirtime {
	char *path; /* normalised, "" for the root */
	struct timespec ts[2];
};

struct unpack_ctx {
	int root;
	unsigned flags;
	uint64_t max_bytes;
	struct unpack_result *r;
	struct archive *outer; /* input fd -> uncompressed bytes */
	struct archive *inner; /* uncompressed bytes -> tar entries */
	EVP_MD_CTX *md;
	bool src_eof;
	pid_t child;	 /* the decompressor, -1 if none */
	int data_fd;	 /* its uncompressed bytes */
	int err_fd;	 /* its struct err, if it fails */
	char *buf;	 /* PIPE_SIZE bytes read from data_fd */
	bool src_failed; /* src_err holds why the byte source failed */
	struct err src_err;
	char cache_path[PATH_MAX]; /* the parent fd cached in cache_fd */
	int cache_fd;
	int ring[CACHE_RING];
	size_t ring_len, ring_head;
	struct dirtime *dirs;
	size_t ndirs, capdirs;
	char show[SHOW_MAX + 8]; /* the current entry's name, printable */
	char path[PATH_MAX];	 /* the current entry, normalised */
};

static const struct {
	const char *type;
	enum unpack_compression c;
} media_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", UNPACK_PLAIN},
    {"application/vnd.oci.image.layer.v1.tar+gzip", UNPACK_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", UNPACK_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", UNPACK_PLAIN},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
     UNPACK_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
     UNPACK_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar", UNPACK_PLAIN},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", UNPACK_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd", UNPACK_ZSTD},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", UNPACK_GZIP},
};

int unpack_media_type(const char *media_type, enum unpack_compression *c,
		      struct err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(media_types); i++) {
		if (strcmp(media_type, media_types[i].type) == 0) {
			*c = media_types[i].c;
			return 0;
		}
	}
	return err_setc(e, ERR_INVALID, "media type %.200s is not a layer",
			media_type);
}

const char *unpack_compression_name(enum unpack_compression c)
{
	switch (c) {
	case UNPACK_GZIP:
		return "gzip";
	case UNPACK_ZSTD:
		return "zstd";
	default:
		return "none";
	}
}

/* ---- small helpers ---- */

/* libarchive's last message, never NULL. */
static const char *aerr(struct archive *a)
{
	const char *m = archive_error_string(a);

	return m ? m : "unknown error";
}

/* A printable copy of an entry name for messages: control bytes become
 * '?', and a long name is cut with "...". */
static void show_name(char *out, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i < SHOW_MAX; i++) {
		unsigned char ch = (unsigned char)name[i];
		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	strcpy(out + i, name[i] ? "..." : "");
}

/* Entry refusal: "entry NAME: why", class invalid. */
__attribute__((format(printf, 3, 4))) static int
refuse(struct unpack_ctx *c, struct err *e, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_setc(e, ERR_INVALID, "entry %s: %s", c->show, why);
}

/* A failed system call on the current entry. */
static int fail(struct unpack_ctx *c, struct err *e, const char *what)
{
	return err_set(e, errno, "entry %s: %s", c->show, what);
}

static long openat2_fd(int dirfd, const char *path, int oflags)
{
	struct open_how how = {
	    .flags = (uint64_t)(oflags | O_CLOEXEC),
	    .resolve = RESOLVE_FLAGS,
	};
	long fd;

	/* EAGAIN: a concurrent rename elsewhere on the system; retry. */
	for (int i = 0; i < 16; i++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/* Normalise a name from the tar into out[PATH_MAX]: no leading "./", no
 * "." or empty components, no trailing slash; "" is the layer root.
 * Refuses absolute names, ".." anywhere and over-long names. */
static int norm_path(struct unpack_ctx *c, const char *in, char *out,
		     const char *what, struct err *e)
{
	size_t n = 0, len;
	const char *p = in, *s;

	if (in[0] == '/')
		return refuse(c, e, "%s is an absolute path", what);
	while (*p) {
		s = strchrnul(p, '/');
		len = (size_t)(s - p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return refuse(c, e, "%s climbs out with \"..\"", what);
		if (len > NAME_MAX)
			return refuse(c, e, "%s has a component longer than %d",
				      what, NAME_MAX);
		if (len && !(len == 1 && p[0] == '.')) {
			if (n + len + 2 > PATH_MAX)
				return refuse(c, e, "%s is longer than %d",
					      what, PATH_MAX - 1);
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p = *s ? s + 1 : s;
	}
	out[n] = 0;
	return 0;
}

/* Split a normalised path in place: returns the base name, path becomes
 * the parent ("" for the root). */
static char *split_base(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash) {
		memmove(path + 1, path, strlen(path) + 1);
		path[0] = 0;
		return path + 1;
	}
	*slash = 0;
	return slash + 1;
}

static const char *entry_name(struct archive_entry *ent)
{
	const char *p = archive_entry_pathname(ent);

	return p ? p : archive_entry_pathname_utf8(ent);
}

static const char *entry_hardlink(struct archive_entry *ent)
{
	const char *p = archive_entry_hardlink(ent);

	return p ? p : archive_entry_hardlink_utf8(ent);
}

static const char *entry_symlink(struct archive_entry *ent)
{
	const char *p = archive_entry_symlink(ent);

	return p ? p : archive_entry_symlink_utf8(ent);
}

/* ---- parents ---- */

/* Map a resolution failure to a refusal that says why. */
static int resolve_failed(struct unpack_ctx *c, const char *what,
			  const char *path, struct err *e)
{
	char shown[SHOW_MAX + 8];

	show_name(shown, path);
	if (errno == ELOOP)
		return refuse(c, e, "%s %s goes through a symlink", what,
			      shown);
	if (errno == ENOTDIR)
		return refuse(c, e, "%s %s goes through a non-directory", what,
			      shown);
	if (errno == EXDEV)
		return refuse(c, e, "%s %s leaves the layer", what, shown);
	return err_set(e, errno, "entry %s: open %s %s", c->show, what, shown);
}

/* Create the missing directories of parent one component at a time, each
 * opened (or made, 0755) as a single name under the previous one. */
static int make_parents(struct unpack_ctx *c, const char *parent, struct err *e)
{
	char buf[PATH_MAX], *p = buf, *s;
	int cur = -1;
	long fd;

	strcpy(buf, parent);
	for (;; p = s + 1) {
		s = strchrnul(p, '/');
		bool last = !*s;
		*s = 0;
		fd = openat2_fd(cur < 0 ? c->root : cur, p,
				O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(cur < 0 ? c->root : cur, p, 0755) < 0 &&
			    errno != EEXIST) {
				fail(c, e, "create parent directory");
				break;
			}
			fd = openat2_fd(cur < 0 ? c->root : cur, p,
					O_PATH | O_DIRECTORY);
		}
		if (fd < 0) {
			resolve_failed(c, "parent", parent, e);
			break;
		}
		if (cur >= 0)
			close(cur);
		cur = (int)fd;
		if (last)
			return cur;
	}
	if (cur >= 0)
		close(cur);
	return -1;
}

/* The parent directory fd of the current entry, created if missing;
 * borrowed (the cache owns it). Directories are never removed during an
 * unpack, so a cached fd stays the directory its path names. */
static int parent_fd(struct unpack_ctx *c, const char *parent, struct err *e)
{
	long fd;

	if (!*parent)
		return c->root;
	if (c->cache_fd >= 0 && strcmp(c->cache_path, parent) == 0)
		return c->cache_fd;
	fd = openat2_fd(c->root, parent, O_PATH | O_DIRECTORY);
	if (fd < 0 && errno == ENOENT)
		fd = make_parents(c, parent, e);
	else if (fd < 0)
		return resolve_failed(c, "parent", parent, e);
	if (fd < 0)
		return -1;
	if (c->cache_fd >= 0)
		close(c->cache_fd);
	c->cache_fd = (int)fd;
	strcpy(c->cache_path, parent);
	return c->cache_fd;
}

/* name exists under pfd where a new entry goes: a directory stays (returns
 * 1) if the new entry is one too and is refused otherwise; anything else
 * is unlinked (returns 0), as tar does for a later entry of the same name. */
static int make_room(struct unpack_ctx *c, int pfd, const char *name,
		     bool new_is_dir, struct err *e)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(c, e, "stat existing");
	if (S_ISDIR(st.st_mode)) {
		if (new_is_dir)
			return 1;
		return refuse(c, e, "would replace a directory");
	}
	if (unlinkat(pfd, name, 0) < 0)
		return fail(c, e, "replace existing");
	return 0;
}

/* ---- metadata ---- */

static int entry_owner(struct unpack_ctx *c, struct archive_entry *ent,
		       uid_t *uid, gid_t *gid, struct err *e)
{
	la_int64_t u = archive_entry_uid(ent), g = archive_entry_gid(ent);

	if (u < 0 || u >= (la_int64_t)UINT32_MAX || g < 0 ||
	    g >= (la_int64_t)UINT32_MAX)
		return refuse(c, e, "owner %lld:%lld out of range",
			      (long long)u, (long long)g);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(ent);
	ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
	if (!archive_entry_mtime_is_set(ent))
		ts[1].tv_nsec = UTIME_OMIT;
	if (archive_entry_atime_is_set(ent)) {
		ts[0].tv_sec = archive_entry_atime(ent);
		ts[0].tv_nsec = archive_entry_atime_nsec(ent);
	} else {
		ts[0] = ts[1];
	}
}

/* Set the entry's xattrs on fd, or (fd < 0) on pfd/name without following
 * it, through /proc/self/fd: symlinks and device nodes have no fd to use. */
static int set_xattrs(struct unpack_ctx *c, struct archive_entry *ent, int fd,
		      int pfd, const char *name, struct err *e)
{
	const char *key;
	const void *val;
	size_t size;
	char proc[PATH_MAX + 32];
	int rc;

	if (archive_entry_xattr_reset(ent) == 0)
		return 0;
	if (fd < 0)
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, name);
	while (archive_entry_xattr_next(ent, &key, &val, &size) == ARCHIVE_OK) {
		if (strncmp(key, OVERLAY_XATTR, strlen(OVERLAY_XATTR)) == 0)
			return refuse(
			    c, e, "xattr %.60s is reserved for overlayfs", key);
		rc = fd >= 0 ? fsetxattr(fd, key, val, size, 0)
			     : lsetxattr(proc, key, val, size, 0);
		if (rc < 0)
			return err_set(e, errno, "entry %s: set xattr %.60s",
				       c->show, key);
	}
	return 0;
}

/* Owner, xattrs, then mode (chown clears setuid/setgid and file
 * capabilities, so those come after it) on an open file or directory. */
static int meta_fd(struct unpack_ctx *c, struct archive_entry *ent, int fd,
		   struct err *e)
{
	uid_t uid = 0;
	gid_t gid = 0;

	if (entry_owner(c, ent, &uid, &gid, e) < 0)
		return -1;
	if (!(c->flags & UNPACK_NO_OWNERS) && fchown(fd, uid, gid) < 0)
		return fail(c, e, "chown");
	if (set_xattrs(c, ent, fd, -1, NULL, e) < 0)
		return -1;
	if (fchmod(fd, archive_entry_mode(ent) & 07777) < 0)
		return fail(c, e, "chmod");
	return 0;
}

/* The same for a node made by name (symlink, device, fifo), plus times. */
static int meta_name(struct unpack_ctx *c, struct archive_entry *ent, int pfd,
		     const char *name, bool is_link, struct err *e)
{
	struct timespec ts[2];
	uid_t uid = 0;
	gid_t gid = 0;

	if (entry_owner(c, ent, &uid, &gid, e) < 0)
		return -1;
	if (!(c->flags & UNPACK_NO_OWNERS) &&
	    fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, e, "chown");
	if (set_xattrs(c, ent, -1, pfd, name, e) < 0)
		return -1;
	/* The node was just made by us and is not a symlink: nothing to
	 * follow. Symlinks have no mode of their own on Linux. */
	if (!is_link &&
	    fchmodat(pfd, name, archive_entry_mode(ent) & 07777, 0) < 0)
		return fail(c, e, "chmod");
	entry_times(ent, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, e, "set times");
	return 0;
}

/* ---- page cache ---- */

/* Wait for fd's writeback of [off, off+len) (0 = to the end) and drop
 * those pages from the cache. Errors surface at the final syncfs. */
static void cache_drop(int fd, off_t off, off_t len)
{
	sync_file_range(fd, off, len,
			SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			    SYNC_FILE_RANGE_WAIT_AFTER);
	posix_fadvise(fd, off, len, POSIX_FADV_DONTNEED);
}

/* A big file crossed a CACHE_CHUNK boundary at `at`: start writeback of
 * the chunk just filled, and drop the one before it (written back by now,
 * so the wait is short). */
static void cache_progress(struct unpack_ctx *c, int fd, uint64_t before,
			   uint64_t at)
{
	uint64_t k = at / CACHE_CHUNK;

	if (c->flags & UNPACK_KEEP_CACHE || k == before / CACHE_CHUNK)
		return;
	sync_file_range(fd, (off_t)((k - 1) * CACHE_CHUNK), CACHE_CHUNK,
			SYNC_FILE_RANGE_WRITE);
	if (k >= 2)
		cache_drop(fd, (off_t)((k - 2) * CACHE_CHUNK), CACHE_CHUNK);
}

/* Done writing fd: start its writeback and queue it; the file
 * CACHE_RING places back is waited for, dropped and closed. Takes fd. */
static void cache_done(struct unpack_ctx *c, int fd)
{
	size_t slot;

	if (c->flags & UNPACK_KEEP_CACHE) {
		close(fd);
		return;
	}
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (c->ring_len == CACHE_RING) {
		slot = c->ring_head;
		cache_drop(c->ring[slot], 0, 0);
		close(c->ring[slot]);
		c->ring_head = (c->ring_head + 1) % CACHE_RING;
		c->ring_len--;
	}
	slot = (c->ring_head + c->ring_len) % CACHE_RING;
	c->ring[slot] = fd;
	c->ring_len++;
}

/* Close what the ring holds; drop its pages unless aborting. */
static void cache_flush(struct unpack_ctx *c, bool drop)
{
	while (c->ring_len) {
		int fd = c->ring[c->ring_head];
		if (drop)
			cache_drop(fd, 0, 0);
		close(fd);
		c->ring_head = (c->ring_head + 1) % CACHE_RING;
		c->ring_len--;
	}
}

/* ---- entries ---- */

static int write_full(int fd, const char *p, size_t n, off_t off)
{
	ssize_t w;

	while (n) {
		w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -1 : (errno = ENOSPC, -1);
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int read_failed(struct unpack_ctx *c, struct err *e)
{
	if (c->src_failed) {
		*e = c->src_err;
		return -1;
	}
	return err_setc(e, ERR_INVALID, "entry %s: read: %s", c->show,
			aerr(c->inner));
}

/* Copy the entry's data into fd (holes of sparse entries stay holes). */
static int file_data(struct unpack_ctx *c, int fd, struct archive_entry *ent,
		     struct err *e)
{
	const void *buf;
	size_t n;
	la_int64_t off, size = archive_entry_size(ent);
	uint64_t end = 0;
	int rc;

	for (;;) {
		rc = archive_read_data_block(c->inner, &buf, &n, &off);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
			return read_failed(c, e);
		if (off < 0 || write_full(fd, buf, n, off) < 0)
			return fail(c, e, "write");
		cache_progress(c, fd, end, (uint64_t)off + n);
		end = (uint64_t)off + n;
		c->r->bytes += n;
	}
	if (size > 0 && (uint64_t)size > end && ftruncate(fd, size) < 0)
		return fail(c, e, "truncate");
	return 0;
}

static int do_file(struct unpack_ctx *c, int pfd, const char *name,
		   struct archive_entry *ent, struct err *e)
{
	_cleanup_close_ int fd = -1;
	struct timespec ts[2];

	for (int i = 0; i < 2; i++) {
		fd = openat(
		    pfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST || i)
			break;
		if (make_room(c, pfd, name, false, e) < 0)
			return -1;
	}
	if (fd < 0)
		return fail(c, e, "create");
	if (file_data(c, fd, ent, e) < 0 || meta_fd(c, ent, fd, e) < 0)
		return -1;
	entry_times(ent, ts);
	if (futimens(fd, ts) < 0)
		return fail(c, e, "set times");
	cache_done(c, steal_fd(&fd));
	return 0;
}

/* Directory times are set once every entry is in (children change them). */
static int dir_later(struct unpack_ctx *c, const char *path,
		     struct archive_entry *ent, struct err *e)
{
	struct dirtime *d;

	if (c->ndirs == c->capdirs) {
		size_t cap = c->capdirs ? 2 * c->capdirs : 64;
		d = realloc(c->dirs, cap * sizeof(*d));
		if (!d)
			return err_set(e, ENOMEM, "directory list");
		c->dirs = d;
		c->capdirs = cap;
	}
	d = &c->dirs[c->ndirs];
	if (!(d->path = strdup(path)))
		return err_set(e, ENOMEM, "directory list");
	entry_times(ent, d->ts);
	c->ndirs++;
	return 0;
}

static int do_dir(struct unpack_ctx *c, int pfd, const char *name,
		  const char *path, struct archive_entry *ent, struct err *e)
{
	_cleanup_close_ int fd = -1;
	int rc;

	if (!*path) { /* "./": the layer root itself */
		fd = openat(c->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		if (mkdirat(pfd, name, 0700) < 0) {
			if (errno != EEXIST)
				return fail(c, e, "mkdir");
			rc = make_room(c, pfd, name, true, e);
			if (rc < 0 || (rc == 0 && mkdirat(pfd, name, 0700) < 0))
				return rc < 0 ? -1 : fail(c, e, "mkdir");
		}
		fd = openat(pfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return fail(c, e, "open directory");
	if (meta_fd(c, ent, fd, e) < 0)
		return -1;
	return dir_later(c, path, ent, e);
}

static int do_symlink(struct unpack_ctx *c, int pfd, const char *name,
		      struct archive_entry *ent, struct err *e)
{
	const char *target = entry_symlink(ent);

	if (!target || !*target)
		return refuse(c, e, "symlink without a target");
	if (symlinkat(target, pfd, name) < 0) {
		if (errno != EEXIST)
			return fail(c, e, "symlink");
		if (make_room(c, pfd, name, false, e) < 0)
			return -1;
		if (symlinkat(target, pfd, name) < 0)
			return fail(c, e, "symlink");
	}
	return meta_name(c, ent, pfd, name, true, e);
}

static int mknod_room(struct unpack_ctx *c, int pfd, const char *name,
		      mode_t mode, dev_t dev, struct err *e)
{
	if (mknodat(pfd, name, mode, dev) == 0)
		return 0;
	if (errno != EEXIST)
		return fail(c, e, "mknod");
	if (make_room(c, pfd, name, false, e) < 0)
		return -1;
	if (mknodat(pfd, name, mode, dev) < 0)
		return fail(c, e, "mknod");
	return 0;
}

static int do_node(struct unpack_ctx *c, int pfd, const char *name,
		   struct archive_entry *ent, struct err *e)
{
	mode_t type = archive_entry_filetype(ent);
	dev_t dev = 0;

	if (type != AE_IFIFO)
		dev = makedev(archive_entry_rdevmajor(ent),
			      archive_entry_rdevminor(ent));
	if (mknod_room(c, pfd, name, type | 0600, dev, e) < 0)
		return -1;
	return meta_name(c, ent, pfd, name, false, e);
}

/* A hardlink to an earlier entry: the target is resolved inside the root
 * like any path, with no parent created, and linked without following. */
static int do_hardlink(struct unpack_ctx *c, int pfd, const char *name,
		       const char *target, struct err *e)
{
	char tpath[PATH_MAX], *tbase;
	_cleanup_close_ int tfd = -1;
	int dfd;

	if (norm_path(c, target, tpath, "hardlink target", e) < 0)
		return -1;
	tbase = split_base(tpath);
	if (!*tbase)
		return refuse(c, e, "hardlink to the layer root");
	if (!*tpath) {
		dfd = c->root;
	} else if (strcmp(tpath, c->cache_path) == 0 && c->cache_fd >= 0) {
		dfd = c->cache_fd;
	} else {
		tfd = (int)openat2_fd(c->root, tpath, O_PATH | O_DIRECTORY);
		if (tfd < 0)
			return resolve_failed(c, "hardlink target", target, e);
		dfd = tfd;
	}
	if (linkat(dfd, tbase, pfd, name, 0) < 0) {
		if (errno == EEXIST) {
			if (make_room(c, pfd, name, false, e) < 0)
				return -1;
			if (linkat(dfd, tbase, pfd, name, 0) == 0)
				return 0;
		}
		if (errno == ENOENT)
			return refuse(
			    c, e, "hardlink target %.100s is not in the layer",
			    tbase);
		if (errno == EPERM)
			return refuse(c, e, "hardlink to a directory");
		return fail(c, e, "link");
	}
	return 0;
}

/* ".wh..wh..opq" marks its directory opaque; ".wh.NAME" becomes a 0/0
 * character device NAME; other ".wh..wh." names are AUFS bookkeeping. */
static int do_whiteout(struct unpack_ctx *c, int pfd, const char *name,
		       struct archive_entry *ent, struct err *e)
{
	const char *hidden = name + strlen(WH_PREFIX);
	_cleanup_close_ int dfd = -1;
	uid_t uid = 0;
	gid_t gid = 0;

	if (strcmp(name, WH_OPAQUE) == 0) {
		dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 ||
		    fsetxattr(dfd, OVERLAY_XATTR "opaque", "y", 1, 0) < 0)
			return fail(c, e, "mark directory opaque");
		return 0;
	}
	if (strncmp(name, WH_META, strlen(WH_META)) == 0)
		return 0;
	if (!*hidden || strcmp(hidden, ".") == 0 || strcmp(hidden, "..") == 0)
		return refuse(c, e, "whiteout of nothing");
	if (mknod_room(c, pfd, hidden, S_IFCHR, makedev(0, 0), e) < 0)
		return -1;
	if (entry_owner(c, ent, &uid, &gid, e) < 0)
		return -1;
	if (!(c->flags & UNPACK_NO_OWNERS) &&
	    fchownat(pfd, hidden, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, e, "chown whiteout");
	return 0;
}

static int apply_entry(struct unpack_ctx *c, struct archive_entry *ent,
		       struct err *e)
{
	const char *raw = entry_name(ent), *link;
	char parent[PATH_MAX], *name;
	mode_t type = archive_entry_filetype(ent);
	int pfd;

	if (!raw)
		return err_setc(e, ERR_INVALID, "entry %llu: name not readable",
				(unsigned long long)c->r->entries + 1);
	show_name(c->show, raw);
	if (norm_path(c, raw, c->path, "name", e) < 0)
		return -1;
	link = entry_hardlink(ent);
	if (!c->path[0]) {
		if (type != AE_IFDIR || link)
			return refuse(c, e, "names the layer root");
		return do_dir(c, c->root, "", "", ent, e);
	}
	strcpy(parent, c->path);
	name = split_base(parent);
	if ((pfd = parent_fd(c, parent, e)) < 0)
		return -1;
	if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return do_whiteout(c, pfd, name, ent, e);
	if (link)
		return do_hardlink(c, pfd, name, link, e);
	switch (type) {
	case AE_IFREG:
		return do_file(c, pfd, name, ent, e);
	case AE_IFDIR:
		return do_dir(c, pfd, name, c->path, ent, e);
	case AE_IFLNK:
		return do_symlink(c, pfd, name, ent, e);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return do_node(c, pfd, name, ent, e);
	default:
		return refuse(c, e, "unsupported file type 0%o", type);
	}
}

/* Every directory from the tar gets its time back, now that nothing more
 * is created in it. Paths resolve inside the root again. */
static int fix_dir_times(struct unpack_ctx *c, struct err *e)
{
	for (size_t i = 0; i < c->ndirs; i++) {
		struct dirtime *d = &c->dirs[i];
		_cleanup_close_ int fd = -1;

		fd = *d->path ? (int)openat2_fd(c->root, d->path,
						O_RDONLY | O_DIRECTORY)
			      : openat(c->root, ".",
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || futimens(fd, d->ts) < 0) {
			show_name(c->show, d->path);
			return fail(c, e, "set directory times");
		}
	}
	return 0;
}

/* ---- the byte source ---- */

/* Where the uncompressed bytes come from: the outer reader in this process
 * (UNPACK_ONE_PROCESS), or a decompressor child that runs it and writes
 * the bytes into a pipe, so decompression and extraction overlap on two
 * cores. The child's first byte on the pipe is the compression it found;
 * its failure message comes on a second pipe, its exit status by waitpid.
 * A parent that stops early closes the pipe and kills the child. */

/* Open the input: the magic picks gzip, zstd or none; format raw. */
static int open_outer(struct unpack_ctx *c, int in_fd, struct err *e)
{
	struct archive_entry *raw;
	int rc;

	if (!(c->outer = archive_read_new()))
		return err_set(e, ENOMEM, "archive_read_new");
	archive_read_support_filter_gzip(c->outer);
	archive_read_support_filter_zstd(c->outer);
	archive_read_support_format_raw(c->outer);
	archive_read_support_format_empty(c->outer);
	rc = archive_read_open_fd(c->outer, in_fd, IN_BLOCK);
	if (rc == ARCHIVE_OK)
		rc = archive_read_next_header(c->outer, &raw);
	if (rc == ARCHIVE_EOF)
		return err_setc(e, ERR_INVALID, "empty layer stream");
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return err_setc(e, ERR_INVALID, "open layer stream: %s",
				aerr(c->outer));
	switch (archive_filter_code(c->outer, 0)) {
	case ARCHIVE_FILTER_GZIP:
		c->r->compression = UNPACK_GZIP;
		break;
	case ARCHIVE_FILTER_ZSTD:
		c->r->compression = UNPACK_ZSTD;
		break;
	default:
		c->r->compression = UNPACK_PLAIN;
	}
	return 0;
}

/* The next block from the outer reader: 1 with buf/n, 0 at the end, -1
 * with e. */
static int outer_block(struct unpack_ctx *c, const void **buf, size_t *n,
		       struct err *e)
{
	la_int64_t off;
	int rc = archive_read_data_block(c->outer, buf, n, &off);

	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return err_setc(e, ERR_INVALID, "decompress (%s): %s",
				unpack_compression_name(c->r->compression),
				aerr(c->outer));
	return 1;
}

static int pipe_write(int fd, const void *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/* The decompressor child's body; returns its exit status. */
static int child_main(struct unpack_ctx *c, int in_fd, int out, int errfd)
{
	struct err e = ERR_INIT;
	const void *buf;
	size_t n;
	unsigned char code;
	int rc;

	if (open_outer(c, in_fd, &e) < 0)
		goto failed;
	code = (unsigned char)c->r->compression;
	if (pipe_write(out, &code, 1) < 0)
		return 3;
	while ((rc = outer_block(c, &buf, &n, &e)) > 0)
		if (pipe_write(out, buf, n) < 0)
			return 3; /* the parent stopped reading */
	if (rc == 0)
		return 0;
failed:
	(void)pipe_write(errfd, &e, sizeof(e));
	return 1;
}

/* Wait for the child; -1 with src_err if it failed. */
static int child_reap(struct unpack_ctx *c)
{
	struct err ce;
	int status;
	ssize_t n;

	while (waitpid(c->child, &status, 0) < 0 && errno == EINTR)
		;
	c->child = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	c->src_failed = true;
	n = read(c->err_fd, &ce, sizeof(ce));
	if (n == (ssize_t)sizeof(ce)) {
		ce.msg[sizeof(ce.msg) - 1] = 0;
		c->src_err = ce;
	} else if (WIFSIGNALED(status)) {
		err_setc(&c->src_err, ERR_INTERNAL,
			 "decompressor killed by signal %d", WTERMSIG(status));
	} else {
		err_setc(&c->src_err, ERR_INTERNAL,
			 "decompressor exited with status %d",
			 WEXITSTATUS(status));
	}
	return -1;
}

static int child_start(struct unpack_ctx *c, int in_fd, struct err *e)
{
	int data[2], errp[2];
	unsigned char code;
	ssize_t n;

	if (pipe2(data, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(data[0]);
		close(data[1]);
		return err_set(e, errno, "pipe");
	}
	(void)fcntl(data[1], F_SETPIPE_SZ, PIPE_SIZE);
	c->child = fork();
	if (c->child == 0) {
		close(data[0]);
		close(errp[0]);
		_exit(child_main(c, in_fd, data[1], errp[1]));
	}
	close(data[1]);
	close(errp[1]);
	c->data_fd = data[0];
	c->err_fd = errp[0];
	if (c->child < 0)
		return err_set(e, errno, "fork decompressor");
	if (!(c->buf = malloc(PIPE_SIZE)))
		return err_set(e, ENOMEM, "decompressor buffer");
	do
		n = read(c->data_fd, &code, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && code <= UNPACK_ZSTD) {
		c->r->compression = code;
		return 0;
	}
	if (child_reap(c) == 0)
		err_setc(&c->src_err, ERR_INTERNAL,
			 "decompressor said nothing");
	*e = c->src_err;
	return -1;
}

static void child_stop(struct unpack_ctx *c)
{
	if (c->data_fd >= 0)
		close(c->data_fd);
	if (c->child > 0) {
		kill(c->child, SIGKILL);
		while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (c->err_fd >= 0)
		close(c->err_fd);
	free(c->buf);
}

static int open_source(struct unpack_ctx *c, int in_fd, struct err *e)
{
	if (c->flags & UNPACK_ONE_PROCESS)
		return open_outer(c, in_fd, e);
	return child_start(c, in_fd, e);
}

/* The next block of uncompressed bytes from either source. */
static int source_block(struct unpack_ctx *c, const void **buf, size_t *n)
{
	ssize_t r;

	if (c->flags & UNPACK_ONE_PROCESS) {
		int rc = outer_block(c, buf, n, &c->src_err);
		if (rc < 0)
			c->src_failed = true;
		return rc;
	}
	do
		r = read(c->data_fd, c->buf, PIPE_SIZE);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		c->src_failed = true;
		return err_set(&c->src_err, errno, "read decompressor");
	}
	if (r == 0)
		return child_reap(c);
	*buf = c->buf;
	*n = (size_t)r;
	return 1;
}

/* The inner reader's read callback: the next block of uncompressed bytes
 * (valid until the next call), counted and hashed on the way. Returns 0
 * at the end, -1 with c->src_err set. */
static la_ssize_t pull_block(struct archive *a, void *arg, const void **buf)
{
	struct unpack_ctx *c = arg;
	size_t n = 0;
	int rc;

	if (c->src_eof)
		return 0;
	rc = source_block(c, buf, &n);
	if (rc == 0) {
		c->src_eof = true;
		return 0;
	}
	if (rc > 0 && c->max_bytes && c->r->tar_bytes + n > c->max_bytes) {
		c->src_failed = true;
		err_setc(&c->src_err, ERR_TOO_LARGE,
			 "layer is larger than %llu bytes uncompressed",
			 (unsigned long long)c->max_bytes);
	} else if (rc > 0 && EVP_DigestUpdate(c->md, *buf, n) != 1) {
		c->src_failed = true;
		err_setc(&c->src_err, ERR_INTERNAL, "sha256 update failed");
	}
	if (c->src_failed) {
		if (a)
			archive_set_error(a, EIO, "%s", c->src_err.msg);
		return -1;
	}
	c->r->tar_bytes += n;
	return (la_ssize_t)n;
}

/* ---- the pass ---- */

static int open_inner(struct unpack_ctx *c, struct err *e)
{
	if (!(c->inner = archive_read_new()))
		return err_set(e, ENOMEM, "archive_read_new");
	archive_read_support_format_tar(c->inner);
	if (archive_read_open(c->inner, c, NULL, pull_block, NULL) !=
	    ARCHIVE_OK) {
		if (c->src_failed)
			return *e = c->src_err, -1;
		return err_setc(e, ERR_INVALID, "not a tar stream: %s",
				aerr(c->inner));
	}
	return 0;
}

static int read_entries(struct unpack_ctx *c, struct err *e)
{
	struct archive_entry *ent;
	int rc;

	for (;;) {
		rc = archive_read_next_header(c->inner, &ent);
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			if (c->src_failed)
				return *e = c->src_err, -1;
			return err_setc(
			    e, ERR_INVALID, "tar header after %llu entries: %s",
			    (unsigned long long)c->r->entries, aerr(c->inner));
		}
		if (apply_entry(c, ent, e) < 0)
			return -1;
		c->r->entries++;
	}
}

/* The tar's end marker is in: the rest of the stream (padding) still
 * counts for diff_id. */
static int drain(struct unpack_ctx *c, struct err *e)
{
	const void *buf;
	la_ssize_t n;

	while ((n = pull_block(NULL, c, &buf)) > 0)
		;
	if (n < 0)
		return *e = c->src_err, -1;
	return 0;
}

static int finish_digest(struct unpack_ctx *c, struct err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *p = c->r->diff_id;

	if (EVP_DigestFinal_ex(c->md, md, &len) != 1 || len != 32)
		return err_setc(e, ERR_INTERNAL, "sha256 final failed");
	p += sprintf(p, "sha256:");
	for (unsigned int i = 0; i < len; i++)
		p += sprintf(p, "%02x", md[i]);
	return 0;
}

static void ctx_release(struct unpack_ctx *c, bool ok)
{
	cache_flush(c, ok);
	if (c->cache_fd >= 0)
		close(c->cache_fd);
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i].path);
	free(c->dirs);
	if (c->inner)
		archive_read_free(c->inner);
	child_stop(c);
	if (c->outer)
		archive_read_free(c->outer);
	EVP_MD_CTX_free(c->md);
}

int unpack_fd(int in_fd, int root_fd, const struct unpack_opts *o,
	      struct unpack_result *r, struct err *e)
{
	static const struct unpack_opts none;
	struct unpack_ctx c = {.root = root_fd,
			       .cache_fd = -1,
			       .r = r,
			       .child = -1,
			       .data_fd = -1,
			       .err_fd = -1};
	int rc = -1;

	o = o ? o : &none;
	memset(r, 0, sizeof(*r));
	if (archive_fns_load(e) < 0)
		return err_wrap(e, "unpack");
	if (o->media_type &&
	    unpack_media_type(o->media_type, &r->hinted, e) < 0)
		return -1;
	c.flags = o->flags;
	c.max_bytes = o->max_bytes;
	c.src_err = (struct err)ERR_INIT;
	if (!(c.md = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(c.md, EVP_sha256(), NULL) != 1) {
		err_setc(e, ERR_INTERNAL, "sha256 init failed");
		goto out;
	}
	if (open_source(&c, in_fd, e) < 0 || open_inner(&c, e) < 0 ||
	    read_entries(&c, e) < 0 || drain(&c, e) < 0 ||
	    fix_dir_times(&c, e) < 0 || finish_digest(&c, e) < 0)
		goto out;
	rc = 0;
out:
	ctx_release(&c, rc == 0);
	return rc;
}

/* ---- a layer directory, whole or not at all ---- */

/* dir -> an O_DIRECTORY fd on its parent and its base name in base[]. */
static int open_parent(const char *dir, char *base, struct err *e)
{
	char parent[PATH_MAX];
	const char *slash;
	size_t n = strlen(dir);
	int fd;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || n >= PATH_MAX)
		return err_setc(e, ERR_INVALID, "bad layer directory name");
	memcpy(parent, dir, n);
	parent[n] = 0;
	slash = strrchr(parent, '/');
	strcpy(base, slash ? slash + 1 : parent);
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    strlen(base) + 16 > NAME_MAX)
		return err_setc(e, ERR_INVALID, "bad layer directory name %s",
				dir);
	if (slash == parent)
		strcpy(parent, "/");
	else if (slash)
		parent[slash - parent] = 0;
	else
		strcpy(parent, ".");
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", parent);
	return fd;
}

/* mkdir BASE.tmp-XXXXXXXX under pfd with a random suffix. */
static int make_temp(int pfd, const char *base, char *tmp, struct err *e)
{
	uint32_t rnd;

	for (int i = 0; i < 32; i++) {
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return err_set(e, errno, "getrandom");
		/* open_parent() left room for the suffix */
		if (snprintf(tmp, NAME_MAX + 1, "%s.tmp-%08x", base, rnd) >
		    NAME_MAX)
			return err_setc(e, ERR_INVALID, "name too long");
		if (mkdirat(pfd, tmp, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return err_set(e, errno, "mkdir %s", tmp);
	}
	return err_set(e, EEXIST, "mkdir %s.tmp-*", base);
}

static int unpack_into_temp(int in_fd, int pfd, const char *tmp,
			    const struct unpack_opts *o,
			    struct unpack_result *r, struct err *e)
{
	_cleanup_close_ int rfd = -1;

	rfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return err_set(e, errno, "open %s", tmp);
	if (fchmod(rfd, 0755) < 0) /* a "./" entry may say otherwise */
		return err_set(e, errno, "chmod %s", tmp);
	if (unpack_fd(in_fd, rfd, o, r, e) < 0)
		return -1;
	if (syncfs(rfd) < 0)
		return err_set(e, errno, "sync %s", tmp);
	return 0;
}

int unpack_layer(int in_fd, const char *dir, const struct unpack_opts *o,
		 struct unpack_result *r, struct err *e)
{
	char base[NAME_MAX + 1], tmp[NAME_MAX + 1];
	_cleanup_close_ int pfd = -1;
	struct err ignored = ERR_INIT;

	if ((pfd = open_parent(dir, base, e)) < 0)
		return err_wrap(e, "unpack");
	if (faccessat(pfd, base, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return err_setc(e, ERR_CONFLICT, "unpack: %s exists", dir);
	if (make_temp(pfd, base, tmp, e) < 0)
		return err_wrap(e, "unpack %s", dir);
	if (unpack_into_temp(in_fd, pfd, tmp, o, r, e) < 0)
		goto fail;
	if (o && o->diff_id && strcmp(r->diff_id, o->diff_id)) {
		err_setc(e, ERR_INVALID, "its content is %s, the config says "
			 "%s", r->diff_id, o->diff_id);
		goto fail;
	}
	if (renameat2(pfd, tmp, pfd, base, RENAME_NOREPLACE) < 0) {
		err_set(e, errno, "rename %s", tmp);
		goto fail;
	}
	if (fsync(pfd) < 0) { /* not durable: not there */
		err_set(e, errno, "sync parent");
		tree_remove(pfd, base, &ignored);
		return err_wrap(e, "unpack %s", dir);
	}
	return 0;
fail:
	tree_remove(pfd, tmp, &ignored);
	return err_wrap(e, "unpack %s", dir);
}


/* ---- a layer from pushed bytes ---- */

#define FEED_PIPE_SIZE (1 << 20)

void unpack_feed_start(struct unpack_feed *f, const char *dir,
		       const struct unpack_opts *o)
{
	int p[2];

	f->pid = -1;
	f->fd = -1;
	if (access(dir, F_OK) == 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	fcntl(p[1], F_SETPIPE_SZ, FEED_PIPE_SIZE);
	f->pid = fork();
	if (f->pid == 0) {
		struct unpack_result r;
		struct err e = ERR_INIT;
		close(p[1]);
		_exit(unpack_layer(p[0], dir, o, &r, &e) < 0 ? 1 : 0);
	}
	close(p[0]);
	if (f->pid < 0)
		close(p[1]);
	else
		f->fd = p[1];
}

void unpack_feed_write(struct unpack_feed *f, const void *p, size_t n)
{
	const char *c = p;

	while (f->fd >= 0 && n) {
		ssize_t k = write(f->fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) { /* EPIPE (SIGPIPE ignored): the child ended */
			close(f->fd);
			f->fd = -1;
			return;
		}
		c += k, n -= (size_t)k;
	}
}

bool unpack_feed_end(struct unpack_feed *f)
{
	int st = 0, rc;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->pid < 0)
		return false;
	while ((rc = waitpid(f->pid, &st, 0)) < 0 && errno == EINTR)
		;
	f->pid = -1;
	return rc > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
