/* fdpass.c - SCM_RIGHTS helpers (see fdpass.h). No state. */
#include "fdpass.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fdpass_send(int sock, const void *data, size_t len, const int *fds,
		int nfds, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { (void *)data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds < 0 || nfds > FDPASS_MAX || len == 0)
		return err_setc(e, ERR_INVALID, "fdpass: %d fds with %zu bytes",
				nfds, len);
	if (nfds)
		fdpass_attach(&m, cbuf.buf, fds, nfds);
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, errno, "fdpass: sendmsg");
	return (int)n;
}

ssize_t fdpass_recv(int sock, void *data, size_t len, int *fds, int max,
		    int *nfds, struct err *e)
{
	char cbuf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
	struct iovec iov = { data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, errno, "fdpass: recvmsg");
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h;
	     h = CMSG_NXTHDR(&m, h)) {
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[FDPASS_MAX * 2];
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		if (k > FDPASS_MAX * 2)
			k = FDPASS_MAX * 2;
		memcpy(got, CMSG_DATA(h), k * sizeof(int));
		for (size_t i = 0; i < k; i++) {
			if (*nfds < max)
				fds[(*nfds)++] = got[i];
			else
				close(got[i]);
		}
	}
	if (m.msg_flags & MSG_CTRUNC)
		return err_setc(e, ERR_TOO_LARGE, "fdpass: too many fds sent"),
		       -1;
	return n;
}
