/* ctl.c - control socket, clients, request queue (see ctl.h).
 *
 * Owns: the listening fd and its watcher, a reserve fd for EMFILE, every
 * struct ctl_client (fd, ev_io, input/output buffers, received fds) and
 * every struct ctl_req. A request answered at once is kept as its client's
 * spare and reused for the next line, so a stream of quick requests
 * allocates nothing. Clients are never freed inside a callback: a
 * closing client is unlinked and put on a to-free list drained in the
 * ev_prepare that also flushes output before the loop sleeps (STYLE.md
 * rules 8 and 9). A pending request outlives its client: its `c` becomes
 * NULL and ctl_req_finish() only frees it. */
#include "ctl.h"

#include <ev.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../proto/fdpass.h"
#include "../proto/line.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "daemon.h"
#include "fdstore.h"
#include "roles.h"
#include "tls.h"
#include "base/xalloc.h"

#define READ_CHUNK (64 * 1024)
#define IN_LIMIT (LINE_MAX_BYTES + 1)
#define SPARE_KEEP 4096 /* bytes of word buffers a spare may keep */

struct ctl_client {
	int fd;
	ev_io io;
	int events; /* current ev_io interest */
	struct ucred cred;
	struct roles_peer peer; /* what roles.c judges by */
	struct ssl_st *tls; /* a tcp:// client's TLS session (tls.h) */
	bool tcp;	    /* came over tcp://: no fds, no SO_PEERCRED */
	bool relayed;	    /* a relay (dial-stdio for ssh://): no fds */
	bool hello;	    /* its TLS handshake is not done yet */
	ev_timer hs;	    /* bounds the handshake */
	struct buf in, out;
	bool eof, closing, discarding;
	bool want_write; /* the kernel took less than we had */
	struct ctl_req *cur; /* pending request holding the queue */
	struct ctl_req *spare; /* a finished request, reused by dispatch */
	int fds[CTL_MAX_FDS];
	int nfds;
	/* fds we pass (SCM_RIGHTS), each sent with the output byte at
	 * offset `at` of everything this client was ever sent. */
	struct {
		uint64_t at;
		int fd;
	} ofds[CTL_MAX_FDS];
	int nofds;
	uint64_t out_sent; /* bytes of output the kernel took so far */
	struct ctl_client *next, *prev; /* all clients */
	struct ctl_client *next_dirty;	/* output to flush */
	bool dirty;
};

struct ctl_req {
	struct ctl_client *c;
	struct line_words words;
	struct cmd_call call;
	const struct ctl_stream_ops *ops;
	void *ctx;
	bool woken;
	struct ctl_req *next_woken;
	struct ctl_self *self; /* a request skiffd made of itself, or NULL */
};

/* What a request made with ctl_call() has besides a client's: its own
 * output, its caller's callback and, once it ended, its status. */
struct ctl_self {
	struct buf out;
	ctl_call_done_fn *done;
	void *ctx;
	struct err e;
	struct ctl_req *next_ended; /* on ctl.ended, callback pending */
};

#define CTL_MAX_TCP 8
/* tcp:// clients at most, and of them in their TLS handshake: a flood
 * on the port cannot take the UNIX socket's places. */
#define CTL_MAX_TCP_CLIENTS (CTL_MAX_CLIENTS / 2)
#define CTL_MAX_HELLO 64

static struct {
	int fd, reserve;
	char *path;
	ev_io io;
	struct {
		int fd;
		ev_io io;
	} tcp[CTL_MAX_TCP]; /* tcp:// listeners */
	int ntcp;
	unsigned ntcp_clients, nhello;
	/* Refused tcp:// clients are logged at most once per 10 s. */
	int64_t refused_at;
	unsigned refused_quiet;
	ev_prepare prep;
	struct ctl_client *clients, *dirty, *dead;
	struct ctl_req *woken;
	struct ctl_req *calls, **calls_tail; /* ctl_call()s to run */
	struct ctl_req *ended, **ended_tail; /* ctl_call()s to call back */
	unsigned nclients;
} ctl = { .fd = -1, .reserve = -1 };

static void client_update(struct ctl_client *c);
static void client_process(struct ctl_client *c);

struct buf *ctl_req_out(struct ctl_req *r)
{
	static struct buf sink; /* output of orphaned requests goes nowhere */

	if (r->self)
		return &r->self->out;
	if (!r->c) {
		buf_reset(&sink);
		return &sink;
	}
	return &r->c->out;
}

void ctl_req_json(struct ctl_req *r, struct jw *w)
{
	jw_open(w, ctl_req_out(r));
}

const struct ucred *ctl_req_cred(const struct ctl_req *r)
{
	static const struct ucred none = { 0, (uid_t)-1, (gid_t)-1 };
	static struct ucred self;

	if (r->self) { /* skiffd itself */
		self = (struct ucred){ getpid(), geteuid(), getegid() };
		return &self;
	}
	return r->c ? &r->c->cred : &none;
}

int ctl_req_argc(const struct ctl_req *r)
{
	return r->call.argc;
}

char **ctl_req_argv(const struct ctl_req *r)
{
	return r->call.argv;
}

bool ctl_req_room(const struct ctl_req *r)
{
	if (r->self)
		return buf_used(&r->self->out) < CTL_OUT_HARD;
	return r->c && buf_used(&r->c->out) < CTL_OUT_HIGH;
}

bool ctl_req_orphaned(const struct ctl_req *r)
{
	return !r->c && !r->self;
}

