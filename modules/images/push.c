/* push.c - `skiff push`: an image from the content store to a registry.
 *
 *   for each blob (layers, config): HEAD --404--> mount or POST upload
 *       --> PUT ?digest= (monolithic, up to PUSH_MONOLITHIC bytes)
 *        or PATCH (streamed) then PUT ?digest= (chunked)
 *   then PUT the manifest, byte for byte as stored: its digest is kept.
 *
 * A blob the registry has is skipped; one that another repository of the
 * same registry holds (as a local reference shows) is mounted across
 * repositories instead of sent. Blob bytes are read from the store by a
 * short-lived helper process that writes them into a pipe, which
 * core/http sends from; the loop never reads the disk. Up to
 * PUSH_PARALLEL blobs at a time. The first request of every blob is a
 * HEAD, so a 401 is answered (token with pull,push scope) before any
 * upload starts and an upload is never retried half-sent.
 *
 * Owns every struct push (one per request, freed when its stream is
 * released: a client that leaves cancels the push) with its blobs, their
 * helpers and pipes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../proto/ociimage.h"
#include "images.h"
#include "../../core/base/xalloc.h"

#define PUSH_PARALLEL 3
#define PUSH_MONOLITHIC (16u << 20)

struct push;

struct blob {
	struct push *p;
	char digest[DIGEST_STR_MAX];
	char id[13];
	uint64_t size;
	char from[REF_NAME_MAX + 1]; /* a repository here that has it */
	enum { B_WAIT, B_HEAD, B_START, B_SEND, B_FINISH, B_DONE } state;
	struct reg_call *call;
	struct helper src;
	int data_fd; /* read end of the helper's pipe */
	char location[2048];
};

struct push {
	struct ctl_req *req;
	struct ref ref;
	struct reg_endpoint ep;
	char name[REF_STR_MAX];
	struct img_entry en;
	struct buf manifest;
	struct oci_manifest *m;
	struct blob *blobs;
	size_t n, next, active, done;
	struct reg_call *call; /* the manifest PUT */
	bool finished;
	struct err err;
	struct buf body; /* an error answer's body */
};

static void push_fail(struct push *p, const struct err *e);
static void blobs_next(struct push *p);

static void say(struct push *p, const char *id, const char *status)
{
	struct jw w;

	if (!p->req)
		return;
	ctl_req_json(p->req, &w);
	if (id)
		jw_str(&w, "id", id);
	jw_str(&w, "status", status);
	jw_close(&w);
	ctl_req_wake(p->req);
}

/* ---- the blob source: a helper copying the blob into a pipe ---- */

struct src_args {
	const char *content, *digest;
};

/* Its stdin is the pipe's write end (core/helper: stdin is the only fd
 * of skiffd's it keeps). */
static int src_main(void *arg, struct err *e)
{
	const struct src_args *a = arg;
	struct blobstore *bs = NULL;
	static char buf[256 * 1024];
	int fd = -1;
	ssize_t n;

	if (blobstore_open(a->content, &bs, e) < 0 ||
	    blobstore_open_blob(bs, a->digest, &fd, e) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t k = write(0, buf + off, (size_t)(n - off));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) /* the upload ended early */
				return err_set(e, errno, "write");
			off += k;
		}
	return n < 0 ? err_set(e, errno, "read %s", a->digest) : 0;
}

static void src_end(struct helper *h, const struct err *result)
{
	helper_close(h); /* what counts is the upload's answer */
}

static void blob_close(struct blob *b)
{
	reg_call_cancel(b->call);
	b->call = NULL;
	helper_kill(&b->src);
	if (b->data_fd >= 0)
		close(b->data_fd);
	b->data_fd = -1;
}

/* ---- one blob ---- */

static void blob_request(struct blob *b, const char *method, const char *what,
			 const char *url, bool upload, int64_t size);

static void blob_done(struct blob *b, const char *status)
{
	struct push *p = b->p;

	blob_close(b);
	b->state = B_DONE;
	p->active--;
	p->done++;
	say(p, b->id, status);
	blobs_next(p);
}

static void blob_failed(struct blob *b, const struct err *e)
{
	struct push *p = b->p;
	struct err why = *e;

	blob_close(b);
	b->state = B_DONE;
	p->active--;
	push_fail(p, &why);
}

