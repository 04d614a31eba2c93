/* volumes.c - named and anonymous volumes, and a container's mounts.
 *
 * A volume is a directory ROOT/volumes/NAME/_data plus its state file
 * ROOT/volumes/NAME.json (core/store). Containers mount it by a bind
 * through their OCI spec, so fs/spawn and fs/mounts do the mounting (the
 * target is resolved inside the container's root). A container's mounts
 * (-v, --mount, --volumes-from, the image's Volumes) are parsed here into
 * struct ctr_mount records kept in its state file; whether a volume is in
 * use is read from those records. Copy-up (a new, empty volume starts
 * with what the image has at its path) and removal of a volume's tree run
 * in helper processes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/bus.h"
#include "../../core/cmd.h"
#include "../../core/daemon.h"
#include "../../core/helper.h"
#include "../../core/diskuse.h"
#include "../../core/store.h"
#include "../../fs/copyup.h"
#include "../../proto/mountspec.h"
#include "../../core/crashpoint.h"
#include "supervisor.h"

struct vol {
	char *name;
	char *labels_json; /* {"k":"v"} */
	int64_t created_ns;
	bool anon;
	struct vol *next;
};

static struct vol *vols;

static struct vol *vol_find(const char *name)
{
	for (struct vol *v = vols; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

static void vol_free(struct vol *v)
{
	free(v->name);
	free(v->labels_json);
	free(v);
}

static char *vol_path(const char *name, const char *sub)
{
	char *p;

	p = xasprintf("%s/volumes/%s%s%s", daemon_ctx.cfg.root, name,
		      sub ? "/" : "", sub ? sub : "");
	return p;
}

/* The first container that mounts volume name, or NULL. */
static struct ctr *vol_user(const char *name, const struct ctr *skip)
{
	for (struct ctr *c = ctr_first(); c; c = c->next) {
		if (c == skip || c->state == CTR_REMOVING)
			continue;
		for (int i = 0; i < c->n_mounts; i++)
			if (!strcmp(c->mounts[i].type, "volume") &&
			    !strcmp(c->mounts[i].name, name))
				return c;
	}
	return NULL;
}

static void vol_json(const struct vol *v, struct jw *w, bool state)
{
	_cleanup_free_ char *mp = vol_path(v->name, "_data");
	char ebuf[64];
	yajl_val l = yajl_tree_parse(v->labels_json ? v->labels_json : "{}",
				     ebuf, sizeof(ebuf));

	jw_str(w, "name", v->name);
	jw_str(w, "driver", "local");
	if (!state) {
		jw_str(w, "mountpoint", mp);
		jw_str(w, "scope", "local");
	}
	jw_int(w, "created", v->created_ns);
	jw_bool(w, "anonymous", v->anon);
	jw_tree(w, "labels", l);
	yajl_tree_free(l);
}

static void vol_saved(int errnum, void *ctx)
{
	char *name = ctx;

	if (errnum)
		log_err("volume %s: saving its state: %s", name,
			strerror(errnum));
	free(name);
}

/* Make volume name (NULL: a new 64-hex name), its directory and state;
 * the state write completes in the background (or calls done). */
static struct vol *vol_make(const char *name, bool anon,
			    const char *labels_json, store_done_fn done,
			    void *ctx, struct err *e)
{
	char gen[65];
	struct vol *v;
	struct buf b = { 0 };
	struct jw w;
	_cleanup_free_ char *top = NULL, *data = NULL;

	if (!name) {
		unsigned char r[32];
		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			return err_set(e, errno, "getrandom"), NULL;
		for (int i = 0; i < 32; i++)
			sprintf(gen + 2 * i, "%02x", r[i]);
		name = gen;
	}
	top = vol_path(name, NULL);
	data = vol_path(name, "_data");
	if ((mkdir(top, 0701) < 0 && errno != EEXIST) ||
	    (mkdir(data, 0755) < 0 && errno != EEXIST))
		return err_set(e, errno, "volume %s: mkdir", name), NULL;
	v = xcalloc(1, sizeof(*v));
	v->name = xstrdup(name);
	v->labels_json = xstrdup(labels_json ? labels_json : "{}");
	v->anon = anon;
	v->created_ns = now_ns();
	v->next = vols;
	vols = v;
	jw_open(&w, &b);
	vol_json(v, &w, true);
	jw_close(&w);
	if (!done) {
		done = vol_saved;
		ctx = xstrdup(v->name);
	}
	store_put("volumes", v->name, b.data, b.len, done, ctx);
	buf_free(&b);
	bus_publish("volume", "create", v->name, NULL);
	return v;
}

/* ---- removal ---- */

/* Forget v: its state durably (done then runs), its tree by a helper. */
static void vol_destroy(struct vol *v, store_done_fn done, void *ctx)
{
	char *dir = vol_path(v->name, NULL), what[300];

	for (struct vol **pp = &vols; *pp; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	snprintf(what, sizeof(what), "volume %s", v->name);
	ctr_remove_tree(dir, what);
	if (!done) {
		done = vol_saved;
		ctx = xstrdup(v->name);
	}
	store_del("volumes", v->name, done, ctx);
	bus_publish("volume", "destroy", v->name, NULL);
	vol_free(v);
}

/* The container is going: with c->rm_anon (rm -v, --rm) its anonymous
 * volumes go too, unless another container still mounts them. */
void vol_detach(struct ctr *c)
{
	for (int i = 0; c->rm_anon && i < c->n_mounts; i++) {
		struct vol *v;
		if (strcmp(c->mounts[i].type, "volume") || !c->mounts[i].name ||
		    !(v = vol_find(c->mounts[i].name)) || !v->anon ||
		    vol_user(v->name, c))
			continue;
		vol_destroy(v, NULL, NULL);
	}
}

/* ---- a container's mounts ---- */

void vol_mounts_free(struct ctr_mount *m, int n)
{
	for (int i = 0; i < n; i++) {
		free(m[i].type), free(m[i].name), free(m[i].source);
		free(m[i].dest), free(m[i].opts);
	}
	free(m);
}

static struct ctr_mount *plan_add(struct vol_plan *p, const char *type,
				  const char *src, const char *dest,
				  struct err *e)
{
	struct ctr_mount *m;
	size_t n = strlen(dest);

	if (dest[0] != '/')
		return err_setc(e, ERR_INVALID,
				"mount destination %s: must be an absolute "
				"path", dest), NULL;
	while (n > 1 && dest[n - 1] == '/')
		n--;
	if (n == 1)
		return err_setc(e, ERR_INVALID, "invalid mount destination "
				"\"/\": cannot mount over the root"), NULL;
	for (int i = 0; i < p->n; i++)
		if (strlen(p->m[i].dest) == n &&
		    !strncmp(p->m[i].dest, dest, n))
			return err_setc(e, ERR_INVALID, "duplicate mount point: "
					"%.*s", (int)n, dest), NULL;
	p->m = xrealloc(p->m, p->n + 1, sizeof(*p->m));
	m = memset(&p->m[p->n++], 0, sizeof(*m));
	m->type = xstrdup(type);
	m->name = src && strcmp(type, "bind") ? xstrdup(src) : NULL;
	m->source = src && !strcmp(type, "bind") ? xstrdup(src) : NULL;
	m->dest = xstrndup(dest, n);
	m->rw = true;
	return m;
}

void vol_plan_free(struct vol_plan *p)
{
	vol_mounts_free(p->m, p->n);
	memset(p, 0, sizeof(*p));
}

/* A -v or --mount word (proto/mountspec) onto the plan. */
static int parse_word(struct vol_plan *p, const char *arg, bool mount,
		      struct err *e)
{
	struct mountspec ms = { 0 };
	struct ctr_mount *m;
	int rc = -1;

	if ((mount ? mountspec_parse_mount(arg, &ms, e)
		   : mountspec_parse_v(arg, &ms, e)) < 0)
		goto out;
	m = plan_add(p, ms.type, ms.source, ms.dest, e);
	if (!m) {
		err_wrap(e, "%s %s", mount ? "--mount" : "-v", arg);
		goto out;
	}
	m->rw = ms.rw;
	m->nocopy = ms.nocopy;
	m->opts = ms.opts;
	ms.opts = NULL;
	rc = 0;
out:
	mountspec_free(&ms);
	return rc;
}

/* --volumes-from CONTAINER[:ro|:rw]: its volumes and binds. */
static int parse_from(struct vol_plan *p, const char *arg, struct err *e)
{
	_cleanup_free_ char *s = xstrdup(arg);
	char *mode = strrchr(s, ':');
	struct ctr *c;

	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") && strcmp(mode, "rw"))
			return err_setc(e, ERR_INVALID, "--volumes-from %s: "
					"invalid mode \"%s\" (use ro or rw)",
					arg, mode);
	}
	if (!(c = ctr_find(s, e)))
		return err_wrap(e, "--volumes-from");
	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *o = &c->mounts[i];
		struct ctr_mount *m;
		if (!strcmp(o->type, "tmpfs"))
			continue;
		m = plan_add(p, o->type, !strcmp(o->type, "bind") ? o->source
								  : o->name,
			     o->dest, e);
		if (!m)
			return err_wrap(e, "--volumes-from %s", arg);
		m->rw = mode ? !strcmp(mode, "rw") : o->rw;
		m->opts = xstrdup(o->opts);
		m->nocopy = true; /* it has its content already */
	}
	return 0;
}

int vol_plan_parse(struct vol_plan *p, const struct strlist *v,
		   const struct strlist *mount, const struct strlist *from,
		   const struct strv *image_volumes, struct err *e)
{
	for (int i = 0; i < v->n; i++)
		if (parse_word(p, v->v[i], false, e) < 0)
			return -1;
	for (int i = 0; i < mount->n; i++)
		if (parse_word(p, mount->v[i], true, e) < 0)
			return -1;
	for (int i = 0; i < from->n; i++)
		if (parse_from(p, from->v[i], e) < 0)
			return -1;
	for (size_t i = 0; image_volumes && i < image_volumes->n; i++) {
		const char *d = image_volumes->v[i];
		size_t n = strlen(d);
		bool taken = false;
		while (n > 1 && d[n - 1] == '/')
			n--;
		for (int j = 0; j < p->n; j++)
			taken |= strlen(p->m[j].dest) == n &&
				 !strncmp(p->m[j].dest, d, n);
		if (!taken && !plan_add(p, "volume", NULL, d, e))
			return err_wrap(e, "image volume");
	}
	return 0;
}

/* Move the plan's mounts to c and give its volumes names and directories
 * (named ones are created on first use). On failure the volumes made so
 * far are c's, for vol_detach(). */
int vol_attach(struct ctr *c, struct vol_plan *p, struct err *e)
{
	c->mounts = p->m;
	c->n_mounts = p->n;
	p->m = NULL;
	p->n = 0;
	for (int i = 0; i < c->n_mounts; i++) {
		struct ctr_mount *m = &c->mounts[i];
		struct vol *v = NULL;
		if (strcmp(m->type, "volume"))
			continue;
		if (m->name)
			v = vol_find(m->name);
		if (!v && !(v = vol_make(m->name, !m->name, NULL, NULL, NULL,
					  e)))
			return -1;
		if (!m->name)
			m->name = xstrdup(v->name);
		free(m->source);
		m->source = vol_path(v->name, "_data");
	}
	return 0;
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *s = list; s && *s; s += strcspn(s, ","),
			s += *s == ',')
		if (strcspn(s, ",") == n && !strncmp(s, w, n))
			return true;
	return false;
}

