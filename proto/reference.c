/* reference.c - Docker-style image reference parsing (see reference.h).
 *
 * A hand-written scanner for distribution/reference's grammar, so that each
 * failure can say what is wrong and at which offset of the input. Owns no
 * memory: struct ref holds fixed-size copies. */
#include "reference.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LIBRARY "library/"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* "invalid reference format: WHAT at offset N of "INPUT"" */
__attribute__((format(printf, 4, 5))) static int
bad(struct err *e, const char *s, size_t off, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_setc(
	    e, ERR_INVALID,
	    "invalid reference format: %s at offset %zu of \"%.160s%s\"", what,
	    off, s, strlen(s) > 160 ? "..." : "");
}

/* A character for a message: 'x', or 0x0a for bytes that do not print.
 * Returned by value: the text lives until the end of the caller's
 * full expression. */
struct chdesc {
	char s[8];
};

static struct chdesc chdesc(char c)
{
	struct chdesc d;

	if (c >= 0x20 && c < 0x7f)
		snprintf(d.s, sizeof(d.s), "'%c'", c);
	else
		snprintf(d.s, sizeof(d.s), "0x%02x", (unsigned char)c);
	return d;
}

/* Offset of the first byte of [p, p+n) that breaks the tag grammar, or n. */
static size_t tag_scan(const char *p, size_t n)
{
	if (n == 0 || !is_word(p[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_word(p[i]) && p[i] != '.' && p[i] != '-')
			return i;
	return n;
}

bool ref_tag_valid(const char *tag)
{
	size_t n = strlen(tag);

	return n > 0 && n <= REF_TAG_MAX && tag_scan(tag, n) == n;
}

static int check_tag(const char *s, size_t off, size_t n, struct err *e)
{
	size_t bad_at;

	if (n == 0)
		return bad(e, s, off, "empty tag after ':'");
	if (n > REF_TAG_MAX)
		return bad(e, s, off, "tag longer than %d characters",
			   REF_TAG_MAX);
	bad_at = tag_scan(s + off, n);
	if (bad_at < n)
		return bad(e, s, off + bad_at,
			   bad_at ? "invalid character %s in tag"
				  : "tag must start with [A-Za-z0-9_], not %s",
			   chdesc(s[off + bad_at]).s);
	return 0;
}

/* Host "[v6]" or dns-ish components, then an optional ":port". */
static int check_domain(const char *s, size_t off, size_t n, struct err *e)
{
	const char *d = s + off;
	size_t i = 0;

	if (d[0] == '[') {
		for (i = 1; i < n && d[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:", d[i]))
				return bad(e, s, off + i,
					   "invalid character %s in IPv6 "
					   "address",
					   chdesc(d[i]).s);
		if (i == n || i == 1)
			return bad(e, s, off, "invalid IPv6 address in domain");
		i++;
	} else {
		for (;;) {
			size_t start = i;
			while (i < n && (is_alnum(d[i]) || d[i] == '-'))
				i++;
			if (i == start)
				return bad(e, s, off + i,
					   "empty or invalid domain component");
			if (d[start] == '-' || d[i - 1] == '-')
				return bad(
				    e, s,
				    off + (d[start] == '-' ? start : i - 1),
				    "domain component may not start or "
				    "end with '-'");
			if (i < n && d[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i < n && d[i] == ':') {
		size_t p = ++i;
		while (i < n && d[i] >= '0' && d[i] <= '9')
			i++;
		if (i == p || i < n)
			return bad(e, s, off + i, "port must be digits");
	}
	if (i < n)
		return bad(e, s, off + i, "invalid character %s in domain",
			   chdesc(d[i]).s);
	return 0;
}

/* One path component: [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)*. */
static int check_component(const char *s, size_t off, size_t n, struct err *e)
{
	const char *c = s + off;
	size_t i = 0;

	if (n == 0)
		return bad(e, s, off, "empty path component");
	for (;;) {
		size_t start = i;
		while (i < n && is_lower_alnum(c[i]))
			i++;
		if (i == start)
			return bad(
			    e, s, off + i,
			    i ? "separator must be followed by [a-z0-9], "
				"not %s"
			      : "path component must start with "
				"[a-z0-9], not %s",
			    chdesc(i < n ? c[i] : '/').s);
		if (i == n)
			return 0;
		if (c[i] == '.') {
			i++;
		} else if (c[i] == '_') {
			i += (i + 1 < n && c[i + 1] == '_') ? 2 : 1;
		} else if (c[i] == '-') {
			while (i < n && c[i] == '-')
				i++;
		} else {
			return bad(e, s, off + i,
				   "invalid character %s in repository name",
				   chdesc(c[i]).s);
		}
		if (i == n)
			return bad(e, s, off + i - 1,
				   "repository name may not end with a "
				   "separator");
	}
}

/* Check the user's path text [off, off+n) component by component. */
static int check_path(const char *s, size_t off, size_t n, struct err *e)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++)
		if (s[off + i] >= 'A' && s[off + i] <= 'Z')
			return bad(e, s, off + i,
				   "repository name must be lowercase");
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[off + i] != '/')
			continue;
		if (check_component(s, off + start, i - start, e) < 0)
			return -1;
		start = i + 1;
	}
	return 0;
}

static bool hex64(const char *s)
{
	size_t n = strlen(s);

	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Split the name [0, n) into domain and path (Docker's splitDockerDomain)
 * and validate both. */
static int split_name(const char *s, size_t n, struct ref *r, struct err *e)
{
	const char *slash = memchr(s, '/', n);
	size_t dlen = slash ? (size_t)(slash - s) : 0, poff = 0, plen = n;
	bool is_domain = false, library;

	if (slash) {
		is_domain = (dlen == 9 && memcmp(s, "localhost", 9) == 0) ||
			    memchr(s, '.', dlen) || memchr(s, ':', dlen);
		for (size_t i = 0; i < dlen && !is_domain; i++)
			is_domain = s[i] >= 'A' && s[i] <= 'Z';
	}
	if (is_domain) {
		if (check_domain(s, 0, dlen, e) < 0)
			return -1;
		poff = dlen + 1;
		plen = n - poff;
		if (dlen == 15 && memcmp(s, "index.docker.io", 15) == 0)
			strcpy(r->domain, REF_DEFAULT_DOMAIN);
		else
			snprintf(r->domain, sizeof(r->domain), "%.*s",
				 (int)dlen, s);
	} else {
		strcpy(r->domain, REF_DEFAULT_DOMAIN);
	}
	if (plen == 0)
		return bad(e, s, poff, "missing repository path after domain");
	if (check_path(s, poff, plen, e) < 0)
		return -1;
	library = strcmp(r->domain, REF_DEFAULT_DOMAIN) == 0 &&
		  !memchr(s + poff, '/', plen);
	if (strlen(r->domain) + 1 + (library ? strlen(LIBRARY) : 0) + plen >
	    REF_NAME_MAX)
		return bad(e, s, 0,
			   "repository name must not be more than %d "
			   "characters",
			   REF_NAME_MAX);
	snprintf(r->path, sizeof(r->path), "%s%.*s", library ? LIBRARY : "",
		 (int)plen, s + poff);
	return 0;
}

int ref_parse(const char *s, unsigned flags, struct ref *r, struct err *e)
{
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s), name_len = n;
	struct err de = ERR_INIT;

	memset(r, 0, sizeof(*r));
	if (!*s)
		return err_setc(e, ERR_INVALID,
				"invalid reference format: repository name "
				"must have at least one component");
	if (hex64(s))
		return err_setc(e, ERR_INVALID,
				"invalid repository name (%s), cannot specify "
				"64-byte hexadecimal strings",
				s);
	if (at) {
		if (digest_check(at + 1, NULL, &de) < 0)
			return bad(e, s, n + 1, "%s", de.msg);
		snprintf(r->digest, sizeof(r->digest), "%s", at + 1);
	}
	/* A ':' after the last '/' starts the tag (a port's ':' precedes a
	 * '/'); a reference with no '/' treats "host:5000" as name and tag,
	 * as Docker does. */
	for (size_t i = n; i > 0 && s[i - 1] != '/'; i--) {
		if (s[i - 1] == ':') {
			name_len = i - 1;
			if (check_tag(s, i, n - i, e) < 0)
				return -1;
			snprintf(r->tag, sizeof(r->tag), "%.*s", (int)(n - i),
				 s + i);
			break;
		}
	}
	if (name_len == 0)
		return bad(e, s, 0, "missing repository name");
	if (split_name(s, name_len, r, e) < 0)
		return -1;
	if (!r->tag[0] && !r->digest[0] && !(flags & REF_NO_DEFAULT_TAG))
		strcpy(r->tag, REF_DEFAULT_TAG);
	return 0;
}

void ref_name(const struct ref *r, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", r->domain, r->path);
}

static void with_suffix(const struct ref *r, const char *name, char *out,
			size_t n)
{
	snprintf(out, n, "%s%s%s%s%s", name, r->tag[0] ? ":" : "", r->tag,
		 r->digest[0] ? "@" : "", r->digest);
}

void ref_string(const struct ref *r, char *out, size_t n)
{
	char name[2 * REF_NAME_MAX + 4];

	ref_name(r, name, sizeof(name));
	with_suffix(r, name, out, n);
}

void ref_familiar_name(const struct ref *r, char *out, size_t n)
{
	const char *p = r->path, *slash = strchr(p, '/');
	size_t first = slash ? (size_t)(slash - p) : 0;

	/* Keep the domain when the short form would read as another
	 * registry: "docker.io/foo.com/bar" is not "foo.com/bar". */
	if (strcmp(r->domain, REF_DEFAULT_DOMAIN) != 0 ||
	    (slash && (memchr(p, '.', first) || memchr(p, ':', first) ||
		       (first == 9 && strncmp(p, "localhost", 9) == 0)))) {
		ref_name(r, out, n);
		return;
	}
	if (strncmp(p, LIBRARY, strlen(LIBRARY)) == 0 &&
	    !strchr(p + strlen(LIBRARY), '/'))
		p += strlen(LIBRARY);
	snprintf(out, n, "%s", p);
}

void ref_familiar(const struct ref *r, char *out, size_t n)
{
	char name[2 * REF_NAME_MAX + 4];

	ref_familiar_name(r, name, sizeof(name));
	with_suffix(r, name, out, n);
}