int ctl_req_take_fd(struct ctl_req *r)
{
	struct ctl_client *c = r->c;
	int fd;

	if (!c || !c->nfds)
		return -1;
	fd = c->fds[0];
	memmove(c->fds, c->fds + 1, sizeof(int) * (size_t)--c->nfds);
	return fd;
}

void ctl_req_no_fds(struct ctl_req *r)
{
	if (r->c)
		r->c->relayed = true;
}

int ctl_req_pass_fd(struct ctl_req *r, int fd, struct err *e)
{
	struct ctl_client *c = r->c;
	int dup;

	if (!c)
		return err_setc(e, ERR_CANCELED, "client left");
	if (c->tcp || c->relayed)
		return err_setc(e, ERR_INVALID,
				"%s: a terminal or stdin is passed as a file "
				"descriptor, which a tcp:// or ssh:// connection "
				"cannot carry: use the UNIX socket on skiffd's host "
				"(without -i and -t the output streams over "
				"tcp://)",
				r->call.cmd ? r->call.cmd->name : "request");
	if (c->nofds == CTL_MAX_FDS)
		return err_setc(e, ERR_BUSY, "too many fds queued for client");
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return err_set(e, errno, "dup");
	c->ofds[c->nofds].at = c->out_sent + buf_used(&c->out);
	c->ofds[c->nofds++].fd = dup;
	return 0;
}

unsigned ctl_client_count(void)
{
	return ctl.nclients;
}

static void mark_dirty(struct ctl_client *c)
{
	if (c->dirty || c->closing)
		return;
	c->dirty = true;
	c->next_dirty = ctl.dirty;
	ctl.dirty = c;
}

static void req_free(struct ctl_req *r)
{
	if (r->self) {
		buf_free(&r->self->out);
		free(r->self);
	}
	cmd_call_free(&r->call);
	line_words_free(&r->words);
	free(r);
}

/* A request for c's next line: its spare, or a new one. */
static struct ctl_req *req_get(struct ctl_client *c)
{
	struct ctl_req *r = c->spare;

	if (r)
		c->spare = NULL;
	else
		r = xcalloc(1, sizeof(*r));
	r->c = c;
	return r;
}

/* Done with a request answered at once: keep it, with its word buffers
 * unless a long line or many words grew them, as c's spare. Field by
 * field: this runs once per request and a memset of the whole struct
 * shows in profiles. */
static void req_put(struct ctl_client *c, struct ctl_req *r)
{
	size_t kept = r->words.storecap + r->words.argcap * sizeof(char *);

	if (c->spare || kept > SPARE_KEEP) {
		req_free(r);
		return;
	}
	cmd_call_free(&r->call); /* zeroes r->call */
	r->c = NULL;
	r->ops = NULL;
	r->ctx = NULL;
	r->woken = false;
	r->next_woken = NULL;
	c->spare = r;
}

/* The status line: `ok`, or `err CODE message` on one line. */
static void put_status(struct buf *out, const struct err *e)
{
	size_t start;

	if (!e || e->class == ERR_OK) {
		buf_append(out, "ok\n", 3);
		return;
	}
	buf_printf(out, "err %s ", err_class_name(e->class));
	start = out->len;
	buf_puts(out, e->msg[0] ? e->msg : "failed");
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] == '\n' || out->data[i] == '\r')
			out->data[i] = ' ';
	buf_append(out, "\n", 1);
}

static void woken_unlink(struct ctl_req *r)
{
	for (struct ctl_req **pp = &ctl.woken; *pp; pp = &(*pp)->next_woken)
		if (*pp == r) {
			*pp = r->next_woken;
			break;
		}
	r->woken = false;
}

/* A ctl_call() request ended: keep its status; its callback runs from
 * the prepare (never inside the handler that ended it). */
static void self_end(struct ctl_req *r, const struct err *e)
{
	if (!ctl.ended_tail)
		ctl.ended_tail = &ctl.ended;
	if (e && e->class != ERR_OK)
		r->self->e = *e;
	else
		err_clear(&r->self->e);
	r->self->next_ended = NULL;
	*ctl.ended_tail = r;
	ctl.ended_tail = &r->self->next_ended;
}

/* End the client's stream: release the producer, then the status line. */
static void stream_end(struct ctl_req *r, const struct err *e)
{
	struct ctl_client *c = r->c;

	if (r->woken)
		woken_unlink(r);
	r->ops->release(r->ctx);
	if (r->self) {
		r->ops = NULL;
		self_end(r, e);
		return;
	}
	if (c) {
		put_status(&c->out, e);
		c->cur = NULL;
		mark_dirty(c);
	}
	req_free(r);
}

