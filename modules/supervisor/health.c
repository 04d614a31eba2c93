/* health.c - container healthchecks: Docker's state machine, plus
 * --health-on-failure.
 *
 *   (start) --> starting --probe exits 0--> healthy
 *   starting|healthy --`retries` failed probes in a row--> unhealthy
 *   unhealthy --probe exits 0--> healthy
 *
 * Before the first success, failures inside the start period do not
 * count. A probe is an exec into the running container (exec.c's
 * exec_probe: `/bin/sh -c CMD`, killed at the timeout, which counts as a
 * failure with exit code -1). The next probe is armed one interval after
 * the previous one ended, so at most one runs per container; none runs
 * while the container is paused, stopping or not running. A status
 * change publishes the container event "health_status: STATUS"; turning
 * unhealthy then SIGKILLs the container (kill: its restart policy
 * decides what follows) or stops it and has lifecycle.c's restart
 * machinery start it again (restart).
 *
 * Owns per container (struct ctr_health): the probe timer, the probe in
 * flight (cancelled, never waited for, when the container stops, pauses
 * or goes away) and the last HEALTH_LOG_MAX results. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "exec.h"
#include "supervisor.h"
#include "../../core/base/xalloc.h"

#define DEFAULT_INTERVAL_MS 30000
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 3
#define RETRIES_MAX 1000000

static const char *const status_names[] = {
	[HEALTH_NONE] = "none",
	[HEALTH_STARTING] = "starting",
	[HEALTH_HEALTHY] = "healthy",
	[HEALTH_UNHEALTHY] = "unhealthy",
};

static const char *const action_names[] = {
	[HEALTH_ACT_NONE] = "none",
	[HEALTH_ACT_KILL] = "kill",
	[HEALTH_ACT_RESTART] = "restart",
};

static int action_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
		if (!strcmp(s, action_names[i]))
			return (int)i;
	return -1;
}

/* ---- configuration ---- */

static void set_defaults(struct ctr_health *h)
{
	if (!h->interval_ms)
		h->interval_ms = DEFAULT_INTERVAL_MS;
	if (!h->timeout_ms)
		h->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!h->retries)
		h->retries = DEFAULT_RETRIES;
	h->status = HEALTH_STARTING;
}

/* Docker's rules: a zero duration or retry count means the default;
 * tuning flags without a command, or with --no-healthcheck, are an
 * error rather than silently ignored (there is no image healthcheck to
 * tune here). */
int health_parse(struct ctr_health *h, const struct health_opts *o,
		 struct err *e)
{
	bool tuned = o->interval_ms || o->timeout_ms || o->start_period_ms ||
		     o->retries || o->on_failure;
	int act = HEALTH_ACT_NONE;

	memset(h, 0, sizeof(*h));
	if (o->none && (o->cmd || tuned))
		return err_setc(e, ERR_INVALID, "--no-healthcheck conflicts "
				"with --health-* options");
	if (o->none) {
		h->disabled = true;
		return 0;
	}
	if (!o->cmd)
		return tuned ? err_setc(e, ERR_INVALID,
					"--health-interval, --health-timeout, "
					"--health-retries, --health-start-"
					"period and --health-on-failure need "
					"--health-cmd") : 0;
	if (!o->cmd[strspn(o->cmd, " \t\r\n")])
		return err_setc(e, ERR_INVALID, "--health-cmd is empty");
	if (o->retries < 0 || o->retries > RETRIES_MAX)
		return err_setc(e, ERR_INVALID,
				"invalid --health-retries %lld (use 1 to %d; "
				"0 for the default, %d)", o->retries,
				RETRIES_MAX, DEFAULT_RETRIES);
	if (o->on_failure && (act = action_parse(o->on_failure)) < 0)
		return err_setc(e, ERR_INVALID,
				"invalid --health-on-failure \"%s\" (use none, "
				"kill or restart)", o->on_failure);
	h->cmd = xstrdup(o->cmd);
	h->interval_ms = o->interval_ms;
	h->timeout_ms = o->timeout_ms;
	h->start_period_ms = o->start_period_ms;
	h->retries = (int)o->retries;
	h->on_failure = (enum health_action)act;
	set_defaults(h);
	return 0;
}

static void log_clear(struct ctr_health *h)
{
	for (int i = 0; i < h->nlog; i++)
		free(h->log[i].output);
	h->nlog = 0;
	free(h->log);
	h->log = NULL;
}

void health_free(struct ctr *c)
{
	log_clear(&c->health);
	free(c->health.cmd);
	c->health.cmd = NULL;
}

