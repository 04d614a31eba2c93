/* simnet.h - a simulated network for the gossip state machines' tests
 * (test_swim.c: net/swim, test_serf.c: net/serf): members in one process
 * on simulated time, a packet or stream arrives 1 ms after it is sent,
 * members can be down and links cut. Driven only through each machine's
 * inputs (recv, stream_in, stream_reply, stream_failed, tick) and its
 * outputs (the send and stream ops below).
 *
 * A template, included once by each test after it defines:
 *   SIM_T          the member type (struct swim, struct serf)
 *   SIM_FN(name)   its function of that name (swim_##name, serf_##name)
 *   SIM_EXTRA      more fields of struct sim the test uses (may be empty)
 *   SIM_SWIM(m)    the struct swim of member m
 * The test writes sim_init (its config, with sim_addr and sim_keyring)
 * and its own ops. */
#ifndef SIMNET_H
#define SIMNET_H

#define MAXM 16

enum ev_kind { EV_PKT, EV_STREAM, EV_REPLY };

struct ev {
	uint64_t at;
	enum ev_kind kind;
	int to, from;
	uint32_t id;
	struct buf data;
};

struct sim {
	uint64_t now;
	int n;
	SIM_T *m[MAXM];
	SIM_EXTRA
	bool down[MAXM];
	bool cut[MAXM][MAXM]; /* no packets from i to j */
	struct ev *q;
	size_t nq, cap;
	int ctx_of[MAXM];
	unsigned user_rx;
	struct mlcrypt_keyring ring[MAXM];
};

static struct sim *S;

static int idx_of(const struct swim_addr *a)
{
	return a->ip[3] - 1;
}

static void push(struct sim *sim, enum ev_kind k, int from, int to, uint32_t id,
		 const uint8_t *p, size_t n)
{
	struct ev e = {sim->now + 1, k, to, from, id, {0}};

	if (to < 0 || to >= sim->n || sim->down[from] || sim->down[to] ||
	    sim->cut[from][to])
		return;
	buf_append(&e.data, p, n);
	if (sim->nq == sim->cap) {
		sim->cap = sim->cap ? 2 * sim->cap : 64;
		sim->q = realloc(sim->q, sim->cap * sizeof(*sim->q));
	}
	sim->q[sim->nq++] = e;
}

static void op_send(void *ctx, const struct swim_addr *to, const uint8_t *p,
		    size_t n)
{
	push(S, EV_PKT, *(int *)ctx, idx_of(to), 0, p, n);
}

static void op_stream(void *ctx, uint32_t id, const struct swim_addr *to,
		      const uint8_t *p, size_t n)
{
	int from = *(int *)ctx, t = idx_of(to);
	size_t before = S->nq;

	push(S, EV_STREAM, from, t, id, p, n);
	if (S->nq == before) /* refused: the connection fails */
		push(S, EV_REPLY, from, from, id, NULL, 0);
}

static void sim_free(struct sim *sim)
{
	for (int i = 0; i < sim->n; i++)
		SIM_FN(free)(sim->m[i]);
	for (size_t i = 0; i < sim->nq; i++)
		buf_free(&sim->q[i].data);
	free(sim->q);
}

static void deliver(struct sim *sim, struct ev *e)
{
	struct swim_addr from = {{127, 0, 0, (uint8_t)(e->from + 1)}, 4, 7946};
	struct err err = ERR_INIT;
	struct buf reply = {0};
	const uint8_t *p =
	    (const uint8_t *)(e->data.data ? buf_head(&e->data) : "");

	if (sim->down[e->to])
		return;
	if (e->kind == EV_PKT) {
		SIM_FN(recv)(sim->m[e->to], &from, p, buf_used(&e->data),
			     sim->now, &err);
	} else if (e->kind == EV_STREAM) {
		if (SIM_FN(stream_in)(sim->m[e->to], p, buf_used(&e->data),
				      &reply, sim->now, &err) < 0 ||
		    buf_used(&reply) == 0) {
			buf_reset(&reply);
		}
		/* the reply goes back to the opener (empty: it failed) */
		push(sim, EV_REPLY, e->to, e->from, e->id,
		     (const uint8_t *)(reply.data ? buf_head(&reply) : ""),
		     buf_used(&reply));
	} else if (buf_used(&e->data) == 0) {
		SIM_FN(stream_failed)(sim->m[e->to], e->id, sim->now);
	} else {
		SIM_FN(stream_reply)(sim->m[e->to], e->id, p,
				     buf_used(&e->data), sim->now, &err);
	}
	buf_free(&reply);
}

