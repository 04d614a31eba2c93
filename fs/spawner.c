/* spawner.c - the spawner process and its wire (see spawner.h).
 *
 * spawner_main() owns its socket (moved to fd 3), one receive buffer of
 * SPAWNER_REQ_MAX bytes (touched only as far as requests reach) and, for
 * one request at a time, the parsed spec and the fds that came with it.
 * A cloned child is handed over whole: its pidfd and sync socket go to
 * the parent and nothing of it stays here. The parent's side (send,
 * recv) keeps nothing between calls. */
#include "spawner.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/log.h"
#include "../proto/fdpass.h"

#define SPAWNER_FD 3

/* ---- the parent's side ---- */

int spawner_socketpair(int sv[2], struct err *e)
{
	int size = (int)SPAWNER_REQ_MAX + 4096;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, errno, "socketpair");
	/* A request is one message, so the sender's buffer bounds it;
	 * without CAP_NET_ADMIN the default (~208 KiB) still fits any
	 * ordinary spec. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &size,
		       sizeof(size)) < 0)
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size,
				 sizeof(size));
	return 0;
}

int spawner_send(int sock, uint64_t id, const struct spawn_opts *o,
		 const char *spec_text, const struct spawner_cgroup *cg,
		 struct err *e)
{
	const struct seccomp_bpf *b = o->seccomp_bpf;
	struct spawner_req h = {.id = id};

	if (cg)
		h.cg = *cg;
	struct iovec iov[5] = {
	    {&h, sizeof(h)},
	    {(void *)spec_text, strlen(spec_text)},
	    {(void *)o->rootfs, strlen(o->rootfs)},
	    {(void *)o->state_dir, strlen(o->state_dir)},
	    {b ? b->insns : NULL, b ? b->len * sizeof(*b->insns) : 0},
	};
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 5};
	int fds[3], n = 0;

	for (int i = 0; i < 4; i++)
		h.len[i] = (uint32_t)iov[i + 1].iov_len;
	for (int i = 0; i < 3; i++)
		if (o->stdio[i] >= 0) {
			h.stdio |= 1u << i;
			fds[n++] = o->stdio[i];
		}
	if (n)
		fdpass_attach(&mh, c.buf, fds, n);
	if (sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	if (errno == EAGAIN)
		return 1;
	if (errno == EMSGSIZE)
		return err_setc(e, ERR_TOO_LARGE, "spawner: request too large");
	return err_set(e, errno, "spawner: send");
}

/* Close every fd that came with a message. */
static void spawner_close_fds(struct msghdr *mh)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(mh); h; h = CMSG_NXTHDR(mh, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0;
			     i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
				close(((int *)CMSG_DATA(h))[i]);
}

/* The fds of a message: exactly want of them in one SCM_RIGHTS. */
static int spawner_fds(struct msghdr *mh, int *fds, int want)
{
	struct cmsghdr *h = CMSG_FIRSTHDR(mh);

	if (!want)
		return h ? -1 : 0;
	if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
	    h->cmsg_len != CMSG_LEN(want * sizeof(int)) ||
	    CMSG_NXTHDR(mh, h) || (mh->msg_flags & MSG_CTRUNC))
		return -1;
	memcpy(fds, CMSG_DATA(h), want * sizeof(int));
	return 0;
}

int spawner_recv(int sock, uint64_t *id, struct spawn **out, struct err *e)
{
	struct spawner_reply r;
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = {&r, sizeof(r)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf)};
	ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	int fds[2];

	*out = NULL;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n < 0)
		return err_set(e, errno, "spawner: receive");
	if (n == 0)
		return err_setc(e, ERR_INTERNAL, "spawner: gone");
	if ((size_t)n < SPAWNER_REPLY_HDR ||
	    (r.pid > 0 && (size_t)n != SPAWNER_REPLY_HDR) ||
	    spawner_fds(&mh, fds, r.pid > 0 ? 2 : 0) < 0 ||
	    (r.pid <= 0 &&
	     err_frame_get(r.frame, (size_t)n - SPAWNER_REPLY_HDR, e) < 0)) {
		spawner_close_fds(&mh);
		return err_setc(e, ERR_INTERNAL, "spawner: bad reply");
	}
	*id = r.id;
	if (r.pid > 0) {
		*out = spawn_adopt(r.pid, fds[0], fds[1]);
		return 0;
	}
	return 0; /* e has its failure */
}

