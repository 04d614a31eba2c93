/* mlcrypt.h - memberlist's encryption envelope and keyring.
 *
 * A packet is sealed as [vsn][12-byte nonce][AES-GCM ciphertext+16-byte
 * tag], the additional data being the label (empty: no labels here).
 * Version 0 pads the plaintext PKCS#7 to 16 bytes first, version 1 (what
 * protocol version 2+ sends) does not. A stream message is
 * [10][u32 BE length][sealed], with those first five bytes as additional
 * data. Keys are 16, 24 or 32 bytes (AES-128/192/256); the first key of
 * the ring is the primary, used to send; every key is tried to receive.
 * Serf writes keys as standard base64. OpenSSL does the cipher. */
#ifndef SKIFF_MLCRYPT_H
#define SKIFF_MLCRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

#define MLCRYPT_MAX_KEYS 16
#define MLCRYPT_NONCE 12
#define MLCRYPT_TAG 16
/* Overhead of version 1: version byte, nonce, tag. */
#define MLCRYPT_OVERHEAD (1 + MLCRYPT_NONCE + MLCRYPT_TAG)

struct mlcrypt_key {
	uint8_t b[32];
	uint8_t len; /* 16, 24 or 32 */
};

struct mlcrypt_keyring {
	struct mlcrypt_key keys[MLCRYPT_MAX_KEYS]; /* [0] is the primary */
	size_t n;
};

/* Parse a base64 key into k; a wrong length or bad base64 is invalid. */
int mlcrypt_key_parse(const char *b64, struct mlcrypt_key *k, struct err *e);
/* Standard base64 of k into out (at least 45 bytes). */
void mlcrypt_key_format(const struct mlcrypt_key *k, char out[48]);
int mlcrypt_key_check(const uint8_t *p, size_t n, struct err *e);

/* Install k (no-op if present); the first key installed is primary. */
int mlcrypt_keyring_add(struct mlcrypt_keyring *kr, const struct mlcrypt_key *k,
			struct err *e);
/* Make an installed key the primary. */
int mlcrypt_keyring_use(struct mlcrypt_keyring *kr, const struct mlcrypt_key *k,
			struct err *e);
/* Remove a key that is not the primary. */
int mlcrypt_keyring_remove(struct mlcrypt_keyring *kr,
			   const struct mlcrypt_key *k, struct err *e);

/* Seal msg with the primary key at version vsn (0 or 1) and append to
 * out. */
int mlcrypt_seal(const struct mlcrypt_keyring *kr, unsigned vsn,
		 const uint8_t *msg, size_t n, const uint8_t *aad,
		 size_t aadlen, struct buf *out, struct err *e);
/* Open a sealed packet with any key; the plaintext goes to out and the
 * index of the key that worked to *which (may be NULL). */
int mlcrypt_open(const struct mlcrypt_keyring *kr, const uint8_t *pkt, size_t n,
		 const uint8_t *aad, size_t aadlen, struct buf *out,
		 size_t *which, struct err *e);

/* The stream form. */
int mlcrypt_stream_seal(const struct mlcrypt_keyring *kr, const uint8_t *msg,
			size_t n, struct buf *out, struct err *e);
/* How many bytes the stream message at buf needs in all, once its 5-byte
 * header is there (0 before); over `max` is an error. */
int mlcrypt_stream_need(const uint8_t *buf, size_t n, size_t max, size_t *need,
			struct err *e);
/* Open a complete stream message buf[0..n) (n as stream_need said). */
int mlcrypt_stream_open(const struct mlcrypt_keyring *kr, const uint8_t *buf,
			size_t n, struct buf *out, struct err *e);

#endif
