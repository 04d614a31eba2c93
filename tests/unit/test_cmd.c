/* Unit tests: the command table's generic flag and arity parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/cmd.h"
#include "../../proto/line.h"

struct run_args {
	bool detach, interactive, tty;
	const char *name;
	long long cpus;
	int64_t memory, timeout;
	struct strlist env;
};

static int noop(struct ctl_req *r, void *a, struct err *e)
{
	return 0;
}

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

static const struct command c_run = {
	.name = "run", .usage = "IMAGE [CMD...]", .summary = "run",
	.flags = run_flags, .args_size = sizeof(struct run_args),
	.min_pos = 1, .max_pos = -1, .handler = noop, .cmd_flags = CMD_POSIX,
};
static const struct command c_rm = {
	.name = "rm", .usage = "NAME...", .summary = "rm", .flags = run_flags,
	.args_size = sizeof(struct run_args), .min_pos = 1, .max_pos = -1,
	.handler = noop,
};
static const struct command c_ils = {
	.name = "image ls", .summary = "images", .max_pos = 0, .handler = noop,
};
static const struct command c_image = {
	.name = "image", .summary = "image group", .max_pos = 1,
	.handler = noop,
};
static const struct command *const list[] = { &c_run, &c_rm, &c_ils,
					       &c_image, NULL };

static struct line_words w;
static struct cmd_call call;

static int setup(void **s)
{
	cmd_reset();
	cmd_register(list);
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
	cmd_call_free(&call);
	assert_int_equal(line_parse(line, strlen(line), &w, e), 0);
	return cmd_parse(w.argc, w.argv, &call, e);
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

	cmd_usage(&c_run, &b);
	buf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "Usage:  skiff run IMAGE [CMD...]"));
	assert_non_null(strstr(b.data, "-d, --detach"));
	buf_reset(&b);
	cmd_markdown(&b);
	buf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "## `image ls`"));
	assert_non_null(strstr(b.data, "| `--env`, `-e` | list |"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
