/* cmds.c - the supervisor's verbs and its struct module.
 *
 * Handlers validate, find containers and call lifecycle actions; requests
 * that must wait (start, stop, wait, rm -f of a running container) end
 * later through ctl_req_finish(). Owns nothing long-lived but the module
 * table entry and the cgroup facts read at init. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../core/diskuse.h"
#include "../../core/host.h"
#include "../../core/module.h"
#include "../iface/netsvc.h"
#include "../iface/imagesvc.h"
#include "../../fs/specgen.h"
#include "../../proto/ociimage.h"
#include "../../proto/reference.h"
#include "ctrlog.h"
#include "ctrspawn.h"
#include "exec.h"
#include "../../proto/units.h"
#include "supervisor.h"
#include "../../core/base/xalloc.h"

#define DEFAULT_PATH \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- create / run ---- */

/* skiff-init beside skiffd, for --init (found at module init). */
static char init_path[4096];

/* A NULL-terminated view of s (the strings stay s's). */
static const char **nullterm(const struct strv *s)
{
	const char **v = xcalloc(s->n + 1, sizeof(*v));

	for (size_t i = 0; i < s->n; i++)
		v[i] = s->v[i];
	return v;
}

static void strv_from(struct strv *out, const struct strlist *l)
{
	for (int i = 0; i < l->n; i++)
		strv_push(out, l->v[i]);
}

static int apply_secopts(const struct create_args *a, struct specgen_opts *o,
			 char **profile, struct err *e)
{
	for (int i = 0; i < a->secopt.n; i++) {
		const char *s = a->secopt.v[i];
		size_t len = 0;
		if (!strcmp(s, "no-new-privileges") ||
		    !strcmp(s, "no-new-privileges=true")) {
			o->no_new_privileges = true;
		} else if (!strcmp(s, "no-new-privileges=false")) {
			o->no_new_privileges = false;
		} else if (!strcmp(s, "seccomp=unconfined")) {
			o->seccomp_unconfined = true;
		} else if (!strncmp(s, "seccomp=", 8)) {
			_cleanup_fclose_ FILE *f = fopen(s + 8, "re");
			free(*profile);
			*profile = f ? malloc(1024 * 1024) : NULL;
			if (*profile)
				len = fread(*profile, 1, 1024 * 1024 - 1, f);
			if (!f || !*profile || ferror(f))
				return err_set(e, errno ? errno : EIO,
					       "seccomp profile %s", s + 8);
			(*profile)[len] = '\0';
			o->seccomp_json = *profile;
			o->seccomp_json_len = len;
		} else {
			return err_setc(e, ERR_INVALID,
					"invalid --security-opt \"%s\" (use "
					"seccomp=unconfined|PATH or "
					"no-new-privileges)", s);
		}
	}
	return 0;
}

/* --memory-swappiness 0..100 (-1: Docker's "unset"); v2 has no
 * per-cgroup swappiness: discarded with Docker's words. */
static int parse_swappiness(const char *s, struct cgroup_limits *l,
			    struct err *e)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < -1 || v > 100)
		return err_setc(e, ERR_INVALID,
				"invalid --memory-swappiness \"%s\": a value "
				"between 0 and 100", s);
	if (v < 0)
		return 0;
	if (ctr_cgroups.version == 2) {
		log_warn("Your kernel does not support memory swappiness "
			 "capabilities or the cgroup is not mounted. Memory "
			 "swappiness discarded.");
		return 0;
	}
	l->has_swappiness = true;
	l->swappiness = (uint8_t)v;
	return 0;
}

static int parse_limits(const struct create_args *a, struct cgroup_limits *l,
			bool creating, struct err *e)
{
	memset(l, 0, sizeof(*l));
	l->memory = a->memory;
	l->memory_reservation = a->memory_reservation;
	if (a->memory_swap && !strcmp(a->memory_swap, "-1"))
		l->memory_swap = CGROUP_UNLIMITED;
	else if (a->memory_swap &&
		 cmd_parse_size(a->memory_swap, &l->memory_swap) < 0)
		return err_setc(e, ERR_INVALID, "invalid --memory-swap \"%s\"",
				a->memory_swap);
	if (creating && l->memory && !l->memory_swap && ctr_cgroups.swap)
		l->memory_swap = 2 * l->memory; /* Docker's default */
	if (a->cpus && cgroup_parse_cpus(a->cpus, &l->cpu_quota_us,
					 &l->cpu_period_us, e) < 0)
		return err_wrap(e, "--cpus");
	if (a->cpus && (a->cpu_period || a->cpu_quota))
		return err_setc(e, ERR_INVALID,
				"conflicting options: --cpus cannot be set "
				"with --cpu-period or --cpu-quota");
	if (a->cpu_period)
		l->cpu_period_us = a->cpu_period;
	if (a->cpu_quota)
		l->cpu_quota_us = a->cpu_quota < 0 ? CGROUP_UNLIMITED
						   : a->cpu_quota;
	if (a->cpuset_mems &&
	    (cgroup_cpuset_valid(a->cpuset_mems, e) < 0 ||
	     strlen(a->cpuset_mems) >= sizeof(l->cpuset_mems)))
		return err_wrap(e, "--cpuset-mems");
	if (a->cpuset_mems)
		strcpy(l->cpuset_mems, a->cpuset_mems);
	if (a->memory_swappiness && parse_swappiness(a->memory_swappiness,
						     l, e) < 0)
		return -1;
	l->cpu_shares = (uint64_t)(a->cpu_shares > 0 ? a->cpu_shares : 0);
	if (a->cpuset && (cgroup_cpuset_valid(a->cpuset, e) < 0 ||
			  strlen(a->cpuset) >= sizeof(l->cpuset_cpus)))
		return err_wrap(e, "--cpuset-cpus");
	if (a->cpuset)
		strcpy(l->cpuset_cpus, a->cpuset);
	l->pids_limit = a->pids_limit < 0 ? CGROUP_UNLIMITED : a->pids_limit;
	if (cgroup_limits_valid(l, e) < 0)
		return -1;
	if (!ctr_have_cgroups && (l->memory || l->cpu_quota_us ||
				  l->cpu_period_us || l->cpuset_mems[0] ||
				  l->has_swappiness ||
				  l->pids_limit || l->cpu_shares))
		return err_setc(e, ERR_INVALID,
				"resource limits need cgroups, and this host "
				"has none mounted");
	return 0;
}

