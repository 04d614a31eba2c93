/* ociimage_platform.c - platform names and manifest selection from an
 * index (see ociimage.h). Names follow Go's GOOS/GOARCH, as registries
 * and containerd do; variants are "vN" and compared by N. */
#include "ociimage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../core/base/cleanup.h"

/* uname machine -> GOARCH [variant] */
static const struct {
	const char *machine, *arch, *variant;
} machines[] = {
    {"x86_64", "amd64", NULL},	    {"amd64", "amd64", NULL},
    {"x86-64", "amd64", NULL},	    {"i386", "386", NULL},
    {"i486", "386", NULL},	    {"i586", "386", NULL},
    {"i686", "386", NULL},	    {"aarch64", "arm64", "v8"},
    {"arm64", "arm64", "v8"},	    {"armv8l", "arm", "v7"},
    {"armv7l", "arm", "v7"},	    {"armv7", "arm", "v7"},
    {"armhf", "arm", "v7"},	    {"armv6l", "arm", "v6"},
    {"armel", "arm", "v6"},	    {"armv5tel", "arm", "v5"},
    {"armv5l", "arm", "v5"},	    {"ppc64le", "ppc64le", NULL},
    {"ppc64", "ppc64", NULL},	    {"s390x", "s390x", NULL},
    {"riscv64", "riscv64", NULL},   {"mips64", "mips64", NULL},
    {"mips64el", "mips64le", NULL}, {"loongarch64", "loong64", NULL},
};

int ociimage_arch_from_machine(const char *machine, const char **arch,
			       const char **variant)
{
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
		if (strcmp(machines[i].machine, machine) == 0) {
			*arch = machines[i].arch;
			*variant = machines[i].variant;
			return 0;
		}
	}
	return -1;
}

static int set(char **dst, const char *src, struct err *e)
{
	free(*dst);
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return err_set(e, ENOMEM, "platform");
	return 0;
}

int ociimage_platform_host(struct oci_platform *p, struct err *e)
{
	const char *arch, *variant;
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) < 0)
		return err_set(e, errno, "uname");
	if (ociimage_arch_from_machine(u.machine, &arch, &variant) < 0)
		return err_setc(e, ERR_INVALID,
				"unknown machine \"%s\": give --platform",
				u.machine);
	if (set(&p->os, "linux", e) < 0 || set(&p->architecture, arch, e) < 0 ||
	    set(&p->variant, variant, e) < 0) {
		ociimage_platform_clear(p);
		return -1;
	}
	return 0;
}

/* "8" -> "v8"; "" -> NULL */
static int norm_variant(struct oci_platform *p, struct err *e)
{
	char buf[32];

	if (!p->variant || !*p->variant)
		return set(&p->variant, NULL, e);
	if (isdigit((unsigned char)p->variant[0])) {
		snprintf(buf, sizeof(buf), "v%.30s", p->variant);
		return set(&p->variant, buf, e);
	}
	return 0;
}

/* Alias arch names; arm64 gets variant v8 when it has none. */
static int norm_arch(struct oci_platform *p, struct err *e)
{
	const char *arch, *variant;

	if (ociimage_arch_from_machine(p->architecture, &arch, &variant) == 0 &&
	    strcmp(arch, p->architecture) != 0) {
		if (set(&p->architecture, arch, e) < 0)
			return -1;
		if (!p->variant && variant && set(&p->variant, variant, e) < 0)
			return -1;
	}
	if (strcmp(p->architecture, "arm64") == 0 && !p->variant)
		return set(&p->variant, "v8", e);
	return 0;
}

static bool word_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return false;
	return true;
}

int ociimage_platform_parse(const char *s, struct oci_platform *p,
			    struct err *e)
{
	_cleanup_free_ char *copy = strdup(s);
	char *parts[4] = {0}, *save = NULL, *tok;
	int n = 0;

