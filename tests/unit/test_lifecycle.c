/* test_lifecycle.c - the container state x event table
 * (modules/supervisor/lifecycle.c): every pair either has an action or
 * is refused with an error that names the container and leaves its state
 * as it was; the refusals people see keep their words; transitions that
 * need no kernel are driven for real; and nothing but lifecycle.c writes
 * a container's state. */
#include <dirent.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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
	daemon_ctx.loop = NULL;
	return 0;
}

/* A container with no process, cgroup or pipes, put in state st the
 * way only a test may. */
static struct ctr *mk(enum ctr_state st)
{
	struct err e = ERR_INIT;
	struct ctr *c = ctr_new("t", &e);

	assert_non_null(c);
	c->state = st;
	return c;
}

static void drop(struct ctr *c)
{
	ctr_unlink(c);
	ctr_free(c);
}

/* Each refused pair: -1, a conflict, the container's name in the words,
 * the state untouched. */
static void test_refusals(void **s)
{
	unsigned refused = 0;

	for (int st = 0; st < CTR_NSTATES; st++)
		for (int ev = 0; ev < EV_N; ev++) {
			struct err e = ERR_INIT;
			struct ctr *c;
			if (ctr_event_allowed(st, ev))
				continue;
			c = mk(st);
			assert_int_equal(ctr_event(c, ev, NULL, &e), -1);
			assert_int_equal(e.class, ERR_CONFLICT);
			if (!strstr(e.msg, " t ") && !strstr(e.msg, " t:"))
				fail_msg("%s in state %d: \"%s\" does not name "
					 "the container", ctr_event_name(ev), st,
					 e.msg);
			assert_int_equal(c->state, st);
			drop(c);
			refused++;
		}
	assert_true(refused > 0);
}

/* Every state answers a stop and has a way out; every event is taken in
 * some state (no dead row or column). */
static void test_shape(void **s)
{
	for (int st = 0; st < CTR_NSTATES; st++) {
		int out = 0;
		assert_true(ctr_event_allowed(st, EV_STOP));
		for (int ev = 0; ev < EV_N; ev++)
			out += ctr_event_allowed(st, ev);
		assert_true(out >= 2);
	}
	for (int ev = 0; ev < EV_N; ev++) {
		int in = 0;
		for (int st = 0; st < CTR_NSTATES; st++)
			in += ctr_event_allowed(st, ev);
		assert_true(in >= 1);
		assert_string_not_equal(ctr_event_name(ev), "?");
	}
	/* the rules the commands rely on */
	assert_false(ctr_event_allowed(CTR_RUNNING, EV_START));
	assert_false(ctr_event_allowed(CTR_RUNNING, EV_REMOVE));
	assert_false(ctr_event_allowed(CTR_STARTING, EV_REMOVE));
	assert_false(ctr_event_allowed(CTR_REMOVING, EV_START));
	assert_true(ctr_event_allowed(CTR_RESTARTING, EV_START));
	assert_true(ctr_event_allowed(CTR_PAUSED, EV_KILL));
	/* a dead container (its state lost) is only removed */
	assert_true(ctr_event_allowed(CTR_DEAD, EV_REMOVE));
	assert_false(ctr_event_allowed(CTR_DEAD, EV_START));
	assert_false(ctr_event_allowed(CTR_DEAD, EV_KILL));
}

static void refused_with(enum ctr_state st, enum ctr_event ev,
			 const char *msg)
{
	struct ctr *c = mk(st);
	struct err e = ERR_INIT;

	assert_int_equal(ctr_event(c, ev, NULL, &e), -1);
	assert_string_equal(e.msg, msg);
	assert_int_equal(c->state, st);
	drop(c);
}

/* The words clients have always read. */
static void test_words(void **s)
{
	refused_with(CTR_RUNNING, EV_START, "container t is running");
	refused_with(CTR_STOPPING, EV_START, "container t is running");
	refused_with(CTR_RUNNING, EV_REMOVE,
		     "container t is running: stop it first or use -f");
	refused_with(CTR_PAUSED, EV_REMOVE,
		     "container t is paused: stop it first or use -f");
	refused_with(CTR_REMOVING, EV_REMOVE,
		     "removal of t is already in progress");
	refused_with(CTR_EXITED, EV_KILL, "container t is not running");
	refused_with(CTR_DEAD, EV_START, "container t is dead");
	refused_with(CTR_CREATED, EV_PAUSE, "container t is not running");
	refused_with(CTR_PAUSED, EV_PAUSE, "container t is already paused");
	refused_with(CTR_RUNNING, EV_UNPAUSE, "container t is not paused");
	refused_with(CTR_EXITED, EV_UNPAUSE, "container t is not running");
	/* running without a process (cannot happen but for a test): the
	 * action itself says so */
	refused_with(CTR_RUNNING, EV_KILL, "container t is not running");
}

/* Transitions that need no process, cgroup or store. */
static void test_transitions(void **s)
{
	struct ctr *c = mk(CTR_CREATED);
	struct err e = ERR_INIT;

	assert_int_equal(ctr_event(c, EV_STOP, NULL, &e), 1);
	assert_int_equal(c->state, CTR_CREATED);
	c->state = CTR_EXITED;
	assert_int_equal(ctr_event(c, EV_STOP, NULL, &e), 1);
	assert_int_equal(c->state, CTR_EXITED);
	c->state = CTR_RESTARTING; /* its policy's timer would run */
	assert_int_equal(ctr_event(c, EV_STOP, NULL, &e), 1);
	assert_int_equal(c->state, CTR_EXITED);
	assert_string_equal(ctr_state_name(c), "exited");
	c->state = CTR_PAUSED;
	assert_string_equal(ctr_state_name(c), "paused");
	c->state = CTR_STOPPING;
	assert_string_equal(ctr_state_name(c), "running");
	drop(c);
}

/* An assignment to ->state (not a comparison) in this line. */
static bool writes_state(const char *line)
{
	for (const char *p = line; (p = strstr(p, "->state")); p++) {
		const char *q = p + strlen("->state");
		while (*q == ' ' || *q == '\t')
			q++;
		if (q[0] == '=' && q[1] != '=')
			return true;
	}
	return false;
}

/* "->state =" outside lifecycle.c's enter() is a state written behind
 * the table's back. */
static void test_one_writer(void **s)
{
	const char *dir = "modules/supervisor";
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned writers = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], line[1024];
		FILE *f;
		size_t n = strlen(de->d_name);
		if (n < 3 || strcmp(de->d_name + n - 2, ".c"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		assert_non_null(f);
		for (unsigned ln = 1; fgets(line, sizeof(line), f); ln++) {
			if (!writes_state(line))
				continue;
			if (!strcmp(de->d_name, "lifecycle.c") &&
			    strstr(line, "c->state = s;")) {
				writers++;
				continue;
			}
			fail_msg("%s:%u writes a container's state: %s", path,
				 ln, line);
		}
		fclose(f);
	}
	closedir(d);
	assert_int_equal(writers, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_one_writer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
