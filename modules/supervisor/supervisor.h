/* supervisor.h - the supervisor module's own types (module-internal).
 *
 * One struct ctr per container, owned by the registry in ctr.c. A ctr is
 * rebuilt from its state file (ROOT/containers/ID.json) plus, while it
 * runs, the kernel objects it holds: the pidfd (core/proc), the cgroup and
 * the stdio pipes. Lifecycle (lifecycle.c) is a state x event table of
 * small actions and the only writer of a container's state; commands
 * (cmds.c, ctrcmds.c) only look containers up, validate and pass events
 * to ctr_event().
 *
 * Calls between the files go one way, never in a loop: cmds.c ->
 * ctrcmds.c, ctrcp.c, health.c, volumes.c -> lifecycle.c, exec.c ->
 * control.c, ctrlog.c -> ctr.c, stdio.c, labels.c, settings.c,
 * ctrspawn.c. What a lower file tells a higher one goes through what the
 * higher one registered: a struct ctr_part (its state file fields, ps
 * text and the lifecycle's moments: health and volumes) or a callback
 * (the freezer's frozen, ctr_load_all's state). */
#ifndef SKIFF_SUPERVISOR_H
#define SKIFF_SUPERVISOR_H

#include <ev.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../core/base/buf.h"
#include "../../core/base/err.h"
#include "../../core/cmd.h"
#include "../../core/config.h"
#include "../../core/ctl.h"
#include "../../core/proc.h"
#include "../../fs/cgroup.h"
#include "../../fs/spawn.h"
#include "../../proto/jtree.h"
#include "../../proto/json.h"

#define CTR_ID_LEN 64
#define CTR_SPEC_PIECES 5 /* shared parts of a config.json (ctr.c) */

enum ctr_restart {
	RESTART_NO,
	RESTART_ON_FAILURE,
	RESTART_ALWAYS,
	RESTART_UNLESS_STOPPED,
};

enum ctr_state {
	CTR_CREATED, /* first: a new struct ctr (zeroed) is created */
	CTR_STARTING,
	CTR_RUNNING,
	CTR_PAUSED,
	CTR_STOPPING,
	CTR_EXITED,
	CTR_RESTARTING, /* exited; its policy's restart timer runs */
	CTR_REMOVING,	/* removed once its output has drained */
	CTR_DEAD,	/* its state file does not parse: only rm (dead_reason) */
	CTR_NSTATES
};

/* What happens to a container: requests (start, stop, signal, pause,
 * unpause, remove) and what the loop sees (exec'd, setup failed, exit,
 * drained, frozen, found running at daemon start). */
enum ctr_event {
	EV_START,
	EV_EXECD,
	EV_SETUP_FAILED,
	EV_EXIT,
	EV_DRAINED,
	EV_STOP,
	EV_KILL,
	EV_PAUSE,
	EV_FROZEN,
	EV_UNPAUSE,
	EV_REMOVE,
	EV_ADOPT,
	EV_N
};

/* A request waiting for the container to exit (stop, wait, rm -f). */
struct ctr_waiter {
	struct ctl_req *req;
	void (*fn)(struct ctl_req *req, struct ctr_waiter *w, int exit_code);
	struct ctr_waiter *next;
};

/* An internal operation waiting for a start or a removal to settle
 * (ctrcmds.c's per-container results); fn runs once, then is cleared. */
struct ctr_hook {
	void (*fn)(void *ctx, const struct err *e);
	void *ctx;
};

/* An event's details (unused fields zero). */
struct ctr_evarg {
	int sig;		   /* EV_KILL: the signal */
	int64_t timeout_ms;	   /* EV_STOP: SIGKILL after this */
	struct ctr_waiter *waiter; /* EV_STOP: runs on the exit, or NULL */
	struct ctr_hook hook;	   /* EV_PAUSE: runs once frozen or failed */
	const struct err *why;	   /* EV_SETUP_FAILED */
	int exit_code;		   /* EV_EXIT */
};

struct logfile;
struct oci_spec;
struct zjob; /* ctrlog.c: a log compression helper */
struct exec_probe;
struct follower; /* ctrlog.c: a `logs -f` stream */
struct attach;   /* ctrlog.c: an attached client */
struct pause_op; /* control.c: a freeze in progress */

