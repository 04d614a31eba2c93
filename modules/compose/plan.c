/* plan.c - what each compose verb does, as a list of actions planned
 * from the model and the project's containers before anything changes
 * (deploy.c runs them). `up` converges: a container whose
 * com.docker.compose.config-hash label matches its service's hash stays
 * (started if it was stopped), one that differs is recreated, missing
 * numbers are created, numbers past the scale removed; networks and
 * volumes are made when missing. Owns nothing past a call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/xalloc.h"
#include "cop.h"

static void argv_add(struct cact *c, const char *s)
{
	if (strv_push(&c->argv, s) < 0)
		abort();
}

/* Push an xasprintf() result. */
static void argv_take(struct cact *c, char *s)
{
	argv_add(c, s);
	free(s);
}
#define argv_addf(c, ...) argv_take(c, xasprintf(__VA_ARGS__))

static const struct cnode *services(const struct cop *op)
{
	return cnode_get(op->p.model, "services");
}

static bool is_true(const struct cnode *n)
{
	return n && n->t == CN_BOOL && n->b;
}

/* Refuse a key of a top-level network or volume skiff cannot honour. */
static int only(const char *what, const char *name, const struct cnode *def,
		const char *const *keys, struct err *e)
{
	for (size_t i = 0; def && def->t == CN_MAP && i < def->n; i++) {
		bool ok = !strncmp(def->k[i]->s, "x-", 2);
		for (size_t k = 0; keys[k] && !ok; k++)
			ok = !strcmp(keys[k], def->k[i]->s);
		if (!ok)
			return err_setc(e, ERR_INVALID, "%s \"%s\": %s: not "
					"supported by skiff yet", what, name,
					def->k[i]->s);
	}
	return 0;
}

/* The services up touches: the named ones and (unless --no-deps) what
 * they depend on, transitively. */
static void select_deps(const struct cop *op, const char *name, bool *sel)
{
	const struct cnode *svcs = services(op);
	ssize_t i = cnode_find(svcs, name);
	const struct cnode *deps;

	if (i < 0 || sel[i])
		return;
	sel[i] = true;
	deps = cnode_get(svcs->v[i], "depends_on");
	for (size_t d = 0; !op->a->no_deps && deps && deps->t == CN_MAP &&
			   d < deps->n; d++)
		select_deps(op, deps->k[d]->s, sel);
}

static bool *selection(const struct cop *op)
{
	const struct cnode *svcs = services(op);
	bool *sel = xcalloc(svcs->n + 1, sizeof(*sel));

	for (size_t i = 0; i < svcs->n; i++)
		if (cop_selected(op, svcs->k[i]->s))
			select_deps(op, svcs->k[i]->s, sel);
	return sel;
}

static bool uses_network(const struct cnode *svc, const char *key)
{
	return !cnode_get(svc, "network_mode") &&
	       cnode_get(cnode_get(svc, "networks"), key);
}

static int plan_network(struct cop *op, const char *key,
			const struct cnode *def, struct err *e)
{
	static const char *const keys[] = { "name", "external", "internal",
					    "driver", "labels", "ipam",
					    "attachable", NULL };
	const char *name = cnode_text(cnode_get(def, "name"));
	const struct cnode *ipam = cnode_get(def, "ipam");
	const struct cnode *cfg = cnode_get(ipam, "config");
	const struct cnode *labels = cnode_get(def, "labels");
	const char *drv = cnode_text(cnode_get(def, "driver"));
	struct cact *c;

	if (only("network", key, def, keys, e) < 0)
		return -1;
	if (is_true(cnode_get(def, "external")))
		return 0;
	if (drv && strcmp(drv, "bridge"))
		return err_setc(e, ERR_INVALID, "network \"%s\": driver %s: "
				"only bridge is supported", key, drv);
	c = cop_act(op, CA_NETWORK);
	c->what = xstrdup(name ? name : key);
	argv_add(c, "network");
	argv_add(c, "create");
	argv_addf(c, "--label=com.docker.compose.project=%s", op->project);
	argv_addf(c, "--label=com.docker.compose.network=%s", key);
	for (size_t i = 0; labels && labels->t == CN_MAP && i < labels->n; i++)
		argv_addf(c, "--label=%s=%s", labels->k[i]->s,
			  cnode_text(labels->v[i]) ? cnode_text(labels->v[i])
						   : "");
	if (is_true(cnode_get(def, "internal")))
		argv_add(c, "--internal");
	for (size_t i = 0; cfg && cfg->t == CN_SEQ && i < cfg->n; i++) {
		const char *sub = cnode_text(cnode_get(cfg->v[i], "subnet"));
		const char *gw = cnode_text(cnode_get(cfg->v[i], "gateway"));
		const char *rng = cnode_text(cnode_get(cfg->v[i], "ip_range"));
		if (sub)
			argv_addf(c, "--subnet=%s", sub);
		if (gw)
			argv_addf(c, "--gateway=%s", gw);
		if (rng)
			argv_addf(c, "--ip-range=%s", rng);
	}
	argv_add(c, c->what);
	cop_report(c, "Network", c->what, "Created");
	return 0;
}

