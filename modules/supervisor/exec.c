/* exec.c - `skiff exec`: run a process inside a running container.
 *
 *   created --spawn_release--> setup --exec'd--> running --exit+EOF--> done
 *   setup --the child failed--> (the request gets the spawn error)
 *
 * The process joins every namespace of the container (fs/spawn's
 * spawn_exec), its cgroup (cgroup_enter before the release) and runs
 * with the container's capabilities, seccomp profile, no_new_privileges
 * and rlimits, all taken from the container's config.json; -e, -u and -w
 * override env, user and cwd.
 *
 * Owns every struct exec (one global list): the spawn handle until exec,
 * the pidfd (registered with core/proc before the process is released,
 * so even an instant exit is collected by its owner and not taken for an
 * orphan's), and, when attached, the read ends of the process's stdout
 * and stderr pipes. An exec holds no pointer to its container (it copies
 * the id and name): the container may be removed while the exec is still
 * draining. An attached client gets each read as
 * a data line; while its output is over the high-water mark the pipes
 * are not read (back-pressure on the process, nothing dropped), and the
 * stream's produce() resumes them. A client that leaves does not stop
 * the process (Docker's behaviour): its output is read and discarded so
 * it never blocks. An exec is freed once its process is reaped, both
 * pipes are at EOF and no request refers to it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../proto/ocispec.h"
#include "ctrlog.h"
#include "exec.h"
#include "supervisor.h"

#define EXEC_READ_MAX (16 * 1024) /* bytes per probe read */

struct exec;

struct exec {
	char id[CTR_ID_LEN + 1];
	char ctr_id[CTR_ID_LEN + 1];
	char *ctr_name;
	/* The request: attached (a stream) until its client leaves; with
	 * -d, answered once the process is exec'd. NULL when neither. */
	struct ctl_req *req;
	bool detach;
	struct spawn *sp; /* until exec'd or failed */
	ev_io sync_io;
	struct proc *proc; /* from exec until reaped */
	bool exited, died, paused;
	int exit_code;
	struct ctr_pipe out, err; /* with -t, out is the pty master */
	bool tty, interactive;
	int stdin_fd; /* -i without -t: stdin's write end until passed */
	char detach_keys[16];
	struct exec *next;
};

static struct exec *execs;

/* ---- the object ---- */

static struct exec *exec_new(const struct ctr *c, bool detach)
{
	struct exec *x = xcalloc(1, sizeof(*x));

	ctr_gen_id(x->id);
	memcpy(x->ctr_id, c->id, sizeof(x->ctr_id));
	x->ctr_name = xstrdup(c->name);
	x->detach = detach;
	x->out.fd = x->err.fd = x->stdin_fd = -1;
	x->next = execs;
	execs = x;
	return x;
}

/* Free x if nothing refers to it any more; callers make this their last
 * use of x. */
