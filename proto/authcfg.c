/* authcfg.c - Docker's config.json credentials (see authcfg.h). */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "authcfg.h"
#include "json.h"
#include "../core/base/xalloc.h"

void authcfg_key(const char *server, char out[AUTHCFG_KEY_MAX])
{
	const char *h = server ? server : "";
	size_t len;

	if (!strncmp(h, "https://", 8))
		h += 8;
	else if (!strncmp(h, "http://", 7))
		h += 7;
	len = strcspn(h, "/");
	if (!len || (len == 9 && !strncmp(h, "docker.io", 9)) ||
	    (len == 15 && !strncmp(h, "index.docker.io", 15)) ||
	    (len == 20 && !strncmp(h, "registry-1.docker.io", 20))) {
		snprintf(out, AUTHCFG_KEY_MAX, "%s", AUTHCFG_HUB_KEY);
		return;
	}
	snprintf(out, AUTHCFG_KEY_MAX, "%.*s",
		 (int)(len < AUTHCFG_KEY_MAX ? len : AUTHCFG_KEY_MAX - 1), h);
}

static void wipe_free(char *s)
{
	if (s)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static void entry_clear(struct authcfg_entry *x)
{
	free(x->key);
	free(x->user);
	wipe_free(x->password);
	memset(x, 0, sizeof(*x));
}

void authcfg_free(struct authcfg *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_clear(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

const struct authcfg_entry *authcfg_find(const struct authcfg *c,
					 const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].key, key))
			return &c->v[i];
	return NULL;
}

void authcfg_set(struct authcfg *c, const char *key, const char *user,
		 const char *password)
{
	struct authcfg_entry *x = (struct authcfg_entry *)authcfg_find(c, key);

	if (!x) {
		c->v = xrealloc(c->v, c->n + 1, sizeof(*c->v));
		x = &c->v[c->n++];
		memset(x, 0, sizeof(*x));
	}
	entry_clear(x);
	x->key = xstrdup(key);
	x->user = xstrdup(user);
	x->password = xstrdup(password);
}

int authcfg_drop(struct authcfg *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].key, key)) {
			entry_clear(&c->v[i]);
			memmove(&c->v[i], &c->v[i + 1],
				(c->n - i - 1) * sizeof(*c->v));
			c->n--;
			return 1;
		}
	return 0;
}

char *authcfg_basic(const char *user, const char *password)
{
	size_t n = strlen(user) + 1 + strlen(password);
	char *plain = xmalloc(n + 1);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	snprintf(plain, n + 1, "%s:%s", user, password);
	EVP_EncodeBlock((unsigned char *)out, (unsigned char *)plain, (int)n);
	wipe_free(plain);
	return out;
}

/* A printable word of at most AUTHCFG_WORD_MAX bytes. */
static bool word_ok(const char *s, size_t n)
{
	if (n > AUTHCFG_WORD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* "auth": strict base64 of user:password (user not empty, no ':'). */
static int decode_auth(struct authcfg *c, const char *key, const char *b64,
		       const char *path, struct err *e)
{
	size_t n = strlen(b64), pad = 0;
	unsigned char *dec;
	char *colon;
	int len;

	if (n % 4 || n > 4 * (2 * AUTHCFG_WORD_MAX + 1) / 3 + 4 || !n)
		return err_setc(e, ERR_INVALID,
				"%s.auth: not base64 of user:password", path);
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789+/=", b64[i]) ||
		    (b64[i] == '=' && i < n - 2) ||
		    (b64[i] == '=' && i == n - 2 && b64[n - 1] != '='))
			return err_setc(e, ERR_INVALID,
					"%s.auth: not base64 of user:password",
					path);
	pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
	dec = xcalloc(1, n + 1);
	len = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
	len = len < 0 ? -1 : len - (int)pad; /* it counts the padding */
	colon = len > 0 ? memchr(dec, ':', (size_t)len) : NULL;
	if (!colon || colon == (char *)dec || memchr(dec, 0, (size_t)len) ||
	    !word_ok((char *)dec, (size_t)(colon - (char *)dec)) ||
	    !word_ok(colon + 1, (size_t)len - (size_t)(colon + 1 - (char *)dec))) {
		OPENSSL_cleanse(dec, n);
		free(dec);
		return err_setc(e, ERR_INVALID,
				"%s.auth: not base64 of user:password", path);
	}
	dec[len] = '\0';
	*colon = '\0';
	authcfg_set(c, key, (char *)dec, colon + 1);
	OPENSSL_cleanse(dec, n);
	free(dec);
	return 0;
}

/* host[:port] or [v6]:port, as a reference's domain has it. */
static bool key_ok(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && !strchr(".-:[]_", *k))
			return false;
	return true;
}

