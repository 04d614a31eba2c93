/* gc.c - collecting images when the disk fills (see images.h).
 *
 * With "image-gc-free" in the daemon config, a timer (every
 * GC_INTERVAL) and every finished pull look at the free space of the
 * filesystem that holds ROOT/content (statvfs). While it is under the
 * threshold, partial downloads no pull is writing (oldest first), then
 * the dangling images (no name left) and then the least
 * recently used image that no container uses and that was not used in
 * the last "image-gc-min-age" are removed (its names
 * from index.json, then the blobs and layers nothing else needs, in a
 * helper process), one image at a time, until there is room or nothing
 * left to remove. An edge disk then loses old images, not its
 * containers' logs or state.
 *
 * Owns the last-used table (in memory: name -> when pulled or last used
 * by run/create; a name not in it counts from its manifest file's time)
 * and the timer. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../iface/imagesvc.h"
#include "../../proto/ociimage.h"
#include "images.h"
#include "../../core/base/xalloc.h"

#define GC_INTERVAL 5.0 /* seconds */

struct used {
	char *ref;
	int64_t ns; /* CLOCK_REALTIME */
	struct used *next;
};

static struct {
	struct used *used;
	ev_timer timer;
	bool running; /* an image is being removed */
} gc;

void img_touch(const char *ref)
{
	struct used *u;

	for (u = gc.used; u; u = u->next)
		if (!strcmp(u->ref, ref))
			break;
	if (!u) {
		u = xcalloc(1, sizeof(*u));
		u->ref = xstrdup(ref);
		u->next = gc.used;
		gc.used = u;
	}
	u->ns = now_ns();
}

static int64_t last_used(const struct img_entry *en)
{
	char path[4096];
	struct stat st;

	for (struct used *u = gc.used; u; u = u->next)
		if (!strcmp(u->ref, en->ref))
			return u->ns;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", images.content,
		 digest_hex(en->manifest));
	if (stat(path, &st) < 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

static bool in_use(const struct img_entry *en)
{
	struct buf b = { 0 };
	struct oci_manifest *m = NULL;
	struct err e = ERR_INIT;
	bool used = true; /* when unsure, keep it */

	if (blobstore_read(images.bs, en->manifest, IMG_DOC_MAX, &b, &e) == 0 &&
	    ociimage_parse_manifest(buf_head(&b), buf_used(&b), &m, &e) == 0)
		used = imagesvc_in_use(m->config.digest);
	ociimage_manifest_free(m);
	buf_free(&b);
	return used;
}

static void removed(void *ctx, const struct err *e)
{
	char *name = ctx;

	gc.running = false;
	if (e)
		log_warn("image gc: remove %s: %s", name, e->msg);
	else
		log_info("image gc: removed %s", name);
	free(name);
	if (!e)
		img_gc_check(); /* more room needed? */
}

static bool short_of_space(struct statvfs *sv)
{
	return statvfs(images.content, sv) == 0 &&
	       (int64_t)sv->f_bavail * (int64_t)sv->f_frsize <
		       img_settings.gc_free;
}

struct partial {
	char name[80];
	time_t mtime;
};

static int partial_cmp(const void *a, const void *b)
{
	const struct partial *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/* Partial downloads go first, oldest first, while space is short: never
 * one a pull is writing (its sink holds an flock on it). A few names,
 * an open and an unlink each: small enough for the loop. */
static void gc_partials(struct statvfs *sv)
{
	_cleanup_free_ char *dir = xasprintf("%s/ingest", images.content);
	_cleanup_free_ struct partial *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len >= sizeof(v->name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap)
			v = xrealloc(v, cap = cap ? 2 * cap : 16, sizeof(*v));
		memcpy(v[n].name, de->d_name, len + 1);
		v[n++].mtime = st.st_mtime;
	}
	if (n) /* qsort is declared nonnull: v is NULL when n is 0 */
		qsort(v, n, sizeof(*v), partial_cmp);
	for (size_t i = 0; i < n && short_of_space(sv); i++) {
		_cleanup_close_ int fd = openat(dirfd(d), v[i].name,
						O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue; /* gone, or being written */
		if (unlinkat(dirfd(d), v[i].name, 0) == 0)
			log_info("image gc: removed the partial download %s",
				 v[i].name);
	}
	closedir(d);
}

void img_gc_check(void)
{
	int64_t want = img_settings.gc_free, oldest = 0, now = now_ns();
	_cleanup_free_ struct img_entry *all = NULL;
	struct statvfs sv;
	struct err e = ERR_INIT;
	size_t n, pick = SIZE_MAX;
	char *name;

	if (!want || gc.running || !images.content || !short_of_space(&sv))
		return;
	gc_partials(&sv);
	if (images.pulls || !short_of_space(&sv))
		return;
	if (img_list(&all, &n, &e) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		int64_t t = last_used(&all[i]);
		if (now - t < img_settings.gc_min_age_ms * 1000000LL ||
		    in_use(&all[i]))
			continue;
		/* dangling images first, then the least recently used */
		if (pick == SIZE_MAX ||
		    (all[i].dangling && !all[pick].dangling) ||
		    (all[i].dangling == all[pick].dangling && t < oldest))
			pick = i, oldest = t;
	}
	if (pick == SIZE_MAX)
		return; /* nothing we may remove */
	name = xstrdup(all[pick].ref);
	log_info("image gc: %lld bytes free, under %lld: removing %s (least "
		 "recently used)",
		 (long long)sv.f_bavail * (long long)sv.f_frsize,
		 (long long)want, name);
	gc.running = true;
	if (img_remove(&all[pick], removed, name, &e) < 0) {
		gc.running = false;
		log_warn("image gc: %s", e.msg);
		free(name);
	}
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	img_gc_check();
}

void img_gc_start(void)
{
	if (!img_settings.gc_free || ev_is_active(&gc.timer))
		return;
	ev_timer_init(&gc.timer, on_timer, GC_INTERVAL, GC_INTERVAL);
	ev_timer_start(daemon_ctx.loop, &gc.timer);
}

void img_gc_stop(void)
{
	ev_timer_stop(daemon_ctx.loop, &gc.timer);
	while (gc.used) {
		struct used *u = gc.used;
		gc.used = u->next;
		free(u->ref);
		free(u);
	}
}
