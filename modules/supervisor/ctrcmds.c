/* ctrcmds.c - verbs over one or more containers, plus rename and top.
 *
 * start, stop, kill, rm, restart, pause, unpause and wait take several
 * containers, as Docker's do. Each container is an item of one struct
 * multi; the items run at once (stop of ten containers takes one
 * timeout, not ten), and their results go out in the order given:
 *   {"container":"ARG"}            done (wait: {"exit_code":N})
 *   {"container":"ARG","error":".."} that one failed (only when several
 *                                  were named; one alone fails the request)
 * then `ok` when all succeeded, else `err` with the class of the first
 * failure ("N of M containers failed" when several were named).
 *
 * Owns the struct multi of each such request (freed once the last item
 * is settled, even if the client left meanwhile) and nothing else. Items
 * hold container ids, not pointers, across the waits that may outlive a
 * container. top reads small /proc files of the pids in the container's
 * cgroup on the loop (no helper: a few hundred bytes per process). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "supervisor.h"
#include "../../core/base/xalloc.h"

#define MULTI_MAX 256 /* containers named in one request */
#define item_of(wp) ((struct item *)((char *)(wp)-offsetof(struct item, w)))

struct multi;

/* One container of a multi-container request. */
struct item {
	struct multi *m;
	const char *arg; /* as the client named it (request storage) */
	char id[CTR_ID_LEN + 1];
	bool done, has_code;
	int code;
	struct err e;
	struct ctr_waiter w; /* stop, wait, rm -f, restart */
	ev_timer t;	     /* restart: start after the exit has settled */
};

/* A verb's action on one container: 0 done now, CMD_PENDING (item_done
 * comes later), -1 failed (e set). */
/* ---- signals by name ---- */

int ctr_parse_signal(const char *s, struct err *e)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end && n > 0 && n < NSIG)
		return (int)n;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < NSIG; i++)
		if (sigabbrev_np(i) && !strcasecmp(s, sigabbrev_np(i)))
			return i;
	return err_setc(e, ERR_INVALID, "invalid signal: %s", s);
}

typedef int (*one_fn)(struct item *it, struct ctr *c, void *args,
		      struct err *e);

struct multi {
	struct ctl_req *r;
	void *args;
	int n, left, emitted;
	struct item it[];
};

/* Send the settled items at the head of the order; end the request
 * once every item is in. */
static void multi_flush(struct multi *m)
{
	struct err e = ERR_INIT;
	int failed = 0, first = -1;
	struct jw w;

	for (; m->emitted < m->n && m->it[m->emitted].done; m->emitted++) {
		struct item *it = &m->it[m->emitted];
		if (it->e.class != ERR_OK && m->n == 1)
			continue; /* the status line says it */
		ctl_req_json(m->r, &w);
		if (it->has_code && it->e.class == ERR_OK) {
			jw_int(&w, "exit_code", it->code);
		} else {
			jw_str(&w, "container", it->arg);
			if (it->e.class != ERR_OK)
				jw_str(&w, "error", it->e.msg);
		}
		jw_close(&w);
	}
	if (m->left)
		return;
	for (int i = 0; i < m->n; i++)
		if (m->it[i].e.class != ERR_OK && !failed++)
			first = i;
	if (failed == 1 && m->n == 1)
		e = m->it[first].e;
	else if (failed)
		err_setc(&e, m->it[first].e.class, "%d of %d containers failed",
			 failed, m->n);
	ctl_req_finish(m->r, &e);
	free(m);
}

static void item_done(struct item *it, const struct err *e)
{
	if (it->done)
		return;
	it->done = true;
	if (e && e->class != ERR_OK)
		it->e = *e;
	it->m->left--;
	multi_flush(it->m);
}

static void item_hook_done(void *ctx, const struct err *e)
{
	item_done(ctx, e);
}

static void item_waiter_done(struct ctl_req *r, struct ctr_waiter *w, int code)
{
	struct item *it = item_of(w);

	it->code = code;
	item_done(it, NULL);
}

/* Run fn on every container named (positional words); args is the
 * verb's parsed flags, kept by the request until it ends. */
static int multi_run(struct ctl_req *r, void *args, one_fn fn, bool codes,
		     struct err *e)
{
	int n = ctl_req_argc(r);
	struct multi *m;

