/* fuzz_json.c - libFuzzer target for the NDJSON writer (proto/json.c).
 *
 * Arbitrary bytes go through jw_strn() as a value and, up to the first
 * NUL, jw_str() as a key; the line must be one LF-terminated JSON object
 * that yajl_tree parses, with UTF-8 strings, and input that was already
 * valid UTF-8 without NULs must come back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "../../proto/json.h"
#include "../../proto/line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

static void check_string(yajl_val v, const char *in, size_t n)
{
	const char *s = YAJL_GET_STRING(v);

	if (!s || !utf8_valid(s, strlen(s), NULL))
		abort();
	if (utf8_valid(in, n, NULL) && !memchr(in, '\0', n) &&
	    (strlen(s) != n || memcmp(s, in, n)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *key = strndup(in, size);
	struct jw w;
	yajl_val v;

	if (!key)
		abort();
	buf_reset(&out);
	jw_open(&w, &out);
	jw_strn(&w, "v", in, size);
	jw_str(&w, key, "k");
	jw_close(&w);
	if (!buf_used(&out) || buf_head(&out)[buf_used(&out) - 1] != '\n' ||
	    memchr(buf_head(&out), '\n', buf_used(&out) - 1))
		abort(); /* one line, LF-terminated */
	buf_append(&out, "", 1);
	v = yajl_tree_parse(buf_head(&out), NULL, 0);
	if (!YAJL_IS_OBJECT(v) || v->u.object.len != 2)
		abort();
	check_string(v->u.object.values[0], in, size);
	if (!utf8_valid(v->u.object.keys[1], strlen(v->u.object.keys[1]), NULL))
		abort();
	if (utf8_valid(key, strlen(key), NULL) &&
	    strcmp(v->u.object.keys[1], key))
		abort();
	yajl_tree_free(v);
	free(key);
	return 0;
}
