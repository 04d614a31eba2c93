/* pull.c - `skiff pull`: an image from a registry into the content store.
 *
 *   manifest --index--> platform's manifest --> config --> layers --> commit
 *
 * Documents (index, manifest, config; at most IMG_DOC_MAX) are fetched
 * into memory and checked against their digests on the loop. Each layer
 * is streamed by core/http into a pipe to its own short-lived sink
 * process, which writes it into the store through fs/blobstore (hashing
 * as it goes, fsync, verify, rename), so the loop never waits on the
 * disk; up to PULL_PARALLEL layers at a time. A sink first says where
 * its partial blob ends ("offset N", kept from an earlier pull cut short
 * by a dropped link, kill -9 or power loss) and the download asks for
 * the rest with Range. A sink that downloads a layer from its first byte
 * also unpacks it as it comes (tee_start); the layers that it did not
 * unpack are unpacked from the store once every layer is stored
 * (pull_unpack). Then a commit process
 * stores the config and the manifest and points the reference at the
 * manifest in index.json: a reference never names an incomplete image.
 *
 * Owns every struct pull (one per request, freed when the stream is
 * released) and their layers, helper processes and pipes. The client
 * leaving cancels the pull (partial blobs stay for the next one). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../core/proc.h"
#include "../../proto/digest.h"
#include "../../fs/unpack.h"
#include "../../proto/ociimage.h"
#include "../../fs/layers.h"
#include "images.h"
#include "../../core/base/xalloc.h"
#include "../../core/crashpoint.h"

#define PULL_PARALLEL 3
#define PIPE_SIZE (1 << 20)
#define PROGRESS_NS (100 * 1000000LL)

static const char *const accept_manifests[] = {
	"Accept: application/vnd.oci.image.index.v1+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json, "
	"application/vnd.oci.image.manifest.v1+json, "
	"application/vnd.docker.distribution.manifest.v2+json",
	NULL,
};

struct pull;

struct layer {
	struct pull *p;
	char digest[DIGEST_STR_MAX];
	char id[13];
	uint64_t size, offset, got, skip;
	enum { L_WAIT, L_OPEN, L_GET, L_SAVE, L_DONE } state;
	struct helper sink;
	int data_fd;
	ev_io data_io;
	struct buf pending;
	struct reg_call *call;
	int64_t shown_ns;
	long status; /* of the answer to its GET */
	bool call_ok;
	struct err call_err;
};

struct pull {
	struct ctl_req *req;
	struct ref ref;
	struct reg_endpoint ep;
	char name[REF_STR_MAX];
	struct oci_platform want;
	struct reg_call *call; /* the document being fetched */
	struct buf doc;
	char doc_what[REF_STR_MAX + 64];
	bool doc_config; /* the document being fetched is the config */
	char sent_digest[DIGEST_STR_MAX]; /* Docker-Content-Digest */
	char doc_ct[128];		  /* its Content-Type */
	char manifest_digest[DIGEST_STR_MAX], *manifest_mt;
	struct buf manifest, config;
	struct oci_manifest *m;
	struct oci_imgcfg *cfg;
	struct helper unpack;
	char (*chain)[DIGEST_STR_MAX]; /* the layers' chain ids */
	struct layer *layers;
	size_t n_layers, active, next, stored;
	struct helper commit;
	bool finished, quiet;
	bool failed; /* winding down: the request ends once helpers exit */
	struct err err;
	/* A pull for run/create (no request): done runs from a timer. */
	image_pull_done_fn done;
	void *done_ctx;
	ev_timer end;
};

static void pull_fail(struct pull *p, const struct err *e);
static void pull_settle(struct pull *p);
static void data_close(struct layer *l);
static void layers_next(struct pull *p);

/* ---- progress ---- */

static void say(struct pull *p, const char *id, const char *status)
{
	struct jw w;

	if (!p->req || p->quiet)
		return;
	ctl_req_json(p->req, &w);
	if (id)
		jw_str(&w, "id", id);
	jw_str(&w, "status", status);
	jw_close(&w);
	ctl_req_wake(p->req);
}