static void client_close(struct ctl_client *c)
{
	struct ctl_req *r = c->cur;

	if (c->closing)
		return;
	c->closing = true;
	ctl.ntcp_clients -= c->tcp;
	ctl.nhello -= c->hello;
	ev_io_stop(daemon_ctx.loop, &c->io);
	ev_timer_stop(daemon_ctx.loop, &c->hs);
	if (c->tls)
		tls_conn_free(c->tls);
	c->tls = NULL;
	close(c->fd);
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
	for (int i = 0; i < c->nofds; i++)
		close(c->ofds[i].fd);
	c->nofds = 0;
	c->cur = NULL;
	if (r) {
		r->c = NULL; /* an async request now finishes into nothing */
		if (r->ops)
			stream_end(r, NULL);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl.nclients--;
	c->next = ctl.dead;
	ctl.dead = c;
}

void ctl_req_stream(struct ctl_req *r, const struct ctl_stream_ops *ops,
		    void *ctx)
{
	r->ops = ops;
	r->ctx = ctx;
	ctl_req_wake(r);
}

void ctl_req_wake(struct ctl_req *r)
{
	if (r->woken || !r->ops || (!r->self && (!r->c || r->c->closing)))
		return;
	r->woken = true;
	r->next_woken = ctl.woken;
	ctl.woken = r;
}

void ctl_wake_streams(void)
{
	for (struct ctl_client *c = ctl.clients; c; c = c->next)
		if (c->cur && c->cur->ops)
			ctl_req_wake(c->cur);
}

void ctl_req_finish(struct ctl_req *r, const struct err *e)
{
	struct ctl_client *c = r->c;

	if (r->ops) {
		stream_end(r, e);
		return;
	}
	if (r->self) {
		self_end(r, e);
		return;
	}
	if (c) {
		put_status(&c->out, e);
		if (c->cur == r)
			c->cur = NULL;
		mark_dirty(c); /* the prepare resumes its queued lines */
	}
	req_free(r);
}

static enum cmd_role client_role(const struct ctl_client *c)
{
	return roles_of(&daemon_ctx.cfg.roles, daemon_ctx.cfg.sock_gid,
			&c->peer);
}

/* A verb beyond the client's role: `err denied` naming the role needed. */
static int check_role(const struct ctl_client *c, const struct cmdspec *cmd,
		      struct err *e)
{
	enum cmd_role need = cmdspec_role(cmd), have = client_role(c);
	char who[96];

	if (have >= need)
		return 0;
	return err_setc(e, ERR_DENIED, "%s needs the %s role (%s has %s)",
			cmd->name, cmdspec_role_name(need),
			roles_peer_name(&c->peer, who, sizeof(who)),
			cmdspec_role_name(have));
}

static void reply_usage(struct ctl_req *r)
{
	struct buf text = { 0 };
	struct jw w;

	cmd_usage(r->call.cmd, &text);
	ctl_req_json(r, &w);
	jw_strn(&w, "text", buf_head(&text), buf_used(&text));
	jw_close(&w);
	buf_free(&text);
}

/* A verb that passes descriptors (SCM_RIGHTS: the client's files, or a
 * terminal or stdin back to it) cannot be served over tcp://: say so and
 * how, before it runs. attach of a container without -i streams its
 * output over tcp:// and passes nothing. */
static int check_transport(const struct ctl_client *c,
			   const struct cmd_call *call, struct err *e)
{
	const struct cmdspec *cmd = call->cmd;

	if (!c->tcp && !c->relayed)
		return 0;
	if (cmd->cli.how & (CLI_FD_IN | CLI_FD_OUT | CLI_CP))
		return err_setc(e, ERR_INVALID,
				"%s passes a file as a descriptor (SCM_RIGHTS), "
				"which a tcp:// connection cannot carry: run it "
				"on skiffd's host, on the UNIX socket",
				cmd->name);
	if ((cmd->cli.how & CLI_RELAY) && (cmdspec_bool(call, "interactive") ||
					   cmdspec_bool(call, "tty")))
		return err_setc(e, ERR_INVALID,
				"%s -i/-t passes a terminal or stdin as a "
				"descriptor, which a tcp:// connection cannot "
				"carry: without -i and -t its output streams "
				"over tcp://; for a terminal use the UNIX socket "
				"on skiffd's host",
				cmd->name);
	return 0;
}

/* Parse and run one request line; its reply (or its pending state) is
 * queued behind every earlier one. e is cleared, not zero-initialised:
 * copying ERR_INIT's 512-byte message per request showed in profiles. */
static void dispatch(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_req *r = req_get(c);
	struct err e;
	int rc;

	err_clear(&e);
	if (line_parse(line, len, &r->words, &e) < 0 ||
	    cmd_parse(r->words.argc, r->words.argv, &r->call, &e) < 0)
		goto reply;
	if (r->call.help) {
		reply_usage(r);
		goto reply;
	}
	if (check_role(c, r->call.cmd, &e) < 0 ||
	    check_transport(c, &r->call, &e) < 0)
		goto reply;
	if (daemon_ctx.shutting_down &&
	    (r->call.cmd->cmd_flags & CMD_MUTATES)) {
		err_setc(&e, ERR_BUSY, "skiffd is shutting down");
		goto reply;
	}
	c->cur = r;
	rc = cmd_handler(r->call.cmd)(r, r->call.args, &e);
	if (rc == CMD_PENDING)
		return; /* ends with ctl_req_finish() or its stream */
	c->cur = NULL;
	if (rc == 0)
		err_clear(&e);
	else if (e.class == ERR_OK)
		err_setc(&e, ERR_INTERNAL, "%s failed", r->call.cmd->name);
reply:
	put_status(&c->out, &e);
	req_put(c, r);
}

/* r's words: a copy of argv, owned like a parsed line's. */
static void self_words(struct ctl_req *r, int argc, char *const *argv)
{
	struct line_words *w = &r->words;
	size_t len = 0, at = 0;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	w->store = xmalloc(len + 1);
	w->storecap = len + 1;
	w->argv = xcalloc((size_t)argc + 1, sizeof(char *));
	w->argcap = (size_t)argc + 1;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(w->store + at, argv[i], n);
		w->argv[i] = w->store + at;
		at += n;
	}
	w->argc = argc;
}

