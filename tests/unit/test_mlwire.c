/* test_mlwire.c - proto/msgpk.c, proto/lzw.c, proto/mlwire.c and
 * proto/mlcrypt.c: memberlist's wire, checked against bytes a real serf
 * agent sent (serf_vectors.h) and against hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/lzw.h"
#include "../../proto/mlcrypt.h"
#include "../../proto/mlwire.h"
#include "../../proto/msgpk.h"
#include "serf_vectors.h"

#define BYTES(s) ((struct msgpk_bytes){(const uint8_t *)(s), sizeof(s) - 1})

static void test_lzw_round_trip(void **state)
{
	size_t sizes[] = {0, 1, 2, 3, 100, 5000, 200000};
	uint32_t seed = 7;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (int kind = 0; kind < 2; kind++) {
			size_t n = sizes[k];
			uint8_t *in = malloc(n + 1);
			struct buf z = {0}, out = {0};
			struct err e = ERR_INIT;

			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				in[i] = kind ? (uint8_t)(seed >> 16)
					     : (uint8_t)("abcab"[i % 5]);
			}
			lzw_compress(in, n, &z);
			assert_int_equal(lzw_decompress((uint8_t *)buf_head(&z),
							buf_used(&z), n, &out,
							&e),
					 0);
			assert_int_equal(buf_used(&out), n);
			assert_true(n == 0 ||
				    memcmp(buf_head(&out), in, n) == 0);
			free(in);
			buf_free(&z);
			buf_free(&out);
		}
	}
}

static void test_lzw_bad_input(void **state)
{
	struct buf out = {0}, z = {0};
	struct err e = ERR_INIT;
	/* 9-bit codes, LSB first: clear (256) then 300, never defined. */
	const uint8_t undefined[] = {0x00, 0x59, 0x02};

	assert_int_equal(
	    lzw_decompress(undefined, sizeof(undefined), 100, &out, &e), -1);
	assert_non_null(strstr(e.msg, "undefined code"));
	lzw_compress((const uint8_t *)"aaaaaaaaaaaaaaaaaaaa", 20, &z);
	assert_int_equal(lzw_decompress((uint8_t *)buf_head(&z),
					buf_used(&z) - 1, 100, &out, &e),
			 -1);
	assert_non_null(strstr(e.msg, "end code"));
	buf_reset(&out);
	assert_int_equal(
	    lzw_decompress((uint8_t *)buf_head(&z), buf_used(&z), 19, &out, &e),
	    -1);
	assert_non_null(strstr(e.msg, "size limit"));
	buf_free(&out);
	buf_free(&z);
}

/* Serf's LZW of a compound, expanded and compressed again: the same
 * bytes Go's compress/lzw wrote. */
static void test_lzw_matches_go(void **state)
{
	struct mlwire_compress c;
	struct buf plain = {0}, again = {0};
	struct err e = ERR_INIT;

	assert_int_equal(plain_compress_compound[0], MLWIRE_COMPRESS);
	assert_int_equal(
	    mlwire_decode(MLWIRE_COMPRESS, plain_compress_compound + 1,
			  sizeof(plain_compress_compound) - 1, &c, &e),
	    0);
	assert_int_equal(mlwire_decompress(plain_compress_compound + 1,
					   sizeof(plain_compress_compound) - 1,
					   &plain, &e),
			 0);
	assert_int_equal(((uint8_t *)buf_head(&plain))[0], MLWIRE_COMPOUND);
	lzw_compress((uint8_t *)buf_head(&plain), buf_used(&plain), &again);
	assert_int_equal(buf_used(&again), c.buf.n);
	assert_memory_equal(buf_head(&again), c.buf.p, c.buf.n);
	buf_free(&plain);
	buf_free(&again);
}

static void test_msgpk_check_lies(void **state)
{
	size_t len;
	struct err e = ERR_INIT;
	const uint8_t big_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0};
	const uint8_t big_str[] = {0xdb, 0x00, 0x01, 0x00, 0x00, 'a'};
	const uint8_t reserved[] = {0xc1};
	uint8_t deep[40];
	const uint8_t ok[] = {0x82, 0xa1, 'a',	0x01, 0xa1,
			      'b',  0x92, 0xc3, 0xc0, 0xff};

	assert_int_equal(msgpk_check(big_array, sizeof(big_array), &len, &e),
			 -1);
	assert_non_null(strstr(e.msg, "container items"));
	assert_int_equal(msgpk_check(big_str, sizeof(big_str), &len, &e), -1);
	assert_int_equal(msgpk_check(reserved, 1, &len, &e), -1);
	memset(deep, 0x91, sizeof(deep));
	assert_int_equal(msgpk_check(deep, sizeof(deep), &len, &e), -1);
	assert_non_null(strstr(e.msg, "deeper"));
	assert_int_equal(msgpk_check(ok, sizeof(ok), &len, &e), 0);
	assert_int_equal(len, sizeof(ok) - 1);
}

