/* spawn_child.h - the child side of fs/spawn.c (internal to fs/).
 *
 * spawn_child_main() runs in the freshly cloned process: it waits for the
 * parent's go, sets the process up and execs, or writes a struct
 * spawn_msg with the error to sync_fd and exits. */
#ifndef SKIFF_SPAWN_CHILD_H
#define SKIFF_SPAWN_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spawn.h"

/* What the child sends (SOCK_SEQPACKET: one message each): the pty
 * master it made (SCM_RIGHTS, kind CONSOLE, the kind alone), or why it
 * failed (kind ERROR, its last message): the kind, then the failure as
 * the frame a helper's result is (core/base/err.h's struct err_frame). */
enum { SPAWN_MSG_ERROR, SPAWN_MSG_CONSOLE };
struct spawn_msg {
	int32_t kind; /* SPAWN_MSG_* */
	char frame[ERR_FRAME_MAX];
};
#define SPAWN_MSG_HDR offsetof(struct spawn_msg, frame)

/* The parent's one-byte go-ahead. */
#define SPAWN_GO 'g'

struct spawn_child {
	int sync_fd;
	int stdio[3];
	const struct oci_process *proc;
	const struct oci_seccomp *seccomp;
	const struct seccomp_bpf *seccomp_bpf; /* precompiled: wins */
	/* create */
	const struct oci_spec *spec;
	const char *rootfs, *state_dir;
	/* exec: the container to join (join_pidfd may be -1) */
	bool is_exec;
	int join_pidfd;
	pid_t join_pid;
};

_Noreturn void spawn_child_main(const struct spawn_child *c);

#endif
