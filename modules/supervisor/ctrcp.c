/* ctrcp.c - `cp`: files between a container and the client, both ways.
 *
 *   cp CONTAINER:SRC DEST|-     cp SRC|- CONTAINER:DEST
 *
 * The client passes, by SCM_RIGHTS, the directory holding its side's
 * entry (opened by the CLI, with the client's own rights), or its
 * stdout/stdin for "-" (a tar stream). skiffd never looks up a host path.
 *
 * The copy runs in a helper process, never on the loop (cp_main). The
 * helper forks once more for the host side, which drops to the client's
 * uid/gid and works relative to the client's fd; the two halves talk
 * through a pipe carrying a tar stream (fs/tarcopy). The container side
 * enters the container: for a running one, its mount namespace (setns on
 * a pidfd of its init), then chroot to its root; for a stopped one, it
 * mounts the container's overlay (lower = rootfs, its upper/ and work/)
 * in a private mount namespace of its own, which goes away with it. Paths
 * in the container are resolved with openat2(RESOLVE_IN_ROOT) and the
 * helper is chrooted there, so no symlink in the container can lead the
 * copy outside it.
 *
 * A helper reports a failure as one line "CLASS MESSAGE" on a pipe whose
 * read end skiffd reads (non-blocking) once the helper has exited.
 * Owns per request: struct cp_job, its fds, the helper's struct proc. */
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

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../fs/tarcopy.h"
#include "../../proto/cppath.h"
#include "supervisor.h"

struct cp_job {
	struct ctl_req *r;
	char id[CTR_ID_LEN + 1];
	bool to_ctr;		 /* host -> container */
	struct cppath ctr, host; /* the two words, parsed */
	const char *ctr_word, *host_word;
	const char *ctr_path; /* the container path as given */
	char *words[2];	      /* SRC and DEST, owned (ctr_word points in) */
	bool export;	      /* export: the root, without other mounts */
	int host_fd;	      /* client's directory, or stdin/stdout */
	int err_r, err_w;     /* helpers' failure line */
	bool running;
	pid_t pid; /* running: the container's init (our child) */
	int pidfd; /* running: a pidfd of it */
	char *rootfs, *state_dir;
	uid_t uid;
	gid_t gid;
};

static void job_free(struct cp_job *j)
{
	cppath_free(&j->ctr);
	cppath_free(&j->host);
	if (j->host_fd >= 0)
		close(j->host_fd);
	if (j->err_r >= 0)
		close(j->err_r);
	if (j->err_w >= 0)
		close(j->err_w);
	if (j->pidfd >= 0)
		close(j->pidfd);
	free(j->rootfs);
	free(j->state_dir);
	free(j->words[0]);
	free(j->words[1]);
	free(j);
}

/* ---- in the helper ---- */

/* One line for skiffd: "CLASS MESSAGE\n" (a single write, atomic). */
static int report(const struct cp_job *j, const struct err *e)
{
	char line[640];
	int n = snprintf(line, sizeof(line), "%d %s\n", (int)e->class, e->msg);

	ssize_t w = write(j->err_w, line, (size_t)n); /* nothing to do if
							 skiffd is gone */
	(void)w;
	return 1;
}

/* The client's side: its uid and gid (root stays root), then the tar
 * half relative to its directory fd. */
