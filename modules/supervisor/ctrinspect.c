/* ctrinspect.c - `inspect` of a container in the Docker Engine API's
 * schema (GET /containers/{id}/json, API 1.41): the field names, nesting,
 * types and time formats of Docker 20.10, so `inspect -f '{{.State.Pid}}'`
 * and scripts reading the JSON run unchanged.
 *
 * Only what skiff honours is written; what Docker has and skiff does not
 * is absent or zero, never invented. skiff's own facts (the OCI spec it
 * runs, the rootfs, the log rotation, the health action) are under the
 * key "Skiff". The state file keeps skiff's own shape (ctr.c); this file
 * only reads a container. Owns nothing beyond a call (the spec is parsed
 * into a yajl tree that is freed before returning) but the `inspect`
 * verb's stream: an index into its arguments, a container a turn. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/xalloc.h"
#include "../../proto/reference.h"
#include "../iface/netsvc.h"
#include "supervisor.h"

/* Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros cut),
 * in UTC as Docker writes Created and StartedAt; 0 is Go's zero time. */
void ctr_time_text(int64_t ns, char *out, size_t n)
{
	time_t s = (time_t)(ns / 1000000000);
	char frac[16] = "";
	struct tm tm;
	size_t len;

	if (ns <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(out, n, "0001-01-01T00:00:00Z");
		return;
	}
	if (ns % 1000000000) {
		snprintf(frac, sizeof(frac), ".%09lld",
			 (long long)(ns % 1000000000));
		len = strlen(frac);
		while (frac[len - 1] == '0')
			frac[--len] = '\0';
	}
	len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + len, n - len, "%sZ", frac);
}

static void put_time(struct jw *w, const char *key, int64_t ns)
{
	char t[64];

	ctr_time_text(ns, t, sizeof(t));
	jw_str(w, key, t);
}

/* The member at a dotted path of the spec, or NULL. */
static yajl_val spec_get(yajl_val spec, const char *const *path)
{
	return spec ? yajl_tree_get(spec, (const char **)path, yajl_t_any)
		    : NULL;
}

/* A spec value re-emitted, or null when the spec has none. */
static void put_spec(struct jw *w, const char *key, yajl_val spec,
		     const char *const *path)
{
	jw_tree(w, key, spec_get(spec, path));
}

static bool running(const struct ctr *c)
{
	return c->state == CTR_RUNNING || c->state == CTR_PAUSED ||
	       c->state == CTR_STOPPING;
}

/* Docker's State.Status words. */
static const char *status_word(const struct ctr *c)
{
	switch (c->state) {
	case CTR_CREATED:
	case CTR_STARTING:
		return "created";
	case CTR_RESTARTING:
		return "restarting";
	case CTR_REMOVING:
		return "removing";
	default:
		return ctr_state_name(c);
	}
}

