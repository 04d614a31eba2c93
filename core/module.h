/* module.h - a compiled-in daemon module.
 *
 * The Makefile generates core/modules_gen.c from MODULES= with the array
 * modules[]; its order is start order and stop runs in reverse. Unused hooks
 * are NULL. A module never includes another module's headers: modules talk
 * through the event bus (bus.h), the command table (cmd.h) and named
 * service tables (service.h, their shapes in modules/iface/). Each module
 * declares its own skiffd.json keys (config.h). */
#ifndef SKIFF_MODULE_H
#define SKIFF_MODULE_H

#include "base/err.h"
#include "bus.h"
#include "cmd.h"
#include "config.h"

struct module {
	const char *name;
	int (*init)(struct err *e);  /* before the loop runs: config, state */
	int (*start)(struct err *e); /* watchers on the loop */
	/* Orderly stop; call done() when finished (may be later, from the
	 * loop) so shutdown can wait for containers with timeouts. */
	void (*stop)(void (*done)(void));
	int (*reload)(struct err *e); /* SIGHUP */
	const struct command *const *commands;
	const struct bus_sub *subs; /* terminated by an entry with fn NULL */
	/* Add this module's facts to `info` (an open JSON object, under
	 * Skiff.NAME). */
	void (*info)(struct jw *w);
	/* The keys of Docker's `info` this module answers for, at the top
	 * level (Containers..., Images). */
	void (*info_docker)(struct jw *w);
	/* Its keys in skiffd.json and the settings they fill (config.h);
	 * read before init, again at SIGHUP (before reload). */
	const struct config_table *config;
	/* Counts for `info`: objects the module owns (containers, images). */
};

extern const struct module *const modules[];
extern const size_t modules_count;

#endif
