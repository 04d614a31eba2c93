/* ctrspawn.h - containers are cloned by the spawner (ctrspawn.c). */
#ifndef SKIFF_CTRSPAWN_H
#define SKIFF_CTRSPAWN_H

#include "../../core/base/err.h"
#include "../../fs/spawner.h"

/* A start's answer: sp is the cloned child (SPAWN_WAITING, the caller's
 * from now on), or NULL with e saying why not. */
typedef void (*ctrspawn_fn)(void *ctx, struct spawn *sp, struct err *e);

/* Fork the spawner; on failure a retry timer keeps trying. cgroups: the
 * host's hierarchies (NULL: none), kept for every spawner forked. */
void ctrspawn_init(const struct cgroup_sys *cgroups);
/* Ask for o (spec_text is o->spec as config.json; o's strings, fds and
 * seccomp program are copied, the caller keeps its own), in the cgroup
 * cg (NULL: none), which the spawner makes and the child is in when fn
 * gets it. fn runs later, from the loop, exactly once; ctx must live
 * until then. */
void ctrspawn_start(const struct spawn_opts *o, const char *spec_text,
		    const struct spawner_cgroup *cg, ctrspawn_fn fn,
		    void *ctx);

#endif
