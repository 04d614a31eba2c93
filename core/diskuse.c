/* diskuse.c - `system df` (see diskuse.h).
 *
 * Owns the registered kinds (sorted by order) and, per request, a
 * struct du_list:
 * the items the listers added, the distinct paths they name, and the
 * helper process (core/helper) that measures those paths. The helper
 * writes one size per line into a memfd made before the fork (the one fd
 * of skiffd's it keeps) and ends with its result frame; then the daemon
 * reads the memfd (memory, not disk: nothing blocks) and answers. */
#include <fcntl.h>
#include <fts.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "ctl.h"
#include "diskuse.h"
#include "helper.h"
#include "base/xalloc.h"
#include "../proto/units.h"

#define DU_KINDS_MAX 16

static const struct du_kind *kinds[DU_KINDS_MAX];
static size_t nkinds;

struct du_item {
	const struct du_kind *kind;
	bool active;
	char *name, *id;
	char **paths;	/* owned */
	size_t *at;	/* index of each path in du_list.uniq */
	size_t n;
};

struct du_list {
	struct du_item *items;
	size_t n, cap;
	char **uniq;	 /* distinct paths, sorted (point into items) */
	size_t nuniq;
	uint64_t *sizes; /* per uniq path, from the helper */
	int memfd;
	struct helper h;
	struct ctl_req *r;
	bool verbose;
	du_measured done; /* diskuse_measure's caller, instead of r */
	void *done_ctx;
};

void diskuse_register(const struct du_kind *kind)
{
	size_t i = nkinds;

	if (nkinds == DU_KINDS_MAX)
		abort(); /* a build with more kinds raises DU_KINDS_MAX */
	for (; i > 0 && kinds[i - 1]->order > kind->order; i--)
		kinds[i] = kinds[i - 1];
	kinds[i] = kind;
	nkinds++;
}

void du_add(struct du_list *l, const struct du_kind *kind, bool active,
	    const char *name, const char *id, const char *const *paths)
{
	struct du_item *it;
	size_t n = 0;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->items = xrealloc(l->items, l->cap, sizeof(*l->items));
	}
	while (paths[n])
		n++;
	it = &l->items[l->n++];
	*it = (struct du_item){ .kind = kind, .active = active, .n = n };
	it->name = xstrdup(name ? name : "");
	it->id = xstrdup(id ? id : "");
	it->paths = xcalloc(n + 1, sizeof(char *));
	it->at = xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		it->paths[i] = xstrdup(paths[i]);
}

static void du_free(struct du_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->items[i].n; k++)
			free(l->items[i].paths[k]);
		free(l->items[i].paths);
		free(l->items[i].at);
		free(l->items[i].name);
		free(l->items[i].id);
	}
	free(l->items);
	free(l->uniq);
	free(l->sizes);
	if (l->memfd >= 0)
		close(l->memfd);
	free(l);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the paths, keep each once, and point every item's at them. */
static void du_index(struct du_list *l)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < l->n; i++)
		total += l->items[i].n;
	l->uniq = xcalloc(total + 1, sizeof(char *));
	for (size_t i = 0; i < l->n; i++)
		for (size_t p = 0; p < l->items[i].n; p++)
			l->uniq[k++] = l->items[i].paths[p];
	qsort(l->uniq, total, sizeof(char *), cmp_str);
	for (size_t i = 0; i < total; i++)
		if (!l->nuniq || strcmp(l->uniq[l->nuniq - 1], l->uniq[i]))
			l->uniq[l->nuniq++] = l->uniq[i];
	for (size_t i = 0; i < l->n; i++)
		for (size_t p = 0; p < l->items[i].n; p++) {
			char **hit = bsearch(&l->items[i].paths[p], l->uniq,
					     l->nuniq, sizeof(char *), cmp_str);
			l->items[i].at[p] = (size_t)(hit - l->uniq);
		}
}

/* ---- in the helper ---- */

static uint64_t walk_total;
static void *seen; /* tsearch tree of inodes with several links */