/* ---- the spawner ---- */

/* One request's parts, pointing into the receive buffer. */
struct spawner_job {
	struct spawner_req h;
	const char *part[4];
	int fds[3];
	int nfds;
};

static int spawner_parse(const char *buf, size_t n, struct msghdr *mh,
			 struct spawner_job *j, struct err *e)
{
	size_t off = sizeof(j->h), total = sizeof(j->h);

	if (n < sizeof(j->h))
		return err_setc(e, ERR_INVALID, "spawner: short request");
	memcpy(&j->h, buf, sizeof(j->h));
	for (int i = 0; i < 4; i++)
		total += j->h.len[i];
	j->nfds = __builtin_popcount(j->h.stdio & 7u);
	if (total != n || (j->h.stdio & ~7u) ||
	    !memchr(j->h.cg.path, 0, sizeof(j->h.cg.path)) ||
	    j->h.len[3] % sizeof(struct sock_filter) ||
	    j->h.len[3] / sizeof(struct sock_filter) > BPF_MAXINSNS ||
	    spawner_fds(mh, j->fds, j->nfds) < 0)
		return err_setc(e, ERR_INVALID, "spawner: bad request");
	for (int i = 0; i < 4; i++) {
		j->part[i] = buf + off;
		off += j->h.len[i];
	}
	return 0;
}

/* Clone the container the job describes, as its requester's child. */
static int spawner_clone(const struct spawner_job *j,
			 const struct oci_spec *spec, struct spawn **sp,
			 struct err *e)
{
	_cleanup_free_ char *rootfs = strndup(j->part[1], j->h.len[1]);
	_cleanup_free_ char *state = strndup(j->part[2], j->h.len[2]);
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct seccomp_bpf bpf = {0};
	struct spawn_opts o = {.rootfs = rootfs,
			       .state_dir = state,
			       .stdio = {-1, -1, -1},
			       .clone_parent = true};
	int k = 0;

	if (!rootfs || !state)
		return err_set(e, ENOMEM, "spawner");
	for (int i = 0; i < 3; i++)
		if (j->h.stdio & (1u << i))
			o.stdio[i] = j->fds[k++];
	if (j->h.len[3]) {
		if (!(insns = malloc(j->h.len[3])))
			return err_set(e, ENOMEM, "spawner");
		memcpy(insns, j->part[3], j->h.len[3]);
		bpf.insns = insns;
		bpf.len = (unsigned short)(j->h.len[3] / sizeof(*insns));
		o.seccomp_bpf = &bpf;
	}
	o.spec = spec;
	return spawn_create(&o, sp, e);
}

/* The job's cgroup, made anew: one left by a crash under the same path
 * is destroyed first (ERR_CONFLICT from create). */
static struct cgroup *spawner_cgroup(const struct cgroup_sys *sys,
				     const struct spawner_cgroup *c,
				     struct err *e)
{
	struct err ignore = ERR_INIT;
	struct cgroup *cg;

	if (!sys) {
		err_setc(e, ERR_INVALID, "spawner: no cgroups here");
		return NULL;
	}
	cg = cgroup_create(sys, c->path, &c->limits, e);
	if (cg || e->class != ERR_CONFLICT)
		return cg;
	if ((cg = cgroup_open(sys, c->path, &ignore)) != NULL &&
	    cgroup_destroy(cg, &ignore) == 0) {
		cgroup_free(cg);
		err_clear(e);
		return cgroup_create(sys, c->path, &c->limits, e);
	}
	cgroup_free(cg);
	return NULL;
}

