/* skiff.c - the skiff CLI: a thin front for skiffd's control socket.
 *
 * It quotes its own argv into one request line (proto/line.c), writes it
 * to the daemon's UNIX socket and renders the reply: NDJSON data lines,
 * then `ok` or `err CODE message` (DESIGN.md section 3). Grammar, help and
 * error messages all come from the daemon's command table; the CLI only
 * knows which verbs stream (stream_verbs below) and how to lay out JSON.
 *
 * Owns: the socket fd; a signalfd for SIGINT while a reply streams (SIGINT
 * is blocked then, and becomes a `cancel` line); the input buffer, holding
 * at most one reply line of up to REPLY_LINE_MAX bytes plus a read chunk;
 * the parsed objects of a non-streaming reply, kept until its status line;
 * one compact yajl generator for re-serialising nested values; fds skiffd
 * passed (SCM_RIGHTS) and, for run -i/-t, exec -i/-t and attach, the
 * relay: our stdin goes to the container's pty master or stdin pipe
 * (DESIGN.md section 3), output still comes as data lines; with a pty
 * our terminal is raw meanwhile, its size follows ours (SIGWINCH), and
 * the detach keys (ctrl-p ctrl-q) end the attachment, not the container.
 * Exit status: 0 on `ok`, 1 on `err`, 125 when skiffd cannot be reached or
 * breaks the protocol (docker's convention). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "../core/base/buf.h"
#include "../core/base/cleanup.h"
#include "../core/base/err.h"
#include "../proto/cppath.h"
#include "../proto/envfile.h"
#include "../proto/fdpass.h"
#include "../proto/line.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1.0-dev"
#endif

#define DEFAULT_SOCK "/run/skiff/skiff.sock"
/* The CLI's own usage; the commands' help comes from skiffd. */
#define USAGE                                                             \
	"usage: skiff [--sock PATH | -H PATH] [--json] COMMAND [ARG...]\n" \
	"       skiff --version | --help [COMMAND]\n"                       \
	"The socket is --sock, else $SKIFF_SOCK, else " DEFAULT_SOCK ".\n"
#define REPLY_LINE_MAX (16u * 1024 * 1024) /* longest reply line we take */
#define READ_CHUNK (64 * 1024)
#define MAX_DEPTH 64 /* nesting laid out; deeper values are cut off */
#define JSON_DEPTH_MAX 1000 /* nesting accepted in a reply line */
#define COL_GAP 3    /* spaces between table columns, as docker */

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_DAEMON = 125, EXIT_INT = 130 };
#define MORE (-2) /* a reply line was handled; read on */

/* Verbs whose replies stream until done or `cancel`. This list must match
 * the CMD_STREAMS flags in skiffd's command table (core/cmd.h): a verb that
 * streams only with a flag names it in `with` (and its short letter), one
 * that streams unless a flag is given names it in `without`. */
static const struct stream_verb {
	const char *verb;
	const char *with;
	char with_short;
	const char *without;
	char without_short;
} stream_verbs[] = {
	{ "events", NULL, 0, NULL, 0 },
	{ "wait", NULL, 0, NULL, 0 },
	{ "attach", NULL, 0, NULL, 0 },
	{ "pull", NULL, 0, NULL, 0 },
	{ "push", NULL, 0, NULL, 0 },
	{ "stats", NULL, 0, "no-stream", 0 },
	{ "logs", "follow", 'f', NULL, 0 },
	/* run and exec stream unless -d, but the command after the image or
	 * container may hold "-d" too: treat them as streams always (with
	 * -d the one id line reads the same either way). */
	{ "run", NULL, 0, NULL, 0 },
	{ "exec", NULL, 0, NULL, 0 },
};

/* Object nouns that may come before a verb, as in docker's `container
 * logs` or `image inspect`: the verb is then the second word. */
static const char *const groups[] = {
	"container", "image", "network", "volume", "service",
	"node",	     "secret", "stack",	 "system",
};

struct opts {
	const char *sock;
	bool json;    /* print data lines as received */
	bool version; /* print the client version first */
	bool help;    /* the request is `help`: say our usage if it fails */
	int argc;     /* the request's words */
	char **argv;  /* allocated array of pointers into main's argv */
	int verb;     /* index of the verb in argv (after a group noun) */
	struct envfile env; /* --env-file variables, owned (argv points in) */
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

static void buf_freep(struct buf *b)
{
	buf_free(b);
}
#define _cleanup_buf_ _cleanup_(buf_freep)

/* ---- options ---- */

/* The request's words: argv after our options, behind an optional verb
 * of our own (help, version). */
static int set_words(struct opts *o, const char *verb, int argc, char **argv)
{
	int n = 0;

	o->argv = calloc((size_t)argc + 2, sizeof(*o->argv));
	if (!o->argv)
		abort();
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

/* Global options come before the verb; everything after is the request. */
static int parse_opts(int argc, char **argv, struct opts *o, struct err *e)
{
	int i;

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
		} else if (!strcmp(a, "--sock") || !strcmp(a, "-H")) {
			if (++i == argc)
				return err_setc(e, ERR_INVALID,
						"option %s needs a socket path",
						a);
			o->sock = argv[i];
		} else if (!strncmp(a, "--sock=", 7)) {
			o->sock = a + 7;
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

static void find_verb(struct opts *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups) && o->argc > 1; i++)
		if (!strcmp(o->argv[0], groups[i]))
			o->verb = 1;
}

/* Is --name (or -c in a cluster of short flags) given after the verb? The
 * last of --name, --name=true, --name=false wins. */
static bool flag_given(const struct opts *o, const char *name, char c)
{
	size_t n = strlen(name);
	bool on = false;

	for (int i = o->verb + 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-')
			continue;
		if (a[1] != '-') {
			if (c && strchr(a + 1, c))
				on = true;
			continue;
		}
		if (strncmp(a + 2, name, n))
			continue;
		if (!a[2 + n])
			on = true;
		else if (a[2 + n] == '=')
			on = strcmp(a + 3 + n, "false") && strcmp(a + 3 + n, "0");
	}
	return on;
}

static bool streams(const struct opts *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(stream_verbs); i++) {
		const struct stream_verb *s = &stream_verbs[i];
		if (strcmp(o->argv[o->verb], s->verb))
			continue;
		if (s->with)
			return flag_given(o, s->with, s->with_short);
		if (s->without)
			return !flag_given(o, s->without, s->without_short);
		return true;
	}
	return false;
}

static bool is_verb(const struct opts *o, const char *verb)
{
	return !strcmp(o->argv[o->verb], verb);
}

/* ---- --env-file ---- */

/* Flags of run, create and exec that take no value; every other flag
 * takes one (as --flag=V or as the next word). Used only to find where
 * the flags end, so --env-file in the container's command is left be. */
