/* commands.c - THE command table: every verb of skiffd and skiff, in name
 * order (bsearch; test_cmd checks the order and that a full build has a
 * handler for each). A new verb is added here (its request struct in
 * cmdreq.h) and its handler is registered by name in its module's list
 * (core/cmd.h); the CLI, `help`, `VERB --help` and docs/commands.md
 * follow from this entry alone. `.module` names the module that handles
 * the verb (NULL: core); a build without that module does not know it. */
#include "cmdspec.h"

#include <stddef.h>

#include "../core/base/cleanup.h"
#include "cmdreq.h"
#include "gotmpl.h"

/* ---- flags ---- */

/* --format: the client's alone (a Go template, `table ...` or json);
 * skiffd parses and ignores it. */
#define FORMAT_FLAG(type, sh) \
	{"format", sh, FLAG_STR, offsetof(struct type, format), "FORMAT", \
	 "a Go template ('{{.ID}}'), 'table TEMPLATE' (aligned, with " \
	 "headers) or json (one object a line)"}

#define CA(f) offsetof(struct create_args, f)
/* clang-format off */
/* Resource limits, shared by run/create and update. */
#define LIMIT_FLAGS \
	{ "memory", 'm', FLAG_SIZE, CA(memory), "BYTES", "memory limit" }, \
	{ "memory-swap", 0, FLAG_STR, CA(memory_swap), "BYTES", \
	  "memory plus swap limit, -1 for unlimited" }, \
	{ "memory-reservation", 0, FLAG_SIZE, CA(memory_reservation), \
	  "BYTES", "memory soft limit" }, \
	{ "cpus", 0, FLAG_STR, CA(cpus), "N", "CPU limit, e.g. 1.5" }, \
	{ "cpu-shares", 'c', FLAG_INT, CA(cpu_shares), "N", \
	  "relative CPU weight (2-262144)" }, \
	{ "cpuset-cpus", 0, FLAG_STR, CA(cpuset), "LIST", \
	  "CPUs allowed, e.g. 0-1,3" }, \
	{ "cpuset-mems", 0, FLAG_STR, CA(cpuset_mems), "LIST", \
	  "memory nodes allowed, e.g. 0-1" }, \
	{ "cpu-period", 0, FLAG_INT, CA(cpu_period), "US", \
	  "CFS period in microseconds (1000-1000000)" }, \
	{ "cpu-quota", 0, FLAG_INT, CA(cpu_quota), "US", \
	  "CFS quota in microseconds per period (-1: none)" }, \
	{ "pids-limit", 0, FLAG_INT, CA(pids_limit), "N", \
	  "process limit (-1 for unlimited)" },
/* clang-format on */

#define CO(f) offsetof(struct compose_args, f)
/* clang-format off */
#define COMPOSE_PROJECT_FLAGS \
	{ "file", 'f', FLAG_LIST, CO(file), "FILE", \
	  "compose file (several merge in order; - is stdin)" }, \
	{ "project-name", 'p', FLAG_STR, CO(project_name), "NAME", \
	  "project name (else COMPOSE_PROJECT_NAME, name:, the directory)" }, \
	{ "project-directory", 0, FLAG_STR, CO(project_directory), "DIR", \
	  "project directory (else the first file's)" }, \
	{ "env-file", 0, FLAG_LIST, CO(env_file), "FILE", \
	  "variables for interpolation instead of DIR/.env" }, \
	{ "profile", 0, FLAG_LIST, CO(profile), "NAME", \
	  "enable a profile (COMPOSE_PROFILES too)" },
/* clang-format on */

#define COMPOSE_MODEL_FLAG \
	{ "model", 0, FLAG_STR, CO(model), "JSON", \
	  "the normalised model (the skiff CLI reads the files and sends it)" },