int ctl_call(int argc, char *const *argv, ctl_call_done_fn *done, void *ctx)
{
	struct ctl_req *r = xcalloc(1, sizeof(*r));

	r->self = xcalloc(1, sizeof(*r->self));
	r->self->done = done;
	r->self->ctx = ctx;
	self_words(r, argc, argv);
	if (!ctl.calls_tail)
		ctl.calls_tail = &ctl.calls;
	*ctl.calls_tail = r;
	ctl.calls_tail = &r->self->next_ended;
	return 0;
}

/* Run one queued ctl_call() request: parse, then its handler. */
static void self_dispatch(struct ctl_req *r)
{
	struct err e;
	int rc;

	err_clear(&e);
	if (cmd_parse(r->words.argc, r->words.argv, &r->call, &e) < 0)
		goto end;
	if (daemon_ctx.shutting_down &&
	    (r->call.cmd->cmd_flags & CMD_MUTATES)) {
		err_setc(&e, ERR_BUSY, "skiffd is shutting down");
		goto end;
	}
	rc = cmd_handler(r->call.cmd)(r, r->call.args, &e);
	if (rc == CMD_PENDING)
		return; /* ends with ctl_req_finish() or its stream */
	if (rc == 0)
		err_clear(&e);
	else if (e.class == ERR_OK)
		err_setc(&e, ERR_INTERNAL, "%s failed", r->call.cmd->name);
end:
	self_end(r, &e);
}

/* ctl_call()s run from the prepare, never inside their caller (which
 * may be a bus subscriber in the middle of another module's work). */
static void run_calls(void)
{
	struct ctl_req *r = ctl.calls;

	ctl.calls = NULL;
	ctl.calls_tail = &ctl.calls;
	while (r) {
		struct ctl_req *next = r->self->next_ended;
		r->self->next_ended = NULL;
		self_dispatch(r);
		r = next;
	}
}

static bool is_cancel(const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	return len == 6 && !memcmp(line, "cancel", 6);
}

/* Run queued lines in order until one is pending, output is over the
 * high-water mark or input runs out. */
static void client_process(struct ctl_client *c)
{
	while (!c->closing && buf_used(&c->out) < CTL_OUT_HIGH) {
		char *head = buf_head(&c->in), *nl;
		size_t used = buf_used(&c->in), len;

		if (!used) /* (head may be NULL: buf_shrink freed it) */
			break;
		if (c->discarding) {
			nl = memchr(head, '\n', used);
			buf_consume(&c->in, nl ? (size_t)(nl - head) + 1 : used);
			c->discarding = !nl;
			if (!nl)
				break;
			continue;
		}
		nl = memchr(head, '\n', used < IN_LIMIT ? used : IN_LIMIT);
		if (!nl && used > LINE_MAX_BYTES && !c->cur) {
			struct err e = ERR_INIT;
			err_setc(&e, ERR_TOO_LARGE,
				 "line longer than %d bytes", LINE_MAX_BYTES);
			put_status(&c->out, &e);
			/* The buffer may already hold this line's LF just
			 * past the scanned IN_LIMIT bytes (and requests after
			 * it): the discard step consumes up to that LF only. */
			c->discarding = true;
			mark_dirty(c);
			continue;
		}
		if (!nl && !(c->eof && used && !c->cur))
			break;
		len = nl ? (size_t)(nl - head) : used; /* EOF ends a last line */
		if (c->cur) {
			if (!c->cur->ops || !is_cancel(head, len))
				break; /* waits for the pending request */
			buf_consume(&c->in, len + 1);
			stream_end(c->cur, NULL);
			continue;
		}
		if (!is_cancel(head, len)) /* a late cancel is ignored */
			dispatch(c, head, len);
		buf_consume(&c->in, nl ? len + 1 : len);
		mark_dirty(c);
	}
	buf_shrink(&c->in, READ_CHUNK);
	client_update(c);
}

static void client_watch(struct ctl_client *c, int ev)
{
	if (ev == c->events)
		return;
	ev_io_stop(daemon_ctx.loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	c->events = ev;
	if (ev)
		ev_io_start(daemon_ctx.loop, &c->io);
}

static void client_update(struct ctl_client *c)
{
	int ev = 0;

	if (c->closing || c->hello)
		return;
	if (!c->eof && buf_used(&c->in) < IN_LIMIT &&
	    buf_used(&c->out) < CTL_OUT_HIGH)
		ev |= EV_READ;
	if (c->want_write)
		ev |= EV_WRITE; /* stays armed until the kernel takes it all */
	client_watch(c, ev);
	/* Records the session decrypted already: the socket may stay
	 * quiet, so read them as if it had woken us. */
	if ((ev & EV_READ) && c->tls && tls_pending(c->tls))
		ev_feed_event(daemon_ctx.loop, &c->io, EV_READ);
}

static void keep_fds(struct ctl_client *c, struct msghdr *m)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
		int *fds = (int *)CMSG_DATA(h);
		size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (c->nfds < CTL_MAX_FDS)
				c->fds[c->nfds++] = fds[i];
			else
				close(fds[i]); /* over the cap: refused */
		}
	}
}

/* A TLS read as recvmsg would say it: bytes, 0 at the end, -1 with
 * errno EAGAIN (a write the session needs first arms EV_WRITE) or EIO. */
