/* ctrcopy.c - `cp`'s work: files between a container and a host
 * directory, as a tar stream, both ways (see ctrcopy.h).
 *
 * The host half runs in a child that drops to the client's uid/gid and
 * works relative to the client's fd; the two halves talk through a pipe
 * carrying a tar stream (fs/tarcopy). The container side enters the
 * container: for a running one, its mount namespace (setns on a pidfd of
 * its init), then chroot to its root; for a stopped one, it mounts the
 * container's overlay (lower = rootfs, its upper/ and work/) in a private
 * mount namespace of its own, which goes away with the process. Paths in
 * the container are resolved with openat2(RESOLVE_IN_ROOT) and the
 * process is chrooted there, so no symlink in the container can lead the
 * copy outside it. */
#include "ctrcopy.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
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

static int ctrcopy_report(int fd, const struct err *e);

/* The client's side: its uid and gid (root stays root), then the tar
 * half relative to its directory fd. */
static int ctrcopy_host_side(const struct ctrcopy *j, int fd, int errfd)
{
	struct err e = ERR_INIT;
	int rc;

	if (j->uid != 0 && (setgroups(0, NULL) < 0 || setgid(j->gid) < 0 ||
			    setuid(j->uid) < 0)) {
		err_set(&e, errno, "cp: take the client's uid %u",
			(unsigned)j->uid);
		return ctrcopy_report(errfd, &e);
	}
	if (j->to_ctr)
		rc = tarcopy_create(
		    fd,
		    &(struct tarcopy_src){j->host_fd, j->host.name,
					  j->host.contents, j->host_word, false},
		    &e);
	else
		rc = tarcopy_extract(
		    fd,
		    &(struct tarcopy_dest){j->host_fd, j->host.name,
					   j->host.trailing_slash,
					   j->ctr.contents, j->host_word},
		    &e);
	return rc < 0 ? ctrcopy_report(errfd, &e) : 0;
}

static int ctrcopy_check_overlay(const char *p, struct err *e)
{
	if (p[0] != '/' || strpbrk(p, ",:\\"))
		return err_setc(e, ERR_INVALID,
				"%s: must be absolute, without "
				", : or \\",
				p);
	return 0;
}

static int ctrcopy_mkdir(const char *dir, const char *sub, struct err *e)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", p);
	return 0;
}

/* A stopped container: its overlay in a mount namespace of our own
 * (private, so nothing propagates to the host), as the start would
 * mount it. Returns an fd on the merged root. */
static int ctrcopy_mount_stopped(const struct ctrcopy *j, struct err *e)
{
	char opts[9000], merged[4200], upper[4200];
	struct stat st;

	if (ctrcopy_check_overlay(j->rootfs, e) < 0 ||
	    ctrcopy_check_overlay(j->state_dir, e) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(e, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(e, errno, "make / private");
	snprintf(upper, sizeof(upper), "%s/upper", j->state_dir);
	if (stat(j->rootfs, &st) < 0)
		return err_set(e, errno, "rootfs %s", j->rootfs);
	if (access(upper, F_OK) < 0) { /* never started: as mounts_prepare */
		if (ctrcopy_mkdir(j->state_dir, NULL, e) < 0 ||
		    ctrcopy_mkdir(j->state_dir, "upper", e) < 0 ||
		    chmod(upper, st.st_mode & 07777) < 0 ||
		    chown(upper, st.st_uid, st.st_gid) < 0)
			return e->class ? -1 : err_set(e, errno, "%s", upper);
	}
	if (ctrcopy_mkdir(j->state_dir, "work", e) < 0 ||
	    ctrcopy_mkdir(j->state_dir, "merged", e) < 0)
		return -1;
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s/upper,"
		 "workdir=%s/work",
		 j->rootfs, j->state_dir, j->state_dir);
	snprintf(merged, sizeof(merged), "%s/merged", j->state_dir);
	if (mount("overlay", merged, "overlay", 0, opts) < 0)
		return err_set(e, errno, "mount overlay on %s", merged);
	return open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* A running container: its root (opened while the pidfd shows its init
 * alive, so the pid named it), then its mount namespace. */
static int ctrcopy_enter_running(const struct ctrcopy *j, struct err *e)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/root", (int)j->pid);
	fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 ||
	    syscall(SYS_pidfd_send_signal, j->pidfd, 0, NULL, 0) < 0) {
		if (fd >= 0)
			close(fd);
		return err_setc(e, ERR_CONFLICT, "container %.12s exited",
				j->id);
	}
	if (setns(j->pidfd, CLONE_NEWNS) < 0) {
		close(fd);
		return err_set(e, errno,
			       "enter the container's mount "
			       "namespace");
	}
	return fd;
}

