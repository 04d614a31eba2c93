/* daemon.h - the daemon's one context: its loop, configuration and clock.
 *
 * Single instance, owned by core/main.c; modules read it and never free
 * any of it. */
#ifndef SKIFF_DAEMON_H
#define SKIFF_DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"

struct config {
	char *root;	/* /var/lib/skiff */
	char *run_dir;	/* /run/skiff */
	char *sock;	/* /run/skiff/skiff.sock */
	char *path;	/* the config file read, or NULL */
	enum log_level log_level;
	int sock_gid;	/* group allowed on the socket, -1 none */
	/* Defaults for container logs (used by the supervisor). */
	int64_t log_max_size;
	int log_max_file;
	/* Images (the images module): collect least recently used images
	 * no container uses while the root's filesystem has less free than
	 * image_gc_free bytes (0: never), none used in image_gc_min_age. */
	int64_t image_gc_free;
	int64_t image_gc_min_age_ms;
};

struct daemon {
	struct ev_loop *loop;
	struct config cfg;
	int64_t started_ns; /* CLOCK_REALTIME at start */
	int64_t started_mono_ns;
	bool init_mode;	    /* runs under skiffd's own PID 1 */
	bool shutting_down;
	int shutdown_reason; /* 0 none, else the signal or SIGTERM */
};

extern struct daemon daemon_ctx;

int64_t now_ns(void);	   /* CLOCK_REALTIME */
int64_t mono_ns(void);	   /* CLOCK_MONOTONIC */
/* Begin an orderly stop: modules stop in reverse, then the loop ends. */
void daemon_shutdown(int reason);

/* config.c */
void config_defaults(struct config *c);
/* Read a JSON config file; errors name the file, line and reason. A
 * missing file is fine when `optional`. */
int config_load(struct config *c, const char *path, bool optional,
		struct err *e);
void config_free(struct config *c);

#endif