static void say_progress(struct layer *l, bool force)
{
	struct pull *p = l->p;
	int64_t now = mono_ns();
	struct jw w;

	if (!p->req || p->quiet || (!force && now - l->shown_ns < PROGRESS_NS))
		return;
	l->shown_ns = now;
	ctl_req_json(p->req, &w);
	jw_str(&w, "id", l->id);
	jw_str(&w, "status", "Downloading");
	jw_uint(&w, "current", l->offset + l->got);
	jw_uint(&w, "total", l->size);
	jw_close(&w);
	ctl_req_wake(p->req);
}

/* ---- the sink process: one layer into the store ---- */

struct sink_args {
	const char *content;
	const char *digest;
	uint64_t size;
	/* The layer's directory, diff_id and media type: a download from
	 * the first byte of a layer not unpacked yet is unpacked as it
	 * comes (tee_start). */
	const char *dir, *diff_id, *media_type;
};

/* The sink's unpacker (fs/unpack's feed: a child of the sink unpacking
 * what the sink stores into the layer's directory, checked against the
 * diff_id before it is renamed into place). The download then waits for
 * the slower of the disk and the unpack, not for their sum. Best effort:
 * if it fails or stops early the sink goes on storing, and pull_unpack()
 * unpacks the stored blob (and reports why it fails). The bytes are not
 * verified yet (the blob's digest is checked at its end): a stream that
 * inflates past TEE_RATIO times its compressed size is left to it too. */
#define TEE_RATIO 32

static void tee_start(struct unpack_feed *t, const struct sink_args *a)
{
	struct unpack_opts o = { .media_type = a->media_type,
				 .diff_id = a->diff_id,
				 .max_bytes = TEE_RATIO * a->size + (16 << 20) };

	unpack_feed_start(t, a->dir, &o);
}

static int sink_main(void *arg, struct err *e)
{
	const struct sink_args *a = arg;
	struct blobstore *bs = NULL;
	struct blobstore_writer *w = NULL;
	struct unpack_feed t = { -1, -1 };
	uint64_t offset = 0;
	static char buf[256 * 1024];
	ssize_t n;

	signal(SIGPIPE, SIG_IGN); /* an unpacker that ends early: EPIPE */
	if (blobstore_open(a->content, &bs, e) < 0)
		goto fail;
	/* Another pull (of this image, or of one sharing the layer) may be
	 * writing it: wait for that one (we may block: we are a helper)
	 * rather than fetch it twice or fail. */
	for (unsigned tries = 0;;) {
		if (blobstore_has(bs, a->digest, NULL, e) == 1) {
			dprintf(1, "present\n");
			return 0;
		}
		if (blobstore_writer_open(bs, a->digest, a->size, &w, &offset,
					  e) == 0)
			break;
		if (!blobstore_busy_wait(&tries, 36000, e)) /* an hour */
			goto fail;
	}
	dprintf(1, "offset %llu\n", (unsigned long long)offset);
	if (offset == 0)
		tee_start(&t, a);
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, errno, "read");
			goto fail;
		}
		if (blobstore_writer_write(w, buf, (size_t)n, e) < 0)
			goto fail;
		unpack_feed_write(&t, buf, (size_t)n);
	}
	if (blobstore_writer_commit(w, NULL, e) < 0) {
		w = NULL; /* commit ends the writer either way */
		goto fail;
	}
	if (unpack_feed_end(&t))
		dprintf(1, "extracted\n");
	dprintf(1, "ok\n");
	return 0;
fail:
	/* The partial stays for a resume, unless the disk is full: then
	 * it only holds the space the next pull needs. */
	if (w && e->code == ENOSPC)
		blobstore_writer_discard(w);
	else if (w)
		blobstore_writer_close(w);
	unpack_feed_end(&t); /* a cut stream: the unpacker fails, leaves nothing */
	return -1;
}

/* ---- layers ---- */

static void layer_stop(struct layer *l)
{
	reg_call_cancel(l->call);
	l->call = NULL;
	if (l->data_fd >= 0) {
		ev_io_stop(daemon_ctx.loop, &l->data_io);
		close(l->data_fd);
		l->data_fd = -1;
	}
	helper_kill(&l->sink);
	buf_free(&l->pending);
}

