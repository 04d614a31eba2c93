/* test_unpack.c - fs/unpack.c: layers built here with libarchive's writer
 * (pax, plain / gzip / zstd), unpacked with unpack_layer() into
 * DIR/layer, where DIR is a fresh temp dir also holding a canary
 * directory (DIR/canary/secret). Every malicious layer must fail with the
 * entry's name in the message, leave no DIR/layer nor temp dir behind, and
 * leave the canary as it was. Needs root (chown, mknod, trusted xattrs). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../fs/tree.h"
#include "../../fs/unpack.h"

/* Entry tables name only the fields they need. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define TAR_CAP (64u << 20)

/* One tar entry to write. type 0 = regular file; hard = link is a
 * hardlink target rather than a symlink's. */
struct ent {
	const char *path;
	mode_t type;
	mode_t mode;
	const char *data;
	const char *link;
	bool hard;
	unsigned uid, gid;
	time_t mtime;
	dev_t rdev;
	const char *xname;
	const void *xval;
	size_t xlen;
	size_t size; /* data bytes when data is NULL: a pattern */
};

struct ctx {
	char dir[64];
	char layer[96];
	char canary[96];
	char *tar;
	size_t len;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char p[160];
	int fd;

	assert_non_null(c);
	strcpy(c->dir, "/tmp/skiff-unpack-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->layer, sizeof(c->layer), "%s/layer", c->dir);
	snprintf(c->canary, sizeof(c->canary), "%s/canary", c->dir);
	assert_int_equal(mkdir(c->canary, 0755), 0);
	snprintf(p, sizeof(p), "%s/secret", c->canary);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	close(fd);
	c->tar = malloc(TAR_CAP);
	assert_non_null(c->tar);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	struct err e = ERR_INIT;

	if (tree_remove(AT_FDCWD, c->dir, &e) < 0)
		fail_msg("remove %s: %s", c->dir, e.msg);
	free(c->tar);
	free(c);
	return 0;
}

static void add_entry(struct archive *a, const struct ent *x)
{
	struct archive_entry *ae = archive_entry_new();
	size_t n = x->data ? strlen(x->data) : x->size;
	char *fill = NULL;

	archive_entry_set_pathname(ae, x->path);
	archive_entry_set_filetype(ae, x->type ? x->type : AE_IFREG);
	archive_entry_set_perm(ae, x->mode ? x->mode : 0644);
	archive_entry_set_uid(ae, x->uid);
	archive_entry_set_gid(ae, x->gid);
	archive_entry_set_mtime(ae, x->mtime ? x->mtime : 1600000000, 0);
	if (x->link && x->hard)
		archive_entry_set_hardlink(ae, x->link);
	else if (x->link)
		archive_entry_set_symlink(ae, x->link);
	if (x->rdev)
		archive_entry_set_rdev(ae, x->rdev);
	if (x->xname)
		archive_entry_xattr_add_entry(ae, x->xname, x->xval, x->xlen);
	if ((!x->type || x->type == AE_IFREG) && !x->hard)
		archive_entry_set_size(ae, (la_int64_t)n);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	if ((!x->type || x->type == AE_IFREG) && !x->hard && n) {
		if (!x->data) {
			fill = malloc(n);
			assert_non_null(fill);
			for (size_t i = 0; i < n; i++)
				fill[i] = (char)(i * 7 + i / 4096);
		}
		assert_int_equal(
		    archive_write_data(a, x->data ? x->data : fill, n),
		    (la_ssize_t)n);
	}
	free(fill);
	archive_entry_free(ae);
}

/* The entries as a pax tar in c->tar, through filter (ARCHIVE_FILTER_*). */
static void build(struct ctx *c, const struct ent *es, size_t n, int filter)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax(a);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, c->tar, TAR_CAP, &c->len),
			 ARCHIVE_OK);
	for (size_t i = 0; i < n; i++)
		add_entry(a, &es[i]);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Compress c->tar in place with filter (format raw: the bytes as they are). */
static void compress(struct ctx *c, int filter)
{
	char *out = malloc(TAR_CAP);
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	size_t used = 0;

	assert_non_null(out);
	archive_write_set_format_raw(a);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, out, TAR_CAP, &used),
			 ARCHIVE_OK);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_size(ae, (la_int64_t)c->len);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, c->tar, c->len),
			 (la_ssize_t)c->len);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);
	free(c->tar);
	c->tar = out;
	c->len = used;
}

