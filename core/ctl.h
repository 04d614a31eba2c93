/* ctl.h - the control socket and its clients (DESIGN.md section 3).
 *
 * Owns the listening socket, every client connection, their input and
 * output buffers and the fds they pass. Requests on a connection are
 * parsed and answered strictly in order; a request that is pending (async
 * or streaming) holds the queue until it ends. Output above the high-water
 * mark stops parsing and reading for that client only; above the hard
 * limit the client is dropped. */
#ifndef SKIFF_CTL_H
#define SKIFF_CTL_H

#include <stdbool.h>
#include <sys/socket.h>

#include "../proto/json.h"
#include "base/buf.h"
#include "base/err.h"
#include "cmd.h"

#define CTL_OUT_HIGH (256 * 1024)	 /* stop producing/parsing above */
#define CTL_OUT_HARD (8 * 1024 * 1024) /* drop the client above */
#define CTL_MAX_CLIENTS 1024
#define CTL_MAX_FDS 8 /* fds a client may have queued */

struct ctl_req;

/* Resumable producer of a streaming reply (STYLE.md rule 3). produce() is
 * called while the client's output is under the high-water mark; it
 * appends data lines and returns CTL_MORE (call again when woken) or
 * CTL_DONE (stream over; the status line follows, e holds any error).
 * release() runs exactly once: on done, `cancel` or disconnect. */
enum ctl_produce { CTL_MORE, CTL_DONE, CTL_FAIL };
struct ctl_stream_ops {
	enum ctl_produce (*produce)(struct ctl_req *r, void *ctx,
				    struct err *e);
	void (*release)(void *ctx);
};

int ctl_listen(const char *path, struct err *e);
void ctl_close(void);
/* Stop accepting and drop every client (shutdown). */
void ctl_shutdown(void);

/* Reply helpers, usable by handlers and producers. */
struct buf *ctl_req_out(struct ctl_req *r);
void ctl_req_json(struct ctl_req *r, struct jw *w); /* jw_open on out */
const struct ucred *ctl_req_cred(const struct ctl_req *r);
/* The request's positional words (after the verb and flags). */
int ctl_req_argc(const struct ctl_req *r);
char **ctl_req_argv(const struct ctl_req *r);
/* True while the client's output is under the high-water mark. */
bool ctl_req_room(const struct ctl_req *r);
/* Take the oldest fd the client passed with SCM_RIGHTS (-1 if none). */
int ctl_req_take_fd(struct ctl_req *r);
/* Pass a copy of fd to the client (SCM_RIGHTS), attached to the first
 * byte of the next output appended, i.e. the next data line (DESIGN.md
 * section 3: `{"fd":"tty"}`); the caller keeps fd. At most CTL_MAX_FDS
 * may wait to be sent. */
int ctl_req_pass_fd(struct ctl_req *r, int fd, struct err *e);
/* The client relays its bytes elsewhere (`system dial-stdio` for
 * ssh://): it can take no descriptor, as a tcp:// client cannot. */
void ctl_req_no_fds(struct ctl_req *r);

/* Make req a stream; call from a handler that then returns CMD_PENDING. */
void ctl_req_stream(struct ctl_req *r, const struct ctl_stream_ops *ops,
		    void *ctx);
/* A producer has news: schedule produce() before the loop sleeps. */
void ctl_req_wake(struct ctl_req *r);
/* Wake every stream (e.g. on new bus events). */
void ctl_wake_streams(void);
/* End a pending request: ok when e is NULL or e->class is ERR_OK. Safe
 * after the client left (then it only frees). */
void ctl_req_finish(struct ctl_req *r, const struct err *e);
/* True if the client of a pending request is gone. */
bool ctl_req_orphaned(const struct ctl_req *r);

/* A request skiffd makes of itself: a module driving verbs of another
 * module through the command table (DESIGN.md 1: modules talk through
 * the command table, the event bus and named services), as a client
 * would send them. argv is the request's words, verb first (copied: the
 * caller keeps its own). The request is parsed and run from the loop's
 * prepare, never inside ctl_call() (safe from a bus subscriber), as
 * skiffd itself (admin); it cannot pass or take fds. done runs once,
 * from the loop, with the data lines (NDJSON) the verb wrote and NULL or
 * its error; a streaming verb runs until it ends. */
typedef void ctl_call_done_fn(void *ctx, const struct buf *out,
			      const struct err *e);
int ctl_call(int argc, char *const *argv, ctl_call_done_fn *done, void *ctx);

unsigned ctl_client_count(void);

#endif
