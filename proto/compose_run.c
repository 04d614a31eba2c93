/* compose_run.c - one service of the model as the words of a `create`
 * request: skiffd's compose module deploys a service by sending itself
 * the requests a person would type (core/ctl.h ctl_call), so every
 * service option maps onto a flag of `create` the way issue 15 lists
 * them, and one table (proto/commands.c) stays the grammar. Extra
 * networks become `network connect` requests made before the start.
 *
 * Every key of a service is either mapped, or ignored for a stated
 * reason (depends_on: the deployer orders by it; profiles: already
 * applied; x-*: extensions), or refused with an error naming it: a key
 * skiff cannot honour is never dropped silently. Pure functions; owns
 * nothing past a call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/xalloc.h"
#include "cmdspec.h"
#include "compose.h"

struct run_ctx {
	const struct compose_run_in *in;
	struct compose_run_out *out;
	struct strv *w; /* out->create */
	struct err *e;
};

static void push(struct strv *w, const char *s)
{
	if (strv_push(w, s) < 0)
		abort();
}

static void push2(struct strv *w, const char *flag, const char *val)
{
	push(w, flag);
	push(w, val);
}

/* flag (if any), then an xasprintf() result. */
static void push_take(struct strv *w, const char *flag, char *s)
{
	if (flag)
		push(w, flag);
	push(w, s);
	free(s);
}
#define pushf(w, flag, ...) push_take(w, flag, xasprintf(__VA_ARGS__))

static int refuse(struct run_ctx *x, const char *key, const char *why)
{
	return err_setc(x->e, ERR_INVALID,
			"service \"%.100s\": %s: %s", x->in->service, key,
			why ? why : "not supported by skiff yet");
}

/* A scalar's text, or NULL for anything else. */
static const char *scalar(const struct cnode *n)
{
	return n && n->t != CN_MAP && n->t != CN_SEQ && n->t != CN_NULL ?
		       n->s : NULL;
}

static bool truth(const struct cnode *n)
{
	return n && ((n->t == CN_BOOL && n->b) ||
		     (n->t == CN_STR && !strcmp(n->s, "true")));
}

/* Each key of map must be in allowed ("a,b,c"); else refused, named
 * PREFIX.KEY. */
static int only_keys(struct run_ctx *x, const struct cnode *map,
		     const char *prefix, const char *allowed)
{
	for (size_t i = 0; map && map->t == CN_MAP && i < map->n; i++) {
		const char *k = map->k[i]->s;
		size_t n = strlen(k);
		const char *p = allowed;
		bool ok = false;
		while (p && *p && !ok) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			ok = len == n && !strncmp(p, k, n);
			p = c ? c + 1 : NULL;
		}
		if (!ok) {
			char key[200];
			snprintf(key, sizeof(key), "%s.%s", prefix, k);
			return refuse(x, key, NULL);
		}
	}
	return 0;
}

static void list_flag(struct run_ctx *x, const char *flag,
		      const struct cnode *seq)
{
	for (size_t i = 0; seq && seq->t == CN_SEQ && i < seq->n; i++)
		if (scalar(seq->v[i]))
			push2(x->w, flag, seq->v[i]->s);
}

/* A word as sh would read it back (healthcheck CMD lists become a
 * --health-cmd line). */
static void sh_quote(struct buf *b, const char *s)
{
	bool plain = *s != '\0';

	for (const char *p = s; *p && plain; p++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			       "XYZ0123456789-_./:=@%+,", *p) != NULL;
	if (plain) {
		buf_puts(b, s);
		return;
	}
	buf_puts(b, "'");
	for (const char *p = s; *p; p++)
		if (*p == '\'')
			buf_puts(b, "'\\''");
		else
			buf_append(b, p, 1);
	buf_puts(b, "'");
}

