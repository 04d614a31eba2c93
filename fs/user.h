/* user.h - a container's user: Docker-style `--user` resolution against
 * the container's own /etc/passwd and /etc/group, and switching to it.
 *
 * Files are opened beneath a root directory fd with openat2's
 * RESOLVE_IN_ROOT, so symlinks inside the image can't lead out of it
 * (without openat2, symlinks in etc/ are refused outright). */
#ifndef SKIFF_USER_H
#define SKIFF_USER_H

#include "../core/base/err.h"
#include "../proto/ocispec.h"

/* Resolve spec ("name", "uid", "uid:gid", "name:group", "uid:group", ...)
 * into u->uid and u->gid, and put the supplementary groups that list the
 * user in /etc/group in front of u->additional_gids. A numeric uid absent
 * from passwd gets gid 0; an unknown name is an ERR_NOT_FOUND error. */
int user_resolve(int rootfd, const char *spec, struct oci_user *u,
		 struct err *e);
/* Append the gids of groups (names looked up in the container's
 * /etc/group, or numbers) to u->additional_gids, which must be malloc'd
 * or NULL (it is realloc'd). */
int user_add_groups(int rootfd, const struct strv *groups, struct oci_user *u,
		    struct err *e);
/* The home directory of uid in the container's passwd, "/" if none (as
 * runc does for HOME). */
int user_home(int rootfd, uint32_t uid, char *buf, size_t size, struct err *e);
/* setgroups, setresgid, setresuid to u (in the container's child). */
int user_apply(const struct oci_user *u, struct err *e);

#endif
