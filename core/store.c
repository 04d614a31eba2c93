/* store.c - durable state (see store.h).
 *
 * Owns the store root's path, the writer process (a forked child, held by
 * a pidfd through proc.c) and the socketpair to it, and the queue of
 * commits not yet acknowledged. A commit's frame stays queued until the
 * writer acknowledges it, so a writer that dies is restarted and sent the
 * unacknowledged frames again (writes are idempotent).
 *
 * Frame to the writer: struct frame_hdr, then name (kind/id.json), then
 * data. Reply: struct frame_ack. The writer reads every frame already
 * waiting, writes and fsyncs each file, renames, fsyncs each directory
 * once, then acknowledges the whole group: one fsync of a directory
 * covers every rename in it. */
#include "store.h"

#include <dirent.h>
#include <ev.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/file.h"
#include "base/log.h"
#include "daemon.h"
#include "proc.h"
#include "base/xalloc.h"
#include "crashpoint.h"

#define STORE_NAME_MAX 256
#define STORE_DATA_MAX (16 * 1024 * 1024)
#define STORE_GROUP_MAX 256

enum { OP_PUT = 1, OP_DEL = 2 };

struct frame_hdr {
	uint32_t op, seq, name_len, data_len;
};
struct frame_ack {
	uint32_t seq;
	int32_t errnum;
};

struct commit {
	uint32_t seq;
	store_done_fn done;
	void *ctx;
	struct buf frame;
	struct commit *next;
};

static struct {
	char *root;
	int fd; /* our end of the socketpair */
	struct proc *writer;
	ev_io rio, wio;
	struct buf out; /* frames not yet written to the socket */
	struct buf in;	/* partial acks */
	struct commit *head, **tail;
	unsigned pending;
	uint32_t next_seq;
	bool closing;
} st = { .fd = -1 };

/* ---- durable writes, blocking (the writer process and start-up) ---- */

static int fsync_dir(const char *dir, struct err *e)
{
	return file_fsync_dir(AT_FDCWD, dir, e);
}

/* Write and fsync dir/.name.tmp then rename it over dir/name (core/base's
 * durable write); the caller fsyncs the directory (once for a group). */
static int write_renamed(const char *dir, const char *name, const void *data,
			 size_t len, struct err *e)
{
	char tmp[4096], dst[4096];

	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	return file_write_durable(&(struct file_durable){ .dirfd = AT_FDCWD,
							  .name = dst,
							  .tmp = tmp,
							  .mode = 0600,
							  .no_dir_sync = true },
				  data, len, e);
}

int store_write_sync(const char *dir, const char *name, const void *data,
		     size_t len, struct err *e)
{
	if (write_renamed(dir, name, data, len, e) < 0)
		return -1;
	return fsync_dir(dir, e);
}

int store_unlink_sync(const char *dir, const char *name, struct err *e)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (unlink(p) < 0 && errno != ENOENT)
		return err_set(e, errno, "unlink %s", p);
	return fsync_dir(dir, e);
}

/* ---- the writer process ---- */

