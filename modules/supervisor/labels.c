/* labels.c - label words (-l K=V, an image's Labels) as the JSON object
 * a container or a volume keeps (cmds.c's create, volumes.c's create). */
#include <stdlib.h>
#include <string.h>

#include "../../core/base/xalloc.h"
#include "supervisor.h"

#define LABEL_KEY_MAX 255

struct labels {
	char **k, **v;
	size_t n;
};

static void labels_set(struct labels *L, const char *k, size_t klen,
		       const char *v)
{
	size_t i;

	for (i = 0; i < L->n; i++)
		if (strlen(L->k[i]) == klen && !memcmp(L->k[i], k, klen))
			break;
	if (i == L->n) {
		L->k = xrealloc(L->k, L->n + 1, sizeof(*L->k));
		L->v = xrealloc(L->v, L->n + 1, sizeof(*L->v));
		L->k[L->n] = xstrndup(k, klen);
		L->v[L->n++] = NULL;
	}
	free(L->v[i]);
	L->v[i] = xstrdup(v);
}

static void labels_free(struct labels *L)
{
	for (size_t i = 0; i < L->n; i++) {
		free(L->k[i]);
		free(L->v[i]);
	}
	free(L->k);
	free(L->v);
}

char *ctr_labels_merge(const struct strlist *l, char *const *keys,
		       char *const *vals, size_t n, struct err *e)
{
	struct labels L = { 0 };
	struct buf b = { 0 };
	struct jw w;

	for (size_t i = 0; i < n; i++)
		labels_set(&L, keys[i], strlen(keys[i]), vals[i]);
	for (int i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');
		size_t klen = eq ? (size_t)(eq - l->v[i]) : strlen(l->v[i]);
		if (!klen || klen > LABEL_KEY_MAX) {
			labels_free(&L);
			return err_setc(e, ERR_INVALID,
					"invalid label \"%.300s\": %s", l->v[i],
					klen ? "label key is longer than 255 "
					       "bytes"
					     : "no key before '='"),
			       NULL;
		}
		labels_set(&L, l->v[i], klen, eq ? eq + 1 : "");
	}
	jw_open(&w, &b);
	for (size_t i = 0; i < L.n; i++)
		jw_str(&w, L.k[i], L.v[i]);
	jw_close(&w);
	labels_free(&L);
	b.len--; /* drop the LF */
	return buf_take_str(&b); /* kept as long as the container */
}

char *ctr_labels_json(const struct strlist *l, struct err *e)
{
	return ctr_labels_merge(l, NULL, NULL, 0, e);
}
