/* fuzz_cppath.c - libFuzzer target for the words of `cp`
 * (proto/cppath.c): any word parses or fails cleanly; a parsed path has
 * a parent and a one-component name that is never "..". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/cppath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *w = strndup((const char *)data, size);
	struct cppath p;
	struct err e = ERR_INIT;

	if (!w)
		abort();
	if (cppath_parse(w, &p, &e) == 0 && !p.stream &&
	    (!p.parent || !p.name || !*p.name || strchr(p.name, '/') ||
	     !strcmp(p.name, "..")))
		abort();
	cppath_free(&p);
	free(w);
	return 0;
}
