/* cgroup.c - cgroup detection, limit parsing and validation, and the
 * version-independent half of struct cgroup (create, open, enter, pids,
 * kill, destroy), dispatching the rest to cgroup_v1.c / cgroup_v2.c.
 *
 * Owns: struct cgroup's memory and its OOM fd (closed by cgroup_free).
 * No global state: a struct cgroup_sys is filled by cgroup_detect() and
 * passed in. Every fd is O_CLOEXEC and closed before returning, except
 * the OOM fd. */
#include "cgroup_int.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "../proto/json.h"

/* ---- controller names ---- */

static const struct {
	const char *name;
	unsigned bit;
} cgroup_names[] = {
	{ "cpu", CGROUP_CPU },		{ "cpuacct", CGROUP_CPUACCT },
	{ "cpuset", CGROUP_CPUSET },	{ "memory", CGROUP_MEMORY },
	{ "pids", CGROUP_PIDS },	{ "blkio", CGROUP_IO },
	{ "io", CGROUP_IO },		{ "freezer", CGROUP_FREEZER },
	{ "devices", CGROUP_DEVICES },	{ "hugetlb", CGROUP_HUGETLB },
	{ "rdma", CGROUP_RDMA },	{ "misc", CGROUP_MISC },
	{ "perf_event", CGROUP_PERF_EVENT },
	{ "net_cls", CGROUP_NET_CLS },	{ "net_prio", CGROUP_NET_PRIO },
};

static unsigned cgroup_bit_of(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(cgroup_names); i++)
		if (strlen(cgroup_names[i].name) == len &&
		    !memcmp(cgroup_names[i].name, name, len))
			return cgroup_names[i].bit;
	return 0;
}

const char *cgroup_ctrl_name(const struct cgroup_sys *sys, unsigned bit)
{
	if (bit == CGROUP_IO)
		return sys->version == 2 ? "io" : "blkio";
	for (size_t i = 0; i < ARRAY_SIZE(cgroup_names); i++)
		if (cgroup_names[i].bit == bit)
			return cgroup_names[i].name;
	return "?";
}

/* Bits of a list of names separated by `sep` ("rw,cpu,cpuacct"). */
static unsigned cgroup_bits_of_list(const char *s, char sep)
{
	unsigned bits = 0;

	while (*s) {
		const char *end = strchr(s, sep);
		size_t len = end ? (size_t)(end - s) : strlen(s);

		bits |= cgroup_bit_of(s, len);
		s += len;
		if (*s)
			s++;
	}
	return bits;
}

/* ---- file helpers ---- */

static int cgroup_join(char *out, size_t size, const char *dir,
		       const char *file, struct err *e)
{
	int n = snprintf(out, size, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= size)
		return err_setc(e, ERR_INVALID, "path too long: %s/%s", dir,
				file);
	return 0;
}

int cgroup_write(const char *dir, const char *file, const char *val,
		 struct err *e)
{
	char p[PATH_MAX];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(val);
	ssize_t n;

	if (cgroup_join(p, sizeof(p), dir, file, e) < 0)
		return -1;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "%s = %s", file, val);
	n = write(fd, val, len);
	if (n < 0)
		return err_set(e, errno, "%s = %s", file, val);
	if ((size_t)n != len)
		return err_set(e, EIO, "%s = %s: short write", file, val);
	return 0;
}

