/* tarcopy.c - trees to tar streams and back, for `cp` (see tarcopy.h).
 *
 * Runs only in helper processes: it changes the working directory and
 * blocks on its fds. Owns nothing past a call; each call frees its
 * libarchive handles. */
#include "tarcopy.h"

#include <fcntl.h>
#include <iconv.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "archive_fns.h"

#define BLOCK (64 * 1024)

/* libarchive wants blocking fds; a client's fd may have O_NONBLOCK. */
static int blocking(int fd, struct err *e)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 ||
	    ((fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
		return err_set(e, errno, "clear O_NONBLOCK");
	return 0;
}

/* "WHAT: libarchive's message: strerror" (the errno only when the
 * message does not already end with it). */
static int arc_err(struct err *e, struct archive *a, const char *what)
{
	const char *msg = archive_error_string(a);
	int no = archive_errno(a);
	const char *why = no > 0 ? strerror(no) : "";

	if (!msg)
		msg = "failed";
	if (no > 0 && strlen(msg) >= strlen(why) &&
	    !strcmp(msg + strlen(msg) - strlen(why), why))
		why = "";
	return err_setc(e, no > 0 ? err_class_of_errno(no) : ERR_INVALID,
			"%s: %s%s%s", what, msg, *why ? ": " : "", why);
}

/* Copy the current entry's data from rd to wr. */
static int copy_data(struct archive *rd, struct archive *wr, const char *path,
		     struct err *e)
{
	char buf[BLOCK];
	la_ssize_t n;

	while ((n = archive_read_data(rd, buf, sizeof(buf))) > 0)
		if (archive_write_data(wr, buf, (size_t)n) != n)
			return arc_err(e, wr, path);
	return n < 0 ? arc_err(e, rd, path) : 0;
}

/* ---- create ---- */

/* Errors name the source as the user wrote it (label). */
static int walk(struct archive *rd, struct archive *wr, const char *label,
		struct err *e)
{
	for (;;) {
		struct archive_entry *ent = archive_entry_new();
		int r = archive_read_next_header2(rd, ent);
		const char *p = label;
		if (r == ARCHIVE_EOF) {
			archive_entry_free(ent);
			return 0;
		}
		if (r < ARCHIVE_WARN) {
			archive_entry_free(ent);
			return arc_err(e, rd, label);
		}
		archive_read_disk_descend(rd);
		r = archive_write_header(wr, ent);
		if (r < ARCHIVE_WARN ||
		    (archive_entry_size(ent) > 0 &&
		     archive_entry_filetype(ent) == AE_IFREG &&
		     copy_data(rd, wr, p, e) < 0)) {
			if (r < ARCHIVE_WARN)
				arc_err(e, wr, p);
			archive_entry_free(ent);
			return -1;
		}
		archive_entry_free(ent);
	}
}

int tarcopy_create(int out_fd, const struct tarcopy_src *s, struct err *e)
{
	struct archive *rd, *wr;
	struct stat st;
	int rc = -1;

	if (fchdir(s->dirfd) < 0)
		return err_set(e, errno, "%s", s->label);
	if (fstatat(AT_FDCWD, s->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT
			   ? err_setc(e, ERR_NOT_FOUND,
				      "no such file or directory: %s", s->label)
			   : err_set(e, errno, "%s", s->label);
	if (s->contents && !S_ISDIR(st.st_mode))
		return err_setc(e, ERR_INVALID, "%s: not a directory",
				s->label);
	if (blocking(out_fd, e) < 0)
		return -1;
	wr = archive_write_new();
	rd = archive_read_disk_new();
	if (!wr || !rd)
		abort();
	archive_write_set_format_pax_restricted(wr);
	archive_read_disk_set_symlink_physical(rd);
	if (s->one_fs)
		archive_read_disk_set_behavior(rd,
					       ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_write_open_fd(wr, out_fd) != ARCHIVE_OK)
		arc_err(e, wr, "tar stream");
	else if (archive_read_disk_open(rd, s->name) != ARCHIVE_OK)
		arc_err(e, rd, s->label);
	else if (walk(rd, wr, s->label, e) == 0 &&
		 archive_write_close(wr) != ARCHIVE_OK)
		arc_err(e, wr, "tar stream");
	else if (e->class == ERR_OK)
		rc = 0;
	archive_read_free(rd);
	archive_write_free(wr);
	return rc;
}

/* ---- extract ---- */

/* How the stream's top maps to the destination (set at its first
 * entry): top -> newtop, or dropped when skip_top. */
struct mapping {
	bool plain;
	char top[4096], newtop[4096];
	bool skip_top;
};

static void strip_slashes(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

/* Decide where the stream goes from its first entry (see tarcopy.h).
 * An existing directory (a symlink to one included: the user's own
 * path) becomes the working directory, so the extraction never goes
 * through a symlink. */
static int map_first(const struct tarcopy_dest *d, const char *first,
		     bool first_is_dir, struct mapping *m, struct err *e)
{
	struct stat st;

	errno = 0;
	snprintf(m->top, sizeof(m->top), "%s", first);
	strip_slashes(m->top);
	if (strchr(m->top, '/'))
		return err_setc(e, ERR_INVALID,
				"tar stream: the first entry "
				"\"%s\" is not the top of the copy",
				first);
	if (fstatat(AT_FDCWD, d->name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		_cleanup_close_ int fd = openat(
		    AT_FDCWD, d->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fchdir(fd) < 0)
			return err_set(e, errno, "%s", d->label);
		m->skip_top = d->contents || !strcmp(m->top, ".");
		snprintf(m->newtop, sizeof(m->newtop), "%s",
			 m->skip_top ? "." : m->top);
		return 0;
	}
	if (errno == 0) { /* exists, not a directory */
		if (first_is_dir)
			return err_setc(e, ERR_INVALID,
					"cannot copy a "
					"directory to a file: %s",
					d->label);
		if (d->must_be_dir)
			return err_setc(e, ERR_INVALID, "%s: not a directory",
					d->label);
	} else if (errno != ENOENT) {
		return err_set(e, errno, "%s", d->label);
	} else if (d->must_be_dir) {
		return err_setc(e, ERR_NOT_FOUND, "%s: no such directory",
				d->label);
	}
	snprintf(m->newtop, sizeof(m->newtop), "%s", d->name);
	return 0;
}

/* The entry's path under the mapping into out; 1 = skip it. */
static int map_path(const struct mapping *m, const char *path, char *out,
		    size_t len, struct err *e)
{
	char p[4096];
	size_t t = strlen(m->top);

	snprintf(p, sizeof(p), "%s", path);
	strip_slashes(p);
	if (!strcmp(p, m->top)) {
		snprintf(out, len, "%s", m->newtop);
		return m->skip_top ? 1 : 0;
	}
	if (strncmp(p, m->top, t) || p[t] != '/')
		return err_setc(e, ERR_INVALID,
				"tar stream: entry \"%s\" is "
				"outside the copy's top \"%s\"",
				path, m->top);
	if ((size_t)snprintf(out, len, "%s%s", m->newtop, p + t) >= len)
		return err_setc(e, ERR_INVALID, "%s: path too long", path);
	return 0;
}

static int place(struct archive_entry *ent, struct mapping *m, bool *first,
		 const struct tarcopy_dest *d, struct err *e)
{
	const char *p = archive_entry_pathname(ent), *hl;
	char out[4096];
	int r;

	if (!p)
		return err_setc(e, ERR_INVALID,
				"tar stream: an entry without "
				"a name");
	if (*first) {
		*first = false;
		if (!m->plain &&
		    map_first(d, p, archive_entry_filetype(ent) == AE_IFDIR, m,
			      e) < 0)
			return -1;
	}
	if (m->plain)
		return 0;
	if ((r = map_path(m, p, out, sizeof(out), e)) != 0)
		return r;
	archive_entry_copy_pathname(ent, out);
	if ((hl = archive_entry_hardlink(ent)) != NULL) {
		if (map_path(m, hl, out, sizeof(out), e) < 0)
			return -1;
		archive_entry_copy_hardlink(ent, out);
	}
	return 0;
}

static int unpack(struct archive *rd, struct archive *wr,
		  const struct tarcopy_dest *d, struct err *e)
{
	struct mapping m = {.plain = d->name == NULL};
	struct archive_entry *ent;
	bool first = true;

	for (;;) {
		int r = archive_read_next_header(rd, &ent);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return arc_err(e, rd, "tar stream");
		r = place(ent, &m, &first, d, e);
		if (r < 0)
			return -1;
		if (r > 0)
			continue; /* the top itself, over an existing dir */
		if (archive_write_header(wr, ent) < ARCHIVE_WARN)
			return arc_err(e, wr, d->label);
		if (archive_entry_size(ent) > 0 &&
		    copy_data(rd, wr, d->label, e) < 0)
			return -1;
		if (archive_write_finish_entry(wr) < ARCHIVE_WARN)
			return arc_err(e, wr, d->label);
	}
}

int tarcopy_extract(int in_fd, const struct tarcopy_dest *d, struct err *e)
{
	const int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
			  ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
			  ARCHIVE_EXTRACT_SECURE_SYMLINKS |
			  ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			  ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	struct archive *rd, *wr;
	int rc = -1;

	if (fchdir(d->dirfd) < 0)
		return err_set(e, errno, "%s", d->label);
	if (blocking(in_fd, e) < 0)
		return -1;
	rd = archive_read_new();
	wr = archive_write_disk_new();
	if (!rd || !wr)
		abort();
	archive_read_support_format_tar(rd);
	archive_write_disk_set_options(wr, flags);
	if (archive_read_open_fd(rd, in_fd, BLOCK) != ARCHIVE_OK)
		arc_err(e, rd, "tar stream");
	else if (unpack(rd, wr, d, e) == 0 &&
		 archive_write_close(wr) != ARCHIVE_OK)
		arc_err(e, wr, d->label);
	else if (e->class == ERR_OK)
		rc = 0;
	archive_read_free(rd);
	archive_write_free(wr);
	return rc;
}

/* libarchive converts pax header names with iconv; glibc reads its
 * converter list (gconv-modules) and loads the modules it names on the
 * first iconv_open. After a chroot into a container that would be the
 * container's list and code, run as root (docker cp's CVE-2019-14271
 * was the same with NSS): so the conversions tar needs are opened here,
 * before, and kept open for the life of the process. tarcopy never looks
 * users or groups up by name (no NSS). */
int tarcopy_prepare(struct err *e)
{
	static const char *const pairs[][2] = {
		{ "UTF-8", NULL }, { NULL, "UTF-8" }, /* NULL: the locale's */
		{ "UTF-8", "UTF-8" },
	};
	static iconv_t kept[3]; /* open for good (and not a leak) */

	if (archive_fns_load(e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *to = pairs[i][0] ? pairs[i][0]
					     : nl_langinfo(CODESET);
		const char *from = pairs[i][1] ? pairs[i][1]
					       : nl_langinfo(CODESET);
		if (kept[i] == NULL &&
		    (kept[i] = iconv_open(to, from)) == (iconv_t)-1) {
			kept[i] = NULL;
			return err_set(e, errno, "iconv_open %s from %s", to,
				       from);
		}
	}
	return 0;
}