static bool bool_flag(const char *name, size_t n)
{
	static const char *const names[] = {
		"detach", "rm", "privileged", "read-only", "init",
		"interactive", "tty", "no-healthcheck", "help",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && !strncmp(names[i], name, n))
			return true;
	return false;
}

static const char *env_lookup(const char *name, void *ctx)
{
	return getenv(name);
}

/* Read FILE (ours to read: the client's rights, as docker does) and
 * append its variables to o->env. */
static int read_env_file(struct opts *o, const char *path, struct err *e)
{
	_cleanup_buf_ struct buf b = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 1;

	if (fd < 0)
		return err_set(e, errno, "--env-file %s", path);
	while (n > 0 && buf_used(&b) <= ENVFILE_MAX) {
		n = read(fd, buf_reserve(&b, 65536), 65536);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			b.len += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return err_set(e, errno, "--env-file %s", path);
	return envfile_parse(path, buf_head(&b), buf_used(&b), env_lookup,
			     NULL, &o->env, e);
}

/* How many words the flag at argv[i] spans (1 or 2). */
static int flag_words(char **argv, int i, int argc)
{
	const char *a = argv[i];

	if (i + 1 >= argc)
		return 1;
	if (a[1] == '-')
		return strchr(a, '=') || bool_flag(a + 2, strlen(a + 2)) ? 1
									 : 2;
	for (const char *p = a + 1; *p; p++)
		if (!strchr("dit", *p))
			return p[1] ? 1 : 2; /* the value is the rest or next */
	return 1;
}

/* run, create and exec: replace each --env-file FILE among the flags by
 * -e K=V words read here, on the client's side. */
static int expand_env_files(struct opts *o, struct err *e)
{
	const char *v = o->argv[o->verb];
	char **nv;
	int n = 0, i;
	size_t first;

	if (strcmp(v, "run") && strcmp(v, "create") && strcmp(v, "exec"))
		return 0;
	for (i = o->verb + 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		if (a[0] != '-' || !a[1] || !strcmp(a, "--"))
			break;
		if (!strcmp(a, "--env-file") && i + 1 == o->argc)
			return err_setc(e, ERR_INVALID,
					"--env-file needs a FILE");
		if (!strcmp(a, "--env-file") || !strncmp(a, "--env-file=", 11)) {
			if (read_env_file(o, a[10] ? a + 11 : o->argv[i + 1],
					  e) < 0)
				return -1;
			i += !a[10];
			continue;
		}
		i += flag_words(o->argv, i, o->argc) - 1;
	}
	if (!o->env.n)
		return 0;
	/* rebuild: the words with --env-file dropped, -e K=V in their place */
	nv = calloc((size_t)o->argc + 2 * o->env.n + 1, sizeof(*nv));
	if (!nv)
		abort();
	first = 0;
	for (int j = 0; j < o->argc; j++) {
		const char *a = o->argv[j];
		if (j > o->verb && j < i && (!strcmp(a, "--env-file") ||
					     !strncmp(a, "--env-file=", 11))) {
			j += !a[10];
			for (; first < o->env.n; first++) {
				nv[n++] = "-e";
				nv[n++] = o->env.v[first];
			}
			continue;
		}
		if (j > o->verb && j < i && a[0] == '-')
			for (int k = flag_words(o->argv, j, o->argc); k > 1; k--)
				nv[n++] = o->argv[j++];
		nv[n++] = o->argv[j];
	}
	free(o->argv);
	o->argv = nv;
	o->argc = n;
	return 0;
}

/* ---- save, load, import, export ---- */

/* The value of -X/--long among the words after the verb ("-o F", "-oF",
 * "--output F", "--output=F"), or NULL. */
static const char *flag_value(const struct opts *o, char shortname,
			      const char *name)
{
	size_t n = strlen(name);

	for (int i = o->verb + 1; i < o->argc; i++) {
		const char *w = o->argv[i];
		if (!strcmp(w, "--"))
			break;
		if (w[0] == '-' && w[1] == shortname && shortname)
			return w[2] ? w + 2 : i + 1 < o->argc ? o->argv[i + 1]
							      : NULL;
		if (!strncmp(w, "--", 2) && !strncmp(w + 2, name, n)) {
			if (w[2 + n] == '=')
				return w + 3 + n;
			if (!w[2 + n])
				return i + 1 < o->argc ? o->argv[i + 1] : NULL;
		}
	}
	return NULL;
}

/* import's FILE: the first word that is no flag (-m takes a value). */
static const char *import_file(const struct opts *o)
{
	for (int i = o->verb + 1; i < o->argc; i++) {
		const char *w = o->argv[i];
		if (!strcmp(w, "-m") || !strcmp(w, "--message"))
			i++;
		else if (!strcmp(w, "-") || w[0] != '-')
			return w;
	}
	return NULL;
}

/* The file an archive verb reads or writes, opened here with the
 * client's rights and passed to skiffd: save/export write -o FILE or
 * stdout, load reads -i FILE or stdin, import reads FILE or stdin ("-").
 * Returns the fd (ours to close unless 0 or 1), -1 with e set, or -2
 * when the verb is none of these. */
static int archive_fd(const struct opts *o, struct err *e)
{
	bool out = is_verb(o, "save") || is_verb(o, "export");
	const char *path;
	int fd;

	if (o->help)
		return -2;
	if (out)
		path = flag_value(o, 'o', "output");
	else if (is_verb(o, "load"))
		path = flag_value(o, 'i', "input");
	else if (is_verb(o, "import"))
		path = import_file(o);
	else
		return -2;
	if (path && !strcmp(path, "-") && is_verb(o, "import"))
		path = NULL;
	if (!path) {
		if (out && isatty(STDOUT_FILENO))
			return err_setc(e, ERR_INVALID,
					"cowardly refusing to save to a "
					"terminal. Use the -o flag or "
					"redirect");
		return out ? STDOUT_FILENO : STDIN_FILENO;
	}
	fd = out ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)
		 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "%s", path);
	return fd;
}

/* ---- login ---- */

/* Read one line from the terminal on fd 0 into out (LF dropped), with
 * echo off when secret. */
static int tty_line(const char *prompt, bool secret, char *out, size_t n,
		    struct err *e)
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
		return err_setc(e, ERR_INVALID, "login: no answer on the terminal");
	return 0;
}

/* `login` with no password and a terminal on stdin: ask, as docker does
 * (Username: when -u is missing too; Password: without echo). The
 * answers go in as -u/-p words after the verb. */
