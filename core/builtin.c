/* builtin.c - the daemon's own verbs: ping, version, info, help, events,
 * shutdown, system df (core/diskuse.c), system upgrade. They need no
 * module; modules add theirs through the same table. Owns the list of
 * `events` streams (struct ev_stream). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_version.h>

#include "base/cleanup.h"
#include "builtin.h"
#include "bus.h"
#include "ctl.h"
#include "daemon.h"
#include "diskuse.h"
#include "fdstore.h"
#include "host.h"
#include "loopstat.h"
#include "module.h"
#include "proc.h"
#include "store.h"
#include "base/xalloc.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1.0"
#endif
#ifndef SKIFF_GIT
#define SKIFF_GIT "unknown"
#endif

/* `events` streams open now (Docker's NEventsListener). */
static int ev_stream_count;

/* ---- ping ---- */

static int do_ping(struct ctl_req *r, void *args, struct err *e)
{
	return 0;
}

static const struct command cmd_ping = { "ping", do_ping };

/* ---- version ---- */

#if defined(__x86_64__)
#define ARCH "amd64"
#elif defined(__aarch64__)
#define ARCH "arm64"
#else
#define ARCH "other"
#endif
/* The line protocol's version (skiff's, not the Docker Engine API's). */
#define PROTO_VERSION "1"

/* Docker's GET /version (the Server half of `docker version`; the CLI
 * adds its own Client half): skiffd is the Engine, and the libraries
 * it is built on are its other components. */
static int do_version(struct ctl_req *r, void *args, struct err *e)
{
	struct jw w;
	struct utsname u;
	char ev[16], yv[16];

	uname(&u);
	snprintf(ev, sizeof(ev), "%d.%d", ev_version_major(),
		 ev_version_minor());
	snprintf(yv, sizeof(yv), "%d.%d.%d", YAJL_MAJOR, YAJL_MINOR,
		 YAJL_MICRO);
	ctl_req_json(r, &w);
	jw_obj(&w, "Platform");
	jw_str(&w, "Name", "skiff");
	jw_end_obj(&w);
	jw_arr(&w, "Components");
	jw_obj(&w, NULL);
	jw_str(&w, "Name", "Engine");
	jw_str(&w, "Version", SKIFF_VERSION);
	jw_obj(&w, "Details");
	jw_str(&w, "ApiVersion", PROTO_VERSION);
	jw_str(&w, "Arch", ARCH);
	jw_str(&w, "GitCommit", SKIFF_GIT);
	jw_str(&w, "KernelVersion", u.release);
	jw_str(&w, "MinAPIVersion", PROTO_VERSION);
	jw_str(&w, "Os", "linux");
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_obj(&w, NULL);
	jw_str(&w, "Name", "libev");
	jw_str(&w, "Version", ev);
	jw_end_obj(&w);
	jw_obj(&w, NULL);
	jw_str(&w, "Name", "yajl");
	jw_str(&w, "Version", yv);
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_str(&w, "Version", SKIFF_VERSION);
	jw_str(&w, "ApiVersion", PROTO_VERSION);
	jw_str(&w, "MinAPIVersion", PROTO_VERSION);
	jw_str(&w, "GitCommit", SKIFF_GIT);
	jw_str(&w, "Os", "linux");
	jw_str(&w, "Arch", ARCH);
	jw_str(&w, "KernelVersion", u.release);
	jw_close(&w);
	return 0;
}

static const struct command cmd_version = { "version", do_version };

/* ---- info ---- */

static void info_daemon(struct jw *w)
{
	const struct config *c = &daemon_ctx.cfg;

	jw_obj(w, "daemon");
	jw_str(w, "version", SKIFF_VERSION);
	jw_int(w, "pid", getpid());
	jw_int(w, "uptime_seconds",
	       (mono_ns() - daemon_ctx.started_mono_ns) / 1000000000);
	jw_bool(w, "init", daemon_ctx.init_mode);
	jw_str(w, "root", c->root);
	jw_str(w, "run_dir", c->run_dir);
	jw_str(w, "socket", c->sock);
	jw_str(w, "config", c->path ? c->path : "");
	jw_arr(w, "modules");
	for (size_t i = 0; i < modules_count; i++)
		jw_vstr(w, modules[i]->name);
	jw_end_arr(w);
	jw_obj(w, "counts");
	jw_int(w, "clients", ctl_client_count());
	jw_int(w, "children", proc_count());
	jw_uint(w, "events", bus_last_seq());
	jw_int(w, "store_pending", store_pending());
	jw_end_obj(w);
	jw_end_obj(w);
}