/* c->tar in a memfd, positioned at 0. */
static int tar_fd(struct ctx *c)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, c->tar, c->len), (ssize_t)c->len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int run(struct ctx *c, const struct unpack_opts *o,
	       struct unpack_result *r, struct err *e)
{
	_cleanup_close_ int fd = tar_fd(c);

	return unpack_layer(fd, c->layer, o, r, e);
}

static void unpack_ok(struct ctx *c, const struct ent *es, size_t n,
		      struct unpack_result *r)
{
	struct err e = ERR_INIT;

	build(c, es, n, ARCHIVE_FILTER_NONE);
	if (run(c, NULL, r, &e) < 0)
		fail_msg("unpack: %s", e.msg);
}

static void lpath(struct ctx *c, char *p, const char *rel)
{
	snprintf(p, PATH_MAX, "%s/%s", c->layer, rel);
}

static void lstat_rel(struct ctx *c, const char *rel, struct stat *st)
{
	char p[PATH_MAX];

	lpath(c, p, rel);
	if (lstat(p, st) < 0)
		fail_msg("lstat %s: %m", rel);
}

static void assert_content(struct ctx *c, const char *rel, const char *want)
{
	char p[PATH_MAX], got[256];
	int fd;
	ssize_t n;

	lpath(c, p, rel);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n >= 0);
	got[n] = 0;
	assert_string_equal(got, want);
}

/* The temp dir holds exactly "canary" (and "layer" if want_layer), and the
 * canary exactly its untouched secret. */
static void assert_contained(struct ctx *c, bool want_layer)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	char p[PATH_MAX];
	struct stat st;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, "canary") != 0 &&
		    !(want_layer && strcmp(de->d_name, "layer") == 0))
			fail_msg("unexpected %s in %s", de->d_name, c->dir);
		n++;
	}
	closedir(d);
	assert_int_equal(n, want_layer ? 2 : 1);
	d = opendir(c->canary);
	assert_non_null(d);
	n = 0;
	while ((de = readdir(d)))
		n++;
	closedir(d);
	assert_int_equal(n, 3);
	snprintf(p, sizeof(p), "%s/secret", c->canary);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_true(access("/etc/skiff-unpack-x", F_OK) < 0);
}

/* No decompressor child left behind, not even a zombie. */
static void assert_no_children(void)
{
	char p[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/self/task/%d/children", getpid());
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 0);
}