static int parse_entry(struct authcfg *c, const char *rawkey, yajl_val v,
		       struct err *e)
{
	const char *ap[] = { "auth", NULL }, *up[] = { "username", NULL },
		   *pp[] = { "password", NULL };
	char key[AUTHCFG_KEY_MAX], path[AUTHCFG_KEY_MAX + 16];
	yajl_val a, u, p;
	const char *us, *ps;

	snprintf(path, sizeof(path), "auths.\"%.200s\"", rawkey);
	if (!YAJL_IS_OBJECT(v))
		return err_setc(e, ERR_INVALID, "%s: expected an object", path);
	authcfg_key(rawkey, key);
	if (strcmp(key, AUTHCFG_HUB_KEY) && !key_ok(key))
		return err_setc(e, ERR_INVALID, "%s: not a registry host[:port]",
				path);
	a = yajl_tree_get(v, ap, yajl_t_any);
	u = yajl_tree_get(v, up, yajl_t_any);
	p = yajl_tree_get(v, pp, yajl_t_any);
	if (a && YAJL_IS_STRING(a) && *YAJL_GET_STRING(a))
		return decode_auth(c, key, YAJL_GET_STRING(a), path, e);
	if (a && !YAJL_IS_STRING(a))
		return err_setc(e, ERR_INVALID, "%s.auth: expected a string",
				path);
	if (!u && !p)
		return 0; /* a credential helper's entry, or an empty one */
	us = u && YAJL_IS_STRING(u) ? YAJL_GET_STRING(u) : NULL;
	ps = p && YAJL_IS_STRING(p) ? YAJL_GET_STRING(p) : NULL;
	if (!us || !ps || !*us || strchr(us, ':') ||
	    !word_ok(us, strlen(us)) || !word_ok(ps, strlen(ps)))
		return err_setc(e, ERR_INVALID,
				"%s: expected \"auth\", or \"username\" and "
				"\"password\" strings", path);
	authcfg_set(c, key, us, ps);
	return 0;
}

int authcfg_parse(const char *text, size_t len, struct authcfg *out,
		  struct err *e)
{
	const char *path[] = { "auths", NULL };
	char errbuf[128], *s;
	yajl_val root, auths;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(text, 0, len))
		return err_setc(e, ERR_INVALID, "config.json: has a NUL byte");
	s = xmalloc(len + 1);
	memcpy(s, text, len);
	s[len] = '\0';
	root = yajl_tree_parse(s, errbuf, sizeof(errbuf));
	OPENSSL_cleanse(s, len);
	free(s);
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return err_setc(e, ERR_INVALID, "config.json: %s",
				root ? "expected a JSON object" : "not JSON");
	}
	auths = yajl_tree_get(root, path, yajl_t_any);
	if (auths && !YAJL_IS_OBJECT(auths))
		rc = err_setc(e, ERR_INVALID, "auths: expected an object");
	for (size_t i = 0; !rc && auths && i < auths->u.object.len; i++)
		rc = parse_entry(out, auths->u.object.keys[i],
				 auths->u.object.values[i], e);
	yajl_tree_free(root);
	if (rc)
		authcfg_free(out);
	return rc;
}

void authcfg_write(const struct authcfg *c, struct buf *out)
{
	struct jw w;

	jw_open_pretty(&w, out);
	jw_obj(&w, "auths");
	for (size_t i = 0; i < c->n; i++) {
		char *b = authcfg_basic(c->v[i].user, c->v[i].password);
		jw_obj(&w, c->v[i].key);
		jw_str(&w, "auth", b);
		jw_end_obj(&w);
		wipe_free(b);
	}
	jw_end_obj(&w);
	jw_close(&w);
}
