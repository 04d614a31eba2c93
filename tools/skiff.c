/* skiff.c - the skiff CLI: a thin front for skiffd's control socket.
 *
 * It quotes its own argv into one request line (proto/line.c), writes it
 * to the daemon's UNIX socket and renders the reply: NDJSON data lines,
 * then `ok` or `err CODE message` (DESIGN.md section 3). Grammar, help and
 * error messages come from the command table skiffd is built from
 * (proto/commands.c), compiled in here too: what the CLI does for a verb
 * beyond sending it (streams, files it passes, a terminal it relays, the
 * layout) is that verb's hints in the table, so `skiff --help`, `skiff
 * help [VERB]` and `skiff VERB --help` answer without a daemon. The jobs
 * are split: words.c, files.c, conn.c, render.c, relay.c (skiff.h).
 *
 * Owns the struct client of the one request and main's exit status: 0 on
 * `ok`, 1 on `err`, 125 when skiffd cannot be reached or breaks the
 * protocol (docker's convention), else a container's exit code. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "../core/base/cleanup.h"
#include "../proto/json.h"
#include "../proto/compose.h"
#include "../proto/line.h"
#include "skiff.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1.0-dev"
#endif

/* The CLI's own usage; the commands' help comes from the table. */
#define USAGE                                                             \
	"usage: skiff [-H unix://PATH | -H tcp://HOST:PORT [--tlsverify]\n"  \
	"             [--tlscacert F] [--tlscert F] [--tlskey F]] [--json]\n" \
	"             COMMAND [ARG...]\n"                                   \
	"       skiff --version | --help [COMMAND]\n"                       \
	"The daemon is -H (or --sock), else $SKIFF_HOST, else $SKIFF_SOCK,\n" \
	"else " DEFAULT_SOCK ". tcp:// is mutual TLS (certificates from\n"  \
	"the flags, else $SKIFF_CERT_PATH or ~/.skiff: ca.pem, cert.pem,\n"  \
	"key.pem); --tcp-insecure speaks plain TCP.\n"

/* ---- main ---- */

static void client_free(struct client *c)
{
	relay_stop(c);
	for (int i = 0; i < c->nrfds; i++)
		close(c->rfds[i]);
	for (size_t i = 0; i < c->nobjs; i++)
		yajl_tree_free(c->objs[i]);
	free(c->objs);
	for (int i = 0; i < c->nothers; i++)
		free(c->others[i]);
	free(c->others);
	buf_free(&c->others_err);
	buf_free(&c->in);
	buf_free(&c->out);
	if (c->gen)
		yajl_gen_free(c->gen);
	format_free(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->sigfd >= 0)
		close(c->sigfd);
}

/* ---- without skiffd ---- */

static void status_line(struct buf *out, const struct err *e)
{
	size_t start;

	if (e->class == ERR_OK) {
		buf_puts(out, "ok\n");
		return;
	}
	buf_printf(out, "err %s ", err_class_name(e->class));
	start = out->len;
	buf_puts(out, e->msg);
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] == '\n' || out->data[i] == '\r')
			out->data[i] = ' ';
	buf_puts(out, "\n");
}

static void usage_line(const struct cmdspec *c, struct buf *out)
{
	_cleanup_buf_ struct buf text = { 0 };
	struct jw w;

	cmdspec_usage(c, &text);
	jw_open(&w, out);
	jw_strn(&w, "text", buf_head(&text), buf_used(&text));
	jw_close(&w);
}

/* The reply skiffd would give to a help request, from our copy of the
 * table (the same as skiffd's): `VERB --help`, and the CLI_HELP verb's
 * list of verbs or one verb's usage. false: no help request. */
static bool help_reply(const struct opts *o, struct buf *out)
{
	struct err e = ERR_INIT;
	const struct cmdspec *c;
	struct jw w;
	int used;

	if (!o->spec || !((o->how & CLI_HELP) || (o->parsed && o->call.help)))
		return false;
	if (!o->parsed) {
		status_line(out, &o->perr);
		return true;
	}
	if (o->call.help) {
		usage_line(o->spec, out);
	} else if (!o->call.argc) {
		for (size_t i = 0; i < cmd_table_len; i++) {
			jw_open(&w, out);
			jw_str(&w, "command", cmd_table[i].name);
			jw_str(&w, "description", cmd_table[i].summary);
			jw_close(&w);
		}
	} else {
		c = cmdspec_lookup(cmd_table, cmd_table_len, o->call.argc,
				   o->call.argv, &used, NULL);
		if (c && used == o->call.argc)
			usage_line(c, out);
		else
			err_setc(&e, ERR_NOT_FOUND, "unknown command \"%s\"",
				 o->call.argv[0]);
	}
	status_line(out, &e);
	return true;
}

