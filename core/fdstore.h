/* fdstore.h - skiffd's side of its keeper (core/keeper.c, DESIGN.md
 * section 4): the fd store and the record of exits that happen while
 * skiffd is away.
 *
 * Everything is a no-op when skiffd runs without a keeper (as init, or
 * started with a keeper that is not installed). Messages to the keeper
 * never block: one that does not fit in the socket is logged and lost
 * (the container then is not crash-safe, nothing else). */
#ifndef SKIFF_FDSTORE_H
#define SKIFF_FDSTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

/* A container the keeper holds, as the keeper told it at start. */
struct fdstore_entry {
	char id[112];
	pid_t pid;
	int status;	  /* a wait status; -1: it still runs */
	int64_t time_ns;  /* the exit's time (status >= 0) */
	int pidfd, out, err, in; /* -1 when not held; the taker's to close */
};

/* At start, before the loop runs: find the keeper's socket (KEEP_ENV,
 * then unset), ask for what it holds and wait (bounded) for the list;
 * the loop then watches the socket for exits the keeper reaps. 0 also
 * when there is no keeper. */
int fdstore_open(struct err *e);
bool fdstore_present(void);
/* The entries listed at start (NULL, 0 without a keeper): the caller
 * takes each one's fds (set them to -1) before fdstore_forget_rest. */
struct fdstore_entry *fdstore_entries(size_t *n);
/* Close the fds of the entries nobody took and tell the keeper to drop
 * those (their containers are gone from the state). */
void fdstore_forget_rest(void);
/* Hold copies of a running container's fds (any may be -1). */
void fdstore_put(const char *id, pid_t pid, int pidfd, int out, int err,
		 int in);
/* skiffd reaped it: the keeper keeps the status until the drop. */
void fdstore_exited(const char *id, int status, int64_t time_ns);
/* Its exit is saved and its output drained: forget it. */
void fdstore_drop(const char *id);
/* The control socket's listening fd the keeper held (the caller's), or
 * -1; path is what it was bound to. Once only. */
int fdstore_take_listener(const char **path);
/* Have the keeper hold the listening fd bound to path (a copy): the
 * next skiffd listens on it with no gap in which a client is refused. */
void fdstore_put_listener(int fd, const char *path);
/* A live upgrade: have the keeper hold an idle control client's
 * connection (a copy) for the next skiffd, which takes each one once. */
void fdstore_put_client(int fd);
int fdstore_take_client(void); /* -1: none left */
/* skiffd closed its stdin on purpose: the keeper's copy goes too. */
void fdstore_stdin_closed(const char *id);
void fdstore_close(void);

#endif