/* The spec's binds ("SRC:DST[:OPTS]") and tmpfs ("DST[:OPTS]"). */
void vol_spec(const struct ctr *c, struct strv *binds, struct strv *tmpfs)
{
	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		struct buf b = { 0 };
		if (!strcmp(m->type, "tmpfs")) {
			buf_printf(&b, "%s", m->dest);
			if (m->opts || !m->rw)
				buf_printf(&b, ":%s%s%s", m->opts ? m->opts : "",
					   m->opts && !m->rw ? "," : "",
					   m->rw ? "" : "ro");
			buf_append(&b, "", 1);
			strv_push(tmpfs, b.data);
		} else {
			buf_printf(&b, "%s:%s", m->source, m->dest);
			if (m->opts || !m->rw)
				buf_printf(&b, ":%s%s%s", m->opts ? m->opts : "",
					   m->opts && !m->rw ? "," : "",
					   m->rw || has_word(m->opts, "ro")
						   ? "" : "ro");
			buf_append(&b, "", 1);
			strv_push(binds, b.data);
		}
		buf_free(&b);
	}
}

static void vol_write_json(const struct ctr *c, struct jw *w)
{
	jw_arr(w, "mounts");
	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		jw_obj(w, NULL);
		jw_str(w, "type", m->type);
		if (m->name)
			jw_str(w, "name", m->name);
		if (m->source)
			jw_str(w, "source", m->source);
		jw_str(w, "destination", m->dest);
		if (m->opts)
			jw_str(w, "options", m->opts);
		jw_bool(w, "rw", m->rw);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static char *tree_str(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_string);

	return v ? xstrdup(v->u.string) : NULL;
}

