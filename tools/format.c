/* format.c - replies laid out by Go templates, as Docker's CLI does:
 * `--format TEMPLATE`, `--format 'table TEMPLATE'` (aligned by
 * proto/gotmpl's tabwriter, headers from the verb's column titles),
 * `--format json` (one compact object a line), and the verb's default
 * table from the command table (ps, images) when no --format is given.
 *
 * The template is parsed before the request leaves, so a bad one never
 * reaches skiffd; it runs here over each data line, so a failing one
 * touches nothing but this client. Owns c->tmpl (freed by format_free). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "../proto/gotmpl.h"
#include "skiff.h"

static size_t nheaders(const struct gotmpl_header *h)
{
	size_t n = 0;

	while (h && h[n].field)
		n++;
	return n;
}

/* The verb's default table, with its flag's extra columns (ps -s). */
static const char *default_table(const struct opts *o)
{
	static char *joined;
	const struct cmd_client *cl = &o->spec->cli;

	if (!cl->table_plus_if || !o->parsed ||
	    !cmdspec_bool(&o->call, cl->table_plus_if))
		return cl->table;
	free(joined);
	joined = xasprintf("%s%s", cl->table, cl->table_plus);
	return joined;
}

/* The template for this call, parsed; 0 when there is none to apply. */
int format_setup(struct client *c, struct err *e)
{
	const struct opts *o = c->o;
	const char *fmt = o->parsed ? cmdspec_str(&o->call, "format") : NULL;
	_cleanup_free_ char *text = NULL;
	bool table = false;

	if (!o->spec || o->json || (o->parsed && o->call.help))
		return 0; /* --help's text is laid out as text */
	if (fmt && !strcmp(fmt, "json")) {
		c->fmt_json = true;
		return 0;
	}
	if (fmt && *fmt) {
		text = gotmpl_docker_format(fmt, &table);
		if (table && !*text && o->spec->cli.table) {
			free(text);
			text = gotmpl_docker_format(default_table(o), &table);
		}
	} else if (o->spec->cli.table &&
		   !(o->parsed && cmdspec_bool(&o->call, "quiet")) &&
		   !(o->parsed && o->spec->cli.table_unless &&
		     cmdspec_bool(&o->call, o->spec->cli.table_unless))) {
		text = gotmpl_docker_format(default_table(o), &table);
	}
	if (!text)
		return 0;
	c->tmpl = gotmpl_parse(text, strlen(text), e);
	if (!c->tmpl)
		return err_wrap(e, "%s", (o->how & CLI_PRETTY)
						 ? "template parsing error"
						 : "failed to parse template");
	/* Docker's fields are struct fields or inspect's missingkey=error
	 * maps: a field that is not there is an error, not <no value> */
	gotmpl_missingkey_error(c->tmpl);
	c->fmt_table = table;
	c->tty_out = isatty(STDOUT_FILENO);
	return 0;
}

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1.0-dev"
#endif
#ifndef SKIFF_GIT
#define SKIFF_GIT "unknown"
#endif
#if defined(__x86_64__)
#define CLIENT_ARCH "amd64"
#elif defined(__aarch64__)
#define CLIENT_ARCH "arm64"
#else
#define CLIENT_ARCH "other"
#endif

/* CLI_CLIENT (version): the reply is the Server half of Docker's
 * version; the dot becomes {"Client":{this client},"Server":reply}. */
static void client_half(struct client *c)
{
	struct buf j = { 0 };
	char why[64];
	yajl_val v;

	if (!(c->o->how & CLI_CLIENT) || !c->nobjs)
		return;
	buf_printf(&j,
		   "{\"Client\":{\"Platform\":{\"Name\":\"skiff\"},"
		   "\"Version\":\"%s\",\"ApiVersion\":\"1\","
		   "\"GitCommit\":\"%s\",\"Os\":\"linux\",\"Arch\":\"%s\"},"
		   "\"Server\":",
		   SKIFF_VERSION, SKIFF_GIT, CLIENT_ARCH);
	render_json(c, c->objs[0], &j);
	buf_append(&j, "}", 2);
	v = yajl_tree_parse(buf_head(&j), why, sizeof(why));
	if (v) {
		yajl_tree_free(c->objs[0]);
		c->objs[0] = v;
	}
	buf_free(&j);
}

void format_free(struct client *c)
{
	gotmpl_free(c->tmpl);
	c->tmpl = NULL;
}

/* A failed execution: say it once, keep what came before, exit 1. */
static void failed(struct client *c, const struct err *e)
{
	if (c->fmt_failed)
		return;
	fflush(stdout);
	fprintf(stderr, "skiff: %s: %s\n",
		(c->o->how & CLI_PRETTY) ? "template parsing error"
					 : "failed to execute template",
		e->msg);
	c->fmt_failed = true;
	c->exit_code = EXIT_ERR;
}

static int header(struct client *c, struct buf *text)
{
	const struct gotmpl_header *h = c->o->spec->cli.headers;
	struct err e = ERR_INIT;

	if (gotmpl_exec_header(c->tmpl, h, nheaders(h), text, &e) < 0) {
		failed(c, &e);
		return -1;
	}
	buf_puts(text, "\n");
	return 0;
}

/* objs[0..n) through the template (or as JSON lines) into c->out. */
static void lay_out(struct client *c, yajl_val *objs, size_t n, bool head)
{
	struct buf text = { 0 };
	struct err e = ERR_INIT;

	for (size_t i = 0; i < n && c->fmt_json; i++) {
		render_json(c, objs[i], &c->out);
		buf_puts(&c->out, "\n");
	}
	if (c->fmt_json || (head && c->fmt_table && header(c, &text) < 0))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (gotmpl_exec(c->tmpl, objs[i], &text, &e) < 0) {
			failed(c, &e);
			break;
		}
		buf_puts(&text, "\n");
	}
	if (c->fmt_table)
		gotmpl_tabwrite(buf_head(&text), buf_used(&text), &c->out);
	else
		buf_append(&c->out, buf_head(&text), buf_used(&text));
out:
	buf_free(&text);
}

/* A streamed table (stats) is redrawn a round at a time, as Docker's:
 * rows are kept until a row of an ID already kept starts the next round;
 * on a terminal each round replaces the screen. */
static void flush_round(struct client *c)
{
	if (c->streaming && c->tty_out)
		buf_puts(&c->out, "\033[2J\033[H");
	lay_out(c, c->objs, c->nobjs, true);
	for (size_t i = 0; i < c->nobjs; i++)
		yajl_tree_free(c->objs[i]);
	c->nobjs = 0;
}

bool format_kept(struct client *c)
{
	if (!c->tmpl && !c->fmt_json)
		return false;
	client_half(c);
	if (c->streaming && c->fmt_table) {
		if (c->nobjs)
			flush_round(c);
		return true;
	}
	lay_out(c, c->objs, c->nobjs, true);
	return true;
}

int format_streamed(struct client *c, yajl_val obj)
{
	const char *id = render_str(obj, "ID");

	if (!c->tmpl && !c->fmt_json)
		return 0;
	if (c->fmt_failed)
		return 1;
	if (c->fmt_table) {
		for (size_t i = 0; id && i < c->nobjs; i++)
			if (render_str(c->objs[i], "ID") &&
			    !strcmp(render_str(c->objs[i], "ID"), id)) {
				flush_round(c);
				break;
			}
		render_keep(c, obj);
		return 2;
	}
	lay_out(c, &obj, 1, false);
	return 1;
}
