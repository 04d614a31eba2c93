/* builtin.h - register the daemon's own verbs (builtin.c). */
#ifndef SKIFF_BUILTIN_H
#define SKIFF_BUILTIN_H

void builtin_register(void);

#endif
