/* fuzz_compose.c - libFuzzer target for compose files (proto/cnode.c,
 * proto/compose_interp.c, compose_schema.c, compose_norm.c): any input
 * parses to a model that prints as JSON, or fails with a message that
 * names the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/compose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *env(const char *name, void *ctx)
{
	return name[0] == 'A' ? "80" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnode_files files = { 0 };
	struct err e = ERR_INIT;
	struct cnode *root;
	struct buf out = { 0 };
	struct jw w;

	root = compose_file_parse(&files, "f.yml", (const char *)data, size,
				  env, NULL, &e);
	if (!root) {
		if (strncmp(e.msg, "f.yml", 5) && !strstr(e.msg, "f.yml") &&
		    !strstr(e.msg, "interpolation") &&
		    !strstr(e.msg, "required variable") &&
		    !strstr(e.msg, "quote"))
			abort();
	} else {
		jw_open(&w, &out);
		cnode_json(&w, "m", root);
		jw_close(&w);
		cnode_free(root);
	}
	buf_free(&out);
	cnode_files_free(&files);
	return 0;
}
