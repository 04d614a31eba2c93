/* mounts.h - a container's filesystem view: the overlay root over a
 * read-only image directory, the spec's mounts, /dev, masked and
 * read-only paths, /etc/{hostname,hosts,resolv.conf}, and pivot_root.
 *
 * The image directory (rootfs) is only ever the overlay's lower layer, so
 * it is never written. Per-container state lives in a directory the caller
 * owns (state_dir):
 *   upper/ work/   overlay layers (the container's writes land in upper/)
 *   merged/        the overlay mount point (mounted only in the child)
 *   hostname hosts resolv.conf   bind-mounted over the container's /etc
 * Every mount is made inside the child's own mount namespace, so nothing
 * needs unmounting on the host when the container ends. */
#ifndef SKIFF_MOUNTS_H
#define SKIFF_MOUNTS_H

#include "../core/base/err.h"
#include "../proto/ocispec.h"

/* Parent side, before clone: check rootfs (a directory, or layers
 * joined by ':', topmost first), create state_dir's layers and
 * write its hostname, hosts and resolv.conf (the host's, minus loopback
 * nameservers). The network module may rewrite these files in place. */
int mounts_prepare(const struct oci_spec *spec, const char *rootfs,
		   const char *state_dir, struct err *e);
/* Child side, in a fresh mount namespace: build the root, mount
 * everything, pivot_root into it, apply masks and read-only paths, remount
 * the root read-only if asked. On return the cwd is the new "/". */
int mounts_setup(const struct oci_spec *spec, const char *rootfs,
		 const char *state_dir, struct err *e);
/* Remove state_dir and everything below it (the container's writable
 * layer), without following symlinks or crossing into other mounts. Call
 * only after the container's last process has exited; it walks the whole
 * upper layer, so a daemon runs it off its event loop. */
int mounts_remove_state(const char *state_dir, struct err *e);
/* Append Docker's default mounts (/proc, /dev, /dev/pts, /dev/shm,
 * /dev/mqueue, /sys), masked paths and read-only paths to spec. */
int mounts_add_defaults(struct oci_spec *spec, struct err *e);

#endif