static const struct flag compose_up_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"detach", 'd', FLAG_BOOL, CO(detach), NULL,
     "in the background (the only mode yet)"},
    {"scale", 0, FLAG_LIST, CO(scale), "SERVICE=N",
     "run N containers of SERVICE (over deploy.replicas)"},
    {"force-recreate", 0, FLAG_BOOL, CO(force_recreate), NULL,
     "recreate containers even if their config is unchanged"},
    {"no-recreate", 0, FLAG_BOOL, CO(no_recreate), NULL,
     "keep existing containers even if their config changed"},
    {"remove-orphans", 0, FLAG_BOOL, CO(remove_orphans), NULL,
     "remove the project's containers of services no longer in it"},
    {"no-deps", 0, FLAG_BOOL, CO(no_deps), NULL,
     "do not start the named services' dependencies"},
    {"wait", 0, FLAG_BOOL, CO(wait), NULL,
     "answer once every container runs (healthy, if it has a check)"},
    {"wait-timeout", 0, FLAG_INT, CO(wait_timeout), "SECONDS",
     "fail when up (its waits included) takes longer"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_down_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"volumes", 'v', FLAG_BOOL, CO(rm_volumes), NULL,
     "remove the named volumes of the project and anonymous ones"},
    {"remove-orphans", 0, FLAG_BOOL, CO(remove_orphans), NULL,
     "also remove containers of services no longer in the project"},
    {"timeout", 't', FLAG_INT, CO(timeout), "SECONDS",
     "time to stop before SIGKILL (default: each container's own)"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_ps_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"all", 'a', FLAG_BOOL, CO(all), NULL, "stopped containers too"},
    {"quiet", 'q', FLAG_BOOL, CO(quiet), NULL, "only the ids"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_stop_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"timeout", 't', FLAG_INT, CO(timeout), "SECONDS",
     "time to stop before SIGKILL (default: each container's own)"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_start_flags[] = {
    COMPOSE_PROJECT_FLAGS
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_kill_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"signal", 's', FLAG_STR, CO(signal), "SIGNAL",
     "signal to send (default SIGKILL)"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_rm_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"force", 0, FLAG_BOOL, CO(force), NULL,
     "no question asked (skiff asks none; -f is --file here)"},
    {"stop", 's', FLAG_BOOL, CO(stop_first), NULL,
     "stop running containers first (else only stopped ones go)"},
    {"volumes", 'v', FLAG_BOOL, CO(rm_volumes), NULL,
     "remove their anonymous volumes"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag compose_logs_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"follow", 0, FLAG_BOOL, CO(follow), NULL,
     "follow the output (not supported yet)"},
    {"tail", 'n', FLAG_STR, CO(tail), "N",
     "lines from the end of each container's log (or all)"},
    {"timestamps", 't', FLAG_BOOL, CO(timestamps), NULL, "show timestamps"},
    COMPOSE_MODEL_FLAG
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct gotmpl_header compose_ps_headers[] = {
    {"Names", "NAME"}, {"Image", "IMAGE"}, {"Command", "COMMAND"},
    {"Service", "SERVICE"}, {"RunningFor", "CREATED"},
    {"Status", "STATUS"}, {"Ports", "PORTS"}, {"ID", "CONTAINER ID"},
    {NULL, NULL},
};

static const struct flag compose_config_flags[] = {
    COMPOSE_PROJECT_FLAGS
    {"format", 0, FLAG_STR, CO(format), "yaml|json", "output format"},
    {"services", 0, FLAG_BOOL, CO(services), NULL, "print service names"},
    {"volumes", 0, FLAG_BOOL, CO(volumes), NULL, "print volume names"},
    {"profiles", 0, FLAG_BOOL, CO(profiles), NULL, "print profile names"},
    {"quiet", 'q', FLAG_BOOL, CO(quiet), NULL, "only validate"},
    {"hash", 0, FLAG_STR, CO(hash), "SERVICES",
     "print the config hash of the services (* or NAME,NAME...)"},
    {"model", 0, FLAG_STR, CO(model), "JSON",
     "the normalised model (the skiff CLI reads the files and sends it)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct flag create_flags[] = {
    {"rootfs", 0, FLAG_STR, CA(rootfs), "DIR",
     "a root filesystem directory instead of an image (used read-only, "
     "as an overlay's lower layer)"},
    {"name", 0, FLAG_STR, CA(name), "NAME", "container name"},
    {"env", 'e', FLAG_LIST, CA(env), "K=V", "environment variable"},
    {"env-file", 0, FLAG_LIST, CA(env_file), "FILE",
     "read variables from FILE (K=V lines; the skiff CLI reads it)"},
    {"workdir", 'w', FLAG_STR, CA(workdir), "DIR", "working directory"},
    {"network", 0, FLAG_LIST, CA(network), "NET",
     "bridge (the default), none (only lo), host, container:NAME or a "
     "network's name (repeatable: several networks)"},
    {"net", 0, FLAG_LIST, CA(net), "NET", "the same as --network"},
    {"ip", 0, FLAG_STR, CA(ip), "ADDR", "IPv4 address on the first network"},
    {"ip6", 0, FLAG_STR, CA(ip6), "ADDR", "IPv6 address on the first network"},
    {"mac-address", 0, FLAG_STR, CA(mac_address), "MAC",
     "MAC address on the first network"},
    {"network-alias", 0, FLAG_LIST, CA(network_alias), "NAME",
     "another name on the first network (user networks' DNS)"},
    {"add-host", 0, FLAG_LIST, CA(add_host), "HOST:IP",
     "a line in /etc/hosts"},
    {"dns", 0, FLAG_LIST, CA(dns), "IP", "name server for /etc/resolv.conf"},
    {"dns-search", 0, FLAG_LIST, CA(dns_search), "DOMAIN",
     "search domain for /etc/resolv.conf"},
    {"dns-option", 0, FLAG_LIST, CA(dns_option), "OPT",
     "option for /etc/resolv.conf"},
    {"link", 0, FLAG_LIST, CA(link), "NAME[:ALIAS]",
     "another container's address in /etc/hosts (default bridge)"},
    {"publish", 'p', FLAG_LIST, CA(publish), "[IP:][HOSTPORT:]PORT[/PROTO]",
     "publish a container port (ranges too; no host port: one is chosen)"},
    {"publish-all", 'P', FLAG_BOOL, CA(publish_all), 0,
     "publish every exposed port on a chosen host port"},
    {"expose", 0, FLAG_LIST, CA(expose), "PORT[/PROTO]",
     "expose a port (or a range) without publishing it"},
    {"user", 'u', FLAG_STR, CA(user), "USER[:GROUP]",
     "user, by name or id, looked up in the container"},
    {"hostname", 'h', FLAG_STR, CA(hostname), "NAME",
     "host name (default: the short id)"},
    {"entrypoint", 0, FLAG_STR, CA(entrypoint), "PROG",
     "program to run before the command's arguments"},
    {"label", 'l', FLAG_LIST, CA(label), "K=V", "label"},
    {"cap-add", 0, FLAG_LIST, CA(cap_add), "CAP", "add a capability (or ALL)"},
    {"cap-drop", 0, FLAG_LIST, CA(cap_drop), "CAP",
     "drop a capability (or ALL)"},
    {"privileged", 0, FLAG_BOOL, CA(privileged), 0,
     "every capability and device, no seccomp, no masked paths"},
    {"device", 0, FLAG_LIST, CA(device), "HOST[:CTR][:rwm]",
     "a host device node in the container (made with its type, numbers, "
     "mode and owner, allowed in the device cgroup)"},
    {"device-cgroup-rule", 0, FLAG_LIST, CA(device_cgroup_rule),
     "'c|b|a MAJ:MIN rwm'",
     "allow devices in the device cgroup (* for any number)"},
    {"pid", 0, FLAG_STR, CA(pid), "MODE",
     "host (the host's pid namespace) or container:NAME (another "
     "running container's)"},
    {"ipc", 0, FLAG_STR, CA(ipc), "MODE",
     "private (the default), shareable (others may join), "
     "container:NAME (a shareable container's), host or none (no "
     "/dev/shm)"},
    {"uts", 0, FLAG_STR, CA(uts), "MODE",
     "host: the host's name and uts namespace"},
    {"cgroupns", 0, FLAG_STR, CA(cgroupns), "MODE",
     "private (the default: the container's cgroup is its root) or "
     "host"},
    {"domainname", 0, FLAG_STR, CA(domainname), "NAME",
     "NIS domain name (in the container's uts namespace)"},
    {"isolation", 0, FLAG_STR, CA(isolation), "default",
     "Windows' isolation technology; Linux has only default"},
    {"kernel-memory", 0, FLAG_SIZE, CA(kernel_memory), "BYTES",
     "deprecated in Docker: accepted and ignored, with its warning"},
    {"gpus", 0, FLAG_STR, CA(gpus), "GPUS", "not supported"},
    {"volume-driver", 0, FLAG_STR, CA(volume_driver), "DRIVER",
     "local only (the default)"},
    {"storage-opt", 0, FLAG_LIST, CA(storage_opt), "OPT",
     "not supported (overlay has no per-container size)"},
    {"ulimit", 0, FLAG_LIST, CA(ulimit), "NAME=SOFT[:HARD]",
     "a resource limit (nofile, nproc, core, memlock, stack, ...; -1 is "
     "unlimited)"},
    {"sysctl", 0, FLAG_LIST, CA(sysctl), "K=V",
     "a namespaced kernel parameter (net.*, kernel.shm*, kernel.msg*, "
     "kernel.sem, fs.mqueue.*, kernel.domainname)"},
    {"shm-size", 0, FLAG_SIZE, CA(shm_size), "BYTES",
     "size of /dev/shm (default 64m)"},
    {"oom-score-adj", 0, FLAG_INT, CA(oom_score_adj), "N",
     "the process's OOM score adjustment (-1000 to 1000)"},
    {"group-add", 0, FLAG_LIST, CA(group_add), "GID",
     "another supplementary group (a number or a name in the "
     "container's /etc/group)"},
    {"memory-swappiness", 0, FLAG_STR, CA(memory_swappiness), "0-100",
     "how readily the container's memory is swapped (cgroup v1; v2 "
     "has none and it is discarded, as Docker does)"},
    {"read-only", 0, FLAG_BOOL, CA(read_only), 0,
     "mount the root filesystem read-only"},
    {"tmpfs", 0, FLAG_LIST, CA(tmpfs), "PATH[:OPTS]", "mount a tmpfs"},
    {"volume", 'v', FLAG_LIST, CA(volume), "SRC:DST[:OPTS]",
     "a volume: NAME:/PATH (named, made on first use), /HOST:/PATH "
     "(bind) or /PATH (anonymous); OPTS ro, rw, nocopy"},
    {"mount", 0, FLAG_LIST, CA(mount), "K=V,...",
     "type=bind|volume|tmpfs,source=,target=,readonly,volume-nocopy,"
     "tmpfs-size=,tmpfs-mode=,bind-propagation="},
    {"volumes-from", 0, FLAG_LIST, CA(volumes_from), "CTR[:ro|rw]",
     "mount another container's volumes and binds"},
    {"security-opt", 0, FLAG_LIST, CA(secopt), "OPT",
     "seccomp=unconfined|PATH, no-new-privileges"},
    LIMIT_FLAGS{"stop-signal", 0, FLAG_STR, CA(stop_signal), "SIG",
		"signal that stops the container (default SIGTERM)"},
    {"stop-timeout", 0, FLAG_INT, CA(stop_timeout), "SECONDS",
     "time to stop before SIGKILL (default 10)"},
    {"log-opt", 0, FLAG_LIST, CA(log_opt), "K=V",
     "log rotation: max-size=SIZE, max-file=N (default from the "
     "daemon config, 10m x 3)"},
    {"detach", 'd', FLAG_BOOL, CA(detach), 0,
     "run in the background and print the id"},
    {"interactive", 'i', FLAG_BOOL, CA(interactive), 0,
     "keep stdin open; run passes it to the client"},
    {"tty", 't', FLAG_BOOL, CA(tty), 0,
     "give the container a pty (its master goes to the client)"},
    {"detach-keys", 0, FLAG_STR, CA(detach_keys), "KEYS",
     "keys that detach the client (default ctrl-p,ctrl-q)"},
    {"rm", 0, FLAG_BOOL, CA(rm), 0, "remove the container when it exits"},
    {"init", 0, FLAG_BOOL, CA(init), 0,
     "run skiff-init as PID 1: it forwards signals and reaps zombies"},
    {"restart", 0, FLAG_STR, CA(restart), "POLICY",
     "no, on-failure[:N], always, unless-stopped (back-off from 100 ms "
     "to 1 min)"},
    {"health-cmd", 0, FLAG_STR, CA(health.cmd), "CMD",
     "healthcheck: run /bin/sh -c CMD in the container; exit 0 is "
     "healthy"},
    {"health-interval", 0, FLAG_DURATION, CA(health.interval_ms), "DUR",
     "time between probes (default 30s)"},
    {"health-timeout", 0, FLAG_DURATION, CA(health.timeout_ms), "DUR",
     "a probe running longer is killed and fails (default 30s)"},
    {"health-retries", 0, FLAG_INT, CA(health.retries), "N",
     "failures in a row that make it unhealthy (default 3)"},
    {"health-start-period", 0, FLAG_DURATION, CA(health.start_period_ms), "DUR",
     "failures this soon after start do not count until the "
     "first success (default 0)"},
    {"health-on-failure", 0, FLAG_STR, CA(health.on_failure), "ACTION",
     "on turning unhealthy: none, kill (SIGKILL; the restart policy "
     "decides) or restart (default none)"},
    {"no-healthcheck", 0, FLAG_BOOL, CA(health.none), 0, "no healthcheck"},
    {0},
};

static const struct flag attach_flags[] = {
    {"no-stdin", 0, FLAG_BOOL, offsetof(struct attach_args, no_stdin), 0,
     "do not write the container's stdin"},
    {"detach-keys", 0, FLAG_STR, offsetof(struct attach_args, detach_keys),
     "KEYS", "keys that detach (default ctrl-p,ctrl-q)"},
    {0},
};

static const struct flag commit_flags[] = {
    {"message", 'm', FLAG_STR, offsetof(struct commit_flags, message), "TEXT",
     "comment for the new layer's history entry"},
    {"author", 'a', FLAG_STR, offsetof(struct commit_flags, author), "NAME",
     "author of the new layer"},
    {0},
};

static const struct flag events_flags[] = {
    {"filter", 'f', FLAG_LIST, offsetof(struct events_args, filter),
     "KEY=VALUE", "only events with type=, action= or id= (prefix)"},
    {"since", 0, FLAG_STR, offsetof(struct events_args, since), "WHEN",
     "replay kept events newer than a duration ago or Unix seconds"},
    FORMAT_FLAG(events_args, 0),
    {0},
};

#define XA(f) offsetof(struct exec_args, f)
static const struct flag exec_flags[] = {
    {"detach", 'd', FLAG_BOOL, XA(detach), 0,
     "run in the background and print the exec's id"},
    {"env", 'e', FLAG_LIST, XA(env), "K=V",
     "environment variable (over the container's)"},
    {"user", 'u', FLAG_STR, XA(user), "USER[:GROUP]",
     "user, by name or id, looked up in the container (default: the "
     "container's)"},
    {"workdir", 'w', FLAG_STR, XA(workdir), "DIR",
     "working directory (default: the container's)"},
    {"interactive", 'i', FLAG_BOOL, XA(interactive), 0,
     "keep stdin open: the client writes it"},
    {"tty", 't', FLAG_BOOL, XA(tty), 0,
     "give the process a pty (its master goes to the client)"},
    {"detach-keys", 0, FLAG_STR, XA(detach_keys), "KEYS",
     "keys that detach the client (default ctrl-p,ctrl-q)"},
    {0},
};

static const struct flag export_flags[] = {
    {"output", 'o', FLAG_STR, offsetof(struct export_flags, output), "FILE",
     "write to FILE (opened by the client) instead of stdout"},
    {0},
};

static const struct flag prune_flags[] = {
    {"all", 'a', FLAG_BOOL, offsetof(struct prune_args, all), 0,
     "remove every image no container uses (else only dangling ones)"},
    {"force", 'f', FLAG_BOOL, offsetof(struct prune_args, force), 0,
     "do not ask (skiff never asks: accepted for docker's scripts)"},
    {0},
};

static const struct flag images_flags[] = {
    {"all", 'a', FLAG_BOOL, offsetof(struct images_args, all), 0,
     "all images (skiff keeps no intermediate images: the same list)"},
    {"quiet", 'q', FLAG_BOOL, offsetof(struct images_args, quiet), 0,
     "only image ids"},
    {"digests", 0, FLAG_BOOL, offsetof(struct images_args, digests), 0,
     "show manifest digests"},
    {"no-trunc", 0, FLAG_BOOL, offsetof(struct images_args, no_trunc), 0,
     "full image ids"},
    {"filter", 'f', FLAG_LIST, offsetof(struct images_args, filter),
     "reference=PATTERN|dangling=true|false",
     "only names matching the glob; only (or no) untagged images"},
    FORMAT_FLAG(images_args, 0),
    {0},
};

static const struct flag import_flags[] = {
    {"message", 'm', FLAG_STR, offsetof(struct import_flags, message), "TEXT",
     "comment for the image's history"},
    {0},
};

static const struct flag kill_flags[] = {
    {"signal", 's', FLAG_STR, offsetof(struct kill_args, signal), "SIG",
     "signal to send (default SIGKILL)"},
    {0},
};

static const struct flag load_flags[] = {
    {"input", 'i', FLAG_STR, offsetof(struct load_flags, input), "FILE",
     "read FILE (opened by the client) instead of stdin"},
    {"quiet", 'q', FLAG_BOOL, offsetof(struct load_flags, quiet), 0,
     "accepted for Docker's sake (there is no progress output)"},
    {0},
};

static const struct flag login_flags[] = {
    {"username", 'u', FLAG_STR, offsetof(struct login_args, username), "USER",
     "user name"},
    {"password", 'p', FLAG_STR, offsetof(struct login_args, password),
     "PASSWORD", "password (visible in ps: prefer --password-stdin)"},
    {"password-stdin", 0, FLAG_BOOL,
     offsetof(struct login_args, password_stdin), 0,
     "the skiff client reads the password from its stdin"},
    {0},
};

static const struct flag logs_flags[] = {
    {"follow", 'f', FLAG_BOOL, offsetof(struct logs_args, follow), 0,
     "follow new output until the container stops"},
    {"tail", 'n', FLAG_STR, offsetof(struct logs_args, tail), "N",
     "only the last N lines (or all)"},
    {"since", 0, FLAG_STR, offsetof(struct logs_args, since), "WHEN",
     "only lines since an RFC3339 time, Unix seconds or a duration ago"},
    {"until", 0, FLAG_STR, offsetof(struct logs_args, until), "WHEN",
     "only lines until a time (same forms)"},
    {"timestamps", 't', FLAG_BOOL, offsetof(struct logs_args, timestamps), 0,
     "prefix each line with its RFC3339Nano time"},
    {0},
};

static const struct flag ps_flags[] = {
    {"all", 'a', FLAG_BOOL, offsetof(struct ps_args, all), 0,
     "show every container (default: running ones)"},
    {"quiet", 'q', FLAG_BOOL, offsetof(struct ps_args, quiet), 0, "only ids"},
    {"no-trunc", 0, FLAG_BOOL, offsetof(struct ps_args, no_trunc), 0,
     "full ids"},
    {"filter", 'f', FLAG_LIST, offsetof(struct ps_args, filter), "K=V",
     "status=, name=, label=, id=, health=, volume=, exited=, ancestor=, "
     "before=, since=, network=, expose=, publish=, is-task="},
    {"last", 'n', FLAG_INT, offsetof(struct ps_args, last), "N",
     "the N last created containers, of every state"},
    {"latest", 'l', FLAG_BOOL, offsetof(struct ps_args, latest), 0,
     "the last created container, of any state"},
    {"size", 's', FLAG_BOOL, offsetof(struct ps_args, size), 0,
     "the SIZE column: the writable layer's files, and with the "
     "image's layers as virtual (measured in a helper)"},
    FORMAT_FLAG(ps_args, 0),
    {0},
};

static const struct flag pull_flags[] = {
    {"platform", 0, FLAG_STR, offsetof(struct pull_args, platform),
     "OS/ARCH[/VARIANT]", "pull this platform (default: the host's)"},
    {"quiet", 'q', FLAG_BOOL, offsetof(struct pull_args, quiet), 0,
     "no progress"},
    {0},
};

static const struct flag rm_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct rm_args, force), 0,
     "kill a running container first"},
    {"volumes", 'v', FLAG_BOOL, offsetof(struct rm_args, volumes), 0,
     "remove its anonymous volumes too (unless another container uses "
     "them)"},
    {0},
};

