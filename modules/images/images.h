/* images.h - the images module's own types (module-internal).
 *
 * The content store is an OCI image layout under ROOT/content (blobs and
 * index.json, fs/blobstore), so skopeo and umoci read what skiff pulled;
 * an image reference (name:tag) is an index.json entry annotated with
 * org.opencontainers.image.ref.name = the full reference, pointing at
 * the manifest that was pulled for this host's platform. Everything that
 * writes the store (fsync, rename) runs in a short-lived helper process;
 * the loop only reads small files (index.json, manifests, configs). */
#ifndef SKIFF_IMAGES_H
#define SKIFF_IMAGES_H

#include <stdbool.h>
#include <ev.h>
#include <stdint.h>

#include "../../core/base/buf.h"
#include "../../core/base/err.h"
#include "../../core/cmd.h"
#include "../../core/config.h"
#include "../../core/ctl.h"
#include "../../core/http.h"
#include "../../core/helper.h"
#include "../iface/imagesvc.h"
#include "../../core/proc.h"
#include "../../fs/blobstore.h"
#include "../../proto/authcfg.h"
#include "../../proto/reference.h"

/* Largest manifest, index or config we take (Docker's limit is 4 MiB). */
#define IMG_DOC_MAX (4u << 20)

struct images {
	char *content;	       /* ROOT/content: the OCI layout */
	char *layers;	       /* ROOT/layers/<chain id hex>: unpacked */
	struct blobstore *bs;  /* opened at init, for reads on the loop */
	/* Pulls in progress: their blobs and layers are in no reference
	 * yet, so rmi collects garbage only when there are none. */
	unsigned pulls;
};
extern struct images images;

/* ---- settings.c: this module's keys in skiffd.json ---- */

struct img_settings {
	/* Collect least recently used images no container uses while the
	 * root's filesystem has less free than gc_free bytes (0: never),
	 * none used in gc_min_age_ms. */
	int64_t gc_free;
	int64_t gc_min_age_ms;
	/* Registries: read per request (SIGHUP changes them). */
	struct strlist insecure; /* "host[:port]" or "CIDR": plain http */
	struct strlist mirrors;	 /* "https://host[:port]" for docker.io */
	char *certs_dir;	 /* HOST:PORT/ca.crt; /etc/skiff/certs.d */
	/* Every registry request: at least min_rate bytes/s over
	 * rate_window_ms, and done within request_timeout_ms (0: none). */
	int64_t min_rate, rate_window_ms, request_timeout_ms;
	/* A transient fault is retried this many times, after
	 * retry_delay_ms doubling each time (registry.c). */
	long long retries;
	int64_t retry_delay_ms;
};
extern struct img_settings img_settings;
extern const struct config_table img_config;

/* ---- registry.c: the distribution API, with token auth ---- */

/* Where a reference's repository lives: https://host/v2/ (Docker Hub is
 * registry-1.docker.io), or plain http for insecure registries
 * (loopback ones and the daemon config's insecure-registries). */
#define REG_MIRRORS_MAX 4
struct reg_endpoint {
	char base[REF_NAME_MAX + 16]; /* "https://registry-1.docker.io" */
	char repo[REF_NAME_MAX + 1];  /* "library/busybox"; "": /v2/ */
	bool insecure;
	/* docker.io: the daemon config's registry-mirrors (the first
	 * REG_MIRRORS_MAX), tried first; for pulls only (a push sets
	 * n_mirrors to 0) */
	char mirrors[REG_MIRRORS_MAX][REF_NAME_MAX + 16];
	int n_mirrors;
};
int reg_endpoint(const struct ref *r, struct reg_endpoint *ep, struct err *e);
/* The same for a registry host[:port] ("docker.io" is Docker Hub). */
int reg_endpoint_host(const char *host, const char *repo,
		      struct reg_endpoint *ep, struct err *e);

struct reg_call;
struct reg_call_opts {
	const struct reg_endpoint *ep;
	const char *method; /* NULL: GET */
	const char *what;   /* "manifests/latest", "blobs/sha256:..." */
	const char *url;    /* or an absolute URL (an upload's Location) */
	const char *const *headers;
	int64_t range_from;
	bool push;	    /* token scope pull,push (else pull) */
	/* a body: bytes (copied), or a pipe to upload (see core/http) */
	const void *body;
	size_t body_len;
	bool upload;
	int upload_fd;
	int64_t upload_size;
	/* login: these credentials instead of the stored ones */
	const char *user, *password;
	/* As core/http's, called for the answer that is not a 401 that
	 * auth will retry. */
	int (*on_response)(struct reg_call *c, struct http_req *r, long status,
			   void *ctx);
	int (*on_data)(struct reg_call *c, const char *p, size_t n, void *ctx);
	void (*on_done)(struct reg_call *c, long status, const struct err *e,
			void *ctx);
	void *ctx;
};
/* GET (or HEAD) ep->base/v2/REPO/WHAT. A 401 with a Bearer challenge
 * gets a token (cached for the repository until it expires) and one
 * retry; Basic gets one retry with credentials when skiff has them. */
