/* Unit tests: the command table's generic flag and arity parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../core/builtin.h"
#include "../../core/cmd.h"
#include "../../core/module.h"
#include "../../proto/gotmpl.h"
#include "../../proto/line.h"

struct run_args {
	bool detach, interactive, tty;
	const char *name;
	long long cpus;
	int64_t memory, timeout;
	struct strlist env;
};

static const struct flag run_flags[] = {
	{ "detach", 'd', FLAG_BOOL, offsetof(struct run_args, detach), 0, "" },
	{ "interactive", 'i', FLAG_BOOL,
	  offsetof(struct run_args, interactive), 0, "" },
	{ "tty", 't', FLAG_BOOL, offsetof(struct run_args, tty), 0, "" },
	{ "name", 0, FLAG_STR, offsetof(struct run_args, name), 0, "" },
	{ "cpus", 'c', FLAG_INT, offsetof(struct run_args, cpus), 0, "" },
	{ "memory", 'm', FLAG_SIZE, offsetof(struct run_args, memory), 0, "" },
	{ "timeout", 0, FLAG_DURATION, offsetof(struct run_args, timeout), 0,
	  "" },
	{ "env", 'e', FLAG_LIST, offsetof(struct run_args, env), 0, "" },
	{ 0 },
};

/* A table of its own, sorted by name as proto/commands.c is. */
static const struct cmdspec tab[] = {
	{ .name = "image", .summary = "image group", .max_pos = 1 },
	{ .name = "image ls", .summary = "images", .max_pos = 0 },
	{ .name = "rm", .usage = "NAME...", .summary = "rm", .flags = run_flags,
	  .args_size = sizeof(struct run_args), .min_pos = 1, .max_pos = -1 },
	{ .name = "run", .usage = "IMAGE [CMD...]", .summary = "run",
	  .flags = run_flags, .args_size = sizeof(struct run_args),
	  .min_pos = 1, .max_pos = -1, .cmd_flags = CMD_POSIX },
};
#define c_run tab[3]

static struct line_words w;
static struct cmd_call call;

static int setup(void **s)
{
	cmd_reset();
	return 0;
}

static int teardown(void **s)
{
	cmd_call_free(&call);
	line_words_free(&w);
	cmd_reset();
	return 0;
}

/* Parse a request line; returns cmd_parse's result, e gets the error. */
static int parse(const char *line, struct err *e)
{
	const struct cmdspec *c;
	int used;

	cmd_call_free(&call);
	assert_int_equal(line_parse(line, strlen(line), &w, e), 0);
	c = cmdspec_lookup(tab, ARRAY_SIZE(tab), w.argc, w.argv, &used, NULL);
	if (!c)
		return err_setc(e, ERR_NOT_FOUND, "unknown command");
	return cmdspec_parse(c, used, w.argc, w.argv, &call, e);
}

static void test_flags_and_positionals(void **s)
{
	struct err e = ERR_INIT;
	struct run_args *a;

	assert_int_equal(parse("run -dit --name=web -m 512m --cpus 2 -e A=1 "
			       "-eB=2 --env \"C=x y\" --timeout 1m30s busybox "
			       "sh -c \"echo hi\"", &e), 0);
	a = call.args;
	assert_true(a->detach && a->interactive && a->tty);
	assert_string_equal(a->name, "web");
	assert_int_equal(a->memory, 512LL << 20);
	assert_int_equal(a->cpus, 2);
	assert_int_equal(a->timeout, 90000);
	assert_int_equal(a->env.n, 3);
	assert_string_equal(a->env.v[1], "B=2");
	assert_string_equal(a->env.v[2], "C=x y");
	assert_int_equal(call.argc, 4);
	assert_string_equal(call.argv[0], "busybox");
	assert_string_equal(call.argv[3], "echo hi");
	assert_null(call.argv[4]);
}

static void test_posix_stops_at_positional(void **s)
{
	struct err e = ERR_INIT;

	assert_int_equal(parse("run busybox ls -d --name x", &e), 0);
	assert_false(((struct run_args *)call.args)->detach);
	assert_int_equal(call.argc, 5);
	assert_string_equal(call.argv[2], "-d");
}

static void test_interspersed_and_dashdash(void **s)
{
	struct err e = ERR_INIT;

	assert_int_equal(parse("rm a -d b -- -c", &e), 0);
	assert_true(((struct run_args *)call.args)->detach);
	assert_int_equal(call.argc, 3);
	assert_string_equal(call.argv[2], "-c");
	assert_int_equal(parse("rm - --detach=false", &e), 0);
	assert_string_equal(call.argv[0], "-"); /* "-" is a word (stdin) */
}

