/* fuzz_mountspec.c - libFuzzer target for -v and --mount words
 * (proto/mountspec.c).
 *
 * The first byte picks the parser; the rest is the word (NUL-free).
 * Every word parses or fails with ERR_INVALID; a parsed one has a known
 * type, a destination, and a volume name (when given) that is valid. */
#include "../../proto/mountspec.h"
#include "fuzz_word.h"

static void fuzz_word(unsigned pick, const char *w)
{
	struct mountspec m = { 0 };
	struct err e = ERR_INIT;
	int rc = pick ? mountspec_parse_mount(w, &m, &e)
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
}
