/* pid1.c - the tiny init (DESIGN.md section 4, STYLE.md rule 12).
 *
 * The init process parses no outside input and holds no loop: it waits
 * for signals with sigtimedwait, reaps every child, appends each reaped
 * exit to RUN_DIR/exits (so exits of containers that ended while the
 * daemon proper was away are not lost), restarts the daemon proper with
 * back-off if it dies, and on SIGTERM/SIGINT/SIGPWR/SIGUSR2 (or the
 * daemon ending on purpose) stops everything in order: SIGTERM to the
 * daemon (it stops its containers), then every process, then SIGKILL,
 * sync, and reboot(2) - only when it is the host's real PID 1. */
#include "pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define PROC_PID_INIT_INO 0xEFFFFFFCU /* the initial PID namespace */
#define DAEMON_STOP_SECONDS 60
#define KILL_GRACE_SECONDS 5
#define EXITS_MAX (256 * 1024)

static struct {
	pid_t daemon;
	bool stopping;
	int reboot_cmd;
	time_t stop_deadline;
	int stage; /* 0 run, 1 daemon stopping, 2 TERM all, 3 KILL all */
	time_t restart_at;
	unsigned backoff;
	time_t daemon_started;
	char exits[4096];
} init;

bool pid1_is_host_init(void)
{
	struct stat sb;

	return getpid() == 1 && stat("/proc/self/ns/pid", &sb) == 0 &&
	       sb.st_ino == PROC_PID_INIT_INO;
}

static time_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Mount /proc, /sys, /dev and /run when they are not there yet. */
static void mount_basics(void)
{
	struct stat root, run;

	if (access("/proc/self/stat", F_OK) < 0) {
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, NULL) < 0)
			log_err("init: mount /proc: %s", strerror(errno));
	}
	if (access("/sys/kernel", F_OK) < 0) {
		mkdir("/sys", 0555);
		if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, NULL) < 0)
			log_err("init: mount /sys: %s", strerror(errno));
	}
	if (access("/dev/null", F_OK) < 0) {
		mkdir("/dev", 0755);
		if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID,
			  "mode=0755") < 0)
			log_err("init: mount /dev: %s", strerror(errno));
	}
	if (stat("/", &root) == 0 && stat("/run", &run) == 0 &&
	    root.st_dev == run.st_dev &&
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755") < 0)
		log_err("init: mount /run: %s", strerror(errno));
}

/* Append "pid status unix-time" to RUN_DIR/exits; rotate past a cap. */
static void record_exit(pid_t pid, int status)
{
	char line[64], old[4200];
	struct stat sb;
	int fd, n;

	if (!init.exits[0])
		return;
	if (stat(init.exits, &sb) == 0 && sb.st_size > EXITS_MAX) {
		snprintf(old, sizeof(old), "%s.1", init.exits);
		rename(init.exits, old);
	}
	fd = open(init.exits, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%d %d %lld\n", (int)pid, status,
		     (long long)time(NULL));
	if (write(fd, line, (size_t)n) < 0) {
		/* best effort: a full /run must not stop reaping */
	}
	close(fd);
}

/* Signal every process we may stop: all of the namespace when we are its
 * PID 1, else only our own children (never the rest of the host). */
static void signal_all(int sig)
{
	DIR *d;
	struct dirent *de;

	if (getpid() == 1) {
		kill(-1, sig);
		return;
	}
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		char path[64], buf[512], *p;
		int fd;
		ssize_t n;
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')'); /* ") S PPID" */
		if (p && atoi(p + 4) == getpid())
			kill(pid, sig);
	}
	if (d)
		closedir(d);
}

static void start_daemon_child(void);

static void finish(void)
{
	sync();
	if (pid1_is_host_init()) {
		log_info("init: %s", init.reboot_cmd == RB_AUTOBOOT
					     ? "rebooting"
					     : "powering off");
		reboot(init.reboot_cmd);
		for (;;)
			pause(); /* reboot(2) does not return on success */
	}
	log_info("init: shut down");
	_exit(0);
}

static void begin_stop(int cmd)
{
	if (init.stopping)
		return;
	init.stopping = true;
	init.reboot_cmd = cmd;
	if (init.daemon > 0) {
		kill(init.daemon, SIGTERM);
		init.stage = 1;
		init.stop_deadline = mono() + DAEMON_STOP_SECONDS;
	} else {
		init.stage = 2;
		signal_all(SIGTERM);
		init.stop_deadline = mono() + KILL_GRACE_SECONDS;
	}
}

