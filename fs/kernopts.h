/* kernopts.h - Docker's process and kernel options as OCI spec entries:
 * --ulimit NAME=SOFT[:HARD] (process.rlimits) and --sysctl K=V
 * (linux.sysctl, namespaced parameters only, as runc and Docker allow).
 * Errors name the flag and its value. */
#ifndef SKIFF_KERNOPTS_H
#define SKIFF_KERNOPTS_H

#include <stdbool.h>

#include "../core/base/err.h"
#include "../proto/ocispec.h"

/* NAME is Docker's (nofile, nproc, core, cpu, data, fsize, locks,
 * memlock, msgqueue, nice, rss, rtprio, rttime, sigpending, stack); -1
 * is unlimited; HARD defaults to SOFT and may not be below it; nofile's
 * HARD may not pass fs.nr_open (the kernel's ceiling even for root). A
 * NAME given twice: the last wins. */
int kernopts_ulimit(struct oci_process *p, const char *arg, struct err *e);
/* Namespaced: kernel.msgmax, msgmnb, msgmni, sem, shmall, shmmax,
 * shmmni, shm_rmid_forced and fs.mqueue.* (ipc), net.* (unless
 * host_net: the host's network namespace), kernel.domainname (uts).
 * Anything else is refused. */
int kernopts_sysctl(struct oci_spec *s, const char *arg, bool host_net,
		    struct err *e);

#endif
