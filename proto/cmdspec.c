/* cmdspec.c - the generic command parser, usage text and Markdown (see
 * cmdspec.h). A parsed call owns its argument struct (calloc'd; commands
 * without arguments share one static zeroed struct instead) and the arrays
 * of its FLAG_LIST values; strings inside point into the caller's words. */
#include "cmdspec.h"

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The args of every command with args_size 0: nothing reads or writes
 * it, and parsing them costs no allocation. */
static max_align_t no_args;

/* "512", "1.5k", "10m", "2GB": 1024-based, as Docker's sizes. */
int cmdspec_parse_size(const char *s, int64_t *out)
{
	static const char units[] = "bkmgtp";
	char *end;
	double v;
	const char *u;
	int shift;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	v = strtod(s, &end);
	if (!*end) {
		shift = 0;
	} else {
		u = strchr(units, tolower((unsigned char)*end));
		if (!u)
			return -1;
		shift = (int)(u - units) * 10;
		end++;
		if (*end && (tolower((unsigned char)*end) != 'b' || shift == 0))
			return -1;
		if (*end && end[1])
			return -1;
	}
	v *= (double)(1ULL << shift);
	if (v >= 9.2e18)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Go-style durations ("1m30s", "500ms", "2h"); a bare number is seconds. */
int cmdspec_parse_duration(const char *s, int64_t *out_ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ms", 1 },     { "us", 1e-3 }, { "ns", 1e-6 },
		      { "s", 1000 },   { "m", 60000 }, { "h", 3600000 } };
	double total = 0, v;
	char *end;

	if (!*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	v = strtod(s, &end);
	if (!*end) {
		*out_ms = (int64_t)(v * 1000);
		return v < 9e15 ? 0 : -1;
	}
	while (*s) {
		size_t i;
		if (!(isdigit((unsigned char)*s) || *s == '.'))
			return -1;
		v = strtod(s, &end);
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (!strncmp(end, units[i].unit,
				     strlen(units[i].unit)))
				break;
		if (i == ARRAY_SIZE(units))
			return -1;
		total += v * units[i].ms;
		s = end + strlen(units[i].unit);
	}
	if (total >= 9e15)
		return -1;
	*out_ms = (int64_t)total;
	return 0;
}

static const struct flag *flag_long(const struct cmdspec *c, const char *name,
				    size_t len)
{
	for (const struct flag *f = c->flags; f && f->name; f++)
		if (strlen(f->name) == len && !strncmp(f->name, name, len))
			return f;
	return NULL;
}

static const struct flag *flag_short(const struct cmdspec *c, char ch)
{
	for (const struct flag *f = c->flags; f && f->name; f++)
		if (f->shortname && f->shortname == ch)
			return f;
	return NULL;
}

static void list_push(struct strlist *l, const char *v)
{
	const char **nv = xrealloc(l->v, sizeof(*nv), ((size_t)l->n + 1));

	nv[l->n++] = v;
	l->v = nv;
}

/* Store one flag's value (val NULL for a bare bool) into args. */
static int flag_set(const struct cmdspec *c, const struct flag *f, void *args,
		    const char *val, struct err *e)
{
	char *slot = (char *)args + f->offset;
	char *end;
	long long n;

	switch (f->type) {
	case FLAG_BOOL:
		if (!val || !strcmp(val, "true") || !strcmp(val, "1"))
			*(bool *)slot = true;
		else if (!strcmp(val, "false") || !strcmp(val, "0"))
			*(bool *)slot = false;
		else
			goto bad;
		return 0;
	case FLAG_STR:
		*(const char **)slot = val;
		return 0;
	case FLAG_INT:
		errno = 0;
		n = strtoll(val, &end, 10);
		if (errno || !*val || *end)
			goto bad;
		*(long long *)slot = n;
		return 0;
	case FLAG_SIZE:
		if (cmdspec_parse_size(val, (int64_t *)slot) < 0)
			goto bad;
		return 0;
	case FLAG_DURATION:
		if (cmdspec_parse_duration(val, (int64_t *)slot) < 0)
			goto bad;
		return 0;
	case FLAG_LIST:
		list_push((struct strlist *)slot, val);
		return 0;
	}
bad:
	return err_setc(e, ERR_INVALID, "invalid value \"%s\" for --%s%s",
			val, f->name,
			f->type == FLAG_SIZE	   ? " (a size like 512m or 2g)"
			: f->type == FLAG_DURATION ? " (a duration like 10s or 1m30s)"
			: f->type == FLAG_INT	   ? " (an integer)"
						   : "");
}

/* --name, --name=value, --name value. *i is advanced past what is used. */
static int parse_long(const struct cmdspec *c, void *args, int argc,
		      char **argv, int *i, struct err *e)
{
	const char *w = argv[*i] + 2, *eq = strchr(w, '=');
	size_t len = eq ? (size_t)(eq - w) : strlen(w);
	const struct flag *f = flag_long(c, w, len);

	if (!f)
		return err_setc(e, ERR_INVALID,
				"unknown flag: --%.*s (see 'skiff %s --help')",
				(int)len, w, c->name);
	if (eq || f->type == FLAG_BOOL)
		return flag_set(c, f, args, eq ? eq + 1 : NULL, e);
	if (*i + 1 >= argc)
		return err_setc(e, ERR_INVALID, "flag needs an argument: --%s",
				f->name);
	return flag_set(c, f, args, argv[++*i], e);
}

/* -d, -it (bools together), -e VAL, -eVAL. */
static int parse_short(const struct cmdspec *c, void *args, int argc,
		       char **argv, int *i, struct err *e)
{
	const char *w = argv[*i] + 1;

	for (; *w; w++) {
		const struct flag *f = flag_short(c, *w);
		if (!f)
			return err_setc(e, ERR_INVALID,
					"unknown shorthand flag: '%c' in %s "
					"(see 'skiff %s --help')",
					*w, argv[*i], c->name);
		if (f->type == FLAG_BOOL) {
			flag_set(c, f, args, NULL, e);
			continue;
		}
		if (w[1])
			return flag_set(c, f, args, w + 1, e);
		if (*i + 1 >= argc)
			return err_setc(e, ERR_INVALID,
					"flag needs an argument: '%c' in -%c",
					*w, *w);
		return flag_set(c, f, args, argv[++*i], e);
	}
	return 0;
}

static int check_arity(const struct cmdspec *c, int n, struct err *e)
{
	if (n < c->min_pos)
		return err_setc(e, ERR_INVALID,
				"\"skiff %s\" requires %s %d argument%s "
				"(usage: skiff %s %s)",
				c->name,
				c->max_pos == c->min_pos ? "exactly" : "at least",
				c->min_pos, c->min_pos == 1 ? "" : "s", c->name,
				c->usage ? c->usage : "");
	if (c->max_pos == 0 && n > 0)
		return err_setc(e, ERR_INVALID,
				"\"skiff %s\" accepts no arguments", c->name);
	if (c->max_pos > 0 && n > c->max_pos)
		return err_setc(e, ERR_INVALID,
				"\"skiff %s\" accepts at most %d argument%s "
				"(usage: skiff %s %s)",
				c->name, c->max_pos, c->max_pos == 1 ? "" : "s",
				c->name, c->usage ? c->usage : "");
	return 0;
}

static bool is_flag_word(const char *w)
{
	return w[0] == '-' && w[1] != '\0';
}

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cmdspec *)elem)->name);
}

