/* daemon.c - the daemon context and the orderly shutdown (see daemon.h).
 *
 * Owns daemon_ctx and the shutdown sequence: modules stop in reverse start
 * order (each may take time, e.g. to stop containers, and calls done when
 * finished), then the control socket closes and the loop ends. A module
 * that never finishes is cut off after SHUTDOWN_TIMEOUT. */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "ctl.h"
#include "daemon.h"
#include "module.h"

#define SHUTDOWN_TIMEOUT 90.0

static struct {
	ev_timer stop_timer, kick;
	size_t stopping; /* modules still to stop */
	bool loop_done;
} m;

struct daemon daemon_ctx;


int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void stop_done_all(void)
{
	if (m.loop_done)
		return;
	m.loop_done = true;
	ev_timer_stop(daemon_ctx.loop, &m.stop_timer);
	ctl_shutdown();
	ev_break(daemon_ctx.loop, EVBREAK_ALL);
}

/* Modules stop one after another, last started first. */
static void stop_next(void)
{
	while (m.stopping > 0) {
		const struct module *mod = modules[--m.stopping];
		if (mod->stop) {
			log_info("stopping module %s", mod->name);
			mod->stop(stop_next);
			return;
		}
	}
	stop_done_all();
}

static void on_stop_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
	log_err("modules did not stop in %.0fs; exiting anyway",
		SHUTDOWN_TIMEOUT);
	stop_done_all();
}

static void on_kick(struct ev_loop *loop, ev_timer *t, int revents)
{
	m.stopping = modules_count;
	ev_timer_init(&m.stop_timer, on_stop_timeout, SHUTDOWN_TIMEOUT, 0);
	ev_timer_start(loop, &m.stop_timer);
	stop_next();
}

/* Deferred by one loop turn so the `ok` of `shutdown` is sent first. */
void daemon_shutdown(int reason)
{
	if (daemon_ctx.shutting_down)
		return;
	daemon_ctx.shutting_down = true;
	daemon_ctx.shutdown_reason = reason;
	log_info("shutting down%s%s", reason ? " on SIG" : "",
		 reason ? sigabbrev_np(reason) : "");
	bus_publish("daemon", "shutdown", "", NULL);
	ev_timer_init(&m.kick, on_kick, 0, 0);
	ev_timer_start(daemon_ctx.loop, &m.kick);
}


static void on_upgrade(struct ev_loop *loop, ev_timer *t, int revents)
{
	m.loop_done = true;
	ctl_shutdown(); /* the listening socket stays with the keeper */
	ev_break(loop, EVBREAK_ALL);
}

/* Deferred by one loop turn, as a shutdown, so its `ok` is sent first;
 * no module stops (the containers run on), main() exits for the keeper
 * to start skiffd again. */
void daemon_upgrade(void)
{
	if (daemon_ctx.shutting_down)
		return;
	daemon_ctx.shutting_down = true;
	daemon_ctx.upgrading = true;
	log_info("live upgrade: handing over to a new skiffd");
	bus_publish("daemon", "upgrade", "", NULL);
	ev_timer_init(&m.kick, on_upgrade, 0, 0);
	ev_timer_start(daemon_ctx.loop, &m.kick);
}
