/* cgroup_v1.c - the cgroup v1 backend: one directory per hierarchy,
 * limits in controller-specific files, the freezer hierarchy for pause,
 * and OOM notification through memory.oom_control + cgroup.event_control.
 *
 * Owns nothing beyond the fds it opens and closes within a call; the OOM
 * eventfd it creates is handed to struct cgroup (cgroup.c closes it). */
#include "cgroup_int.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../core/base/cleanup.h"

/* v1's memory counters read as this (PAGE_COUNTER_MAX pages) or more
 * when unlimited. */
#define V1_MEM_UNLIMITED 0x7FFFFFFFFFFFF000ULL

/* A new cpuset cgroup starts with empty cpus and mems and refuses tasks:
 * give it its parent's. */
static int v1_cpuset_inherit(const char *parent, const char *dir,
			     const char *file, struct err *e)
{
	char cur[4096], val[4096];

	if (cgroup_read(dir, file, cur, sizeof(cur), e) < 0)
		return -1;
	if (cur[0])
		return 0;
	if (cgroup_read(parent, file, val, sizeof(val), e) < 0)
		return -1;
	return cgroup_write(dir, file, val, e);
}

static int v1_init_dir(const struct cgroup_sys *sys, size_t h,
		       const char *parent, const char *dir, struct err *e)
{
	if (!(sys->hier[h].controllers & CGROUP_CPUSET))
		return 0;
	if (v1_cpuset_inherit(parent, dir, "cpuset.cpus", e) < 0 ||
	    v1_cpuset_inherit(parent, dir, "cpuset.mems", e) < 0)
		return -1;
	return 0;
}

/* Write a v1 limit: CGROUP_UNLIMITED is "-1" in every v1 file. */
static int v1_set(const char *dir, const char *file, int64_t v,
		  struct err *e)
{
	return cgroup_writef(e, dir, file, "%lld", (long long)v);
}

/* memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at
 * every moment, so the order of the two writes depends on where the
 * current limit is. Lifting the memory limit lifts memsw with it. */
static int v1_memory(struct cgroup *cg, const struct cgroup_limits *l,
		     struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir_for(cg, CGROUP_MEMORY, &d);
	const char *sw = "memory.memsw.limit_in_bytes";
	int64_t swap = l->memory_swap;
	bool swap_first = false;
	uint64_t cur;

	if (!dir)
		return 0;
	if (l->memory == CGROUP_UNLIMITED && !swap)
		swap = CGROUP_UNLIMITED;
	if (swap == CGROUP_UNLIMITED && !cg->sys->swap)
		swap = 0; /* no swap accounting: nothing to lift */
	if (swap && l->memory) {
		if (cgroup_read_u64(dir, "memory.limit_in_bytes", &cur, e) < 0)
			return -1;
		swap_first = swap == CGROUP_UNLIMITED || (uint64_t)swap >= cur;
	}
	if (swap && swap_first && v1_set(dir, sw, swap, e) < 0)
		return -1;
	if (l->memory && v1_set(dir, "memory.limit_in_bytes", l->memory, e) < 0)
		return -1;
	if (swap && !swap_first && v1_set(dir, sw, swap, e) < 0)
		return -1;
	if (l->memory_reservation &&
	    v1_set(dir, "memory.soft_limit_in_bytes", l->memory_reservation,
		   e) < 0)
		return -1;
	if (l->has_swappiness &&
	    v1_set(dir, "memory.swappiness", l->swappiness, e) < 0)
		return -1;
	return 0;
}

static int v1_cpu(struct cgroup *cg, const struct cgroup_limits *l,
		  struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir_for(cg, CGROUP_CPU, &d);
	int64_t period = l->cpu_period_us;

	if (!dir)
		return 0;
	if (l->cpu_quota_us && !period)
		period = 100000;
	if (period && v1_set(dir, "cpu.cfs_period_us", period, e) < 0)
		return -1;
	if (l->cpu_quota_us &&
	    v1_set(dir, "cpu.cfs_quota_us", l->cpu_quota_us, e) < 0)
		return -1;
	if (l->cpu_shares &&
	    v1_set(dir, "cpu.shares", (int64_t)l->cpu_shares, e) < 0)
		return -1;
	return 0;
}

static int v1_apply(struct cgroup *cg, const struct cgroup_limits *l,
		    struct err *e)
{
	struct cgdir d;
	const char *dir;

	if (v1_memory(cg, l, e) < 0 || v1_cpu(cg, l, e) < 0)
		return -1;
	dir = cgroup_dir_for(cg, CGROUP_CPUSET, &d);
	if (dir && l->cpuset_cpus[0] &&
	    cgroup_write(dir, "cpuset.cpus", l->cpuset_cpus, e) < 0)
		return -1;
	if (dir && l->cpuset_mems[0] &&
	    cgroup_write(dir, "cpuset.mems", l->cpuset_mems, e) < 0)
		return -1;
	dir = cgroup_dir_for(cg, CGROUP_PIDS, &d);
	if (dir && l->pids_limit == CGROUP_UNLIMITED)
		return cgroup_write(dir, "pids.max", "max", e);
	if (dir && l->pids_limit)
		return v1_set(dir, "pids.max", l->pids_limit, e);
	return 0;
}

static int v1_freeze(struct cgroup *cg, bool freeze, struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir_for(cg, CGROUP_FREEZER, &d);

	return cgroup_write(dir, "freezer.state", freeze ? "FROZEN" : "THAWED",
			    e);
}