	if (n > MULTI_MAX)
		return err_setc(e, ERR_INVALID, "at most %d containers",
				MULTI_MAX);
	m = xcalloc(1, sizeof(*m) + (size_t)n * sizeof(m->it[0]));
	m->r = r;
	m->args = args;
	m->n = m->left = n;
	for (int i = 0; i < n; i++) {
		struct item *it = &m->it[i];
		it->m = m;
		it->arg = ctl_req_argv(r)[i];
		it->has_code = codes;
		it->e = (struct err)ERR_INIT;
	}
	m->left++; /* held until every item is issued */
	for (int i = 0; i < n; i++) {
		struct item *it = &m->it[i];
		struct err ie = ERR_INIT;
		struct ctr *c = ctr_find(it->arg, &ie);
		int rc = -1;
		if (c) {
			snprintf(it->id, sizeof(it->id), "%s", c->id);
			rc = fn(it, c, args, &ie);
		}
		if (rc != CMD_PENDING)
			item_done(it, rc < 0 ? &ie : NULL);
	}
	m->left--;
	multi_flush(m); /* frees m once all are done */
	return CMD_PENDING;
}

/* ---- start, stop, kill, rm, wait ---- */

/* A copy into a stopped container mounts its layers: no start or rm
 * until it is done. */
static int busy(const struct ctr *c, struct err *e)
{
	return err_setc(e, ERR_BUSY, "container %s: a cp is in progress",
			c->name);
}

static int start_one(struct item *it, struct ctr *c, void *args, struct err *e)
{
	if (c->state == CTR_RUNNING || c->state == CTR_PAUSED)
		return 0; /* Docker: starting a running container is fine */
	if (c->cp_busy)
		return busy(c, e);
	if (!ctr_event_allowed(c->state, EV_START))
		return ctr_event(c, EV_START, NULL, e); /* says why not */
	c->manual_stop = false;
	c->restart_count = 0; /* a manual start resets the policy's count */
	c->backoff_ms = 0;    /* and its back-off, as Docker's does */
	if (ctr_event(c, EV_START, NULL, e) < 0)
		return -1;
	c->start_hook = (struct ctr_hook){item_hook_done, it};
	return CMD_PENDING;
}

static int64_t stop_ms(const struct ctr *c, const struct stop_args *a)
{
	if (a->time > 0)
		return a->time * 1000;
	return c->stop_timeout_ms ? c->stop_timeout_ms : 10000;
}

static int stop_one(struct item *it, struct ctr *c, void *args, struct err *e)
{
	int rc;

	c->manual_stop = true;
	it->w.fn = item_waiter_done;
	rc = ctr_event(c, EV_STOP, &(struct ctr_evarg){
		.timeout_ms = stop_ms(c, args), .waiter = &it->w }, e);
	return rc == 0 ? CMD_PENDING : rc > 0 ? 0 : -1;
}

static int kill_one(struct item *it, struct ctr *c, void *args, struct err *e)
{
	struct kill_args *a = args;
	int sig = a->signal ? ctr_parse_signal(a->signal, e) : SIGKILL;

	if (sig < 0)
		return -1;
	return ctr_event(c, EV_KILL, &(struct ctr_evarg){ .sig = sig }, e);
}

static int rm_one(struct item *it, struct ctr *c, void *args, struct err *e)
{
	struct rm_args *a = args;

	if (c->rm_hook.fn || c->state == CTR_REMOVING)
		return err_setc(e, ERR_CONFLICT,
				"removal of %s is already "
				"in progress",
				c->name);
	if (c->cp_busy)
		return busy(c, e);
	if (c->proc && !a->force)
		return err_setc(e, ERR_CONFLICT,
				"container %s is %s: stop it "
				"first or use -f",
				c->name, ctr_state_name(c));
	c->manual_stop = true;
	c->rm_anon |= a->volumes;
	if (c->proc) {
		if (ctr_event(c, EV_KILL, &(struct ctr_evarg){
			.sig = SIGKILL }, e) < 0)
			return -1;
		c->auto_remove = true; /* removed as soon as it has exited */
	} else if (ctr_event(c, EV_REMOVE, NULL, e) < 0) {
		return -1;
	}
	c->rm_hook = (struct ctr_hook){item_hook_done, it};
	return CMD_PENDING; /* answered once it is gone, durably */
}

static int wait_one(struct item *it, struct ctr *c, void *args, struct err *e)
{
	if (!c->proc && !c->exit_pending && c->state != CTR_STARTING) {
		it->code = c->exit_code;
		return 0;
	}
	it->w.fn = item_waiter_done;
	ctr_add_waiter(c, &it->w);
	return CMD_PENDING;
}

/* ---- restart ---- */

/* From a timer after the exit: the exit's own bookkeeping (die event,
 * policy, state write) is over, so this start is a manual one. */
