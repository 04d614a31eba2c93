/* compose.c - the compose module: skiffd's side of `skiff compose`.
 *
 * The skiff CLI reads a project's files with the user's rights and
 * environment (proto/compose.h) and sends the normalised model to
 * skiffd as JSON in the request's --model word; the model is the
 * daemon's (DESIGN.md, issue 15), so a script on the socket can send
 * one too. `compose config` checks it and answers it back the way
 * `docker compose config` prints it: block YAML (or JSON with --format
 * json), the names of its services or volumes, or the config hashes
 * of its services, as one {"text"} line.
 * The verbs that deploy (up, down, ps, start, stop, restart) run as
 * requests skiffd makes of itself (deploy.c, plan.c); the project's
 * state is its objects' com.docker.compose.* labels. Owns no state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/ctl.h"
#include "../../core/module.h"
#include "../../proto/cmdreq.h"
#include "../../proto/compose.h"
#include "cop.h"

static void keys_text(const struct cnode *map, struct buf *out)
{
	for (size_t i = 0; map && map->t == CN_MAP && i < map->n; i++)
		buf_printf(out, "%s\n", map->k[i]->s);
}

static int do_config(struct ctl_req *r, void *args, struct err *e)
{
	const struct compose_args *a = args;
	struct compose_project p = { 0 };
	struct buf text = { 0 };
	struct jw w;
	int rc = 0;

	if (a->format && strcmp(a->format, "json") && strcmp(a->format, "yaml"))
		return err_setc(e, ERR_INVALID,
				"--format: \"%s\" is neither yaml nor json",
				a->format);
	p.model = cop_model(a, &p.files, e);
	if (!p.model)
		return -1;
	if (a->hash)
		rc = compose_plan_hash_text(p.model, a->hash, &text, e);
	else if (a->services)
		keys_text(cnode_get(p.model, "services"), &text);
	else if (a->volumes)
		keys_text(cnode_get(p.model, "volumes"), &text);
	else if (a->format && !strcmp(a->format, "json"))
		compose_project_json(&p, true, &text);
	else if (!a->quiet)
		rc = compose_project_yaml(&p, &text, e);
	if (rc == 0 && buf_used(&text)) {
		ctl_req_json(r, &w);
		jw_strn(&w, "text", buf_head(&text), buf_used(&text));
		jw_close(&w);
	}
	buf_free(&text);
	compose_project_free(&p);
	return rc;
}

static int do_up(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_up, e);
}

static int do_down(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_down, e);
}

static int do_ps(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_ps, e);
}

static int do_start(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_start, e);
}

static int do_stop(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_stop, e);
}

static int do_restart(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_restart, e);
}

static int do_kill(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_kill, e);
}

static int do_pause(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_pause, e);
}

static int do_unpause(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_unpause, e);
}

static int do_rm(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_rm, e);
}

static int do_logs(struct ctl_req *r, void *args, struct err *e)
{
	return cop_begin(r, args, plan_logs, e);
}

static const struct command cmd_config = { "compose config", do_config };
static const struct command cmd_up = { "compose up", do_up };
static const struct command cmd_down = { "compose down", do_down };
static const struct command cmd_ps = { "compose ps", do_ps };
static const struct command cmd_start = { "compose start", do_start };
static const struct command cmd_stop = { "compose stop", do_stop };
static const struct command cmd_restart = { "compose restart", do_restart };
static const struct command cmd_kill = { "compose kill", do_kill };
static const struct command cmd_pause = { "compose pause", do_pause };
static const struct command cmd_unpause = { "compose unpause", do_unpause };
static const struct command cmd_rm = { "compose rm", do_rm };
static const struct command cmd_logs = { "compose logs", do_logs };

static const struct command *const compose_commands[] = {
	&cmd_config, &cmd_up,	   &cmd_down,  &cmd_ps,	  &cmd_start,
	&cmd_stop,   &cmd_restart, &cmd_kill,  &cmd_pause, &cmd_unpause,
	&cmd_rm,     &cmd_logs,	   NULL,
};

/* Container events wake the cops waiting on a dependency. */
static const struct bus_sub compose_subs[] = {
	{ "container", cop_bus_event },
	{ NULL, NULL },
};

const struct module module_compose = {
	.name = "compose",
	.commands = compose_commands,
	.subs = compose_subs,
};
