/* caps.c - capability names, Docker's defaults and applying the five sets.
 *
 * Stateless; libcap's cap_t objects are freed before each function
 * returns. */
#include "caps.h"

#include <ctype.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "../core/base/cleanup.h"

const char *const caps_docker_default[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",	       "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",	       "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",	   "CAP_AUDIT_WRITE",
};
const size_t caps_docker_default_n = ARRAY_SIZE(caps_docker_default);

static inline void caps_cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(caps_cap_freep)

static int caps_count(void)
{
	int n = (int)cap_max_bits();

	return n > 0 && n <= 64 ? n : CAP_LAST_CAP + 1;
}

uint64_t caps_all_mask(void)
{
	int n = caps_count();

	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

uint64_t caps_own_bounding_mask(void)
{
	uint64_t m = 0;

	for (int c = 0; c < caps_count(); c++)
		if (cap_get_bound((cap_value_t)c) == 1)
			m |= 1ULL << c;
	return m;
}

int caps_from_name(const char *name, int *cap, struct err *e)
{
	char low[64] = "cap_";
	size_t off = 4, i = 0;
	cap_value_t v;

	if (strncasecmp(name, "cap_", 4) == 0)
		i = 4;
	for (; name[i] && off < sizeof(low) - 1; i++)
		low[off++] = (char)tolower((unsigned char)name[i]);
	low[off] = '\0';
	if (name[i] || off == 4 || cap_from_name(low, &v) < 0 || v < 0 ||
	    v >= caps_count())
		return err_setc(e, ERR_INVALID, "unknown capability \"%s\"",
				name);
	*cap = v;
	return 0;
}

void caps_to_name(int cap, char *buf, size_t size)
{
	char *n = cap_to_name((cap_value_t)cap);

	if (!n) {
		snprintf(buf, size, "CAP_%d", cap);
		return;
	}
	snprintf(buf, size, "%s", n);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	cap_free(n);
}

int caps_mask(const struct strv *names, uint64_t *mask, struct err *e)
{
	int cap;

	*mask = 0;
	for (size_t i = 0; i < names->n; i++) {
		if (strcasecmp(names->v[i], "ALL") == 0) {
			*mask |= caps_all_mask();
			continue;
		}
		if (caps_from_name(names->v[i], &cap, e) < 0)
			return -1;
		*mask |= 1ULL << cap;
	}
	return 0;
}

int caps_docker_mask(const struct strv *add, const struct strv *drop,
		     uint64_t *mask, struct err *e)
{
	uint64_t a = 0, d = 0;

	if ((add && caps_mask(add, &a, e) < 0) ||
	    (drop && caps_mask(drop, &d, e) < 0))
		return -1;
	if (d == caps_all_mask() && drop) {
		/* drop ALL: only what is added explicitly survives. */
		*mask = a;
		return 0;
	}
	*mask = (CAPS_DOCKER_MASK | a) & ~d;
	return 0;
}

int caps_mask_names(uint64_t mask, struct strv *out)
{
	char name[64];

	for (int c = 0; c < 64; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		caps_to_name(c, name, sizeof(name));
		if (strv_push(out, name) < 0)
			return -1;
	}
	return 0;
}

int caps_fill_spec(struct oci_process *p, uint64_t mask, struct err *e)
{
	static const enum oci_capset sets[] = {
	    OCI_CAP_BOUNDING, OCI_CAP_EFFECTIVE, OCI_CAP_INHERITABLE,
	    OCI_CAP_PERMITTED};

	for (int i = 0; i < OCI_CAP_NSETS; i++)
		strv_free(&p->caps[i]);
	p->has_caps = true;
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		if (caps_mask_names(mask, &p->caps[sets[i]]) < 0)
			return err_set(e, ENOMEM, "capabilities");
	return 0;
}

int caps_keep(struct err *e)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(e, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

/* Mask of one set in the spec; without a capabilities object, empty. */
static int set_mask(const struct oci_process *p, enum oci_capset s,
		    uint64_t *mask, struct err *e)
{
	*mask = 0;
	if (!p->has_caps)
		return 0;
	return caps_mask(&p->caps[s], mask, e);
}

int caps_apply_bounding(const struct oci_process *p, struct err *e)
{
	uint64_t keep;
	char name[64];

	if (set_mask(p, OCI_CAP_BOUNDING, &keep, e) < 0)
		return -1;
	for (int c = 0; c < caps_count(); c++) {
		if (keep & (1ULL << c) || !CAP_IS_SUPPORTED(c))
			continue;
		if (cap_drop_bound((cap_value_t)c) < 0 && errno != EINVAL) {
			caps_to_name(c, name, sizeof(name));
			return err_set(e, errno, "drop %s from bounding set",
				       name);
		}
	}
	return 0;
}

/* Put the bits of mask into flag of c. */
static int set_flag(cap_t c, cap_flag_t flag, uint64_t mask)
{
	for (int i = 0; i < 64; i++) {
		cap_value_t v = i;
		if ((mask & (1ULL << i)) &&
		    cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return -1;
	}
	return 0;
}

static int apply_ambient(uint64_t amb, struct err *e)
{
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return err_set(e, errno, "clear ambient capabilities");
	for (int i = 0; i < 64; i++) {
		if (!(amb & (1ULL << i)))
			continue;
		if (cap_set_ambient((cap_value_t)i, CAP_SET) < 0)
			return err_set(e, errno, "raise ambient capability %d",
				       i);
	}
	return 0;
}

int caps_apply(const struct oci_process *p, struct err *e)
{
	_cleanup_cap_ cap_t c = cap_init();
	uint64_t eff, prm, inh, amb;

	if (!c)
		return err_set(e, errno, "cap_init");
	if (set_mask(p, OCI_CAP_EFFECTIVE, &eff, e) < 0 ||
	    set_mask(p, OCI_CAP_PERMITTED, &prm, e) < 0 ||
	    set_mask(p, OCI_CAP_INHERITABLE, &inh, e) < 0 ||
	    set_mask(p, OCI_CAP_AMBIENT, &amb, e) < 0)
		return -1;
	if (set_flag(c, CAP_EFFECTIVE, eff) < 0 ||
	    set_flag(c, CAP_PERMITTED, prm) < 0 ||
	    set_flag(c, CAP_INHERITABLE, inh) < 0)
		return err_set(e, errno, "cap_set_flag");
	if (cap_set_proc(c) < 0)
		return err_set(e, errno, "set capabilities");
	if (apply_ambient(amb, e) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_set(e, errno, "prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}
