/* test_gotmpl.c - proto/gotmpl: Go's text/template over yajl trees, with no
 * Go needed (t_gotmpl_go.sh compares against Go itself). A table of
 * template x document -> exact output or exact error text (expected
 * values taken from Go 1.19), Docker's table framing (format words,
 * header row, tabwriter alignment), partial output on errors, and the
 * CPU time of the common `{{.Names}}\t{{.Status}}` over 1,000 rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../proto/gotmpl.h"
#include "../../proto/jtree.h"

static const char doc_inspect[] =
	"{\"Id\":\"3f4c2a1b9d8e7f6a\",\"Name\":\"/web\",\"Args\":[\"-c\",\"sleep 1\"],"
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":1234567,"
	"\"Health\":null},\"Config\":{\"Image\":\"alpine:3.19\","
	"\"Labels\":{\"b\":\"2\",\"a\":\"1\",\"com.x\":\"y\"},"
	"\"Env\":[\"A=1\",\"B=2\"]},\"Mounts\":[{\"Destination\":\"/data\","
	"\"RW\":true},{\"Destination\":\"/etc\",\"RW\":false}],"
	"\"F\":12.5,\"Tiny\":1e-7,\"Big\":1e21,\"Sci\":1e3,\"Empty\":\"\","
	"\"L\":[],\"Uni\":\"h\\u00e9llo \\u03a9 \\u0416 \\ud83d\\udc33\"}";

static const char doc_row[] =
	"{\"ID\":\"9a8b7c6d5e4f\",\"Names\":\"db\",\"Image\":\"postgres:16\","
	"\"Status\":\"Up 20 minutes\",\"State\":\"running\"}";

struct tcase {
	const char *tmpl;
	const char *doc; /* NULL: doc_inspect */
	const char *want;
	const char *err; /* expected error text, or NULL */
};