static int plan_volume(struct cop *op, const char *key,
		       const struct cnode *def, struct err *e)
{
	static const char *const keys[] = { "name", "external", "labels",
					    "driver", NULL };
	const char *name = cnode_text(cnode_get(def, "name"));
	const char *drv = cnode_text(cnode_get(def, "driver"));
	const struct cnode *labels = cnode_get(def, "labels");
	struct cact *c;

	if (only("volume", key, def, keys, e) < 0)
		return -1;
	if (is_true(cnode_get(def, "external")))
		return 0;
	if (drv && strcmp(drv, "local"))
		return err_setc(e, ERR_INVALID, "volume \"%s\": driver %s: "
				"only local is supported", key, drv);
	c = cop_act(op, CA_CALL);
	argv_add(c, "volume");
	argv_add(c, "create");
	argv_addf(c, "--label=com.docker.compose.project=%s", op->project);
	argv_addf(c, "--label=com.docker.compose.volume=%s", key);
	for (size_t i = 0; labels && labels->t == CN_MAP && i < labels->n; i++)
		argv_addf(c, "--label=%s=%s", labels->k[i]->s,
			  cnode_text(labels->v[i]) ? cnode_text(labels->v[i])
						   : "");
	argv_add(c, name ? name : key);
	return 0;
}

/* --scale SVC=N over deploy.replicas; -1 with e set on a bad word. */
static int scale_of(const struct cop *op, const char *svc, unsigned *n,
		    struct err *e)
{
	const struct strlist *sc = &op->a->scale;

	*n = compose_run_scale(cnode_get(services(op), svc));
	for (int i = 0; i < sc->n; i++) {
		const char *eq = strchr(sc->v[i], '=');
		char *end;
		long v;
		if (!eq)
			return err_setc(e, ERR_INVALID, "--scale %s: not "
					"SERVICE=N", sc->v[i]);
		if ((size_t)(eq - sc->v[i]) != strlen(svc) ||
		    strncmp(sc->v[i], svc, strlen(svc)))
			continue;
		v = strtol(eq + 1, &end, 10);
		if (*end || end == eq + 1 || v < 0 || v > 1000)
			return err_setc(e, ERR_INVALID, "--scale %s: N must "
					"be 0 to 1000", sc->v[i]);
		*n = (unsigned)v;
	}
	return 0;
}

static int check_scale_words(const struct cop *op, struct err *e)
{
	const struct strlist *sc = &op->a->scale;

	for (int i = 0; i < sc->n; i++) {
		const char *eq = strchr(sc->v[i], '=');
		char name[256];
		snprintf(name, sizeof(name), "%.*s",
			 eq ? (int)(eq - sc->v[i]) : 0, sc->v[i]);
		if (!eq || !cnode_get(services(op), name))
			return err_setc(e, ERR_INVALID, "--scale %s: no such "
					"service", sc->v[i]);
	}
	return 0;
}

static struct cctr *ctr_of(struct cop *op, const char *svc, unsigned n)
{
	for (size_t i = 0; i < op->nctrs; i++)
		if (op->ctrs[i].service && !strcmp(op->ctrs[i].service, svc) &&
		    op->ctrs[i].number == n)
			return &op->ctrs[i];
	return NULL;
}

static bool running(const struct cctr *c)
{
	return !strcmp(c->state, "running") ||
	       !strcmp(c->state, "restarting") ||
	       !strcmp(c->state, "paused");
}

static void act_simple(struct cop *op, const char *verb, const char *name,
		       const char *action)
{
	struct cact *c = cop_act(op, CA_CALL);

	argv_add(c, verb);
	if (!strcmp(verb, "rm"))
		argv_add(c, "-f");
	argv_add(c, name);
	if (action)
		cop_report(c, "Container", name, action);
}