static void vol_load(struct ctr *c, yajl_val t)
{
	const char *path[] = { "mounts", NULL }, *rw[] = { "rw", NULL };
	yajl_val a = yajl_tree_get(t, path, yajl_t_array);

	for (size_t i = 0; a && i < a->u.array.len; i++) {
		yajl_val o = a->u.array.values[i];
		struct ctr_mount m = { .type = tree_str(o, "type"),
			.name = tree_str(o, "name"),
			.source = tree_str(o, "source"),
			.dest = tree_str(o, "destination"),
			.opts = tree_str(o, "options"),
			.rw = YAJL_IS_TRUE(yajl_tree_get(o, rw, yajl_t_true)) };
		if (!m.type || !m.dest || (!strcmp(m.type, "volume") &&
					   !m.name)) {
			log_err("container %.12s: a mount without type, "
				"destination or name; skipped", c->id);
			free(m.type), free(m.name), free(m.source);
			free(m.dest), free(m.opts);
			continue;
		}
		c->mounts = xrealloc(c->mounts, c->n_mounts + 1,
				     sizeof(*c->mounts));
		c->mounts[c->n_mounts++] = m;
	}
}

/* The container's part of the state file: "mounts" and "rm_anon". */
static void part_write(const struct ctr *c, struct jw *w)
{
	vol_write_json(c, w);
	jw_bool(w, "rm_anon", c->rm_anon);
}

