/* test_cgroup.c - fs/cgroup against the real kernel (run as root).
 *
 * Every test runs twice: "host" drives the hierarchies cgroup_detect()
 * finds (v1 on a hybrid host, v2 on a pure v2 host), "unified" drives a
 * v2 struct cgroup_sys built by hand on the cgroup2 mount (on a hybrid
 * host that mount has no memory/cpu/pids controllers: the checks that
 * need one are skipped, saying why). Cgroups live under
 * skiff-test-<pid>/ in every hierarchy; a test's teardown kills its
 * children and removes its cgroup even when the test failed, and the
 * group teardown removes skiff-test-<pid> itself. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/buf.h"
#include "../../fs/cgroup.h"
#include "../../proto/json.h"
#include "../../proto/ocispec.h"
#include <sys/sysmacros.h>

static struct cgroup_sys host_sys, unified_sys;
static bool unified_ok;
static char parent[64];

struct fixture {
	const struct cgroup_sys *sys;
	struct cgroup *cg;
	char path[128];
	pid_t kids[64];
	size_t nkids;
};

/* ---- helpers ---- */

static void msleep(int ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000,
				      .tv_nsec = (ms % 1000) * 1000000L },
		  NULL);
}

static bool is_v2(const struct fixture *f)
{
	return f->sys->version == 2;
}

static void need(const struct fixture *f, unsigned ctrl)
{
	if (f->sys->controllers & ctrl)
		return;
	print_message("[ SKIP     ] no %s controller in %s (v%d): "
		      "controller-specific checks cannot run here\n",
		      cgroup_ctrl_name(f->sys, ctrl), f->sys->hier[0].mount,
		      f->sys->version);
	skip();
}

/* Directory of f's cgroup in the hierarchy holding ctrl. */
static void dir_of(const struct fixture *f, unsigned ctrl, char *out,
		   size_t size)
{
	for (size_t i = 0; i < f->sys->nhier; i++)
		if (f->sys->hier[i].controllers & ctrl) {
			snprintf(out, size, "%s/%s", f->sys->hier[i].mount,
				 f->path);
			return;
		}
	fail_msg("no hierarchy for %s", cgroup_ctrl_name(f->sys, ctrl));
}

static void read_file(const char *dir, const char *file, char *buf,
		      size_t size)
{
	char p[512];
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	close(fd);
	assert_true(n >= 0);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

/* Assert that f's file (in ctrl's hierarchy) reads exactly want. */
static void expect_file(const struct fixture *f, unsigned ctrl,
			const char *file, const char *want)
{
	char dir[512], got[256];

	dir_of(f, ctrl, dir, sizeof(dir));
	read_file(dir, file, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("%s/%s: got \"%s\", want \"%s\"", dir, file, got,
			 want);
}

static bool dir_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Fork a child that waits on a pipe, then runs fn and exits with its
 * result. Returns the write end: write a byte to let it go. */
static int spawn_gated(struct fixture *f, int (*fn)(void *), void *arg,
		       pid_t *out)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(100);
		_exit(fn(arg));
	}
	close(p[0]);
	assert_true(f->nkids < 64);
	f->kids[f->nkids++] = pid;
	*out = pid;
	return p[1];
}

static void release(int gate)
{
	assert_int_equal(write(gate, "x", 1), 1);
	close(gate);
}

static int fn_sleep(void *arg)
{
	for (;;)
		pause();
	return 0;
}

/* Spawn a child running fn inside f->cg from its first instruction. */
static pid_t spawn_fn_inside(struct fixture *f, int (*fn)(void *))
{
	struct err e = ERR_INIT;
	pid_t pid;
	int gate = spawn_gated(f, fn, NULL, &pid);

	if (cgroup_enter(f->cg, pid, &e) < 0)
		fail_msg("%s", e.msg);
	release(gate);
	return pid;
}

static pid_t spawn_inside(struct fixture *f)
{
	return spawn_fn_inside(f, fn_sleep);
}

/* Wait up to ms for pid to end; returns its status or -1. */
static int wait_kid(struct fixture *f, pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			for (size_t k = 0; k < f->nkids; k++)
				if (f->kids[k] == pid)
					f->kids[k] = 0;
			return st;
		}
		msleep(1);
	}
	return -1;
}

static void make_cg(struct fixture *f, const char *name,
		    const struct cgroup_limits *l)
{
	struct err e = ERR_INIT;

	snprintf(f->path, sizeof(f->path), "%s/%s", parent, name);
	f->cg = cgroup_create(f->sys, f->path, l, &e);
	if (!f->cg)
		fail_msg("create %s: %s", f->path, e.msg);
}

static void no_limits(struct cgroup_limits *l)
{
	memset(l, 0, sizeof(*l));
}

/* ---- fixture ---- */

static int setup(void **state)
{
	const struct cgroup_sys *sys = *state;
	struct fixture *f;

	if (sys == &unified_sys && !unified_ok) {
		print_message("no cgroup2 mount on this host\n");
		return -1;
	}
	f = calloc(1, sizeof(*f));
	f->sys = sys;
	*state = f;
	return 0;
}

/* Destroy (which thaws and kills), reap the children, destroy again
 * in case zombies kept the cgroup busy. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int r = 0;

	for (size_t i = 0; i < f->nkids; i++)
		if (f->kids[i] > 0)
			kill(f->kids[i], SIGKILL);
	if (f->cg)
		r = cgroup_destroy(f->cg, &e);
	for (size_t i = 0; i < f->nkids; i++)
		if (f->kids[i] > 0)
			waitpid(f->kids[i], NULL, 0);
	if (f->cg && r < 0 && cgroup_destroy(f->cg, &e) < 0) {
		print_error("teardown %s: %s\n", f->path, e.msg);
		r = -1;
	} else {
		r = 0;
	}
	cgroup_free(f->cg);
	free(f);
	return r;
}

/* ---- detection ---- */

