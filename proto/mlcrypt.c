/* mlcrypt.c - AES-GCM envelope and keyring for memberlist (mlcrypt.h).
 *
 * Each call makes and frees its own EVP context; no state is kept. */
#include "mlcrypt.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"

int mlcrypt_key_check(const uint8_t *p, size_t n, struct err *e)
{
	(void)p;
	if (n != 16 && n != 24 && n != 32)
		return err_setc(e, ERR_INVALID,
				"key: %zu bytes, want 16, 24 or 32", n);
	return 0;
}

int mlcrypt_key_parse(const char *b64, struct mlcrypt_key *k, struct err *e)
{
	size_t len = strlen(b64);
	uint8_t out[64];
	int n, pad = 0;

	if (len == 0 || len > 44 || len % 4)
		return err_setc(e, ERR_INVALID,
				"key: not base64 of 16, 24 or 32 bytes");
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return err_setc(e, ERR_INVALID, "key: bad base64");
	pad = (b64[len - 1] == '=') + (len > 1 && b64[len - 2] == '=');
	n -= pad;
	if (mlcrypt_key_check(out, (size_t)n, e) < 0)
		return -1;
	memcpy(k->b, out, (size_t)n);
	k->len = (uint8_t)n;
	return 0;
}

void mlcrypt_key_format(const struct mlcrypt_key *k, char out[48])
{
	EVP_EncodeBlock((unsigned char *)out, k->b, k->len);
}

static ssize_t ring_find(const struct mlcrypt_keyring *kr,
			 const struct mlcrypt_key *k)
{
	for (size_t i = 0; i < kr->n; i++)
		if (kr->keys[i].len == k->len &&
		    memcmp(kr->keys[i].b, k->b, k->len) == 0)
			return (ssize_t)i;
	return -1;
}

int mlcrypt_keyring_add(struct mlcrypt_keyring *kr, const struct mlcrypt_key *k,
			struct err *e)
{
	if (mlcrypt_key_check(k->b, k->len, e) < 0)
		return -1;
	if (ring_find(kr, k) >= 0)
		return 0;
	if (kr->n == MLCRYPT_MAX_KEYS)
		return err_setc(e, ERR_TOO_LARGE, "keyring: %d keys already",
				MLCRYPT_MAX_KEYS);
	kr->keys[kr->n++] = *k;
	return 0;
}

int mlcrypt_keyring_use(struct mlcrypt_keyring *kr, const struct mlcrypt_key *k,
			struct err *e)
{
	ssize_t i = ring_find(kr, k);
	struct mlcrypt_key t;

	if (i < 0)
		return err_setc(e, ERR_NOT_FOUND,
				"keyring: requested key is not in the keyring");
	t = kr->keys[0];
	kr->keys[0] = kr->keys[i];
	kr->keys[i] = t;
	return 0;
}

int mlcrypt_keyring_remove(struct mlcrypt_keyring *kr,
			   const struct mlcrypt_key *k, struct err *e)
{
	ssize_t i = ring_find(kr, k);

	if (i == 0)
		return err_setc(
		    e, ERR_CONFLICT,
		    "keyring: removing the primary key is not allowed");
	if (i < 0)
		return 0;
	memmove(&kr->keys[i], &kr->keys[i + 1],
		(kr->n - (size_t)i - 1) * sizeof(kr->keys[0]));
	kr->n--;
	return 0;
}

static const EVP_CIPHER *cipher_for(const struct mlcrypt_key *k)
{
	return k->len == 16   ? EVP_aes_128_gcm()
	       : k->len == 24 ? EVP_aes_192_gcm()
			      : EVP_aes_256_gcm();
}

static void ctx_freep(EVP_CIPHER_CTX **c)
{
	EVP_CIPHER_CTX_free(*c);
}

/* GCM over in[0..n) with key and nonce; enc: ct||tag to out; dec: in is
 * ct||tag, plaintext to out. Returns -1 (without message) on failure. */
static int gcm(const struct mlcrypt_key *k, int enc, const uint8_t *nonce,
	       const uint8_t *in, size_t n, const uint8_t *aad, size_t aadlen,
	       uint8_t *out)
{
	_cleanup_(ctx_freep) EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len, fin;
	size_t body = enc ? n : n - MLCRYPT_TAG;

	if (!c || n > INT32_MAX ||
	    !EVP_CipherInit_ex(c, cipher_for(k), NULL, k->b, nonce, enc))
		return -1;
	if (aadlen && !EVP_CipherUpdate(c, NULL, &len, aad, (int)aadlen))
		return -1;
	if (!enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, MLCRYPT_TAG,
					 (void *)(in + body)))
		return -1;
	if (body && !EVP_CipherUpdate(c, out, &len, in, (int)body))
		return -1;
	if (!EVP_CipherFinal_ex(c, out + (body ? (size_t)len : 0), &fin))
		return -1;
	if (enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, MLCRYPT_TAG,
					out + body))
		return -1;
	return 0;
}