/* volumes.c: one mount of a container (-v, --mount, --volumes-from, the
 * image's Volumes). type "volume": name, source = its _data directory;
 * "bind": source; "tmpfs": neither. opts: extra mount options or NULL. */
struct ctr_mount {
	char *type, *name, *source, *dest, *opts;
	bool rw;
	bool nocopy; /* no copy-up (volume-nocopy, --volumes-from) */
};

/* ---- healthchecks (health.c) ---- */

enum health_status {
	HEALTH_NONE, /* no healthcheck */
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
};

/* --health-on-failure: what becoming unhealthy does. */
enum health_action {
	HEALTH_ACT_NONE,
	HEALTH_ACT_KILL,    /* SIGKILL; the restart policy decides */
	HEALTH_ACT_RESTART, /* stop, then start again (counted a restart) */
};

#define HEALTH_LOG_MAX 5

struct health_result {
	int64_t start_ns, end_ns; /* CLOCK_REALTIME */
	int exit_code;		  /* -1: timed out or not started */
	char *output;		  /* NUL-terminated copy of output_len bytes */
	size_t output_len;
};

/* struct health_opts (the run/create --health-* flags) is in
 * proto/cmdreq.h, with the rest of the request. */

/* A container's healthcheck: the config (persisted in its state file)
 * and the running state (reset to starting at every start). */
struct ctr_health {
	char *cmd; /* run as /bin/sh -c CMD; NULL: no healthcheck */
	bool disabled; /* --no-healthcheck: shown as test ["NONE"] */
	int64_t interval_ms, timeout_ms, start_period_ms;
	int retries;
	enum health_action on_failure;
	enum health_status status;
	int failing_streak;
	/* the last results, oldest first: HEALTH_LOG_MAX slots allocated
	 * with the first (most containers have no healthcheck) */
	struct health_result *log;
	int nlog;
	bool restart;	 /* an on-failure restart is under way */
	ev_timer timer;	 /* the next probe */
	struct exec_probe *probe; /* the one in flight */
	int64_t probe_start_ns;	  /* CLOCK_REALTIME, for the log */
	int64_t run_mono, probe_mono; /* CLOCK_MONOTONIC: start, probe */
};

/* stdio.c: a read end of a process's stdout or stderr (or its pty
 * master), a container's or an exec's. */
struct ctr_pipe;
struct ctr_pipe_ops {
	void (*data)(struct ctr_pipe *p, const char *buf, size_t len);
	void (*eof)(struct ctr_pipe *p); /* closed; may free the owner */
};
struct ctr_pipe {
	int fd; /* -1: closed */
	ev_io io;
	const char *stream; /* "stdout" / "stderr" */
	void *owner;	    /* the struct ctr or struct exec it feeds */
	const struct ctr_pipe_ops *ops;
};
/* Watch fd (taken; made non-blocking): ops->data gets each read. An fd
 * that cannot be made non-blocking is closed (a blocking read would
 * stall the loop): -1, e set. */
int ctr_pipe_watch(struct ctr_pipe *p, int fd, const char *stream,
		   void *owner, const struct ctr_pipe_ops *ops, struct err *e);
/* Close (if open), then ops->eof. */
void ctr_pipe_close(struct ctr_pipe *p);
/* Stop or resume reading (back-pressure from a slow client). */
void ctr_pipe_pause(struct ctr_pipe *p, bool pause);

