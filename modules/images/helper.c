/* helper.c - the images module's short-lived helper processes (see
 * images.h): each runs one function with its stdin and stdout on pipes
 * and nothing else of skiffd's open, and reports by lines on stdout. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/daemon.h"
#include "../../fs/unpack.h"
#include "images.h"


static void helper_check(struct helper *h)
{
	if (h->exited && h->eof && h->on_end) {
		void (*end)(struct helper *) = h->on_end;
		h->on_end = NULL;
		end(h);
	}
}

void helper_close(struct helper *h)
{
	if (h->fd >= 0) {
		ev_io_stop(daemon_ctx.loop, &h->io);
		close(h->fd);
		h->fd = -1;
	}
	buf_free(&h->out);
}

static void on_helper_out(struct ev_loop *loop, ev_io *w, int revents)
{
	struct helper *h = w->data;
	char *nl, *p = buf_reserve(&h->out, 4096);
	ssize_t n = read(h->fd, p, 4096);

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
	if (buf_used(&h->out) > 4096) /* a helper's lines are short */
		buf_reset(&h->out);
}

static void on_helper_exit(struct proc *pr, const siginfo_t *si, void *ctx)
{
	struct helper *h = ctx;

	h->proc = NULL;
	h->exited = true;
	h->status = proc_exit_code(si);
	helper_check(h);
}

struct helper_start {
	int (*fn)(void *arg);
	void *arg;
	int in_fd; /* becomes the helper's stdin, or -1 */
	int out_fd;
};

/* In the helper: stdin/stdout are the pipes, nothing else of skiffd's
 * stays open (another layer's pipe held here would never see EOF). */
static int helper_main(void *arg)
{
	struct helper_start *s = arg;

	if ((s->in_fd >= 0 && dup2(s->in_fd, 0) < 0) || dup2(s->out_fd, 1) < 0)
		return 120;
	if (close_range(3, ~0U, 0) < 0)
		return 121;
	return s->fn(s->arg);
}

int helper_start(struct helper *h, int (*fn)(void *), void *arg,
			int in_fd, struct err *e)
{
	int out[2];
	struct helper_start s = { fn, arg, in_fd, -1 };

	if (pipe2(out, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	/* ours is read on the loop; the helper writes as it likes */
	if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0) {
		err_set(e, errno, "helper pipe: O_NONBLOCK");
		close(out[0]), close(out[1]);
		return -1;
	}
	s.out_fd = out[1];
	h->proc = proc_fork(helper_main, &s, on_helper_exit, h, e);
	close(out[1]);
	if (!h->proc) {
		close(out[0]);
		return -1;
	}
	h->fd = out[0];
	h->exited = h->eof = false;
	ev_io_init(&h->io, on_helper_out, h->fd, EV_READ);
	h->io.data = h;
	ev_io_start(daemon_ctx.loop, &h->io);
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


/* In a helper: unpack each layer of a chain into LAYERS/<chain id hex>
 * (pull and load share this). Layers already unpacked (by an earlier
 * pull or load of an image sharing them) are kept; each new one must
 * give its config's diff_id, else its directory is removed and the
 * error names both. Writes "unpacked I" on stdout after each. */
int img_unpack_chain(struct blobstore *bs, const char *layers, size_t n,
		     const struct oci_desc *desc, char (*chain)[DIGEST_STR_MAX],
		     const struct strv *diff_ids, struct err *e)
{
	char dir[4096];

	for (size_t i = 0; i < n; i++) {
		struct unpack_opts o = { .media_type = desc[i].media_type,
					 .diff_id = diff_ids->v[i] };
		struct unpack_result r;
		int fd = -1;
		snprintf(dir, sizeof(dir), "%s/%s", layers,
			 digest_hex(chain[i]));
		if (access(dir, F_OK) == 0)
			continue;
		if (blobstore_open_blob(bs, desc[i].digest, &fd, e) < 0)
			return -1;
		if (unpack_layer(fd, dir, &o, &r, e) < 0) {
			close(fd);
			if (e->class == ERR_CONFLICT && access(dir, F_OK) == 0) {
				/* another pull or load unpacked (and
				 * checked) it */
				err_clear(e);
				continue;
			}
			return err_wrap(e, "layer %s", desc[i].digest);
		}
		close(fd);
		dprintf(1, "unpacked %zu\n", i);
	}
	return 0;
}

enum ctl_produce img_stream_end(bool finished, const struct err *why,
				struct err *e)
{
	if (!finished)
		return CTL_MORE;
	if (why->msg[0]) {
		*e = *why;
		return CTL_FAIL;
	}
	return CTL_DONE;
}
