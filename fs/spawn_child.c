/* spawn_child.c - everything the container's process does between clone3
 * and execve (see spawn_child.h).
 *
 * Runs in the child only. The order matters: stdio and the session first;
 * mounts and pivot_root while still fully privileged; the bounding set
 * before the uid switch (it needs CAP_SETPCAP); seccomp last when
 * no_new_privs is set, so the filter needn't allow setup syscalls, but
 * before dropping CAP_SYS_ADMIN when it isn't (loading a filter without
 * no_new_privs needs that capability). Memory is not freed: the process
 * image is replaced or the process exits. */
#include "spawn_child.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "caps.h"
#include "mounts.h"
#include "seccomp.h"
#include "user.h"

#define CHILD_DEFAULT_PATH                                                     \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_Noreturn static void child_fail(const struct spawn_child *c,
				 const struct err *e)
{
	struct spawn_msg m = {.kind = SPAWN_MSG_ERROR};
	ssize_t r;

	r = write(c->sync_fd, &m, SPAWN_MSG_HDR + err_frame_put(e, m.frame));
	(void)r;
	_exit(127);
}

/* Undo the parent's signal mask and handlers (the daemon blocks the
 * signals it reads from a signalfd). */
static void child_signals(void)
{
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
}

static int child_wait_go(const struct spawn_child *c, struct err *e)
{
	char b = 0;
	ssize_t n;

	do
		n = read(c->sync_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || b != SPAWN_GO)
		return err_setc(e, ERR_CANCELED, "parent gave up");
	return 0;
}

/* Move the caller's fds out of 0..2 first, so any permutation works. */
static int child_stdio(const struct spawn_child *c, bool tty, struct err *e)
{
	int fds[3];

	for (int i = 0; i < 3; i++) {
		if (c->stdio[i] >= 0)
			fds[i] = fcntl(c->stdio[i], F_DUPFD_CLOEXEC, 10);
		else
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fds[i] < 0)
			return err_set(e, errno, "stdio %d", i);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			return err_set(e, errno, "dup2 stdio %d", i);
	if (setsid() < 0)
		return err_set(e, errno, "setsid");
	if (tty && ioctl(0, TIOCSCTTY, 0) < 0)
		return err_set(e, errno, "set controlling terminal");
	/* The caller's fds may lack O_CLOEXEC: none may reach the program. */
	if (close_range(3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return err_set(e, errno, "close_range");
	return 0;
}

/* A pty of the container's own devpts instance (we are in its mount
 * namespace, past pivot_root or setns): the slave becomes 0, 1, 2 and
 * the controlling terminal, /dev/console too for a new container, and
 * the master goes to the parent over the sync socket. */
static int child_console(const struct spawn_child *c, bool console,
			 struct err *e)
{
	_cleanup_close_ int master = -1, slave = -1;
	struct spawn_msg m = {.kind = SPAWN_MSG_CONSOLE};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0}, path[64];
	struct iovec iov = {.iov_base = &m, .iov_len = SPAWN_MSG_HDR};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	unsigned n;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(e, errno, "open /dev/ptmx");
	if (unlockpt(master) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return err_set(e, errno, "unlock pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_set(e, errno, "open pty slave");
	snprintf(path, sizeof(path), "/dev/pts/%u", n);
	if (console) {
		_cleanup_close_ int f = open("/dev/console",
					     O_WRONLY | O_CREAT | O_CLOEXEC |
						 O_NOFOLLOW, 0600);
		if (f < 0 || mount(path, "/dev/console", NULL, MS_BIND, NULL))
			return err_set(e, errno, "bind %s on /dev/console",
				       path);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return err_set(e, errno, "dup2 pty %d", i);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return err_set(e, errno, "set controlling terminal");
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &master, sizeof(int));
	if (sendmsg(c->sync_fd, &mh, MSG_NOSIGNAL) != (ssize_t)SPAWN_MSG_HDR)
		return err_set(e, errno, "send pty master");
	return 0;
}

static bool child_makes_pty(const struct spawn_child *c)
{
	return c->proc->terminal && c->stdio[0] < 0;
}

static const struct {
	const char *name;
	int res;
} child_rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int child_rlimit(const struct oci_rlimit *r, struct err *e)
{
	struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};

	for (size_t i = 0; i < ARRAY_SIZE(child_rlimits); i++) {
		if (strcmp(child_rlimits[i].name, r->type) != 0)
			continue;
		if (setrlimit(child_rlimits[i].res, &rl) < 0)
			return err_set(e, errno, "setrlimit %s", r->type);
		return 0;
	}
	return err_setc(e, ERR_INVALID, "unknown rlimit \"%s\"", r->type);
}

/* A NULL-terminated array borrowing v's strings, with room for extra
 * more entries. */
static char **child_vec(const struct strv *v, size_t extra)
{
	char **a = calloc(v->n + extra + 1, sizeof(*a));

	if (a && v->n)
		memcpy(a, v->v, v->n * sizeof(*a));
	return a;
}

static bool child_env_has(const struct strv *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return true;
	return false;
}

static const char *child_path(const struct strv *env)
{
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], "PATH=", 5) == 0)
			return env->v[i] + 5;
	return CHILD_DEFAULT_PATH;
}