void health_init(void)
{
	static const struct ctr_part part = {
		.write_json = health_write_json,
		.load = health_load,
		.free = health_free,
		.ps_suffix = health_ps_suffix,
		.at = {
			[CTR_AT_RUNNING] = health_start,
			[CTR_AT_EXITED] = health_stop,
			[CTR_AT_FREEZING] = health_pause,
			[CTR_AT_THAWED] = health_resume,
			[CTR_AT_REMOVING] = health_stop,
		},
	};

	ctr_part_register(&part);
}

const char *health_status_name(const struct ctr *c)
{
	return status_names[c->health.cmd ? c->health.status : HEALTH_NONE];
}

/* ---- results ---- */

static void log_add(struct ctr_health *h, int code, const char *out,
		    size_t len)
{
	struct health_result *r;

	if (!h->log)
		h->log = xcalloc(HEALTH_LOG_MAX, sizeof(*h->log));
	if (h->nlog == HEALTH_LOG_MAX) {
		free(h->log[0].output);
		memmove(&h->log[0], &h->log[1],
			sizeof(h->log[0]) * (HEALTH_LOG_MAX - 1));
		h->nlog--;
	}
	r = &h->log[h->nlog++];
	r->start_ns = h->probe_start_ns;
	r->end_ns = now_ns();
	r->exit_code = code;
	r->output = xmalloc(len + 1);
	memcpy(r->output, out, len);
	r->output[len] = '\0';
	r->output_len = len;
}

/* Docker's handleProbeResult; returns true when c just turned
 * unhealthy. */
static bool judge(struct ctr *c, int code)
{
	struct ctr_health *h = &c->health;
	enum health_status old = h->status;
	char action[64];

	if (code == 0) {
		h->failing_streak = 0;
		h->status = HEALTH_HEALTHY;
	} else if (h->status != HEALTH_STARTING ||
		   h->probe_mono - h->run_mono >=
			   h->start_period_ms * 1000000) {
		if (++h->failing_streak >= h->retries)
			h->status = HEALTH_UNHEALTHY;
	}
	if (h->status == old)
		return false;
	snprintf(action, sizeof(action), "health_status: %s",
		 status_names[h->status]);
	bus_publish("container", action, c->id,
		    (const char *const[]){ "name", c->name, NULL });
	return h->status == HEALTH_UNHEALTHY;
}

static void on_failure(struct ctr *c)
{
	struct err e = ERR_INIT;

	switch (c->health.on_failure) {
	case HEALTH_ACT_KILL:
		log_info("container %.12s (%s) is unhealthy; killing it",
			 c->id, c->name);
		if (ctr_event(c, EV_KILL, &(struct ctr_evarg){
			.sig = SIGKILL }, &e) < 0)
			log_warn("container %.12s: %s", c->id, e.msg);
		break;
	case HEALTH_ACT_RESTART:
		log_info("container %.12s (%s) is unhealthy; restarting it",
			 c->id, c->name);
		c->health.restart = true; /* lifecycle.c's should_restart */
		if (ctr_event(c, EV_STOP, &(struct ctr_evarg){
			.timeout_ms = c->stop_timeout_ms }, &e) < 0)
			log_warn("container %.12s: %s", c->id, e.msg);
		break;
	case HEALTH_ACT_NONE:
		break;
	}
}

static void arm(struct ctr *c);

static void on_probe_done(void *ctx, int code, const char *out, size_t len)
{
	struct ctr *c = ctx;
	bool turned;

	c->health.probe = NULL;
	log_add(&c->health, code, out, len);
	turned = judge(c, code);
	arm(c);
	if (turned)
		on_failure(c);
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ctr *c = t->data;
	struct ctr_health *h = &c->health;
	struct err e = ERR_INIT;

	if (c->state != CTR_RUNNING || h->probe)
		return;
	h->probe_start_ns = now_ns();
	h->probe_mono = mono_ns();
	h->probe = exec_probe_start(c, h->cmd, h->timeout_ms, on_probe_done,
				    c, &e);
	if (!h->probe) /* not even cloned: a failed probe all the same */
		on_probe_done(c, -1, e.msg, strlen(e.msg));
}

/* The next probe, one interval from now, if the container can have one. */
static void arm(struct ctr *c)
{
	struct ctr_health *h = &c->health;

	if (!h->cmd || c->state != CTR_RUNNING ||
	    h->probe || ev_is_active(&h->timer))
		return;
	ev_timer_init(&h->timer, on_timer, (double)h->interval_ms / 1000, 0);
	h->timer.data = c;
	ev_timer_start(daemon_ctx.loop, &h->timer);
}

/* ---- the container's lifecycle ---- */

void health_start(struct ctr *c)
{
	struct ctr_health *h = &c->health;

	h->restart = false;
	if (!h->cmd)
		return;
	health_stop(c);
	h->status = HEALTH_STARTING;
	h->failing_streak = 0;
	h->run_mono = mono_ns();
	arm(c);
}

