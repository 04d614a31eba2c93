/* cmd.c - skiffd's handlers for the verbs of proto's command table (see
 * cmd.h). Owns handlers[], parallel to cmd_table[] (NULL: the verb is not
 * answered by this build), and the names of the modules registered, for
 * cmd_check(). */
#include "cmd.h"

#include "base/cleanup.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD_MAX 256
#define MODULES_MAX 32

static cmd_handler_fn *handlers[CMD_MAX];
static const char *registered[MODULES_MAX]; /* module names; "" for core */
static size_t nregistered;

static bool same_module(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static _Noreturn void bad_table(const char *verb, const char *why)
{
	fprintf(stderr, "skiffd: command table: %s: %s\n", verb, why);
	abort();
}

void cmd_register(const char *module, const struct command *const *list)
{
	if (cmd_table_len > CMD_MAX || nregistered == MODULES_MAX)
		bad_table(module ? module : "core", "raise CMD_MAX");
	registered[nregistered++] = module ? module : "";
	for (; list && *list; list++) {
		const struct cmdspec *c = NULL;
		for (size_t i = 0; i < cmd_table_len && !c; i++)
			if (!strcmp(cmd_table[i].name, (*list)->name))
				c = &cmd_table[i];
		if (!c)
			bad_table((*list)->name, "a handler for a verb not in "
						 "proto/commands.c");
		if (!same_module(c->module, module))
			bad_table(c->name, "handled by a module the table "
					   "does not name");
		if (handlers[c - cmd_table])
			bad_table(c->name, "two handlers");
		handlers[c - cmd_table] = (*list)->handler;
	}
}

int cmd_check(struct err *e)
{
	for (size_t i = 0; i < cmd_table_len; i++) {
		const struct cmdspec *c = &cmd_table[i];
		for (size_t m = 0; m < nregistered && !handlers[i]; m++)
			if (same_module(c->module, registered[m]))
				return err_setc(e, ERR_INTERNAL,
						"command table: \"%s\" of %s "
						"has no handler",
						c->name, registered[m][0] ?
							registered[m] : "core");
	}
	return 0;
}

void cmd_reset(void)
{
	memset(handlers, 0, sizeof(handlers));
	nregistered = 0;
}

cmd_handler_fn *cmd_handler(const struct cmdspec *c)
{
	return handlers[c - cmd_table];
}

static bool have(const struct cmdspec *c)
{
	return cmd_handler(c) != NULL;
}

const struct cmdspec *cmd_lookup(int argc, char **argv, int *used)
{
	return cmdspec_lookup(cmd_table, cmd_table_len, argc, argv, used, have);
}

void cmd_foreach(void (*fn)(const struct cmdspec *c, void *ctx), void *ctx)
{
	for (size_t i = 0; i < cmd_table_len; i++)
		if (handlers[i])
			fn(&cmd_table[i], ctx);
}

/* No such verb. "compose exec" names what the group "compose" has. */
static int unknown(int argc, char **argv, struct err *e)
{
	size_t len = strlen(argv[0]), at = 0;
	char list[512];

	list[0] = '\0';
	for (size_t i = 0; argc >= 2 && i < cmd_table_len; i++) {
		const char *n = cmd_table[i].name;
		int w;
		if (!have(&cmd_table[i]) || strncmp(n, argv[0], len) ||
		    n[len] != ' ')
			continue;
		w = snprintf(list + at, sizeof(list) - at, "%s%s",
			     at ? ", " : "", n + len + 1);
		if (w < 0 || (size_t)w >= sizeof(list) - at)
			break; /* the names that fit */
		at += (size_t)w;
	}
	if (at)
		return err_setc(e, ERR_NOT_FOUND,
				"unknown command \"%s %.64s\" (%s has: %s)",
				argv[0], argv[1], argv[0], list);
	return err_setc(e, ERR_NOT_FOUND,
			"unknown command \"%s\" (try 'help')", argv[0]);
}

int cmd_parse(int argc, char **argv, struct cmd_call *call, struct err *e)
{
	const struct cmdspec *c;
	int used;

	memset(call, 0, sizeof(*call));
	if (argc == 0)
		return err_setc(e, ERR_INVALID, "empty request");
	c = cmd_lookup(argc, argv, &used);
	if (!c)
		return unknown(argc, argv, e);
	return cmdspec_parse(c, used, argc, argv, call, e);
}

void cmd_call_free(struct cmd_call *call)
{
	cmdspec_call_free(call);
}

void cmd_usage(const struct cmdspec *c, struct buf *out)
{
	cmdspec_usage(c, out);
}

static void md_one(const struct cmdspec *c, void *ctx)
{
	cmdspec_markdown(c, ctx);
}

void cmd_markdown(struct buf *out)
{
	buf_puts(out, "# skiff commands\n\n"
		      "Generated from skiffd's command table by `make docs`; "
		      "every verb works the same from `skiff` and from a raw\n"
		      "line on the control socket (see protocol.md).\n\n");
	cmd_foreach(md_one, out);
}
