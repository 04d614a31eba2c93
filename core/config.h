/* config.h - skiffd.json read through typed key tables.
 *
 * Core and every module declare the keys they own as a table of struct
 * config_key (redis's static_configs[]): the JSON key, its type and the
 * offsetof its value in the owner's settings struct (a struct flag, as a
 * command's flags are), its default, an optional check, and whether SIGHUP
 * applies a new value. config.c knows no key by name: it reads the file,
 * finds each key in the tables (core's, then each module's .config) and
 * refuses an unknown key or a bad value as FILE:LINE: "key": reason, so a
 * typo never falls back to a default silently. */
#ifndef SKIFF_CONFIG_H
#define SKIFF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "cmd.h"

struct yajl_val_s; /* yajl_tree's value */

enum config_key_flags {
	CONFIG_RELOAD = 1 << 0, /* SIGHUP applies a new value (else: start) */
};

/* Field types by f.type: FLAG_STR char * (owned; non-empty), FLAG_BOOL
 * bool (its default "true" or "false"), FLAG_INT long long, FLAG_SIZE and FLAG_DURATION int64_t (bytes,
 * milliseconds); these three are JSON strings ("3", "10m", "30s") as in
 * Docker's log-opts. FLAG_LIST a struct strlist of owned strings, its v
 * NULL-terminated (a JSON array of strings). */
struct config_key {
	/* name: the JSON key; offset: into the owner's settings; help: what
	 * a good value is, the reason given when one is refused. */
	struct flag f;
	const char *def; /* the default as the file would write it, or NULL */
	/* Optional: take the value's text (a JSON string or number) instead
	 * of f.type's parser, into a field of `size` bytes; called with NULL
	 * to set the default. -1 refuses it. */
	int (*parse)(void *field, const char *text);
	/* Optional: take the parsed JSON value itself (an array or object
	 * of the owner's shape: "default-address-pools") into a field of
	 * `size` bytes that owns no memory; called with NULL to set the
	 * default. -1 refuses it. */
	int (*parse_tree)(void *field, const struct yajl_val_s *v);
	size_t size;
	/* Optional: the parsed value's last check; may normalise it. */
	int (*check)(void *field);
	/* An object of keys instead of a value ("log-opts": {...}); their
	 * offsets are into the same settings. */
	const struct config_key *sub;
	unsigned flags; /* enum config_key_flags */
};

/* A table and the settings it fills (the live values). */
struct config_table {
	const struct config_key *keys; /* ends with f.name NULL */
	void *settings;
	size_t size; /* sizeof(*settings) */
};

/* Defaults, then the file at path over them, into every table's live
 * settings (at start). A missing file is fine when optional. */
int config_load(const char *path, bool optional, struct err *e);
/* SIGHUP: read the same file again into fresh copies; only when all of
 * it is good, keys marked CONFIG_RELOAD take their new values. */
int config_reload(struct err *e);
/* Free every table's owned values (at exit). */
void config_free(void);

#endif
