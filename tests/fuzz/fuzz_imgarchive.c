/* fuzz_imgarchive.c - libFuzzer target for proto/imgarchive.c.
 *
 * Any bytes either parse as manifest.json or fail with a message; what
 * parses has a config and member paths that pass the member check, and
 * writing it out and parsing that again gives the same images (ASCII
 * names byte for byte). The
 * bytes, cut at the first NUL, are also tried as a member name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/imgarchive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The writer replaces bytes that are not UTF-8 (as every data line),
 * so only ASCII names must come back byte for byte. */
static bool differ(const char *a, const char *b)
{
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return false;
	return strcmp(a, b) != 0;
}

static void check_same(const struct imgarchive *a, const struct imgarchive *b)
{
	if (a->n != b->n)
		abort();
	for (size_t i = 0; i < a->n; i++) {
		const struct imgarchive_image *x = &a->images[i],
					      *y = &b->images[i];
		if (differ(x->config, y->config) ||
		    x->layers.n != y->layers.n ||
		    x->repo_tags.n != y->repo_tags.n)
			abort();
		for (size_t k = 0; k < x->layers.n; k++)
			if (differ(x->layers.v[k], y->layers.v[k]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgarchive a, b;
	struct err e = ERR_INIT;
	struct buf out = { 0 };
	char norm[4200], d[DIGEST_STR_MAX], *name = malloc(size + 1);

	if (!name)
		return 0;
	if (imgarchive_parse((const char *)data, size, &a, &e) == 0) {
		char n2[4200];
		for (size_t i = 0; i < a.n; i++)
			if (!a.images[i].config ||
			    imgarchive_member_check(a.images[i].config, n2,
						    sizeof(n2), &e) < 0)
				abort();
		imgarchive_write(&a, &out);
		if (imgarchive_parse(buf_head(&out), buf_used(&out), &b, &e) < 0)
			abort();
		check_same(&a, &b);
		imgarchive_free(&b);
		imgarchive_free(&a);
	} else if (!e.msg[0]) {
		abort();
	}
	memcpy(name, data, size);
	name[size] = '\0';
	e = (struct err)ERR_INIT;
	if (imgarchive_member_check(name, norm, sizeof(norm), &e) == 0) {
		if (norm[0] == '/' || strstr(norm, "//") ||
		    !strcmp(norm, "..") || !strncmp(norm, "../", 3) ||
		    strstr(norm, "/../"))
			abort();
		if (imgarchive_blob_digest(norm, d) && !digest_valid(d))
			abort();
	} else if (!e.msg[0]) {
		abort();
	}
	buf_free(&out);
	free(name);
	return 0;
}