/* Enter the container's files; returns an fd on its root, which is
 * also our root and working directory then. */
static int ctrcopy_enter(const struct ctrcopy *j, struct err *e)
{
	int fd = j->running ? ctrcopy_enter_running(j, e) : ctrcopy_mount_stopped(j, e);

	if (fd < 0)
		return -1;
	if (fchdir(fd) < 0 || chroot(".") < 0) {
		close(fd);
		return err_set(e, errno, "chroot to the container's root");
	}
	return fd;
}

static int ctrcopy_open_in_root(int rootfd, const char *path, int flags,
			const struct ctrcopy *j, struct err *e)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return err_setc(e, ERR_NOT_FOUND,
				"no such file or "
				"directory: %s",
				j->ctr_word);
	if (errno == ENOTDIR)
		return err_setc(e, ERR_INVALID, "not a directory: %s",
				j->ctr_word);
	return err_set(e, errno, "%s", j->ctr_word);
}

/* The container's side of the tar stream on fd. */
static int ctrcopy_ctr_side(const struct ctrcopy *j, int fd, struct err *e)
{
	_cleanup_close_ int root = ctrcopy_enter(j, e);
	_cleanup_close_ int dir = -1;

	if (root < 0)
		return -1;
	if (j->to_ctr && j->host.stream) { /* a tar of the client's: DEST
					      is a directory, as it is */
		dir = ctrcopy_open_in_root(root, j->ctr_path, O_RDONLY | O_DIRECTORY, j,
				   e);
		return dir < 0 ? -1
			       : tarcopy_extract(
				     fd,
				     &(struct tarcopy_dest){dir, NULL, true,
							    false, j->ctr_word},
				     e);
	}
	dir = ctrcopy_open_in_root(root, j->ctr.parent, O_PATH | O_DIRECTORY, j, e);
	if (dir < 0)
		return -1;
	if (!j->to_ctr)
		return tarcopy_create(fd,
				      &(struct tarcopy_src){dir, j->ctr.name,
							    j->ctr.contents,
							    j->ctr_word,
							    j->export},
				      e);
	return tarcopy_extract(
	    fd,
	    &(struct tarcopy_dest){dir, j->ctr.name, j->ctr.trailing_slash,
				   j->host.contents, j->ctr_word},
	    e);
}

/* The first failure either half reports wins (the other one often only
 * sees its stream cut): one write each, whole. */
static int ctrcopy_report(int fd, const struct err *e)
{
	ssize_t n = write(fd, e, sizeof(*e)); /* < PIPE_BUF: atomic */

	(void)n; /* nothing more to do */
	return 1;
}

/* The host half in a child of ours (unless the client's fd is the stream
 * itself), the container half here; e gets the first failure. */
int ctrcopy_run(const struct ctrcopy *j, struct err *e)
{
	_cleanup_close_ int err_r = -1, err_w = -1;
	int p[2], errp[2], fd = j->host_fd, st = 0, rc;
	struct err first;
	pid_t host = -1;

	signal(SIGPIPE, SIG_IGN); /* a half that stops early: EPIPE */
	if (tarcopy_prepare(e) < 0) /* here: after the chroot it would load
				     * the container's libarchive */
		return -1;
	if (pipe2(errp, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_set(e, errno, "pipe");
	err_r = errp[0];
	err_w = errp[1];
	if (!j->host.stream) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_set(e, errno, "pipe");
		host = fork();
		if (host < 0)
			return err_set(e, errno, "fork");
		if (host == 0) {
			close(p[j->to_ctr ? 0 : 1]);
			_exit(ctrcopy_host_side(j, p[j->to_ctr ? 1 : 0], err_w));
		}
		close(p[j->to_ctr ? 1 : 0]);
		fd = p[j->to_ctr ? 0 : 1];
	}
	rc = ctrcopy_ctr_side(j, fd, e);
	if (rc < 0)
		ctrcopy_report(err_w, e);
	close(fd); /* the host half sees the end of the stream */
	if (host > 0 &&
	    (waitpid(host, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)))
		rc = -1;
	if (rc == 0)
		return 0;
	if (read(err_r, &first, sizeof(first)) == (ssize_t)sizeof(first)) {
		first.msg[sizeof(first.msg) - 1] = '\0';
		*e = first;
	} else {
		err_setc(e, ERR_INTERNAL, "cp: the host side failed");
	}
	return -1;
}