static int login_prompt(struct opts *o, bool have_user, struct err *e)
{
	static char user[1025], pw[4097];
	int at = o->verb + 1, add = have_user ? 2 : 4;

	if (!have_user && tty_line("Username: ", false, user, sizeof(user), e) < 0)
		return -1;
	if (tty_line("Password: ", true, pw, sizeof(pw), e) < 0)
		return -1;
	o->argv = realloc(o->argv, ((size_t)o->argc + (size_t)add + 1) *
				       sizeof(*o->argv));
	if (!o->argv)
		abort();
	memmove(o->argv + at + add, o->argv + at,
		((size_t)o->argc - (size_t)at + 1) * sizeof(*o->argv));
	if (!have_user) {
		o->argv[at++] = "-u";
		o->argv[at++] = user;
	}
	o->argv[at++] = "-p";
	o->argv[at] = pw;
	o->argc += add;
	return 0;
}

/* `login --password-stdin`: read the password here, from our stdin (so
 * it never shows in ps), and send it to skiffd as `-p PASSWORD` inside
 * the request line. Like docker, the trailing newline is dropped. The
 * buffer stays allocated until exit (o->argv points into it). */
static int login_stdin(struct opts *o, struct err *e)
{
	static char pw[4097];
	size_t n = 0;
	ssize_t r;
	int at = -1;
	bool given = false, user = false;

	if (strcmp(o->argv[o->verb], "login"))
		return 0;
	for (int i = o->verb + 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		if (a[0] != '-' || !strcmp(a, "--"))
			break; /* SERVER */
		if (!strcmp(a, "--password-stdin"))
			at = i;
		else if (!strcmp(a, "-p") || !strcmp(a, "--password") ||
			 !strncmp(a, "--password=", 11))
			given = true;
		else if (!strcmp(a, "-u") || !strncmp(a, "--username", 10))
			user = true;
		if (!strcmp(a, "-p") || !strcmp(a, "--password") ||
		    !strcmp(a, "-u") || !strcmp(a, "--username"))
			i++; /* its value */
	}
	if (at >= 0 && given)
		return err_setc(e, ERR_INVALID,
				"login: --password and --password-stdin are "
				"mutually exclusive");
	if (at < 0 && !given && isatty(0))
		return login_prompt(o, user, e);
	if (at < 0)
		return 0;
	while (n < sizeof(pw) - 1 &&
	       (r = read(0, pw + n, sizeof(pw) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, errno, "login: reading the password "
						 "from stdin");
		n += (size_t)r;
	}
	if (n == sizeof(pw) - 1)
		return err_setc(e, ERR_INVALID,
				"login: the password on stdin is over 4 KiB");
	while (n && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		n--;
	pw[n] = '\0';
	if (!n)
		return err_setc(e, ERR_INVALID,
				"login: no password on stdin");
	o->argv = realloc(o->argv, ((size_t)o->argc + 2) * sizeof(*o->argv));
	if (!o->argv)
		abort();
	memmove(o->argv + at + 2, o->argv + at + 1,
		((size_t)o->argc - (size_t)at) * sizeof(*o->argv));
	o->argv[at] = "-p";
	o->argv[at + 1] = pw;
	o->argc++;
	return 0;
}

/* ---- cp ---- */

/* `cp SRC DEST`: the fd skiffd copies through, opened here with our own
 * rights: stdin (SRC "-") or stdout (DEST "-"), else the directory that
 * holds the host side's entry (proto/cppath.h), as an O_PATH fd: like a
 * path, it needs only search permission to reach. skiffd never looks up
 * our paths. Returns the fd (ours to close unless 0 or 1), -1 with e
 * set, or -2 when the request is not a cp skiffd would take. */
static int cp_fd(const struct opts *o, struct err *e)
{
	struct cppath a = { 0 }, b = { 0 };
	const struct cppath *host;
	int fd = -2;

	if (!is_verb(o, "cp") || o->argc != o->verb + 3)
		return -2; /* skiffd says what is wrong */
	if (cppath_parse(o->argv[o->verb + 1], &a, e) == 0 &&
	    cppath_parse(o->argv[o->verb + 2], &b, e) == 0 &&
	    !a.container != !b.container) {
		host = a.container ? &b : &a;
		if (host->stream)
			fd = host == &a ? 0 : 1;
		else if ((fd = open(host->parent, O_PATH | O_DIRECTORY |
						  O_CLOEXEC)) < 0)
			err_set(e, errno, "cp: %s", host->parent);
	} else if (e->class != ERR_OK) {
		fd = -1;
	}
	cppath_free(&a);
	cppath_free(&b);
	return fd;
}

/* ---- the socket ---- */

static int connect_error(const char *path, int errnum, struct err *e)
{
	if (errnum == EACCES || errnum == EPERM)
		return err_setc(e, ERR_DENIED,
				"cannot connect to skiffd at %s: permission "
				"denied (run as root or a member of the "
				"socket's group)",
				path);
	return err_setc(e, err_class_of_errno(errnum),
			"cannot connect to skiffd at %s: %s%s", path,
			strerror(errnum),
			errnum == ENOENT || errnum == ECONNREFUSED ?
				" (is skiffd running?)" :
				"");
}

static int sock_connect(const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, saved;

	if (!n || n >= sizeof(sa.sun_path))
		return err_setc(e, ERR_INVALID,
				"bad socket path \"%s\" (empty or longer than "
				"%zu bytes)",
				path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	saved = errno;
	close(fd);
	return connect_error(path, saved, e);
}

static int send_all(int fd, const char *p, size_t n, struct err *e)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return err_setc(e, ERR_INTERNAL,
					"skiffd closed the connection");
		if (w < 0)
			return err_set(e, errno, "write to skiffd");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send the request line, with fd attached when fd >= 0. */
static int send_request(int sock, const struct buf *line, int fd,
			struct err *e)
{
	const char *p = buf_head(line);
	size_t n = buf_used(line);
	int sent = 0;

	if (fd >= 0 && (sent = fdpass_send(sock, p, n, &fd, 1, e)) < 0)
		return -1;
	return send_all(sock, p + sent, n - (size_t)sent, e);
}

/* Block SIGINT and take it from a signalfd, so ctrl-c during a stream
 * becomes a `cancel` line rather than killing us mid-reply. */
static int sigint_fd(struct err *e)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGWINCH); /* a relayed pty follows our size */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return err_set(e, errno, "sigprocmask");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return err_set(e, errno, "signalfd");
	return fd;
}

/* ---- values as text ---- */

static yajl_val obj_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

static const char *obj_str(yajl_val obj, const char *key)
{
	return YAJL_GET_STRING(obj_get(obj, key));
}

/* An integer member; false when absent or not an integer. */
static bool obj_int(yajl_val obj, const char *key, int *out)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(obj, path, yajl_t_number);

	if (!v || !YAJL_IS_INTEGER(v))
		return false;
	*out = (int)YAJL_GET_INTEGER(v);
	return true;
}