static void exec_maybe_free(struct exec *x)
{
	if (x->req || x->sp || x->proc || x->out.fd >= 0 || x->err.fd >= 0)
		return;
	for (struct exec **pp = &execs; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	if (x->stdin_fd >= 0)
		close(x->stdin_fd);
	free(x->ctr_name);
	free(x);
}

static void publish(const struct exec *x, const char *action,
		    const char *exit_code)
{
	const char *attrs[] = { "name", x->ctr_name, "execID", x->id,
				exit_code ? "exitCode" : NULL, exit_code,
				NULL };

	bus_publish("container", action, x->ctr_id, attrs);
}

/* Exited and both pipes at EOF: the die event, then the attached client
 * gets the exit code from produce(). May free x. */
static void exec_check_done(struct exec *x)
{
	char code[16];

	if (x->sp || !x->exited || x->died || x->out.fd >= 0 || x->err.fd >= 0)
		return; /* (an exit before exec's outcome is known waits) */
	x->died = true;
	snprintf(code, sizeof(code), "%d", x->exit_code);
	publish(x, "exec_die", code);
	if (x->req && !x->detach)
		ctl_req_wake(x->req);
	else
		exec_maybe_free(x);
}

/* ---- output ---- */

static void pipes_pause(struct exec *x, bool pause)
{
	if (pause == x->paused)
		return;
	ctr_pipe_pause(&x->out, pause);
	ctr_pipe_pause(&x->err, pause);
	x->paused = pause;
}

static void on_output_end(struct ctr_pipe *p)
{
	exec_check_done(p->owner); /* may free it */
}

/* Each read (stdio.c) goes to the attached client as a data line. */
static void on_output(struct ctr_pipe *p, const char *buf, size_t n)
{
	struct exec *x = p->owner;
	struct jw jw;

	if (!x->req)
		return; /* the client left: discarded */
	ctl_req_json(x->req, &jw);
	jw_str(&jw, "stream", p->stream);
	jw_strn(&jw, "log", buf, n);
	jw_close(&jw);
	ctl_req_wake(x->req);
	if (!ctl_req_room(x->req))
		pipes_pause(x, true); /* resumed by produce() */
}

static const struct ctr_pipe_ops output_ops = { on_output, on_output_end };

/* Takes fd: watches it, or closes it when it cannot be made
 * non-blocking (a blocking read would stall the loop). */
static int pipe_watch(struct exec *x, struct ctr_pipe *p, int fd,
		      const char *stream, struct err *e)
{
	return ctr_pipe_watch(p, fd, stream, x, &output_ops, e);
}

/* The attached client's stream: output arrives from on_pipe(); this
 * resumes paused pipes and, at the end, sends the exit code. */
static enum ctl_produce exec_produce(struct ctl_req *r, void *ctx,
				     struct err *e)
{
	struct exec *x = ctx;

	if (!x->died) {
		if (x->paused && ctl_req_room(r))
			pipes_pause(x, false);
		return CTL_MORE;
	}
	ctr_reply_exit_code(r, x->exit_code);
	return CTL_DONE;
}

/* Done, cancel or disconnect: the process keeps running; its output is
 * drained into nothing from now on. */
static void exec_release(void *ctx)
{
	struct exec *x = ctx;

	x->req = NULL;
	pipes_pause(x, false);
	exec_maybe_free(x);
}

static const struct ctl_stream_ops exec_ops = {
	.produce = exec_produce,
	.release = exec_release,
};

/* ---- the process ---- */

static void exec_exited(struct proc *p, const siginfo_t *si, void *ctx)
{
	struct exec *x = ctx;

	x->proc = NULL;
	x->exited = true;
	x->exit_code = proc_exit_code(si);
	exec_check_done(x); /* may free x */
}

static void reply_id(struct exec *x)
{
	struct ctl_req *r = x->req;
	struct jw w;

	x->req = NULL;
	ctl_req_json(r, &w);
	jw_str(&w, "id", x->id);
	jw_close(&w);
	ctl_req_finish(r, NULL);
}

/* The child failed before exec (e.g. no such executable) and exits by
 * itself (core/proc reaps it); the request gets the error. */
static void exec_failed(struct exec *x, struct err *e)
{
	struct ctl_req *r = x->req;
	bool detach = x->detach;

	if (x->proc) /* reaped silently */
		proc_disown(x->proc);
	x->proc = NULL;
	ev_io_stop(daemon_ctx.loop, &x->sync_io);
	spawn_free(x->sp);
	x->sp = NULL;
	if (x->out.fd >= 0)
		ev_io_stop(daemon_ctx.loop, &x->out.io), close(x->out.fd);
	if (x->err.fd >= 0)
		ev_io_stop(daemon_ctx.loop, &x->err.io), close(x->err.fd);
	x->out.fd = x->err.fd = -1;
	if (!r) {
		exec_maybe_free(x);
		return;
	}
	if (detach)
		x->req = NULL; /* a stream's release does it for us */
	ctl_req_finish(r, e); /* a stream's release may free x */
	if (detach)
		exec_maybe_free(x);
}

static void execed(struct exec *x)
{
	ev_io_stop(daemon_ctx.loop, &x->sync_io);
	spawn_free(x->sp);
	x->sp = NULL;
	publish(x, "exec_start", NULL);
	if (x->detach && x->req)
		reply_id(x);
	exec_check_done(x); /* it may have exited already; may free x */
}

/* Give the attached client what it writes to, with a data line
 * {"fd":"tty"|"stdin","stdin":BOOL,"detach_keys":"..."}: the pty master
 * (input and window size), or stdin's pipe, which is then the client's
 * alone so the process sees EOF when the client closes it. */
static void pass_stdio(struct exec *x, int fd, bool tty)
{
	struct err e = ERR_INIT;
	struct jw w;

	if (!x->req || x->detach)
		return;
	if (ctl_req_pass_fd(x->req, fd, &e) < 0) {
		log_warn("exec %.12s: %s", x->id, e.msg);
		return;
	}
	ctl_req_json(x->req, &w);
	jw_str(&w, "fd", tty ? "tty" : "stdin");
	jw_bool(&w, "stdin", x->interactive);
	jw_str(&w, "detach_keys", x->detach_keys);
	jw_close(&w);
	ctl_req_wake(x->req);
}

static void on_sync(struct ev_loop *loop, ev_io *w, int revents)
{
	struct exec *x = w->data;
	struct err e = ERR_INIT;
	int r = spawn_poll(x->sp, &e);

	if (x->sp->console_fd >= 0 && x->out.fd < 0) { /* -t */
		if (pipe_watch(x, &x->out, steal_fd(&x->sp->console_fd),
			       "stdout", &e) < 0) {
			exec_failed(x, &e);
			return;
		}
		pass_stdio(x, x->out.fd, true);
	}
	if (r == 1)
		return; /* still setting up */
	if (r == 0) {
		execed(x);
		return;
	}
	exec_failed(x, &e);
}

/* ---- the request ---- */

/* K=V replaces the container's K, or is added. */
static void env_set(struct strv *env, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, k) &&
		    (env->v[i][k] == '=' || env->v[i][k] == '\0')) {
			free(env->v[i]);
			env->v[i] = xstrdup(kv);
			return;
		}
	if (strv_push(env, kv) < 0)
		abort();
}