static ssize_t tls_recv(struct ctl_client *c, void *p, size_t len)
{
	size_t n = 0;

	switch (tls_read(c->tls, p, len, &n)) {
	case TLS_OK: return (ssize_t)n;
	case TLS_EOF: return 0;
	case TLS_WANT_WRITE: c->want_write = true; /* fall through */
	case TLS_WANT_READ: errno = EAGAIN; return -1;
	default: errno = EIO; return -1;
	}
}

/* One read per wake-up, so a flooding client cannot starve the others. */
static void client_read(struct ctl_client *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
	size_t room = IN_LIMIT + 1 - buf_used(&c->in);
	struct iovec iov;
	struct msghdr m = { 0 };
	ssize_t n;

	if (buf_used(&c->in) > IN_LIMIT)
		return; /* full: reading resumes once lines are consumed */
	if (room > READ_CHUNK)
		room = READ_CHUNK;
	iov.iov_base = buf_reserve(&c->in, room);
	iov.iov_len = room;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	if (c->tls)
		n = tls_recv(c, iov.iov_base, room);
	else
		n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(c);
		return;
	}
	keep_fds(c, &m);
	if (n == 0) {
		c->eof = true;
		if (c->cur && c->cur->ops) /* a stream ends when its client does */
			stream_end(c->cur, NULL);
	}
	c->in.len += (size_t)n;
	client_process(c);
	mark_dirty(c);
}

/* One send: up to the byte a queued fd goes with, or from that byte
 * with the fd attached (it is ours to close once the kernel has it). */
static ssize_t client_send(struct ctl_client *c)
{
	size_t len = buf_used(&c->out), n = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf_head(&c->out) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t sent;

	if (c->nofds && c->ofds[0].at > c->out_sent) {
		uint64_t upto = c->ofds[0].at - c->out_sent;
		if (upto < len)
			len = (size_t)upto;
	} else if (c->nofds) {
		if (c->nofds > 1 && c->ofds[1].at - c->out_sent < len)
			len = (size_t)(c->ofds[1].at - c->out_sent);
		fdpass_attach(&m, cbuf.buf, &c->ofds[0].fd, 1);
	}
	iov.iov_len = len;
	if (c->tls) {
		/* A retry may only grow: the cap keeps it the same. */
		switch (tls_write(c->tls, iov.iov_base,
				  len < READ_CHUNK ? len : READ_CHUNK, &n)) {
		case TLS_OK: return (ssize_t)n;
		case TLS_WANT_READ:
		case TLS_WANT_WRITE: errno = EAGAIN; return -1;
		default: errno = EPIPE; return -1;
		}
	}
	sent = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent > 0 && m.msg_control) {
		close(c->ofds[0].fd);
		memmove(c->ofds, c->ofds + 1,
			sizeof(c->ofds[0]) * (size_t)--c->nofds);
	}
	return sent;
}

/* Write what the kernel takes; arm EV_WRITE only when it takes less. */
static void client_flush(struct ctl_client *c)
{
	bool was_high = buf_used(&c->out) >= CTL_OUT_HIGH;

	while (buf_used(&c->out)) {
		ssize_t n = client_send(c);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			client_close(c);
			return;
		}
		buf_consume(&c->out, (size_t)n);
		c->out_sent += (uint64_t)n;
	}
	if (buf_used(&c->out) > CTL_OUT_HARD) {
		log_warn("ctl: dropping client pid %d: %zu bytes unread",
			 (int)c->cred.pid, buf_used(&c->out));
		client_close(c);
		return;
	}
	c->want_write = buf_used(&c->out) > 0;
	if (!buf_used(&c->out))
		buf_shrink(&c->out, READ_CHUNK);
	if (was_high && buf_used(&c->out) < CTL_OUT_HIGH) {
		if (c->cur)
			ctl_req_wake(c->cur);
		client_process(c);
	}
	if (c->eof && !c->cur && !buf_used(&c->in) && !buf_used(&c->out)) {
		client_close(c); /* said all it asked for */
		return;
	}
	client_update(c);
}

/* A refused tcp:// client is logged at most once per 10 s, with the
 * count of those refused quietly since: whatever a peer sends, it cannot
 * set the log's rate. */
static void refused_log(const char *why)
{
	int64_t now = mono_ns();

	if (ctl.refused_at && now - ctl.refused_at < 10000000000LL) {
		ctl.refused_quiet++;
		return;
	}
	if (ctl.refused_quiet)
		log_warn("ctl: tcp client refused: %s (and %u more since the "
			 "last report)",
			 why, ctl.refused_quiet);
	else
		log_warn("ctl: tcp client refused: %s", why);
	ctl.refused_at = now;
	ctl.refused_quiet = 0;
}

/* Before any TLS: a first byte that does not open a TLS handshake
 * record (0x16) is a plain-text client (skiff without --tlsverify,
 * socat, curl): tell it in plain text and close. 1: TLS, 0: wait,
 * -1: closed. */
static int hello_peek(struct ctl_client *c)
{
	static const char msg[] =
		"err denied this skiffd endpoint speaks TLS with client "
		"certificates: use skiff --tlsverify -H tcp://...\n";
	unsigned char b;
	ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == 1 && b == 0x16)
		return 1;
	if (n == 1) {
		refused_log("not TLS (plain text or HTTP on the TLS port)");
		send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	client_close(c);
	return -1;
}

