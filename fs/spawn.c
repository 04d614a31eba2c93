/* spawn.c - the parent side of container creation and exec (see spawn.h).
 *
 * Owns each struct spawn it allocates: the child's pid, its pidfd and the
 * parent's end of the sync socket. The socket is SOCK_SEQPACKET so the
 * child's one error message arrives whole, and its end in the child is
 * O_CLOEXEC so a successful execve shows up here as end-of-file. */
#include "spawn.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/log.h"
#include "mounts.h"
#include "seccomp.h"
#include "spawn_child.h"
#include "../core/base/xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static pid_t spawn_clone3(uint64_t flags, int *pidfd)
{
	struct clone_args args = {
	    .flags = flags | CLONE_PIDFD,
	    .pidfd = (uint64_t)(uintptr_t)pidfd,
	    /* With CLONE_PARENT the kernel takes our own exit signal
	     * (clone3 refuses one given) */
	    .exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD,
	};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static struct spawn *spawn_new(void)
{
	struct spawn *sp = xcalloc(1, sizeof(*sp));

	sp->pid = -1;
	sp->pidfd = -1;
	sp->sync_fd = -1;
	sp->console_fd = -1;
	return sp;
}

/* Kill a child that never reached exec. Never reaped here: whoever
 * holds the pidfd collects the exit (the daemon's core/proc, or
 * spawn_run for tools), and a wait here would block an event loop on a
 * child that can't die at once (frozen, or in uninterruptible sleep). */
static void spawn_kill(struct spawn *sp)
{
	if (sp->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, sp->pidfd, SIGKILL, NULL, 0);
}

void spawn_free(struct spawn *sp)
{
	if (!sp)
		return;
	if (sp->state == SPAWN_WAITING || sp->state == SPAWN_SETUP)
		spawn_kill(sp);
	if (sp->pidfd >= 0)
		close(sp->pidfd);
	if (sp->sync_fd >= 0)
		close(sp->sync_fd);
	if (sp->console_fd >= 0)
		close(sp->console_fd);
	free(sp);
}

/* Namespace types to clone flags; cgroup is unshared by the child later,
 * once the parent has moved it into its cgroup. */
static int spawn_ns_flags(const struct oci_spec *s, uint64_t *flags,
			  struct err *e)
{
	static const struct {
		const char *type;
		uint64_t flag;
		bool path_ok;
	} map[] = {
	    {"pid", CLONE_NEWPID, true},     {"mount", CLONE_NEWNS, false},
	    {"network", CLONE_NEWNET, true}, {"ipc", CLONE_NEWIPC, true},
	    {"uts", CLONE_NEWUTS, true},     {"cgroup", 0, false},
	};
	size_t j;

	*flags = 0;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct oci_namespace *n = &s->namespaces[i];
		for (j = 0; j < ARRAY_SIZE(map); j++)
			if (strcmp(n->type, map[j].type) == 0)
				break;
		if (j == ARRAY_SIZE(map))
			return err_setc(e, ERR_INVALID,
					"linux.namespaces: unsupported "
					"namespace \"%s\"",
					n->type);
		if (n->path && !map[j].path_ok)
			return err_setc(e, ERR_INVALID,
					"linux.namespaces: can't join a %s "
					"namespace by path",
					n->type);
		if (!n->path)
			*flags |= map[j].flag;
	}
	if (!(*flags & CLONE_NEWNS))
		return err_setc(e, ERR_INVALID,
				"linux.namespaces: a mount namespace is "
				"required");
	return 0;
}

static int spawn_check_process(const struct oci_process *p,
			       const struct oci_seccomp *sc, struct err *e)
{
	if (!p->args.n || !*p->args.v[0])
		return err_setc(e, ERR_INVALID, "process.args: empty");
	if (p->cwd && p->cwd[0] != '/')
		return err_setc(e, ERR_INVALID,
				"process.cwd: must be an absolute path");
	if (sc && seccomp_spec_check(sc, e) < 0)
		return err_wrap(e, "linux.seccomp");
	return 0;
}

/* Common clone: socketpair, clone3, child runs spawn_child_main. */
static int spawn_fork(struct spawn_child *c, uint64_t flags, struct spawn *sp,
		      struct err *e)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, errno, "socketpair");
	c->sync_fd = sv[1];
	sp->pid = spawn_clone3(flags, &sp->pidfd);
	if (sp->pid == 0) {
		close(sv[0]);
		spawn_child_main(c);
	}
	close(sv[1]);
	if (sp->pid < 0) {
		close(sv[0]);
		sp->pidfd = -1;
		return err_set(e, errno, "clone3");
	}
	/* Blocking, but only ever used with MSG_DONTWAIT: nothing can fail
	 * once the child exists. */
	sp->sync_fd = sv[0];
	sp->state = SPAWN_WAITING;
	return 0;
}

