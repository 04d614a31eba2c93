/* diskuse.h - `system df`: how much disk images, containers and volumes
 * take, asked of the modules that own them (through core: modules never
 * include each other's headers).
 *
 * A module registers a lister per kind. A lister runs on the loop and
 * must be quick (memory and small files only): it adds one item per
 * image, container or volume with the paths that hold its data and
 * whether it is in use (an image by a container, a container running, a
 * volume mounted by a container). The command then
 * forks one helper process that measures every distinct path once (disk
 * blocks as du counts them, each inode once, not crossing mounts) and
 * answers from what it reports: a path several items share (a layer two
 * images have) counts once in a kind's size. */
#ifndef SKIFF_DISKUSE_H
#define SKIFF_DISKUSE_H

#include <stdbool.h>

#include "cmd.h"

enum du_kind { DU_IMAGES, DU_CONTAINERS, DU_VOLUMES, DU_KINDS };

struct du_list;

/* Add an item of kind: its name (image reference, container or volume
 * name; "" for none) and id, and the paths that hold its data, NULL-
 * terminated: files or directories (absent ones measure 0). */
void du_add(struct du_list *l, enum du_kind kind, bool active,
	    const char *name, const char *id, const char *const *paths);

typedef void (*du_lister_fn)(struct du_list *l);
/* One lister per kind (a later one replaces it). */
void diskuse_register(enum du_kind kind, du_lister_fn fn);

extern const struct command cmd_system_df;

#endif
