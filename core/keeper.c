/* keeper.c - skiffd-keeper, skiffd's tiny ancestor (DESIGN.md section 4).
 *
 * `skiffd` execs this first (core/main.c) unless it runs as init; the
 * keeper keeps the pid the user started, becomes the child subreaper,
 * and runs skiffd proper as its child with one end of a SOCK_SEQPACKET
 * socketpair (proto/keepwire.h). For every running container skiffd
 * hands it copies of the pidfd and the stdio read ends (or pty master)
 * and stdin's write end: while skiffd is away no container sees EOF or
 * SIGPIPE and output waits in the pipes (enlarged with F_SETPIPE_SZ).
 * Containers are skiffd's children; when skiffd dies they become the
 * keeper's, which reaps them and records each exit (status and time)
 * for the next skiffd. If skiffd is killed by a signal, or exits with
 * KEEP_EXIT_RESTART, the keeper starts it again; any other exit of
 * skiffd ends the keeper with the same status. SIGTERM, SIGINT, SIGQUIT
 * and SIGHUP are passed on to skiffd.
 *
 * It parses nothing but skiffd's fixed-size messages, links no library
 * but libc (it is built static), and owns: the signalfd, skiffd's
 * socket, and one array of entries (id, pid, status, fds). */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "../proto/fdpass.h"
#include "../proto/keepwire.h"

#define PIPE_SIZE (1 << 20) /* what waits while skiffd is away */
#define SEND_WAIT_MS 1000
#define SOCK_BUF (4 << 20) /* a LIST of thousands of entries, with fds */

struct entry {
	char id[112];
	pid_t pid;
	int status; /* -1: running */
	int64_t time_ns;
	int fd[KEEP_NFDS]; /* by bit: pidfd, out, err, in; -1 none */
};

static struct {
	char **argv; /* skiffd's */
	pid_t daemon;
	int sock; /* to the daemon; -1 while none runs */
	int sfd;
	struct entry listener; /* the control socket: fd[0], its path */
	int clients[KEEP_MAX_CLIENTS]; /* idle clients across an upgrade */
	int nclients;
	struct entry *e;
	size_t n, cap;
	int64_t started_ms;
	unsigned backoff_ms;
	bool stopping;
} k = { .sock = -1 };

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "skiffd-keeper: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void entry_close(struct entry *en)
{
	for (int i = 0; i < KEEP_NFDS; i++)
		if (en->fd[i] >= 0)
			close(en->fd[i]);
}

static struct entry *find(const char *id)
{
	for (size_t i = 0; i < k.n; i++)
		if (!strcmp(k.e[i].id, id))
			return &k.e[i];
	return NULL;
}

static void drop(const char *id)
{
	struct entry *en = find(id);

	if (!en)
		return;
	entry_close(en);
	*en = k.e[--k.n];
}

/* Send one message with the fds of en that m->fds names. A full socket
 * (a long LIST, a busy skiffd) is waited for a little; a skiffd that does
 * not read then loses the news, never stalls the keeper for long (the
 * entry keeps the status for the next LIST). */
