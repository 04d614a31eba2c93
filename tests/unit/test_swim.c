/* test_swim.c - net/swim.c: SWIM + Lifeguard members in one process on
 * simulated time and a simulated network (1 ms latency, members that
 * can be killed or cut off), driven only through the state machine's
 * inputs and outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../net/swim_int.h" /* white box: suspicion timers */

#define SIM_T struct swim
#define SIM_FN(name) swim_##name
#define SIM_EXTRA
#define SIM_SWIM(m) (m)
#include "simnet.h"

static void op_user(void *ctx, const uint8_t *p, size_t n)
{
	S->user_rx++;
}

static const struct swim_ops ops = {
    .send = op_send,
    .stream = op_stream,
    .user_msg = op_user,
};

static void sim_init(struct sim *sim, int n, const struct swim_profile *pr,
		     bool keys)
{
	sim_reset(sim, n);
	for (int i = 0; i < n; i++) {
		struct swim_config c = {0};
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		c.name = name;
		c.addr = sim_addr(i);
		c.profile = *pr;
		c.udp_buffer = 1400;
		c.compress = true;
		c.seed = 1000 + (uint64_t)i;
		c.ops = &ops;
		c.ctx = &sim->ctx_of[i];
		if (keys)
			c.keyring = sim_keyring(sim, i);
		sim->m[i] = swim_new(&c, 0);
	}
}

static void test_formation(void **state)
{
	struct sim sim;
	const struct swim_member *ms[MAXM];

	sim_init(&sim, 5, &swim_lan, false);
	form(&sim);
	assert_int_equal(swim_members(sim.m[4], ms, MAXM), 5);
	sim_free(&sim);
}

/* A member killed -9 is suspected, and with others' confirmations
 * (Lifeguard) declared dead well before the 6x maximum timeout. */
static void test_failure_detection(void **state)
{
	struct sim sim;
	uint64_t killed;

	sim_init(&sim, 5, &swim_lan, false);
	form(&sim);
	killed = sim.now;
	sim.down[4] = true;
	while (!all_see(&sim, 4, MLWIRE_STATE_DEAD) && sim.now < killed + 60000)
		sim_run(&sim, sim.now + 100);
	assert_true(all_see(&sim, 4, MLWIRE_STATE_DEAD));
	/* suspicion min is 4 s (4 x 1 s x max(1, log10 5)), max 24 s */
	assert_true(sim.now - killed >= 4000);
	assert_true(sim.now - killed < 15000);
	fprintf(stderr, "# dead seen by all after %llu ms\n",
		(unsigned long long)(sim.now - killed));
	sim_free(&sim);
}

/* Cut off briefly, a member is suspected, hears of it when the network
 * heals, and refutes with a higher incarnation: alive everywhere. */
static void test_refutation(void **state)
{
	struct sim sim;
	const struct swim_member *m;

	sim_init(&sim, 4, &swim_lan, false);
	form(&sim);
	for (int i = 0; i < 4; i++)
		sim.cut[i][3] = sim.cut[3][i] = true;
	for (int i = 0;
	     i < 40 && !(state_at(&sim, 0, 3) == MLWIRE_STATE_SUSPECT); i++)
		sim_run(&sim, sim.now + 100);
	assert_int_equal(state_at(&sim, 0, 3), MLWIRE_STATE_SUSPECT);
	memset(sim.cut, 0, sizeof(sim.cut));
	sim_run(&sim, sim.now + 3000);
	assert_true(all_see(&sim, 3, MLWIRE_STATE_ALIVE));
	m = swim_find(sim.m[0], "n3");
	assert_true(m->incarnation > 1);
	assert_true(swim_stats(sim.m[3])->refutes >= 1);
	sim_free(&sim);
}

static void test_leave(void **state)
{
	struct sim sim;

	sim_init(&sim, 4, &swim_lan, false);
	form(&sim);
	swim_leave(sim.m[3], sim.now);
	sim_run(&sim, sim.now + 2000);
	assert_true(all_see(&sim, 3, MLWIRE_STATE_LEFT));
	/* and forgotten after the gossip-to-the-dead time */
	sim.down[3] = true;
	sim_run(&sim, sim.now + 40000);
	assert_int_equal(state_at(&sim, 0, 3), -1);
	sim_free(&sim);
}

/* A member that hears nothing (its inbound cut) misses acks and nacks:
 * Lifeguard's health score rises and slows its probing. */
static void test_local_health(void **state)
{
	struct sim sim;

	sim_init(&sim, 5, &swim_lan, false);
	form(&sim);
	assert_int_equal(swim_health(sim.m[0]), 0);
	for (int i = 1; i < 5; i++)
		sim.cut[i][0] = true;
	sim_run(&sim, sim.now + 5000);
	assert_true(swim_health(sim.m[0]) >= 3);
	memset(sim.cut, 0, sizeof(sim.cut));
	sim_run(&sim, sim.now + 60000);
	assert_true(swim_health(sim.m[0]) < 3);
	sim_free(&sim);
}

/* A user broadcast goes out exactly retransmit-limit times
 * (4 x ceil(log10(5 + 1)) = 4), piggybacked on gossip. */
