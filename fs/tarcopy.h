/* tarcopy.h - the two halves of `cp`: a directory tree to a tar stream
 * and a tar stream to a directory tree (libarchive), each relative to a
 * directory fd.
 *
 * Both change the calling process's working directory to that fd and
 * work with paths relative to it: call them only in a short-lived
 * helper process (never on the daemon's loop; they block). Symlinks are
 * never followed while walking or extracting (libarchive's physical walk
 * and ARCHIVE_EXTRACT_SECURE_SYMLINKS / _NODOTDOT / _NOABSOLUTEPATHS),
 * so neither side can be led outside its directory. Modes, owners
 * (numeric), mtimes, symlinks and hard links are kept.
 *
 * Every entry of a stream made by tarcopy_create() lies under one top
 * name: the source's own name ("b", "b/x", ...). tarcopy_extract() puts
 * that top where Docker's cp would (see struct tarcopy_dest). */
#ifndef SKIFF_TARCOPY_H
#define SKIFF_TARCOPY_H

#include <stdbool.h>

#include "../core/base/err.h"

struct tarcopy_src {
	int dirfd;	   /* the directory holding the source */
	const char *name;  /* its name there ("." = dirfd itself) */
	bool contents;	   /* the caller asked for what is inside */
	const char *label; /* the source as the user wrote it (messages) */
	bool one_fs;	   /* do not descend into other mounts (export) */
};

/* Load libarchive (fs/archive_fns.h); call once before any chroot and
 * before the calls below. */
int tarcopy_prepare(struct err *e);

/* Write src as a tar stream to out_fd. A missing source is ERR_NOT_FOUND
 * "no such file or directory: LABEL". */
int tarcopy_create(int out_fd, const struct tarcopy_src *src, struct err *e);

/* Where an incoming stream goes. With name NULL the stream is extracted
 * as it is into dirfd (cp - CONTAINER:DIR). Otherwise, Docker's rules:
 *  - name is an existing directory: the top goes inside it, as itself;
 *    with contents (SRC ended in "/."), what is inside the top goes
 *    into it;
 *  - name is an existing file: a file replaces it; a directory is
 *    refused ("cannot copy a directory to a file");
 *  - name does not exist: the top is created as name, unless
 *    must_be_dir (DEST ended in '/'), which is ERR_NOT_FOUND. */
struct tarcopy_dest {
	int dirfd;
	const char *name;
	bool must_be_dir;
	bool contents;
	const char *label; /* the destination as the user wrote it */
};

int tarcopy_extract(int in_fd, const struct tarcopy_dest *dst, struct err *e);

#endif
