/* proc.c - the child registry (see proc.h).
 *
 * Owns one struct proc per child: its pidfd (watched by an ev_io) and the
 * owner callback. Exit statuses are collected only here: from a pidfd
 * becoming readable, or from the orphan sweep when it meets a registered
 * pid first. A proc is freed right after its callback; a callback that
 * wants to keep state copies it out. */
#include "proc.h"

#include <ev.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon.h"
#include "base/xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct proc {
	pid_t pid;
	int pidfd;
	ev_io io;
	proc_exit_fn fn;
	void *ctx;
	bool foreign; /* the keeper's child: no waitid, no watcher */
	struct proc *next;
};

static struct proc *procs;
static unsigned nprocs;

static int pidfd_open_sys(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static struct proc *find(pid_t pid)
{
	for (struct proc *p = procs; p; p = p->next)
		if (p->pid == pid && !p->foreign)
			return p;
	return NULL;
}

static void unlink_proc(struct proc *p)
{
	for (struct proc **pp = &procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			nprocs--;
			return;
		}
}

/* Collect p's exit if it has one; run the owner and free p. */
static bool collect(struct proc *p)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)p->pidfd, &si,
		   WEXITED | WNOHANG) < 0) {
		if (errno != ECHILD)
			return false;
		si.si_code = CLD_KILLED; /* reaped elsewhere; unknown */
		si.si_pid = p->pid;
		si.si_status = SIGKILL;
	} else if (si.si_pid == 0) {
		return false;
	}
	ev_io_stop(daemon_ctx.loop, &p->io);
	unlink_proc(p);
	close(p->pidfd);
	if (p->fn)
		p->fn(p, &si, p->ctx);
	free(p);
	return true;
}

static void on_pidfd(struct ev_loop *loop, ev_io *w, int revents)
{
	collect(w->data);
}

struct proc *proc_watch(pid_t pid, int pidfd, proc_exit_fn fn, void *ctx,
			struct err *e)
{
	struct proc *p;

	if (pidfd < 0)
		pidfd = pidfd_open_sys(pid);
	if (pidfd < 0)
		return err_set(e, errno, "pidfd_open %d", (int)pid), NULL;
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->pidfd = pidfd;
	p->fn = fn;
	p->ctx = ctx;
	p->next = procs;
	procs = p;
	nprocs++;
	ev_io_init(&p->io, on_pidfd, pidfd, EV_READ);
	p->io.data = p;
	ev_io_start(daemon_ctx.loop, &p->io);
	return p;
}

struct proc *proc_adopt(pid_t pid, int pidfd, proc_exit_fn fn, void *ctx)
{
	struct proc *p = xcalloc(1, sizeof(*p));

	p->pid = pid;
	p->pidfd = pidfd;
	p->fn = fn;
	p->ctx = ctx;
	p->foreign = true;
	p->next = procs;
	procs = p;
	nprocs++;
	return p;
}

void proc_foreign_exit(pid_t pid, int wstatus)
{
	struct proc *p;
	siginfo_t si;

	for (p = procs; p && !(p->foreign && p->pid == pid); p = p->next)
		;
	if (!p)
		return;
	memset(&si, 0, sizeof(si));
	si.si_pid = pid;
	si.si_signo = SIGCHLD;
	if (WIFEXITED(wstatus)) {
		si.si_code = CLD_EXITED;
		si.si_status = WEXITSTATUS(wstatus);
	} else {
		si.si_code = WCOREDUMP(wstatus) ? CLD_DUMPED : CLD_KILLED;
		si.si_status = WTERMSIG(wstatus);
	}
	unlink_proc(p);
	close(p->pidfd);
	if (p->fn)
		p->fn(p, &si, p->ctx);
	free(p);
}

bool proc_pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

int proc_pidfd(const struct proc *p)
{
	return p->pidfd;
}

void proc_child_signals(void)
{
	sigset_t all;

	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

struct proc *proc_fork(int (*fn)(void *arg), void *arg, proc_exit_fn on_exit,
		       void *ctx, struct err *e)
{
	struct proc *p;
	pid_t pid = fork();

	if (pid < 0)
		return err_set(e, errno, "fork"), NULL;
	if (pid == 0) {
		proc_child_signals();
		_exit(fn(arg));
	}
	p = proc_watch(pid, -1, on_exit, ctx, e);
	if (!p) /* unregistered: the orphan sweep reaps it (SIGCHLD) */
		kill(pid, SIGKILL);
	return p;
}

pid_t proc_pid(const struct proc *p)
{
	return p->pid;
}

int proc_signal(struct proc *p, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0);
}

void proc_disown(struct proc *p)
{
	p->fn = NULL;
}

unsigned proc_count(void)
{
	return nprocs;
}

unsigned proc_reap_orphans(void)
{
	unsigned n = 0;
	siginfo_t si;
	struct proc *p;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    si.si_pid == 0)
			break;
		p = find(si.si_pid);
		if (p) {
			if (!collect(p))
				break;
			continue;
		}
		pid_t orphan = si.si_pid;
		if (waitid(P_PID, (id_t)orphan, &si, WEXITED | WNOHANG) < 0)
			break;
		n++;
	}
	return n;
}

const char *proc_status_str(const siginfo_t *si, char *buf, size_t len)
{
	if (si->si_code == CLD_EXITED)
		snprintf(buf, len, "exited %d", si->si_status);
	else
		snprintf(buf, len, "killed by SIG%s%s",
			 sigabbrev_np(si->si_status) ? sigabbrev_np(si->si_status)
						     : "?",
			 si->si_code == CLD_DUMPED ? " (core dumped)" : "");
	return buf;
}

int proc_exit_code(const siginfo_t *si)
{
	return si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
}