/* The layer must be refused with `name` in the message, and nothing left. */
static void refused(struct ctx *c, const struct ent *es, size_t n,
		    const char *name)
{
	struct unpack_result r;
	struct err e = ERR_INIT;

	build(c, es, n, ARCHIVE_FILTER_NONE);
	assert_int_equal(run(c, NULL, &r, &e), -1);
	if (!strstr(e.msg, name))
		fail_msg("message \"%s\" does not name %s", e.msg, name);
	assert_int_equal(e.class, ERR_INVALID);
	assert_contained(c, false);
	assert_no_children();
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* ---- what a layer keeps ---- */

static const uint32_t cap_bind[5] = {0x02000001, 1u << 10, 0, 0, 0};

static void test_kinds(void **state)
{
	struct ctx *c = *state;
	const struct ent es[] = {
	    {"./", AE_IFDIR, 0751, .mtime = 1400000000},
	    {"etc/", AE_IFDIR, 0755, .mtime = 1500000000},
	    {"etc/hosts", 0, 0644, "127.0.0.1 localhost\n", .uid = 0},
	    {"bin/", AE_IFDIR, 02775, .uid = 1000, .gid = 1001,
	     .mtime = 1500000001},
	    {"bin/su", 0, 04755, "ELF", .uid = 1000, .gid = 1000,
	     .mtime = 1234567890},
	    {"bin/ping", 0, 0755, "ping", .xname = "security.capability",
	     .xval = cap_bind, .xlen = sizeof(cap_bind)},
	    {"bin/note", 0, 0600, "n", .xname = "user.skiff", .xval = "hello",
	     .xlen = 5},
	    {"bin/sh", AE_IFLNK, 0777, .link = "/bin/busybox", .uid = 7,
	     .gid = 8, .mtime = 1300000000},
	    {"bin/rel", AE_IFLNK, 0777, .link = "../etc/hosts"},
	    {"bin/hosts2", 0, 0, .link = "etc/hosts", .hard = true},
	    {"dev/", AE_IFDIR, 0755},
	    {"dev/null", AE_IFCHR, 0666, .rdev = makedev(1, 3)},
	    {"dev/loop0", AE_IFBLK, 0660, .rdev = makedev(7, 0), .gid = 6},
	    {"run/fifo", AE_IFIFO, 0620},
	    {"empty", 0, 0400, ""},
	    {"deep/a/b/c/file", 0, 0644, "deep"},
	};
	struct unpack_result r;
	struct stat st, st2;
	char p[PATH_MAX], buf[64];
	ssize_t n;

	need_root();
	unpack_ok(c, es, ARRAY_SIZE(es), &r);
	assert_int_equal(r.entries, ARRAY_SIZE(es));
	assert_int_equal(r.bytes,
			 strlen("127.0.0.1 localhost\n") + 3 + 4 + 1 + 4);
	assert_contained(c, true);

	lstat_rel(c, ".", &st);
	assert_int_equal(st.st_mode & 07777, 0751);
	assert_int_equal(st.st_mtime, 1400000000);
	lstat_rel(c, "etc", &st);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mtime, 1500000000); /* after etc/hosts */
	assert_content(c, "etc/hosts", "127.0.0.1 localhost\n");
	lstat_rel(c, "bin", &st);
	assert_int_equal(st.st_mode & 07777, 02775);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	assert_int_equal(st.st_mtime, 1500000001);
	lstat_rel(c, "bin/su", &st);
	assert_int_equal(st.st_mode & 07777, 04755); /* after chown */
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_mtime, 1234567890);
	lpath(c, p, "bin/ping");
	n = getxattr(p, "security.capability", buf, sizeof(buf));
	assert_int_equal(n, sizeof(cap_bind));
	assert_memory_equal(buf, cap_bind, sizeof(cap_bind));
	lpath(c, p, "bin/note");
	n = getxattr(p, "user.skiff", buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	lstat_rel(c, "bin/sh", &st);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);
	assert_int_equal(st.st_mtime, 1300000000);
	lpath(c, p, "bin/sh");
	n = readlink(p, buf, sizeof(buf));
	assert_int_equal(n, strlen("/bin/busybox"));
	assert_memory_equal(buf, "/bin/busybox", (size_t)n);
	lstat_rel(c, "bin/hosts2", &st);
	lstat_rel(c, "etc/hosts", &st2);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(st2.st_nlink, 2);
	lstat_rel(c, "dev/null", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(st.st_mode & 07777, 0666);
	lstat_rel(c, "dev/loop0", &st);
	assert_true(S_ISBLK(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(7, 0));
	assert_int_equal(st.st_gid, 6);
	lstat_rel(c, "run/fifo", &st);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0620);
	lstat_rel(c, "run", &st); /* implicit parent */
	assert_int_equal(st.st_mode & 07777, 0755);
	lstat_rel(c, "empty", &st);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_content(c, "deep/a/b/c/file", "deep");
}

/* A later entry of the same name replaces a file or symlink (tar's rule);
 * a directory entry over a directory keeps it and takes the new mode. */
static void test_replace(void **state)
{
	struct ctx *c = *state;
	const struct ent es[] = {
	    {"f", 0, 0644, "one"},
	    {"f", 0, 0600, "two"},
	    {"l", AE_IFLNK, 0777, .link = "f"},
	    {"l", 0, 0644, "file now"},
	    {"x", 0, 0644, "file"},
	    {"x/", AE_IFDIR, 0700},
	    {"d/", AE_IFDIR, 0755},
	    {"d/in", 0, 0644, "in"},
	    {"d/", AE_IFDIR, 0711},
	};
	struct unpack_result r;
	struct stat st;

	need_root();
	unpack_ok(c, es, ARRAY_SIZE(es), &r);
	assert_content(c, "f", "two");
	lstat_rel(c, "f", &st);
	assert_int_equal(st.st_mode & 07777, 0600);
	lstat_rel(c, "l", &st);
	assert_true(S_ISREG(st.st_mode));
	assert_content(c, "l", "file now");
	lstat_rel(c, "x", &st);
	assert_true(S_ISDIR(st.st_mode));
	lstat_rel(c, "d", &st);
	assert_int_equal(st.st_mode & 07777, 0711);
	assert_content(c, "d/in", "in");
}

