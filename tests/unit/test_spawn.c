/* test_spawn.c - real containers through fs/spawn (run as root).
 *
 * Each test builds a busybox rootfs in a temp directory (from the host's
 * /bin/busybox, package busybox-static), runs containers through the
 * library, checks what they print, and removes every child and directory
 * it made. Mount leaks are checked against /proc/self/mountinfo. */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../fs/caps.h"
#include "../../fs/mounts.h"
#include "../../fs/seccomp.h"
#include "../../fs/spawn.h"
#include "../../fs/specgen.h"
#include "../../proto/seccomp_json.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct tc {
	char dir[256];
	char rootfs[PATH_MAX + 16];
	char state[PATH_MAX + 16];
	bool have_probe;
};

static const char *const applets[] = {
    "sh",    "cat",  "id",    "hostname", "ls",	  "echo",  "true", "false",
    "sleep", "grep", "touch", "wc",	  "head", "mkdir", "stat"};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Where tests/helpers/spawn_probe.c is, from this file's own path. */
static void probe_src(char *buf, size_t size)
{
	const char *slash = strrchr(__FILE__, '/');
	int n = slash ? (int)(slash - __FILE__) : 0;

	snprintf(buf, size, "%.*s%s../helpers/spawn_probe.c", n, __FILE__,
		 n ? "/" : "");
}

static void make_rootfs(struct tc *t)
{
	char src[PATH_MAX + 64];

	sh("mkdir -p %s/bin %s/etc %s/tmp %s/home/user && cp /bin/busybox "
	   "%s/bin/",
	   t->rootfs, t->rootfs, t->rootfs, t->rootfs, t->rootfs);
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		sh("ln -s busybox %s/bin/%s", t->rootfs, applets[i]);
	snprintf(src, sizeof(src), "%s/etc/passwd", t->rootfs);
	write_text(src,
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "user:x:1000:1000:user:/home/user:/bin/sh\n"
		   "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
	snprintf(src, sizeof(src), "%s/etc/group", t->rootfs);
	write_text(src, "root:x:0:\nwheel:x:10:user\naudio:x:29:user,other\n"
			"user:x:1000:\nnogroup:x:65534:\n");
	probe_src(src, sizeof(src));
	t->have_probe =
	    access(src, R_OK) == 0 && system("command -v gcc >/dev/null") == 0;
	if (t->have_probe)
		sh("gcc -static -O1 -o %s/bin/probe %s", t->rootfs, src);
}

static int setup(void **state)
{
	struct tc *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/skiff-spawn-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->dir);
	snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
	make_rootfs(t);
	*state = t;
	return 0;
}

static int rm_cb(const char *p, const struct stat *sb, int flag,
		 struct FTW *ftw)
{
	return remove(p);
}

static int teardown(void **state)
{
	struct tc *t = *state;

	nftw(t->dir, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* A Docker-like spec running argv, built as skiff run would. */
static struct oci_spec *spec_opts(struct tc *t, const char *const *argv,
				  struct specgen_opts *o)
{
	static const char *const env[] = {"PATH=/bin", "SKIFF_TEST=yes", NULL};
	struct oci_spec *s = NULL;
	struct err e = ERR_INIT;

	o->rootfs = t->rootfs;
	o->args = argv;
	o->env = env;
	o->hostname = "box";
	if (specgen_build(o, &s, &e) < 0)
		fail_msg("specgen: %s", e.msg);
	return s;
}

static struct oci_spec *spec_for(struct tc *t, const char *const *argv)
{
	struct specgen_opts o = {0};

	return spec_opts(t, argv, &o);
}

static int wait_pidfd(int pidfd)
{
	siginfo_t info = {0};

	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED),
			 0);
	return info.si_code == CLD_EXITED ? info.si_status
					  : 128 + info.si_status;
}

static void read_all(int fd, char *out, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
}