/* --log-opt max-size=10m / max-file=3 over the daemon's defaults. */
static int parse_log_opts(const struct strlist *l, struct ctr *c,
			  struct err *e)
{
	c->log_max_size = sup_settings.log_max_size;
	c->log_max_file = (int)sup_settings.log_max_file;
	for (int i = 0; i < l->n; i++) {
		const char *v = strchr(l->v[i], '=');
		char *end;
		long n;
		if (v && !strncmp(l->v[i], "max-size=", 9)) {
			if (cmd_parse_size(v + 1, &c->log_max_size) < 0 ||
			    c->log_max_size < 4096)
				return err_setc(e, ERR_INVALID,
						"--log-opt %s: expected a size "
						"of at least 4k", l->v[i]);
		} else if (v && !strncmp(l->v[i], "max-file=", 9)) {
			n = strtol(v + 1, &end, 10);
			if (!v[1] || *end || n < 1 || n > 100)
				return err_setc(e, ERR_INVALID,
						"--log-opt %s: expected 1 to "
						"100", l->v[i]);
			c->log_max_file = (int)n;
		} else {
			return err_setc(e, ERR_INVALID,
					"unknown --log-opt \"%s\" (use "
					"max-size= or max-file=)", l->v[i]);
		}
	}
	return 0;
}

/* An image's Labels over which --label goes, as Docker merges them. */
static char *image_labels(const struct strlist *l,
			  const struct oci_imgcfg *icfg, struct err *e)
{
	size_t n = icfg ? icfg->config.n_labels : 0;
	char **k = xcalloc(n + 1, sizeof(*k)), **v = xcalloc(n + 1, sizeof(*v));
	char *out;

	for (size_t i = 0; i < n; i++) {
		k[i] = icfg->config.labels[i].key;
		v[i] = icfg->config.labels[i].value;
	}
	out = ctr_labels_merge(l, k, v, n, e);
	free(k);
	free(v);
	return out;
}

/* The image's ExposedPorts as Docker's inspect shows them. */
static char *image_exposed(const struct oci_imgcfg *icfg)
{
	struct buf b = { 0 };
	struct jw w;

	if (!icfg || !icfg->config.exposed_ports.n)
		return NULL;
	jw_open(&w, &b);
	for (size_t i = 0; i < icfg->config.exposed_ports.n; i++) {
		jw_obj(&w, icfg->config.exposed_ports.v[i]);
		jw_end_obj(&w);
	}
	jw_close(&w);
	b.len--; /* drop the LF */
	return buf_take_str(&b); /* kept as long as the container */
}

/* "sh -c 'echo hi'"-style text of the args, for ps. */
static char *join_args(const struct strv *a)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < a->n; i++) {
		bool q = strpbrk(a->v[i], " \t'\"") || !*a->v[i];
		buf_printf(&b, "%s%s%s%s", i ? " " : "", q ? "'" : "",
			   a->v[i], q ? "'" : "");
	}
	return buf_take_str(&b); /* kept as long as the container */
}

/* args of the process: [skiff-init --], the entrypoint (--entrypoint,
 * else the image's), then the command (the positionals, else the
 * image's Cmd unless --entrypoint replaced the image's), as Docker. */
static int build_argv(const struct create_args *a,
		      const struct oci_imgcfg *img, int argc, char **argv,
		      struct strv *out, struct err *e)
{
	if (a->init) {
		if (access(init_path, X_OK) < 0)
			return err_setc(e, ERR_NOT_FOUND,
					"--init: no skiff-init at %s (it is "
					"installed beside skiffd)", init_path);
		strv_push(out, "/sbin/skiff-init");
		strv_push(out, "--");
	}
	if (a->entrypoint && *a->entrypoint)
		strv_push(out, a->entrypoint);
	else if (img && !a->entrypoint)
		for (size_t i = 0; i < img->config.entrypoint.n; i++)
			strv_push(out, img->config.entrypoint.v[i]);
	for (int i = 0; i < argc; i++)
		strv_push(out, argv[i]);
	if (!argc && img && !a->entrypoint)
		for (size_t i = 0; i < img->config.cmd.n; i++)
			strv_push(out, img->config.cmd.v[i]);
	if (out->n == (a->init ? 2u : 0u))
		return err_setc(e, ERR_INVALID,
				"no command given (usage: skiff run [OPTIONS] "
				"IMAGE|--rootfs DIR COMMAND [ARG...])");
	return 0;
}

/* K=V replaces an earlier K (the image's), else is added. */
static void env_put(struct strv *env, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, k) && env->v[i][k] == '=') {
			free(env->v[i]);
			env->v[i] = xstrdup(kv);
			return;
		}
	strv_push(env, kv);
}

/* The request's network words for the network module (netsvc.h):
 * --network and --net are one list; the host name is the container's. */
static int net_create(struct ctr *c, const struct create_args *a,
		      struct netsvc_plan *plan, struct err *e)
{
	const struct network_service *s = netsvc();
	char host[16];
	struct strlist nets = { 0 };
	int rc;

	nets.v = xcalloc((size_t)(a->network.n + a->net.n) + 1,
			 sizeof(*nets.v));
	for (int i = 0; i < a->network.n; i++)
		nets.v[nets.n++] = a->network.v[i];
	for (int i = 0; i < a->net.n; i++)
		nets.v[nets.n++] = a->net.v[i];
	snprintf(host, sizeof(host), "%.12s", c->id);
	if (!s) {
		rc = 0;
		if (nets.n && (nets.n > 1 || strcmp(nets.v[0], "none")))
			rc = err_setc(e, ERR_INVALID, "--network %s: this "
				      "skiffd has no network module (none "
				      "only)", nets.v[0]);
		free(nets.v);
		return rc;
	}
	rc = s->create(c->id, c->name, &(struct netsvc_opts){
		.network = &nets, .ip = a->ip, .ip6 = a->ip6,
		.mac = a->mac_address, .alias = &a->network_alias,
		.hostname = a->hostname ? a->hostname : host,
		.add_host = &a->add_host, .dns = &a->dns,
		.dns_search = &a->dns_search, .dns_option = &a->dns_option,
		.link = &a->link, .publish = &a->publish,
		.expose = &a->expose, .publish_all = a->publish_all,
		.image_exposed = c->exposed_json }, plan, e);
	free(nets.v);
	return rc;
}

/* Drop the spec's "network" namespace (--network host: the host's). */
static void spec_host_net(struct oci_spec *spec)
{
	for (size_t i = 0; i < spec->n_namespaces; i++)
		if (!strcmp(spec->namespaces[i].type, "network")) {
			free(spec->namespaces[i].type);
			free(spec->namespaces[i].path);
			spec->namespaces[i] =
			    spec->namespaces[--spec->n_namespaces];
			return;
		}
}

/* K=V unless K is there already (the image's under -e's). */
static void env_add_absent(struct strv *env, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, k) && env->v[i][k] == '=')
			return;
	strv_push(env, kv);
}

static int make_spec(struct ctr *c, const struct create_args *a,
		     const struct oci_imgcfg *img,
		     const struct netsvc_plan *plan, int argc, char **argv,
		     struct err *e)
{
	struct specgen_opts o = { 0 };
	struct nsmode ns;
	struct strv args = { 0 }, env = { 0 }, capa = { 0 }, capd = { 0 },
		    tmpfs = { 0 }, binds = { 0 }, devs = { 0 }, drules = { 0 },
		    ulim = { 0 }, sysctl = { 0 }, groups = { 0 };
	_cleanup_free_ char *profile = NULL;
	_cleanup_free_ const char **argv0 = NULL, **envv = NULL;
	char host[72], cgpath[128];
	struct oci_spec *spec = NULL;
	struct buf b = { 0 };
	int rc = -1;