/* Make the cgroup, clone, move the child in; a child that can't be moved
 * is killed (spawn_free) and its cgroup left to the requester, who
 * destroys it once the child is gone. */
static int spawner_start(const struct cgroup_sys *sys,
			 const struct spawner_job *j, struct spawn **sp,
			 struct err *e)
{
	struct cgroup *cg = NULL;
	struct oci_spec *spec = NULL;
	int r = -1;

	if (ocispec_parse(j->part[0], j->h.len[0], &spec, e) < 0)
		return err_wrap(e, "config.json");
	if (j->h.cg.path[0] && !(cg = spawner_cgroup(sys, &j->h.cg, e)))
		goto out;
	if (!cg || cgroup_dev_apply(cg, spec->devrules, spec->n_devrules,
				    e) == 0)
		r = spawner_clone(j, spec, sp, e);
	if (r == 0 && cg && cgroup_enter(cg, (*sp)->pid, e) < 0) {
		spawn_free(steal_ptr(sp));
		r = -1;
	} else if (r < 0 && cg) {
		cgroup_destroy(cg, &(struct err)ERR_INIT); /* nothing in it */
	}
	cgroup_free(cg);
out:
	ocispec_free(spec);
	return r;
}

static int spawner_reply(const struct spawner_job *j, struct spawn *sp,
			 const struct err *e)
{
	struct spawner_reply r = {.id = j->h.id};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = {&r, SPAWNER_REPLY_HDR};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[2];

	if (sp) {
		r.pid = sp->pid;
		fds[0] = sp->pidfd;
		fds[1] = sp->sync_fd;
		fdpass_attach(&mh, c.buf, fds, 2);
	} else {
		iov.iov_len += err_frame_put(e, r.frame);
	}
	while (sendmsg(SPAWNER_FD, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* One request: parse, clone, reply; -1 when the reply can't be sent.
 * The child is the requester's now: our copies of its fds close (once
 * stolen, spawn_free kills nothing); a reply that can't be sent kills it
 * instead. */
static int spawner_serve(const struct cgroup_sys *sys, const char *buf,
			 size_t n, struct msghdr *mh)
{
	struct spawner_job j = {.h.id = 0};
	struct err e = ERR_INIT;
	struct spawn *sp = NULL;
	int r;

	if (mh->msg_flags & MSG_TRUNC)
		err_setc(&e, ERR_TOO_LARGE, "spawner: request too large");
	else if (spawner_parse(buf, n, mh, &j, &e) == 0)
		spawner_start(sys, &j, &sp, &e);
	spawner_close_fds(mh); /* the child has its own copies */
	r = spawner_reply(&j, sp, &e);
	if (r == 0 && sp) {
		close(steal_fd(&sp->pidfd));
		close(steal_fd(&sp->sync_fd));
	}
	spawn_free(sp);
	return r;
}

int spawner_main(int sock, const struct cgroup_sys *cgroups)
{
	_cleanup_free_ char *buf = malloc(SPAWNER_REQ_MAX);
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	/* Hold nothing of the parent's: the fewer fds and the less memory
	 * here, the cheaper each clone; and no client or pipe of the
	 * parent's is kept open by us. */
	if (!buf || (sock != SPAWNER_FD &&
		     dup3(sock, SPAWNER_FD, O_CLOEXEC) < 0) ||
	    close_range(SPAWNER_FD + 1, ~0U, 0) < 0)
		return -1;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    prctl(PR_SET_NAME, "skiff-spawner") < 0)
		return -1;
	for (;;) {
		iov = (struct iovec){buf, SPAWNER_REQ_MAX};
		mh = (struct msghdr){.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = c.buf,
				     .msg_controllen = sizeof(c.buf)};
		n = recvmsg(SPAWNER_FD, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		if (spawner_serve(cgroups, buf, (size_t)n, &mh) < 0)
			return -1;
	}
}