struct ctr {
	char id[CTR_ID_LEN + 1];
	char *name;
	char *rootfs;	   /* the read-only lower directory (or layers, a:b) */
	char *image;	   /* the image reference it was made from, or NULL */
	char *image_id;	   /* that image's id (config digest), or NULL */
	char *command;	   /* the process's args, joined, for ps */
	char *dead_reason; /* CTR_DEAD: why (inspect's error) */
	/* config.json as written, kept as the text around its parts that
	 * most containers have alike (seccomp profile, capabilities, mounts,
	 * masked and read-only paths) plus those parts, each shared by every
	 * container with the same one (ctr_spec() joins; ctr_set_spec()
	 * cuts). */
	char *spec_rest;
	struct ctr_spec_cut {
		uint32_t at; /* where in spec_rest the piece goes */
		struct ctr_piece *piece;
	} spec_cut[CTR_SPEC_PIECES];
	unsigned spec_ncut;
	char *labels_json; /* {"k":"v"} or NULL */
	/* the image's ExposedPorts, {"80/tcp":{}}, or NULL; shown in
	 * inspect (publishing ports comes with networking) */
	char *exposed_json;
	enum ctr_state state; /* written by lifecycle.c alone */
	int64_t created_ns, started_ns, finished_ns;
	int exit_code;
	bool oom_killed;
	bool exit_pending; /* exited; output still draining */
	bool auto_remove; /* --rm */
	bool tty;	  /* -t: stdio is a pty; its master is `out` */
	bool open_stdin;  /* -i: stdin stays open for clients to write */
	bool stdin_once;  /* run -i attached: stdin closes with its client */
	enum ctr_restart restart;
	int restart_max;     /* on-failure:N, 0 = no limit */
	int restart_count;   /* restarts since the last manual start */
	bool manual_stop;    /* stopped by `stop`: policies leave it be */
	/* loaded as waiting for its restart: skiffd died (or stopped) in
	 * the back-off, and the restart is still owed */
	bool restart_due;
	int64_t backoff_ms;  /* next restart delay */
	ev_timer restart_timer;
	int stop_signal;
	int64_t stop_timeout_ms;
	int pid;
	/* its start time (/proc/PID/stat, clock ticks since boot): with the
	 * pidfd the keeper held, what re-adoption checks (never pid alone) */
	uint64_t pid_start;
	struct cgroup_limits limits;
	struct ctr_health health;
	struct ctr_mount *mounts; /* volumes.c */
	int n_mounts;
	bool rm_anon; /* removal takes its anonymous volumes (rm -v, --rm) */
	/* Running state (not persisted; rebuilt by re-adoption). */
	struct proc *proc;
	struct spawn *sp;
	/* The spec create built, for its first start (then NULL). */
	struct oci_spec *fresh_spec;
	bool early_exit;	/* exited before the start was settled */
	int early_code;		/* its exit code */
	ev_io sync_io;
	struct cgroup *cg;
	uint64_t oom_base;
	struct ctr_pipe out, err;
	int stdin_fd; /* -i without -t: write end of stdin's pipe, or -1 */
	struct logfile *log;
	struct zjob *compressor; /* a rotated log being compressed */
	struct follower *followers; /* ctrlog.c's `logs -f` streams */
	int64_t log_max_size;
	int log_max_file;
	struct attach *attached; /* ctrlog.c's attached clients */
	bool paused;   /* pipes paused for a slow attached client */
	struct pause_op *pause_op; /* control.c: a pause in progress */
	ev_timer kill_timer, rm_timer;
	struct ctr_waiter *waiters;
	struct ctl_req *start_req; /* answered once running and saved */
	struct ctr_hook start_hook; /* runs once running and saved, or failed */
	struct ctr_hook rm_hook;    /* runs once the removal is durable */
	unsigned cp_busy; /* ctrcp.c: copies in progress (no start, no rm) */
	unsigned pins; /* state writes in flight */
	bool removed;  /* unlinked; freed when pins reaches 0 */
	struct ctr *next;
};

/* nsmode.c: --pid, --ipc, --uts. nsmode_parse checks the words (and
 * that a container:NAME exists) and fills the specgen switches;
 * nsmode_annotate records the modes in the spec's annotations
 * (io.skiff.pid, io.skiff.ipc, io.skiff.uts; a container by its id);
 * nsmode_join, at each start, points the spec at the running donor's
 * namespaces (ERR_CONFLICT when it is not running or, for ipc, not
 * shareable) and sets *changed. */
struct nsmode {
	bool host_pid, host_ipc, host_uts, ipc_none, host_cgroupns;
	char ipc[80], pid[80]; /* the annotation values; "" none */
};
struct create_args;
struct specgen_opts;
int nsmode_parse(const struct create_args *a, struct nsmode *m,
		 struct err *e);
int nsmode_annotate(const struct nsmode *m, const struct create_args *a,
		    struct oci_spec *spec, struct err *e);
int nsmode_join(const struct ctr *c, struct oci_spec *spec, bool *changed,
		struct err *e);