/* A ping encoded here is byte-for-byte the one serf sent. */
static void test_ping_matches_serf(void **state)
{
	struct mlwire_ping p = {0}, q;
	struct buf out = {0};
	struct err e = ERR_INIT;

	assert_int_equal(mlwire_decode(MLWIRE_PING, plain_ping + 1,
				       sizeof(plain_ping) - 1, &q, &e),
			 0);
	assert_int_equal(q.seq, 2);
	assert_true(msgpk_eq(q.node, "a"));
	assert_true(msgpk_eq(q.source_node, "b"));
	assert_int_equal(q.source_port, 7946);
	p.seq = 2;
	p.node = BYTES("a");
	p.source_addr = BYTES("\x7f\x00\x00\x03");
	p.source_port = 7946;
	p.source_node = BYTES("b");
	mlwire_encode(MLWIRE_PING, &p, &out);
	assert_int_equal(buf_used(&out), sizeof(plain_ping));
	assert_memory_equal(buf_head(&out), plain_ping, sizeof(plain_ping));
	buf_free(&out);
}

static void test_alive_crc_matches_serf(void **state)
{
	struct mlwire_alive a = {0};
	struct buf msg = {0}, out = {0};
	struct msgpk_bytes rest;
	struct err e = ERR_INIT;

	assert_int_equal(mlwire_crc_check(plain_tags_alive + 1,
					  sizeof(plain_tags_alive) - 1, &rest,
					  &e),
			 0);
	assert_int_equal(
	    mlwire_decode(MLWIRE_ALIVE, rest.p + 1, rest.n - 1, &a, &e), 0);
	assert_int_equal(a.incarnation, 2);
	assert_true(msgpk_eq(a.node, "b"));
	assert_int_equal(a.vsn.n, 6);
	assert_memory_equal(a.vsn.p, "\x01\x05\x02\x02\x05\x05", 6);
	mlwire_encode(MLWIRE_ALIVE, &a, &msg);
	mlwire_crc_wrap((uint8_t *)buf_head(&msg), buf_used(&msg), &out);
	assert_int_equal(buf_used(&out), sizeof(plain_tags_alive));
	assert_memory_equal(buf_head(&out), plain_tags_alive,
			    sizeof(plain_tags_alive));
	((uint8_t *)buf_head(&out))[20] ^= 1;
	assert_int_equal(mlwire_crc_check((uint8_t *)buf_head(&out) + 1,
					  buf_used(&out) - 1, &rest, &e),
			 -1);
	assert_non_null(strstr(e.msg, "crc"));
	buf_free(&msg);
	buf_free(&out);
}

static void test_decode_names_field(void **state)
{
	struct mlwire_ack a;
	struct err e = ERR_INIT;
	/* {"SeqNo": "x"} */
	const uint8_t bad[] = {0x81, 0xa5, 'S', 'e', 'q', 'N', 'o', 0xa1, 'x'};
	/* {"SeqNo": 2^32} */
	const uint8_t big[] = {0x81, 0xa5, 'S', 'e', 'q', 'N', 'o', 0xcf,
			       0,    0,	   0,	1,   0,	  0,   0,   0};
	/* unknown keys are skipped, as Go does */
	const uint8_t extra[] = {0x82, 0xa1, 'Z', 0x90, 0xa5, 'S',
				 'e',  'q',  'N', 'o',	0x07};

	assert_int_equal(mlwire_decode(MLWIRE_ACK, bad, sizeof(bad), &a, &e),
			 -1);
	assert_string_equal(e.msg, "ack.SeqNo: want unsigned integer, got str");
	assert_int_equal(mlwire_decode(MLWIRE_ACK, big, sizeof(big), &a, &e),
			 -1);
	assert_non_null(strstr(e.msg, "ack.SeqNo: 4294967296 is over"));
	assert_int_equal(
	    mlwire_decode(MLWIRE_ACK, extra, sizeof(extra), &a, &e), 0);
	assert_int_equal(a.seq, 7);
	assert_int_equal(
	    mlwire_decode(MLWIRE_ACK, extra, sizeof(extra) - 1, &a, &e), -1);
	assert_int_equal(
	    mlwire_decode(MLWIRE_PUSH_PULL, extra, sizeof(extra), &a, &e), -1);
}

