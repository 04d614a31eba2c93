/* devspec.h - Docker's device options as OCI spec entries.
 *
 * --device HOST[:CONTAINER][:PERMS] becomes a linux.devices node (the
 * host node's type, major, minor, mode, owner) and a device cgroup rule
 * allowing it; --device-cgroup-rule 'c 1:3 rwm' a rule of its own.
 * devspec_defaults() puts Docker's rules first: everything denied, then
 * mknod of any node and the nodes every container has (null, zero,
 * full, random, urandom, tty, console, ptmx, pts, tun); --privileged
 * allows every device instead. Errors name the flag and its value. */
#ifndef SKIFF_DEVSPEC_H
#define SKIFF_DEVSPEC_H

#include <stdbool.h>

#include "../core/base/err.h"
#include "../proto/ocispec.h"

int devspec_defaults(struct oci_spec *s, bool privileged, struct err *e);
/* --device: stats the host node (ERR_NOT_FOUND, or ERR_INVALID when it
 * is not a character or block device). */
int devspec_add_device(struct oci_spec *s, const char *arg, struct err *e);
/* --device-cgroup-rule "TYPE MAJOR:MINOR ACCESS" (Docker's syntax:
 * TYPE a, b or c; MAJOR and MINOR a number or *; ACCESS of rwm). */
int devspec_add_rule(struct oci_spec *s, const char *arg, struct err *e);

#endif
