/* test_cgroup_fake.c - the v2 backend's controller files, checked on a
 * fake cgroup2 tree of plain files under /tmp.
 *
 * A hybrid host binds memory, cpu, cpuset, pids and io to v1, so the real
 * v2 mount cannot show what the v2 backend writes into memory.max,
 * memory.swap.max, cpu.max, cpu.weight, pids.max, or how it reads
 * memory.events, memory.stat, cpu.stat, io.stat and cgroup.events. This
 * test checks those formats and the arithmetic (swap = total - memory,
 * shares -> weight) against files laid out as the kernel does. It says
 * nothing about the kernel accepting them: test_cgroup.c does that on a
 * v2 host. Needs no privileges. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../fs/cgroup.h"

static char root[64];
static char leaf[128];

static void put(const char *dir, const char *file, const char *val)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

static void expect(const char *file, const char *want)
{
	char p[256], got[256];
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", leaf, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n >= 0);
	while (n > 0 && got[n - 1] == '\n')
		n--;
	got[n] = '\0';
	if (strcmp(got, want))
		fail_msg("%s: got \"%s\", want \"%s\"", file, got, want);
}

/* The files of a fresh v2 cgroup with every controller, as the kernel
 * shows them. Writable ones start empty so a write is seen whole. */
static void fake_leaf(void)
{
	static const char *empty[] = { "memory.max", "memory.swap.max",
				       "memory.low", "cpu.weight",
				       "cpuset.cpus", "pids.max",
				       "cgroup.freeze", "cgroup.procs" };

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		put(leaf, empty[i], "");
	put(leaf, "cpu.max", "max 100000\n");
	put(leaf, "cgroup.events", "populated 1\nfrozen 0\n");
	put(leaf, "memory.events",
	    "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0\n");
	put(leaf, "cpu.stat", "usage_usec 1500\nuser_usec 1000\n"
			      "system_usec 500\n");
	put(leaf, "memory.current", "1048576\n");
	put(leaf, "memory.stat", "anon 8192\nfile 4096\nkernel 0\n"
				 "active_file 3072\ninactive_file 1024\n");
	put(leaf, "pids.current", "3\n");
	put(leaf, "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 "
			     "dbytes=0 dios=0\n8:16 rbytes=1 wbytes=2 rios=1 "
			     "wios=1 dbytes=0 dios=0\n");
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/skiff-fakecg-%d", (int)getpid());
	snprintf(leaf, sizeof(leaf), "%s/c", root);
	if (mkdir(root, 0755) < 0 || mkdir(leaf, 0755) < 0)
		return -1;
	put(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	put(root, "cgroup.subtree_control", "");
	fake_leaf();
	return 0;
}

/* Remove the plain files of dir, then dir. */
static int rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[300];

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_type == DT_REG) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
	return rmdir(dir);
}

static int teardown(void **state)
{
	if (rm_dir(leaf) < 0)
		return -1;
	return rm_dir(root);
}

static struct cgroup *open_fake(struct cgroup_sys *sys)
{
	struct err e = ERR_INIT;
	struct cgroup *cg;

