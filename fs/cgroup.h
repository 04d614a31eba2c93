/* cgroup.h - control groups for containers, cgroup v1 and v2.
 *
 * cgroup_detect() reads /proc/self/mountinfo once at start and fills a
 * struct cgroup_sys: the version, the mount point of every hierarchy and
 * the available controllers. A hybrid host (v1 controllers plus a cgroup2
 * mount holding none of them) is driven as v1. The version picks a small
 * backend vtable (cgroup_v1.c, cgroup_v2.c); everything below works the
 * same on both.
 *
 * A struct cgroup is one container's cgroup: a path relative to the root
 * of every hierarchy ("skiff/<id>"), created with cgroup_create() or
 * re-adopted after a daemon restart with cgroup_open(). It owns its path
 * strings and, once asked for, the OOM notification fd; cgroup_free()
 * releases them and never touches the kernel's cgroup. cgroup_destroy()
 * kills what is left inside and removes the directories.
 *
 * No call sleeps or waits for the kernel to finish something: freezing
 * reports CGROUP_FREEZING until done, destroy reports ERR_BUSY while
 * killed processes are still exiting. The caller polls from a timer.
 * Every fd opened here is O_CLOEXEC; the OOM fd is also non-blocking.
 *
 * Limits use Docker's units and meanings; the caller converts flags:
 * sizes are bytes, --cpus goes through cgroup_parse_cpus(). */
#ifndef SKIFF_CGROUP_H
#define SKIFF_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/base/err.h"

struct jw;

/* Controllers, as bits of cgroup_sys.controllers. v1's blkio and v2's io
 * are one bit (CGROUP_IO) named per version; v2 has cpuacct inside cpu
 * and the freezer in its core, so both bits are set on v2 hosts. */
enum cgroup_ctrl {
	CGROUP_CPU = 1u << 0,
	CGROUP_CPUACCT = 1u << 1,
	CGROUP_CPUSET = 1u << 2,
	CGROUP_MEMORY = 1u << 3,
	CGROUP_PIDS = 1u << 4,
	CGROUP_IO = 1u << 5,
	CGROUP_FREEZER = 1u << 6,
	CGROUP_DEVICES = 1u << 7,
	CGROUP_HUGETLB = 1u << 8,
	CGROUP_RDMA = 1u << 9,
	CGROUP_MISC = 1u << 10,
	CGROUP_PERF_EVENT = 1u << 11,
	CGROUP_NET_CLS = 1u << 12,
	CGROUP_NET_PRIO = 1u << 13,
};

#define CGROUP_MOUNT_MAX 256
#define CGROUP_HIER_MAX 16

/* One mounted hierarchy. v2 has exactly one, with every controller. */
struct cgroup_hier {
	char mount[CGROUP_MOUNT_MAX]; /* e.g. /sys/fs/cgroup/memory */
	unsigned controllers;	      /* enum cgroup_ctrl bits */
};

struct cgroup_ops;

struct cgroup_sys {
	int version;		/* 1 or 2 */
	bool hybrid;		/* v1 with a cgroup2 mount beside it */
	bool swap;		/* swap limits work (v1 memsw, v2 swap.max) */
	unsigned controllers;	/* union of every hierarchy's bits */
	size_t nhier;
	struct cgroup_hier hier[CGROUP_HIER_MAX];
	char unified[CGROUP_MOUNT_MAX]; /* hybrid: the cgroup2 mount, or "" */
	const struct cgroup_ops *ops;	/* backend chosen by version */
};

/* Find the hierarchies of this host. ERR_NOT_FOUND if cgroups are not
 * mounted. A v1 hierarchy with no known controller (name=systemd) is
 * left out: containers are not placed in it. */
int cgroup_detect(struct cgroup_sys *out, struct err *e);
/* Describe a v2 hierarchy mounted at `mount` without looking at the
 * mount table: controllers from its cgroup.controllers. Used by
 * cgroup_detect(), and by tests to drive v2 on a hybrid host. */
int cgroup_sys_init_v2(struct cgroup_sys *out, const char *mount,
		       struct err *e);
/* Add "cgroup":{"version":N,"driver":"cgroupfs","hybrid":B,"swap":B,
 * "controllers":[...]} to the open JSON object, for `skiff info`. On v2
 * the list has "freezer" (core) but not "cpuacct" (part of cpu.stat). */
void cgroup_sys_describe(const struct cgroup_sys *sys, struct jw *w);
/* Controller name as the host's version spells it ("blkio" or "io"). */
const char *cgroup_ctrl_name(const struct cgroup_sys *sys, unsigned bit);

