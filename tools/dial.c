/* dial.c - ssh:// (docs/protocol.md, "Remote access"): skiff runs
 * `ssh [-l USER] [-p PORT] HOST skiff system dial-stdio` on a socketpair
 * and speaks the line protocol through it, as Docker's ssh:// does; and
 * `skiff system dial-stdio`, the remote end, which relays its stdin and
 * stdout to the local skiffd's UNIX socket, so skiffd sees the ssh user
 * by SO_PEERCRED and grants that user's role.
 *
 * Owns the ssh child (its pid, waited for when the connection ends
 * early, to say why) and, in dial-stdio, the socket and the bytes in
 * flight. No descriptor crosses ssh: the verbs that pass one are refused
 * here before anything is sent. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/xalloc.h"
#include "../proto/fdpass.h"
#include "skiff.h"

static struct {
	pid_t pid;
	char host[256];
} ssh = { .pid = -1 };

bool dial_is_ssh(const struct opts *o)
{
	return !strncmp(o->sock, "ssh://", 6);
}

/* ssh://[USER@]HOST[:PORT] into its parts (user, port "" when absent). */
static int split_ssh(const char *url, char *user, char *host, char *port)
{
	const char *p = url + 6, *at = strchr(p, '@'), *colon;
	size_t n;

	user[0] = port[0] = '\0';
	if (at) {
		if ((size_t)(at - p) >= 64 || at == p)
			return -1;
		memcpy(user, p, (size_t)(at - p));
		user[at - p] = '\0';
		p = at + 1;
	}
	colon = strrchr(p, ':');
	n = colon ? (size_t)(colon - p) : strlen(p);
	if (!n || n >= 256 || strchr(p, '/') || (colon && strlen(colon) > 6))
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon)
		strcpy(port, colon + 1);
	return 0;
}

/* The ssh command: $SKIFF_SSH_COMMAND's words (as "ssh -F cfg"), else
 * ssh; then the target and the remote command. */
static char **ssh_argv(const char *user, const char *host, const char *port)
{
	const char *cmd = getenv("SKIFF_SSH_COMMAND");
	char *words = xstrdup(cmd && *cmd ? cmd : "ssh"), *save = NULL;
	char **av = xcalloc(32, sizeof(*av));
	int n = 0;

	for (char *w = strtok_r(words, " \t", &save); w && n < 20;
	     w = strtok_r(NULL, " \t", &save))
		av[n++] = w;
	if (*user) {
		av[n++] = "-l";
		av[n++] = (char *)user;
	}
	if (*port) {
		av[n++] = "-p";
		av[n++] = (char *)port;
	}
	av[n++] = "--";
	av[n++] = (char *)host;
	av[n++] = "skiff";
	av[n++] = "system";
	av[n++] = "dial-stdio";
	return av; /* the words stay allocated until exec or exit */
}

int dial_ssh(const struct opts *o, struct err *e)
{
	char user[64], port[8];
	char **av;
	int sv[2];

	if (split_ssh(o->sock, user, ssh.host, port) < 0)
		return err_setc(e, ERR_INVALID,
				"bad host %s (expected ssh://[USER@]HOST[:PORT])",
				o->sock);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, errno, "socketpair");
	av = ssh_argv(user, ssh.host, port);
	ssh.pid = fork();
	if (ssh.pid == 0) {
		sigset_t none;
		sigemptyset(&none); /* ours blocks SIGINT while streaming */
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		execvp(av[0], av);
		fprintf(stderr, "skiff: %s: %s\n", av[0], strerror(errno));
		_exit(127);
	}
	free(av[0]);
	free(av);
	close(sv[1]);
	if (ssh.pid < 0) {
		close(sv[0]);
		return err_set(e, errno, "fork");
	}
	return sv[0];
}

/* The connection ended before the reply did: when it was ssh, say why
 * from its exit status. 0 when there is nothing to add. */
int dial_closed(struct err *e)
{
	int st;

	if (ssh.pid <= 0 || waitpid(ssh.pid, &st, 0) != ssh.pid)
		return 0;
	ssh.pid = -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return err_setc(e, ERR_NOT_FOUND,
				"ssh://%s: `skiff system dial-stdio` was not "
				"found there (exit 127): is skiff installed and "
				"in that user's PATH?",
				ssh.host);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 255)
		return err_setc(e, ERR_INTERNAL,
				"ssh://%s: ssh failed (exit 255; its message "
				"is above)",
				ssh.host);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		return err_setc(e, ERR_INTERNAL,
				"ssh://%s: skiff system dial-stdio exited %d "
				"(is skiffd running there?)",
				ssh.host, WEXITSTATUS(st));
	return 0;
}

/* A verb that passes a descriptor cannot go over ssh:// (nor tcp://,
 * where skiffd says so itself): refuse it before sending. */
int dial_check(const struct opts *o, int hfd, struct err *e)
{
	bool relay = (o->how & CLI_RELAY) && o->parsed &&
		     (cmdspec_bool(&o->call, "interactive") ||
		      cmdspec_bool(&o->call, "tty"));

	if (!dial_is_ssh(o) || (hfd < 0 && !relay))
		return 0;
	return err_setc(e, ERR_INVALID,
			"%s passes a %s as a descriptor, which ssh:// cannot "
			"carry: run skiff on that host (ssh -t HOST skiff ...)",
			o->spec ? o->spec->name : "this command",
			relay ? "terminal or stdin" : "file");
}

/* ---- skiff system dial-stdio ---- */

static int put_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Tell skiffd this connection is relayed (it then passes no
 * descriptor: a verb that would says so) and read its one-line answer,
 * which is ours, not the far client's. An older skiffd's "unknown
 * command" is read the same way. */
static int say_relayed(int s, struct err *e)
{
	static const char line[] = "system dial-stdio\n";
	char c;
	ssize_t n;

	if (put_all(s, line, sizeof(line) - 1) < 0)
		return err_set(e, errno, "write to skiffd");
	do
		n = read(s, &c, 1);
	while (n == 1 ? c != '\n' : n < 0 && errno == EINTR);
	return n == 1 ? 0 : err_setc(e, ERR_INTERNAL, "skiffd closed at once");
}

/* Relay until skiffd closes: our stdin to the socket (then half-close
 * it), the socket to our stdout. Descriptors skiffd passes are closed:
 * they cannot go further. */
int dial_stdio(const struct opts *o, struct err *e)
{
	char buf[64 * 1024];
	int fds[4], nfds, s = conn_connect(o, e);
	bool in_open = true;

	if (s < 0)
		return -1;
	if (say_relayed(s, e) < 0) {
		close(s);
		return -1;
	}
	for (;;) {
		struct pollfd p[2] = { { s, POLLIN, 0 },
				       { in_open ? 0 : -1, POLLIN, 0 } };
		ssize_t n;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return err_set(e, errno, "poll");
		if (p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				shutdown(s, SHUT_WR);
			} else if (put_all(s, buf, (size_t)n) < 0) {
				return err_set(e, errno, "write to skiffd");
			}
		}
		if (!p[0].revents)
			continue;
		n = fdpass_recv(s, buf, sizeof(buf), fds, 4, &nfds, e);
		for (int i = 0; i < nfds && n >= 0; i++)
			close(fds[i]);
		if (n <= 0)
			return n < 0 ? -1 : EXIT_OK;
		if (put_all(1, buf, (size_t)n) < 0)
			return EXIT_OK; /* our reader left */
	}
}