/* A verified TLS client: its role by its certificate; none is told so
 * (over TLS) and dropped once that is sent. */
static void hello_done(struct ctl_client *c)
{
	char who[96];

	ev_timer_stop(daemon_ctx.loop, &c->hs);
	c->hello = false;
	ctl.nhello--;
	tls_peer_cn(c->tls, c->peer.cn, sizeof(c->peer.cn));
	if (client_role(c) == ROLE_NONE) {
		roles_peer_name(&c->peer, who, sizeof(who));
		refused_log("a certificate with no role");
		buf_printf(&c->out,
			   "err denied permission denied: %s has no role on "
			   "skiffd (\"roles\" in its config)\n",
			   who);
		c->eof = true; /* closed once that is sent */
	}
	client_update(c);
	mark_dirty(c);
}

/* Drive a tcp:// client's TLS handshake one step. */
static void client_hello(struct ctl_client *c)
{
	struct err e = ERR_INIT;
	char why[256] = "";

	if (!c->tls) {
		if (hello_peek(c) <= 0)
			return;
		c->tls = tls_conn_new(c->fd, &e);
		if (!c->tls) {
			refused_log(e.msg);
			client_close(c);
			return;
		}
	}
	switch (tls_handshake(c->tls, why, sizeof(why))) {
	case TLS_OK: hello_done(c); return;
	case TLS_WANT_READ: client_watch(c, EV_READ); return;
	case TLS_WANT_WRITE: client_watch(c, EV_WRITE); return;
	default:
		refused_log(why[0] ? why : "TLS handshake failed");
		client_close(c);
	}
}

static void on_hello_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	refused_log("TLS handshake not done in time (tls-handshake-timeout)");
	client_close(w->data);
}

/* Between requests: nothing read and not yet answered, nothing to send,
 * no fds either way, the peer still there. */
static bool client_idle(const struct ctl_client *c)
{
	return !c->closing && !c->eof && !c->cur && !c->discarding &&
	       !c->tcp && !c->relayed && !c->hello &&
	       !buf_used(&c->in) && !buf_used(&c->out) && !c->nfds &&
	       !c->nofds;
}

static void on_client(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	if (c->hello) {
		client_hello(c);
		return;
	}
	if (revents & EV_READ)
		client_read(c);
	if (!c->closing && (revents & EV_WRITE))
		client_flush(c);
}

/* Produce woken streams. Pops one at a time (a producer or a handler it
 * triggers may end other streams) and at most a bounded number per pass, so
 * a producer that wakes itself cannot hold the loop. */
static void run_streams(void)
{
	struct ctl_req *r;
	struct err e;

	for (int budget = 1024; budget-- && (r = ctl.woken);) {
		enum ctl_produce p;
		struct ctl_client *c = r->c;

		ctl.woken = r->next_woken;
		r->woken = false;
		if (r->self) {
			err_clear(&e);
			p = r->ops->produce(r, r->ctx, &e);
			if (p != CTL_MORE)
				stream_end(r, p == CTL_FAIL ? &e : NULL);
			continue;
		}
		if (!c || buf_used(&c->out) >= CTL_OUT_HIGH)
			continue; /* resumed by client_flush when drained */
		err_clear(&e);
		p = r->ops->produce(r, r->ctx, &e);
		if (p != CTL_MORE) {
			stream_end(r, p == CTL_FAIL ? &e : NULL);
			client_process(c);
		}
		mark_dirty(c);
	}
}

static ev_idle again;

static void on_again(struct ev_loop *loop, ev_idle *w, int revents)
{
	ev_idle_stop(loop, w);
}

/* Call back the ctl_call()s that ended (their callbacks may make more:
 * those wait for the next pass). */
static void run_ended(void)
{
	struct ctl_req *r = ctl.ended;

	ctl.ended = NULL;
	ctl.ended_tail = &ctl.ended;
	while (r) {
		struct ctl_req *next = r->self->next_ended;
		struct ctl_self *s = r->self;
		s->done(s->ctx, &s->out, s->e.class == ERR_OK ? NULL : &s->e);
		req_free(r);
		r = next;
	}
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct ctl_client *c, *next;

	run_calls();
	run_ended();
	run_streams();
	while ((c = ctl.dirty)) {
		ctl.dirty = c->next_dirty;
		c->dirty = false;
		if (c->closing)
			continue;
		if (!c->cur && buf_used(&c->in))
			client_process(c);
		client_flush(c);
	}
	for (c = ctl.dead; c; c = next) {
		next = c->next;
		if (c->spare)
			req_free(c->spare);
		roles_peer_free(&c->peer);
		buf_free(&c->in);
		buf_free(&c->out);
		free(c);
	}
	ctl.dead = NULL;
	if (ctl.woken || ctl.dirty || ctl.ended || ctl.calls)
		ev_idle_start(loop, &again); /* come back before sleeping */
}