static int v1_freeze_state(struct cgroup *cg, struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir_for(cg, CGROUP_FREEZER, &d);
	char s[32];

	if (cgroup_read(dir, "freezer.state", s, sizeof(s), e) < 0)
		return -1;
	if (!strcmp(s, "FROZEN"))
		return CGROUP_FROZEN;
	if (!strcmp(s, "FREEZING"))
		return CGROUP_FREEZING;
	if (!strcmp(s, "THAWED"))
		return CGROUP_THAWED;
	return err_setc(e, ERR_INTERNAL, "freezer.state: unknown \"%s\"", s);
}

/* An eventfd the kernel signals on every OOM of the memory cgroup,
 * registered by writing "<eventfd> <oom_control fd>" to
 * cgroup.event_control. The kernel keeps its own references, so the
 * oom_control fd is closed here. */
static int v1_oom_open(struct cgroup *cg, struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir_for(cg, CGROUP_MEMORY, &d);
	char p[PATH_MAX];
	_cleanup_close_ int efd = -1, cfd = -1;

	snprintf(p, sizeof(p), "%s/memory.oom_control", dir);
	cfd = open(p, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return err_set(e, errno, "open %s", p);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return err_set(e, errno, "eventfd");
	if (cgroup_writef(e, dir, "cgroup.event_control", "%d %d", efd, cfd) <
	    0)
		return -1;
	return steal_fd(&efd);
}

static int v1_oom_count(struct cgroup *cg, uint64_t *count, struct err *e)
{
	struct cgdir d;

	return cgroup_read_key(cgroup_dir_for(cg, CGROUP_MEMORY, &d),
			       "memory.oom_control", "oom_kill", count, e);
}

/* Sum the Read and Write lines of blkio.throttle.io_service_bytes
 * ("8:0 Read 4096"). */
static int v1_blkio(const char *dir, struct cgroup_stats *st, struct err *e)
{
	const char *file = "blkio.throttle.io_service_bytes_recursive";
	_cleanup_free_ char *s = NULL;
	char op[16];
	unsigned long long v;

	if (!cgroup_exists(dir, file))
		file = "blkio.throttle.io_service_bytes";
	if (!cgroup_exists(dir, file))
		return 0; /* no throttling support in this kernel */
	s = cgroup_read_all(dir, file, e);
	if (!s)
		return -1;
	for (char *line = s; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (sscanf(line, "%*u:%*u %15s %llu", op, &v) != 2)
			continue;
		if (!strcmp(op, "Read"))
			st->io_read_bytes += v;
		else if (!strcmp(op, "Write"))
			st->io_write_bytes += v;
	}
	st->have |= CGROUP_STAT_IO;
	return 0;
}

static int v1_stats_memory(const char *dir, struct cgroup_stats *st,
			   struct err *e)
{
	if (cgroup_read_u64(dir, "memory.usage_in_bytes", &st->mem_usage, e) <
		    0 ||
	    cgroup_read_u64(dir, "memory.limit_in_bytes", &st->mem_limit, e) <
		    0 ||
	    cgroup_read_key(dir, "memory.stat", "total_cache", &st->mem_cache,
			    e) < 0 ||
	    cgroup_read_key(dir, "memory.stat", "total_inactive_file",
			    &st->mem_inactive_file, e) < 0)
		return -1;
	if (st->mem_limit >= V1_MEM_UNLIMITED)
		st->mem_limit = 0;
	st->have |= CGROUP_STAT_MEMORY;
	return 0;
}

static int v1_stats(struct cgroup *cg, struct cgroup_stats *st,
		    struct err *e)
{
	struct cgdir d;
	const char *dir;

	dir = cgroup_dir_for(cg, CGROUP_CPUACCT, &d);
	if (dir) {
		if (cgroup_read_u64(dir, "cpuacct.usage", &st->cpu_ns, e) < 0)
			return -1;
		st->have |= CGROUP_STAT_CPU;
	}
	dir = cgroup_dir_for(cg, CGROUP_MEMORY, &d);
	if (dir && v1_stats_memory(dir, st, e) < 0)
		return -1;
	dir = cgroup_dir_for(cg, CGROUP_PIDS, &d);
	if (dir) {
		if (cgroup_read_u64(dir, "pids.current", &st->pids_current, e) <
			    0 ||
		    cgroup_read_u64(dir, "pids.max", &st->pids_limit, e) < 0)
			return -1;
		st->have |= CGROUP_STAT_PIDS;
	}
	dir = cgroup_dir_for(cg, CGROUP_IO, &d);
	if (dir && v1_blkio(dir, st, e) < 0)
		return -1;
	return 0;
}

/* v1 has no cgroup.kill: signal pid by pid. For SIGKILL the cgroup is
 * frozen first so that nothing forks behind the scan (a task forked
 * while freezing is born frozen and shows in the next pass), then thawed
 * so that the pending SIGKILLs take effect, also in a paused container. */
static int v1_kill(struct cgroup *cg, int sig, struct err *e)
{
	struct cgdir d, d0;
	const char *fz = cgroup_dir_for(cg, CGROUP_FREEZER, &d);
	bool freeze = sig == SIGKILL && fz;
	int r;

	if (freeze)
		cgroup_write(fz, "freezer.state", "FROZEN", NULL);
	r = cgroup_signal_tree(cgroup_dir(cg, 0, &d0), sig, e);
	if (freeze && cgroup_write(fz, "freezer.state", "THAWED", r ? NULL : e))
		r = -1;
	return r;
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.init_dir = v1_init_dir,
	.apply = v1_apply,
	.freeze = v1_freeze,
	.freeze_state = v1_freeze_state,
	.oom_open = v1_oom_open,
	.oom_count = v1_oom_count,
	.stats = v1_stats,
	.kill = v1_kill,
};
