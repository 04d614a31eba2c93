/* lifecycle.c - the container state machine: the one owner of
 * c->state. Every change of state is an event passed to ctr_event(),
 * which runs the action the table at the end of this file names for the
 * container's state and that event (s6-supervise's shape), or refuses it
 * with an error that says why:
 *
 *   created --start--> starting --exec'd--> running --exit--> exited
 *   starting --setup failed--> created (the start request gets the error)
 *   running --pause--> (frozen) --> paused --unpause|signal--> running
 *   running|paused|starting --stop--> stopping --exit (SIGKILL after
 *                                     the timeout)--> exited
 *   exited --drained, a policy says restart--> restarting --timer--> starting
 *   created|exited|restarting --rm--> removing --drained--> (freed)
 *
 * Every event comes from the loop: a request, the spawn sync socket
 * becoming readable, the pidfd exiting (core/proc), the pipes' EOF, a
 * timer. Owns per container: the spawn handle until exec, the cgroup,
 * the stdio pipe watchers, the kill, restart and removal timers, the
 * waiters. */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/crashpoint.h"
#include "../../core/daemon.h"
#include "../../core/fdstore.h"
#include "../../core/store.h"
#include "../../proto/ocispec.h"
#include "../iface/netsvc.h"
#include "ctrlog.h"
#include "ctrspawn.h"
#include "supervisor.h"
#include "../../core/base/xalloc.h"

struct cgroup_sys ctr_cgroups;
bool ctr_have_cgroups;

/* The one place c->state is written (STYLE.md rule 4): only actions of
 * the table call it. */
static void enter(struct ctr *c, enum ctr_state s)
{
	c->state = s;
}

/* A container event; k/v is one extra attribute (k may be NULL). */
static void publish(struct ctr *c, const char *action, const char *k,
		    const char *v)
{
	const char *attrs[] = { "name", c->name, k, v, NULL };

	bus_publish("container", action, c->id, attrs);
}

/* ---- stdio ---- */

static void maybe_auto_remove(struct ctr *c);
static void net_detach(struct ctr *c);
static void ctr_exited(struct proc *p, const siginfo_t *si, void *ctx);
static void exit_finish(struct ctr *c);
static int event(struct ctr *c, enum ctr_event ev, const struct ctr_evarg *a);

/* The container's output goes to its log and attached clients. */
static void on_output(struct ctr_pipe *p, const char *buf, size_t len)
{
	ctrlog_write(p->owner, p->stream, buf, len);
}

/* EOF: every writer in the container is gone. */
static void on_output_end(struct ctr_pipe *p)
{
	struct ctr *c = p->owner;

	ctrlog_stream_end(c, p->stream);
	exit_finish(c);
	maybe_auto_remove(c);
}

static const struct ctr_pipe_ops output_ops = { on_output, on_output_end };

static void pipe_close(struct ctr_pipe *p)
{
	ctr_pipe_close(p);
}

/* Takes fd: watches it, or closes it when it cannot be made
 * non-blocking (a blocking read would stall the loop). */
static int pipe_watch(struct ctr *c, struct ctr_pipe *p, int fd,
		      const char *stream, struct err *e)
{
	return ctr_pipe_watch(p, fd, stream, c, &output_ops, e);
}

/* ---- waiters ---- */

void ctr_add_waiter(struct ctr *c, struct ctr_waiter *w)
{
	w->next = c->waiters;
	c->waiters = w;
}

static void wake_waiters(struct ctr *c)
{
	struct ctr_waiter *w = c->waiters, *next;

	c->waiters = NULL;
	for (; w; w = next) {
		next = w->next;
		w->fn(w->req, w, c->exit_code);
	}
}

/* ---- exit ---- */

static void remove_now(struct ctr *c);

static void on_rm_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	remove_now(t->data);
}

/* --rm, or rm of an exited container whose output still drains: once
 * removing with both pipes at EOF, remove it - from a timer, never
 * inside the pipe or exit callback that got us here (STYLE.md rule 9). */
static void maybe_auto_remove(struct ctr *c)
{
	if (c->removed || c->state != CTR_REMOVING ||
	    c->exit_pending || c->out.fd >= 0 ||
	    c->err.fd >= 0 || c->waiters || ev_is_active(&c->rm_timer))
		return;
	ev_timer_init(&c->rm_timer, on_rm_timer, 0, 0);
	c->rm_timer.data = c;
	ev_timer_start(daemon_ctx.loop, &c->rm_timer);
}

static void after_exit_saved(int errnum, void *ctx)
{
	struct ctr *c = ctx;

	if (errnum)
		log_err("container %.12s: state not saved: %s", c->id,
			strerror(errnum));
	else if (!c->proc) /* no restart has handed the keeper a new run */
		fdstore_drop(c->id);
	maybe_auto_remove(c);
}

/* Cgroups whose processes are still exiting: destroy is retried from a
 * timer (every 50 ms, for at most 30 s) and never blocks the loop. */
struct cg_retry {
	struct cgroup *cg;
	int tries;
	struct cg_retry *next;
};
static struct cg_retry *cg_pending;
static ev_timer cg_timer;
/* Shutdown: the module's stop is done once the cgroups are gone too. */
static void (*cg_then)(void);