static void part_load(struct ctr *c, yajl_val t)
{
	const char *path[] = { "rm_anon", NULL };

	vol_load(c, t);
	c->rm_anon = YAJL_IS_TRUE(yajl_tree_get(t, path, yajl_t_true));
}

static void part_free(struct ctr *c)
{
	vol_mounts_free(c->mounts, c->n_mounts);
}

bool vol_ctr_uses(const struct ctr *c, const char *name)
{
	for (int i = 0; i < c->n_mounts; i++)
		if (!strcmp(c->mounts[i].type, "volume") &&
		    !strcmp(c->mounts[i].name, name))
			return true;
	return false;
}

/* ---- copy-up: a new volume starts with the image's content ---- */

struct copyup {
	struct helper h;
	char *lower;   /* the container's lowerdirs, topmost first */
	char *dir;     /* the container's directory */
	char *mnt;     /* where the helper mounts their overlay (in dir) */
	char *empty;   /* an empty bottom layer (overlay wants two lowers) */
	int n;
	char **dest, **data;
	struct ctr *c;
	void (*done)(struct ctr *c, const struct err *e, void *ctx);
	void *ctx;
};

/* In the helper (fs/copyup does the work). */
static int copyup_main(void *arg, struct err *e)
{
	const struct copyup *j = arg;
	struct copyup_vol v[j->n];

	for (int i = 0; i < j->n; i++)
		v[i] = (struct copyup_vol){ j->dest[i], j->data[i] };
	return copyup_run(&(struct copyup_opts){ .lower = j->lower,
						 .dir = j->dir,
						 .mnt = j->mnt,
						 .empty = j->empty,
						 .vols = v,
						 .n = j->n },
			  e);
}