/* Run until time t: events in time order, then members' deadlines. */
static void sim_run(struct sim *sim, uint64_t t)
{
	while (sim->now < t) {
		uint64_t next = t;
		ssize_t best = -1;

		for (size_t i = 0; i < sim->nq; i++)
			if (sim->q[i].at <= next) {
				next = sim->q[i].at;
				best = (ssize_t)i;
			}
		for (int i = 0; i < sim->n; i++) {
			uint64_t d = SIM_FN(next_deadline)(sim->m[i]);

			if (!sim->down[i] && d < next) {
				next = d;
				best = -1;
			}
		}
		if (next > sim->now)
			sim->now = next;
		if (best >= 0) {
			struct ev e = sim->q[best];

			sim->q[best] = sim->q[--sim->nq];
			deliver(sim, &e);
			buf_free(&e.data);
			continue;
		}
		for (int i = 0; i < sim->n; i++)
			if (!sim->down[i] &&
			    SIM_FN(next_deadline)(sim->m[i]) <= sim->now)
				SIM_FN(tick)(sim->m[i], sim->now);
	}
}

/* sim emptied for n members, and the one the ops feed. */
static void sim_reset(struct sim *sim, int n)
{
	memset(sim, 0, sizeof(*sim));
	S = sim;
	sim->n = n;
	for (int i = 0; i < n; i++)
		sim->ctx_of[i] = i;
}

/* Member i's address: 127.0.0.(i + 1):7946. */
static struct swim_addr sim_addr(int i)
{
	return (struct swim_addr){{127, 0, 0, (uint8_t)(i + 1)}, 4, 7946};
}

/* Member i's keyring, holding the tests' one key. */
static struct mlcrypt_keyring *sim_keyring(struct sim *sim, int i)
{
	struct mlcrypt_key k;
	struct err e = ERR_INIT;

	assert_int_equal(mlcrypt_key_parse("cg8StVXbQJ0gPvMd9o7yrg==", &k, &e),
			 0);
	mlcrypt_keyring_add(&sim->ring[i], &k, &e);
	return &sim->ring[i];
}

/* who's state as viewer sees it; -1: unknown to viewer */
static int state_at(struct sim *sim, int viewer, int who)
{
	char name[16];
	const struct swim_member *m;

	snprintf(name, sizeof(name), "n%d", who);
	m = swim_find(SIM_SWIM(sim->m[viewer]), name);
	return m ? (int)m->state : -1;
}

static bool all_see(struct sim *sim, int who, enum mlwire_state st)
{
	for (int i = 0; i < sim->n; i++)
		if (!sim->down[i] && i != who &&
		    state_at(sim, i, who) != (int)st)
			return false;
	return true;
}

/* Every member joins member 0; after 3 s all see all alive. */
static void form(struct sim *sim)
{
	for (int i = 1; i < sim->n; i++) {
		struct swim_addr a0 = sim_addr(0);

		SIM_FN(join)(sim->m[i], &a0, sim->now);
	}
	sim_run(sim, sim->now + 3000);
	for (int i = 0; i < sim->n; i++)
		assert_true(all_see(sim, i, MLWIRE_STATE_ALIVE));
}

#endif