static const struct flag rmi_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct rmi_args, force), 0,
     "untag an image a container uses (it stays, dangling); an id "
     "removes all its names"},
    {"no-prune", 0, FLAG_BOOL, offsetof(struct rmi_args, no_prune), 0,
     "accepted for docker's scripts (skiff has no parent images)"},
    {0},
};

static const struct flag save_flags[] = {
    {"output", 'o', FLAG_STR, offsetof(struct save_flags, output), "FILE",
     "write to FILE (opened by the client) instead of stdout"},
    {0},
};

static const struct flag stats_flags[] = {
    {"no-stream", 0, FLAG_BOOL, offsetof(struct stats_args, no_stream), 0,
     "one sample (over half a second) instead of a stream"},
    FORMAT_FLAG(stats_args, 0),
    {0},
};

static const struct flag stop_flags[] = {
    {"time", 't', FLAG_INT, offsetof(struct stop_args, time), "SECONDS",
     "seconds to wait before SIGKILL (default: the container's "
     "--stop-timeout, else 10)"},
    {0},
};

static const struct flag df_flags[] = {
    {"verbose", 'v', FLAG_BOOL, offsetof(struct df_args, verbose), 0,
     "one row per image, container and volume"},
    FORMAT_FLAG(df_args, 0),
    {0},
};

