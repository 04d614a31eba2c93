/* test_serfwire.c - proto/serfwire.c over packets captured from real serf
 * agents (serf_vectors.h): decrypt with the keyring, walk memberlist's
 * wrappers, decode Serf's messages, and encode the same bytes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/mlcrypt.h"
#include "../../proto/mlwire.h"
#include "../../proto/serfwire.h"
#include "serf_vectors.h"

#define BYTES(s) ((struct msgpk_bytes){(const uint8_t *)(s), sizeof(s) - 1})

/* The plain messages of one packet, copied out. */
struct seen {
	size_t n;
	unsigned type[16];
	struct buf body[16];
};

static int collect(void *ctx, enum mlwire_type t, const uint8_t *body, size_t n,
		   struct err *e)
{
	struct seen *s = ctx;

	assert_true(s->n < 16);
	s->type[s->n] = t;
	buf_append(&s->body[s->n], body, n);
	s->n++;
	return 0;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < 16; i++)
		buf_free(&s->body[i]);
	memset(s, 0, sizeof(*s));
}

static void ring(struct mlcrypt_keyring *kr)
{
	struct mlcrypt_key k;
	struct err e = ERR_INIT;

	memset(kr, 0, sizeof(*kr));
	assert_int_equal(mlcrypt_key_parse(SERF_KEY1, &k, &e), 0);
	assert_int_equal(mlcrypt_keyring_add(kr, &k, &e), 0);
	assert_int_equal(mlcrypt_key_parse(SERF_KEY2, &k, &e), 0);
	assert_int_equal(mlcrypt_keyring_add(kr, &k, &e), 0);
}

/* Decrypt (when a keyring is given) and walk one captured packet. */
static void open_packet(const uint8_t *p, size_t n, int enc, size_t want_key,
			struct seen *s)
{
	struct mlcrypt_keyring kr;
	struct buf plain = {0};
	struct err e = ERR_INIT;
	size_t which = 99;

	memset(s, 0, sizeof(*s));
	if (enc) {
		ring(&kr);
		assert_int_equal(
		    mlcrypt_open(&kr, p, n, NULL, 0, &plain, &which, &e), 0);
		assert_int_equal(which, want_key);
	} else {
		buf_append(&plain, p, n);
	}
	assert_int_equal(mlwire_walk((uint8_t *)buf_head(&plain),
				     buf_used(&plain), collect, s, &e),
			 0);
	buf_free(&plain);
}

static const uint8_t *B(struct seen *s, size_t i)
{
	return (const uint8_t *)buf_head(&s->body[i]);
}

static void test_join_compound(void **state)
{
	struct seen s;
	struct mlwire_alive a;
	struct serfwire_join j;
	struct serfwire_tags tags;
	enum serfwire_type t;
	struct err e = ERR_INIT;

	open_packet(enc_alive_compound, sizeof(enc_alive_compound), 1, 0, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.type[0], MLWIRE_ALIVE);
	assert_int_equal(s.type[2], MLWIRE_USER);
	assert_int_equal(
	    mlwire_decode(MLWIRE_ALIVE, B(&s, 0), buf_used(&s.body[0]), &a, &e),
	    0);
	assert_true(msgpk_eq(a.node, "a"));
	assert_int_equal(a.port, 7946);
	assert_int_equal(serfwire_tags_decode(a.meta.p, a.meta.n, &tags, &e),
			 0);
	assert_int_equal(tags.n, 1);
	assert_true(msgpk_eq(tags.v[0].key, "role"));
	assert_true(msgpk_eq(tags.v[0].value, "web"));
	serfwire_tags_free(&tags);
	assert_int_equal(
	    serfwire_decode(B(&s, 2), buf_used(&s.body[2]), &t, &j, &e), 0);
	assert_int_equal(t, SERFWIRE_JOIN);
	assert_int_equal(j.ltime, 1);
	assert_true(msgpk_eq(j.node, "b"));
	seen_free(&s);
}