/* Run the spec to completion; returns the exit code, output in out. */
static int run(struct tc *t, const struct oci_spec *s, char *out, size_t size,
	       struct err *e)
{
	struct spawn_opts o = {
	    .spec = s, .rootfs = t->rootfs, .state_dir = t->state};
	struct spawn *sp = NULL;
	int p[2], code;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	o.stdio[0] = -1;
	o.stdio[1] = o.stdio[2] = p[1];
	if (spawn_run(&o, NULL, NULL, NULL, &sp, e) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	read_all(p[0], out, size);
	close(p[0]);
	code = wait_pidfd(sp->pidfd);
	spawn_free(sp);
	return code;
}

/* Run a shell command in a default container; returns its exit code. */
static int run_sh(struct tc *t, struct oci_spec *s, const char *cmd, char *out,
		  size_t size)
{
	struct err e = ERR_INIT;
	int r;

	if (cmd) {
		strv_free(&s->process.args);
		strv_push(&s->process.args, "sh");
		strv_push(&s->process.args, "-c");
		strv_push(&s->process.args, cmd);
	}
	r = run(t, s, out, size, &e);
	if (r < 0)
		fail_msg("spawn: %s", e.msg);
	return r;
}

static void test_exit_codes_and_stdout(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"sh", "-c", "echo hello; exit 3", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096];

	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 3);
	assert_string_equal(out, "hello\n");
	assert_int_equal(run_sh(t, s, "true", out, sizeof(out)), 0);
	assert_int_equal(run_sh(t, s, "false", out, sizeof(out)), 1);
	ocispec_free(s);
}

static void test_env_cwd_hostname(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096];

	free(s->process.cwd);
	s->process.cwd = strdup("/tmp");
	s->process.rlimits = calloc(1, sizeof(*s->process.rlimits));
	s->process.n_rlimits = 1;
	s->process.rlimits[0].type = strdup("RLIMIT_NOFILE");
	s->process.rlimits[0].soft = 100;
	s->process.rlimits[0].hard = 200;
	assert_int_equal(run_sh(t, s,
				"echo $SKIFF_TEST; pwd; hostname; "
				"cat /etc/hostname; ulimit -n; "
				"ulimit -H -n; echo $HOME; "
				"grep -vc ':/$' /proc/self/cgroup",
				out, sizeof(out)),
			 1);
	/* grep -vc counts cgroup lines not at their namespace's root: 0. */
	assert_string_equal(out, "yes\n/tmp\nbox\nbox\n100\n200\n/root\n"
				 "0\n");
	ocispec_free(s);
}

static void test_user_groups(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"id", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096];

	s->process.user.username = strdup("user");
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	/* Supplementary groups are the memberships in /etc/group. */
	assert_string_equal(out, "uid=1000(user) gid=1000(user) "
				 "groups=10(wheel),29(audio)\n");
	free(s->process.user.username);
	s->process.user.username = strdup("nobody:wheel");
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "uid=65534(nobody) gid=10(wheel)\n");
	free(s->process.user.username);
	s->process.user.username = strdup("4242:77");
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "uid=4242 gid=77\n");
	ocispec_free(s);
}

static void test_unknown_user(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"id", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct err e = ERR_INIT;
	char out[256];

	s->process.user.username = strdup("ghost");
	assert_int_equal(run(t, s, out, sizeof(out), &e), -1);
	assert_non_null(strstr(e.msg, "ghost"));
	assert_int_equal(e.class, ERR_NOT_FOUND);
	ocispec_free(s);
}

static void test_readonly_root_and_lower_untouched(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096], path[PATH_MAX + 64];

	assert_int_equal(run_sh(t, s, "echo data > /written && cat /written",
				out, sizeof(out)),
			 0);
	assert_string_equal(out, "data\n");
	snprintf(path, sizeof(path), "%s/written", t->rootfs);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/upper/written", t->state);
	assert_int_equal(access(path, F_OK), 0);
	s->root_readonly = true;
	assert_int_not_equal(run_sh(t, s, "touch /newfile", out, sizeof(out)),
			     0);
	assert_non_null(strstr(out, "Read-only file system"));
	/* tmpfs mounts stay writable on a read-only root. */
	assert_int_equal(run_sh(t, s, "touch /dev/shm/x", out, sizeof(out)), 0);
	ocispec_free(s);
}