	snprintf(host, sizeof(host), "%.12s", c->id);
	snprintf(cgpath, sizeof(cgpath), "skiff/%s", c->id);
	if (nsmode_parse(a, &ns, e) < 0)
		return -1;
	if (ns.host_uts && gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	/* Docker's order: -e first, then the image's it does not override */
	for (int i = 0; i < a->env.n; i++)
		env_put(&env, a->env.v[i]);
	for (size_t i = 0; img && i < img->config.env.n; i++)
		env_add_absent(&env, img->config.env.v[i]);
	env_add_absent(&env, DEFAULT_PATH);
	strv_from(&capa, &a->cap_add);
	strv_from(&capd, &a->cap_drop);
	strv_from(&tmpfs, &a->tmpfs);
	strv_from(&devs, &a->device);
	strv_from(&drules, &a->device_cgroup_rule);
	strv_from(&ulim, &a->ulimit);
	strv_from(&sysctl, &a->sysctl);
	strv_from(&groups, &a->group_add);
	vol_spec(c, &binds, &tmpfs);
	if (a->init) {
		char bind[4200];
		snprintf(bind, sizeof(bind), "%s:/sbin/skiff-init:ro",
			 init_path);
		strv_push(&binds, bind);
	}
	o = (struct specgen_opts){
		.rootfs = c->rootfs,
		.cwd = a->workdir ? a->workdir
		       : img && img->config.working_dir &&
				 *img->config.working_dir
			   ? img->config.working_dir : NULL,
		.user = a->user ? a->user
			: img && img->config.user && *img->config.user
			    ? img->config.user : NULL,
		.hostname = a->hostname ? a->hostname : host,
		.cap_add = &capa, .cap_drop = &capd, .privileged = a->privileged,
		.read_only = a->read_only, .tmpfs = &tmpfs, .binds = &binds,
		.cgroups_path = cgpath, .terminal = a->tty,
		.devices = &devs, .device_rules = &drules,
		.ulimits = &ulim, .sysctls = &sysctl, .group_add = &groups,
		.host_net = plan->mode == NETSVC_NS_HOST,
		.host_pid = ns.host_pid, .host_ipc = ns.host_ipc,
		.host_uts = ns.host_uts, .ipc_none = ns.ipc_none,
		.host_cgroupns = ns.host_cgroupns, .domainname = a->domainname,
		.shm_size = a->shm_size,
		.has_oom_score_adj = a->oom_score_adj != 0,
		.oom_score_adj = (int)(a->oom_score_adj < -100000 ? -100000
				       : a->oom_score_adj > 100000 ? 100000
				       : a->oom_score_adj),
	};
	host_kernel_version(&o.kernel_major, &o.kernel_minor);
	if (build_argv(a, img, argc, argv, &args, e) < 0 ||
	    apply_secopts(a, &o, &profile, e) < 0)
		goto out;
	c->command = join_args(&args);
	o.args = argv0 = nullterm(&args);
	o.env = envv = nullterm(&env);
	if (specgen_build(&o, &spec, e) < 0 ||
	    nsmode_annotate(&ns, a, spec, e) < 0)
		goto out;
	if (plan->mode == NETSVC_NS_HOST)
		spec_host_net(spec);
	ocispec_write_compact(spec, &b);
	ctr_set_spec(c, buf_take_str(&b));
	c->fresh_spec = steal_ptr(&spec); /* its first start needs no parse */
	rc = 0;
out:
	ocispec_free(spec);
	strv_free(&args), strv_free(&env), strv_free(&capa);
	strv_free(&capd), strv_free(&tmpfs), strv_free(&binds);
	strv_free(&devs), strv_free(&drules), strv_free(&ulim);
	strv_free(&sysctl), strv_free(&groups);
	return rc;
}

static int check_rootfs(const char *p, struct err *e)
{
	struct stat sb;

	if (p[0] != '/')
		return err_setc(e, ERR_INVALID,
				"--rootfs must be an absolute path: %s", p);
	if (stat(p, &sb) < 0)
		return err_set(e, errno, "rootfs %s", p);
	if (!S_ISDIR(sb.st_mode))
		return err_setc(e, ERR_INVALID, "rootfs %s is not a directory",
				p);
	return 0;
}

static void after_create_saved(int errnum, void *ctx);

/* The image's Healthcheck, when no --health-cmd / --no-healthcheck is
 * given (Docker's rule; the --health-* tuning flags still apply). CMD's
 * words are quoted for the probe's /bin/sh -c. */
static void image_health(const struct oci_imgcfg *img, struct health_opts *o,
			 struct buf *cmd)
{
	const struct oci_healthcheck *h = &img->config.healthcheck;

	if (o->cmd || o->none || !img->config.has_healthcheck || !h->test.n)
		return;
	if (!strcmp(h->test.v[0], "NONE")) {
		o->none = !(o->interval_ms || o->timeout_ms ||
			    o->start_period_ms || o->retries || o->on_failure);
		return;
	}
	if (!strcmp(h->test.v[0], "CMD-SHELL") && h->test.n > 1) {
		buf_puts(cmd, h->test.v[1]);
	} else if (!strcmp(h->test.v[0], "CMD")) {
		for (size_t i = 1; i < h->test.n; i++) {
			buf_puts(cmd, i > 1 ? " '" : "'");
			for (const char *p = h->test.v[i]; *p; p++)
				*p == '\'' ? buf_puts(cmd, "'\\''")
					   : buf_append(cmd, p, 1);
			buf_puts(cmd, "'");
		}
	}
	if (!buf_used(cmd))
		return;
	buf_append(cmd, "", 1);
	o->cmd = buf_head(cmd);
	if (!o->interval_ms)
		o->interval_ms = (int64_t)(h->interval / 1000000);
	if (!o->timeout_ms)
		o->timeout_ms = (int64_t)(h->timeout / 1000000);
	if (!o->start_period_ms)
		o->start_period_ms = (int64_t)(h->start_period / 1000000);
	if (!o->retries)
		o->retries = h->retries;
}

/* create: everything is checked before the container exists, so a bad
 * flag leaves nothing behind. */
static struct ctr *create(struct ctl_req *r, const struct create_args *a,
			  struct err *e)
{
	struct cgroup_limits lim;
	struct ctr_health hc = { 0 };
	struct health_opts ho = a->health;
	struct buf hcmd = { 0 };
	struct image_rootfs img = { 0 };
	struct oci_imgcfg *icfg = NULL;
	struct vol_plan vp = { 0 };
	int argc = ctl_req_argc(r);
	char **argv = ctl_req_argv(r);
	struct ctr *c = NULL;
	struct netsvc_plan plan = { 0 };
	int sig = 0;
	char keys[16];