int cgroup_writef(struct err *e, const char *dir, const char *file,
		  const char *fmt, ...)
{
	char val[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return cgroup_write(dir, file, val, e);
}

int cgroup_read(const char *dir, const char *file, char *buf, size_t size,
		struct err *e)
{
	char p[PATH_MAX];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (cgroup_join(p, sizeof(p), dir, file, e) < 0)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", p);
	n = read(fd, buf, size - 1);
	if (n < 0)
		return err_set(e, errno, "read %s", p);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

char *cgroup_read_all(const char *dir, const char *file, struct err *e)
{
	char p[PATH_MAX];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *s = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (cgroup_join(p, sizeof(p), dir, file, e) < 0)
		return NULL;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", p), NULL;
	do {
		if (cap - len < 4096) {
			char *t = realloc(s, cap + 8192);
			if (!t)
				return err_set(e, ENOMEM, "read %s", p), NULL;
			s = t;
			cap += 8192;
		}
		n = read(fd, s + len, cap - len - 1);
		if (n < 0)
			return err_set(e, errno, "read %s", p), NULL;
		len += (size_t)n;
	} while (n > 0);
	s[len] = '\0';
	return steal_ptr(&s);
}

bool cgroup_exists(const char *dir, const char *file)
{
	char p[PATH_MAX];

	if (cgroup_join(p, sizeof(p), dir, file, NULL) < 0)
		return false;
	return access(p, F_OK) == 0;
}

static int cgroup_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!strcmp(s, "max")) {
		*out = 0;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -1;
	*out = v;
	return 0;
}

int cgroup_read_u64(const char *dir, const char *file, uint64_t *out,
		    struct err *e)
{
	char buf[64];

	if (cgroup_read(dir, file, buf, sizeof(buf), e) < 0)
		return -1;
	if (cgroup_parse_u64(buf, out) < 0)
		return err_setc(e, ERR_INTERNAL, "%s: not a number: %s", file,
				buf);
	return 0;
}

int cgroup_read_key(const char *dir, const char *file, const char *key,
		    uint64_t *out, struct err *e)
{
	_cleanup_free_ char *s = cgroup_read_all(dir, file, e);
	size_t klen = strlen(key);

	if (!s)
		return -1;
	for (char *line = s; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			if (cgroup_parse_u64(line + klen + 1, out) < 0)
				return err_setc(e, ERR_INTERNAL,
						"%s: bad value for %s", file,
						key);
			return 0;
		}
		line = next;
	}
	return err_set(e, ENOENT, "%s: no %s", file, key);
}

/* ---- detection ---- */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void cgroup_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] &&
		    s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Split a mountinfo line: mount point (field 5), fs type and super
 * options (after " - "). Returns -1 for a line that is not understood. */
static int cgroup_mountinfo_split(char *line, char **mnt, char **type,
				  char **opts)
{
	char *f[5], *sep, *save = NULL;
	int i = 0;

	sep = strstr(line, " - ");
	if (!sep)
		return -1;
	*sep = '\0';
	for (char *t = strtok_r(line, " ", &save); t && i < 5;
	     t = strtok_r(NULL, " ", &save))
		f[i++] = t;
	if (i < 5)
		return -1;
	*mnt = f[4];
	*type = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save); /* source */
	*opts = strtok_r(NULL, " \n", &save);
	return *type && *opts ? 0 : -1;
}

/* Record a v1 hierarchy unless it adds no controller we know or don't
 * already have (bind mounts of the same hierarchy). */
static void cgroup_add_v1(struct cgroup_sys *sys, const char *mnt,
			  const char *opts)
{
	unsigned bits = cgroup_bits_of_list(opts, ',');
	struct cgroup_hier *h;

	if (!bits || (bits & sys->controllers) == bits ||
	    sys->nhier == CGROUP_HIER_MAX || strlen(mnt) >= CGROUP_MOUNT_MAX)
		return;
	h = &sys->hier[sys->nhier++];
	snprintf(h->mount, sizeof(h->mount), "%s", mnt);
	h->controllers = bits;
	sys->controllers |= bits;
}

/* Scan /proc/self/mountinfo: v1 hierarchies into sys, the first cgroup2
 * mount point into v2 (empty if none). */
static int cgroup_scan_mounts(struct cgroup_sys *sys, char *v2, size_t v2len,
			      struct err *e)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return err_set(e, errno, "open /proc/self/mountinfo");
	v2[0] = '\0';
	while (getline(&line, &cap, f) > 0) {
		char *mnt, *type, *opts;

		if (cgroup_mountinfo_split(line, &mnt, &type, &opts) < 0)
			continue;
		cgroup_unescape(mnt);
		if (!strcmp(type, "cgroup"))
			cgroup_add_v1(sys, mnt, opts);
		else if (!strcmp(type, "cgroup2") && !v2[0])
			snprintf(v2, v2len, "%s", mnt);
	}
	return 0;
}