/* Limits. In every int64_t field 0 means "unset: leave as it is" and
 * CGROUP_UNLIMITED (-1) means "no limit"; other values must be > 0.
 * Create applies only what is set; update changes only what is set, as
 * `docker update` does.
 *  memory              bytes (--memory); on v1 CGROUP_UNLIMITED also
 *                      lifts the memsw limit (it may not be below memory)
 *  memory_swap         memory plus swap, bytes (--memory-swap); must be
 *                      >= memory; equal to memory means no swap. Docker's
 *                      default of twice --memory is the caller's choice.
 *  memory_reservation  soft limit, bytes (v1 soft_limit, v2 memory.low);
 *                      CGROUP_UNLIMITED removes it
 *  cpu_quota_us/period from cgroup_parse_cpus(); period 0 = 100000
 *  cpu_shares          --cpu-shares, 2..262144, 0 unset; v2 writes
 *                      cpu.weight = 1 + ((shares - 2) * 9999) / 262142
 *  cpuset_cpus         "0-1,3" (--cpuset-cpus), "" unset
 *  cpuset_mems         memory nodes (--cpuset-mems), "" unset
 *  pids_limit          --pids-limit; CGROUP_UNLIMITED for none
 *  swappiness          --memory-swappiness 0..100 when has_swappiness;
 *                      v1 only: v2 has no per-cgroup swappiness, and
 *                      Docker discards it there (so does this) */
#define CGROUP_UNLIMITED (-1)

struct cgroup_limits {
	int64_t memory;
	int64_t memory_swap;
	int64_t memory_reservation;
	int64_t cpu_quota_us;
	int64_t cpu_period_us;
	uint64_t cpu_shares;
	char cpuset_cpus[64];
	char cpuset_mems[64];
	int64_t pids_limit;
	bool has_swappiness;
	uint8_t swappiness;
};

/* Parse --cpus ("1.5", "0.25", up to 9 decimals) into a CFS quota and
 * period (period 100000us, quota = cpus * period). "0" means no limit
 * (quota CGROUP_UNLIMITED). Below 0.01 CPU or malformed: ERR_INVALID. */
int cgroup_parse_cpus(const char *s, int64_t *quota_us, int64_t *period_us,
		      struct err *e);
/* Check a cpuset list ("0-3,5"): numbers below 8192, ranges ascending,
 * no empty items. ERR_INVALID naming the bad part. */
int cgroup_cpuset_valid(const char *s, struct err *e);
/* Check a limits struct as a whole (ranges, swap >= memory, reservation
 * <= memory). Create and update call it. */
int cgroup_limits_valid(const struct cgroup_limits *l, struct err *e);

struct cgroup;

/* Create `path` (relative, e.g. "skiff/<id>", no "..") below the root
 * of every hierarchy (Docker's cgroupfs driver), parents as needed, and
 * apply the limits. v1 gives new cpuset cgroups their parent's cpus and
 * mems; v2 enables cpu, cpuset, io, memory and pids in each ancestor's
 * cgroup.subtree_control where available. ERR_CONFLICT if it
 * already exists; on any failure what was created is removed again.
 * A limit whose controller is missing is ERR_INVALID. The returned
 * struct keeps a pointer to sys, which must outlive it. */
struct cgroup *cgroup_create(const struct cgroup_sys *sys, const char *path,
			     const struct cgroup_limits *l, struct err *e);
/* Open an existing cgroup (re-adoption). ERR_NOT_FOUND if missing. */
struct cgroup *cgroup_open(const struct cgroup_sys *sys, const char *path,
			   struct err *e);
/* The handle of a cgroup another process just made for us (the spawner,
 * fs/spawner.h): no system call, nothing checked. */
struct cgroup *cgroup_of(const struct cgroup_sys *sys, const char *path,
			 struct err *e);
/* Release memory and the OOM fd; the kernel cgroup stays. NULL is fine. */
void cgroup_free(struct cgroup *cg);
const char *cgroup_path(const struct cgroup *cg);

/* Move pid into the cgroup in every hierarchy (cgroup.procs). The parent
 * does this for the container's init before letting it run. On failure
 * pid may be in some hierarchies already: kill it. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct err *e);
/* v2 only: a new O_RDONLY|O_DIRECTORY|O_CLOEXEC fd of the cgroup, for
 * clone3(CLONE_INTO_CGROUP) so the child starts inside it with no window
 * outside. The caller owns it. ERR_INVALID on v1. */
int cgroup_dirfd(struct cgroup *cg, struct err *e);
struct oci_devrule;
/* The device cgroup: rules in the OCI spec's order (linux.resources.
 * devices: the last that matches a node decides, no match denies when
 * the first rule denies all, as every generated spec's does). v1 writes
 * devices.deny/devices.allow; v2 (and a hybrid host's cgroup2 mount,
 * which the kernel checks too) gets a BPF_CGROUP_DEVICE program.
 * Call on a cgroup with nothing in it yet. No devices hierarchy on v1:
 * nothing is done. */
