/* words.c - skiff's argv as the request's words.
 *
 * Global options come before the verb; the rest is the request, quoted
 * into one line (proto/line.c) and parsed by skiffd with the same table
 * and parser as here (proto/cmdspec.h). What the client does to the words
 * first, it does for the verb's hints in the table: --env-file FILE is
 * read here (the client's rights, as docker does) and sent as -e K=V
 * words; a secret (login's password) is read from stdin or asked for on
 * the terminal and sent as a flag. The final words are parsed here too,
 * so streaming, the files to pass and the layout follow the same flags
 * skiffd will see.
 *
 * Owns o->argv (pointers into main's argv, o->env and static buffers),
 * o->env, and the parse (o->call over o->pwords). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "skiff.h"
#include "../core/base/xalloc.h"

#define SECRET_MAX 4096 /* bytes of a password read from stdin */

/* ---- options ---- */

/* The request's words: argv after our options, behind an optional verb
 * of our own (help, version). */
static int set_words(struct opts *o, const char *verb, int argc, char **argv)
{
	int n = 0;

	o->argv = xcalloc((size_t)argc + 2, sizeof(*o->argv));
	if (verb)
		o->argv[n++] = (char *)verb;
	for (int i = 0; i < argc; i++)
		o->argv[n++] = argv[i];
	o->argc = n;
	return 0;
}

static const char *sock_path(const char *s)
{
	/* -H unix:///run/skiff/skiff.sock, the way docker users write it */
	if (!strncmp(s, "unix://", 7))
		return s + 7;
	return s;
}

/* --tlscacert FILE (or =FILE), --tlscert, --tlskey: 1 taken, 0 not
 * one of them, -1 (e set) without its value. */
static int tls_opt(int argc, char **argv, int *i, struct opts *o,
		   struct err *e)
{
	static const char *const names[] = { "--tlscacert", "--tlscert",
					     "--tlskey" };
	const char **dst[] = { &o->tlscacert, &o->tlscert, &o->tlskey };

	for (int k = 0; k < 3; k++) {
		size_t n = strlen(names[k]);
		if (strncmp(argv[*i], names[k], n))
			continue;
		if (argv[*i][n] == '=') {
			*dst[k] = argv[*i] + n + 1;
			return 1;
		}
		if (argv[*i][n])
			continue;
		if (++*i == argc)
			return err_setc(e, ERR_INVALID, "option %s needs a file",
					names[k]);
		*dst[k] = argv[*i];
		return 1;
	}
	return 0;
}

/* Global options come before the verb; everything after is the request. */
static int parse_opts(int argc, char **argv, struct opts *o, struct err *e)
{
	int i, taken;

	o->sock = getenv("SKIFF_HOST"); /* Docker's DOCKER_HOST */
	if (!o->sock || !*o->sock)
		o->sock = getenv("SKIFF_SOCK");
	if (!o->sock || !*o->sock)
		o->sock = DEFAULT_SOCK;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
			o->version = true;
		} else if (!strcmp(a, "--sock") || !strcmp(a, "-H") ||
			   !strcmp(a, "--host")) {
			if (++i == argc)
				return err_setc(e, ERR_INVALID,
						"option %s needs a socket path",
						a);
			o->sock = argv[i];
		} else if (!strncmp(a, "--sock=", 7)) {
			o->sock = a + 7;
		} else if (!strncmp(a, "--host=", 7)) {
			o->sock = a + 7;
		} else if (!strcmp(a, "--tlsverify")) {
			/* the only way tcp:// is spoken, unless insecure */
		} else if (!strcmp(a, "--tcp-insecure")) {
			o->tcp_insecure = true;
		} else if ((taken = tls_opt(argc, argv, &i, o, e)) != 0) {
			if (taken < 0)
				return -1;
		} else {
			return err_setc(e, ERR_INVALID,
					"unknown option %s (skiff's own options "
					"go before the command; see skiff --help)",
					a);
		}
	}
	o->sock = sock_path(o->sock);
	if (o->version)
		return set_words(o, "version", 0, NULL);
	o->help = o->help || i == argc;
	return set_words(o, o->help ? "help" : NULL, argc - i, argv + i);
}


/* ---- flags among the words ---- */

/* Does argv[i] name the long flag `name` ("--name" or "--name=V")?
 * *val = the value after "=", or NULL. */
static bool names_flag(const char *w, const char *name, const char **val)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || strncmp(w, "--", 2) || strncmp(w + 2, name, n) ||
	    (w[2 + n] && w[2 + n] != '='))
		return false;
	*val = w[2 + n] ? w + 3 + n : NULL;
	return true;
}