static const struct tcase cases[] = {
	/* fields, missing keys, nil, composite printing */
	{ "{{.Id}} {{.State.Pid}} {{.State.Running}}", NULL,
	  "3f4c2a1b9d8e7f6a 1234567 true", NULL },
	{ "{{.Nope}}|{{.Nope.Deeper}}|{{.State.Health}}", NULL,
	  "<no value>|<no value>|<no value>", NULL },
	{ "{{.Config.Labels}}", NULL, "map[a:1 b:2 com.x:y]", NULL },
	{ "{{.Args}} {{.L}} {{.Mounts}}", NULL,
	  "[-c sleep 1] [] [map[Destination:/data RW:true] "
	  "map[Destination:/etc RW:false]]", NULL },
	{ "{{.F}} {{.Tiny}} {{.Big}} {{.Sci}} {{.State.Pid}}", NULL,
	  "12.5 1e-07 1e+21 1000 1234567", NULL },
	{ "{{.Uni}}", NULL, "h\xc3\xa9llo \xce\xa9 \xd0\x96 \xf0\x9f\x90\xb3", NULL },
	{ "{{.}}", "[1, 2.5, \"x\", null, true]", "[1 2.5 x <nil> true]", NULL },
	{ "{{.}}", "null", "<no value>", NULL },
	{ "{{$.Names}}", doc_row, "db", NULL },
	/* trim markers and comments */
	{ "a  {{- .Names -}}  b", doc_row, "adbb", NULL },
	{ "{{/* c */}}x{{- /* c */ -}}  y", doc_row, "xy", NULL },
	{ "{{-3}} {{- 3}}", doc_row, "-33", NULL },
	/* control structures */
	{ "{{if .State.Running}}up{{else}}down{{end}}", NULL, "up", NULL },
	{ "{{if .Nope}}a{{else if .Names}}b={{.Names}}{{else}}c{{end}}", doc_row,
	  "b=db", NULL },
	{ "{{with .Config}}{{.Image}}{{end}}{{with .Nope}}x{{else}}-{{end}}",
	  NULL, "alpine:3.19-", NULL },
	{ "{{range $i, $a := .Args}}{{$i}}={{$a}};{{end}}", NULL,
	  "0=-c;1=sleep 1;", NULL },
	{ "{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}} {{end}}", NULL,
	  "a:1 b:2 com.x:y ", NULL },
	{ "{{range .L}}x{{else}}empty{{end}}", NULL, "empty", NULL },
	{ "{{range $i, $e := .}}{{if eq $i 2}}{{break}}{{end}}{{$e}}{{end}}",
	  "[\"a\",\"b\",\"c\"]", "ab", NULL },
	{ "{{range .}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}",
	  "[\"a\",\"b\",\"c\"]", "ac", NULL },
	{ "{{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}", NULL,
	  "/data:true /etc:false ", NULL },
	{ "{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}", doc_row, "12", NULL },
	{ "{{range .Args}}{{$.Name}}{{end}}", NULL, "/web/web", NULL },
	/* literals, pipelines, parentheses */
	{ "{{1 | 2}}", doc_row, NULL,
	  "template: :1: non executable command in pipeline stage 2" },
	{ "a{{nil | print}}", doc_row, "a",
	  "template: :1:3: executing \"\" at <nil>: nil is not a command" },
	{ "{{\"s\\t\\u00e9\"}} {{`r\\n`}} {{'a'}} {{1.5}} {{1e3}} {{0x1F}}", doc_row,
	  "s\t\xc3\xa9 r\\n 97 1.5 1000 31", NULL },
	{ "{{.Names | printf \"%s!\" | len}}", doc_row, "3", NULL },
	{ "{{(index .Args 1)}} {{len (index .Mounts 0).Destination}}", NULL,
	  "sleep 1 5", NULL },
	/* builtins */
	{ "{{len .Args}} {{index .Config.Labels \"a\"}} {{slice .Id 0 4}}", NULL,
	  "2 1 3f4c", NULL },
	{ "{{not .Empty}} {{and 1 0 2}} {{or 0 \"\" \"x\"}}", NULL, "true 0 x",
	  NULL },
	{ "{{eq .Names \"db\"}} {{eq 1 2 3 1}} {{ne 1 2}} {{lt 1 2}} {{ge 1.5 2.5}}",
	  doc_row, "true true true true false", NULL },
	{ "{{print \"a\" 1 2 \"b\" nil}}|{{println 1 \"x\"}}", doc_row,
	  "a1 2b<nil>|1 x\n", NULL },
	{ "{{printf \"%05d|%-4s|%.2f|%x|%q|%v|%T\" -42 \"ab\" 3.14159 255 \"q\" .Names 1.5}}",
	  doc_row, "-0042|ab  |3.14|ff|\"q\"|db|float64", NULL },
	{ "{{printf \"%d %s\" \"x\"}}", doc_row, "%!d(string=x) %!s(MISSING)",
	  NULL },
	{ "{{html \"<a b='c'>&\"}} {{js \"it's <\"}} {{urlquery \"a b&c\"}}",
	  doc_row, "&lt;a b=&#39;c&#39;&gt;&amp; it\\'s \\u003C a+b%26c", NULL },
	/* Docker's helpers */
	{ "{{json .Config.Labels}} {{json .Nope}} {{json .F}}", NULL,
	  "{\"a\":\"1\",\"b\":\"2\",\"com.x\":\"y\"} null 12.5", NULL },
	{ "{{json .Tiny}} {{json .Big}} {{json \"<&>\"}}", NULL,
	  "1e-7 1e+21 \"<&>\"", NULL },
	{ "{{join .Args \" \"}}|{{join .Config.Env \",\"}}", NULL,
	  "-c sleep 1|A=1,B=2", NULL },
	{ "{{split .Image \":\"}} {{index (split .Image \":\") 1}}", doc_row,
	  "[postgres 16] 16", NULL },
	{ "{{upper .Names}} {{lower \"AbC\"}} {{title \"hello wOrld-x y_z\"}}",
	  doc_row, "DB abc Hello WOrld-X Y_z", NULL },
	{ "{{upper .Uni}}", NULL,
	  "H\xc3\x89LLO \xce\xa9 \xd0\x96 \xf0\x9f\x90\xb3", NULL },
	{ "{{truncate .ID 4}} {{truncate .Names 10}}|{{pad .Names 1 2}}|{{pad \"\" 1 2}}|",
	  doc_row, "9a8b db| db  ||", NULL },
	/* execution errors, worded as Go's */
	{ "{{.State.Health.Status}}", NULL, "",
	  "template: :1:8: executing \"\" at <.State.Health.Status>: nil "
	  "pointer evaluating interface {}.Status" },
	{ "{{.Id.X}}", NULL, "",
	  "template: :1:5: executing \"\" at <.Id.X>: can't evaluate field X "
	  "in type interface {}" },
	{ "ab{{index .Args 5}}", NULL, "ab",
	  "template: :1:4: executing \"\" at <index .Args 5>: error calling "
	  "index: index out of range: 5" },
	{ "{{upper .State.Pid}}", NULL, "",
	  "template: :1:14: executing \"\" at <.State.Pid>: wrong type for "
	  "value; expected string; got int" },
	{ "{{len 3}}", doc_row, "",
	  "template: :1:2: executing \"\" at <len 3>: error calling len: len "
	  "of type int" },
	{ "{{lt 1 2.0}}", doc_row, "",
	  "template: :1:2: executing \"\" at <lt 1 2.0>: error calling lt: "
	  "incompatible types for comparison" },
	{ "x\n{{range .Names}}{{end}}", doc_row, "x\n",
	  "template: :2:8: executing \"\" at <.Names>: range can't iterate "
	  "over db" },
	{ "{{upper}}", doc_row, "",
	  "template: :1:2: executing \"\" at <upper>: wrong number of args for "
	  "upper: want 1 got 0" },
	/* parse errors */
	{ "{{.Names}", doc_row, NULL,
	  "template: :1: bad character U+007D '}'" },
	{ "{{.Names }", doc_row, NULL,
	  "template: :1: unexpected \"}\" in operand" },
	{ "{{.Names", doc_row, NULL, "template: :1: unclosed action" },
	{ "{{if .X}}", doc_row, NULL, "template: :1: unexpected EOF" },
	{ "{{end}}", doc_row, NULL, "template: :1: unexpected {{end}}" },
	{ "{{nofunc 1}}", doc_row, NULL,
	  "template: :1: function \"nofunc\" not defined" },
	{ "{{$u}}", doc_row, NULL, "template: :1: undefined variable \"$u\"" },
	{ "{{break}}", doc_row, NULL,
	  "template: :1: {{break}} outside {{range}}" },
	{ "a\n{{.X#}}", doc_row, NULL, "template: :2: bad character U+0023 '#'" },
	{ "{{/* x", doc_row, NULL, "template: :1: unclosed comment" },
	/* a documented difference: one template per --format */
	{ "{{define \"x\"}}{{end}}", doc_row, NULL,
	  "template: :1: {{define}} is not supported" },
};

