/* test_spawner.c - fs/spawner without a daemon (run as root).
 *
 * The test process forks a spawner (spawner_main on one end of
 * spawner_socketpair) and asks it for containers over the other end, as
 * skiffd does: each container must come back as the test's own child
 * (CLONE_PARENT), run as spawn_create's would, and every failure must
 * come back as an error reply with the spawner still serving. A request
 * naming a cgroup gets it made, with its limits, and the child in it
 * before the reply. Each test builds a busybox rootfs in a temp
 * directory and removes it, and leaves no child or cgroup behind. */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/buf.h"
#include "../../fs/seccomp.h"
#include "../../fs/spawner.h"
#include "../../fs/specgen.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static struct cgroup_sys cgsys;
static bool have_cgroups;

struct tc {
	char dir[64];
	char rootfs[PATH_MAX];
	char state[PATH_MAX];
	pid_t spawner;
	int sock;
};

static void sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	struct tc *t = calloc(1, sizeof(*t));
	char cmd[PATH_MAX * 4];
	int sv[2];
	struct err e = ERR_INIT;

	snprintf(t->dir, sizeof(t->dir), "/tmp/skiff-spawner-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->dir);
	snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/bin && cp /bin/busybox %s/bin/ && "
		 "for a in sh echo cat true; do ln -s busybox %s/bin/$a; done",
		 t->rootfs, t->rootfs, t->rootfs);
	sh(cmd);
	if (spawner_socketpair(sv, &e) < 0)
		return -1;
	t->spawner = fork();
	if (t->spawner == 0)
		_exit(spawner_main(sv[1], have_cgroups ? &cgsys : NULL) < 0);
	close(sv[1]);
	t->sock = sv[0];
	*state = t;
	return 0;
}

static int rm_cb(const char *p, const struct stat *sb, int flag,
		 struct FTW *ftw)
{
	return remove(p);
}