static bool nested(yajl_val v)
{
	return YAJL_IS_OBJECT(v) || YAJL_IS_ARRAY(v);
}

static void gen_val(yajl_gen g, yajl_val v, int depth)
{
	const char *s;
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		s = v->u.string;
		yajl_gen_string(g, (const unsigned char *)s, strlen(s));
		break;
	case yajl_t_number:
		s = v->u.number.r;
		yajl_gen_number(g, s, strlen(s));
		break;
	case yajl_t_object:
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len && depth < MAX_DEPTH; i++) {
			s = v->u.object.keys[i];
			yajl_gen_string(g, (const unsigned char *)s, strlen(s));
			gen_val(g, v->u.object.values[i], depth + 1);
		}
		yajl_gen_map_close(g);
		break;
	case yajl_t_array:
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len && depth < MAX_DEPTH; i++)
			gen_val(g, v->u.array.values[i], depth + 1);
		yajl_gen_array_close(g);
		break;
	case yajl_t_true:
	case yajl_t_false:
		yajl_gen_bool(g, v->type == yajl_t_true);
		break;
	default:
		yajl_gen_null(g);
	}
}

/* Move what the generator produced into out and ready it for more. */
static void gen_take(struct client *c, struct buf *out)
{
	const unsigned char *p;
	size_t n;

	yajl_gen_get_buf(c->gen, &p, &n);
	buf_append(out, p, n);
	yajl_gen_clear(c->gen);
	yajl_gen_reset(c->gen, NULL);
}

static void json_compact(struct client *c, yajl_val v, struct buf *out)
{
	gen_val(c->gen, v, 0);
	gen_take(c, out);
}

static void json_key(struct client *c, const char *key, struct buf *out)
{
	yajl_gen_string(c->gen, (const unsigned char *)key, strlen(key));
	gen_take(c, out);
}

/* Text of a value: strings raw, numbers as sent, null empty, nested
 * values as compact JSON. */
static void val_text(struct client *c, yajl_val v, struct buf *out)
{
	if (YAJL_IS_STRING(v))
		buf_puts(out, v->u.string);
	else if (YAJL_IS_NUMBER(v))
		buf_puts(out, v->u.number.r);
	else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		buf_puts(out, YAJL_IS_TRUE(v) ? "true" : "false");
	else if (v && !YAJL_IS_NULL(v))
		json_compact(c, v, out);
}

static void indent(struct buf *out, int n, const char *unit)
{
	while (n-- > 0)
		buf_puts(out, unit);
}

/* Pretty JSON as docker inspect prints it: 4-space indent, "k": v, and
 * empty containers as {} and [] (yajl's beautifier breaks those). */
static void json_pretty(struct client *c, yajl_val v, int depth,
			struct buf *out)
{
	bool obj = YAJL_IS_OBJECT(v);
	size_t n = obj ? v->u.object.len : YAJL_IS_ARRAY(v) ? v->u.array.len : 0;

	if (!n || depth >= MAX_DEPTH) {
		json_compact(c, v, out);
		return;
	}
	buf_puts(out, obj ? "{\n" : "[\n");
	for (size_t i = 0; i < n; i++) {
		indent(out, depth + 1, "    ");
		if (obj) {
			json_key(c, v->u.object.keys[i], out);
			buf_puts(out, ": ");
		}
		json_pretty(c, obj ? v->u.object.values[i] : v->u.array.values[i],
			    depth + 1, out);
		buf_puts(out, i + 1 < n ? ",\n" : "\n");
	}
	indent(out, depth, "    ");
	buf_puts(out, obj ? "}" : "]");
}

/* ---- layouts ---- */

static void kv_obj(struct client *c, yajl_val obj, int depth, struct buf *out);

/* After "Key:" or "-": a scalar on the same line, a nested value below. */
static void kv_val(struct client *c, yajl_val v, int depth, struct buf *out)
{
	size_t i;

	if (YAJL_IS_OBJECT(v) && v->u.object.len && depth < MAX_DEPTH) {
		buf_puts(out, "\n");
		kv_obj(c, v, depth + 1, out);
	} else if (YAJL_IS_ARRAY(v) && v->u.array.len && depth < MAX_DEPTH) {
		buf_puts(out, "\n");
		for (i = 0; i < v->u.array.len; i++) {
			indent(out, depth + 1, " ");
			buf_puts(out, "-");
			kv_val(c, v->u.array.values[i], depth + 1, out);
		}
	} else {
		buf_puts(out, " ");
		val_text(c, v, out);
		if (out->data[out->len - 1] == ' ')
			out->len--; /* no trailing blank after "Key:" */
		buf_puts(out, "\n");
	}
}

/* `Key: value` lines (info, version): nested objects one space deeper,
 * arrays as ` - item` lines. */
static void kv_obj(struct client *c, yajl_val obj, int depth, struct buf *out)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		indent(out, depth, " ");
		buf_puts(out, obj->u.object.keys[i]);
		buf_puts(out, ":");
		kv_val(c, obj->u.object.values[i], depth, out);
	}
}

/* Terminal columns of UTF-8 text, counting one per code point. */
static size_t text_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

static void pad(struct buf *out, size_t n)
{
	while (n--)
		buf_append(out, " ", 1);
}

/* Append one table cell to out; returns its width. */
static size_t cell(struct client *c, yajl_val obj, const char *key,
		   struct buf *out)
{
	size_t start = out->len;

	val_text(c, obj_get(obj, key), out);
	return text_width(out->data + start, out->len - start);
}

static void header(yajl_val first, const size_t *width, struct buf *out)
{
	size_t ncol = first->u.object.len;

	for (size_t k = 0; k < ncol; k++) {
		const char *key = first->u.object.keys[k];
		for (const char *p = key; *p; p++) {
			char ch = *p == '_' ? ' ' : *p;
			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			buf_append(out, &ch, 1);
		}
		if (k + 1 < ncol)
			pad(out, width[k] - text_width(key, strlen(key)) +
					 COL_GAP);
	}
	buf_puts(out, "\n");
}

/* A docker-style table: the first object's keys are the columns, cells
 * left aligned, COL_GAP spaces between columns. Cells are laid out twice
 * (measure, then print) rather than kept. */