static void run_case(const struct tcase *c)
{
	const char *doc = c->doc ? c->doc : doc_inspect;
	struct err e = ERR_INIT, pe = ERR_INIT;
	struct buf out = { 0 };
	yajl_val v = jt_parse(doc, strlen(doc), &e);
	struct gotmpl *t;
	int r;

	if (!v && strcmp(doc, "null"))
		fail_msg("doc: %s", e.msg);
	t = gotmpl_parse(c->tmpl, strlen(c->tmpl), &pe);
	if (!t) {
		if (!c->err || c->want || strcmp(pe.msg, c->err))
			fail_msg("%s\n parse error: %s\n want: %s", c->tmpl, pe.msg,
				 c->err ? c->err : "(none)");
		yajl_tree_free(v);
		return;
	}
	if (!c->want)
		fail_msg("%s\n parsed, want parse error %s", c->tmpl, c->err);
	r = gotmpl_exec(t, v, &out, &e);
	buf_append(&out, "", 1);
	if (strcmp(buf_head(&out), c->want))
		fail_msg("%s\n got  [%s]\n want [%s]", c->tmpl, buf_head(&out),
			 c->want);
	if ((r < 0) != (c->err != NULL) || (c->err && strcmp(e.msg, c->err)))
		fail_msg("%s\n error [%s]\n want  [%s]", c->tmpl,
			 r < 0 ? e.msg : "(none)", c->err ? c->err : "(none)");
	buf_free(&out);
	gotmpl_free(t);
	yajl_tree_free(v);
}

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void test_docker_format(void **state)
{
	bool table;
	char *f = gotmpl_docker_format("table {{.Names}}\\t{{.Status}}  ", &table);

	assert_true(table);
	assert_string_equal(f, "{{.Names}}\t{{.Status}}");
	free(f);
	f = gotmpl_docker_format(" {{.ID}}\\n", &table);
	assert_false(table);
	assert_string_equal(f, "{{.ID}}\n");
	free(f);
	f = gotmpl_docker_format("table", &table);
	assert_true(table);
	assert_string_equal(f, "");
	free(f);
}

static const struct gotmpl_header hdr[] = {
	{ "ID", "CONTAINER ID" }, { "Names", "NAMES" }, { "Image", "IMAGE" },
	{ "Status", "STATUS" },   { "Config.Image", "IMAGE" },
};

static void header_is(const char *tmpl, const char *want)
{
	struct err e = ERR_INIT;
	struct buf out = { 0 };
	struct gotmpl *t = gotmpl_parse(tmpl, strlen(tmpl), &e);

	if (!t)
		fail_msg("%s: %s", tmpl, e.msg);
	if (gotmpl_exec_header(t, hdr, sizeof(hdr) / sizeof(hdr[0]), &out, &e) < 0)
		fail_msg("%s: %s", tmpl, e.msg);
	buf_append(&out, "", 1);
	if (strcmp(buf_head(&out), want))
		fail_msg("%s\n got  [%s]\n want [%s]", tmpl, buf_head(&out), want);
	buf_free(&out);
	gotmpl_free(t);
}