static int map_healthcheck(struct run_ctx *x, const struct cnode *h)
{
	const struct cnode *test = cnode_get(h, "test");
	static const char *const durs[][2] = {
		{ "interval", "--health-interval" },
		{ "timeout", "--health-timeout" },
		{ "start_period", "--health-start-period" },
	};

	if (only_keys(x, h, "healthcheck",
		      "test,interval,timeout,start_period,retries,disable") < 0)
		return -1;
	if (truth(cnode_get(h, "disable"))) {
		push(x->w, "--no-healthcheck");
		return 0;
	}
	if (test && test->t == CN_SEQ && test->n) {
		const char *kind = scalar(test->v[0]);
		struct buf cmd = { 0 };
		if (kind && !strcmp(kind, "NONE")) {
			push(x->w, "--no-healthcheck");
			return 0;
		}
		if (!kind || (strcmp(kind, "CMD") && strcmp(kind, "CMD-SHELL")))
			return refuse(x, "healthcheck.test",
				      "the first word must be CMD, CMD-SHELL "
				      "or NONE");
		for (size_t i = 1; i < test->n; i++) {
			const char *s = scalar(test->v[i]);
			if (i > 1)
				buf_puts(&cmd, " ");
			if (!strcmp(kind, "CMD"))
				sh_quote(&cmd, s ? s : "");
			else
				buf_puts(&cmd, s ? s : "");
		}
		buf_append(&cmd, "", 1);
		push2(x->w, "--health-cmd", buf_head(&cmd));
		buf_free(&cmd);
	}
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++)
		if (scalar(cnode_get(h, durs[i][0])))
			push2(x->w, durs[i][1], cnode_get(h, durs[i][0])->s);
	if (scalar(cnode_get(h, "retries")))
		push2(x->w, "--health-retries", cnode_get(h, "retries")->s);
	return 0;
}

static int map_ports(struct run_ctx *x, const struct cnode *ports)
{
	for (size_t i = 0; ports && ports->t == CN_SEQ && i < ports->n; i++) {
		const struct cnode *p = ports->v[i];
		const char *ip = scalar(cnode_get(p, "host_ip"));
		const char *pub = scalar(cnode_get(p, "published"));
		const char *proto = scalar(cnode_get(p, "protocol"));
		const char *target = scalar(cnode_get(p, "target"));
		if (only_keys(x, p, "ports[]",
			      "mode,host_ip,target,published,protocol,name,"
			      "app_protocol") < 0)
			return -1;
		if (!target)
			return refuse(x, "ports[].target", "missing");
		if (ip)
			pushf(x->w, "-p", "%s:%s:%s/%s", ip, pub ? pub : "",
			      target, proto ? proto : "tcp");
		else if (pub)
			pushf(x->w, "-p", "%s:%s/%s", pub, target,
			      proto ? proto : "tcp");
		else
			pushf(x->w, "-p", "%s/%s", target, proto ? proto : "tcp");
	}
	return 0;
}

/* A named volume's engine name (the top-level volumes' `name`). */
static const char *volume_name(const struct run_ctx *x, const char *key)
{
	const struct cnode *v = cnode_get(cnode_get(x->in->model, "volumes"),
					  key);
	const char *name = scalar(cnode_get(v, "name"));

	return name ? name : key;
}