static const struct flag loop_flags[] = {
    {"reset", 0, FLAG_BOOL, offsetof(struct loop_args, reset), 0,
     "start counting again after this report"},
    FORMAT_FLAG(loop_args, 0),
    {0},
};

static const struct flag update_flags[] = {
    LIMIT_FLAGS{0},
};

#define NC(f) offsetof(struct netcreate_args, f)
static const struct flag netcreate_flags[] = {
    {"driver", 'd', FLAG_STR, NC(driver), "DRIVER", "bridge (the only one)"},
    {"subnet", 0, FLAG_LIST, NC(subnet), "CIDR",
     "subnet (one IPv4, one IPv6 with --ipv6; default: a free private one)"},
    {"gateway", 0, FLAG_LIST, NC(gateway), "ADDR",
     "the bridge's address (default: the subnet's first)"},
    {"ip-range", 0, FLAG_LIST, NC(ip_range), "CIDR",
     "hand out container addresses from this part of the subnet"},
    {"ipv6", 0, FLAG_BOOL, NC(ipv6), 0, "IPv6 too (needs a v6 --subnet)"},
    {"internal", 0, FLAG_BOOL, NC(internal), 0,
     "no way out of the network and none in"},
    {"attachable", 0, FLAG_BOOL, NC(attachable), 0,
     "accepted for Docker's sake (every network is)"},
    {"label", 0, FLAG_LIST, NC(label), "K=V", "label"},
    {"opt", 'o', FLAG_LIST, NC(opt), "K=V",
     "mtu=N, icc=false, com.docker.network.bridge.name=NAME (and "
     "com.docker.network.driver.mtu, "
     "com.docker.network.bridge.enable_icc)"},
    {0},
};

static const struct flag netls_flags[] = {
    {"quiet", 'q', FLAG_BOOL, offsetof(struct netls_args, quiet), 0,
     "only ids"},
    {"no-trunc", 0, FLAG_BOOL, offsetof(struct netls_args, no_trunc), 0,
     "whole ids"},
    {"filter", 'f', FLAG_LIST, offsetof(struct netls_args, filter),
     "KEY=VALUE", "name=, id=, driver=, label=, type=custom|builtin"},
    {0},
};

#define NL(f) offsetof(struct nodels_args, f)
static const struct flag nodels_flags[] = {
    {"quiet", 'q', FLAG_BOOL, NL(quiet), 0, "only names"},
    {"filter", 'f', FLAG_LIST, NL(filter), "KEY=VALUE",
     "name=, status=alive|suspect|leaving|left|failed, tag=KEY[=VALUE]"},
    FORMAT_FLAG(nodels_args, 0),
    {0},
};

static const struct flag nodetags_flags[] = {
    {"set", 0, FLAG_LIST, offsetof(struct nodetags_args, set), "KEY=VALUE",
     "set a tag (repeatable)"},
    {"delete", 0, FLAG_LIST, offsetof(struct nodetags_args, del), "KEY",
     "remove a tag (repeatable)"},
    FORMAT_FLAG(nodetags_args, 0),
    {0},
};

static const struct flag nodeevent_flags[] = {
    {"no-coalesce", 0, FLAG_BOOL, offsetof(struct nodeevent_args, no_coalesce),
     0, "receivers may not coalesce it with events of the same name"},
    {0},
};

#define NQ(f) offsetof(struct nodequery_args, f)
static const struct flag nodequery_flags[] = {
    {"node", 0, FLAG_LIST, NQ(node), "NAME", "ask only this node (repeatable)"},
    {"tag", 0, FLAG_STR, NQ(tag), "KEY=REGEXP",
     "ask only nodes whose tag matches (POSIX extended)"},
    {"timeout", 0, FLAG_DURATION, NQ(timeout), "DURATION",
     "how long to wait for answers (Serf's default from the cluster size)"},
    {"no-ack", 0, FLAG_BOOL, NQ(no_ack), 0, "do not ask for acks"},
    FORMAT_FLAG(nodequery_args, 0),
    {0},
};

#define NK(f) offsetof(struct nodekeys_args, f)
static const struct flag nodekeys_flags[] = {
    {"install", 0, FLAG_STR, NK(install), "KEY",
     "install a base64 key on every member"},
    {"use", 0, FLAG_STR, NK(use), "KEY",
     "make an installed key the primary everywhere"},
    {"remove", 0, FLAG_STR, NK(remove), "KEY",
     "remove a key (not the primary) everywhere"},
    {"list", 0, FLAG_BOOL, NK(list), 0, "every member's keys (the default)"},
    FORMAT_FLAG(nodekeys_args, 0),
    {0},
};

static const struct gotmpl_header node_headers[] = {
    {"name", "NAME"}, {"addr", "ADDRESS"}, {"status", "STATUS"},
    {"tags", "TAGS"}, {"protocol", "PROTOCOL"},
    {0},
};

static const struct flag netrm_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct netrm_args, force), 0,
     "no error for a network that does not exist"},
    {0},
};

static const struct flag netprune_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct netprune_args, force), 0,
     "do not ask"},
    {"filter", 0, FLAG_LIST, offsetof(struct netprune_args, filter),
     "KEY=VALUE", "label="},
    {0},
};

static const struct flag netconnect_flags[] = {
    {"ip", 0, FLAG_STR, offsetof(struct netconnect_args, ip), "ADDR",
     "IPv4 address"},
    {"ip6", 0, FLAG_STR, offsetof(struct netconnect_args, ip6), "ADDR",
     "IPv6 address"},
    {"alias", 0, FLAG_LIST, offsetof(struct netconnect_args, alias), "NAME",
     "another name on the network"},
    {0},
};

