/* compose_plan.c - what deploying a model needs from it, as pure
 * functions both the CLI and skiffd use: the order services start in
 * (each after what it depends on; stop runs it backwards), each
 * service's config hash (the com.docker.compose.config-hash label `up`
 * compares to decide between keeping and recreating a container), and
 * the names of its containers (PROJECT-SERVICE-N, compose v2's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/xalloc.h"
#include "compose.h"
#include "digest.h"

/* Depth-first: a service after its dependencies, services and their
 * dependencies in name order (the model's maps are sorted), so the
 * order is the same on every run. The model has no cycle (checked when
 * it was loaded; a model from elsewhere is checked here). */
static int order_visit(const struct cnode *svcs, size_t i, char *state,
		       const char **out, size_t *n, struct err *e)
{
	const struct cnode *deps = cnode_get(svcs->v[i], "depends_on");

	if (state[i] == 2)
		return 0;
	if (state[i] == 1)
		return err_setc(e, ERR_INVALID,
				"a dependency cycle through \"%.100s\"",
				svcs->k[i]->s);
	state[i] = 1;
	for (size_t d = 0; deps && deps->t == CN_MAP && d < deps->n; d++) {
		ssize_t j = cnode_find(svcs, deps->k[d]->s);
		if (j >= 0 && order_visit(svcs, (size_t)j, state, out, n, e) < 0)
			return -1;
	}
	state[i] = 2;
	out[(*n)++] = svcs->k[i]->s;
	return 0;
}

int compose_plan_order(const struct cnode *model, const char ***order,
		       size_t *n, struct err *e)
{
	const struct cnode *svcs = cnode_get(model, "services");
	size_t count = svcs && svcs->t == CN_MAP ? svcs->n : 0;
	char *state = xcalloc(count + 1, 1);
	const char **out = xcalloc(count + 1, sizeof(*out));
	int r = 0;

	*n = 0;
	for (size_t i = 0; i < count && r == 0; i++)
		r = order_visit(svcs, i, state, out, n, e);
	free(state);
	if (r < 0) {
		free(out);
		*order = NULL;
		*n = 0;
		return -1;
	}
	*order = out;
	return 0;
}

int compose_plan_hash(const struct cnode *svc, char out[65], struct err *e)
{
	struct buf json = { 0 };
	struct digest_ctx d = { 0 };
	char full[DIGEST_STR_MAX];
	struct jw w;

	jw_open(&w, &json);
	cnode_json(&w, "service", svc);
	jw_close(&w);
	if (digest_ctx_init(&d, DIGEST_SHA256, e) < 0) {
		buf_free(&json);
		return -1;
	}
	digest_ctx_update(&d, buf_head(&json), buf_used(&json));
	digest_ctx_final(&d, full);
	digest_ctx_free(&d);
	buf_free(&json);
	snprintf(out, 65, "%s", digest_hex(full));
	return 0;
}

char *compose_plan_ctr_name(const char *project, const char *service,
			    const struct cnode *svc, unsigned n)
{
	const char *fixed = cnode_text(cnode_get(svc, "container_name"));

	if (fixed && *fixed && n == 1)
		return xstrdup(fixed);
	return xasprintf("%s-%s-%u", project, service, n);
}

static bool selected(const char *sel, const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(sel, "*"))
		return true;
	for (const char *p = sel; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

int compose_plan_hash_text(const struct cnode *model, const char *sel,
			   struct buf *out, struct err *e)
{
	const struct cnode *svcs = cnode_get(model, "services");
	char hash[65];

	for (size_t i = 0; svcs && svcs->t == CN_MAP && i < svcs->n; i++) {
		if (!selected(sel, svcs->k[i]->s))
			continue;
		if (compose_plan_hash(svcs->v[i], hash, e) < 0)
			return -1;
		buf_printf(out, "%s %s\n", svcs->k[i]->s, hash);
	}
	return 0;
}
