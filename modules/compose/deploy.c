/* deploy.c - the engine under the compose verbs: a struct cop per
 * request, which first lists the project's containers (ps by the
 * com.docker.compose.project label), lets the verb plan a list of
 * actions from them (plan.c), then runs the actions one by one, each a
 * request skiffd makes of itself (ctl_call: the same handlers, flags and
 * checks as a client's `create`, `start`, `network create`...).
 * Planning happens before anything changes, so a key skiff cannot honour
 * or a bad --scale refuses the whole request with nothing half-made.
 *
 * A wait (depends_on: service_healthy, service_completed_successfully)
 * looks at the dependency's containers again on each container event of
 * the bus (health_status, die): no polling timer.
 *
 * Owns each struct cop until its request ends, and the list of cops
 * waiting on the bus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/xalloc.h"
#include "../../core/daemon.h"
#include "../../proto/jtree.h"
#include "cop.h"

static struct cop *waiting; /* cops in a CA_WAIT */

static void run_next(struct cop *op);

/* The --model word as a tree, checked for the model's top-level shape
 * (the CLI made it; a script may not have). */
struct cnode *cop_model(const struct compose_args *a, struct cnode_files *files,
			struct err *e)
{
	struct cnode *m;
	const struct cnode *name, *svcs;

	if (!a->model)
		return err_setc(e, ERR_INVALID,
				"--model: the project's normalised model is "
				"required (the skiff CLI reads the files and "
				"sends it)"),
		       NULL;
	m = cnode_load(files, "--model", a->model, strlen(a->model), e);
	if (!m)
		return NULL;
	name = cnode_get(m, "name");
	svcs = cnode_get(m, "services");
	if (m->t != CN_MAP || !name || name->t != CN_STR || !svcs ||
	    svcs->t != CN_MAP) {
		cnode_free(m);
		return err_setc(e, ERR_INVALID,
				"--model: not a normalised compose model (an "
				"object with a name and services)"),
		       NULL;
	}
	return m;
}

bool cop_selected(const struct cop *op, const char *service)
{
	if (!op->nservices)
		return true;
	for (int i = 0; i < op->nservices; i++)
		if (!strcmp(op->services[i], service))
			return true;
	return false;
}

struct cact *cop_act(struct cop *op, enum cact_kind kind)
{
	struct cact *c;

	op->acts = xrealloc(op->acts, op->nacts + 1, sizeof(*op->acts));
	c = &op->acts[op->nacts++];
	*c = (struct cact){ .kind = kind };
	return c;
}

void cop_report(struct cact *c, const char *kind, const char *name,
		const char *action)
{
	free(c->kind_word);
	free(c->name);
	free(c->action);
	c->kind_word = xstrdup(kind);
	c->name = xstrdup(name);
	c->action = xstrdup(action);
}

static void cop_free(struct cop *op)
{
	if (op->timed)
		ev_timer_stop(daemon_ctx.loop, &op->deadline);
	for (size_t i = 0; i < op->nctrs; i++) {
		struct cctr *c = &op->ctrs[i];
		free(c->name);
		free(c->service);
		free(c->hash);
		free(c->state);
		free(c->status);
		free(c->row);
	}
	free(op->ctrs);
	for (size_t i = 0; i < op->nacts; i++) {
		struct cact *c = &op->acts[i];
		strv_free(&c->argv);
		free(c->kind_word);
		free(c->name);
		free(c->action);
		free(c->what);
		free(c->cond);
		free(c->prefix);
	}
	free(op->acts);
	compose_project_free(&op->p);
	free(op);
}

static void unwait(struct cop *op)
{
	for (struct cop **pp = &waiting; *pp; pp = &(*pp)->next_waiting)
		if (*pp == op) {
			*pp = op->next_waiting;
			break;
		}
	op->waiting = false;
}

/* End the request (ok when e is NULL) and free op. */
static void finish(struct cop *op, const struct err *e)
{
	struct ctl_req *r = op->r;
	struct err copy = ERR_INIT;

	if (e)
		copy = *e;
	if (op->waiting)
		unwait(op);
	cop_free(op); /* before the request's args go with r */
	ctl_req_finish(r, e ? &copy : NULL);
}