static void on_restart_start(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct item *it = t->data;
	struct err e = ERR_INIT;
	struct ctr *c = ctr_find(it->id, &e);

	if (!c || start_one(it, c, NULL, &e) != CMD_PENDING)
		item_done(it, e.class != ERR_OK ? &e : NULL);
}

static void restart_stopped(struct ctl_req *r, struct ctr_waiter *w, int code)
{
	struct item *it = item_of(w);

	ev_timer_init(&it->t, on_restart_start, 0, 0);
	it->t.data = it;
	ev_timer_start(daemon_ctx.loop, &it->t);
}

/* Stop (stop signal, SIGKILL after the timeout), then start; a
 * container that is not running is just started. manual_stop holds the
 * policy off while it stops; the start resets the restart count. */
static int restart_one(struct item *it, struct ctr *c, void *args,
		       struct err *e)
{
	int rc;

	if (c->state == CTR_STARTING || c->state == CTR_REMOVING ||
	    c->rm_hook.fn)
		return err_setc(e, ERR_CONFLICT, "container %s is %s", c->name,
				c->rm_hook.fn ? "being removed"
					      : ctr_state_name(c));
	if (c->cp_busy)
		return busy(c, e);
	c->manual_stop = true;
	it->w.fn = restart_stopped;
	rc = ctr_event(c, EV_STOP, &(struct ctr_evarg){
		.timeout_ms = stop_ms(c, args), .waiter = &it->w }, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return start_one(it, c, NULL, e);
	return CMD_PENDING;
}

/* ---- pause, unpause ---- */

static int pause_one(struct item *it, struct ctr *c, void *args, struct err *e)
{
	return ctr_event(c, EV_PAUSE, &(struct ctr_evarg){
		.hook = { item_hook_done, it } }, e) < 0 ? -1 : CMD_PENDING;
}

static int unpause_one(struct item *it, struct ctr *c, void *args,
		       struct err *e)
{
	return ctr_event(c, EV_UNPAUSE, NULL, e);
}

/* ---- handlers ---- */

static int do_start(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, start_one, false, e);
}
static int do_stop(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, stop_one, false, e);
}
static int do_kill(struct ctl_req *r, void *a, struct err *e)
{
	struct kill_args *k = a;

	if (k->signal && ctr_parse_signal(k->signal, e) < 0)
		return -1;
	return multi_run(r, a, kill_one, false, e);
}
static int do_rm(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, rm_one, false, e);
}
static int do_restart(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, restart_one, false, e);
}
static int do_pause(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, pause_one, false, e);
}
static int do_unpause(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, unpause_one, false, e);
}
static int do_wait(struct ctl_req *r, void *a, struct err *e)
{
	return multi_run(r, a, wait_one, true, e);
}

/* ---- rename ---- */

static void rename_saved(int errnum, void *ctx)
{
	struct err e = ERR_INIT;

	if (errnum)
		err_set(&e, errnum, "save container state");
	ctl_req_finish(ctx, errnum ? &e : NULL);
}

static int do_rename(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	_cleanup_free_ char *old = NULL;

	if (!c)
		return -1;
	old = xstrdup(c->name);
	if (ctr_rename(c, ctl_req_argv(r)[1], e) < 0)
		return -1;
	bus_publish(
	    "container", "rename", c->id,
	    (const char *const[]){"name", c->name, "oldName", old, NULL});
	ctr_save(c, rename_saved, r);
	return CMD_PENDING; /* ok once the new name is durable */
}

/* ---- top ---- */

/* Read a small /proc file whole (at most len-1 bytes); -1 if gone. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

struct top_proc {
	pid_t pid, ppid;
	uid_t uid;
	unsigned long long ticks, start;
	char state;
	char cmd[512];
};

/* /proc/PID/stat: fields after the last ')' (comm may hold any byte). */
static int top_stat(pid_t pid, struct top_proc *p)
{
	char path[64], buf[1024], *s;
	unsigned long long ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads
	 * itrealvalue starttime */
	if (sscanf(s + 2,
		   "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
		   "%llu %*d %*d %*d %*d %*d %*d %llu",
		   &p->state, &p->ppid, &ut, &st, &p->start) != 5)
		return -1;
	p->ticks = ut + st;
	return 0;
}

