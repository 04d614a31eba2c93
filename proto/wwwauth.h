/* wwwauth.h - the WWW-Authenticate header (RFC 9110 section 11.6.1).
 *
 * A registry answers an anonymous request with 401 and challenges such as
 *
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
 *          scope="repository:library/busybox:pull"
 *   Basic realm="Registry Realm"
 *
 * wwwauth_parse() splits the header into challenges (scheme plus
 * parameters, or a token68); wwwauth_token_url() makes the token
 * endpoint's URL from a Bearer challenge (the distribution token spec).
 * Pure functions over outside data: errors say what is wrong and at which
 * byte; nothing is read past the header's end. */
#ifndef SKIFF_WWWAUTH_H
#define SKIFF_WWWAUTH_H

#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

#define WWWAUTH_HEADER_MAX 8192
#define WWWAUTH_MAX_CHALLENGES 8
#define WWWAUTH_MAX_PARAMS 16

struct wwwauth_param {
	char *name;  /* lowercase (names are case-insensitive) */
	char *value; /* unquoted, backslash escapes undone */
};

struct wwwauth_challenge {
	char *scheme;  /* as sent; compare case-insensitively */
	char *token68; /* or NULL when it has parameters */
	struct wwwauth_param params[WWWAUTH_MAX_PARAMS];
	size_t nparams;
};

struct wwwauth {
	struct wwwauth_challenge v[WWWAUTH_MAX_CHALLENGES];
	size_t n;
};

/* out is zeroed first; free it with wwwauth_free() whether this fails
 * or not. */
int wwwauth_parse(const char *header, struct wwwauth *out, struct err *e);
void wwwauth_free(struct wwwauth *w);
/* The first challenge of that scheme (case-insensitive), or NULL. */
const struct wwwauth_challenge *wwwauth_find(const struct wwwauth *w,
					     const char *scheme);
/* A parameter by name (case-insensitive), or NULL. */
const char *wwwauth_param(const struct wwwauth_challenge *c,
			  const char *name);
/* realm?service=S&scope=A&scope=B: the challenge's own scope unless
 * scopes (NULL-terminated) are given. The realm must be an http(s) URL;
 * values are percent-encoded. Appends to out. */
int wwwauth_token_url(const struct wwwauth_challenge *c,
		      const char *const *scopes, struct buf *out,
		      struct err *e);

#endif