static void test_caps(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"grep", "^Cap", "/proc/self/status", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct strv add = {0}, drop = {0};
	struct err e = ERR_INIT;
	uint64_t mask;
	char out[4096];

	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "CapInh:\t00000000a80425fb\n"
				 "CapPrm:\t00000000a80425fb\n"
				 "CapEff:\t00000000a80425fb\n"
				 "CapBnd:\t00000000a80425fb\n"
				 "CapAmb:\t0000000000000000\n");
	strv_push(&drop, "ALL");
	assert_int_equal(caps_docker_mask(NULL, &drop, &mask, &e), 0);
	assert_int_equal(caps_fill_spec(&s->process, mask, &e), 0);
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "CapBnd:\t0000000000000000"));
	assert_non_null(strstr(out, "CapEff:\t0000000000000000"));
	strv_push(&add, "net_admin");
	assert_int_equal(caps_docker_mask(&add, NULL, &mask, &e), 0);
	assert_int_equal(caps_fill_spec(&s->process, mask, &e), 0);
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "CapBnd:\t00000000a80435fb"));
	assert_non_null(strstr(out, "CapEff:\t00000000a80435fb"));
	strv_free(&add);
	strv_free(&drop);
	ocispec_free(s);
}

static void test_caps_non_root_user(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"grep", "^Cap[EB]", "/proc/self/status", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096];

	/* As in Docker: execve as a non-root user clears the effective set
	 * (no ambient capabilities); the bounding set stays. */
	s->process.user.uid = 1000;
	s->process.user.gid = 1000;
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "CapEff:\t0000000000000000\n"
				 "CapBnd:\t00000000a80425fb\n");
	ocispec_free(s);
}

static void test_seccomp(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"probe", "keyctl", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[256];

	if (!t->have_probe) {
		ocispec_free(s);
		skip();
	}
	assert_int_equal(run_sh(t, s, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "EPERM\n");
	assert_int_equal(run_sh(t, s, "probe vsock", out, sizeof(out)), 0);
	assert_string_equal(out, "EPERM\n");
	assert_int_equal(run_sh(t, s, "probe getpid", out, sizeof(out)), 0);
	assert_string_equal(out, "ok\n");
	/* seccomp=unconfined */
	ocispec_seccomp_free(s->seccomp);
	s->seccomp = NULL;
	assert_int_equal(run_sh(t, s, "probe keyctl", out, sizeof(out)), 0);
	assert_string_equal(out, "ok\n");
	ocispec_free(s);
}

static void test_seccomp_profile_nnp(void **state)
{
	struct tc *t = *state;
	static const char profile[] =
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	    "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":"
	    "\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
	    "\"includes\":{\"caps\":[\"CAP_CHOWN\"]}},"
	    "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\","
	    "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct strv caps = {0};
	struct seccomp_json_ctx ctx = {.caps = &caps};
	struct err e = ERR_INIT;
	char out[1024];

	strv_push(&caps, "CAP_CHOWN");
	ocispec_seccomp_free(s->seccomp);
	assert_int_equal(
	    seccomp_json_parse(profile, strlen(profile), &ctx, &s->seccomp, &e),
	    0);
	s->process.no_new_privileges = true;
	assert_int_equal(run_sh(t, s,
				"mkdir /x; echo $$; grep NoNewPrivs "
				"/proc/self/status",
				out, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "Permission denied"));
	assert_non_null(strstr(out, "\n1\nNoNewPrivs:\t1\n"));
	strv_free(&caps);
	ocispec_free(s);
}

static void test_masked_and_readonly_paths(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096];

	/* Masked files read as empty (/proc/kcore only where the kernel has
	 * it), masked directories are empty. */
	assert_int_equal(run_sh(t, s,
				"cat /proc/keys | wc -c; ls /sys/firmware "
				"| wc -l; cat /proc/timer_list | wc -c; "
				"[ ! -e /proc/kcore ] || wc -c < /proc/kcore",
				out, sizeof(out)),
			 0);
	assert_true(strcmp(out, "0\n0\n0\n") == 0 ||
		    strcmp(out, "0\n0\n0\n0\n") == 0);
	assert_int_not_equal(run_sh(t, s,
				    "echo 1 > /proc/sys/kernel/domainname", out,
				    sizeof(out)),
			     0);
	assert_non_null(strstr(out, "Read-only file system"));
	assert_int_not_equal(run_sh(t, s, "echo x > /sys/kernel/uevent_helper",
				    out, sizeof(out)),
			     0);
	ocispec_free(s);
}