static void test_whiteouts(void **state)
{
	struct ctx *c = *state;
	const struct ent es[] = {
	    {"keep/", AE_IFDIR, 0755},
	    {"keep/.wh.gone", 0, 0644, ""},
	    {".wh.top", 0, 0644, ""},
	    {"opq/", AE_IFDIR, 0755},
	    {"opq/.wh..wh..opq", 0, 0644, ""},
	    {"opq/new", 0, 0644, "new"},
	    {"implicit/.wh..wh..opq", 0, 0644, ""},
	    {".wh..wh.plnk", AE_IFDIR, 0700},
	};
	const char *const wh[] = {"keep/gone", "top"};
	struct unpack_result r;
	struct stat st;
	char p[PATH_MAX], v[8];

	need_root();
	unpack_ok(c, es, ARRAY_SIZE(es), &r);
	for (size_t i = 0; i < ARRAY_SIZE(wh); i++) {
		lstat_rel(c, wh[i], &st);
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(major(st.st_rdev), 0);
		assert_int_equal(minor(st.st_rdev), 0);
	}
	lpath(c, p, "keep/.wh.gone");
	assert_true(lstat(p, &st) < 0);
	lpath(c, p, ".wh..wh.plnk");
	assert_true(lstat(p, &st) < 0);
	lpath(c, p, "opq/.wh..wh..opq");
	assert_true(lstat(p, &st) < 0);
	assert_content(c, "opq/new", "new");
	lpath(c, p, "opq");
	assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)),
			 1);
	assert_int_equal(v[0], 'y');
	lpath(c, p, "implicit");
	assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)),
			 1);
	lpath(c, p, "keep");
	assert_true(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)) < 0);
}

/* Non-ASCII names as Go's archive/tar and Python write them: UTF-8 in pax
 * records (libarchive's writer cannot make these in the C locale). Read
 * in the C locale, as the daemon's helper does. */
static void test_utf8_names(void **state)
{
	struct ctx *c = *state;
	static const char script[] =
	    "import io, sys, tarfile\n"
	    "b = io.BytesIO()\n"
	    "with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT)"
	    " as t:\n"
	    "    i = tarfile.TarInfo('caf\\u00e9/\\u00fcn\\u00ef'); i.size = "
	    "5\n"
	    "    t.addfile(i, io.BytesIO(b'utf-8'))\n"
	    "    i = tarfile.TarInfo('l'); i.type = tarfile.SYMTYPE\n"
	    "    i.linkname = 'caf\\u00e9/\\u00fcn\\u00ef'; t.addfile(i)\n"
	    "    i = tarfile.TarInfo('h'); i.type = tarfile.LNKTYPE\n"
	    "    i.linkname = 'caf\\u00e9/\\u00fcn\\u00ef'; t.addfile(i)\n"
	    "sys.stdout.buffer.write(b.getvalue())\n";
	const char *name = "caf\xc3\xa9/\xc3\xbcn\xc3\xaf";
	char cmd[sizeof(script) + 32], p[PATH_MAX], buf[64];
	struct unpack_result r;
	struct err e = ERR_INIT;
	struct stat st, st2;
	FILE *f;

	need_root();
	snprintf(cmd, sizeof(cmd), "python3 -c \"%s\"", script);
	f = popen(cmd, "re");
	if (!f)
		skip();
	c->len = fread(c->tar, 1, TAR_CAP, f);
	if (pclose(f) != 0 || c->len == 0)
		skip(); /* no python3 */
	if (run(c, NULL, &r, &e) < 0)
		fail_msg("unpack: %s", e.msg);
	assert_content(c, name, "utf-8");
	lpath(c, p, "l");
	assert_int_equal(readlink(p, buf, sizeof(buf)), strlen(name));
	assert_memory_equal(buf, name, strlen(name));
	lstat_rel(c, "h", &st);
	lstat_rel(c, name, &st2);
	assert_int_equal(st.st_ino, st2.st_ino);
}

/* ---- compression and diff_id ---- */