static void on_cg_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct err e = ERR_INIT;

	for (struct cg_retry **pp = &cg_pending, *r; (r = *pp);) {
		err_clear(&e);
		/* 30 s for a container's last processes to go; 5 s when
		 * skiffd is shutting down */
		if (cgroup_destroy(r->cg, &e) < 0 && e.class == ERR_BUSY &&
		    ++r->tries < (daemon_ctx.shutting_down ? 100 : 600)) {
			pp = &r->next;
			continue;
		}
		if (e.class != ERR_OK)
			log_warn("cgroup %s: %s", cgroup_path(r->cg), e.msg);
		*pp = r->next;
		cgroup_free(r->cg);
		free(r);
	}
	if (!cg_pending) {
		ev_timer_stop(loop, t);
		if (cg_then) {
			void (*then)(void) = cg_then;
			cg_then = NULL;
			then();
		}
	}
}

static void cgroup_release(struct ctr *c)
{
	struct err e = ERR_INIT;
	struct cg_retry *r;

	if (!c->cg)
		return;
	if (cgroup_destroy(c->cg, &e) == 0 || e.class != ERR_BUSY) {
		if (e.class != ERR_OK)
			log_warn("container %.12s: %s", c->id, e.msg);
		cgroup_free(c->cg);
		c->cg = NULL;
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->cg = c->cg;
	r->next = cg_pending;
	cg_pending = r;
	c->cg = NULL;
	if (!ev_is_active(&cg_timer)) {
		ev_timer_init(&cg_timer, on_cg_timer, 0.05, 0.05);
		ev_timer_start(daemon_ctx.loop, &cg_timer);
	}
}

void ctr_cgroup_sweep(struct ctr *c)
{
	char path[128];
	struct err e = ERR_INIT;

	if (!ctr_have_cgroups || c->proc || c->cg || c->state == CTR_DEAD)
		return;
	snprintf(path, sizeof(path), "skiff/%s", c->id);
	c->cg = cgroup_open(&ctr_cgroups, path, &e);
	if (!c->cg)
		return; /* none: the usual case */
	log_warn("container %.12s (%s) is %s but its cgroup is there (a "
		 "crash mid-start): what runs in it is killed", c->id,
		 c->name, ctr_state_name(c));
	cgroup_release(c);
}

unsigned ctr_cgroups_pending(void)
{
	unsigned n = 0;

	for (struct cg_retry *r = cg_pending; r; r = r->next)
		n++;
	return n;
}

/* ---- restart policies ---- */

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_NS (10LL * 1000000000) /* ran this long: reset */

static bool should_restart(const struct ctr *c)
{
	if (c->manual_stop || c->auto_remove || daemon_ctx.shutting_down)
		return false;
	if (c->health.restart)
		return true; /* --health-on-failure restart */
	switch (c->restart) {
	case RESTART_ON_FAILURE:
		return c->exit_code != 0 &&
		       (!c->restart_max || c->restart_count < c->restart_max);
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return true;
	default:
		return false;
	}
}

static void on_restart_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ctr *c = t->data;
	struct err e = ERR_INIT;

	crashpoint("ctr restart: back-off over");
	c->restart_count++;
	if (ctr_event(c, EV_START, NULL, &e) < 0)
		log_warn("restart %s: %s", c->name, e.msg);
}

/* Docker's back-off: 100 ms doubling to a minute, back to 100 ms once a
 * run lasted 10 s. A timer, never a sleep (STYLE.md rule 4). */