static void refuse(int fd, const char *line)
{
	send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* A new client on fd, linked, with no interest yet. */
static struct ctl_client *client_add(int fd)
{
	struct ctl_client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->next = ctl.clients;
	if (ctl.clients)
		ctl.clients->prev = c;
	ctl.clients = c;
	ctl.nclients++;
	ev_io_init(&c->io, on_client, fd, 0);
	c->io.data = c;
	ev_timer_init(&c->hs, on_hello_timeout, 0., 0.);
	c->hs.data = c;
	return c;
}

/* A tcp:// client: no credentials; its TLS handshake first (bounded by
 * tls-handshake-timeout), or with --tcp-insecure plain at once. */
static void client_new_tcp(int fd)
{
	const struct config *cfg = &daemon_ctx.cfg;
	struct ctl_client *c;

	if (ctl.nclients >= CTL_MAX_CLIENTS ||
	    ctl.ntcp_clients >= CTL_MAX_TCP_CLIENTS ||
	    ctl.nhello >= CTL_MAX_HELLO) {
		refused_log("too many tcp clients, or handshakes at once");
		close(fd);
		return;
	}
	c = client_add(fd);
	c->tcp = true;
	ctl.ntcp_clients++;
	c->peer.tls = true;
	c->cred = (struct ucred){ 0, (uid_t)-1, (gid_t)-1 };
	if (!cfg->tlsverify) {
		if (client_role(c) == ROLE_NONE) {
			client_close(c);
			return;
		}
		client_update(c);
		return;
	}
	c->hello = true;
	ctl.nhello++;
	ev_timer_set(&c->hs, (double)cfg->tls_handshake_ms / 1000., 0.);
	ev_timer_start(daemon_ctx.loop, &c->hs);
	client_watch(c, EV_READ);
}

static void client_new(int fd)
{
	struct ctl_client *c;
	socklen_t len = sizeof(struct ucred);
	struct roles_peer peer = { 0 };
	struct ucred cr;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		close(fd);
		return;
	}
	roles_peer_unix(&peer, fd, cr.uid, cr.gid);
	if (roles_of(&daemon_ctx.cfg.roles, daemon_ctx.cfg.sock_gid, &peer) ==
	    ROLE_NONE) {
		roles_peer_free(&peer);
		refuse(fd, "err denied permission denied: this user has no "
			   "role on skiffd (\"roles\" in its config)\n");
		return;
	}
	if (ctl.nclients >= CTL_MAX_CLIENTS) {
		roles_peer_free(&peer);
		refuse(fd, "err busy too many clients\n");
		return;
	}
	c = client_add(fd);
	c->cred = cr;
	c->peer = peer;
	client_update(c);
}

/* Accept a bounded batch; on EMFILE give up the reserve fd to accept and
 * close one connection, so the backlog does not spin the loop. */
static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(w->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0 && w != &ctl.io) {
			client_new_tcp(fd);
			continue;
		}
		if (fd >= 0) {
			client_new(fd);
			continue;
		}
		if ((errno == EMFILE || errno == ENFILE) && ctl.reserve >= 0) {
			close(ctl.reserve);
			fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				refuse(fd, "err busy out of file descriptors\n");
			ctl.reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
			log_warn("ctl: out of file descriptors");
		}
		return;
	}
}

/* Does the skiffd at s answer a ping within a second? A connection
 * alone is not enough: a child of a skiffd killed a moment ago may still
 * hold the listening socket until it execs or exits (the keeper starts
 * skiffd again at once), and nobody accepts there. At start only. */
static bool answers(int s)
{
	struct pollfd p = { s, POLLIN, 0 };
	char c;

	if (send(s, "ping\n", 5, MSG_NOSIGNAL) != 5)
		return false;
	return poll(&p, 1, 1000) == 1 && recv(s, &c, 1, 0) == 1;
}

/* Refuse to start when another skiffd answers; remove a stale socket. */
static int check_stale(const struct sockaddr_un *sa, struct err *e)
{
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat sb;

	if (lstat(sa->sun_path, &sb) < 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode))
		return err_setc(e, ERR_CONFLICT, "%s exists and is not a socket",
				sa->sun_path);
	if (s >= 0 && connect(s, (const struct sockaddr *)sa, sizeof(*sa)) == 0 &&
	    answers(s))
		return err_setc(e, ERR_CONFLICT,
				"another skiffd is listening on %s",
				sa->sun_path);
	if (unlink(sa->sun_path) < 0)
		return err_set(e, errno, "remove stale socket %s",
			       sa->sun_path);
	return 0;
}

/* The socket file's group and mode from the config (socket-group,
 * socket-mode): who may connect at all; roles.c then decides what each
 * peer may do. */
static void socket_perms(const char *path)
{
	int gid = daemon_ctx.cfg.sock_gid, mode = daemon_ctx.cfg.sock_mode;

	if (mode < 0)
		mode = gid >= 0 ? 0660 : 0600;
	if ((gid >= 0 && chown(path, 0, (gid_t)gid) < 0) ||
	    chmod(path, (mode_t)mode) < 0)
		log_warn("ctl: group and mode of %s: %s", path,
			 strerror(errno));
}

static int bind_socket(const struct sockaddr_un *sa, struct err *e)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old;

	if (fd < 0)
		return err_set(e, errno, "socket");
	old = umask(0177);
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		umask(old);
		err_set(e, errno, "bind %s", sa->sun_path);
		close(fd);
		return -1;
	}
	umask(old);
	socket_perms(sa->sun_path);
	if (listen(fd, SOMAXCONN) < 0) {
		err_set(e, errno, "listen %s", sa->sun_path);
		close(fd);
		return -1;
	}
	return fd;
}

/* The listening socket a skiffd before us (killed, or upgraded) left
 * with the keeper, if it is bound to path and still there: clients that
 * connected meanwhile wait in its backlog, none was refused. */
