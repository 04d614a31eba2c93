/* blobstore.h - the content store: an OCI image layout under a root dir.
 *
 *   ROOT/oci-layout            {"imageLayoutVersion":"1.0.0"}
 *   ROOT/index.json            OCI index; entries carry the annotation
 *                              org.opencontainers.image.ref.name
 *   ROOT/blobs/<algo>/<hex>    verified content, read-only (0444)
 *   ROOT/ingest/<hex>.partial  blobs being written (kept for resume)
 *
 * so `skopeo copy oci:ROOT:NAME ...` and umoci read what skiff stored.
 *
 * A blob reaches blobs/ only through a writer that hashed every byte
 * (OpenSSL SHA-256/512), checked size and digest, fsync'd the file, renamed
 * it into place and fsync'd the directory. A digest mismatch deletes the
 * partial; a short stream keeps it, and the next writer for that digest
 * re-hashes its bytes and reports the offset to resume from (an HTTP Range
 * request). One writer per digest at a time (flock on the partial); a
 * second gets ERR_BUSY. Digests are validated before they become paths.
 *
 * BLOCKING: every call here does file I/O and some fsync; the daemon runs
 * them in a helper process (STYLE.md 5), tools and tests call them
 * directly. struct blobstore owns one directory fd; a writer owns its
 * partial's fd and lock until commit, close or discard frees it. */
#ifndef SKIFF_BLOBSTORE_H
#define SKIFF_BLOBSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "../proto/digest.h"
#include "../proto/ociimage.h"

#define BLOBSTORE_SIZE_UNKNOWN UINT64_MAX
/* Longest name accepted for index.json's ref.name annotation. */
#define BLOBSTORE_NAME_MAX 512

struct blobstore;
struct blobstore_writer;

/* Open (creating when absent) the layout at root; its parent must exist. */
int blobstore_open(const char *root, struct blobstore **out, struct err *e);
void blobstore_free(struct blobstore *bs);
const char *blobstore_root(const struct blobstore *bs);

/* 1 present (size in *size when non-NULL), 0 absent, -1 bad digest. */
int blobstore_has(struct blobstore *bs, const char *digest, uint64_t *size,
		  struct err *e);
/* Open a stored blob read-only (O_CLOEXEC); ERR_NOT_FOUND when absent. */
int blobstore_open_blob(struct blobstore *bs, const char *digest, int *fd,
			struct err *e);
/* Read a small blob (manifest, config) whole, refusing more than max
 * bytes, and verify its digest again on the way. */
int blobstore_read(struct blobstore *bs, const char *digest, size_t max,
		   struct buf *out, struct err *e);
/* Store n bytes; expect may be NULL (digest computed). The digest stored
 * goes to out (may be NULL). */
int blobstore_put(struct blobstore *bs, const void *p, size_t n,
		  const char *expect, char out[DIGEST_STR_MAX], struct err *e);
int blobstore_delete(struct blobstore *bs, const char *digest, struct err *e);
/* Call fn for every stored blob; a non-zero return stops the walk and is
 * returned. Names that are not digests (stray files) are skipped. */
typedef int (*blobstore_walk_fn)(const char *digest, uint64_t size, void *ctx);
int blobstore_walk(struct blobstore *bs, blobstore_walk_fn fn, void *ctx,
		   struct err *e);
/* Remove partials untouched since before `before` that no writer holds;
 * *removed counts them. */
int blobstore_ingest_prune(struct blobstore *bs, time_t before, size_t *removed,
			   struct err *e);

/* Start writing the blob digest of size bytes (BLOBSTORE_SIZE_UNKNOWN when
 * not known). digest NULL: the digest is computed and known at commit (no
 * resume). Returns 1 when the blob is already stored (*out NULL), 0 with a
 * writer whose *offset bytes are already there (resume from there), -1 on
 * error (ERR_BUSY: another writer holds this digest). */
/* After a call failed with e: when it was ERR_BUSY (another writer holds
 * the digest) and fewer than max tries were made, wait 100 ms, clear e
 * and return true (try again); else false. Blocks: helpers only. */
bool blobstore_busy_wait(unsigned *tries, unsigned max, struct err *e);
int blobstore_writer_open(struct blobstore *bs, const char *digest,
			  uint64_t size, struct blobstore_writer **out,
			  uint64_t *offset, struct err *e);
/* Append; more bytes than the expected size deletes the partial and fails. */
int blobstore_writer_write(struct blobstore_writer *w, const void *p, size_t n,
			   struct err *e);
uint64_t blobstore_writer_offset(const struct blobstore_writer *w);
/* Verify and move into place; frees w whatever happens. Fewer bytes than
 * expected keeps the partial for a later resume (none at all: it is
 * removed); a wrong digest deletes it and the message names both
 * digests. out (may be NULL) gets the digest stored. */
int blobstore_writer_commit(struct blobstore_writer *w,
			    char out[DIGEST_STR_MAX], struct err *e);
/* Stop without committing, keeping the partial (what a crash leaves);
 * an empty partial, nothing to resume, is removed. */
void blobstore_writer_close(struct blobstore_writer *w);
/* Stop and delete the partial. */
void blobstore_writer_discard(struct blobstore_writer *w);

/* index.json. Updates are read-modify-write under an flock of the root
 * and replace the file atomically (temp, fsync, rename, fsync dir). */
int blobstore_index_load(struct blobstore *bs, struct oci_index **out,
			 struct err *e);
/* Point name at desc (a copy is stored with the ref.name annotation
 * set), replacing an entry of the same name. The manifest the name moved
 * off stays as an entry without a name (a dangling image, Docker's
 * <none>:<none>) unless another entry has it; dangling entries of desc's
 * manifest go (it is named now). name NULL or an image id ("sha256:...")
 * stores desc as a dangling image, unless an entry has it already. */
int blobstore_index_put(struct blobstore *bs, const char *name,
			const struct oci_desc *desc, struct err *e);
/* Remove the entry named name (ERR_NOT_FOUND when none has it). With
 * keep_dangling, its manifest stays as a dangling entry when no other
 * entry has it (rmi -f of an image a container uses). */
int blobstore_index_untag(struct blobstore *bs, const char *name,
			  bool keep_dangling, struct err *e);
int blobstore_index_remove(struct blobstore *bs, const char *name,
			   struct err *e);
/* Remove the dangling entries of a manifest (ERR_NOT_FOUND: none). */
int blobstore_index_drop(struct blobstore *bs, const char *digest,
			 struct err *e);
/* Copy of the entry named name into *out (clear it with
 * ociimage_desc_clear); ERR_NOT_FOUND when absent. */
int blobstore_index_find(struct blobstore *bs, const char *name,
			 struct oci_desc *out, struct err *e);
bool blobstore_name_valid(const char *name);

#endif
