/* conn.c - skiff's connection to skiffd: connect, send the request line
 * (with the fd it passes, SCM_RIGHTS), and read the reply up to its status
 * line: NDJSON data lines, then `ok` or `err CODE message` (DESIGN.md
 * section 3). Data lines go to render.c, a {"fd":..} line to relay.c.
 *
 * Owns the socket fd, the input buffer (at most one reply line of up to
 * REPLY_LINE_MAX bytes plus a read chunk) and the fds skiffd passed that
 * no line has claimed yet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "../proto/fdpass.h"
#include "../proto/line.h"
#include "skiff.h"

#define READ_CHUNK (64 * 1024)

/* ---- the socket ---- */

static int connect_error(const char *path, int errnum, struct err *e)
{
	if (errnum == EACCES || errnum == EPERM)
		return err_setc(e, ERR_DENIED,
				"cannot connect to skiffd at %s: permission "
				"denied (run as root or a member of the "
				"socket's group)",
				path);
	return err_setc(e, err_class_of_errno(errnum),
			"cannot connect to skiffd at %s: %s%s", path,
			strerror(errnum),
			errnum == ENOENT || errnum == ECONNREFUSED ?
				" (is skiffd running?)" :
				"");
}

int conn_connect(const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, saved;

	if (!n || n >= sizeof(sa.sun_path))
		return err_setc(e, ERR_INVALID,
				"bad socket path \"%s\" (empty or longer than "
				"%zu bytes)",
				path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	saved = errno;
	close(fd);
	return connect_error(path, saved, e);
}

int conn_send_all(int fd, const char *p, size_t n, struct err *e)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return err_setc(e, ERR_INTERNAL,
					"skiffd closed the connection");
		if (w < 0)
			return err_set(e, errno, "write to skiffd");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send the request line, with fd attached when fd >= 0. */
int conn_send_request(int sock, const struct buf *line, int fd,
			struct err *e)
{
	const char *p = buf_head(line);
	size_t n = buf_used(line);
	int sent = 0;

	if (fd >= 0 && (sent = fdpass_send(sock, p, n, &fd, 1, e)) < 0)
		return -1;
	return conn_send_all(sock, p + sent, n - (size_t)sent, e);
}

static int on_data(struct client *c, const char *line, struct err *e)
{
	char why[128] = "nested too deep";
	yajl_val obj = NULL;
	bool done;
	int r;

	if (render_depth_ok(line))
		obj = yajl_tree_parse(line, why, sizeof(why));
	if (!YAJL_IS_OBJECT(obj)) {
		yajl_tree_free(obj);
		if (obj)
			snprintf(why, sizeof(why), "not a JSON object");
		return err_setc(e, ERR_INTERNAL,
				"skiffd sent a malformed data line: %.*s",
				(int)strcspn(why, "\n"), why);
	}
	if (render_item_error(c, obj))
		return MORE;
	if (render_str(obj, "fd")) {
		r = relay_start(c, obj, e);
		yajl_tree_free(obj);
		return r;
	}
	if ((c->o->how & CLI_EXIT_CODE) &&
	    render_int(obj, "exit_code", &c->exit_code)) {
		yajl_tree_free(obj); /* skiff run exits as its container did */
		return MORE;
	}
	r = render_raw_text(c, line, obj, &done);
	if (!done && !c->streaming) {
		render_keep(c, obj); /* laid out at the status line */
		return MORE;
	}
	if (!done && render_streamed(c, obj))
		return r; /* kept for a table of the round */
	yajl_tree_free(obj);
	return r;
}

/* Docker's run: 127 when the program is not there, 126 when it cannot be
 * run, 125 for the daemon's other refusals; exec: 126 for both. */
static int err_status(const struct client *c, const char *msg)
{
	unsigned how = c->o->how;

	if ((how & CLI_EXEC_CODES) && strstr(msg, "exec \"")) {
		/* docker exec says 126 for both */
		if (strstr(msg, "No such file or directory"))
			return (how & CLI_ERR_125) ? 127 : 126;
		if (strstr(msg, "Permission denied") ||
		    strstr(msg, "Exec format error") ||
		    strstr(msg, "Is a directory"))
			return 126;
	}
	return (how & CLI_ERR_125) ? EXIT_DAEMON : EXIT_ERR;
}

/* `err CODE message`: say the message; a cancel we asked for is no error. */
static int on_err(struct client *c, const char *rest)
{
	const char *code = rest + strspn(rest, " ");
	size_t n = strcspn(code, " ");
	const char *msg = code[n] ? code + n + 1 : code;

	if (c->canceled && n == 8 && !strncmp(code, "canceled", 8))
		return EXIT_OK;
	if (c->item_errors)
		return EXIT_ERR; /* each failure was said on its own */
	fprintf(stderr, "skiff: %s\n", *msg ? msg : "error (no message)");
	return err_status(c, msg);
}

/* ---- inspect of what is not a container ---- */

void conn_inspect_other(struct client *c, const char *name)
{
	c->others = xrealloc(c->others, (size_t)c->nothers + 1,
			     sizeof(*c->others));
	c->others[c->nothers++] = xstrdup(name);
}

/* A status line while `inspect` has names to try as images: the first
 * ends the containers' reply (its err, when no container's own error
 * was said, is the names we try next), each later one an image-inspect's
 * ("no such object", as docker says). MORE while a request is out; the
 * objects of all are laid out together at the end. */
static int inspect_others(struct client *c, bool ok, struct err *e)
{
	_cleanup_buf_ struct buf line = { 0 };
	char *argv[2] = { "image-inspect", NULL };

	if (!c->iothers)
		c->others_rc = ok || !c->item_errors ? EXIT_OK : EXIT_ERR;
	else if (!ok) {
		buf_printf(&c->others_err, "skiff: no such object: %s\n",
			   c->others[c->iothers - 1]);
		c->others_rc = EXIT_ERR;
	}
	if (c->iothers == c->nothers) {
		c->others_done = true; /* lay out what came */
		return c->others_rc;
	}
	argv[1] = c->others[c->iothers++];
	if (line_quote(&line, 2, argv, e) < 0 ||
	    conn_send_all(c->fd, buf_head(&line), buf_used(&line), e) < 0)
		return -1;
	return MORE;
}

/* One reply line, LF replaced by NUL. Returns MORE after a data line, the
 * exit status after the status line, -1 (e set) on a protocol error. */
static int on_line(struct client *c, char *line, size_t len, struct err *e)
{
	bool ok = !strcmp(line, "ok");
	int r;

	if ((ok || !strncmp(line, "err", 3)) && c->nothers &&
	    !c->others_done) {
		r = inspect_others(c, ok, e);
		if (r == MORE || r < 0)
			return r;
		render_kept(c);
		r = render_flush(c, stdout);
		if (buf_used(&c->others_err))
			fwrite(buf_head(&c->others_err), 1,
			       buf_used(&c->others_err), stderr);
		if (r != MORE)
			return r;
		return c->others_rc ? c->others_rc : c->exit_code;
	}
	if (ok || !strncmp(line, "err ", 4) || !strcmp(line, "err")) {
		if (ok || c->nobjs) /* a refusal alone gets no table header */
			render_kept(c);
		r = render_flush(c, stdout);
		if (r != MORE)
			return r;
		return ok ? c->exit_code : on_err(c, line + 3);
	}
	if (!c->o->json)
		return on_data(c, line, e);
	buf_append(&c->out, line, len);
	buf_puts(&c->out, "\n");
	return MORE;
}

/* ---- the reply loop ---- */

/* Handle every complete line in c->in. c->scanned remembers how much of
 * a partial line was searched already, so a long line arriving in many
 * reads costs linear time; a line over REPLY_LINE_MAX is a protocol error
 * whether or not its LF has come. */
static int drain_lines(struct client *c, struct err *e)
{
	char *head, *nl;
	size_t len;
	int r;

	while (buf_used(&c->in) > c->scanned) {
		head = buf_head(&c->in);
		nl = memchr(head + c->scanned, '\n',
			    buf_used(&c->in) - c->scanned);
		if (!nl) {
			c->scanned = buf_used(&c->in);
			break;
		}
		len = (size_t)(nl - head);
		if (len > REPLY_LINE_MAX)
			break;
		*nl = '\0';
		c->scanned = 0;
		r = on_line(c, head, len, e);
		buf_consume(&c->in, len + 1);
		if (r != MORE)
			return r;
	}
	if (buf_used(&c->in) > REPLY_LINE_MAX)
		return err_setc(e, ERR_TOO_LARGE,
				"skiffd sent a reply line longer than %u MiB",
				REPLY_LINE_MAX >> 20);
	return MORE;
}

/* Keep the fds skiffd passes (SCM_RIGHTS) until a line claims them. */
static void keep_rfds(struct client *c, struct msghdr *m)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->nrfds < (int)ARRAY_SIZE(c->rfds))
				c->rfds[c->nrfds++] = fd;
			else
				close(fd);
		}
	}
}