static int map_volume(struct run_ctx *x, const struct cnode *v)
{
	const char *type = scalar(cnode_get(v, "type"));
	const char *src = scalar(cnode_get(v, "source"));
	const char *dst = scalar(cnode_get(v, "target"));
	bool ro = truth(cnode_get(v, "read_only"));
	const struct cnode *sub;
	struct buf m = { 0 };

	if (only_keys(x, v, "volumes[]",
		      "type,source,target,read_only,bind,volume,tmpfs") < 0)
		return -1;
	if (!type || !dst)
		return refuse(x, "volumes[]", "a type and a target are needed");
	if ((src && strchr(src, ',')) || strchr(dst, ','))
		return refuse(x, "volumes[]", "a path with a comma");
	if (!strcmp(type, "bind")) {
		sub = cnode_get(v, "bind");
		if (only_keys(x, sub, "volumes[].bind",
			      "create_host_path,propagation") < 0)
			return -1;
		if (truth(cnode_get(sub, "create_host_path")) &&
		    !strchr(src ? src : "", ':') &&
		    !scalar(cnode_get(sub, "propagation"))) {
			pushf(x->w, "-v", "%s:%s%s", src ? src : "", dst,
			      ro ? ":ro" : "");
			return 0;
		}
		buf_printf(&m, "type=bind,source=%s,target=%s", src ? src : "",
			   dst);
		if (scalar(cnode_get(sub, "propagation")))
			buf_printf(&m, ",bind-propagation=%s",
				   cnode_get(sub, "propagation")->s);
	} else if (!strcmp(type, "volume")) {
		sub = cnode_get(v, "volume");
		if (only_keys(x, sub, "volumes[].volume", "nocopy") < 0)
			return -1;
		buf_printf(&m, "type=volume,target=%s", dst);
		if (src)
			buf_printf(&m, ",source=%s", volume_name(x, src));
		if (truth(cnode_get(sub, "nocopy")))
			buf_puts(&m, ",volume-nocopy");
	} else if (!strcmp(type, "tmpfs")) {
		sub = cnode_get(v, "tmpfs");
		if (only_keys(x, sub, "volumes[].tmpfs", "size,mode") < 0)
			return -1;
		buf_printf(&m, "type=tmpfs,target=%s", dst);
		if (scalar(cnode_get(sub, "size")))
			buf_printf(&m, ",tmpfs-size=%s",
				   cnode_get(sub, "size")->s);
		if (scalar(cnode_get(sub, "mode")))
			buf_printf(&m, ",tmpfs-mode=%s",
				   cnode_get(sub, "mode")->s);
	} else {
		return refuse(x, "volumes[].type", type);
	}
	if (ro)
		buf_puts(&m, ",readonly");
	buf_append(&m, "", 1);
	push2(x->w, "--mount", buf_head(&m));
	buf_free(&m);
	return 0;
}

/* secrets and configs: the file bound read-only at its target
 * (secrets: /run/secrets/NAME; configs: /NAME), as compose does without
 * a swarm. */
static int map_files(struct run_ctx *x, const char *key, const char *dir)
{
	const struct cnode *refs = cnode_get(x->in->svc, key);
	const struct cnode *top = cnode_get(x->in->model, key);

	for (size_t i = 0; refs && refs->t == CN_SEQ && i < refs->n; i++) {
		const struct cnode *r = refs->v[i];
		const char *src = scalar(cnode_get(r, "source"));
		const char *tgt = scalar(cnode_get(r, "target"));
		const struct cnode *def = cnode_get(top, src ? src : "");
		const char *file = scalar(cnode_get(def, "file"));
		char k[64];
		snprintf(k, sizeof(k), "%s[]", key);
		if (only_keys(x, r, k, "source,target") < 0)
			return -1;
		if (!file || strchr(file, ':'))
			return refuse(x, k, "only file-based ones (file:) "
					    "are supported yet");
		if (!tgt)
			tgt = src;
		pushf(x->w, "-v", "%s:%s%s:ro", file, *tgt == '/' ? "" : dir,
		      tgt);
	}
	return 0;
}

/* networks (or network_mode): the first network with the service's
 * name and aliases; the others as `network connect` requests. */
