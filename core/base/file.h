/* file.h - small file primitives every layer shares, written once
 * (STYLE.md 15, 16b): whole writes, directory fsync, durable replace.
 * They block (fsync): call them in a helper process or the state
 * writer, never on the loop. */
#ifndef SKIFF_FILE_H
#define SKIFF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* write() until len bytes are out (EINTR retried); -1 with errno. */
int file_write_all(int fd, const void *p, size_t len);
/* fsync the directory dirfd/dir (AT_FDCWD and a path work too). */
int file_fsync_dir(int dirfd, const char *dir, struct err *e);
/* fsync the directory that holds dirfd/name, so a rename in it lasts. */
int file_fsync_parent(int dirfd, const char *name, struct err *e);

struct file_durable {
	int dirfd;	   /* name and tmp are relative to it (or AT_FDCWD) */
	const char *label; /* dirfd's path, for messages, or NULL */
	const char *name;  /* the file replaced */
	const char *tmp;   /* the temp, in name's directory: a leftover of
			    * a crash there is removed first */
	mode_t mode;
	bool no_dir_sync; /* the caller fsyncs the directory (a group) */
};

/* Durable replace of name with data: tmp created with O_EXCL, written,
 * fsync'd, renamed over name, the directory fsync'd; tmp goes on
 * failure. */
int file_write_durable(const struct file_durable *f, const void *data,
		       size_t len, struct err *e);

#endif