static void sha256_hex(const char *p, size_t n, char out[72])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	assert_non_null(m);
	assert_int_equal(EVP_DigestInit_ex(m, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(m, p, n), 1);
	assert_int_equal(EVP_DigestFinal_ex(m, md, &len), 1);
	EVP_MD_CTX_free(m);
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < len; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

static const struct ent small[] = {
    {"a/", AE_IFDIR, 0755},
    {"a/f", 0, 0644, "content of f\n"},
    {"a/big", 0, 0644, .size = 300000},
    {"a/l", AE_IFLNK, 0777, .link = "f"},
};

static void check_filter_mode(struct ctx *c, int filter, const char *media_type,
			      enum unpack_compression want, unsigned flags)
{
	struct unpack_opts o = {.media_type = media_type, .flags = flags};
	struct unpack_result r;
	struct err e = ERR_INIT;
	struct err ignored = ERR_INIT;
	char want_id[72];

	build(c, small, ARRAY_SIZE(small), ARCHIVE_FILTER_NONE);
	sha256_hex(c->tar, c->len, want_id);
	if (filter != ARCHIVE_FILTER_NONE)
		compress(c, filter);
	if (run(c, &o, &r, &e) < 0)
		fail_msg("unpack: %s", e.msg);
	assert_int_equal(r.compression, want);
	assert_string_equal(r.diff_id, want_id);
	assert_int_equal(r.entries, ARRAY_SIZE(small));
	assert_int_equal(r.bytes, 13 + 300000);
	assert_content(c, "a/f", "content of f\n");
	assert_int_equal(tree_remove(AT_FDCWD, c->layer, &ignored), 0);
	assert_no_children();
}

/* Both sources: the decompressor child and UNPACK_ONE_PROCESS. */
static void check_filter(struct ctx *c, int filter, const char *media_type,
			 enum unpack_compression want)
{
	check_filter_mode(c, filter, media_type, want, 0);
	check_filter_mode(c, filter, media_type, want, UNPACK_ONE_PROCESS);
}

static void test_compression(void **state)
{
	struct ctx *c = *state;

	need_root();
	check_filter(c, ARCHIVE_FILTER_NONE, NULL, UNPACK_PLAIN);
	check_filter(c, ARCHIVE_FILTER_GZIP,
		     "application/vnd.oci.image.layer.v1.tar+gzip",
		     UNPACK_GZIP);
	check_filter(c, ARCHIVE_FILTER_ZSTD,
		     "application/vnd.oci.image.layer.v1.tar+zstd",
		     UNPACK_ZSTD);
	check_filter(c, ARCHIVE_FILTER_GZIP,
		     "application/vnd.docker.image.rootfs.diff.tar.gzip",
		     UNPACK_GZIP);
	/* A mislabelled layer: the magic wins, the hint is reported. */
	check_filter(c, ARCHIVE_FILTER_ZSTD,
		     "application/vnd.docker.image.rootfs.diff.tar.gzip",
		     UNPACK_ZSTD);
	check_filter(c, ARCHIVE_FILTER_NONE,
		     "application/vnd.oci.image.layer.v1.tar", UNPACK_PLAIN);
}

/* The cache ring and the 8 MiB write-back chunks, on a 20 MiB file. */
static void test_big_file(void **state)
{
	struct ctx *c = *state;
	struct ent es[40] = {{"big", 0, 0644, .size = 20u << 20}};
	char names[40][16], want[72], got[72], p[PATH_MAX];
	struct unpack_result r;
	size_t n = 1;
	char *m;
	int fd;

	need_root();
	for (; n < ARRAY_SIZE(es); n++) { /* more files than the ring holds */
		snprintf(names[n], sizeof(names[n]), "f%zu", n);
		es[n] = (struct ent){names[n], 0, 0644, names[n]};
	}
	build(c, es, 1, ARCHIVE_FILTER_NONE);
	m = malloc(20u << 20);
	assert_non_null(m);
	for (size_t i = 0; i < (20u << 20); i++)
		m[i] = (char)(i * 7 + i / 4096);
	sha256_hex(m, 20u << 20, want);
	unpack_ok(c, es, n, &r);
	lpath(c, p, "big");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, m, 20u << 20), 20u << 20);
	close(fd);
	sha256_hex(m, 20u << 20, got);
	assert_string_equal(got, want);
	free(m);
	assert_content(c, "f39", "f39");
	assert_int_equal(r.bytes, (20u << 20) + 2 * 9 + 3 * 30);
}

/* ---- what a layer must not do ---- */

static void test_climb(void **state)
{
	struct ctx *c = *state;
	char abs_canary[160];

	snprintf(abs_canary, sizeof(abs_canary), "%s/x", c->canary);
	const struct ent up[] = {{"../x", 0, 0644, "x"}};
	/* Refused while the decompressor still has 30 MiB to write. */
	const struct ent early[] = {{"../x", 0, 0644, "x"},
				    {"big", 0, 0644, .size = 30u << 20}};
	const struct ent up2[] = {{"ok", 0, 0644, "fine"},
				  {"../canary/x", 0, 0644, "x"}};
	const struct ent mid[] = {{"a/../../canary/x", 0, 0644, "x"}};
	const struct ent abs1[] = {{abs_canary, 0, 0644, "x"}};
	const struct ent abs2[] = {{"/etc/skiff-unpack-x", 0, 0644, "x"}};

	refused(c, up, ARRAY_SIZE(up), "../x");
	refused(c, early, ARRAY_SIZE(early), "../x");
	refused(c, up2, ARRAY_SIZE(up2), "../canary/x");
	refused(c, mid, ARRAY_SIZE(mid), "a/../../canary/x");
	refused(c, abs1, ARRAY_SIZE(abs1), abs_canary);
	refused(c, abs2, ARRAY_SIZE(abs2), "/etc/skiff-unpack-x");
}