	if (a->env_file.n) /* the CLI reads the file and sends -e words */
		return err_setc(e, ERR_INVALID, "--env-file is read by the "
				"skiff CLI; send its variables as -e K=V"),
		       NULL;
	if (a->rootfs) {
		if (check_rootfs(a->rootfs, e) < 0)
			return NULL;
	} else if (!argc) {
		return err_setc(e, ERR_INVALID,
				"no image given (usage: skiff run [OPTIONS] "
				"IMAGE [COMMAND...], or --rootfs DIR "
				"COMMAND...)"), NULL;
	} else if (imagesvc_resolve(argv[0], &img, e) < 0 ||
		   ociimage_parse_config(img.config_json,
					 strlen(img.config_json), &icfg, e) < 0) {
		image_rootfs_free(&img);
		return NULL;
	} else {
		argc--, argv++;
		image_health(icfg, &ho, &hcmd);
	}
	if (ctrlog_detach_keys(a->detach_keys, keys, sizeof(keys), e) < 0 ||
	    ctrflags_check(a, e) < 0 || parse_limits(a, &lim, true, e) < 0 ||
	    (a->stop_signal && (sig = ctr_parse_signal(a->stop_signal, e)) < 0) ||
	    (!a->stop_signal && icfg && icfg->config.stop_signal &&
	     *icfg->config.stop_signal &&
	     (sig = ctr_parse_signal(icfg->config.stop_signal, e)) < 0) ||
	    health_parse(&hc, &ho, e) < 0 ||
	    vol_plan_parse(&vp, &a->volume, &a->mount, &a->volumes_from,
			   icfg ? &icfg->config.volumes : NULL, e) < 0)
		goto fail;
	if (a->rm && hc.on_failure == HEALTH_ACT_RESTART) {
		err_setc(e, ERR_INVALID, "conflicting options: "
			 "--health-on-failure restart and --rm");
		goto fail;
	}
	c = ctr_new(a->name, e);
	if (!c)
		goto fail;
	c->health = hc;
	hc.cmd = NULL; /* c's now */
	c->rootfs = strdup(a->rootfs ? a->rootfs : img.lowerdirs);
	c->image = img.ref ? strdup(img.ref) : NULL;
	c->image_id = img.id ? strdup(img.id) : NULL;
	c->limits = lim;
	c->stop_signal = sig;
	c->stop_timeout_ms = a->stop_timeout > 0 ? a->stop_timeout * 1000
						 : 10000;
	c->auto_remove = a->rm;
	c->rm_anon = a->rm; /* Docker: --rm takes the anonymous volumes */
	c->tty = a->tty;
	c->open_stdin = a->interactive;
	c->created_ns = now_ns();
	if (a->restart && (ctr_restart_parse(a->restart, c, e) < 0 ||
			   (a->rm && c->restart != RESTART_NO &&
			    err_setc(e, ERR_INVALID, "conflicting options: "
				     "--restart %s and --rm", a->restart)))) {
		ctr_unlink(c);
		ctr_free(c);
		c = NULL;
		goto fail;
	}
	c->labels_json = image_labels(&a->label, icfg, e);
	c->exposed_json = image_exposed(icfg);
	if (!c->labels_json || parse_log_opts(&a->log_opt, c, e) < 0 ||
	    net_create(c, a, &plan, e) < 0 || vol_attach(c, &vp, e) < 0 ||
	    make_spec(c, a, icfg, &plan, argc, argv, e) < 0) {
		if (netsvc())
			netsvc()->remove(c->id);
		c->rm_anon = true;
		vol_detach(c);
		ctr_unlink(c);
		ctr_free(c);
		c = NULL;
		goto fail;
	}
	bus_publish("container", "create", c->id,
		    (const char *const[]){ "name", c->name, NULL });
fail:
	free(hc.cmd);
	vol_plan_free(&vp);
	buf_free(&hcmd);
	ociimage_config_free(icfg);
	image_rootfs_free(&img);
	return c;
}

static void reply_id(struct ctl_req *r, const struct ctr *c)
{
	struct jw w;

	ctl_req_json(r, &w);
	jw_str(&w, "id", c->id);
	jw_close(&w);
}

static void after_create_saved(int errnum, void *ctx)
{
	struct ctl_req *r = ctx;
	struct err e = ERR_INIT;

	if (errnum)
		err_set(&e, errnum, "save container state");
	ctl_req_finish(r, errnum ? &e : NULL);
}

/* ---- an image that is not here yet: pull it, then go on ---- */

struct pulling {
	struct ctl_req *r;
	void *args;
	int (*handler)(struct ctl_req *r, void *args, struct err *e);
};

static void pulled(void *ctx, const struct err *pe)
{
	struct pulling *p = ctx;
	struct err e = ERR_INIT;
	int rc;

	if (pe)
		e = *pe;
	else if (ctl_req_orphaned(p->r)) /* the client gave up: so do we */
		err_setc(&e, ERR_CANCELED, "canceled");
	if (e.msg[0]) {
		ctl_req_finish(p->r, &e);
		free(p);
		return;
	}
	rc = p->handler(p->r, p->args, &e);
	if (rc != CMD_PENDING)
		ctl_req_finish(p->r, rc < 0 ? &e : NULL);
	free(p);
}

/* Docker's CLI says so on stderr before it pulls. */
static void unable_to_find(struct ctl_req *r, const char *what)
{
	char name[REF_STR_MAX], line[REF_STR_MAX + 64];
	struct err e = ERR_INIT;
	struct ref ref;
	struct jw w;

	if (ref_parse(what, 0, &ref, &e) < 0)
		snprintf(name, sizeof(name), "%s", what);
	else
		ref_familiar(&ref, name, sizeof(name));
	snprintf(line, sizeof(line), "Unable to find image '%s' locally\n",
		 name);
	ctl_req_json(r, &w);
	jw_str(&w, "log", line);
	jw_str(&w, "stream", "stderr");
	jw_close(&w);
}

/* Docker pulls an image `run`/`create` names when it has none by that
 * name (not for an id). Returns CMD_PENDING when a pull started, 0 when
 * none is needed. */
static int pull_first(struct ctl_req *r, void *args,
		      int (*handler)(struct ctl_req *, void *, struct err *),
		      struct err *e)
{
	const struct create_args *a = args;
	struct image_rootfs img;
	struct pulling *p;
	const char *what;