/* The command line, NULs as spaces; [comm] for kernel-side threads. */
static void top_cmd(pid_t pid, struct top_proc *p)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small(path, p->cmd, sizeof(p->cmd));
	for (ssize_t i = 0; i < n; i++)
		if (!p->cmd[i])
			p->cmd[i] = ' ';
	while (n > 0 && p->cmd[n - 1] == ' ')
		p->cmd[--n] = '\0';
	if (n > 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = read_small(path, p->cmd + 1, sizeof(p->cmd) - 2);
	if (n < 0)
		n = 0;
	p->cmd[0] = '[';
	n = (ssize_t)strcspn(p->cmd, "\n");
	snprintf(p->cmd + n, sizeof(p->cmd) - (size_t)n, "]");
}

static int top_read(pid_t pid, struct top_proc *p)
{
	char path[64], buf[4096], *u;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (top_stat(pid, p) < 0 || read_small(path, buf, sizeof(buf)) < 0 ||
	    !(u = strstr(buf, "\nUid:")))
		return -1;
	p->uid = (uid_t)strtoul(u + 5, NULL, 10);
	top_cmd(pid, p);
	return 0;
}

/* The user's name from the host's passwd text (read once per request),
 * as docker top shows it; the number when it has none. */
static void top_user(const char *passwd, uid_t uid, char *out, size_t len)
{
	snprintf(out, len, "%u", (unsigned)uid);
	for (const char *l = passwd; l && *l;) {
		const char *nl = strchr(l, '\n'), *c1 = strchr(l, ':'), *c2;
		char *end;
		if (c1 && (!nl || c1 < nl) && (c2 = strchr(c1 + 1, ':')) &&
		    (!nl || c2 < nl) && strtoul(c2 + 1, &end, 10) == uid &&
		    end != c2 + 1 && *end == ':') {
			snprintf(out, len, "%.*s", (int)(c1 - l), l);
			return;
		}
		l = nl ? nl + 1 : NULL;
	}
}

static void top_row(struct ctl_req *r, const struct top_proc *p,
		    const char *passwd)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long s =
	    p->ticks / (unsigned long long)(hz > 0 ? hz : 100);
	char user[64], tm[32];
	struct jw w;

	top_user(passwd, p->uid, user, sizeof(user));
	snprintf(tm, sizeof(tm), "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60,
		 s % 60);
	ctl_req_json(r, &w);
	jw_int(&w, "uid", p->uid);
	jw_str(&w, "user", user);
	jw_int(&w, "pid", p->pid);
	jw_int(&w, "ppid", p->ppid);
	jw_strn(&w, "stat", &p->state, 1);
	jw_str(&w, "time", tm);
	jw_str(&w, "cmd", p->cmd);
	jw_close(&w);
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* docker top's ps options are not taken: the columns are fixed. */
static int do_top(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	_cleanup_free_ pid_t *pids = NULL;
	char passwd[16384];
	size_t n = 0;

	if (!c)
		return -1;
	if (ctl_req_argc(r) > 1)
		return err_setc(e, ERR_INVALID,
				"top takes no ps options "
				"(the columns are UID, USER, PID, PPID, STAT, "
				"TIME, CMD)");
	if (!c->proc || c->state == CTR_STARTING)
		return err_setc(e, ERR_CONFLICT, "container %s is not running",
				c->name);
	if (!c->cg) {
		pids = xmalloc(sizeof(*pids));
		pids[n++] = c->pid; /* no cgroups: the init alone */
	} else if (cgroup_pids(c->cg, &pids, &n, e) < 0) {
		return err_wrap(e, "top %s", c->name);
	}
	qsort(pids, n, sizeof(*pids), pid_cmp);
	/* One bounded read of a small local file per request (names only;
	 * a longer passwd leaves later users as numbers). */
	if (read_small("/etc/passwd", passwd, sizeof(passwd)) < 0)
		passwd[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct top_proc p;
		if (top_read(pids[i], &p) == 0) /* gone meanwhile: skipped */
			top_row(r, &p, passwd);
	}
	return 0;
}

/* ---- the table ---- */

const struct command ctr_cmd_start = { "start", do_start };
const struct command ctr_cmd_stop = { "stop", do_stop };
const struct command ctr_cmd_restart = { "restart", do_restart };
const struct command ctr_cmd_kill = { "kill", do_kill };
const struct command ctr_cmd_rm = { "rm", do_rm };
const struct command ctr_cmd_pause = { "pause", do_pause };
const struct command ctr_cmd_unpause = { "unpause", do_unpause };
const struct command ctr_cmd_wait = { "wait", do_wait };
const struct command ctr_cmd_rename = { "rename", do_rename };
const struct command ctr_cmd_top = { "top", do_top };
