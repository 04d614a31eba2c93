/* cmd.h - skiffd's side of the command table: handlers by name.
 *
 * The grammar of every verb (flags, arity, roles, help) is one table in
 * proto/ (proto/commands.c, types in proto/cmdspec.h) that skiffd and the
 * skiff CLI both compile in. A module (or core itself) attaches a handler
 * to a verb of that table by name with a struct command; the generic
 * parser checks flags and arity before any handler runs and fills the
 * verb's request struct (proto/cmdreq.h) through offsetof. A verb whose
 * module is not built in has no handler, and skiffd does not know it.
 * Handlers live on the loop and never block (STYLE.md rule 5). */
#ifndef SKIFF_CMD_H
#define SKIFF_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/cmdreq.h"
#include "../proto/cmdspec.h"
#include "base/buf.h"
#include "base/err.h"

struct ctl_req;

/* A handler's return: 0 = done (the daemon sends `ok`), -1 = failed (e
 * filled; the daemon sends `err`), CMD_PENDING = the handler kept req and
 * will end it with ctl_req_finish() or has installed a stream. */
#define CMD_PENDING 1

typedef int cmd_handler_fn(struct ctl_req *req, void *args, struct err *e);

/* The handler of one verb of the table, by the verb's name. */
struct command {
	const char *name;
	cmd_handler_fn *handler;
};

/* Attach module's handlers (a NULL-terminated list; module NULL for
 * core's). Aborts, naming the verb, when a name is not in the table, is
 * another module's or already has a handler: a build that would answer
 * wrongly does not start. */
void cmd_register(const char *module, const struct command *const *list);
/* Every verb of core and of each registered module has a handler;
 * else -1 naming the first that lacks one. */
int cmd_check(struct err *e);
/* Find the command named by the first one or two words among the verbs
 * with a handler; *used = words consumed. NULL if none. */
const struct cmdspec *cmd_lookup(int argc, char **argv, int *used);
cmd_handler_fn *cmd_handler(const struct cmdspec *c);
/* Parse argv (verb included) into call: lookup, flags, arity. */
int cmd_parse(int argc, char **argv, struct cmd_call *call, struct err *e);
void cmd_call_free(struct cmd_call *call);
/* Value parsers shared with config parsing. */
static inline int cmd_parse_size(const char *s, int64_t *out)
{
	return cmdspec_parse_size(s, out);
}
static inline int cmd_parse_duration(const char *s, int64_t *out_ms)
{
	return cmdspec_parse_duration(s, out_ms);
}
/* Visit every verb with a handler, in name order. */
void cmd_foreach(void (*fn)(const struct cmdspec *c, void *ctx), void *ctx);
/* Usage text of one command ("Usage:  skiff NAME ...\n\nflags..."). */
void cmd_usage(const struct cmdspec *c, struct buf *out);
/* The verbs with a handler as Markdown (docs/commands.md). */
void cmd_markdown(struct buf *out);
void cmd_reset(void); /* forget all registrations (tests) */

#endif