static void test_dev(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	char out[4096];

	assert_int_equal(run_sh(t, s,
				"head -c 4 /dev/zero | wc -c; "
				"echo x > /dev/null && ls /dev | "
				"grep -c -e null -e zero -e full -e "
				"random -e tty -e ptmx -e pts -e shm "
				"-e mqueue; grep -q nameserver "
				"/etc/resolv.conf && echo ns",
				out, sizeof(out)),
			 0);
	assert_string_equal(out, "4\n10\nns\n");
	ocispec_free(s);
}

static void test_bind_and_tmpfs_mounts(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct oci_mount *m;
	char out[4096], hostdir[PATH_MAX + 16];

	snprintf(hostdir, sizeof(hostdir), "%s/host", t->dir);
	sh("mkdir -p %s && echo shared > %s/file", hostdir, hostdir);
	s->mounts = realloc(s->mounts, (s->n_mounts + 2) * sizeof(*m));
	m = memset(&s->mounts[s->n_mounts++], 0, 2 * sizeof(*m));
	m->destination = strdup("/data");
	m->type = strdup("bind");
	m->source = strdup(hostdir);
	strv_push(&m->options, "rbind");
	strv_push(&m->options, "ro");
	m++;
	s->n_mounts++;
	m->destination = strdup("/scratch");
	m->type = strdup("tmpfs");
	m->source = strdup("tmpfs");
	strv_push(&m->options, "noexec");
	strv_push(&m->options, "size=1m");
	assert_int_not_equal(run_sh(t, s,
				    "cat /data/file; touch /scratch/ok "
				    "&& echo tmpok; touch /data/no",
				    out, sizeof(out)),
			     0);
	assert_non_null(strstr(out, "shared\ntmpok\n"));
	assert_non_null(strstr(out, "Read-only file system"));
	ocispec_free(s);
}

