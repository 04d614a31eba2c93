/* fdstore.c - skiffd's side of the keeper's socket (see fdstore.h).
 *
 * Owns the socket (non-blocking once the start-up list is in), its
 * ev_io, and the entries listed at start until the supervisor has taken
 * what it re-adopts. A KEEP_EXIT from the keeper is a re-adopted
 * container's exit: core/proc runs its owner. */
#include "fdstore.h"

#include <ev.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../proto/fdpass.h"
#include "../proto/keepwire.h"
#include "base/cleanup.h"
#include "base/xalloc.h"
#include "daemon.h"
#include "proc.h"

#define LIST_WAIT_MS 5000

static struct {
	int sock;
	ev_io io;
	struct fdstore_entry *v;
	size_t n;
	int listener;
	char listen_path[112];
	int clients[KEEP_MAX_CLIENTS]; /* handed over by an upgrade */
	int nclients;
} st = { .sock = -1, .listener = -1 };

bool fdstore_present(void)
{
	return st.sock >= 0;
}

static void send_msg(struct keep_msg *m, const int *fds, int nfds)
{
	struct err e = ERR_INIT;

	if (st.sock < 0)
		return;
	if (fdpass_send(st.sock, m, sizeof(*m), fds, nfds, &e) < 0)
		log_warn("keeper: %s (container %.12s)", e.msg, m->id);
}

static void msg_init(struct keep_msg *m, enum keep_op op, const char *id)
{
	memset(m, 0, sizeof(*m));
	m->op = op;
	if (id)
		snprintf(m->id, sizeof(m->id), "%s", id);
}

