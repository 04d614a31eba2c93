/* Unit tests: SCM_RIGHTS helpers over a socketpair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../proto/fdpass.h"

static void test_roundtrip(void **s)
{
	int sv[2], p[2], fds[FDPASS_MAX], n = 0;
	char buf[16] = { 0 };
	struct err e = ERR_INIT;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fdpass_send(sv[0], "x", 1, p, 2, &e), 1);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), fds, FDPASS_MAX,
				     &n, &e),
			 1);
	assert_int_equal(n, 2);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	/* The received write end feeds the original read end. */
	assert_int_equal(write(fds[1], "hi", 2), 2);
	assert_int_equal(read(p[0], buf, 2), 2);
	assert_memory_equal(buf, "hi", 2);
	for (int i = 0; i < 2; i++)
		close(fds[i]), close(p[i]), close(sv[i]);
}

static void test_limits(void **s)
{
	int sv[2], p[2], fds[1], n = 0, many[FDPASS_MAX];
	char buf[4];
	struct err e = ERR_INIT;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	for (int i = 0; i < FDPASS_MAX; i++)
		many[i] = p[0];
	assert_int_equal(fdpass_send(sv[0], "", 0, NULL, 0, &e), -1);
	assert_int_equal(fdpass_send(sv[0], "x", 1, many, FDPASS_MAX + 1, &e),
			 -1);
	/* More fds than the receiver wants: the extra ones are closed. */
	assert_int_equal(fdpass_send(sv[0], "y", 1, many, 3, &e), 1);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), fds, 1, &n, &e),
			 1);
	assert_int_equal(n, 1);
	close(fds[0]);
	close(sv[0]);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), fds, 1, &n, &e),
			 0); /* EOF */
	close(sv[1]), close(p[0]), close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
