/* envfile.c - Docker's --env-file format (see envfile.h). Pure parsing:
 * no I/O; the strings it returns are malloc'd and owned by the
 * struct envfile. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"
#include "line.h"
#include "../core/base/xalloc.h"

static void push(struct envfile *f, const char *s, size_t n)
{
	char *copy = xmalloc(n + 1);

	f->v = xrealloc(f->v, f->n + 1, sizeof(*f->v));
	memcpy(copy, s, n);
	copy[n] = '\0';
	f->v[f->n++] = copy;
}

/* One line without its LF: a comment, KEY=VALUE or a bare KEY. */
static int one_line(const char *file, const char *s, size_t n, unsigned no,
		    const char *(*lookup)(const char *, void *), void *ctx,
		    struct envfile *out, struct err *e)
{
	const char *eq, *val;
	size_t name_len;
	char name[256];

	while (n && (*s == ' ' || *s == '\t')) /* leading blanks */
		s++, n--;
	if (!n || *s == '#')
		return 0;
	eq = memchr(s, '=', n);
	name_len = eq ? (size_t)(eq - s) : n;
	if (!name_len)
		return err_setc(e, ERR_INVALID,
				"%s:%u: no variable name "
				"before '='",
				file, no);
	for (size_t i = 0; i < name_len; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')
			return err_setc(
			    e, ERR_INVALID,
			    "%s:%u: variable "
			    "\"%.*s\" contains blanks",
			    file, no, (int)(name_len > 64 ? 64 : name_len), s);
	if (eq) {
		push(out, s, n);
		return 0;
	}
	if (name_len >= sizeof(name))
		return err_setc(e, ERR_INVALID,
				"%s:%u: variable name "
				"longer than %zu bytes",
				file, no, sizeof(name) - 1);
	memcpy(name, s, name_len);
	name[name_len] = '\0';
	val = lookup ? lookup(name, ctx) : NULL;
	if (val) { /* KEY alone: the caller's value, if it has one */
		size_t vl = strlen(val);
		char *kv = xmalloc(name_len + vl + 2);
		sprintf(kv, "%s=%s", name, val);
		push(out, kv, name_len + vl + 1);
		free(kv);
	}
	return 0;
}

int envfile_parse(const char *file, const char *text, size_t len,
		  const char *(*lookup)(const char *name, void *ctx), void *ctx,
		  struct envfile *out, struct err *e)
{
	size_t bad, i = 0;
	unsigned no = 1;
	const char *nul;

	if (len > ENVFILE_MAX)
		return err_setc(e, ERR_TOO_LARGE, "%s: larger than %d bytes",
				file, ENVFILE_MAX);
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (const char *p = text; p < nul; p++)
			no += *p == '\n';
		return err_setc(e, ERR_INVALID, "%s:%u: a NUL byte", file, no);
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3; /* byte order mark */
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		if (!utf8_valid(text + i, n, &bad))
			return err_setc(e, ERR_INVALID,
					"%s:%u: invalid "
					"UTF-8 at byte %zu",
					file, no, bad + 1);
		if (one_line(file, text + i, n, no, lookup, ctx, out, e) < 0)
			return -1;
		i += n + 1;
		no++;
	}
	return 0;
}

void envfile_free(struct envfile *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