	if (a->rootfs || ctl_req_argc(r) < 1)
		return 0;
	what = ctl_req_argv(r)[0];
	if (imagesvc_resolve(what, &img, e) == 0 || e->class != ERR_NOT_FOUND) {
		image_rootfs_free(&img);
		err_clear(e);
		return 0; /* here (or another error create will report) */
	}
	err_clear(e);
	p = xcalloc(1, sizeof(*p));
	*p = (struct pulling){ r, args, handler };
	log_info("image %s not here: pulling it", what);
	unable_to_find(r, what);
	if (imagesvc_pull(what, pulled, p, e) < 0) {
		free(p);
		return -1;
	}
	return CMD_PENDING;
}

static int do_create_now(struct ctl_req *r, void *args, struct err *e);

static int do_create(struct ctl_req *r, void *args, struct err *e)
{
	int pf = pull_first(r, args, do_create_now, e);

	return pf ? pf : do_create_now(r, args, e);
}

static int create_done(struct ctl_req *r, struct ctr *c)
{
	ocispec_free(steal_ptr(&c->fresh_spec)); /* started later, if ever */
	reply_id(r, c);
	ctr_save(c, after_create_saved, r);
	return CMD_PENDING; /* ok once the state is durable */
}

/* After the copy-up of new volumes (volumes.c): go on, or remove the
 * container again and fail, as Docker does. */
struct copied {
	struct ctl_req *r;
	void *args;
	int (*next)(struct ctl_req *r, struct ctr *c, void *args,
		    struct err *e);
};

static void copied_up(struct ctr *c, const struct err *ce, void *ctx)
{
	struct copied *k = ctx;
	struct err e = ERR_INIT;
	int rc;

	if (ce || ctl_req_orphaned(k->r)) {
		e = ce ? *ce : (struct err)ERR_INIT;
		if (!ce)
			err_setc(&e, ERR_CANCELED, "canceled");
		c->rm_anon = true;
		if (ctr_event(c, EV_REMOVE, NULL, NULL) < 0)
			ctr_save(c, NULL, NULL);
		ctl_req_finish(k->r, &e);
	} else if ((rc = k->next(k->r, c, k->args, &e)) != CMD_PENDING) {
		ctl_req_finish(k->r, rc < 0 ? &e : NULL);
	}
	free(k);
}

static int copy_then(struct ctl_req *r, struct ctr *c, void *args,
		     int (*next)(struct ctl_req *, struct ctr *, void *,
				 struct err *),
		     struct err *e)
{
	struct copied *k = xcalloc(1, sizeof(*k));
	int rc;

	*k = (struct copied){ r, args, next };
	rc = vol_copyup(c, copied_up, k, e);
	if (rc == 1)
		return CMD_PENDING;
	free(k);
	if (rc < 0) {
		struct err why = *e;
		c->rm_anon = true;
		if (ctr_event(c, EV_REMOVE, NULL, e) < 0)
			ctr_save(c, NULL, NULL);
		*e = why;
		return -1;
	}
	return next(r, c, args, e);
}

static int create_next(struct ctl_req *r, struct ctr *c, void *args,
		       struct err *e)
{
	return create_done(r, c);
}

static int do_create_now(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = create(r, args, e);

	if (!c)
		return -1;
	return copy_then(r, c, args, create_next, e);
}

static int do_run_now(struct ctl_req *r, void *args, struct err *e);

static int do_run(struct ctl_req *r, void *args, struct err *e)
{
	int pf = pull_first(r, args, do_run_now, e);

	return pf ? pf : do_run_now(r, args, e);
}

static int run_next(struct ctl_req *r, struct ctr *c, void *args,
		    struct err *e);

static int do_run_now(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = create(r, args, e);

	if (!c)
		return -1;
	return copy_then(r, c, args, run_next, e);
}

static int run_next(struct ctl_req *r, struct ctr *c, void *args,
		    struct err *e)
{
	const struct create_args *a = args;
	char keys[16];

