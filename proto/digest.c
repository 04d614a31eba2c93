/* digest.c - digest validation and hashing over OpenSSL EVP (see digest.h). */
#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	size_t hex;
} algos[] = {
    [DIGEST_SHA256] = {"sha256", 64},
    [DIGEST_SHA512] = {"sha512", 128},
};

const char *digest_algo_name(enum digest_algo algo)
{
	return algos[algo].name;
}

size_t digest_hex_len(enum digest_algo algo)
{
	return algos[algo].hex;
}

/* The OCI algorithm grammar: [a-z0-9]+ ([+._-][a-z0-9]+)*. */
static bool algo_grammar(const char *s, size_t len)
{
	bool need_alnum = true;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			need_alnum = false;
		} else if (c && strchr("+._-", c) && !need_alnum) {
			need_alnum = true;
		} else {
			return false;
		}
	}
	return !need_alnum;
}

int digest_checkn(const char *s, size_t len, enum digest_algo *algo,
		  struct err *e)
{
	const char *colon = memchr(s, ':', len);
	size_t alen, hlen;
	int a = -1;

	if (!colon)
		return err_setc(e, ERR_INVALID,
				"invalid digest format: no ':' between "
				"algorithm and hex");
	alen = (size_t)(colon - s);
	hlen = len - alen - 1;
	if (!algo_grammar(s, alen))
		return err_setc(e, ERR_INVALID,
				"invalid digest format: bad algorithm \"%.*s\"",
				(int)(alen > 32 ? 32 : alen), s);
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strlen(algos[i].name) == alen &&
		    memcmp(algos[i].name, s, alen) == 0)
			a = (int)i;
	if (a < 0)
		return err_setc(e, ERR_INVALID,
				"unsupported digest algorithm \"%.*s\"",
				(int)(alen > 32 ? 32 : alen), s);
	if (hlen != algos[a].hex)
		return err_setc(e, ERR_INVALID,
				"invalid digest length: %s needs %zu hex "
				"digits, got %zu",
				algos[a].name, algos[a].hex, hlen);
	for (size_t i = 0; i < hlen; i++) {
		char c = colon[1 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return err_setc(e, ERR_INVALID,
					"invalid digest: '%c' at offset %zu "
					"is not a lowercase hex digit",
					c >= 0x20 && c < 0x7f ? c : '?',
					alen + 1 + i);
	}
	if (algo)
		*algo = (enum digest_algo)a;
	return 0;
}

int digest_check(const char *s, enum digest_algo *algo, struct err *e)
{
	return digest_checkn(s, strlen(s), algo, e);
}

bool digest_valid(const char *s)
{
	struct err e = ERR_INIT;

	return s && digest_check(s, NULL, &e) == 0;
}

const char *digest_hex(const char *digest)
{
	const char *c = strchr(digest, ':');

	return c ? c + 1 : digest;
}

int digest_ctx_init(struct digest_ctx *c, enum digest_algo algo, struct err *e)
{
	const EVP_MD *md = algo == DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();

	if (!c->md)
		c->md = EVP_MD_CTX_new();
	if (!c->md)
		return err_set(e, ENOMEM, "digest context");
	if (!EVP_DigestInit_ex(c->md, md, NULL))
		return err_setc(e, ERR_INTERNAL, "EVP_DigestInit_ex failed");
	c->algo = algo;
	return 0;
}

void digest_ctx_update(struct digest_ctx *c, const void *p, size_t n)
{
	if (n && !EVP_DigestUpdate(c->md, p, n))
		abort(); /* cannot fail for an initialised software digest */
}

void digest_ctx_final(struct digest_ctx *c, char out[DIGEST_STR_MAX])
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int off;

	if (!EVP_DigestFinal_ex(c->md, raw, &n))
		abort();
	off = snprintf(out, DIGEST_STR_MAX, "%s:", algos[c->algo].name);
	for (unsigned int i = 0; i < n; i++)
		off += snprintf(out + off, DIGEST_STR_MAX - (size_t)off, "%02x",
				raw[i]);
}

void digest_ctx_free(struct digest_ctx *c)
{
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

void digest_sha256(const void *p, size_t n, char out[DIGEST_STR_MAX])
{
	struct digest_ctx c = {0};
	struct err e = ERR_INIT;

	if (digest_ctx_init(&c, DIGEST_SHA256, &e) < 0)
		abort(); /* only ENOMEM: the daemon cannot go on without memory
			  */
	digest_ctx_update(&c, p, n);
	digest_ctx_final(&c, out);
	digest_ctx_free(&c);
}