int cgroup_sys_init_v2(struct cgroup_sys *out, const char *mount,
		       struct err *e)
{
	char list[512];

	memset(out, 0, sizeof(*out));
	if (strlen(mount) >= CGROUP_MOUNT_MAX)
		return err_setc(e, ERR_INVALID, "cgroup2 mount path too long");
	if (cgroup_read(mount, "cgroup.controllers", list, sizeof(list), e) <
	    0)
		return err_wrap(e, "cgroup2 at %s", mount);
	out->version = 2;
	out->nhier = 1;
	snprintf(out->hier[0].mount, CGROUP_MOUNT_MAX, "%s", mount);
	/* cpu.stat usage and the freezer are core v2 files. */
	out->controllers = cgroup_bits_of_list(list, ' ') | CGROUP_CPUACCT |
			   CGROUP_FREEZER;
	out->hier[0].controllers = out->controllers;
	out->swap = out->controllers & CGROUP_MEMORY;
	out->ops = &cgroup_v2_ops;
	return 0;
}

int cgroup_detect(struct cgroup_sys *out, struct err *e)
{
	char v2[CGROUP_MOUNT_MAX];
	const char *mem;

	memset(out, 0, sizeof(*out));
	if (cgroup_scan_mounts(out, v2, sizeof(v2), e) < 0)
		return -1;
	if (out->nhier == 0) {
		if (!v2[0])
			return err_setc(e, ERR_NOT_FOUND,
					"no cgroup filesystem mounted");
		return cgroup_sys_init_v2(out, v2, e);
	}
	out->version = 1;
	out->hybrid = v2[0] != '\0';
	snprintf(out->unified, sizeof(out->unified), "%s", v2);
	out->ops = &cgroup_v1_ops;
	for (size_t i = 0; i < out->nhier; i++) {
		if (!(out->hier[i].controllers & CGROUP_MEMORY))
			continue;
		mem = out->hier[i].mount;
		out->swap = cgroup_exists(mem, "memory.memsw.limit_in_bytes");
	}
	return 0;
}

