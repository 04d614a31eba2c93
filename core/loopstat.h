/* loopstat.h - how long the loop's callbacks hold it: `system loop`.
 *
 * Nothing may block the loop (DESIGN.md section 2), but a callback that
 * does too much at once delays every client the same way. loopstat wraps
 * libev's invoke step (ev_set_invoke_pending_cb): each iteration that runs
 * callbacks is timed, in wall time and in the thread's CPU time (which
 * does not count time the scheduler gave to other processes, so a busy
 * machine does not hide or fake a long callback), into two histograms of
 * 25 µs bins up to 10 ms, plus the exact maximum. `system loop` reports
 * the count and the p50/p99/p99.9/max of each; with --reset it starts
 * over. A ping's answer waits at most one iteration, so the CPU p99 is
 * what a client's p99 comes to on a quiet machine. */
#ifndef SKIFF_LOOPSTAT_H
#define SKIFF_LOOPSTAT_H

#include <ev.h>

#include "cmd.h"

void loopstat_install(struct ev_loop *loop);

extern const struct command cmd_system_loop;

#endif