	memset(p, 0, sizeof(*p));
	if (!copy)
		return err_set(e, ENOMEM, "platform");
	for (char *c = copy; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (tok = strtok_r(copy, "/", &save); tok && n < 4;
	     tok = strtok_r(NULL, "/", &save))
		parts[n++] = tok;
	if (n < 2 || n > 3 || strchr(s, '/') == s || s[strlen(s) - 1] == '/' ||
	    strstr(s, "//"))
		return err_setc(e, ERR_INVALID,
				"invalid platform \"%.64s\": want "
				"os/arch[/variant]",
				s);
	for (int i = 0; i < n; i++)
		if (!word_ok(parts[i]))
			return err_setc(e, ERR_INVALID,
					"invalid platform \"%.64s\": bad "
					"element \"%.32s\"",
					s, parts[i]);
	if (set(&p->os, parts[0], e) < 0 ||
	    set(&p->architecture, parts[1], e) < 0 ||
	    set(&p->variant, parts[2], e) < 0 || norm_variant(p, e) < 0 ||
	    norm_arch(p, e) < 0) {
		ociimage_platform_clear(p);
		return -1;
	}
	return 0;
}

void ociimage_platform_string(const struct oci_platform *p, char *out, size_t n)
{
	snprintf(out, n, "%s/%s%s%s", p->os ? p->os : "?",
		 p->architecture ? p->architecture : "?",
		 p->variant && *p->variant ? "/" : "",
		 p->variant ? p->variant : "");
}

/* Arch as an index entry spells it, through the alias table. */
static const char *canon_arch(const char *a, const char **variant)
{
	const char *arch, *v;

	*variant = NULL;
	if (a && ociimage_arch_from_machine(a, &arch, &v) == 0 &&
	    strcmp(arch, a) != 0) {
		*variant = v;
		return arch;
	}
	return a;
}

/* A variant's level: "v7" -> 7; absent -> the arch's default (arm v7,
 * arm64 v8, amd64 v1); -1 for a variant that is not "vN". */
static int variant_level(const char *arch, const char *v)
{
	char *end;
	long n;

	if (!v || !*v) {
		if (strcmp(arch, "arm") == 0)
			return 7;
		if (strcmp(arch, "arm64") == 0)
			return 8;
		return strcmp(arch, "amd64") == 0 ? 1 : 0;
	}
	if (v[0] != 'v' && v[0] != 'V')
		return -1;
	n = strtol(v + 1, &end, 10);
	return *end || n < 0 || n > 100 ? -1 : (int)n;
}

/* Score of entry d for want: -1 no match, higher is better. */
static int match_score(const struct oci_desc *d,
		       const struct oci_platform *want)
{
	const char *alias_variant, *arch, *variant;
	int have, need;

	if (d->mt != OCI_MT_MANIFEST && d->mt != OCI_MT_INDEX)
		return -1;
	if (!d->has_platform || !d->platform.os || !want->os ||
	    strcasecmp(d->platform.os, want->os) != 0)
		return -1;
	arch = canon_arch(d->platform.architecture, &alias_variant);
	if (!arch || !want->architecture || strcmp(arch, want->architecture))
		return -1;
	variant = d->platform.variant ? d->platform.variant : alias_variant;
	if (variant && want->variant && strcasecmp(variant, want->variant) == 0)
		return 1000;
	have = variant_level(arch, variant);
	need = variant_level(arch, want->variant);
	if (have < 0 || need < 0)
		return -1;
	if (have == need)
		return 1000;
	return have < need ? have : -1;
}

int ociimage_index_select(const struct oci_index *x,
			  const struct oci_platform *want, size_t *which,
			  struct err *e)
{
	char have[400] = "", one[96];
	size_t used = 0, bare = 0, bare_at = 0;
	int best = -1;

	for (size_t i = 0; i < x->n_manifests; i++) {
		int s = match_score(&x->manifests[i], want);
		if (s > best) {
			best = s;
			*which = i;
		}
		if (!x->manifests[i].has_platform &&
		    x->manifests[i].mt == OCI_MT_MANIFEST) {
			bare++;
			bare_at = i;
		}
	}
	if (best >= 0)
		return 0;
	/* A one-image index without platforms (an OCI layout's index.json,
	 * a single-arch `skopeo copy`): take it. */
	if (bare == 1 && x->n_manifests == 1) {
		*which = bare_at;
		return 0;
	}
	for (size_t i = 0; i < x->n_manifests && used < sizeof(have) - 100;
	     i++) {
		if (!x->manifests[i].has_platform)
			continue;
		ociimage_platform_string(&x->manifests[i].platform, one,
					 sizeof(one));
		used += (size_t)snprintf(have + used, sizeof(have) - used,
					 "%s%s", used ? ", " : "", one);
	}
	ociimage_platform_string(want, one, sizeof(one));
	return err_setc(e, ERR_NOT_FOUND,
			"no manifest for platform %s in the index (it has: %s)",
			one, used ? have : "no platforms");
}