static void maybe_restart(struct ctr *c)
{
	if (!should_restart(c))
		return;
	enter(c, CTR_RESTARTING);
	if (c->finished_ns - c->started_ns >= BACKOFF_RESET_NS ||
	    !c->backoff_ms)
		c->backoff_ms = BACKOFF_FIRST_MS;
	else if ((c->backoff_ms *= 2) > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	ev_timer_init(&c->restart_timer, on_restart_timer,
		      (double)c->backoff_ms / 1000, 0);
	c->restart_timer.data = c;
	ev_timer_start(daemon_ctx.loop, &c->restart_timer);
}

static void cancel_restart(struct ctr *c)
{
	ev_timer_stop(daemon_ctx.loop, &c->restart_timer);
}

/* At daemon start: always, unless-stopped unless stopped by hand, and
 * any policy's restart that was owed when skiffd died in its back-off
 * (saved as restart_due; the exit itself was already recorded). */
void ctr_start_policy(void)
{
	struct err e = ERR_INIT;

	for (struct ctr *c = ctr_first(); c; c = c->next) {
		bool due = c->restart_due && c->state == CTR_EXITED;

		c->restart_due = false;
		if (!due && c->restart != RESTART_ALWAYS &&
		    (c->restart != RESTART_UNLESS_STOPPED || c->manual_stop))
			continue;
		if ((c->state != CTR_EXITED && c->state != CTR_CREATED) ||
		    c->exit_pending) /* exited while skiffd was away */
			continue;
		if (due)
			c->restart_count++; /* as its timer would have */
		c->manual_stop = false;
		err_clear(&e);
		if (ctr_event(c, EV_START, NULL, &e) < 0)
			log_warn("start %s (restart %s): %s", c->name,
				 ctr_restart_name(c->restart), e.msg);
	}
}

/* The exit is final once the process is gone and its output is all in
 * the log (both pipes at EOF), as Docker reports it. */
static void exit_finish(struct ctr *c)
{
	if (c->exit_pending && c->out.fd < 0 && c->err.fd < 0)
		event(c, EV_DRAINED, NULL);
}

/* Drained: the die event, the waiters, the policy and the state write;
 * --rm (or an rm meanwhile) then removes it. */
static int act_drained(struct ctr *c, const struct ctr_evarg *a,
		       struct err *e)
{
	char code[16];

	c->exit_pending = false;
	if (c->oom_killed)
		publish(c, "oom", NULL, NULL);
	snprintf(code, sizeof(code), "%d", c->exit_code);
	publish(c, "die", "exitCode", code);
	wake_waiters(c);
	ctrlog_exited(c);
	maybe_restart(c);
	/* the keeper's record of the exit goes once the state file has it:
	 * a skiffd killed before that learns the exit from the keeper */
	ctr_save(c, after_exit_saved, c);
	if (c->auto_remove)
		enter(c, CTR_REMOVING);
	maybe_auto_remove(c);
	return 0;
}

/* The container's init is gone (its pid namespace with it). An exit that
 * comes before the sync socket said "exec'd" waits for the start to be
 * settled (on_sync), so a quick `true` is never left marked running. */
static void ctr_exited(struct proc *p, const siginfo_t *si, void *ctx)
{
	struct ctr *c = ctx;
	int ws = si->si_code == CLD_EXITED ? (si->si_status & 0xff) << 8
					   : si->si_status & 0x7f;

	c->proc = NULL;
	crashpoint("ctr exit: reaped");
	fdstore_exited(c->id, ws, now_ns()); /* kept if we die now */
	if (c->sp) {
		c->early_code = proc_exit_code(si);
		c->early_exit = true;
		return;
	}
	event(c, EV_EXIT, &(struct ctr_evarg){ .exit_code = proc_exit_code(si) });
}

static int act_exit(struct ctr *c, const struct ctr_evarg *a, struct err *e)
{
	uint64_t ooms = 0;

	ev_timer_stop(daemon_ctx.loop, &c->kill_timer);
	ctr_parts_at(c, CTR_AT_EXITED);
	c->exit_code = a->exit_code;
	if (c->cg && cgroup_oom_count(c->cg, &ooms, e) == 0 &&
	    ooms > c->oom_base)
		c->oom_killed = true;
	c->finished_ns = now_ns();
	enter(c, CTR_EXITED);
	c->exit_pending = true;
	ctr_pause_abort(c);
	ctr_stdin_close(c);
	net_detach(c);
	cgroup_release(c); /* kills what is left, so the pipes reach EOF */
	exit_finish(c);
	return 0;
}

/* ---- start ---- */

/* Setup failed before exec (or the start could not begin): back to
 * created, or with --rm removed; a stop meanwhile is answered. */
static int act_setup_failed(struct ctr *c, const struct ctr_evarg *a,
			    struct err *e)
{
	const struct err *why = a->why;

	if (c->proc) /* core/proc reaps it, silently */
		proc_disown(c->proc);
	c->proc = NULL;
	c->early_exit = false;
	ev_io_stop(daemon_ctx.loop, &c->sync_io);
	spawn_free(c->sp); /* kills a child that never exec'd */
	c->sp = NULL;
	pipe_close(&c->out);
	pipe_close(&c->err);
	ctr_stdin_close(c);
	net_detach(c);
	cgroup_release(c);
	ev_timer_stop(daemon_ctx.loop, &c->kill_timer);
	enter(c, c->auto_remove ? CTR_REMOVING : CTR_CREATED);
	c->exit_code = 127;
	wake_waiters(c); /* a stop while it was starting */
	if (c->auto_remove)
		maybe_auto_remove(c); /* --rm: one that never ran goes too */
	else
		ctr_save(c, NULL, NULL);
	if (c->start_req)
		ctl_req_finish(c->start_req, why);
	c->start_req = NULL;
	ctr_hook_fire(&c->start_hook, why);
	ctrlog_start_failed(c, why);
	return 0;
}

static void start_failed(struct ctr *c, const struct err *why)
{
	event(c, EV_SETUP_FAILED, &(struct ctr_evarg){ .why = why });
}

static void after_start_saved(int errnum, void *ctx)
{
	struct ctr *c = ctx; /* pinned by ctr_save until this returns */
	struct err e = ERR_INIT;

	if (errnum)
		err_set(&e, errnum, "save container state");
	if (c->start_req)
		ctl_req_finish(c->start_req, errnum ? &e : NULL);
	c->start_req = NULL;
	ctr_hook_fire(&c->start_hook, errnum ? &e : NULL);
}

/* Exec'd: running (or still stopping, if a stop came meanwhile). */
static int act_started(struct ctr *c, const struct ctr_evarg *a,
		       struct err *e)
{
	ev_io_stop(daemon_ctx.loop, &c->sync_io);
	spawn_free(c->sp); /* after exec it only closes its own fds */
	c->sp = NULL;
	if (c->state == CTR_STARTING)
		enter(c, CTR_RUNNING);
	c->started_ns = now_ns();
	c->oom_killed = false;
	publish(c, "start", NULL, NULL);
	crashpoint("ctr running: not yet with the keeper");
	if (c->proc) /* the keeper holds copies: see adopt() */
		fdstore_put(c->id, c->pid, proc_pidfd(c->proc), c->out.fd,
			    c->err.fd, c->stdin_fd);
	ctrlog_started(c); /* attached clients get the tty or stdin */
	ctr_parts_at(c, CTR_AT_RUNNING);
	ctr_save(c, after_start_saved, c);
	if (c->early_exit) {
		c->early_exit = false;
		event(c, EV_EXIT,
		      &(struct ctr_evarg){ .exit_code = c->early_code });
	}
	return 0;
}

static void on_sync(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctr *c = w->data;
	struct err e = ERR_INIT;
	int r = spawn_poll(c->sp, &e);

	if (c->sp->console_fd >= 0 && c->out.fd < 0 && /* -t: pty master */
	    pipe_watch(c, &c->out, steal_fd(&c->sp->console_fd), "stdout",
		       &e) < 0)
		r = -1;
	if (r == 1)
		return; /* still setting up */
	if (r == 0) {
		event(c, EV_EXECD, NULL);
		return;
	}
	err_wrap(&e, "start %s", c->name);
	start_failed(c, &e);
}

/* The cgroup the spawner is to make for c (fs/spawner.h): its loop does
 * the directory work, not ours. false: cgroups are off here. */
static bool cgroup_want(const struct ctr *c, struct spawner_cgroup *cg)
{
	if (!ctr_have_cgroups)
		return false;
	snprintf(cg->path, sizeof(cg->path), "skiff/%s", c->id);
	cg->limits = c->limits;
	return true;
}

/* The spawner's answer came: the cgroup it made (the child is in it), or
 * after a failure whatever of it is left, for cgroup_release. */
static void cgroup_take(struct ctr *c, bool made)
{
	struct spawner_cgroup want;
	struct err ignore = ERR_INIT;

	if (c->cg || !cgroup_want(c, &want))
		return;
	c->cg = made ? cgroup_of(&ctr_cgroups, want.path, &ignore)
		     : cgroup_open(&ctr_cgroups, want.path, &ignore);
	c->oom_base = 0; /* a new cgroup: none yet */
}

/* Compiled seccomp programs by the exact text of their profile: Docker's
 * default profile costs ~13 ms to compile, so each distinct profile (one
 * per capability set, plus custom files) is compiled once, on first use,
 * and every container after gets the program. A clone copies it, so an
 * evicted slot is never in use. */
#define BPF_CACHE 16
static struct {
	char *key;
	struct seccomp_bpf bpf;
} bpf_cache[BPF_CACHE];
static unsigned bpf_next;

static const struct seccomp_bpf *compiled(const struct oci_seccomp *s,
					  struct err *e)
{
	struct buf k = { 0 };
	unsigned slot;

	seccomp_spec_key(s, &k);
	buf_append(&k, "", 1);
	for (unsigned i = 0; i < BPF_CACHE; i++)
		if (bpf_cache[i].key && !strcmp(bpf_cache[i].key, k.data)) {
			buf_free(&k);
			return &bpf_cache[i].bpf;
		}
	slot = bpf_next++ % BPF_CACHE;
	free(bpf_cache[slot].key);
	bpf_cache[slot].key = NULL;
	seccomp_bpf_free(&bpf_cache[slot].bpf);
	if (seccomp_spec_compile(s, &bpf_cache[slot].bpf, e) < 0) {
		buf_free(&k);
		return NULL;
	}
	bpf_cache[slot].key = k.data;
	return &bpf_cache[slot].bpf;
}

/* Its network (modules/network through netsvc.h), wired into the
 * init's namespace before the init may run its command. */
static int net_attach(struct ctr *c, struct err *e)
{
	const struct network_service *s = netsvc();
	_cleanup_free_ char *dir = ctr_dir(c, NULL);

	return s ? s->attach(c->id, c->sp->pidfd, dir, e) : 0;
}

static void net_detach(struct ctr *c)
{
	const struct network_service *s = netsvc();

	if (s)
		s->detach(c->id);
}

/* Register the cloned init before it may run, so the orphan sweep never
 * takes its exit (a quick `true` is reported as itself, not as killed);
 * (the spawner has put it in its cgroup) then let it set itself up;
 * on_sync() learns whether it reached exec. */
static int admit(struct ctr *c, struct err *e)
{
	int pidfd;

	c->pid = c->sp->pid;
	c->pid_start = ctr_proc_start(c->pid);
	pidfd = fcntl(c->sp->pidfd, F_DUPFD_CLOEXEC, 3);
	if (pidfd < 0)
		return err_set(e, errno, "dup pidfd");
	c->proc = proc_watch(c->sp->pid, pidfd, ctr_exited, c, e);
	crashpoint("ctr start: cloned");
	if (!c->proc || net_attach(c, e) < 0 || spawn_release(c->sp, e) < 0)
		return -1;
	ev_io_init(&c->sync_io, on_sync, c->sp->sync_fd, EV_READ);
	c->sync_io.data = c;
	ev_io_start(daemon_ctx.loop, &c->sync_io);
	return 0;
}

/* The spawner's answer (ctrspawn.c): the init, cloned and waiting, or
 * why not. A starting container stays until this comes (it can't be
 * removed while starting). */
static void launched(void *ctx, struct spawn *sp, struct err *e)
{
	struct ctr *c = ctx;

	c->sp = sp;
	cgroup_take(c, sp != NULL);
	/* The log goes in the container's directory, which the spawner
	 * made (mounts_prepare): a new directory costs ext4 an inode search
	 * that need not be on the loop. No output comes before admit. */
	if (sp && ctrlog_open(c, e) == 0 && admit(c, e) == 0)
		return;
	start_failed(c, e);
}

/* Ask the spawner to clone the container's init (launched() goes on);
 * the pipes' write ends go with the request. */
static int launch(struct ctr *c, const struct oci_spec *spec,
		  const char *text, struct err *e)
{
	_cleanup_free_ char *dir = ctr_dir(c, NULL);
	struct spawn_opts o = { .spec = spec, .rootfs = c->rootfs,
				.state_dir = dir, .stdio = { -1, -1, -1 } };
	struct spawner_cgroup cg;
	_cleanup_close_ int in_r = -1, out_w = -1, err_w = -1;
	int p[2];

	if (spec->seccomp && !(o.seccomp_bpf = compiled(spec->seccomp, e)))
		return err_wrap(e, "linux.seccomp");
	if (spawn_check(&o, e) < 0)
		return -1;
	/* With -t the child makes a pty and sends its master (on_sync). */
	if (!c->tty) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_set(e, errno, "pipe");
		o.stdio[1] = out_w = p[1];
		if (pipe_watch(c, &c->out, p[0], "stdout", e) < 0)
			return -1;
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_set(e, errno, "pipe");
		o.stdio[2] = err_w = p[1];
		if (pipe_watch(c, &c->err, p[0], "stderr", e) < 0)
			return -1;
	}
	if (!c->tty && c->open_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_set(e, errno, "pipe");
		/* Clients write without blocking; the container reads as
		 * it likes. */
		ctr_stdin_close(c);
		c->stdin_fd = p[1];
		o.stdio[0] = in_r = p[0];
		if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
			return err_set(e, errno, "stdin: O_NONBLOCK");
	}
	ctrspawn_start(&o, text, cgroup_want(c, &cg) ? &cg : NULL, launched,
		       c);
	return 0;
}

