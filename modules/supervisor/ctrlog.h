/* ctrlog.h - a container's output: its json-file log and the clients
 * attached to it (run without -d, logs -f). */
#ifndef SKIFF_CTRLOG_H
#define SKIFF_CTRLOG_H

#include "supervisor.h"

/* Open (create) the container's log before it starts. */
int ctrlog_open(struct ctr *c, struct err *e);
/* Output read from a pipe: to the log and to attached clients. */
void ctrlog_write(struct ctr *c, const char *stream, const char *buf,
		  size_t len);
/* A pipe reached EOF: flush that stream's partial line. */
void ctrlog_stream_end(struct ctr *c, const char *stream);
/* Delete the log files (rm). */
void ctrlog_remove(struct ctr *c);
struct ctrlog_attach_opts {
	bool exit_code;		 /* end with {"exit_code":N} */
	bool want_stdin;	 /* -i: the client writes the container's stdin */
	const char *detach_keys; /* bytes (ctrlog_detach_keys); NULL: ^P^Q */
};
/* Make r a stream of c's output from now on; with exit_code, it ends
 * with {"exit_code":N} once c has exited and its output is drained. Once
 * c runs, the client gets its pty master (-t) or, with want_stdin, its
 * stdin pipe by SCM_RIGHTS (DESIGN.md section 3). */
int ctrlog_attach(struct ctl_req *r, struct ctr *c,
		  const struct ctrlog_attach_opts *o);
/* c is running: attached clients get their fds (see ctrlog_attach). */
void ctrlog_started(struct ctr *c);
/* Docker's --detach-keys ("ctrl-p,ctrl-q", "a,ctrl-x") as the bytes
 * they send; spec NULL gives the default. */
int ctrlog_detach_keys(const char *spec, char *out, size_t size,
		       struct err *e);
/* Start failed before exec: attached streams end with why. */
void ctrlog_start_failed(struct ctr *c, const struct err *why);
/* The container exited: attached streams may finish. */
void ctrlog_exited(struct ctr *c);


extern const struct command ctrlog_cmd_logs;

#endif
