/* spawn_probe.c - a tiny static program for test_spawn's seccomp checks.
 *
 * `probe keyctl` and `probe vsock` make one syscall that skiff's default
 * seccomp profile refuses and print "ok" or the errno's name. Built with
 * gcc -static by the test into the container's rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int probe(const char *what)
{
	long r = -1;

	if (strcmp(what, "keyctl") == 0)
		/* KEYCTL_GET_KEYRING_ID of the session keyring, create=0. */
		r = syscall(SYS_keyctl, 0, -3, 0);
	else if (strcmp(what, "vsock") == 0)
		r = socket(AF_VSOCK, SOCK_STREAM, 0);
	else if (strcmp(what, "getpid") == 0)
		r = getpid();
	else
		return 2;
	if (r >= 0 || errno == ENOKEY)
		puts("ok");
	else
		puts(errno == EPERM ? "EPERM" : strerrorname_np(errno));
	return 0;
}

int main(int argc, char **argv)
{
	return argc == 2 ? probe(argv[1]) : 2;
}