/* Does /proc/self/cgroup show a v1 hierarchy with controllers? */
static bool proc_says_v1(void)
{
	FILE *fp = fopen("/proc/self/cgroup", "re");
	char line[512];
	bool v1 = false;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *a = strchr(line, ':');
		if (a && strncmp(line, "0:", 2) && a[1] != ':' &&
		    strncmp(a + 1, "name=", 5))
			v1 = true;
	}
	fclose(fp);
	return v1;
}

static void test_detect(void **state)
{
	struct cgroup_sys s;
	struct err e = ERR_INIT;
	unsigned seen = 0;
	struct buf b = { 0 };
	struct jw w;
	char want[32];

	assert_int_equal(cgroup_detect(&s, &e), 0);
	assert_true(s.version == 1 || s.version == 2);
	assert_int_equal(s.version == 1, proc_says_v1());
	assert_true(s.nhier >= 1);
	assert_true(s.version == 1 || s.nhier == 1);
	for (size_t i = 0; i < s.nhier; i++) {
		assert_true(dir_exists(s.hier[i].mount));
		assert_true(s.hier[i].controllers != 0);
		/* a controller lives in one hierarchy only */
		assert_int_equal(seen & s.hier[i].controllers, 0);
		seen |= s.hier[i].controllers;
	}
	assert_int_equal(seen, s.controllers);
	if (s.version == 1 && s.hybrid)
		assert_true(dir_exists(s.unified));
	print_message("cgroup v%d%s, %zu hierarchies, swap %s\n", s.version,
		      s.hybrid ? " (hybrid)" : "", s.nhier,
		      s.swap ? "yes" : "no");

	jw_open(&w, &b);
	cgroup_sys_describe(&s, &w);
	jw_close(&w);
	buf_append(&b, "", 1);
	snprintf(want, sizeof(want), "\"version\":%d", s.version);
	assert_non_null(strstr(buf_head(&b), want));
	assert_non_null(strstr(buf_head(&b), "\"driver\":\"cgroupfs\""));
	if (s.controllers & CGROUP_MEMORY)
		assert_non_null(strstr(buf_head(&b), "\"memory\""));
	if (s.controllers & CGROUP_IO)
		assert_non_null(strstr(buf_head(&b),
				       s.version == 1 ? "\"blkio\"" : "\"io\""));
	print_message("%s", buf_head(&b));
	buf_free(&b);
}

/* In a private mount namespace (a forked child; the host's mounts are
 * untouched): with only a cgroup2 mount, at a path with spaces that
 * mountinfo escapes, detection says v2 there; a v1 host without its
 * cgroup2 mount is plain v1. Exit codes say which check failed. */
static int detect_in_ns(const char *spaced, bool drop_v1)
{
	struct cgroup_sys s;
	struct err e = ERR_INIT;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	if (host_sys.unified[0] && umount2(host_sys.unified, MNT_DETACH) < 0)
		return 11;
	if (!drop_v1) {
		if (cgroup_detect(&s, &e) < 0)
			return 12;
		return s.version == 1 && !s.hybrid && !s.unified[0] ? 0 : 13;
	}
	for (size_t i = 0; i < host_sys.nhier; i++)
		if (umount2(host_sys.hier[i].mount, MNT_DETACH) < 0)
			return 14;
	if (mount("none", spaced, "cgroup2", 0, NULL) < 0)
		return 15;
	if (cgroup_detect(&s, &e) < 0)
		return 16;
	if (s.version != 2 || s.nhier != 1 || strcmp(s.hier[0].mount, spaced))
		return 17;
	return s.ops && (s.controllers & CGROUP_FREEZER) ? 0 : 18;
}

static void test_detect_mount_ns(void **state)
{
	char spaced[64];
	int st;
	pid_t pid;

	snprintf(spaced, sizeof(spaced), "/tmp/skiff cg2 %d", (int)getpid());
	assert_int_equal(mkdir(spaced, 0755), 0);
	for (int drop_v1 = 0; drop_v1 < 2; drop_v1++) {
		if (!drop_v1 && host_sys.version != 1)
			continue;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(detect_in_ns(spaced, drop_v1));
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			print_error("detect in mount ns (drop_v1 %d): %d\n",
				    drop_v1, WEXITSTATUS(st));
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(rmdir(spaced), 0);
}

/* ---- parsing and validation ---- */

static void test_parse_cpus(void **state)
{
	static const char *bad[] = { "",     "abc", "1.",	  ".5",
				     "-1",   "1.2.3", "0.001", "1e3",
				     "0.0000000001", " 1", "1 " };
	struct err e = ERR_INIT;
	int64_t q, p;

	assert_int_equal(cgroup_parse_cpus("1.5", &q, &p, &e), 0);
	assert_int_equal(q, 150000);
	assert_int_equal(p, 100000);
	assert_int_equal(cgroup_parse_cpus("0.01", &q, &p, &e), 0);
	assert_int_equal(q, 1000);
	assert_int_equal(cgroup_parse_cpus("2", &q, &p, &e), 0);
	assert_int_equal(q, 200000);
	assert_int_equal(cgroup_parse_cpus("0.123456789", &q, &p, &e), 0);
	assert_int_equal(q, 12345);
	assert_int_equal(cgroup_parse_cpus("0", &q, &p, &e), 0);
	assert_int_equal(q, CGROUP_UNLIMITED);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_int_equal(cgroup_parse_cpus(bad[i], &q, &p, &e), -1);
		assert_int_equal(e.class, ERR_INVALID);
		assert_non_null(strstr(e.msg, "--cpus"));
	}
	assert_int_equal(cgroup_parse_cpus("0.001", &q, &p, &e), -1);
	assert_non_null(strstr(e.msg, "minimum is 0.01"));
}

