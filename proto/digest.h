/* digest.h - content digests: "algo:hex" validation and SHA-256/512 hashing.
 *
 * Only the two algorithms the OCI image spec registers are accepted:
 * sha256 (64 lowercase hex digits) and sha512 (128). A digest that passes
 * digest_check() is safe to use as a path component ("blobs/sha256/<hex>").
 * struct digest_ctx wraps an OpenSSL EVP context; it owns that context until
 * digest_ctx_free() (which accepts a zeroed or freed context). */
#ifndef SKIFF_DIGEST_H
#define SKIFF_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/err.h"

/* "sha512:" + 128 hex + NUL */
#define DIGEST_STR_MAX 136

enum digest_algo { DIGEST_SHA256, DIGEST_SHA512 };

/* Validate the len bytes at s as a digest; on success *algo (if non-NULL)
 * says which. Errors name what is wrong: "invalid digest format",
 * "unsupported digest algorithm", "sha256 digest must have 64 hex digits",
 * "invalid hex digit 'G' at offset 12". */
int digest_checkn(const char *s, size_t len, enum digest_algo *algo,
		  struct err *e);
int digest_check(const char *s, enum digest_algo *algo, struct err *e);
bool digest_valid(const char *s);
const char *digest_algo_name(enum digest_algo algo);
/* Hex digits per algorithm (64 or 128). */
size_t digest_hex_len(enum digest_algo algo);
/* The part after ':' of a digest that passed digest_check(). */
const char *digest_hex(const char *digest);

struct digest_ctx {
	void *md; /* EVP_MD_CTX */
	enum digest_algo algo;
};

int digest_ctx_init(struct digest_ctx *c, enum digest_algo algo, struct err *e);
void digest_ctx_update(struct digest_ctx *c, const void *p, size_t n);
/* Write "algo:hex" into out; the context can be reused after init. */
void digest_ctx_final(struct digest_ctx *c, char out[DIGEST_STR_MAX]);
void digest_ctx_free(struct digest_ctx *c);

/* One-shot SHA-256 of a buffer as "sha256:<hex>". */
void digest_sha256(const void *p, size_t n, char out[DIGEST_STR_MAX]);

#endif