	/* Docker's StdinOnce: run -i's stdin ends with its client's. */
	c->stdin_once = a->interactive && !a->detach;
	if (ctr_event(c, EV_START, NULL, e) < 0)
		return -1; /* saved, or removed with --rm, by the failure */
	if (!a->detach) {
		ctrlog_detach_keys(a->detach_keys, keys, sizeof(keys), e);
		return ctrlog_attach(r, c, &(struct ctrlog_attach_opts){
			.exit_code = true, .want_stdin = a->interactive,
			.detach_keys = keys });
	}
	reply_id(r, c);
	c->start_req = r;
	return CMD_PENDING; /* ok once running and saved */
}

/* ---- attach ---- */

static int do_attach(struct ctl_req *r, void *args, struct err *e)
{
	const struct attach_args *a = args;
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	char keys[16];

	if (!c || ctrlog_detach_keys(a->detach_keys, keys, sizeof(keys), e) < 0)
		return -1;
	if (c->state == CTR_PAUSED)
		return err_setc(e, ERR_CONFLICT,
				"cannot attach to container %s: it is paused; "
				"unpause it first", c->name);
	if (c->state != CTR_RUNNING)
		return err_setc(e, ERR_CONFLICT,
				"cannot attach to container %s: it is %s",
				c->name, ctr_state_name(c));
	return ctrlog_attach(r, c, &(struct ctrlog_attach_opts){
		.exit_code = true, .want_stdin = !a->no_stdin && c->open_stdin,
		.detach_keys = keys });
}

/* ---- update ---- */

/* Fold the fields update was given (non-zero) into the stored limits. */
static void merge_limits(struct cgroup_limits *to,
			 const struct cgroup_limits *l)
{
	if (l->memory)
		to->memory = l->memory;
	if (l->memory_swap)
		to->memory_swap = l->memory_swap;
	if (l->memory_reservation)
		to->memory_reservation = l->memory_reservation;
	if (l->cpu_quota_us)
		to->cpu_quota_us = l->cpu_quota_us;
	if (l->cpu_period_us)
		to->cpu_period_us = l->cpu_period_us;
	if (l->cpuset_mems[0])
		strcpy(to->cpuset_mems, l->cpuset_mems);
	if (l->has_swappiness) {
		to->has_swappiness = true;
		to->swappiness = l->swappiness;
	}
	if (l->cpu_shares)
		to->cpu_shares = l->cpu_shares;
	if (l->cpuset_cpus[0])
		strcpy(to->cpuset_cpus, l->cpuset_cpus);
	if (l->pids_limit)
		to->pids_limit = l->pids_limit;
}

/* Live when running (the kernel first), then durable; a stopped
 * container keeps the new limits for its next start. */
static int do_update(struct ctl_req *r, void *args, struct err *e)
{
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	struct cgroup_limits l, merged;

	if (!c || parse_limits(args, &l, false, e) < 0)
		return -1;
	merged = c->limits;
	merge_limits(&merged, &l);
	if (cgroup_limits_valid(&merged, e) < 0)
		return -1;
	if (c->cg && cgroup_update(c->cg, &l, e) < 0)
		return err_wrap(e, "update %s", c->name);
	c->limits = merged;
	bus_publish("container", "update", c->id,
		    (const char *const[]){ "name", c->name, NULL });
	ctr_save(c, after_create_saved, r);
	return CMD_PENDING;
}

/* ---- ps / inspect ---- */

/* label=KEY or label=KEY=VALUE against the container's labels. */
static bool label_match(const struct ctr *c, const char *want)
{
	const char *eq = strchr(want, '=');
	size_t klen = eq ? (size_t)(eq - want) : strlen(want);
	char ebuf[128];
	yajl_val t;
	bool hit = false;

	if (!c->labels_json ||
	    !(t = yajl_tree_parse(c->labels_json, ebuf, sizeof(ebuf))))
		return false;
	for (size_t i = 0; YAJL_IS_OBJECT(t) && i < t->u.object.len; i++) {
		const char *k = t->u.object.keys[i];
		yajl_val v = t->u.object.values[i];
		if (strlen(k) != klen || memcmp(k, want, klen))
			continue;
		hit = !eq || (YAJL_IS_STRING(v) && !strcmp(v->u.string, eq + 1));
	}
	yajl_tree_free(t);
	return hit;
}

/* ancestor=IMAGE: made from that image (by name as given, familiar
 * name, name without tag, or id prefix). */
static bool ancestor_match(const struct ctr *c, const char *v)
{
	char img[REF_STR_MAX];
	size_t n = strlen(v);

	if (!c->image)
		return false;
	ctr_image_short(c, img, sizeof(img));
	if (!strcmp(c->image, v) || !strcmp(img, v))
		return true;
	if (!strncmp(img, v, n) && img[n] == ':')
		return true;
	if (!c->image_id)
		return false;
	if (!strncmp(v, "sha256:", 7))
		return !strncmp(c->image_id, v, n);
	return strlen(c->image_id) > 7 && !strncmp(c->image_id + 7, v, n);
}

/* before=CTR / since=CTR: created before or after that container. */
static bool order_match(const struct ctr *c, const char *v, bool before)
{
	struct err e = ERR_INIT;
	const struct ctr *o = ctr_find(v, &e);

	if (!o)
		return false;
	return before ? c->created_ns < o->created_ns
		      : c->created_ns > o->created_ns;
}

static bool network_match(const struct ctr *c, const char *v)
{
	char mode[128];

	ctr_network_mode(c, mode, sizeof(mode));
	return !strcmp(mode, v);
}

/* expose=PORT[/PROTO]: the image's ExposedPorts name it. */
static bool expose_match(const struct ctr *c, const char *v)
{
	char key[64];

	snprintf(key, sizeof(key), "\"%s%s\"", v, strchr(v, '/') ? "" : "/tcp");
	return c->exposed_json && strstr(c->exposed_json, key);
}

/* Docker's filters: status=, name= (substring), label=k[=v], id=
 * (prefix), health=, volume=, exited=N, ancestor=, before=, since=,
 * network=, expose=, publish= (nothing is published yet), is-task=. */
static bool ps_match(const struct ctr *c, const struct strlist *f)
{
	for (int i = 0; i < f->n; i++) {
		const char *k = f->v[i], *v = strchr(k, '=') + 1;
		bool ok;
		if (!strncmp(k, "status=", 7))
			ok = !strcmp(ctr_state_name(c), v) ||
			     (c->state == CTR_RESTARTING &&
			      !strcmp(v, "restarting"));
		else if (!strncmp(k, "name=", 5))
			ok = strstr(c->name, v) != NULL;
		else if (!strncmp(k, "label=", 6))
			ok = label_match(c, v);
		else if (!strncmp(k, "health=", 7))
			ok = !strcmp(health_status_name(c), v);
		else if (!strncmp(k, "volume=", 7))
			ok = vol_ctr_uses(c, v);
		else if (!strncmp(k, "exited=", 7))
			ok = ctr_has_exited(c) && c->finished_ns &&
			     c->exit_code == atoi(v);
		else if (!strncmp(k, "ancestor=", 9))
			ok = ancestor_match(c, v);
		else if (!strncmp(k, "before=", 7) || !strncmp(k, "since=", 6))
			ok = order_match(c, v, k[0] == 'b');
		else if (!strncmp(k, "network=", 8))
			ok = network_match(c, v);
		else if (!strncmp(k, "expose=", 7))
			ok = expose_match(c, v);
		else if (!strncmp(k, "publish=", 8))
			ok = false;
		else if (!strncmp(k, "is-task=", 8))
			ok = !strcmp(v, "false");
		else
			ok = !strncmp(c->id, v, strlen(v));
		if (!ok)
			return false;
	}
	return true;
}

static int check_filters(const struct strlist *f, struct err *e)
{
	static const char *const keys[] = {
		"status=", "name=",    "label=",  "id=",     "health=",
		"volume=", "exited=",  "ancestor=", "before=", "since=",
		"network=", "expose=", "publish=", "is-task=",
	};
	static const char *const health[] = { "starting", "healthy",
					      "unhealthy", "none" };
	for (int i = 0; i < f->n; i++) {
		bool known = false;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			known |= !strncmp(f->v[i], keys[k], strlen(keys[k]));
		if (!known)
			return err_setc(e, ERR_INVALID,
					"invalid filter \"%s\" (use status=, "
					"name=, label=, id=, health=, volume=, "
					"exited=, ancestor=, before=, since=, "
					"network=, expose=, publish=, is-task=)",
					f->v[i]);
		if (strncmp(f->v[i], "health=", 7))
			continue;
		known = false;
		for (size_t k = 0; k < ARRAY_SIZE(health); k++)
			known |= !strcmp(f->v[i] + 7, health[k]);
		if (!known)
			return err_setc(e, ERR_INVALID,
					"invalid filter \"%s\" (use health="
					"starting, healthy, unhealthy or none)",
					f->v[i]);
	}
	return 0;
}

/* ps's IMAGE: the familiar name (busybox:1, not
 * docker.io/library/busybox:1), or the rootfs directory. */
const char *ctr_image_short(const struct ctr *c, char *out, size_t n)
{
	struct ref r;
	struct err e = ERR_INIT;

	if (!c->image)
		return c->rootfs;
	if (ref_parse(c->image, 0, &r, &e) < 0)
		return c->image;
	ref_familiar(&r, out, n);
	return out;
}

/* ps's COMMAND as Docker's CLI shows it: cut to 19 characters and "…"
 * past 20 (unless --no-trunc), then quoted like Go's strconv.Quote. */
static void ps_command(const struct ctr *c, bool trunc, struct buf *out)
{
	const char *s = c->command;
	size_t n = strlen(s), chars = 0, cut = n;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars == 20)
			cut = i;
	if (!trunc || chars <= 20)
		cut = n;
	buf_puts(out, "\"");
	for (size_t i = 0; i < cut; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_puts(out, "\\");
		if ((unsigned char)s[i] < 0x20)
			buf_printf(out, "\\x%02x", (unsigned char)s[i]);
		else
			buf_append(out, &s[i], 1);
	}
	buf_puts(out, cut < n ? "…\"" : "\"");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Labels as "k=v,k2=v2", sorted, as Docker's ps shows them. */
static void ps_labels(const struct ctr *c, struct buf *out)
{
	char ebuf[64];
	yajl_val t = c->labels_json ? yajl_tree_parse(c->labels_json, ebuf,
						      sizeof(ebuf)) : NULL;
	size_t n = YAJL_IS_OBJECT(t) ? t->u.object.len : 0;
	char **kv = n ? xcalloc(n, sizeof(*kv)) : NULL;

	for (size_t i = 0; i < n; i++) {
		yajl_val v = t->u.object.values[i];
		kv[i] = xasprintf("%s=%s", t->u.object.keys[i],
				  YAJL_IS_STRING(v) ? v->u.string : "");
	}
	if (n)
		qsort(kv, n, sizeof(*kv), cmp_str);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%s%s", i ? "," : "", kv[i]);
		free(kv[i]);
	}
	free(kv);
	yajl_tree_free(t);
}