/* --network container:NAME: spec's network namespace becomes NAME's
 * (running) one, by its pid now; *changed says the spec was changed. */
static int ctr_net_join(struct ctr *c, struct oci_spec *spec, bool *changed,
		 struct err *e)
{
	const struct network_service *s = netsvc();
	struct buf mode = { 0 };
	struct ctr *o;
	char path[64];
	int rc = 0;

	*changed = false;
	if (!s)
		return 0;
	s->mode(c->id, &mode);
	buf_append(&mode, "", 1);
	if (strncmp(buf_head(&mode), "container:", 10)) {
		buf_free(&mode);
		return 0;
	}
	o = ctr_find(buf_head(&mode) + 10, e);
	if (o && !o->proc)
		rc = err_setc(e, ERR_CONFLICT, "--network container:%s: "
			      "container %s is not running", o->name, o->name);
	buf_free(&mode);
	if (!o || rc < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", o->pid);
	for (size_t i = 0; i < spec->n_namespaces; i++)
		if (!strcmp(spec->namespaces[i].type, "network")) {
			free(spec->namespaces[i].path);
			spec->namespaces[i].path = xstrdup(path);
			*changed = true;
		}
	return 0;
}

/* The spec made by create is used as it is (built once, parsed never);
 * a later start parses the config.json kept. */
static int act_start(struct ctr *c, const struct ctr_evarg *a, struct err *e)
{
	struct oci_spec *spec;
	bool joined;
	int rc;

	if (c->exit_pending) /* its pipes are still in use */
		return err_setc(e, ERR_CONFLICT, "container %s is still "
				"exiting: its output is draining", c->name);
	cancel_restart(c);
	spec = steal_ptr(&c->fresh_spec);
	/* the spawner parses its own copy (ctrspawn.c) */
	_cleanup_free_ char *text = ctr_spec(c);
	if (!spec) {
		if (ocispec_parse(text, strlen(text), &spec, e) < 0)
			return err_wrap(e, "container %s: config.json",
					c->name);
	}
	if (ctr_net_join(c, spec, &joined, e) < 0 ||
	    nsmode_join(c, spec, &joined, e) < 0) {
		ocispec_free(spec);
		return -1;
	}
	if (joined) { /* another container's namespace, by its pid now */
		struct buf b = { 0 };
		ocispec_write_compact(spec, &b);
		free(text);
		text = buf_take_str(&b);
	}
	enter(c, CTR_STARTING);
	crashpoint("ctr start: launching");
	rc = launch(c, spec, text, e);
	ocispec_free(spec);
	if (rc < 0) {
		struct err why = *e;
		start_failed(c, &why);
		return -1;
	}
	return 0;
}

/* ---- signals and stop ---- */

/* A frozen container thaws into next: the unpause event, probes again. */
static int thaw(struct ctr *c, enum ctr_state next, struct err *e)
{
	if (ctr_freezer_thaw(c, e) < 0)
		return -1;
	enter(c, next);
	ctr_parts_at(c, CTR_AT_THAWED);
	publish(c, "unpause", NULL, NULL);
	return 0;
}

static int act_signal(struct ctr *c, const struct ctr_evarg *a,
		      struct err *e)
{
	if (!c->proc)
		return err_setc(e, ERR_CONFLICT, "container %s is not running",
				c->name);
	if (proc_signal(c->proc, a->sig) < 0)
		return err_set(e, errno, "signal container %s", c->name);
	/* a frozen process acts on it once thawed */
	return c->state == CTR_PAUSED ? thaw(c, CTR_RUNNING, e) : 0;
}

/* The freezer's report (control.c): frozen, if the state still allows
 * it (a stop may have come meanwhile). */
static int frozen(struct ctr *c, struct err *e)
{
	return ctr_event(c, EV_FROZEN, NULL, e);
}

static int act_pause(struct ctr *c, const struct ctr_evarg *a, struct err *e)
{
	return ctr_freezer_start(c, frozen, &a->hook, e);
}

/* The freezer reports frozen (control.c). */
static int act_frozen(struct ctr *c, const struct ctr_evarg *a,
		      struct err *e)
{
	enter(c, CTR_PAUSED);
	publish(c, "pause", NULL, NULL);
	return 0;
}

static int act_unpause(struct ctr *c, const struct ctr_evarg *a,
		       struct err *e)
{
	return thaw(c, CTR_RUNNING, e);
}

static void on_kill_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ctr *c = t->data;
	struct err e = ERR_INIT;

