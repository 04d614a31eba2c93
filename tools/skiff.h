/* skiff.h - what the parts of the skiff CLI share.
 *
 * The CLI is split by job: skiff.c (main: options, one request, the
 * answers it gives itself when no skiffd runs), words.c (argv to the
 * request's words, by the command table), files.c (the files it opens
 * and passes), conn.c (the socket and the reply loop), render.c (laying
 * replies out as text) and relay.c (a container's terminal or stdin,
 * ctrl-c). Everything it knows about a verb comes from proto's command
 * table (proto/cmdspec.h): the same table skiffd answers by. */
#ifndef SKIFF_CLI_H
#define SKIFF_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <termios.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../core/base/buf.h"
#include "../core/base/cleanup.h"
#include "../core/base/err.h"
#include "../proto/cmdspec.h"
#include "../proto/envfile.h"

static inline void skiff_buf_freep(struct buf *b)
{
	buf_free(b);
}
#define _cleanup_buf_ _cleanup_(skiff_buf_freep)

#define DEFAULT_SOCK "/run/skiff/skiff.sock"
#define REPLY_LINE_MAX (16u * 1024 * 1024) /* longest reply line we take */

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_DAEMON = 125, EXIT_INT = 130 };
#define MORE (-2) /* a reply line was handled; read on */

struct opts {
	const char *sock; /* a UNIX socket's path, or tcp://HOST:PORT */
	/* tcp://: mutual TLS with these (--tlscacert, ...; default
	 * $SKIFF_CERT_PATH or ~/.skiff, {ca,cert,key}.pem), or plain TCP
	 * with --tcp-insecure */
	const char *tlscacert, *tlscert, *tlskey;
	bool tcp_insecure;
	bool json;    /* print data lines as received */
	bool version; /* print the client version first */
	bool help;    /* the request is `help`: say our usage if it fails */
	int argc;     /* the request's words */
	char **argv;  /* allocated array of pointers into main's argv */
	struct envfile env; /* --env-file variables, owned (argv points in) */
	/* The verb's entry in the table (NULL: not a verb skiff knows;
	 * skiffd answers), the words its name takes, and the parse of the
	 * words as skiffd will parse them (parsed false: skiffd will refuse
	 * them; perr says why). */
	const struct cmdspec *spec;
	int used;
	unsigned how; /* spec's CLI_* hints */
	struct cmd_call call;
	bool parsed;
	struct err perr;
	char **pwords; /* the copy of argv the parse compacted */
	char flagw[4][64]; /* flag words the client added ("-e", "-p") */
	int nflagw;
};

struct client {
	const struct opts *o;
	int fd;
	int sigfd; /* SIGINT while streaming, else -1 */
	bool streaming, events, inspect;
	bool canceled;	/* `cancel` sent after a ctrl-c */
	int exit_code;	/* `run`: the container's, from {"exit_code":N} */
	bool interrupted; /* a second ctrl-c: give up at once */
	bool item_errors; /* a per-container error line was printed */
	/* inspect: names no container has, tried as images after the
	 * reply (conn.c), as docker inspect looks for any object */
	char **others;
	int nothers, iothers; /* iothers: image-inspects sent so far */
	int others_rc;
	bool others_done;
	struct buf others_err; /* their "no such object" lines */
	struct gotmpl *tmpl; /* format.c: --format or the verb's table */
	bool fmt_json, fmt_table, fmt_failed, tty_out;
	struct buf in;
	size_t scanned; /* bytes at the head of in known to hold no LF */
	yajl_val *objs; /* a non-streaming reply, until its status line */
	size_t nobjs, capobjs;
	yajl_gen gen; /* compact JSON of nested values */
	struct buf out; /* text being laid out before it goes to stdout */
	int rfds[8];	/* passed by skiffd, not yet claimed by a line */
	int nrfds;
	struct relay {
		int fd;	     /* pty master or stdin pipe; -1 when none */
		bool tty;    /* a pty: raw terminal, window size */
		bool input;  /* our stdin goes there (until EOF) */
		bool raw;    /* our terminal is raw; `saved` restores it */
		struct termios saved;
		struct buf pend; /* read from stdin, not yet written */
		char keys[16];	 /* detach sequence (tty only) */
		size_t matched;	 /* bytes of it seen and held back */
		bool detached;
	} relay;
};

