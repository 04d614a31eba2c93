/* spawner.h - a small process that clones containers for a big one.
 *
 * A clone costs in proportion to its parent: clone3 copies the parent's
 * fd table and page tables, and the child's execve then closes every
 * close-on-exec fd it inherited, one by one. skiffd holds about four fds
 * per running container, so cloned from skiffd each start gets slower as
 * more run. A spawner is forked while its parent is still small, closes
 * every fd but its socket, and clones each container for its parent with
 * CLONE_PARENT (the container is the parent's child: the parent watches
 * it by pidfd and collects its exit) and CLONE_PIDFD; it hands the pidfd
 * and the parent's end of the sync socket back, and the parent goes on
 * with spawn_release/spawn_poll/spawn_free exactly as after
 * spawn_create (DESIGN.md section 4).
 *
 * The socket is SOCK_SEQPACKET, one message each way per container:
 *   request  struct spawner_req (with the cgroup to make, if any),
 *            then config.json's text, rootfs,
 *            state_dir and the compiled seccomp program (lengths in the
 *            header), with the child's stdio fds by SCM_RIGHTS;
 *   reply    struct spawner_reply, with the pidfd and the sync socket by
 *            SCM_RIGHTS when pid > 0, else the error.
 * Requests are answered in order. Nothing here needs a daemon:
 * spawner_main() is a blocking loop for any forked child, and the two
 * calls for the parent's side never block (MSG_DONTWAIT). */
#ifndef SKIFF_SPAWNER_H
#define SKIFF_SPAWNER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/base/err.h"
#include "cgroup.h"
#include "spawn.h"

/* The largest request: config.json with Docker's seccomp profile inline
 * is ~30 KiB. */
#define SPAWNER_REQ_MAX (1u << 20)

/* The container's cgroup, made by the spawner: created (a crash's
 * leftover of the same path is destroyed first) with the limits before
 * the clone, the child moved into it before the reply, so the parent's
 * loop does none of the directory work. path "" = no cgroup. */
struct spawner_cgroup {
	char path[80]; /* relative to every hierarchy, "skiff/<id>" */
	struct cgroup_limits limits;
};

struct spawner_req {
	uint64_t id;
	struct spawner_cgroup cg;
	uint32_t len[4]; /* spec text, rootfs, state_dir, seccomp program */
	uint32_t stdio;  /* bit i: stdio[i] is among the fds, in order */
};

struct spawner_reply {
	uint64_t id;
	int32_t pid; /* > 0: cloned, the fds came along; the reply ends here */
	/* else why not: the frame a helper's result is (core/base/err.h) */
	char frame[ERR_FRAME_MAX];
};
#define SPAWNER_REPLY_HDR offsetof(struct spawner_reply, frame)

/* Serve requests on sock until its peer closes it (returns 0) or it
 * fails (-1). First closes every fd but 0, 1, 2 and sock. cgroups are
 * the host's hierarchies (NULL: a request naming a cgroup fails). */
int spawner_main(int sock, const struct cgroup_sys *cgroups);

/* A socketpair for spawner_main (sv[1]) and its parent (sv[0]), with
 * room for the largest request on the parent's side. */
int spawner_socketpair(int sv[2], struct err *e);

/* Send one request for o (spec_text is o->spec as config.json; o->spec
 * itself is not used). Returns 0 when sent, 1 when the socket is full
 * (try again when writable), -1 with e on failure. */
int spawner_send(int sock, uint64_t id, const struct spawn_opts *o,
		 const char *spec_text, const struct spawner_cgroup *cg,
		 struct err *e);

/* Take one reply: 1 = none yet; 0 = a reply for *id: *out is the cloned
 * child (state SPAWN_WAITING, as from spawn_create), or NULL with e
 * holding why not; -1 = the socket failed or the spawner is gone (e). */
int spawner_recv(int sock, uint64_t *id, struct spawn **out, struct err *e);

#endif
