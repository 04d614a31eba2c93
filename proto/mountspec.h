/* mountspec.h - Docker's mount words: `-v` and `--mount`.
 *
 *   -v /PATH                       an anonymous volume
 *   -v NAME:/PATH[:ro|rw|nocopy]   a named volume
 *   -v /HOST:/PATH[:OPTS]          a bind (OPTS: mount options, kept)
 *   --mount type=bind|volume|tmpfs,source=|src=,target=|destination=|dst=,
 *           readonly|ro[=true|false],volume-nocopy[=BOOL],tmpfs-size=SIZE,
 *           tmpfs-mode=OCTAL,bind-propagation=...
 *
 * Pure text parsing (no filesystem): errors name the word and what is
 * wrong in it (the key, the value, the volume name). Volume names follow
 * Docker's rule [a-zA-Z0-9][a-zA-Z0-9_.-]+, so no '/' and no "..". */
#ifndef SKIFF_MOUNTSPEC_H
#define SKIFF_MOUNTSPEC_H

#include <stdbool.h>

#include "../core/base/err.h"

struct mountspec {
	char type[8];  /* "bind", "volume" or "tmpfs" */
	char *source;  /* bind: host path; volume: name or NULL (anonymous) */
	char *dest;    /* as given (absolute; the caller checks more) */
	char *opts;    /* bind: mount options; tmpfs: size=N,mode=M; or NULL */
	bool rw, nocopy;
};

int mountspec_name_valid(const char *s, struct err *e);
/* Fill m (the caller frees it with mountspec_free, on error too). */
int mountspec_parse_v(const char *arg, struct mountspec *m, struct err *e);
int mountspec_parse_mount(const char *arg, struct mountspec *m,
			  struct err *e);
void mountspec_free(struct mountspec *m);

#endif
