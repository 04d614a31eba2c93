/* wwwauth.c - the WWW-Authenticate header (see wwwauth.h).
 *
 * A hand-written scanner for the RFC 9110 grammar:
 *
 *   header     = #challenge
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 *
 * The one ambiguity, a comma followed by a token, is settled by what
 * comes after the token: "=" starts a parameter, anything else a new
 * challenge. */
#include "wwwauth.h"
#include "../core/base/xalloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct scan {
	const char *s;
	size_t i, n;
};

static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_t68(unsigned char c)
{
	return isalnum(c) || (c && strchr("-._~+/", c));
}

static char peek(const struct scan *s)
{
	return s->i < s->n ? s->s[s->i] : '\0';
}

static void skip_ows(struct scan *s)
{
	while (peek(s) == ' ' || peek(s) == '\t')
		s->i++;
}

static char *dup_n(const char *p, size_t n, bool lower)
{
	char *d = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		d[i] = lower ? (char)tolower((unsigned char)p[i]) : p[i];
	d[n] = '\0';
	return d;
}

static size_t token_len(const struct scan *s)
{
	size_t k = s->i;

	while (k < s->n && is_tchar((unsigned char)s->s[k]))
		k++;
	return k - s->i;
}

static int bad(struct err *e, const struct scan *s, const char *what)
{
	char c = peek(s);

	if (!c)
		return err_setc(e, ERR_INVALID,
				"WWW-Authenticate: %s at the end", what);
	if (isprint((unsigned char)c))
		return err_setc(e, ERR_INVALID,
				"WWW-Authenticate: %s at byte %zu ('%c')", what,
				s->i, c);
	return err_setc(e, ERR_INVALID,
			"WWW-Authenticate: %s at byte %zu (0x%02x)", what, s->i,
			(unsigned char)c);
}

static int quoted(struct scan *s, char **out, struct err *e)
{
	struct buf b = { 0 };

	s->i++; /* the opening quote */
	for (;;) {
		char c = peek(s);
		if (!c || c == '\r' || c == '\n') {
			buf_free(&b);
			return bad(e, s, "unterminated quoted string");
		}
		s->i++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (s->i >= s->n) {
				buf_free(&b);
				return bad(e, s, "unterminated quoted string");
			}
			c = s->s[s->i++];
		}
		buf_append(&b, &c, 1);
	}
	*out = buf_take_str(&b);
	return 0;
}

/* After a scheme and its space: a token68, or parameters (one at least),
 * up to the next challenge or the end. */
static int params(struct scan *s, struct wwwauth_challenge *c, struct err *e)
{
	/* A token68 is all there is: t68 characters, '='s, then the end or
	 * the next challenge. */
	size_t k = s->i;
	while (k < s->n && is_t68((unsigned char)s->s[k]))
		k++;
	if (k > s->i) {
		size_t t = k;
		while (t < s->n && s->s[t] == '=')
			t++;
		struct scan after = { s->s, t, s->n };
		skip_ows(&after);
		if (peek(&after) == ',' || !peek(&after)) {
			/* "name=" with no value is no token68 (nor a param) */
			c->token68 = dup_n(s->s + s->i, t - s->i, false);
			s->i = t;
			return 0;
		}
	}
	for (;;) {
		size_t start = s->i, n = token_len(s);
		struct wwwauth_param *p;

		if (!n)
			return bad(e, s, "expected a parameter name");
		s->i += n;
		skip_ows(s);
		if (peek(s) != '=') { /* a token: the next challenge's scheme */
			s->i = start;
			return c->nparams ? 0 : bad(e, s, "expected '='");
		}
		if (c->nparams == WWWAUTH_MAX_PARAMS)
			return bad(e, s, "too many parameters");
		p = &c->params[c->nparams];
		s->i++; /* '=' */
		skip_ows(s);
		if (peek(s) == '"') {
			if (quoted(s, &p->value, e) < 0)
				return -1;
		} else {
			size_t v = token_len(s);
			if (!v)
				return bad(e, s, "expected a value");
			p->value = dup_n(s->s + s->i, v, false);
			s->i += v;
		}
		p->name = dup_n(s->s + start, n, true);
		c->nparams++;
		skip_ows(s);
		if (!peek(s))
			return 0;
		if (peek(s) != ',')
			return bad(e, s, "expected ',' after a parameter");
		while (peek(s) == ',' || peek(s) == ' ' || peek(s) == '\t')
			s->i++;
		if (!peek(s))
			return 0;
	}
}

