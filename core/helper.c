/* helper.c - helper processes and their result frame (see helper.h).
 *
 * Owns, per running helper: its struct proc (pidfd), the read end of the
 * result pipe (read once, after the exit: the frame was written before
 * it, in one write below PIPE_BUF, so it is whole and the read does not
 * block) and, with a line stream, the read end of its stdout (watched,
 * non-blocking) with the buffer of a partial line. */
#include "helper.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "daemon.h"

#define HELPER_LINE_MAX 4096 /* a progress line is short */

/* ---- in the helper ---- */

struct helper_child {
	helper_fn fn;
	void *arg;
	const struct helper_fds *fds;
	int res_fd;  /* result pipe's write end */
	int line_fd; /* stdout's pipe, or -1 */
};

static int helper_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close every fd from 3 up except keep[]: close_range over the gaps. */
static int helper_close_fds(int *keep, int n)
{
	unsigned from = 3;

	qsort(keep, (size_t)n, sizeof(int), helper_cmp_int);
	for (int i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from &&
		    close_range(from, (unsigned)keep[i] - 1, 0) < 0)
			return -1;
		from = (unsigned)keep[i] + 1;
	}
	return close_range(from, ~0U, 0);
}

static void helper_send(int fd, const struct err *e)
{
	char frame[ERR_FRAME_MAX];
	ssize_t n = write(fd, frame, err_frame_put(e, frame)); /* < PIPE_BUF */

	(void)n; /* skiffd gone: nobody to tell */
}

/* An fd of ours that is 0, 1 or 2 (skiffd started with those closed)
 * moves above them before they are replaced. */
static int helper_above_stdio(int fd)
{
	return fd >= 0 && fd < 3 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : fd;
}

/* Set up the fds, run the body, send its frame. */
static int helper_main(void *arg)
{
	struct helper_child *c = arg;
	const struct helper_fds *f = c->fds;
	int nkeep = f ? f->nkeep : 0, keep[nkeep + 1];
	int in_fd = helper_above_stdio(f ? f->in_fd : -1);
	struct err e = ERR_INIT;

	c->res_fd = helper_above_stdio(c->res_fd);
	c->line_fd = helper_above_stdio(c->line_fd);
	if (c->res_fd < 0 || (in_fd >= 0 && dup2(in_fd, 0) < 0) ||
	    (c->line_fd >= 0 && dup2(c->line_fd, 1) < 0))
		return 120;
	for (int i = 0; i < nkeep; i++)
		keep[i] = f->keep[i];
	keep[nkeep] = c->res_fd;
	if (helper_close_fds(keep, nkeep + 1) < 0)
		return 121;
	if (c->fn(c->arg, &e) < 0 && e.class == ERR_OK)
		e.class = ERR_INTERNAL; /* a failure never reads as ok */
	helper_send(c->res_fd, &e);
	return e.class == ERR_OK ? 0 : 1;
}

/* ---- on the loop ---- */

static void helper_check(struct helper *h)
{
	void (*end)(struct helper *, const struct err *) = h->on_end;

	if (!h->exited || (h->line_fd >= 0 && !h->eof) || !end)
		return;
	h->on_end = NULL;
	end(h, &h->result);
}

void helper_close(struct helper *h)
{
	if (h->line_fd >= 0) {
		ev_io_stop(daemon_ctx.loop, &h->io);
		close(h->line_fd);
		h->line_fd = -1;
	}
	if (h->res_fd >= 0) {
		close(h->res_fd);
		h->res_fd = -1;
	}
	buf_free(&h->out);
}

static void on_helper_line(struct ev_loop *loop, ev_io *w, int revents)
{
	struct helper *h = w->data;
	char *nl, *p = buf_reserve(&h->out, HELPER_LINE_MAX);
	ssize_t n = read(h->line_fd, p, HELPER_LINE_MAX);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev_io_stop(loop, &h->io);
		h->eof = true;
		helper_check(h);
		return;
	}
	h->out.len += (size_t)n;
	while ((nl = memchr(buf_head(&h->out), '\n', buf_used(&h->out)))) {
		size_t len = (size_t)(nl - buf_head(&h->out));
		*nl = '\0';
		if (h->on_line)
			h->on_line(h, buf_head(&h->out));
		buf_consume(&h->out, len + 1);
	}
	if (buf_used(&h->out) > HELPER_LINE_MAX)
		buf_reset(&h->out);
}