/* The Location of an upload session, absolute. */
static bool take_location(struct blob *b, struct http_req *r)
{
	const char *loc = http_header(r, "Location");

	if (!loc || !*loc)
		return false;
	if (loc[0] == '/')
		snprintf(b->location, sizeof(b->location), "%s%s",
			 b->p->ep.base, loc);
	else
		snprintf(b->location, sizeof(b->location), "%s", loc);
	return true;
}

static int blob_response(struct reg_call *c, struct http_req *r, long status,
			 void *ctx)
{
	struct blob *b = ctx;

	if (status == 202 || (b->state == B_START && status == 201))
		take_location(b, r);
	return HTTP_CONTINUE;
}

static int blob_data(struct reg_call *c, const char *d, size_t n, void *ctx)
{
	struct blob *b = ctx;

	if (buf_used(&b->p->body) < 4096)
		buf_append(&b->p->body, d, n);
	return HTTP_CONTINUE;
}

/* Start sending: a helper fills a pipe, core/http sends from it. */
static void blob_send(struct blob *b, bool chunked)
{
	struct src_args a = { images.content, b->digest };
	struct err e = ERR_INIT;
	char url[sizeof(b->location) + DIGEST_STR_MAX + 16];
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err_set(&e, errno, "pipe");
		blob_failed(b, &e);
		return;
	}
	fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20); /* best effort */
	if (fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0) {
		err_set(&e, errno, "pipe: O_NONBLOCK");
		close(pipefd[0]), close(pipefd[1]);
		blob_failed(b, &e);
		return;
	}
	b->src.owner = b;
	helper_init(&b->src);
	b->src.on_end = src_end;
	if (helper_start(&b->src, src_main, &a,
			 &(struct helper_fds){ .in_fd = pipefd[1] }, &e) < 0) {
		close(pipefd[0]), close(pipefd[1]);
		blob_failed(b, &e);
		return;
	}
	close(pipefd[1]);
	b->data_fd = pipefd[0];
	say(b->p, b->id, "Pushing");
	b->state = chunked ? B_SEND : B_FINISH;
	if (chunked) {
		blob_request(b, "PATCH", NULL, b->location, true, -1);
		return;
	}
	snprintf(url, sizeof(url), "%s%cdigest=%s", b->location,
		 strchr(b->location, '?') ? '&' : '?', b->digest);
	blob_request(b, "PUT", NULL, url, true, (int64_t)b->size);
}

static void blob_answer(struct reg_call *c, long status, const struct err *he,
			void *ctx)
{
	struct blob *b = ctx;
	struct push *p = b->p;
	struct err e = ERR_INIT;
	char what[DIGEST_STR_MAX + 48], url[sizeof(b->location) + 200];

	b->call = NULL;
	snprintf(what, sizeof(what), "push blob %s", b->digest);
	if (he) {
		blob_failed(b, he);
		return;
	}
	switch (b->state) {
	case B_HEAD:
		if (status == 200) {
			blob_done(b, "Layer already exists");
			return;
		}
		if (status != 404)
			break;
		b->state = B_START;
		if (*b->from) {
			snprintf(url, sizeof(url), "blobs/uploads/?mount=%s&from=%s",
				 b->digest, b->from);
			blob_request(b, "POST", url, NULL, false, 0);
		} else {
			blob_request(b, "POST", "blobs/uploads/", NULL, false, 0);
		}
		return;
	case B_START:
		if (status == 201 && *b->from) {
			snprintf(url, sizeof(url), "Mounted from %s", b->from);
			blob_done(b, url);
			return;
		}
		if (status != 202 || !*b->location)
			break;
		blob_send(b, b->size > PUSH_MONOLITHIC);
		return;
	case B_SEND: /* the PATCH took it all: close the session */
		if (status != 202 || !*b->location)
			break;
		close(b->data_fd);
		b->data_fd = -1;
		b->state = B_FINISH;
		snprintf(url, sizeof(url), "%s%cdigest=%s", b->location,
			 strchr(b->location, '?') ? '&' : '?', b->digest);
		blob_request(b, "PUT", NULL, url, false, 0);
		return;
	case B_FINISH:
		if (status == 201) {
			blob_done(b, "Pushed");
			return;
		}
		break;
	default:
		break;
	}
	reg_status_error(status, buf_head(&p->body), buf_used(&p->body), what,
			 &e);
	blob_failed(b, &e);
}