void cgroup_sys_describe(const struct cgroup_sys *sys, struct jw *w)
{
	jw_obj(w, "cgroup");
	jw_int(w, "version", sys->version);
	jw_str(w, "driver", "cgroupfs");
	jw_bool(w, "hybrid", sys->hybrid);
	jw_bool(w, "swap", sys->swap);
	jw_arr(w, "controllers");
	for (unsigned bit = 1; bit <= CGROUP_NET_PRIO; bit <<= 1) {
		if (!(sys->controllers & bit))
			continue;
		/* v2's cpu accounting is core, not a controller */
		if (bit == CGROUP_CPUACCT && sys->version == 2)
			continue;
		jw_vstr(w, cgroup_ctrl_name(sys, bit));
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

/* ---- limit parsing and validation ---- */

int cgroup_parse_cpus(const char *s, int64_t *quota_us, int64_t *period_us,
		      struct err *e)
{
	const int64_t period = 100000;
	int64_t whole = 0, frac = 0, scale = 1000000000;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return err_setc(e, ERR_INVALID, "--cpus %s: not a number", s);
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			return err_setc(e, ERR_INVALID, "--cpus %s: too large",
					s);
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return err_setc(e, ERR_INVALID,
					"--cpus %s: not a number", s);
		for (; isdigit((unsigned char)*p); p++) {
			if (scale == 1)
				return err_setc(e, ERR_INVALID,
						"--cpus %s: more than 9 decimals",
						s);
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p)
		return err_setc(e, ERR_INVALID, "--cpus %s: not a number", s);
	*period_us = period;
	if (whole == 0 && frac == 0) {
		*quota_us = CGROUP_UNLIMITED;
		return 0;
	}
	/* nanocpus * period / 1e9, exact in 64 bits for whole <= 1e6. */
	*quota_us = whole * period + frac * period / 1000000000;
	if (*quota_us < 1000)
		return err_setc(e, ERR_INVALID,
				"--cpus %s: the minimum is 0.01", s);
	return 0;
}

/* One cpuset number at *p, advancing p. */
static int cgroup_cpuset_num(const char **p, long *out)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	for (; isdigit((unsigned char)**p); (*p)++) {
		v = v * 10 + (**p - '0');
		if (v >= 8192)
			return -1;
	}
	*out = v;
	return 0;
}

int cgroup_cpuset_valid(const char *s, struct err *e)
{
	const char *p = s;
	long a, b;

	if (!*s)
		return err_setc(e, ERR_INVALID, "cpuset: empty list");
	if (strlen(s) >= sizeof(((struct cgroup_limits *)0)->cpuset_cpus))
		return err_setc(e, ERR_INVALID, "cpuset %.32s...: too long", s);
	for (;;) {
		const char *item = p;

		if (cgroup_cpuset_num(&p, &a) < 0)
			return err_setc(e, ERR_INVALID,
					"cpuset %s: bad number at \"%s\"", s,
					item);
		b = a;
		if (*p == '-') {
			p++;
			if (cgroup_cpuset_num(&p, &b) < 0 || b < a)
				return err_setc(e, ERR_INVALID,
						"cpuset %s: bad range at \"%s\"",
						s, item);
		}
		if (!*p)
			return 0;
		if (*p++ != ',')
			return err_setc(e, ERR_INVALID,
					"cpuset %s: unexpected \"%s\"", s,
					p - 1);
	}
}

/* A field that is 0 (unset), CGROUP_UNLIMITED or positive. */
static int cgroup_field_ok(int64_t v, const char *flag, struct err *e)
{
	if (v < CGROUP_UNLIMITED)
		return err_setc(e, ERR_INVALID, "%s %lld: must be positive",
				flag, (long long)v);
	return 0;
}

int cgroup_limits_valid(const struct cgroup_limits *l, struct err *e)
{
	if (cgroup_field_ok(l->memory, "--memory", e) < 0 ||
	    cgroup_field_ok(l->memory_swap, "--memory-swap", e) < 0 ||
	    cgroup_field_ok(l->memory_reservation, "--memory-reservation",
			    e) < 0 ||
	    cgroup_field_ok(l->cpu_quota_us, "cpu quota", e) < 0 ||
	    cgroup_field_ok(l->pids_limit, "--pids-limit", e) < 0)
		return -1;
	if (l->cpu_period_us < 0 ||
	    (l->cpu_period_us && (l->cpu_period_us < 1000 ||
				  l->cpu_period_us > 1000000)))
		return err_setc(e, ERR_INVALID,
				"cpu period %lld: must be 1000..1000000 us",
				(long long)l->cpu_period_us);
	if (l->cpu_quota_us > 0 && l->cpu_quota_us < 1000)
		return err_setc(e, ERR_INVALID,
				"cpu quota %lld: the minimum is 1000 us",
				(long long)l->cpu_quota_us);
	if (l->memory > 0 && l->memory_swap > 0 && l->memory_swap < l->memory)
		return err_setc(e, ERR_INVALID,
				"--memory-swap %lld is smaller than --memory %lld",
				(long long)l->memory_swap, (long long)l->memory);
	if (l->memory == CGROUP_UNLIMITED && l->memory_swap > 0)
		return err_setc(e, ERR_INVALID,
				"--memory-swap needs a --memory limit");
	if (l->memory > 0 && l->memory_reservation > l->memory)
		return err_setc(e, ERR_INVALID,
				"--memory-reservation %lld is larger than --memory %lld",
				(long long)l->memory_reservation,
				(long long)l->memory);
	if (l->cpu_shares && (l->cpu_shares < 2 || l->cpu_shares > 262144))
		return err_setc(e, ERR_INVALID,
				"--cpu-shares %llu: must be 2..262144",
				(unsigned long long)l->cpu_shares);
	if (l->cpuset_cpus[0] && cgroup_cpuset_valid(l->cpuset_cpus, e) < 0)
		return -1;
	if (l->cpuset_mems[0] && cgroup_cpuset_valid(l->cpuset_mems, e) < 0)
		return err_wrap(e, "--cpuset-mems");
	if (l->has_swappiness && l->swappiness > 100)
		return err_setc(e, ERR_INVALID,
				"--memory-swappiness %u: must be 0..100",
				l->swappiness);
	return 0;
}

/* Every set limit needs its controller on this host. */
static int cgroup_limits_supported(const struct cgroup_sys *sys,
				   const struct cgroup_limits *l,
				   struct err *e)
{
	static const char fmt[] = "%s: the %s controller is not available";
	unsigned c = sys->controllers;

	if ((l->memory || l->memory_swap || l->memory_reservation) &&
	    !(c & CGROUP_MEMORY))
		return err_setc(e, ERR_INVALID, fmt, "--memory", "memory");
	if (l->memory_swap > 0 && !sys->swap)
		return err_setc(e, ERR_INVALID,
				"--memory-swap: swap accounting is disabled");
	if ((l->cpu_quota_us || l->cpu_period_us || l->cpu_shares) &&
	    !(c & CGROUP_CPU))
		return err_setc(e, ERR_INVALID, fmt, "--cpus", "cpu");
	if (l->cpuset_cpus[0] && !(c & CGROUP_CPUSET))
		return err_setc(e, ERR_INVALID, fmt, "--cpuset-cpus",
				"cpuset");
	if (l->cpuset_mems[0] && !(c & CGROUP_CPUSET))
		return err_setc(e, ERR_INVALID, fmt, "--cpuset-mems",
				"cpuset");
	if (l->has_swappiness && sys->version == 1 && !(c & CGROUP_MEMORY))
		return err_setc(e, ERR_INVALID, fmt, "--memory-swappiness",
				"memory");
	if (l->pids_limit && !(c & CGROUP_PIDS))
		return err_setc(e, ERR_INVALID, fmt, "--pids-limit", "pids");
	return 0;
}

/* ---- struct cgroup ---- */

/* A relative path of plain names: no leading '/', no "." or "..". */
static int cgroup_path_valid(const char *path, struct err *e)
{
	const char *p = path;

	if (!*p || *p == '/' || strlen(p) > 1024)
		return err_setc(e, ERR_INVALID, "cgroup path \"%s\": invalid",
				path);
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.') ||
		    memchr(p, '\n', n))
			return err_setc(e, ERR_INVALID,
					"cgroup path \"%s\": invalid", path);
		p += n;
		if (*p == '/' && !*++p)
			return err_setc(e, ERR_INVALID,
					"cgroup path \"%s\": trailing /", path);
	}
	return 0;
}

