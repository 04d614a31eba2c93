/* fuzz_mountspec.c - libFuzzer target for -v and --mount words
 * (proto/mountspec.c).
 *
 * The first byte picks the parser; the rest is the word (NUL-free).
 * Every word parses or fails with ERR_INVALID; a parsed one has a known
 * type, a destination, and a volume name (when given) that is valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/mountspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mountspec m = { 0 };
	struct err e = ERR_INIT;
	char *w;
	int rc;

	if (size < 1 || memchr(data + 1, 0, size - 1))
		return 0;
	w = malloc(size);
	if (!w)
		abort();
	memcpy(w, data + 1, size - 1);
	w[size - 1] = '\0';
	rc = data[0] & 1 ? mountspec_parse_mount(w, &m, &e)
			 : mountspec_parse_v(w, &m, &e);
	if (rc < 0) {
		if (e.class != ERR_INVALID || !e.msg[0])
			abort();
	} else {
		if (!m.dest || (strcmp(m.type, "bind") &&
				strcmp(m.type, "volume") &&
				strcmp(m.type, "tmpfs")))
			abort();
		if (!strcmp(m.type, "volume") && m.source &&
		    mountspec_name_valid(m.source, &e) < 0)
			abort();
	}
	mountspec_free(&m);
	free(w);
	return 0;
}