/* Read what the socket has. Returns 1 on data, 0 at end of stream. */
static int read_some(struct client *c, struct err *e)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = buf_reserve(&c->in, READ_CHUNK),
			     .iov_len = READ_CHUNK };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);

	if (n >= 0)
		keep_rfds(c, &m);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0 && errno == ECONNRESET)
		n = 0;
	if (n < 0)
		return err_set(e, errno, "read from skiffd");
	c->in.len += (size_t)n;
	return n > 0;
}

/* Read and render the reply up to its status line. Output is flushed
 * before each wait, so streams show up as they come. Returns the exit
 * status, or -1 with e set when skiffd breaks the protocol or vanishes
 * (after our `cancel`, vanishing is a normal end). */
int conn_read_reply(struct client *c, struct err *e)
{
	int r;

	for (;;) {
		r = drain_lines(c, e);
		if (r == MORE)
			r = render_flush(c, stdout);
		if (r != MORE)
			return r;
		if (relay_wait(c, e) < 0)
			return -1;
		if (c->interrupted)
			return EXIT_INT;
		r = read_some(c, e);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c->canceled)
			return EXIT_OK;
		return err_setc(e, ERR_INTERNAL,
				"skiffd closed the connection %s",
				buf_used(&c->in) ? "in the middle of a reply" :
						   "before it replied");
	}
}

int conn_local_reply(struct client *c, const struct buf *lines,
		     struct err *e)
{
	int r;

	buf_append(&c->in, buf_head(lines), buf_used(lines));
	r = drain_lines(c, e);
	if (r == MORE)
		r = render_flush(c, stdout);
	if (r == MORE) /* no status line: ours are never cut short */
		return err_setc(e, ERR_INTERNAL, "a reply without its status");
	return r;
}