	if (cgroup_sys_init_v2(sys, root, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(sys->version, 2);
	assert_true(sys->controllers & CGROUP_MEMORY);
	assert_true(sys->controllers & CGROUP_IO);
	assert_string_equal(cgroup_ctrl_name(sys, CGROUP_IO), "io");
	cg = cgroup_open(sys, "c", &e);
	if (!cg)
		fail_msg("%s", e.msg);
	return cg;
}

static void test_v2_limits(void **state)
{
	struct cgroup_sys sys;
	struct cgroup *cg = open_fake(&sys);
	struct cgroup_limits l = { 0 };
	struct err e = ERR_INIT;

	fake_leaf();
	l.memory = 64 << 20;
	l.memory_swap = 128 << 20;
	l.memory_reservation = 32 << 20;
	assert_int_equal(cgroup_parse_cpus("1.5", &l.cpu_quota_us,
					   &l.cpu_period_us, &e), 0);
	l.cpu_shares = 512;
	snprintf(l.cpuset_cpus, sizeof(l.cpuset_cpus), "0-1");
	l.pids_limit = 100;
	if (cgroup_update(cg, &l, &e) < 0)
		fail_msg("%s", e.msg);
	expect("memory.max", "67108864");
	expect("memory.swap.max", "67108864"); /* total minus memory */
	expect("memory.low", "33554432");
	expect("cpu.max", "150000 100000");
	expect("cpu.weight", "20");
	expect("cpuset.cpus", "0-1");
	expect("pids.max", "100");

	/* shares 2 and 262144 are weight 1 and 10000; 1024 is 39 */
	memset(&l, 0, sizeof(l));
	l.cpu_shares = 2;
	put(leaf, "cpu.weight", "");
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	expect("cpu.weight", "1");
	l.cpu_shares = 262144;
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	expect("cpu.weight", "10000");
	put(leaf, "cpu.weight", "");
	l.cpu_shares = 1024;
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	expect("cpu.weight", "39");
	cgroup_free(cg);
}

static void test_v2_partial_updates(void **state)
{
	struct cgroup_sys sys;
	struct cgroup *cg = open_fake(&sys);
	struct cgroup_limits l = { 0 };
	struct err e = ERR_INIT;

	fake_leaf();
	/* period alone keeps the quota in cpu.max */
	/* (a plain file keeps the tail of a longer old value: same length) */
	put(leaf, "cpu.max", "150000 99999\n");
	l.cpu_period_us = 50000;
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	expect("cpu.max", "150000 50000");
	/* swap alone is computed against the current memory.max */
	memset(&l, 0, sizeof(l));
	put(leaf, "memory.max", "67108864\n");
	l.memory_swap = 100 << 20;
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	expect("memory.swap.max", "37748736");
	/* ... and refused when there is no memory limit */
	put(leaf, "memory.max", "max\n");
	assert_int_equal(cgroup_update(cg, &l, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "--memory-swap needs a --memory"));
	/* unlimited everything */
	memset(&l, 0, sizeof(l));
	fake_leaf();
	l.memory = l.memory_swap = l.pids_limit = CGROUP_UNLIMITED;
	l.cpu_quota_us = CGROUP_UNLIMITED;
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	expect("memory.max", "max");
	expect("memory.swap.max", "max");
	expect("pids.max", "max");
	expect("cpu.max", "max 100000");
	cgroup_free(cg);
}

static void test_v2_no_swap_accounting(void **state)
{
	struct cgroup_sys sys;
	struct cgroup *cg = open_fake(&sys);
	struct cgroup_limits l = { 0 };
	struct err e = ERR_INIT;
	char p[256];

	fake_leaf();
	snprintf(p, sizeof(p), "%s/memory.swap.max", leaf);
	unlink(p);
	l.memory = 64 << 20;
	l.memory_swap = CGROUP_UNLIMITED; /* nothing to lift: fine */
	assert_int_equal(cgroup_update(cg, &l, &e), 0);
	l.memory_swap = 128 << 20;
	assert_int_equal(cgroup_update(cg, &l, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "swap accounting"));
	put(leaf, "memory.swap.max", "");
	cgroup_free(cg);
}

static void test_v2_reads(void **state)
{
	struct cgroup_sys sys;
	struct cgroup *cg = open_fake(&sys);
	struct cgroup_stats st;
	struct err e = ERR_INIT;
	uint64_t n;

	fake_leaf();
	put(leaf, "memory.max", "67108864\n");
	put(leaf, "pids.max", "max\n");
	assert_int_equal(cgroup_stats(cg, &st, &e), 0);
	assert_int_equal(st.have, CGROUP_STAT_CPU | CGROUP_STAT_MEMORY |
					  CGROUP_STAT_PIDS | CGROUP_STAT_IO);
	assert_int_equal(st.cpu_ns, 1500000);
	assert_int_equal(st.mem_usage, 1048576);
	assert_int_equal(st.mem_limit, 67108864);
	assert_int_equal(st.mem_cache, 4096);
	assert_int_equal(st.mem_inactive_file, 1024);
	assert_int_equal(st.pids_current, 3);
	assert_int_equal(st.pids_limit, 0);
	assert_int_equal(st.io_read_bytes, 101);
	assert_int_equal(st.io_write_bytes, 202);
	assert_int_equal(cgroup_oom_count(cg, &n, &e), 0);
	assert_int_equal(n, 2);

	put(leaf, "cgroup.freeze", "0\n");
	assert_int_equal(cgroup_freeze_state(cg, &e), CGROUP_THAWED);
	assert_int_equal(cgroup_freeze(cg, true, &e), 0);
	expect("cgroup.freeze", "1");
	assert_int_equal(cgroup_freeze_state(cg, &e), CGROUP_FREEZING);
	put(leaf, "cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(cgroup_freeze_state(cg, &e), CGROUP_FROZEN);
	cgroup_free(cg);
}

/* The inotify watch fires when memory.events changes. */
static void test_v2_oom_fd(void **state)
{
	struct cgroup_sys sys;
	struct cgroup *cg = open_fake(&sys);
	struct err e = ERR_INIT;
	struct pollfd pfd = { .events = POLLIN };
	uint64_t n;

	fake_leaf();
	pfd.fd = cgroup_oom_fd(cg, &e);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	put(leaf, "memory.events",
	    "low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\noom_group_kill 0\n");
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	cgroup_oom_ack(cg);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(cgroup_oom_count(cg, &n, &e), 0);
	assert_int_equal(n, 3);
	cgroup_free(cg);
}

/* Create enables in the parent's cgroup.subtree_control exactly the
 * wanted controllers the parent has and has not enabled yet. */
static void test_v2_create_enables(void **state)
{
	struct cgroup_sys sys;
	struct cgroup_limits l = { 0 };
	struct err e = ERR_INIT;
	struct cgroup *cg;
	char got[128], p[256];
	int fd;
	ssize_t n;

	if (cgroup_sys_init_v2(&sys, root, &e) < 0)
		fail_msg("%s", e.msg);
	put(root, "cgroup.subtree_control", "cpu cpuset memory pids\n");
	cg = cgroup_create(&sys, "n", &l, &e);
	if (!cg)
		fail_msg("%s", e.msg);
	/* one write, "+io", over the start of the plain file */
	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", root);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, "+io cpuset memory pids\n");
	/* a path that exists already is a conflict */
	assert_null(cgroup_create(&sys, "n", &l, &e));
	assert_int_equal(e.class, ERR_CONFLICT);
	assert_int_equal(cgroup_destroy(cg, &e), 0);
	snprintf(p, sizeof(p), "%s/n", root);
	assert_int_equal(access(p, F_OK), -1);
	cgroup_free(cg);
	put(root, "cgroup.subtree_control", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_limits),
		cmocka_unit_test(test_v2_partial_updates),
		cmocka_unit_test(test_v2_no_swap_accounting),
		cmocka_unit_test(test_v2_reads),
		cmocka_unit_test(test_v2_oom_fd),
		cmocka_unit_test(test_v2_create_enables),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