struct reg_call *reg_call(const struct reg_call_opts *o, struct err *e);
void reg_call_cancel(struct reg_call *c);
void reg_call_resume(struct reg_call *c);
/* Turn a registry's error answer into an err naming what failed:
 * 401/403 denied, 404 not found, 429 busy, else the status; the body's
 * {"errors":[{"code","message"}]} when it has one. */
void reg_status_error(long status, const char *body, size_t len,
		      const char *what, struct err *e);
/* The same, followed by " from URL" (the last one asked) and, when it
 * was retried, the attempts made: what a caller says of an answer it
 * does not take. */
void reg_call_status_error(const struct reg_call *c, long status,
			   const char *body, size_t len, const char *what,
			   struct err *e);
/* Append the attempts made to e's message when there were several;
 * returns e. */
struct err *reg_call_gave_up(const struct reg_call *c, struct err *e);
void reg_forget_tokens(void);
/* The daemon config's limits for a request (core/http's options). */
void reg_limits(struct http_opts *o);

/* ---- auth.c: credentials (login/logout), ROOT/auth/config.json ---- */
#define AUTH_HUB_KEY AUTHCFG_HUB_KEY
/* Docker's config.json key for a server ("https://index.docker.io/v1/"
 * for Docker Hub and NULL, else host[:port]). */
void auth_key(const char *server, char *out, size_t n);
/* The stored user and password for a key (owned here), or -1. */
int auth_find(const char *key, const char **user, const char **pass);
/* "Basic base64(user:pass)", malloc'd. */
char *auth_basic(const char *user, const char *pass);
int auth_load(struct err *e);
void auth_free_all(void);
extern const struct command img_cmd_login, img_cmd_logout;

/* ---- helper.c: what the helpers (core/helper.h) share ---- */
/* A pull's or push's produce(): more until finished, then why (if it
 * failed) becomes the status line. */
enum ctl_produce img_stream_end(bool finished, const struct err *why,
				struct err *e);

int img_unpack_chain(struct blobstore *bs, const char *layers, size_t n,
		     const struct oci_desc *desc, char (*chain)[DIGEST_STR_MAX],
		     const struct strv *diff_ids, struct err *e);


/* ---- pull.c ---- */
extern const struct command img_cmd_pull, img_cmd_push;
/* For core/imagesvc: a pull with no client (run/create IMAGE). */
int img_pull_quiet(const char *ref, image_pull_done_fn done, void *ctx,
		   struct err *e);

/* ---- store.c: reading the layout on the loop ---- */
struct img_entry {
	/* full reference; a dangling image (no name: Docker's
	 * <none>:<none>) has its manifest digest here, "sha256:..." */
	char ref[REF_STR_MAX];
	char manifest[DIGEST_STR_MAX]; /* its manifest's digest */
	uint64_t manifest_size;
	char media_type[128];
	bool dangling; /* no name (or an old id-named untagged entry) */
	bool by_id;    /* img_lookup found it by image id, not by name */
};
/* Every image entry in index.json, named and dangling (entries
 * malloc'd, *n set). */
int img_list(struct img_entry **out, size_t *n, struct err *e);
/* Resolve NAME[:TAG] / full ref / image id prefix to an entry (a name
 * first, as Docker does; an id names the named entry when it has one). */
int img_lookup(const char *what, struct img_entry *out, struct err *e);
struct oci_manifest;
/* An entry's manifest, parsed (*m NULL on failure). */
int img_manifest(const struct img_entry *en, struct oci_manifest **m,
		 struct err *e);
/* Remove one image (its name, or a dangling entry) and collect what no
 * image needs (no request). */
int img_remove(const struct img_entry *en,
	       void (*done)(void *ctx, const struct err *e), void *ctx,
	       struct err *e);

/* ---- gc.c: collection by free space, least recently used first ---- */
void img_touch(const char *ref); /* pulled or used by a container now */
void img_gc_start(void);	 /* arm the check (daemon config) */
void img_gc_stop(void);
void img_gc_check(void);	 /* check now (after a pull) */

extern const struct command img_cmd_images, img_cmd_rmi, img_cmd_inspect,
	img_cmd_tag, img_cmd_prune, img_cmd_history;

/* ---- archive.c: save, load, import ---- */
extern const struct command img_cmd_save, img_cmd_load, img_cmd_import;
/* ---- commit.c ---- */
extern const struct command img_cmd_commit;

#endif
