/* specgen.c - Docker's defaults as an OCI spec (see specgen.h).
 *
 * Owns only the spec it returns (free with ocispec_free). */
#include "specgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../proto/seccomp_json.h"
#include "caps.h"
#include "devspec.h"
#include "kernopts.h"
#include "mounts.h"
#include "seccomp.h"

#define SPECGEN_PATH                                                           \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int specgen_strdup(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

static bool env_has(const struct strv *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return true;
	return false;
}

/* args, env (with Docker's PATH, HOSTNAME and TERM), cwd, user. */
static int specgen_process(const struct specgen_opts *o, struct oci_process *p)
{
	char host[300];

	for (const char *const *a = o->args; *a; a++)
		if (strv_push(&p->args, *a) < 0)
			return -1;
	for (const char *const *v = o->env; v && *v; v++)
		if (strv_push(&p->env, *v) < 0)
			return -1;
	if (!env_has(&p->env, "PATH") && strv_push(&p->env, SPECGEN_PATH) < 0)
		return -1;
	snprintf(host, sizeof(host), "HOSTNAME=%s",
		 o->hostname ? o->hostname : "");
	if (o->hostname && !env_has(&p->env, "HOSTNAME") &&
	    strv_push(&p->env, host) < 0)
		return -1;
	if (o->terminal && !env_has(&p->env, "TERM") &&
	    strv_push(&p->env, "TERM=xterm") < 0)
		return -1;
	p->terminal = o->terminal;
	p->no_new_privileges = o->no_new_privileges;
	if (specgen_strdup(&p->cwd, o->cwd ? o->cwd : "/") < 0)
		return -1;
	return specgen_strdup(&p->user.username, o->user);
}

static int specgen_namespaces(const struct specgen_opts *o,
			      struct oci_spec *s)
{
	static const char *const ns[] = {"pid", "network", "ipc",
					 "uts", "mount",   "cgroup"};
	const bool host[] = {o->host_pid, o->host_net, o->host_ipc,
			     o->host_uts, false, o->host_cgroupns};

	s->namespaces = calloc(ARRAY_SIZE(ns), sizeof(*s->namespaces));
	if (!s->namespaces)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++)
		if (!host[i] &&
		    specgen_strdup(&s->namespaces[s->n_namespaces++].type,
				   ns[i]) < 0)
			return -1;
	return 0;
}

/* --ipc none: no /dev/shm; --ipc host: the host's, bound. */
static int specgen_ipc(const struct specgen_opts *o, struct oci_spec *s,
		       struct err *e)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct oci_mount *m = &s->mounts[i];
		if (strcmp(m->destination, "/dev/shm") != 0)
			continue;
		if (o->ipc_none) {
			free(m->destination), free(m->type), free(m->source);
			strv_free(&m->options);
			s->mounts[i] = s->mounts[--s->n_mounts];
			return 0;
		}
		if (!o->host_ipc)
			return 0;
		free(m->type), free(m->source);
		strv_free(&m->options);
		if (specgen_strdup(&m->type, "bind") < 0 ||
		    specgen_strdup(&m->source, "/dev/shm") < 0 ||
		    strv_push(&m->options, "rbind") < 0)
			return err_set(e, ENOMEM, "ipc");
		return 0;
	}
	return 0;
}

static struct oci_mount *specgen_mount_new(struct oci_spec *s)
{
	struct oci_mount *v =
	    realloc(s->mounts, (s->n_mounts + 1) * sizeof(*v));

	if (!v)
		return NULL;
	s->mounts = v;
	return memset(&v[s->n_mounts++], 0, sizeof(*v));
}

/* Split "a,b,c" onto out. */
static int push_opts(struct strv *out, const char *opts)
{
	_cleanup_free_ char *copy = strdup(opts);
	char *save = NULL;

	if (!copy)
		return -1;
	for (char *o = strtok_r(copy, ",", &save); o;
	     o = strtok_r(NULL, ",", &save))
		if (strv_push(out, o) < 0)
			return -1;
	return 0;
}