	log_info("container %.12s did not stop in time; killing it", c->id);
	if (c->proc && proc_signal(c->proc, SIGKILL) < 0)
		log_warn("container %.12s: SIGKILL: %s", c->id,
			 strerror(errno));
	if (c->cg)
		cgroup_kill_all(c->cg, SIGKILL, &e);
}

/* Stop: the stop signal now, SIGKILL after the timeout; the waiter
 * runs on the exit. 0: it will; 1: nothing runs, nothing to wait for. */
static int act_stop(struct ctr *c, const struct ctr_evarg *a, struct err *e)
{
	int sig = c->stop_signal ? c->stop_signal : SIGTERM;

	if (a->waiter)
		ctr_add_waiter(c, a->waiter);
	if (c->state == CTR_PAUSED)
		thaw(c, CTR_STOPPING, e);
	else
		enter(c, CTR_STOPPING);
	if (c->proc)
		proc_signal(c->proc, sig);
	ev_timer_init(&c->kill_timer, on_kill_timer, a->timeout_ms / 1000.0,
		      0);
	c->kill_timer.data = c;
	ev_timer_start(daemon_ctx.loop, &c->kill_timer);
	return 0;
}

/* Stop of one stopping already: it waits for the same exit. */
static int act_stop_wait(struct ctr *c, const struct ctr_evarg *a,
			 struct err *e)
{
	if (a->waiter)
		ctr_add_waiter(c, a->waiter);
	return 0;
}