struct spawn *spawn_adopt(pid_t pid, int pidfd, int sync_fd)
{
	struct spawn *sp = spawn_new();

	sp->pid = pid;
	sp->pidfd = pidfd;
	sp->sync_fd = sync_fd;
	sp->state = SPAWN_WAITING;
	return sp;
}

int spawn_check(const struct spawn_opts *o, struct err *e)
{
	const struct oci_spec *s = o->spec;
	uint64_t flags;

	if (!s->has_process)
		return err_setc(e, ERR_INVALID, "process: required");
	if (spawn_check_process(&s->process,
				o->seccomp_bpf ? NULL : s->seccomp, e) < 0 ||
	    spawn_ns_flags(s, &flags, e) < 0)
		return -1;
	return 0;
}

/* Clone, born in the pid namespace at ns->path when the spec joins one
 * (--pid container:NAME): pid_for_children goes there for the clone
 * and comes back to ours after. */
static int spawn_fork_in_pidns(struct spawn_child *c,
			       const struct oci_namespace *ns, uint64_t flags,
			       struct spawn *sp, struct err *e)
{
	_cleanup_close_ int own = -1, fd = -1;
	int r;

	if (!ns || !ns->path)
		return spawn_fork(c, flags, sp, e);
	own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return err_set(e, errno, "open /proc/self/ns/pid");
	fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
		return err_set(e, errno, "join pid namespace %s", ns->path);
	r = spawn_fork(c, flags, sp, e);
	if (setns(own, CLONE_NEWPID) < 0) {
		log_err("spawn: can't return to own pid namespace: %s",
			strerror(errno));
		abort();
	}
	return r;
}

int spawn_create(const struct spawn_opts *o, struct spawn **out, struct err *e)
{
	const struct oci_spec *s = o->spec;
	struct spawn_child c = {
	    .proc = &s->process,
	    .seccomp = s->seccomp,
	    .seccomp_bpf = o->seccomp_bpf,
	    .spec = s,
	    .rootfs = o->rootfs,
	    .state_dir = o->state_dir,
	    .join_pidfd = -1,
	};
	struct spawn *sp;
	uint64_t flags;

	*out = NULL;
	if (spawn_check(o, e) < 0 || spawn_ns_flags(s, &flags, e) < 0 ||
	    mounts_prepare(s, o->rootfs, o->state_dir, e) < 0)
		return -1;
	if (o->clone_parent)
		flags |= CLONE_PARENT;
	memcpy(c.stdio, o->stdio, sizeof(c.stdio));
	sp = spawn_new();
	if (spawn_fork_in_pidns(&c, ocispec_namespace(s, "pid"), flags, sp,
				e) < 0) {
		spawn_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}

int spawn_signal(int pidfd, int sig, struct err *e)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return err_set(e, errno, "signal %d", sig);
	return 0;
}

/* Point our pid_for_children at the container's pid namespace. */
static int spawn_enter_pidns(const struct spawn_exec_opts *o, struct err *e)
{
	_cleanup_close_ int fd = -1;
	char path[64];

	if (o->pidfd >= 0 && setns(o->pidfd, CLONE_NEWPID) == 0)
		return 0;
	if (o->pidfd >= 0 && errno != EINVAL)
		return err_set(e, errno, "join pid namespace");
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", o->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "join pid namespace %s", path);
	/* With a pidfd, make sure the pid wasn't reused meanwhile. */
	if (o->pidfd >= 0 && spawn_signal(o->pidfd, 0, e) < 0)
		return -1;
	if (setns(fd, CLONE_NEWPID) < 0)
		return err_set(e, errno, "join pid namespace %s", path);
	return 0;
}

int spawn_exec(const struct spawn_exec_opts *o, struct spawn **out,
	       struct err *e)
{
	struct spawn_child c = {
	    .proc = o->process,
	    .seccomp = o->seccomp,
	    .is_exec = true,
	    .join_pidfd = o->pidfd,
	    .join_pid = o->pid,
	};
	_cleanup_close_ int own = -1;
	struct spawn *sp;
	int r;

