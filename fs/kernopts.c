/* kernopts.c - --ulimit and --sysctl into the spec (kernopts.h).
 *
 * Runs in skiffd at create; reads only fs.nr_open from /proc. Owns
 * nothing: the entries belong to the spec. */
#include "kernopts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../core/base/cleanup.h"

static const char *const kernopts_rlimits[] = {
    "core",   "cpu",  "data",   "fsize",	"locks",      "memlock",
    "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime",
    "sigpending", "stack",
};

/* "-1" is unlimited; else a non-negative decimal. */
static int kernopts_limit(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!strcmp(s, "-1")) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static uint64_t kernopts_nr_open(void)
{
	_cleanup_close_ int fd =
	    open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	char buf[32];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return 1048576; /* the kernel's default */
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

static int kernopts_rlimit_put(struct oci_process *p, const char *type,
			       uint64_t soft, uint64_t hard, struct err *e)
{
	struct oci_rlimit *v;

	for (size_t i = 0; i < p->n_rlimits; i++)
		if (!strcmp(p->rlimits[i].type, type)) {
			p->rlimits[i].soft = soft;
			p->rlimits[i].hard = hard;
			return 0;
		}
	v = realloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "--ulimit");
	p->rlimits = v;
	v[p->n_rlimits] = (struct oci_rlimit){.type = strdup(type),
					      .soft = soft, .hard = hard};
	if (!v[p->n_rlimits].type)
		return err_set(e, ENOMEM, "--ulimit");
	p->n_rlimits++;
	return 0;
}

int kernopts_ulimit(struct oci_process *p, const char *arg, struct err *e)
{
	_cleanup_free_ char *buf = strdup(arg);
	char *val = buf ? strchr(buf, '=') : NULL, *hard_s, type[32];
	uint64_t soft, hard;
	size_t i;

	if (!buf)
		return err_set(e, ENOMEM, "--ulimit");
	if (val)
		*val++ = '\0';
	for (i = 0; i < ARRAY_SIZE(kernopts_rlimits); i++)
		if (!strcmp(buf, kernopts_rlimits[i]))
			break;
	if (!val || i == ARRAY_SIZE(kernopts_rlimits))
		return err_setc(e, ERR_INVALID,
				"invalid --ulimit \"%s\" (want NAME=SOFT[:HARD] "
				"with NAME nofile, nproc, core, memlock, stack, "
				"...)", arg);
	hard_s = strchr(val, ':');
	if (hard_s)
		*hard_s++ = '\0';
	if (kernopts_limit(val, &soft) < 0 ||
	    kernopts_limit(hard_s ? hard_s : val, &hard) < 0)
		return err_setc(e, ERR_INVALID,
				"invalid --ulimit \"%s\": limits are numbers "
				"or -1", arg);
	if (soft > hard)
		return err_setc(e, ERR_INVALID,
				"--ulimit %s: the soft limit is above the hard "
				"limit", arg);
	if (!strcmp(buf, "nofile") &&
	    (hard == RLIM_INFINITY || hard > kernopts_nr_open()))
		return err_setc(e, ERR_INVALID,
				"--ulimit %s: nofile above fs.nr_open (%llu), "
				"the most the kernel grants", arg,
				(unsigned long long)kernopts_nr_open());
	snprintf(type, sizeof(type), "RLIMIT_%s", buf);
	for (char *c = type; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return kernopts_rlimit_put(p, type, soft, hard, e);
}

/* Which namespace a sysctl belongs to: "ipc", "net", "uts" or NULL. */
static const char *kernopts_sysctl_ns(const char *k)
{
	static const char *const ipc[] = {
	    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
	    "kernel.sem",    "kernel.shmall", "kernel.shmmax",
	    "kernel.shmmni", "kernel.shm_rmid_forced",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
		if (!strcmp(k, ipc[i]))
			return "ipc";
	if (!strncmp(k, "fs.mqueue.", 10))
		return "ipc";
	if (!strncmp(k, "net.", 4))
		return "net";
	if (!strcmp(k, "kernel.domainname"))
		return "uts";
	return NULL;
}

int kernopts_sysctl(struct oci_spec *s, const char *arg, bool host_net,
		    struct err *e)
{
	const char *eq = strchr(arg, '='), *ns;
	_cleanup_free_ char *key = eq ? strndup(arg, (size_t)(eq - arg)) : NULL;
	struct oci_kv *v;

	if (!eq || eq == arg || !eq[1] || strchr(arg, '/') || strstr(arg, ".."))
		return err_setc(e, ERR_INVALID,
				"invalid --sysctl \"%s\" (want NAME=VALUE)", arg);
	if (!key)
		return err_set(e, ENOMEM, "--sysctl");
	ns = kernopts_sysctl_ns(key);
	if (!ns)
		return err_setc(e, ERR_INVALID,
				"--sysctl %s: not a namespaced sysctl (only "
				"net.*, kernel.msg*, kernel.sem, kernel.shm*, "
				"fs.mqueue.*, kernel.domainname)", arg);
	if (!strcmp(ns, "net") && host_net)
		return err_setc(e, ERR_INVALID,
				"--sysctl %s: not allowed with the host's "
				"network namespace (--network host)", arg);
	if (!ocispec_namespace(s, ns[0] == 'n' ? "network" : ns))
		return err_setc(e, ERR_INVALID,
				"--sysctl %s: the container shares the host's "
				"%s namespace", arg, ns);
	v = realloc(s->sysctl, (s->n_sysctl + 1) * sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "--sysctl");
	s->sysctl = v;
	v[s->n_sysctl].key = steal_ptr(&key);
	v[s->n_sysctl].value = strdup(eq + 1);
	s->n_sysctl++;
	if (!v[s->n_sysctl - 1].value)
		return err_set(e, ENOMEM, "--sysctl");
	return 0;
}