static int map_networks(struct run_ctx *x)
{
	const struct cnode *mode = cnode_get(x->in->svc, "network_mode");
	const struct cnode *nets = cnode_get(x->in->svc, "networks");
	const struct cnode *top = cnode_get(x->in->model, "networks");

	if (scalar(mode)) {
		if (!strncmp(mode->s, "service:", 8))
			pushf(x->w, "--network", "container:%s-%s-1",
			      x->in->project, mode->s + 8);
		else
			push2(x->w, "--network", mode->s);
		return 0;
	}
	for (size_t i = 0; nets && nets->t == CN_MAP && i < nets->n; i++) {
		const struct cnode *o = nets->v[i];
		const char *eng = scalar(cnode_get(cnode_get(top,
							     nets->k[i]->s),
						   "name"));
		const struct cnode *al = cnode_get(o, "aliases");
		const char *ip = scalar(cnode_get(o, "ipv4_address"));
		struct strv *w = x->w;
		if (only_keys(x, o, "networks.*", "aliases,ipv4_address") < 0)
			return -1;
		if (!eng)
			eng = nets->k[i]->s;
		if (i > 0) {
			x->out->connect = xrealloc(x->out->connect, i,
						   sizeof(struct strv));
			w = &x->out->connect[i - 1];
			*w = (struct strv){ 0 };
			x->out->nconnect = i;
			push2(w, "network", "connect");
		}
		push2(w, i ? "--alias" : "--network-alias", x->in->service);
		for (size_t a = 0; al && al->t == CN_SEQ && a < al->n; a++)
			if (scalar(al->v[a]))
				push2(w, i ? "--alias" : "--network-alias",
				      al->v[a]->s);
		if (ip)
			push2(w, "--ip", ip);
		if (i > 0) {
			push(w, eng);
			push(w, x->out->name);
		} else {
			push2(w, "--network", eng);
		}
	}
	return 0;
}

static int map_deploy(struct run_ctx *x, const struct cnode *d)
{
	const struct cnode *res = cnode_get(d, "resources");
	const struct cnode *lim = cnode_get(res, "limits");
	const struct cnode *rsv = cnode_get(res, "reservations");

	if (only_keys(x, d, "deploy", "replicas,resources") < 0 ||
	    only_keys(x, res, "deploy.resources", "limits,reservations") < 0 ||
	    only_keys(x, lim, "deploy.resources.limits", "cpus,memory,pids") <
		    0 ||
	    only_keys(x, rsv, "deploy.resources.reservations", "memory") < 0)
		return -1;
	if (scalar(cnode_get(lim, "cpus")))
		push2(x->w, "--cpus", cnode_get(lim, "cpus")->s);
	if (scalar(cnode_get(lim, "memory")))
		push2(x->w, "--memory", cnode_get(lim, "memory")->s);
	if (scalar(cnode_get(lim, "pids")))
		push2(x->w, "--pids-limit", cnode_get(lim, "pids")->s);
	if (scalar(cnode_get(rsv, "memory")))
		push2(x->w, "--memory-reservation",
		      cnode_get(rsv, "memory")->s);
	return 0;
}

static int map_logging(struct run_ctx *x, const struct cnode *l)
{
	const char *drv = scalar(cnode_get(l, "driver"));
	const struct cnode *o = cnode_get(l, "options");

	if (only_keys(x, l, "logging", "driver,options") < 0 ||
	    only_keys(x, o, "logging.options", "max-size,max-file") < 0)
		return -1;
	if (drv && strcmp(drv, "json-file") && strcmp(drv, "local"))
		return refuse(x, "logging.driver", "only json-file is "
						   "supported");
	for (size_t i = 0; o && o->t == CN_MAP && i < o->n; i++)
		if (scalar(o->v[i]))
			pushf(x->w, "--log-opt", "%s=%s", o->k[i]->s,
			      o->v[i]->s);
	return 0;
}

static int map_grace(struct run_ctx *x, const struct cnode *g)
{
	int64_t ms;

	if (!scalar(g) || cmdspec_parse_duration(g->s, &ms) < 0 || ms < 0)
		return refuse(x, "stop_grace_period", "not a duration");
	pushf(x->w, "--stop-timeout", "%lld", (long long)((ms + 999) / 1000));
	return 0;
}

/* Keys that are one flag each: a scalar's value, a list's items or a
 * boolean. */
