/* test_serf.c - net/serf.c: Serf's layer (intents, user events,
 * queries, the keyring) over the SWIM state machine, with members in one
 * process on simulated time and a simulated network, as test_swim.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../net/serf.h"

#define SIM_T struct serf
#define SIM_FN(name) serf_##name
#define SIM_EXTRA                                                         \
	unsigned events[MAXM][16];                                         \
	bool answer;
#define SIM_SWIM(m) serf_swim(m)
#include "simnet.h"

static void op_event(void *ctx, const struct serf_event *ev)
{
	int me = *(int *)ctx;

	S->events[me][ev->kind]++;
	if (ev->kind == SERF_QUERY && S->answer) {
		struct err e = ERR_INIT;
		char ans[16];

		snprintf(ans, sizeof(ans), "up-n%d", me);
		assert_int_equal(serf_respond(S->m[me], ev->ltime, ev->query_id,
					      (const uint8_t *)ans, strlen(ans),
					      S->now, &e),
				 0);
	}
}

static const struct serf_ops ops = {
    .send = op_send,
    .stream = op_stream,
    .event = op_event,
};

static void sim_init(struct sim *sim, int n, const struct swim_profile *pr,
		     bool keys)
{
	sim_reset(sim, n);
	for (int i = 0; i < n; i++) {
		struct serf_config c = {0};
		struct serfwire_tag tag[1];
		char name[16], role[16];

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(role, sizeof(role), i % 2 ? "db" : "web");
		tag[0].key = (struct msgpk_bytes){(const uint8_t *)"role", 4};
		tag[0].value = (struct msgpk_bytes){(const uint8_t *)role,
						    (uint32_t)strlen(role)};
		c.name = name;
		c.addr = sim_addr(i);
		c.tags = tag;
		c.n_tags = 1;
		c.profile = *pr;
		c.seed = 1000 + (uint64_t)i;
		c.ops = &ops;
		c.ctx = &sim->ctx_of[i];
		if (keys)
			c.keys = sim_keyring(sim, i);
		sim->m[i] = serf_new(&c, 0);
	}
}

static void test_status_and_tags(void **state)
{
	struct sim sim;
	const struct swim_member *m;
	struct serfwire_tags t;
	struct err e = ERR_INIT;

	sim_init(&sim, 4, &swim_lan, true);
	form(&sim);
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    serf_member_status(
			sim.m[0], (const char *[]){"n0", "n1", "n2", "n3"}[i]),
		    SERF_ALIVE);
	m = swim_find(serf_swim(sim.m[2]), "n1");
	assert_int_equal(serfwire_tags_decode(m->meta, m->meta_len, &t, &e), 0);
	assert_true(msgpk_eq(t.v[0].value, "db"));
	serfwire_tags_free(&t);
	assert_int_equal(sim.events[3][SERF_MEMBER_JOIN], 4);
	sim_free(&sim);
}

static void test_user_event_once(void **state)
{
	struct sim sim;
	struct err e = ERR_INIT;

	sim_init(&sim, 5, &swim_lan, false);
	form(&sim);
	assert_int_equal(serf_user_event(sim.m[0], "deploy",
					 (const uint8_t *)"v1", 2, true,
					 sim.now, &e),
			 0);
	sim_run(&sim, sim.now + 5000);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sim.events[i][SERF_USER], 1);
	sim_free(&sim);
}

static void test_query_acks_and_responses(void **state)
{
	struct sim sim;
	struct err e = ERR_INIT;
	uint32_t id;
	const char *only[] = {"n2"};

	sim_init(&sim, 4, &swim_lan, true);
	form(&sim);
	sim.answer = true;
	assert_int_equal(serf_query(sim.m[0], "uptime", (const uint8_t *)"x", 1,
				    NULL, 0, NULL, NULL, 0, true, sim.now, &id,
				    &e),
			 0);
	sim_run(&sim, sim.now + 3000);
	assert_int_equal(sim.events[0][SERF_QUERY_ACK], 4);
	assert_int_equal(sim.events[0][SERF_QUERY_RESPONSE], 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(sim.events[i][SERF_QUERY], 1);
	/* a node filter: only n2 answers; a tag filter: role=db (n1, n3) */
	assert_int_equal(serf_query(sim.m[0], "who", NULL, 0, only, 1, NULL,
				    NULL, 0, false, sim.now, &id, &e),
			 0);
	sim_run(&sim, sim.now + 3000);
	assert_int_equal(sim.events[0][SERF_QUERY_RESPONSE], 5);
	assert_int_equal(sim.events[2][SERF_QUERY], 2);
	assert_int_equal(sim.events[1][SERF_QUERY], 1);
	assert_int_equal(serf_query(sim.m[0], "db?", NULL, 0, NULL, 0, "role",
				    "^d", 0, false, sim.now, &id, &e),
			 0);
	sim_run(&sim, sim.now + 3000);
	assert_int_equal(sim.events[0][SERF_QUERY_RESPONSE], 7);
	assert_int_equal(sim.events[1][SERF_QUERY], 2);
	assert_int_equal(sim.events[2][SERF_QUERY], 2);
	sim_free(&sim);
}

