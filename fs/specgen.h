/* specgen.h - a Docker-like OCI spec from `run`-style options.
 *
 * The supervisor and tools turn the CLI's flags into a struct oci_spec
 * here, with Docker's defaults: pid, mount, network, ipc, uts and cgroup
 * namespaces; Docker's 14 capabilities adjusted by cap-add/cap-drop;
 * Docker's default seccomp profile (or a Docker-format profile, or none);
 * Docker's mounts, masked and read-only paths. */
#ifndef SKIFF_SPECGEN_H
#define SKIFF_SPECGEN_H

#include <stdbool.h>

#include "../core/base/err.h"
#include "../proto/ocispec.h"

struct specgen_opts {
	const char *rootfs;	 /* root.path */
	const char *const *args; /* NULL-terminated, at least one */
	const char *const *env;	 /* NULL-terminated "K=V", or NULL */
	const char *cwd;	 /* NULL: "/" */
	const char *user;	 /* Docker --user; NULL: root */
	const char *hostname;	 /* NULL: none set */
	bool terminal;
	const struct strv *cap_add, *cap_drop; /* NULL: none */
	/* seccomp=PATH: the profile's contents, read by the caller (as the
	 * Docker CLI does), in Docker's format. */
	const char *seccomp_json;
	size_t seccomp_json_len;
	bool seccomp_unconfined;
	bool no_new_privileges;
	/* All capabilities skiff itself holds, no seccomp, no masked or
	 * read-only paths, /sys writable. Host devices are not added to /dev.
	 */
	bool privileged;
	bool read_only;
	const struct strv *tmpfs; /* "/run" or "/run:size=64m,exec" */
	const struct strv *binds; /* "SRC:DST" or "SRC:DST:ro,rslave" */
	const char *cgroups_path;
	/* --device HOST[:CONTAINER][:rwm], --device-cgroup-rule (devspec.h);
	 * NULL: none. Docker's default device rules come first either way. */
	const struct strv *devices, *device_rules;
	/* --ulimit, --sysctl (kernopts.h), --group-add; NULL: none */
	const struct strv *ulimits, *sysctls, *group_add;
	/* The host's namespaces instead of new ones (--network, --pid,
	 * --ipc, --uts host); --ipc host also binds the host's /dev/shm.
	 * --ipc none: no /dev/shm mounted. */
	bool host_net, host_pid, host_ipc, host_uts, ipc_none;
	bool host_cgroupns; /* --cgroupns host: the host's cgroup namespace */
	const char *domainname; /* --domainname; NULL: none set */
	int64_t shm_size;      /* /dev/shm's size; 0: Docker's 64m */
	bool has_oom_score_adj;
	int oom_score_adj;     /* -1000..1000 */
	/* For evaluating a profile's minKernel; 0 = assume new enough. */
	unsigned kernel_major, kernel_minor;
};

int specgen_build(const struct specgen_opts *o, struct oci_spec **out,
		  struct err *e);

#endif
