/* cgroup_v2.c - the cgroup v2 backend: one unified tree, controllers
 * enabled down the path through cgroup.subtree_control, the core freezer
 * (cgroup.freeze, cgroup.events), cgroup.kill, and OOM notification by
 * inotify on memory.events.
 *
 * Owns nothing beyond the fds it opens and closes within a call; the
 * inotify fd it creates is handed to struct cgroup (cgroup.c closes it). */
#include "cgroup_int.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "../core/base/cleanup.h"

/* Controllers a container's cgroup uses, enabled in each ancestor. */
static const unsigned v2_wanted =
	CGROUP_CPU | CGROUP_CPUSET | CGROUP_MEMORY | CGROUP_PIDS | CGROUP_IO;

/* Is name a word of the space-separated list? */
static bool v2_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* Enable in parent's cgroup.subtree_control every wanted controller
 * that parent has and has not enabled, one write each so that an error
 * names the culprit. */
static int v2_init_dir(const struct cgroup_sys *sys, size_t h,
		       const char *parent, const char *dir, struct err *e)
{
	char have[512], on[512];

	if (cgroup_read(parent, "cgroup.controllers", have, sizeof(have), e) <
		    0 ||
	    cgroup_read(parent, "cgroup.subtree_control", on, sizeof(on), e) <
		    0)
		return -1;
	for (unsigned bit = 1; bit <= CGROUP_IO; bit <<= 1) {
		const char *name = cgroup_ctrl_name(sys, bit);

		if (!(v2_wanted & bit) || !v2_list_has(have, name) ||
		    v2_list_has(on, name))
			continue;
		if (cgroup_writef(e, parent, "cgroup.subtree_control", "+%s",
				  name) < 0)
			return err_wrap(e, "%s", parent);
	}
	return 0;
}

/* "max" for CGROUP_UNLIMITED, else the number. */
static int v2_set(const char *dir, const char *file, int64_t v,
		  struct err *e)
{
	if (v == CGROUP_UNLIMITED)
		return cgroup_write(dir, file, "max", e);
	return cgroup_writef(e, dir, file, "%lld", (long long)v);
}

/* v2 limits swap alone (memory.swap.max) where Docker's --memory-swap is
 * memory plus swap: subtract the memory limit, current one if unset. */
static int v2_swap(const char *dir, const struct cgroup_limits *l,
		   struct err *e)
{
	uint64_t mem = (uint64_t)l->memory;

	if (!cgroup_exists(dir, "memory.swap.max")) {
		if (l->memory_swap == CGROUP_UNLIMITED)
			return 0; /* no swap accounting: nothing to lift */
		return err_setc(e, ERR_INVALID,
				"--memory-swap: swap accounting is disabled "
				"(no memory.swap.max)");
	}
	if (l->memory_swap == CGROUP_UNLIMITED)
		return cgroup_write(dir, "memory.swap.max", "max", e);
	if (!l->memory &&
	    cgroup_read_u64(dir, "memory.max", &mem, e) < 0)
		return -1;
	if (l->memory == CGROUP_UNLIMITED || mem == 0)
		return err_setc(e, ERR_INVALID,
				"--memory-swap needs a --memory limit");
	if ((uint64_t)l->memory_swap < mem)
		return err_setc(e, ERR_INVALID,
				"--memory-swap %lld is smaller than the memory limit %llu",
				(long long)l->memory_swap,
				(unsigned long long)mem);
	return cgroup_writef(e, dir, "memory.swap.max", "%llu",
			     (unsigned long long)((uint64_t)l->memory_swap -
						  mem));
}

static int v2_memory(const char *dir, const struct cgroup_limits *l,
		     struct err *e)
{
	if (l->memory && v2_set(dir, "memory.max", l->memory, e) < 0)
		return -1;
	if (l->memory_swap && v2_swap(dir, l, e) < 0)
		return -1;
	if (l->memory_reservation == CGROUP_UNLIMITED)
		return cgroup_write(dir, "memory.low", "0", e);
	if (l->memory_reservation &&
	    v2_set(dir, "memory.low", l->memory_reservation, e) < 0)
		return -1;
	return 0;
}

/* cpu.max is "quota period" in one file; keep the half not being set. */
static int v2_cpu(const char *dir, const struct cgroup_limits *l,
		  struct err *e)
{
	char cur[64], quota[32];
	int64_t period = l->cpu_period_us;

	if (l->cpu_quota_us || period) {
		if (cgroup_read(dir, "cpu.max", cur, sizeof(cur), e) < 0)
			return -1;
		if (l->cpu_quota_us == CGROUP_UNLIMITED)
			snprintf(quota, sizeof(quota), "max");
		else if (l->cpu_quota_us)
			snprintf(quota, sizeof(quota), "%lld",
				 (long long)l->cpu_quota_us);
		else
			snprintf(quota, sizeof(quota), "%.*s",
				 (int)strcspn(cur, " "), cur);
		if (!period)
			period = 100000;
		if (cgroup_writef(e, dir, "cpu.max", "%s %lld", quota,
				  (long long)period) < 0)
			return -1;
	}
	if (l->cpu_shares &&
	    cgroup_writef(e, dir, "cpu.weight", "%llu",
			  (unsigned long long)(1 + ((l->cpu_shares - 2) * 9999) /
							   262142)) < 0)
		return -1;
	return 0;
}