int mlcrypt_seal(const struct mlcrypt_keyring *kr, unsigned vsn,
		 const uint8_t *msg, size_t n, const uint8_t *aad,
		 size_t aadlen, struct buf *out, struct err *e)
{
	size_t pad = vsn == 0 ? 16 - n % 16 : 0, start = buf_used(out);
	_cleanup_free_ uint8_t *plain = NULL;
	uint8_t *dst;

	if (kr->n == 0)
		return err_setc(e, ERR_INVALID, "encrypt: no keys installed");
	if (vsn > 1)
		return err_setc(e, ERR_INVALID, "encrypt: version %u", vsn);
	plain = xmalloc(n + pad + 1);
	memcpy(plain, msg, n);
	memset(plain + n, (int)pad, pad);
	dst = (uint8_t *)buf_reserve(out,
				     1 + MLCRYPT_NONCE + n + pad + MLCRYPT_TAG);
	dst[0] = (uint8_t)vsn;
	if (RAND_bytes(dst + 1, MLCRYPT_NONCE) != 1 ||
	    gcm(&kr->keys[0], 1, dst + 1, plain, n + pad, aad, aadlen,
		dst + 1 + MLCRYPT_NONCE) < 0) {
		out->len = out->off + start;
		return err_setc(e, ERR_INTERNAL, "encrypt: OpenSSL failed");
	}
	out->len += 1 + MLCRYPT_NONCE + n + pad + MLCRYPT_TAG;
	return 0;
}

int mlcrypt_open(const struct mlcrypt_keyring *kr, const uint8_t *pkt, size_t n,
		 const uint8_t *aad, size_t aadlen, struct buf *out,
		 size_t *which, struct err *e)
{
	_cleanup_free_ uint8_t *plain = NULL;
	size_t body;

	if (n < 1)
		return err_setc(e, ERR_INVALID, "decrypt: empty payload");
	if (pkt[0] > 1)
		return err_setc(e, ERR_INVALID,
				"decrypt: unsupported encryption version %u",
				pkt[0]);
	if (n < 1 + MLCRYPT_NONCE + MLCRYPT_TAG + (pkt[0] == 0 ? 16u : 0u))
		return err_setc(e, ERR_INVALID,
				"decrypt: payload is too small: %zu bytes", n);
	body = n - 1 - MLCRYPT_NONCE - MLCRYPT_TAG;
	plain = xmalloc(body + 1);
	for (size_t i = 0; i < kr->n; i++) {
		if (gcm(&kr->keys[i], 0, pkt + 1, pkt + 1 + MLCRYPT_NONCE,
			n - 1 - MLCRYPT_NONCE, aad, aadlen, plain) < 0)
			continue;
		if (pkt[0] == 0) {
			uint8_t p = body ? plain[body - 1] : 0;

			if (p == 0 || p > 16 || p > body)
				return err_setc(e, ERR_INVALID,
						"decrypt: bad padding %u", p);
			body -= p;
		}
		buf_append(out, plain, body);
		if (which)
			*which = i;
		return 0;
	}
	return err_setc(e, ERR_DENIED,
			"decrypt: no installed keys could decrypt the message");
}

int mlcrypt_stream_seal(const struct mlcrypt_keyring *kr, const uint8_t *msg,
			size_t n, struct buf *out, struct err *e)
{
	size_t len = MLCRYPT_OVERHEAD + n;
	uint8_t hdr[5] = {10, (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			  (uint8_t)(len >> 8), (uint8_t)len};

	if (len > UINT32_MAX)
		return err_setc(e, ERR_TOO_LARGE, "encrypt: %zu bytes", n);
	buf_append(out, hdr, 5);
	return mlcrypt_seal(kr, 1, msg, n, hdr, 5, out, e);
}

int mlcrypt_stream_need(const uint8_t *buf, size_t n, size_t max, size_t *need,
			struct err *e)
{
	uint32_t len;

	*need = 0;
	if (n < 5)
		return 0;
	if (buf[0] != 10)
		return err_setc(e, ERR_INVALID, "stream: type %u, want encrypt",
				buf[0]);
	len = (uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 |
	      (uint32_t)buf[3] << 8 | buf[4];
	if (len > max)
		return err_setc(e, ERR_TOO_LARGE,
				"stream: remote state of %u bytes is over %zu",
				len, max);
	*need = 5 + (size_t)len;
	return 0;
}

int mlcrypt_stream_open(const struct mlcrypt_keyring *kr, const uint8_t *buf,
			size_t n, struct buf *out, struct err *e)
{
	size_t need;

	if (mlcrypt_stream_need(buf, n, SIZE_MAX, &need, e) < 0)
		return -1;
	if (need == 0 || need != n)
		return err_setc(e, ERR_INVALID,
				"stream: %zu bytes, the header says %zu", n,
				need);
	return mlcrypt_open(kr, buf + 5, n - 5, buf, 5, out, NULL, e);
}
