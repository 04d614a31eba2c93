/* imgarchive.c - manifest.json of image archives, and member names (see
 * imgarchive.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgarchive.h"
#include "json.h"
#include "../core/base/xalloc.h"

void imgarchive_free(struct imgarchive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->images[i].config);
		strv_free(&a->images[i].repo_tags);
		strv_free(&a->images[i].layers);
	}
	free(a->images);
	a->images = NULL;
	a->n = 0;
}

int imgarchive_member_check(const char *name, char *norm, size_t n,
			    struct err *e)
{
	const char *p = name;
	size_t len;

	while (!strncmp(p, "./", 2))
		p += 2;
	len = strlen(p);
	while (len && p[len - 1] == '/')
		len--;
	if (!len || len >= n || len > 4096)
		return err_setc(e, ERR_INVALID, "archive member \"%.200s\": %s",
				name, len ? "name too long" : "empty name");
	if (*p == '/')
		return err_setc(e, ERR_INVALID,
				"archive member \"%.200s\": absolute path",
				name);
	memcpy(norm, p, len);
	norm[len] = '\0';
	for (char *c = norm; c;) {
		char *s = strchr(c, '/');
		size_t cl = s ? (size_t)(s - c) : strlen(c);
		if (cl == 0 || (cl == 2 && !strncmp(c, "..", 2)) ||
		    (cl == 1 && *c == '.'))
			return err_setc(e, ERR_INVALID,
					"archive member \"%.200s\": %s", name,
					cl == 2 ? "climbs out with .."
						: "empty or . component");
		c = s ? s + 1 : NULL;
	}
	return 0;
}

int imgarchive_blob_digest(const char *norm, char out[DIGEST_STR_MAX])
{
	const char *algo, *hex;
	char d[DIGEST_STR_MAX];

	if (strncmp(norm, "blobs/", 6))
		return 0;
	algo = norm + 6;
	hex = strchr(algo, '/');
	if (!hex || strchr(hex + 1, '/') ||
	    (size_t)(hex - algo) + 1 + strlen(hex + 1) >= sizeof(d))
		return 0;
	snprintf(d, sizeof(d), "%.*s:%s", (int)(hex - algo), algo, hex + 1);
	if (!digest_valid(d))
		return 0;
	memcpy(out, d, sizeof(d));
	return 1;
}

/* A path field: a string naming a member that passes the check. */
static int read_path(struct jt *t, yajl_val v, char **out)
{
	char norm[4200];
	struct err sub = ERR_INIT;

	if (jt_str(t, v, out) < 0)
		return -1;
	if (imgarchive_member_check(*out, norm, sizeof(norm), &sub) < 0)
		return jt_fail(t, sub.msg);
	return 0;
}

static int read_image(struct jt *t, yajl_val v, struct imgarchive_image *im)
{
	yajl_val cfg, layers, tags;
	size_t m;

	if (jt_want_obj(t, v) < 0)
		return -1;
	m = jt_key(t, "Config");
	if (!(cfg = jt_get(v, "Config")))
		return jt_fail(t, "missing");
	if (read_path(t, cfg, &im->config) < 0)
		return -1;
	jt_pop(t, m);
	m = jt_key(t, "Layers");
	if (!(layers = jt_get(v, "Layers")))
		return jt_fail(t, "missing");
	if (jt_want_arr(t, layers) < 0)
		return -1;
	if (layers->u.array.len > IMGARCHIVE_MAX_LAYERS)
		return jt_fail(t, "too many layers");
	for (size_t i = 0; i < layers->u.array.len; i++) {
		size_t mi = jt_idx(t, i);
		char *s = NULL;
		int r = read_path(t, layers->u.array.values[i], &s);
		if (r == 0 && strv_push(&im->layers, s) < 0)
			abort();
		free(s);
		if (r < 0)
			return -1;
		jt_pop(t, mi);
	}
	jt_pop(t, m);
	m = jt_key(t, "RepoTags");
	if ((tags = jt_get(v, "RepoTags")) && jt_strv(t, tags, &im->repo_tags) < 0)
		return -1;
	jt_pop(t, m);
	return 0;
}

int imgarchive_parse(const char *json, size_t len, struct imgarchive *out,
		     struct err *e)
{
	yajl_val root = jt_parse(json, len, e);
	struct jt t;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!root)
		return err_wrap(e, "manifest.json");
	jt_init(&t, e);
	if (jt_want_arr(&t, root) < 0)
		goto out;
	if (!root->u.array.len || root->u.array.len > IMGARCHIVE_MAX_IMAGES) {
		jt_fail(&t, root->u.array.len ? "too many images"
					       : "no image in it");
		goto out;
	}
	out->images = xcalloc(root->u.array.len, sizeof(*out->images));
	out->n = root->u.array.len;
	for (size_t i = 0; i < out->n; i++) {
		size_t m = jt_idx(&t, i);
		if (read_image(&t, root->u.array.values[i], &out->images[i]) < 0)
			goto out;
		jt_pop(&t, m);
	}
	rc = 0;
out:
	yajl_tree_free(root);
	if (rc < 0) {
		imgarchive_free(out);
		err_wrap(e, "manifest.json");
	}
	return rc;
}

void imgarchive_write(const struct imgarchive *a, struct buf *out)
{
	struct jw w;

	buf_puts(out, "[");
	for (size_t i = 0; i < a->n; i++) {
		const struct imgarchive_image *im = &a->images[i];
		if (i)
			buf_puts(out, ",");
		jw_open(&w, out);
		jw_str(&w, "Config", im->config);
		if (im->repo_tags.n) {
			jw_arr(&w, "RepoTags");
			for (size_t k = 0; k < im->repo_tags.n; k++)
				jw_vstr(&w, im->repo_tags.v[k]);
			jw_end_arr(&w);
		} else {
			jw_null(&w, "RepoTags");
		}
		jw_arr(&w, "Layers");
		for (size_t k = 0; k < im->layers.n; k++)
			jw_vstr(&w, im->layers.v[k]);
		jw_end_arr(&w);
		jw_close(&w);
	}
	buf_puts(out, "]\n");
}