/* The frame, checked field by field; a helper that sent none (killed,
 * crashed) is described by how it ended. */
static void helper_read_result(struct helper *h, const siginfo_t *si)
{
	char frame[ERR_FRAME_MAX], how[64];
	ssize_t n = read(h->res_fd, frame, sizeof(frame));

	err_clear(&h->result);
	if (n >= (ssize_t)sizeof(struct err_frame)) {
		if (err_frame_get(frame, (size_t)n, &h->result) == 0)
			return;
		err_setc(&h->result, ERR_INTERNAL,
			 "helper: bad result frame (%zd bytes)", n);
		return;
	}
	err_setc(&h->result, ERR_INTERNAL, "helper %s",
		 proc_status_str(si, how, sizeof(how)));
}

static void on_helper_exit(struct proc *pr, const siginfo_t *si, void *ctx)
{
	struct helper *h = ctx;

	h->proc = NULL;
	h->exited = true;
	h->status = proc_exit_code(si);
	helper_read_result(h, si);
	close(h->res_fd);
	h->res_fd = -1;
	helper_check(h);
}

static void helper_watch_lines(struct helper *h, int fd)
{
	h->line_fd = fd;
	ev_io_init(&h->io, on_helper_line, fd, EV_READ);
	h->io.data = h;
	ev_io_start(daemon_ctx.loop, &h->io);
}

void helper_init(struct helper *h)
{
	h->proc = NULL;
	h->exited = h->eof = false;
	h->status = 0;
	h->res_fd = h->line_fd = -1;
	memset(&h->out, 0, sizeof(h->out));
	err_clear(&h->result);
}

int helper_start(struct helper *h, helper_fn fn, void *arg,
		 const struct helper_fds *fds, struct err *e)
{
	int res[2], out[2] = { -1, -1 };
	struct helper_child c = { fn, arg, fds, -1, -1 };

	helper_init(h);
	if (pipe2(res, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_set(e, errno, "helper: pipe");
	if (h->on_line && pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0) {
		close(res[0]), close(res[1]);
		return err_set(e, errno, "helper: pipe");
	}
	c.res_fd = res[1];
	c.line_fd = out[1];
	h->proc = proc_fork(helper_main, &c, on_helper_exit, h, e);
	close(res[1]);
	if (out[1] >= 0)
		close(out[1]);
	if (!h->proc) {
		close(res[0]);
		if (out[0] >= 0)
			close(out[0]);
		return -1;
	}
	h->res_fd = res[0];
	if (out[0] >= 0)
		helper_watch_lines(h, out[0]);
	return 0;
}

void helper_kill(struct helper *h)
{
	if (h->proc) {
		proc_signal(h->proc, SIGKILL);
		proc_disown(h->proc);
		h->proc = NULL;
	}
	helper_close(h);
	h->on_end = NULL;
}

/* ---- fire and forget ---- */

struct helper_logged {
	struct helper h;
	void *arg;
	void (*free_arg)(void *);
	char what[128];
};

static void helper_logged_end(struct helper *h, const struct err *r)
{
	struct helper_logged *l = h->owner;

	if (r->class != ERR_OK)
		log_warn("%s: %s", l->what, r->msg);
	helper_close(h);
	if (l->free_arg)
		l->free_arg(l->arg);
	free(l);
}

int helper_run_logged(helper_fn fn, void *arg, void (*free_arg)(void *),
		      const char *what, struct err *e)
{
	struct helper_logged *l = xcalloc(1, sizeof(*l));

	l->arg = arg;
	l->free_arg = free_arg;
	snprintf(l->what, sizeof(l->what), "%s", what);
	l->h.on_end = helper_logged_end;
	l->h.owner = l;
	if (helper_start(&l->h, fn, arg, NULL, e) < 0) {
		free(l);
		return -1;
	}
	return 0;
}