static void daemon_exited(int status)
{
	init.daemon = 0;
	if (init.stopping) {
		init.stage = 2;
		signal_all(SIGTERM);
		init.stop_deadline = mono() + KILL_GRACE_SECONDS;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("init: skiffd asked to shut down");
		begin_stop(RB_POWER_OFF);
		return;
	}
	if (mono() - init.daemon_started > 60)
		init.backoff = 0;
	init.backoff = init.backoff ? init.backoff * 2 : 1;
	if (init.backoff > 30)
		init.backoff = 30;
	log_err("init: skiffd died (status 0x%x); restarting in %us", status,
		init.backoff);
	init.restart_at = mono() + init.backoff;
}

/* Reap every child; true when none is left at all. */
static bool reap_all(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		record_exit(pid, status);
		if (pid == init.daemon)
			daemon_exited(status);
	}
	return pid < 0 && errno == ECHILD;
}

/* Advance the stop sequence on deadlines and on "no children left". */
static void stop_step(bool none_left)
{
	if (init.stage == 1 && mono() >= init.stop_deadline) {
		log_err("init: skiffd did not stop in %ds; killing it",
			DAEMON_STOP_SECONDS);
		kill(init.daemon, SIGKILL);
		init.stop_deadline = mono() + KILL_GRACE_SECONDS;
	} else if (init.stage == 2 && (none_left ||
				       mono() >= init.stop_deadline)) {
		init.stage = 3;
		signal_all(SIGKILL);
		init.stop_deadline = mono() + KILL_GRACE_SECONDS;
		if (none_left)
			finish(); /* no child: no SIGCHLD would end the wait */
	} else if (init.stage == 3 && (none_left ||
				       mono() >= init.stop_deadline)) {
		finish();
	}
}

static int wait_seconds(void)
{
	time_t now = mono(), until = 0;

	if (init.stopping)
		until = init.stop_deadline;
	else if (init.restart_at)
		until = init.restart_at;
	if (!until)
		return 3600;
	return until > now ? (int)(until - now) : 0;
}

static void supervise(const sigset_t *set)
{
	for (;;) {
		struct timespec ts = { wait_seconds(), 0 };
		siginfo_t si;
		int sig = sigtimedwait(set, &si, &ts);
		bool none_left = reap_all();

		if (sig == SIGTERM || sig == SIGINT)
			begin_stop(RB_AUTOBOOT);
		else if (sig == SIGPWR || sig == SIGUSR2)
			begin_stop(RB_POWER_OFF);
		else if (sig == SIGHUP && init.daemon > 0)
			kill(init.daemon, SIGHUP);
		if (init.stopping) {
			none_left = reap_all() || none_left;
			stop_step(none_left);
		} else if (init.restart_at && mono() >= init.restart_at) {
			init.restart_at = 0;
			start_daemon_child();
			if (init.daemon == 0)
				return; /* in the new daemon child */
		}
	}
}

static sigset_t init_set;

/* Fork the daemon proper. In the child, restore the signal mask and
 * return with init.daemon == 0; in the init, record its pid. */
static void start_daemon_child(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_err("init: fork: %s", strerror(errno));
		init.restart_at = mono() + 5;
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &init_set, NULL);
		init.daemon = 0;
		return;
	}
	init.daemon = pid;
	init.daemon_started = mono();
}

int pid1_run(const char *run_dir, bool kmsg)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGPWR,
				    SIGUSR2, SIGHUP };

	if (kmsg)
		log_set_sink(log_sink_kmsg);
	if (getpid() == 1)
		mount_basics();
	else if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		log_err("init: prctl PR_SET_CHILD_SUBREAPER: %s",
			strerror(errno));
		return -1;
	}
	mkdir(run_dir, 0711);
	snprintf(init.exits, sizeof(init.exits), "%s/exits", run_dir);
	sigemptyset(&init_set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&init_set, sigs[i]);
	sigprocmask(SIG_BLOCK, &init_set, NULL);
	if (getpid() == 1)
		reboot(RB_DISABLE_CAD); /* ctrl-alt-del arrives as SIGINT */
	start_daemon_child();
	if (init.daemon == 0 && !init.stopping)
		return 0;
	supervise(&init_set);
	return 0; /* only the restarted daemon child gets here */
}