/* The daemon's keys of Docker's GET /info. */
static void info_docker(struct jw *w)
{
	char t[64];
	int64_t ns = now_ns();
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%09lldZ",
		 (long long)(ns % 1000000000));
	jw_str(w, "SystemTime", t);
	jw_int(w, "NEventsListener", ev_stream_count);
	host_docker(w);
	jw_str(w, "DockerRootDir", daemon_ctx.cfg.root);
	jw_arr(w, "Labels");
	jw_end_arr(w);
	jw_bool(w, "ExperimentalBuild", false);
	jw_str(w, "ServerVersion", SKIFF_VERSION);
	/* containers outlive a restart of skiffd (DESIGN 4) */
	jw_bool(w, "LiveRestoreEnabled", true);
}

/* Docker's keys at the top (from core, the host and each module's
 * info_docker), skiff's own facts under Skiff. */
static int do_info(struct ctl_req *r, void *args, struct err *e)
{
	struct jw w;

	ctl_req_json(r, &w);
	for (size_t i = 0; i < modules_count; i++)
		if (modules[i]->info_docker)
			modules[i]->info_docker(&w);
	info_docker(&w);
	jw_obj(&w, "Skiff");
	jw_obj(&w, "host");
	host_describe(&w);
	jw_end_obj(&w);
	info_daemon(&w);
	for (size_t i = 0; i < modules_count; i++)
		if (modules[i]->info) {
			jw_obj(&w, modules[i]->name);
			modules[i]->info(&w);
			jw_end_obj(&w);
		}
	jw_end_obj(&w);
	jw_close(&w);
	return 0;
}

static const struct command cmd_info = { "info", do_info };

/* ---- help ---- */

static void help_line(const struct cmdspec *c, void *ctx)
{
	struct jw w;

	ctl_req_json(ctx, &w);
	jw_str(&w, "command", c->name);
	jw_str(&w, "description", c->summary);
	jw_close(&w);
}

static int do_help(struct ctl_req *r, void *args, struct err *e)
{
	int used;
	const struct cmdspec *c;
	struct buf text = { 0 };
	struct jw w;

	if (!ctl_req_argc(r)) {
		cmd_foreach(help_line, r);
		return 0;
	}
	c = cmd_lookup(ctl_req_argc(r), ctl_req_argv(r), &used);
	if (!c || used != ctl_req_argc(r))
		return err_setc(e, ERR_NOT_FOUND, "unknown command \"%s\"",
				ctl_req_argv(r)[0]);
	cmd_usage(c, &text);
	ctl_req_json(r, &w);
	jw_strn(&w, "text", buf_head(&text), buf_used(&text));
	jw_close(&w);
	buf_free(&text);
	return 0;
}

static const struct command cmd_help = { "help", do_help };

/* ---- events ---- */

/* One subscriber: a cursor into the bus ring and its filters, which point
 * into the request's arguments (alive until release). */
struct ev_stream {
	uint64_t cursor;
	int64_t since_ns;
	const struct strlist *filter;
};

enum { F_TYPE, F_ACTION, F_ID, F_COUNT };

/* Which event field a filter names (-1: none); *val gets its value. */
static int filter_field(const char *f, const char **val)
{
	static const struct {
		const char *key;
		int field;
	} keys[] = { { "type=", F_TYPE },     { "action=", F_ACTION },
		     { "event=", F_ACTION },  { "id=", F_ID },
		     { "container=", F_ID } };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t n = strlen(keys[i].key);
		if (!strncmp(f, keys[i].key, n)) {
			*val = f + n;
			return keys[i].field;
		}
	}
	return -1;
}

/* An action with a detail after a colon is also matched by its name
 * alone: event=health_status takes "health_status: healthy" (Docker). */
static bool action_family(const char *action, const char *val)
{
	size_t n = strlen(val);

	return n && !strchr(val, ':') && !strncmp(action, val, n) &&
	       action[n] == ':';
}

/* Docker's rule: values of one key are OR'ed, different keys AND'ed; an
 * id matches by prefix. */
static bool ev_match(const struct ev_stream *s, const struct bus_event *ev)
{
	const char *fields[F_COUNT] = { ev->type, ev->action, ev->id }, *val;
	bool named[F_COUNT] = { 0 }, hit[F_COUNT] = { 0 };

	if (ev->time_ns < s->since_ns)
		return false;
	for (int i = 0; i < s->filter->n; i++) {
		int k = filter_field(s->filter->v[i], &val);
		named[k] = true;
		hit[k] |= k == F_ID ? *val && !strncmp(fields[k], val,
							 strlen(val))
				    : !strcmp(fields[k], val) ||
					      (k == F_ACTION &&
					       action_family(fields[k], val));
	}
	for (int k = 0; k < F_COUNT; k++)
		if (named[k] && !hit[k])
			return false;
	return true;
}