/* ctrflags.c: Docker's run/create flags that only need a check: the
 * deprecated (--kernel-memory: a warning), the Windows-only
 * (--isolation), the unsupported (--gpus, --storage-opt, a
 * --volume-driver other than local): ERR_INVALID naming the flag. */
int ctrflags_check(const struct create_args *a, struct err *e);

/* stdio.c: close the daemon's end of a container's stdin pipe (it sees
 * EOF once no client holds one either). */
void ctr_stdin_close(struct ctr *c);

/* ctr.c: the registry */
struct ctr *ctr_new(const char *name, struct err *e);
/* A new random id: CTR_ID_LEN hex digits (containers' and execs'). */
void ctr_gen_id(char *out);
/* Give c a new name: valid like create's and unique (not saved here). */
int ctr_rename(struct ctr *c, const char *name, struct err *e);
void ctr_free(struct ctr *c);
void ctr_unlink(struct ctr *c);
/* Unlink and free c once no state write of it is in flight. */
void ctr_release(struct ctr *c);
/* Exact id, exact name, or unique id prefix (Docker's rules). */
struct ctr *ctr_find(const char *ref, struct err *e);
struct ctr *ctr_first(void);
unsigned ctr_count(void);
const char *ctr_state_name(const struct ctr *c);
/* Human status for ps: "Up 3 minutes", "Exited (0) 2 seconds ago". */
void ctr_status_text(const struct ctr *c, char *out, size_t len);
char *ctr_dir(const struct ctr *c, const char *sub); /* malloc'd path */
/* Persist; done runs once durable (may be NULL). */
void ctr_save(struct ctr *c, void (*done)(int errnum, void *ctx), void *ctx);
void ctr_write_json(const struct ctr *c, struct jw *w, bool full);
/* Keep json (taken) as c's config.json; the whole text, malloc'd. */
void ctr_set_spec(struct ctr *c, char *json);
char *ctr_spec(const struct ctr *c);
/* The data line {"exit_code":N} that ends run, exec and wait. */
void ctr_reply_exit_code(struct ctl_req *r, int code);
/* Rebuild the registry from the state files; state gets each container
 * and the state its file names, after every part has loaded (lifecycle's
 * ctr_state_load: ctr.c sets no state). */
int ctr_load_all(void (*state)(struct ctr *c, const char *name),
		 struct err *e);
/* The moments of a container's life that parts hear of: lifecycle.c
 * announces them with ctr_parts_at() and knows no part by name. */
enum ctr_moment {
	CTR_AT_RUNNING,	 /* exec'd: running from now */
	CTR_AT_EXITED,	 /* its process is gone */
	CTR_AT_FREEZING, /* a pause begins */
	CTR_AT_THAWED,	 /* unpaused, or the pause failed */
	CTR_AT_REMOVING, /* about to be removed */
	CTR_AT_N
};
/* A part of a container another file keeps (health.c, volumes.c): its
 * fields in the state file and inspect, read back at load, freed with
 * the container, told of the lifecycle's moments. ctr.c runs the
 * registered parts in the order they were registered (module init) and
 * knows nothing else of them, so the registry and the lifecycle include
 * no part and the parts include neither back in a loop. Any hook may be
 * NULL. */
struct ctr_part {
	void (*write_json)(const struct ctr *c, struct jw *w);
	void (*load)(struct ctr *c, yajl_val t);
	void (*free)(struct ctr *c);
	/* What ps shows after "Up 3 minutes" ("" for nothing). */
	const char *(*ps_suffix)(const struct ctr *c);
	void (*at[CTR_AT_N])(struct ctr *c);
};
void ctr_part_register(const struct ctr_part *p);
void ctr_parts_at(struct ctr *c, enum ctr_moment m);
/* Run a hook once: its fn is cleared before it runs. */
void ctr_hook_fire(struct ctr_hook *h, const struct err *e);
/* Remove the tree dir (taken, malloc'd) in a helper process: a
 * container's upper layer or a volume can be large. what names it in
 * the log if that fails. */
void ctr_remove_tree(char *dir, const char *what);
/* labels.c: -l K=V words as {"K":"V"} (malloc'd), or NULL and e set. */
char *ctr_labels_json(const struct strlist *l, struct err *e);
/* The same over base labels (an image's: n keys and values, in order):
 * a --label of the same key wins; each key once. Keys are 1 to 255
 * bytes. */
