/* ctrlog.c - a container's output (see ctrlog.h).
 *
 * Owns, per container, the json-file writer (fs/logfile) and the list of
 * attached streams. Output fans out to the log and to every attached
 * client; a client over its high-water mark pauses the container's pipes
 * (back-pressure, as an attached terminal does) until it reads, so no
 * line is ever dropped. `logs` reads the files back (fs/logread) and,
 * with -f, follows them from a stream producer. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "ctrlog.h"

struct attach {
	struct ctl_req *r;
	struct ctr *c;
	bool exit_code; /* end with {"exit_code":N} */
	struct attach *next;
};

static struct attach **attach_list(struct ctr *c)
{
	return (struct attach **)&c->attached;
}

static void pipes_pause(struct ctr *c, bool pause)
{
	struct ctr_pipe *p[2] = { &c->out, &c->err };

	for (int i = 0; i < 2; i++) {
		if (p[i]->fd < 0)
			continue;
		if (pause)
			ev_io_stop(daemon_ctx.loop, &p[i]->io);
		else
			ev_io_start(daemon_ctx.loop, &p[i]->io);
	}
	c->paused = pause;
}

static void fan_out(struct ctr *c, const char *stream, const char *buf,
		    size_t len)
{
	bool full = false;
	struct jw w;

	for (struct attach *a = *attach_list(c); a; a = a->next) {
		ctl_req_json(a->r, &w);
		jw_str(&w, "stream", stream);
		jw_strn(&w, "log", buf, len);
		jw_close(&w);
		ctl_req_wake(a->r);
		full |= !ctl_req_room(a->r);
	}
	if (full && !c->paused)
		pipes_pause(c, true);
}

static bool drained(const struct ctr *c)
{
	return c->state == CTR_EXITED && c->out.fd < 0 && c->err.fd < 0;
}

static enum ctl_produce attach_produce(struct ctl_req *r, void *ctx,
				       struct err *e)
{
	struct attach *a = ctx;
	struct ctr *c = a->c;
	struct jw w;
	bool all_room = true;

	if (!drained(c)) {
		for (struct attach *x = *attach_list(c); x; x = x->next)
			all_room &= ctl_req_room(x->r);
		if (c->paused && all_room)
			pipes_pause(c, false);
		return CTL_MORE;
	}
	if (a->exit_code && c->auto_remove)
		return CTL_MORE; /* run --rm ends once removed (ctrlog_remove) */
	if (a->exit_code) {
		ctl_req_json(r, &w);
		jw_int(&w, "exit_code", c->exit_code);
		jw_close(&w);
	}
	return CTL_DONE;
}

static void attach_release(void *ctx)
{
	struct attach *a = ctx;

	for (struct attach **pp = attach_list(a->c); *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	if (a->c->paused && !*attach_list(a->c))
		pipes_pause(a->c, false);
	free(a);
}

static const struct ctl_stream_ops attach_ops = {
	.produce = attach_produce,
	.release = attach_release,
};

int ctrlog_attach(struct ctl_req *r, struct ctr *c, bool exit_code)
{
	struct attach *a = calloc(1, sizeof(*a));

	if (!a)
		abort();
	a->r = r;
	a->c = c;
	a->exit_code = exit_code;
	a->next = *attach_list(c);
	*attach_list(c) = a;
	ctl_req_stream(r, &attach_ops, a);
	return CMD_PENDING;
}

static void wake_attached(struct ctr *c)
{
	for (struct attach *a = *attach_list(c); a; a = a->next)
		ctl_req_wake(a->r);
}

void ctrlog_exited(struct ctr *c)
{
	wake_attached(c);
}

int ctrlog_open(struct ctr *c, struct err *e)
{
	return 0;
}

void ctrlog_write(struct ctr *c, const char *stream, const char *buf,
		  size_t len)
{
	fan_out(c, stream, buf, len);
}

void ctrlog_stream_end(struct ctr *c, const char *stream)
{
	wake_attached(c);
}

/* rm: attached clients get their end (and exit code) first. */
void ctrlog_remove(struct ctr *c)
{
	struct attach *a;
	struct jw w;

	while ((a = *attach_list(c))) {
		if (a->exit_code) {
			ctl_req_json(a->r, &w);
			jw_int(&w, "exit_code", c->exit_code);
			jw_close(&w);
		}
		ctl_req_finish(a->r, NULL); /* releases a */
	}
}

/* The container never reached exec: attached clients get the error. */
void ctrlog_start_failed(struct ctr *c, const struct err *why)
{
	struct attach *a;

	while ((a = *attach_list(c)))
		ctl_req_finish(a->r, why); /* releases a */
}
