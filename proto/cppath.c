/* cppath.c - split the words of `cp` (see cppath.h). Pure string work;
 * the struct owns its strings. */
#include <stdlib.h>
#include <string.h>

#include "cppath.h"
#include "../core/base/xalloc.h"

#define CPPATH_MAX 4095

static char *dup_n(const char *s, size_t n)
{
	char *d = xstrndup(s, n);

	return d;
}

/* Split path (not empty) into parent and name. */
static int split(const char *word, const char *path, bool in_ctr,
		 struct cppath *p, struct err *e)
{
	size_t n = strlen(path);
	const char *slash;

	if (n > CPPATH_MAX)
		return err_setc(e, ERR_INVALID,
				"cp: path longer than %d "
				"bytes: %.64s...",
				CPPATH_MAX, path);
	if ((n >= 2 && !strcmp(path + n - 2, "/.")) || !strcmp(path, "."))
		p->contents = true;
	while (n > 1 && path[n - 1] == '/') {
		p->trailing_slash = true;
		n--;
	}
	if (n == 1 && path[0] == '/') {
		p->parent = dup_n("/", 1);
		p->name = dup_n(".", 1);
		return 0;
	}
	slash = memrchr(path, '/', n);
	p->name = slash ? dup_n(slash + 1, n - (size_t)(slash + 1 - path))
			: dup_n(path, n);
	if (!strcmp(p->name, ".."))
		return err_setc(e, ERR_INVALID,
				"cp: %s: a path may not end "
				"in \"..\"",
				word);
	if (slash)
		p->parent = slash == path ? dup_n("/", 1)
					  : dup_n(path, (size_t)(slash - path));
	else
		p->parent = dup_n(in_ctr ? "/" : ".", 1);
	return 0;
}

int cppath_parse(const char *word, struct cppath *p, struct err *e)
{
	const char *colon = strchr(word, ':'), *path = word;

	memset(p, 0, sizeof(*p));
	if (!strcmp(word, "-")) {
		p->stream = true;
		return 0;
	}
	if (word[0] != '/' && word[0] != '.' && colon &&
	    !memchr(word, '/', (size_t)(colon - word))) {
		if (colon == word)
			return err_setc(e, ERR_INVALID,
					"cp: %s: no container "
					"name before ':'",
					word);
		p->container = dup_n(word, (size_t)(colon - word));
		path = colon + 1;
	}
	if (!*path)
		return err_setc(e, ERR_INVALID, "cp: %s: empty path", word);
	return split(word, path, p->container != NULL, p, e);
}

void cppath_free(struct cppath *p)
{
	free(p->container);
	free(p->parent);
	free(p->name);
	memset(p, 0, sizeof(*p));
}