/* Mounts: volume names and bind sources (cut to 15 as Docker does). */
static int ps_mounts(const struct ctr *c, bool trunc, struct buf *out)
{
	int vols = 0;

	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		const char *name = m->name ? m->name : m->source ? m->source : "";
		bool cut = trunc && strlen(name) > 15;
		vols += !strcmp(m->type, "volume");
		buf_printf(out, "%s%.*s%s", buf_used(out) ? "," : "",
			   cut ? 14 : (int)strlen(name), name, cut ? "…" : "");
	}
	return vols;
}

/* One row with the keys of Docker's `ps --format` (in the order of its
 * `{{json .}}`); -q: the ID alone. */
static void ps_row(struct ctl_req *r, const struct ctr *c,
		   const struct ps_args *a, const char *size)
{
	char img[REF_STR_MAX], status[96], id[CTR_ID_LEN + 1], t[64];
	struct buf b = { 0 };
	struct jw w;
	int vols;

	snprintf(id, sizeof(id), "%.*s", a->no_trunc ? CTR_ID_LEN : 12,
		 c->id);
	ctl_req_json(r, &w);
	if (a->quiet) {
		jw_str(&w, "ID", id);
		jw_close(&w);
		return;
	}
	ps_command(c, !a->no_trunc, &b);
	jw_strn(&w, "Command", buf_head(&b), buf_used(&b));
	units_time_text(c->created_ns, t, sizeof(t));
	jw_str(&w, "CreatedAt", t);
	jw_str(&w, "ID", id);
	jw_str(&w, "Image", ctr_image_short(c, img, sizeof(img)));
	buf_reset(&b);
	ps_labels(c, &b);
	jw_strn(&w, "Labels", buf_head(&b), buf_used(&b));
	buf_reset(&b);
	vols = ps_mounts(c, !a->no_trunc, &b);
	snprintf(t, sizeof(t), "%d", vols);
	jw_str(&w, "LocalVolumes", t);
	jw_strn(&w, "Mounts", buf_head(&b), buf_used(&b));
	jw_str(&w, "Names", c->name);
	ctr_network_mode(c, t, sizeof(t));
	jw_str(&w, "Networks", t);
	buf_reset(&b);
	netsvc_ports(c->id, &b); /* "" without a network module */
	jw_strn(&w, "Ports", buf_head(&b), buf_used(&b));
	units_ago(c->created_ns, t, sizeof(t));
	jw_str(&w, "RunningFor", t);
	jw_str(&w, "State", c->state == CTR_RESTARTING ? "restarting"
			    : c->state == CTR_STARTING ? "created"
						       : ctr_state_name(c));
	ctr_status_text(c, status, sizeof(status));
	jw_str(&w, "Status", status);
	if (size)
		jw_str(&w, "Size", size);
	jw_close(&w);
	buf_free(&b);
}

/* ps -s: the rows wait for a helper to measure each container's upper
 * dir and its image's layers (core/diskuse); containers are named by id
 * meanwhile (one may go). */
struct ps_sizes {
	struct ctl_req *r;
	struct ps_args a; /* flags only: filter and format are not read */
	size_t n;
	char (*ids)[CTR_ID_LEN + 1];
	size_t *first, *count; /* each container's paths: [first, +count) */
};

static void ps_sizes_done(void *ctx, const uint64_t *sizes,
			  const struct err *e)
{
	struct ps_sizes *p = ctx;
	struct err none = ERR_INIT;

	for (size_t i = 0; sizes && i < p->n; i++) {
		struct ctr *c = ctr_find(p->ids[i], &none);
		char rw[32], virt[32], text[80];
		uint64_t all = 0;
		err_clear(&none);
		if (!c)
			continue;
		for (size_t k = 0; k < p->count[i]; k++)
			all += sizes[p->first[i] + k];
		units_size((double)sizes[p->first[i]], rw, sizeof(rw));
		units_size((double)all, virt, sizeof(virt));
		snprintf(text, sizeof(text), "%s (virtual %s)", rw, virt);
		ps_row(p->r, c, &p->a, text);
	}
	ctl_req_finish(p->r, e);
	free(p->ids);
	free(p->first);
	free(p->count);
	free(p);
}

/* Add c's paths (upper, then each lower layer) to paths. */
static size_t ps_paths(const struct ctr *c, struct strv *paths)
{
	_cleanup_free_ char *layers = xstrdup(c->rootfs ? c->rootfs : "");
	_cleanup_free_ char *upper = ctr_dir(c, "upper");
	char *save = NULL, *tok;
	size_t n = 1;

	if (strv_push(paths, upper) < 0)
		abort();
	for (tok = strtok_r(layers, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save), n++)
		if (strv_push(paths, tok) < 0)
			abort();
	return n;
}

static int ps_sized(struct ctl_req *r, const struct ps_args *a,
		    struct ctr **rows, size_t n, struct err *e)
{
	struct ps_sizes *p = xcalloc(1, sizeof(*p));
	struct strv paths = { 0 };
	int rc;

	p->r = r;
	p->a = *a;
	p->a.filter = (struct strlist){ 0 };
	p->a.format = NULL;
	p->n = n;
	p->ids = xcalloc(n + 1, sizeof(*p->ids));
	p->first = xcalloc(n + 1, sizeof(*p->first));
	p->count = xcalloc(n + 1, sizeof(*p->count));
	for (size_t i = 0; i < n; i++) {
		snprintf(p->ids[i], sizeof(p->ids[i]), "%s", rows[i]->id);
		p->first[i] = paths.n;
		p->count[i] = ps_paths(rows[i], &paths);
	}
	rc = diskuse_measure((const char *const *)paths.v, paths.n,
			     ps_sizes_done, p, e);
	strv_free(&paths);
	if (rc < 0) {
		free(p->ids);
		free(p->first);
		free(p->count);
		free(p);
		return -1;
	}
	return CMD_PENDING;
}

static int do_ps(struct ctl_req *r, void *args, struct err *e)
{
	struct ps_args *a = args;
	long long last = a->latest ? 1 : a->last;
	_cleanup_free_ struct ctr **rows = NULL;
	size_t n = 0;

	if (check_filters(&a->filter, e) < 0)
		return -1;
	if (a->size && !a->quiet)
		rows = xcalloc((size_t)ctr_count() + 1, sizeof(*rows));
	/* newest first; -n/-l take the last created of every state */
	for (struct ctr *c = ctr_first(); c; c = c->next) {
		if ((last > 0 || a->all || c->proc) &&
		    ps_match(c, &a->filter)) {
			if (rows)
				rows[n++] = c;
			else
				ps_row(r, c, a, NULL);
		}
		if (last > 0 && !--last)
			break;
	}
	return rows ? ps_sized(r, a, rows, n, e) : 0;
}