static void test_ping_ack_event(void **state)
{
	struct seen s;
	struct mlwire_ping p;
	struct mlwire_ack a;
	struct serfwire_user_event ev;
	enum serfwire_type t;
	struct err e = ERR_INIT;

	open_packet(enc_ping, sizeof(enc_ping), 1, 0, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(
	    mlwire_decode(MLWIRE_PING, B(&s, 0), buf_used(&s.body[0]), &p, &e),
	    0);
	assert_true(msgpk_eq(p.node, "b"));
	assert_true(msgpk_eq(p.source_node, "a"));
	seen_free(&s);
	open_packet(enc_ack, sizeof(enc_ack), 1, 0, &s);
	assert_int_equal(
	    mlwire_decode(MLWIRE_ACK, B(&s, 0), buf_used(&s.body[0]), &a, &e),
	    0);
	assert_int_equal(a.seq, 1);
	assert_int_equal(a.payload.p[0], 1); /* Serf's ping payload version */
	seen_free(&s);
	open_packet(enc_user_event, sizeof(enc_user_event), 1, 0, &s);
	assert_int_equal(s.type[0], MLWIRE_USER);
	assert_int_equal(
	    serfwire_decode(B(&s, 0), buf_used(&s.body[0]), &t, &ev, &e), 0);
	assert_int_equal(t, SERFWIRE_USER_EVENT);
	assert_true(msgpk_eq(ev.name, "deploy"));
	assert_true(msgpk_eq(ev.payload, "v1"));
	assert_true(ev.cc);
	seen_free(&s);
}

static void test_key_query(void **state)
{
	struct seen s;
	struct serfwire_query q;
	struct serfwire_key_request kreq;
	struct mlcrypt_key k2;
	struct buf again = {0};
	enum serfwire_type t;
	struct err e = ERR_INIT;

	open_packet(enc_install_key_query, sizeof(enc_install_key_query), 1, 0,
		    &s);
	assert_int_equal(
	    serfwire_decode(B(&s, 0), buf_used(&s.body[0]), &t, &q, &e), 0);
	assert_int_equal(t, SERFWIRE_QUERY);
	assert_true(msgpk_eq(q.name, "_serf_install-key"));
	assert_int_equal(q.timeout, 3200000000LL);
	assert_int_equal(q.port, 7946);
	assert_int_equal(q.filters.n, 0);
	assert_int_equal(
	    serfwire_decode(q.payload.p, q.payload.n, &t, &kreq, &e), 0);
	assert_int_equal(t, SERFWIRE_KEY_REQUEST);
	assert_int_equal(mlcrypt_key_parse(SERF_KEY2, &k2, &e), 0);
	assert_int_equal(kreq.key.n, 16);
	assert_memory_equal(kreq.key.p, k2.b, 16);
	/* the same bytes back */
	serfwire_encode(SERFWIRE_QUERY, &q, &again);
	assert_int_equal(buf_used(&again), buf_used(&s.body[0]));
	assert_memory_equal(buf_head(&again), B(&s, 0), buf_used(&again));
	serfwire_free(t, &q);
	buf_free(&again);
	seen_free(&s);
}

static void test_key_responses(void **state)
{
	struct seen s;
	struct serfwire_query_response r;
	struct serfwire_key_response kr;
	struct buf again = {0};
	enum serfwire_type t;
	struct err e = ERR_INIT;

	open_packet(enc_key_qresp, sizeof(enc_key_qresp), 1, 0, &s);
	assert_int_equal(
	    serfwire_decode(B(&s, 0), buf_used(&s.body[0]), &t, &r, &e), 0);
	assert_int_equal(t, SERFWIRE_QUERY_RESPONSE);
	assert_true(msgpk_eq(r.from, "a"));
	seen_free(&s);
	/* list-keys arrived sealed with the second key, after `use` */
	open_packet(enc_list_keys_qresp, sizeof(enc_list_keys_qresp), 1, 1, &s);
	assert_int_equal(
	    serfwire_decode(B(&s, 0), buf_used(&s.body[0]), &t, &r, &e), 0);
	assert_int_equal(serfwire_decode(r.payload.p, r.payload.n, &t, &kr, &e),
			 0);
	assert_int_equal(t, SERFWIRE_KEY_RESPONSE);
	assert_true(kr.result);
	assert_int_equal(kr.keys.n, 2);
	assert_true(msgpk_eq(kr.keys.v[0], SERF_KEY2));
	assert_true(msgpk_eq(kr.primary_key, SERF_KEY2));
	serfwire_encode(SERFWIRE_KEY_RESPONSE, &kr, &again);
	assert_int_equal(buf_used(&again), r.payload.n);
	assert_memory_equal(buf_head(&again), r.payload.p, r.payload.n);
	serfwire_free(t, &kr);
	buf_free(&again);
	seen_free(&s);
}

static void test_suspect(void **state)
{
	struct seen s;
	struct mlwire_suspect su;
	struct err e = ERR_INIT;

	open_packet(enc_ping_suspect, sizeof(enc_ping_suspect), 1, 1, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[1], MLWIRE_SUSPECT);
	assert_int_equal(mlwire_decode(MLWIRE_SUSPECT, B(&s, 1),
				       buf_used(&s.body[1]), &su, &e),
			 0);
	assert_true(msgpk_eq(su.node, "b"));
	assert_true(msgpk_eq(su.from, "a"));
	assert_int_equal(su.incarnation, 1);
	seen_free(&s);
}

static void test_plain_query_event(void **state)
{
	struct seen s;
	struct serfwire_query q;
	enum serfwire_type t;
	struct err e = ERR_INIT;

	open_packet(plain_query_event, sizeof(plain_query_event), 0, 0, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(
	    serfwire_decode(B(&s, 0), buf_used(&s.body[0]), &t, &q, &e), 0);
	assert_true(msgpk_eq(q.name, "uptime"));
	assert_int_equal(q.flags, SERFWIRE_QUERY_ACK);
	assert_int_equal(q.timeout, 2000000000LL);
	serfwire_free(t, &q);
	seen_free(&s);
}

/* TCP push/pull: encrypted stream -> compress -> memberlist push/pull ->
 * Serf's state, then Serf's state encoded again byte for byte. */
static void check_pushpull(const uint8_t *body, size_t n, const char *node)
{
	struct mlwire_pushpull pp;
	struct serfwire_pushpull sp;
	struct buf again = {0};
	struct err e = ERR_INIT;

	assert_int_equal(mlwire_pushpull_decode(body, n, &pp, &e), 0);
	assert_true(pp.join);
	assert_int_equal(pp.n_nodes, 1);
	assert_true(msgpk_eq(pp.nodes[0].name, node));
	assert_int_equal(pp.nodes[0].state, MLWIRE_STATE_ALIVE);
	assert_int_equal(
	    serfwire_pushpull_decode(pp.user_state.p, pp.user_state.n, &sp, &e),
	    0);
	assert_int_equal(sp.ltime, 1);
	assert_int_equal(sp.n_status, 1);
	assert_true(msgpk_eq(sp.status[0].name, node));
	assert_int_equal(sp.n_events, 0); /* 512 empty slots */
	assert_int_equal(sp.left_members.n, 0);
	serfwire_pushpull_encode(&sp, &again);
	assert_true(buf_used(&again) < pp.user_state.n); /* nil slots dropped */
	serfwire_pushpull_free(&sp);
	mlwire_pushpull_free(&pp);
	buf_free(&again);
}

static void test_pushpull_streams(void **state)
{
	struct mlcrypt_keyring kr;
	struct buf plain = {0}, inner = {0};
	struct err e = ERR_INIT;
	size_t need;
	const uint8_t *p;

	ring(&kr);
	assert_int_equal(mlcrypt_stream_need(enc_pushpull_stream,
					     sizeof(enc_pushpull_stream),
					     MLWIRE_MAX_PUSH_BYTES, &need, &e),
			 0);
	assert_int_equal(need, sizeof(enc_pushpull_stream));
	assert_int_equal(mlcrypt_stream_open(&kr, enc_pushpull_stream,
					     sizeof(enc_pushpull_stream),
					     &plain, &e),
			 0);
	p = (const uint8_t *)buf_head(&plain);
	assert_int_equal(p[0], MLWIRE_COMPRESS);
	assert_int_equal(
	    mlwire_decompress(p + 1, buf_used(&plain) - 1, &inner, &e), 0);
	p = (const uint8_t *)buf_head(&inner);
	assert_int_equal(p[0], MLWIRE_PUSH_PULL);
	check_pushpull(p + 1, buf_used(&inner) - 1, "b");
	buf_reset(&inner);
	assert_int_equal(plain_pushpull_stream[0], MLWIRE_COMPRESS);
	assert_int_equal(mlwire_decompress(plain_pushpull_stream + 1,
					   sizeof(plain_pushpull_stream) - 1,
					   &inner, &e),
			 0);
	p = (const uint8_t *)buf_head(&inner);
	check_pushpull(p + 1, buf_used(&inner) - 1, "b");
	buf_free(&plain);
	buf_free(&inner);
}

static void test_tags_and_filters(void **state)
{
	struct serfwire_tag in[2] = {{BYTES("role"), BYTES("web")},
				     {BYTES("dc"), BYTES("")}};
	struct serfwire_tags out;
	struct msgpk_bytes names[2] = {BYTES("a"), BYTES("bb")};
	struct serfwire_filter f = {.type = SERFWIRE_FILTER_NODE,
				    .nodes = {names, 2}},
			       g;
	struct buf b = {0};
	struct err e = ERR_INIT;
	const uint8_t bad_tags[] = {0xff, 0x81, 0xa1, 'k', 0x01};

	serfwire_tags_encode(in, 2, &b);
	assert_int_equal(serfwire_tags_decode((uint8_t *)buf_head(&b),
					      buf_used(&b), &out, &e),
			 0);
	assert_int_equal(out.n, 2);
	assert_true(msgpk_eq(out.v[1].key, "dc"));
	serfwire_tags_free(&out);
	assert_int_equal(
	    serfwire_tags_decode((const uint8_t *)"db", 2, &out, &e), 0);
	assert_true(msgpk_eq(out.v[0].key, "role"));
	serfwire_tags_free(&out);
	assert_int_equal(
	    serfwire_tags_decode(bad_tags, sizeof(bad_tags), &out, &e), -1);
	assert_non_null(strstr(e.msg, "tags value"));
	buf_reset(&b);
	serfwire_filter_encode(&f, &b);
	assert_int_equal(
	    serfwire_filter_decode(
		(struct msgpk_bytes){(uint8_t *)buf_head(&b), buf_used(&b)}, &g,
		&e),
	    0);
	assert_int_equal(g.nodes.n, 2);
	assert_true(msgpk_eq(g.nodes.v[1], "bb"));
	serfwire_filter_free(&g);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_join_compound),
	    cmocka_unit_test(test_ping_ack_event),
	    cmocka_unit_test(test_key_query),
	    cmocka_unit_test(test_key_responses),
	    cmocka_unit_test(test_suspect),
	    cmocka_unit_test(test_plain_query_event),
	    cmocka_unit_test(test_pushpull_streams),
	    cmocka_unit_test(test_tags_and_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
