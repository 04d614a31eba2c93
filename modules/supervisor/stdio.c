/* stdio.c - the read ends of a process's stdout and stderr (or its pty
 * master) on the loop, for containers (lifecycle.c) and exec'd processes
 * (exec.c) alike.
 *
 * A struct ctr_pipe lives inside its owner; it owns its fd and watcher
 * from ctr_pipe_watch() to ctr_pipe_close(). Work per wake-up is one read
 * of at most PIPE_READ_MAX bytes: the pipe holds the rest and the writer
 * blocks (back-pressure, nothing dropped); a paused pipe is not read at
 * all. Owns the one read buffer both kinds share. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../core/fdstore.h"
#include "supervisor.h"

#define PIPE_READ_MAX (16 * 1024) /* bytes per pipe per wake-up */

static void on_pipe(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctr_pipe *p = w->data;
	static char buf[PIPE_READ_MAX];
	ssize_t n = read(p->fd, buf, sizeof(buf));

	if (n > 0) {
		p->ops->data(p, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	ctr_pipe_close(p); /* EOF: every writer is gone */
}

int ctr_pipe_watch(struct ctr_pipe *p, int fd, const char *stream,
		   void *owner, const struct ctr_pipe_ops *ops, struct err *e)
{
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		err_set(e, errno, "%s: O_NONBLOCK", stream);
		close(fd);
		return -1;
	}
	p->fd = fd;
	p->stream = stream;
	p->owner = owner;
	p->ops = ops;
	ev_io_init(&p->io, on_pipe, fd, EV_READ);
	p->io.data = p;
	ev_io_start(daemon_ctx.loop, &p->io);
	return 0;
}

void ctr_pipe_close(struct ctr_pipe *p)
{
	if (p->fd < 0)
		return;
	ev_io_stop(daemon_ctx.loop, &p->io);
	close(p->fd);
	p->fd = -1;
	p->ops->eof(p); /* may free the owner, p with it */
}

void ctr_pipe_pause(struct ctr_pipe *p, bool pause)
{
	if (p->fd < 0)
		return;
	if (pause)
		ev_io_stop(daemon_ctx.loop, &p->io);
	else
		ev_io_start(daemon_ctx.loop, &p->io);
}

void ctr_stdin_close(struct ctr *c)
{
	if (c->stdin_fd >= 0) {
		close(c->stdin_fd);
		fdstore_stdin_closed(c->id); /* the container sees EOF */
	}
	c->stdin_fd = -1;
}
