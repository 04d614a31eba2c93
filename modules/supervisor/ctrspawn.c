/* ctrspawn.c - the supervisor's side of fs/spawner: containers are
 * cloned by a small process forked at init, not by skiffd, so a start
 * costs the same with 1 or 1,000 containers running (fs/spawner.h).
 *
 * Owns the spawner (a core/proc), skiffd's end of its socket and that
 * socket's watchers, and the queue of starts in the order they were
 * asked: those sent (awaiting their reply, which comes in order) first,
 * then those waiting to be sent (the socket is full, or no spawner runs
 * while one restarts). A start owns copies of what it sends until sent.
 * If the spawner dies, the starts sent to it fail (a child it had cloned
 * gets EOF instead of its go and exits; the orphan sweep reaps it) and a
 * new one is forked: at once, or after a back-off from 10 ms doubling
 * to 5 s while they keep dying young. Starts not yet sent wait for it.
 * Answers run from this file's watchers, never inside ctrspawn_start. */
#include "ctrspawn.h"

#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../core/proc.h"
#include "../../fs/spawner.h"
#include "../../core/base/xalloc.h"

#define BACKOFF_MIN 0.01
#define BACKOFF_MAX 5.0
#define YOUNG_NS 10000000000LL /* a spawner that dies sooner backs off */

struct start {
	uint64_t id;
	bool sent;
	char *spec_text, *rootfs, *state_dir;
	struct seccomp_bpf bpf;
	struct spawner_cgroup cg; /* path "" = none */
	int stdio[3];
	struct err err; /* why it failed, for the answer from kick */
	ctrspawn_fn fn;
	void *ctx;
	struct start *next;
};

static struct {
	const struct cgroup_sys *cgroups;
	struct proc *proc;
	int sock;
	ev_io rd, wr;
	ev_timer retry;
	ev_timer kick; /* answers failures from the loop */
	double backoff;
	int64_t born_ns;
	uint64_t next_id;
	struct start *head, **tail; /* sent ones first, then waiting */
	struct start *failed, **failed_tail;
} sp = {.sock = -1, .tail = &sp.head, .failed_tail = &sp.failed};

static void start_free(struct start *s)
{
	free(s->spec_text);
	free(s->rootfs);
	free(s->state_dir);
	free(s->bpf.insns);
	for (int i = 0; i < 3; i++)
		if (s->stdio[i] >= 0)
			close(s->stdio[i]);
	free(s);
}

/* Its copies are no longer needed once the spawner has them. */
static void start_sent(struct start *s)
{
	s->sent = true;
	free(steal_ptr(&s->spec_text));
	free(steal_ptr(&s->bpf.insns));
	for (int i = 0; i < 3; i++)
		if (s->stdio[i] >= 0)
			close(steal_fd(&s->stdio[i]));
}

/* Move s (already unlinked) to the failed list, answered from kick. */
static void start_fail(struct start *s)
{
	s->next = NULL;
	*sp.failed_tail = s;
	sp.failed_tail = &s->next;
	ev_timer_start(daemon_ctx.loop, &sp.kick);
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct start *s;

	while ((s = sp.failed)) {
		sp.failed = s->next;
		if (!sp.failed)
			sp.failed_tail = &sp.failed;
		s->fn(s->ctx, NULL, &s->err);
		start_free(s);
	}
}

static void spawner_lost(const char *why);

/* Send what waits, in order, while the socket takes it. */
static void flush(void)
{
	struct spawn_opts o;
	struct start **pp = &sp.head, *s;
	int r;

	while (sp.sock >= 0 && (s = *pp)) {
		if (s->sent) {
			pp = &s->next;
			continue;
		}
		o = (struct spawn_opts){
		    .rootfs = s->rootfs,
		    .state_dir = s->state_dir,
		    .seccomp_bpf = s->bpf.insns ? &s->bpf : NULL};
		memcpy(o.stdio, s->stdio, sizeof(o.stdio));
		r = spawner_send(sp.sock, s->id, &o, s->spec_text, &s->cg,
				 &s->err);
		if (r == 1) {
			ev_io_start(daemon_ctx.loop, &sp.wr);
			return;
		}
		if (r == 0) {
			start_sent(s);
			pp = &s->next;
		} else if (s->err.class == ERR_TOO_LARGE) {
			*pp = s->next; /* this one alone can't go */
			if (!*pp)
				sp.tail = pp;
			start_fail(s);
		} else {
			spawner_lost(s->err.msg);
			return;
		}
	}
	ev_io_stop(daemon_ctx.loop, &sp.wr);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	flush();
}