static void test_through_symlink(void **state)
{
	struct ctx *c = *state;
	char via_root[200];

	need_root();
	snprintf(via_root, sizeof(via_root), "a%s/x", c->canary);
	const struct ent root_link[] = {{"a", AE_IFLNK, 0777, .link = "/"},
					{via_root, 0, 0644, "x"}};
	const struct ent etc[] = {{"a", AE_IFLNK, 0777, .link = "/"},
				  {"a/etc/skiff-unpack-x", 0, 0644, "x"}};
	const struct ent upup[] = {{"a", AE_IFLNK, 0777, .link = "../.."},
				   {"a/x", 0, 0644, "x"}};
	const struct ent canary[] = {{"a", AE_IFLNK, 0777, .link = "../canary"},
				     {"a/x", 0, 0644, "x"}};
	/* Even a symlink that stays inside is not a path to write through. */
	const struct ent inside[] = {{"d/", AE_IFDIR, 0755},
				     {"a", AE_IFLNK, 0777, .link = "d"},
				     {"a/x", 0, 0644, "x"}};
	const struct ent dir_via[] = {
	    {"a", AE_IFLNK, 0777, .link = "../canary"},
	    {"a/sub/", AE_IFDIR, 0755}};
	const struct ent file_parent[] = {{"f", 0, 0644, "f"},
					  {"f/x", 0, 0644, "x"}};

	refused(c, root_link, ARRAY_SIZE(root_link), via_root);
	refused(c, etc, ARRAY_SIZE(etc), "a/etc/skiff-unpack-x");
	refused(c, upup, ARRAY_SIZE(upup), "a/x");
	refused(c, canary, ARRAY_SIZE(canary), "a/x");
	refused(c, inside, ARRAY_SIZE(inside), "a/x");
	refused(c, dir_via, ARRAY_SIZE(dir_via), "a/sub");
	refused(c, file_parent, ARRAY_SIZE(file_parent), "f/x");
}

static void test_hardlinks(void **state)
{
	struct ctx *c = *state;
	char abs_secret[160];

	need_root();
	snprintf(abs_secret, sizeof(abs_secret), "%s/secret", c->canary);
	const struct ent up[] = {
	    {"h", 0, 0, .link = "../../etc/passwd", .hard = true}};
	const struct ent abs1[] = {
	    {"h", 0, 0, .link = "/etc/passwd", .hard = true}};
	const struct ent abs2[] = {
	    {"h", 0, 0, .link = abs_secret, .hard = true}};
	const struct ent canary[] = {
	    {"h", 0, 0, .link = "../canary/secret", .hard = true}};
	const struct ent via[] = {
	    {"s", AE_IFLNK, 0777, .link = "../canary"},
	    {"h", 0, 0, .link = "s/secret", .hard = true}};
	const struct ent missing[] = {
	    {"h", 0, 0, .link = "nothere", .hard = true}};
	const struct ent dir[] = {{"d/", AE_IFDIR, 0755},
				  {"h", 0, 0, .link = "d", .hard = true}};

	refused(c, up, ARRAY_SIZE(up), "h");
	refused(c, abs1, ARRAY_SIZE(abs1), "h: hardlink target is an absolute");
	refused(c, abs2, ARRAY_SIZE(abs2), "h: hardlink target is an absolute");
	refused(c, canary, ARRAY_SIZE(canary), "h: hardlink target climbs");
	refused(c, via, ARRAY_SIZE(via),
		"h: hardlink target s/secret goes "
		"through a symlink");
	refused(c, missing, ARRAY_SIZE(missing), "h: hardlink target nothere");
	refused(c, dir, ARRAY_SIZE(dir), "h: hardlink to a directory");
}

