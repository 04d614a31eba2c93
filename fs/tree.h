/* tree.h - directory trees: removal (every layer's one way to remove a
 * tree: fd-based, never path-based nftw). May block: run it in a helper
 * process (core/helper), never on the loop. */
#ifndef SKIFF_TREE_H
#define SKIFF_TREE_H

#include "../core/base/err.h"

/* Remove the tree dirfd/name (never following symlinks, never leaving the
 * tree or its filesystem, with a constant number of fds whatever its
 * depth); a non-directory is unlinked; ENOENT is not an error. */
int tree_remove(int dirfd, const char *name, struct err *e);

#endif
