/* seccomp_json.h - Docker's seccomp profile format (`--security-opt
 * seccomp=PATH`, moby's profiles/seccomp/default.json) read into the OCI
 * struct oci_seccomp that fs/seccomp.c loads.
 *
 * A Docker profile is conditional: an entry may apply only with certain
 * capabilities (includes.caps / excludes.caps), on certain architectures
 * (includes.arches / excludes.arches, Go names such as "amd64") or from a
 * kernel version on (includes.minKernel). The conditions are judged here,
 * once, against the container's capabilities, so the result is a plain
 * OCI filter, as Docker writes into config.json. */
#ifndef SKIFF_SECCOMP_JSON_H
#define SKIFF_SECCOMP_JSON_H

#include "ocispec.h"

struct seccomp_json_ctx {
	const struct strv *caps; /* bounding set, "CAP_X" names; NULL = none */
	const char *arch;	 /* Go arch name; NULL = the build's own */
	unsigned kernel_major;	 /* 0 = don't judge minKernel (assume new) */
	unsigned kernel_minor;
};

int seccomp_json_parse(const char *json, size_t len,
		       const struct seccomp_json_ctx *ctx,
		       struct oci_seccomp **out, struct err *e);
/* The build's architecture: Go name ("amd64") and libseccomp name
 * ("SCMP_ARCH_X86_64"). */
const char *seccomp_json_go_arch(void);
const char *seccomp_json_scmp_arch(void);

#endif
