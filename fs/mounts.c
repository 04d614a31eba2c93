/* mounts.c - the container's mount tree (see mounts.h).
 *
 * Targets inside the new root are resolved with openat2(RESOLVE_IN_ROOT)
 * relative to an fd on the overlay's merged directory, and mounts are made
 * on /proc/self/fd/N of that resolved target, so a symlink in the image
 * can never send a mount outside the container. All fds are closed before
 * each function returns. */
#include "mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "tree.h"

/* ---- paths inside the root ---- */

static int mounts_openat2(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Create path (and its parents) under rootfd: a directory, or with
 * is_file an empty regular file at the end. Existing entries are fine. */
static int mkpath_in_root(int rootfd, const char *path, bool is_file,
			  struct err *e)
{
	char buf[4096];
	char *p, *slash;
	int fd;

	if (snprintf(buf, sizeof(buf), "/%s", path) >= (int)sizeof(buf))
		return err_set(e, ENAMETOOLONG, "%s", path);
	for (p = buf + 1;; p = slash + 1) {
		_cleanup_close_ int parent = -1;
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (!*p)
			goto next;
		fd = mounts_openat2(rootfd, buf, O_PATH);
		if (fd >= 0) {
			close(fd);
			goto next;
		}
		if (errno != ENOENT)
			return err_set(e, errno, "open %s", buf);
		*(p - 1) = '\0';
		parent = mounts_openat2(rootfd, *buf ? buf : "/",
					O_PATH | O_DIRECTORY);
		*(p - 1) = '/';
		if (parent < 0)
			return err_set(e, errno, "open parent of %s", buf);
		if (!slash && is_file) {
			fd = openat(parent, p,
				    O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
				    0644);
			if (fd < 0)
				return err_set(e, errno, "create %s", buf);
			close(fd);
		} else if (mkdirat(parent, p, 0755) < 0 && errno != EEXIST) {
			return err_set(e, errno, "mkdir %s", buf);
		}
	next:
		if (!slash)
			return 0;
		*slash = '/';
	}
}

/* ---- mount options ---- */

struct mount_opts {
	unsigned long flags; /* MS_* set */
	unsigned long clear; /* MS_* explicitly cleared (rw, suid, ...) */
	unsigned long propagation;
	bool bind;
	struct buf data; /* the rest, comma-joined, NUL-terminated */
};

static const struct {
	const char *name;
	unsigned long flag;
	bool clear;
} mount_flag_names[] = {
    {"ro", MS_RDONLY, false},
    {"rw", MS_RDONLY, true},
    {"nosuid", MS_NOSUID, false},
    {"suid", MS_NOSUID, true},
    {"nodev", MS_NODEV, false},
    {"dev", MS_NODEV, true},
    {"noexec", MS_NOEXEC, false},
    {"exec", MS_NOEXEC, true},
    {"sync", MS_SYNCHRONOUS, false},
    {"async", MS_SYNCHRONOUS, true},
    {"noatime", MS_NOATIME, false},
    {"atime", MS_NOATIME, true},
    {"nodiratime", MS_NODIRATIME, false},
    {"relatime", MS_RELATIME, false},
    {"norelatime", MS_RELATIME, true},
    {"strictatime", MS_STRICTATIME, false},
    {"dirsync", MS_DIRSYNC, false},
    {"mand", MS_MANDLOCK, false},
};

static const struct {
	const char *name;
	unsigned long flag;
} mount_prop_names[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static bool opt_flag(struct mount_opts *o, const char *opt)
{
	for (size_t i = 0; i < ARRAY_SIZE(mount_flag_names); i++) {
		if (strcmp(opt, mount_flag_names[i].name) != 0)
			continue;
		if (mount_flag_names[i].clear) {
			o->flags &= ~mount_flag_names[i].flag;
			o->clear |= mount_flag_names[i].flag;
		} else {
			o->flags |= mount_flag_names[i].flag;
		}
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(mount_prop_names); i++) {
		if (strcmp(opt, mount_prop_names[i].name) == 0) {
			o->propagation = mount_prop_names[i].flag;
			return true;
		}
	}
	return false;
}

static void opts_parse(const struct oci_mount *m, struct mount_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bind = m->type && strcmp(m->type, "bind") == 0;
	for (size_t i = 0; i < m->options.n; i++) {
		const char *opt = m->options.v[i];
		if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
			o->bind = true;
			o->flags |= opt[0] == 'r' ? MS_REC : 0;
		} else if (strcmp(opt, "tmpcopyup") == 0 || opt_flag(o, opt)) {
			continue;
		} else {
			if (buf_used(&o->data))
				buf_append(&o->data, ",", 1);
			buf_puts(&o->data, opt);
		}
	}
	buf_append(&o->data, "", 1);
}

/* ---- mounting ---- */

/* Flags a bind remount must keep (the kernel refuses to drop locked ones
 * and would otherwise silently clear them). */
static unsigned long kept_flags(const char *path)
{
	struct statvfs st;
	unsigned long f = 0;

	if (statvfs(path, &st) < 0)
		return 0;
	if (st.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (st.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

static int bind_remount(const char *target, unsigned long flags,
			unsigned long clear, struct err *e)
{
	unsigned long f = (kept_flags(target) & ~clear) | flags;

	f &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
	     MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | f, NULL) < 0)
		return err_set(e, errno, "remount %s", target);
	return 0;
}

/* After a mount the old fd names the covered directory; flags and
 * propagation must be changed on the new mount's root, so reopen it. */
static int mount_after(int rootfd, const char *dest, struct mount_opts *o,
		       unsigned long flags, struct err *e)
{
	_cleanup_close_ int fd = -1;
	char target[64];

	if (!flags && !o->clear && !o->propagation)
		return 0;
	fd = mounts_openat2(rootfd, dest, O_PATH);
	if (fd < 0)
		return err_set(e, errno, "reopen");
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if ((flags || o->clear) && bind_remount(target, flags, o->clear, e) < 0)
		return -1;
	if (o->propagation &&
	    mount(NULL, target, NULL, o->propagation, NULL) < 0)
		return err_set(e, errno, "set propagation");
	return 0;
}

static int do_mount(int rootfd, const struct oci_mount *m, struct mount_opts *o,
		    const char *target, struct err *e)
{
	const char *src = m->source ? m->source : "none";

	if (!o->bind) {
		if (mount(src, target, m->type, o->flags, buf_head(&o->data)) <
		    0)
			return err_set(e, errno, "mount %s",
				       m->type ? m->type : src);
		return mount_after(rootfd, m->destination, o, 0, e);
	}
	if (mount(src, target, NULL, MS_BIND | (o->flags & MS_REC), NULL) < 0)
		return err_set(e, errno, "bind %s", src);
	return mount_after(rootfd, m->destination, o, o->flags & ~MS_REC, e);
}

/* Whether a bind source is a file (the target must then be a file). */
static bool source_is_file(const struct oci_mount *m, struct mount_opts *o)
{
	struct stat st;

	return o->bind && m->source && stat(m->source, &st) == 0 &&
	       !S_ISDIR(st.st_mode);
}

static int mount_one(int rootfd, const struct oci_mount *m, struct err *e)
{
	struct mount_opts o;
	_cleanup_close_ int fd = -1;
	char target[64];
	int r = -1;

	opts_parse(m, &o);
	if (mkpath_in_root(rootfd, m->destination, source_is_file(m, &o), e) <
	    0)
		goto out;
	fd = mounts_openat2(rootfd, m->destination, O_PATH);
	if (fd < 0) {
		err_set(e, errno, "open %s", m->destination);
		goto out;
	}
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	r = do_mount(rootfd, m, &o, target, e);
out:
	buf_free(&o.data);
	if (r < 0)
		err_wrap(e, "mount %s", m->destination);
	return r;
}

/* Bind a host path onto dest inside the root (a file or a directory). */
static int bind_into(int rootfd, const char *src, const char *dest,
		     struct err *e)
{
	struct oci_mount m = {
	    .destination = (char *)dest,
	    .type = "bind",
	    .source = (char *)src,
	};

	return mount_one(rootfd, &m, e);
}

/* ---- /dev ---- */

static const char *const dev_nodes[] = {"null",	  "zero",    "full",
					"random", "urandom", "tty"};

static const char *const dev_links[][2] = {
    {"fd", "/proc/self/fd"},	   {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
    {"ptmx", "pts/ptmx"},	   {"core", "/proc/kcore"},
};

/* Device nodes are bind mounts of the host's: mknod may be refused. */
static int dev_populate(int rootfd, const struct oci_spec *spec, struct err *e)
{
	_cleanup_close_ int dev =
	    mounts_openat2(rootfd, "/dev", O_PATH | O_DIRECTORY);
	char src[64], dst[64], tty[64];

	if (dev < 0)
		return err_set(e, errno, "open /dev");
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
		if (bind_into(rootfd, src, src, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i][1], dev, dev_links[i][0]) < 0 &&
		    errno != EEXIST)
			return err_set(e, errno, "symlink /dev/%s",
				       dev_links[i][0]);
	if (spec->has_process && spec->process.terminal &&
	    ttyname_r(0, tty, sizeof(tty)) == 0) {
		snprintf(dst, sizeof(dst), "/dev/console");
		if (bind_into(rootfd, tty, dst, e) < 0)
			return -1;
	}
	return 0;
}

/* linux.devices: a node made with the spec's type, numbers, mode and
 * owner (a name already there is replaced: the spec asks for this one). */
static int dev_node(int rootfd, const struct oci_device *d, struct err *e)
{
	_cleanup_free_ char *dir = strdup(d->path);
	_cleanup_close_ int parent = -1;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO
								 : S_IFCHR;
	char *base = dir ? strrchr(dir, '/') : NULL;

	if (!base || !base[1])
		return err_setc(e, ERR_INVALID, "device %s: bad path", d->path);
	*base++ = '\0';
	if (*dir && mkpath_in_root(rootfd, dir, false, e) < 0)
		return -1;
	parent = mounts_openat2(rootfd, *dir ? dir : "/",
				O_PATH | O_DIRECTORY);
	if (parent < 0)
		return err_set(e, errno, "device %s: open parent", d->path);
	if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
		return err_set(e, errno, "device %s: replace", d->path);
	if (mknodat(parent, base, type | 0600,
		    makedev((unsigned)d->major, (unsigned)d->minor)) < 0)
		return err_set(e, errno, "mknod %s", d->path);
	if (fchmodat(parent, base, d->has_mode ? d->file_mode & 07777 : 0666,
		     0) < 0 ||
	    fchownat(parent, base, d->has_uid ? d->uid : 0,
		     d->has_gid ? d->gid : 0, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(e, errno, "device %s: mode and owner", d->path);
	return 0;
}

/* ---- /etc files ---- */

static const char *const etc_files[] = {"hostname", "hosts", "resolv.conf"};

static bool spec_mounts(const struct oci_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, dest) == 0)
			return true;
	return false;
}

static int etc_bind(int rootfd, const struct oci_spec *spec,
		    const char *state_dir, struct err *e)
{
	char src[4096], dst[64];

	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		snprintf(dst, sizeof(dst), "/etc/%s", etc_files[i]);
		if (spec_mounts(spec, dst))
			continue;
		snprintf(src, sizeof(src), "%s/%s", state_dir, etc_files[i]);
		if (bind_into(rootfd, src, dst, e) < 0)
			return -1;
	}
	return 0;
}

static int write_file(const char *dir, const char *name, const char *data,
		      size_t len, struct err *e)
{
	_cleanup_close_ int fd = -1;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return err_set(e, errno, "create %s", path);
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "write %s", path);
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The host's resolv.conf without loopback nameservers, which mean nothing
 * in the container's network namespace; Google's if none remain, as
 * Docker does. */
static void resolv_conf(struct buf *out)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
	char line[1024];
	bool ns = false;

	while (f && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, "nameserver", 10) == 0) {
			p += 10 + strspn(p + 10, " \t");
			if (strncmp(p, "127.", 4) == 0 ||
			    strncmp(p, "::1", 3) == 0)
				continue;
			ns = true;
		}
		buf_puts(out, line);
	}
	if (!ns)
		buf_puts(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

static int etc_write(const struct oci_spec *spec, const char *dir,
		     struct err *e)
{
	struct buf b = {0};
	const char *host = spec->hostname ? spec->hostname : "";
	int r;

	buf_printf(&b, "%s\n", host);
	r = write_file(dir, "hostname", b.data, b.len, e);
	buf_reset(&b);
	buf_puts(&b, "127.0.0.1\tlocalhost\n"
		     "::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
		     "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	if (*host)
		buf_printf(&b, "127.0.1.1\t%s\n", host);
	if (r == 0)
		r = write_file(dir, "hosts", b.data, b.len, e);
	buf_reset(&b);
	resolv_conf(&b);
	if (r == 0)
		r = write_file(dir, "resolv.conf", b.data ? b.data : "", b.len,
			       e);
	buf_free(&b);
	return r;
}

/* ---- the root ---- */

static int mkdir_state(const char *dir, const char *name, struct err *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", path);
	return 0;
}

/* Overlay options are comma- and colon-separated: refuse paths that would
 * need escaping rather than guess. */
static int check_overlay_path(const char *p, struct err *e)
{
	if (p[0] != '/' || strpbrk(p, ",:\\"))
		return err_setc(e, ERR_INVALID,
				"%s: must be absolute, without , : or \\", p);
	return 0;
}

/* rootfs is one directory or an image's layers, topmost first, joined
 * by ':' (overlayfs's lowerdir list): each is checked; the merged root
 * takes its mode and owner from the topmost. */
static int check_lowers(const char *rootfs, struct stat *top, struct err *e)
{
	char one[4096];
	const char *p = rootfs;

	do {
		size_t n = strcspn(p, ":");
		struct stat st;
		if (!n || n >= sizeof(one))
			return err_setc(e, ERR_INVALID, "rootfs %s: empty or "
					"too long layer path", rootfs);
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (check_overlay_path(one, e) < 0)
			return -1;
		if (stat(one, &st) < 0)
			return err_set(e, errno, "rootfs %s", one);
		if (!S_ISDIR(st.st_mode))
			return err_set(e, ENOTDIR, "rootfs %s", one);
		if (p == rootfs)
			*top = st;
		p += n;
	} while (*p++ == ':');
	return 0;
}

int mounts_prepare(const struct oci_spec *spec, const char *rootfs,
		   const char *state_dir, struct err *e)
{
	char upper[4096];
	struct stat st = {0};

	if (check_lowers(rootfs, &st, e) < 0 ||
	    check_overlay_path(state_dir, e) < 0)
		return -1;
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", state_dir);
	if (mkdir_state(state_dir, "upper", e) < 0 ||
	    mkdir_state(state_dir, "work", e) < 0 ||
	    mkdir_state(state_dir, "merged", e) < 0)
		return -1;
	/* The merged root takes its owner and mode from upper's root. */
	snprintf(upper, sizeof(upper), "%s/upper", state_dir);
	if (chmod(upper, st.st_mode & 07777) < 0 ||
	    chown(upper, st.st_uid, st.st_gid) < 0)
		return err_set(e, errno, "chmod %s", upper);
	return etc_write(spec, state_dir, e);
}

static int mount_overlay(const char *rootfs, const char *state_dir,
			 char *merged, size_t size, struct err *e)
{
	struct buf o = {0};
	int r = 0;

	buf_printf(&o, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work%c",
		   rootfs, state_dir, state_dir, '\0');
	snprintf(merged, size, "%s/merged", state_dir);
	if (mount("overlay", merged, "overlay", 0, o.data) < 0)
		r = err_set(e, errno, "mount overlay on %s", merged);
	buf_free(&o);
	return r;
}

/* A masked file gets /dev/null bound over it, a directory an empty
 * read-only tmpfs; paths that don't exist are skipped. */
static int mask_path(const char *path, struct err *e)
{
	_cleanup_close_ int fd = mounts_openat2(AT_FDCWD, path, O_PATH);
	struct stat st;
	char target[64];

	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(e, errno, "mask %s", path);
	if (fstat(fd, &st) < 0)
		return err_set(e, errno, "mask %s", path);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", target, "tmpfs", MS_RDONLY, "size=0") < 0)
			return err_set(e, errno, "mask %s", path);
	} else if (mount("/dev/null", target, NULL, MS_BIND, NULL) < 0) {
		return err_set(e, errno, "mask %s", path);
	}
	return 0;
}

static int readonly_path(const char *path, struct err *e)
{
	_cleanup_close_ int fd = mounts_openat2(AT_FDCWD, path, O_PATH);
	char target[64];

	if (fd < 0)
		return errno == ENOENT
			   ? 0
			   : err_set(e, errno, "read-only %s", path);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_set(e, errno, "read-only %s", path);
	/* The fd still names the covered dentry: remount by path. */
	if (bind_remount(path, MS_RDONLY, 0, e) < 0)
		return err_wrap(e, "read-only %s", path);
	return 0;
}

/* pivot_root(".", ".") stacks the old root under the new one; detaching
 * it leaves the container alone in its tree. */
static int do_pivot(const char *merged, struct err *e)
{
	if (chdir(merged) < 0)
		return err_set(e, errno, "chdir %s", merged);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(e, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(e, errno, "detach old root");
	if (chdir("/") < 0)
		return err_set(e, errno, "chdir /");
	return 0;
}

static int spec_mounts_all(const struct oci_spec *spec, const char *merged,
			   const char *state_dir, struct err *e)
{
	_cleanup_close_ int rootfd =
	    open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return err_set(e, errno, "open %s", merged);
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (mount_one(rootfd, &spec->mounts[i], e) < 0)
			return -1;
	if (spec_mounts(spec, "/dev") && dev_populate(rootfd, spec, e) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_devices; i++)
		if (dev_node(rootfd, &spec->devices[i], e) < 0)
			return -1;
	return etc_bind(rootfd, spec, state_dir, e);
}

static int after_pivot(const struct oci_spec *spec, struct err *e)
{
	for (size_t i = 0; i < spec->masked_paths.n; i++)
		if (mask_path(spec->masked_paths.v[i], e) < 0)
			return -1;
	for (size_t i = 0; i < spec->readonly_paths.n; i++)
		if (readonly_path(spec->readonly_paths.v[i], e) < 0)
			return -1;
	if (spec->root_readonly &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return err_set(e, errno, "remount / read-only");
	return 0;
}

int mounts_setup(const struct oci_spec *spec, const char *rootfs,
		 const char *state_dir, struct err *e)
{
	char merged[4096];

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(e, errno, "make / private");
	if (mount_overlay(rootfs, state_dir, merged, sizeof(merged), e) < 0 ||
	    spec_mounts_all(spec, merged, state_dir, e) < 0 ||
	    do_pivot(merged, e) < 0)
		return -1;
	return after_pivot(spec, e);
}

/* ---- teardown ---- */

int mounts_remove_state(const char *state_dir, struct err *e)
{
	return tree_remove(AT_FDCWD, state_dir, e);
}

/* ---- Docker's defaults ---- */

static const struct {
	const char *dest, *type, *source, *opts;
} default_mounts[] = {
    {"/proc", "proc", "proc", "nosuid,noexec,nodev"},
    {"/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"},
    {"/dev/pts", "devpts", "devpts",
     "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"},
    {"/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"},
    {"/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"},
    {"/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"},
};

static const char *const default_masked[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static const char *const default_readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static int add_mount(struct oci_spec *spec, size_t i)
{
	struct oci_mount *v, *m;
	_cleanup_free_ char *opts = strdup(default_mounts[i].opts);
	char *save = NULL;

	v = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*v));
	if (!v || !opts)
		return -1;
	spec->mounts = v;
	m = memset(&v[spec->n_mounts++], 0, sizeof(*m));
	m->destination = strdup(default_mounts[i].dest);
	m->type = strdup(default_mounts[i].type);
	m->source = strdup(default_mounts[i].source);
	if (!m->destination || !m->type || !m->source)
		return -1;
	for (char *o = strtok_r(opts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save))
		if (strv_push(&m->options, o) < 0)
			return -1;
	return 0;
}

int mounts_add_defaults(struct oci_spec *spec, struct err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++)
		if (add_mount(spec, i) < 0)
			return err_set(e, ENOMEM, "default mounts");
	for (size_t i = 0; i < ARRAY_SIZE(default_masked); i++)
		if (strv_push(&spec->masked_paths, default_masked[i]) < 0)
			return err_set(e, ENOMEM, "masked paths");
	for (size_t i = 0; i < ARRAY_SIZE(default_readonly); i++)
		if (strv_push(&spec->readonly_paths, default_readonly[i]) < 0)
			return err_set(e, ENOMEM, "read-only paths");
	return 0;
}