static const struct flag netdisconnect_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct netdisconnect_args, force), 0,
     "accepted for Docker's sake"},
    {0},
};

static const struct flag vcreate_flags[] = {
    {"label", 'l', FLAG_LIST, offsetof(struct vcreate_args, label), "K=V",
     "label"},
    {0},
};

static const struct flag vls_flags[] = {
    {"quiet", 'q', FLAG_BOOL, offsetof(struct vls_args, quiet), 0,
     "only names"},
    {"filter", 'f', FLAG_LIST, offsetof(struct vls_args, filter), "K=V",
     "name=SUBSTRING, label=K[=V], dangling=true|false"},
    FORMAT_FLAG(vls_args, 0),
    {0},
};

static const struct flag vprune_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct vprune_args, force), 0,
     "accepted for docker compatibility (skiff never prompts)"},
    {"all", 'a', FLAG_BOOL, offsetof(struct vprune_args, all), 0,
     "named volumes too (default: anonymous ones only, as Docker)"},
    {"filter", 0, FLAG_LIST, offsetof(struct vprune_args, filter), "K=V",
     "label=K[=V]"},
    {0},
};

static const struct flag vrm_flags[] = {
    {"force", 'f', FLAG_BOOL, offsetof(struct vrm_args, force), 0,
     "a missing volume is not an error (one in use is still refused)"},
    {0},
};


static const struct flag format_flags[] = {
    FORMAT_FLAG(format_args, 0),
    {0},
};

static const struct flag format_f_flags[] = {
    FORMAT_FLAG(format_args, 'f'),
    {0},
};

/* Column titles of Docker's tables, by field. */
static const struct gotmpl_header ps_headers[] = {
    {"ID", "CONTAINER ID"}, {"Image", "IMAGE"},
    {"Command", "COMMAND"}, {"RunningFor", "CREATED"},
    {"CreatedAt", "CREATED AT"}, {"Status", "STATUS"},
    {"Ports", "PORTS"}, {"Names", "NAMES"},
    {"State", "STATE"}, {"Size", "SIZE"},
    {"Labels", "LABELS"}, {"Mounts", "MOUNTS"},
    {"Networks", "NETWORKS"}, {"LocalVolumes", "LOCAL VOLUMES"},
    {0},
};