/* The container's process with this exec's command and overrides. */
static int exec_process(struct oci_process *p, const struct exec_args *a,
			int argc, char **argv, struct err *e)
{
	if (a->workdir && a->workdir[0] != '/')
		return err_setc(e, ERR_INVALID,
				"-w %s: the working directory must be an "
				"absolute path", a->workdir);
	strv_free(&p->args);
	for (int i = 0; i < argc; i++)
		if (strv_push(&p->args, argv[i]) < 0)
			abort();
	for (int i = 0; i < a->env.n; i++)
		env_set(&p->env, a->env.v[i]);
	if (a->workdir) {
		free(p->cwd);
		p->cwd = xstrdup(a->workdir);
	}
	if (a->user) {
		free(p->user.username);
		free(p->user.additional_gids);
		p->user = (struct oci_user){ .username = xstrdup(a->user) };
	}
	p->terminal = a->tty;
	if (a->tty) {
		bool have = false;
		for (size_t i = 0; i < p->env.n; i++)
			have |= !strncmp(p->env.v[i], "TERM=", 5);
		if (!have)
			env_set(&p->env, "TERM=xterm");
	}
	return 0;
}

static int open_pipes(struct exec *x, int stdio[3], struct err *e)
{
	int out[2], errp[2];

	stdio[0] = stdio[1] = stdio[2] = -1;
	if (x->detach || x->tty)
		return 0; /* Docker: a detached exec's output goes nowhere;
			   * a pty is made by the child (on_sync) */
	if (x->interactive) {
		if (pipe2(out, O_CLOEXEC) < 0)
			return err_set(e, errno, "pipe");
		stdio[0] = out[0];
		x->stdin_fd = out[1];
		if (fcntl(out[1], F_SETFL, O_NONBLOCK) < 0)
			return err_set(e, errno, "stdin: O_NONBLOCK");
	}
	if (pipe2(out, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[0]), close(out[1]);
		return err_set(e, errno, "pipe");
	}
	if (pipe_watch(x, &x->out, out[0], "stdout", e) < 0) {
		close(errp[0]);
		goto fail;
	}
	if (pipe_watch(x, &x->err, errp[0], "stderr", e) < 0)
		goto fail;
	stdio[1] = out[1];
	stdio[2] = errp[1];
	return 0;
fail:
	close(out[1]), close(errp[1]);
	return -1;
}

/* Clone the process into the container's namespaces (it waits), put it
 * in the container's cgroup, then let it go; on_sync() learns whether it
 * reached exec. */