static void test_cpuset_and_limits(void **state)
{
	static const char *good[] = { "0", "0-1,3", "0-3,5,7-8", "12" };
	static const char *bad[] = { "",    "a",     "1-",  "3-1", ",",
				     "0,",  "0,,1",  "0 1", "99999",
				     "-1",  "0-1-2" };
	struct cgroup_limits l;
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cgroup_cpuset_valid(good[i], &e), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		if (cgroup_cpuset_valid(bad[i], &e) != -1)
			fail_msg("cpuset \"%s\" accepted", bad[i]);
		assert_int_equal(e.class, ERR_INVALID);
		assert_non_null(strstr(e.msg, "cpuset"));
	}
	no_limits(&l);
	assert_int_equal(cgroup_limits_valid(&l, &e), 0);
	l.memory = 64 << 20;
	l.memory_swap = 32 << 20;
	assert_int_equal(cgroup_limits_valid(&l, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "--memory-swap"));
	no_limits(&l);
	l.cpu_shares = 1;
	assert_int_equal(cgroup_limits_valid(&l, &e), -1);
	assert_non_null(strstr(e.msg, "--cpu-shares"));
	no_limits(&l);
	l.pids_limit = -5;
	assert_int_equal(cgroup_limits_valid(&l, &e), -1);
	assert_non_null(strstr(e.msg, "--pids-limit"));
	no_limits(&l);
	l.memory = 16 << 20;
	l.memory_reservation = 32 << 20;
	assert_int_equal(cgroup_limits_valid(&l, &e), -1);
	assert_non_null(strstr(e.msg, "--memory-reservation"));
}

/* Bad input at create: ERR_INVALID, a clear message, nothing made. */
static void test_bad_create(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	char p[512];

	no_limits(&l);
	snprintf(l.cpuset_cpus, sizeof(l.cpuset_cpus), "0-x");
	snprintf(f->path, sizeof(f->path), "%s/bad", parent);
	assert_null(cgroup_create(f->sys, f->path, &l, &e));
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "cpuset 0-x"));
	snprintf(p, sizeof(p), "%s/%s", f->sys->hier[0].mount, f->path);
	assert_false(dir_exists(p));

	no_limits(&l);
	assert_null(cgroup_create(f->sys, "../etc", &l, &e));
	assert_int_equal(e.class, ERR_INVALID);
	assert_null(cgroup_create(f->sys, "/abs", &l, &e));
	assert_null(cgroup_create(f->sys, "a//b", &l, &e));
	assert_null(cgroup_create(f->sys, "a/", &l, &e));

	/* A limit whose controller is missing is refused up front. */
	if (!(f->sys->controllers & CGROUP_MEMORY)) {
		l.memory = 16 << 20;
		assert_null(cgroup_create(f->sys, f->path, &l, &e));
		assert_int_equal(e.class, ERR_INVALID);
		assert_non_null(strstr(e.msg, "memory controller"));
	}
	/* A value the kernel refuses: the error names file and value and
	 * the half-made cgroup is gone again. */
	if (f->sys->controllers & CGROUP_CPUSET) {
		no_limits(&l);
		snprintf(l.cpuset_cpus, sizeof(l.cpuset_cpus), "4000");
		assert_null(cgroup_create(f->sys, f->path, &l, &e));
		assert_non_null(strstr(e.msg, "cpuset.cpus = 4000"));
		for (size_t i = 0; i < f->sys->nhier; i++) {
			snprintf(p, sizeof(p), "%s/%s", f->sys->hier[i].mount,
				 f->path);
			assert_false(dir_exists(p));
		}
	}
	/* Re-adopting something that is not there. */
	assert_null(cgroup_open(f->sys, f->path, &e));
	assert_int_equal(e.class, ERR_NOT_FOUND);
}

/* ---- create, limits, open ---- */

static void full_limits(const struct fixture *f, struct cgroup_limits *l)
{
	struct err e = ERR_INIT;

	no_limits(l);
	l->memory = 64 << 20;
	if (f->sys->swap)
		l->memory_swap = 128 << 20;
	l->memory_reservation = 32 << 20;
	assert_int_equal(cgroup_parse_cpus("1.5", &l->cpu_quota_us,
					   &l->cpu_period_us, &e), 0);
	l->cpu_shares = 512;
	snprintf(l->cpuset_cpus, sizeof(l->cpuset_cpus), "0");
	l->pids_limit = 100;
}

static void test_create_limits(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	bool swap = f->sys->swap;

	need(f, CGROUP_MEMORY);
	need(f, CGROUP_CPU);
	need(f, CGROUP_CPUSET);
	need(f, CGROUP_PIDS);
	full_limits(f, &l);
	make_cg(f, "limits", &l);
	if (is_v2(f)) {
		expect_file(f, CGROUP_MEMORY, "memory.max", "67108864");
		if (swap)
			expect_file(f, CGROUP_MEMORY, "memory.swap.max",
				    "67108864");
		expect_file(f, CGROUP_MEMORY, "memory.low", "33554432");
		expect_file(f, CGROUP_CPU, "cpu.max", "150000 100000");
		expect_file(f, CGROUP_CPU, "cpu.weight", "20");
	} else {
		expect_file(f, CGROUP_MEMORY, "memory.limit_in_bytes",
			    "67108864");
		if (swap)
			expect_file(f, CGROUP_MEMORY,
				    "memory.memsw.limit_in_bytes",
				    "134217728");
		expect_file(f, CGROUP_MEMORY, "memory.soft_limit_in_bytes",
			    "33554432");
		expect_file(f, CGROUP_CPU, "cpu.cfs_quota_us", "150000");
		expect_file(f, CGROUP_CPU, "cpu.cfs_period_us", "100000");
		expect_file(f, CGROUP_CPU, "cpu.shares", "512");
	}
	expect_file(f, CGROUP_CPUSET, "cpuset.cpus", "0");
	expect_file(f, CGROUP_PIDS, "pids.max", "100");
}