static void layer_failed(struct layer *l, const struct err *e)
{
	struct pull *p = l->p;
	struct err why = *e;

	/* The sink is not killed: at EOF it keeps its partial and exits,
	 * and the request ends only then, so the next pull finds the
	 * partial free to resume. */
	reg_call_cancel(l->call);
	l->call = NULL;
	if (l->data_fd >= 0)
		data_close(l);
	if (l->state != L_DONE)
		p->active--;
	l->state = L_DONE;
	pull_fail(p, &why);
}

static void layer_stored(struct layer *l, bool present)
{
	struct pull *p = l->p;

	l->state = L_DONE;
	p->active--;
	p->stored++;
	layer_stop(l); /* its sink has exited; the pipes go */
	say(p, l->id, present ? "Already exists" : "Pull complete");
	layers_next(p);
}

/* Write what the pipe takes; the rest waits in l->pending. */
static bool data_flush(struct layer *l)
{
	while (buf_used(&l->pending)) {
		ssize_t n = write(l->data_fd, buf_head(&l->pending),
				  buf_used(&l->pending));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n < 0)
			return true; /* the sink died: it will say why */
		buf_consume(&l->pending, (size_t)n);
	}
	return true;
}

static void data_close(struct layer *l)
{
	ev_io_stop(daemon_ctx.loop, &l->data_io);
	close(l->data_fd);
	l->data_fd = -1; /* EOF: the sink verifies and commits */
}

static void on_data_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct layer *l = w->data;

	if (!data_flush(l))
		return;
	ev_io_stop(loop, w);
	if (l->call)
		reg_call_resume(l->call);
	else if (l->state == L_SAVE)
		data_close(l);
}

static int layer_response(struct reg_call *c, struct http_req *r,
			  long status, void *ctx)
{
	struct layer *l = ctx;

	/* A server that ignores Range sends it all: drop what we have. An
	 * error's body is dropped too; layer_call_done says its status. */
	l->skip = status == 200 ? l->offset : 0;
	l->status = status;
	return HTTP_CONTINUE;
}

static int layer_data(struct reg_call *c, const char *p, size_t n, void *ctx)
{
	struct layer *l = ctx;
	ssize_t k;

	if (l->status != 200 && l->status != 206)
		return HTTP_CONTINUE;
	if (buf_used(&l->pending) && !data_flush(l))
		return HTTP_PAUSE; /* nothing of this chunk taken */
	if (l->skip) {
		size_t s = n < l->skip ? n : (size_t)l->skip;
		l->skip -= s, p += s, n -= s;
	}
	k = n ? write(l->data_fd, p, n) : 0;
	if (k < 0 && errno != EAGAIN && errno != EINTR)
		return HTTP_ABORT; /* the sink is gone; it says why */
	if (k < 0)
		k = 0;
	if ((size_t)k < n) {
		buf_append(&l->pending, p + k, n - (size_t)k);
		ev_io_start(daemon_ctx.loop, &l->data_io);
	}
	l->got += n;
	say_progress(l, false);
	return HTTP_CONTINUE;
}

static void layer_call_done(struct reg_call *c, long status,
			    const struct err *e, void *ctx)
{
	struct layer *l = ctx;
	char what[200];

	l->call = NULL;
	snprintf(what, sizeof(what), "layer %s", l->digest);
	if (!e && status != 200 && status != 206)
		reg_call_status_error(c, status, NULL, 0, what, &l->call_err);
	else if (e)
		l->call_err = *e;
	else
		l->call_ok = true;
	if (!l->call_ok) { /* the sink keeps its partial for a resume */
		layer_failed(l, &l->call_err);
		return;
	}
	say_progress(l, true);
	l->state = L_SAVE;
	if (data_flush(l))
		data_close(l);
	else
		ev_io_start(daemon_ctx.loop, &l->data_io);
}