static void copyup_free(struct copyup *j)
{
	for (int i = 0; i < j->n; i++)
		free(j->dest[i]), free(j->data[i]);
	free(j->dest), free(j->data), free(j->lower), free(j->dir);
	if (j->mnt) {
		rmdir(j->mnt);
		rmdir(j->empty);
		free(j->mnt);
		free(j->empty);
	}
	helper_close(&j->h);
	free(j);
}

static void copyup_done(struct helper *h, const struct err *result)
{
	struct copyup *j = h->owner;
	struct err e = *result;

	j->c->cp_busy--;
	crashpoint("volume copy-up: done");
	if (e.class != ERR_OK)
		err_wrap(&e, "volume copy-up");
	j->done(j->c, e.class != ERR_OK ? &e : NULL, j->ctx);
	copyup_free(j);
}

/* Fill c's new, empty volumes from its image (a helper process); done
 * runs after. Returns 1 when started, 0 when there is nothing to copy. */
int vol_copyup(struct ctr *c,
	       void (*done)(struct ctr *c, const struct err *e, void *ctx),
	       void *ctx, struct err *e)
{
	struct copyup *j = xcalloc(1, sizeof(*j));

	helper_init(&j->h);
	for (int i = 0; i < c->n_mounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		if (strcmp(m->type, "volume") || m->nocopy)
			continue;
		j->dest = xrealloc(j->dest, (size_t)j->n + 1, sizeof(char *));
		j->data = xrealloc(j->data, (size_t)j->n + 1, sizeof(char *));
		j->dest[j->n] = xstrdup(m->dest);
		j->data[j->n++] = xstrdup(m->source);
	}
	if (!j->n || !c->rootfs || !*c->rootfs) {
		copyup_free(j);
		return 0;
	}
	j->lower = xstrdup(c->rootfs);
	j->dir = ctr_dir(c, NULL);
	j->mnt = ctr_dir(c, "copyup");
	j->empty = ctr_dir(c, "copyup-empty");
	j->c = c;
	j->done = done;
	j->ctx = ctx;
	j->h.owner = j;
	j->h.on_end = copyup_done;
	if (helper_start(&j->h, copyup_main, j, NULL, e) < 0) {
		copyup_free(j);
		return -1;
	}
	c->cp_busy++;
	return 1;
}

/* ---- the volume verbs ---- */

static void vcreate_saved(int errnum, void *ctx)
{
	struct err e = ERR_INIT;

	if (errnum)
		err_set(&e, errnum, "save volume state");
	ctl_req_finish(ctx, errnum ? &e : NULL);
}

static int do_vcreate(struct ctl_req *r, void *args, struct err *e)
{
	struct vcreate_args *a = args;
	const char *name = ctl_req_argc(r) ? ctl_req_argv(r)[0] : NULL;
	_cleanup_free_ char *labels = NULL;
	struct vol *v;
	struct jw w;

	if (name && mountspec_name_valid(name, e) < 0)
		return -1;
	if (!(labels = ctr_labels_json(&a->label, e)))
		return -1;
	if (name && (v = vol_find(name))) { /* Docker: no error, no change */
		ctl_req_json(r, &w);
		jw_str(&w, "name", v->name);
		jw_close(&w);
		return 0;
	}
	if (!(v = vol_make(name, false, labels, vcreate_saved, r, e)))
		return -1;
	ctl_req_json(r, &w);
	jw_str(&w, "name", v->name);
	jw_close(&w);
	return CMD_PENDING; /* ok once its state is durable */
}

static bool vol_label_match(const struct vol *v, const char *want)
{
	const char *eq = strchr(want, '=');
	char key[260], pat[600];

	snprintf(key, sizeof(key), "\"%.*s\":", eq ? (int)(eq - want)
						   : (int)strlen(want), want);
	if (!eq)
		return strstr(v->labels_json, key) != NULL;
	snprintf(pat, sizeof(pat), "%s\"%s\"", key, eq + 1);
	return strstr(v->labels_json, pat) != NULL;
}

