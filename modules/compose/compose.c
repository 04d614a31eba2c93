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
 * Project state and the verbs that deploy (up, down, ps, ...) are to
 * come here. Owns no state yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/ctl.h"
#include "../../core/module.h"
#include "../../proto/cmdreq.h"
#include "../../proto/compose.h"

/* The --model word as a tree, checked for the model's top-level shape
 * (the CLI made it; a script may not have). */
static struct cnode *model_parse(const struct compose_args *a,
				 struct cnode_files *files, struct err *e)
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
	p.model = model_parse(a, &p.files, e);
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

static const struct command cmd_config = { "compose config", do_config };

static const struct command *const compose_commands[] = {
	&cmd_config,
	NULL,
};

const struct module module_compose = {
	.name = "compose",
	.commands = compose_commands,
};
