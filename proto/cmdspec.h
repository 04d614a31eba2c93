/* cmdspec.h - the command grammar that skiffd and skiff share.
 *
 * Every verb is one struct cmdspec in one table (proto/commands.c): name,
 * usage, summary, flags (filled into the verb's request struct, declared in
 * proto/cmdreq.h, through offsetof), arity, the daemon's roles (streams,
 * mutates, admin) and the skiff client's hints (what it opens and passes,
 * how it renders). skiffd compiles the table in and attaches a handler to
 * each verb by name (core/cmd.h); the skiff CLI compiles the same table in,
 * so `help`, `VERB --help` and the parse of a line are the same code on
 * both sides and need no daemon. This file owns the generic parser, the
 * usage text and the Markdown of one command; nothing here allocates
 * beyond a parsed call's argument struct and its FLAG_LIST arrays. */
#ifndef SKIFF_CMDSPEC_H
#define SKIFF_CMDSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

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
	CMD_POSIX = 1 << 3,   /* flags end at the first positional (run, exec) */
};

/* Who may run a verb: each verb's entry names the least role it needs;
 * the daemon config grants roles to UNIX users and groups and to TLS
 * client certificates (core/roles.c, docs/daemon.md). Ordered: a role
 * may run every verb of the roles below it. An entry that names none
 * (ROLE_NONE) needs admin. */
enum cmd_role {
	ROLE_NONE,     /* a peer with it is refused; a verb: admin */
	ROLE_READ,     /* "read-only": listings, inspect, logs, events */
	ROLE_OPERATOR, /* start/stop/exec/attach/pull on what exists */
	ROLE_ADMIN,    /* everything (run, create, rm, config, shutdown) */
};

/* How the skiff client treats a verb beyond sending its line and laying
 * out the reply as a table, `Key: value` lines or bare values. */
enum cmd_cli {
	CLI_EXIT_CODE = 1 << 0, /* {"exit_code":N} is the client's exit status */
	CLI_RELAY = 1 << 1,	/* may be handed a pty master or stdin pipe
				   to relay the client's terminal to (-i, -t) */
	CLI_PRETTY = 1 << 2,	/* objects as one indented JSON array */
	CLI_EVENTS = 1 << 3,	/* `TIME TYPE ACTION ID (k=v, ...)` lines */
	CLI_PROGRESS = 1 << 4,	/* {"id","status"} progress lines, redrawn on
				   a terminal */
	CLI_FD_IN = 1 << 6,	/* passes a file the client opens to read:
				   file_flag's value or the first positional
				   (CLI_FILE_POS), else ("-") its stdin */
	CLI_FD_OUT = 1 << 7,	/* passes a file the client opens to write:
				   file_flag's value, else its stdout (never a
				   terminal) */
	CLI_FILE_POS = 1 << 8,	/* CLI_FD_IN's file is the first positional */
	CLI_CP = 1 << 9,	/* SRC DEST: passes the host side's directory
				   (O_PATH) or its stdin/stdout for "-" */
	CLI_HELP = 1 << 10,	/* the client answers it from its own table
				   when no skiffd runs (help) */
	CLI_EXEC_CODES = 1 << 11, /* an `err` for a program that cannot be
				     found or run exits 127 or 126, as
				     Docker's run and exec */
	CLI_ERR_125 = 1 << 12,	/* any other `err` exits 125 (docker run) */
	CLI_COMPOSE = 1 << 13,	/* the client reads the compose project (its
				   files, .env, the environment) and answers
				   from the model itself (tools/compose.c) */
	CLI_CLIENT = 1 << 14,	/* the reply is the Server half: the client
				   lays out {"Client":{its own},"Server":...}
				   as Docker's version */
};

struct gotmpl_header; /* proto/gotmpl.h */

