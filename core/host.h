/* host.h - facts about the host, probed once at start for `info`. */
#ifndef SKIFF_HOST_H
#define SKIFF_HOST_H

#include "../proto/json.h"

/* Probe kernel, cgroup layout, storage and network features. Blocking file
 * reads of /proc and /sys: call before the loop runs. */
void host_probe(const char *root);
/* Add {"kernel":..., "cgroup":{...}, "storage":{...}, ...} members into
 * an open JSON object. */
void host_describe(struct jw *w);
/* The host's keys of Docker's `info` (KernelVersion, OperatingSystem,
 * NCPU, MemTotal, Driver, ...), at the level w is at. */
void host_docker(struct jw *w);
/* The running kernel's version (uname's release, read once: by
 * host_probe, or here on first use). */
void host_kernel_version(unsigned *major, unsigned *minor);
/* "v1", "v2" or "hybrid". */
const char *host_cgroup_version(void);

#endif
