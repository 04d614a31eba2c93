/* control.c - pause, unpause and stats: changes to a running container's
 * cgroup (fs/cgroup) that need no new process.
 *
 * Freezing is asked of the kernel and then polled from a timer until the
 * cgroup reports frozen (never waited for); then lifecycle.c hears
 * it (its frozen callback raises EV_FROZEN) and the request is answered.
 * The freezer changes no state itself and calls no other file of the
 * supervisor by name: the parts hear of freezing and thawing through
 * ctr_parts_at(). Owns the per-container freeze timer state (struct pause_op). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../proto/netdev.h"
#include "../../proto/units.h"
#include "supervisor.h"
#include "../../core/base/xalloc.h"

#define FREEZE_POLL 0.01 /* seconds between freezer state reads */
#define FREEZE_TRIES 500 /* 5 s */

struct pause_op {
	ev_timer t;
	struct ctr *c;
	int (*frozen)(struct ctr *c, struct err *e);
	struct ctr_hook done;
	int tries;
};

/* The freeze is over: frozen (the container is paused now, if its state
 * still allows: a stop may have come meanwhile) or failed (thawed). */
static void pause_end(struct pause_op *op, const struct err *e)
{
	struct err refused = ERR_INIT;

	ev_timer_stop(daemon_ctx.loop, &op->t);
	op->c->pause_op = NULL;
	if (!e && op->frozen(op->c, &refused) < 0) {
		if (op->c->cg)
			cgroup_freeze(op->c->cg, false, &(struct err)ERR_INIT);
		e = &refused;
	}
	if (e)
		ctr_parts_at(op->c, CTR_AT_THAWED); /* not frozen after all */
	ctr_hook_fire(&op->done, e);
	free(op);
}

static void on_freeze_poll(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pause_op *op = t->data;
	struct err e = ERR_INIT;
	int st;

	if (!op->c->cg) { /* exited meanwhile */
		err_setc(&e, ERR_CONFLICT, "container %s exited",
			 op->c->name);
		pause_end(op, &e);
		return;
	}
	st = cgroup_freeze_state(op->c->cg, &e);
	if (st == CGROUP_FROZEN) {
		pause_end(op, NULL);
	} else if (st < 0 || ++op->tries >= FREEZE_TRIES) {
		if (st >= 0)
			err_setc(&e, ERR_BUSY, "container %s did not freeze "
				 "in 5 s", op->c->name);
		cgroup_freeze(op->c->cg, false, &(struct err)ERR_INIT);
		pause_end(op, &e);
	}
}

int ctr_freezer_start(struct ctr *c,
		      int (*frozen)(struct ctr *c, struct err *e),
		      const struct ctr_hook *done, struct err *e)
{
	struct pause_op *op;

	if (!c->cg)
		return err_setc(e, ERR_INVALID,
				"container %s has no cgroup (none mounted)",
				c->name);
	if (c->pause_op)
		return err_setc(e, ERR_CONFLICT, "container %s is already "
				"paused", c->name);
	if (cgroup_freeze(c->cg, true, e) < 0)
		return -1;
	ctr_parts_at(c, CTR_AT_FREEZING); /* no probe frozen halfway */
	op = xcalloc(1, sizeof(*op));
	op->c = c;
	op->frozen = frozen;
	op->done = *done;
	c->pause_op = op;
	ev_timer_init(&op->t, on_freeze_poll, 0, FREEZE_POLL);
	op->t.data = op;
	ev_timer_start(daemon_ctx.loop, &op->t);
	return 0;
}

/* Thaw; the kernel does it at once for our purposes (the next signal or
 * exit is delivered normally). */
int ctr_freezer_thaw(struct ctr *c, struct err *e)
{
	if (c->cg && cgroup_freeze(c->cg, false, e) < 0)
		return -1;
	return 0;
}

/* The container exited while a pause was in progress. */
void ctr_pause_abort(struct ctr *c)
{
	struct err e = ERR_INIT;

	if (!c->pause_op)
		return;
	err_setc(&e, ERR_CONFLICT, "container %s exited", c->name);
	pause_end(c->pause_op, &e);
}

/* ---- stats ---- */

#define STATS_MAX 256 /* containers named in one request */

struct sample {
	char id[CTR_ID_LEN + 1];
	uint64_t cpu_ns;
	int64_t at_ns;
};

/* A stats stream: a timer marks a sample due, produce() takes it. Keeps
 * container ids, never pointers, so a removed container just drops out. */
struct stats_stream {
	ev_timer t;
	struct ctl_req *r;
	bool once, due, all;
	int rounds, n;
	struct sample s[STATS_MAX];
};

static struct sample *sample_of(struct stats_stream *st, const char *id)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->s[i].id, id))
			return &st->s[i];
	if (!st->all || st->n == STATS_MAX)
		return NULL;
	snprintf(st->s[st->n].id, sizeof(st->s[0].id), "%s", id);
	return &st->s[st->n++];
}

/* Bytes through the container's network namespace (all interfaces but
 * lo, as Docker counts), from its init's /proc/PID/net/dev: a small
 * kernel file, read on the loop. The init is our unreaped child while
 * c->proc is set, so its pid names it. Zero when it cannot be read. */
static void net_totals(const struct ctr *c, struct netdev_totals *t)
{
	char path[64], buf[8192];
	struct err e = ERR_INIT;
	ssize_t n = -1;
	int fd;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "/proc/%d/net/dev", c->pid);
	if (c->proc && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	if (n > 0 && netdev_parse(buf, (size_t)n, t, &e) < 0)
		log_warn("container %.12s: %s", c->id, e.msg);
}

