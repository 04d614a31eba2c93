/* fuzz_envfile.c - libFuzzer target for --env-file text (proto/envfile.c).
 *
 * Every input parses or fails with a message naming the file; every
 * variable it gives is NUL-free, has a non-empty name without blanks
 * and an '='. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/envfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(const char *name, void *ctx)
{
	return name[0] == 'A' ? "from-env" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envfile f = {0};
	struct err e = ERR_INIT;

	if (envfile_parse("f", (const char *)data, size, lookup, NULL, &f, &e) <
	    0) {
		if (strncmp(e.msg, "f:", 2))
			abort();
	} else {
		for (size_t i = 0; i < f.n; i++) {
			const char *eq = strchr(f.v[i], '=');
			if (!eq || eq == f.v[i] ||
			    strcspn(f.v[i], " \t\r") < (size_t)(eq - f.v[i]))
				abort();
		}
	}
	envfile_free(&f);
	return 0;
}
