/* netns_test.h - network namespaces for the net/ unit tests (static
 * helpers, included by one test file each).
 *
 * nt_isolate() moves the whole test process into a fresh network
 * namespace, so everything it makes (bridges, veths, nft tables) dies
 * with the process; nt_netns() makes another namespace (a container's)
 * held only by the fd it returns. nt_sh() runs a shell command (the
 * checks use `ip` and `nft` to look; the library never runs them) and
 * returns its output. */
#ifndef SKIFF_NETNS_TEST_H
#define SKIFF_NETNS_TEST_H

#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char nt_out[8192];

/* 0, or -1 when namespaces cannot be made here (not root). */
static int nt_isolate(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	return system("ip link set lo up") == 0 ? 0 : -1;
}

/* A new network namespace, held by the returned fd (O_CLOEXEC). */
static int nt_netns(void)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd;

	if (self < 0 || unshare(CLONE_NEWNET) < 0)
		abort();
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(self, CLONE_NEWNET) < 0)
		abort();
	close(self);
	return fd;
}

/* Output (stdout and stderr) of a shell command, at most 8 KiB. */
static const char *nt_sh(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static const char *nt_sh(const char *fmt, ...)
{
	char cmd[1024];
	size_t n = 0, r;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	f = popen(cmd, "re");
	if (!f)
		abort();
	while ((r = fread(nt_out + n, 1, sizeof(nt_out) - 1 - n, f)) > 0)
		n += r;
	nt_out[n] = '\0';
	pclose(f);
	return nt_out;
}

/* The same, run inside the namespace of fd (an fd of this process). */
#define nt_sh_in(fd, fmt, ...)                                                 \
	nt_sh("nsenter --net=/proc/%d/fd/%d " fmt, (int)getpid(), (fd),        \
	      ##__VA_ARGS__)

#endif