static int vls_check(const struct strlist *f, struct err *e)
{
	for (int i = 0; i < f->n; i++) {
		const char *s = f->v[i];
		if (!strncmp(s, "name=", 5) || !strncmp(s, "label=", 6) ||
		    !strcmp(s, "dangling=true") || !strcmp(s, "dangling=false"))
			continue;
		return err_setc(e, ERR_INVALID, "invalid filter \"%s\" (use "
				"name=, label=, dangling=true|false)", s);
	}
	return 0;
}

static bool vls_match(const struct vol *v, const struct strlist *f)
{
	for (int i = 0; i < f->n; i++) {
		const char *s = f->v[i];
		bool ok;
		if (!strncmp(s, "name=", 5))
			ok = strstr(v->name, s + 5) != NULL;
		else if (!strncmp(s, "label=", 6))
			ok = vol_label_match(v, s + 6);
		else
			ok = (vol_user(v->name, NULL) == NULL) ==
			     !strcmp(s, "dangling=true");
		if (!ok)
			return false;
	}
	return true;
}

static int do_vls(struct ctl_req *r, void *args, struct err *e)
{
	struct vls_args *a = args;
	struct jw w;

	if (vls_check(&a->filter, e) < 0)
		return -1;
	for (struct vol *v = vols; v; v = v->next) {
		if (!vls_match(v, &a->filter))
			continue;
		ctl_req_json(r, &w);
		if (!a->quiet)
			jw_str(&w, "driver", "local");
		jw_str(&w, "volume_name", v->name);
		jw_close(&w);
	}
	return 0;
}

static int do_vinspect(struct ctl_req *r, void *args, struct err *e)
{
	int n = ctl_req_argc(r);
	struct jw w;

	for (int i = 0; i < n; i++) /* all or nothing, like docker */
		if (!vol_find(ctl_req_argv(r)[i]))
			return err_setc(e, ERR_NOT_FOUND, "no such volume: %s",
					ctl_req_argv(r)[i]);
	for (int i = 0; i < n; i++) {
		const struct vol *v = vol_find(ctl_req_argv(r)[i]);
		struct ctr *u = vol_user(v->name, NULL);
		ctl_req_json(r, &w);
		vol_json(v, &w, false);
		jw_bool(&w, "in_use", u != NULL);
		jw_close(&w);
	}
	return 0;
}

/* A removal answered once every state file is gone. */
struct vrm {
	struct ctl_req *r;
	unsigned left;
	int errnum;
};

static void vrm_one(int errnum, void *ctx)
{
	struct vrm *m = ctx;
	struct err e = ERR_INIT;

	if (errnum)
		m->errnum = errnum;
	if (--m->left)
		return;
	if (m->errnum)
		err_set(&e, m->errnum, "remove volume state");
	ctl_req_finish(m->r, m->errnum ? &e : NULL);
	free(m);
}

static int vrm_start(struct ctl_req *r, struct vol **list, int n)
{
	struct vrm *m;
	struct jw w;

	if (!n)
		return 0;
	m = xcalloc(1, sizeof(*m));
	m->r = r;
	m->left = (unsigned)n;
	for (int i = 0; i < n; i++) {
		ctl_req_json(r, &w);
		jw_str(&w, "deleted", list[i]->name);
		jw_close(&w);
	}
	for (int i = 0; i < n; i++)
		vol_destroy(list[i], vrm_one, m);
	return CMD_PENDING;
}

static int do_vrm(struct ctl_req *r, void *args, struct err *e)
{
	struct vrm_args *a = args;
	int n = ctl_req_argc(r), k = 0;
	_cleanup_free_ struct vol **list = xcalloc((size_t)n, sizeof(*list));

	for (int i = 0; i < n; i++) { /* all checked before any goes */
		const char *name = ctl_req_argv(r)[i];
		struct vol *v = vol_find(name);
		struct ctr *u;
		bool dup = false;
		if (!v) {
			if (a->force)
				continue;
			return err_setc(e, ERR_NOT_FOUND, "no such volume: %s",
					name);
		}
		if ((u = vol_user(v->name, NULL)))
			return err_setc(e, ERR_CONFLICT, "volume %s is in use "
					"by container %s (%.12s): remove the "
					"container first", v->name, u->name,
					u->id);
		for (int j = 0; j < k; j++)
			dup |= list[j] == v;
		if (!dup)
			list[k++] = v;
	}
	return vrm_start(r, list, k);
}