static struct cgroup *cgroup_new(const struct cgroup_sys *sys,
				 const char *path, struct err *e)
{
	struct cgroup *cg;
	struct cgdir d;

	if (cgroup_path_valid(path, e) < 0)
		return NULL;
	if (sys->nhier == 0 || sys->nhier > CGROUP_HIER_MAX || !sys->ops)
		return err_setc(e, ERR_INVALID, "cgroup %s: no hierarchy",
				path), NULL;
	cg = xcalloc(1, sizeof(*cg));
	cg->sys = sys;
	cg->oom_fd = -1;
	cg->path = xstrdup(path);
	cg->ndir = sys->nhier;
	for (size_t i = 0; i < cg->ndir; i++)
		if (!cgroup_dir(cg, i, &d)) {
			cgroup_free(cg);
			return err_setc(e, ERR_INVALID, "cgroup %s: path too "
					"long", path), NULL;
		}
	return cg;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	if (cg->oom_fd >= 0)
		close(cg->oom_fd);
	free(cg->path);
	free(cg);
}

const char *cgroup_path(const struct cgroup *cg)
{
	return cg->path;
}

const char *cgroup_dir(const struct cgroup *cg, size_t h, struct cgdir *d)
{
	int n = snprintf(d->s, sizeof(d->s), "%s/%s", cg->sys->hier[h].mount,
			 cg->path);

	return n > 0 && (size_t)n < sizeof(d->s) ? d->s : NULL;
}

