/* ctrcopy.h - files between a container's root (running or stopped) and
 * a host directory the client opened, both ways, as `cp` and `export`
 * do. Blocks, forks, enters the container's mount namespace and chroots:
 * run it in a helper process of its own (core/helper), never in the
 * daemon. Knows nothing of the daemon: the caller gives every fact. */
#ifndef SKIFF_CTRCOPY_H
#define SKIFF_CTRCOPY_H

#include <stdbool.h>
#include <sys/types.h>

#include "../core/base/err.h"
#include "../proto/cppath.h"

struct ctrcopy {
	bool to_ctr;		 /* host -> container */
	struct cppath ctr, host; /* the two words, parsed */
	const char *ctr_word, *host_word; /* as given, for messages */
	const char *ctr_path; /* the container path as given */
	bool export;	      /* export: the root, without other mounts */
	int host_fd;	      /* client's directory, or stdin/stdout */
	const char *id;	      /* the container's id, for messages */
	bool running;
	pid_t pid; /* running: the container's init */
	int pidfd; /* running: a pidfd of it */
	const char *rootfs, *state_dir;
	uid_t uid; /* the client's: the host half takes them */
	gid_t gid;
};

/* Copy; 0, or -1 with e the first failure of either half. */
int ctrcopy_run(const struct ctrcopy *j, struct err *e);

#endif
