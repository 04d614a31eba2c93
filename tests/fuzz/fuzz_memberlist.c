/* fuzz_memberlist.c - libFuzzer target for memberlist's wire
 * (proto/mlwire.c, proto/mlcrypt.c, proto/lzw.c, proto/msgpk.c).
 *
 * The first input byte picks what the rest is:
 * 0  a plaintext UDP packet: walk CRC/compress/compound wrappers and
 *    decode every message found by its type (user messages as Serf);
 * 1  a sealed UDP packet: open with a fixed two-key ring, then as 0;
 * 2  a push/pull body; 3 a sealed stream message; 4 LZW data, whose
 *    expansion must compress and expand back to itself.
 * A failure always says why; nothing may crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/lzw.h"
#include "../../proto/mlcrypt.h"
#include "../../proto/mlwire.h"
#include "../../proto/serfwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_say(int r, const struct err *e)
{
	if (r < 0 && !e->msg[0])
		abort();
}

static int on_msg(void *ctx, enum mlwire_type t, const uint8_t *body, size_t n,
		  struct err *e)
{
	union {
		struct mlwire_ping ping;
		struct mlwire_indirect_ping iping;
		struct mlwire_alive alive;
		struct mlwire_suspect suspect;
		struct mlwire_ack ack;
		struct mlwire_nack nack;
		struct mlwire_errresp err;
		struct serfwire_query q;
		struct serfwire_pushpull pp;
	} m;
	struct mlwire_pushpull pp;
	enum serfwire_type st;
	struct err e2 = ERR_INIT;

	(void)ctx;
	(void)e;
	if (t == MLWIRE_USER) {
		int r = serfwire_decode(body, n, &st, &m, &e2);

		must_say(r, &e2);
		if (r == 0)
			serfwire_free(st, &m);
	} else if (t == MLWIRE_PUSH_PULL) {
		if (mlwire_pushpull_decode(body, n, &pp, &e2) == 0)
			mlwire_pushpull_free(&pp);
	} else {
		must_say(mlwire_decode(t, body, n, &m, &e2), &e2);
	}
	return 0;
}

static void walk(const uint8_t *p, size_t n)
{
	struct err e = ERR_INIT;

	must_say(mlwire_walk(p, n, on_msg, NULL, &e), &e);
}

static void sealed(const uint8_t *p, size_t n, int stream)
{
	static struct mlcrypt_keyring kr;
	struct mlcrypt_key k;
	struct buf plain = {0};
	struct err e = ERR_INIT;
	int r;

	if (kr.n == 0) {
		if (mlcrypt_key_parse("cg8StVXbQJ0gPvMd9o7yrg==", &k, &e) < 0 ||
		    mlcrypt_keyring_add(&kr, &k, &e) < 0 ||
		    mlcrypt_key_parse("HvY8ubRZMgafUOWvrOadwQ==", &k, &e) < 0 ||
		    mlcrypt_keyring_add(&kr, &k, &e) < 0)
			abort();
	}
	r = stream ? mlcrypt_stream_open(&kr, p, n, &plain, &e)
		   : mlcrypt_open(&kr, p, n, NULL, 0, &plain, NULL, &e);
	must_say(r, &e);
	if (r == 0 && buf_used(&plain))
		walk((const uint8_t *)buf_head(&plain), buf_used(&plain));
	buf_free(&plain);
}

static void lzw(const uint8_t *p, size_t n)
{
	struct buf a = {0}, z = {0}, b = {0};
	struct err e = ERR_INIT;
	int r = lzw_decompress(p, n, 1 << 20, &a, &e);

	must_say(r, &e);
	if (r == 0 && buf_used(&a)) {
		lzw_compress((const uint8_t *)buf_head(&a), buf_used(&a), &z);
		if (lzw_decompress((const uint8_t *)buf_head(&z), buf_used(&z),
				   1 << 21, &b, &e) < 0 ||
		    buf_used(&a) != buf_used(&b) ||
		    (buf_used(&a) &&
		     memcmp(buf_head(&a), buf_head(&b), buf_used(&a)) != 0))
			abort();
	}
	buf_free(&a);
	buf_free(&z);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlwire_pushpull pp;
	struct err e = ERR_INIT;
	int r;

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		walk(data + 1, size - 1);
		break;
	case 1:
		sealed(data + 1, size - 1, 0);
		break;
	case 2:
		r = mlwire_pushpull_decode(data + 1, size - 1, &pp, &e);
		must_say(r, &e);
		if (r == 0)
			mlwire_pushpull_free(&pp);
		break;
	case 3:
		sealed(data + 1, size - 1, 1);
		break;
	default:
		lzw(data + 1, size - 1);
		break;
	}
	return 0;
}