static int exec_launch(struct exec *x, struct ctr *c,
		       const struct oci_spec *spec, struct err *e)
{
	struct spawn_exec_opts o = { .pid = c->pid,
				     .process = &spec->process,
				     .seccomp = spec->seccomp };
	int rc, pidfd = -1;

	if (open_pipes(x, o.stdio, e) < 0)
		return -1;
	/* The init is ours and not yet reaped: its pid is not reused. */
	o.pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	rc = spawn_exec(&o, &x->sp, e);
	if (o.pidfd >= 0)
		close(o.pidfd);
	if (o.stdio[1] >= 0)
		close(o.stdio[1]), close(o.stdio[2]);
	if (o.stdio[0] >= 0)
		close(o.stdio[0]);
	/* Registered before it runs, so its exit is never taken for an
	 * orphan's by the reaper's sweep. */
	if (rc == 0 && (pidfd = fcntl(x->sp->pidfd, F_DUPFD_CLOEXEC, 3)) < 0)
		rc = err_set(e, errno, "dup pidfd");
	if (rc == 0)
		x->proc = proc_watch(x->sp->pid, pidfd, exec_exited, x, e);
	if (rc < 0 || !x->proc || (c->cg && cgroup_enter(c->cg, x->sp->pid, e) < 0) ||
	    spawn_release(x->sp, e) < 0)
		return -1;
	ev_io_init(&x->sync_io, on_sync, x->sp->sync_fd, EV_READ);
	x->sync_io.data = x;
	ev_io_start(daemon_ctx.loop, &x->sync_io);
	return 0;
}

static int do_exec(struct ctl_req *r, void *args, struct err *e)
{
	const struct exec_args *a = args;
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	struct oci_spec *spec = NULL;
	struct exec *x;
	int rc;

	if (!c)
		return -1;
	if (!c->proc || (c->state != CTR_RUNNING && c->state != CTR_PAUSED &&
			 c->state != CTR_STOPPING))
		return err_setc(e, ERR_CONFLICT, "container %s is not running",
				c->name);
	_cleanup_free_ char *text = ctr_spec(c);

	if (ocispec_parse(text, strlen(text), &spec, e) < 0)
		return err_wrap(e, "container %s: config.json", c->name);
	if (exec_process(&spec->process, a, ctl_req_argc(r) - 1,
			 ctl_req_argv(r) + 1, e) < 0) {
		ocispec_free(spec);
		return -1;
	}
	x = exec_new(c, a->detach);
	x->tty = a->tty;
	x->interactive = a->interactive;
	if (ctrlog_detach_keys(a->detach_keys, x->detach_keys,
			       sizeof(x->detach_keys), e) < 0) {
		exec_maybe_free(x);
		ocispec_free(spec);
		return -1;
	}
	publish(x, "exec_create", NULL);
	rc = exec_launch(x, c, spec, e);
	ocispec_free(spec);
	if (rc < 0) {
		exec_failed(x, NULL); /* no request yet: frees x */
		return err_wrap(e, "exec in %s", c->name);
	}
	x->req = r;
	if (!a->detach)
		ctl_req_stream(r, &exec_ops, x);
	if (x->stdin_fd >= 0) {
		pass_stdio(x, x->stdin_fd, false);
		close(steal_fd(&x->stdin_fd));
	}
	return CMD_PENDING;
}

const struct command exec_cmd = { "exec", do_exec };

/* ---- probes (health.c) ----
 *
 * A probe is an exec without a client: `/bin/sh -c CMD`, stdin on
 * /dev/null, stdout and stderr on one pipe of which the first
 * EXEC_PROBE_OUT_MAX bytes are kept. It is reported once: when its
 * process has exited (the pipe then drained of what it holds), when it
 * could not be started, or at its deadline, when it is SIGKILLed. A
 * probe that is reported or cancelled lives on in `probes` until its
 * process is reaped and its setup and pipe are closed; its owner is
 * never called again, so the owner may be freed at once. Nothing here
 * waits: a cancelled probe still in setup is killed through its pidfd
 * and collected when its sync socket and pidfd say so. */

struct exec_probe {
	exec_probe_fn done; /* NULL once reported or cancelled */
	void *ctx;
	struct spawn *sp; /* until exec'd or failed */
	ev_io sync_io;
	struct proc *proc; /* until reaped */
	int fd;		   /* the output pipe's read end, or -1 */
	ev_io io;
	ev_timer deadline;
	int64_t timeout_ms;
	bool exited, truncated;
	int exit_code;
	size_t len;
	char out[EXEC_PROBE_OUT_MAX + 4]; /* room for "..." */
	struct exec_probe *next;
};

static struct exec_probe *probes;