	*out = NULL;
	if (spawn_check_process(o->process, o->seccomp, e) < 0)
		return -1;
	memcpy(c.stdio, o->stdio, sizeof(c.stdio));
	own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return err_set(e, errno, "open /proc/self/ns/pid");
	sp = spawn_new();
	r = spawn_enter_pidns(o, e);
	if (r == 0)
		r = spawn_fork(&c, 0, sp, e);
	/* Our own children must be born in our namespace again. */
	if (setns(own, CLONE_NEWPID) < 0) {
		log_err("spawn: can't return to own pid namespace: %s",
			strerror(errno));
		abort();
	}
	if (r < 0) {
		spawn_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}

int spawn_release(struct spawn *sp, struct err *e)
{
	char go = SPAWN_GO;

	if (sp->state != SPAWN_WAITING)
		return err_setc(e, ERR_CONFLICT, "spawn: already released");
	if (send(sp->sync_fd, &go, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
		err_set(e, errno, "release child %d", sp->pid);
		spawn_kill(sp);
		sp->state = SPAWN_FAILED;
		return -1;
	}
	sp->state = SPAWN_SETUP;
	return 0;
}

/* The master of a pty the child made: keep it and go on waiting. */
static int spawn_take_console(struct spawn *sp, struct msghdr *mh,
			      struct err *e)
{
	struct cmsghdr *h = CMSG_FIRSTHDR(mh);
	int fd;

	if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
	    h->cmsg_len != CMSG_LEN(sizeof(int)) || sp->console_fd >= 0) {
		if (h && h->cmsg_type == SCM_RIGHTS) /* don't leak it */
			for (size_t i = 0;
			     i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
				close(((int *)CMSG_DATA(h))[i]);
		return err_setc(e, ERR_INTERNAL, "child %d: bad pty message",
				sp->pid);
	}
	memcpy(&fd, CMSG_DATA(h), sizeof(fd));
	sp->console_fd = fd;
	return 1;
}

int spawn_poll(struct spawn *sp, struct err *e)
{
	struct spawn_msg m;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	if (sp->state != SPAWN_SETUP)
		return sp->state == SPAWN_EXECED ? 0 : -1;
	n = recvmsg(sp->sync_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n == 0) {
		close(sp->sync_fd);
		sp->sync_fd = -1;
		sp->state = SPAWN_EXECED;
		return 0;
	}
	if (n < 0)
		err_set(e, errno, "read from child %d", sp->pid);
	else if ((size_t)n < SPAWN_MSG_HDR || (mh.msg_flags & MSG_CTRUNC))
		err_setc(e, ERR_INTERNAL, "child %d: short message", sp->pid);
	else if (m.kind == SPAWN_MSG_CONSOLE) {
		if (spawn_take_console(sp, &mh, e) == 1)
			return 1;
	} else if (err_frame_get(m.frame, (size_t)n - SPAWN_MSG_HDR, e) < 0) {
		err_setc(e, ERR_INTERNAL, "child %d: bad message", sp->pid);
	} else { /* its error: it exits 127 by itself, reported as such */
		sp->state = SPAWN_FAILED;
		return -1;
	}
	spawn_kill(sp);
	sp->state = SPAWN_FAILED;
	return -1;
}

int spawn_run(const struct spawn_opts *o, const struct spawn_exec_opts *xo,
	      spawn_hook_fn hook, void *arg, struct spawn **out, struct err *e)
{
	struct spawn *sp;
	struct pollfd pfd;
	siginfo_t info;
	int r;

	*out = NULL;
	r = xo ? spawn_exec(xo, &sp, e) : spawn_create(o, &sp, e);
	if (r < 0)
		return -1;
	if ((hook && hook(sp, arg, e) < 0) || spawn_release(sp, e) < 0)
		goto fail;
	pfd = (struct pollfd){.fd = sp->sync_fd, .events = POLLIN};
	while ((r = spawn_poll(sp, e)) == 1)
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			err_set(e, errno, "poll");
			goto fail;
		}
	if (r < 0)
		goto fail;
	*out = sp;
	return 0;
fail:
	/* Blocking is this function's contract: kill and reap here, so a
	 * tool's failed start leaves no zombie. */
	spawn_kill(sp);
	while (waitid((idtype_t)P_PIDFD, (id_t)sp->pidfd, &info, WEXITED) < 0 &&
	       errno == EINTR)
		;
	spawn_free(sp);
	return -1;
}
