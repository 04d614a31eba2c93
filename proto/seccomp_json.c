/* seccomp_json.c - Docker seccomp profile JSON into struct oci_seccomp.
 *
 * Owns only the oci_seccomp it returns (free with ocispec_seccomp_free).
 * Entries whose includes/excludes conditions don't hold for the given
 * capabilities, architecture and kernel are validated and then dropped. */
#include "seccomp_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"

const char *seccomp_json_go_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#else
	return "unknown";
#endif
}

/* Go arch names to libseccomp's. */
static const char *const arch_map[][2] = {
    {"amd64", "SCMP_ARCH_X86_64"},    {"386", "SCMP_ARCH_X86"},
    {"x86", "SCMP_ARCH_X86"},	      {"x32", "SCMP_ARCH_X32"},
    {"arm64", "SCMP_ARCH_AARCH64"},   {"arm", "SCMP_ARCH_ARM"},
    {"riscv64", "SCMP_ARCH_RISCV64"}, {"s390x", "SCMP_ARCH_S390X"},
    {"s390", "SCMP_ARCH_S390"},	      {"ppc64le", "SCMP_ARCH_PPC64LE"},
};

static const char *scmp_arch_of(const char *go)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_map); i++)
		if (strcmp(arch_map[i][0], go) == 0)
			return arch_map[i][1];
	return NULL;
}

const char *seccomp_json_scmp_arch(void)
{
	const char *s = scmp_arch_of(seccomp_json_go_arch());

	return s ? s : "SCMP_ARCH_NATIVE";
}

struct sj {
	struct jt t;
	const struct strv *caps;
	const char *arch; /* Go name */
	unsigned kmaj, kmin;
};

static bool has_cap(const struct sj *p, const char *cap)
{
	return p->caps && strv_contains(p->caps, cap);
}

/* "4.8" against the running kernel; unparsable versions are errors. */
static int kernel_at_least(struct sj *p, const char *ver, bool *out)
{
	unsigned maj, min;
	int n = 0;

	if (sscanf(ver, "%u.%u%n", &maj, &min, &n) != 2 || ver[n])
		return jt_fail(&p->t, "expected a kernel version like 4.8");
	*out = !p->kmaj || p->kmaj > maj || (p->kmaj == maj && p->kmin >= min);
	return 0;
}

/* Evaluate includes (want=true: every condition must hold) or excludes
 * (want=false: any condition holding drops the entry) at t's path. */
static int cond_eval(struct sj *p, yajl_val v, bool include, bool *keep)
{
	_cleanup_free_ char *minkernel = NULL;
	struct strv caps = {0}, arches = {0};
	bool hit = false, ok = true, newer = true;
	int r = -1;

	if (jt_want_obj(&p->t, v) < 0 ||
	    jt_opt_strv(&p->t, v, "caps", &caps) < 0 ||
	    jt_opt_strv(&p->t, v, "arches", &arches) < 0 ||
	    jt_opt_str(&p->t, v, "minKernel", &minkernel) < 0)
		goto out;
	for (size_t i = 0; i < caps.n; i++) {
		ok = ok && has_cap(p, caps.v[i]);
		hit = hit || has_cap(p, caps.v[i]);
	}
	if (arches.n) {
		bool in = strv_contains(&arches, p->arch);
		ok = ok && in;
		hit = hit || in;
	}
	if (minkernel) {
		size_t m = jt_key(&p->t, "minKernel");
		if (kernel_at_least(p, minkernel, &newer) < 0)
			goto out;
		jt_pop(&p->t, m);
		ok = ok && newer;
		hit = hit || newer;
	}
	*keep = include ? ok : !hit;
	r = 0;
out:
	strv_free(&caps);
	strv_free(&arches);
	return r;
}

static int cond_member(struct sj *p, yajl_val v, const char *key, bool include,
		       bool *keep)
{
	yajl_val c = jt_get(v, key);
	size_t m;
	bool k = true;

	if (!c)
		return 0;
	m = jt_key(&p->t, key);
	if (cond_eval(p, c, include, &k) < 0)
		return -1;
	jt_pop(&p->t, m);
	*keep = *keep && k;
	return 0;
}

static int entry_read(struct sj *p, yajl_val v, struct oci_seccomp *out)
{
	struct oci_scmp_rule r = {0};
	bool keep = true;
	int ret = -1;

	if (ocispec_scmp_rule_read(&p->t, v, &r) < 0 ||
	    cond_member(p, v, "includes", true, &keep) < 0 ||
	    cond_member(p, v, "excludes", false, &keep) < 0)
		goto out;
	if (keep && ocispec_scmp_rule_add(out, &r) < 0) {
		err_set(p->t.e, ENOMEM, "%s", p->t.path);
		goto out;
	}
	ret = 0;
out:
	strv_free(&r.names);
	free(r.args);
	return ret;
}