static void send_msg(const struct keep_msg *m, const struct entry *en)
{
	union {
		char buf[CMSG_SPACE(KEEP_NFDS * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[KEEP_NFDS], n = 0;

	for (int i = 0; en && i < KEEP_NFDS; i++)
		if (m->fds & (1u << i))
			fds[n++] = en->fd[i];
	if (n)
		fdpass_attach(&mh, c.buf, fds, n);
	for (int tries = 0; k.sock >= 0 && tries < 2; tries++) {
		struct pollfd p = { k.sock, POLLOUT, 0 };
		if (sendmsg(k.sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		if (errno != EAGAIN || poll(&p, 1, SEND_WAIT_MS) != 1)
			break;
	}
	say("send to skiffd: %s", strerror(errno));
}

static struct entry *put(const struct keep_msg *m, const int *fds, int nfds)
{
	struct entry *en = find(m->id);
	int j = 0;

	if (en)
		entry_close(en);
	else {
		if (k.n == k.cap) {
			size_t cap = k.cap ? k.cap * 2 : 64;
			struct entry *v = realloc(k.e, cap * sizeof(*v));
			if (!v)
				return NULL;
			k.e = v;
			k.cap = cap;
		}
		en = &k.e[k.n++];
	}
	memset(en, 0, sizeof(*en));
	memcpy(en->id, m->id, sizeof(en->id));
	en->id[sizeof(en->id) - 1] = '\0';
	en->pid = m->pid;
	en->status = -1;
	for (int i = 0; i < KEEP_NFDS; i++) {
		en->fd[i] = (m->fds & (1u << i)) && j < nfds ? fds[j++] : -1;
		/* a pty master refuses; a pipe holds more while we wait */
		if (i == 1 || i == 2)
			(void)fcntl(en->fd[i], F_SETPIPE_SZ, PIPE_SIZE);
	}
	return en;
}

static void list(void)
{
	struct keep_msg m;

	for (size_t i = 0; i < k.n; i++) {
		memset(&m, 0, sizeof(m));
		m.op = KEEP_ENTRY;
		memcpy(m.id, k.e[i].id, sizeof(m.id));
		m.pid = k.e[i].pid;
		m.status = k.e[i].status;
		m.time_ns = k.e[i].time_ns;
		for (int j = 0; j < KEEP_NFDS; j++)
			if (k.e[i].fd[j] >= 0)
				m.fds |= 1u << j;
		send_msg(&m, &k.e[i]);
	}
	memset(&m, 0, sizeof(m));
	if (k.listener.fd[0] >= 0) {
		m.op = KEEP_LISTENER;
		m.fds = KEEP_FD_PIDFD;
		memcpy(m.id, k.listener.id, sizeof(m.id));
		send_msg(&m, &k.listener);
		memset(&m, 0, sizeof(m));
	}
	for (int i = 0; i < k.nclients; i++) { /* handed on, once */
		struct entry en = { .fd = { k.clients[i], -1, -1, -1 } };
		m.op = KEEP_CLIENT;
		m.fds = KEEP_FD_PIDFD;
		send_msg(&m, &en);
		close(k.clients[i]);
	}
	k.nclients = 0;
	memset(&m, 0, sizeof(m));
	m.op = KEEP_END;
	send_msg(&m, NULL);
}

/* One message from skiffd; fds beyond what it names are closed. */
static void on_msg(const struct keep_msg *m, int *fds, int nfds)
{
	struct entry *en;

	switch (m->op) {
	case KEEP_PUT:
		if (put(m, fds, nfds))
			return;
		break;
	case KEEP_EXITED:
		if ((en = find(m->id)) && en->status < 0) {
			en->status = m->status;
			en->time_ns = m->time_ns;
		}
		break;
	case KEEP_DROP:
		drop(m->id);
		break;
	case KEEP_NOIN:
		if ((en = find(m->id)) && en->fd[3] >= 0) {
			close(en->fd[3]);
			en->fd[3] = -1;
		}
		break;
	case KEEP_LIST:
		list();
		break;
	case KEEP_LISTEN:
		if (nfds != 1)
			break;
		entry_close(&k.listener);
		memcpy(k.listener.id, m->id, sizeof(m->id));
		k.listener.fd[0] = fds[0];
		return;
	case KEEP_CLIENT:
		if (nfds != 1 || k.nclients == KEEP_MAX_CLIENTS)
			break;
		k.clients[k.nclients++] = fds[0];
		return;
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

/* Read one message; false when none was waiting (or the socket went). */
static bool read_daemon(void)
{
	union {
		char buf[CMSG_SPACE(KEEP_NFDS * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct keep_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf) };
	int fds[KEEP_NFDS], nfds = 0;
	ssize_t n = recvmsg(k.sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(k.sock); /* skiffd is gone; SIGCHLD says how */
			k.sock = -1;
		}
		return false;
	}
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h;
	     h = CMSG_NXTHDR(&mh, h)) {
		size_t cnt = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const int *got = (const int *)CMSG_DATA(h);
		for (size_t i = 0; i < cnt; i++) {
			if (nfds < KEEP_NFDS)
				fds[nfds++] = got[i];
			else
				close(got[i]);
		}
	}
	if (n != sizeof(m)) {
		m.op = 0; /* not ours: its fds are closed */
	}
	m.id[sizeof(m.id) - 1] = '\0';
	on_msg(&m, fds, nfds);
	return true;
}

/* Fork and exec skiffd with its end of a new socketpair in KEEP_ENV. */
static void start_daemon(void)
{
	int sv[2];
	char num[16];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		say("socketpair: %s", strerror(errno));
		exit(1);
	}
	for (int i = 0; i < 2; i++) /* root may; else the default */
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &(int){ SOCK_BUF },
			       sizeof(int)) < 0)
			(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF,
					 &(int){ SOCK_BUF }, sizeof(int));
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		sigset_t all;
		int fd = fcntl(sv[1], F_DUPFD, 3); /* without CLOEXEC */
		snprintf(num, sizeof(num), "%d", fd);
		setenv(KEEP_ENV, num, 1);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		execv(k.argv[0], k.argv);
		_exit(127);
	}
	close(sv[1]);
	k.sock = sv[0];
	k.daemon = pid;
	k.started_ms = clock_ms(CLOCK_MONOTONIC);
}

/* Does the keeper hold a container that still runs? */
static bool holding(void)
{
	for (size_t i = 0; i < k.n; i++)
		if (k.e[i].status < 0)
			return true;
	return false;
}

/* skiffd ended: again after a crash (back-off when it keeps crashing),
 * or after an error exit while containers still run (a config broken
 * between two starts: they keep running and the next try may succeed),
 * else the keeper ends as it did. */
static void daemon_ended(int status)
{
	k.daemon = 0;
	while (k.sock >= 0) /* what it sent before it died counts */
		if (!read_daemon())
			break;
	if (k.sock >= 0)
		close(k.sock);
	k.sock = -1;
	if (!k.stopping && (WIFSIGNALED(status) ||
			    (WIFEXITED(status) && WEXITSTATUS(status) &&
			     holding()) ||
			    (WIFEXITED(status) &&
			     WEXITSTATUS(status) == KEEP_EXIT_RESTART))) {
		if (WIFEXITED(status) &&
		    WEXITSTATUS(status) == KEEP_EXIT_RESTART) {
			start_daemon(); /* a live upgrade: at once */
			return;
		}
		if (clock_ms(CLOCK_MONOTONIC) - k.started_ms > 10000)
			k.backoff_ms = 0;
		if (WIFSIGNALED(status))
			say("skiffd killed by signal %d; starting it again",
			    WTERMSIG(status));
		else
			say("skiffd exited with %d while containers run; "
			    "starting it again", WEXITSTATUS(status));
		if (k.backoff_ms)
			poll(NULL, 0, (int)k.backoff_ms);
		k.backoff_ms = k.backoff_ms ? k.backoff_ms * 2 : 100;
		if (k.backoff_ms > 10000)
			k.backoff_ms = 10000;
		start_daemon();
		return;
	}
	for (size_t i = 0; i < k.n; i++)
		if (k.e[i].status < 0)
			say("container %.12s still runs; its output is no "
			    "longer held", k.e[i].id);
	exit(WIFEXITED(status) ? WEXITSTATUS(status)
			       : 128 + WTERMSIG(status));
}

/* Reap every child: skiffd, a container it left, or any orphan. */
static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == k.daemon) {
			daemon_ended(status);
			continue;
		}
		for (size_t i = 0; i < k.n; i++) {
			struct entry *en = &k.e[i];
			struct keep_msg m = { .op = KEEP_EXIT };
			if (en->pid != pid || en->status >= 0)
				continue;
			en->status = status;
			en->time_ns = clock_ms(CLOCK_REALTIME) * 1000000;
			memcpy(m.id, en->id, sizeof(m.id));
			m.pid = pid;
			m.status = status;
			m.time_ns = en->time_ns;
			send_msg(&m, NULL);
		}
	}
}

static void on_signal(void)
{
	struct signalfd_siginfo si;

	while (read(k.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap();
			continue;
		}
		if (si.ssi_signo != SIGHUP)
			k.stopping = true;
		if (k.daemon > 0)
			kill(k.daemon, (int)si.ssi_signo);
		else if (k.stopping)
			exit(128 + (int)si.ssi_signo);
	}
}

int main(int argc, char **argv)
{
	sigset_t set;

	if (argc < 2) {
		fprintf(stderr, "usage: skiffd-keeper SKIFFD [ARGS...]\n");
		return 2;
	}
	k.argv = argv + 1;
	for (int i = 0; i < KEEP_NFDS; i++)
		k.listener.fd[i] = -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		say("prctl PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	k.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (k.sfd < 0)
		return say("signalfd: %s", strerror(errno)), 1;
	start_daemon();
	for (;;) {
		struct pollfd p[2] = { { k.sfd, POLLIN, 0 },
				       { k.sock, POLLIN, 0 } };
		if (poll(p, k.sock >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			return say("poll: %s", strerror(errno)), 1;
		if (k.sock >= 0 && p[1].revents) /* before a SIGCHLD of its */
			read_daemon();
		if (p[0].revents)
			on_signal();
	}
}