const char *cgroup_dir_for(const struct cgroup *cg, unsigned ctrl,
			   struct cgdir *d)
{
	for (size_t i = 0; i < cg->ndir; i++)
		if (cg->sys->hier[i].controllers & ctrl)
			return cgroup_dir(cg, i, d);
	return NULL;
}

/* mkdir every component of cg->path in hierarchy h; the last one must be
 * new. *made tells whether the leaf was created (for rollback). */
static int cgroup_mkpath(struct cgroup *cg, size_t h, bool *made,
			 struct err *e)
{
	const struct cgroup_sys *sys = cg->sys;
	char dir[PATH_MAX], parent[PATH_MAX];
	const char *p = cg->path;
	size_t len;

	*made = false;
	len = (size_t)snprintf(dir, sizeof(dir), "%s", sys->hier[h].mount);
	while (*p) {
		size_t n = strcspn(p, "/");
		bool leaf = !p[n];

		memcpy(parent, dir, len + 1);
		if (len + 1 + n >= sizeof(dir))
			return err_setc(e, ERR_INVALID, "path too long");
		dir[len++] = '/';
		memcpy(dir + len, p, n);
		len += n;
		dir[len] = '\0';
		if (mkdir(dir, 0755) < 0 && (errno != EEXIST || leaf))
			return err_set(e, errno, "mkdir %s", dir);
		*made = leaf;
		if (sys->ops->init_dir(sys, h, parent, dir, e) < 0)
			return -1;
		p += n + (p[n] == '/');
	}
	return 0;
}

/* Remove the leaf directories this process created (create's rollback). */
static void cgroup_rollback(struct cgroup *cg, const bool *made)
{
	struct cgdir d;

	for (size_t i = 0; i < cg->ndir; i++)
		if (made[i])
			rmdir(cgroup_dir(cg, i, &d));
}

struct cgroup *cgroup_create(const struct cgroup_sys *sys, const char *path,
			     const struct cgroup_limits *l, struct err *e)
{
	struct cgroup *cg;
	bool made[CGROUP_HIER_MAX] = { false };

	if (cgroup_limits_valid(l, e) < 0 ||
	    cgroup_limits_supported(sys, l, e) < 0)
		return NULL;
	cg = cgroup_new(sys, path, e);
	if (!cg)
		return NULL;
	for (size_t i = 0; i < cg->ndir; i++)
		if (cgroup_mkpath(cg, i, &made[i], e) < 0)
			goto fail;
	if (sys->ops->apply(cg, l, e) < 0)
		goto fail;
	return cg;
fail:
	cgroup_rollback(cg, made);
	cgroup_free(cg);
	err_wrap(e, "cgroup %s", path);
	return NULL;
}

struct cgroup *cgroup_open(const struct cgroup_sys *sys, const char *path,
			   struct err *e)
{
	struct cgdir d;
	struct cgroup *cg = cgroup_new(sys, path, e);
	struct stat st;

	if (!cg)
		return NULL;
	for (size_t i = 0; i < cg->ndir; i++) {
		int r = stat(cgroup_dir(cg, i, &d), &st);

		if (r == 0 && S_ISDIR(st.st_mode))
			continue;
		err_set(e, r < 0 ? errno : ENOTDIR, "cgroup %s: %s", path,
			cgroup_dir(cg, i, &d));
		cgroup_free(cg);
		return NULL;
	}
	return cg;
}

struct cgroup *cgroup_of(const struct cgroup_sys *sys, const char *path,
			 struct err *e)
{
	return cgroup_new(sys, path, e);
}

