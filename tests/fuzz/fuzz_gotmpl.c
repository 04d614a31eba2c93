/* fuzz_gotmpl.c - libFuzzer target for proto/gotmpl (Go text/template).
 *
 * The input is a template; it is parsed and, when it parses, executed over
 * a fixed inspect-like document and as a table header, its output run
 * through the tabwriter. Every failure must be worded "template: :..."
 * (Go's form); nothing may crash or leak. Inputs with more than three
 * ranges are skipped: nested ranges multiply, as they do in Go. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/gotmpl.h"
#include "../../proto/jtree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc[] =
	"{\"Id\":\"3f4c2a1b9d8e\",\"Names\":\"web\",\"Args\":[\"-c\",\"x y\"],"
	"\"State\":{\"Status\":\"running\",\"Pid\":1234,\"Health\":null,"
	"\"Running\":true},\"Config\":{\"Labels\":{\"a\":\"1\",\"b\":\"\"},"
	"\"Env\":[\"A=1\"]},\"Mounts\":[{\"RW\":true,\"N\":[1,2.5,null]}],"
	"\"F\":1.5e300,\"Neg\":-7,\"Uni\":\"\\u00e9\\u03a9\\ud83d\\udc33\","
	"\"Null\":null,\"L\":[],\"M\":{}}";

static const struct gotmpl_header hdr[] = {
	{ "ID", "CONTAINER ID" },
	{ "Names", "NAMES" },
};

static void check_err(const struct err *e)
{
	if (strncmp(e->msg, "template: :", 11))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static yajl_val v;
	struct err e = ERR_INIT;
	struct buf out = { 0 }, tab = { 0 };
	struct gotmpl *t;

	if (!v && !(v = jt_parse(doc, sizeof(doc) - 1, &e)))
		abort();
	if (size > 4096)
		return 0;
	/* nested ranges multiply (as in Go); keep each run short */
	size_t ranges = 0;
	for (const uint8_t *p = data; (p = memmem(p, size - (size_t)(p - data),
						"range", 5)); p += 5)
		ranges++;
	if (ranges > 3)
		return 0;
	t = gotmpl_parse((const char *)data, size, &e);
	if (!t) {
		check_err(&e);
		return 0;
	}
	if (gotmpl_exec(t, v, &out, &e) < 0)
		check_err(&e);
	gotmpl_tabwrite(out.data ? buf_head(&out) : "", buf_used(&out), &tab);
	buf_reset(&out);
	if (gotmpl_exec_header(t, hdr, 2, &out, &e) < 0)
		check_err(&e);
	buf_free(&out);
	buf_free(&tab);
	gotmpl_free(t);
	return 0;
}