static const struct gotmpl_header images_headers[] = {
    {"ID", "IMAGE ID"}, {"Repository", "REPOSITORY"},
    {"Tag", "TAG"}, {"Digest", "DIGEST"},
    {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
    {"Size", "SIZE"}, {"Containers", "CONTAINERS"},
    {"SharedSize", "SHARED SIZE"}, {"UniqueSize", "UNIQUE SIZE"},
    {"VirtualSize", "VIRTUAL SIZE"},
    {0},
};

static const struct gotmpl_header stats_headers[] = {
    {"ID", "CONTAINER ID"}, {"Container", "CONTAINER"},
    {"Name", "NAME"}, {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"}, {"BlockIO", "BLOCK I/O"},
    {"PIDs", "PIDS"},
    {0},
};

static const struct gotmpl_header df_headers[] = {
    {"Type", "TYPE"}, {"TotalCount", "TOTAL"},
    {"Active", "ACTIVE"}, {"Size", "SIZE"},
    {"Reclaimable", "RECLAIMABLE"},
    {0},
};

static const struct gotmpl_header volume_headers[] = {
    {"Name", "VOLUME NAME"}, {"Driver", "DRIVER"},
    {"Mountpoint", "MOUNTPOINT"}, {"Scope", "SCOPE"},
    {"Labels", "LABELS"}, {"Links", "LINKS"},
    {0},
};

/* The text of `version` and `info` without --format: Docker's layout
 * of the keys skiff has (`index` for a module's keys, which a build
 * without that module lacks). */
#define VERSION_TEXT                                                        \
	"Client: skiff\n"                                                    \
	" Version:           {{.Client.Version}}\n"                          \
	" API version:       {{.Client.ApiVersion}}\n"                       \
	" Git commit:        {{.Client.GitCommit}}\n"                        \
	" OS/Arch:           {{.Client.Os}}/{{.Client.Arch}}\n\n"            \
	"Server: {{.Server.Platform.Name}}"                                  \
	"{{range .Server.Components}}\n {{.Name}}:\n"                        \
	"  Version:          {{.Version}}"                                   \
	"{{if eq .Name \"Engine\"}}\n"                                       \
	"  API version:      {{.Details.ApiVersion}} (minimum version "      \
	"{{.Details.MinAPIVersion}})\n"                                      \
	"  Git commit:       {{.Details.GitCommit}}\n"                       \
	"  OS/Arch:          {{.Details.Os}}/{{.Details.Arch}}\n"            \
	"  Kernel version:   {{.Details.KernelVersion}}{{end}}{{end}}"

#define INFO_TEXT                                                           \
	"Server:\n"                                                          \
	" Containers: {{index . \"Containers\"}}\n"                          \
	"  Running: {{index . \"ContainersRunning\"}}\n"                     \
	"  Paused: {{index . \"ContainersPaused\"}}\n"                       \
	"  Stopped: {{index . \"ContainersStopped\"}}\n"                     \
	" Images: {{index . \"Images\"}}\n"                                  \
	" Server Version: {{.ServerVersion}}\n"                              \
	" Storage Driver: {{.Driver}}"                                       \
	"{{range .DriverStatus}}\n  {{index . 0}}: {{index . 1}}{{end}}\n"   \
	" Logging Driver: {{index . \"LoggingDriver\"}}\n"                   \
	" Cgroup Driver: {{index . \"CgroupDriver\"}}\n"                     \
	" Cgroup Version: {{index . \"CgroupVersion\"}}\n"                   \
	" Kernel Version: {{.KernelVersion}}\n"                              \
	" Operating System: {{.OperatingSystem}}\n"                          \
	" OSType: {{.OSType}}\n"                                             \
	" Architecture: {{.Architecture}}\n"                                 \
	" CPUs: {{.NCPU}}\n"                                                 \
	" Total Memory: {{.MemTotal}}\n"                                     \
	" Name: {{.Name}}\n"                                                 \
	" Docker Root Dir: {{.DockerRootDir}}\n"                             \
	" Live Restore Enabled: {{.LiveRestoreEnabled}}\n"                   \
	" Skiff:\n"                                                          \
	"  Socket: {{.Skiff.daemon.socket}}\n"                               \
	"  Modules: {{join .Skiff.daemon.modules \" \"}}\n"                   \
	"  Cgroups: {{.Skiff.host.cgroup.version}}\n"                        \
	"  Uptime: {{.Skiff.daemon.uptime_seconds}} s"

/* ---- the table ---- */

const struct cmdspec cmd_table[] = {
    {
	.name = "attach",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Attach to a running container: its output, and its pty or "
		   "stdin (passed by SCM_RIGHTS); ends with its exit code",
	.flags = attach_flags,
	.args_size = sizeof(struct attach_args),
	.min_pos = 1,
	.max_pos = 1,
	.cmd_flags = CMD_STREAMS,
	.module = "supervisor",
	.cli = {.how = CLI_EXIT_CODE | CLI_RELAY},
    },
    {
	.name = "commit",
	.role = ROLE_ADMIN,
	.usage = "[-m TEXT] [-a NAME] CONTAINER "
		 "[REPOSITORY[:TAG]]",
	.summary = "Make an image from a container's changes (a new layer on "
		   "its image)",
	.flags = commit_flags,
	.args_size = sizeof(struct commit_flags),
	.min_pos = 1,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
    },
    {
	.name = "compose config",
	.role = ROLE_READ,
	.usage = "[-f FILE]... [-p NAME] [--profile P]... [OPTIONS]",
	.summary = "The compose project as skiff reads it: every file merged, "
		   "interpolated and in the long syntax",
	.flags = compose_config_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = 0,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE},
    },
    {
	.name = "compose down",
	.usage = "[-f FILE]... [-p NAME] [-v] [--remove-orphans] [-t SECONDS]",
	.summary = "Stop and remove the project's containers and networks "
		   "(-v: and volumes)",
	.flags = compose_down_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = 0,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_ADMIN,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose kill",
	.usage = "[-f FILE]... [-p NAME] [-s SIGNAL] [SERVICE...]",
	.summary = "Send a signal (default SIGKILL) to the project's running containers",
	.flags = compose_kill_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_OPERATOR,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose logs",
	.usage = "[-f FILE]... [-p NAME] [--tail N] [-t] [SERVICE...]",
	.summary = "The project's containers' output, each line after its container's name",
	.flags = compose_logs_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = 0,
	.role = ROLE_READ,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE},
    },
    {
	.name = "compose pause",
	.usage = "[-f FILE]... [-p NAME] [SERVICE...]",
	.summary = "Freeze the project's running containers",
	.flags = compose_start_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_OPERATOR,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose ps",
	.usage = "[-f FILE]... [-p NAME] [-a] [-q] [SERVICE...]",
	.summary = "List the project's containers",
	.flags = compose_ps_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.role = ROLE_READ,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE,
		.table = "table {{.Names}}\t{{.Image}}\t{{.Command}}\t"
			 "{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t"
			 "{{.Ports}}",
		.headers = compose_ps_headers},
    },
    {
	.name = "compose restart",
	.usage = "[-f FILE]... [-p NAME] [-t SECONDS] [SERVICE...]",
	.summary = "Restart the project's containers",
	.flags = compose_stop_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_OPERATOR,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose rm",
	.usage = "[-f FILE]... [-p NAME] [-f] [-s] [-v] [SERVICE...]",
	.summary = "Remove the project's stopped containers (-s: stop them first)",
	.flags = compose_rm_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_ADMIN,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose start",
	.usage = "[-f FILE]... [-p NAME] [SERVICE...]",
	.summary = "Start the project's existing containers, dependencies "
		   "first",
	.flags = compose_start_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_OPERATOR,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose stop",
	.usage = "[-f FILE]... [-p NAME] [-t SECONDS] [SERVICE...]",
	.summary = "Stop the project's containers, dependents first",
	.flags = compose_stop_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_OPERATOR,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose unpause",
	.usage = "[-f FILE]... [-p NAME] [SERVICE...]",
	.summary = "Thaw the project's paused containers",
	.flags = compose_start_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_OPERATOR,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "compose up",
	.usage = "[-f FILE]... [-p NAME] -d [--scale SVC=N]... [OPTIONS] "
		 "[SERVICE...]",
	.summary = "Create and start the project's networks, volumes and "
		   "containers, converging: what matches its config stays",
	.flags = compose_up_flags,
	.args_size = sizeof(struct compose_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.role = ROLE_ADMIN,
	.module = "compose",
	.cli = {.how = CLI_COMPOSE, .table = "{{.Kind}} {{.Name}}  {{.Action}}"},
    },
    {
	.name = "cp",
	.role = ROLE_OPERATOR,
	.usage = "CONTAINER:SRC DEST|-  or  SRC|- CONTAINER:DEST",
	.summary = "Copy files between a container (running or stopped) and "
		   "the client; - is a tar stream on stdin or stdout",
	.min_pos = 2,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
	.cli = {.how = CLI_CP},
    },
    {
	.name = "create",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] IMAGE [COMMAND [ARG...]] | --rootfs DIR [OPTIONS] "
		 "COMMAND [ARG...]",
	.summary = "Create a container",
	.flags = create_flags,
	.args_size = sizeof(struct create_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES | CMD_POSIX,
	.module = "supervisor",
	.cli = {.env_file_flag = "env-file", .env_flag = "env"},
    },
    {
	.name = "events",
	.role = ROLE_READ,
	.usage = "[OPTIONS]",
	.summary = "Stream daemon events as they happen",
	.flags = events_flags,
	.args_size = sizeof(struct events_args),
	.cmd_flags = CMD_STREAMS,
	.cli = {.how = CLI_EVENTS},
    },
    {
	.name = "exec",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
	.summary = "Run a command in a running container; without -d, "
		   "stream its output and end with its exit code",
	.flags = exec_flags,
	.args_size = sizeof(struct exec_args),
	.min_pos = 2,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES | CMD_POSIX | CMD_STREAMS,
	.module = "supervisor",
	.cli = {.how = CLI_EXIT_CODE | CLI_RELAY | CLI_EXEC_CODES,
		.env_file_flag = "env-file",
		.env_flag = "env"},
    },
    {
	.name = "export",
	.role = ROLE_OPERATOR,
	.usage = "[-o FILE] CONTAINER",
	.summary = "Write a container's filesystem as a tar archive to stdout "
		   "or FILE",
	.flags = export_flags,
	.args_size = sizeof(struct export_flags),
	.min_pos = 1,
	.max_pos = 1,
	.module = "supervisor",
	.cli = {.how = CLI_FD_OUT, .file_flag = "output"},
    },
    {
	.name = "help",
	.role = ROLE_READ,
	.cli = {.how = CLI_HELP},
	.usage = "[COMMAND]",
	.summary = "List commands, or show one command's usage and flags",
	.max_pos = 2,
    },
    {
	.name = "history",
	.role = ROLE_READ,
	.usage = "IMAGE",
	.summary = "The history of an image's layers, newest first",
	.min_pos = 1,
	.max_pos = 1,
	.module = "images",
	.flags = format_flags,
	.args_size = sizeof(struct format_args),
    },
    {
	.name = "image-inspect",
	.role = ROLE_READ,
	.usage = "IMAGE [IMAGE...]",
	.summary = "Show images as JSON (Docker's fields; the manifest and "
		   "config as stored under Skiff)",
	.min_pos = 1,
	.max_pos = -1,
	.module = "images",
	.cli = {.how = CLI_PRETTY},
	.flags = format_f_flags,
	.args_size = sizeof(struct format_args),
    },
    {
	.name = "image-prune",
	.role = ROLE_ADMIN,
	.usage = "[-a]",
	.summary = "Remove dangling (-a: all) images no container uses, and "
		   "blobs, layers and stale partial downloads no image needs",
	.flags = prune_flags,
	.args_size = sizeof(struct prune_args),
	.cmd_flags = CMD_MUTATES,
	.module = "images",
    },
    {
	.name = "images",
	.role = ROLE_READ,
	.usage = "[OPTIONS] [REPOSITORY[:TAG]]",
	.summary = "List images in the content store (named and dangling)",
	.max_pos = 1,
	.flags = images_flags,
	.args_size = sizeof(struct images_args),
	.module = "images",
	.cli = {.table = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t"
			 "{{.CreatedSince}}\t{{.Size}}",
		.headers = images_headers},
    },
    {
	.name = "import",
	.role = ROLE_ADMIN,
	.usage = "[-m TEXT] FILE|- [REPOSITORY[:TAG]]",
	.summary = "Make a one-layer image from a rootfs tarball (plain, gzip "
		   "or zstd)",
	.flags = import_flags,
	.args_size = sizeof(struct import_flags),
	.min_pos = 1,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
	.cli = {.how = CLI_FD_IN | CLI_FILE_POS},
    },
    {
	.name = "info",
	.role = ROLE_READ,
	.summary = "Show host facts and daemon state (Docker's keys; skiff's "
		   "own under Skiff)",
	.flags = format_f_flags,
	.args_size = sizeof(struct format_args),
	.cli = {.table = INFO_TEXT},
    },
    {
	.name = "inspect",
	.role = ROLE_READ,
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Show containers' state and OCI spec as JSON",
	.min_pos = 1,
	.max_pos = -1,
	.module = "supervisor",
	.cli = {.how = CLI_PRETTY},
	.flags = format_f_flags,
	.args_size = sizeof(struct format_args),
    },
    {
	.name = "kill",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Send a signal to containers' main processes",
	.flags = kill_flags,
	.args_size = sizeof(struct kill_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "load",
	.role = ROLE_ADMIN,
	.usage = "[-i FILE]",
	.summary = "Load images from a docker-archive or oci-archive tarball "
		   "on stdin or FILE",
	.flags = load_flags,
	.args_size = sizeof(struct load_flags),
	.min_pos = 0,
	.max_pos = 0,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
	.cli = {.how = CLI_FD_IN, .file_flag = "input"},
    },
    {
	.name = "login",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] [SERVER]",
	.summary = "Check credentials with a registry and keep them "
		   "(default: Docker Hub)",
	.flags = login_flags,
	.args_size = sizeof(struct login_args),
	.max_pos = 1,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
	.cli = {.secret_flag = "password",
		.secret_stdin_flag = "password-stdin",
		.user_flag = "username"},
    },
    {
	.name = "logout",
	.role = ROLE_ADMIN,
	.usage = "[SERVER]",
	.summary = "Forget a registry's credentials (default: Docker Hub)",
	.max_pos = 1,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
    },
    {
	.name = "logs",
	.role = ROLE_READ,
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Show a container's output from its json-file log",
	.flags = logs_flags,
	.args_size = sizeof(struct logs_args),
	.min_pos = 1,
	.max_pos = 1,
	.cmd_flags = CMD_STREAMS,
	.module = "supervisor",
	.cli = {.stream_if = "follow"},
    },
    {
	.name = "network connect",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Put a container on a network (a running one at once)",
	.flags = netconnect_flags,
	.args_size = sizeof(struct netconnect_args),
	.min_pos = 2,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "network",
    },
    {
	.name = "network create",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] NETWORK",
	.summary = "Create a bridge network",
	.flags = netcreate_flags,
	.args_size = sizeof(struct netcreate_args),
	.min_pos = 1,
	.max_pos = 1,
	.cmd_flags = CMD_MUTATES,
	.module = "network",
    },
    {
	.name = "network disconnect",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Take a container off a network",
	.flags = netdisconnect_flags,
	.args_size = sizeof(struct netdisconnect_args),
	.min_pos = 2,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "network",
    },
    {
	.name = "network inspect",
	.role = ROLE_READ,
	.usage = "NETWORK [NETWORK...]",
	.summary = "Show networks as JSON (Docker's fields)",
	.min_pos = 1,
	.max_pos = -1,
	.module = "network",
	.cli = {.how = CLI_PRETTY},
    },
    {
	.name = "network ls",
	.role = ROLE_READ,
	.usage = "[OPTIONS]",
	.summary = "List networks",
	.flags = netls_flags,
	.args_size = sizeof(struct netls_args),
	.module = "network",
    },
    {
	.name = "network prune",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS]",
	.summary = "Remove every user network no container is on",
	.flags = netprune_flags,
	.args_size = sizeof(struct netprune_args),
	.cmd_flags = CMD_MUTATES,
	.module = "network",
    },
    {
	.name = "network rm",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] NETWORK [NETWORK...]",
	.summary = "Remove networks no container is on",
	.flags = netrm_flags,
	.args_size = sizeof(struct netrm_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "network",
    },
    {
	.name = "node event",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] NAME [PAYLOAD]",
	.summary = "Send a user event to every node (Serf's event)",
	.flags = nodeevent_flags,
	.args_size = sizeof(struct nodeevent_args),
	.min_pos = 1,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "membership",
    },
    {
	.name = "node inspect",
	.role = ROLE_READ,
	.usage = "[NODE|self...]",
	.summary = "Show gossip members as JSON (self: this node, with its "
		   "health and counters)",
	.flags = format_f_flags,
	.args_size = sizeof(struct format_args),
	.max_pos = -1,
	.module = "membership",
	.cli = {.how = CLI_PRETTY},
    },
    {
	.name = "node join",
	.role = ROLE_ADMIN,
	.usage = "ADDRESS[:PORT] [ADDRESS[:PORT]...]",
	.summary = "Join the gossip cluster of a member (port 7946 if none)",
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "membership",
    },
    {
	.name = "node keys",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS]",
	.summary = "Install, use, remove or list gossip encryption keys on "
		   "every node (one answer per node)",
	.flags = nodekeys_flags,
	.args_size = sizeof(struct nodekeys_args),
	.cmd_flags = CMD_STREAMS | CMD_MUTATES,
	.module = "membership",
    },
    {
	.name = "node leave",
	.role = ROLE_ADMIN,
	.summary = "Leave the gossip cluster gracefully (seen as left, not "
		   "failed)",
	.cmd_flags = CMD_MUTATES,
	.module = "membership",
    },
    {
	.name = "node ls",
	.role = ROLE_READ,
	.usage = "[OPTIONS]",
	.summary = "List gossip members with address, status and tags",
	.flags = nodels_flags,
	.args_size = sizeof(struct nodels_args),
	.module = "membership",
	.cli = {.headers = node_headers},
    },
    {
	.name = "node query",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] NAME [PAYLOAD]",
	.summary = "Ask every node (or those filtered) and stream their acks "
		   "and answers (Serf's query)",
	.flags = nodequery_flags,
	.args_size = sizeof(struct nodequery_args),
	.min_pos = 1,
	.max_pos = 2,
	.cmd_flags = CMD_STREAMS,
	.module = "membership",
    },
    {
	.name = "node tags",
	.role = ROLE_ADMIN,
	.usage = "[--set KEY=VALUE]... [--delete KEY]...",
	.summary = "Change this node's tags and show them",
	.flags = nodetags_flags,
	.args_size = sizeof(struct nodetags_args),
	.cmd_flags = CMD_MUTATES,
	.module = "membership",
    },
    {
	.name = "pause",
	.role = ROLE_OPERATOR,
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Freeze every process of containers (cgroup freezer)",
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "ping",
	.role = ROLE_READ,
	.summary = "Check that skiffd answers",
    },
    {
	.name = "port",
	.role = ROLE_READ,
	.usage = "CONTAINER [PORT[/PROTO]]",
	.summary = "Show a container's published ports",
	.min_pos = 1,
	.max_pos = 2,
	.module = "network",
    },
    {
	.name = "ps",
	.role = ROLE_READ,
	.usage = "[OPTIONS]",
	.summary = "List containers",
	.flags = ps_flags,
	.args_size = sizeof(struct ps_args),
	.module = "supervisor",
	.cli = {.table = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t"
			 "{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
		.headers = ps_headers,
		.table_plus_if = "size",
		.table_plus = "\t{{.Size}}"},
    },
    {
	.name = "pull",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
	.summary = "Download an image from a registry into the content store",
	.flags = pull_flags,
	.args_size = sizeof(struct pull_args),
	.min_pos = 1,
	.max_pos = 1,
	.cmd_flags = CMD_MUTATES | CMD_STREAMS,
	.module = "images",
	.cli = {.how = CLI_PROGRESS},
    },
    {
	.name = "push",
	.role = ROLE_OPERATOR,
	.usage = "NAME[:TAG]",
	.summary = "Upload an image to its registry (blobs the registry has "
		   "are skipped or mounted; the manifest keeps its digest)",
	.min_pos = 1,
	.max_pos = 1,
	.cmd_flags = CMD_STREAMS,
	.module = "images",
	.cli = {.how = CLI_PROGRESS},
    },
    {
	.name = "rename",
	.role = ROLE_OPERATOR,
	.usage = "CONTAINER NEW_NAME",
	.summary = "Rename a container",
	.min_pos = 2,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "restart",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Stop (stop signal, SIGKILL after the timeout) and start "
		   "containers; exited ones are just started",
	.flags = stop_flags,
	.args_size = sizeof(struct stop_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "rm",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Remove containers",
	.flags = rm_flags,
	.args_size = sizeof(struct rm_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "rmi",
	.role = ROLE_ADMIN,
	.usage = "[-f] IMAGE [IMAGE...]",
	.summary = "Remove images (names, or ids), then the blobs no image "
		   "needs",
	.flags = rmi_flags,
	.args_size = sizeof(struct rmi_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
	.cli = {.table = "{{range $k, $v := .}}{{$k}}: {{$v}}{{end}}"},
    },
    {
	.name = "run",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] IMAGE [COMMAND [ARG...]] | --rootfs DIR [OPTIONS] "
		 "COMMAND [ARG...]",
	.summary = "Create and start a container; without -d, stream its "
		   "output and end with its exit code",
	.flags = create_flags,
	.args_size = sizeof(struct create_args),
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES | CMD_POSIX | CMD_STREAMS,
	.module = "supervisor",
	.cli = {.how = CLI_EXIT_CODE | CLI_RELAY | CLI_EXEC_CODES | CLI_ERR_125,
		.env_file_flag = "env-file",
		.env_flag = "env"},
    },
    {
	.name = "save",
	.role = ROLE_OPERATOR,
	.usage = "[-o FILE] IMAGE [IMAGE...]",
	.summary = "Write images to a tar archive (docker-archive and OCI "
		   "layout in one) on stdout or FILE",
	.flags = save_flags,
	.args_size = sizeof(struct save_flags),
	.min_pos = 1,
	.max_pos = -1,
	.module = "images",
	.cli = {.how = CLI_FD_OUT, .file_flag = "output"},
    },
    {
	.name = "shutdown",
	.role = ROLE_ADMIN,
	.summary = "Stop skiffd in order (under --init, also the host or "
		   "namespace it is PID 1 of)",
    },
    {
	.name = "start",
	.role = ROLE_OPERATOR,
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Start containers",
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "stats",
	.role = ROLE_READ,
	.usage = "[OPTIONS] [CONTAINER...]",
	.summary = "Stream CPU %, memory, pids and block I/O of running "
		   "containers (once a second)",
	.flags = stats_flags,
	.args_size = sizeof(struct stats_args),
	.max_pos = -1,
	.cmd_flags = CMD_STREAMS,
	.module = "supervisor",
	.cli = {.stream_unless = "no-stream",
		.table = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t"
			 "{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
			 "{{.BlockIO}}\t{{.PIDs}}",
		.headers = stats_headers},
    },
    {
	.name = "stop",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Stop containers: their stop signal, then SIGKILL",
	.flags = stop_flags,
	.args_size = sizeof(struct stop_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "system df",
	.role = ROLE_READ,
	.usage = "[-v]",
	.summary = "Disk used by images, containers and volumes, and how "
		   "much of it nothing in use holds",
	.flags = df_flags,
	.args_size = sizeof(struct df_args),
	.cli = {.table = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t"
			 "{{.Size}}\t{{.Reclaimable}}",
		.headers = df_headers,
		.table_unless = "verbose"},
    },
    {
	.name = "system dial-stdio",
	.role = ROLE_READ,
	.summary = "Relay stdin and stdout to skiffd's UNIX socket (what -H "
		   "ssh://HOST runs there); on the socket: this connection "
		   "takes no descriptors",
    },
    {
	.name = "system loop",
	.role = ROLE_READ,
	.summary = "How long skiffd's loop was held per iteration (wall and "
		   "CPU time: p50, p99, p99.9, max)",
	.flags = loop_flags,
	.args_size = sizeof(struct loop_args),
    },
    {
	.name = "system upgrade",
	.role = ROLE_ADMIN,
	.summary = "Start the skiffd binary on disk in place of this one: "
		   "containers, logs and the socket carry on (needs the keeper)",
    },
    {
	.name = "tag",
	.role = ROLE_OPERATOR,
	.usage = "SOURCE_IMAGE TARGET_IMAGE[:TAG]",
	.summary = "Give an image another name",
	.min_pos = 2,
	.max_pos = 2,
	.cmd_flags = CMD_MUTATES,
	.module = "images",
    },
    {
	.name = "top",
	.role = ROLE_READ,
	.usage = "CONTAINER",
	.summary = "List a running container's processes (host pids)",
	.min_pos = 1,
	.max_pos = -1,
	.module = "supervisor",
    },
    {
	.name = "unpause",
	.role = ROLE_OPERATOR,
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Thaw paused containers",
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "update",
	.role = ROLE_OPERATOR,
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Change a container's resource limits, live when it runs",
	.flags = update_flags,
	.args_size = sizeof(struct create_args),
	.min_pos = 1,
	.max_pos = 1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "version",
	.role = ROLE_READ,
	.summary = "Show the client's and skiffd's versions (Docker's "
		   "Client and Server)",
	.flags = format_f_flags,
	.args_size = sizeof(struct format_args),
	.cli = {.how = CLI_CLIENT, .table = VERSION_TEXT},
    },
    {
	.name = "volume create",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] [NAME]",
	.summary = "Create a named volume (a generated name when none is "
		   "given; an existing name is left as it is)",
	.flags = vcreate_flags,
	.args_size = sizeof(struct vcreate_args),
	.max_pos = 1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "volume inspect",
	.role = ROLE_READ,
	.usage = "VOLUME [VOLUME...]",
	.summary = "Show volumes as JSON",
	.min_pos = 1,
	.max_pos = -1,
	.module = "supervisor",
	.cli = {.how = CLI_PRETTY},
	.flags = format_f_flags,
	.args_size = sizeof(struct format_args),
    },
    {
	.name = "volume ls",
	.role = ROLE_READ,
	.usage = "[OPTIONS]",
	.summary = "List volumes",
	.flags = vls_flags,
	.args_size = sizeof(struct vls_args),
	.module = "supervisor",
	.cli = {.headers = volume_headers},
    },
    {
	.name = "volume prune",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS]",
	.summary = "Remove volumes no container uses",
	.flags = vprune_flags,
	.args_size = sizeof(struct vprune_args),
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "volume rm",
	.role = ROLE_ADMIN,
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.summary = "Remove volumes no container uses, with their data",
	.flags = vrm_flags,
	.args_size = sizeof(struct vrm_args),
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_MUTATES,
	.module = "supervisor",
    },
    {
	.name = "wait",
	.role = ROLE_READ,
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Wait for containers to exit and print their exit codes",
	.min_pos = 1,
	.max_pos = -1,
	.cmd_flags = CMD_STREAMS,
	.module = "supervisor",
    },
};

