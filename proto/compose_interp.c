/* compose_interp.c - the compose spec's interpolation: $VAR, ${VAR},
 * ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
 * ${VAR:+alt}, ${VAR+alt}, and $$ for a literal $. Defaults and
 * alternatives are interpolated in turn (nesting). Applies to every
 * string value of a file's tree (not to keys), before the schema sees
 * it: a plain scalar is typed again after substitution, as
 * `ports: - ${P}:80` or `replicas: ${N}` need. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/xalloc.h"
#include "compose.h"
#include "jtree.h"

#define INTERP_MAX_DEPTH 16

struct interp {
	compose_env_fn env;
	void *ctx;
	struct err *e;
	const char *whole; /* the string, for messages */
	char unset[128];   /* a plain variable that was not set */
	bool unset_seen;
};

static int expand(struct interp *in, const char *s, size_t n,
		  struct buf *out, int depth);

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int bad_format(struct interp *in)
{
	return err_setc(in->e, ERR_INVALID,
			"invalid interpolation format in \"%.200s\"",
			in->whole);
}

static const char *lookup(struct interp *in, const char *name, size_t n)
{
	char key[256];

	if (n >= sizeof(key))
		return NULL;
	memcpy(key, name, n);
	key[n] = '\0';
	return in->env ? in->env(key, in->ctx) : NULL;
}

static void note_unset(struct interp *in, const char *name, size_t n)
{
	if (in->unset_seen)
		return;
	in->unset_seen = true;
	snprintf(in->unset, sizeof(in->unset), "%.*s",
		 (int)(n < 100 ? n : 100), name);
}

/* The body of ${...} (without the braces). */
static int braced(struct interp *in, const char *s, size_t n,
		  struct buf *out, int depth)
{
	size_t nl = 0;
	const char *val, *rest;
	size_t nrest;
	bool colon = false;
	char op;

	if (!n || !name_start(s[0]))
		return bad_format(in);
	while (nl < n && name_char(s[nl]))
		nl++;
	val = lookup(in, s, nl);
	if (nl == n) {
		if (!val)
			note_unset(in, s, nl);
		buf_puts(out, val ? val : "");
		return 0;
	}
	rest = s + nl;
	nrest = n - nl;
	if (rest[0] == ':')
		colon = true, rest++, nrest--;
	if (!nrest || !strchr("-?+", rest[0]))
		return bad_format(in);
	op = rest[0];
	rest++, nrest--;
	bool set = val && (!colon || *val);
	if (op == '-')
		return set ? (buf_puts(out, val), 0) :
			     expand(in, rest, nrest, out, depth + 1);
	if (op == '+')
		return set ? expand(in, rest, nrest, out, depth + 1) : 0;
	if (set) {
		buf_puts(out, val);
		return 0;
	}
	{
		struct buf msg = { 0 };
		int r = expand(in, rest, nrest, &msg, depth + 1);
		if (r == 0)
			err_setc(in->e, ERR_INVALID,
				 "required variable %.*s is missing a "
				 "value%s%.*s",
				 (int)(nl < 100 ? nl : 100), s,
				 buf_used(&msg) ? ": " : "",
				 (int)(buf_used(&msg) < 200 ? buf_used(&msg) :
							     200),
				 buf_used(&msg) ? buf_head(&msg) : "");
		buf_free(&msg);
		return -1;
	}
}

/* Where the } closing a ${ at s[0] (just after the brace) is, or -1. */
static ssize_t closing(const char *s, size_t n)
{
	int level = 1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '$' && i + 1 < n && s[i + 1] == '{')
			level++, i++;
		else if (s[i] == '}' && --level == 0)
			return (ssize_t)i;
	}
	return -1;
}

static int expand(struct interp *in, const char *s, size_t n,
		  struct buf *out, int depth)
{
	if (depth > INTERP_MAX_DEPTH)
		return err_setc(in->e, ERR_INVALID,
				"interpolation nested too deeply in "
				"\"%.200s\"",
				in->whole);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '$') {
			buf_append(out, s + i, 1);
			continue;
		}
		if (i + 1 < n && s[i + 1] == '$') {
			buf_puts(out, "$");
			i++;
		} else if (i + 1 < n && s[i + 1] == '{') {
			ssize_t end = closing(s + i + 2, n - i - 2);
			if (end < 0)
				return bad_format(in);
			if (braced(in, s + i + 2, (size_t)end, out, depth) < 0)
				return -1;
			i += 2 + (size_t)end;
		} else if (i + 1 < n && name_start(s[i + 1])) {
			size_t j = i + 1;
			while (j < n && name_char(s[j]))
				j++;
			const char *val = lookup(in, s + i + 1, j - i - 1);
			if (!val)
				note_unset(in, s + i + 1, j - i - 1);
			buf_puts(out, val ? val : "");
			i = j - 1;
		} else {
			return bad_format(in);
		}
	}
	return 0;
}

int compose_interp_str(const char *s, compose_env_fn env, void *ctx,
		       struct buf *out, bool *unset_seen, char *unset_name,
		       size_t unset_size, struct err *e)
{
	struct interp in = { .env = env, .ctx = ctx, .e = e, .whole = s };
	int r = expand(&in, s, strlen(s), out, 0);

	if (unset_seen)
		*unset_seen = in.unset_seen;
	if (unset_name && unset_size)
		snprintf(unset_name, unset_size, "%s", in.unset);
	return r;
}

static int interp_node(struct cnode *n, compose_env_fn env, void *ctx,
		       struct strv *warn, struct err *e)
{
	char where[300], unset[128];
	bool seen = false;
	struct buf out = { 0 };

	if (n->t == CN_MAP || n->t == CN_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			if (interp_node(n->v[i], env, ctx, warn, e) < 0)
				return -1;
		return 0;
	}
	if (n->t != CN_STR || !strchr(n->s, '$'))
		return 0;
	if (compose_interp_str(n->s, env, ctx, &out, &seen, unset,
			       sizeof(unset), e) < 0) {
		buf_free(&out);
		return err_wrap(e, "%s", cnode_where(n, where, sizeof(where)));
	}
	if (seen && warn) {
		char *msg = xasprintf("WARN: %s: the \"%s\" variable is not "
				      "set; defaulting to a blank string",
				      cnode_where(n, where, sizeof(where)),
				      unset);
		if (!strv_contains(warn, msg))
			strv_push(warn, msg);
		free(msg);
	}
	buf_puts(&out, ""); /* NUL-terminated even when empty */
	cnode_set_text(n, buf_take_str(&out));
	return 0;
}

int compose_interp_tree(struct cnode *root, compose_env_fn env, void *ctx,
			struct strv *warn, struct err *e)
{
	return interp_node(root, env, ctx, warn, e);
}