int cgroup_dirfd(struct cgroup *cg, struct err *e)
{
	struct cgdir d;
	int fd;

	if (cg->sys->version != 2)
		return err_setc(e, ERR_INVALID,
				"cgroup %s: a directory fd is for cgroup v2 only",
				cg->path);
	fd = open(cgroup_dir(cg, 0, &d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "cgroup %s: open %s", cg->path,
			       cgroup_dir(cg, 0, &d));
	return fd;
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct err *e)
{
	struct cgdir d;

	for (size_t i = 0; i < cg->ndir; i++)
		if (cgroup_writef(e, cgroup_dir(cg, i, &d), "cgroup.procs",
				  "%d", (int)pid) < 0)
			return err_wrap(e, "cgroup %s: enter %s", cg->path,
					cgroup_dir(cg, i, &d));
	return 0;
}

int cgroup_update(struct cgroup *cg, const struct cgroup_limits *l,
		  struct err *e)
{
	if (cgroup_limits_valid(l, e) < 0 ||
	    cgroup_limits_supported(cg->sys, l, e) < 0)
		return -1;
	if (cg->sys->ops->apply(cg, l, e) < 0)
		return err_wrap(e, "cgroup %s: update", cg->path);
	return 0;
}

int cgroup_freeze(struct cgroup *cg, bool freeze, struct err *e)
{
	if (!(cg->sys->controllers & CGROUP_FREEZER))
		return err_setc(e, ERR_INVALID,
				"cgroup %s: no freezer controller", cg->path);
	if (cg->sys->ops->freeze(cg, freeze, e) < 0)
		return err_wrap(e, "cgroup %s", cg->path);
	return 0;
}

int cgroup_freeze_state(struct cgroup *cg, struct err *e)
{
	int r;

	if (!(cg->sys->controllers & CGROUP_FREEZER))
		return err_setc(e, ERR_INVALID,
				"cgroup %s: no freezer controller", cg->path);
	r = cg->sys->ops->freeze_state(cg, e);
	if (r < 0)
		return err_wrap(e, "cgroup %s", cg->path);
	return r;
}

/* ---- OOM ---- */

int cgroup_oom_fd(struct cgroup *cg, struct err *e)
{
	if (cg->oom_fd >= 0)
		return cg->oom_fd;
	if (!(cg->sys->controllers & CGROUP_MEMORY))
		return err_setc(e, ERR_INVALID,
				"cgroup %s: no memory controller", cg->path);
	cg->oom_fd = cg->sys->ops->oom_open(cg, e);
	if (cg->oom_fd < 0)
		return err_wrap(e, "cgroup %s: OOM notification", cg->path);
	return cg->oom_fd;
}

void cgroup_oom_ack(struct cgroup *cg)
{
	/* Aligned for inotify records; 8 bytes would do for an eventfd. */
	char buf[4096] __attribute__((aligned(8)));

	if (cg->oom_fd < 0)
		return;
	while (read(cg->oom_fd, buf, sizeof(buf)) > 0)
		;
}

int cgroup_oom_count(struct cgroup *cg, uint64_t *count, struct err *e)
{
	if (!(cg->sys->controllers & CGROUP_MEMORY))
		return err_setc(e, ERR_INVALID,
				"cgroup %s: no memory controller", cg->path);
	if (cg->sys->ops->oom_count(cg, count, e) < 0)
		return err_wrap(e, "cgroup %s", cg->path);
	return 0;
}

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *st, struct err *e)
{
	struct cgdir d;

	memset(st, 0, sizeof(*st));
	if (access(cgroup_dir(cg, 0, &d), F_OK) < 0)
		return err_set(e, errno, "cgroup %s", cg->path);
	if (cg->sys->ops->stats(cg, st, e) < 0)
		return err_wrap(e, "cgroup %s: stats", cg->path);
	return 0;
}

/* ---- processes ---- */

/* Parse a cgroup.procs listing into a malloc'd array. */
static int cgroup_parse_pids(const char *s, pid_t **out, size_t *n,
			     struct err *e)
{
	size_t cap = 0, len = 0;
	pid_t *v = NULL;

	while (*s) {
		char *end;
		long pid = strtol(s, &end, 10);

		if (end == s)
			break;
		if (len == cap) {
			pid_t *t = realloc(v, (cap = cap ? cap * 2 : 32) *
						      sizeof(*v));
			if (!t) {
				free(v);
				return err_set(e, ENOMEM, "cgroup.procs");
			}
			v = t;
		}
		v[len++] = (pid_t)pid;
		s = end + strspn(end, "\n");
	}
	*out = v;
	*n = len;
	return 0;
}

