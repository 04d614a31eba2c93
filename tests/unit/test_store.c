/* Unit tests: the state store's durable writes, loading, and the
 * group-commit writer process (including its restart after a crash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/daemon.h"
#include "../../core/store.h"

static char root[64];

static int setup(void **s)
{
	strcpy(root, "/tmp/skiff-store.XXXXXX");
	assert_non_null(mkdtemp(root));
	daemon_ctx.loop = ev_loop_new(EVFLAG_NOSIGMASK);
	return 0;
}

static int teardown(void **s)
{
	char cmd[128];

	store_close();
	ev_loop_destroy(daemon_ctx.loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_write_sync(void **s)
{
	struct err e = ERR_INIT;
	char p[128], tmp[128];
	struct stat sb;

	assert_int_equal(store_write_sync(root, "a.json", "{\"x\":1}", 7, &e),
			 0);
	snprintf(p, sizeof(p), "%s/a.json", root);
	assert_string_equal(read_file(p), "{\"x\":1}");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s/.a.json.tmp", root);
	assert_int_equal(access(tmp, F_OK), -1);
	/* Overwrite is atomic: the new content replaces the old whole. */
	assert_int_equal(store_write_sync(root, "a.json", "{}", 2, &e), 0);
	assert_string_equal(read_file(p), "{}");
	assert_int_equal(store_unlink_sync(root, "a.json", &e), 0);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(store_unlink_sync(root, "a.json", &e), 0);
	assert_int_equal(store_write_sync("/nonexistent-dir", "a", "", 0, &e),
			 -1);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/.a.tmp"));
}

static int loaded;
static void on_load(const char *id, yajl_val tree, void *ctx)
{
	const char *path[] = { "n", NULL };
	yajl_val n = yajl_tree_get(tree, path, yajl_t_number);

	assert_non_null(n);
	assert_true(!strcmp(id, "one") || !strcmp(id, "two"));
	loaded += (int)YAJL_GET_INTEGER(n);
}

static void test_load(void **s)
{
	struct err e = ERR_INIT;
	char dir[128], p[160];

	assert_int_equal(store_open(root, &e), 0);
	snprintf(dir, sizeof(dir), "%s/things", root);
	mkdir(dir, 0700);
	store_write_sync(dir, "one.json", "{\"n\":1}", 7, &e);
	store_write_sync(dir, "two.json", "{\"n\":2}", 7, &e);
	store_write_sync(dir, "bad.json", "{\"n\":", 5, &e);
	store_write_sync(dir, ".three.json.tmp", "{", 1, &e);
	loaded = 0;
	assert_int_equal(store_load("things", on_load, NULL, &e), 0);
	assert_int_equal(loaded, 3);
	snprintf(p, sizeof(p), "%s/bad.json.bad", dir);
	assert_int_equal(access(p, F_OK), 0); /* moved aside, not lost */
	snprintf(p, sizeof(p), "%s/.three.json.tmp", dir);
	assert_int_equal(access(p, F_OK), -1); /* crash leftovers removed */
	assert_int_equal(store_load("nothing-here", on_load, NULL, &e), 0);
}

static int done_count, done_errors;
static void on_done(int errnum, void *ctx)
{
	done_count++;
	done_errors += errnum != 0;
	if (done_count == (int)(intptr_t)ctx)
		ev_break(daemon_ctx.loop, EVBREAK_ALL);
}

static void on_deadline(struct ev_loop *loop, ev_timer *t, int r)
{
	ev_break(loop, EVBREAK_ALL);
}

static void run_until_done(void)
{
	ev_timer t;

	ev_timer_init(&t, on_deadline, 10, 0);
	ev_timer_start(daemon_ctx.loop, &t);
	ev_run(daemon_ctx.loop, 0);
	ev_timer_stop(daemon_ctx.loop, &t);
}

static void run_for(double seconds)
{
	ev_timer t;

	ev_timer_init(&t, on_deadline, seconds, 0);
	ev_timer_start(daemon_ctx.loop, &t);
	ev_run(daemon_ctx.loop, 0);
}

/* Children of this process still running, zombies of earlier tests'
 * writers aside (the writer, and no more). */
static int count_children(void)
{
	char path[64], stat[512];
	int n = 0, pid;
	FILE *f, *s;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		s = fopen(path, "re");
		if (s && fgets(stat, sizeof(stat), s) &&
		    strrchr(stat, ')')[2] != 'Z')
			n++;
		if (s)
			fclose(s);
	}
	fclose(f);
	return n;
}

static void put_many(int n, const char *prefix)
{
	char id[32], body[64];

	for (int i = 0; i < n; i++) {
		int len = snprintf(body, sizeof(body), "{\"i\":%d}", i);
		snprintf(id, sizeof(id), "%s%d", prefix, i);
		assert_int_equal(store_put("c", id, body, (size_t)len, on_done,
					   (void *)(intptr_t)n),
				 0);
	}
}

static void test_async_put_del(void **s)
{
	struct err e = ERR_INIT;
	char p[160];

	assert_int_equal(store_open(root, &e), 0);
	done_count = done_errors = 0;
	put_many(200, "x");
	assert_true(store_pending() > 0);
	run_until_done();
	assert_int_equal(done_count, 200);
	assert_int_equal(done_errors, 0);
	assert_int_equal(store_pending(), 0);
	snprintf(p, sizeof(p), "%s/c/x199.json", root);
	assert_string_equal(read_file(p), "{\"i\":199}");
	done_count = 0;
	assert_int_equal(store_del("c", "x199", on_done, (void *)1), 0);
	run_until_done();
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(store_put("c", "../escape", "{}", 2, on_done, NULL),
			 -1);
}

static void test_writer_crash_resends(void **s)
{
	struct err e = ERR_INIT;
	char p[160];
	int pid;

	assert_int_equal(store_open(root, &e), 0);
	pid = store_writer_pid();
	assert_true(pid > 0);
	done_count = done_errors = 0;
	put_many(100, "y");
	kill(pid, SIGKILL); /* dies with frames unacknowledged */
	run_until_done();
	assert_int_equal(done_count, 100);
	assert_int_equal(done_errors, 0);
	assert_int_not_equal(store_writer_pid(), pid);
	snprintf(p, sizeof(p), "%s/c/y99.json", root);
	assert_string_equal(read_file(p), "{\"i\":99}");
	/* Exactly one writer afterwards: the restart timer has stopped. */
	pid = store_writer_pid();
	run_for(1.2);
	assert_int_equal(store_writer_pid(), pid);
	assert_int_equal(count_children(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_sync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_put_del, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_crash_resends,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
