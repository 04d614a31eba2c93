/* skiff-init - a container's PID 1 for `skiff run --init` (tini's job).
 *
 *   skiff-init -- PROGRAM [ARG...]
 *
 * Runs PROGRAM as its child, forwards every catchable signal it gets to
 * it, reaps every process that is orphaned into the container (so no
 * zombie piles up), and exits with PROGRAM's status (128+N when killed by
 * signal N). Linked statically and bind-mounted read-only into the
 * container, so it needs nothing from the image. Holds no state but the
 * child's pid; parses nothing but its argv. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals it forwards; the rest keep their defaults. */
static const int fwd[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
			   SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE };

static void block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(set, fwd[i]);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static pid_t spawn(char **argv, const sigset_t *set)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	sigprocmask(SIG_UNBLOCK, set, NULL);
	setpgid(0, 0);
	execvp(argv[0], argv);
	fprintf(stderr, "skiff-init: exec %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Reap everything that has exited; returns the child's status once it
 * is among them, else -1. */
static int reap(pid_t child)
{
	int status, code = -1;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0)
		if (p == child)
			code = WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
	return code;
}

int main(int argc, char **argv)
{
	sigset_t set;
	siginfo_t si;
	pid_t child;
	int code, argi = 1;

	if (argi < argc && !strcmp(argv[argi], "--"))
		argi++;
	if (argi >= argc) {
		fprintf(stderr, "usage: skiff-init -- PROGRAM [ARG...]\n");
		return 2;
	}
	block(&set);
	child = spawn(argv + argi, &set);
	if (child < 0) {
		perror("skiff-init: fork");
		return 1;
	}
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD)
			kill(child, si.si_signo);
		code = reap(child);
		if (code >= 0) {
			kill(-child, SIGKILL); /* what it left behind */
			while (reap(child) >= 0 || waitpid(-1, NULL, WNOHANG) > 0)
				;
			return code;
		}
	}
}
