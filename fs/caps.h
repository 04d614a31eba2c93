/* caps.h - Linux capabilities for containers, over libcap.
 *
 * Names are accepted as "CAP_NET_ADMIN", "net_admin" or "NET_ADMIN" (any
 * case); "ALL" stands for every capability the running kernel knows. Lists
 * handed out use the canonical "CAP_X" spelling that config.json carries.
 * caps_apply() runs in the container's child process. */
#ifndef SKIFF_CAPS_H
#define SKIFF_CAPS_H

#include <stdint.h>

#include "../core/base/err.h"
#include "../proto/ocispec.h"

/* Docker's default set, in Docker's order; CAPS_DOCKER_MASK is its mask. */
extern const char *const caps_docker_default[];
extern const size_t caps_docker_default_n;
#define CAPS_DOCKER_MASK 0x00000000a80425fbULL

/* One name to its number; -1 and e set if unknown. */
int caps_from_name(const char *name, int *cap, struct err *e);
/* Number to "CAP_X" into buf (at least 32 bytes). */
void caps_to_name(int cap, char *buf, size_t size);
/* Mask of a list of names ("ALL" allowed). */
int caps_mask(const struct strv *names, uint64_t *mask, struct err *e);
/* Every capability the kernel supports. */
uint64_t caps_all_mask(void);
/* The calling process's bounding set: what "privileged" can grant. */
uint64_t caps_own_bounding_mask(void);
/* Docker's rules: defaults, plus add, minus drop; drop ALL empties the set
 * before the adds, add ALL means every capability. */
int caps_docker_mask(const struct strv *add, const struct strv *drop,
		     uint64_t *mask, struct err *e);
/* Mask to a list of "CAP_X" names appended to out. */
int caps_mask_names(uint64_t mask, struct strv *out);
/* Fill process.capabilities with mask in bounding, effective, permitted
 * and inheritable (ambient empty), as Docker does. */
int caps_fill_spec(struct oci_process *p, uint64_t mask, struct err *e);

/* Set PR_SET_KEEPCAPS so capabilities survive the switch to a non-root
 * uid; call before setresuid(). */
int caps_keep(struct err *e);
/* Drop every capability not in the bounding list from the bounding set;
 * needs CAP_SETPCAP, so call before caps_apply(). */
int caps_apply_bounding(const struct oci_process *p, struct err *e);
/* Set effective, permitted and inheritable, clear ambient then raise the
 * listed ambient ones, and clear KEEPCAPS. With no capabilities object in
 * the spec every set ends up empty. */
int caps_apply(const struct oci_process *p, struct err *e);

#endif