static void table(struct client *c, struct buf *out)
{
	yajl_val first = c->objs[0];
	size_t ncol = first->u.object.len, w;
	_cleanup_free_ size_t *width = calloc(ncol + 1, sizeof(*width));
	_cleanup_buf_ struct buf scratch = { 0 };

	if (!width)
		abort();
	if (!ncol)
		return;
	for (size_t k = 0; k < ncol; k++) {
		const char *key = first->u.object.keys[k];
		width[k] = text_width(key, strlen(key));
		for (size_t r = 0; r < c->nobjs; r++) {
			buf_reset(&scratch);
			w = cell(c, c->objs[r], key, &scratch);
			width[k] = w > width[k] ? w : width[k];
		}
	}
	header(first, width, out);
	for (size_t r = 0; r < c->nobjs; r++) {
		for (size_t k = 0; k < ncol; k++) {
			w = cell(c, c->objs[r], first->u.object.keys[k], out);
			if (k + 1 < ncol)
				pad(out, width[k] - w + COL_GAP);
		}
		buf_puts(out, "\n");
	}
}

/* Seconds, ms, µs or ns since the epoch, told apart by magnitude. */
static bool epoch_ns(const char *num, long long *sec, long *nsec)
{
	char *end;
	long long n, scale = 1;

	if (strpbrk(num, ".eE")) {
		double d = strtod(num, &end);
		if (*end || d < 0 || d > 1e11)
			return false;
		*sec = (long long)d;
		*nsec = (long)((d - (double)*sec) * 1e9);
		return true;
	}
	errno = 0;
	n = strtoll(num, &end, 10);
	if (*end || errno || n < 0)
		return false;
	if (n >= 100000000000000000LL)
		scale = 1000000000;
	else if (n >= 100000000000000LL)
		scale = 1000000;
	else if (n >= 100000000000LL)
		scale = 1000;
	*sec = n / scale;
	*nsec = (long)(n % scale * (1000000000 / scale));
	return true;
}

/* Local RFC 3339 time with nanoseconds, as `docker events` prints. */
static void event_time(yajl_val v, struct buf *out)
{
	char date[64], zone[16];
	long long sec;
	long nsec;
	struct tm tm;
	time_t t;

	if (!YAJL_IS_NUMBER(v) || !epoch_ns(v->u.number.r, &sec, &nsec)) {
		if (YAJL_IS_STRING(v) || YAJL_IS_NUMBER(v))
			buf_puts(out, YAJL_IS_STRING(v) ? v->u.string :
							  v->u.number.r);
		return;
	}
	t = (time_t)sec;
	if (!localtime_r(&t, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		buf_puts(out, v->u.number.r);
		return;
	}
	buf_printf(out, "%s.%09ld%.3s:%s", date, nsec, zone, zone + 3);
}

/* `TIME TYPE ACTION ID (k=v, k=v)` */
static void event_line(struct client *c, yajl_val ev, struct buf *out)
{
	static const char *const words[] = { "type", "action", "id" };
	yajl_val t = obj_get(ev, "timeNano"), attrs = obj_get(ev, "attributes");

	event_time(t ? t : obj_get(ev, "time"), out);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		const char *s = obj_str(ev, words[i]);
		if (s)
			buf_printf(out, " %s", s);
	}
	if (YAJL_IS_OBJECT(attrs) && attrs->u.object.len) {
		buf_puts(out, " (");
		for (size_t i = 0; i < attrs->u.object.len; i++) {
			buf_printf(out, "%s%s=", i ? ", " : "",
				   attrs->u.object.keys[i]);
			val_text(c, attrs->u.object.values[i], out);
		}
		buf_puts(out, ")");
	} else if (attrs && !YAJL_IS_NULL(attrs)) {
		buf_puts(out, " ");
		val_text(c, attrs, out);
	}
	buf_puts(out, "\n");
}

/* `key=value key=value` for streamed objects other than events; an
 * object of one key is just its value (`wait` prints the exit code). */
static void pairs_line(struct client *c, yajl_val obj, struct buf *out)
{
	if (obj->u.object.len == 1) {
		val_text(c, obj->u.object.values[0], out);
		buf_puts(out, "\n");
		return;
	}
	for (size_t i = 0; i < obj->u.object.len; i++) {
		buf_printf(out, "%s%s=", i ? " " : "", obj->u.object.keys[i]);
		val_text(c, obj->u.object.values[i], out);
	}
	buf_puts(out, "\n");
}

/* A pull's progress, as docker draws it: "ID: STATUS" lines; on a
 * terminal a layer's download is one line redrawn in place. */
static bool progress_line(struct client *c, yajl_val obj, struct buf *out)
{
	const char *status = obj_str(obj, "status"), *id = obj_str(obj, "id");
	yajl_val cur = obj_get(obj, "current"), tot = obj_get(obj, "total");
	static bool tty = false, known = false;

	if (!status || !(is_verb(c->o, "pull") || is_verb(c->o, "push")))
		return false;
	if (!known) {
		tty = isatty(STDOUT_FILENO);
		known = true;
	}
	if (!strcmp(status, "Downloading")) {
		if (tty && YAJL_IS_NUMBER(cur) && YAJL_IS_NUMBER(tot))
			buf_printf(out, "\r\033[K%s: Downloading %.1f/%.1f MB", id,
				   YAJL_GET_DOUBLE(cur) / 1e6,
				   YAJL_GET_DOUBLE(tot) / 1e6);
		return true;
	}
	buf_printf(out, "%s%s%s%s\n", tty ? "\r\033[K" : "", id ? id : "",
		   id ? ": " : "", status);
	return true;
}

/* ---- output ---- */

/* Write c->out to f (stdout or stderr). Returns MORE, or an exit status
 * when f is gone (a closed pipe ends us quietly, like any filter). */
static int out_flush(struct client *c, FILE *f)
{
	size_t n = buf_used(&c->out);

	if ((n && fwrite(buf_head(&c->out), 1, n, f) != n) || fflush(f)) {
		if (errno != EPIPE)
			fprintf(stderr, "skiff: write to %s: %s\n",
				f == stdout ? "stdout" : "stderr",
				strerror(errno));
		return EXIT_ERR;
	}
	buf_reset(&c->out);
	return MORE;
}

/* The top-level "log" string of a line with its length: yajl_tree ends
 * strings at a NUL, and a container's output may hold NULs (\u0000). */
struct logscan {
	int depth;
	bool want;
	struct buf *out;
};

static int ls_key(void *ctx, const unsigned char *k, size_t n)
{
	struct logscan *l = ctx;

	l->want = l->depth == 1 && n == 3 && !memcmp(k, "log", 3);
	return 1;
}

static int ls_open(void *ctx)
{
	((struct logscan *)ctx)->depth++;
	((struct logscan *)ctx)->want = false;
	return 1;
}

static int ls_close(void *ctx)
{
	((struct logscan *)ctx)->depth--;
	return 1;
}

static int ls_string(void *ctx, const unsigned char *s, size_t n)
{
	struct logscan *l = ctx;

	if (l->want)
		buf_append(l->out, s, n);
	l->want = false;
	return 1;
}

static int ls_other(void *ctx)
{
	((struct logscan *)ctx)->want = false;
	return 1;
}