/* words.c: argv to the request's words (options, env files, a login's
 * password), the verb's table entry and its parse. */
int words_from_argv(int argc, char **argv, struct opts *o, struct err *e);
bool words_streams(const struct opts *o);
void words_free(struct opts *o);

/* files.c: the fd the request passes (a file the client opens with its
 * own rights, or its stdin/stdout): >= 0 (ours to close unless 0 or 1),
 * -1 with e set, -2 when the request passes none. */
int files_fd(const struct opts *o, struct err *e);

/* conn.c: the socket and the reply loop. */
int conn_connect(const struct opts *o, struct err *e);
/* Reply bytes the TLS session holds already (poll would not see them). */
bool conn_pending(void);

/* dial.c: ssh:// and `skiff system dial-stdio`. */
bool dial_is_ssh(const struct opts *o);
int dial_ssh(const struct opts *o, struct err *e);
int dial_closed(struct err *e);
int dial_check(const struct opts *o, int hfd, struct err *e);
int dial_stdio(const struct opts *o, struct err *e);
int conn_send_all(int fd, const char *p, size_t n, struct err *e);
int conn_send_request(int sock, const struct buf *line, int fd,
		      struct err *e);
/* Read and render the reply up to its status line: the exit status, or
 * -1 with e set when skiffd breaks the protocol or vanishes. */
int conn_read_reply(struct client *c, struct err *e);
/* Render reply lines the client made itself (no daemon). */
int conn_local_reply(struct client *c, const struct buf *lines,
		     struct err *e);

/* render.c: reply lines as text, into c->out. */
yajl_val render_get(yajl_val obj, const char *key);
const char *render_str(yajl_val obj, const char *key);
bool render_int(yajl_val obj, const char *key, int *out);
bool render_depth_ok(const char *s);
bool render_item_error(struct client *c, yajl_val obj);
/* conn.c: a name `inspect` found no container by, to try as an image. */
void conn_inspect_other(struct client *c, const char *name);
int render_raw_text(struct client *c, const char *line, yajl_val obj,
		    bool *done);
void render_keep(struct client *c, yajl_val obj);
/* true when obj was kept (a round of a streamed table): not the
 * caller's to free any more. */
bool render_streamed(struct client *c, yajl_val obj);
void render_kept(struct client *c);
int render_flush(struct client *c, FILE *f);

/* render.c: one value as compact JSON (no LF). */
void render_json(struct client *c, yajl_val v, struct buf *out);

/* format.c: Go templates over the reply's objects (--format, tables). */
int format_setup(struct client *c, struct err *e);
void format_free(struct client *c);
/* Lay out the kept objects / one streamed object; false when no
 * template applies (the default layouts do). */
bool format_kept(struct client *c);
int format_streamed(struct client *c, yajl_val obj); /* 0, 1 laid out,
							2 kept */

/* compose.c: a CLI_COMPOSE verb's project. prepare: load it (printing
 * its warnings) and put its model, as one line of JSON and a NUL, in
 * model; *done when the client has answered by itself (--profiles).
 * words: the request's words with --model MODEL (NULL: none) added;
 * free the array only. print_local: the answer when no skiffd runs. */
struct compose_project;
int compose_prepare(const struct opts *o, struct compose_project *p,
		    struct buf *model, bool *done, struct err *e);
char **compose_words(const struct opts *o, const char *model, int *argc);
int compose_print_local(const struct opts *o, const struct compose_project *p,
			struct err *e);

/* relay.c: the container's pty or stdin, ctrl-c and SIGWINCH. */
int relay_sigfd(struct err *e);
int relay_start(struct client *c, yajl_val obj, struct err *e);
void relay_stop(struct client *c);
void relay_restore(struct client *c);
/* Wait until the socket is readable, relaying stdin meanwhile. */
int relay_wait(struct client *c, struct err *e);

#endif
