/* authcfg.h - Docker's config.json credentials: the "auths" map.
 *
 * {"auths": {"host:port": {"auth": "base64(user:password)"}}}, Docker Hub
 * under "https://index.docker.io/v1/". A list of entries (key, user,
 * password) that skiff keeps, looks up, changes and writes back in the
 * same format, so a file Docker wrote can be copied in and the other way
 * round. Pure functions over outside data: a bad file is refused with the
 * JSON path of what is wrong; nothing is read past the text's end. The
 * list owns its strings; passwords are wiped (OPENSSL_cleanse) when
 * dropped. Keys other than "auths" (credsStore, proxies, ...) are not
 * kept. */
#ifndef SKIFF_AUTHCFG_H
#define SKIFF_AUTHCFG_H

#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

#define AUTHCFG_HUB_KEY "https://index.docker.io/v1/"
#define AUTHCFG_KEY_MAX 256
#define AUTHCFG_WORD_MAX 1024 /* a user name or password */

struct authcfg_entry {
	char *key, *user, *password;
};
struct authcfg {
	struct authcfg_entry *v;
	size_t n;
};

/* Docker's key for a server as `docker login SERVER` takes it: Docker
 * Hub's names (docker.io, index.docker.io, registry-1.docker.io, or NULL
 * or "") give AUTHCFG_HUB_KEY; else host[:port], any http(s):// scheme
 * and path dropped. out has AUTHCFG_KEY_MAX bytes. */
void authcfg_key(const char *server, char out[AUTHCFG_KEY_MAX]);
/* Parse len bytes of a config.json (no NUL needed). Keys are normalized
 * with authcfg_key; an entry has "auth" (base64 of user:password; the
 * password may hold ':') or "username" and "password"; an entry with
 * neither (a credential helper's) is skipped. Errors look like
 * `auths."host:5000".auth: not base64 of user:password`. */
int authcfg_parse(const char *text, size_t len, struct authcfg *out,
		  struct err *e);
/* The entry for key, or NULL. */
const struct authcfg_entry *authcfg_find(const struct authcfg *c,
					 const char *key);
/* Add or replace key's entry (copies); drop it (returns 1 if it was
 * there). */
void authcfg_set(struct authcfg *c, const char *key, const char *user,
		 const char *password);
int authcfg_drop(struct authcfg *c, const char *key);
void authcfg_free(struct authcfg *c);
/* base64(user:password), malloc'd: the "auth" value and what follows
 * "Basic " in an Authorization header. */
char *authcfg_basic(const char *user, const char *password);
/* The file's text (indented JSON, LF at the end), appended to out. */
void authcfg_write(const struct authcfg *c, struct buf *out);

#endif