static const struct cmdspec *find(const struct cmdspec *tab, size_t n,
				  const char *name, cmdspec_have_fn *have)
{
	const struct cmdspec *c = bsearch(name, tab, n, sizeof(*tab), by_name);

	return c && (!have || have(c)) ? c : NULL;
}

const struct cmdspec *cmdspec_lookup(const struct cmdspec *tab, size_t n,
				     int argc, char **argv, int *used,
				     cmdspec_have_fn *have)
{
	char two[128];
	const struct cmdspec *c;

	if (argc >= 2 && snprintf(two, sizeof(two), "%s %s", argv[0],
				  argv[1]) < (int)sizeof(two)) {
		c = find(tab, n, two, have);
		for (size_t i = 0; !c && i < cmd_aliases_len; i++)
			if (!strcmp(cmd_aliases[i].name, two))
				c = find(tab, n, cmd_aliases[i].target, have);
		if (c) {
			*used = 2;
			return c;
		}
	}
	*used = 1;
	return argc >= 1 ? find(tab, n, argv[0], have) : NULL;
}

int cmdspec_parse(const struct cmdspec *c, int used, int argc, char **argv,
		  struct cmd_call *call, struct err *e)
{
	int i, npos = 0;
	bool only_pos = false;

	memset(call, 0, sizeof(*call));
	call->cmd = c;
	call->args = c->args_size ? xcalloc(1, c->args_size) : &no_args;
	/* Positionals are compacted in place at the front of argv+used. */
	call->argv = argv + used;
	for (i = used; i < argc; i++) {
		char *w = argv[i];
		if (only_pos || !is_flag_word(w)) {
			call->argv[npos++] = w;
			if (c->cmd_flags & CMD_POSIX)
				only_pos = true;
			continue;
		}
		if (!strcmp(w, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(w, "--help")) {
			call->help = true;
			continue;
		}
		if (w[1] == '-' && (parse_long(c, call->args, argc, argv, &i,
					       e) < 0))
			goto fail;
		if (w[1] != '-' &&
		    parse_short(c, call->args, argc, argv, &i, e) < 0)
			goto fail;
	}
	call->argc = npos;
	call->argv[npos] = NULL;
	if (!call->help && check_arity(c, npos, e) < 0)
		goto fail;
	return 0;
fail:
	cmdspec_call_free(call);
	return -1;
}

void cmdspec_call_free(struct cmd_call *call)
{
	if (call->cmd && call->args)
		for (const struct flag *f = call->cmd->flags; f && f->name; f++)
			if (f->type == FLAG_LIST)
				free(((struct strlist *)((char *)call->args +
							 f->offset))
					     ->v);
	if (call->args != &no_args)
		free(call->args);
	memset(call, 0, sizeof(*call));
}

const struct flag *cmdspec_flag(const struct cmdspec *c, const char *name)
{
	return name ? flag_long(c, name, strlen(name)) : NULL;
}

const char *cmdspec_str(const struct cmd_call *call, const char *name)
{
	const struct flag *f = cmdspec_flag(call->cmd, name);

	if (!f || f->type != FLAG_STR)
		return NULL;
	return *(const char *const *)((const char *)call->args + f->offset);
}

bool cmdspec_bool(const struct cmd_call *call, const char *name)
{
	const struct flag *f = cmdspec_flag(call->cmd, name);

	if (!f || f->type != FLAG_BOOL)
		return false;
	return *(const bool *)((const char *)call->args + f->offset);
}

int cmdspec_flag_span(const struct cmdspec *c, int argc, char **argv, int i,
		      const struct flag **f)
{
	const char *w = argv[i], *eq;

	*f = NULL;
	if (w[1] == '-') {
		eq = strchr(w + 2, '=');
		*f = flag_long(c, w + 2, eq ? (size_t)(eq - w - 2)
					    : strlen(w + 2));
		if (eq || !*f || (*f)->type == FLAG_BOOL)
			return 1;
		return i + 1 < argc ? 2 : 1;
	}
	for (const char *p = w + 1; *p; p++) {
		const struct flag *s = flag_short(c, *p);
		if (s && s->type == FLAG_BOOL)
			continue;
		*f = s;
		/* the value is the rest of the word, or the next word */
		return p[1] || i + 1 >= argc ? 1 : 2;
	}
	return 1;
}

static const char *type_metavar(const struct flag *f)
{
	if (f->metavar)
		return f->metavar;
	switch (f->type) {
	case FLAG_BOOL:
		return "";
	case FLAG_INT:
		return "int";
	case FLAG_SIZE:
		return "bytes";
	case FLAG_DURATION:
		return "duration";
	case FLAG_LIST:
		return "list";
	default:
		return "string";
	}
}

void cmdspec_usage(const struct cmdspec *c, struct buf *out)
{
	buf_printf(out, "Usage:  skiff %s%s%s\n\n%s\n", c->name,
		   c->usage ? " " : "", c->usage ? c->usage : "", c->summary);
	if (!c->flags || !c->flags->name)
		return;
	buf_puts(out, "\nOptions:\n");
	for (const struct flag *f = c->flags; f->name; f++) {
		char left[64];
		const char *mv = type_metavar(f);
		if (f->shortname)
			snprintf(left, sizeof(left), "-%c, --%s %s",
				 f->shortname, f->name, mv);
		else
			snprintf(left, sizeof(left), "    --%s %s", f->name,
				 mv);
		buf_printf(out, "  %-30s %s\n", left, f->help);
	}
}

static const char *const role_names[] = {
	[ROLE_NONE] = "none",
	[ROLE_READ] = "read-only",
	[ROLE_OPERATOR] = "operator",
	[ROLE_ADMIN] = "admin",
};

enum cmd_role cmdspec_role(const struct cmdspec *c)
{
	return c->role == ROLE_NONE ? ROLE_ADMIN : c->role;
}

const char *cmdspec_role_name(enum cmd_role r)
{
	return (unsigned)r <= ROLE_ADMIN ? role_names[r] : "?";
}

int cmdspec_role_parse(const char *s, enum cmd_role *out)
{
	for (unsigned i = 0; i <= ROLE_ADMIN; i++)
		if (!strcmp(s, role_names[i])) {
			*out = (enum cmd_role)i;
			return 0;
		}
	return -1;
}

void cmdspec_markdown(const struct cmdspec *c, struct buf *out)
{
	buf_printf(out, "## `%s`\n\n```\nskiff %s%s%s\n```\n\n%s.", c->name,
		   c->name, c->usage ? " " : "", c->usage ? c->usage : "",
		   c->summary);
	if (c->cmd_flags & CMD_STREAMS)
		buf_puts(out, " Streams until done, `cancel` or close.");
	buf_printf(out, " Role: `%s`.\n\n", cmdspec_role_name(cmdspec_role(c)));
	if (!c->flags || !c->flags->name)
		return;
	buf_puts(out, "| flag | value | meaning |\n| --- | --- | --- |\n");
	for (const struct flag *f = c->flags; f->name; f++) {
		buf_printf(out, "| `--%s`", f->name);
		if (f->shortname)
			buf_printf(out, ", `-%c`", f->shortname);
		buf_printf(out, " | %s | %s%s |\n", type_metavar(f), f->help,
			   f->type == FLAG_LIST ? " (repeatable)" : "");
	}
	buf_puts(out, "\n");
}

