/* adopt.c - what re-adoption needs from outside the lifecycle: the
 * keeper's entries (core/fdstore.h) by container, and a process's start
 * time. lifecycle.c's act_adopt decides; this file keeps no state. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/daemon.h"
#include "../../core/fdstore.h"
#include "supervisor.h"

uint64_t ctr_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after "pid (comm)": state is field 3, starttime field 22 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

struct fdstore_entry *ctr_keeper_entry(const struct ctr *c)
{
	size_t n;
	struct fdstore_entry *v = fdstore_entries(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, c->id))
			return &v[i];
	return NULL;
}

int ctr_wait_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + WTERMSIG(wstatus);
}

/* Directories under ROOT/containers with no container: a crash came
 * after the first start made the directory (its log) and before the
 * container's state was durable. Garbage, as *.tmp files are. */
static void sweep_dirs(void)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers",
					     daemon_ctx.cfg.root);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		bool known = false;
		if (de->d_type != DT_DIR || strlen(de->d_name) != CTR_ID_LEN)
			continue;
		for (struct ctr *c = ctr_first(); c && !known; c = c->next)
			known = !strcmp(c->id, de->d_name);
		if (known)
			continue;
		log_warn("container %.12s: a directory with no state (left by "
			 "a crash): removed", de->d_name);
		ctr_remove_tree(xasprintf("%s/%s", dir, de->d_name),
				"a container left by a crash");
	}
	if (d)
		closedir(d);
}

/* An entry no container took runs a process no state file names as
 * running (skiffd died between handing it over and saving its state, or
 * it was removed): it is killed (the keeper reaps it) rather than left
 * running unseen. */
void ctr_adopt_done(void)
{
	size_t n;
	struct fdstore_entry *v = fdstore_entries(&n);

	for (size_t i = 0; i < n; i++)
		if (v[i].status < 0 && v[i].pidfd >= 0) {
			log_warn("container %.12s: running but not in the "
				 "state: killed", v[i].id);
			syscall(SYS_pidfd_send_signal, v[i].pidfd, SIGKILL,
				NULL, 0);
		}
	fdstore_forget_rest();
	for (struct ctr *c = ctr_first(); c; c = c->next)
		ctr_cgroup_sweep(c);
	sweep_dirs();
}
