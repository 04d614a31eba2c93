/* fdpass.h - pass file descriptors over a UNIX socket (SCM_RIGHTS).
 *
 * Used both ways on the control socket: a client sends its stdin with a
 * request (`load < image.tar`), skiffd sends a pty master or pipe ends
 * back (`run -it`, `attach`). Received fds are always O_CLOEXEC. */
#ifndef SKIFF_FDPASS_H
#define SKIFF_FDPASS_H

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../core/base/err.h"

#define FDPASS_MAX 8

/* Attach n (> 0) fds to mh as its one SCM_RIGHTS message, built in cbuf:
 * at least CMSG_SPACE(n * sizeof(int)) bytes aligned for a cmsghdr (a
 * union with one). Inline, so the keeper, linked to libc alone, shares
 * it. */
static inline void fdpass_attach(struct msghdr *mh, void *cbuf,
				 const int *fds, int n)
{
	struct cmsghdr *h;
	size_t len = sizeof(int) * (size_t)n;

	memset(cbuf, 0, CMSG_SPACE(len));
	mh->msg_control = cbuf;
	mh->msg_controllen = CMSG_SPACE(len);
	h = CMSG_FIRSTHDR(mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(h), fds, len);
}

/* Send len bytes of data (at least 1) with nfds descriptors attached. */
int fdpass_send(int sock, const void *data, size_t len, const int *fds,
		int nfds, struct err *e);
/* Receive up to len bytes and up to max fds (*nfds set). Returns the byte
 * count (0 on EOF) or -1. Extra fds beyond max are closed. */
ssize_t fdpass_recv(int sock, void *data, size_t len, int *fds, int max,
		    int *nfds, struct err *e);

#endif