/* Docker's header: the row's template over the titles, with the helper
 * functions giving back their first argument (pad is not one of them). */
static void test_header(void **state)
{
	header_is("{{.ID}}\t{{.Names}}\t{{.Status}}", "CONTAINER ID\tNAMES\tSTATUS");
	header_is("{{upper .Names}}|{{truncate .ID 4}}|{{json .Image}}",
		  "NAMES|CONTAINER ID|IMAGE");
	header_is("{{.Config.Image}} {{.State.StartedAt}} {{pad .Names 1 1}}",
		  "IMAGE STARTEDAT  NAMES ");
}

/* Docker's inspect: Option("missingkey=error"). */
static void test_missingkey_error(void **state)
{
	static const char doc[] = "{\"A\":{\"B\":1,\"N\":null}}";
	const char *tmpl = "x{{.A.B}}{{.A.N}}{{.A.C}}y";
	struct err e = ERR_INIT;
	struct buf out = { 0 };
	char ebuf[64];
	yajl_val v = yajl_tree_parse(doc, ebuf, sizeof(ebuf));
	struct gotmpl *t = gotmpl_parse(tmpl, strlen(tmpl), &e);

	assert_non_null(t);
	assert_int_equal(gotmpl_exec(t, v, &out, &e), 0);
	buf_append(&out, "", 1);
	assert_string_equal(buf_head(&out), "x1<no value><no value>y");
	buf_reset(&out);
	gotmpl_missingkey_error(t);
	assert_int_equal(gotmpl_exec(t, v, &out, &e), -1);
	assert_string_equal(e.msg, "template: :1:21: executing \"\" at "
				   "<.A.C>: map has no entry for key \"C\"");
	buf_append(&out, "", 1);
	assert_string_equal(buf_head(&out), "x1<no value>");
	buf_free(&out);
	gotmpl_free(t);
	yajl_tree_free(v);
}

static void test_tabwrite(void **state)
{
	static const char in[] = "CONTAINER ID\tNAMES\tSTATUS\n"
				 "9a8b7c6d5e4f\tdb\tUp 20 minutes\n"
				 "1\tweb-frontend-1\tExited (0)\n";
	static const char want[] = "CONTAINER ID   NAMES            STATUS\n"
				   "9a8b7c6d5e4f   db               Up 20 minutes\n"
				   "1              web-frontend-1   Exited (0)\n";
	struct buf out = { 0 };

	gotmpl_tabwrite(in, sizeof(in) - 1, &out);
	buf_append(&out, "", 1);
	assert_string_equal(buf_head(&out), want);
	buf_reset(&out);
	gotmpl_tabwrite("a\tb\n\u00e9\u00e9\tc\n", 11, &out);
	buf_append(&out, "", 1);
	assert_string_equal(buf_head(&out), "a         b\n\u00e9\u00e9        c\n");
	buf_free(&out);
}

/* The CPU time of a `ps --format` over 1,000 rows (the brief: well under
 * a millisecond per hundred rows). */
static void test_speed(void **state)
{
	static const char tmpl[] = "{{.Names}}\t{{.Status}}";
	struct err e = ERR_INIT;
	struct gotmpl *t = gotmpl_parse(tmpl, sizeof(tmpl) - 1, &e);
	yajl_val rows[1000];
	struct buf out = { 0 };
	struct timespec a, b;

	assert_non_null(t);
	for (size_t i = 0; i < 1000; i++) {
		char doc[300];
		int n = snprintf(doc, sizeof(doc),
				 "{\"ID\":\"%012zx\",\"Names\":\"ctr-%zu\","
				 "\"Image\":\"alpine\",\"Command\":\"sleep\","
				 "\"Status\":\"Up %zu minutes\",\"State\":\"running\","
				 "\"Ports\":\"\",\"Labels\":\"a=b\"}",
				 i, i, i);
		rows[i] = jt_parse(doc, (size_t)n, &e);
		assert_non_null(rows[i]);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(gotmpl_exec(t, rows[i], &out, &e), 0);
		buf_puts(&out, "\n");
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	double us = (double)(b.tv_sec - a.tv_sec) * 1e6 +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	printf("gotmpl: 1000 rows of {{.Names}}\\t{{.Status}} in %.0f us CPU "
	       "(%.1f us per 100)\n", us, us / 10);
#if defined(__SANITIZE_ADDRESS__)
	assert_true(us < 200000); /* ASan's malloc is slow */
#else
	assert_true(us < 10000); /* < 1 ms per 100 rows */
#endif
	for (size_t i = 0; i < 1000; i++)
		yajl_tree_free(rows[i]);
	buf_free(&out);
	gotmpl_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_docker_format),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_tabwrite),
		cmocka_unit_test(test_missingkey_error),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