/* A failed action: its error, named by what it was doing. */
static void fail(struct cop *op, const struct cact *c, const struct err *e)
{
	struct err w = *e;

	if (c && c->name)
		err_wrap(&w, "%s %s", c->kind_word, c->name);
	finish(op, &w);
}

static void report(struct cop *op, const struct cact *c)
{
	struct jw w;

	if (!c->name)
		return;
	ctl_req_json(op->r, &w);
	jw_str(&w, "Kind", c->kind_word);
	jw_str(&w, "Name", c->name);
	jw_str(&w, "Action", c->action ? c->action : "");
	jw_close(&w);
}

/* "k=v,k=v" (ps's Labels): the value of key, or NULL. */
static char *label_get(const char *labels, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = labels; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len > n && !strncmp(p, key, n) && p[n] == '=')
			return xstrndup(p + n + 1, len - n - 1);
		p = comma ? comma + 1 : NULL;
	}
	return NULL;
}

static int ctr_read(struct cctr *c, const char *line, size_t len,
		    struct err *e)
{
	yajl_val v = jt_parse(line, len, e);
	struct jt t;
	char *labels = NULL, *num = NULL;
	int rc = 0;

	if (!v)
		return -1;
	jt_init(&t, e);
	if (jt_opt_str(&t, v, "Names", &c->name) < 0 ||
	    jt_opt_str(&t, v, "Labels", &labels) < 0 ||
	    jt_opt_str(&t, v, "State", &c->state) < 0 ||
	    jt_opt_str(&t, v, "Status", &c->status) < 0)
		rc = -1;
	yajl_tree_free(v);
	if (rc == 0 && (!c->name || !c->state || !c->status))
		rc = err_setc(e, ERR_INTERNAL, "ps: a row without a name");
	c->row = xstrndup(line, len);
	c->service = label_get(labels, "com.docker.compose.service");
	c->hash = label_get(labels, "com.docker.compose.config-hash");
	num = label_get(labels, "com.docker.compose.container-number");
	c->number = num ? (unsigned)strtoul(num, NULL, 10) : 0;
	free(num);
	free(labels);
	return rc;
}

static int cmp_ctr(const void *a, const void *b)
{
	return strcmp(((const struct cctr *)a)->name,
		      ((const struct cctr *)b)->name);
}

/* ps's rows (one JSON object a line) into ctrs, sorted by name. */
static int ctrs_read(const struct buf *out, struct cctr **ctrs, size_t *n,
		     struct err *e)
{
	const char *p = out->len ? buf_head((struct buf *)out) : "";
	const char *end = p + buf_used((struct buf *)out);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len) {
			*ctrs = xrealloc(*ctrs, *n + 1, sizeof(**ctrs));
			(*ctrs)[*n] = (struct cctr){ 0 };
			if (ctr_read(&(*ctrs)[(*n)++], p, len, e) < 0)
				return -1;
		}
		p += len + 1;
	}
	if (*n)
		qsort(*ctrs, *n, sizeof(**ctrs), cmp_ctr);
	return 0;
}

/* ---- waiting for a dependency ---- */

/* 1: the condition holds, 0: not yet, -1: never will (e set). */
static int cond_met(const struct cact *c, const struct cctr *ctrs, size_t n,
		    struct err *e)
{
	bool healthy = !strcmp(c->cond, "service_healthy");
	bool up = !strcmp(c->cond, "running"); /* up --wait */
	size_t done = 0;