/* Create (and connect) container n of svc, then start it. */
static int plan_create(struct cop *op, const char *svc, unsigned n,
		       const char *hash, const char *action, struct err *e)
{
	struct compose_run_in in = {
		.model = op->p.model,
		.svc = cnode_get(services(op), svc),
		.project = op->project,
		.service = svc,
		.number = n,
		.hash = hash,
	};
	struct compose_run_out out;
	struct cact *c;

	if (compose_run_words(&in, &out, e) < 0)
		return -1;
	c = cop_act(op, CA_CALL);
	c->argv = out.create;
	out.create = (struct strv){ 0 };
	cop_report(c, "Container", out.name, "Created");
	for (size_t i = 0; i < out.nconnect; i++) {
		c = cop_act(op, CA_CALL);
		c->argv = out.connect[i];
		out.connect[i] = (struct strv){ 0 };
	}
	act_simple(op, "start", out.name, action);
	compose_run_out_free(&out);
	return 0;
}

static int plan_waits(struct cop *op, const struct cnode *svc)
{
	const struct cnode *deps = cnode_get(svc, "depends_on");

	for (size_t d = 0; deps && deps->t == CN_MAP && d < deps->n; d++) {
		const char *cond = cnode_text(cnode_get(deps->v[d],
							"condition"));
		struct cact *c;
		if (!cond || !strcmp(cond, "service_started") ||
		    !cnode_get(services(op), deps->k[d]->s))
			continue;
		c = cop_act(op, CA_WAIT);
		c->what = xstrdup(deps->k[d]->s);
		c->cond = xstrdup(cond);
		cop_report(c, "Service", c->what,
			   strcmp(cond, "service_healthy") ? "Exited"
							   : "Healthy");
	}
	return 0;
}

static int plan_service(struct cop *op, const char *svc, struct err *e)
{
	const struct cnode *s = cnode_get(services(op), svc);
	char hash[65];
	unsigned scale;

	if (scale_of(op, svc, &scale, e) < 0 ||
	    compose_plan_hash(s, hash, e) < 0)
		return -1;
	if (scale > 1 && cnode_get(s, "container_name"))
		return err_setc(e, ERR_INVALID, "service \"%s\": container_name "
				"is one container: it cannot scale to %u",
				svc, scale);
	plan_waits(op, s);
	for (size_t i = 0; i < op->nctrs; i++) {
		struct cctr *k = &op->ctrs[i];
		if (k->service && !strcmp(k->service, svc) &&
		    (k->number > scale || !k->number))
			act_simple(op, "rm", k->name, "Removed");
	}
	for (unsigned n = 1; n <= scale; n++) {
		struct cctr *k = ctr_of(op, svc, n);
		bool same = k && k->hash && !strcmp(k->hash, hash);
		if (k && (op->a->no_recreate ||
			  (same && !op->a->force_recreate))) {
			if (running(k)) {
				struct cact *c = cop_act(op, CA_NOTE);
				cop_report(c, "Container", k->name, "Running");
			} else {
				act_simple(op, "start", k->name, "Started");
			}
			continue;
		}
		if (k)
			act_simple(op, "rm", k->name, NULL);
		if (plan_create(op, svc, n, hash, k ? "Recreated" : "Started",
				e) < 0)
			return -1;
	}
	return 0;
}

/* The project's containers of services no longer in the model. */
static void plan_orphans(struct cop *op)
{
	struct buf names = { 0 };

	for (size_t i = 0; i < op->nctrs; i++) {
		struct cctr *k = &op->ctrs[i];
		if (k->service && cnode_get(services(op), k->service))
			continue;
		if (op->a->remove_orphans)
			act_simple(op, "rm", k->name, "Removed");
		else
			buf_printf(&names, "%s%s", buf_used(&names) ? ", " : "",
				   k->name);
	}
	if (buf_used(&names)) {
		struct cact *c = cop_act(op, CA_NOTE);
		buf_append(&names, "", 1);
		cop_report(c, "WARN", "Found orphan containers", buf_head(&names));
		free(c->action);
		c->action = xasprintf("(%s) for this project: remove them with "
				      "--remove-orphans", buf_head(&names));
	}
	buf_free(&names);
}