static int host_side(const struct cp_job *j, int fd)
{
	struct err e = ERR_INIT;
	int rc;

	if (j->uid != 0 && (setgroups(0, NULL) < 0 || setgid(j->gid) < 0 ||
			    setuid(j->uid) < 0)) {
		err_set(&e, errno, "cp: take the client's uid %u",
			(unsigned)j->uid);
		return report(j, &e);
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
	return rc < 0 ? report(j, &e) : 0;
}

static int check_overlay_path(const char *p, struct err *e)
{
	if (p[0] != '/' || strpbrk(p, ",:\\"))
		return err_setc(e, ERR_INVALID,
				"%s: must be absolute, without "
				", : or \\",
				p);
	return 0;
}

static int mkdir_state(const char *dir, const char *sub, struct err *e)
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
static int mount_stopped(const struct cp_job *j, struct err *e)
{
	char opts[9000], merged[4200], upper[4200];
	struct stat st;

	if (check_overlay_path(j->rootfs, e) < 0 ||
	    check_overlay_path(j->state_dir, e) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(e, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(e, errno, "make / private");
	snprintf(upper, sizeof(upper), "%s/upper", j->state_dir);
	if (stat(j->rootfs, &st) < 0)
		return err_set(e, errno, "rootfs %s", j->rootfs);
	if (access(upper, F_OK) < 0) { /* never started: as mounts_prepare */
		if (mkdir_state(j->state_dir, NULL, e) < 0 ||
		    mkdir_state(j->state_dir, "upper", e) < 0 ||
		    chmod(upper, st.st_mode & 07777) < 0 ||
		    chown(upper, st.st_uid, st.st_gid) < 0)
			return e->class ? -1 : err_set(e, errno, "%s", upper);
	}
	if (mkdir_state(j->state_dir, "work", e) < 0 ||
	    mkdir_state(j->state_dir, "merged", e) < 0)
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
static int enter_running(const struct cp_job *j, struct err *e)
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
static int enter(const struct cp_job *j, struct err *e)
{
	int fd = j->running ? enter_running(j, e) : mount_stopped(j, e);

	if (fd < 0)
		return -1;
	if (fchdir(fd) < 0 || chroot(".") < 0) {
		close(fd);
		return err_set(e, errno, "chroot to the container's root");
	}
	return fd;
}

static int open_in_root(int rootfd, const char *path, int flags,
			const struct cp_job *j, struct err *e)
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
static int ctr_side(const struct cp_job *j, int fd, struct err *e)
{
	_cleanup_close_ int root = enter(j, e);
	_cleanup_close_ int dir = -1;

	if (root < 0)
		return -1;
	if (j->to_ctr && j->host.stream) { /* a tar of the client's: DEST
					      is a directory, as it is */
		dir = open_in_root(root, j->ctr_path, O_RDONLY | O_DIRECTORY, j,
				   e);
		return dir < 0 ? -1
			       : tarcopy_extract(
				     fd,
				     &(struct tarcopy_dest){dir, NULL, true,
							    false, j->ctr_word},
				     e);
	}
	dir = open_in_root(root, j->ctr.parent, O_PATH | O_DIRECTORY, j, e);
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

/* The helper: the host half in a child of ours (unless the client's fd
 * is the stream itself), the container half here. */
static int cp_main(void *arg)
{
	struct cp_job *j = arg;
	struct err e = ERR_INIT;
	int p[2], fd = j->host_fd, st = 0, rc;
	pid_t host = -1;

	signal(SIGPIPE, SIG_IGN); /* a half that stops early: EPIPE */
	if (tarcopy_prepare(&e) < 0) /* here: after the chroot it would load
				      * the container's libarchive */
		return report(j, &e), 1;
	if (!j->host.stream) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_set(&e, errno, "pipe"), report(j, &e);
		host = fork();
		if (host < 0)
			return err_set(&e, errno, "fork"), report(j, &e);
		if (host == 0) {
			close(p[j->to_ctr ? 0 : 1]);
			_exit(host_side(j, p[j->to_ctr ? 1 : 0]));
		}
		close(p[j->to_ctr ? 1 : 0]);
		fd = p[j->to_ctr ? 0 : 1];
	}
	rc = ctr_side(j, fd, &e);
	if (rc < 0)
		report(j, &e);
	close(fd); /* the host half sees the end of the stream */
	if (host > 0 &&
	    (waitpid(host, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)))
		rc = -1;
	return rc < 0 ? 1 : 0;
}

/* ---- on the loop ---- */

static void cp_done(struct proc *p, const siginfo_t *si, void *ctx)
{
	struct cp_job *j = ctx;
	struct err e = ERR_INIT;
	char line[700], how[64];
	struct ctr *c = ctr_find(j->id, &(struct err)ERR_INIT);
	ssize_t n = read(j->err_r, line, sizeof(line) - 1);
	int cls = 0, off = 0;

	if (c && c->cp_busy)
		c->cp_busy--;
	if (n > 0) {
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%d %n", &cls, &off) == 1 && off > 0)
			err_setc(&e, (enum err_class)cls, "%s", line + off);
	}
	if (e.class == ERR_OK && (si->si_code != CLD_EXITED || si->si_status))
		err_setc(&e, ERR_INTERNAL, "cp helper %s",
			 proc_status_str(si, how, sizeof(how)));
	ctl_req_finish(j->r, &e);
	job_free(j);
}

/* Which word is the container's; both parsed into j, which keeps a
 * copy of each. */
static int parse_words(struct cp_job *j, char *const *words, struct err *e)
{
	struct cppath a, b;
	char **argv = j->words;

	if (!(argv[0] = strdup(words[0])) || !(argv[1] = strdup(words[1])))
		abort();

	if (cppath_parse(argv[0], &a, e) < 0 ||
	    cppath_parse(argv[1], &b, e) < 0) {
		cppath_free(&a);
		return -1;
	}
	if (!a.container == !b.container || (a.stream && b.stream)) {
		cppath_free(&a);
		cppath_free(&b);
		return err_setc(e, ERR_INVALID,
				"cp: exactly one of SRC and "
				"DEST must be CONTAINER:PATH");
	}
	j->to_ctr = b.container != NULL;
	j->ctr = j->to_ctr ? b : a;
	j->host = j->to_ctr ? a : b;
	j->ctr_word = argv[j->to_ctr ? 1 : 0];
	j->host_word = argv[j->to_ctr ? 0 : 1];
	j->ctr_path = strchr(j->ctr_word, ':') + 1;
	return 0;
}

/* Facts the helper needs about c, taken now, on the loop. */
static int job_bind(struct cp_job *j, struct ctr *c, struct err *e)
{
	if (c->state == CTR_STARTING || c->state == CTR_REMOVING ||
	    c->rm_hook.fn)
		return err_setc(e, ERR_CONFLICT, "container %s is %s", c->name,
				c->rm_hook.fn ? "being removed"
					      : ctr_state_name(c));
	snprintf(j->id, sizeof(j->id), "%s", c->id);
	j->running = c->proc != NULL;
	j->rootfs = strdup(c->rootfs);
	j->state_dir = ctr_dir(c, NULL);
	if (!j->rootfs)
		abort();
	if (j->running) {
		j->pid = c->pid; /* unreaped while c->proc is set */
		j->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
		if (j->pidfd < 0)
			return err_set(e, errno, "pidfd of container %s",
				       c->name);
	}
	return 0;
}

/* cp (and export, which is `cp CONTAINER:/ -`) with these two words. */
static int cp_begin(struct ctl_req *r, char *const *words, bool export,
		    struct err *e)
{
	struct cp_job *j = calloc(1, sizeof(*j));
	const struct ucred *cred = ctl_req_cred(r);
	struct ctr *c;
	int p[2];

	if (!j)
		abort();
	*j = (struct cp_job){
	    .r = r, .host_fd = -1, .err_r = -1, .err_w = -1, .pidfd = -1};
	j->export = export;
	if (parse_words(j, words, e) < 0) {
		job_free(j);
		return -1;
	}
	j->uid = cred->uid;
	j->gid = cred->gid;
	j->host_fd = ctl_req_take_fd(r);
	if (j->host_fd < 0)
		err_setc(e, ERR_INVALID,
			 "cp needs the client's %s passed "
			 "with the request (SCM_RIGHTS; the skiff CLI does "
			 "this)",
			 j->host.stream ? (j->to_ctr ? "stdin" : "stdout")
					: "directory");
	else if ((c = ctr_find(j->ctr.container, e)) &&
		 job_bind(j, c, e) == 0 &&
		 pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		j->err_r = p[0];
		j->err_w = p[1];
		if (proc_fork(cp_main, j, cp_done, j, e)) {
			close(j->err_w); /* the helpers hold it */
			j->err_w = -1;
			close(j->host_fd);
			j->host_fd = -1;
			c->cp_busy++;
			return CMD_PENDING;
		}
	} else if (e->class == ERR_OK) {
		err_set(e, errno, "pipe");
	}
	job_free(j);
	return -1;
}

static int do_cp(struct ctl_req *r, void *args, struct err *e)
{
	return cp_begin(r, ctl_req_argv(r), false, e);
}

/* export: the container's whole filesystem (its merged root, running or
 * stopped) as a tar stream to the client's stdout or -o FILE. */
static int do_export(struct ctl_req *r, void *args, struct err *e)
{
	char word[512];
	const char *name = ctl_req_argv(r)[0];

	if (strchr(name, ':') || strchr(name, '/') ||
	    strlen(name) + 3 > sizeof(word))
		return err_setc(e, ERR_NOT_FOUND, "no such container: %s",
				name);
	snprintf(word, sizeof(word), "%s:/", name);
	return cp_begin(r, (char *[]){ word, "-" }, true, e);
}

const struct command ctr_cmd_export = { "export", do_export };

const struct command ctr_cmd_cp = { "cp", do_cp };