/* Insert n words at argv[at]. */
static void insert_words(struct opts *o, int at, const char *const *w, int n)
{
	o->argv = xrealloc(o->argv, 1, ((size_t)o->argc + (size_t)n + 1) *
				       sizeof(*o->argv));
	memmove(o->argv + at + n, o->argv + at,
		((size_t)o->argc - (size_t)at + 1) * sizeof(*o->argv));
	for (int k = 0; k < n; k++)
		o->argv[at + k] = (char *)w[k];
	o->argc += n;
}

/* Drop n words at argv[at]. */
static void drop_words(struct opts *o, int at, int n)
{
	memmove(o->argv + at, o->argv + at + n,
		((size_t)o->argc - (size_t)at - (size_t)n + 1) *
			sizeof(*o->argv));
	o->argc -= n;
}

/* A flag's word as the client sends it: "-x" when it has a short name,
 * else "--name". The words live in o (a request has few flags to add). */
static const char *flag_word(struct opts *o, const char *name)
{
	const struct flag *f = cmdspec_flag(o->spec, name);
	char w[sizeof(o->flagw[0])];
	int k;

	if (f && f->shortname)
		snprintf(w, sizeof(w), "-%c", f->shortname);
	else
		snprintf(w, sizeof(w), "--%s", name);
	for (k = 0; k < o->nflagw && strcmp(o->flagw[k], w); k++)
		;
	if (k == o->nflagw) {
		if (k == (int)ARRAY_SIZE(o->flagw))
			abort(); /* a table with more such hints grows flagw */
		memcpy(o->flagw[o->nflagw++], w, sizeof(w));
	}
	return o->flagw[k];
}

/* How many words argv[i] spans: a client-side flag (env_file_flag when
 * the verb has no such flag of its own) takes a value too. */
static int word_span(const struct opts *o, int i, const struct flag **f)
{
	const char *val;

	if (names_flag(o->argv[i], o->spec->cli.env_file_flag, &val) &&
	    !cmdspec_flag(o->spec, o->spec->cli.env_file_flag)) {
		*f = NULL;
		return val || i + 1 >= o->argc ? 1 : 2;
	}
	return cmdspec_flag_span(o->spec, o->argc, o->argv, i, f);
}

/* The end of the flags after the verb: the first positional or "--". */
static int flags_end(const struct opts *o)
{
	const struct flag *f;
	int i = o->used;

	while (i < o->argc) {
		const char *a = o->argv[i];
		if (a[0] != '-' || !a[1] || !strcmp(a, "--"))
			break;
		i += word_span(o, i, &f);
	}
	return i;
}

/* ---- env files ---- */

static const char *env_lookup(const char *name, void *ctx)
{
	return getenv(name);
}

/* Read FILE (ours to read: the client's rights, as docker does) and
 * append its variables to o->env. */
static int read_env_file(struct opts *o, const char *flag, const char *path,
			 struct err *e)
{
	_cleanup_buf_ struct buf b = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 1;