static void test_errors(void **s)
{
	struct err e = ERR_INIT;

	assert_int_equal(parse("run --nope busybox", &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "unknown flag: --nope"));
	assert_int_equal(parse("run -dx busybox", &e), -1);
	assert_non_null(strstr(e.msg, "'x'"));
	assert_int_equal(parse("run --name", &e), -1);
	assert_non_null(strstr(e.msg, "needs an argument: --name"));
	assert_int_equal(parse("run -m lots busybox", &e), -1);
	assert_non_null(strstr(e.msg, "invalid value \"lots\" for --memory"));
	assert_int_equal(parse("run --cpus 2x busybox", &e), -1);
	assert_int_equal(parse("run --timeout 5parsecs busybox", &e), -1);
	assert_int_equal(parse("run --detach=maybe busybox", &e), -1);
	assert_int_equal(parse("rm", &e), -1);
	assert_non_null(strstr(e.msg, "requires at least 1 argument"));
	assert_int_equal(parse("image ls extra", &e), -1);
	assert_non_null(strstr(e.msg, "accepts no arguments"));
	assert_int_equal(parse("frobnicate", &e), -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_int_equal(parse("", &e), -1);
}

static void test_two_word_lookup_and_help(void **s)
{
	struct err e = ERR_INIT;

	assert_int_equal(parse("image ls", &e), 0);
	assert_string_equal(call.cmd->name, "image ls");
	assert_int_equal(parse("image other", &e), 0);
	assert_string_equal(call.cmd->name, "image");
	assert_int_equal(call.argc, 1);
	assert_int_equal(parse("rm --help", &e), 0); /* arity not checked */
	assert_true(call.help);
}

static void test_sizes_durations(void **s)
{
	int64_t v;

	assert_int_equal(cmd_parse_size("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(cmd_parse_size("1.5k", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(cmd_parse_size("2GB", &v), 0);
	assert_int_equal(v, 2LL << 30);
	assert_int_equal(cmd_parse_size("10mb", &v), 0);
	assert_int_equal(cmd_parse_size("-1", &v), -1);
	assert_int_equal(cmd_parse_size("5q", &v), -1);
	assert_int_equal(cmd_parse_size("5kbb", &v), -1);
	assert_int_equal(cmd_parse_size("99999999p", &v), -1);
	assert_int_equal(cmd_parse_duration("10", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(cmd_parse_duration("1h2m3s4ms", &v), 0);
	assert_int_equal(v, 3723004);
	assert_int_equal(cmd_parse_duration("500ms", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(cmd_parse_duration("1.5s", &v), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(cmd_parse_duration("s", &v), -1);
	assert_int_equal(cmd_parse_duration("5y", &v), -1);
	assert_int_equal(cmd_parse_duration("", &v), -1);
}

static void test_usage_and_markdown(void **s)
{
	struct buf b = { 0 };

	cmdspec_usage(&c_run, &b);
	buf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "Usage:  skiff run IMAGE [CMD...]"));
	assert_non_null(strstr(b.data, "-d, --detach"));
	buf_reset(&b);
	for (size_t i = 0; i < ARRAY_SIZE(tab); i++)
		cmdspec_markdown(&tab[i], &b);
	buf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "## `image ls`"));
	assert_non_null(strstr(b.data, "| `--env`, `-e` | list |"));
	buf_free(&b);
}

static size_t flag_size(const struct flag *f)
{
	switch (f->type) {
	case FLAG_BOOL:
		return sizeof(bool);
	case FLAG_STR:
		return sizeof(const char *);
	case FLAG_INT:
		return sizeof(long long);
	case FLAG_SIZE:
	case FLAG_DURATION:
		return sizeof(int64_t);
	default:
		return sizeof(struct strlist);
	}
}

/* A client hint names a flag of its verb, of the type the client reads. */
static void hint_flag(const struct cmdspec *c, const char *name,
		      enum flag_type type)
{
	const struct flag *f = cmdspec_flag(c, name);

	if (!name)
		return;
	if (!f || f->type != type)
		fail_msg("%s: hint names --%s, not a flag of that type",
			 c->name, name);
}

/* proto/commands.c: sorted (bsearch), flags inside their request
 * struct, no name or short name twice, client hints that name real
 * flags, modules the build knows. */
static void test_table_is_sane(void **s)
{
	for (size_t i = 0; i < cmd_table_len; i++) {
		const struct cmdspec *c = &cmd_table[i];
		const struct cmd_client *h = &c->cli;
		bool known = !c->module;
		if (i)
			assert_true(strcmp(cmd_table[i - 1].name, c->name) < 0);
		assert_non_null(c->summary);
		assert_true(c->max_pos < 0 || c->max_pos >= c->min_pos);
		for (const struct flag *f = c->flags; f && f->name; f++) {
			assert_true(f->offset + flag_size(f) <= c->args_size);
			assert_non_null(f->help);
			for (const struct flag *g = c->flags; g != f; g++) {
				assert_string_not_equal(f->name, g->name);
				assert_false(f->shortname &&
					     f->shortname == g->shortname);
			}
		}
		hint_flag(c, h->stream_if, FLAG_BOOL);
		hint_flag(c, h->stream_unless, FLAG_BOOL);
		hint_flag(c, h->file_flag, FLAG_STR);
		if (cmdspec_flag(c, h->env_file_flag)) /* else the client's own */
			hint_flag(c, h->env_file_flag, FLAG_LIST);
		hint_flag(c, h->env_flag, FLAG_LIST);
		hint_flag(c, h->secret_flag, FLAG_STR);
		hint_flag(c, h->secret_stdin_flag, FLAG_BOOL);
		hint_flag(c, h->user_flag, FLAG_STR);
		assert_true(!h->env_file_flag == !h->env_flag);
		assert_true(!(h->how & (CLI_FD_IN | CLI_FD_OUT)) ||
			    h->file_flag || (h->how & CLI_FILE_POS));
		for (size_t m = 0; m < modules_count && !known; m++)
			known = !strcmp(modules[m]->name, c->module);
		if (!known)
			fail_msg("%s: module %s is not built", c->name,
				 c->module);
	}
}

static enum cmd_role role_of(const char *name)
{
	for (size_t i = 0; i < cmd_table_len; i++)
		if (!strcmp(cmd_table[i].name, name))
			return cmd_table[i].role;
	fail_msg("no verb %s", name);
	return ROLE_NONE;
}

/* Every verb names its role (a new one must choose); the read-only
 * and operator verbs have those, what starts or removes containers or
 * changes the host is admin's. */
static void test_roles(void **s)
{
	static const char *const read[] = { "ps", "inspect", "logs", "events",
					    "images", "stats", "ping" };
	static const char *const op[] = { "start", "stop", "restart", "exec",
					  "pull", "attach", "kill" };
	static const char *const admin[] = { "run", "create", "rm", "shutdown",
					     "login", "volume create" };
	enum cmd_role r;

	for (size_t i = 0; i < cmd_table_len; i++)
		if (cmd_table[i].role == ROLE_NONE)
			fail_msg("%s: no .role", cmd_table[i].name);
	for (size_t i = 0; i < sizeof(read) / sizeof(*read); i++)
		assert_int_equal(role_of(read[i]), ROLE_READ);
	for (size_t i = 0; i < sizeof(op) / sizeof(*op); i++)
		assert_int_equal(role_of(op[i]), ROLE_OPERATOR);
	for (size_t i = 0; i < sizeof(admin) / sizeof(*admin); i++)
		assert_int_equal(role_of(admin[i]), ROLE_ADMIN);
	assert_int_equal(cmdspec_role_parse("read-only", &r), 0);
	assert_int_equal(r, ROLE_READ);
	assert_int_equal(cmdspec_role_parse("root", &r), -1);
	assert_string_equal(cmdspec_role_name(ROLE_OPERATOR), "operator");
}

/* This build (all modules) has a handler for every verb of the table,
 * and none for a verb the table lacks (cmd_register would abort). */
static void test_every_verb_has_a_handler(void **s)
{
	struct err e = ERR_INIT;
	size_t n = 0;

	builtin_register();
	for (size_t i = 0; i < modules_count; i++)
		cmd_register(modules[i]->name, modules[i]->commands);
	assert_int_equal(cmd_check(&e), 0);
	for (size_t i = 0; i < cmd_table_len; i++)
		n += cmd_handler(&cmd_table[i]) != NULL;
	assert_int_equal(n, cmd_table_len);
}

/* A core-only build knows no module's verb: lookups miss it as before. */
static void test_missing_module_is_unknown(void **s)
{
	struct err e = ERR_INIT;
	char *pull[] = { "pull", "busybox", NULL };
	char *vls[] = { "volume", "ls", NULL };
	int used;

	builtin_register();
	assert_int_equal(cmd_check(&e), 0);
	assert_int_equal(cmd_parse(2, pull, &call, &e), -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_string_equal(e.msg, "unknown command \"pull\" (try 'help')");
	assert_null(cmd_lookup(2, vls, &used));
	assert_non_null(cmd_lookup(1, (char *[]){ "ping", NULL }, &used));
}

/* The client's parse of a line (the whole table, no handlers) is the
 * daemon's (handlers attached). */
static void test_client_parse_is_daemons(void **s)
{
	static const char *const lines[] = {
		"run -dit --rm -e A=1 --memory 64m busybox sh -c \"x y\"",
		"logs -f -n 3 web", "stats --no-stream", "volume ls -q",
		"save -o out.tar busybox", "import -m hi - img:1",
		"exec -it c sh", "login -u me --password-stdin r.io",
		"system df -v", "cp c:/etc/hosts -",
	};
	struct line_words w2 = { 0 };
	struct cmd_call c2;
	struct err e = ERR_INIT;

	builtin_register();
	for (size_t i = 0; i < modules_count; i++)
		cmd_register(modules[i]->name, modules[i]->commands);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		const struct cmdspec *c;
		int used;
		cmd_call_free(&call);
		line_words_free(&w);
		line_words_free(&w2);
		assert_int_equal(line_parse(lines[i], strlen(lines[i]), &w, &e),
				 0);
		assert_int_equal(line_parse(lines[i], strlen(lines[i]), &w2,
					    &e), 0);
		assert_int_equal(cmd_parse(w.argc, w.argv, &call, &e), 0);
		c = cmdspec_lookup(cmd_table, cmd_table_len, w2.argc, w2.argv,
				   &used, NULL);
		assert_ptr_equal(c, call.cmd);
		assert_int_equal(cmdspec_parse(c, used, w2.argc, w2.argv, &c2,
					       &e), 0);
		assert_int_equal(c2.argc, call.argc);
		for (int k = 0; k < c2.argc; k++)
			assert_string_equal(c2.argv[k], call.argv[k]);
		for (const struct flag *f = c->flags; f && f->name; f++) {
			const char *a = (char *)call.args + f->offset;
			const char *b = (char *)c2.args + f->offset;
			if (f->type == FLAG_STR && *(char **)a)
				assert_string_equal(*(char **)a, *(char **)b);
			else if (f->type == FLAG_LIST)
				assert_int_equal(((struct strlist *)a)->n,
						 ((struct strlist *)b)->n);
			else if (f->type != FLAG_STR)
				assert_memory_equal(a, b, flag_size(f));
		}
		cmdspec_call_free(&c2);
	}
	line_words_free(&w2);
}

/* Docker's management forms name verbs of the table; a default table is
 * a template that parses; every alias resolves in the lookup. */
static void test_aliases_and_tables(void **s)
{
	for (size_t i = 0; i < cmd_aliases_len; i++) {
		char words[64], *ws[3] = { words, NULL, NULL };
		const struct cmdspec *c;
		int used;
		snprintf(words, sizeof(words), "%s", cmd_aliases[i].name);
		ws[1] = strchr(words, ' ');
		assert_non_null(ws[1]);
		*ws[1]++ = '\0';
		c = cmdspec_lookup(cmd_table, cmd_table_len, 2, ws, &used, NULL);
		if (!c || strcmp(c->name, cmd_aliases[i].target))
			fail_msg("alias %s -> %s", cmd_aliases[i].name,
				 cmd_aliases[i].target);
		assert_int_equal(used, 2);
	}
	for (size_t i = 0; i < cmd_table_len; i++) {
		const char *t = cmd_table[i].cli.table;
		struct err e = ERR_INIT;
		bool table;
		char *text = t ? gotmpl_docker_format(t, &table) : NULL;
		struct gotmpl *g = text ? gotmpl_parse(text, strlen(text), &e)
					: NULL;
		if (t && !g)
			fail_msg("%s: %s", cmd_table[i].name, e.msg);
		gotmpl_free(g);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases_and_tables),
		cmocka_unit_test_setup_teardown(test_flags_and_positionals,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_posix_stops_at_positional,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_interspersed_and_dashdash,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_word_lookup_and_help,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes_durations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_usage_and_markdown, setup,
						teardown),
		cmocka_unit_test(test_table_is_sane),
		cmocka_unit_test(test_roles),
		cmocka_unit_test_setup_teardown(test_every_verb_has_a_handler,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_module_is_unknown,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_parse_is_daemons,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