/* Stop of one that has exited: answered once its output is in, or now. */
static int act_stop_exited(struct ctr *c, const struct ctr_evarg *a,
			   struct err *e)
{
	if (!c->exit_pending)
		return 1;
	return act_stop_wait(c, a, e);
}

/* Stop of one that waits for its policy's restart: the restart is off. */
static int act_stop_restarting(struct ctr *c, const struct ctr_evarg *a,
			       struct err *e)
{
	cancel_restart(c);
	enter(c, CTR_EXITED);
	return 1;
}

static int act_nothing_runs(struct ctr *c, const struct ctr_evarg *a,
			    struct err *e)
{
	return 1;
}

/* ---- remove ---- */

/* `rm` is answered once the removal is durable (ctx: a copy of the
 * container's rm_hook, which outlives the container). */
static void rm_saved(int errnum, void *ctx)
{
	struct err e = ERR_INIT;

	if (errnum)
		err_set(&e, errnum, "remove container state");
	ctr_hook_fire(ctx, errnum ? &e : NULL);
	free(ctx);
}

static void remove_now(struct ctr *c)
{
	char *dir = ctr_dir(c, NULL), what[32];
	struct ctr_hook *h = NULL;

	cancel_restart(c);
	ctr_parts_at(c, CTR_AT_REMOVING); /* health, volumes */
	crashpoint("ctr remove");
	ctrlog_remove(c);
	snprintf(what, sizeof(what), "container %.12s", c->id);
	ctr_remove_tree(dir, what);
	if (c->rm_hook.fn) {
		h = xmalloc(sizeof(*h));
		*h = c->rm_hook;
		c->rm_hook.fn = NULL;
	}
	store_del("containers", c->id, h ? rm_saved : NULL, h);
	publish(c, "destroy", NULL, NULL);
	ctr_release(c);
}

/* rm of a container that does not run: removing, and removed now or
 * once its output has drained. */
static int act_remove(struct ctr *c, const struct ctr_evarg *a,
		      struct err *e)
{
	cancel_restart(c);
	c->auto_remove = true;
	enter(c, CTR_REMOVING);
	maybe_auto_remove(c);
	return 0;
}

/* rm of a dead container: what may still run in its cgroup is killed
 * (its state, pid included, is lost), the state file moved aside goes,
 * then as any removal (its directory, its log, its volumes' use). */
static int act_remove_dead(struct ctr *c, const struct ctr_evarg *a,
			   struct err *e)
{
	char path[128], *bad;
	struct err ce = ERR_INIT;
	struct cgroup *cg;

	snprintf(path, sizeof(path), "skiff/%s", c->id);
	if (ctr_have_cgroups &&
	    (cg = cgroup_open(&ctr_cgroups, path, &ce)) != NULL) {
		if (cgroup_destroy(cg, &ce) < 0)
			log_warn("container %.12s: %s", c->id, ce.msg);
		cgroup_free(cg);
	}
	bad = xasprintf("%s/containers/%s.json.bad", daemon_ctx.cfg.root,
			c->id);
	if (unlink(bad) < 0 && errno != ENOENT)
		log_warn("container %.12s: unlink %s: %s", c->id, bad,
			 strerror(errno));
	free(bad);
	return act_remove(c, a, e);
}

/* ---- daemon start and stop ---- */

/* A container recorded as running that the keeper does not hold (no
 * keeper, or it died too): its exit status can no longer be collected,
 * so it is stopped through its cgroup and recorded as killed. */
static int adopt_lost(struct ctr *c, struct err *e)
{
	char path[128];
	struct cgroup *cg;

	snprintf(path, sizeof(path), "skiff/%s", c->id);
	if (ctr_have_cgroups &&
	    (cg = cgroup_open(&ctr_cgroups, path, e)) != NULL) {
		if (cgroup_destroy(cg, e) < 0)
			log_warn("container %.12s: %s", c->id, e->msg);
		cgroup_free(cg);
	}
	log_warn("container %.12s (%s) was running when skiffd stopped "
		 "unexpectedly; recorded as killed", c->id, c->name);
	enter(c, CTR_EXITED);
	c->exit_code = 137;
	c->finished_ns = now_ns();
	ctr_save(c, NULL, NULL);
	return 0;
}