	if (!n)
		return err_setc(e, ERR_INVALID, "dependency %s has no "
				"container", c->what);
	for (size_t i = 0; i < n; i++) {
		const struct cctr *k = &ctrs[i];
		bool exited = !strcmp(k->state, "exited") ||
			      !strcmp(k->state, "dead");
		if (up) {
			if (exited)
				return err_setc(e, ERR_INVALID, "container %s "
						"exited: %s", k->name,
						k->status);
			if (strstr(k->status, "(unhealthy)"))
				return err_setc(e, ERR_INVALID, "container %s "
						"is unhealthy", k->name);
			if (!strstr(k->status, "(health: starting)"))
				done++;
		} else if (healthy) {
			if (strstr(k->status, "(healthy)"))
				done++;
			else if (strstr(k->status, "(unhealthy)"))
				return err_setc(e, ERR_INVALID, "dependency "
						"%s is unhealthy", k->name);
			else if (exited)
				return err_setc(e, ERR_INVALID, "dependency "
						"%s exited", k->name);
			else if (!strstr(k->status, "health"))
				return err_setc(e, ERR_INVALID,
						"dependency %s has no "
						"healthcheck", k->name);
		} else if (exited) {
			if (strncmp(k->status, "Exited (0)", 10))
				return err_setc(e, ERR_INVALID, "dependency "
						"%s did not complete "
						"successfully: %s", k->name,
						k->status);
			done++;
		}
	}
	return done == n;
}

static void wait_check(struct cop *op);

static void on_wait_ps(void *ctx, const struct buf *out, const struct err *pe)
{
	struct cop *op = ctx;
	struct cact *c = &op->acts[op->next];
	struct cctr *ctrs = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	int met;

	op->checking = false;
	if (pe)
		e = *pe;
	met = pe ? -1 : ctrs_read(out, &ctrs, &n, &e);
	if (met == 0)
		met = cond_met(c, ctrs, n, &e);
	for (size_t i = 0; i < n; i++) {
		free(ctrs[i].name);
		free(ctrs[i].service);
		free(ctrs[i].hash);
		free(ctrs[i].state);
		free(ctrs[i].status);
		free(ctrs[i].row);
	}
	free(ctrs);
	if (met < 0) {
		fail(op, c, &e);
	} else if (met > 0) {
		if (op->waiting)
			unwait(op);
		report(op, c);
		op->next++;
		run_next(op);
	} else if (ctl_req_orphaned(op->r)) {
		err_setc(&e, ERR_CANCELED, "the client left");
		finish(op, &e);
	} else if (op->expired) {
		err_setc(&e, ERR_BUSY, "--wait-timeout: %s is not %s yet",
			 c->what, c->cond);
		finish(op, &e);
	} else if (!op->waiting) {
		op->waiting = true;
		op->next_waiting = waiting;
		waiting = op;
	} else if (op->again) {
		op->again = false;
		wait_check(op);
	}
}

static void wait_check(struct cop *op)
{
	const struct cact *c = &op->acts[op->next];
	char proj[300], svc[300];
	char *argv[] = { "ps", "-a", "--no-trunc", "--filter", proj,
			 "--filter", svc };

	snprintf(proj, sizeof(proj), "label=com.docker.compose.project=%s",
		 op->project);
	snprintf(svc, sizeof(svc), "label=com.docker.compose.service=%s",
		 c->what);
	op->checking = true;
	ctl_call(7, argv, on_wait_ps, op);
}

/* A container event: the waiting cops look again. */
void cop_bus_event(const struct bus_event *ev)
{
	for (struct cop *op = waiting; op; op = op->next_waiting)
		if (op->checking)
			op->again = true;
		else
			wait_check(op);
}

/* ---- running the actions ---- */

/* A logs request's lines ({"stream", "log"}) to the client, each log
 * after prefix. */
static void relay_logs(struct cop *op, const char *prefix,
		       const struct buf *out)
{
	const char *p = buf_used((struct buf *)out) ?
				buf_head((struct buf *)out) : "";
	const char *end = p + buf_used((struct buf *)out);
	struct buf line = { 0 };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct err e = ERR_INIT;
		yajl_val v = len ? jt_parse(p, len, &e) : NULL;
		const char *stream = YAJL_GET_STRING(jt_get(v, "stream"));
		const char *log = YAJL_GET_STRING(jt_get(v, "log"));
		struct jw w;
		if (log) {
			buf_reset(&line);
			buf_puts(&line, prefix);
			buf_puts(&line, log);
			ctl_req_json(op->r, &w);
			jw_str(&w, "stream", stream ? stream : "stdout");
			jw_strn(&w, "log", buf_head(&line), buf_used(&line));
			jw_close(&w);
		}
		if (v)
			yajl_tree_free(v);
		p += len + 1;
	}
	buf_free(&line);
}