/* skiffd cannot be reached (e says why): help comes from our table,
 * --version has printed ours; anything else is that error. */
static int no_daemon(struct client *c, struct err *e)
{
	_cleanup_buf_ struct buf lines = { 0 };
	struct err local = ERR_INIT;
	int r;

	if (c->o->version)
		return EXIT_OK;
	if (!help_reply(c->o, &lines))
		return -1;
	r = conn_local_reply(c, &lines, &local);
	if (r < 0)
		*e = local;
	return r;
}

/* The request line; for a CLI_COMPOSE verb, the project read and its
 * model added as --model (*answered >= 0, an exit status, when the
 * client has answered by itself: a bad project exits 1, as docker
 * compose). */
static int compose_line(struct client *c, struct buf *line,
			struct compose_project *proj, int *answered,
			struct err *e)
{
	_cleanup_buf_ struct buf model = { 0 };
	_cleanup_free_ char **words = NULL;
	bool done = false;
	int argc;

	*answered = -1;
	if (!(c->o->how & CLI_COMPOSE) || !c->o->parsed || c->o->call.help)
		return line_quote(line, c->o->argc, c->o->argv, e);
	if (compose_prepare(c->o, proj, &model, &done, e) < 0) {
		fprintf(stderr, "skiff: %s\n", e->msg);
		*answered = EXIT_ERR;
		return 0;
	}
	if (done) {
		*answered = EXIT_OK;
		return 0;
	}
	words = compose_words(c->o, proj->model ? buf_head(&model) : NULL,
			      &argc);
	return line_quote(line, argc, words, e);
}

/* Send the request and read its reply. A bad argv is refused before we
 * connect; SIGINT is caught from before the request leaves, so no ctrl-c
 * during a stream is lost. */
static int client_run(struct client *c, struct err *e)
{
	_cleanup_(compose_project_free) struct compose_project proj = { 0 };
	_cleanup_buf_ struct buf line = { 0 };
	struct err late = ERR_INIT;
	int r, hfd, answered;

	if (c->o->argc == 2 && !strcmp(c->o->argv[0], "system") &&
	    !strcmp(c->o->argv[1], "dial-stdio"))
		return dial_stdio(c->o, e);
	if (compose_line(c, &line, &proj, &answered, e) < 0)
		return -1;
	if (answered >= 0)
		return answered;
	hfd = files_fd(c->o, e);
	if (hfd == -1)
		return -1;
	if (dial_check(c->o, hfd, e) < 0) {
		if (hfd > 1)
			close(hfd);
		return -1;
	}
	c->gen = yajl_gen_alloc(NULL);
	if (!c->gen)
		abort();
	c->streaming = words_streams(c->o);
	c->events = c->o->how & CLI_EVENTS;
	c->inspect = c->o->how & CLI_PRETTY;
	if (format_setup(c, e) < 0) {
		fprintf(stderr, "skiff: %s\n", e->msg);
		return (c->o->how & CLI_PRETTY) ? 64 : EXIT_ERR; /* as docker */
	}
	if (c->streaming && (c->sigfd = relay_sigfd(e)) < 0)
		return -1;
	c->fd = conn_connect(c->o, e);
	if (c->fd < 0) {
		if (hfd > 1)
			close(hfd);
		if (proj.model) /* config needs no engine (docker's neither) */
			return compose_print_local(c->o, &proj, e) < 0 ? -1 :
									 EXIT_OK;
		return no_daemon(c, e);
	}
	r = conn_send_request(c->fd, &line, hfd, e);
	if (hfd > 1)
		close(hfd); /* skiffd has its own copy now */
	if (!r)
		return conn_read_reply(c, e);
	/* skiffd may have refused the request and closed: show its answer
	 * if it left one, else the write error. */
	r = conn_read_reply(c, &late);
	return r >= 0 ? r : -1;
}

static void print_version(const struct opts *o)
{
	if (o->json)
		printf("{\"client_version\":\"%s\"}\n", SKIFF_VERSION);
	else
		printf("skiff version %s\n", SKIFF_VERSION);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct err e = ERR_INIT;
	struct opts o = { 0 };
	struct client c = { .o = &o, .fd = -1, .sigfd = -1, .relay.fd = -1 };
	int r = -1;

	signal(SIGPIPE, SIG_IGN);
	if (words_from_argv(argc, argv, &o, &e) == 0) {
		if (o.version)
			print_version(&o);
		r = client_run(&c, &e);
	}
	if (r < 0) {
		relay_restore(&c);
		fflush(stdout);
		fprintf(stderr, "skiff: %s\n", e.msg);
		if (o.help)
			fputs(USAGE, stderr);
		r = EXIT_DAEMON;
	}
	client_free(&c);
	words_free(&o);
	return r;
}