static int ls_bool(void *ctx, int b)
{
	return ls_other(ctx);
}

static int ls_number(void *ctx, const char *s, size_t n)
{
	return ls_other(ctx);
}

static void log_bytes(const char *line, struct buf *out)
{
	static const yajl_callbacks cb = {
		.yajl_null = ls_other,
		.yajl_boolean = ls_bool,
		.yajl_number = ls_number,
		.yajl_string = ls_string,
		.yajl_start_map = ls_open,
		.yajl_map_key = ls_key,
		.yajl_end_map = ls_close,
		.yajl_start_array = ls_open,
		.yajl_end_array = ls_close,
	};
	struct logscan l = { .out = out };
	yajl_handle h = yajl_alloc(&cb, NULL, &l);

	if (!h)
		abort();
	yajl_parse(h, (const unsigned char *)line, strlen(line));
	yajl_complete_parse(h);
	yajl_free(h);
}

/* A "log" or "text" string goes out raw at once (logs, help); stream
 * "stderr" log lines go to stderr, as docker logs does. */
static int raw_text(struct client *c, const char *line, yajl_val obj,
		    bool *done)
{
	const char *s = obj_str(obj, "log"), *stream;
	bool to_err;
	size_t n;

	if (!s)
		s = obj_str(obj, "text");
	*done = s != NULL;
	if (!s)
		return MORE;
	stream = obj_str(obj, "stream");
	to_err = stream && !strcmp(stream, "stderr");
	if (to_err && out_flush(c, stdout) != MORE)
		return EXIT_ERR;
	n = strlen(s);
	if (s == obj_str(obj, "log") && strstr(line, "\\u0000")) {
		size_t before = buf_used(&c->out);
		log_bytes(line, &c->out); /* every byte, NULs too */
		n = buf_used(&c->out) - before;
		s = buf_head(&c->out) + before;
	} else {
		buf_append(&c->out, s, n);
	}
	/* A stream's output is raw bytes, cut anywhere; a message is a line. */
	if (!stream && (!n || s[n - 1] != '\n'))
		buf_puts(&c->out, "\n");
	return to_err ? out_flush(c, stderr) : MORE;
}

static void keep_obj(struct client *c, yajl_val obj)
{
	if (c->nobjs == c->capobjs) {
		c->capobjs = c->capobjs ? c->capobjs * 2 : 16;
		c->objs = realloc(c->objs, c->capobjs * sizeof(*c->objs));
		if (!c->objs)
			abort();
	}
	c->objs[c->nobjs++] = obj;
}

/* yajl_tree builds any depth but frees it recursively: refuse lines nested
 * deeper than a reply ever is before they reach it. Brackets in strings
 * do not count. */
static bool depth_ok(const char *s)
{
	bool in_str = false;
	int depth = 0;

	for (; *s; s++) {
		if (in_str && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			in_str = !in_str;
		else if (!in_str && (*s == '{' || *s == '['))
			depth++;
		else if (!in_str && (*s == '}' || *s == ']'))
			depth--;
		if (depth > JSON_DEPTH_MAX)
			return false;
	}
	return true;
}

/* Bytes as docker prints them: 3 significant digits, 1000-based. */
static void human_bytes(const char *num, struct buf *out)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = strtod(num, NULL);
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(unit))
		v /= 1000, u++;
	buf_printf(out, "%.3g%s", v, unit[u]);
}

/* stats: the net_rx and net_tx counters become one "net_i/o" column
 * ("NET I/O": "1.2kB / 648B"), in net_rx's place, as docker shows it.
 * The tree is yajl's: its strings and nodes are malloc'd. */
static void stats_net_column(yajl_val obj)
{
	size_t rx = SIZE_MAX, tx = SIZE_MAX, n = obj->u.object.len;
	struct buf text = { 0 };
	yajl_val v;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(obj->u.object.keys[i], "net_rx"))
			rx = i;
		else if (!strcmp(obj->u.object.keys[i], "net_tx"))
			tx = i;
	}
	if (rx == SIZE_MAX || tx == SIZE_MAX ||
	    !YAJL_IS_NUMBER(obj->u.object.values[rx]) ||
	    !YAJL_IS_NUMBER(obj->u.object.values[tx]))
		return;
	human_bytes(obj->u.object.values[rx]->u.number.r, &text);
	buf_puts(&text, " / ");
	human_bytes(obj->u.object.values[tx]->u.number.r, &text);
	v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	v->type = yajl_t_string;
	v->u.string = strndup(buf_head(&text), buf_used(&text));
	buf_free(&text);
	free((char *)obj->u.object.keys[rx]);
	obj->u.object.keys[rx] = strdup("net_i/o");
	yajl_tree_free(obj->u.object.values[rx]);
	obj->u.object.values[rx] = v;
	free((char *)obj->u.object.keys[tx]);
	yajl_tree_free(obj->u.object.values[tx]);
	memmove(&obj->u.object.keys[tx], &obj->u.object.keys[tx + 1],
		(n - tx - 1) * sizeof(obj->u.object.keys[0]));
	memmove(&obj->u.object.values[tx], &obj->u.object.values[tx + 1],
		(n - tx - 1) * sizeof(obj->u.object.values[0]));
	obj->u.object.len--;
	if (!v->u.string || !obj->u.object.keys[rx])
		abort();
}

/* {"container":..,"error":..}: one container of a multi-container
 * request failed (stop a b c); say so on stderr at once, as docker does,
 * and let the final `err` line go unsaid. */
static bool item_error(struct client *c, yajl_val obj)
{
	const char *msg = obj_str(obj, "error");

	if (!msg || !obj_str(obj, "container"))
		return false;
	fflush(stdout);
	fprintf(stderr, "skiff: %s\n", msg);
	c->item_errors = true;
	yajl_tree_free(obj);
	return true;
}

/* ---- the relay (run -i/-t, exec -i/-t, attach) ---- */