static int do_vprune(struct ctl_req *r, void *args, struct err *e)
{
	struct vprune_args *a = args;
	unsigned n = 0;
	int k = 0;
	struct vol **list;
	int rc;

	for (int i = 0; i < a->filter.n; i++)
		if (strncmp(a->filter.v[i], "label=", 6))
			return err_setc(e, ERR_INVALID, "invalid filter \"%s\" "
					"(use label=)", a->filter.v[i]);
	for (struct vol *v = vols; v; v = v->next)
		n++;
	list = xcalloc(n + 1, sizeof(*list));
	for (struct vol *v = vols; v; v = v->next)
		if ((a->all || v->anon) && !vol_user(v->name, NULL) &&
		    vls_match(v, &a->filter))
			list[k++] = v;
	rc = vrm_start(r, list, k);
	free(list);
	return rc;
}

const struct command vol_cmd_vcreate = { "volume create", do_vcreate };
const struct command vol_cmd_vls = { "volume ls", do_vls };
const struct command vol_cmd_vinspect = { "volume inspect", do_vinspect };
const struct command vol_cmd_vrm = { "volume rm", do_vrm };
const struct command vol_cmd_vprune = { "volume prune", do_vprune };

/* ---- start ---- */

static void load_one(const char *id, yajl_val t, void *ctx)
{
	const char *lp[] = { "labels", NULL }, *cp[] = { "created", NULL },
		   *ap[] = { "anonymous", NULL };
	yajl_val l = yajl_tree_get(t, lp, yajl_t_object);
	yajl_val cr = yajl_tree_get(t, cp, yajl_t_number);
	struct vol *v;
	struct buf b = { 0 };
	struct jw w;

	if (mountspec_name_valid(id, &(struct err)ERR_INIT) < 0) {
		log_err("volumes/%s.json: not a volume name; skipped", id);
		return;
	}
	v = xcalloc(1, sizeof(*v));
	v->name = xstrdup(id);
	jw_open(&w, &b);
	jw_tree(&w, "x", l);
	jw_close(&w);
	/* {"x":{...}}\n -> {...} */
	if (l && b.len > 7) {
		b.data[b.len - 2] = '\0';
		v->labels_json = xstrdup(b.data + 5);
	} else {
		v->labels_json = xstrdup("{}");
	}
	buf_free(&b);
	v->created_ns = cr && YAJL_IS_INTEGER(cr) ? cr->u.number.i : 0;
	v->anon = YAJL_IS_TRUE(yajl_tree_get(t, ap, yajl_t_true));
	v->next = vols;
	vols = v;
}

static void vol_diskuse(struct du_list *l);
/* Docker's third row of `system df`. */
static const struct du_kind vol_du = { "Local Volumes", "volume", 2,
				       vol_diskuse };

/* system df (core/diskuse): each volume's data dir; in use when a
 * container mounts it. */
static void vol_diskuse(struct du_list *l)
{
	for (struct vol *v = vols; v; v = v->next) {
		_cleanup_free_ char *data = vol_path(v->name, "_data");
		const char *paths[] = { data, NULL };
		du_add(l, &vol_du, vol_user(v->name, NULL) != NULL, v->name,
		       v->name, paths);
	}
}

int vol_init(struct err *e)
{
	static const struct ctr_part part = {
		.write_json = part_write,
		.load = part_load,
		.free = part_free,
		.at = { [CTR_AT_REMOVING] = vol_detach },
	};
	_cleanup_free_ char *dir = NULL;

	ctr_part_register(&part);
	diskuse_register(&vol_du);
	dir = xasprintf("%s/volumes", daemon_ctx.cfg.root);
	if (mkdir(dir, 0701) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", dir);
	return store_load("volumes", load_one, NULL, e);
}
