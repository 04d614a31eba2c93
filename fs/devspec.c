/* devspec.c - Docker's device options as OCI spec entries (devspec.h).
 *
 * Runs in skiffd when a container is created: the host nodes are
 * stat'ed then, so a missing device fails `create`, not a later start.
 * Owns nothing: every entry it makes belongs to the spec. */
#include "devspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../core/base/cleanup.h"

/* Docker's (runc's AllowedDevices): mknod of anything, open of these. */
static const struct oci_devrule devspec_default_rules[] = {
    {false, 'a', -1, -1, "rwm"}, {true, 'c', -1, -1, "m"},
    {true, 'b', -1, -1, "m"},	 {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 8, "rwm"},	 {true, 'c', 1, 7, "rwm"},
    {true, 'c', 5, 0, "rwm"},	 {true, 'c', 1, 5, "rwm"},
    {true, 'c', 1, 9, "rwm"},	 {true, 'c', 5, 1, "rwm"},
    {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"},
    {true, 'c', 10, 200, "rwm"},
};

static int devspec_rule_push(struct oci_spec *s, const struct oci_devrule *r,
			     struct err *e)
{
	struct oci_devrule *v =
	    realloc(s->devrules, (s->n_devrules + 1) * sizeof(*v));

	if (!v)
		return err_set(e, ENOMEM, "device rules");
	s->devrules = v;
	v[s->n_devrules++] = *r;
	return 0;
}

int devspec_defaults(struct oci_spec *s, bool privileged, struct err *e)
{
	static const struct oci_devrule all = {true, 'a', -1, -1, "rwm"};

	if (privileged)
		return devspec_rule_push(s, &all, e);
	for (size_t i = 0; i < ARRAY_SIZE(devspec_default_rules); i++)
		if (devspec_rule_push(s, &devspec_default_rules[i], e) < 0)
			return -1;
	return 0;
}

static bool devspec_perms_ok(const char *p)
{
	size_t n = strlen(p);

	return n >= 1 && n <= 3 && strspn(p, "rwm") == n;
}

/* HOST[:CONTAINER][:PERMS] into its parts (pointers into buf). */
static int devspec_split(char *buf, const char *arg, const char **host,
			 const char **ctr, const char **perms, struct err *e)
{
	char *a = strchr(buf, ':'), *b = a ? strchr(a + 1, ':') : NULL;

	*host = buf;
	*ctr = buf;
	*perms = "rwm";
	if (a)
		*a++ = '\0';
	if (b)
		*b++ = '\0';
	if (b) {
		*ctr = a;
		*perms = b;
	} else if (a && devspec_perms_ok(a)) {
		*perms = a;
	} else if (a) {
		*ctr = a;
	}
	if (buf[0] != '/' || (*ctr)[0] != '/' || !devspec_perms_ok(*perms) ||
	    (b && strchr(b, ':')))
		return err_setc(e, ERR_INVALID,
				"invalid --device \"%s\" (want "
				"/HOST[:/CONTAINER][:rwm])",
				arg);
	return 0;
}

int devspec_add_device(struct oci_spec *s, const char *arg, struct err *e)
{
	_cleanup_free_ char *buf = strdup(arg);
	const char *host, *ctr, *perms;
	struct oci_devrule r = {.allow = true};
	struct oci_device *v, *d;
	struct stat st;

	if (!buf)
		return err_set(e, ENOMEM, "--device");
	if (devspec_split(buf, arg, &host, &ctr, &perms, e) < 0)
		return -1;
	if (stat(host, &st) < 0)
		return err_set(e, errno, "--device %s: %s", arg, host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return err_setc(e, ERR_INVALID,
				"--device %s: %s is not a device node", arg,
				host);
	v = realloc(s->devices, (s->n_devices + 1) * sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "--device");
	s->devices = v;
	d = memset(&v[s->n_devices], 0, sizeof(*d));
	if (!(d->path = strdup(ctr)))
		return err_set(e, ENOMEM, "--device");
	s->n_devices++;
	d->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
	d->major = major(st.st_rdev);
	d->minor = minor(st.st_rdev);
	d->has_mode = d->has_uid = d->has_gid = true;
	d->file_mode = st.st_mode & 07777;
	d->uid = st.st_uid;
	d->gid = st.st_gid;
	r.type = d->type;
	r.major = d->major;
	r.minor = d->minor;
	snprintf(r.access, sizeof(r.access), "%s", perms);
	return devspec_rule_push(s, &r, e);
}

/* A major or minor of a rule: digits or "*" (-1). */
static const char *devspec_num(const char *p, int64_t *out)
{
	char *end;
	unsigned long n;

	if (*p == '*') {
		*out = -1;
		return p + 1;
	}
	if (*p < '0' || *p > '9')
		return NULL;
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno || n > UINT32_MAX)
		return NULL;
	*out = (int64_t)n;
	return end;
}

int devspec_add_rule(struct oci_spec *s, const char *arg, struct err *e)
{
	struct oci_devrule r = {.allow = true};
	const char *p = arg;

	r.type = *p;
	if (!strchr("abc", *p) || !*p || p[1] != ' ' ||
	    !(p = devspec_num(p + 2, &r.major)) || *p != ':' ||
	    !(p = devspec_num(p + 1, &r.minor)) || *p != ' ' ||
	    !devspec_perms_ok(p + 1))
		return err_setc(e, ERR_INVALID,
				"invalid --device-cgroup-rule \"%s\" (want "
				"'a|b|c MAJOR|*:MINOR|* rwm')",
				arg);
	snprintf(r.access, sizeof(r.access), "%s", p + 1);
	return devspec_rule_push(s, &r, e);
}
