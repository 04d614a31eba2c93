/* control.c - pause, unpause and update: changes to a running container's
 * cgroup (fs/cgroup) that need no new process.
 *
 * Freezing is asked of the kernel and then polled from a timer until the
 * cgroup reports frozen (never waited for); the request is answered then.
 * Owns the per-container freeze timer state (struct pause_op). */
#include <stdlib.h>
#include <string.h>

#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "supervisor.h"

#define FREEZE_POLL 0.01 /* seconds between freezer state reads */
#define FREEZE_TRIES 500 /* 5 s */

struct pause_op {
	ev_timer t;
	struct ctr *c;
	struct ctl_req *r;
	int tries;
};

static int need_running_cgroup(struct ctr *c, struct err *e)
{
	if (!c->proc)
		return err_setc(e, ERR_CONFLICT, "container %s is not running",
				c->name);
	if (!c->cg)
		return err_setc(e, ERR_INVALID,
				"container %s has no cgroup (none mounted)",
				c->name);
	return 0;
}

static void pause_end(struct pause_op *op, const struct err *e)
{
	ev_timer_stop(daemon_ctx.loop, &op->t);
	if (!e) {
		op->c->paused_state = true;
		bus_publish("container", "pause", op->c->id,
			    (const char *const[]){ "name", op->c->name, NULL });
	}
	op->c->pause_op = NULL;
	ctl_req_finish(op->r, e);
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

static int do_pause(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	struct pause_op *op;

	if (!c || need_running_cgroup(c, e) < 0)
		return -1;
	if (c->paused_state || c->pause_op)
		return err_setc(e, ERR_CONFLICT, "container %s is already "
				"paused", c->name);
	if (cgroup_freeze(c->cg, true, e) < 0)
		return -1;
	op = calloc(1, sizeof(*op));
	if (!op)
		abort();
	op->c = c;
	op->r = r;
	c->pause_op = op;
	ev_timer_init(&op->t, on_freeze_poll, 0, FREEZE_POLL);
	op->t.data = op;
	ev_timer_start(daemon_ctx.loop, &op->t);
	return CMD_PENDING;
}

/* Thaw; the kernel does it at once for our purposes (the next signal or
 * exit is delivered normally). Also used before stop and kill. */
int ctr_thaw(struct ctr *c, struct err *e)
{
	if (!c->paused_state)
		return 0;
	if (c->cg && cgroup_freeze(c->cg, false, e) < 0)
		return -1;
	c->paused_state = false;
	bus_publish("container", "unpause", c->id,
		    (const char *const[]){ "name", c->name, NULL });
	return 0;
}

static int do_unpause(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);

	if (!c || need_running_cgroup(c, e) < 0)
		return -1;
	if (!c->paused_state)
		return err_setc(e, ERR_CONFLICT, "container %s is not paused",
				c->name);
	return ctr_thaw(c, e);
}

const struct command ctr_cmd_pause = {
	.name = "pause", .usage = "CONTAINER",
	.summary = "Freeze every process of a container (cgroup freezer)",
	.min_pos = 1, .max_pos = 1, .handler = do_pause,
	.cmd_flags = CMD_MUTATES,
};
const struct command ctr_cmd_unpause = {
	.name = "unpause", .usage = "CONTAINER",
	.summary = "Thaw a paused container", .min_pos = 1, .max_pos = 1,
	.handler = do_unpause, .cmd_flags = CMD_MUTATES,
};

/* The container exited while a pause was in progress. */
void ctr_pause_abort(struct ctr *c)
{
	struct err e = ERR_INIT;

	if (!c->pause_op)
		return;
	err_setc(&e, ERR_CONFLICT, "container %s exited", c->name);
	pause_end(c->pause_op, &e);
}
