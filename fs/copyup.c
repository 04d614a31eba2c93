/* copyup.c - a new volume starts with the image's content (see
 * copyup.h). The image side is read through an overlay of the layers in
 * a private mount namespace, with paths resolved in that root
 * (openat2 RESOLVE_IN_ROOT); each copy is a tar stream (fs/tarcopy)
 * from a child of ours that reads the image into our extraction. */
#include "copyup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "tarcopy.h"
#include "../core/base/xalloc.h"

static int copyup_openat2(int root, const char *p, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	return (int)syscall(SYS_openat2, root, p, &how, sizeof(how));
}

static bool copyup_dir_empty(int fd)
{
	_cleanup_close_ int d = openat(fd, ".", O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC);
	DIR *dir = d >= 0 ? fdopendir(d) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!dir)
		return false;
	d = -1;
	while (empty && (de = readdir(dir)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(dir);
	return empty;
}

static int copyup_one(int rootfd, const char *dest, const char *data,
		    struct err *e)
{
	_cleanup_close_ int src = copyup_openat2(rootfd, dest, O_RDONLY |
					      O_DIRECTORY);
	_cleanup_close_ int dst = open(data, O_RDONLY | O_DIRECTORY |
				       O_CLOEXEC);
	struct stat st;
	int p[2], status;
	pid_t w;

	if (src < 0)
		return errno == ENOENT || errno == ENOTDIR
			       ? 0 : err_set(e, errno, "open image path %s",
					     dest);
	if (dst < 0)
		return err_set(e, errno, "open %s", data);
	if (!copyup_dir_empty(dst))
		return 0; /* Docker copies into an empty volume only */
	if (fstat(src, &st) == 0) {
		if (fchown(dst, st.st_uid, st.st_gid) < 0 ||
		    fchmod(dst, st.st_mode & 07777) < 0)
			return err_set(e, errno, "chown/chmod %s", data);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	w = fork();
	if (w < 0)
		return err_set(e, errno, "fork");
	if (w == 0) {
		struct err we = ERR_INIT;
		close(p[0]);
		_exit(tarcopy_create(p[1], &(struct tarcopy_src){
			.dirfd = src, .name = ".", .contents = true,
			.label = dest }, &we) < 0 ? 1 : 0);
	}
	close(p[1]);
	if (tarcopy_extract(p[0], &(struct tarcopy_dest){ .dirfd = dst,
			    .label = data }, e) < 0) {
		close(p[0]);
		waitpid(w, &status, 0);
		return err_wrap(e, "copy %s", dest);
	}
	close(p[0]);
	if (waitpid(w, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return err_setc(e, ERR_INTERNAL, "copy %s: reading the image "
				"failed", dest);
	return 0;
}

/* A private mount namespace, the image's layers (over an empty one, so
 * even a single layer's whiteouts are read as whiteouts) as a read-only
 * overlay, then each volume. */
int copyup_run(const struct copyup_opts *o, struct err *e)
{
	_cleanup_free_ char *opts = NULL;
	_cleanup_close_ int rootfd = -1;

	opts = xasprintf("lowerdir=%s:%s", o->lower, o->empty);
	if (tarcopy_prepare(e) < 0)
		return -1;
	if ((mkdir(o->dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(o->mnt, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(o->empty, 0700) < 0 && errno != EEXIST))
		return err_set(e, errno, "mkdir in %s", o->dir);
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("overlay", o->mnt, "overlay", MS_RDONLY, opts) < 0)
		return err_set(e, errno, "mount the image's layers");
	rootfd = open(o->mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_set(e, errno, "open %s", o->mnt);
	for (int i = 0; i < o->n; i++)
		if (copyup_one(rootfd, o->vols[i].dest, o->vols[i].data, e) < 0)
			return -1;
	return 0;
}
