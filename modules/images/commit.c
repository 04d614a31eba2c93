/* commit.c - `commit CONTAINER [REF]`: a container's changes (its overlay
 * upper dir) as a new gzip layer on top of its image.
 *
 * The loop asks the supervisor (modules/iface/imagesvc.h) for the
 * container's image id and upper dir and looks the image up; one helper
 * process runs fs/imgcommit, which does the rest. A running container is
 * read as it runs (Docker pauses it; skiff does not), so a file being
 * written may be caught midway. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../fs/imgcommit.h"
#include "../../proto/json.h"
#include "images.h"
#include "../../core/base/xalloc.h"
#include "../../core/crashpoint.h"

/* In the helper: fs/imgcommit does the work; "say ID" on stdout. */
static int commit_main(void *arg, struct err *e)
{
	char id[DIGEST_STR_MAX];

	if (imgcommit_run(arg, id, e) < 0)
		return -1;
	dprintf(1, "say %s\n", id);
	return 0;
}

/* ---- on the loop ---- */

struct commit {
	struct ctl_req *r;
	struct helper h;
	struct err err;
	char id[DIGEST_STR_MAX];
};

static void commit_line(struct helper *h, char *line)
{
	struct commit *c = h->owner;

	if (!strncmp(line, "say ", 4))
		snprintf(c->id, sizeof(c->id), "%s", line + 4);
}

static void commit_end(struct helper *h, const struct err *result)
{
	struct commit *c = h->owner;

	helper_close(h);
	crashpoint("commit: written");
	images.pulls--;
	if (result->class != ERR_OK) {
		c->err = *result;
		err_wrap(&c->err, "commit");
	}
	if (!c->err.msg[0]) {
		struct jw w;
		ctl_req_json(c->r, &w);
		jw_str(&w, "text", c->id);
		jw_close(&w);
		bus_publish("image", "commit", c->id, NULL);
	}
	ctl_req_finish(c->r, c->err.msg[0] ? &c->err : NULL);
	free(c);
}

static int do_commit(struct ctl_req *r, void *args, struct err *e)
{
	const struct commit_flags *f = args;
	char **argv = ctl_req_argv(r);
	struct image_ctr ic;
	struct img_entry en;
	char name[REF_STR_MAX] = "";
	struct imgcommit_opts a;
	struct commit *c;
	struct ref ref;
	int rc = -1;

	if (ctl_req_argc(r) > 1) {
		if (ref_parse(argv[1], 0, &ref, e) < 0)
			return err_wrap(e, "commit");
		if (*ref.digest)
			return err_setc(e, ERR_INVALID,
					"commit %s: a reference with a digest "
					"cannot name a new image", argv[1]);
		ref_string(&ref, name, sizeof(name));
	}
	if (imagesvc_ctr(argv[0], &ic, e) < 0)
		return -1;
	if (img_lookup(ic.image_id, &en, e) < 0) {
		err_wrap(e, "commit %s: its image", ic.name);
		goto out;
	}
	a = (struct imgcommit_opts){ images.content, images.layers, ic.upper,
				  en.manifest, name[0] ? name : NULL, ic.name,
				  f->message, f->author };
	c = xcalloc(1, sizeof(*c));
	c->r = r;
	c->h.owner = c;
	c->h.on_line = commit_line;
	c->h.on_end = commit_end;
	if (helper_start(&c->h, commit_main, &a, NULL, e) < 0) {
		free(c);
		goto out;
	}
	images.pulls++;
	rc = CMD_PENDING;
out:
	image_ctr_free(&ic);
	return rc;
}

const struct command img_cmd_commit = { "commit", do_commit };