	if (fd < 0)
		return err_set(e, errno, "--%s %s", flag, path);
	while (n > 0 && buf_used(&b) <= ENVFILE_MAX) {
		n = read(fd, buf_reserve(&b, 65536), 65536);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			b.len += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return err_set(e, errno, "--%s %s", flag, path);
	return envfile_parse(path, buf_head(&b), buf_used(&b), env_lookup,
			     NULL, &o->env, e);
}


/* --env-file FILE among the flags: every file is read here, and all
 * their variables go as -e K=V words (the env flag's) in place of the
 * first --env-file; the others are dropped. */
static int expand_env_files(struct opts *o, struct err *e)
{
	const char *name = o->spec->cli.env_file_flag, *val;
	int end = flags_end(o);
	const struct flag *f;
	bool placed = false;

	if (!name)
		return 0;
	for (int i = o->used; i < end; i += word_span(o, i, &f)) {
		if (!names_flag(o->argv[i], name, &val))
			continue;
		if (!val && i + 1 == o->argc)
			return err_setc(e, ERR_INVALID, "--%s needs a FILE",
					name);
		if (read_env_file(o, name, val ? val : o->argv[i + 1], e) < 0)
			return -1;
	}
	if (!o->env.n)
		return 0;
	for (int i = o->used; i < end;) {
		int n;
		if (!names_flag(o->argv[i], name, &val)) {
			i += word_span(o, i, &f);
			continue;
		}
		n = val ? 1 : 2;
		drop_words(o, i, n);
		end -= n;
		for (size_t k = 0; !placed && k < o->env.n; k++) {
			const char *kv[2] = { flag_word(o, o->spec->cli.env_flag),
					      o->env.v[k] };
			insert_words(o, i, kv, 2);
			i += 2;
			end += 2;
		}
		placed = true;
	}
	return 0;
}

/* -e NAME (no "="): the client's value of NAME goes as NAME=VALUE, and
 * the variable is left out when the client has none, as docker does.
 * The new words are kept in o->env. */
static int expand_bare_env(struct opts *o)
{
	const char *name = o->spec->cli.env_flag;
	const struct flag *f;
	int end = flags_end(o);

	if (!name)
		return 0;
	for (int i = o->used; i < end;) {
		int n = word_span(o, i, &f), v = i + n - 1;
		const char *val, *word = o->argv[v];
		char *kv;
		if (!f || strcmp(f->name, name) || n != 2 || strchr(word, '=')) {
			i += n;
			continue;
		}
		if (!(val = getenv(word))) {
			drop_words(o, i, n);
			end -= n;
			continue;
		}
		kv = xasprintf("%s=%s", word, val);
		o->env.v = xrealloc(o->env.v, o->env.n + 1, sizeof(*o->env.v));
		o->env.v[o->env.n++] = kv;
		o->argv[v] = kv;
		i += n;
	}
	return 0;
}

/* ---- secrets ---- */

/* Read one line from the terminal on fd 0 into out (LF dropped), with
 * echo off when secret. */
static int tty_line(const struct opts *o, const char *prompt, bool secret,
		    char *out, size_t n, struct err *e)
{
	struct termios t, saved;
	size_t k = 0;
	ssize_t r;
	char ch;

	fputs(prompt, stderr);
	fflush(stderr);
	if (secret && tcgetattr(0, &saved) == 0) {
		t = saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &t);
	}
	while ((r = read(0, &ch, 1)) == 1 && ch != '\n' && ch != '\r')
		if (k < n - 1)
			out[k++] = ch;
	out[k] = '\0';
	if (secret) {
		tcsetattr(0, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (r < 0 || (r == 0 && !k))
		return err_setc(e, ERR_INVALID, "%s: no answer on the terminal",
				o->spec->name);
	return 0;
}


/* No secret given and a terminal on stdin: ask, as docker does
 * (Username: when the user is missing too; Password: without echo). The
 * answers go in as -u/-p words after the verb. */
static int secret_prompt(struct opts *o, bool have_user, struct err *e)
{
	static char user[1025], pw[SECRET_MAX + 1];
	const struct cmd_client *h = &o->spec->cli;
	const char *w[4];
	int n = 0;

	if (!have_user && h->user_flag &&
	    tty_line(o, "Username: ", false, user, sizeof(user), e) < 0)
		return -1;
	if (tty_line(o, "Password: ", true, pw, sizeof(pw), e) < 0)
		return -1;
	if (!have_user && h->user_flag) {
		w[n++] = flag_word(o, h->user_flag);
		w[n++] = user;
	}
	w[n++] = flag_word(o, h->secret_flag);
	w[n++] = pw;
	insert_words(o, o->used, w, n);
	return 0;
}

/* Read the secret from our stdin (so it never shows in ps); like docker,
 * the trailing newline is dropped. The buffer stays until exit (o->argv
 * points into it). */
static const char *secret_stdin(const struct opts *o, struct err *e)
{
	static char pw[SECRET_MAX + 1];
	const char *verb = o->spec->name;
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(pw) - 1 &&
	       (r = read(0, pw + n, sizeof(pw) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, errno, "%s: reading the password from stdin",
				verb);
			return NULL;
		}
		n += (size_t)r;
	}
	if (n == sizeof(pw) - 1) {
		err_setc(e, ERR_INVALID, "%s: the password on stdin is over 4 KiB",
			 verb);
		return NULL;
	}
	while (n && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		n--;
	pw[n] = '\0';
	if (!n) {
		err_setc(e, ERR_INVALID, "%s: no password on stdin", verb);
		return NULL;
	}
	return pw;
}

/* A verb with a secret flag (login): --password-stdin is read here and
 * goes as -p PASSWORD inside the request line; with neither on a
 * terminal, the client asks. */
static int fill_secret(struct opts *o, struct err *e)
{
	const struct cmd_client *h = &o->spec->cli;
	const struct flag *f;
	const char *val, *pw;
	int at = -1, end = flags_end(o);
	bool given = false, user = false;

	if (!h->secret_flag)
		return 0;
	for (int i = o->used; i < end;) {
		if (h->secret_stdin_flag &&
		    names_flag(o->argv[i], h->secret_stdin_flag, &val))
			at = i;
		i += cmdspec_flag_span(o->spec, o->argc, o->argv, i, &f);
		given = given || (f && !strcmp(f->name, h->secret_flag));
		user = user || (f && h->user_flag &&
				 !strcmp(f->name, h->user_flag));
	}
	if (at >= 0 && given)
		return err_setc(e, ERR_INVALID,
				"%s: --%s and --%s are mutually exclusive",
				o->spec->name, h->secret_flag,
				h->secret_stdin_flag);
	if (at < 0 && !given && isatty(0))
		return secret_prompt(o, user, e);
	if (at < 0)
		return 0;
	if (!(pw = secret_stdin(o, e)))
		return -1;
	drop_words(o, at, 1);
	insert_words(o, at, (const char *[]){ flag_word(o, h->secret_flag), pw }, 2);
	return 0;
}

/* ---- the verb ---- */

/* Parse the final words as skiffd will (on a copy: the parse compacts). */
static void parse_words(struct opts *o)
{
	o->pwords = xcalloc((size_t)o->argc + 1, sizeof(*o->pwords));
	memcpy(o->pwords, o->argv, (size_t)o->argc * sizeof(*o->pwords));
	err_clear(&o->perr);
	o->parsed = cmdspec_parse(o->spec, o->used, o->argc, o->pwords,
				  &o->call, &o->perr) == 0;
}

/* Do words [from, to) of argv make whole flags of verb c? */
static bool flags_of(const struct cmdspec *c, int argc, char **argv, int from,
		     int to)
{
	const struct flag *f;

	for (int i = from; i < to;) {
		if (argv[i][0] != '-' || !argv[i][1])
			return false;
		i += cmdspec_flag_span(c, argc, argv, i, &f);
		if (!f || i > to)
			return false;
	}
	return true;
}

/* A two-word verb's flags may come between its words, as docker's
 * `compose -f a.yml up` has them: GROUP FLAGS... SUB is made GROUP SUB
 * FLAGS... when FLAGS are the verb's own. */
static void group_flags_first(struct opts *o)
{
	char two[128];

	if (o->argc < 3 || o->argv[1][0] != '-')
		return;
	for (int j = 2; j < o->argc; j++) {
		const struct cmdspec *c;
		int used;
		if (o->argv[j][0] == '-' ||
		    snprintf(two, sizeof(two), "%s %s", o->argv[0],
			     o->argv[j]) >= (int)sizeof(two))
			continue;
		char *pair[2] = { o->argv[0], o->argv[j] };
		c = cmdspec_lookup(cmd_table, cmd_table_len, 2, pair, &used,
				   NULL);
		if (!c || used != 2 || !flags_of(c, o->argc, o->argv, 1, j))
			continue;
		char *sub = o->argv[j];
		memmove(o->argv + 2, o->argv + 1,
			(size_t)(j - 1) * sizeof(*o->argv));
		o->argv[1] = sub;
		return;
	}
}

int words_from_argv(int argc, char **argv, struct opts *o, struct err *e)
{
	if (parse_opts(argc, argv, o, e) < 0)
		return -1;
	group_flags_first(o);
	o->spec = cmdspec_lookup(cmd_table, cmd_table_len, o->argc, o->argv,
				 &o->used, NULL);
	if (!o->spec)
		return 0; /* skiffd says what is wrong */
	o->how = o->spec->cli.how;
	if (expand_env_files(o, e) < 0 || expand_bare_env(o) < 0 ||
	    fill_secret(o, e) < 0)
		return -1;
	parse_words(o);
	return 0;
}

/* Streams until done or `cancel`: CMD_STREAMS, unless a flag says
 * otherwise (logs without -f, stats --no-stream). */
bool words_streams(const struct opts *o)
{
	const struct cmd_client *h;

	if (!o->spec || !(o->spec->cmd_flags & CMD_STREAMS))
		return false;
	h = &o->spec->cli;
	if (h->stream_if)
		return o->parsed && cmdspec_bool(&o->call, h->stream_if);
	if (h->stream_unless)
		return !(o->parsed && cmdspec_bool(&o->call, h->stream_unless));
	return true;
}

void words_free(struct opts *o)
{
	if (o->parsed)
		cmdspec_call_free(&o->call);
	free(o->pwords);
	free(o->argv);
	envfile_free(&o->env);
}