static const struct {
	const char *key, *flag;
	enum { ONE, LIST, BOOL } how;
} simple[] = {
	{ "cap_add", "--cap-add", LIST },
	{ "cap_drop", "--cap-drop", LIST },
	{ "cpu_shares", "--cpu-shares", ONE },
	{ "cpus", "--cpus", ONE },
	{ "cpuset", "--cpuset-cpus", ONE },
	{ "dns", "--dns", LIST },
	{ "dns_opt", "--dns-option", LIST },
	{ "dns_search", "--dns-search", LIST },
	{ "expose", "--expose", LIST },
	{ "hostname", "--hostname", ONE },
	{ "init", "--init", BOOL },
	{ "mac_address", "--mac-address", ONE },
	{ "mem_limit", "--memory", ONE },
	{ "mem_reservation", "--memory-reservation", ONE },
	{ "memswap_limit", "--memory-swap", ONE },
	{ "pids_limit", "--pids-limit", ONE },
	{ "privileged", "--privileged", BOOL },
	{ "read_only", "--read-only", BOOL },
	{ "restart", "--restart", ONE },
	{ "security_opt", "--security-opt", LIST },
	{ "stdin_open", "--interactive", BOOL },
	{ "stop_signal", "--stop-signal", ONE },
	{ "tmpfs", "--tmpfs", LIST },
	{ "tty", "--tty", BOOL },
	{ "user", "--user", ONE },
	{ "working_dir", "--workdir", ONE },
};

/* Keys the deployer or the loader handles (not flags of create). */
static const char *const elsewhere[] = {
	"command",	"container_name", "depends_on",	  "deploy",
	"entrypoint",	"environment",	  "extra_hosts",  "healthcheck",
	"image",	"labels",	  "logging",	  "network_mode",
	"networks",	"ports",	  "profiles",	  "secrets",
	"configs",	"stop_grace_period", "volumes",
};

static int map_simple(struct run_ctx *x, const char *key,
		      const struct cnode *v, bool *done)
{
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(simple[i].key, key))
			continue;
		*done = true;
		if (simple[i].how == LIST)
			list_flag(x, simple[i].flag, v);
		else if (simple[i].how == BOOL && truth(v))
			push(x->w, simple[i].flag);
		else if (simple[i].how == ONE && scalar(v))
			push2(x->w, simple[i].flag, v->s);
		return 0;
	}
	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++)
		if (!strcmp(elsewhere[i], key))
			*done = true;
	if (!*done && strncmp(key, "x-", 2)) {
		if (!strcmp(key, "build"))
			return refuse(x, key, "building images is not "
					      "supported yet: give an image");
		return refuse(x, key, NULL);
	}
	*done = true;
	return 0;
}

static void map_env_labels(struct run_ctx *x)
{
	const struct cnode *env = cnode_get(x->in->svc, "environment");
	const struct cnode *lab = cnode_get(x->in->svc, "labels");
	const struct cnode *hosts = cnode_get(x->in->svc, "extra_hosts");

	for (size_t i = 0; env && env->t == CN_MAP && i < env->n; i++)
		if (env->v[i]->t != CN_NULL) /* unset: not passed */
			pushf(x->w, "-e", "%s=%s", env->k[i]->s,
			      env->v[i]->s ? env->v[i]->s : "");
	for (size_t i = 0; lab && lab->t == CN_MAP && i < lab->n; i++)
		pushf(x->w, "--label", "%s=%s", lab->k[i]->s,
		      lab->v[i]->s ? lab->v[i]->s : "");
	if (hosts && hosts->t == CN_SEQ)
		list_flag(x, "--add-host", hosts);
	for (size_t i = 0; hosts && hosts->t == CN_MAP && i < hosts->n; i++)
		pushf(x->w, "--add-host", "%s:%s", hosts->k[i]->s,
		      hosts->v[i]->s ? hosts->v[i]->s : "");
	pushf(x->w, "--label", "com.docker.compose.project=%s",
	      x->in->project);
	pushf(x->w, "--label", "com.docker.compose.service=%s",
	      x->in->service);
	pushf(x->w, "--label", "com.docker.compose.container-number=%u",
	      x->in->number);
	pushf(x->w, "--label", "com.docker.compose.config-hash=%s",
	      x->in->hash);
	push2(x->w, "--label", "com.docker.compose.oneoff=False");
	if (x->in->workdir)
		pushf(x->w, "--label",
		      "com.docker.compose.project.working_dir=%s",
		      x->in->workdir);
}