static void test_broadcast_limit(void **state)
{
	struct sim sim;

	sim_init(&sim, 5, &swim_lan, false);
	form(&sim);
	sim.user_rx = 0;
	swim_broadcast_user(sim.m[0], (const uint8_t *)"\x03hello", 6);
	sim_run(&sim, sim.now + 10000);
	assert_int_equal(sim.user_rx, 4);
	sim_free(&sim);
}

static void test_encrypted_and_wrong_key(void **state)
{
	struct sim sim;
	struct mlcrypt_key other;
	struct err e = ERR_INIT;
	struct swim_addr a0 = {{127, 0, 0, 1}, 4, 7946};

	sim_init(&sim, 4, &swim_lan, true);
	/* member 3 has another key */
	assert_int_equal(
	    mlcrypt_key_parse("HvY8ubRZMgafUOWvrOadwQ==", &other, &e), 0);
	sim.ring[3] = (struct mlcrypt_keyring){0};
	mlcrypt_keyring_add(&sim.ring[3], &other, &e);
	for (int i = 1; i < 4; i++)
		swim_join(sim.m[i], &a0, sim.now);
	sim_run(&sim, sim.now + 5000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(state_at(&sim, 0, i), MLWIRE_STATE_ALIVE);
	assert_int_equal(state_at(&sim, 0, 3), -1);
	assert_int_equal(state_at(&sim, 3, 0), -1);
	sim_free(&sim);
}

static struct msgpk_bytes nm(const char *s)
{
	return (struct msgpk_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

/* Lifeguard's suspicion: k = mult - 2 = 2 confirmations wanted in a
 * cluster of 6; the timeout starts at max (6 x min) and falls to min
 * (4 x 1 s x max(1, log10 6)) as independent suspicions arrive. */
static void test_suspicion_confirmations(void **state)
{
	struct sim sim;
	struct swim_node *nd;
	struct mlwire_suspect m = {0};
	uint64_t t0;

	sim_init(&sim, 6, &swim_lan, false);
	form(&sim);
	t0 = sim.now;
	m.incarnation = 1;
	m.node = nm("n5");
	m.from = nm("n1");
	swim_suspect(sim.m[0], &m, t0);
	nd = swim_lookup(sim.m[0], (const uint8_t *)"n5", 2);
	assert_int_equal(nd->m.state, MLWIRE_STATE_SUSPECT);
	assert_int_equal(nd->susp_k, 2);
	assert_int_equal(nd->susp_min, 4000);
	assert_int_equal(nd->susp_deadline - t0, 24000);
	swim_suspect(sim.m[0], &m, t0 + 10); /* the same accuser: no change */
	assert_int_equal(nd->susp_deadline - t0, 24000);
	m.from = nm("n2");
	swim_suspect(sim.m[0], &m, t0 + 10);
	/* 24 - log(2)/log(3) x (24 - 4) s */
	assert_int_equal(nd->susp_deadline - t0, 11381);
	m.from = nm("n3");
	swim_suspect(sim.m[0], &m, t0 + 20);
	assert_int_equal(nd->susp_deadline - t0, 4000);
	sim_free(&sim);
}

/* With a health score of s a probe may take (s + 1) probe intervals. */
static void test_health_scales_probe(void **state)
{
	struct sim sim;
	struct swim *w;

	sim_init(&sim, 3, &swim_lan, false);
	form(&sim);
	w = sim.m[0];
	w->awareness = 3;
	w->probe.end_at = 0;
	w->next_probe = sim.now;
	swim_tick(w, sim.now);
	assert_true(w->probe.active);
	assert_int_equal(w->probe.end_at - sim.now, 4000);
	sim_free(&sim);
}

/* A join is a push/pull: the joiner knows every member from the reply,
 * before any gossip. */
static void test_join_pushpull(void **state)
{
	struct sim sim;
	struct swim_addr a1 = {{127, 0, 0, 2}, 4, 7946};

	sim_init(&sim, 4, &swim_lan, false);
	sim.down[3] = true;
	for (int i = 1; i < 3; i++) {
		struct swim_addr a0 = {{127, 0, 0, 1}, 4, 7946};

		swim_join(sim.m[i], &a0, sim.now);
	}
	sim_run(&sim, 3000);
	sim.down[3] = false;
	swim_join(sim.m[3], &a1, sim.now);
	sim_run(&sim, sim.now + 3); /* stream there and back: 2 ms */
	for (int i = 0; i < 3; i++)
		assert_int_equal(state_at(&sim, 3, i), MLWIRE_STATE_ALIVE);
	assert_int_equal(state_at(&sim, 1, 3), MLWIRE_STATE_ALIVE);
	sim_free(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formation),
	    cmocka_unit_test(test_failure_detection),
	    cmocka_unit_test(test_refutation),
	    cmocka_unit_test(test_leave),
	    cmocka_unit_test(test_local_health),
	    cmocka_unit_test(test_broadcast_limit),
	    cmocka_unit_test(test_encrypted_and_wrong_key),
	    cmocka_unit_test(test_suspicion_confirmations),
	    cmocka_unit_test(test_health_scales_probe),
	    cmocka_unit_test(test_join_pushpull),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
