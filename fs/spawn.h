/* spawn.h - starting a container's process, and exec into a running one.
 *
 * Two steps, so an event loop never waits on a child:
 *
 *   spawn_create()  clone3(CLONE_PIDFD | new namespaces); the child waits.
 *                   The caller now has sp->pid and sp->pidfd and may join
 *                   the child to cgroups, wire its network namespace, ...
 *   spawn_release() lets the child go: it unshares its cgroup namespace
 *                   (so the namespace root is the cgroup the caller just
 *                   joined), mounts its root, pivots, sets hostname, user,
 *                   groups, rlimits, capabilities, no_new_privs, seccomp,
 *                   and execs.
 *   spawn_poll()    call when sp->sync_fd is readable (or in a loop):
 *                   1 = still setting up (sp->console_fd may have come),
 *                   0 = the program was exec'd,
 *                   -1 = the child failed; e holds its error (such as
 *                   `exec "nonexistent": No such file or directory`) and
 *                   the child exits 127 by itself (or, after a garbled
 *                   message, has been sent SIGKILL). It is not reaped.
 *
 * spawn_run() does the three in a row, blocking, for tools and tests.
 *
 * Ownership: struct spawn owns pid, pidfd and sync_fd. Reaping is never
 * done here but by whoever watches the child (the daemon registers a
 * copy of the pidfd with core/proc before spawn_release; a tool waits on
 * sp->pidfd): a wait inside these calls would block a loop, and would
 * steal the exit from its owner. spawn_free() on a spawn that never
 * reached exec sends the child SIGKILL; after exec it only closes what
 * it still owns. spawn_run(), blocking anyway, reaps a child it failed. */
#ifndef SKIFF_SPAWN_H
#define SKIFF_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "../core/base/err.h"
#include "../proto/ocispec.h"
#include "seccomp.h"

enum spawn_state {
	SPAWN_WAITING, /* cloned, blocked until spawn_release */
	SPAWN_SETUP,   /* released, setting up */
	SPAWN_EXECED,  /* execve succeeded */
	SPAWN_FAILED,  /* the child reported an error and was reaped */
};

struct spawn {
	pid_t pid;
	int pidfd;   /* CLONE_PIDFD; the caller may steal it */
	int sync_fd; /* SOCK_SEQPACKET, used with MSG_DONTWAIT; closed at exec */
	/* With process.terminal and no stdio[0]: the pty master the child
	 * opened in the container's /dev/pts, once spawn_poll has seen it
	 * (before exec); the caller may steal it. -1 until then. */
	int console_fd;
	enum spawn_state state;
};

struct spawn_opts {
	const struct oci_spec *spec;
	/* absolute image directory (root.path), or an image's layer
	 * directories, topmost first, joined by ':' (overlay lowerdirs) */
	const char *rootfs;
	const char *state_dir; /* absolute per-container directory */
	/* fds to become the child's 0, 1, 2; -1 means /dev/null. With
	 * process.terminal, either stdio[0] is a pty slave that becomes the
	 * controlling terminal (and /dev/console), or stdio[0] is -1 and the
	 * child opens a pty in the container's own /dev/pts (as runc does),
	 * makes its slave 0, 1, 2, /dev/console and its controlling terminal,
	 * and sends the master back: sp->console_fd. The caller keeps its
	 * own copies. */
	int stdio[3];
	/* The spec's linux.seccomp compiled once by the caller (optional):
	 * then neither parent nor child compiles the profile again. */
	const struct seccomp_bpf *seccomp_bpf;
	/* Clone as our parent's child, not ours (CLONE_PARENT): a spawner
	 * cloning for its parent (spawner.h). */
	bool clone_parent;
};

struct spawn_exec_opts {
	int pidfd; /* the container's first process, or -1 to go by pid */
	/* The same process; its /proc/PID/ns/ files are used without a pidfd
	 * or when the kernel can't setns on one (before 5.8). */
	pid_t pid;
	const struct oci_process *process;
	const struct oci_seccomp *seccomp; /* the container's; NULL for none */
	int stdio[3]; /* as in spawn_opts; a pty is made in the container's
		       * /dev/pts (no /dev/console) */
};

int spawn_create(const struct spawn_opts *o, struct spawn **out, struct err *e);
/* The checks spawn_create starts with, that need no file system work
 * (process, namespaces, seccomp profile): a caller that has another
 * process clone (spawner.h) fails early and the same way. */
int spawn_check(const struct spawn_opts *o, struct err *e);
/* A child another process cloned for us (spawner.h), waiting for
 * spawn_release: takes pidfd and sync_fd. */
struct spawn *spawn_adopt(pid_t pid, int pidfd, int sync_fd);
/* Join every namespace of the running container in o->pidfd (pid,
 * mount, uts, ipc, net, cgroup) and prepare o->process there; the child
 * waits for spawn_release() like spawn_create()'s. */
int spawn_exec(const struct spawn_exec_opts *o, struct spawn **out,
	       struct err *e);
int spawn_release(struct spawn *sp, struct err *e);
int spawn_poll(struct spawn *sp, struct err *e);
void spawn_free(struct spawn *sp);

/* Send sig to the process behind pidfd (pidfd_send_signal: no pid reuse
 * race). */
int spawn_signal(int pidfd, int sig, struct err *e);

/* Parent-side hook for spawn_run: runs between create and release. */
typedef int (*spawn_hook_fn)(struct spawn *sp, void *arg, struct err *e);
/* Blocking create (or exec when xo is set) + hook + release + poll. */
int spawn_run(const struct spawn_opts *o, const struct spawn_exec_opts *xo,
	      spawn_hook_fn hook, void *arg, struct spawn **out, struct err *e);

#endif