static void probe_maybe_free(struct exec_probe *p)
{
	if (p->done || p->sp || p->proc || p->fd >= 0)
		return;
	ev_timer_stop(daemon_ctx.loop, &p->deadline);
	for (struct exec_probe **pp = &probes; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

/* The one report; the caller then lets go of p (maybe_free). */
static void probe_report(struct exec_probe *p, int code, const char *out,
			 size_t len)
{
	exec_probe_fn fn = p->done;

	ev_timer_stop(daemon_ctx.loop, &p->deadline);
	p->done = NULL;
	if (fn)
		fn(p->ctx, code, out, len);
}

static void probe_close_pipe(struct exec_probe *p)
{
	if (p->fd < 0)
		return;
	ev_io_stop(daemon_ctx.loop, &p->io);
	close(p->fd);
	p->fd = -1;
}

/* One read into the kept output; false at EOF or on an error. */
static bool probe_read(struct exec_probe *p)
{
	char buf[EXEC_READ_MAX];
	ssize_t n = read(p->fd, buf, sizeof(buf));
	size_t keep;

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	keep = (size_t)n;
	if (keep > EXEC_PROBE_OUT_MAX - p->len) {
		keep = EXEC_PROBE_OUT_MAX - p->len;
		p->truncated = true;
	}
	memcpy(p->out + p->len, buf, keep);
	p->len += keep;
	return true;
}

static void on_probe_pipe(struct ev_loop *loop, ev_io *w, int revents)
{
	struct exec_probe *p = w->data;

	if (!probe_read(p)) {
		probe_close_pipe(p); /* every writer is gone */
		probe_maybe_free(p);
	}
}

/* Exec'd and exited: take what the pipe holds (bounded: a process left
 * behind that keeps writing is not waited for), close it, report. */
static void probe_check_done(struct exec_probe *p)
{
	int reads = 0;

	if (p->sp || !p->exited)
		return;
	while (p->fd >= 0 && reads++ < 16) {
		size_t before = p->len;
		bool more = probe_read(p);
		if (!more) {
			probe_close_pipe(p);
			break;
		}
		if (p->len == before && !p->truncated)
			break; /* EAGAIN: nothing left in the pipe */
	}
	probe_close_pipe(p);
	if (p->truncated)
		memcpy(p->out + p->len, "...", 3);
	probe_report(p, p->exit_code, p->out, p->len + (p->truncated ? 3 : 0));
	probe_maybe_free(p);
}

static void probe_exited(struct proc *pr, const siginfo_t *si, void *ctx)
{
	struct exec_probe *p = ctx;

	p->proc = NULL;
	p->exited = true;
	p->exit_code = proc_exit_code(si);
	probe_check_done(p);
}

/* The child failed before exec (no /bin/sh, an unknown user, ...); it
 * exits by itself; core/proc reaps it. */
static void probe_failed(struct exec_probe *p, const struct err *e)
{
	if (p->proc)
		proc_disown(p->proc);
	p->proc = NULL;
	ev_io_stop(daemon_ctx.loop, &p->sync_io);
	spawn_free(p->sp);
	p->sp = NULL;
	probe_close_pipe(p);
	probe_report(p, -1, e->msg, strlen(e->msg));
	probe_maybe_free(p);
}

static void on_probe_sync(struct ev_loop *loop, ev_io *w, int revents)
{
	struct exec_probe *p = w->data;
	struct err e = ERR_INIT;
	int r = spawn_poll(p->sp, &e);

	if (r == 1)
		return;
	if (r < 0) {
		probe_failed(p, &e);
		return;
	}
	ev_io_stop(loop, &p->sync_io);
	spawn_free(p->sp); /* exec'd (or killed in setup): nothing to reap */
	p->sp = NULL;
	probe_check_done(p);
}

/* SIGKILL the probe and what it started: spawn_exec made it the leader of
 * its own session and process group, so `sh -c 'a; b'` loses a too. Not
 * yet reaped (p->proc is set), its pid, and so its group id, cannot have
 * been reused; before its setsid() the group does not exist. */
static void probe_kill(struct exec_probe *p)
{
	if (!p->proc)
		return;
	kill(-proc_pid(p->proc), SIGKILL);
	proc_signal(p->proc, SIGKILL);
}

static void on_probe_deadline(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct exec_probe *p = t->data;
	char msg[96];

	probe_kill(p);
	snprintf(msg, sizeof(msg), "Health check exceeded timeout (%gs)",
		 (double)p->timeout_ms / 1000);
	probe_report(p, -1, msg, strlen(msg));
	probe_maybe_free(p);
}

void exec_probe_cancel(struct exec_probe *p)
{
	p->done = NULL;
	ev_timer_stop(daemon_ctx.loop, &p->deadline);
	probe_kill(p);
	probe_maybe_free(p);
}

/* Clone into the container (it waits), join its cgroup, release;
 * on_probe_sync() learns whether it reached exec. */
static int probe_launch(struct exec_probe *p, struct ctr *c,
			const struct oci_spec *spec, int wfd, struct err *e)
{
	struct spawn_exec_opts o = { .pid = c->pid,
				     .process = &spec->process,
				     .seccomp = spec->seccomp,
				     .stdio = { -1, wfd, wfd } };
	int rc, pidfd = -1;

	o.pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	rc = spawn_exec(&o, &p->sp, e);
	if (o.pidfd >= 0)
		close(o.pidfd);
	if (rc == 0 && (pidfd = fcntl(p->sp->pidfd, F_DUPFD_CLOEXEC, 3)) < 0)
		rc = err_set(e, errno, "dup pidfd");
	if (rc == 0)
		p->proc = proc_watch(p->sp->pid, pidfd, probe_exited, p, e);
	if (rc < 0 || !p->proc ||
	    (c->cg && cgroup_enter(c->cg, p->sp->pid, e) < 0) ||
	    spawn_release(p->sp, e) < 0)
		return -1;
	ev_io_init(&p->sync_io, on_probe_sync, p->sp->sync_fd, EV_READ);
	p->sync_io.data = p;
	ev_io_start(daemon_ctx.loop, &p->sync_io);
	return 0;
}

static struct exec_probe *probe_new(int fd, exec_probe_fn done, void *ctx,
				    int64_t timeout_ms)
{
	struct exec_probe *p = xcalloc(1, sizeof(*p));

	p->done = done;
	p->ctx = ctx;
	p->timeout_ms = timeout_ms;
	p->fd = fd;
	ev_io_init(&p->io, on_probe_pipe, fd, EV_READ);
	p->io.data = p;
	ev_io_start(daemon_ctx.loop, &p->io);
	ev_timer_init(&p->deadline, on_probe_deadline,
		      (double)timeout_ms / 1000, 0);
	p->deadline.data = p;
	p->next = probes;
	probes = p;
	return p;
}

struct exec_probe *exec_probe_start(struct ctr *c, const char *cmd,
				    int64_t timeout_ms, exec_probe_fn done,
				    void *ctx, struct err *e)
{
	struct oci_spec *spec = NULL;
	struct exec_probe *p;
	int pfd[2], rc;

	char *text;

	if (!c->proc || c->state != CTR_RUNNING)
		return err_setc(e, ERR_CONFLICT, "container %s is not running",
				c->name), NULL;
	text = ctr_spec(c);
	rc = ocispec_parse(text, strlen(text), &spec, e);
	free(text);
	if (rc < 0)
		return err_wrap(e, "container %s: config.json", c->name), NULL;
	strv_free(&spec->process.args);
	if (strv_push(&spec->process.args, "/bin/sh") < 0 ||
	    strv_push(&spec->process.args, "-c") < 0 ||
	    strv_push(&spec->process.args, cmd) < 0)
		abort();
	spec->process.terminal = false;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		ocispec_free(spec);
		return err_set(e, errno, "pipe"), NULL;
	}
	/* ours reads without blocking; the probe writes as it likes */
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) < 0) {
		err_set(e, errno, "probe pipe: O_NONBLOCK");
		close(pfd[0]), close(pfd[1]);
		ocispec_free(spec);
		return NULL;
	}
	p = probe_new(pfd[0], done, ctx, timeout_ms);
	rc = probe_launch(p, c, spec, pfd[1], e);
	close(pfd[1]);
	ocispec_free(spec);
	if (rc < 0) {
		p->done = NULL; /* the caller learns from e */
		if (p->proc) /* core/proc reaps it, silently */
			proc_disown(p->proc);
		p->proc = NULL;
		spawn_free(p->sp);
		p->sp = NULL;
		probe_close_pipe(p);
		probe_maybe_free(p);
		return NULL;
	}
	ev_timer_start(daemon_ctx.loop, &p->deadline);
	return p;
}