static void test_terminal(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"sh", "-c",
			      "[ -t 0 ] && [ -t 1 ] && echo tty; "
			      "[ -c /dev/console ] && echo console",
			      NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct spawn_opts o = {
	    .spec = s, .rootfs = t->rootfs, .state_dir = t->state};
	struct spawn *sp = NULL;
	struct err e = ERR_INIT;
	char out[1024];
	size_t len = 0;
	ssize_t n;
	int master, slave;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	s->process.terminal = true;
	o.stdio[0] = o.stdio[1] = o.stdio[2] = slave;
	if (spawn_run(&o, NULL, NULL, NULL, &sp, &e) < 0)
		fail_msg("spawn: %s", e.msg);
	close(slave);
	/* EIO once the last slave fd closes. */
	while (len < sizeof(out) - 1 &&
	       (n = read(master, out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(master);
	assert_int_equal(wait_pidfd(sp->pidfd), 0);
	assert_string_equal(out, "tty\r\nconsole\r\n");
	spawn_free(sp);
	ocispec_free(s);
}

/* No slave given: the child opens a pty in the container's own devpts
 * and hands the master back before exec (sp->console_fd). */
static void test_terminal_own_pty(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"sh", "-c",
			      "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty; "
			      "ls /dev/pts; [ -c /dev/console ] && echo console",
			      NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct spawn_opts o = {
	    .spec = s, .rootfs = t->rootfs, .state_dir = t->state,
	    .stdio = {-1, -1, -1}};
	struct spawn *sp = NULL;
	struct err e = ERR_INIT;
	char out[1024];
	size_t len = 0;
	ssize_t n;
	int master;

	s->process.terminal = true;
	if (spawn_run(&o, NULL, NULL, NULL, &sp, &e) < 0)
		fail_msg("spawn: %s", e.msg);
	master = sp->console_fd;
	sp->console_fd = -1;
	assert_true(master >= 0);
	assert_true(isatty(master));
	fcntl(master, F_SETFL, 0); /* it may come non-blocking */
	while (len < sizeof(out) - 1 &&
	       (n = read(master, out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(master);
	assert_int_equal(wait_pidfd(sp->pidfd), 0);
	/* The container's devpts holds just its one pty. */
	assert_string_equal(out, "tty\r\n0     ptmx\r\nconsole\r\n");
	spawn_free(sp);
	ocispec_free(s);
}

static void test_privileged_and_options(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"sh", "-c",
			      "grep CapEff /proc/self/status; "
			      "wc -c < /proc/timer_list | grep -qv '^0$' && "
			      "echo unmasked; probe keyctl; touch /x; "
			      "touch /run/y && echo run-ok",
			      NULL};
	struct strv tmpfs = {0};
	struct specgen_opts o = {
	    .privileged = true, .read_only = true, .tmpfs = &tmpfs};
	struct oci_spec *s;
	char out[4096], want[64];

	if (!t->have_probe)
		skip();
	strv_push(&tmpfs, "/run:size=1m");
	s = spec_opts(t, argv, &o);
	assert_int_not_equal(run_sh(t, s, NULL, out, sizeof(out)), -1);
	snprintf(want, sizeof(want), "CapEff:\t%016llx\nunmasked\nok\n",
		 (unsigned long long)caps_own_bounding_mask());
	assert_memory_equal(out, want, strlen(want));
	assert_non_null(strstr(out, "Read-only file system"));
	assert_non_null(strstr(out, "run-ok"));
	strv_free(&tmpfs);
	ocispec_free(s);
}

static int count_mounts(void)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* No child may be left: waitid must find none. */
static void assert_no_children(void)
{
	siginfo_t info;

	assert_int_equal(waitid(P_ALL, 0, &info, WEXITED | WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_errors_leave_nothing(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"nonexistent", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct spawn_opts o = {.spec = s,
			       .rootfs = t->rootfs,
			       .state_dir = t->state,
			       .stdio = {-1, -1, -1}};
	struct spawn *sp = NULL;
	struct err e = ERR_INIT;
	int before = count_mounts();

	assert_int_equal(spawn_run(&o, NULL, NULL, NULL, &sp, &e), -1);
	assert_null(sp);
	assert_string_equal(e.msg,
			    "exec \"nonexistent\": No such file or directory");
	assert_int_equal(e.code, ENOENT);
	assert_no_children();
	assert_int_equal(count_mounts(), before);
	free(s->process.cwd);
	s->process.cwd = strdup("relative");
	assert_int_equal(spawn_run(&o, NULL, NULL, NULL, &sp, &e), -1);
	assert_string_equal(e.msg, "process.cwd: must be an absolute path");
	o.rootfs = "/nonexistent-rootfs";
	free(s->process.cwd);
	s->process.cwd = strdup("/");
	assert_int_equal(spawn_run(&o, NULL, NULL, NULL, &sp, &e), -1);
	assert_string_equal(e.msg, "rootfs /nonexistent-rootfs: No such file "
				   "or directory");
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_no_children();
	assert_int_equal(count_mounts(), before);
	ocispec_free(s);
}

/* Drive a spawn the way the daemon's loop does: create, keep a copy of
 * the pidfd (the registry's), release, poll until done. */
static int create_released(struct tc *t, const struct oci_spec *s,
			   struct spawn **sp, int *pidfd, struct err *e)
{
	struct spawn_opts o = {.spec = s,
			       .rootfs = t->rootfs,
			       .state_dir = t->state,
			       .stdio = {-1, -1, -1}};

	assert_int_equal(spawn_create(&o, sp, e), 0);
	*pidfd = fcntl((*sp)->pidfd, F_DUPFD_CLOEXEC, 3);
	assert_true(*pidfd >= 0);
	return spawn_release(*sp, e);
}

/* A child that fails before exec is left to its owner: the owner's own
 * pidfd collects its real exit (127), not ECHILD. */
static void test_failure_left_to_owner(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"nonexistent", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct pollfd pfd = {.events = POLLIN};
	struct spawn *sp = NULL;
	struct err e = ERR_INIT;
	int pidfd, r;

	assert_int_equal(create_released(t, s, &sp, &pidfd, &e), 0);
	pfd.fd = sp->sync_fd;
	while ((r = spawn_poll(sp, &e)) == 1)
		poll(&pfd, 1, -1);
	assert_int_equal(r, -1);
	assert_string_equal(e.msg,
			    "exec \"nonexistent\": No such file or directory");
	spawn_free(sp);
	assert_int_equal(wait_pidfd(pidfd), 127);
	close(pidfd);
	assert_no_children();
	ocispec_free(s);
}

/* Put pid in a new cgroup-v1 freezer cgroup and freeze it; returns its
 * freezer.state open for writing, or -1 when there is no v1 freezer (in
 * v2 a frozen task still dies of SIGKILL). */
static int freeze(pid_t pid, char *dir, size_t size)
{
	char path[PATH_MAX + 32], st[16] = "";
	int fd;
	FILE *f;

	snprintf(dir, size, "/sys/fs/cgroup/freezer/skiff-test-spawn-%d",
		 (int)getpid());
	if (mkdir(dir, 0755) < 0) {
		dir[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	assert_non_null(f = fopen(path, "we"));
	fprintf(f, "%d\n", (int)pid);
	assert_int_equal(fclose(f), 0);
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "FROZEN\n", 7), 7);
	for (int i = 0; i < 500 && strcmp(st, "FROZEN\n"); i++) {
		assert_non_null(f = fopen(path, "re"));
		if (!fgets(st, sizeof(st), f))
			st[0] = '\0';
		fclose(f);
		usleep(10000);
	}
	assert_string_equal(st, "FROZEN\n");
	return fd;
}

static int thaw_fd = -1;
static volatile sig_atomic_t thawed_by_alarm;

/* A spawn_free that waits would hang on the frozen child: thaw it, so
 * the wait ends and the test can report it. */
static void on_alarm(int sig)
{
	thawed_by_alarm = 1;
	if (write(thaw_fd, "THAWED\n", 7) < 0)
		_exit(2);
}

/* spawn_free never waits: a child that can't die yet (frozen) is sent
 * SIGKILL and left to its owner, who sees it killed once it can die. */
static void test_free_never_waits(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct spawn_opts o = {.spec = s,
			       .rootfs = t->rootfs,
			       .state_dir = t->state,
			       .stdio = {-1, -1, -1}};
	struct sigaction sa = {.sa_handler = on_alarm};
	struct spawn *sp = NULL;
	struct err e = ERR_INIT;
	siginfo_t si = {0};
	char dir[PATH_MAX];
	int pidfd;

	assert_int_equal(spawn_create(&o, &sp, &e), 0);
	pidfd = fcntl(sp->pidfd, F_DUPFD_CLOEXEC, 3);
	thaw_fd = freeze(sp->pid, dir, sizeof(dir));
	if (thaw_fd >= 0) {
		sigaction(SIGALRM, &sa, NULL);
		alarm(3);
	}
	spawn_free(sp);
	alarm(0);
	assert_false(thawed_by_alarm); /* spawn_free waited */
	if (thaw_fd >= 0) {
		assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si,
					WEXITED | WNOHANG), 0);
		assert_int_equal(si.si_pid, 0); /* frozen: not dead yet */
		assert_int_equal(write(thaw_fd, "THAWED\n", 7), 7);
		close(thaw_fd);
	}
	assert_int_equal(wait_pidfd(pidfd), 128 + SIGKILL);
	close(pidfd);
	if (dir[0])
		assert_int_equal(rmdir(dir), 0);
	assert_no_children();
	ocispec_free(s);
}

struct hook_seen {
	pid_t pid;
	bool called;
};

static int hook(struct spawn *sp, void *arg, struct err *e)
{
	struct hook_seen *h = arg;

	h->called = true;
	h->pid = sp->pid;
	return sp->state == SPAWN_WAITING ? 0 : err_setc(e, ERR_INTERNAL, "x");
}

static int failing_hook(struct spawn *sp, void *arg, struct err *e)
{
	return err_setc(e, ERR_INTERNAL, "hook failed");
}

static void test_hook(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"true", NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct spawn_opts o = {.spec = s,
			       .rootfs = t->rootfs,
			       .state_dir = t->state,
			       .stdio = {-1, -1, -1}};
	struct hook_seen h = {0};
	struct spawn *sp = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(spawn_run(&o, NULL, hook, &h, &sp, &e), 0);
	assert_true(h.called);
	assert_int_equal(h.pid, sp->pid);
	assert_int_equal(wait_pidfd(sp->pidfd), 0);
	spawn_free(sp);
	assert_int_equal(spawn_run(&o, NULL, failing_hook, NULL, &sp, &e), -1);
	assert_string_equal(e.msg, "hook failed");
	assert_no_children();
	ocispec_free(s);
}

static void test_exec_into(void **state)
{
	struct tc *t = *state;
	const char *argv[] = {"sleep", "30", NULL};
	const char *xargv[] = {"sh", "-c",
			       "hostname; cat /proc/1/comm; [ $$ -gt 1 ] && [ "
			       "$$ -lt 50 ] && echo pidns; id -u; "
			       "echo $HOME",
			       NULL};
	struct oci_spec *s = spec_for(t, argv);
	struct oci_spec *x = spec_for(t, xargv);
	struct spawn_opts o = {.spec = s,
			       .rootfs = t->rootfs,
			       .state_dir = t->state,
			       .stdio = {-1, -1, -1}};
	struct spawn_exec_opts xo = {.process = &x->process,
				     .seccomp = s->seccomp};
	struct spawn *sp = NULL, *xp = NULL;
	struct err e = ERR_INIT;
	char out[1024];
	int p[2];

	assert_int_equal(spawn_run(&o, NULL, NULL, NULL, &sp, &e), 0);
	xo.pidfd = sp->pidfd;
	xo.pid = sp->pid;
	x->process.user.username = strdup("nobody");
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	xo.stdio[0] = -1;
	xo.stdio[1] = xo.stdio[2] = p[1];
	if (spawn_run(NULL, &xo, NULL, NULL, &xp, &e) < 0)
		fail_msg("exec: %s", e.msg);
	close(p[1]);
	read_all(p[0], out, sizeof(out));
	close(p[0]);
	assert_int_equal(wait_pidfd(xp->pidfd), 0);
	assert_string_equal(out, "box\nsleep\npidns\n65534\n/nonexistent\n");
	spawn_free(xp);
	/* The same through /proc/PID/ns, as on kernels without pidfd setns. */
	xo.pidfd = -1;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	xo.stdio[1] = xo.stdio[2] = p[1];
	if (spawn_run(NULL, &xo, NULL, NULL, &xp, &e) < 0)
		fail_msg("exec by pid: %s", e.msg);
	close(p[1]);
	read_all(p[0], out, sizeof(out));
	close(p[0]);
	assert_int_equal(wait_pidfd(xp->pidfd), 0);
	assert_string_equal(out, "box\nsleep\npidns\n65534\n/nonexistent\n");
	spawn_free(xp);
	xo.pidfd = sp->pidfd;
	/* A missing program in exec is a clean error too. */
	strv_free(&x->process.args);
	strv_push(&x->process.args, "nope");
	assert_int_equal(spawn_run(NULL, &xo, NULL, NULL, &xp, &e), -1);
	assert_string_equal(e.msg, "exec \"nope\": No such file or directory");
	assert_int_equal(spawn_signal(sp->pidfd, SIGKILL, &e), 0);
	assert_int_equal(wait_pidfd(sp->pidfd), 128 + SIGKILL);
	/* Exec into a container that has exited fails cleanly. */
	assert_int_equal(spawn_run(NULL, &xo, NULL, NULL, &xp, &e), -1);
	assert_int_equal(e.code, ESRCH);
	spawn_free(sp);
	assert_no_children();
	/* Its writable layer can go now. */
	assert_int_equal(mounts_remove_state(t->state, &e), 0);
	assert_int_equal(access(t->state, F_OK), -1);
	assert_int_equal(access(t->rootfs, F_OK), 0);
	ocispec_free(x);
	ocispec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exit_codes_and_stdout, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_env_cwd_hostname, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_user_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_readonly_root_and_lower_untouched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caps_non_root_user, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_seccomp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seccomp_profile_nnp, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_masked_and_readonly_paths,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dev, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind_and_tmpfs_mounts, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_terminal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_terminal_own_pty, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_privileged_and_options, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_errors_leave_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_failure_left_to_owner, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_free_never_waits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hook, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_into, setup, teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_spawn: needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
