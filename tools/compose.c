/* compose.c - the skiff CLI's side of compose: the verbs whose hints say
 * CLI_COMPOSE read the project here, with the client's own rights,
 * working directory and environment (proto/compose.h), and answer from
 * the model. `compose config` prints the model as YAML (or JSON with
 * --format json or --json), or its service, volume or profile names.
 * Owns nothing past the call. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/xalloc.h"
#include "../proto/cmdreq.h"
#include "../proto/compose.h"
#include "skiff.h"

static const char *env_get(const char *name, void *ctx)
{
	return getenv(name);
}

static void print_keys(const struct cnode *map)
{
	for (size_t i = 0; map && i < map->n; i++)
		printf("%s\n", map->k[i]->s);
}

/* What the client prints when no skiffd answers: the same text skiffd
 * would (modules/compose renders the model it is sent). */
int compose_print_local(const struct opts *o, const struct compose_project *p,
			struct err *e)
{
	const struct compose_args *a = o->call.args;
	_cleanup_buf_ struct buf out = { 0 };
	bool json = o->json || (a->format && !strcmp(a->format, "json"));

	if (a->format && strcmp(a->format, "json") && strcmp(a->format, "yaml"))
		return err_setc(e, ERR_INVALID,
				"--format: \"%s\" is neither yaml nor json",
				a->format);
	if (a->quiet)
		return 0;
	if (a->hash) {
		if (compose_plan_hash_text(p->model, a->hash, &out, e) < 0)
			return -1;
		fwrite(buf_used(&out) ? buf_head(&out) : "", 1,
		       buf_used(&out), stdout);
		return 0;
	}
	if (a->services || a->volumes) {
		print_keys(cnode_get(p->model, a->services ? "services" :
							     "volumes"));
		return 0;
	}
	if (json)
		compose_project_json(p, true, &out);
	else if (compose_project_yaml(p, &out, e) < 0)
		return -1;
	fwrite(buf_head(&out), 1, buf_used(&out), stdout);
	return 0;
}

int compose_prepare(const struct opts *o, struct compose_project *p,
		    struct buf *model, bool *done, struct err *e)
{
	const struct compose_args *a = o->call.args;
	char cwd[PATH_MAX];
	struct compose_opts co = {
		.files = a->file.v,
		.nfiles = (size_t)a->file.n,
		.env_files = a->env_file.v,
		.nenv_files = (size_t)a->env_file.n,
		.profiles = a->profile.v,
		.nprofiles = (size_t)a->profile.n,
		.project_name = a->project_name,
		.project_dir = a->project_directory,
		.cwd = cwd,
		.env = env_get,
	};
	_cleanup_buf_ struct buf in = { 0 };
	int r;

	*done = false;
	if (a->model) /* a model given by hand goes as it is */
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return err_set(e, errno, "getcwd");
	for (int i = 0; i < a->file.n; i++)
		if (!strcmp(a->file.v[i], "-") && !co.stdin_text) {
			char chunk[65536];
			ssize_t n;
			while ((n = read(0, chunk, sizeof(chunk))) > 0)
				buf_append(&in, chunk, (size_t)n);
			co.stdin_text = buf_used(&in) ? buf_head(&in) : "";
			co.stdin_len = buf_used(&in);
		}
	r = compose_project_load(&co, p, e);
	for (size_t i = 0; i < p->nwarnings; i++)
		fprintf(stderr, "%s\n", p->warnings[i]);
	if (r < 0)
		return -1;
	if (a->profiles) { /* the files' profiles: not in the model */
		for (size_t i = 0; i < p->nprofiles; i++)
			printf("%s\n", p->profiles[i]);
		*done = true;
		return 0;
	}
	compose_project_json(p, false, model);
	if (buf_used(model) && buf_head(model)[buf_used(model) - 1] == '\n')
		model->len--;
	buf_append(model, "", 1); /* a C string for the request's word */
	return 0;
}

char **compose_words(const struct opts *o, const char *model, int *argc)
{
	char **w = xcalloc((size_t)o->argc + 3, sizeof(*w));

	memcpy(w, o->argv, (size_t)o->argc * sizeof(*w));
	*argc = o->argc;
	if (model) {
		w[(*argc)++] = (char *)"--model";
		w[(*argc)++] = (char *)model;
	}
	return w;
}