static void on_act_done(void *ctx, const struct buf *out, const struct err *e)
{
	struct cop *op = ctx;
	struct cact *c = &op->acts[op->next];

	if (e && !(c->tolerant && e->class == ERR_NOT_FOUND)) {
		fail(op, c, e);
		return;
	}
	if (!e && c->prefix)
		relay_logs(op, c->prefix, out);
	else if (!e)
		report(op, c);
	op->next++;
	run_next(op);
}

static void on_net_inspect(void *ctx, const struct buf *out,
			   const struct err *e)
{
	struct cop *op = ctx;
	struct cact *c = &op->acts[op->next];

	if (!e) { /* there already */
		op->next++;
		run_next(op);
	} else if (e->class == ERR_NOT_FOUND) {
		ctl_call((int)c->argv.n, c->argv.v, on_act_done, op);
	} else {
		fail(op, c, e);
	}
}

static void run_next(struct cop *op)
{
	struct err e = ERR_INIT;

	if (op->expired && op->next < op->nacts) {
		err_setc(&e, ERR_BUSY, "--wait-timeout: up took longer");
		finish(op, &e);
		return;
	}
	while (op->next < op->nacts) {
		struct cact *c = &op->acts[op->next];
		char *argv[3] = { "network", "inspect", c->what };
		switch (c->kind) {
		case CA_NOTE:
			report(op, c);
			op->next++;
			continue;
		case CA_CALL:
			ctl_call((int)c->argv.n, c->argv.v, on_act_done, op);
			return;
		case CA_NETWORK:
			ctl_call(3, argv, on_net_inspect, op);
			return;
		case CA_WAIT:
			wait_check(op);
			return;
		}
	}
	finish(op, NULL);
}

static void on_ps(void *ctx, const struct buf *out, const struct err *pe)
{
	struct cop *op = ctx;
	struct err e = ERR_INIT;

	if (pe) {
		finish(op, pe);
		return;
	}
	if (ctrs_read(out, &op->ctrs, &op->nctrs, &e) < 0 ||
	    op->plan(op, &e) < 0) {
		finish(op, &e);
		return;
	}
	run_next(op);
}

/* --wait-timeout: a cop waiting now fails now; one with a request
 * under way fails when it comes back. */
static void on_deadline(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct cop *op = t->data;
	struct err e = ERR_INIT;

	op->expired = true;
	if (op->waiting && !op->checking) {
		err_setc(&e, ERR_BUSY, "--wait-timeout: %s is not %s yet",
			 op->acts[op->next].what, op->acts[op->next].cond);
		finish(op, &e);
	}
}

int cop_begin(struct ctl_req *r, const struct compose_args *a,
	      int (*plan)(struct cop *op, struct err *e), struct err *e)
{
	struct cop *op = xcalloc(1, sizeof(*op));
	char proj[300];
	char *argv[] = { "ps", "-a", "--no-trunc", "--filter", proj };

	op->r = r;
	op->a = a;
	op->plan = plan;
	op->services = ctl_req_argv(r);
	op->nservices = ctl_req_argc(r);
	op->p.model = cop_model(a, &op->p.files, e);
	if (!op->p.model) {
		cop_free(op);
		return -1;
	}
	op->project = cnode_get(op->p.model, "name")->s;
	for (int i = 0; i < op->nservices; i++)
		if (!cnode_get(cnode_get(op->p.model, "services"),
			       op->services[i])) {
			err_setc(e, ERR_NOT_FOUND, "no such service: %s",
				 op->services[i]);
			cop_free(op);
			return -1;
		}
	snprintf(proj, sizeof(proj), "label=com.docker.compose.project=%s",
		 op->project);
	if (a->wait_timeout > 0) {
		ev_timer_init(&op->deadline, on_deadline,
			      (double)a->wait_timeout, 0);
		op->deadline.data = op;
		ev_timer_start(daemon_ctx.loop, &op->deadline);
		op->timed = true;
	}
	ctl_call(5, argv, on_ps, op);
	return CMD_PENDING;
}