static void on_reply(struct ev_loop *loop, ev_io *w, int revents)
{
	struct err e = ERR_INIT;
	struct spawn *child;
	struct start *s;
	uint64_t id;
	int r;

	while (sp.sock >= 0 &&
	       (r = spawner_recv(sp.sock, &id, &child, &e)) != 1) {
		if (r < 0 || !sp.head || !sp.head->sent || sp.head->id != id) {
			spawn_free(child); /* kills it: the sweep reaps it */
			spawner_lost(r < 0 ? e.msg : "reply out of order");
			return;
		}
		s = sp.head;
		sp.head = s->next;
		if (!sp.head)
			sp.tail = &sp.head;
		s->fn(s->ctx, child, &e);
		start_free(s);
		err_clear(&e);
	}
}

static void spawner_fork(void);

static void on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	spawner_fork();
}

static void retry_later(void)
{
	bool young = mono_ns() - sp.born_ns < YOUNG_NS;

	sp.backoff = !young ? 0
		     : sp.backoff ? (sp.backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
								  : sp.backoff * 2)
				  : BACKOFF_MIN;
	ev_timer_set(&sp.retry, sp.backoff, 0);
	ev_timer_start(daemon_ctx.loop, &sp.retry);
}

static void on_spawner_exit(struct proc *p, const siginfo_t *si, void *ctx)
{
	char buf[64];

	sp.proc = NULL;
	proc_status_str(si, buf, sizeof(buf));
	log_warn("spawner %s; starting a new one", buf);
	spawner_lost(buf);
	retry_later();
}

/* The spawner's socket is gone or garbled: every start sent to it fails;
 * the spawner, if still there, is killed (its exit restarts it). */
static void spawner_lost(const char *why)
{
	struct start *s;

	if (sp.sock >= 0) {
		ev_io_stop(daemon_ctx.loop, &sp.rd);
		ev_io_stop(daemon_ctx.loop, &sp.wr);
		close(steal_fd(&sp.sock));
	}
	while (sp.head && sp.head->sent) {
		s = sp.head;
		sp.head = s->next;
		if (!sp.head)
			sp.tail = &sp.head;
		err_setc(&s->err, ERR_INTERNAL, "spawner: %s", why);
		start_fail(s);
	}
	if (sp.proc)
		proc_signal(sp.proc, SIGKILL);
}

static int spawner_child(void *arg)
{
	return spawner_main(*(int *)arg, sp.cgroups) < 0;
}

static void spawner_fork(void)
{
	struct err e = ERR_INIT;
	int sv[2];

	sp.born_ns = mono_ns();
	if (spawner_socketpair(sv, &e) < 0) {
		log_warn("spawner: %s; trying again", e.msg);
		retry_later();
		return;
	}
	sp.proc = proc_fork(spawner_child, &sv[1], on_spawner_exit, NULL, &e);
	close(sv[1]);
	if (!sp.proc) {
		close(sv[0]);
		log_warn("spawner: %s; trying again", e.msg);
		retry_later();
		return;
	}
	sp.sock = sv[0];
	ev_io_set(&sp.rd, sp.sock, EV_READ);
	ev_io_set(&sp.wr, sp.sock, EV_WRITE);
	ev_io_start(daemon_ctx.loop, &sp.rd);
	flush();
}

void ctrspawn_init(const struct cgroup_sys *cgroups)
{
	sp.cgroups = cgroups;
	ev_io_init(&sp.rd, on_reply, -1, EV_READ);
	ev_io_init(&sp.wr, on_writable, -1, EV_WRITE);
	ev_timer_init(&sp.retry, on_retry, 0, 0);
	ev_timer_init(&sp.kick, on_kick, 0, 0);
	spawner_fork();
}

static char *xstrdup_or_abort(const char *s)
{
	char *d = xstrdup(s);

	return d;
}

void ctrspawn_start(const struct spawn_opts *o, const char *spec_text,
		    const struct spawner_cgroup *cg, ctrspawn_fn fn,
		    void *ctx)
{
	struct start *s = xcalloc(1, sizeof(*s));
	size_t n;

	s->id = ++sp.next_id;
	s->stdio[0] = s->stdio[1] = s->stdio[2] = -1;
	s->fn = fn;
	s->ctx = ctx;
	if (cg)
		s->cg = *cg;
	s->spec_text = xstrdup_or_abort(spec_text);
	s->rootfs = xstrdup_or_abort(o->rootfs);
	s->state_dir = xstrdup_or_abort(o->state_dir);
	if (o->seccomp_bpf) {
		n = o->seccomp_bpf->len * sizeof(*o->seccomp_bpf->insns);
		s->bpf.insns = xmalloc(n);
		memcpy(s->bpf.insns, o->seccomp_bpf->insns, n);
		s->bpf.len = o->seccomp_bpf->len;
	}
	for (int i = 0; i < 3; i++) {
		if (o->stdio[i] >= 0 &&
		    (s->stdio[i] = fcntl(o->stdio[i], F_DUPFD_CLOEXEC, 3)) < 0) {
			err_set(&s->err, errno, "dup");
			start_fail(s);
			return;
		}
	}
	*sp.tail = s;
	sp.tail = &s->next;
	flush();
}