static void take_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Its output's read ends (or pty master) and stdin come back from the
 * keeper's entry; the log goes on from where it stopped. */
static int adopt_stdio(struct ctr *c, struct fdstore_entry *en,
		       struct err *e)
{
	char path[128];

	if (ctr_have_cgroups) {
		snprintf(path, sizeof(path), "skiff/%s", c->id);
		c->cg = cgroup_open(&ctr_cgroups, path, e);
		if (c->cg)
			cgroup_oom_count(c->cg, &c->oom_base, e);
		err_clear(e);
	}
	if (ctrlog_open(c, e) < 0)
		return -1;
	if (en->out >= 0 && pipe_watch(c, &c->out, steal_fd(&en->out),
				       "stdout", e) < 0)
		return -1;
	if (en->err >= 0 && pipe_watch(c, &c->err, steal_fd(&en->err),
				       "stderr", e) < 0)
		return -1;
	c->stdin_fd = steal_fd(&en->in);
	return 0;
}

/* A container recorded as running when skiffd starts: skiffd died
 * while it ran. The keeper held its fds; if it still runs (its pidfd,
 * and the start time its state file keeps, agree) it is watched again
 * as if never left, else it exited meanwhile and its real status and
 * time are recorded, its output drained, and its policy applies. */
static int act_adopt(struct ctr *c, const struct ctr_evarg *a,
		     struct err *e)
{
	struct fdstore_entry *en = ctr_keeper_entry(c);
	bool alive;

	if (!en || en->pidfd < 0)
		return adopt_lost(c, e);
	alive = en->status < 0 &&
		(!c->pid_start || ctr_proc_start(en->pid) == c->pid_start) &&
		proc_pidfd_alive(en->pidfd);
	if (adopt_stdio(c, en, e) < 0) {
		log_warn("container %.12s: %s", c->id, e->msg);
		err_clear(e);
	}
	if (!alive) {
		int code = en->status >= 0 ? ctr_wait_code(en->status) : 137;
		int64_t when = en->status >= 0 ? en->time_ns : now_ns();
		take_fd(&en->pidfd);
		log_info("container %.12s (%s) exited while skiffd was away "
			 "(%d)", c->id, c->name, code);
		act_exit(c, &(struct ctr_evarg){ .exit_code = code }, e);
		c->finished_ns = when;
		return 0;
	}
	c->pid = en->pid;
	c->proc = proc_adopt(en->pid, steal_fd(&en->pidfd), ctr_exited, c);
	ctr_parts_at(c, CTR_AT_RUNNING); /* healthchecks go on */
	log_info("container %.12s (%s) re-adopted (pid %d)", c->id, c->name,
		 c->pid);
	return 0;
}

static struct {
	unsigned left;
	void (*done)(void);
} stopping;

static void one_stopped(struct ctl_req *req, struct ctr_waiter *w,
			int exit_code)
{
	free(w);
	if (--stopping.left || !stopping.done)
		return;
	if (cg_pending)
		cg_then = stopping.done; /* no cgroup left behind */
	else
		stopping.done();
}

/* Module stop: stop every running container with its own timeout. */
void ctr_stop_all(void (*done)(void))
{
	struct err e = ERR_INIT;

	stopping.left = 1; /* held until every stop is issued */
	stopping.done = done;
	for (struct ctr *c = ctr_first(); c; c = c->next) {
		struct ctr_waiter *w;
		if (c->state == CTR_RESTARTING) /* its restart is off */
			ctr_event(c, EV_STOP, &(struct ctr_evarg){ 0 }, &e);
		if (!c->proc)
			continue;
		w = xcalloc(1, sizeof(*w));
		w->fn = one_stopped;
		stopping.left++;
		err_clear(&e);
		if (ctr_event(c, EV_STOP, &(struct ctr_evarg){
			.timeout_ms = c->stop_timeout_ms ? c->stop_timeout_ms
							 : 10000,
			.waiter = w }, &e) != 0)
			one_stopped(NULL, w, 0);
	}
	one_stopped(NULL, calloc(1, sizeof(struct ctr_waiter)), 0);
}

/* ---- the table ---- */

/* An action runs the event in the state its row is for; it may change
 * the state (enter) and raise further events. Returns 0 (done, or going
 * on: the request hears later), 1 (EV_STOP: nothing runs, nothing to
 * wait for) or -1 with e set. A NULL cell is a refused transition:
 * refusal[ev] says why, the state stays. */
typedef int ctr_action(struct ctr *c, const struct ctr_evarg *a,
		       struct err *e);