char *ctr_labels_merge(const struct strlist *l, char *const *keys,
		       char *const *vals, size_t n, struct err *e);

/* settings.c: this module's keys in skiffd.json (core/config.h) */
struct sup_settings {
	int64_t log_max_size;	/* log-opts max-size: --log-opt's default */
	long long log_max_file; /* log-opts max-file */
};
extern struct sup_settings sup_settings;
extern const struct config_table sup_config;

/* lifecycle.c */
extern struct cgroup_sys ctr_cgroups;
extern bool ctr_have_cgroups;
/* The one entry for every change of a container's state: run ev's
 * action for c's state, or refuse it (ERR_CONFLICT, saying why). a may
 * be NULL; e may be NULL for events the loop raises. Returns 0, 1
 * (EV_STOP: nothing runs, nothing to wait for) or -1. */
int ctr_event(struct ctr *c, enum ctr_event ev, const struct ctr_evarg *a,
	      struct err *e);
bool ctr_event_allowed(enum ctr_state s, enum ctr_event ev);
const char *ctr_event_name(enum ctr_event ev);
/* adopt.c: re-adoption of the containers a skiffd that died left to
 * the keeper (core/fdstore.h) */
/* pid's start time from /proc/PID/stat, 0 if it cannot be read. */
uint64_t ctr_proc_start(pid_t pid);
/* The keeper's entry for c (its fds still the entry's), or NULL. */
struct fdstore_entry *ctr_keeper_entry(const struct ctr *c);
/* A wait status as a shell's exit code (128 + signal). */
int ctr_wait_code(int wstatus);
/* After the load: the keeper forgets what no container took. */
void ctr_adopt_done(void);
/* Set the state a state file names (at load; running is adopted). */
void ctr_state_load(struct ctr *c, const char *name);
/* Exited (restarting and removing count): no process, maybe draining. */
static inline bool ctr_has_exited(const struct ctr *c)
{
	return c->state == CTR_EXITED || c->state == CTR_RESTARTING ||
	       c->state == CTR_REMOVING;
}
void ctr_add_waiter(struct ctr *c, struct ctr_waiter *w);
void ctr_stop_all(void (*done)(void));
/* At daemon start: containers whose policy says they run. */
void ctr_start_policy(void);
const char *ctr_restart_name(enum ctr_restart r);
int ctr_restart_parse(const char *s, struct ctr *c, struct err *e);
/* At start, for a container that does not run: a cgroup left by a crash
 * mid-start is destroyed with what runs in it. */
void ctr_cgroup_sweep(struct ctr *c);
/* Cgroups still being removed (their processes are exiting). */
unsigned ctr_cgroups_pending(void);

/* control.c: the freezer (lifecycle.c's pause and unpause actions) */
/* Freeze c's cgroup; once frozen it calls frozen (lifecycle.c raises
 * EV_FROZEN; a refusal thaws it again), then done runs (with an error if
 * the freeze failed or was refused). */
int ctr_freezer_start(struct ctr *c,
		      int (*frozen)(struct ctr *c, struct err *e),
		      const struct ctr_hook *done, struct err *e);
int ctr_freezer_thaw(struct ctr *c, struct err *e);
/* The container exited while a freeze was in progress. */
void ctr_pause_abort(struct ctr *c);
extern const struct command ctr_cmd_stats;

/* ctrcmds.c: start, stop, kill, rm, restart, pause, unpause and wait of
 * one or more containers; rename and top */
/* A signal by number or name ("9", "KILL", "SIGKILL"), or -1 and e set. */
int ctr_parse_signal(const char *s, struct err *e);
extern const struct command ctr_cmd_start, ctr_cmd_stop, ctr_cmd_kill,
	ctr_cmd_rm, ctr_cmd_restart, ctr_cmd_pause, ctr_cmd_unpause,
	ctr_cmd_wait, ctr_cmd_rename, ctr_cmd_top;
/* ctrcp.c */
extern const struct command ctr_cmd_cp, ctr_cmd_export;
#define CTRCMDS_COMMANDS                                                  \
	&ctr_cmd_start, &ctr_cmd_stop, &ctr_cmd_kill, &ctr_cmd_rm,        \
		&ctr_cmd_restart, &ctr_cmd_pause, &ctr_cmd_unpause,       \
		&ctr_cmd_wait, &ctr_cmd_rename, &ctr_cmd_top, &ctr_cmd_cp, &ctr_cmd_export,