/* The client's hints (all optional). Flags are named by long name. */
struct cmd_client {
	unsigned how;		   /* CLI_* */
	const char *stream_if;	   /* streams only when this bool flag is on */
	const char *stream_unless; /* streams unless this bool flag is on */
	const char *file_flag;	   /* CLI_FD_IN/OUT: the flag naming the file */
	const char *env_file_flag; /* --NAME FILE is read by the client and
				      each variable goes as env_flag K=V in
				      its place (a flag of the verb, or the
				      client's alone: exec) */
	const char *env_flag;
	const char *secret_flag; /* asked for on a terminal when absent */
	const char *secret_stdin_flag; /* read from the client's stdin and
					  sent as secret_flag */
	const char *user_flag; /* asked for with the secret when absent */
	/* The layout as Docker's: the default Go template of the reply's
	 * rows ("table {{.ID}}\t..."), used when --format is not given and
	 * the rows have more than one key, and the titles of its columns
	 * (NULL-terminated; --format's table directive uses them too). */
	const char *table;
	const struct gotmpl_header *headers;
	const char *table_unless; /* no default table when this bool flag is
				     on (system df -v: rows of another
				     shape) */
	const char *table_plus_if; /* with this bool flag on, the default */
	const char *table_plus;	   /* table has these columns too (ps -s) */
};

struct cmdspec {
	const char *name;  /* "ping", or two words: "volume ls" */
	const char *usage; /* after the name: "[OPTIONS] NAME [NAME...]" */
	const char *summary;
	const char *module;	  /* the module that handles it; NULL: core */
	const struct flag *flags; /* terminated by an entry with name NULL */
	size_t args_size;	  /* size of the request struct */
	int min_pos, max_pos;	  /* positional count; max -1 = no limit */
	unsigned cmd_flags;	  /* CMD_* */
	enum cmd_role role;	  /* the least role that may run it */
	struct cmd_client cli;
};

/* The table, sorted by name (a unit test checks it). */
extern const struct cmdspec cmd_table[];
extern const size_t cmd_table_len;

/* A parsed request: the command, its filled argument struct, and the
 * positional words. Strings point into the caller's words. */
struct cmd_call {
	const struct cmdspec *cmd;
	void *args;
	int argc;
	char **argv; /* positionals */
	bool help;   /* --help was given: answer with the usage */
};

/* Docker's management-command forms ("container ls", "image rm") as
 * other names of the table's verbs (proto/commands.c). */
struct cmd_alias {
	const char *name;   /* two words */
	const char *target; /* a verb of the table */
};
extern const struct cmd_alias cmd_aliases[];
extern const size_t cmd_aliases_len;

/* Which verbs a lookup may find (NULL: all of the table). */
typedef bool cmdspec_have_fn(const struct cmdspec *c);

/* The command named by the first two words (or their alias), else by the
 * first one, among tab[0..n) (sorted); *used = words consumed. NULL if
 * none. */
const struct cmdspec *cmdspec_lookup(const struct cmdspec *tab, size_t n,
				     int argc, char **argv, int *used,
				     cmdspec_have_fn *have);
/* Parse the words after c's name (argv[used..argc), argv[argc] writable)
 * into call: flags, --help, arity. Positionals are compacted in place at
 * argv + used. */
int cmdspec_parse(const struct cmdspec *c, int used, int argc, char **argv,
		  struct cmd_call *call, struct err *e);
void cmdspec_call_free(struct cmd_call *call);
/* The flag named name (long name), or NULL. */
const struct flag *cmdspec_flag(const struct cmdspec *c, const char *name);
/* A parsed call's value of the named FLAG_STR / FLAG_BOOL flag (NULL /
 * false when the flag is not c's). */
const char *cmdspec_str(const struct cmd_call *call, const char *name);
bool cmdspec_bool(const struct cmd_call *call, const char *name);
/* How many words the flag word argv[i] spans (1 or 2) by the parser's
 * rules; *f = the flag it names (for a cluster of short flags, the one
 * that takes a value), NULL when unknown. */
int cmdspec_flag_span(const struct cmdspec *c, int argc, char **argv, int i,
		      const struct flag **f);
/* Value parsers shared with config parsing. */
int cmdspec_parse_size(const char *s, int64_t *out);
int cmdspec_parse_duration(const char *s, int64_t *out_ms);
/* The role c needs (its entry's, admin when unset). */
enum cmd_role cmdspec_role(const struct cmdspec *c);
/* "none", "read-only", "operator", "admin"; parse returns -1 on others. */
const char *cmdspec_role_name(enum cmd_role r);
int cmdspec_role_parse(const char *s, enum cmd_role *out);
/* Usage text of one command ("Usage:  skiff NAME ...\n\nflags..."). */
void cmdspec_usage(const struct cmdspec *c, struct buf *out);
/* One command's section of docs/commands.md. */
void cmdspec_markdown(const struct cmdspec *c, struct buf *out);

#endif
