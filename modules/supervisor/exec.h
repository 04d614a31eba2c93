/* exec.h - `skiff exec`: a process run inside a running container. */
#ifndef SKIFF_EXEC_H
#define SKIFF_EXEC_H

#include "../../core/cmd.h"

extern const struct command exec_cmd;

#endif
