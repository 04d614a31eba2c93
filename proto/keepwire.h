/* keepwire.h - the wire between skiffd and its keeper (DESIGN.md
 * section 4): one fixed-size struct keep_msg per SOCK_SEQPACKET message,
 * with the fds its `fds` bits name attached by SCM_RIGHTS, in bit order.
 *
 *   skiffd -> keeper
 *     KEEP_PUT     a container runs: hold its pidfd and stdio (pid, id)
 *     KEEP_EXITED  skiffd reaped it itself: status, time_ns
 *     KEEP_DROP    its exit is recorded and its output drained: forget it
 *     KEEP_NOIN    skiffd closed the container's stdin: close the copy
 *     KEEP_LISTEN  hold the control socket's listening fd (its path in id)
 *     KEEP_LIST    send every entry held (at skiffd's start)
 *     KEEP_CLIENT  (at a live upgrade) hold an idle control client's
 *                  connection for the next skiffd
 *   keeper -> skiffd
 *     KEEP_ENTRY   one entry (status -1 while it runs), fds attached
 *     KEEP_END     the list is complete
 *     KEEP_EXIT    the keeper reaped an entry's process (status, time_ns)
 *     KEEP_LISTENER  (in a list, before KEEP_END) the listening fd held
 *     KEEP_CLIENT  (in a list, before KEEP_END) a client connection held;
 *                  the keeper's copy is closed once sent
 *
 * Both sides are on one host and one build; the struct is read whole
 * and checked by its size and op. */
#ifndef SKIFF_KEEPWIRE_H
#define SKIFF_KEEPWIRE_H

#include <stdint.h>

/* The environment variable that names skiffd's end of the socket. */
#define KEEP_ENV "SKIFF_KEEPER_FD"
/* skiffd's exit code that asks its keeper to start it again now (a
 * re-exec that could not happen in place). */
#define KEEP_EXIT_RESTART 75

enum keep_op {
	KEEP_PUT = 1,
	KEEP_EXITED,
	KEEP_DROP,
	KEEP_LIST,
	KEEP_ENTRY,
	KEEP_END,
	KEEP_EXIT,
	KEEP_NOIN,
	KEEP_LISTEN,
	KEEP_LISTENER,
	KEEP_CLIENT,
};
/* Idle clients the keeper holds across an upgrade; more are closed. */
#define KEEP_MAX_CLIENTS 64

/* Which fds come with a message, in this order. */
enum {
	KEEP_FD_PIDFD = 1u << 0,
	KEEP_FD_OUT = 1u << 1, /* stdout's read end, or the pty master */
	KEEP_FD_ERR = 1u << 2, /* stderr's read end */
	KEEP_FD_IN = 1u << 3,  /* stdin's write end (-i without -t) */
};
#define KEEP_NFDS 4

struct keep_msg {
	uint32_t op;
	uint32_t fds;
	int32_t pid;
	int32_t status;	 /* a wait status; -1: still running */
	int64_t time_ns; /* the exit's CLOCK_REALTIME */
	char id[112];	 /* NUL-terminated container id, or socket path */
};

#endif