static int inherited(const char *path)
{
	const char *was;
	_cleanup_close_ int fd = fdstore_take_listener(&was);
	struct stat sb;

	if (fd < 0 || strcmp(was, path) || stat(path, &sb) < 0 ||
	    !S_ISSOCK(sb.st_mode) || fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	log_info("listening on %s (kept by the keeper)", path);
	socket_perms(path);
	return steal_fd(&fd);
}

/* The config's tcp:// hosts: mutual TLS, or plain when forced. */
static int listen_tcp(struct err *e)
{
	const struct config *cfg = &daemon_ctx.cfg;

	for (int i = 0; i < cfg->hosts.n; i++) {
		const char *h = cfg->hosts.v[i];
		int fd;
		if (!strncmp(h, "unix://", 7))
			continue;
		if (strncmp(h, "tcp://", 6))
			return err_setc(e, ERR_INVALID,
					"host %s: expected unix://PATH or "
					"tcp://ADDR:PORT",
					h);
		if (!cfg->tlsverify && !cfg->tcp_insecure)
			return err_setc(e, ERR_INVALID,
					"host %s: tcp:// needs --tlsverify "
					"(mutual TLS: tlscacert, tlscert, "
					"tlskey), or --tcp-insecure to let "
					"anyone who reaches the port in",
					h);
		if (ctl.ntcp == CTL_MAX_TCP)
			return err_setc(e, ERR_INVALID, "at most %d tcp hosts",
					CTL_MAX_TCP);
		if (cfg->tlsverify && tls_setup(e) < 0)
			return -1;
		if ((fd = tls_listen(h, e)) < 0)
			return -1;
		ev_io_init(&ctl.tcp[ctl.ntcp].io, on_accept, fd, EV_READ);
		ctl.tcp[ctl.ntcp].fd = fd;
		ev_io_start(daemon_ctx.loop, &ctl.tcp[ctl.ntcp++].io);
		if (cfg->tlsverify)
			log_info("listening on %s (mutual TLS)", h);
		else
			log_warn("listening on %s WITHOUT TLS (--tcp-insecure): "
				 "anyone who reaches it has roles.default, "
				 "else admin",
				 h);
	}
	return 0;
}

int ctl_listen(const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_setc(e, ERR_INVALID, "socket path too long: %s",
				path);
	strcpy(sa.sun_path, path);
	ctl.fd = inherited(path);
	if (ctl.fd < 0) {
		if (check_stale(&sa, e) < 0)
			return -1;
		ctl.fd = bind_socket(&sa, e);
		if (ctl.fd < 0)
			return -1;
		fdstore_put_listener(ctl.fd, path);
	}
	ctl.path = strdup(path);
	ctl.reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ev_io_init(&ctl.io, on_accept, ctl.fd, EV_READ);
	ev_io_start(daemon_ctx.loop, &ctl.io);
	for (int fd; (fd = fdstore_take_client()) >= 0;) /* an upgrade's */
		if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
			close(fd);
		else
			client_new(fd);
	ev_prepare_init(&ctl.prep, on_prepare);
	ev_prepare_start(daemon_ctx.loop, &ctl.prep);
	ev_idle_init(&again, on_again);
	return listen_tcp(e);
}

/* Stop accepting, give every stream one last produce (so `events` sees
 * the shutdown), flush what the kernel takes and drop every client. */
void ctl_shutdown(void)
{
	if (ctl.fd >= 0) {
		ev_io_stop(daemon_ctx.loop, &ctl.io);
		close(ctl.fd);
		ctl.fd = -1;
		if (!daemon_ctx.upgrading) /* the next skiffd listens on */
			unlink(ctl.path);
	}
	for (int i = 0; i < ctl.ntcp; i++) {
		ev_io_stop(daemon_ctx.loop, &ctl.tcp[i].io);
		close(ctl.tcp[i].fd);
	}
	ctl.ntcp = 0;
	/* An upgrade hands clients still in the backlog to the next skiffd;
	 * those accepted here get what they already sent answered, and the
	 * idle ones (their next line not come yet) go to the keeper for it,
	 * so no client sees EOF between two requests. */
	for (struct ctl_client *c = ctl.clients, *next; daemon_ctx.upgrading &&
	     c; c = next) {
		next = c->next;
		if (!c->closing && !c->eof && !c->hello)
			client_read(c);
	}
	for (struct ctl_client *c = ctl.clients, *next; daemon_ctx.upgrading &&
	     c; c = next) {
		next = c->next; /* client_flush may close c */
		client_flush(c);
		if (client_idle(c)) {
			fdstore_put_client(c->fd);
			client_close(c);
		}
	}
	for (struct ctl_client *c = ctl.clients; c; c = c->next)
		if (c->cur && c->cur->ops)
			ctl_req_wake(c->cur);
	run_streams();
	for (struct ctl_client *c = ctl.clients, *next; c; c = next) {
		next = c->next; /* client_flush may close c */
		if (c->cur && c->cur->ops)
			stream_end(c->cur, NULL);
		client_flush(c);
	}
	while (ctl.clients)
		client_close(ctl.clients);
	on_prepare(daemon_ctx.loop, &ctl.prep, 0); /* frees the dead */
}

void ctl_close(void)
{
	ctl_shutdown();
	ev_prepare_stop(daemon_ctx.loop, &ctl.prep);
	ev_idle_stop(daemon_ctx.loop, &again);
	if (ctl.reserve >= 0)
		close(ctl.reserve);
	ctl.reserve = -1;
	free(ctl.path);
	ctl.path = NULL;
	tls_cleanup();
}