struct ino {
	dev_t dev;
	ino_t ino;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct ino *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void count(const struct stat *st)
{
	if (st->st_nlink > 1 && !S_ISDIR(st->st_mode)) {
		struct ino *k = xmalloc(sizeof(*k));
		void *got;
		*k = (struct ino){ st->st_dev, st->st_ino };
		got = tsearch(k, &seen, cmp_ino);
		if (!got)
			abort();
		if (*(struct ino **)got != k) { /* counted already */
			free(k);
			return;
		}
	}
	walk_total += (uint64_t)st->st_blocks * 512;
}

/* fts, not nftw: a running container may swap a directory of its upper
 * dir for a symlink while we walk; fts enters each directory by fchdir
 * and checks it is the one it stat()ed, so the walk never leaves. */
static uint64_t measure(const char *path)
{
	char *const paths[] = { (char *)path, NULL };
	FTS *t = fts_open(paths, FTS_PHYSICAL | FTS_XDEV, NULL);
	FTSENT *f;

	walk_total = 0;
	if (!t)
		return 0;
	while ((f = fts_read(t))) {
		switch (f->fts_info) {
		case FTS_D: /* once, on the way in */
		case FTS_F:
		case FTS_SL:
		case FTS_SLNONE:
		case FTS_DEFAULT:
			count(f->fts_statp);
			break;
		default: /* FTS_DP (again, on the way out), errors */
			break;
		}
	}
	fts_close(t);
	return walk_total;
}

/* The helper: one size per path, in order, into the memfd. */
static int du_main(void *arg, struct err *e)
{
	struct du_list *l = arg;
	FILE *f = fdopen(l->memfd, "w");

	if (!f)
		return err_set(e, errno, "system df: fdopen");
	for (size_t i = 0; i < l->nuniq; i++)
		fprintf(f, "%llu\n", (unsigned long long)measure(l->uniq[i]));
	if (fclose(f) != 0)
		return err_set(e, errno, "system df: write the sizes");
	return 0;
}

/* ---- the answer ---- */

static int read_sizes(struct du_list *l, struct err *e)
{
	struct stat st;
	_cleanup_free_ char *text = NULL;
	char *p, *end;

	if (fstat(l->memfd, &st) < 0)
		return err_set(e, errno, "system df: memfd");
	text = xcalloc((size_t)st.st_size + 1, 1);
	l->sizes = xcalloc(l->nuniq + 1, sizeof(*l->sizes));
	if (pread(l->memfd, text, (size_t)st.st_size, 0) != st.st_size)
		return err_set(e, errno, "system df: read the sizes");
	p = text;
	for (size_t i = 0; i < l->nuniq; i++, p = end + 1) {
		l->sizes[i] = strtoull(p, &end, 10);
		if (end == p || *end != '\n')
			return err_setc(e, ERR_INTERNAL,
					"system df: the helper measured %zu of "
					"%zu paths", i, l->nuniq);
	}
	return 0;
}

/* Is uniq path u named by an item of kind other than skip (active
 * ones only when active_only)? */
static bool path_used(const struct du_list *l, size_t u,
		      const struct du_kind *kind, size_t skip, bool active_only)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct du_item *it = &l->items[i];
		if (i == skip || it->kind != kind || (active_only && !it->active))
			continue;
		for (size_t p = 0; p < it->n; p++)
			if (it->at[p] == u)
				return true;
	}
	return false;
}

/* A summary row: Docker's `system df --format` keys, as its CLI words
 * them (counts as strings, sizes as units.HumanSize, the reclaimable
 * share in percent), and the numbers under Skiff. */
static void summary_put(struct jw *w, const char *type, size_t total,
			size_t active, uint64_t size, uint64_t reclaim,
			bool percent)
{
	char n[32], r[48];

	jw_str(w, "Type", type);
	snprintf(n, sizeof(n), "%zu", total);
	jw_str(w, "TotalCount", n);
	snprintf(n, sizeof(n), "%zu", active);
	jw_str(w, "Active", n);
	units_size_prec((double)size, 4, n, sizeof(n));
	jw_str(w, "Size", n);
	units_size_prec((double)reclaim, 4, r, sizeof(r));
	if (percent && size)
		snprintf(r + strlen(r), sizeof(r) - strlen(r), " (%d%%)",
			 (int)(100 * reclaim / size));
	jw_str(w, "Reclaimable", r);
	jw_obj(w, "Skiff");
	jw_str(w, "type", type);
	jw_uint(w, "total", total);
	jw_uint(w, "active", active);
	jw_uint(w, "size", size);
	jw_uint(w, "reclaimable", reclaim);
	jw_end_obj(w);
}

/* TYPE TOTAL ACTIVE SIZE RECLAIMABLE of one kind: a path counts once;
 * reclaimable is what no active item holds. */
static void summary_row(struct du_list *l, const struct du_kind *kind)
{
	uint64_t size = 0, reclaim = 0;
	size_t total = 0, active = 0;
	bool *done = xcalloc(l->nuniq + 1, sizeof(bool));
	struct jw w;

	for (size_t i = 0; i < l->n; i++) {
		const struct du_item *it = &l->items[i];
		if (it->kind != kind)
			continue;
		total++;
		active += it->active;
		for (size_t p = 0; p < it->n; p++) {
			size_t u = it->at[p];
			if (done[u])
				continue;
			done[u] = true;
			size += l->sizes[u];
			if (!path_used(l, u, kind, SIZE_MAX, true))
				reclaim += l->sizes[u];
		}
	}
	free(done);
	ctl_req_json(l->r, &w);
	summary_put(&w, kind->type, total, active, size, reclaim, true);
	jw_close(&w);
}