/* execve with a PATH search in the container's own PATH; home, when
 * set, becomes HOME. */
static int child_exec(const struct oci_process *p, char *home, struct err *e)
{
	char **argv = child_vec(&p->args, 0), **envp = child_vec(&p->env, 1);
	const char *arg0 = p->args.v[0], *dir, *end;
	char path[4096];
	int saved = ENOENT;

	if (!argv || !envp)
		return err_set(e, ENOMEM, "exec \"%s\"", arg0);
	if (home)
		envp[p->env.n] = home;
	if (strchr(arg0, '/')) {
		execve(arg0, argv, envp);
		return err_set(e, errno, "exec \"%s\"", arg0);
	}
	for (dir = child_path(&p->env); *dir; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		snprintf(path, sizeof(path), "%.*s/%s", (int)(end - dir), dir,
			 arg0);
		execve(path, argv, envp);
		if (errno != ENOENT && errno != ENOTDIR)
			saved = errno;
	}
	return err_set(e, saved, "exec \"%s\"", arg0);
}

/* Resolve a Docker-style user name into u. */
static int child_user_name(const struct oci_process *p, struct oci_user *u,
			   int root, struct err *e)
{
	/* Resolution appends to a private copy of the group list. */
	u->additional_gids =
	    malloc((u->n_additional_gids + 1) * sizeof(uint32_t));
	if (!u->additional_gids)
		return err_set(e, ENOMEM, "user");
	if (p->user.n_additional_gids)
		memcpy(u->additional_gids, p->user.additional_gids,
		       p->user.n_additional_gids * sizeof(uint32_t));
	return user_resolve(root, p->user.username, u, e);
}

/* Resolve the user (and HOME, when the env lacks it, into home) while
 * the container's /etc/passwd is still readable as root. */
static int child_user(const struct oci_process *p, struct oci_user *u,
		      char *home, size_t size, struct err *e)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	*u = p->user;
	*home = '\0';
	if (root < 0)
		return err_set(e, errno, "open /");
	if (p->user.username && *p->user.username &&
	    child_user_name(p, u, root, e) < 0)
		return -1;
	if (p->user.group_names.n) {
		uint32_t *g = u->additional_gids;
		/* a private copy unless child_user_name made one */
		if (g == p->user.additional_gids &&
		    !(u->additional_gids =
			  malloc((u->n_additional_gids + 1) * sizeof(*g))))
			return err_set(e, ENOMEM, "user");
		if (g == p->user.additional_gids && u->n_additional_gids)
			memcpy(u->additional_gids, g,
			       u->n_additional_gids * sizeof(*g));
		if (user_add_groups(root, &p->user.group_names, u, e) < 0)
			return -1;
	}
	if (child_env_has(&p->env, "HOME"))
		return 0;
	memcpy(home, "HOME=", 5);
	return user_home(root, u->uid, home + 5, size - 5, e);
}

/* The container's filter: the caller's compiled program, or built here. */
static int child_seccomp(const struct spawn_child *c, struct err *e)
{
	if (c->seccomp_bpf)
		return seccomp_bpf_load(c->seccomp_bpf, e);
	return c->seccomp ? seccomp_spec_load(c->seccomp, e) : 0;
}

/* Write a small value to a /proc file of ours. */
static int child_proc_write(const char *path, const char *val, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(val);

	if (fd < 0 || write(fd, val, n) != (ssize_t)n)
		return err_set(e, errno, "write %s = %s", path, val);
	return 0;
}

static int child_oom_score_adj(const struct oci_process *p, struct err *e)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	return child_proc_write("/proc/self/oom_score_adj", v, e);
}

/* linux.sysctl, in the namespaces just made or joined (the kernel
 * picks a net, ipc or uts sysctl by the writer's namespace), before the
 * root moves: /proc is still the host's mount here. */
static int child_sysctl(const struct oci_spec *s, struct err *e)
{
	char path[512];

	for (size_t i = 0; i < s->n_sysctl; i++) {
		const char *k = s->sysctl[i].key;
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", k);
		if (n >= (int)sizeof(path) || strstr(k, "..") || strchr(k, '/'))
			return err_setc(e, ERR_INVALID, "sysctl %s: bad name",
					k);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (child_proc_write(path, s->sysctl[i].value, e) < 0)
			return err_wrap(e, "sysctl %s", k);
	}
	return 0;
}

/* The common tail of create and exec: who the process is and what it may
 * do, then execve. */
