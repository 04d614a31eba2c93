/* Unit tests: core/helper, the one helper mechanism: the result frame
 * keeps class, errno and message; a helper keeps only the fds it is
 * given; progress lines stream before the end; a killed helper ends
 * with an internal error; a zeroed, never started helper is harmless. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/daemon.h"
#include "../../core/helper.h"

struct run {
	struct helper h;
	bool ended;
	struct err result;
	char lines[256];
};

static void on_line(struct helper *h, char *line)
{
	struct run *r = h->owner;

	strncat(r->lines, line, sizeof(r->lines) - strlen(r->lines) - 2);
	strcat(r->lines, ";");
}

static void on_end(struct helper *h, const struct err *result)
{
	struct run *r = h->owner;

	r->ended = true;
	r->result = *result;
	helper_close(h);
}

static void run_until_end(struct run *r)
{
	for (int i = 0; i < 2000 && !r->ended; i++)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	assert_true(r->ended);
}

static int start(struct run *r, helper_fn fn, void *arg,
		 const struct helper_fds *fds, bool lines)
{
	struct err e = ERR_INIT;

	memset(r, 0, sizeof(*r));
	r->h.owner = r;
	r->h.on_end = on_end;
	r->h.on_line = lines ? on_line : NULL;
	return helper_start(&r->h, fn, arg, fds, &e);
}

static int fails_not_found(void *arg, struct err *e)
{
	errno = ENOENT;
	return err_set(e, ENOENT, "no such thing: %s", (const char *)arg);
}

static void test_frame_keeps_class(void **s)
{
	struct run r;

	assert_int_equal(start(&r, fails_not_found, "x", NULL, false), 0);
	run_until_end(&r);
	assert_int_equal(r.result.class, ERR_NOT_FOUND);
	assert_int_equal(r.result.code, ENOENT);
	assert_string_equal(r.result.msg,
			    "no such thing: x: No such file or directory");
	assert_int_equal(r.h.status, 1);
}

static int succeeds_with_lines(void *arg, struct err *e)
{
	dprintf(1, "one\ntwo\n");
	return 0;
}

static void test_lines_then_ok(void **s)
{
	struct run r;

	assert_int_equal(start(&r, succeeds_with_lines, NULL, NULL, true), 0);
	run_until_end(&r);
	assert_int_equal(r.result.class, ERR_OK);
	assert_string_equal(r.result.msg, "");
	assert_string_equal(r.lines, "one;two;");
}

/* In the helper: is fd open? */
static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int *probe_fds;

static int checks_fds(void *arg, struct err *e)
{
	/* probe_fds: [0] must be closed, [1] kept */
	if (fd_open(probe_fds[0]))
		return err_setc(e, ERR_CONFLICT, "fd %d inherited",
				probe_fds[0]);
	if (!fd_open(probe_fds[1]))
		return err_setc(e, ERR_INVALID, "fd %d not kept",
				probe_fds[1]);
	return 0;
}

static void test_closes_all_but_kept(void **s)
{
	int a[2], b[2], fds[2];
	struct run r;

	assert_int_equal(pipe2(a, O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC), 0);
	fds[0] = a[1]; /* e.g. a container's stdin: must not be held */
	fds[1] = b[1];
	probe_fds = fds;
	assert_int_equal(start(&r, checks_fds, NULL,
			       &(struct helper_fds){ .in_fd = -1,
						     .keep = &b[1],
						     .nkeep = 1 },
			       false),
			 0);
	close(a[1]); /* the reader sees EOF now: nobody else holds it */
	close(b[1]);
	run_until_end(&r);
	assert_int_equal(r.result.class, ERR_OK);
	close(a[0]);
	close(b[0]);
}

static int sleeps(void *arg, struct err *e)
{
	pause();
	return 0;
}

static void test_killed_is_internal(void **s)
{
	struct run r;

	assert_int_equal(start(&r, sleeps, NULL, NULL, true), 0);
	proc_signal(r.h.proc, SIGKILL);
	run_until_end(&r);
	assert_int_equal(r.result.class, ERR_INTERNAL);
	assert_non_null(strstr(r.result.msg, "SIGKILL"));
}

static void test_kill_and_unstarted(void **s)
{
	struct run r;
	struct helper zero;

	assert_int_equal(start(&r, sleeps, NULL, NULL, false), 0);
	helper_kill(&r.h); /* on_end is not called */
	for (int i = 0; i < 20; i++)
		ev_run(daemon_ctx.loop, EVRUN_NOWAIT);
	assert_false(r.ended);
	helper_init(&zero);
	helper_kill(&zero); /* closes nothing (not fd 0) */
	assert_true(fcntl(0, F_GETFD) >= 0 || errno == EBADF);
}

static int setup(void **s)
{
	daemon_ctx.loop = ev_loop_new(EVFLAG_NOSIGMASK);
	return 0;
}

static int teardown(void **s)
{
	ev_loop_destroy(daemon_ctx.loop);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_keeps_class),
	    cmocka_unit_test(test_lines_then_ok),
	    cmocka_unit_test(test_closes_all_but_kept),
	    cmocka_unit_test(test_killed_is_internal),
	    cmocka_unit_test(test_kill_and_unstarted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
