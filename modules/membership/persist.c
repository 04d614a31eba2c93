/* persist.c - what gossip changes at run time and a restart must keep:
 * the keyring (rotated by `node keys` from any member) and our tags
 * (`node tags`), as ROOT/membership/keyring.json ({"keys": [base64...]},
 * the primary first, as in Serf's keyring file) and
 * ROOT/membership/tags.json ({"tags": ["K=V"...]}). Loaded at init, before
 * the loop; written through the store's group-commit writer (never an
 * fsync on the loop). Once written they win over skiffd.json's
 * "encrypt", "keyring-file" and "tags", as Serf's keyring file wins over
 * its -encrypt. Owns the last saved copies. */
#include <stdlib.h>
#include <string.h>

#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/store.h"
#include "../../proto/json.h"
#include "membership.h"

#define PERSIST_KIND "membership"

static struct mlcrypt_keyring saved_ring; /* loaded or written */
static struct mlcrypt_keyring last_ring;  /* compared with: saved or the
					     ring gossip started with */
static bool have_ring, have_tags;
static struct strlist saved_tags; /* owned */

static void strlist_clear(struct strlist *l)
{
	for (int i = 0; i < l->n; i++)
		free((char *)l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void load_keys(yajl_val v)
{
	struct mlcrypt_keyring r = { 0 };
	struct err e = ERR_INIT;

	for (size_t i = 0; YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(v->u.array.values[i]);
		struct mlcrypt_key k;

		if (!s || mlcrypt_key_parse(s, &k, &e) < 0 ||
		    mlcrypt_keyring_add(&r, &k, &e) < 0) {
			log_err("membership: keyring.json: %s", e.msg[0] ? e.msg
								: "not a key");
			return;
		}
	}
	saved_ring = r;
	have_ring = r.n > 0;
}

static void load_tags(yajl_val v)
{
	strlist_clear(&saved_tags);
	for (size_t i = 0; YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(v->u.array.values[i]);

		if (!s || !strchr(s, '='))
			continue;
		saved_tags.v = xrealloc(saved_tags.v, (size_t)saved_tags.n + 2,
					sizeof(*saved_tags.v));
		saved_tags.v[saved_tags.n++] = xstrdup(s);
		saved_tags.v[saved_tags.n] = NULL;
	}
	have_tags = true;
}

static void load_one(const char *id, yajl_val tree, void *ctx)
{
	if (!strcmp(id, "keyring"))
		load_keys(yajl_tree_get(tree, (const char *[]){ "keys", NULL },
					yajl_t_array));
	else if (!strcmp(id, "tags"))
		load_tags(yajl_tree_get(tree, (const char *[]){ "tags", NULL },
					yajl_t_array));
}

int mship_persist_load(struct err *e)
{
	return store_load(PERSIST_KIND, load_one, NULL, e);
}

const struct mlcrypt_keyring *mship_persist_keys(void)
{
	return have_ring ? &saved_ring : NULL;
}

const struct strlist *mship_persist_tags(void)
{
	return have_tags ? &saved_tags : NULL;
}

static void saved(int errnum, void *ctx)
{
	if (errnum)
		log_err("membership: saving %s: %s", (const char *)ctx,
			strerror(errnum));
}

void mship_persist_keys_start(const struct mlcrypt_keyring *kr)
{
	last_ring = *kr;
}

/* Save the ring when a key query changed it. */
void mship_persist_keys_check(const struct mlcrypt_keyring *kr)
{
	struct buf b = { 0 };
	struct jw w;

	if (!kr || (kr->n == last_ring.n &&
		    !memcmp(kr->keys, last_ring.keys,
			    kr->n * sizeof(kr->keys[0]))))
		return;
	saved_ring = last_ring = *kr;
	have_ring = true;
	jw_open(&w, &b);
	jw_arr(&w, "keys");
	for (size_t i = 0; i < kr->n; i++) {
		char b64[48];

		mlcrypt_key_format(&kr->keys[i], b64);
		jw_vstr(&w, b64);
	}
	jw_end_arr(&w);
	jw_close(&w);
	store_put(PERSIST_KIND, "keyring", buf_head(&b), buf_used(&b), saved,
		  "keyring");
	buf_free(&b);
}

void mship_persist_save_tags(const char *const *tags, size_t n)
{
	struct buf b = { 0 };
	struct jw w;

	jw_open(&w, &b);
	jw_arr(&w, "tags");
	for (size_t i = 0; i < n; i++)
		jw_vstr(&w, tags[i]);
	jw_end_arr(&w);
	jw_close(&w);
	store_put(PERSIST_KIND, "tags", buf_head(&b), buf_used(&b), saved,
		  "tags");
	buf_free(&b);
}

void mship_persist_free(void)
{
	strlist_clear(&saved_tags);
	have_tags = have_ring = false;
}