static void test_bad_entries(void **state)
{
	struct ctx *c = *state;
	char comp[300], longpath[5200];

	need_root();
	memset(comp, 'n', 299);
	comp[299] = 0;
	for (size_t i = 0; i < 20; i++) {
		memset(longpath + i * 250, 'p', 249);
		longpath[i * 250 + 249] = '/';
	}
	strcpy(longpath + 20 * 250, "end");
	const struct ent file_over_dir[] = {{"d/", AE_IFDIR, 0755},
					    {"d/in", 0, 0644, "in"},
					    {"d", 0, 0644, "file"}};
	const struct ent link_over_dir[] = {{"d/", AE_IFDIR, 0755},
					    {"d", AE_IFLNK, 0777, .link = "/"}};
	const struct ent wh_over_dir[] = {{"d/", AE_IFDIR, 0755},
					  {".wh.d", 0, 0644, ""}};
	const struct ent long_comp[] = {{comp, 0, 0644, "x"}};
	const struct ent long_path[] = {{longpath, 0, 0644, "x"}};
	const struct ent redirect[] = {{"d/", AE_IFDIR, 0755,
					.xname = "trusted.overlay.redirect",
					.xval = "/etc", .xlen = 4}};
	const struct ent root_file[] = {{".", AE_IFLNK, 0777, .link = "/"}};
	const struct ent wh_dots[] = {{"d/.wh..", 0, 0644, ""}};
	const struct ent wh_empty[] = {{".wh.", 0, 0644, ""}};

	refused(c, file_over_dir, ARRAY_SIZE(file_over_dir),
		"entry d: would replace a directory");
	refused(c, link_over_dir, ARRAY_SIZE(link_over_dir),
		"entry d: would replace a directory");
	refused(c, wh_over_dir, ARRAY_SIZE(wh_over_dir),
		"entry .wh.d: would replace a directory");
	refused(c, long_comp, ARRAY_SIZE(long_comp), "nnnnnnnnnnnnnnnnnnnn");
	refused(c, long_path, ARRAY_SIZE(long_path), "pppppppppppppppppppp");
	refused(c, redirect, ARRAY_SIZE(redirect),
		"entry d/: xattr trusted.overlay.redirect");
	refused(c, root_file, ARRAY_SIZE(root_file), "names the layer root");
	refused(c, wh_dots, ARRAY_SIZE(wh_dots), "d/.wh..");
	refused(c, wh_empty, ARRAY_SIZE(wh_empty), ".wh.");
}

/* ---- bad streams, limits, the directory ---- */

/* Refused with both sources. */
static void stream_refused(struct ctx *c, const char *bytes, size_t n,
			   const struct unpack_opts *o, const char *want,
			   enum err_class class)
{
	static const struct unpack_opts none;
	struct unpack_opts mode = o ? *o : none;
	struct unpack_result r;
	struct err e = ERR_INIT;

	memcpy(c->tar, bytes, n);
	c->len = n;
	for (int i = 0; i < 2; i++) {
		mode.flags = i ? UNPACK_ONE_PROCESS : 0;
		assert_int_equal(run(c, &mode, &r, &e), -1);
		if (!strstr(e.msg, want))
			fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
		assert_int_equal(e.class, class);
		assert_contained(c, false);
		assert_no_children();
	}
}

static void test_bad_stream(void **state)
{
	struct ctx *c = *state;
	struct unpack_opts cap = {.max_bytes = 100000};
	struct unpack_opts cfg = {
	    .media_type = "application/vnd.oci.image.config.v1+json"};
	char *copy;
	size_t n;

	stream_refused(c, "", 0, NULL, "empty layer stream", ERR_INVALID);
	stream_refused(c, "hello, this is not a tar\n", 25, NULL,
		       "not a tar stream", ERR_INVALID);
	stream_refused(c, "x", 1, &cfg, "is not a layer", ERR_INVALID);
	/* A gzip stream cut in the middle. */
	build(c, small, ARRAY_SIZE(small), ARCHIVE_FILTER_NONE);
	compress(c, ARCHIVE_FILTER_GZIP);
	n = c->len / 2;
	copy = malloc(n);
	assert_non_null(copy);
	memcpy(copy, c->tar, n);
	stream_refused(c, copy, n, NULL, "gzip", ERR_INVALID);
	/* Over the size cap. */
	build(c, small, ARRAY_SIZE(small), ARCHIVE_FILTER_NONE);
	compress(c, ARCHIVE_FILTER_ZSTD);
	memcpy(copy, c->tar, c->len < n ? c->len : n);
	stream_refused(c, copy, c->len < n ? c->len : n, &cap,
		       "larger than 100000 bytes", ERR_TOO_LARGE);
	free(copy);
}

/* A full disk: a 1 MiB tmpfs in a private mount namespace (a child
 * process, so the mount goes away with it) gets a 4 MiB file. The unpack
 * must fail naming the entry and ENOSPC, and leave the tmpfs empty. */