/* Read exactly len bytes; 0 on success, -1 on EOF or error. */
static int read_full(int fd, void *p, size_t len)
{
	char *c = p;

	while (len) {
		ssize_t n = read(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

struct wframe {
	struct frame_hdr h;
	char name[STORE_NAME_MAX + 1];
	char *data;
	char dir[4096];
	int errnum;
};

static int read_frame(int fd, struct wframe *f)
{
	if (read_full(fd, &f->h, sizeof(f->h)) < 0 ||
	    f->h.name_len > STORE_NAME_MAX || f->h.data_len > STORE_DATA_MAX)
		return -1;
	if (read_full(fd, f->name, f->h.name_len) < 0)
		return -1;
	f->name[f->h.name_len] = '\0';
	f->data = malloc(f->h.data_len + 1);
	if (!f->data || read_full(fd, f->data, f->h.data_len) < 0)
		return -1;
	return 0;
}

static bool more_waiting(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Apply one frame: write (or unlink) without the directory fsync. */
static void apply_frame(const char *root, struct wframe *f)
{
	struct err e = ERR_INIT;
	char *slash = strrchr(f->name, '/');
	char path[4096];

	f->errnum = 0;
	if (!slash || strstr(f->name, "..") || f->name[0] == '/') {
		f->errnum = EINVAL;
		return;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/%.*s", root,
		 (int)(slash - f->name), f->name);
	if (mkdir(f->dir, 0700) < 0 && errno != EEXIST) {
		f->errnum = errno;
		return;
	}
	if (f->h.op == OP_PUT) {
		if (write_renamed(f->dir, slash + 1, f->data, f->h.data_len,
				  &e) < 0)
			f->errnum = e.code ? e.code : EIO;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", root, f->name);
	if (unlink(path) < 0 && errno != ENOENT)
		f->errnum = errno;
}

/* Fsync each directory the group touched once; a failure fails every
 * frame in that directory. */
static void sync_dirs(struct wframe *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		struct err e = ERR_INIT;
		if (g[i].errnum || !g[i].dir[0])
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(g[j].dir, g[i].dir);
		if (seen || fsync_dir(g[i].dir, &e) == 0)
			continue;
		for (size_t j = i; j < n; j++)
			if (!strcmp(g[j].dir, g[i].dir))
				g[j].errnum = e.code ? e.code : EIO;
	}
}

static int writer_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	const char *root = st.root;
	static struct wframe g[STORE_GROUP_MAX];

	for (;;) {
		size_t n = 0;
		do {
			memset(&g[n], 0, sizeof(g[n]));
			if (read_frame(fd, &g[n]) < 0)
				return 0; /* the daemon closed: done */
			apply_frame(root, &g[n]);
			n++;
		} while (n < STORE_GROUP_MAX && more_waiting(fd));
		sync_dirs(g, n);
		for (size_t i = 0; i < n; i++) {
			struct frame_ack a = { g[i].h.seq, g[i].errnum };
			if (file_write_all(fd, &a, sizeof(a)) < 0)
				return 1;
			free(g[i].data);
		}
	}
}

/* ---- the daemon side ---- */

static int writer_start(struct err *e);

static void flush_out(void)
{
	while (buf_used(&st.out)) {
		ssize_t n = write(st.fd, buf_head(&st.out), buf_used(&st.out));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN)
				ev_io_start(daemon_ctx.loop, &st.wio);
			return; /* EPIPE: the exit handler restarts it */
		}
		buf_consume(&st.out, (size_t)n);
	}
	ev_io_stop(daemon_ctx.loop, &st.wio);
	buf_shrink(&st.out, 64 * 1024);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	flush_out();
}

static void ack_one(const struct frame_ack *a)
{
	struct commit *c = st.head;

	if (!c || c->seq != a->seq) {
		log_err("store: writer acknowledged %u out of order", a->seq);
		return;
	}
	crashpoint("store: durable, not yet acknowledged");
	st.head = c->next;
	if (!st.head)
		st.tail = &st.head;
	st.pending--;
	if (c->done)
		c->done(a->errnum, c->ctx);
	buf_free(&c->frame);
	free(c);
}

static void read_acks(void)
{
	struct frame_ack a;
	ssize_t n;

	for (;;) {
		n = read(st.fd, buf_reserve(&st.in, 4096), 4096);
		if (n <= 0)
			break;
		st.in.len += (size_t)n;
		while (buf_used(&st.in) >= sizeof(a)) {
			memcpy(&a, buf_head(&st.in), sizeof(a));
			buf_consume(&st.in, sizeof(a));
			ack_one(&a);
		}
	}
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	read_acks();
}

/* Retries every 0.5 s until a writer runs, then stops. */
static void restart_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct err e = ERR_INIT;

	if (writer_start(&e) < 0) {
		log_err("store: %s; retrying", e.msg);
		return;
	}
	ev_timer_stop(loop, t);
}

static ev_timer restart_timer;

/* The writer died: start another and send it every unacknowledged frame
 * again, in order. */
static void on_writer_exit(struct proc *p, const siginfo_t *si, void *ctx)
{
	char how[64];

	st.writer = NULL;
	if (st.closing)
		return;
	log_err("store: writer process %s; restarting",
		proc_status_str(si, how, sizeof(how)));
	ev_io_stop(daemon_ctx.loop, &st.rio);
	ev_io_stop(daemon_ctx.loop, &st.wio);
	close(st.fd);
	st.fd = -1;
	ev_timer_init(&restart_timer, restart_cb, 0.1, 0.5);
	ev_timer_start(daemon_ctx.loop, &restart_timer);
}