static int specgen_tmpfs(struct oci_spec *s, const char *arg, struct err *e)
{
	_cleanup_free_ char *dest = strdup(arg);
	struct oci_mount *m;
	char *opts;

	if (!dest)
		return err_set(e, ENOMEM, "tmpfs");
	opts = strchr(dest, ':');
	if (opts)
		*opts++ = '\0';
	if (dest[0] != '/')
		return err_setc(e, ERR_INVALID,
				"tmpfs %s: path must be absolute", arg);
	m = specgen_mount_new(s);
	if (!m || specgen_strdup(&m->type, "tmpfs") < 0 ||
	    specgen_strdup(&m->source, "tmpfs") < 0 ||
	    push_opts(&m->options, "nosuid,nodev,noexec") < 0 ||
	    (opts && push_opts(&m->options, opts) < 0))
		return err_set(e, ENOMEM, "tmpfs");
	m->destination = steal_ptr(&dest);
	return 0;
}

static int specgen_bind(struct oci_spec *s, const char *arg, struct err *e)
{
	_cleanup_free_ char *src = strdup(arg);
	struct oci_mount *m;
	char *dest, *opts;

	if (!src)
		return err_set(e, ENOMEM, "bind");
	dest = strchr(src, ':');
	if (!dest || src[0] != '/' || dest[1] != '/')
		return err_setc(e, ERR_INVALID,
				"volume %s: want /SRC:/DST[:OPTIONS]", arg);
	*dest++ = '\0';
	opts = strchr(dest, ':');
	if (opts)
		*opts++ = '\0';
	m = specgen_mount_new(s);
	if (!m || specgen_strdup(&m->type, "bind") < 0 ||
	    specgen_strdup(&m->destination, dest) < 0 ||
	    strv_push(&m->options, "rbind") < 0 ||
	    (opts && push_opts(&m->options, opts) < 0))
		return err_set(e, ENOMEM, "bind");
	m->source = steal_ptr(&src);
	return 0;
}

/* Docker's defaults; privileged drops masks and makes /sys writable. */
static int specgen_mounts(const struct specgen_opts *o, struct oci_spec *s,
			  struct err *e)
{
	if (mounts_add_defaults(s, e) < 0)
		return -1;
	if (o->privileged) {
		strv_free(&s->masked_paths);
		strv_free(&s->readonly_paths);
		for (size_t i = 0; i < s->n_mounts; i++) {
			struct strv *opts = &s->mounts[i].options;
			if (strcmp(s->mounts[i].destination, "/sys") != 0)
				continue;
			for (size_t j = 0; j < opts->n; j++)
				if (strcmp(opts->v[j], "ro") == 0)
					opts->v[j][1] = 'w';
		}
	}
	for (size_t i = 0; o->tmpfs && i < o->tmpfs->n; i++)
		if (specgen_tmpfs(s, o->tmpfs->v[i], e) < 0)
			return -1;
	for (size_t i = 0; o->binds && i < o->binds->n; i++)
		if (specgen_bind(s, o->binds->v[i], e) < 0)
			return -1;
	return 0;
}

static int specgen_security(const struct specgen_opts *o, struct oci_spec *s,
			    struct err *e)
{
	struct seccomp_json_ctx ctx = {.kernel_major = o->kernel_major,
				       .kernel_minor = o->kernel_minor};
	uint64_t mask;

	if (o->privileged)
		mask = caps_own_bounding_mask();
	else if (caps_docker_mask(o->cap_add, o->cap_drop, &mask, e) < 0)
		return -1;
	if (caps_fill_spec(&s->process, mask, e) < 0)
		return -1;
	if (o->privileged || o->seccomp_unconfined)
		return 0;
	if (!o->seccomp_json)
		return seccomp_default_spec(mask, &s->seccomp, e);
	ctx.caps = &s->process.caps[OCI_CAP_BOUNDING];
	if (seccomp_json_parse(o->seccomp_json, o->seccomp_json_len, &ctx,
			       &s->seccomp, e) < 0)
		return err_wrap(e, "seccomp profile");
	return 0;
}