/* health.c */
/* Register the healthcheck as a part of every container (ctr_part): its
 * start, stop, pause and resume below run at the lifecycle's moments. */
void health_init(void);
/* Check the flags and fill h (config only); nothing is changed on error. */
int health_parse(struct ctr_health *h, const struct health_opts *o,
		 struct err *e);
/* Running now: status starting, first probe one interval from now. */
void health_start(struct ctr *c);
/* Exited (or about to be removed): no probe in flight, no timer. */
void health_stop(struct ctr *c);
/* Frozen by pause / thawed: probes stop and resume. */
void health_pause(struct ctr *c);
void health_resume(struct ctr *c);
void health_free(struct ctr *c);
/* "starting", "healthy", "unhealthy" or "none". */
const char *health_status_name(const struct ctr *c);
/* For ps: " (healthy)", " (health: starting)", " (unhealthy)" or "". */
const char *health_ps_suffix(const struct ctr *c);
/* --health-on-failure's word: "none", "kill" or "restart". */
const char *health_action_name(const struct ctr *c);
/* State file and inspect: "healthcheck" (config) and "health" (state). */
void health_write_json(const struct ctr *c, struct jw *w);
void health_load(struct ctr *c, yajl_val t);

/* cmds.c */
extern const struct command *const supervisor_commands[];
/* ps's and inspect's image: the familiar name (busybox:1), or the rootfs
 * directory of a container made from one. */
const char *ctr_image_short(const struct ctr *c, char *out, size_t n);

/* ctrinspect.c: `inspect` in the Docker Engine API's schema */
/* with_spec false: Skiff.Spec left out (a template that never reads
 * Skiff: nine tenths of the bytes). */
void ctr_write_inspect(const struct ctr *c, struct jw *w, bool with_spec);
extern const struct command ctr_cmd_inspect;
/* HostConfig.NetworkMode (and ps's NETWORKS): the network module's word
 * ("bridge", "none", a network's name), else "none". */
void ctr_network_mode(const struct ctr *c, char *out, size_t n);
/* ns since the epoch as Go's time.Time in JSON (UTC; 0 is Go's zero). */
void ctr_time_text(int64_t ns, char *out, size_t n);

/* volumes.c: named and anonymous volumes, a container's mounts */
struct vol_plan {
	struct ctr_mount *m;
	int n;
};
/* Parse -v, --mount, --volumes-from and add the image's Volumes paths
 * not mounted otherwise (anonymous volumes); nothing is created. */
int vol_plan_parse(struct vol_plan *p, const struct strlist *v,
		   const struct strlist *mount, const struct strlist *from,
		   const struct strv *image_volumes, struct err *e);
void vol_plan_free(struct vol_plan *p);
/* Create the plan's missing volumes; its mounts become c's. */
int vol_attach(struct ctr *c, struct vol_plan *p, struct err *e);
/* c's mounts as specgen binds and tmpfs words. */
void vol_spec(const struct ctr *c, struct strv *binds, struct strv *tmpfs);
/* Copy the image's content into c's empty volumes in a helper; 1 when
 * started (done runs later), 0 when there is nothing to do. */
int vol_copyup(struct ctr *c,
	       void (*done)(struct ctr *c, const struct err *e, void *ctx),
	       void *ctx, struct err *e);
/* c is being removed: with c->rm_anon its unshared anonymous volumes go. */
void vol_detach(struct ctr *c);
bool vol_ctr_uses(const struct ctr *c, const char *name);
void vol_mounts_free(struct ctr_mount *m, int n);
/* Register the mounts as a part of every container (ctr_part). */
int vol_init(struct err *e);
extern const struct command vol_cmd_vcreate, vol_cmd_vls, vol_cmd_vinspect,
	vol_cmd_vrm, vol_cmd_vprune;
#define VOL_COMMANDS                                                      \
	&vol_cmd_vcreate, &vol_cmd_vls, &vol_cmd_vinspect, &vol_cmd_vrm,  \
		&vol_cmd_vprune,

#endif
