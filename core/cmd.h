/* cmd.h - the command table: grammar, help and dispatcher in one place.
 *
 * Every verb the daemon answers is a struct command, registered by a module
 * (or by core itself). The generic parser checks flags and arity against the
 * table before any handler runs, fills the command's own argument struct
 * through offsetof, and `help` / docs/commands.md are generated from the
 * same table. Handlers live on the loop and never block (STYLE.md rule 5). */
#ifndef SKIFF_CMD_H
#define SKIFF_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

struct ctl_req;

enum flag_type {
	FLAG_BOOL,     /* bool; --x, --x=true|false */
	FLAG_STR,      /* const char * */
	FLAG_INT,      /* long long */
	FLAG_SIZE,     /* int64_t bytes: 512, 64k, 10m, 2g (1024-based) */
	FLAG_DURATION, /* int64_t milliseconds: 1500ms, 10s, 1m30s, 2h */
	FLAG_LIST,     /* struct strlist: repeatable */
};

/* A repeatable flag's values, in order given. */
struct strlist {
	int n;
	const char **v;
};

struct flag {
	const char *name; /* long name, without "--" */
	char shortname;	  /* 0 for none */
	enum flag_type type;
	size_t offset; /* into the command's argument struct */
	const char *metavar;
	const char *help;
};

enum cmd_flags {
	CMD_STREAMS = 1 << 0, /* replies until done or `cancel` */
	CMD_MUTATES = 1 << 1, /* changes state */
	CMD_ADMIN = 1 << 2,   /* only uid 0 or the daemon's own uid */
	CMD_POSIX = 1 << 3,   /* flags end at the first positional (run, exec) */
};

/* A handler's return: 0 = done (the daemon sends `ok`), -1 = failed (e
 * filled; the daemon sends `err`), CMD_PENDING = the handler kept req and
 * will end it with ctl_req_finish() or has installed a stream. */
#define CMD_PENDING 1

struct command {
	const char *name;  /* "ping", or two words: "image ls" */
	const char *usage; /* after the name: "[OPTIONS] NAME [NAME...]" */
	const char *summary;
	const struct flag *flags; /* terminated by an entry with name NULL */
	size_t args_size;	  /* size of the argument struct */
	int min_pos, max_pos;	  /* positional count; max -1 = no limit */
	int (*handler)(struct ctl_req *req, void *args, struct err *e);
	unsigned cmd_flags;
};

/* The parsed request: the command, its filled argument struct, and the
 * positional words. Strings point into the request's own line storage. */
struct cmd_call {
	const struct command *cmd;
	void *args;
	int argc;
	char **argv; /* positionals */
	bool help;   /* --help was given: answer with the usage */
};

/* Register commands (a NULL-terminated array); names must be unique. */
void cmd_register(const struct command *const *list);
/* Find the command named by the first one or two words; *used = words
 * consumed. NULL if none. */
const struct command *cmd_lookup(int argc, char **argv, int *used);
/* Parse argv (verb included) into call: lookup, flags, arity. */
int cmd_parse(int argc, char **argv, struct cmd_call *call, struct err *e);
void cmd_call_free(struct cmd_call *call);
/* Value parsers shared with config parsing. */
int cmd_parse_size(const char *s, int64_t *out);
int cmd_parse_duration(const char *s, int64_t *out_ms);
/* Visit every command in name order. */
void cmd_foreach(void (*fn)(const struct command *c, void *ctx), void *ctx);
/* Usage text of one command ("Usage: skiff NAME ...\n\nflags..."). */
void cmd_usage(const struct command *c, struct buf *out);
/* The whole table as Markdown (docs/commands.md). */
void cmd_markdown(struct buf *out);
void cmd_reset(void); /* forget all registrations (tests) */

#endif
