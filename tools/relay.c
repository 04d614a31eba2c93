/* relay.c - a container's terminal or stdin, relayed by skiff (verbs with
 * CLI_RELAY: run, exec and attach with -i/-t). skiffd passes the pty
 * master or the stdin pipe's write end (SCM_RIGHTS) with a {"fd":..}
 * line; our stdin goes there while the output still comes as data lines.
 * With a pty our terminal is raw meanwhile, its size follows ours
 * (SIGWINCH), and the detach keys (ctrl-p ctrl-q) end the attachment,
 * not the container. Also owns the signalfd that turns ctrl-c into a
 * `cancel` line while a reply streams.
 *
 * Owns c->relay: the fd, the saved terminal mode, and the bytes read
 * from stdin that the container has not taken yet. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "skiff.h"

/* ---- the relay ---- */

static void relay_winsize(struct client *c)
{
	struct winsize ws;

	if (c->relay.fd >= 0 && c->relay.tty &&
	    (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	     ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
		ioctl(c->relay.fd, TIOCSWINSZ, &ws);
}

void relay_restore(struct client *c)
{
	if (c->relay.raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &c->relay.saved);
	c->relay.raw = false;
}

void relay_stop(struct client *c)
{
	relay_restore(c);
	if (c->relay.fd >= 0)
		close(c->relay.fd);
	c->relay.fd = -1;
	c->relay.input = false;
	buf_free(&c->relay.pend);
}

/* {"fd":"tty"|"stdin","stdin":BOOL,"detach_keys":"..."} came with an fd. */
int relay_start(struct client *c, yajl_val obj, struct err *e)
{
	const char *kind = render_str(obj, "fd"), *keys;
	yajl_val in = render_get(obj, "stdin");
	struct termios raw;
	int fl;

	if (!c->nrfds)
		return err_setc(e, ERR_INTERNAL,
				"skiffd announced an fd it did not pass");
	relay_stop(c);
	c->relay.fd = c->rfds[0];
	memmove(c->rfds, c->rfds + 1, sizeof(int) * (size_t)--c->nrfds);
	c->relay.tty = !strcmp(kind, "tty");
	c->relay.input = YAJL_IS_TRUE(in);
	keys = render_str(obj, "detach_keys");
	snprintf(c->relay.keys, sizeof(c->relay.keys), "%s",
		 keys && c->relay.tty ? keys : "");
	/* Never wait on the container: its input waits in c->relay.pend. */
	if ((fl = fcntl(c->relay.fd, F_GETFL)) < 0 ||
	    fcntl(c->relay.fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_set(e, errno, "relay: O_NONBLOCK");
	relay_winsize(c);
	if (c->relay.tty && c->relay.input && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &c->relay.saved) == 0) {
		raw = c->relay.saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
			c->relay.raw = true;
	}
	return MORE;
}

/* Our stdin has bytes: queue them for the container, holding back what
 * may be the start of the detach keys; all of them detach. */
static void relay_input(struct client *c)
{
	struct relay *r = &c->relay;
	struct err ignored = ERR_INIT;
	char in[4096];
	size_t klen = strlen(r->keys);
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* EOF: a pipe is closed so the container sees it */
		r->input = false;
		if (!r->tty && !buf_used(&r->pend))
			relay_stop(c);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (klen && in[i] == r->keys[r->matched]) {
			if (++r->matched < klen)
				continue;
			r->detached = true;
			relay_stop(c);
			fputs("read escape sequence\n", stderr);
			c->canceled = true;
			conn_send_all(c->fd, "cancel\n", 7, &ignored);
			return;
		}
		if (r->matched) /* not the keys after all: send what we held */
			buf_append(&r->pend, r->keys, r->matched);
		r->matched = 0;
		if (klen && in[i] == r->keys[0])
			r->matched = 1;
		else
			buf_append(&r->pend, &in[i], 1);
	}
}

/* Write what the container takes now; the rest waits for POLLOUT. */
static void relay_output(struct client *c)
{
	struct relay *r = &c->relay;
	ssize_t n = write(r->fd, buf_head(&r->pend), buf_used(&r->pend));

	if (n > 0)
		buf_consume(&r->pend, (size_t)n);
	else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		relay_stop(c); /* the container's end is gone (EPIPE, EIO) */
		return;
	}
	if (!buf_used(&r->pend) && !r->input && !r->tty)
		relay_stop(c); /* our stdin ended: so does the container's */
}

/* Block SIGINT and take it from a signalfd, so ctrl-c during a stream
 * becomes a `cancel` line rather than killing us mid-reply. */
int relay_sigfd(struct err *e)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGWINCH); /* a relayed pty follows our size */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return err_set(e, errno, "sigprocmask");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return err_set(e, errno, "signalfd");
	return fd;
}

/* ctrl-c while streaming: the first asks skiffd to end the stream (we
 * still read to its status line), a second one gives up. */
static void on_sigint(struct client *c)
{
	struct signalfd_siginfo si;
	struct err ignored = ERR_INIT;

	while (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			relay_winsize(c);
			continue;
		}
		if (c->canceled) {
			c->interrupted = true;
			return;
		}
		c->canceled = true;
		/* If skiffd is gone, the read that follows sees it. */
		conn_send_all(c->fd, "cancel\n", 7, &ignored);
	}
}

/* Wait until the socket is readable, minding ctrl-c, and relay our
 * stdin to the container meanwhile. */
int relay_wait(struct client *c, struct err *e)
{
	struct relay *r = &c->relay;
	struct pollfd p[4];

	while (c->sigfd >= 0 && !c->interrupted && !conn_pending()) {
		bool pend = r->fd >= 0 && buf_used(&r->pend);
		p[0] = (struct pollfd){ c->fd, POLLIN, 0 };
		p[1] = (struct pollfd){ c->sigfd, POLLIN, 0 };
		/* Read stdin only while what we read before has gone. */
		p[2] = (struct pollfd){ r->fd >= 0 && r->input && !pend
						? STDIN_FILENO : -1,
					POLLIN, 0 };
		p[3] = (struct pollfd){ pend ? r->fd : -1, POLLOUT, 0 };
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, errno, "poll");
		}
		if (p[1].revents & POLLIN)
			on_sigint(c);
		if (p[2].revents)
			relay_input(c);
		if (p[3].revents && r->fd >= 0)
			relay_output(c);
		else if (r->fd >= 0 && buf_used(&r->pend))
			relay_output(c); /* try at once: most often it fits */
		if (p[0].revents)
			break;
	}
	return 0;
}

