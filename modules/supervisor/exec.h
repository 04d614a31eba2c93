/* exec.h - `skiff exec`: a process run inside a running container; and
 * probes, the same without a client, for health checks (health.c). */
#ifndef SKIFF_EXEC_H
#define SKIFF_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/base/err.h"
#include "../../core/cmd.h"

extern const struct command exec_cmd;

/* Output a probe keeps (stdout and stderr together, in order written);
 * more is dropped and "..." appended, as Docker's health log does. */
#define EXEC_PROBE_OUT_MAX 4096

struct ctr;
struct exec_probe;

/* A probe's one report: the exit code (128+N when killed by signal N), or
 * -1 when it could not be started or ran past its timeout, out then
 * saying why. out is not NUL-terminated; it is valid during the call. */
typedef void (*exec_probe_fn)(void *ctx, int exit_code, const char *out,
			      size_t len);

/* Run `/bin/sh -c cmd` in running container c as `exec` would (its
 * namespaces, cgroup, user, capabilities, seccomp), stdin on /dev/null;
 * SIGKILL it after timeout_ms. done runs once, from the loop, never
 * from inside this call. NULL (e set) if it could not be cloned. */
struct exec_probe *exec_probe_start(struct ctr *c, const char *cmd,
				    int64_t timeout_ms, exec_probe_fn done,
				    void *ctx, struct err *e);
/* Kill the probe; done is not called. The probe's memory goes once its
 * process is reaped. */
void exec_probe_cancel(struct exec_probe *p);

#endif