static ctr_action *const table[CTR_NSTATES][EV_N] = {
	[CTR_CREATED] = {
		[EV_START] = act_start,
		[EV_STOP] = act_nothing_runs,
		[EV_REMOVE] = act_remove,
	},
	[CTR_STARTING] = {
		[EV_EXECD] = act_started,
		[EV_SETUP_FAILED] = act_setup_failed,
		[EV_STOP] = act_stop,
		[EV_KILL] = act_signal,
	},
	[CTR_RUNNING] = {
		[EV_EXIT] = act_exit,
		[EV_STOP] = act_stop,
		[EV_KILL] = act_signal,
		[EV_PAUSE] = act_pause,
		[EV_FROZEN] = act_frozen,
		[EV_ADOPT] = act_adopt,
	},
	[CTR_PAUSED] = {
		[EV_EXIT] = act_exit,
		[EV_STOP] = act_stop,
		[EV_KILL] = act_signal,
		[EV_UNPAUSE] = act_unpause,
	},
	[CTR_STOPPING] = {
		[EV_EXECD] = act_started,
		[EV_SETUP_FAILED] = act_setup_failed,
		[EV_EXIT] = act_exit,
		[EV_STOP] = act_stop_wait,
		[EV_KILL] = act_signal,
	},
	[CTR_EXITED] = {
		[EV_START] = act_start,
		[EV_DRAINED] = act_drained,
		[EV_STOP] = act_stop_exited,
		[EV_REMOVE] = act_remove,
	},
	[CTR_RESTARTING] = {
		[EV_START] = act_start,
		[EV_STOP] = act_stop_restarting,
		[EV_REMOVE] = act_remove,
	},
	[CTR_REMOVING] = {
		[EV_DRAINED] = act_drained,
		[EV_STOP] = act_stop_exited,
	},
	[CTR_DEAD] = {
		[EV_STOP] = act_nothing_runs,
		[EV_REMOVE] = act_remove_dead,
	},
};

/* Why an event is refused: "container NAME is STATE" and this; a few
 * states say it their own way (refusal_in). */
static const char *const refusal[EV_N] = {
	[EV_START] = "",
	[EV_EXECD] = ": no start in progress",
	[EV_SETUP_FAILED] = ": no start in progress",
	[EV_EXIT] = ": it has no process",
	[EV_DRAINED] = ": no exit in progress",
	[EV_STOP] = "",
	[EV_KILL] = "",
	[EV_PAUSE] = "",
	[EV_FROZEN] = ": the freeze is void",
	[EV_UNPAUSE] = "",
	[EV_REMOVE] = ": stop it first or use -f",
	[EV_ADOPT] = ": only a running one is adopted",
};

static const char *const event_names[EV_N] = {
	[EV_START] = "start",	    [EV_EXECD] = "exec'd",
	[EV_SETUP_FAILED] = "setup failed", [EV_EXIT] = "exit",
	[EV_DRAINED] = "drained",   [EV_STOP] = "stop",
	[EV_KILL] = "kill",	    [EV_PAUSE] = "pause",
	[EV_FROZEN] = "frozen",	    [EV_UNPAUSE] = "unpause",
	[EV_REMOVE] = "remove",	    [EV_ADOPT] = "adopt",
};

const char *ctr_event_name(enum ctr_event ev)
{
	return ev < EV_N ? event_names[ev] : "?";
}

bool ctr_event_allowed(enum ctr_state s, enum ctr_event ev)
{
	return s < CTR_NSTATES && ev < EV_N && table[s][ev];
}

static int refuse(struct ctr *c, enum ctr_event ev, struct err *e)
{
	bool runs = c->state == CTR_STARTING || c->state == CTR_RUNNING ||
		    c->state == CTR_PAUSED || c->state == CTR_STOPPING;

	switch (ev) {
	case EV_KILL:
	case EV_PAUSE:
	case EV_UNPAUSE:
		if (!runs || c->state == CTR_STARTING)
			return err_setc(e, ERR_CONFLICT,
					"container %s is not running",
					c->name);
		if (ev == EV_PAUSE && c->state == CTR_PAUSED)
			return err_setc(e, ERR_CONFLICT, "container %s is "
					"already paused", c->name);
		if (ev == EV_PAUSE)
			return err_setc(e, ERR_CONFLICT, "container %s is "
					"being stopped", c->name);
		return err_setc(e, ERR_CONFLICT, "container %s is not paused",
				c->name);
	case EV_REMOVE:
		if (c->state == CTR_REMOVING)
			return err_setc(e, ERR_CONFLICT, "removal of %s is "
					"already in progress", c->name);
		break;
	default:
		break;
	}
	return err_setc(e, ERR_CONFLICT, "container %s is %s%s", c->name,
			ctr_state_name(c), refusal[ev]);
}

int ctr_event(struct ctr *c, enum ctr_event ev, const struct ctr_evarg *a,
	      struct err *e)
{
	static const struct ctr_evarg none;
	struct err ignore = ERR_INIT;
	ctr_action *act;

	if (!e)
		e = &ignore;
	assert(c->state < CTR_NSTATES && ev < EV_N);
	act = table[c->state][ev];
	if (!act)
		return refuse(c, ev, e);
	return act(c, a ? a : &none, e);
}

/* Events the loop raises itself: a refusal is logged, not answered. */
static int event(struct ctr *c, enum ctr_event ev, const struct ctr_evarg *a)
{
	struct err e = ERR_INIT;
	int rc = ctr_event(c, ev, a, &e);

	if (rc < 0)
		log_warn("container %.12s: %s: %s", c->id, ctr_event_name(ev),
			 e.msg);
	return rc;
}

/* A state file's state: created, exited, or running (then adopted);
 * "dead" for one whose file does not parse (ctr.c's load_dead). */
void ctr_state_load(struct ctr *c, const char *name)
{
	bool ran = !strcmp(name, "running") || !strcmp(name, "paused");

	if (!strcmp(name, "dead")) {
		enter(c, CTR_DEAD);
		return;
	}
	enter(c, !strcmp(name, "created") ? CTR_CREATED
		 : ran			   ? CTR_RUNNING
					   : CTR_EXITED);
	if (ran)
		event(c, EV_ADOPT, NULL);
}
