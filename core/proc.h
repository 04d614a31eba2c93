/* proc.h - every child of the daemon, held by a pidfd.
 *
 * One registry of (pid, pidfd, owner callback). The pidfd is watched on the
 * loop; when readable, the exit status is collected with waitid(P_PIDFD)
 * and the owner's callback runs. The orphan reaper (subreaper or PID 1)
 * peeks with waitid(P_ALL, WNOHANG|WNOWAIT) and reaps every pid that is
 * not registered, so a child must be registered before it can run (right
 * after clone, before it is released): an unregistered child's exit would
 * be taken as an orphan's. */
#ifndef SKIFF_PROC_H
#define SKIFF_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/err.h"

struct proc;

/* Called once with the child's siginfo (si_code CLD_EXITED/KILLED/...,
 * si_status). The proc is freed after the callback returns. */
typedef void (*proc_exit_fn)(struct proc *p, const siginfo_t *si, void *ctx);

/* Adopt a child: takes ownership of pidfd (or opens one with pidfd_open
 * when pidfd < 0). */
struct proc *proc_watch(pid_t pid, int pidfd, proc_exit_fn fn, void *ctx,
			struct err *e);
/* Adopt a process that is not our child: a container a skiffd that died
 * left to the keeper (core/fdstore.h). Takes pidfd (for signals); the
 * exit comes from the keeper through proc_foreign_exit. */
struct proc *proc_adopt(pid_t pid, int pidfd, proc_exit_fn fn, void *ctx);
/* The keeper reaped pid (wstatus as from waitpid): an adopted proc's
 * owner runs as for a child's exit. */
void proc_foreign_exit(pid_t pid, int wstatus);
/* True while the process pidfd names has not exited. */
bool proc_pidfd_alive(int pidfd);
/* The proc's pidfd (borrowed). */
int proc_pidfd(const struct proc *p);
/* Fork a child that runs fn(arg) and _exits with its return; the child has
 * default signal dispositions and an empty mask. */
struct proc *proc_fork(int (*fn)(void *arg), void *arg, proc_exit_fn on_exit,
		       void *ctx, struct err *e);
pid_t proc_pid(const struct proc *p);
int proc_signal(struct proc *p, int sig);
/* Forget the owner (the child still gets reaped, silently). */
void proc_disown(struct proc *p);
/* Reap orphans that are not ours; returns how many were reaped. */
unsigned proc_reap_orphans(void);
unsigned proc_count(void);
/* Restore default signal handling in a fresh child before exec. */
void proc_child_signals(void);
/* The shell's exit status of a siginfo: the code, or 128 + signal. */
int proc_exit_code(const siginfo_t *si);
/* Human form of a siginfo: "exited 3", "killed by SIGKILL". */
const char *proc_status_str(const siginfo_t *si, char *buf, size_t len);

#endif