static int writer_child(void *arg)
{
	int fd = (int)(intptr_t)arg;

	/* Keep only stderr and our socket: no client or listener fds. */
	if (dup2(fd, 3) < 0)
		return 1;
	syscall(SYS_close_range, 4, ~0U, 0);
	return writer_main((void *)(intptr_t)3);
}

static int writer_start(struct err *e)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, errno, "store: socketpair");
	/* ours is non-blocking (the loop); the writer's end blocks */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		err_set(e, errno, "store: socketpair O_NONBLOCK");
		close(sv[0]), close(sv[1]);
		return -1;
	}
	st.writer = proc_fork(writer_child, (void *)(intptr_t)sv[1],
			      on_writer_exit, NULL, e);
	close(sv[1]);
	if (!st.writer) {
		close(sv[0]);
		return err_wrap(e, "store: start writer");
	}
	st.fd = sv[0];
	ev_io_init(&st.rio, on_readable, st.fd, EV_READ);
	ev_io_init(&st.wio, on_writable, st.fd, EV_WRITE);
	ev_io_start(daemon_ctx.loop, &st.rio);
	buf_reset(&st.out);
	buf_reset(&st.in);
	for (struct commit *c = st.head; c; c = c->next)
		buf_append(&st.out, buf_head(&c->frame), buf_used(&c->frame));
	flush_out();
	return 0;
}

static int mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return err_set(e, errno, "mkdir %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", tmp);
	return 0;
}

int store_open(const char *root, struct err *e)
{
	if (mkdir_p(root, 0700, e) < 0)
		return -1;
	free(st.root);
	st.root = strdup(root);
	st.tail = &st.head;
	st.closing = false;
	return writer_start(e);
}

static int queue(uint32_t op, const char *kind, const char *id,
		 const char *data, size_t len, store_done_fn done, void *ctx)
{
	struct commit *c = xcalloc(1, sizeof(*c));
	char name[STORE_NAME_MAX + 1];
	struct frame_hdr h;
	int n = snprintf(name, sizeof(name), "%s/%s.json", kind, id);

	if (n < 0 || n > STORE_NAME_MAX || len > STORE_DATA_MAX ||
	    strchr(id, '/') || strchr(kind, '/')) {
		free(c);
		errno = EINVAL;
		return -1;
	}
	h = (struct frame_hdr){ op, ++st.next_seq, (uint32_t)n, (uint32_t)len };
	c->seq = h.seq;
	c->done = done;
	c->ctx = ctx;
	buf_append(&c->frame, &h, sizeof(h));
	buf_append(&c->frame, name, (size_t)n);
	buf_append(&c->frame, data, len);
	*st.tail = c;
	st.tail = &c->next;
	st.pending++;
	if (st.fd >= 0) {
		buf_append(&st.out, buf_head(&c->frame), buf_used(&c->frame));
		flush_out();
	}
	return 0;
}

int store_put(const char *kind, const char *id, const char *json, size_t len,
	      store_done_fn done, void *ctx)
{
	crashpoint("store: put");
	return queue(OP_PUT, kind, id, json, len, done, ctx);
}

int store_del(const char *kind, const char *id, store_done_fn done, void *ctx)
{
	crashpoint("store: del");
	return queue(OP_DEL, kind, id, "", 0, done, ctx);
}

unsigned store_pending(void)
{
	return st.pending;
}

int store_writer_pid(void)
{
	return st.writer ? proc_pid(st.writer) : 0;
}

/* At exit: wait (blocking; the loop is over) until every commit is
 * durable, then let the writer see EOF. */
void store_close(void)
{
	struct pollfd p;

	st.closing = true;
	while (st.fd >= 0 && st.pending) {
		p.fd = st.fd;
		p.events = POLLIN | (buf_used(&st.out) ? POLLOUT : 0);
		if (poll(&p, 1, 5000) <= 0 || (p.revents & (POLLHUP | POLLERR)))
			break;
		if (p.revents & POLLOUT)
			flush_out();
		if (p.revents & POLLIN)
			read_acks();
	}
	if (st.pending)
		log_err("store: %u commits not acknowledged at exit",
			st.pending);
	if (st.fd >= 0) {
		ev_io_stop(daemon_ctx.loop, &st.rio);
		ev_io_stop(daemon_ctx.loop, &st.wio);
		close(st.fd);
		st.fd = -1;
	}
	if (st.writer)
		proc_disown(st.writer);
}