static void test_compound(void **state)
{
	struct msgpk_bytes parts[255],
	    in[3] = {BYTES("one"), BYTES(""), BYTES("three")};
	struct buf out = {0};
	size_t np, trunc;
	struct err e = ERR_INIT;
	const uint8_t *p;

	mlwire_compound_build(in, 3, &out);
	p = (const uint8_t *)buf_head(&out);
	assert_int_equal(mlwire_compound_split(p + 1, buf_used(&out) - 1, parts,
					       &np, &trunc, &e),
			 0);
	assert_int_equal(np, 3);
	assert_int_equal(trunc, 0);
	assert_true(msgpk_eq(parts[2], "three"));
	assert_int_equal(mlwire_compound_split(p + 1, buf_used(&out) - 2, parts,
					       &np, &trunc, &e),
			 0);
	assert_int_equal(np, 2);
	assert_int_equal(trunc, 1);
	assert_int_equal(
	    mlwire_compound_split(p + 1, 4, parts, &np, &trunc, &e), -1);
	assert_non_null(strstr(e.msg, "lengths"));
	assert_int_equal(mlwire_compound_split(p, 0, parts, &np, &trunc, &e),
			 -1);
	buf_free(&out);
}

static void test_pushpull_limits(void **state)
{
	struct mlwire_push_node nodes[2] = {
	    {.name = BYTES("n1"),
	     .addr = BYTES("\x7f\0\0\x01"),
	     .port = 1,
	     .incarnation = 3,
	     .state = MLWIRE_STATE_SUSPECT},
	    {.name = BYTES("n2"), .state = MLWIRE_STATE_LEFT},
	};
	struct mlwire_pushpull pp = {.join = true,
				     .nodes = nodes,
				     .n_nodes = 2,
				     .user_state = BYTES("serf")},
			       back;
	struct buf out = {0};
	struct err e = ERR_INIT;
	const uint8_t *p;
	/* {"Nodes": -1} and {"Nodes": 1000} */
	const uint8_t neg[] = {0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 0xff};
	const uint8_t many[] = {0x81, 0xa5, 'N',  'o', 'd',
				'e',  's',  0xcd, 3,   0xe8};

	mlwire_pushpull_encode(&pp, &out);
	p = (const uint8_t *)buf_head(&out);
	assert_int_equal(p[0], MLWIRE_PUSH_PULL);
	assert_int_equal(
	    mlwire_pushpull_decode(p + 1, buf_used(&out) - 1, &back, &e), 0);
	assert_true(back.join);
	assert_int_equal(back.n_nodes, 2);
	assert_int_equal(back.nodes[0].incarnation, 3);
	assert_int_equal(back.nodes[1].state, MLWIRE_STATE_LEFT);
	assert_true(msgpk_eq(back.user_state, "serf"));
	mlwire_pushpull_free(&back);
	assert_int_equal(
	    mlwire_pushpull_decode(p + 1, buf_used(&out) - 2, &back, &e), -1);
	assert_non_null(strstr(e.msg, "user state"));
	assert_int_equal(mlwire_pushpull_decode(neg, sizeof(neg), &back, &e),
			 -1);
	assert_non_null(strstr(e.msg, "Nodes"));
	assert_int_equal(mlwire_pushpull_decode(many, sizeof(many), &back, &e),
			 -1);
	buf_free(&out);
}

