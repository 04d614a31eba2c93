/* file.c - file primitives (see file.h). Owns nothing: every fd opened
 * here is closed before returning. */
#include "file.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

int file_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_fsync_dir(int dirfd, const char *dir, struct err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return err_set(e, errno, "fsync %s", dir);
	return 0;
}

int file_fsync_parent(int dirfd, const char *name, struct err *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(name, '/');

	if (!slash)
		return file_fsync_dir(dirfd, ".", e);
	if (slash == name)
		return file_fsync_dir(dirfd, "/", e);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - name), name);
	return file_fsync_dir(dirfd, dir, e);
}

int file_write_durable(const struct file_durable *f, const void *data,
		       size_t len, struct err *e)
{
	const char *l = f->label ? f->label : "", *sep = f->label ? "/" : "";
	_cleanup_close_ int fd = -1;

	unlinkat(f->dirfd, f->tmp, 0); /* a leftover of a crash is garbage */
	fd = openat(f->dirfd, f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    f->mode);
	if (fd < 0)
		return err_set(e, errno, "create %s%s%s", l, sep, f->tmp);
	if (file_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err_set(e, errno, "write %s%s%s", l, sep, f->tmp);
		goto fail;
	}
	if (renameat(f->dirfd, f->tmp, f->dirfd, f->name) < 0) {
		err_set(e, errno, "rename %s%s%s", l, sep, f->tmp);
		goto fail;
	}
	if (f->no_dir_sync)
		return 0;
	return file_fsync_parent(f->dirfd, f->name, e);
fail:
	unlinkat(f->dirfd, f->tmp, 0);
	return -1;
}
