/* cgroup_int.h - private to fs/cgroup*.c: struct cgroup, the backend
 * vtable and the small file helpers the backends share.
 *
 * Files under a cgroup are read and written whole with one open() and
 * one read()/write() each; every error names the file (and the value
 * written), e.g. "memory.limit_in_bytes = 4096: Device or resource busy". */
#ifndef SKIFF_CGROUP_INT_H
#define SKIFF_CGROUP_INT_H

#include <limits.h>
#include <stdarg.h>

#include "cgroup.h"

/* One container's cgroup: its path below each of sys's hierarchies
 * (ndir of them; v2: one). The full directories are composed when used
 * (cgroup_dir), not kept: on a v1 host they were nine strings of ~90
 * bytes per container, a fifth of skiffd's memory per container. path
 * is owned; oom_fd is owned, -1 until asked. */
struct cgroup {
	const struct cgroup_sys *sys;
	char *path;
	size_t ndir;
	int oom_fd;
};

/* Room for one composed directory. */
struct cgdir {
	char s[PATH_MAX];
};

/* A backend. Every hook gets a valid cgroup and reports through e. */
struct cgroup_ops {
	const char *name;
	/* After mkdir of `dir` (or finding it) below `parent` in hierarchy h:
	 * make it usable (v1 cpuset inherit, v2 subtree_control). */
	int (*init_dir)(const struct cgroup_sys *sys, size_t h,
			const char *parent, const char *dir, struct err *e);
	/* Write the set fields of l (validated already). */
	int (*apply)(struct cgroup *cg, const struct cgroup_limits *l,
		     struct err *e);
	int (*freeze)(struct cgroup *cg, bool freeze, struct err *e);
	int (*freeze_state)(struct cgroup *cg, struct err *e);
	/* Open a new OOM notification fd (non-blocking, CLOEXEC). */
	int (*oom_open)(struct cgroup *cg, struct err *e);
	int (*oom_count)(struct cgroup *cg, uint64_t *count, struct err *e);
	int (*stats)(struct cgroup *cg, struct cgroup_stats *st,
		     struct err *e);
	int (*kill)(struct cgroup *cg, int sig, struct err *e);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* cg's directory in hierarchy h, composed in d (NULL if it does not fit
 * PATH_MAX: cgroup_new refuses such a path, so never afterwards). */
const char *cgroup_dir(const struct cgroup *cg, size_t h, struct cgdir *d);
/* The directory of cg that holds controller bit ctrl, in d, or NULL (v1
 * when the controller is not mounted). v2 always answers hierarchy 0. */
const char *cgroup_dir_for(const struct cgroup *cg, unsigned ctrl,
			   struct cgdir *d);

/* dir/file helpers. Reads return the contents NUL-terminated without the
 * trailing newline. */
int cgroup_write(const char *dir, const char *file, const char *val,
		 struct err *e);
int cgroup_writef(struct err *e, const char *dir, const char *file,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cgroup_read(const char *dir, const char *file, char *buf, size_t size,
		struct err *e);
/* Whole file into a malloc'd string (for lists of unknown length). */
char *cgroup_read_all(const char *dir, const char *file, struct err *e);
bool cgroup_exists(const char *dir, const char *file);
/* A number; "max" reads as 0 (unlimited). */
int cgroup_read_u64(const char *dir, const char *file, uint64_t *out,
		    struct err *e);
/* The value of the "key value" line of a flat-keyed file (memory.stat,
 * memory.events, cpu.stat, memory.oom_control). ENOENT if no such key. */
int cgroup_read_key(const char *dir, const char *file, const char *key,
		    uint64_t *out, struct err *e);

/* Signal each pid listed in dir/cgroup.procs; SIGKILL repeats while new
 * pids show up (forks racing the kill). */
int cgroup_signal_each(const char *dir, int sig, struct err *e);
/* The same for dir and every sub-cgroup below it. */
int cgroup_signal_tree(const char *dir, int sig, struct err *e);

#endif