static int specgen_devices(const struct specgen_opts *o, struct oci_spec *s,
			   struct err *e)
{
	if (devspec_defaults(s, o->privileged, e) < 0)
		return -1;
	for (size_t i = 0; o->devices && i < o->devices->n; i++)
		if (devspec_add_device(s, o->devices->v[i], e) < 0)
			return -1;
	for (size_t i = 0; o->device_rules && i < o->device_rules->n; i++)
		if (devspec_add_rule(s, o->device_rules->v[i], e) < 0)
			return -1;
	return 0;
}

/* --shm-size: the size= of the default /dev/shm mount. */
static int specgen_shm(const struct specgen_opts *o, struct oci_spec *s,
		       struct err *e)
{
	char size[40];

	if (o->shm_size < 0)
		return err_setc(e, ERR_INVALID, "--shm-size %lld: must be "
				"positive", (long long)o->shm_size);
	snprintf(size, sizeof(size), "size=%lld", (long long)o->shm_size);
	for (size_t i = 0; o->shm_size && i < s->n_mounts; i++) {
		struct strv *opts = &s->mounts[i].options;
		if (strcmp(s->mounts[i].destination, "/dev/shm") != 0)
			continue;
		for (size_t j = 0; j < opts->n; j++)
			if (!strncmp(opts->v[j], "size=", 5)) {
				free(opts->v[j]);
				if (!(opts->v[j] = strdup(size)))
					return err_set(e, ENOMEM, "shm");
			}
	}
	return 0;
}

/* rlimits, sysctls, OOM score, extra groups, /dev/shm's size. */
static int specgen_kernel(const struct specgen_opts *o, struct oci_spec *s,
			  struct err *e)
{
	struct oci_process *p = &s->process;

	for (size_t i = 0; o->ulimits && i < o->ulimits->n; i++)
		if (kernopts_ulimit(p, o->ulimits->v[i], e) < 0)
			return -1;
	for (size_t i = 0; o->sysctls && i < o->sysctls->n; i++)
		if (kernopts_sysctl(s, o->sysctls->v[i], o->host_net, e) < 0)
			return -1;
	if (o->has_oom_score_adj &&
	    (o->oom_score_adj < -1000 || o->oom_score_adj > 1000))
		return err_setc(e, ERR_INVALID,
				"--oom-score-adj %d: must be -1000..1000",
				o->oom_score_adj);
	p->has_oom_score_adj = o->has_oom_score_adj;
	p->oom_score_adj = o->oom_score_adj;
	for (size_t i = 0; o->group_add && i < o->group_add->n; i++) {
		const char *g = o->group_add->v[i];
		if (!*g || strchr(g, ':') || strchr(g, '\n'))
			return err_setc(e, ERR_INVALID,
					"invalid --group-add \"%s\"", g);
		if (strv_push(&p->user.group_names, g) < 0)
			return err_set(e, ENOMEM, "--group-add");
	}
	return specgen_shm(o, s, e);
}

static int specgen_fill(const struct specgen_opts *o, struct oci_spec *s,
			struct err *e)
{
	if (!o->args || !o->args[0])
		return err_setc(e, ERR_INVALID, "no command given");
	s->has_process = true;
	if (specgen_process(o, &s->process) < 0 ||
	    specgen_strdup(&s->root_path, o->rootfs) < 0 ||
	    specgen_strdup(&s->hostname, o->hostname) < 0 ||
	    specgen_strdup(&s->domainname, o->domainname) < 0 ||
	    specgen_strdup(&s->cgroups_path, o->cgroups_path) < 0 ||
	    specgen_namespaces(o, s) < 0)
		return err_set(e, ENOMEM, "spec");
	s->root_readonly = o->read_only;
	if (specgen_mounts(o, s, e) < 0 || specgen_ipc(o, s, e) < 0 ||
	    specgen_devices(o, s, e) < 0 ||
	    specgen_kernel(o, s, e) < 0)
		return -1;
	return specgen_security(o, s, e);
}

int specgen_build(const struct specgen_opts *o, struct oci_spec **out,
		  struct err *e)
{
	struct oci_spec *s = ocispec_new();

	*out = NULL;
	if (!s)
		return err_set(e, ENOMEM, "spec");
	if (specgen_fill(o, s, e) < 0) {
		ocispec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}