static int syscalls_read(struct sj *p, yajl_val root, struct oci_seccomp *s)
{
	yajl_val v = jt_get(root, "syscalls");
	size_t m;

	if (!v)
		return 0;
	m = jt_key(&p->t, "syscalls");
	if (jt_want_arr(&p->t, v) < 0)
		return -1;
	for (size_t i = 0; i < v->u.array.len; i++) {
		size_t mi = jt_idx(&p->t, i);
		if (entry_read(p, v->u.array.values[i], s) < 0)
			return -1;
		jt_pop(&p->t, mi);
	}
	jt_pop(&p->t, m);
	return 0;
}

/* One archMap entry: if it is the native one, add it and its sub-arches. */
static int archmap_entry(struct sj *p, yajl_val v, struct oci_seccomp *s)
{
	_cleanup_free_ char *arch = NULL;
	struct strv subs = {0};
	const char *native = scmp_arch_of(p->arch);
	int r = -1;

	if (jt_want_obj(&p->t, v) < 0 ||
	    jt_opt_str(&p->t, v, "architecture", &arch) < 0 ||
	    jt_opt_strv(&p->t, v, "subArchitectures", &subs) < 0)
		goto out;
	r = 0;
	if (!arch || !native || strcmp(arch, native) != 0)
		goto out;
	if (strv_push(&s->architectures, arch) < 0)
		r = err_set(p->t.e, ENOMEM, "%s", p->t.path);
	for (size_t i = 0; r == 0 && i < subs.n; i++)
		if (strv_push(&s->architectures, subs.v[i]) < 0)
			r = err_set(p->t.e, ENOMEM, "%s", p->t.path);
out:
	strv_free(&subs);
	return r;
}

static int archmap_read(struct sj *p, yajl_val root, struct oci_seccomp *s)
{
	yajl_val v = jt_get(root, "archMap");
	size_t m;

	if (!v)
		return jt_opt_strv(&p->t, root, "architectures",
				   &s->architectures);
	m = jt_key(&p->t, "archMap");
	if (jt_want_arr(&p->t, v) < 0)
		return -1;
	for (size_t i = 0; i < v->u.array.len; i++) {
		size_t mi = jt_idx(&p->t, i);
		if (archmap_entry(p, v->u.array.values[i], s) < 0)
			return -1;
		jt_pop(&p->t, mi);
	}
	jt_pop(&p->t, m);
	return 0;
}

static int default_read(struct sj *p, yajl_val root, struct oci_seccomp *s)
{
	_cleanup_free_ char *act = NULL;

	if (!jt_get(root, "defaultAction")) {
		jt_key(&p->t, "defaultAction");
		return jt_fail(&p->t, "required");
	}
	if (jt_opt_str(&p->t, root, "defaultAction", &act) < 0)
		return -1;
	if (ocispec_scmp_action_parse(act, &s->default_action) < 0) {
		jt_key(&p->t, "defaultAction");
		return err_setc(p->t.e, ERR_INVALID, "%s: unknown value \"%s\"",
				p->t.path, act);
	}
	if (jt_get(root, "defaultErrnoRet")) {
		s->has_default_errno_ret = true;
		return jt_opt_u32(&p->t, root, "defaultErrnoRet",
				  &s->default_errno_ret);
	}
	return 0;
}

int seccomp_json_parse(const char *json, size_t len,
		       const struct seccomp_json_ctx *ctx,
		       struct oci_seccomp **out, struct err *e)
{
	struct sj p = {.caps = ctx ? ctx->caps : NULL};
	struct oci_seccomp *s;
	yajl_val root;
	int r = -1;

	*out = NULL;
	p.arch = ctx && ctx->arch ? ctx->arch : seccomp_json_go_arch();
	p.kmaj = ctx ? ctx->kernel_major : 0;
	p.kmin = ctx ? ctx->kernel_minor : 0;
	jt_init(&p.t, e);
	root = jt_parse(json, len, e);
	if (!root)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		err_set(e, ENOMEM, "seccomp profile");
		goto out;
	}
	if (jt_want_obj(&p.t, root) < 0 || default_read(&p, root, s) < 0 ||
	    archmap_read(&p, root, s) < 0 || syscalls_read(&p, root, s) < 0)
		goto out;
	*out = steal_ptr(&s);
	r = 0;
out:
	ocispec_seccomp_free(s);
	yajl_tree_free(root);
	return r;
}
