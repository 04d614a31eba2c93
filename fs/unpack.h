/* unpack.h - unpack one image layer (a tar stream, gzip, zstd or plain)
 * into a directory, safely, as overlayfs wants it.
 *
 * BLOCKING: every function here does blocking file I/O (reads the whole
 * stream, writes a tree, waits on writeback). Call it only in a short-lived
 * helper process (proc_fork), never on the daemon's loop.
 *
 * One pass, digest and extraction together. The outer libarchive reader
 * (format "raw", filters gzip and zstd, chosen by the stream's magic) turns
 * the input fd into the uncompressed tar bytes; by default it runs in a
 * decompressor child (forked here, reaped here) that writes them into a
 * pipe, so decompression and extraction overlap on two cores
 * (UNPACK_ONE_PROCESS keeps it in this process). This process reads the
 * bytes, hashes them (SHA-256, OpenSSL EVP) and hands them through
 * archive_read_open callbacks to the inner libarchive reader (format tar
 * only) that yields the entries. When the tar's end marker is seen the
 * rest of the stream is drained into the hash, so diff_id is the SHA-256
 * of every uncompressed byte.
 *
 * Entries are never written by path string: each parent is opened with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV) from the root fd (missing parents are created one
 * component at a time, as directories, the same way) and the entry itself
 * is made with one *at() call on a single name under that parent fd. Refused,
 * with an error naming the entry: absolute names, any ".." component, a path
 * through a symlink (even one pointing inside), a hardlink whose target is
 * absolute, climbs or goes through a symlink, a non-directory replacing a
 * directory, names longer than NAME_MAX / PATH_MAX, xattrs in the
 * trusted.overlay. namespace (overlayfs metadata: only whiteouts make it),
 * and entry types tar has no business carrying (sockets). See
 * docs/images.md, "Layer unpack".
 *
 * OCI whiteouts become overlayfs ones: ".wh.NAME" a 0/0 character device
 * NAME, ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory;
 * other ".wh..wh." names (AUFS bookkeeping) are skipped. Owners, modes
 * (setuid and setgid applied after chown), xattrs (security.capability
 * included, set after chown which clears it), mtimes (directories' fixed at
 * the end, since their children change them), hardlinks (within the
 * layer), symlinks (stored as written, never followed), device nodes and
 * fifos are kept. Regular files are written out and dropped from the page
 * cache as the unpack goes (sync_file_range + POSIX_FADV_DONTNEED, 32
 * files or 8 MiB behind the writer), so a big layer does not evict the running
 * containers' cache. Needs root (chown, mknod, trusted xattrs) unless
 * UNPACK_NO_OWNERS is given, and then mknod and opaque dirs still do. */
#ifndef SKIFF_UNPACK_H
#define SKIFF_UNPACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/base/err.h"

enum unpack_compression {
	UNPACK_PLAIN = 0,
	UNPACK_GZIP,
	UNPACK_ZSTD,
};

enum unpack_flags {
	UNPACK_KEEP_CACHE = 1 << 0,  /* do not write back and drop the cache */
	UNPACK_NO_OWNERS = 1 << 1,   /* skip chown (rootless tests) */
	UNPACK_ONE_PROCESS = 1 << 2, /* decompress here, not in a child */
};

struct unpack_opts {
	/* The descriptor's mediaType, a hint: NULL, or one of the OCI or
	 * Docker layer types (anything else is refused). The magic decides
	 * the decompressor; a mismatch is allowed (registries mislabel) and
	 * shows in the result. */
	const char *media_type;
	uint64_t max_bytes; /* cap on uncompressed tar bytes, 0 = none */
	unsigned flags;	    /* enum unpack_flags */
	/* unpack_layer: the diff_id the content must have, checked before
	 * the directory is renamed into place (NULL: none). */
	const char *diff_id;
};

struct unpack_result {
	uint64_t entries;   /* tar entries applied (whiteouts included) */
	uint64_t bytes;	    /* regular-file content bytes written */
	uint64_t tar_bytes; /* size of the uncompressed tar */
	enum unpack_compression compression; /* found by magic */
	enum unpack_compression hinted;	     /* from media_type, if any */
	char diff_id[7 + 64 + 1];	     /* "sha256:<64 hex>" */
};

/* Media type -> compression; -1 with e (invalid) for a type that is not a
 * layer. */
int unpack_media_type(const char *media_type, enum unpack_compression *c,
		      struct err *e);
const char *unpack_compression_name(enum unpack_compression c);

/* Unpack the stream read from in_fd (read to its end) into the directory
 * root_fd. On failure the directory holds a partial tree: use
 * unpack_layer() or remove it with tree_remove(). o may be NULL. */
int unpack_fd(int in_fd, int root_fd, const struct unpack_opts *o,
	      struct unpack_result *r, struct err *e);

/* Unpack into a new directory DIR.tmp-XXXXXX beside dir, made durable
 * (syncfs) and renamed to dir (which must not exist: conflict). On any
 * failure the temp dir is removed whole and dir is not created. A helper
 * killed midway leaves a DIR.tmp-* behind: the caller treats those as
 * garbage. */
int unpack_layer(int in_fd, const char *dir, const struct unpack_opts *o,
		 struct unpack_result *r, struct err *e);

/* Unpack a layer from bytes the caller pushes (it has the stream anyway,
 * e.g. while storing it): a child process reads them from a pipe and runs
 * unpack_layer(dir, o). Best effort: once the child stops (a bad entry,
 * a cap) further bytes are dropped; unpack_feed_end() says whether dir is
 * in place. */
struct unpack_feed {
	pid_t pid; /* -1: none */
	int fd;	   /* the pipe's write end, -1 once closed */
};

/* Start one into dir (nothing is started if dir exists or on failure:
 * writes are then dropped and _end says false). o is copied by the fork. */
void unpack_feed_start(struct unpack_feed *f, const char *dir,
		       const struct unpack_opts *o);
void unpack_feed_write(struct unpack_feed *f, const void *p, size_t n);
/* EOF to the child, then its verdict: true if dir is in place. */
bool unpack_feed_end(struct unpack_feed *f);

#endif