/* ---- the handlers of proto/commands.c's verbs ---- */

static const struct command cmd_create = { "create", do_create };
static const struct command cmd_run = { "run", do_run };
static const struct command cmd_update = { "update", do_update };
static const struct command cmd_attach = { "attach", do_attach };

static const struct command cmd_ps = { "ps", do_ps };

const struct command *const supervisor_commands[] = {
	&cmd_create, &cmd_run, &cmd_attach, &cmd_ps, &ctr_cmd_inspect,
	&ctrlog_cmd_logs, &cmd_update, &ctr_cmd_stats, &exec_cmd,
	CTRCMDS_COMMANDS VOL_COMMANDS
	NULL,
};

/* ---- the module ---- */

static void find_init(void)
{
	char exe[4000];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(init_path, sizeof(init_path), "%s/skiff-init", exe);
}

/* For rmi (CONTAINERS_SERVICE): does a container use image id? */
static const char *image_used(const char *id)
{
	for (struct ctr *c = ctr_first(); c; c = c->next)
		if (c->image_id && !strcmp(c->image_id, id))
			return c->id;
	return NULL;
}

/* For commit (CONTAINERS_SERVICE): the container's image and upper dir. */
static int ctr_for_commit(const char *name, struct image_ctr *out,
			  struct err *e)
{
	struct ctr *c = ctr_find(name, e);

	if (!c)
		return -1;
	if (!c->image_id)
		return err_setc(e, ERR_INVALID,
				"container %s was made from a --rootfs, not an "
				"image", c->name);
	out->id = xstrdup(c->id);
	out->name = xstrdup(c->name);
	out->image_id = xstrdup(c->image_id);
	out->upper = ctr_dir(c, "upper");
	return 0;
}

/* What the images module may ask of containers (modules/iface). */
static const struct containers_service ctr_service = {
	.image_user = image_used,
	.image_ctr = ctr_for_commit,
};

static void ctr_diskuse(struct du_list *l);
/* Docker's second row of `system df`. */
static const struct du_kind ctr_du = { "Containers", "container", 1,
				       ctr_diskuse };

/* system df (core/diskuse): a container's writable layer (its upper
 * dir), as Docker counts it; active while it runs. */
static void ctr_diskuse(struct du_list *l)
{
	for (struct ctr *c = ctr_first(); c; c = c->next) {
		_cleanup_free_ char *upper = ctr_dir(c, "upper");
		const char *paths[] = { upper, NULL };
		du_add(l, &ctr_du, c->proc != NULL, c->name, c->id,
		       paths);
	}
}

/* What the network module may ask of containers (modules/iface). */
static int net_find_ctr(const char *ref, struct netsvc_ctr *out,
			struct err *e)
{
	struct ctr *c = ctr_find(ref, e);

	if (!c)
		return -1;
	snprintf(out->id, sizeof(out->id), "%s", c->id);
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->running = c->proc != NULL;
	out->pidfd = -1;
	if (c->proc)
		out->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return 0;
}

static const struct netctrs_service netctrs_service = {
	.find = net_find_ctr,
};

static int sup_init(struct err *e)
{
	struct err ce = ERR_INIT;
	_cleanup_free_ char *dir = NULL;

	/* The spawner makes containers' cgroups, so it needs them found. */
	ctr_have_cgroups = cgroup_detect(&ctr_cgroups, &ce) == 0;
	if (!ctr_have_cgroups)
		log_warn("supervisor: %s; containers run without limits",
			 ce.msg);
	/* first, while skiffd holds few fds */
	ctrspawn_init(ctr_have_cgroups ? &ctr_cgroups : NULL);
	diskuse_register(&ctr_du);
	dir = xasprintf("%s/containers", daemon_ctx.cfg.root);
	service_register(CONTAINERS_SERVICE, &ctr_service);
	service_register(NETCTRS_SERVICE, &netctrs_service);
	find_init();
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", dir);
	health_init(); /* its fields come before the volumes' */
	if (vol_init(e) < 0)
		return -1;
	if (ctr_load_all(ctr_state_load, e) < 0)
		return -1;
	ctr_adopt_done(); /* the keeper's entries no container took */
	return 0;
}

static int sup_start(struct err *e)
{
	ctr_start_policy();
	return 0;
}

static void sup_stop(void (*done)(void))
{
	ctr_stop_all(done);
}

static void sup_info(struct jw *w)
{
	unsigned running = 0, exited = 0;

	for (struct ctr *c = ctr_first(); c; c = c->next) {
		running += c->proc != NULL;
		exited += ctr_has_exited(c);
	}
	jw_int(w, "containers", ctr_count());
	jw_int(w, "running", running);
	jw_int(w, "exited", exited);
	if (ctr_have_cgroups)
		cgroup_sys_describe(&ctr_cgroups, w);
}

/* Docker's info keys: container counts, cgroup and log facts. */
static void sup_info_docker(struct jw *w)
{
	unsigned running = 0, paused = 0;
	char v[8];

	for (struct ctr *c = ctr_first(); c; c = c->next) {
		running += c->state == CTR_RUNNING || c->state == CTR_STOPPING;
		paused += c->state == CTR_PAUSED;
	}
	jw_int(w, "Containers", ctr_count());
	jw_int(w, "ContainersRunning", running);
	jw_int(w, "ContainersPaused", paused);
	jw_int(w, "ContainersStopped", ctr_count() - running - paused);
	if (ctr_have_cgroups) {
		unsigned has = ctr_cgroups.controllers;
		jw_bool(w, "MemoryLimit", has & CGROUP_MEMORY);
		jw_bool(w, "SwapLimit", ctr_cgroups.swap);
		jw_bool(w, "CpuCfsPeriod", has & CGROUP_CPU);
		jw_bool(w, "CpuCfsQuota", has & CGROUP_CPU);
		jw_bool(w, "CPUShares", has & CGROUP_CPU);
		jw_bool(w, "CPUSet", has & CGROUP_CPUSET);
		jw_bool(w, "PidsLimit", has & CGROUP_PIDS);
		jw_str(w, "CgroupDriver", "cgroupfs");
		snprintf(v, sizeof(v), "%d", ctr_cgroups.version);
		jw_str(w, "CgroupVersion", v);
	} else {
		jw_str(w, "CgroupDriver", "none");
	}
	jw_str(w, "LoggingDriver", "json-file");
}

const struct module module_supervisor = {
	.name = "supervisor",
	.init = sup_init,
	.start = sup_start,
	.stop = sup_stop,
	.commands = supervisor_commands,
	.info = sup_info,
	.info_docker = sup_info_docker,
	.config = &sup_config,
};
