/* ocispec.h - the subset of the OCI runtime-spec config.json skiff uses.
 *
 * struct oci_spec owns every string and array inside it; ocispec_free()
 * releases it all. ocispec_parse() reads config.json (errors name the JSON
 * path of the bad field), ocispec_write() writes it back as valid
 * config.json. The seccomp part (struct oci_seccomp) is also what
 * proto/seccomp_json.c fills from Docker's profile format and what
 * fs/seccomp.c loads into the kernel. */
#ifndef SKIFF_OCISPEC_H
#define SKIFF_OCISPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "jtree.h"

/* Capability sets, in the order of process.capabilities' members. */
enum oci_capset {
	OCI_CAP_BOUNDING,
	OCI_CAP_EFFECTIVE,
	OCI_CAP_INHERITABLE,
	OCI_CAP_PERMITTED,
	OCI_CAP_AMBIENT,
	OCI_CAP_NSETS,
};

struct oci_user {
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	/* Unresolved Docker-style user ("name", "uid:gid", "name:group"); when
	 * set, the runtime resolves it against the container's /etc/passwd and
	 * /etc/group, overriding uid, gid and additional_gids. */
	char *username;
	/* Supplementary groups by name or number, resolved by the runtime
	 * in the container's /etc/group and added to additional_gids
	 * (skiff's, like username: Docker's --group-add). */
	struct strv group_names;
};

struct oci_rlimit {
	char *type; /* "RLIMIT_NOFILE" */
	uint64_t hard, soft;
};

struct oci_process {
	bool terminal;
	struct oci_user user;
	struct strv args, env;
	char *cwd;
	bool has_caps; /* capabilities present (else: runtime keeps none) */
	struct strv caps[OCI_CAP_NSETS];
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj; /* oomScoreAdj, -1000..1000 */
};

struct oci_mount {
	char *destination, *type, *source;
	struct strv options;
};

struct oci_namespace {
	char *type; /* pid network mount ipc uts user cgroup */
	char *path; /* join this one instead of creating; NULL to create */
};

enum oci_scmp_action {
	OCI_SCMP_KILL_THREAD, /* "SCMP_ACT_KILL" and "SCMP_ACT_KILL_THREAD" */
	OCI_SCMP_KILL_PROCESS,
	OCI_SCMP_TRAP,
	OCI_SCMP_ERRNO,
	OCI_SCMP_TRACE,
	OCI_SCMP_ALLOW,
	OCI_SCMP_LOG,
};

enum oci_scmp_op {
	OCI_SCMP_CMP_NE,
	OCI_SCMP_CMP_LT,
	OCI_SCMP_CMP_LE,
	OCI_SCMP_CMP_EQ,
	OCI_SCMP_CMP_GE,
	OCI_SCMP_CMP_GT,
	OCI_SCMP_CMP_MASKED_EQ,
};

struct oci_scmp_arg {
	uint32_t index;
	uint64_t value, value_two;
	enum oci_scmp_op op;
};

struct oci_scmp_rule {
	struct strv names;
	enum oci_scmp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_scmp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_scmp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct strv architectures; /* "SCMP_ARCH_X86_64", ... */
	struct oci_scmp_rule *syscalls;
	size_t n_syscalls;
};

struct oci_kv {
	char *key, *value;
};

/* linux.devices[]: a node the runtime makes in the container. */
struct oci_device {
	char *path; /* in the container, absolute */
	char type;  /* 'c', 'b', 'u' (= 'c') or 'p' */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
};

/* linux.resources.devices[]: one device cgroup rule, in order; the
 * last that matches decides. major/minor -1: any (absent in JSON). */
struct oci_devrule {
	bool allow;
	char type;	/* 'a' (all), 'c' or 'b' */
	int64_t major, minor;
	char access[4]; /* some of "rwm"; "" = all */
};

struct oci_spec {
	char *oci_version;
	bool has_process;
	struct oci_process process;
	char *root_path;
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct strv masked_paths, readonly_paths;
	struct oci_seccomp *seccomp; /* NULL: no filter */
	char *cgroups_path;
	struct oci_device *devices;
	size_t n_devices;
	struct oci_devrule *devrules; /* linux.resources.devices */
	size_t n_devrules;
	struct oci_kv *sysctl; /* linux.sysctl */
	size_t n_sysctl;
	struct oci_kv *annotations;
	size_t n_annotations;
};

int ocispec_parse(const char *json, size_t len, struct oci_spec **out,
		  struct err *e);
/* Append the spec as pretty-printed config.json to out. */
void ocispec_write(const struct oci_spec *spec, struct buf *out);
/* The same on one line (no indentation), as kept in memory. */
void ocispec_write_compact(const struct oci_spec *s, struct buf *out);
void ocispec_free(struct oci_spec *spec);
/* Allocate an empty spec (ociVersion set) for builders; NULL on ENOMEM. */
struct oci_spec *ocispec_new(void);

/* Seccomp pieces shared with seccomp_json.c and fs/seccomp.c. */
void ocispec_seccomp_free(struct oci_seccomp *s);
int ocispec_scmp_action_parse(const char *s, enum oci_scmp_action *out);
const char *ocispec_scmp_action_name(enum oci_scmp_action a);
int ocispec_scmp_op_parse(const char *s, enum oci_scmp_op *out);
const char *ocispec_scmp_op_name(enum oci_scmp_op op);
/* Read one syscalls[] entry's names/action/errnoRet/args at t's path
 * (Docker's legacy single "name" is accepted when "names" is absent). */
int ocispec_scmp_rule_read(struct jt *t, yajl_val v, struct oci_scmp_rule *r);
/* Append a rule to s (copying the names); -1 on ENOMEM. */
int ocispec_scmp_rule_add(struct oci_seccomp *s, const struct oci_scmp_rule *r);
/* Find a namespace entry by type, NULL if the spec doesn't list it. */
const struct oci_namespace *ocispec_namespace(const struct oci_spec *spec,
					      const char *type);
/* The annotation's value, NULL if absent. */
const char *ocispec_annotation(const struct oci_spec *spec, const char *key);
/* Set (or replace) an annotation; -1 on ENOMEM. */
int ocispec_annotation_set(struct oci_spec *spec, const char *key,
			   const char *value);

#endif