/* "1.2kB / 648B", Docker's NET I/O and BLOCK I/O cells. */
static void two_sizes(uint64_t a, uint64_t b, char *out, size_t n)
{
	char x[32], y[32];

	units_size((double)a, x, sizeof(x));
	units_size((double)b, y, sizeof(y));
	snprintf(out, n, "%s / %s", x, y);
}

/* One row: the fields of Docker's `stats --format` (as its {{json .}}
 * orders them), and the numbers under "Skiff". */
static void emit_stats(struct ctl_req *r, struct ctr *c,
		       const struct cgroup_stats *cs, double cpu_pct)
{
	uint64_t mem = cs->mem_usage > cs->mem_inactive_file
			       ? cs->mem_usage - cs->mem_inactive_file
			       : cs->mem_usage;
	double mem_pct = cs->mem_limit ? mem * 100.0 / cs->mem_limit : 0;
	char t[96], u[32], l[32];
	struct netdev_totals net;
	struct jw w;

	net_totals(c, &net);
	ctl_req_json(r, &w);
	two_sizes(cs->io_read_bytes, cs->io_write_bytes, t, sizeof(t));
	jw_str(&w, "BlockIO", t);
	snprintf(t, sizeof(t), "%.2f%%", cpu_pct);
	jw_str(&w, "CPUPerc", t);
	jw_strn(&w, "Container", c->id, 12);
	jw_strn(&w, "ID", c->id, 12);
	snprintf(t, sizeof(t), "%.2f%%", mem_pct);
	jw_str(&w, "MemPerc", t);
	units_bytes((double)mem, u, sizeof(u));
	units_bytes((double)cs->mem_limit, l, sizeof(l));
	snprintf(t, sizeof(t), "%s / %s", u, l);
	jw_str(&w, "MemUsage", t);
	jw_str(&w, "Name", c->name);
	two_sizes(net.rx_bytes, net.tx_bytes, t, sizeof(t));
	jw_str(&w, "NetIO", t);
	snprintf(t, sizeof(t), "%llu", (unsigned long long)cs->pids_current);
	jw_str(&w, "PIDs", t);
	jw_obj(&w, "Skiff");
	jw_double(&w, "cpu_percent", (double)(long)(cpu_pct * 100) / 100);
	jw_uint(&w, "mem_usage", mem);
	jw_uint(&w, "mem_limit", cs->mem_limit);
	jw_double(&w, "mem_percent", (double)(long)(mem_pct * 100) / 100);
	jw_uint(&w, "net_rx", net.rx_bytes);
	jw_uint(&w, "net_tx", net.tx_bytes);
	jw_uint(&w, "pids", cs->pids_current);
	jw_uint(&w, "block_read", cs->io_read_bytes);
	jw_uint(&w, "block_write", cs->io_write_bytes);
	jw_end_obj(&w);
	jw_close(&w);
}

/* One round: sample every container of the request; from the second
 * round on, emit a line each with CPU % over the interval. */
static void stats_round(struct stats_stream *st)
{
	int64_t now = now_ns();
	struct err e = ERR_INIT;

	for (struct ctr *c = ctr_first(); c; c = c->next) {
		struct cgroup_stats cs;
		struct sample *s;
		double pct;
		if (!c->cg || !(s = sample_of(st, c->id)))
			continue;
		if (cgroup_stats(c->cg, &cs, &e) < 0)
			continue;
		pct = s->at_ns && now > s->at_ns
			      ? (double)(cs.cpu_ns - s->cpu_ns) * 100.0 /
					(double)(now - s->at_ns)
			      : 0;
		if (st->rounds > 0)
			emit_stats(st->r, c, &cs, pct);
		s->cpu_ns = cs.cpu_ns;
		s->at_ns = now;
	}
	st->rounds++;
}

static void on_stats_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct stats_stream *st = t->data;

	st->due = true;
	ctl_req_wake(st->r);
}

static enum ctl_produce stats_produce(struct ctl_req *r, void *ctx,
				      struct err *e)
{
	struct stats_stream *st = ctx;

	if (!st->due)
		return CTL_MORE;
	st->due = false;
	stats_round(st);
	return st->once && st->rounds >= 2 ? CTL_DONE : CTL_MORE;
}

static void stats_release(void *ctx)
{
	struct stats_stream *st = ctx;

	ev_timer_stop(daemon_ctx.loop, &st->t);
	free(st);
}

static const struct ctl_stream_ops stats_ops = {
	.produce = stats_produce,
	.release = stats_release,
};

/* The first sample at once, the next after 0.5 s, then every second. */
static int do_stats(struct ctl_req *r, void *args, struct err *e)
{
	struct stats_args *a = args;
	struct stats_stream *st;
	int n = ctl_req_argc(r);

	if (!ctr_have_cgroups)
		return err_setc(e, ERR_INVALID, "stats need cgroups, and this "
				"host has none mounted");
	if (n > STATS_MAX)
		return err_setc(e, ERR_INVALID, "at most %d containers",
				STATS_MAX);
	st = xcalloc(1, sizeof(*st));
	for (int i = 0; i < n; i++) {
		struct ctr *c = ctr_find(ctl_req_argv(r)[i], e);
		if (!c) {
			free(st);
			return -1;
		}
		snprintf(st->s[st->n++].id, sizeof(st->s[0].id), "%s", c->id);
	}
	st->all = !n;
	st->once = a->no_stream;
	st->r = r;
	st->due = true;
	ev_timer_init(&st->t, on_stats_timer, 0.5, 1.0);
	st->t.data = st;
	ev_timer_start(daemon_ctx.loop, &st->t);
	ctl_req_stream(r, &stats_ops, st);
	return CMD_PENDING;
}

const struct command ctr_cmd_stats = { "stats", do_stats };