int cgroup_dev_apply(struct cgroup *cg, const struct oci_devrule *r,
		     size_t n, struct err *e);

/* Change limits of a live cgroup (`skiff update`). Lowering memory
 * below what v1 can reclaim fails with ERR_BUSY, naming file and value
 * ("memory.limit_in_bytes = 4096: Device or resource busy"); v2 reclaims
 * or OOM-kills instead. A failure can leave earlier fields applied. */
int cgroup_update(struct cgroup *cg, const struct cgroup_limits *l,
		  struct err *e);

enum cgroup_freeze_state {
	CGROUP_THAWED = 0,
	CGROUP_FREEZING = 1, /* asked, not reached yet: poll again */
	CGROUP_FROZEN = 2,
};
/* Ask the kernel to freeze (true) or thaw (false); returns at once.
 * ERR_INVALID when v1 has no freezer hierarchy. */
int cgroup_freeze(struct cgroup *cg, bool freeze, struct err *e);
/* Current state, an enum cgroup_freeze_state, or -1. */
int cgroup_freeze_state(struct cgroup *cg, struct err *e);

/* An fd that turns readable when the cgroup meets OOM (v1: an eventfd
 * registered through cgroup.event_control on memory.oom_control; v2: an
 * inotify watch on memory.events, which changes for other memory events
 * too). Owned by cg, non-blocking; the same fd on every call. After it
 * fires call cgroup_oom_ack() to drain it, then cgroup_oom_count().
 *
 * Wiring OOMKilled (Docker: any OOM kill during the run, exit 137):
 *  - read cgroup_oom_count() as a baseline when the container starts (a
 *    restart in the same cgroup does not reset the counter);
 *  - when the pidfd says init exited, read the counter again and compare
 *    with the baseline before destroying the cgroup. The kernel raises
 *    oom_kill before it sends the SIGKILL, so the counter is already up
 *    when the exit is seen, while the fd's wake-up may come later (v2
 *    rate-limits file notifications): decide by the counter, not by the
 *    order of events;
 *  - use the fd for OOM kills of other processes while init keeps
 *    running (an event for `skiff events`), re-reading the counter;
 *  - stop watching the fd before cgroup_destroy(): the v1 eventfd also
 *    fires when the cgroup is removed. */
int cgroup_oom_fd(struct cgroup *cg, struct err *e);
/* Drain the OOM fd so a level-triggered watcher stops firing. */
void cgroup_oom_ack(struct cgroup *cg);
/* Processes OOM-killed in the cgroup and below so far (v1
 * memory.oom_control oom_kill, v2 memory.events oom_kill). */
int cgroup_oom_count(struct cgroup *cg, uint64_t *count, struct err *e);

/* A sample for `skiff stats`. CPU % is the caller's: the delta of
 * cpu_ns between two samples over the wall-clock delta, times 100.
 * Fields whose controller is missing stay 0 and their CGROUP_STAT_* bit
 * stays clear in `have`. Limits of 0 mean unlimited. */
enum {
	CGROUP_STAT_CPU = 1u << 0,
	CGROUP_STAT_MEMORY = 1u << 1,
	CGROUP_STAT_PIDS = 1u << 2,
	CGROUP_STAT_IO = 1u << 3,
};
struct cgroup_stats {
	unsigned have;
	uint64_t cpu_ns;	/* total CPU time used */
	uint64_t mem_usage;	/* bytes charged, page cache included */
	uint64_t mem_limit;
	uint64_t mem_cache;	/* page cache (v1 total_cache, v2 file) */
	uint64_t mem_inactive_file; /* Docker shows usage minus this */
	uint64_t pids_current;
	uint64_t pids_limit;
	uint64_t io_read_bytes;
	uint64_t io_write_bytes;
};
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *st, struct err *e);

/* The pids in the cgroup (for `top`), malloc'd into *pids. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct err *e);
/* Signal every process in the cgroup and its sub-cgroups. SIGKILL uses
 * v2's cgroup.kill when the kernel has it; otherwise each pid is
 * signalled, in passes while new pids show up; v1 freezes the cgroup
 * around a SIGKILL scan (nothing forks behind it) and thaws it after so
 * the kill takes effect, also in a paused container. Pid-by-pid
 * signalling has the usual pid-reuse window; cgroup.kill has none. */
int cgroup_kill_all(struct cgroup *cg, int sig, struct err *e);
/* SIGKILL what is left, then remove the directory (and any sub-cgroups
 * the container made) in every hierarchy. ERR_BUSY while processes are
 * still exiting: call again later. Does not free cg. */
int cgroup_destroy(struct cgroup *cg, struct err *e);

#endif
