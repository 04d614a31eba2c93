/* Unit tests: the healthcheck flags (health_parse), the config's round
 * trip through the state file's JSON (health_write_json / health_load,
 * hand-edited values included), and the state machine's failure side
 * driven on a real loop: a container that is marked running but has no
 * process, so every probe fails at once (exit -1) without a kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../modules/supervisor/supervisor.h"

static int setup(void **s)
{
	daemon_ctx.loop = ev_loop_new(EVFLAG_NOSIGMASK);
	return 0;
}

static int teardown(void **s)
{
	ev_loop_destroy(daemon_ctx.loop);
	return 0;
}

static void test_defaults(void **s)
{
	struct health_opts o = { .cmd = "curl -f localhost" };
	struct ctr_health h;
	struct err e = ERR_INIT;

	assert_int_equal(health_parse(&h, &o, &e), 0);
	assert_string_equal(h.cmd, "curl -f localhost");
	assert_int_equal(h.interval_ms, 30000);
	assert_int_equal(h.timeout_ms, 30000);
	assert_int_equal(h.start_period_ms, 0);
	assert_int_equal(h.retries, 3);
	assert_int_equal(h.on_failure, HEALTH_ACT_NONE);
	assert_int_equal(h.status, HEALTH_STARTING);
	free(h.cmd);

	o = (struct health_opts){ .cmd = "x", .interval_ms = 250,
				  .timeout_ms = 1500, .start_period_ms = 7,
				  .retries = 9, .on_failure = "restart" };
	assert_int_equal(health_parse(&h, &o, &e), 0);
	assert_int_equal(h.interval_ms, 250);
	assert_int_equal(h.timeout_ms, 1500);
	assert_int_equal(h.start_period_ms, 7);
	assert_int_equal(h.retries, 9);
	assert_int_equal(h.on_failure, HEALTH_ACT_RESTART);
	free(h.cmd);

	o = (struct health_opts){ 0 };
	assert_int_equal(health_parse(&h, &o, &e), 0);
	assert_null(h.cmd);
	assert_false(h.disabled);
	o.none = true;
	assert_int_equal(health_parse(&h, &o, &e), 0);
	assert_null(h.cmd);
	assert_true(h.disabled);
}

static void test_rejects(void **s)
{
	static const struct {
		struct health_opts o;
		const char *msg;
	} bad[] = {
		{ { .cmd = "" }, "--health-cmd is empty" },
		{ { .cmd = " \t\n" }, "--health-cmd is empty" },
		{ { .cmd = "x", .retries = -1 }, "invalid --health-retries -1" },
		{ { .cmd = "x", .retries = 2000000 }, "--health-retries 2000000" },
		{ { .cmd = "x", .on_failure = "stop" },
		  "invalid --health-on-failure \"stop\"" },
		{ { .cmd = "x", .on_failure = "" }, "--health-on-failure" },
		{ { .interval_ms = 5 }, "need --health-cmd" },
		{ { .retries = 1 }, "need --health-cmd" },
		{ { .on_failure = "kill" }, "need --health-cmd" },
		{ { .none = true, .cmd = "x" }, "--no-healthcheck conflicts" },
		{ { .none = true, .timeout_ms = 1 },
		  "--no-healthcheck conflicts" },
	};
	struct ctr_health h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = ERR_INIT;
		assert_int_equal(health_parse(&h, &bad[i].o, &e), -1);
		assert_int_equal(e.class, ERR_INVALID);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg,
				 bad[i].msg);
	}
}

static struct ctr *fake_ctr(const struct health_opts *o)
{
	struct ctr *c = calloc(1, sizeof(*c));
	struct err e = ERR_INIT;

	assert_non_null(c);
	memset(c->id, 'a', CTR_ID_LEN);
	c->name = strdup("fake");
	assert_int_equal(health_parse(&c->health, o, &e), 0);
	return c;
}

static void free_ctr(struct ctr *c)
{
	health_stop(c);
	health_free(c);
	free(c->name);
	free(c);
}

/* Write the config as the state file does, load it into a new ctr. */
static struct ctr *round_trip(struct ctr *c, const char *edit_from,
			      const char *edit_to)
{
	struct buf b = { 0 };
	struct jw w;
	char ebuf[128], *p;
	yajl_val t;
	struct ctr *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	jw_open(&w, &b);
	health_write_json(c, &w);
	jw_close(&w);
	buf_append(&b, "", 1);
	if (edit_from) {
		p = strstr(b.data, edit_from);
		assert_non_null(p);
		memcpy(p, edit_to, strlen(edit_to)); /* same length */
	}
	t = yajl_tree_parse(b.data, ebuf, sizeof(ebuf));
	assert_non_null(t);
	d->name = strdup("loaded");
	health_load(d, t);
	yajl_tree_free(t);
	buf_free(&b);
	return d;
}