static int v2_apply(struct cgroup *cg, const struct cgroup_limits *l,
		    struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir(cg, 0, &d);

	if (v2_memory(dir, l, e) < 0 || v2_cpu(dir, l, e) < 0)
		return -1;
	if (l->cpuset_cpus[0] &&
	    cgroup_write(dir, "cpuset.cpus", l->cpuset_cpus, e) < 0)
		return -1;
	if (l->cpuset_mems[0] &&
	    cgroup_write(dir, "cpuset.mems", l->cpuset_mems, e) < 0)
		return -1;
	if (l->pids_limit && v2_set(dir, "pids.max", l->pids_limit, e) < 0)
		return -1;
	return 0;
}

static int v2_freeze(struct cgroup *cg, bool freeze, struct err *e)
{
	struct cgdir d;

	return cgroup_write(cgroup_dir(cg, 0, &d), "cgroup.freeze",
			    freeze ? "1" : "0", e);
}

/* cgroup.freeze is what was asked, cgroup.events "frozen" what is. */
static int v2_freeze_state(struct cgroup *cg, struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir(cg, 0, &d);
	uint64_t want, frozen;

	if (cgroup_read_u64(dir, "cgroup.freeze", &want, e) < 0 ||
	    cgroup_read_key(dir, "cgroup.events", "frozen", &frozen,
			    e) < 0)
		return -1;
	if (!want)
		return CGROUP_THAWED;
	return frozen ? CGROUP_FROZEN : CGROUP_FREEZING;
}

/* memory.events is modified (and inotify says so) on every memory event
 * of the cgroup: oom, oom_kill, but also high and max. */
static int v2_oom_open(struct cgroup *cg, struct err *e)
{
	struct cgdir d;
	char p[PATH_MAX];
	_cleanup_close_ int fd = -1;

	snprintf(p, sizeof(p), "%s/memory.events", cgroup_dir(cg, 0, &d));
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "inotify_init1");
	if (inotify_add_watch(fd, p, IN_MODIFY) < 0)
		return err_set(e, errno, "inotify_add_watch %s", p);
	return steal_fd(&fd);
}

static int v2_oom_count(struct cgroup *cg, uint64_t *count, struct err *e)
{
	struct cgdir d;

	return cgroup_read_key(cgroup_dir(cg, 0, &d), "memory.events",
			       "oom_kill", count, e);
}

/* Sum rbytes= and wbytes= over the devices of io.stat. */
static int v2_io(const char *dir, struct cgroup_stats *st, struct err *e)
{
	_cleanup_free_ char *s = cgroup_read_all(dir, "io.stat", e);
	unsigned long long v;

	if (!s)
		return -1;
	for (char *p = s; (p = strchr(p, '=')); p++) {
		if (p - s < 6 || sscanf(p + 1, "%llu", &v) != 1)
			continue;
		if (!strncmp(p - 6, "rbytes", 6))
			st->io_read_bytes += v;
		else if (!strncmp(p - 6, "wbytes", 6))
			st->io_write_bytes += v;
	}
	st->have |= CGROUP_STAT_IO;
	return 0;
}

static int v2_stats_memory(const char *dir, struct cgroup_stats *st,
			   struct err *e)
{
	if (cgroup_read_u64(dir, "memory.current", &st->mem_usage, e) < 0 ||
	    cgroup_read_u64(dir, "memory.max", &st->mem_limit, e) < 0 ||
	    cgroup_read_key(dir, "memory.stat", "file", &st->mem_cache, e) <
		    0 ||
	    cgroup_read_key(dir, "memory.stat", "inactive_file",
			    &st->mem_inactive_file, e) < 0)
		return -1;
	st->have |= CGROUP_STAT_MEMORY;
	return 0;
}

static int v2_stats(struct cgroup *cg, struct cgroup_stats *st,
		    struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir(cg, 0, &d);
	unsigned c = cg->sys->controllers;
	uint64_t usec;

	if (cgroup_read_key(dir, "cpu.stat", "usage_usec", &usec, e) < 0)
		return -1;
	st->cpu_ns = usec * 1000;
	st->have |= CGROUP_STAT_CPU;
	if ((c & CGROUP_MEMORY) && v2_stats_memory(dir, st, e) < 0)
		return -1;
	if (c & CGROUP_PIDS) {
		if (cgroup_read_u64(dir, "pids.current", &st->pids_current, e) <
			    0 ||
		    cgroup_read_u64(dir, "pids.max", &st->pids_limit, e) < 0)
			return -1;
		st->have |= CGROUP_STAT_PIDS;
	}
	if ((c & CGROUP_IO) && v2_io(dir, st, e) < 0)
		return -1;
	return 0;
}

/* cgroup.kill (Linux 5.14) kills the whole subtree at once, frozen or
 * not, with no race against fork. */
static int v2_kill(struct cgroup *cg, int sig, struct err *e)
{
	struct cgdir d;

	if (sig == SIGKILL && cgroup_exists(cgroup_dir(cg, 0, &d), "cgroup.kill"))
		return cgroup_write(cgroup_dir(cg, 0, &d), "cgroup.kill", "1", e);
	return cgroup_signal_tree(cgroup_dir(cg, 0, &d), sig, e);
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.init_dir = v2_init_dir,
	.apply = v2_apply,
	.freeze = v2_freeze,
	.freeze_state = v2_freeze_state,
	.oom_open = v2_oom_open,
	.oom_count = v2_oom_count,
	.stats = v2_stats,
	.kill = v2_kill,
};
