/* seccomp.h - build and load a seccomp filter from the OCI description.
 *
 * The filter comes from struct oci_seccomp (config.json's linux.seccomp,
 * Docker's profile format via proto/seccomp_json.c, or skiff's default
 * profile from seccomp_default.c). Unknown syscall names are skipped, as
 * runc and Docker do, since a profile names syscalls of several
 * architectures. Names here are prefixed seccomp_spec_/seccomp_default_
 * because libseccomp owns the plain seccomp_ prefix. */
#ifndef SKIFF_SECCOMP_H
#define SKIFF_SECCOMP_H

#include <linux/filter.h>
#include <stdint.h>

#include "../core/base/err.h"
#include "../proto/ocispec.h"

/* Build the filter without loading it: checks architectures, actions and
 * arguments so a bad profile fails in the parent, before any clone. */
int seccomp_spec_check(const struct oci_seccomp *s, struct err *e);
/* Build and load the filter into the calling thread. Does not set
 * no_new_privs: without it the caller needs CAP_SYS_ADMIN. */
int seccomp_spec_load(const struct oci_seccomp *s, struct err *e);

/* A filter compiled to classic BPF, ready for seccomp(2): compiling
 * Docker's profile takes milliseconds, so a daemon compiles each distinct
 * profile once and hands every container the program. */
struct seccomp_bpf {
	struct sock_filter *insns;
	unsigned short len;
};

int seccomp_spec_compile(const struct oci_seccomp *s, struct seccomp_bpf *out,
			 struct err *e);
void seccomp_bpf_free(struct seccomp_bpf *b);
/* Load a compiled filter into the calling thread (same rules as
 * seccomp_spec_load for no_new_privs). */
int seccomp_bpf_load(const struct seccomp_bpf *b, struct err *e);
/* An exact text key of everything the filter depends on, for caching
 * compiled programs by profile. */
void seccomp_spec_key(const struct oci_seccomp *s, struct buf *out);

/* skiff's default profile, equivalent to Docker's: an allow-list with
 * EPERM for everything else, argument filters for socket, personality and
 * clone, and entries that only apply with capabilities in caps_mask (the
 * container's bounding set). */
int seccomp_default_spec(uint64_t caps_mask, struct oci_seccomp **out,
			 struct err *e);

#endif