static void relay_winsize(struct client *c)
{
	struct winsize ws;

	if (c->relay.fd >= 0 && c->relay.tty &&
	    (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	     ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
		ioctl(c->relay.fd, TIOCSWINSZ, &ws);
}

static void relay_restore(struct client *c)
{
	if (c->relay.raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &c->relay.saved);
	c->relay.raw = false;
}

static void relay_stop(struct client *c)
{
	relay_restore(c);
	if (c->relay.fd >= 0)
		close(c->relay.fd);
	c->relay.fd = -1;
	c->relay.input = false;
	buf_free(&c->relay.pend);
}

/* {"fd":"tty"|"stdin","stdin":BOOL,"detach_keys":"..."} came with an fd. */
static int relay_start(struct client *c, yajl_val obj, struct err *e)
{
	const char *kind = obj_str(obj, "fd"), *keys;
	yajl_val in = obj_get(obj, "stdin");
	struct termios raw;
	int fl;

	if (!c->nrfds)
		return err_setc(e, ERR_INTERNAL,
				"skiffd announced an fd it did not pass");
	relay_stop(c);
	c->relay.fd = c->rfds[0];
	memmove(c->rfds, c->rfds + 1, sizeof(int) * (size_t)--c->nrfds);
	c->relay.tty = !strcmp(kind, "tty");
	c->relay.input = YAJL_IS_TRUE(in);
	keys = obj_str(obj, "detach_keys");
	snprintf(c->relay.keys, sizeof(c->relay.keys), "%s",
		 keys && c->relay.tty ? keys : "");
	/* Never wait on the container: its input waits in c->relay.pend. */
	if ((fl = fcntl(c->relay.fd, F_GETFL)) < 0 ||
	    fcntl(c->relay.fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_set(e, errno, "relay: O_NONBLOCK");
	relay_winsize(c);
	if (c->relay.tty && c->relay.input && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &c->relay.saved) == 0) {
		raw = c->relay.saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
			c->relay.raw = true;
	}
	return MORE;
}

/* Our stdin has bytes: queue them for the container, holding back what
 * may be the start of the detach keys; all of them detach. */
static void relay_input(struct client *c)
{
	struct relay *r = &c->relay;
	struct err ignored = ERR_INIT;
	char in[4096];
	size_t klen = strlen(r->keys);
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* EOF: a pipe is closed so the container sees it */
		r->input = false;
		if (!r->tty && !buf_used(&r->pend))
			relay_stop(c);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (klen && in[i] == r->keys[r->matched]) {
			if (++r->matched < klen)
				continue;
			r->detached = true;
			relay_stop(c);
			fputs("read escape sequence\n", stderr);
			c->canceled = true;
			send_all(c->fd, "cancel\n", 7, &ignored);
			return;
		}
		if (r->matched) /* not the keys after all: send what we held */
			buf_append(&r->pend, r->keys, r->matched);
		r->matched = 0;
		if (klen && in[i] == r->keys[0])
			r->matched = 1;
		else
			buf_append(&r->pend, &in[i], 1);
	}
}

/* Write what the container takes now; the rest waits for POLLOUT. */
static void relay_output(struct client *c)
{
	struct relay *r = &c->relay;
	ssize_t n = write(r->fd, buf_head(&r->pend), buf_used(&r->pend));

	if (n > 0)
		buf_consume(&r->pend, (size_t)n);
	else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		relay_stop(c); /* the container's end is gone (EPIPE, EIO) */
		return;
	}
	if (!buf_used(&r->pend) && !r->input && !r->tty)
		relay_stop(c); /* our stdin ended: so does the container's */
}

static int on_data(struct client *c, const char *line, struct err *e)
{
	char why[128] = "nested too deep";
	yajl_val obj = NULL;
	bool done;
	int r;

	if (depth_ok(line))
		obj = yajl_tree_parse(line, why, sizeof(why));
	if (!YAJL_IS_OBJECT(obj)) {
		yajl_tree_free(obj);
		if (obj)
			snprintf(why, sizeof(why), "not a JSON object");
		return err_setc(e, ERR_INTERNAL,
				"skiffd sent a malformed data line: %.*s",
				(int)strcspn(why, "\n"), why);
	}
	if (item_error(c, obj))
		return MORE;
	if (obj_str(obj, "fd")) {
		r = relay_start(c, obj, e);
		yajl_tree_free(obj);
		return r;
	}
	if ((is_verb(c->o, "run") || is_verb(c->o, "exec") ||
	     is_verb(c->o, "attach")) &&
	    obj_int(obj, "exit_code", &c->exit_code)) {
		yajl_tree_free(obj); /* skiff run exits as its container did */
		return MORE;
	}
	if (is_verb(c->o, "stats"))
		stats_net_column(obj);
	r = raw_text(c, line, obj, &done);
	if (!done && !c->streaming) {
		keep_obj(c, obj); /* laid out at the status line */
		return MORE;
	}
	if (!done && c->events)
		event_line(c, obj, &c->out);
	else if (!done && !progress_line(c, obj, &c->out))
		pairs_line(c, obj, &c->out);
	yajl_tree_free(obj);
	return r;
}

/* Lay out the objects of a non-streaming reply, once it has ended. */
static void render_kept(struct client *c)
{
	bool deep = false;

	if (!c->nobjs)
		return;
	if (c->inspect) {
		buf_puts(&c->out, "[\n");
		for (size_t i = 0; i < c->nobjs; i++) {
			indent(&c->out, 1, "    ");
			json_pretty(c, c->objs[i], 1, &c->out);
			buf_puts(&c->out, i + 1 < c->nobjs ? ",\n" : "\n");
		}
		buf_puts(&c->out, "]\n");
		return;
	}
	for (size_t i = 0; i < c->objs[0]->u.object.len; i++)
		deep = deep || nested(c->objs[0]->u.object.values[i]);
	if (c->objs[0]->u.object.len == 1 && !deep) {
		/* one column (ids of `run -d`, `ps -q`): bare values */
		for (size_t i = 0; i < c->nobjs; i++)
			pairs_line(c, c->objs[i], &c->out);
	} else if (c->nobjs == 1 && deep)
		kv_obj(c, c->objs[0], 0, &c->out);
	else
		table(c, &c->out);
}

/* `err CODE message`: say the message; a cancel we asked for is no error. */
static int on_err(struct client *c, const char *rest)
{
	const char *code = rest + strspn(rest, " ");
	size_t n = strcspn(code, " ");
	const char *msg = code[n] ? code + n + 1 : code;

	if (c->canceled && n == 8 && !strncmp(code, "canceled", 8))
		return EXIT_OK;
	if (c->item_errors)
		return EXIT_ERR; /* each failure was said on its own */
	fprintf(stderr, "skiff: %s\n", *msg ? msg : "error (no message)");
	return EXIT_ERR;
}

/* One reply line, LF replaced by NUL. Returns MORE after a data line, the
 * exit status after the status line, -1 (e set) on a protocol error. */
static int on_line(struct client *c, char *line, size_t len, struct err *e)
{
	bool ok = !strcmp(line, "ok");
	int r;

	if (ok || !strncmp(line, "err ", 4) || !strcmp(line, "err")) {
		render_kept(c);
		r = out_flush(c, stdout);
		if (r != MORE)
			return r;
		return ok ? c->exit_code : on_err(c, line + 3);
	}
	if (!c->o->json)
		return on_data(c, line, e);
	buf_append(&c->out, line, len);
	buf_puts(&c->out, "\n");
	return MORE;
}

/* ---- the reply loop ---- */

/* Handle every complete line in c->in. c->scanned remembers how much of
 * a partial line was searched already, so a long line arriving in many
 * reads costs linear time; a line over REPLY_LINE_MAX is a protocol error
 * whether or not its LF has come. */
static int drain_lines(struct client *c, struct err *e)
{
	char *head, *nl;
	size_t len;
	int r;

	while (buf_used(&c->in) > c->scanned) {
		head = buf_head(&c->in);
		nl = memchr(head + c->scanned, '\n',
			    buf_used(&c->in) - c->scanned);
		if (!nl) {
			c->scanned = buf_used(&c->in);
			break;
		}
		len = (size_t)(nl - head);
		if (len > REPLY_LINE_MAX)
			break;
		*nl = '\0';
		c->scanned = 0;
		r = on_line(c, head, len, e);
		buf_consume(&c->in, len + 1);
		if (r != MORE)
			return r;
	}
	if (buf_used(&c->in) > REPLY_LINE_MAX)
		return err_setc(e, ERR_TOO_LARGE,
				"skiffd sent a reply line longer than %u MiB",
				REPLY_LINE_MAX >> 20);
	return MORE;
}

/* ctrl-c while streaming: the first asks skiffd to end the stream (we
 * still read to its status line), a second one gives up. */
static void on_sigint(struct client *c)
{
	struct signalfd_siginfo si;
	struct err ignored = ERR_INIT;

	while (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			relay_winsize(c);
			continue;
		}
		if (c->canceled) {
			c->interrupted = true;
			return;
		}
		c->canceled = true;
		/* If skiffd is gone, the read that follows sees it. */
		send_all(c->fd, "cancel\n", 7, &ignored);
	}
}