int plan_up(struct cop *op, struct err *e)
{
	const struct cnode *svcs = services(op);
	const struct cnode *nets = cnode_get(op->p.model, "networks");
	const struct cnode *vols = cnode_get(op->p.model, "volumes");
	_cleanup_free_ bool *sel = NULL;
	_cleanup_free_ const char **order = NULL;
	size_t n;

	if (!op->a->detach)
		return err_setc(e, ERR_INVALID, "compose up: only detached "
				"mode (-d) is supported yet");
	if (op->a->force_recreate && op->a->no_recreate)
		return err_setc(e, ERR_INVALID, "--force-recreate and "
				"--no-recreate cannot go together");
	if (check_scale_words(op, e) < 0 ||
	    compose_plan_order(op->p.model, &order, &n, e) < 0)
		return -1;
	sel = selection(op);
	plan_orphans(op);
	for (size_t i = 0; nets && nets->t == CN_MAP && i < nets->n; i++) {
		bool used = false;
		for (size_t s = 0; s < svcs->n && !used; s++)
			used = sel[s] && uses_network(svcs->v[s],
						      nets->k[i]->s);
		if (used && plan_network(op, nets->k[i]->s, nets->v[i], e) < 0)
			return -1;
	}
	for (size_t i = 0; vols && vols->t == CN_MAP && i < vols->n; i++)
		if (plan_volume(op, vols->k[i]->s, vols->v[i], e) < 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		if (sel[cnode_find(svcs, order[i])] &&
		    plan_service(op, order[i], e) < 0)
			return -1;
	for (size_t i = 0; op->a->wait && i < n; i++) {
		struct cact *c;
		unsigned scale;
		if (!sel[cnode_find(svcs, order[i])] ||
		    scale_of(op, order[i], &scale, e) < 0 || !scale)
			continue;
		c = cop_act(op, CA_WAIT);
		c->what = xstrdup(order[i]);
		c->cond = xstrdup("running");
		cop_report(c, "Service", c->what, "Ready");
	}
	return 0;
}

static bool is_any(const struct cctr *k)
{
	return true;
}

static bool is_up(const struct cctr *k)
{
	return running(k);
}

static bool is_stopped(const struct cctr *k)
{
	return !running(k);
}

static bool is_active(const struct cctr *k)
{
	return running(k) && strcmp(k->state, "paused");
}

static bool is_paused(const struct cctr *k)
{
	return !strcmp(k->state, "paused");
}

/* One request for the containers of svc (svc NULL: the orphans) that
 * want accepts, then a report line for each. */
static void plan_batch(struct cop *op, const char *svc, const char *verb,
		       bool (*want)(const struct cctr *k), const char *action)
{
	struct cact *c = NULL;
	size_t first = op->nacts;

	for (size_t i = 0; i < op->nctrs; i++) {
		struct cctr *k = &op->ctrs[i];
		bool orphan = !k->service || !cnode_get(services(op),
							k->service);
		if (svc ? !k->service || strcmp(k->service, svc) : !orphan)
			continue;
		if (!want(k))
			continue;
		if (!c) {
			c = cop_act(op, CA_CALL);
			first = op->nacts;
			argv_add(c, verb);
			if (!strcmp(verb, "rm"))
				argv_add(c, "-f");
			if (!strcmp(verb, "rm") && op->a->rm_volumes)
				argv_add(c, "-v");
			if (op->a->timeout > 0 && (!strcmp(verb, "stop") ||
						   !strcmp(verb, "restart")))
				argv_addf(c, "--time=%lld", op->a->timeout);
			if (op->a->signal && !strcmp(verb, "kill"))
				argv_addf(c, "--signal=%s", op->a->signal);
		}
		argv_add(c, k->name);
		cop_report(cop_act(op, CA_NOTE), "Container", k->name, action);
		c = &op->acts[first - 1]; /* cop_act may have moved it */
	}
}

int plan_down(struct cop *op, struct err *e)
{
	const struct cnode *nets = cnode_get(op->p.model, "networks");
	const struct cnode *vols = cnode_get(op->p.model, "volumes");
	_cleanup_free_ const char **order = NULL;
	size_t n;

	if (compose_plan_order(op->p.model, &order, &n, e) < 0)
		return -1;
	for (size_t i = n; i-- > 0;)
		plan_batch(op, order[i], "stop", is_up, "Stopped");
	if (op->a->remove_orphans)
		plan_batch(op, NULL, "stop", is_up, "Stopped");
	for (size_t i = n; i-- > 0;)
		plan_batch(op, order[i], "rm", is_any, "Removed");
	if (op->a->remove_orphans)
		plan_batch(op, NULL, "rm", is_any, "Removed");
	else
		plan_orphans(op);
	for (size_t i = 0; nets && nets->t == CN_MAP && i < nets->n; i++) {
		const char *name = cnode_text(cnode_get(nets->v[i], "name"));
		struct cact *c;
		if (is_true(cnode_get(nets->v[i], "external")))
			continue;
		c = cop_act(op, CA_CALL);
		c->tolerant = true;
		argv_add(c, "network");
		argv_add(c, "rm");
		argv_add(c, name ? name : nets->k[i]->s);
		cop_report(c, "Network", name ? name : nets->k[i]->s,
			   "Removed");
	}
	for (size_t i = 0; op->a->rm_volumes && vols && vols->t == CN_MAP &&
			   i < vols->n; i++) {
		const char *name = cnode_text(cnode_get(vols->v[i], "name"));
		struct cact *c;
		if (is_true(cnode_get(vols->v[i], "external")))
			continue;
		c = cop_act(op, CA_CALL);
		c->tolerant = true;
		argv_add(c, "volume");
		argv_add(c, "rm");
		argv_add(c, name ? name : vols->k[i]->s);
		cop_report(c, "Volume", name ? name : vols->k[i]->s,
			   "Removed");
	}
	return 0;
}

/* start, stop, restart, kill, pause, unpause, rm: the selected
 * services' containers that want accepts, in start order (backwards:
 * dependents first). */
static int plan_each(struct cop *op, const char *verb,
		     bool (*want)(const struct cctr *k), const char *action,
		     bool backwards, struct err *e)
{
	_cleanup_free_ const char **order = NULL;
	size_t n;

	if (compose_plan_order(op->p.model, &order, &n, e) < 0)
		return -1;
	for (size_t j = 0; j < n; j++) {
		const char *svc = order[backwards ? n - 1 - j : j];
		if (cop_selected(op, svc))
			plan_batch(op, svc, verb, want, action);
	}
	return 0;
}

int plan_start(struct cop *op, struct err *e)
{
	return plan_each(op, "start", is_stopped, "Started", false, e);
}

int plan_stop(struct cop *op, struct err *e)
{
	return plan_each(op, "stop", is_up, "Stopped", true, e);
}

int plan_restart(struct cop *op, struct err *e)
{
	return plan_each(op, "restart", is_any, "Restarted", false, e);
}

int plan_kill(struct cop *op, struct err *e)
{
	return plan_each(op, "kill", is_up, "Killed", true, e);
}

int plan_pause(struct cop *op, struct err *e)
{
	return plan_each(op, "pause", is_active, "Paused", true, e);
}

int plan_unpause(struct cop *op, struct err *e)
{
	return plan_each(op, "unpause", is_paused, "Unpaused", false, e);
}

int plan_rm(struct cop *op, struct err *e)
{
	if (op->a->stop_first &&
	    plan_each(op, "stop", is_up, "Stopped", true, e) < 0)
		return -1;
	return plan_each(op, "rm", op->a->stop_first ? is_any : is_stopped,
			 "Removed", true, e);
}

/* logs: each container's log in turn (by name), every line after
 * "NAME  | " (names padded to the longest), as docker compose prints. */
int plan_logs(struct cop *op, struct err *e)
{
	size_t width = 0;

	if (op->a->follow)
		return err_setc(e, ERR_INVALID, "compose logs: --follow is "
				"not supported yet");
	for (size_t i = 0; i < op->nctrs; i++)
		if (op->ctrs[i].service && cop_selected(op, op->ctrs[i].service) &&
		    strlen(op->ctrs[i].name) > width)
			width = strlen(op->ctrs[i].name);
	for (size_t i = 0; i < op->nctrs; i++) {
		struct cctr *k = &op->ctrs[i];
		struct cact *c;
		if (!k->service || !cop_selected(op, k->service))
			continue;
		c = cop_act(op, CA_CALL);
		argv_add(c, "logs");
		if (op->a->tail)
			argv_addf(c, "--tail=%s", op->a->tail);
		if (op->a->timestamps)
			argv_add(c, "--timestamps");
		argv_add(c, k->name);
		c->prefix = xasprintf("%-*s | ", (int)width, k->name);
	}
	return 0;
}

/* ps: the rows of the selected services' containers (running ones
 * unless -a), each with its "Service", sorted by name. */
int plan_ps(struct cop *op, struct err *e)
{
	struct buf *out = ctl_req_out(op->r);

	for (size_t i = 0; i < op->nctrs; i++) {
		struct cctr *k = &op->ctrs[i];
		size_t len = strlen(k->row);
		if (!k->service || !cop_selected(op, k->service) ||
		    (!op->a->all && !running(k)))
			continue;
		if (op->a->quiet) {
			struct jw w;
			char *id = strstr(k->row, "\"ID\":\"");
			ctl_req_json(op->r, &w);
			jw_strn(&w, "ID", id ? id + 6 : "",
				id ? strcspn(id + 6, "\"") : 0);
			jw_close(&w);
			continue;
		}
		while (len && k->row[len - 1] != '}')
			len--;
		if (!len)
			continue;
		buf_append(out, k->row, len - 1);
		buf_printf(out, ",\"Service\":\"%s\"}\n", k->service);
	}
	return 0;
}