/* ---- loading at start ---- */

static char *slurp(int dirfd, const char *name, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct buf b = { 0 };
	ssize_t n;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf_reserve(&b, 65536), 65536)) > 0) {
		b.len += (size_t)n;
		if (b.len > STORE_DATA_MAX)
			break;
	}
	*len = b.len;
	buf_append(&b, "", 1);
	return b.data;
}

/* Bytes from a file for a log line: printable ASCII stays, newlines
 * and runs of spaces become one space, anything else (a terminal
 * escape, a tab) becomes \xNN. */
static void escape(char *out, size_t n, const char *in)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in;
	     *p && o + 5 < n; p++) {
		if ((*p == ' ' || *p == '\n') && o && out[o - 1] == ' ')
			continue; /* yajl's message spans lines */
		if (*p == '\n')
			out[o++] = ' ';
		else if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", *p);
	}
	out[o] = '\0';
}

struct load_fns {
	void (*fn)(const char *id, yajl_val tree, void *ctx);
	void (*bad)(const char *id, const char *why, void *ctx);
	void *ctx;
};

static void load_one(int dirfd, const char *kind, const char *name,
		     const struct load_fns *f)
{
	char errbuf[256], safe[512], id[STORE_NAME_MAX];
	char why[sizeof(safe) + STORE_NAME_MAX + 64];
	char bad[STORE_NAME_MAX + 8];
	size_t len = 0, nl = strlen(name);
	_cleanup_free_ char *text = slurp(dirfd, name, &len);
	yajl_val tree = text ? yajl_tree_parse(text, errbuf, sizeof(errbuf))
			     : NULL;

	snprintf(id, sizeof(id), "%.*s", (int)(nl - 5), name);
	if (!tree) {
		escape(safe, sizeof(safe), text ? errbuf : "unreadable");
		log_err("store: %s/%s/%s does not parse (%s); moved aside as "
			".bad", st.root, kind, name, safe);
		snprintf(bad, sizeof(bad), "%s.bad", name);
		renameat(dirfd, name, dirfd, bad);
		snprintf(why, sizeof(why), "state file does not parse (%s); "
			 "moved aside as %s", safe, bad);
		if (f->bad)
			f->bad(id, why, f->ctx);
		return;
	}
	f->fn(id, tree, f->ctx);
	yajl_tree_free(tree);
}

/* NAME.json.bad from an earlier start: its owner may show it. */
static void load_bad(const char *name, size_t n, const struct load_fns *f)
{
	char id[STORE_NAME_MAX], why[STORE_NAME_MAX + 64];

	if (!f->bad || n < 10 || n - 9 >= sizeof(id) ||
	    strcmp(name + n - 9, ".json.bad"))
		return;
	snprintf(id, sizeof(id), "%.*s", (int)(n - 9), name);
	snprintf(why, sizeof(why), "state file does not parse; moved aside "
		 "as %s", name);
	f->bad(id, why, f->ctx);
}

int store_load_all(const char *kind,
		   void (*fn)(const char *id, yajl_val tree, void *ctx),
		   void (*bad)(const char *id, const char *why, void *ctx),
		   void *ctx, struct err *e)
{
	const struct load_fns f = { fn, bad, ctx };
	char path[4096];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", st.root, kind);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : err_set(e, errno, "open %s", path);
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		if (d->d_name[0] == '.' && n > 4 &&
		    !strcmp(d->d_name + n - 4, ".tmp"))
			unlinkat(dirfd(dir), d->d_name, 0);
		else if (d->d_name[0] != '.' && n > 5 && n < STORE_NAME_MAX &&
			 !strcmp(d->d_name + n - 5, ".json"))
			load_one(dirfd(dir), kind, d->d_name, &f);
		else if (d->d_name[0] != '.')
			load_bad(d->d_name, n, &f);
	}
	closedir(dir);
	return 0;
}

int store_load(const char *kind,
	       void (*fn)(const char *id, yajl_val tree, void *ctx), void *ctx,
	       struct err *e)
{
	return store_load_all(kind, fn, NULL, ctx, e);
}