/* Wait until the socket is readable, minding ctrl-c, and relay our
 * stdin to the container meanwhile. */
static int wait_input(struct client *c, struct err *e)
{
	struct relay *r = &c->relay;
	struct pollfd p[4];

	while (c->sigfd >= 0 && !c->interrupted) {
		bool pend = r->fd >= 0 && buf_used(&r->pend);
		p[0] = (struct pollfd){ c->fd, POLLIN, 0 };
		p[1] = (struct pollfd){ c->sigfd, POLLIN, 0 };
		/* Read stdin only while what we read before has gone. */
		p[2] = (struct pollfd){ r->fd >= 0 && r->input && !pend
						? STDIN_FILENO : -1,
					POLLIN, 0 };
		p[3] = (struct pollfd){ pend ? r->fd : -1, POLLOUT, 0 };
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, errno, "poll");
		}
		if (p[1].revents & POLLIN)
			on_sigint(c);
		if (p[2].revents)
			relay_input(c);
		if (p[3].revents && r->fd >= 0)
			relay_output(c);
		else if (r->fd >= 0 && buf_used(&r->pend))
			relay_output(c); /* try at once: most often it fits */
		if (p[0].revents)
			break;
	}
	return 0;
}

/* Keep the fds skiffd passes (SCM_RIGHTS) until a line claims them. */
static void keep_rfds(struct client *c, struct msghdr *m)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->nrfds < (int)ARRAY_SIZE(c->rfds))
				c->rfds[c->nrfds++] = fd;
			else
				close(fd);
		}
	}
}

/* Read what the socket has. Returns 1 on data, 0 at end of stream. */
static int read_some(struct client *c, struct err *e)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = buf_reserve(&c->in, READ_CHUNK),
			     .iov_len = READ_CHUNK };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);

	if (n >= 0)
		keep_rfds(c, &m);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0 && errno == ECONNRESET)
		n = 0;
	if (n < 0)
		return err_set(e, errno, "read from skiffd");
	c->in.len += (size_t)n;
	return n > 0;
}

/* Read and render the reply up to its status line. Output is flushed
 * before each wait, so streams show up as they come. Returns the exit
 * status, or -1 with e set when skiffd breaks the protocol or vanishes
 * (after our `cancel`, vanishing is a normal end). */
static int read_reply(struct client *c, struct err *e)
{
	int r;

	for (;;) {
		r = drain_lines(c, e);
		if (r == MORE)
			r = out_flush(c, stdout);
		if (r != MORE)
			return r;
		if (wait_input(c, e) < 0)
			return -1;
		if (c->interrupted)
			return EXIT_INT;
		r = read_some(c, e);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c->canceled)
			return EXIT_OK;
		return err_setc(e, ERR_INTERNAL,
				"skiffd closed the connection %s",
				buf_used(&c->in) ? "in the middle of a reply" :
						   "before it replied");
	}
}

/* ---- main ---- */

static void client_free(struct client *c)
{
	relay_stop(c);
	for (int i = 0; i < c->nrfds; i++)
		close(c->rfds[i]);
	for (size_t i = 0; i < c->nobjs; i++)
		yajl_tree_free(c->objs[i]);
	free(c->objs);
	buf_free(&c->in);
	buf_free(&c->out);
	if (c->gen)
		yajl_gen_free(c->gen);
	if (c->fd >= 0)
		close(c->fd);
	if (c->sigfd >= 0)
		close(c->sigfd);
}

/* Send the request and read its reply. A bad argv is refused before we
 * connect; SIGINT is caught from before the request leaves, so no ctrl-c
 * during a stream is lost. */
static int client_run(struct client *c, struct err *e)
{
	_cleanup_buf_ struct buf line = { 0 };
	struct err late = ERR_INIT;
	int r, hfd;

	if (line_quote(&line, c->o->argc, c->o->argv, e) < 0)
		return -1;
	hfd = cp_fd(c->o, e);
	if (hfd == -2)
		hfd = archive_fd(c->o, e);
	if (hfd == -1)
		return -1;
	c->gen = yajl_gen_alloc(NULL);
	if (!c->gen)
		abort();
	c->streaming = streams(c->o);
	c->events = is_verb(c->o, "events");
	c->inspect = is_verb(c->o, "inspect");
	if (c->streaming && (c->sigfd = sigint_fd(e)) < 0)
		return -1;
	c->fd = sock_connect(c->o->sock, e);
	if (c->fd < 0) {
		if (hfd > 1)
			close(hfd);
		return -1;
	}
	r = send_request(c->fd, &line, hfd, e);
	if (hfd > 1)
		close(hfd); /* skiffd has its own copy now */
	if (!r)
		return read_reply(c, e);
	/* skiffd may have refused the request and closed: show its answer
	 * if it left one, else the write error. */
	r = read_reply(c, &late);
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
	if (parse_opts(argc, argv, &o, &e) == 0 &&
	    (find_verb(&o), expand_env_files(&o, &e) == 0) &&
	    login_stdin(&o, &e) == 0) {
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
	free(o.argv);
	envfile_free(&o.env);
	return r;
}