static void test_state_file(void **s)
{
	struct health_opts o = { .cmd = "test -f \"/tmp/a b\"",
				 .interval_ms = 1234, .timeout_ms = 55,
				 .start_period_ms = 66, .retries = 7,
				 .on_failure = "kill" };
	struct ctr *c = fake_ctr(&o), *d;

	d = round_trip(c, NULL, NULL);
	assert_string_equal(d->health.cmd, c->health.cmd);
	assert_int_equal(d->health.interval_ms, 1234);
	assert_int_equal(d->health.timeout_ms, 55);
	assert_int_equal(d->health.start_period_ms, 66);
	assert_int_equal(d->health.retries, 7);
	assert_int_equal(d->health.on_failure, HEALTH_ACT_KILL);
	assert_int_equal(d->health.status, HEALTH_STARTING);
	free_ctr(d);
	/* Hand-edited: out of range or of the wrong type -> defaults. */
	d = round_trip(c, "\"interval_ms\":1234", "\"interval_ms\":-123");
	assert_int_equal(d->health.interval_ms, 30000);
	free_ctr(d);
	d = round_trip(c, "\"timeout_ms\":55", "\"timeout_ms\":\"\"");
	assert_int_equal(d->health.timeout_ms, 30000);
	free_ctr(d);
	d = round_trip(c, "\"retries\":7", "\"retries\":0");
	assert_int_equal(d->health.retries, 3);
	free_ctr(d);
	d = round_trip(c, "\"on_failure\":\"kill\"", "\"on_failure\":\"kilt\"");
	assert_int_equal(d->health.on_failure, HEALTH_ACT_NONE);
	free_ctr(d);
	d = round_trip(c, "\"CMD-SHELL\"", "\"CMD-SHALL\"");
	assert_null(d->health.cmd);
	assert_string_equal(health_status_name(d), "none");
	free_ctr(d);
	free_ctr(c);

	o = (struct health_opts){ .none = true };
	c = fake_ctr(&o);
	d = round_trip(c, NULL, NULL);
	assert_true(d->health.disabled);
	assert_null(d->health.cmd);
	free_ctr(d);
	free_ctr(c);
}

/* Run the loop until c has n results in its log (or 2 s pass). */
static void run_until(struct ctr *c, int n)
{
	int64_t until = mono_ns() + 2000000000LL;

	while (c->health.nlog < n && mono_ns() < until)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
}

static void run_until_streak(struct ctr *c, int n)
{
	int64_t until = mono_ns() + 2000000000LL;

	while (c->health.failing_streak < n && mono_ns() < until)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
}

static void test_failures(void **s)
{
	struct health_opts o = { .cmd = "true", .interval_ms = 1,
				 .retries = 3 };
	struct ctr *c = fake_ctr(&o);
	uint64_t seq0 = bus_last_seq();

	c->state = CTR_RUNNING; /* but no process: every probe fails */
	health_start(c);
	run_until(c, 2);
	assert_int_equal(c->health.nlog, 2);
	assert_int_equal(c->health.failing_streak, 2);
	assert_string_equal(health_status_name(c), "starting");
	assert_int_equal(c->health.log[0].exit_code, -1);
	assert_non_null(strstr(c->health.log[0].output, "not running"));
	assert_true(c->health.log[0].start_ns <= c->health.log[0].end_ns);
	assert_int_equal(bus_last_seq(), seq0); /* no change, no event */
	run_until(c, 3);
	assert_string_equal(health_status_name(c), "unhealthy");
	assert_int_equal(bus_last_seq(), seq0 + 1);
	assert_string_equal(bus_get(seq0 + 1)->action,
			    "health_status: unhealthy");
	run_until_streak(c, 7); /* keeps probing; the log keeps the last 5 */
	assert_int_equal(c->health.nlog, HEALTH_LOG_MAX);
	assert_int_equal(c->health.failing_streak, 5 + 2);
	assert_int_equal(bus_last_seq(), seq0 + 1);

	/* A pause stops the probes; a start resets the status. */
	health_pause(c);
	assert_false(ev_is_active(&c->health.timer));
	health_start(c);
	assert_string_equal(health_status_name(c), "starting");
	assert_int_equal(c->health.failing_streak, 0);
	assert_true(ev_is_active(&c->health.timer));
	c->state = CTR_EXITED;
	health_stop(c);
	assert_false(ev_is_active(&c->health.timer));
	free_ctr(c);
}

static void test_start_period(void **s)
{
	struct health_opts o = { .cmd = "true", .interval_ms = 1,
				 .retries = 1, .start_period_ms = 3600000 };
	struct ctr *c = fake_ctr(&o);

	c->state = CTR_RUNNING;
	health_start(c);
	run_until(c, 4);
	assert_int_equal(c->health.nlog, 4);
	assert_int_equal(c->health.failing_streak, 0);
	assert_string_equal(health_status_name(c), "starting");
	free_ctr(c);

	o.start_period_ms = 0;
	c = fake_ctr(&o);
	c->state = CTR_RUNNING;
	health_start(c);
	run_until(c, 1);
	assert_string_equal(health_status_name(c), "unhealthy");
	free_ctr(c);
}

/* A paused or stopping container is not probed: the timer is not armed
 * and a timer that fires then does nothing. */
static void test_not_running(void **s)
{
	struct health_opts o = { .cmd = "true", .interval_ms = 1 };
	struct ctr *c = fake_ctr(&o);

	c->state = CTR_PAUSED;
	health_start(c);
	assert_false(ev_is_active(&c->health.timer));
	c->state = CTR_RUNNING;
	health_resume(c);
	assert_true(ev_is_active(&c->health.timer));
	c->state = CTR_STOPPING;
	for (int i = 0; i < 5; i++)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	assert_int_equal(c->health.nlog, 0);
	free_ctr(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_start_period),
		cmocka_unit_test(test_not_running),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