static void blob_request(struct blob *b, const char *method, const char *what,
			 const char *url, bool upload, int64_t size)
{
	static const char *const hdrs[] = {
		"Content-Type: application/octet-stream",
		"Expect:", /* no 100-continue round trip */
		NULL,
	};
	struct err e = ERR_INIT;

	buf_reset(&b->p->body);
	b->call = reg_call(&(struct reg_call_opts){
		.ep = &b->p->ep,
		.method = method,
		.what = what,
		.url = url,
		.headers = hdrs,
		.push = true,
		.upload = upload,
		.upload_fd = upload ? b->data_fd : -1,
		.upload_size = size,
		.on_response = blob_response,
		.on_data = blob_data,
		.on_done = blob_answer,
		.ctx = b,
	}, &e);
	if (!b->call)
		blob_failed(b, &e);
}

/* ---- the manifest ---- */

static int manifest_response(struct reg_call *c, struct http_req *r,
			     long status, void *ctx)
{
	struct push *p = ctx;
	const char *d = http_header(r, "Docker-Content-Digest");

	if (status == 201 && d && strcmp(d, p->en.manifest))
		log_warn("push %s: the registry says %s, we sent %s", p->name,
			 d, p->en.manifest);
	return HTTP_CONTINUE;
}

static void manifest_done(struct reg_call *c, long status,
			  const struct err *he, void *ctx)
{
	struct push *p = ctx;
	struct err e = ERR_INIT;
	char line[REF_TAG_MAX + DIGEST_STR_MAX + 64];

	p->call = NULL;
	if (he || status != 201) {
		if (he)
			e = *he;
		else
			reg_status_error(status, buf_head(&p->body),
					 buf_used(&p->body), "push manifest",
					 &e);
		push_fail(p, &e);
		return;
	}
	snprintf(line, sizeof(line), "%s: digest: %s size: %zu",
		 *p->ref.tag ? p->ref.tag : "latest", p->en.manifest,
		 buf_used(&p->manifest));
	say(p, NULL, line);
	bus_publish("image", "push", p->en.manifest,
		    (const char *const[]){ "name", p->name, NULL });
	p->finished = true;
	if (p->req)
		ctl_req_wake(p->req);
}

static int manifest_data(struct reg_call *c, const char *d, size_t n,
			 void *ctx)
{
	struct push *p = ctx;

	if (buf_used(&p->body) < 4096)
		buf_append(&p->body, d, n);
	return HTTP_CONTINUE;
}

static void push_manifest(struct push *p)
{
	char ct[160], what[REF_TAG_MAX + 16];
	const char *hdrs[] = { ct, NULL };
	struct err e = ERR_INIT;

	snprintf(ct, sizeof(ct), "Content-Type: %s", p->en.media_type);
	snprintf(what, sizeof(what), "manifests/%s",
		 *p->ref.tag ? p->ref.tag : "latest");
	buf_reset(&p->body);
	p->call = reg_call(&(struct reg_call_opts){
		.ep = &p->ep,
		.method = "PUT",
		.what = what,
		.headers = hdrs,
		.push = true,
		.body = buf_head(&p->manifest),
		.body_len = buf_used(&p->manifest),
		.on_response = manifest_response,
		.on_data = manifest_data,
		.on_done = manifest_done,
		.ctx = p,
	}, &e);
	if (!p->call)
		push_fail(p, &e);
}

/* ---- the request ---- */

static void blobs_next(struct push *p)
{
	if (p->finished)
		return;
	while (p->active < PUSH_PARALLEL && p->next < p->n) {
		struct blob *b = &p->blobs[p->next++];
		char what[DIGEST_STR_MAX + 8];
		p->active++;
		b->state = B_HEAD;
		say(p, b->id, "Preparing");
		snprintf(what, sizeof(what), "blobs/%s", b->digest);
		blob_request(b, "HEAD", what, NULL, false, 0);
		if (p->finished)
			return;
	}
	if (p->done == p->n && !p->call)
		push_manifest(p);
}

static void push_stop(struct push *p)
{
	reg_call_cancel(p->call);
	p->call = NULL;
	for (size_t i = 0; i < p->n; i++)
		blob_close(&p->blobs[i]);
}