static enum ctl_produce events_produce(struct ctl_req *r, void *ctx,
				       struct err *e)
{
	struct ev_stream *s = ctx;
	struct buf *out = ctl_req_out(r);

	while (s->cursor <= bus_last_seq()) {
		const struct bus_event *ev = bus_get(s->cursor);
		if (!ctl_req_room(r))
			return CTL_MORE;
		if (!ev) {
			err_setc(e, ERR_TOO_LARGE,
				 "events: fell %llu events behind and they "
				 "are gone; read faster",
				 (unsigned long long)(bus_last_seq() -
						      s->cursor));
			return CTL_FAIL;
		}
		s->cursor++;
		if (ev_match(s, ev))
			buf_puts(out, ev->line);
	}
	return daemon_ctx.shutting_down ? CTL_DONE : CTL_MORE;
}

static void events_release(void *ctx)
{
	ev_stream_count--;
	free(ctx);
}

static const struct ctl_stream_ops events_ops = {
	.produce = events_produce,
	.release = events_release,
};

/* --since: a duration back from now ("10m") or Unix seconds. */
static int parse_since(const char *s, int64_t *ns, struct err *e)
{
	int64_t ms;
	char *end;
	long long secs;

	*ns = 0;
	if (!s)
		return 0;
	errno = 0;
	secs = strtoll(s, &end, 10);
	if (!errno && !*end && secs > 100000000) {
		*ns = secs * 1000000000LL;
		return 0;
	}
	if (cmd_parse_duration(s, &ms) < 0)
		return err_setc(e, ERR_INVALID,
				"--since \"%s\": expected a duration (10m) "
				"or Unix seconds", s);
	*ns = now_ns() - ms * 1000000;
	return 0;
}

static int do_events(struct ctl_req *r, void *args, struct err *e)
{
	struct events_args *a = args;
	struct ev_stream *s;
	const char *val;
	int64_t since;
	uint64_t last = bus_last_seq();

	for (int i = 0; i < a->filter.n; i++)
		if (filter_field(a->filter.v[i], &val) < 0)
			return err_setc(e, ERR_INVALID,
					"invalid filter \"%s\" (use type=, "
					"action=, id=)", a->filter.v[i]);
	if (parse_since(a->since, &since, e) < 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	ev_stream_count++;
	s->filter = &a->filter;
	s->since_ns = since;
	s->cursor = last + 1;
	if (a->since)
		s->cursor = last >= BUS_RING ? last - BUS_RING + 2 : 1;
	ctl_req_stream(r, &events_ops, s);
	return CMD_PENDING;
}

static const struct command cmd_events = { "events", do_events };

/* ---- shutdown ---- */

static int do_shutdown(struct ctl_req *r, void *args, struct err *e)
{
	daemon_shutdown(0);
	return 0;
}

static const struct command cmd_shutdown = { "shutdown", do_shutdown };

/* ---- system dial-stdio ---- */

/* Sent first by `skiff system dial-stdio` (the far end of -H ssh://):
 * this connection is relayed, so it takes no descriptor; verbs that
 * would pass one say so, as over tcp://. */
static int do_dial_stdio(struct ctl_req *r, void *args, struct err *e)
{
	ctl_req_no_fds(r);
	return 0;
}

static const struct command cmd_dial_stdio = { "system dial-stdio",
					       do_dial_stdio };

/* ---- system upgrade ---- */

static int do_upgrade(struct ctl_req *r, void *args, struct err *e)
{
	if (!fdstore_present())
		return err_setc(e, ERR_CONFLICT, "skiffd runs without its "
				"keeper (skiffd-keeper): no live upgrade");
	daemon_upgrade();
	return 0;
}

static const struct command cmd_upgrade = { "system upgrade", do_upgrade };

static const struct command *const builtin_list[] = {
	&cmd_ping, &cmd_version, &cmd_info,	&cmd_help,
	&cmd_events, &cmd_shutdown, &cmd_system_df, &cmd_upgrade,
	&cmd_system_loop, &cmd_dial_stdio, NULL,
};

void builtin_register(void)
{
	cmd_register(NULL, builtin_list);
	bus_set_notify(ctl_wake_streams);
}
