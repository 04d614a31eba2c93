/* fdpass.h - pass file descriptors over a UNIX socket (SCM_RIGHTS).
 *
 * Used both ways on the control socket: a client sends its stdin with a
 * request (`load < image.tar`), skiffd sends a pty master or pipe ends
 * back (`run -it`, `attach`). Received fds are always O_CLOEXEC. */
#ifndef SKIFF_FDPASS_H
#define SKIFF_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#include "../core/base/err.h"

#define FDPASS_MAX 8

/* Send len bytes of data (at least 1) with nfds descriptors attached. */
int fdpass_send(int sock, const void *data, size_t len, const int *fds,
		int nfds, struct err *e);
/* Receive up to len bytes and up to max fds (*nfds set). Returns the byte
 * count (0 on EOF) or -1. Extra fds beyond max are closed. */
ssize_t fdpass_recv(int sock, void *data, size_t len, int *fds, int max,
		    int *nfds, struct err *e);

#endif