static int full_disk_child(struct ctx *c, char *msg, size_t cap)
{
	const struct ent es[] = {{"ok", 0, 0644, "fits"},
				 {"big", 0, 0644, .size = 4u << 20}};
	struct unpack_result r;
	struct err e = ERR_INIT;
	char tiny[128], layer[160];
	DIR *d;
	int n = 0;

	snprintf(tiny, sizeof(tiny), "%s/tiny", c->dir);
	snprintf(layer, sizeof(layer), "%s/layer", tiny);
	if (mkdir(tiny, 0755) < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", tiny, "tmpfs", 0, "size=1m") < 0)
		return snprintf(msg, cap, "setup: %m"), 2;
	build(c, es, ARRAY_SIZE(es), ARCHIVE_FILTER_NONE);
	_cleanup_close_ int fd = tar_fd(c);
	if (unpack_layer(fd, layer, NULL, &r, &e) == 0)
		return snprintf(msg, cap, "unpacked onto a full disk"), 1;
	snprintf(msg, cap, "%s", e.msg);
	if (!strstr(e.msg, "entry big: write") ||
	    !strstr(e.msg, strerror(ENOSPC)) || e.class != ERR_TOO_LARGE)
		return 1;
	d = opendir(tiny);
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n == 2 ? 0 : 3; /* only . and .. */
}

static void test_full_disk(void **state)
{
	struct ctx *c = *state;
	char *msg = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	need_root();
	assert_true(msg != MAP_FAILED);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_disk_child(c, msg, 4096));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2 && strstr(msg, "setup"))
		skip(); /* no mount namespaces here */
	if (WEXITSTATUS(status) != 0)
		fail_msg("status %d: %s", WEXITSTATUS(status), msg);
	assert_int_equal(rmdir(strcat(strcpy(msg, c->dir), "/tiny")), 0);
	munmap(msg, 4096);
}

/* UNPACK_NO_OWNERS: the owners stay the unpacker's. */
static void test_no_owners(void **state)
{
	struct ctx *c = *state;
	const struct ent es[] = {
	    {"d/", AE_IFDIR, 0750, .uid = 1000, .gid = 1000},
	    {"d/f", 0, 04755, "f", .uid = 1000, .gid = 1000},
	    {"d/l", AE_IFLNK, 0777, .link = "f", .uid = 1000, .gid = 1000},
	};
	struct unpack_opts o = {.flags = UNPACK_NO_OWNERS};
	struct unpack_result r;
	struct err e = ERR_INIT;
	struct stat st;

	build(c, es, ARRAY_SIZE(es), ARCHIVE_FILTER_NONE);
	if (run(c, &o, &r, &e) < 0)
		fail_msg("unpack: %s", e.msg);
	lstat_rel(c, "d", &st);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0750);
	lstat_rel(c, "d/f", &st);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 04755);
	lstat_rel(c, "d/l", &st);
	assert_int_equal(st.st_uid, geteuid());
}

static void test_exists(void **state)
{
	struct ctx *c = *state;
	struct unpack_result r;
	struct err e = ERR_INIT;

	need_root();
	unpack_ok(c, small, ARRAY_SIZE(small), &r);
	assert_int_equal(run(c, NULL, &r, &e), -1);
	assert_int_equal(e.class, ERR_CONFLICT);
	assert_contained(c, true);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A tree deeper than the fd limit allows with one fd per level. */
static void test_remove_deep(void **state)
{
	struct ctx *c = *state;
	struct err e = ERR_INIT;
	int fd, next, before = count_fds();
	struct stat st;

	assert_int_equal(mkdir(c->layer, 0755), 0);
	fd = open(c->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 3000; i++) {
		assert_true(fd >= 0);
		assert_int_equal(mkdirat(fd, "d", i % 2 ? 0 : 0755), 0);
		assert_int_equal(mkdirat(fd, "e", 0755), 0);
		close(openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0));
		assert_int_equal(symlinkat("/", fd, "s"), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	close(fd);
	need_root(); /* mode 0 directories on the way */
	assert_int_equal(tree_remove(AT_FDCWD, c->layer, &e), 0);
	assert_true(lstat(c->layer, &st) < 0);
	assert_int_equal(count_fds(), before);
	assert_contained(c, false);
	assert_int_equal(tree_remove(AT_FDCWD, c->layer, &e), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_kinds),	     T(test_full_disk), T(test_no_owners),
	    T(test_utf8_names),	     T(test_replace),	T(test_whiteouts),
	    T(test_compression),     T(test_big_file),	T(test_climb),
	    T(test_through_symlink), T(test_hardlinks), T(test_bad_entries),
	    T(test_bad_stream),	     T(test_exists),	T(test_remove_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