static void test_open_conflict(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct cgroup *again;
	struct err e = ERR_INIT;
	pid_t *pids = NULL, pid;
	size_t n = 0;

	no_limits(&l);
	make_cg(f, "adopt", &l);
	pid = spawn_inside(f);
	assert_null(cgroup_create(f->sys, f->path, &l, &e));
	assert_int_equal(e.class, ERR_CONFLICT);
	/* the failed create must not have removed the existing cgroup */
	again = cgroup_open(f->sys, f->path, &e);
	if (!again)
		fail_msg("%s", e.msg);
	assert_string_equal(cgroup_path(again), f->path);
	assert_int_equal(cgroup_pids(again, &pids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	free(pids);
	cgroup_free(again);
}

/* ---- processes ---- */

static void test_enter(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	pid_t *pids = NULL, pid;
	size_t n = 0;
	char dir[512], procs[256], want[32], self[1024];

	no_limits(&l);
	make_cg(f, "enter", &l);
	pid = spawn_inside(f);
	assert_int_equal(cgroup_pids(f->cg, &pids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	free(pids);
	/* every hierarchy lists it */
	snprintf(want, sizeof(want), "%d", (int)pid);
	for (size_t i = 0; i < f->sys->nhier; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", f->sys->hier[i].mount,
			 f->path);
		read_file(dir, "cgroup.procs", procs, sizeof(procs));
		assert_string_equal(procs, want);
	}
	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	read_file(dir, "cgroup", self, sizeof(self));
	assert_non_null(strstr(self, f->path));
	/* entering a pid that does not exist names the file */
	assert_int_equal(cgroup_enter(f->cg, 999999999, &e), -1);
	assert_non_null(strstr(e.msg, "cgroup.procs"));
}

/* v2: clone3(CLONE_INTO_CGROUP) with cgroup_dirfd() starts a child
 * inside the cgroup; v1 has no such fd. */
static void test_dirfd(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct clone_args ca = { .flags = CLONE_INTO_CGROUP,
				 .exit_signal = SIGCHLD };
	struct err e = ERR_INIT;
	pid_t *pids = NULL, pid;
	size_t n = 0;
	int fd;

	no_limits(&l);
	make_cg(f, "dirfd", &l);
	fd = cgroup_dirfd(f->cg, &e);
	if (!is_v2(f)) {
		assert_int_equal(fd, -1);
		assert_int_equal(e.class, ERR_INVALID);
		return;
	}
	assert_true(fd >= 0);
	ca.cgroup = (uint64_t)fd;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		for (;;)
			pause();
	}
	close(fd);
	assert_true(pid > 0);
	f->kids[f->nkids++] = pid;
	assert_int_equal(cgroup_pids(f->cg, &pids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	free(pids);
}

static int fn_forks(void *arg)
{
	pid_t kids[50];
	int fails = 0, n = 0;

	for (int i = 0; i < 50; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			fails++;
		else
			kids[n++] = p;
	}
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return fails;
}

static void test_pids_limit(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	pid_t pid;
	int gate, st;

	need(f, CGROUP_PIDS);
	no_limits(&l);
	l.pids_limit = 10;
	make_cg(f, "pids", &l);
	gate = spawn_gated(f, fn_forks, NULL, &pid);
	assert_int_equal(cgroup_enter(f->cg, pid, &e), 0);
	release(gate);
	st = wait_kid(f, pid, 10000);
	assert_true(st != -1 && WIFEXITED(st));
	/* the child plus 9 more fit under 10: 41 of 50 forks fail */
	print_message("forks refused: %d of 50\n", WEXITSTATUS(st));
	assert_int_equal(WEXITSTATUS(st), 41);
}

/* Nodes for the device test: 1:3 (null) and 10:237 (loop-control,
 * which opens without a capability, so only the device cgroup refuses). */
static char dev_null[64], dev_lc[64];

/* Exit code: bit 0 null rw opened, bit 1 lc read, bit 2 lc write. */
static int fn_devopen(void *arg)
{
	int r = 0, fd;

	if ((fd = open(dev_null, O_RDWR | O_CLOEXEC)) >= 0 && close(fd) == 0)
		r |= 1;
	if ((fd = open(dev_lc, O_RDONLY | O_CLOEXEC)) >= 0 && close(fd) == 0)
		r |= 2;
	if ((fd = open(dev_lc, O_WRONLY | O_CLOEXEC)) >= 0 && close(fd) == 0)
		r |= 4;
	return r;
}

static int dev_try(struct fixture *f, const char *name,
		   const struct oci_devrule *r, size_t n)
{
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	pid_t pid;
	int st;

	no_limits(&l);
	make_cg(f, name, &l);
	if (cgroup_dev_apply(f->cg, r, n, &e) < 0)
		fail_msg("%s", e.msg);
	pid = spawn_fn_inside(f, fn_devopen);
	st = wait_kid(f, pid, 10000);
	assert_true(st != -1 && WIFEXITED(st));
	cgroup_destroy(f->cg, &e);
	cgroup_free(f->cg);
	f->cg = NULL;
	return WEXITSTATUS(st);
}

/* The device cgroup: v1 files, v2 (and the unified mount of a hybrid
 * host) a BPF program; the last matching rule decides. */
static void test_devices(void **state)
{
	struct fixture *f = *state;
	const struct oci_devrule rules[] = {
		{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"},
		{true, 'c', 10, 237, "r"},   {true, 'c', 10, -1, "w"},
		{false, 'c', 10, 237, "w"},
	};

	if (!is_v2(f))
		need(f, CGROUP_DEVICES);
	snprintf(dev_null, sizeof(dev_null), "/tmp/skiff-test-%d-null",
		 getpid());
	snprintf(dev_lc, sizeof(dev_lc), "/tmp/skiff-test-%d-lc", getpid());
	unlink(dev_null);
	unlink(dev_lc);
	assert_int_equal(mknod(dev_null, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(mknod(dev_lc, S_IFCHR | 0600, makedev(10, 237)), 0);
	assert_int_equal(dev_try(f, "dev-none", NULL, 0), 7);
	assert_int_equal(dev_try(f, "dev-deny", rules, 1), 0);
	assert_int_equal(dev_try(f, "dev-null", rules, 2), 1);
	assert_int_equal(dev_try(f, "dev-lc-r", rules, 3), 3);
	assert_int_equal(dev_try(f, "dev-10-w", rules, 4), 7);
	if (is_v2(f)) /* v1 cannot take a deny inside an allow */
		assert_int_equal(dev_try(f, "dev-lc-nw", rules, 5), 3);
	unlink(dev_null);
	unlink(dev_lc);
}

static int fn_hog(void *arg)
{
	size_t size = 64 << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	return 0;
}

static void test_oom(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	uint64_t before, after;
	struct pollfd pfd;
	pid_t pid;
	int gate, st;

	need(f, CGROUP_MEMORY);
	no_limits(&l);
	l.memory = 16 << 20;
	if (f->sys->swap)
		l.memory_swap = l.memory;
	make_cg(f, "oom", &l);
	pfd.fd = cgroup_oom_fd(f->cg, &e);
	if (pfd.fd < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(cgroup_oom_fd(f->cg, &e), pfd.fd);
	assert_int_equal(cgroup_oom_count(f->cg, &before, &e), 0);
	assert_int_equal(before, 0);
	gate = spawn_gated(f, fn_hog, NULL, &pid);
	assert_int_equal(cgroup_enter(f->cg, pid, &e), 0);
	release(gate);
	st = wait_kid(f, pid, 20000);
	assert_true(st != -1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	/* the counter is up as soon as the exit is seen, before the fd */
	assert_int_equal(cgroup_oom_count(f->cg, &after, &e), 0);
	print_message("oom_kill %llu -> %llu\n", (unsigned long long)before,
		      (unsigned long long)after);
	assert_true(after >= before + 1);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	cgroup_oom_ack(f->cg);
	if (!is_v2(f)) /* an eventfd is empty once read */
		assert_int_equal(poll(&pfd, 1, 0), 0);
}

/* A child that ticks a shared counter every millisecond. */
static volatile unsigned long *ticks;

static int fn_tick(void *arg)
{
	for (;;) {
		(*ticks)++;
		msleep(1);
	}
	return 0;
}

static char proc_state(pid_t pid)
{
	char dir[64], stat[512], *p;

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	read_file(dir, "stat", stat, sizeof(stat));
	p = strrchr(stat, ')');
	assert_non_null(p);
	return p[2];
}

/* The task's state once it is no longer frozen ('S' or 'R'), waiting up to
 * 5 s: a thawed v1 task that has already ticked can still show 'D' for a
 * moment (seen once in a CI run), so one read is not enough. */
static char thawed_state(pid_t pid)
{
	char c = proc_state(pid);

	for (int i = 0; i < 5000 && c != 'S' && c != 'R'; i++) {
		msleep(1);
		c = proc_state(pid);
	}
	return c;
}

/* Until the ticker counts past `above` (5 s at most: a loaded machine may
 * not run it for a while); the count seen. */
static unsigned long wait_ticks(unsigned long above)
{
	for (int i = 0; i < 5000 && *ticks <= above; i++)
		msleep(1);
	return *ticks;
}

static int wait_state(struct fixture *f, int want)
{
	struct err e = ERR_INIT;
	int s = -1;

	for (int i = 0; i < 2000; i++) {
		s = cgroup_freeze_state(f->cg, &e);
		if (s < 0)
			fail_msg("%s", e.msg);
		if (s == want)
			break;
		msleep(1);
	}
	return s;
}

static void test_freeze(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	unsigned long t0;
	pid_t pid;
	int gate;
	char c;

	need(f, CGROUP_FREEZER);
	ticks = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(ticks != MAP_FAILED);
	no_limits(&l);
	make_cg(f, "freeze", &l);
	gate = spawn_gated(f, fn_tick, NULL, &pid);
	assert_int_equal(cgroup_enter(f->cg, pid, &e), 0);
	release(gate);
	assert_true(wait_ticks(0) > 0);
	assert_int_equal(cgroup_freeze_state(f->cg, &e), CGROUP_THAWED);

	assert_int_equal(cgroup_freeze(f->cg, true, &e), 0);
	assert_int_equal(wait_state(f, CGROUP_FROZEN), CGROUP_FROZEN);
	t0 = *ticks;
	msleep(50);
	assert_int_equal(*ticks, t0);
	print_message("frozen: /proc state '%c'\n", proc_state(pid));
	if (!is_v2(f)) /* the v1 freezer parks tasks in TASK_FROZEN: 'D' */
		assert_int_equal(proc_state(pid), 'D');

	assert_int_equal(cgroup_freeze(f->cg, false, &e), 0);
	assert_int_equal(wait_state(f, CGROUP_THAWED), CGROUP_THAWED);
	assert_true(wait_ticks(t0) > t0);
	c = thawed_state(pid);
	if (c != 'S' && c != 'R')
		fail_msg("thawed task in state '%c'", c);

	/* killing a frozen cgroup works (v1 thaws it, v2 lets SIGKILL in) */
	assert_int_equal(cgroup_freeze(f->cg, true, &e), 0);
	assert_int_equal(wait_state(f, CGROUP_FROZEN), CGROUP_FROZEN);
	assert_int_equal(cgroup_kill_all(f->cg, SIGKILL, &e), 0);
	assert_true(wait_kid(f, pid, 5000) != -1);
	munmap((void *)ticks, 4096);
}

/* Burn 200 ms of CPU and touch 4 MiB (charged here, not where the
 * process was forked), then sleep. */
static int fn_busy(void *arg)
{
	struct timespec a, b;
	size_t size = 4 << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec <
	       200000000L);
	for (;;)
		pause();
	return 0;
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct cgroup_stats st;
	struct err e = ERR_INIT;
	pid_t pid;
	int gate;

	no_limits(&l);
	if (f->sys->controllers & CGROUP_MEMORY)
		l.memory = 256 << 20;
	if (f->sys->controllers & CGROUP_PIDS)
		l.pids_limit = 50;
	make_cg(f, "stats", &l);
	gate = spawn_gated(f, fn_busy, NULL, &pid);
	assert_int_equal(cgroup_enter(f->cg, pid, &e), 0);
	release(gate);
	for (int i = 0; i < 500; i++) { /* 5 s for 200 ms of CPU */
		if (cgroup_stats(f->cg, &st, &e) < 0)
			fail_msg("%s", e.msg);
		if (st.cpu_ns >= 200000000ULL)
			break;
		msleep(10);
	}
	print_message("cpu %llu ns, mem %llu/%llu cache %llu, pids %llu/%llu, "
		      "io r %llu w %llu, have %#x\n",
		      (unsigned long long)st.cpu_ns,
		      (unsigned long long)st.mem_usage,
		      (unsigned long long)st.mem_limit,
		      (unsigned long long)st.mem_cache,
		      (unsigned long long)st.pids_current,
		      (unsigned long long)st.pids_limit,
		      (unsigned long long)st.io_read_bytes,
		      (unsigned long long)st.io_write_bytes, st.have);
	assert_true(st.have & CGROUP_STAT_CPU);
	assert_true(st.cpu_ns >= 200000000ULL);
	if (f->sys->controllers & CGROUP_MEMORY) {
		assert_true(st.have & CGROUP_STAT_MEMORY);
		assert_true(st.mem_usage >= 4 << 20);
		assert_int_equal(st.mem_limit, 256 << 20);
	}
	if (f->sys->controllers & CGROUP_PIDS) {
		assert_true(st.have & CGROUP_STAT_PIDS);
		assert_int_equal(st.pids_current, 1);
		assert_int_equal(st.pids_limit, 50);
	}
	if (f->sys->controllers & CGROUP_IO)
		assert_true(st.have & CGROUP_STAT_IO);
	if (!(f->sys->controllers & CGROUP_MEMORY))
		print_message("memory/pids/io stats not checked: no such "
			      "controllers in %s\n", f->sys->hier[0].mount);
}

/* raise both: v1 must write memsw before the memory limit */
static void update_raise(struct fixture *f)
{
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	bool swap = f->sys->swap;

	no_limits(&l);
	l.memory = 128 << 20;
	if (swap)
		l.memory_swap = 256 << 20;
	l.pids_limit = 20;
	assert_int_equal(cgroup_parse_cpus("0.5", &l.cpu_quota_us,
					   &l.cpu_period_us, &e), 0);
	l.cpu_shares = 1024;
	snprintf(l.cpuset_cpus, sizeof(l.cpuset_cpus), "%s",
		 sysconf(_SC_NPROCESSORS_ONLN) > 1 ? "0-1" : "0");
	if (cgroup_update(f->cg, &l, &e) < 0)
		fail_msg("%s", e.msg);
	expect_file(f, CGROUP_PIDS, "pids.max", "20");
	expect_file(f, CGROUP_CPUSET, "cpuset.cpus", l.cpuset_cpus);
	if (is_v2(f)) {
		expect_file(f, CGROUP_MEMORY, "memory.max", "134217728");
		if (swap)
			expect_file(f, CGROUP_MEMORY, "memory.swap.max",
				    "134217728");
		expect_file(f, CGROUP_CPU, "cpu.max", "50000 100000");
		expect_file(f, CGROUP_CPU, "cpu.weight", "39");
	} else {
		expect_file(f, CGROUP_MEMORY, "memory.limit_in_bytes",
			    "134217728");
		if (swap)
			expect_file(f, CGROUP_MEMORY,
				    "memory.memsw.limit_in_bytes", "268435456");
		expect_file(f, CGROUP_CPU, "cpu.cfs_quota_us", "50000");
		expect_file(f, CGROUP_CPU, "cpu.shares", "1024");
	}
}

/* lower both: now the memory limit must go first */
static void update_lower(struct fixture *f)
{
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	bool swap = f->sys->swap;

	no_limits(&l);
	l.memory = 32 << 20;
	if (swap)
		l.memory_swap = 32 << 20;
	l.pids_limit = CGROUP_UNLIMITED;
	l.cpu_quota_us = CGROUP_UNLIMITED;
	l.memory_reservation = 16 << 20;
	if (cgroup_update(f->cg, &l, &e) < 0)
		fail_msg("%s", e.msg);
	expect_file(f, CGROUP_MEMORY,
		    is_v2(f) ? "memory.low" : "memory.soft_limit_in_bytes",
		    "16777216");
	expect_file(f, CGROUP_PIDS, "pids.max", "max");
	if (is_v2(f)) {
		expect_file(f, CGROUP_MEMORY, "memory.max", "33554432");
		if (swap)
			expect_file(f, CGROUP_MEMORY, "memory.swap.max", "0");
		expect_file(f, CGROUP_CPU, "cpu.max", "max 100000");
	} else {
		expect_file(f, CGROUP_MEMORY, "memory.limit_in_bytes",
			    "33554432");
		if (swap)
			expect_file(f, CGROUP_MEMORY,
				    "memory.memsw.limit_in_bytes", "33554432");
		expect_file(f, CGROUP_CPU, "cpu.cfs_quota_us", "-1");
	}
}

/* lift, then ask for what the kernel refuses */
static void update_lift_refuse(struct fixture *f)
{
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	bool swap = f->sys->swap;

	/* lifting the memory limit lifts memsw with it on v1 */
	no_limits(&l);
	l.memory = CGROUP_UNLIMITED;
	if (cgroup_update(f->cg, &l, &e) < 0)
		fail_msg("%s", e.msg);
	if (is_v2(f)) {
		expect_file(f, CGROUP_MEMORY, "memory.max", "max");
	} else {
		expect_file(f, CGROUP_MEMORY, "memory.limit_in_bytes",
			    "9223372036854771712");
		if (swap)
			expect_file(f, CGROUP_MEMORY,
				    "memory.memsw.limit_in_bytes",
				    "9223372036854771712");
	}

	/* v1 cannot shrink below what it cannot reclaim (anon, no swap) */
	if (!is_v2(f)) {
		struct cgroup_stats st = { 0 };

		for (int i = 0; i < 500 && st.mem_usage < 4 << 20; i++) {
			assert_int_equal(cgroup_stats(f->cg, &st, &e), 0);
			msleep(10);
		}
		no_limits(&l);
		l.memory = 4096;
		assert_int_equal(cgroup_update(f->cg, &l, &e), -1);
		print_message("%s\n", e.msg);
		assert_non_null(strstr(e.msg, "memory.limit_in_bytes = 4096"));
		assert_int_equal(e.class, ERR_BUSY);
	}

	/* a value the kernel refuses names the file and the value */
	no_limits(&l);
	snprintf(l.cpuset_cpus, sizeof(l.cpuset_cpus), "4000");
	if (f->sys->controllers & CGROUP_CPUSET) {
		assert_int_equal(cgroup_update(f->cg, &l, &e), -1);
		print_message("%s\n", e.msg);
		assert_non_null(strstr(e.msg, "cpuset.cpus = 4000"));
	}
}

static void test_update(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;

	need(f, CGROUP_MEMORY);
	need(f, CGROUP_CPU);
	need(f, CGROUP_PIDS);
	no_limits(&l);
	l.memory = 64 << 20;
	if (f->sys->swap)
		l.memory_swap = 64 << 20;
	l.pids_limit = 50;
	make_cg(f, "update", &l);
	spawn_fn_inside(f, fn_busy);
	update_raise(f);
	update_lower(f);
	update_lift_refuse(f);
}

static void test_kill_all(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	pid_t pids[3];
	int st;

	no_limits(&l);
	make_cg(f, "kill", &l);
	for (int i = 0; i < 3; i++)
		pids[i] = spawn_inside(f);
	assert_int_equal(cgroup_kill_all(f->cg, SIGTERM, &e), 0);
	st = wait_kid(f, pids[0], 5000);
	assert_true(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	assert_int_equal(cgroup_kill_all(f->cg, SIGKILL, &e), 0);
	for (int i = 1; i < 3; i++) {
		st = wait_kid(f, pids[i], 5000);
		assert_true(st != -1 && WIFSIGNALED(st));
	}
}

static void write_str(const char *dir, const char *file, const char *val)
{
	char p[600];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", p, strerror(errno));
	assert_int_equal(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

/* Make f's cgroup a sub-cgroup "sub" in every hierarchy, as a container
 * with its own cgroup manager would, and move pid into it. */
static void make_sub(struct fixture *f, pid_t pid)
{
	char dir[512], sub[600], val[64];

	for (size_t i = 0; i < f->sys->nhier; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", f->sys->hier[i].mount,
			 f->path);
		snprintf(sub, sizeof(sub), "%s/sub", dir);
		assert_int_equal(mkdir(sub, 0755), 0);
		if (f->sys->hier[i].controllers & CGROUP_CPUSET) {
			read_file(dir, "cpuset.cpus", val, sizeof(val));
			write_str(sub, "cpuset.cpus", val);
			read_file(dir, "cpuset.mems", val, sizeof(val));
			write_str(sub, "cpuset.mems", val);
		}
		snprintf(val, sizeof(val), "%d", (int)pid);
		write_str(sub, "cgroup.procs", val);
	}
}

/* Signals reach processes in sub-cgroups too. */
static void test_kill_tree(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	pid_t *pids = NULL, pid, pid2;
	size_t n;
	int st;

	no_limits(&l);
	make_cg(f, "killtree", &l);
	pid = spawn_inside(f);
	pid2 = spawn_inside(f);
	make_sub(f, pid2);
	assert_int_equal(cgroup_pids(f->cg, &pids, &n, &e), 0);
	assert_int_equal(n, 1); /* cgroup.procs lists its own only */
	free(pids);
	assert_int_equal(cgroup_kill_all(f->cg, SIGTERM, &e), 0);
	st = wait_kid(f, pid, 5000);
	assert_true(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	st = wait_kid(f, pid2, 5000);
	assert_true(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

static int fn_bomb(void *arg)
{
	for (;;)
		if (fork() < 0)
			sched_yield();
	return 0;
}

/* SIGKILL gets a fork bomb (bounded by pids.max 64) in one call. The
 * bomb's orphans come to this process (a subreaper here) to be reaped. */
static void test_kill_bomb(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	struct cgroup_stats st;
	pid_t *pids = NULL;
	size_t n = 1;

	need(f, CGROUP_PIDS);
	no_limits(&l);
	l.pids_limit = 64;
	make_cg(f, "bomb", &l);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	spawn_fn_inside(f, fn_bomb);
	msleep(200);
	assert_int_equal(cgroup_stats(f->cg, &st, &e), 0);
	print_message("bomb at %llu pids\n",
		      (unsigned long long)st.pids_current);
	assert_int_equal(cgroup_kill_all(f->cg, SIGKILL, &e), 0);
	for (int i = 0; i < 5000 && (n || st.pids_current); i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		assert_int_equal(cgroup_pids(f->cg, &pids, &n, &e), 0);
		free(pids);
		assert_int_equal(cgroup_stats(f->cg, &st, &e), 0);
		msleep(1);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	f->nkids = 0; /* all reaped above */
	assert_int_equal(n, 0);
	assert_int_equal(st.pids_current, 0);
}

/* Destroy removes sub-cgroups the container made and kills what runs in
 * them, in every hierarchy, frozen or not. */
static void test_destroy(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	char dir[512];
	pid_t pid, pid2;
	int r;

	no_limits(&l);
	make_cg(f, "destroy", &l);
	pid = spawn_inside(f);
	pid2 = spawn_inside(f);
	make_sub(f, pid2);
	assert_int_equal(cgroup_freeze(f->cg, true, &e), 0);
	assert_int_equal(wait_state(f, CGROUP_FROZEN), CGROUP_FROZEN);
	r = cgroup_destroy(f->cg, &e);
	if (r < 0) /* killed children are zombies until reaped */
		print_message("first destroy: %s\n", e.msg);
	assert_true(wait_kid(f, pid, 5000) != -1);
	assert_true(wait_kid(f, pid2, 5000) != -1);
	if (r < 0 && cgroup_destroy(f->cg, &e) < 0)
		fail_msg("%s", e.msg);
	for (size_t i = 0; i < f->sys->nhier; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", f->sys->hier[i].mount,
			 f->path);
		assert_false(dir_exists(dir));
	}
	/* destroy is idempotent */
	assert_int_equal(cgroup_destroy(f->cg, &e), 0);
}

/* 200 containers' worth of create/destroy leave nothing behind. */
static void test_many(void **state)
{
	struct fixture *f = *state;
	struct cgroup_limits l;
	struct err e = ERR_INIT;
	char path[128], dir[512], leaf[600];
	int busy = 0;

	no_limits(&l);
	if (f->sys->controllers & CGROUP_PIDS)
		l.pids_limit = 100;
	if (f->sys->controllers & CGROUP_MEMORY)
		l.memory = 64 << 20;
	for (int i = 0; i < 200; i++) {
		struct cgroup *cg;
		pid_t pid = 0;

		snprintf(path, sizeof(path), "%s/many/c%d", parent, i);
		cg = cgroup_create(f->sys, path, &l, &e);
		if (!cg)
			fail_msg("%s", e.msg);
		if (i % 20 == 0) {
			f->cg = cg;
			pid = spawn_inside(f);
			f->cg = NULL;
		}
		if (cgroup_destroy(cg, &e) < 0) {
			busy++;
			assert_int_equal(e.class, ERR_BUSY);
			assert_true(wait_kid(f, pid, 5000) != -1);
			pid = 0;
			if (cgroup_destroy(cg, &e) < 0)
				fail_msg("%s", e.msg);
		}
		if (pid)
			assert_true(wait_kid(f, pid, 5000) != -1);
		cgroup_free(cg);
	}
	print_message("destroy said busy %d times (zombies not yet reaped)\n",
		      busy);
	for (size_t h = 0; h < f->sys->nhier; h++) {
		snprintf(dir, sizeof(dir), "%s/%s/many", f->sys->hier[h].mount,
			 parent);
		for (int i = 0; i < 200; i++) {
			snprintf(leaf, sizeof(leaf), "%s/c%d", dir, i);
			assert_false(dir_exists(leaf));
		}
		assert_int_equal(rmdir(dir), 0);
	}
}

/* ---- main ---- */

static int group_setup(void **state)
{
	struct err e = ERR_INIT;

	snprintf(parent, sizeof(parent), "skiff-test-%d", (int)getpid());
	if (cgroup_detect(&host_sys, &e) < 0) {
		print_error("detect: %s\n", e.msg);
		return -1;
	}
	if (host_sys.version == 2)
		unified_sys = host_sys, unified_ok = true;
	else if (host_sys.hybrid)
		unified_ok =
			cgroup_sys_init_v2(&unified_sys, host_sys.unified, &e) ==
			0;
	return 0;
}

/* Remove skiff-test-<pid> everywhere; complain if anything is left. */
static int group_teardown(void **state)
{
	const struct cgroup_sys *all[] = { &host_sys, &unified_sys };
	char dir[512];
	int r = 0;

	for (size_t s = 0; s < 2; s++)
		for (size_t h = 0; h < all[s]->nhier; h++) {
			snprintf(dir, sizeof(dir), "%s/%s", all[s]->hier[h].mount,
				 parent);
			if (rmdir(dir) < 0 && errno != ENOENT) {
				print_error("rmdir %s: %s\n", dir,
					    strerror(errno));
				r = -1;
			}
		}
	return r;
}

#define T(f, sys, label)                                                 \
	{ label "/" #f, f, setup, teardown, (void *)&sys }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_detect_mount_ns),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_cpuset_and_limits),
#define BOTH(f) T(f, host_sys, "host"), T(f, unified_sys, "unified")
		BOTH(test_bad_create),
		BOTH(test_create_limits),
		BOTH(test_open_conflict),
		BOTH(test_enter),
		BOTH(test_dirfd),
		BOTH(test_pids_limit),
		BOTH(test_oom),
		BOTH(test_freeze),
		BOTH(test_stats),
		BOTH(test_update),
		BOTH(test_kill_all),
		BOTH(test_kill_tree),
		BOTH(test_kill_bomb),
		BOTH(test_destroy),
		BOTH(test_many),
		BOTH(test_devices),
#undef BOTH
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