static void push_fail(struct push *p, const struct err *e)
{
	if (p->finished)
		return;
	p->err = *e;
	push_stop(p);
	p->finished = true;
	if (p->req)
		ctl_req_wake(p->req);
}

static void push_free(struct push *p)
{
	push_stop(p);
	free(p->blobs);
	ociimage_manifest_free(p->m);
	buf_free(&p->manifest);
	buf_free(&p->body);
	free(p);
}

static enum ctl_produce push_produce(struct ctl_req *r, void *ctx,
				     struct err *e)
{
	struct push *p = ctx;

	return img_stream_end(p->finished, &p->err, e);
}

static void push_release(void *ctx)
{
	push_free(ctx);
}

static const struct ctl_stream_ops push_ops = {
	.produce = push_produce,
	.release = push_release,
};

/* Another repository of the same registry that (by a local reference)
 * holds digest, to mount it from; "" when none. */
static void find_mount(const struct push *p, const struct img_entry *all,
		       size_t n, const char *digest, char *from, size_t size)
{
	*from = '\0';
	for (size_t i = 0; i < n && !*from; i++) {
		struct ref r;
		struct buf b = { 0 };
		struct oci_manifest *m = NULL;
		struct err e = ERR_INIT;
		if (ref_parse(all[i].ref, 0, &r, &e) < 0 ||
		    strcmp(r.domain, p->ref.domain) ||
		    !strcmp(r.path, p->ref.path) ||
		    blobstore_read(images.bs, all[i].manifest, IMG_DOC_MAX, &b,
				   &e) < 0 ||
		    ociimage_parse_manifest(buf_head(&b), buf_used(&b), &m,
					    &e) < 0) {
			buf_free(&b);
			continue;
		}
		for (size_t k = 0; k < m->n_layers; k++)
			if (!strcmp(m->layers[k].digest, digest))
				snprintf(from, size, "%s", r.path);
		ociimage_manifest_free(m);
		buf_free(&b);
	}
}

static int do_push(struct ctl_req *r, void *args, struct err *e)
{
	struct push *p = xcalloc(1, sizeof(*p));
	struct img_entry *all = NULL;
	size_t nall = 0;
	char line[REF_STR_MAX + 64], fam[REF_STR_MAX];

	if (ref_parse(ctl_req_argv(r)[0], 0, &p->ref, e) < 0 ||
	    img_lookup(ctl_req_argv(r)[0], &p->en, e) < 0 ||
	    reg_endpoint(&p->ref, &p->ep, e) < 0 ||
	    blobstore_read(images.bs, p->en.manifest, IMG_DOC_MAX, &p->manifest,
			   e) < 0 ||
	    ociimage_parse_manifest(buf_head(&p->manifest),
				    buf_used(&p->manifest), &p->m, e) < 0) {
		push_free(p);
		return -1;
	}
	if (*p->ref.digest) {
		push_free(p);
		return err_setc(e, ERR_INVALID,
				"push %s: push a name:tag, not a digest",
				ctl_req_argv(r)[0]);
	}
	ref_string(&p->ref, p->name, sizeof(p->name));
	p->n = p->m->n_layers + 1;
	p->blobs = xcalloc(p->n, sizeof(*p->blobs));
	img_list(&all, &nall, e);
	err_clear(e);
	for (size_t i = 0; i < p->n; i++) {
		struct blob *b = &p->blobs[i];
		const struct oci_desc *d =
		    i < p->m->n_layers ? &p->m->layers[i] : &p->m->config;
		b->p = p;
		b->data_fd = -1;
		helper_init(&b->src);
		snprintf(b->digest, sizeof(b->digest), "%s", d->digest);
		snprintf(b->id, sizeof(b->id), "%.12s", digest_hex(d->digest));
		b->size = d->size;
		if (i < p->m->n_layers)
			find_mount(p, all, nall, b->digest, b->from,
				   sizeof(b->from));
	}
	free(all);
	p->req = r;
	ctl_req_stream(r, &push_ops, p);
	ref_familiar_name(&p->ref, fam, sizeof(fam));
	snprintf(line, sizeof(line), "The push refers to repository [%s]",
		 fam);
	say(p, NULL, line);
	blobs_next(p);
	return CMD_PENDING;
}

const struct command img_cmd_push = { "push", do_push };
