/* files.c - the file a request passes to skiffd (SCM_RIGHTS), opened here
 * with the client's own rights: skiffd never looks up the client's paths.
 * Which one comes from the verb's hints in the command table: CLI_FD_OUT
 * (save, export: -o FILE or stdout), CLI_FD_IN (load: -i FILE or stdin;
 * import: its FILE word, "-" for stdin) and CLI_CP (cp SRC DEST: the
 * host side's directory, or stdin/stdout for "-").
 *
 * Owns nothing: the fd goes back to the caller. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../proto/cppath.h"
#include "skiff.h"

/* cp SRC DEST: the directory that holds the host side's entry
 * (proto/cppath.h), as an O_PATH fd: like a path, it needs only search
 * permission to reach; or stdin (SRC "-") or stdout (DEST "-"). */
static int cp_fd(const struct opts *o, struct err *e)
{
	struct cppath a = { 0 }, b = { 0 };
	const struct cppath *host;
	int fd = -2;

	if (o->call.argc != 2)
		return -2; /* skiffd says what is wrong */
	if (cppath_parse(o->call.argv[0], &a, e) == 0 &&
	    cppath_parse(o->call.argv[1], &b, e) == 0 &&
	    !a.container != !b.container) {
		host = a.container ? &b : &a;
		if (host->stream)
			fd = host == &a ? 0 : 1;
		else if ((fd = open(host->parent, O_PATH | O_DIRECTORY |
						  O_CLOEXEC)) < 0)
			err_set(e, errno, "%s: %s", o->spec->name,
				host->parent);
	} else if (e->class != ERR_OK) {
		fd = -1;
	}
	cppath_free(&a);
	cppath_free(&b);
	return fd;
}

/* The archive a verb writes (CLI_FD_OUT) or reads (CLI_FD_IN). */
static int archive_fd(const struct opts *o, struct err *e)
{
	bool out = o->how & CLI_FD_OUT;
	const char *path;
	int fd;

	if (o->how & CLI_FILE_POS)
		path = o->call.argc ? o->call.argv[0] : NULL;
	else
		path = cmdspec_str(&o->call, o->spec->cli.file_flag);
	if (path && !strcmp(path, "-") && (o->how & CLI_FILE_POS))
		path = NULL;
	if (!path) {
		const struct flag *f = cmdspec_flag(o->spec, o->spec->cli.file_flag);
		if (out && isatty(STDOUT_FILENO))
			return err_setc(e, ERR_INVALID,
					"cowardly refusing to save to a "
					"terminal. Use the -%c flag or "
					"redirect", f ? f->shortname : 'o');
		return out ? STDOUT_FILENO : STDIN_FILENO;
	}
	fd = out ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)
		 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "%s", path);
	return fd;
}

int files_fd(const struct opts *o, struct err *e)
{
	/* A request skiffd will refuse, or answer with its usage, reads
	 * and writes nothing. */
	if (!o->parsed || o->call.help || o->help)
		return -2;
	if (o->how & CLI_CP)
		return cp_fd(o, e);
	if (o->how & (CLI_FD_IN | CLI_FD_OUT))
		return archive_fd(o, e);
	return -2;
}
