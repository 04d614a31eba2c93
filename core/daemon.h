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
#include "roles.h"

/* Core's own settings (config.c's key table; a module's live in the
 * module, declared by its struct module's .config). */
struct config {
	char *root;	/* /var/lib/skiff */
	char *run_dir;	/* /run/skiff */
	char *sock;	/* /run/skiff/skiff.sock */
	char *path;	/* the config file read, or NULL */
	enum log_level log_level;
	int sock_gid;	/* group allowed on the socket, -1 none */
	int sock_mode;	/* the socket's mode; -1: 0600, 0660 with a group */
	struct roles roles; /* grants of roles to peers (roles.h) */
	/* Remote access (tls.h): "hosts" (tcp://ADDR:PORT; a unix://PATH
	 * one replaces sock), mutual TLS or, forced, plain TCP. */
	struct strlist hosts;
	bool tlsverify, tcp_insecure;
	char *tlscacert, *tlscert, *tlskey;
	int64_t tls_handshake_ms;
};

struct daemon {
	struct ev_loop *loop;
	struct config cfg;
	int64_t started_ns; /* CLOCK_REALTIME at start */
	int64_t started_mono_ns;
	bool init_mode;	    /* runs under skiffd's own PID 1 */
	bool shutting_down;
	bool upgrading; /* the loop ends for a new skiffd to go on */
	int shutdown_reason; /* 0 none, else the signal or SIGTERM */
};

extern struct daemon daemon_ctx;

int64_t now_ns(void);	   /* CLOCK_REALTIME */
int64_t mono_ns(void);	   /* CLOCK_MONOTONIC */
/* Begin an orderly stop: modules stop in reverse, then the loop ends. */
void daemon_shutdown(int reason);
/* Live upgrade: the loop ends with every container left running, state
 * made durable, and skiffd exits KEEP_EXIT_RESTART for its keeper to
 * start the binary on disk, which re-adopts them (core/fdstore.h). */
void daemon_upgrade(void);

#endif
