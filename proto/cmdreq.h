/* cmdreq.h - the request structs: each verb's flags as the generic parser
 * fills them (proto/cmdspec.h, through the offsets in proto/commands.c).
 * They are the wire shape of a request, so the table, skiffd's handlers
 * and the skiff client all see the same one. Strings point into the
 * request's words. */
#ifndef SKIFF_CMDREQ_H
#define SKIFF_CMDREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "cmdspec.h"

/* ---- core ---- */

struct events_args {
	struct strlist filter;
	const char *since;
	const char *format;
};

struct df_args {
	bool verbose;
	const char *format;
};

struct loop_args {
	bool reset;
	const char *format;
};

/* Verbs whose only flag is --format (the client's: it lays out the
 * reply with a Go template; skiffd ignores it). */
struct format_args {
	const char *format;
};

/* ---- supervisor ---- */

/* --health-* flags of run/create. */
struct health_opts {
	const char *cmd, *on_failure;
	int64_t interval_ms, timeout_ms, start_period_ms;
	long long retries;
	bool none; /* --no-healthcheck */
};

/* run, create and update (update uses only the limits). */
struct create_args {
	bool detach, rm, privileged, read_only, init, interactive, tty;
	const char *name, *rootfs, *workdir, *user, *hostname, *entrypoint;
	const char *detach_keys;
	/* networking (modules/network through modules/iface/netsvc.h) */
	struct strlist network, net, network_alias, add_host, dns, dns_search;
	struct strlist dns_option, link, publish, expose;
	const char *ip, *ip6, *mac_address;
	bool publish_all;
	const char *stop_signal, *cpus, *cpuset, *memory_swap, *restart;
	long long stop_timeout, cpu_shares, pids_limit;
	int64_t memory, memory_reservation;
	struct strlist env, label, cap_add, cap_drop, tmpfs, volume, secopt;
	struct strlist log_opt, env_file, mount, volumes_from;
	struct strlist device, device_cgroup_rule;
	struct strlist ulimit, sysctl, group_add;
	const char *cpuset_mems, *memory_swappiness;
	const char *pid, *ipc, *uts, *cgroupns; /* namespace modes */
	const char *domainname, *isolation, *gpus, *volume_driver;
	struct strlist storage_opt;
	int64_t kernel_memory;
	long long cpu_period, cpu_quota, oom_score_adj;
	int64_t shm_size;
	struct health_opts health;
};

struct attach_args {
	bool no_stdin;
	const char *detach_keys;
};

struct ps_args {
	bool all, quiet, no_trunc, latest, size;
	long long last;
	struct strlist filter;
	const char *format; /* the client's (--format) */
};

struct exec_args {
	bool detach, interactive, tty;
	struct strlist env;
	const char *user, *workdir, *detach_keys;
};

struct logs_args {
	bool follow, timestamps;
	const char *tail, *since, *until;
};

struct stats_args {
	bool no_stream;
	const char *format;
};

struct stop_args {
	long long time;
};

struct kill_args {
	const char *signal;
};

struct rm_args {
	bool force, volumes;
};

struct export_flags {
	const char *output;
};

struct vcreate_args {
	struct strlist label;
};

struct vls_args {
	bool quiet;
	struct strlist filter;
	const char *format;
};

struct vrm_args {
	bool force;
};

struct vprune_args {
	bool force, all;
	struct strlist filter;
};

/* ---- network ---- */

struct netcreate_args {
	const char *driver;
	struct strlist subnet, gateway, ip_range, label, opt;
	bool ipv6, internal, attachable;
};

struct netls_args {
	bool quiet, no_trunc;
	struct strlist filter;
};

struct netrm_args {
	bool force;
};

struct netprune_args {
	bool force;
	struct strlist filter;
};

struct netconnect_args {
	const char *ip, *ip6;
	struct strlist alias;
};

struct netdisconnect_args {
	bool force;
};

/* ---- node (gossip membership, modules/membership) ---- */

struct nodels_args {
	bool quiet;
	struct strlist filter;
	const char *format;
};

struct nodetags_args {
	struct strlist set, del;
	const char *format;
};

struct nodeevent_args {
	bool no_coalesce;
};

struct nodequery_args {
	struct strlist node;
	const char *tag;
	int64_t timeout;
	bool no_ack;
	const char *format;
};

struct nodekeys_args {
	const char *install, *use, *remove;
	bool list;
	const char *format;
};

/* ---- images ---- */

struct pull_args {
	const char *platform;
	bool quiet;
};

struct images_args {
	bool all, quiet, digests, no_trunc;
	struct strlist filter;
	const char *format;
};

struct rmi_args {
	bool force, no_prune;
};

struct prune_args {
	bool all, force;
};

struct save_flags {
	const char *output;
};

struct load_flags {
	const char *input;
	bool quiet;
};

struct import_flags {
	const char *message;
};

struct commit_flags {
	const char *message, *author;
};

struct login_args {
	const char *username, *password;
	bool password_stdin;
};

/* ---- compose ---- */

/* The project flags every compose verb takes, and config's own. */
struct compose_args {
	struct strlist file, env_file, profile;
	const char *project_name, *project_directory, *format;
	const char *model; /* the normalised model, JSON (the CLI's) */
	const char *hash;  /* config --hash SERVICES */
	bool services, volumes, profiles, quiet;
	/* up, down, ps, start, stop, restart */
	struct strlist scale; /* SVC=N */
	bool detach, force_recreate, no_recreate, remove_orphans, no_deps;
	bool rm_volumes, all, force, stop_first, follow, timestamps, wait;
	long long wait_timeout; /* up --wait-timeout SECONDS (0: none) */
	long long timeout; /* -t SECONDS (0: each container's own) */
	const char *signal, *tail; /* kill -s; logs --tail */
};

#endif