static int child_process(const struct spawn_child *c, struct err *e)
{
	const struct oci_process *p = c->proc;
	bool nnp = p->no_new_privileges;
	struct oci_user u;
	char home[300];

	if (child_user(p, &u, home, sizeof(home), e) < 0)
		return -1;
	if (p->has_oom_score_adj && child_oom_score_adj(p, e) < 0)
		return -1;
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (child_rlimit(&p->rlimits[i], e) < 0)
			return -1;
	if (caps_keep(e) < 0 || caps_apply_bounding(p, e) < 0)
		return -1;
	if (!nnp && child_seccomp(c, e) < 0)
		return -1;
	if (user_apply(&u, e) < 0)
		return -1;
	if (chdir(p->cwd && *p->cwd ? p->cwd : "/") < 0)
		return err_set(e, errno, "chdir %s", p->cwd);
	if (caps_apply(p, e) < 0)
		return -1;
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(e, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (nnp && child_seccomp(c, e) < 0)
		return -1;
	return child_exec(p, *home ? home : NULL, e);
}

/* Namespaces the spec gives by path are joined; cgroup is unshared now
 * that the parent has placed us in our cgroup. */
static int child_namespaces(const struct oci_spec *spec, struct err *e)
{
	static const struct {
		const char *type;
		int flag;
	} ns[] = {{"network", CLONE_NEWNET},
		  {"ipc", CLONE_NEWIPC},
		  {"uts", CLONE_NEWUTS}};
	const struct oci_namespace *n;

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		_cleanup_close_ int fd = -1;
		n = ocispec_namespace(spec, ns[i].type);
		if (!n || !n->path)
			continue;
		fd = open(n->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, ns[i].flag) < 0)
			return err_set(e, errno, "join %s namespace %s",
				       ns[i].type, n->path);
	}
	if (ocispec_namespace(spec, "cgroup") && unshare(CLONE_NEWCGROUP) < 0)
		return err_set(e, errno, "unshare cgroup namespace");
	return 0;
}

/* A new network namespace has only lo, and it is down: bring it up, so
 * 127.0.0.1 works as in Docker's --network none. */
static int child_loopback(const struct oci_spec *spec, struct err *e)
{
	const struct oci_namespace *n = ocispec_namespace(spec, "network");
	_cleanup_close_ int fd = -1;
	struct ifreq ifr = {0};

	if (!n || n->path)
		return 0; /* the host's, or one joined: not ours to change */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_set(e, errno, "lo: get flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return err_set(e, errno, "lo: bring up");
	return 0;
}

static int child_create(const struct spawn_child *c, struct err *e)
{
	const struct oci_spec *s = c->spec;
	const struct oci_namespace *uts = ocispec_namespace(s, "uts");

	bool pty = child_makes_pty(c);

	if (child_namespaces(s, e) < 0 || child_loopback(s, e) < 0 ||
	    child_sysctl(s, e) < 0 ||
	    child_stdio(c, c->proc->terminal && !pty, e) < 0 ||
	    mounts_setup(s, c->rootfs, c->state_dir, e) < 0 ||
	    (pty && child_console(c, true, e) < 0))
		return -1;
	if (s->hostname && uts && !uts->path &&
	    sethostname(s->hostname, strlen(s->hostname)) < 0)
		return err_set(e, errno, "sethostname %s", s->hostname);
	if (s->domainname && uts && !uts->path &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return err_set(e, errno, "setdomainname %s", s->domainname);
	return child_process(c, e);
}

/* Join the container's namespaces by pidfd, or by /proc/PID/ns/NAME when
 * there is no pidfd or the kernel can't setns on one (before 5.8). The pid
 * namespace was entered by the parent before clone3. */
static int child_join(const struct spawn_child *c, struct err *e)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {{"cgroup", CLONE_NEWCGROUP},
		  {"ipc", CLONE_NEWIPC},
		  {"uts", CLONE_NEWUTS},
		  {"net", CLONE_NEWNET},
		  {"mnt", CLONE_NEWNS}};
	int fds[ARRAY_SIZE(ns)];
	char path[64];

	if (c->join_pidfd >= 0 &&
	    setns(c->join_pidfd, CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWUTS |
				     CLONE_NEWNET | CLONE_NEWNS) == 0)
		return 0;
	if (c->join_pidfd >= 0 && errno != EINVAL)
		return err_set(e, errno, "setns");
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", c->join_pid,
			 ns[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return err_set(e, errno, "open %s", path);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++)
		if (setns(fds[i], ns[i].flag) < 0)
			return err_set(e, errno, "setns %s", ns[i].name);
	return 0;
}

static int child_exec_into(const struct spawn_child *c, struct err *e)
{
	bool pty = child_makes_pty(c);

	if (child_join(c, e) < 0 ||
	    child_stdio(c, c->proc->terminal && !pty, e) < 0 ||
	    (pty && child_console(c, false, e) < 0))
		return -1;
	return child_process(c, e);
}

_Noreturn void spawn_child_main(const struct spawn_child *c)
{
	struct err e = ERR_INIT;

	child_signals();
	if (child_wait_go(c, &e) < 0)
		_exit(127);
	if (c->is_exec)
		child_exec_into(c, &e);
	else
		child_create(c, &e);
	child_fail(c, &e);
}