/* Key rotation as `serf keys -install/-use/-remove` runs it. */
static void test_key_rotation(void **state)
{
	struct sim sim;
	struct err e = ERR_INIT;
	struct mlcrypt_key k2;
	uint32_t id;

	sim_init(&sim, 4, &swim_lan, true);
	form(&sim);
	assert_int_equal(mlcrypt_key_parse("HvY8ubRZMgafUOWvrOadwQ==", &k2, &e),
			 0);
	assert_int_equal(serf_key_query(sim.m[1], "install-key",
					"HvY8ubRZMgafUOWvrOadwQ==", sim.now,
					&id, &e),
			 0);
	sim_run(&sim, sim.now + 4000);
	for (int i = 0; i < 4; i++)
		assert_int_equal(serf_keyring(sim.m[i])->n, 2);
	assert_int_equal(serf_key_query(sim.m[1], "use-key",
					"HvY8ubRZMgafUOWvrOadwQ==", sim.now,
					&id, &e),
			 0);
	sim_run(&sim, sim.now + 4000);
	for (int i = 0; i < 4; i++)
		assert_memory_equal(serf_keyring(sim.m[i])->keys[0].b, k2.b,
				    16);
	assert_int_equal(serf_key_query(sim.m[1], "remove-key",
					"cg8StVXbQJ0gPvMd9o7yrg==", sim.now,
					&id, &e),
			 0);
	sim_run(&sim, sim.now + 4000);
	for (int i = 0; i < 4; i++)
		assert_int_equal(serf_keyring(sim.m[i])->n, 1);
	/* still one cluster on the new key */
	sim_run(&sim, sim.now + 10000);
	for (int i = 0; i < 4; i++)
		assert_true(all_see(&sim, i, MLWIRE_STATE_ALIVE));
	assert_int_equal(
	    serf_key_query(sim.m[1], "install-key", "bad", sim.now, &id, &e),
	    -1);
	sim_free(&sim);
}

static void test_left_and_failed(void **state)
{
	struct sim sim;

	sim_init(&sim, 5, &swim_lan, false);
	form(&sim);
	serf_leave(sim.m[4], sim.now);
	sim_run(&sim, sim.now + 4000);
	assert_true(serf_left(sim.m[4]));
	for (int i = 0; i < 4; i++)
		assert_int_equal(serf_member_status(sim.m[i], "n4"), SERF_LEFT);
	sim.down[3] = true;
	sim_run(&sim, sim.now + 20000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(serf_member_status(sim.m[i], "n3"),
				 SERF_FAILED);
	assert_int_equal(sim.events[0][SERF_MEMBER_FAILED], 1);
	assert_int_equal(sim.events[0][SERF_MEMBER_LEAVE], 1);
	sim_free(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_and_tags),
	    cmocka_unit_test(test_user_event_once),
	    cmocka_unit_test(test_query_acks_and_responses),
	    cmocka_unit_test(test_key_rotation),
	    cmocka_unit_test(test_left_and_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