/* image and the command words: entrypoint's first word is --entrypoint,
 * its others go before the command (Docker's entrypoint is one word). */
static int map_image(struct run_ctx *x)
{
	const struct cnode *ep = cnode_get(x->in->svc, "entrypoint");
	const struct cnode *cmd = cnode_get(x->in->svc, "command");
	const char *image = scalar(cnode_get(x->in->svc, "image"));

	if (!image)
		return refuse(x, "image", "missing (build: is not supported "
					  "yet)");
	if (ep && ep->t == CN_SEQ)
		push2(x->w, "--entrypoint",
		      ep->n && scalar(ep->v[0]) ? ep->v[0]->s : "");
	push(x->w, image);
	for (size_t i = 1; ep && ep->t == CN_SEQ && i < ep->n; i++)
		push(x->w, scalar(ep->v[i]) ? ep->v[i]->s : "");
	for (size_t i = 0; cmd && cmd->t == CN_SEQ && i < cmd->n; i++)
		push(x->w, scalar(cmd->v[i]) ? cmd->v[i]->s : "");
	return 0;
}

int compose_run_words(const struct compose_run_in *in,
		      struct compose_run_out *out, struct err *e)
{
	const struct cnode *svc = in->svc;
	struct run_ctx x = { in, out, &out->create, e };
	const struct cnode *v;

	*out = (struct compose_run_out){ 0 };
	out->name = compose_plan_ctr_name(in->project, in->service, svc,
					  in->number);
	push(x.w, "create");
	push2(x.w, "--name", out->name);
	for (size_t i = 0; svc && svc->t == CN_MAP && i < svc->n; i++) {
		bool done = false;
		if (map_simple(&x, svc->k[i]->s, svc->v[i], &done) < 0)
			goto fail;
	}
	map_env_labels(&x);
	if (((v = cnode_get(svc, "healthcheck")) && map_healthcheck(&x, v) < 0) ||
	    map_ports(&x, cnode_get(svc, "ports")) < 0 ||
	    ((v = cnode_get(svc, "deploy")) && map_deploy(&x, v) < 0) ||
	    ((v = cnode_get(svc, "logging")) && map_logging(&x, v) < 0) ||
	    ((v = cnode_get(svc, "stop_grace_period")) && map_grace(&x, v) < 0) ||
	    map_files(&x, "secrets", "/run/secrets/") < 0 ||
	    map_files(&x, "configs", "/") < 0 || map_networks(&x) < 0)
		goto fail;
	v = cnode_get(svc, "volumes");
	for (size_t i = 0; v && v->t == CN_SEQ && i < v->n; i++)
		if (map_volume(&x, v->v[i]) < 0)
			goto fail;
	if (map_image(&x) < 0)
		goto fail;
	return 0;
fail:
	compose_run_out_free(out);
	return -1;
}

void compose_run_out_free(struct compose_run_out *out)
{
	free(out->name);
	strv_free(&out->create);
	for (size_t i = 0; i < out->nconnect; i++)
		strv_free(&out->connect[i]);
	free(out->connect);
	*out = (struct compose_run_out){ 0 };
}

unsigned compose_run_scale(const struct cnode *svc)
{
	const char *r = scalar(cnode_get(cnode_get(svc, "deploy"),
					 "replicas"));
	long n = r ? strtol(r, NULL, 10) : 1;

	return n < 0 ? 0 : n > 1000 ? 1000 : (unsigned)n;
}