static int cgroup_dir_pids(const char *dir, pid_t **pids, size_t *n,
			   struct err *e)
{
	_cleanup_free_ char *s = cgroup_read_all(dir, "cgroup.procs", e);

	if (!s)
		return -1;
	return cgroup_parse_pids(s, pids, n, e);
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct err *e)
{
	struct cgdir d;

	if (cgroup_dir_pids(cgroup_dir(cg, 0, &d), pids, n, e) < 0)
		return err_wrap(e, "cgroup %s", cg->path);
	return 0;
}

static bool cgroup_pid_in(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

int cgroup_signal_each(const char *dir, int sig, struct err *e)
{
	_cleanup_free_ pid_t *done = NULL;
	size_t ndone = 0;

	for (int pass = 0; pass < 8; pass++) {
		_cleanup_free_ pid_t *v = NULL;
		size_t n, fresh = 0;

		if (cgroup_dir_pids(dir, &v, &n, e) < 0)
			return -1;
		pid_t *t = realloc(done, (ndone + n + 1) * sizeof(*done));
		if (!t)
			return err_set(e, ENOMEM, "signal");
		done = t;
		for (size_t i = 0; i < n; i++) {
			if (cgroup_pid_in(done, ndone, v[i]))
				continue;
			if (kill(v[i], sig) < 0 && errno != ESRCH)
				return err_set(e, errno, "kill %d", (int)v[i]);
			done[ndone++] = v[i];
			fresh++;
		}
		if (!fresh || sig != SIGKILL)
			break;
	}
	return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct err *e)
{
	if (cg->sys->ops->kill(cg, sig, e) < 0)
		return err_wrap(e, "cgroup %s: kill", cg->path);
	return 0;
}

/* Call fn on each sub-cgroup (subdirectory) of dir, stopping at the
 * first failure. A dir that vanished has none. */
static int cgroup_each_sub(const char *dir,
			   int (*fn)(const char *sub, int sig, struct err *e),
			   int sig, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : err_set(e, errno, "open %s", dir);
	while (r == 0 && (de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		if (cgroup_join(sub, sizeof(sub), dir, de->d_name, e) < 0 ||
		    fn(sub, sig, e) < 0)
			r = -1;
	}
	closedir(d);
	return r;
}

int cgroup_signal_tree(const char *dir, int sig, struct err *e)
{
	if (cgroup_signal_each(dir, sig, e) < 0)
		return -1;
	return cgroup_each_sub(dir, cgroup_signal_tree, sig, e);
}

/* ---- destroy ---- */

/* SIGKILL what is in dir (thawing a v1 freezer cgroup the container may
 * have frozen itself), remove its sub-cgroups, then dir. */
static int cgroup_rmtree(const char *dir, int sig, struct err *e)
{
	if (cgroup_exists(dir, "freezer.state"))
		cgroup_write(dir, "freezer.state", "THAWED", NULL);
	if (cgroup_signal_each(dir, SIGKILL, e) < 0 && e->code != ENOENT)
		return -1;
	if (cgroup_each_sub(dir, cgroup_rmtree, sig, e) < 0)
		return -1;
	/* Killed tasks leave the cgroup as they exit: a short grace. */
	for (int i = 0; rmdir(dir) < 0; i++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i == 20)
			return err_set(e, errno, "rmdir %s", dir);
		nanosleep(&(struct timespec){ .tv_nsec = 500000 }, NULL);
	}
	return 0;
}

int cgroup_destroy(struct cgroup *cg, struct err *e)
{
	struct cgdir d;
	struct err ke = ERR_INIT;

	/* Thaws a v1 freezer and uses cgroup.kill where there is one; a
	 * failure here still leaves rmtree to signal pid by pid. */
	if (access(cgroup_dir(cg, 0, &d), F_OK) == 0)
		cg->sys->ops->kill(cg, SIGKILL, &ke);
	for (size_t i = 0; i < cg->ndir; i++)
		if (cgroup_rmtree(cgroup_dir(cg, i, &d), SIGKILL, e) < 0)
			return err_wrap(e, "cgroup %s: destroy", cg->path);
	return 0;
}