static void test_crypt_round_trip(void **state)
{
	struct mlcrypt_keyring kr = {0}, other = {0};
	struct mlcrypt_key k1, k2, k3;
	struct buf sealed = {0}, plain = {0};
	struct err e = ERR_INIT;
	size_t which = 9;

	assert_int_equal(mlcrypt_key_parse(SERF_KEY1, &k1, &e), 0);
	assert_int_equal(mlcrypt_key_parse(SERF_KEY2, &k2, &e), 0);
	assert_int_equal(
	    mlcrypt_key_parse(
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &k3, &e),
	    0);
	assert_int_equal(k3.len, 32);
	assert_int_equal(mlcrypt_key_parse("c2hvcnQ=", &k3, &e), -1);
	assert_int_equal(mlcrypt_key_parse("!!!!", &k3, &e), -1);
	assert_int_equal(mlcrypt_keyring_add(&kr, &k1, &e), 0);
	assert_int_equal(mlcrypt_keyring_add(&kr, &k2, &e), 0);
	assert_int_equal(mlcrypt_keyring_add(&kr, &k2, &e), 0);
	assert_int_equal(kr.n, 2);
	for (unsigned vsn = 0; vsn < 2; vsn++) {
		buf_reset(&sealed);
		buf_reset(&plain);
		assert_int_equal(mlcrypt_seal(&kr, vsn,
					      (const uint8_t *)"hello", 5, NULL,
					      0, &sealed, &e),
				 0);
		assert_int_equal(buf_used(&sealed), vsn ? 5 + 29 : 16 + 29);
		assert_int_equal(mlcrypt_open(&kr, (uint8_t *)buf_head(&sealed),
					      buf_used(&sealed), NULL, 0,
					      &plain, &which, &e),
				 0);
		assert_int_equal(which, 0);
		assert_int_equal(buf_used(&plain), 5);
		assert_memory_equal(buf_head(&plain), "hello", 5);
	}
	/* a ring holding only the second key opens it as key 0 ... */
	assert_int_equal(mlcrypt_keyring_add(&other, &k2, &e), 0);
	assert_int_equal(mlcrypt_open(&other, (uint8_t *)buf_head(&sealed),
				      buf_used(&sealed), NULL, 0, &plain, NULL,
				      &e),
			 -1);
	assert_int_equal(e.class, ERR_DENIED);
	/* ... and the primary can move, then the old one go */
	assert_int_equal(mlcrypt_keyring_remove(&kr, &k1, &e), -1);
	assert_int_equal(mlcrypt_keyring_use(&kr, &k2, &e), 0);
	assert_int_equal(mlcrypt_keyring_remove(&kr, &k1, &e), 0);
	assert_int_equal(kr.n, 1);
	assert_int_equal(mlcrypt_keyring_use(&kr, &k1, &e), -1);
	buf_free(&sealed);
	buf_free(&plain);
}

static void test_crypt_stream(void **state)
{
	struct mlcrypt_keyring kr = {0};
	struct mlcrypt_key k;
	struct buf s = {0}, plain = {0};
	struct err e = ERR_INIT;
	size_t need;

	assert_int_equal(mlcrypt_key_parse(SERF_KEY1, &k, &e), 0);
	assert_int_equal(mlcrypt_keyring_add(&kr, &k, &e), 0);
	assert_int_equal(
	    mlcrypt_stream_seal(&kr, (const uint8_t *)"\x06state", 6, &s, &e),
	    0);
	assert_int_equal(
	    mlcrypt_stream_need((uint8_t *)buf_head(&s), 4, 1000, &need, &e),
	    0);
	assert_int_equal(need, 0);
	assert_int_equal(
	    mlcrypt_stream_need((uint8_t *)buf_head(&s), 5, 1000, &need, &e),
	    0);
	assert_int_equal(need, buf_used(&s));
	assert_int_equal(
	    mlcrypt_stream_need((uint8_t *)buf_head(&s), 5, 10, &need, &e), -1);
	assert_int_equal(mlcrypt_stream_open(&kr, (uint8_t *)buf_head(&s),
					     buf_used(&s), &plain, &e),
			 0);
	assert_memory_equal(buf_head(&plain), "\x06state", 6);
	/* the header is authenticated */
	buf_reset(&plain);
	assert_int_equal(mlcrypt_open(&kr, (uint8_t *)buf_head(&s) + 5,
				      buf_used(&s) - 5, NULL, 0, &plain, NULL,
				      &e),
			 -1);
	buf_free(&s);
	buf_free(&plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lzw_round_trip),
	    cmocka_unit_test(test_lzw_bad_input),
	    cmocka_unit_test(test_lzw_matches_go),
	    cmocka_unit_test(test_msgpk_check_lies),
	    cmocka_unit_test(test_ping_matches_serf),
	    cmocka_unit_test(test_alive_crc_matches_serf),
	    cmocka_unit_test(test_decode_names_field),
	    cmocka_unit_test(test_compound),
	    cmocka_unit_test(test_pushpull_limits),
	    cmocka_unit_test(test_crypt_round_trip),
	    cmocka_unit_test(test_crypt_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