static void sink_line(struct helper *h, char *line)
{
	struct layer *l = h->owner;
	struct err e = ERR_INIT;
	char what[200];

	if (l->state != L_OPEN || l->p->failed)
		return;
	if (!strcmp(line, "present")) {
		l->state = L_SAVE; /* ends with the sink's exit */
		return;
	}

	if (strncmp(line, "offset ", 7))
		return;
	l->offset = strtoull(line + 7, NULL, 10);
	if (l->offset > l->size)
		l->offset = 0;
	l->state = L_GET;
	if (l->offset)
		say(l->p, l->id, "Resuming download");
	snprintf(what, sizeof(what), "blobs/%s", l->digest);
	l->call = reg_call(&(struct reg_call_opts){
		.ep = &l->p->ep,
		.what = what,
		.range_from = (int64_t)l->offset,
		.on_response = layer_response,
		.on_data = layer_data,
		.on_done = layer_call_done,
		.ctx = l,
	}, &e);
	if (!l->call)
		layer_failed(l, &e);
}

/* A failed sink's error counts unless the download failed first. */
static void sink_end(struct helper *h, const struct err *result)
{
	struct layer *l = h->owner;
	struct err e = ERR_INIT;

	if (l->p->failed) {
		helper_close(h);
		pull_settle(l->p);
		return;
	}
	if (result->class == ERR_OK) {
		layer_stored(l, !l->call_ok);
		return;
	}
	if (!l->call_err.msg[0] || l->call_ok) {
		e = *result;
		err_wrap(&e, "layer %s", l->digest);
	} else {
		err_setc(&e, ERR_INTERNAL, "layer %s: %s", l->digest,
			 l->call_err.msg);
	}
	l->call_ok = false;
	layer_failed(l, &e);
}

static void sink_line_all(struct helper *h, char *line)
{
	struct layer *l = h->owner;

	if (!strcmp(line, "extracted")) { /* unpacked as it came */
		if (!l->p->failed)
			say(l->p, l->id, "Extracted");
		return;
	}
	sink_line(h, line);
}

