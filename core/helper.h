/* helper.h - the one way the daemon runs work that blocks: a short-lived
 * helper process (STYLE.md rule 16a).
 *
 * helper_start() forks a child that closes every fd it inherited from
 * skiffd except 0-2 and the ones the caller names (a client socket, the
 * listening socket or a container's stdin held open by a helper would
 * never see EOF), runs the body fn(arg, &err), and sends its result to
 * skiffd as ONE binary frame {class, errno, message} before it exits.
 * The child is watched by its pidfd (core/proc). Bodies are functions
 * in fs/ (or net/) that know nothing of the daemon; the caller decides
 * when and with which options.
 *
 * A helper may also stream progress lines ("unpacked 3") on its stdout:
 * set on_line. on_end runs once the helper has exited, its frame has
 * been read and (with on_line) its stdout has ended. A helper killed or
 * crashed before its frame ends with ERR_INTERNAL "helper killed by
 * SIGKILL"-style results.
 *
 * struct helper is embedded in the caller's object (like an ev_io); set
 * on_line/on_end/owner, then helper_start(). */
#ifndef SKIFF_HELPER_H
#define SKIFF_HELPER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "proc.h"

struct helper {
	/* set by the caller */
	void (*on_line)(struct helper *h, char *line); /* NULL: no stream */
	void (*on_end)(struct helper *h, const struct err *result);
	void *owner;
	/* read-only for the caller */
	struct proc *proc; /* NULL once exited (or killed) */
	bool exited;
	int status; /* shell exit status once exited */
	/* private */
	int res_fd, line_fd;
	ev_io io;
	struct buf out;
	bool eof;
	struct err result;
};

/* What the helper keeps besides 0-2: in_fd becomes its stdin (or -1:
 * skiffd's stays, /dev/null when daemonized), keep[] stay open with
 * their numbers. */
struct helper_fds {
	int in_fd;
	const int *keep;
	int nkeep;
};

/* The body, run in the helper: 0, or -1 with e set. */
typedef int (*helper_fn)(void *arg, struct err *e);

/* The frame on the wire is core/base/err.h's struct err_frame. */

/* A helper not started yet: nothing to close or kill (a zeroed struct
 * would name fd 0). helper_start() does this itself. */
void helper_init(struct helper *h);
/* Fork fn(arg) as a helper (fds: NULL keeps nothing but 0-2). */
int helper_start(struct helper *h, helper_fn fn, void *arg,
		 const struct helper_fds *fds, struct err *e);
/* SIGKILL it (if running) and forget it: on_end is not called. */
void helper_kill(struct helper *h);
/* Release the stream's fd and buffer (on_end may call it; kill does). */
void helper_close(struct helper *h);
/* Fire and forget: a helper whose failure is only logged ("what: msg"). */
int helper_run_logged(helper_fn fn, void *arg, void (*free_arg)(void *),
		      const char *what, struct err *e);

#endif