/* Closing the socket ends the spawner (exit 0); no child is left. */
static int teardown(void **state)
{
	struct tc *t = *state;
	siginfo_t si = {0};
	int st = -1;

	close(t->sock);
	waitpid(t->spawner, &st, 0);
	assert_int_equal(st, 0);
	assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
	nftw(t->dir, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static struct oci_spec *spec_for(struct tc *t, const char *const *argv)
{
	static const char *const env[] = {"PATH=/bin", NULL};
	struct specgen_opts o = {
	    .rootfs = t->rootfs, .args = argv, .env = env, .hostname = "box"};
	struct oci_spec *s = NULL;
	struct err e = ERR_INIT;

	if (specgen_build(&o, &s, &e) < 0)
		fail_msg("specgen: %s", e.msg);
	return s;
}

/* Send a request for s with stdout/stderr to wfd, wait for the reply. */
static int ask_cg(struct tc *t, const struct oci_spec *s, int wfd,
		  const struct seccomp_bpf *bpf,
		  const struct spawner_cgroup *cg, struct spawn **sp,
		  struct err *e)
{
	struct spawn_opts o = {.rootfs = t->rootfs,
			       .state_dir = t->state,
			       .stdio = {-1, wfd, wfd},
			       .seccomp_bpf = bpf};
	struct pollfd pfd = {.fd = t->sock, .events = POLLIN};
	struct buf text = {0};
	static uint64_t id;
	uint64_t got = 0;
	int r;

	ocispec_write(s, &text);
	buf_append(&text, "", 1);
	assert_int_equal(spawner_send(t->sock, ++id, &o, text.data, cg, e), 0);
	buf_free(&text);
	while ((r = spawner_recv(t->sock, &got, sp, e)) == 1)
		poll(&pfd, 1, -1);
	assert_int_equal(r, 0);
	assert_true(got == id);
	return *sp ? 0 : -1;
}

static int ask(struct tc *t, const struct oci_spec *s, int wfd,
	       const struct seccomp_bpf *bpf, struct spawn **sp, struct err *e)
{
	return ask_cg(t, s, wfd, bpf, NULL, sp, e);
}

/* Release a cloned child and drive it to exec or failure. */
static int go(struct spawn *sp, struct err *e)
{
	struct pollfd pfd = {.events = POLLIN};
	int r;

	assert_int_equal(spawn_release(sp, e), 0);
	pfd.fd = sp->sync_fd;
	while ((r = spawn_poll(sp, e)) == 1)
		poll(&pfd, 1, -1);
	return r;
}

static int reap(struct spawn *sp)
{
	siginfo_t si = {0};

	assert_int_equal(
	    waitid((idtype_t)P_PIDFD, (id_t)sp->pidfd, &si, WEXITED), 0);
	return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

static pid_t ppid_of(pid_t pid)
{
	char path[64], line[512];
	FILE *f;
	pid_t pp = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	assert_non_null(f = fopen(path, "re"));
	if (fgets(line, sizeof(line), f))
		sscanf(strrchr(line, ')') + 2, "%*c %d", &pp);
	fclose(f);
	return pp;
}

static void test_spawner_runs(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"sh", "-c", "echo hi $(hostname)", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct seccomp_bpf bpf = {0};
	struct err e = ERR_INIT;
	struct spawn *sp = NULL;
	char out[64] = "";
	int p[2];

	assert_non_null(s->seccomp);
	assert_int_equal(seccomp_spec_compile(s->seccomp, &bpf, &e), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if (ask(t, s, p[1], &bpf, &sp, &e) < 0)
		fail_msg("spawner: %s", e.msg);
	close(p[1]);
	assert_int_equal(sp->state, SPAWN_WAITING);
	assert_int_equal(ppid_of(sp->pid), getpid()); /* CLONE_PARENT */
	assert_int_equal(go(sp, &e), 0);
	assert_true(read(p[0], out, sizeof(out) - 1) > 0);
	close(p[0]);
	assert_string_equal(out, "hi box\n");
	assert_int_equal(reap(sp), 0);
	spawn_free(sp);
	seccomp_bpf_free(&bpf);
	ocispec_free(s);
}

static void test_spawner_errors(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"nonexistent", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct err e = ERR_INIT;
	struct spawn *sp = NULL;
	struct pollfd pfd = {.fd = t->sock, .events = POLLIN};
	uint64_t id;
	char junk[8] = "junk";

	/* The child's own failure, after the clone. */
	assert_int_equal(ask(t, s, -1, NULL, &sp, &e), 0);
	assert_int_equal(go(sp, &e), -1);
	assert_string_equal(e.msg,
			    "exec \"nonexistent\": No such file or directory");
	assert_int_equal(reap(sp), 127);
	spawn_free(sp);
	/* The spawner's: no clone, an error reply. */
	strcpy(t->rootfs, "/nonexistent-rootfs");
	assert_int_equal(ask(t, s, -1, NULL, &sp, &e), -1);
	assert_null(sp);
	assert_string_equal(e.msg, "rootfs /nonexistent-rootfs: No such file "
				   "or directory");
	assert_int_equal(e.class, ERR_NOT_FOUND);
	/* A garbled request: an error, and the spawner goes on. */
	assert_int_equal(send(t->sock, junk, sizeof(junk), 0), sizeof(junk));
	while (spawner_recv(t->sock, &id, &sp, &e) == 1)
		poll(&pfd, 1, -1);
	assert_null(sp);
	assert_string_equal(e.msg, "spawner: short request");
	assert_int_equal(kill(t->spawner, 0), 0);
	ocispec_free(s);
}

/* Lines of /proc/PID/cgroup that do not end in want (v1: one line a
 * hierarchy; the name=systemd one and empty v2 line of a hybrid host
 * are not among the hierarchies containers go in). */
static int cgroup_misses(pid_t pid, const char *want)
{
	char path[64], line[1024];
	size_t n = strlen(want), len;
	int miss = 0, seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	assert_non_null(f = fopen(path, "re"));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, ":name=") || strstr(line, "::") ||
		    strstr(line, ":misc:"))
			continue;
		len = strlen(line);
		seen++;
		if (len < n || strcmp(line + len - n, want))
			miss++;
	}
	fclose(f);
	return seen ? miss : -1;
}

/* The cgroup a request names is made, limited and holds the child
 * before the reply; one left behind under that path is made anew; a bad
 * path is an error reply. */
static void test_spawner_cgroup(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct spawner_cgroup cg = {.limits = {.pids_limit = 77,
					       .memory = 0}};
	struct err e = ERR_INIT;
	struct spawn *sp = NULL;
	struct cgroup *h;
	char want[128], pmax[32] = "";
	FILE *f;

	if (!have_cgroups) {
		ocispec_free(s);
		skip();
	}
	snprintf(cg.path, sizeof(cg.path), "skiff-test-spawner-%d",
		 (int)getpid());
	snprintf(want, sizeof(want), "/%s", cg.path);
	for (int round = 0; round < 2; round++) {
		if (ask_cg(t, s, -1, NULL, &cg, &sp, &e) < 0)
			fail_msg("spawner: %s", e.msg);
		assert_int_equal(cgroup_misses(sp->pid, want), 0);
		if (cgsys.controllers & CGROUP_PIDS) {
			for (size_t i = 0; i < cgsys.nhier; i++)
				if (cgsys.hier[i].controllers & CGROUP_PIDS) {
					char p[CGROUP_MOUNT_MAX + 160];
					snprintf(p, sizeof(p), "%s/%s/pids.max",
						 cgsys.hier[i].mount, cg.path);
					assert_non_null(f = fopen(p, "re"));
					assert_non_null(fgets(pmax,
							      sizeof(pmax), f));
					fclose(f);
				}
			assert_string_equal(pmax, "77\n");
		}
		assert_int_equal(go(sp, &e), 0);
		assert_int_equal(reap(sp), 0);
		spawn_free(sp);
		/* round 0 leaves it behind (as a crash would) */
	}
	assert_non_null(h = cgroup_open(&cgsys, cg.path, &e));
	assert_int_equal(cgroup_destroy(h, &e), 0);
	cgroup_free(h);
	/* A path the cgroup layer refuses: the spawner's error reply. */
	strcpy(cg.path, "../escape");
	assert_int_equal(ask_cg(t, s, -1, NULL, &cg, &sp, &e), -1);
	assert_null(sp);
	assert_non_null(strstr(e.msg, "../escape"));
	assert_int_equal(kill(t->spawner, 0), 0);
	ocispec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_spawner_runs, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_spawner_errors, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_spawner_cgroup, setup,
					    teardown),
	};
	struct err e = ERR_INIT;

	if (geteuid() != 0) {
		fprintf(stderr, "test_spawner: needs root\n");
		return 77;
	}
	have_cgroups = cgroup_detect(&cgsys, &e) == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
