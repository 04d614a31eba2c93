/* diskuse.h - `system df`: how much disk each kind of thing the modules
 * keep takes (images, containers, volumes: the modules' words, not core's),
 * asked of the modules that own them.
 *
 * A module registers each kind it owns: its row's name, its items' name
 * and its lister. A lister runs on the loop and
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
#include <stdint.h>

#include "cmd.h"

struct du_list;

/* A kind of thing kept on disk, declared by the module that owns it. */
struct du_kind {
	const char *type; /* its summary row: "Images" */
	const char *item; /* each item's type with -v: "image" */
	int order;	  /* rows come in this order (Docker's) */
	void (*list)(struct du_list *l); /* adds the items (du_add) */
};

/* Add an item of kind: its name (image reference, container or volume
 * name; "" for none) and id, and the paths that hold its data, NULL-
 * terminated: files or directories (absent ones measure 0). */
void du_add(struct du_list *l, const struct du_kind *kind, bool active,
	    const char *name, const char *id, const char *const *paths);

/* Register a kind (static); rows follow kind->order. */
void diskuse_register(const struct du_kind *kind);

/* Measure paths as system df does (disk blocks, each inode once, not
 * crossing mounts; an absent path is 0) in a helper process, then call
 * done on the loop with one size per path, in order, or with the error
 * (sizes NULL). For a request that needs sizes (ps -s). */
typedef void (*du_measured)(void *ctx, const uint64_t *sizes,
			    const struct err *e);
int diskuse_measure(const char *const *paths, size_t n, du_measured done,
		    void *ctx, struct err *e);

extern const struct command cmd_system_df;

#endif