void health_stop(struct ctr *c)
{
	struct ctr_health *h = &c->health;

	ev_timer_stop(daemon_ctx.loop, &h->timer);
	if (h->probe)
		exec_probe_cancel(h->probe);
	h->probe = NULL;
}

void health_pause(struct ctr *c)
{
	health_stop(c);
}

void health_resume(struct ctr *c)
{
	arm(c);
}

/* ---- the state file and inspect ---- */

void health_write_json(const struct ctr *c, struct jw *w)
{
	const struct ctr_health *h = &c->health;

	if (!h->cmd && !h->disabled)
		return;
	jw_obj(w, "healthcheck");
	jw_arr(w, "test");
	jw_vstr(w, h->disabled ? "NONE" : "CMD-SHELL");
	if (h->cmd)
		jw_vstr(w, h->cmd);
	jw_end_arr(w);
	if (h->cmd) {
		jw_int(w, "interval_ms", h->interval_ms);
		jw_int(w, "timeout_ms", h->timeout_ms);
		jw_int(w, "start_period_ms", h->start_period_ms);
		jw_int(w, "retries", h->retries);
		jw_str(w, "on_failure", action_names[h->on_failure]);
	}
	jw_end_obj(w);
	if (!h->cmd)
		return;
	jw_obj(w, "health");
	jw_str(w, "status", status_names[h->status]);
	jw_int(w, "failing_streak", h->failing_streak);
	jw_arr(w, "log");
	for (int i = 0; i < h->nlog; i++) {
		jw_obj(w, NULL);
		jw_int(w, "start", h->log[i].start_ns);
		jw_int(w, "end", h->log[i].end_ns);
		jw_int(w, "exit_code", h->log[i].exit_code);
		jw_strn(w, "output", h->log[i].output, h->log[i].output_len);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static long long load_int(yajl_val o, const char *key, long long max)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(o, path, yajl_t_number);

	if (!v || !YAJL_IS_INTEGER(v) || v->u.number.i < 0 ||
	    v->u.number.i > max)
		return 0; /* the default */
	return v->u.number.i;
}

/* The config only (the status starts afresh); a value that is out of
 * range in a hand-edited file falls back to its default. */
void health_load(struct ctr *c, yajl_val t)
{
	const char *path[] = { "healthcheck", NULL }, *tp[] = { "test", NULL },
		   *ap[] = { "on_failure", NULL };
	yajl_val o = yajl_tree_get(t, path, yajl_t_object), test, kind, cmd;
	const char *act;
	struct ctr_health *h = &c->health;

	test = o ? yajl_tree_get(o, tp, yajl_t_array) : NULL;
	if (!test || !YAJL_GET_ARRAY(test)->len)
		return;
	kind = YAJL_GET_ARRAY(test)->values[0];
	cmd = YAJL_GET_ARRAY(test)->len > 1 ? YAJL_GET_ARRAY(test)->values[1]
					    : NULL;
	if (YAJL_IS_STRING(kind) && !strcmp(kind->u.string, "NONE")) {
		h->disabled = true;
		return;
	}
	if (!YAJL_IS_STRING(kind) || strcmp(kind->u.string, "CMD-SHELL") ||
	    !cmd || !YAJL_IS_STRING(cmd) || !*cmd->u.string) {
		log_warn("container %.12s: unusable healthcheck test; none "
			 "kept", c->id);
		return;
	}
	h->cmd = xstrdup(cmd->u.string);
	h->interval_ms = load_int(o, "interval_ms", INT64_MAX / 1000000);
	h->timeout_ms = load_int(o, "timeout_ms", INT64_MAX / 1000000);
	h->start_period_ms = load_int(o, "start_period_ms",
				      INT64_MAX / 1000000);
	h->retries = (int)load_int(o, "retries", RETRIES_MAX);
	act = YAJL_GET_STRING(yajl_tree_get(o, ap, yajl_t_string));
	if (act && action_parse(act) > 0)
		h->on_failure = (enum health_action)action_parse(act);
	set_defaults(h);
}

/* ps: "Up 3 seconds (healthy)", as Docker shows it. */
const char *health_ps_suffix(const struct ctr *c)
{
	switch (c->health.cmd ? c->health.status : HEALTH_NONE) {
	case HEALTH_STARTING:
		return " (health: starting)";
	case HEALTH_HEALTHY:
		return " (healthy)";
	case HEALTH_UNHEALTHY:
		return " (unhealthy)";
	default:
		return "";
	}
}

/* --health-on-failure's word ("none", "kill", "restart"), for inspect. */
const char *health_action_name(const struct ctr *c)
{
	return action_names[c->health.on_failure];
}