static int layer_start(struct layer *l, struct err *e)
{
	struct pull *p = l->p;
	size_t i = (size_t)(l - p->layers);
	char dir[4096];
	struct sink_args a = { .content = images.content,
			       .digest = l->digest,
			       .size = l->size };
	int data[2];

	if (!p->chain) {
		p->chain = xcalloc(p->n_layers + 1, sizeof(*p->chain));
		layers_chain_ids(&p->cfg->diff_ids, p->chain);
	}
	snprintf(dir, sizeof(dir), "%s/%s", images.layers,
		 digest_hex(p->chain[i]));
	a.dir = dir;
	a.diff_id = p->cfg->diff_ids.v[i];
	a.media_type = p->m->layers[i].media_type;

	if (pipe2(data, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	fcntl(data[1], F_SETPIPE_SZ, PIPE_SIZE); /* best effort */
	/* ours is written on the loop; the helper reads as it likes */
	if (fcntl(data[1], F_SETFL, O_NONBLOCK) < 0) {
		close(data[0]), close(data[1]);
		return err_set(e, errno, "pipe: O_NONBLOCK");
	}
	l->sink.owner = l;
	helper_init(&l->sink);
	l->sink.on_line = sink_line_all;
	l->sink.on_end = sink_end;
	l->state = L_OPEN;
	if (helper_start(&l->sink, sink_main, &a,
			 &(struct helper_fds){ .in_fd = data[0] }, e) < 0) {
		close(data[0]), close(data[1]);
		return -1;
	}
	close(data[0]);
	l->data_fd = data[1];
	ev_io_init(&l->data_io, on_data_writable, l->data_fd, EV_WRITE);
	l->data_io.data = l;
	p->active++;
	say(p, l->id, "Pulling fs layer");
	return 0;
}

/* ---- commit: config, manifest, then the reference ---- */

struct commit_args {
	const char *content, *name;
	const struct buf *config, *manifest;
	const char *config_digest;
	struct oci_desc desc;
};

/* blobstore_put, waiting while a concurrent pull writes the same blob
 * (we are a helper: we may block). */
static int put_wait(struct blobstore *bs, const struct buf *b,
		    const char *digest, struct err *e)
{
	for (unsigned tries = 0;;) {
		if (blobstore_put(bs, buf_head(b), buf_used(b), digest, NULL,
				  e) == 0)
			return 0;
		if (!blobstore_busy_wait(&tries, 600, e))
			return -1;
	}
}

static int commit_main(void *arg, struct err *e)
{
	const struct commit_args *a = arg;
	struct blobstore *bs = NULL;

	if (blobstore_open(a->content, &bs, e) < 0 ||
	    put_wait(bs, a->config, a->config_digest, e) < 0 ||
	    put_wait(bs, a->manifest, a->desc.digest, e) < 0 ||
	    blobstore_index_put(bs, a->name, &a->desc, e) < 0)
		return -1;
	return 0;
}

static void pull_free(struct pull *p);

static void on_end(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pull *p = t->data;

	p->done(p->done_ctx, p->err.msg[0] ? &p->err : NULL);
	pull_free(p);
}

static void pull_done(struct pull *p)
{
	p->finished = true;
	if (p->req)
		ctl_req_wake(p->req);
	else if (p->done && !ev_is_active(&p->end)) {
		/* never free p inside the callback that got us here */
		ev_timer_init(&p->end, on_end, 0., 0.);
		p->end.data = p;
		ev_timer_start(daemon_ctx.loop, &p->end);
	}
}

static void commit_end(struct helper *h, const struct err *result)
{
	struct pull *p = h->owner;
	char line[REF_STR_MAX + 64];

	helper_close(h);
	if (p->failed) {
		pull_settle(p);
		return;
	}
	if (result->class != ERR_OK) {
		struct err e = *result;
		err_wrap(&e, "store %s", p->name);
		pull_fail(p, &e);
		return;
	}
	snprintf(line, sizeof(line), "Digest: %s", p->manifest_digest);
	say(p, NULL, line);
	snprintf(line, sizeof(line), "Status: Downloaded newer image for %s",
		 p->name);
	say(p, NULL, line);
	bus_publish("image", "pull", p->manifest_digest,
		    (const char *const[]){ "name", p->name, NULL });
	img_touch(p->name);
	img_gc_check();
	pull_done(p);
}

static void pull_commit(struct pull *p)
{
	struct err e = ERR_INIT;
	struct commit_args a = {
		.content = images.content,
		.name = p->name,
		.config = &p->config,
		.manifest = &p->manifest,
		.config_digest = p->m->config.digest,
		.desc = { .media_type = p->manifest_mt,
			  .digest = p->manifest_digest,
			  .size = buf_used(&p->manifest) },
	};

	p->commit.owner = p;
	helper_init(&p->commit);
	p->commit.on_end = commit_end;
	if (helper_start(&p->commit, commit_main, &a, NULL, &e) < 0)
		pull_fail(p, &e);
}

/* ---- unpack: each layer into ROOT/layers/<chain id> ---- */

struct unpack_args {
	const char *content, *layers;
	size_t n;
	const struct oci_desc *desc;
	char (*chain)[DIGEST_STR_MAX];
	const struct strv *diff_ids;
};

/* In the helper: the layers not yet unpacked (img_unpack_chain). */
static int unpack_main(void *arg, struct err *e)
{
	const struct unpack_args *a = arg;
	struct blobstore *bs = NULL;

	if (blobstore_open(a->content, &bs, e) < 0 ||
	    img_unpack_chain(bs, a->layers, a->n, a->desc, a->chain,
			     a->diff_ids, e) < 0)
		return -1;
	return 0;
}

static void unpack_line(struct helper *h, char *line)
{
	struct pull *p = h->owner;

	if (!strncmp(line, "unpacked ", 9)) {
		size_t i = strtoul(line + 9, NULL, 10);
		if (i < p->n_layers)
			say(p, p->layers[i].id, "Extracted");
	}
}

static void unpack_end(struct helper *h, const struct err *result)
{
	struct pull *p = h->owner;

	helper_close(h);
	if (p->failed) {
		pull_settle(p);
		return;
	}
	if (result->class != ERR_OK) {
		pull_fail(p, result);
		return;
	}
	crashpoint("pull: layers in");
	pull_commit(p);
}

static void pull_unpack(struct pull *p)
{
	struct err e = ERR_INIT;
	char (*chain)[DIGEST_STR_MAX] =
	    xcalloc(p->n_layers + 1, sizeof(*chain));
	struct unpack_args a = {
		.content = images.content,
		.layers = images.layers,
		.n = p->n_layers,
		.desc = p->m->layers,
		.diff_ids = &p->cfg->diff_ids,
	};

	layers_chain_ids(&p->cfg->diff_ids, chain);
	a.chain = chain;
	p->unpack.owner = p;
	helper_init(&p->unpack);
	p->unpack.on_line = unpack_line;
	p->unpack.on_end = unpack_end;
	if (helper_start(&p->unpack, unpack_main, &a, NULL, &e) < 0)
		pull_fail(p, &e);
	free(chain); /* the helper has its own copy */
}

static void layers_next(struct pull *p)
{
	struct err e = ERR_INIT;

	if (p->finished || p->failed)
		return;
	while (p->active < PULL_PARALLEL && p->next < p->n_layers) {
		struct layer *l = &p->layers[p->next++];
		if (layer_start(l, &e) < 0) {
			pull_fail(p, &e);
			return;
		}
	}
	if (p->stored == p->n_layers && !p->unpack.on_end && !p->unpack.exited)
		pull_unpack(p);
}

/* ---- documents ---- */

static void fetch(struct pull *p, const char *what, const char *kind);

static int doc_data(struct reg_call *c, const char *d, size_t n, void *ctx)
{
	struct pull *p = ctx;

	if (buf_used(&p->doc) + n > IMG_DOC_MAX)
		return HTTP_ABORT;
	buf_append(&p->doc, d, n);
	return HTTP_CONTINUE;
}

/* The bytes must be what the digest says (a registry or proxy that
 * sends anything else is refused before it is parsed). */
static int doc_check(struct pull *p, const char *want, char got[DIGEST_STR_MAX],
		     struct err *e)
{
	digest_sha256(buf_head(&p->doc), buf_used(&p->doc), got);
	if (want && *want && strcmp(want, got))
		return err_setc(e, ERR_INVALID,
				"%s: digest mismatch: expected %s, got %s",
				p->doc_what, want, got);
	return 0;
}

static void got_config(struct pull *p)
{
	struct oci_imgcfg *cfg = NULL;
	struct err e = ERR_INIT;
	char got[DIGEST_STR_MAX];

	if (doc_check(p, p->m->config.digest, got, &e) < 0 ||
	    ociimage_parse_config(buf_head(&p->doc), buf_used(&p->doc), &cfg,
				  &e) < 0 ||
	    ociimage_config_matches(cfg, p->m, &e) < 0) {
		ociimage_config_free(cfg);
		pull_fail(p, &e);
		return;
	}
	p->cfg = cfg;
	buf_append(&p->config, buf_head(&p->doc), buf_used(&p->doc));
	buf_reset(&p->doc);
	p->n_layers = p->m->n_layers;
	p->layers = xcalloc(p->n_layers ? p->n_layers : 1, sizeof(*p->layers));
	for (size_t i = 0; i < p->n_layers; i++) {
		struct layer *l = &p->layers[i];
		l->p = p;
		l->data_fd = -1;
		helper_init(&l->sink);
		snprintf(l->digest, sizeof(l->digest), "%s",
			 p->m->layers[i].digest);
		snprintf(l->id, sizeof(l->id), "%.12s", digest_hex(l->digest));
		l->size = p->m->layers[i].size;
	}
	layers_next(p);
}

static void got_manifest(struct pull *p, const char *content_type)
{
	struct err e = ERR_INIT;
	enum oci_mt kind;
	char got[DIGEST_STR_MAX], what[DIGEST_STR_MAX + 16];

	if (doc_check(p, *p->manifest_digest ? p->manifest_digest
					     : p->sent_digest, got, &e) < 0 ||
	    ociimage_sniff(buf_head(&p->doc), buf_used(&p->doc), content_type,
			   &kind, &e) < 0) {
		pull_fail(p, &e);
		return;
	}
	if (kind == OCI_MT_INDEX) {
		struct oci_index *x = NULL;
		size_t which;
		if (ociimage_parse_index(buf_head(&p->doc), buf_used(&p->doc),
					 &x, &e) < 0 ||
		    ociimage_index_select(x, &p->want, &which, &e) < 0) {
			ociimage_index_free(x);
			pull_fail(p, &e);
			return;
		}
		snprintf(p->manifest_digest, sizeof(p->manifest_digest), "%s",
			 x->manifests[which].digest);
		ociimage_index_free(x);
		buf_reset(&p->doc);
		snprintf(what, sizeof(what), "manifests/%s", p->manifest_digest);
		fetch(p, what, "manifest");
		return;
	}
	if (kind != OCI_MT_MANIFEST) {
		err_setc(&e, ERR_INVALID, "%s: not an image manifest or index",
			 p->doc_what);
		pull_fail(p, &e);
		return;
	}
	if (ociimage_parse_manifest(buf_head(&p->doc), buf_used(&p->doc), &p->m,
				    &e) < 0 ||
	    ociimage_manifest_runnable(p->m, &e) < 0) {
		pull_fail(p, &e);
		return;
	}
	snprintf(p->manifest_digest, sizeof(p->manifest_digest), "%s", got);
	p->manifest_mt = strdup(p->m->media_type ? p->m->media_type
			       : p->m->docker
				   ? "application/vnd.docker.distribution."
				     "manifest.v2+json"
				   : "application/vnd.oci.image.manifest.v1+json");
	buf_append(&p->manifest, buf_head(&p->doc), buf_used(&p->doc));
	buf_reset(&p->doc);
	snprintf(what, sizeof(what), "blobs/%s", p->m->config.digest);
	fetch(p, what, "config");
}

static int doc_response(struct reg_call *c, struct http_req *r, long status,
			void *ctx)
{
	struct pull *p = ctx;
	const char *ct = http_header(r, "Content-Type");
	const char *dcd = http_header(r, "Docker-Content-Digest");

	snprintf(p->sent_digest, sizeof(p->sent_digest), "%s",
		 dcd && digest_valid(dcd) ? dcd : "");
	snprintf(p->doc_ct, sizeof(p->doc_ct), "%.*s",
		 ct ? (int)strcspn(ct, ";") : 0, ct ? ct : "");
	return HTTP_CONTINUE;
}

static void doc_done(struct reg_call *c, long status, const struct err *he,
		     void *ctx)
{
	struct pull *p = ctx;
	struct err e = ERR_INIT;

	p->call = NULL;
	if (he) {
		e = *he;
		if (buf_used(&p->doc) >= IMG_DOC_MAX)
			err_setc(&e, ERR_TOO_LARGE, "%s: larger than %u MiB",
				 p->doc_what, IMG_DOC_MAX >> 20);
		pull_fail(p, &e);
		return;
	}
	if (status != 200) {
		reg_call_status_error(c, status, buf_head(&p->doc),
				      buf_used(&p->doc), p->doc_what, &e);
		pull_fail(p, &e);
		return;
	}
	if (p->doc_config)
		got_config(p);
	else
		got_manifest(p, *p->doc_ct ? p->doc_ct : NULL);
}

static void fetch(struct pull *p, const char *what, const char *kind)
{
	struct err e = ERR_INIT;

	snprintf(p->doc_what, sizeof(p->doc_what), "%s %s", p->name, kind);
	p->doc_config = !strcmp(kind, "config");
	buf_reset(&p->doc);
	p->call = reg_call(&(struct reg_call_opts){
		.ep = &p->ep,
		.what = what,
		.headers = accept_manifests,
		.on_response = doc_response,
		.on_data = doc_data,
		.on_done = doc_done,
		.ctx = p,
	}, &e);
	if (!p->call)
		pull_fail(p, &e);
}

/* ---- the request ---- */

static void pull_stop(struct pull *p)
{
	reg_call_cancel(p->call);
	p->call = NULL;
	for (size_t i = 0; i < p->n_layers; i++)
		layer_stop(&p->layers[i]);
	helper_kill(&p->unpack);
	helper_kill(&p->commit);
}

/* The request ends once no helper of this pull runs any more. */
static void pull_settle(struct pull *p)
{
	if (!p->failed || p->finished || p->unpack.proc || p->commit.proc)
		return;
	for (size_t i = 0; i < p->n_layers; i++)
		if (p->layers[i].sink.proc)
			return;
	pull_done(p);
}

static void pull_fail(struct pull *p, const struct err *e)
{
	if (p->finished || p->failed)
		return;
	p->failed = true;
	p->err = *e;
	if (!p->err.class)
		p->err.class = ERR_INTERNAL;
	reg_call_cancel(p->call);
	p->call = NULL;
	for (size_t i = 0; i < p->n_layers; i++) {
		struct layer *l = &p->layers[i];
		reg_call_cancel(l->call);
		l->call = NULL;
		if (l->data_fd >= 0)
			data_close(l); /* EOF: the sink keeps its partial */
	}
	if (p->unpack.proc) /* reaped by its on_end, which settles */
		proc_signal(p->unpack.proc, SIGKILL);
	if (p->commit.proc)
		proc_signal(p->commit.proc, SIGKILL);
	pull_settle(p);
}

static void pull_free(struct pull *p)
{
	images.pulls--;
	ev_timer_stop(daemon_ctx.loop, &p->end);
	pull_stop(p);
	for (size_t i = 0; i < p->n_layers; i++)
		buf_free(&p->layers[i].pending);
	free(p->layers);
	free(p->chain);
	ociimage_manifest_free(p->m);
	ociimage_config_free(p->cfg);
	ociimage_platform_clear(&p->want);
	free(p->manifest_mt);
	buf_free(&p->doc);
	buf_free(&p->manifest);
	buf_free(&p->config);
	free(p);
}

static enum ctl_produce pull_produce(struct ctl_req *r, void *ctx,
				     struct err *e)
{
	struct pull *p = ctx;

	return img_stream_end(p->finished, &p->err, e);
}

static void pull_release(void *ctx)
{
	pull_free(ctx); /* a client that left cancels its pull */
}

static const struct ctl_stream_ops pull_ops = {
	.produce = pull_produce,
	.release = pull_release,
};

static struct pull *pull_new(const char *ref, const char *platform,
			     struct err *e)
{
	struct pull *p = xcalloc(1, sizeof(*p));

	images.pulls++;
	helper_init(&p->commit);
	helper_init(&p->unpack);
	if (ref_parse(ref, 0, &p->ref, e) < 0 ||
	    reg_endpoint(&p->ref, &p->ep, e) < 0 ||
	    (platform ? ociimage_platform_parse(platform, &p->want, e)
		      : ociimage_platform_host(&p->want, e)) < 0) {
		pull_free(p);
		return NULL;
	}
	ref_string(&p->ref, p->name, sizeof(p->name));
	snprintf(p->manifest_digest, sizeof(p->manifest_digest), "%s",
		 p->ref.digest);
	return p;
}

static void pull_go(struct pull *p)
{
	char what[REF_TAG_MAX + DIGEST_STR_MAX + 16], line[2 * REF_STR_MAX + 32];
	char fam[REF_STR_MAX];

	snprintf(what, sizeof(what), "manifests/%s",
		 *p->ref.digest ? p->ref.digest : p->ref.tag);
	ref_familiar_name(&p->ref, fam, sizeof(fam));
	snprintf(line, sizeof(line), "%s: Pulling from %s",
		 *p->ref.tag ? p->ref.tag : p->ref.digest, fam);
	say(p, NULL, line);
	fetch(p, what, "manifest");
}

int img_pull_quiet(const char *ref, image_pull_done_fn done, void *ctx,
		   struct err *e)
{
	struct pull *p = pull_new(ref, NULL, e);

	if (!p)
		return -1;
	p->quiet = true;
	p->done = done;
	p->done_ctx = ctx;
	pull_go(p);
	return 0;
}

static int do_pull(struct ctl_req *r, void *args, struct err *e)
{
	const struct pull_args *a = args;
	struct pull *p = pull_new(ctl_req_argv(r)[0], a->platform, e);

	if (!p)
		return -1;
	p->quiet = a->quiet;
	p->req = r;
	ctl_req_stream(r, &pull_ops, p);
	pull_go(p);
	return CMD_PENDING;
}

const struct command img_cmd_pull = { "pull", do_pull };