/* Read one message; 1 none yet, 0 one (fds in *en's order), -1 gone. */
static int recv_one(struct keep_msg *m, int fds[KEEP_NFDS], int *nfds)
{
	struct err e = ERR_INIT;
	ssize_t n = fdpass_recv(st.sock, m, sizeof(*m), fds, KEEP_NFDS, nfds,
				&e);

	if (n < 0 && (e.code == EAGAIN || e.code == EWOULDBLOCK))
		return 1;
	if (n <= 0)
		return -1;
	if (n != sizeof(*m)) {
		for (int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		m->op = 0;
	}
	m->id[sizeof(m->id) - 1] = '\0';
	return 0;
}

static void add_entry(const struct keep_msg *m, const int *fds, int nfds)
{
	struct fdstore_entry *en;
	int *slot[KEEP_NFDS];
	int j = 0;

	st.v = xrealloc(st.v, st.n + 1, sizeof(*st.v));
	en = &st.v[st.n++];
	memcpy(en->id, m->id, sizeof(en->id));
	en->pid = m->pid;
	en->status = m->status;
	en->time_ns = m->time_ns;
	slot[0] = &en->pidfd;
	slot[1] = &en->out;
	slot[2] = &en->err;
	slot[3] = &en->in;
	for (int i = 0; i < KEEP_NFDS; i++)
		*slot[i] = (m->fds & (1u << i)) && j < nfds ? fds[j++] : -1;
	for (; j < nfds; j++)
		close(fds[j]);
}

static void on_keeper(struct ev_loop *loop, ev_io *w, int revents)
{
	struct keep_msg m;
	int fds[KEEP_NFDS], nfds, r;

	while ((r = recv_one(&m, fds, &nfds)) == 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (m.op == KEEP_EXIT)
			proc_foreign_exit(m.pid, m.status);
	}
	if (r < 0) {
		log_err("keeper: its socket closed; containers are no longer "
			"crash-safe");
		fdstore_close();
	}
}

/* The start-up list: blocking, bounded, before the loop serves anyone. */
static int take_list(struct err *e)
{
	struct keep_msg m;
	int fds[KEEP_NFDS], nfds, r;

	msg_init(&m, KEEP_LIST, NULL);
	if (fdpass_send(st.sock, &m, sizeof(m), NULL, 0, e) < 0)
		return err_wrap(e, "keeper");
	for (;;) {
		struct pollfd p = { st.sock, POLLIN, 0 };
		if (poll(&p, 1, LIST_WAIT_MS) <= 0)
			return err_setc(e, ERR_INTERNAL, "keeper: no list in "
					"%d ms", LIST_WAIT_MS);
		r = recv_one(&m, fds, &nfds);
		if (r < 0)
			return err_setc(e, ERR_INTERNAL, "keeper: gone");
		if (r == 1)
			continue;
		if (m.op == KEEP_END)
			return 0;
		if (m.op == KEEP_ENTRY)
			add_entry(&m, fds, nfds);
		else if (m.op == KEEP_LISTENER && nfds == 1 && st.listener < 0) {
			st.listener = fds[0];
			memcpy(st.listen_path, m.id, sizeof(m.id));
		}
		else if (m.op == KEEP_CLIENT && nfds == 1 &&
			 st.nclients < KEEP_MAX_CLIENTS)
			st.clients[st.nclients++] = fds[0];
		else if (m.op == KEEP_EXIT) /* listed too, as exited */
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
	}
}

int fdstore_open(struct err *e)
{
	const char *v = getenv(KEEP_ENV);
	char *end;
	long fd;

	if (!v)
		return 0;
	fd = strtol(v, &end, 10);
	unsetenv(KEEP_ENV);
	if (*end || fd < 3 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
		return err_setc(e, ERR_INVALID, "%s=%s: not an open fd",
				KEEP_ENV, v);
	st.sock = (int)fd;
	if (take_list(e) < 0) {
		fdstore_close();
		return -1;
	}
	if (fcntl(st.sock, F_SETFL, O_NONBLOCK) < 0)
		return err_set(e, errno, "keeper: O_NONBLOCK");
	ev_io_init(&st.io, on_keeper, st.sock, EV_READ);
	ev_io_start(daemon_ctx.loop, &st.io);
	log_info("keeper: %zu container(s) held", st.n);
	return 0;
}

struct fdstore_entry *fdstore_entries(size_t *n)
{
	*n = st.n;
	return st.v;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void fdstore_forget_rest(void)
{
	for (size_t i = 0; i < st.n; i++) {
		struct fdstore_entry *en = &st.v[i];
		if (en->pidfd < 0 && en->out < 0 && en->err < 0 && en->in < 0)
			continue; /* taken */
		close_fd(&en->pidfd);
		close_fd(&en->out);
		close_fd(&en->err);
		close_fd(&en->in);
		fdstore_drop(en->id);
	}
	free(st.v);
	st.v = NULL;
	st.n = 0;
}

void fdstore_put(const char *id, pid_t pid, int pidfd, int out, int err,
		 int in)
{
	const int all[KEEP_NFDS] = { pidfd, out, err, in };
	int fds[KEEP_NFDS], n = 0;
	struct keep_msg m;

	if (st.sock < 0)
		return;
	msg_init(&m, KEEP_PUT, id);
	m.pid = pid;
	m.status = -1;
	for (int i = 0; i < KEEP_NFDS; i++)
		if (all[i] >= 0) {
			m.fds |= 1u << i;
			fds[n++] = all[i];
		}
	send_msg(&m, fds, n);
}

void fdstore_exited(const char *id, int status, int64_t time_ns)
{
	struct keep_msg m;

	msg_init(&m, KEEP_EXITED, id);
	m.status = status;
	m.time_ns = time_ns;
	send_msg(&m, NULL, 0);
}

void fdstore_drop(const char *id)
{
	struct keep_msg m;

	msg_init(&m, KEEP_DROP, id);
	send_msg(&m, NULL, 0);
}

int fdstore_take_listener(const char **path)
{
	*path = st.listen_path;
	return steal_fd(&st.listener);
}

int fdstore_take_client(void)
{
	return st.nclients ? st.clients[--st.nclients] : -1;
}

void fdstore_put_client(int fd)
{
	struct keep_msg m;

	msg_init(&m, KEEP_CLIENT, NULL);
	m.fds = KEEP_FD_PIDFD;
	send_msg(&m, &fd, 1);
}

void fdstore_put_listener(int fd, const char *path)
{
	struct keep_msg m;

	if (strlen(path) >= sizeof(m.id))
		return;
	msg_init(&m, KEEP_LISTEN, path);
	send_msg(&m, &fd, 1);
}

void fdstore_stdin_closed(const char *id)
{
	struct keep_msg m;

	msg_init(&m, KEEP_NOIN, id);
	send_msg(&m, NULL, 0);
}

void fdstore_close(void)
{
	if (st.sock < 0)
		return;
	if (daemon_ctx.loop)
		ev_io_stop(daemon_ctx.loop, &st.io);
	close(st.sock);
	st.sock = -1;
}