int wwwauth_parse(const char *header, struct wwwauth *out, struct err *e)
{
	struct scan s = { header, 0, strlen(header) };

	memset(out, 0, sizeof(*out));
	if (s.n > WWWAUTH_HEADER_MAX)
		return err_setc(e, ERR_TOO_LARGE,
				"WWW-Authenticate: longer than %d bytes",
				WWWAUTH_HEADER_MAX);
	for (;;) {
		struct wwwauth_challenge *c;
		size_t n;

		while (peek(&s) == ',' || peek(&s) == ' ' || peek(&s) == '\t')
			s.i++;
		if (!peek(&s))
			break;
		if (out->n == WWWAUTH_MAX_CHALLENGES)
			return bad(e, &s, "too many challenges");
		n = token_len(&s);
		if (!n)
			return bad(e, &s, "expected an auth scheme");
		c = &out->v[out->n++];
		c->scheme = dup_n(s.s + s.i, n, false);
		s.i += n;
		if (!peek(&s))
			break;
		if (peek(&s) == ',')
			continue; /* a scheme alone */
		if (peek(&s) != ' ' && peek(&s) != '\t')
			return bad(e, &s, "expected a space after the scheme");
		skip_ows(&s);
		if (!peek(&s) || peek(&s) == ',')
			continue;
		if (params(&s, c, e) < 0)
			return -1;
	}
	if (!out->n)
		return err_setc(e, ERR_INVALID, "WWW-Authenticate: empty");
	return 0;
}

void wwwauth_free(struct wwwauth *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct wwwauth_challenge *c = &w->v[i];
		free(c->scheme);
		free(c->token68);
		for (size_t k = 0; k < c->nparams; k++) {
			free(c->params[k].name);
			free(c->params[k].value);
		}
	}
	memset(w, 0, sizeof(*w));
}

const struct wwwauth_challenge *wwwauth_find(const struct wwwauth *w,
					     const char *scheme)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcasecmp(w->v[i].scheme, scheme))
			return &w->v[i];
	return NULL;
}

const char *wwwauth_param(const struct wwwauth_challenge *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (!strcasecmp(c->params[i].name, name))
			return c->params[i].value;
	return NULL;
}

static void pct_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c)) {
			buf_append(out, s, 1);
		} else {
			char p[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(out, p, 3);
		}
	}
}

int wwwauth_token_url(const struct wwwauth_challenge *c,
		      const char *const *scopes, struct buf *out,
		      struct err *e)
{
	const char *realm = wwwauth_param(c, "realm");
	const char *service = wwwauth_param(c, "service");
	const char *own[] = { wwwauth_param(c, "scope"), NULL };
	char sep;

	if (strcasecmp(c->scheme, "Bearer"))
		return err_setc(e, ERR_INVALID,
				"WWW-Authenticate: a %s challenge has no token "
				"endpoint", c->scheme);
	if (!realm)
		return err_setc(e, ERR_INVALID,
				"WWW-Authenticate: Bearer challenge without a "
				"realm");
	if (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7))
		return err_setc(e, ERR_INVALID,
				"WWW-Authenticate: realm \"%s\" is not an "
				"http(s) URL", realm);
	for (const char *p = realm; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
			return err_setc(e, ERR_INVALID,
					"WWW-Authenticate: realm has a space, "
					"control character or fragment");
	buf_puts(out, realm);
	sep = strchr(realm, '?') ? '&' : '?';
	if (service) {
		buf_printf(out, "%cservice=", sep);
		pct_encode(out, service);
		sep = '&';
	}
	for (const char *const *s = scopes ? scopes : own; *s; s++) {
		buf_printf(out, "%cscope=", sep);
		pct_encode(out, *s);
		sep = '&';
	}
	return 0;
}