/* -v: one row per item; shared is what other items of its kind hold too. */
static void item_row(struct du_list *l, size_t i)
{
	const struct du_item *it = &l->items[i];
	uint64_t size = 0, shared = 0;
	struct jw w;

	for (size_t p = 0; p < it->n; p++) {
		bool twice = false;
		for (size_t q = 0; q < p; q++)
			twice |= it->at[q] == it->at[p];
		if (twice)
			continue;
		size += l->sizes[it->at[p]];
		if (path_used(l, it->at[p], it->kind, i, false))
			shared += l->sizes[it->at[p]];
	}
	ctl_req_json(l->r, &w);
	jw_str(&w, "type", it->kind->item);
	jw_str(&w, "name", *it->name ? it->name : "<none>");
	jw_str(&w, "id", it->id);
	jw_bool(&w, "active", it->active);
	jw_uint(&w, "size", size);
	jw_uint(&w, "shared_size", shared);
	jw_uint(&w, "unique_size", size - shared);
	jw_close(&w);
}

/* Docker's fourth row: skiff has no builder, so no build cache. */
static void build_cache_row(struct du_list *l)
{
	struct jw w;

	ctl_req_json(l->r, &w);
	summary_put(&w, "Build Cache", 0, 0, 0, 0, false);
	jw_close(&w);
}

/* diskuse_measure's end: each item is one of the caller's paths. */
static void measured(struct du_list *l, const struct err *result)
{
	struct err e = ERR_INIT;
	uint64_t *sizes = NULL;

	if (result->class != ERR_OK)
		e = *result;
	else if (read_sizes(l, &e) == 0) {
		sizes = xcalloc(l->n + 1, sizeof(*sizes));
		for (size_t i = 0; i < l->n; i++)
			sizes[i] = l->sizes[l->items[i].at[0]];
	}
	l->done(l->done_ctx, sizes, sizes ? NULL : &e);
	free(sizes);
	du_free(l);
}

static void du_exited(struct helper *h, const struct err *result)
{
	struct du_list *l = h->owner;
	struct err e = ERR_INIT;

	helper_close(h);
	if (l->done) {
		measured(l, result);
		return;
	}
	if (result->class != ERR_OK) {
		e = *result;
	} else if (read_sizes(l, &e) == 0 && l->verbose) {
		for (size_t i = 0; i < l->n; i++)
			item_row(l, i);
	} else if (!e.msg[0]) {
		for (size_t k = 0; k < nkinds; k++)
			summary_row(l, kinds[k]);
		build_cache_row(l);
	}
	ctl_req_finish(l->r, e.msg[0] ? &e : NULL);
	du_free(l);
}

/* Fork the measuring helper for l's paths (l is freed on failure). */
static int du_start(struct du_list *l, struct err *e)
{
	du_index(l);
	l->h.owner = l;
	l->h.on_end = du_exited;
	if (helper_start(&l->h, du_main, l,
			 &(struct helper_fds){ .in_fd = -1,
					       .keep = &l->memfd,
					       .nkeep = 1 },
			 e) < 0) {
		du_free(l);
		return -1;
	}
	return 0;
}

static struct du_list *du_new(struct err *e)
{
	struct du_list *l = xcalloc(1, sizeof(*l));

	l->memfd = memfd_create("skiff-df", MFD_CLOEXEC);
	if (l->memfd < 0) {
		err_set(e, errno, "system df: memfd_create");
		du_free(l);
		return NULL;
	}
	return l;
}

int diskuse_measure(const char *const *paths, size_t n, du_measured done,
		    void *ctx, struct err *e)
{
	static const struct du_kind any = { "", "", 0, NULL };
	struct du_list *l = du_new(e);

	if (!l)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *one[] = { paths[i], NULL };
		du_add(l, &any, false, NULL, NULL, one);
	}
	l->done = done;
	l->done_ctx = ctx;
	return du_start(l, e);
}

static int do_df(struct ctl_req *r, void *args, struct err *e)
{
	const struct df_args *a = args;
	struct du_list *l = du_new(e);

	if (!l)
		return -1;
	l->r = r;
	l->verbose = a->verbose;
	for (size_t k = 0; k < nkinds; k++)
		kinds[k]->list(l);
	return du_start(l, e) < 0 ? -1 : CMD_PENDING;
}

const struct command cmd_system_df = { "system df", do_df };
