/* ctrcp.c - `cp`: files between a container and the client, both ways.
 *
 *   cp CONTAINER:SRC DEST|-     cp SRC|- CONTAINER:DEST
 *
 * The client passes, by SCM_RIGHTS, the directory holding its side's
 * entry (opened by the CLI, with the client's own rights), or its
 * stdout/stdin for "-" (a tar stream). skiffd never looks up a host path.
 *
 * The copy runs in a helper process (core/helper), never on the loop;
 * fs/ctrcopy does it: the host half drops to the client's uid/gid and
 * works relative to the client's fd, the container half enters the
 * container (running: its mount namespace; stopped: its overlay mounted
 * in a private one) and resolves paths in its root. The helper's result
 * frame keeps the failure's class.
 * Owns per request: struct cp_job, its fds, the helper's struct proc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/daemon.h"
#include "../../core/helper.h"
#include "../../fs/ctrcopy.h"
#include "../../proto/cppath.h"
#include "supervisor.h"

struct cp_job {
	struct ctl_req *r;
	struct helper h;
	char id[CTR_ID_LEN + 1];
	char *words[2]; /* SRC and DEST, owned (cc's words point in) */
	char *rootfs, *state_dir;
	struct ctrcopy cc; /* what the helper does */
};

static void job_free(struct cp_job *j)
{
	cppath_free(&j->cc.ctr);
	cppath_free(&j->cc.host);
	if (j->cc.host_fd >= 0)
		close(j->cc.host_fd);
	if (j->cc.pidfd >= 0)
		close(j->cc.pidfd);
	helper_close(&j->h);
	free(j->rootfs);
	free(j->state_dir);
	free(j->words[0]);
	free(j->words[1]);
	free(j);
}

/* In the helper (fs/ctrcopy does the work). */
static int cp_main(void *arg, struct err *e)
{
	const struct cp_job *j = arg;

	return ctrcopy_run(&j->cc, e);
}

/* ---- on the loop ---- */

static void cp_done(struct helper *h, const struct err *result)
{
	struct cp_job *j = h->owner;
	struct ctr *c = ctr_find(j->id, &(struct err)ERR_INIT);

	if (c && c->cp_busy)
		c->cp_busy--;
	ctl_req_finish(j->r, result);
	job_free(j);
}

/* Which word is the container's; both parsed into j, which keeps a
 * copy of each. */
static int parse_words(struct cp_job *j, char *const *words, struct err *e)
{
	struct cppath a, b;
	char **argv = j->words;
	struct ctrcopy *cc = &j->cc;

	argv[0] = xstrdup(words[0]);
	argv[1] = xstrdup(words[1]);

	if (cppath_parse(argv[0], &a, e) < 0 ||
	    cppath_parse(argv[1], &b, e) < 0) {
		cppath_free(&a);
		return -1;
	}
	if (!a.container == !b.container || (a.stream && b.stream)) {
		cppath_free(&a);
		cppath_free(&b);
		return err_setc(e, ERR_INVALID,
				"cp: exactly one of SRC and "
				"DEST must be CONTAINER:PATH");
	}
	cc->to_ctr = b.container != NULL;
	cc->ctr = cc->to_ctr ? b : a;
	cc->host = cc->to_ctr ? a : b;
	cc->ctr_word = argv[cc->to_ctr ? 1 : 0];
	cc->host_word = argv[cc->to_ctr ? 0 : 1];
	cc->ctr_path = strchr(cc->ctr_word, ':') + 1;
	return 0;
}

/* Facts the helper needs about c, taken now, on the loop. */
static int job_bind(struct cp_job *j, struct ctr *c, struct err *e)
{
	if (c->state == CTR_STARTING || c->state == CTR_REMOVING ||
	    c->rm_hook.fn)
		return err_setc(e, ERR_CONFLICT, "container %s is %s", c->name,
				c->rm_hook.fn ? "being removed"
					      : ctr_state_name(c));
	snprintf(j->id, sizeof(j->id), "%s", c->id);
	j->cc.id = j->id;
	j->cc.running = c->proc != NULL;
	j->cc.rootfs = j->rootfs = xstrdup(c->rootfs);
	j->cc.state_dir = j->state_dir = ctr_dir(c, NULL);
	if (j->cc.running) {
		j->cc.pid = c->pid; /* unreaped while c->proc is set */
		j->cc.pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
		if (j->cc.pidfd < 0)
			return err_set(e, errno, "pidfd of container %s",
				       c->name);
	}
	return 0;
}

/* cp (and export, which is `cp CONTAINER:/ -`) with these two words. */
static int cp_begin(struct ctl_req *r, char *const *words, bool export,
		    struct err *e)
{
	struct cp_job *j = xcalloc(1, sizeof(*j));
	const struct ucred *cred = ctl_req_cred(r);
	struct ctr *c;

	j->r = r;
	j->cc.host_fd = j->cc.pidfd = -1;
	j->cc.export = export;
	helper_init(&j->h);
	if (parse_words(j, words, e) < 0) {
		job_free(j);
		return -1;
	}
	j->cc.uid = cred->uid;
	j->cc.gid = cred->gid;
	j->cc.host_fd = ctl_req_take_fd(r);
	if (j->cc.host_fd < 0)
		err_setc(e, ERR_INVALID,
			 "cp needs the client's %s passed "
			 "with the request (SCM_RIGHTS; the skiff CLI does "
			 "this)",
			 j->cc.host.stream ? (j->cc.to_ctr ? "stdin" : "stdout")
					   : "directory");
	else if ((c = ctr_find(j->cc.ctr.container, e)) &&
		 job_bind(j, c, e) == 0) {
		int keep[] = { j->cc.host_fd, j->cc.pidfd };
		j->h.owner = j;
		j->h.on_end = cp_done;
		if (helper_start(&j->h, cp_main, j,
				 &(struct helper_fds){ .in_fd = -1,
						       .keep = keep,
						       .nkeep = 2 },
				 e) == 0) {
			close(j->cc.host_fd); /* the helper has it */
			j->cc.host_fd = -1;
			c->cp_busy++;
			return CMD_PENDING;
		}
	}
	job_free(j);
	return -1;
}

static int do_cp(struct ctl_req *r, void *args, struct err *e)
{
	return cp_begin(r, ctl_req_argv(r), false, e);
}

/* export: the container's whole filesystem (its merged root, running or
 * stopped) as a tar stream to the client's stdout or -o FILE. */
static int do_export(struct ctl_req *r, void *args, struct err *e)
{
	char word[512];
	const char *name = ctl_req_argv(r)[0];

	if (strchr(name, ':') || strchr(name, '/') ||
	    strlen(name) + 3 > sizeof(word))
		return err_setc(e, ERR_NOT_FOUND, "no such container: %s",
				name);
	snprintf(word, sizeof(word), "%s:/", name);
	return cp_begin(r, (char *[]){ word, "-" }, true, e);
}

const struct command ctr_cmd_export = { "export", do_export };

const struct command ctr_cmd_cp = { "cp", do_cp };
