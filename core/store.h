/* store.h - durable state: one JSON file per object.
 *
 * Objects live at ROOT/KIND/ID.json. store_write_sync() is the one durable
 * write (temp O_EXCL, fsync, rename, fsync dir; temp unlinked on failure),
 * used directly before the loop runs. On the loop, store_put() and
 * store_del() hand the write to a group-commit writer process (so fsync
 * never stalls the loop) and call back once the state is durable; a
 * request's `ok` goes out only then. */
#ifndef SKIFF_STORE_H
#define SKIFF_STORE_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "base/err.h"

typedef void (*store_done_fn)(int errnum, void *ctx);

/* Durable write of data to dir/name, blocking. */
int store_write_sync(const char *dir, const char *name, const void *data,
		     size_t len, struct err *e);
/* Durable unlink of dir/name (ENOENT is success), blocking. */
int store_unlink_sync(const char *dir, const char *name, struct err *e);

/* Open the store at root (created 0700), start the writer process. */
int store_open(const char *root, struct err *e);
void store_close(void);
/* Queue a durable write of ROOT/kind/id.json; done runs on the loop. */
int store_put(const char *kind, const char *id, const char *json, size_t len,
	      store_done_fn done, void *ctx);
int store_del(const char *kind, const char *id, store_done_fn done, void *ctx);
/* Load every ROOT/kind/ *.json at start (blocking, before the loop): fn
 * gets each parsed tree; leftover *.tmp files are removed; a file that
 * does not parse is reported and renamed to *.bad, never fatal. */
int store_load(const char *kind,
	       void (*fn)(const char *id, yajl_val tree, void *ctx),
	       void *ctx, struct err *e);
/* The same, and bad (when set) is told of each file that does not
 * parse (why: the reason, its bytes escaped), now or at an earlier start
 * (a KIND/ID.json.bad), so its owner can show it; a bad may be told of
 * one id twice. */
int store_load_all(const char *kind,
		   void (*fn)(const char *id, yajl_val tree, void *ctx),
		   void (*bad)(const char *id, const char *why, void *ctx),
		   void *ctx, struct err *e);
/* Commits waiting for the writer (for `info`). */
unsigned store_pending(void);
/* The writer process's pid, 0 if none is running (for `info`, tests). */
int store_writer_pid(void);

#endif
