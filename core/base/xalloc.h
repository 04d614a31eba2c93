/* xalloc.h - allocation that cannot fail: out of memory aborts, here.
 *
 * A daemon that cannot allocate a few bytes cannot go on in any useful
 * way, and a check after every malloc is code no test reaches: these
 * abort in one place instead (bubblewrap's and crun's xmalloc). Use them
 * for small, bounded allocations; sizes that come from outside data are
 * checked against a limit first. */
#ifndef SKIFF_XALLOC_H
#define SKIFF_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* nmemb * size, checked for overflow */
void *xrealloc(void *p, size_t nmemb, size_t size);
/* NULL stays NULL */
char *xstrdup(const char *s);
/* at most n bytes of s, NUL-terminated */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
