/* pid1.h - skiffd as the host's (or a namespace's) PID 1. */
#ifndef SKIFF_PID1_H
#define SKIFF_PID1_H

#include <stdbool.h>

/* Become the tiny init: mount what is missing, start the daemon proper as
 * a child and supervise it. Returns 0 only in that child, which goes on
 * to run the daemon; in the init process it never returns (it reboots,
 * powers off, or - when not the host's PID 1 - exits after shutdown).
 * -1 (logged) when it cannot become the subreaper. */
int pid1_run(const char *run_dir, bool kmsg);
/* True if this process is PID 1 of the initial PID namespace. */
bool pid1_is_host_init(void);

#endif
