/* nsmode.c - a container's pid, ipc and uts namespaces: its own (the
 * default), the host's, or another running container's (Docker's
 * --pid, --ipc, --uts; supervisor.h).
 *
 * The modes live in the spec's annotations, so a container is rebuilt
 * from its state: a donor is named by its id, and its namespaces are
 * looked up by its pid at each start (/proc/PID/ns/pid, /proc/PID/ns/ipc).
 * Owns nothing. */
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/xalloc.h"
#include "../../proto/cmdreq.h"

#define NSMODE_PID "io.skiff.pid"
#define NSMODE_IPC "io.skiff.ipc"
#define NSMODE_UTS "io.skiff.uts"

static struct ctr *nsmode_running(const char *flag, const char *mode,
				  struct err *e);
static int nsmode_shareable(struct ctr *d, struct err *e);

/* "container:NAME" into "container:ID": the container must run (and
 * for ipc be shareable) now, and again at each start. */
static int nsmode_donor(const char *flag, const char *val, char *out,
			size_t size, struct err *e)
{
	struct ctr *d;

	if (!val[10])
		return err_setc(e, ERR_INVALID, "invalid %s \"%s\" (want "
				"container:NAME)", flag, val);
	if (!(d = nsmode_running(flag, val, e)))
		return -1;
	if (!strcmp(flag, "--ipc") && nsmode_shareable(d, e) < 0)
		return -1;
	snprintf(out, size, "container:%s", d->id);
	return 0;
}

int nsmode_parse(const struct create_args *a, struct nsmode *m,
		 struct err *e)
{
	const char *pid = a->pid ? a->pid : "", *ipc = a->ipc ? a->ipc : "";
	const char *uts = a->uts ? a->uts : "";

	memset(m, 0, sizeof(*m));
	if (!strcmp(pid, "host"))
		m->host_pid = true;
	else if (!strncmp(pid, "container:", 10)) {
		if (nsmode_donor("--pid", pid, m->pid, sizeof(m->pid), e) < 0)
			return -1;
	} else if (*pid)
		return err_setc(e, ERR_INVALID, "invalid --pid \"%s\" (use "
				"host or container:NAME)", pid);
	if (!strncmp(ipc, "container:", 10)) {
		if (nsmode_donor("--ipc", ipc, m->ipc, sizeof(m->ipc), e) < 0)
			return -1;
	} else if (!strcmp(ipc, "host") || !strcmp(ipc, "none") ||
		   !strcmp(ipc, "shareable") || !strcmp(ipc, "private")) {
		snprintf(m->ipc, sizeof(m->ipc), "%s", ipc);
	} else if (*ipc) {
		return err_setc(e, ERR_INVALID, "invalid --ipc \"%s\" (use "
				"private, shareable, container:NAME, host or "
				"none)", ipc);
	}
	m->host_ipc = !strcmp(m->ipc, "host");
	m->ipc_none = !strcmp(m->ipc, "none");
	if (!strcmp(uts, "host"))
		m->host_uts = true;
	else if (*uts)
		return err_setc(e, ERR_INVALID, "invalid --uts \"%s\" (use "
				"host)", uts);
	if (m->host_uts && (a->hostname || a->domainname))
		return err_setc(e, ERR_INVALID, "conflicting options: "
				"--%s and --uts host",
				a->hostname ? "hostname" : "domainname");
	if (a->cgroupns && !strcmp(a->cgroupns, "host"))
		m->host_cgroupns = true;
	else if (a->cgroupns && *a->cgroupns && strcmp(a->cgroupns, "private"))
		return err_setc(e, ERR_INVALID, "invalid --cgroupns \"%s\" "
				"(use host or private)", a->cgroupns);
	return 0;
}

int nsmode_annotate(const struct nsmode *m, const struct create_args *a,
		    struct oci_spec *spec, struct err *e)
{
	if ((m->pid[0] || m->host_pid) &&
	    ocispec_annotation_set(spec, NSMODE_PID,
				   m->host_pid ? "host" : m->pid) < 0)
		return err_set(e, ENOMEM, "spec");
	if (m->ipc[0] && ocispec_annotation_set(spec, NSMODE_IPC, m->ipc) < 0)
		return err_set(e, ENOMEM, "spec");
	if (m->host_uts && ocispec_annotation_set(spec, NSMODE_UTS, "host") < 0)
		return err_set(e, ENOMEM, "spec");
	return 0;
}

static void nsmode_set_path(struct oci_spec *spec, const char *type,
			    const char *path)
{
	for (size_t i = 0; i < spec->n_namespaces; i++)
		if (!strcmp(spec->namespaces[i].type, type)) {
			free(spec->namespaces[i].path);
			spec->namespaces[i].path = xstrdup(path);
		}
}

/* The running donor of "container:ID", or NULL with e. */
static struct ctr *nsmode_running(const char *flag, const char *mode,
				  struct err *e)
{
	struct ctr *d = ctr_find(mode + 10, e);

	if (!d) {
		err_wrap(e, "%s %s", flag, mode);
		return NULL;
	}
	if (!d->proc) {
		err_setc(e, ERR_CONFLICT, "%s container:%s: container %s is "
			 "not running", flag, d->name, d->name);
		return NULL;
	}
	return d;
}

/* ipc: the donor must be shareable (Docker's rule). Its /dev/shm is
 * not shared (yet): that tmpfs lives in the donor's mount namespace,
 * and the kernel binds no mount from another namespace (EINVAL, also
 * through open_tree): it would have to live on the host, as Docker's
 * does. */
static int nsmode_shareable(struct ctr *d, struct err *e)
{
	_cleanup_free_ char *text = ctr_spec(d);
	struct oci_spec *ds = NULL;
	const char *mode;
	bool ok;

	if (ocispec_parse(text, strlen(text), &ds, e) < 0)
		return err_wrap(e, "container %s: config.json", d->name);
	mode = ocispec_annotation(ds, NSMODE_IPC);
	ok = mode && !strcmp(mode, "shareable");
	ocispec_free(ds);
	if (!ok)
		return err_setc(e, ERR_CONFLICT, "--ipc container:%s: "
				"container %s's IPC is not shareable (run it "
				"with --ipc shareable)", d->name, d->name);
	return 0;
}

static int nsmode_join_ipc(struct ctr *d, struct oci_spec *spec,
			   struct err *e)
{
	char path[64];

	if (nsmode_shareable(d, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", d->pid);
	nsmode_set_path(spec, "ipc", path);
	return 0;
}

int nsmode_join(const struct ctr *c, struct oci_spec *spec, bool *changed,
		struct err *e)
{
	const char *pid = ocispec_annotation(spec, NSMODE_PID);
	const char *ipc = ocispec_annotation(spec, NSMODE_IPC);
	struct ctr *d;
	char path[64];

	if (pid && !strncmp(pid, "container:", 10)) {
		if (!(d = nsmode_running("--pid", pid, e)))
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", d->pid);
		nsmode_set_path(spec, "pid", path);
		*changed = true;
	}
	if (ipc && !strncmp(ipc, "container:", 10)) {
		if (!(d = nsmode_running("--ipc", ipc, e)) ||
		    nsmode_join_ipc(d, spec, e) < 0)
			return -1;
		*changed = true;
	}
	return 0;
}