static void write_health(const struct ctr *c, struct jw *w)
{
	const struct ctr_health *h = &c->health;

	if (!h->cmd)
		return;
	jw_obj(w, "Health");
	jw_str(w, "Status", health_status_name(c));
	jw_int(w, "FailingStreak", h->failing_streak);
	jw_arr(w, "Log");
	for (int i = 0; i < h->nlog; i++) {
		jw_obj(w, NULL);
		put_time(w, "Start", h->log[i].start_ns);
		put_time(w, "End", h->log[i].end_ns);
		jw_int(w, "ExitCode", h->log[i].exit_code);
		jw_strn(w, "Output", h->log[i].output, h->log[i].output_len);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void write_state(const struct ctr *c, struct jw *w)
{
	jw_obj(w, "State");
	jw_str(w, "Status", status_word(c));
	/* Docker counts a container waiting for its restart as running */
	jw_bool(w, "Running", running(c) || c->state == CTR_RESTARTING);
	jw_bool(w, "Paused", c->state == CTR_PAUSED);
	jw_bool(w, "Restarting", c->state == CTR_RESTARTING);
	jw_bool(w, "OOMKilled", c->oom_killed);
	jw_bool(w, "Dead", c->state == CTR_DEAD);
	jw_int(w, "Pid", running(c) ? c->pid : 0);
	jw_int(w, "ExitCode", c->exit_code);
	jw_str(w, "Error", c->dead_reason ? c->dead_reason : "");
	put_time(w, "StartedAt", c->started_ns);
	put_time(w, "FinishedAt", c->finished_ns);
	write_health(c, w);
	jw_end_obj(w);
}

static void write_restart(const struct ctr *c, struct jw *w)
{
	jw_obj(w, "RestartPolicy");
	jw_str(w, "Name", ctr_restart_name(c->restart));
	jw_int(w, "MaximumRetryCount", c->restart_max);
	jw_end_obj(w);
}

/* HostConfig.Binds: "SRC:DST[:ro]" of the bind and named-volume mounts. */
static void write_binds(const struct ctr *c, struct jw *w)
{
	int n = 0;

	for (int i = 0; i < c->n_mounts; i++)
		n += strcmp(c->mounts[i].type, "tmpfs") != 0;
	if (!n) {
		jw_null(w, "Binds");
		return;
	}
	jw_arr(w, "Binds");
	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		_cleanup_free_ char *s = NULL;
		if (!strcmp(m->type, "tmpfs"))
			continue;
		s = xasprintf("%s:%s%s",
			      !strcmp(m->type, "volume") ? m->name : m->source,
			      m->dest, m->rw ? "" : ":ro");
		jw_vstr(w, s);
	}
	jw_end_arr(w);
}

static void write_hostconfig(const struct ctr *c, yajl_val spec,
			     struct jw *w)
{
	const struct cgroup_limits *l = &c->limits;
	static const char *const ro[] = { "root", "readonly", NULL },
				 *const masked[] = { "linux", "maskedPaths", NULL },
				 *const rop[] = { "linux", "readonlyPaths", NULL };
	long long nano = 0;
	char mode[128];

	if (l->cpu_quota_us > 0 && l->cpu_period_us > 0)
		nano = l->cpu_quota_us * 1000000000LL / l->cpu_period_us;
	jw_obj(w, "HostConfig");
	write_binds(c, w);
	jw_obj(w, "LogConfig");
	jw_str(w, "Type", "json-file");
	jw_obj(w, "Config");
	jw_end_obj(w);
	jw_end_obj(w);
	ctr_network_mode(c, mode, sizeof(mode));
	jw_str(w, "NetworkMode", mode);
	jw_obj(w, "PortBindings");
	jw_end_obj(w);
	write_restart(c, w);
	jw_bool(w, "AutoRemove", c->auto_remove);
	jw_bool(w, "ReadonlyRootfs",
		YAJL_IS_TRUE(spec_get(spec, ro)));
	jw_int(w, "CpuShares", (long long)l->cpu_shares);
	jw_int(w, "Memory", l->memory);
	jw_int(w, "NanoCpus", nano);
	jw_str(w, "CpusetCpus", l->cpuset_cpus);
	jw_str(w, "CpusetMems", l->cpuset_mems);
	jw_int(w, "CpuPeriod", l->cpu_period_us);
	jw_int(w, "CpuQuota", l->cpu_quota_us);
	if (l->has_swappiness)
		jw_int(w, "MemorySwappiness", l->swappiness);
	else
		jw_null(w, "MemorySwappiness");
	jw_int(w, "MemoryReservation", l->memory_reservation);
	jw_int(w, "MemorySwap", l->memory_swap);
	if (l->pids_limit)
		jw_int(w, "PidsLimit", l->pids_limit);
	else
		jw_null(w, "PidsLimit");
	put_spec(w, "MaskedPaths", spec, masked);
	put_spec(w, "ReadonlyPaths", spec, rop);
	jw_end_obj(w);
}

static void write_mounts(const struct ctr *c, struct jw *w)
{
	jw_arr(w, "Mounts");
	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		bool vol = !strcmp(m->type, "volume");
		jw_obj(w, NULL);
		jw_str(w, "Type", m->type);
		if (vol)
			jw_str(w, "Name", m->name);
		jw_str(w, "Source", m->source ? m->source : "");
		jw_str(w, "Destination", m->dest);
		if (vol)
			jw_str(w, "Driver", "local");
		jw_str(w, "Mode", "");
		jw_bool(w, "RW", m->rw);
		jw_str(w, "Propagation", vol ? "" : "rprivate");
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

/* Config.Healthcheck in nanoseconds, as Docker's time.Duration. */
static void write_healthcheck(const struct ctr *c, struct jw *w)
{
	const struct ctr_health *h = &c->health;

	if (!h->cmd && !h->disabled)
		return;
	jw_obj(w, "Healthcheck");
	jw_arr(w, "Test");
	jw_vstr(w, h->disabled ? "NONE" : "CMD-SHELL");
	if (h->cmd)
		jw_vstr(w, h->cmd);
	jw_end_arr(w);
	if (h->cmd) {
		jw_int(w, "Interval", h->interval_ms * 1000000);
		jw_int(w, "Timeout", h->timeout_ms * 1000000);
		jw_int(w, "StartPeriod", h->start_period_ms * 1000000);
		jw_int(w, "Retries", h->retries);
	}
	jw_end_obj(w);
}

/* Config.User as the process runs: "" for root, else "UID[:GID]". */
static void write_user(yajl_val spec, struct jw *w)
{
	static const char *const up[] = { "process", "user", "uid", NULL },
				 *const gp[] = { "process", "user", "gid", NULL };
	yajl_val u = spec_get(spec, up), g = spec_get(spec, gp);
	long long uid = YAJL_IS_INTEGER(u) ? YAJL_GET_INTEGER(u) : 0,
		  gid = YAJL_IS_INTEGER(g) ? YAJL_GET_INTEGER(g) : 0;
	char s[48] = "";

	if (uid || gid)
		snprintf(s, sizeof(s), "%lld:%lld", uid, gid);
	jw_str(w, "User", s);
}

/* Config.Env: the process's, without the HOSTNAME skiff adds at create
 * (Docker adds it at start and does not show it). */
static void write_env(yajl_val env, yajl_val host, struct jw *w)
{
	char h[300] = "";

	if (YAJL_IS_STRING(host))
		snprintf(h, sizeof(h), "HOSTNAME=%s", host->u.string);
	if (!YAJL_IS_ARRAY(env)) {
		jw_null(w, "Env");
		return;
	}
	jw_arr(w, "Env");
	for (size_t i = 0; i < env->u.array.len; i++) {
		yajl_val v = env->u.array.values[i];
		if (!YAJL_IS_STRING(v) || strcmp(v->u.string, h))
			jw_tree(w, NULL, v);
	}
	jw_end_arr(w);
}

static void write_config(const struct ctr *c, yajl_val spec, struct jw *w)
{
	static const char *const host[] = { "hostname", NULL },
				 *const env[] = { "process", "env", NULL },
				 *const args[] = { "process", "args", NULL },
				 *const cwd[] = { "process", "cwd", NULL };
	yajl_val wd = spec_get(spec, cwd);
	char img[REF_STR_MAX], ebuf[64];
	yajl_val t;

	jw_obj(w, "Config");
	put_spec(w, "Hostname", spec, host);
	jw_str(w, "Domainname", "");
	write_user(spec, w);
	jw_bool(w, "Tty", c->tty);
	jw_bool(w, "OpenStdin", c->open_stdin);
	jw_bool(w, "StdinOnce", c->stdin_once);
	write_env(spec_get(spec, env), spec_get(spec, host), w);
	put_spec(w, "Cmd", spec, args);
	write_healthcheck(c, w);
	jw_str(w, "Image", c->image ? ctr_image_short(c, img, sizeof(img))
				    : "");
	jw_str(w, "WorkingDir", YAJL_IS_STRING(wd) && strcmp(wd->u.string, "/")
					? wd->u.string : "");
	jw_null(w, "Entrypoint");
	t = c->labels_json ? yajl_tree_parse(c->labels_json, ebuf,
					     sizeof(ebuf)) : NULL;
	if (t)
		jw_tree(w, "Labels", t);
	else {
		jw_obj(w, "Labels");
		jw_end_obj(w);
	}
	yajl_tree_free(t);
	t = c->exposed_json ? yajl_tree_parse(c->exposed_json, ebuf,
					      sizeof(ebuf)) : NULL;
	if (t)
		jw_tree(w, "ExposedPorts", t);
	yajl_tree_free(t);
	if (c->stop_signal && c->stop_signal != SIGTERM &&
	    sigabbrev_np(c->stop_signal))
		snprintf(img, sizeof(img), "SIG%s", sigabbrev_np(c->stop_signal)),
		jw_str(w, "StopSignal", img);
	jw_end_obj(w);
}

/* The network module's NetworkSettings (modules/iface/netsvc.h); false
 * when there is none. */
static bool write_netsvc(const struct ctr *c, struct jw *w)
{
	struct buf b = { 0 };
	char ebuf[128];
	yajl_val t;

	if (!netsvc())
		return false;
	netsvc_inspect(c->id, &b);
	buf_append(&b, "", 1);
	t = yajl_tree_parse(buf_head(&b), ebuf, sizeof(ebuf));
	buf_free(&b);
	if (!YAJL_IS_OBJECT(t)) {
		yajl_tree_free(t);
		return false;
	}
	jw_tree(w, "NetworkSettings", t);
	yajl_tree_free(t);
	return true;
}

/* HostConfig.NetworkMode: the network module's word, else "none". */
void ctr_network_mode(const struct ctr *c, char *out, size_t n)
{
	const struct network_service *s = netsvc();
	struct buf b = { 0 };

	if (s)
		s->mode(c->id, &b);
	snprintf(out, n, "%.*s", buf_used(&b) ? (int)buf_used(&b) : 4,
		 buf_used(&b) ? buf_head(&b) : "none");
	buf_free(&b);
}

/* The network module's, or what Docker writes for a container of
 * --network none. */
static void write_network(const struct ctr *c, struct jw *w)
{
	static const char *const empty_str[] = {
		"EndpointID", "Gateway", "GlobalIPv6Address", NULL,
	};

	if (write_netsvc(c, w))
		return;
	jw_obj(w, "NetworkSettings");
	jw_str(w, "Bridge", "");
	jw_str(w, "SandboxID", "");
	jw_bool(w, "HairpinMode", false);
	jw_str(w, "LinkLocalIPv6Address", "");
	jw_int(w, "LinkLocalIPv6PrefixLen", 0);
	jw_obj(w, "Ports");
	jw_end_obj(w);
	jw_str(w, "SandboxKey", "");
	jw_null(w, "SecondaryIPAddresses");
	jw_null(w, "SecondaryIPv6Addresses");
	for (int i = 0; empty_str[i]; i++)
		jw_str(w, empty_str[i], "");
	jw_int(w, "GlobalIPv6PrefixLen", 0);
	jw_str(w, "IPAddress", "");
	jw_int(w, "IPPrefixLen", 0);
	jw_str(w, "IPv6Gateway", "");
	jw_str(w, "MacAddress", "");
	jw_obj(w, "Networks");
	jw_obj(w, "none");
	jw_null(w, "IPAMConfig");
	jw_null(w, "Links");
	jw_null(w, "Aliases");
	jw_str(w, "NetworkID", "");
	for (int i = 0; empty_str[i]; i++)
		jw_str(w, empty_str[i], "");
	jw_str(w, "IPAddress", "");
	jw_int(w, "IPPrefixLen", 0);
	jw_str(w, "IPv6Gateway", "");
	jw_int(w, "GlobalIPv6PrefixLen", 0);
	jw_str(w, "MacAddress", "");
	jw_null(w, "DriverOpts");
	jw_end_obj(w);
	jw_end_obj(w);
	jw_end_obj(w);
}

/* skiff's own facts, beside Docker's. */
static void write_skiff(const struct ctr *c, yajl_val spec, struct jw *w)
{
	jw_obj(w, "Skiff");
	jw_str(w, "Rootfs", c->rootfs);
	if (c->image)
		jw_str(w, "ImageRef", c->image);
	jw_int(w, "StopTimeoutMs", c->stop_timeout_ms);
	jw_bool(w, "ManualStop", c->manual_stop);
	jw_int(w, "LogMaxSize", c->log_max_size);
	jw_int(w, "LogMaxFile", c->log_max_file);
	if (c->health.cmd)
		jw_str(w, "HealthOnFailure", health_action_name(c));
	if (spec)
		jw_tree(w, "Spec", spec);
	jw_end_obj(w);
}

/* Path and Args: the process's first word and the rest. */
static void write_path_args(yajl_val spec, struct jw *w)
{
	static const char *const args[] = { "process", "args", NULL };
	yajl_val a = spec_get(spec, args);
	size_t n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;

	jw_tree(w, "Path", n ? a->u.array.values[0] : NULL);
	jw_arr(w, "Args");
	for (size_t i = 1; i < n; i++)
		jw_tree(w, NULL, a->u.array.values[i]);
	jw_end_arr(w);
}

void ctr_write_inspect(const struct ctr *c, struct jw *w, bool with_spec)
{
	_cleanup_free_ char *text = ctr_spec(c), *log = ctr_dir(c, "json.log");
	char ebuf[128], name[512];
	yajl_val spec = text ? yajl_tree_parse(text, ebuf, sizeof(ebuf)) : NULL;

	jw_str(w, "Id", c->id);
	put_time(w, "Created", c->created_ns);
	write_path_args(spec, w);
	write_state(c, w);
	jw_str(w, "Image", c->image_id ? c->image_id : "");
	jw_str(w, "LogPath", log);
	snprintf(name, sizeof(name), "/%s", c->name);
	jw_str(w, "Name", name);
	jw_int(w, "RestartCount", c->restart_count);
	jw_str(w, "Platform", "linux");
	write_hostconfig(c, spec, w);
	write_mounts(c, w);
	write_config(c, spec, w);
	write_network(c, w);
	write_skiff(c, with_spec ? spec : NULL, w);
	yajl_tree_free(spec);
}

/* ---- the verb ---- */

/* inspect answers a container a turn while the client's output has room
 * (a thousand containers' JSON is more than a client may have queued). */
struct inspect_stream {
	int i, failed;
	bool spec; /* Skiff.Spec too: the client may read it */
	struct err first;
};

/* One argument's line: the container, or {"container","error"} for a
 * name that is none (the CLI tries it as an image). */
static void inspect_one(struct ctl_req *r, struct inspect_stream *s,
			const char *name)
{
	struct err e = ERR_INIT;
	struct ctr *c = ctr_find(name, &e);
	struct jw w;

	ctl_req_json(r, &w);
	if (c) {
		ctr_write_inspect(c, &w, s->spec);
	} else {
		jw_str(&w, "container", name);
		jw_str(&w, "error", e.msg);
		if (!s->failed++)
			s->first = e;
	}
	jw_close(&w);
}

static enum ctl_produce inspect_produce(struct ctl_req *r, void *ctx,
					struct err *e)
{
	struct inspect_stream *s = ctx;
	int n = ctl_req_argc(r);

	for (; s->i < n; s->i++) {
		if (!ctl_req_room(r))
			return CTL_MORE;
		inspect_one(r, s, ctl_req_argv(r)[s->i]);
	}
	/* as docker: what is found is shown; the status says what is not */
	if (s->failed == 1)
		*e = s->first;
	else if (s->failed)
		err_setc(e, s->first.class, "%d of %d containers failed",
			 s->failed, n);
	return s->failed ? CTL_FAIL : CTL_DONE;
}

static void inspect_release(void *ctx)
{
	free(ctx);
}

static const struct ctl_stream_ops inspect_ops = {
	.produce = inspect_produce,
	.release = inspect_release,
};

/* Can a --format template show Skiff.Spec? Yes unless it never names
 * Skiff and every dot (or $) in it starts a field path: `{{json .}}`,
 * `{{.}}` and `{{$}}` print the whole object. Conservative: a dot in a
 * string counts too. */
static bool format_may_show_spec(const char *f)
{
	if (!f || !*f || !strcmp(f, "json") || strstr(f, "Skiff"))
		return true;
	for (const char *p = f; *p; p++) {
		bool word = isalpha((unsigned char)p[1]) || p[1] == '_';
		if (*p == '.' && !word && !(p > f && isdigit((unsigned char)p[-1])))
			return true;
		if (*p == '$' && !word)
			return true;
	}
	return false;
}

static int do_inspect(struct ctl_req *r, void *args, struct err *e)
{
	const struct format_args *a = args;
	struct inspect_stream *s = xcalloc(1, sizeof(*s));

	/* the OCI spec is most of a container's JSON: a -f template that
	 * cannot show it is not sent it */
	s->spec = format_may_show_spec(a->format);
	ctl_req_stream(r, &inspect_ops, s);
	return CMD_PENDING;
}

const struct command ctr_cmd_inspect = { "inspect", do_inspect };
