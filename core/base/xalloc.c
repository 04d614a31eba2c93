/* xalloc.c - allocation that aborts on failure (see xalloc.h). */
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xalloc_check(void *p)
{
	if (!p)
		abort();
	return p;
}

void *xmalloc(size_t n)
{
	return xalloc_check(malloc(n ? n : 1));
}

void *xcalloc(size_t nmemb, size_t size)
{
	return xalloc_check(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t nmemb, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n))
		abort();
	return xalloc_check(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return s ? xalloc_check(strdup(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	return xalloc_check(strndup(s, n));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}
