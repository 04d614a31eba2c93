/* service.h - named service tables: the third channel between modules,
 * beside the event bus (news, bus.h) and the command table (clients'
 * requests, cmd.h).
 *
 * A module that offers something to other modules registers an ops table
 * (a struct of function pointers) under a name in its init; a module that
 * uses it looks the name up when it needs it and copes with NULL (a build
 * without the offering module). Core holds only names and pointers: each
 * table's shape and its words are declared in an interface header under
 * modules/iface/, which both sides include and core never does
 * (DESIGN.md 1). */
#ifndef SKIFF_SERVICE_H
#define SKIFF_SERVICE_H

/* Register ops under name (both static); a name is registered once. */
void service_register(const char *name, const void *ops);
/* The table registered under name, or NULL. */
const void *service_get(const char *name);
void service_reset(void); /* forget all registrations (tests) */

#endif