const size_t cmd_table_len = ARRAY_SIZE(cmd_table);

/* Docker's management commands beside the short forms. */
const struct cmd_alias cmd_aliases[] = {
    {"container attach", "attach"}, {"container commit", "commit"},
    {"container cp", "cp"},	    {"container create", "create"},
    {"container exec", "exec"},	    {"container export", "export"},
    {"container inspect", "inspect"}, {"container kill", "kill"},
    {"container list", "ps"},	    {"container logs", "logs"},
    {"container ls", "ps"},	    {"container pause", "pause"},
    {"container ps", "ps"},	    {"container rename", "rename"},
    {"container restart", "restart"}, {"container rm", "rm"},
    {"container run", "run"},	    {"container start", "start"},
    {"container stats", "stats"},   {"container stop", "stop"},
    {"container top", "top"},	    {"container unpause", "unpause"},
    {"container update", "update"}, {"container wait", "wait"},
    {"image history", "history"},   {"image import", "import"},
    {"image inspect", "image-inspect"}, {"image list", "images"},
    {"image load", "load"},	    {"image ls", "images"},
    {"image prune", "image-prune"}, {"image pull", "pull"},
    {"image push", "push"},	    {"image rm", "rmi"},
    {"image save", "save"},	    {"image tag", "tag"},
    {"system events", "events"},    {"system info", "info"},
    {"volume list", "volume ls"},
};

const size_t cmd_aliases_len = ARRAY_SIZE(cmd_aliases);
