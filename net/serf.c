/* serf.c - Serf's layer over net/swim (serf.h), after hashicorp/serf's
 * serf.go, delegate.go and internal_query.go.
 *
 * Owns the struct swim, the keyring it seals with, the member status
 * table, the event and query de-duplication rings, and the queries in
 * flight both ways. */
#include "serf.h"
#include "../core/base/xalloc.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define SERF_RING 512
#define SERF_SLOT 8
#define SERF_BROADCAST_TIMEOUT 5000
#define SERF_LEAVE_PROPAGATE 1000

struct serf_mstate {
	char *name;
	enum serf_status status;
	uint64_t status_ltime;
};

struct serf_eslot {
	uint64_t ltime;
	size_t n;
	struct buf ev[SERF_SLOT]; /* name NUL payload, to compare */
};

struct serf_qslot {
	uint64_t ltime;
	size_t n;
	uint32_t ids[SERF_SLOT];
};

/* A query in flight: ours (responses expected) or theirs (we may
 * answer). */
struct serf_q {
	uint64_t ltime, deadline;
	uint32_t id;
	bool ours;
	struct swim_addr reply_to;
};

struct serf {
	struct serf_config cfg; /* name owned */
	struct swim *swim;
	struct mlcrypt_keyring ring;
	uint64_t clock, eclock, qclock;
	struct serf_mstate *ms;
	size_t n_ms;
	struct serf_eslot ebuf[SERF_RING];
	struct serf_qslot qbuf[SERF_RING];
	struct serf_q *qs;
	size_t n_qs;
	uint64_t leave_at, left_at;
	bool leaving, left;
	struct buf meta;
	uint64_t rng;
	uint64_t now; /* of the input being handled */
};

/* Lamport clocks as Serf's: witnessing v moves the clock past it. */
static void witness(uint64_t *clock, uint64_t v)
{
	if (v >= *clock)
		*clock = v + 1;
}

static struct msgpk_bytes B(const char *s) {
	return (struct msgpk_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static const uint8_t *
head(const struct buf *b)
{
	return b->data ? (const uint8_t *)b->data + b->off
		       : (const uint8_t *)"";
}

static void emit(struct serf *s, const struct serf_event *ev)
{
	if (s->cfg.ops->event)
		s->cfg.ops->event(s->cfg.ctx, ev);
}

static struct serf_mstate *ms_find(const struct serf *s, struct msgpk_bytes n)
{
	for (size_t i = 0; i < s->n_ms; i++)
		if (msgpk_eq(n, s->ms[i].name))
			return &s->ms[i];
	return NULL;
}

static struct serf_mstate *ms_add(struct serf *s, const char *name)
{
	struct serf_mstate *m;

	s->ms = xrealloc(s->ms, s->n_ms + 1, sizeof(*s->ms));
	m = &s->ms[s->n_ms++];
	m->name = xstrdup(name);
	m->status = SERF_ALIVE;
	m->status_ltime = 0;
	return m;
}

static void broadcast(struct serf *s, enum serfwire_type t, const void *msg)
{
	struct buf b = {0};

	serfwire_encode(t, msg, &b);
	swim_broadcast_user(s->swim, head(&b), buf_used(&b));
	buf_free(&b);
}

/* ---- join and leave intents ---- */

static bool join_intent(struct serf *s, const struct serfwire_join *j)
{
	struct serf_mstate *m;

	witness(&s->clock, j->ltime);
	m = ms_find(s, j->node);
	if (!m || j->ltime <= m->status_ltime)
		return false;
	m->status_ltime = j->ltime;
	if (m->status == SERF_LEAVING)
		m->status = SERF_ALIVE;
	return true;
}

static bool leave_intent(struct serf *s, const struct serfwire_leave *l)
{
	struct serf_mstate *m;

	witness(&s->clock, l->ltime);
	m = ms_find(s, l->node);
	if (!m || l->ltime <= m->status_ltime)
		return false;
	if (msgpk_eq(l->node, s->cfg.name) && !s->leaving) {
		struct serfwire_join j = {s->clock, B(s->cfg.name)};

		broadcast(s, SERFWIRE_JOIN, &j); /* refute: we stay */
		return false;
	}
	m->status_ltime = l->ltime;
	if (m->status == SERF_ALIVE) {
		m->status = SERF_LEAVING;
	} else if (m->status == SERF_FAILED) {
		struct serf_event ev = {.kind = SERF_MEMBER_LEAVE,
					.member = swim_find(s->swim, m->name),
					.status = SERF_LEFT};

		m->status = SERF_LEFT;
		if (ev.member)
			emit(s, &ev);
	}
	return true;
}

/* ---- user events ---- */

static bool user_event(struct serf *s, const struct serfwire_user_event *u)
{
	struct serf_eslot *slot = &s->ebuf[u->ltime % SERF_RING];
	struct serf_event ev = {.kind = SERF_USER,
				.ltime = u->ltime,
				.name = u->name,
				.payload = u->payload,
				.coalesce = u->cc};
	struct buf key = {0};
	uint8_t nul = 0;

	witness(&s->eclock, u->ltime);
	if (s->eclock > SERF_RING && u->ltime < s->eclock - SERF_RING)
		return false;
	buf_append(&key, u->name.p ? u->name.p : &nul, u->name.n);
	buf_append(&key, &nul, 1);
	if (u->payload.n)
		buf_append(&key, u->payload.p, u->payload.n);
	if (slot->ltime != u->ltime || slot->n == 0) {
		for (size_t i = 0; i < slot->n; i++)
			buf_free(&slot->ev[i]);
		slot->ltime = u->ltime;
		slot->n = 0;
	}
	for (size_t i = 0; i < slot->n; i++)
		if (buf_used(&slot->ev[i]) == buf_used(&key) &&
		    memcmp(head(&slot->ev[i]), head(&key), buf_used(&key)) ==
			0) {
			buf_free(&key);
			return false;
		}
	if (slot->n == SERF_SLOT) {
		buf_free(&key);
		return false;
	}
	slot->ev[slot->n++] = key;
	emit(s, &ev);
	return true;
}

int serf_user_event(struct serf *s, const char *name, const uint8_t *payload,
		    size_t n, bool coalesce, uint64_t now, struct err *e)
{
	struct serfwire_user_event u = {
	    s->eclock++, B(name), {payload, (uint32_t)n}, coalesce};

	if (strlen(name) + n > 512)
		return err_setc(e, ERR_TOO_LARGE,
				"user event: name and payload over 512 bytes");
	user_event(s, &u);
	broadcast(s, SERFWIRE_USER_EVENT, &u);
	return 0;
}

/* ---- queries ---- */

static struct serf_q *q_find(struct serf *s, uint64_t ltime, uint32_t id,
			     bool ours)
{
	for (size_t i = 0; i < s->n_qs; i++)
		if (s->qs[i].ltime == ltime && s->qs[i].id == id &&
		    s->qs[i].ours == ours)
			return &s->qs[i];
	return NULL;
}

static void q_add(struct serf *s, const struct serf_q *q)
{
	s->qs = xrealloc(s->qs, s->n_qs + 1, sizeof(*s->qs));
	s->qs[s->n_qs++] = *q;
}

/* Serf's DefaultQueryTimeout: gossip interval x 16 x ceil(log10(n+1)). */
static uint64_t default_timeout(struct serf *s)
{
	const struct swim_member *m[1];
	size_t n = swim_members(s->swim, m, 0);

	return (uint64_t)s->cfg.profile.gossip_interval * 16u *
	       (uint64_t)ceil(log10((double)n + 1.0));
}

static bool tag_matches(struct serf *s, const struct serfwire_filter *f)
{
	const struct swim_member *me = swim_find(s->swim, s->cfg.name);
	struct serfwire_tags t;
	struct err e = ERR_INIT;
	char *tag = msgpk_strdup(f->tag), *expr = msgpk_strdup(f->expr);
	bool hit = false;
	regex_t re;

	if (tag && expr && me &&
	    serfwire_tags_decode(me->meta, me->meta_len, &t, &e) == 0) {
		if (regcomp(&re, expr, REG_EXTENDED | REG_NOSUB) == 0) {
			for (uint32_t i = 0; i < t.n; i++) {
				char *v;

				if (!msgpk_eq(t.v[i].key, tag))
					continue;
				v = msgpk_strdup(t.v[i].value);
				hit = v && regexec(&re, v, 0, NULL, 0) == 0;
				free(v);
			}
			regfree(&re);
		}
		serfwire_tags_free(&t);
	}
	free(tag);
	free(expr);
	return hit;
}

/* Serf's shouldProcessQuery: every filter must let us in. */
static bool filters_pass(struct serf *s, const struct msgpk_list *fl)
{
	for (uint32_t i = 0; i < fl->n; i++) {
		struct serfwire_filter f;
		struct err e = ERR_INIT;
		bool in = false;

		if (serfwire_filter_decode(fl->v[i], &f, &e) < 0)
			return false;
		if (f.type == SERFWIRE_FILTER_NODE) {
			for (uint32_t k = 0; k < f.nodes.n; k++)
				in |= msgpk_eq(f.nodes.v[k], s->cfg.name);
		} else {
			in = tag_matches(s, &f);
		}
		serfwire_filter_free(&f);
		if (!in)
			return false;
	}
	return true;
}

static void send_response(struct serf *s, const struct swim_addr *to,
			  const struct serfwire_query_response *r)
{
	struct buf b = {0};

	serfwire_encode(SERFWIRE_QUERY_RESPONSE, r, &b);
	swim_send_user(s->swim, to, head(&b), buf_used(&b));
	buf_free(&b);
}

static void key_op(struct serf *s, const char *op, const struct msgpk_bytes key,
		   struct serfwire_key_response *r, struct msgpk_bytes *keys,
		   char (*b64)[48], char *why)
{
	struct mlcrypt_key k = {.len = (uint8_t)(key.n <= 32 ? key.n : 0)};
	struct err e = ERR_INIT;
	int rc = 0;

	r->result = true;
	if (!strcmp(op, "list-keys")) {
		for (size_t i = 0; i < s->ring.n; i++) {
			mlcrypt_key_format(&s->ring.keys[i], b64[i]);
			keys[i] = B(b64[i]);
		}
		r->keys = (struct msgpk_list){keys, (uint32_t)s->ring.n};
		if (s->ring.n)
			r->primary_key = keys[0];
		return;
	}
	if (k.len)
		memcpy(k.b, key.p, k.len);
	if (mlcrypt_key_check(key.p, key.n, &e) < 0)
		rc = -1;
	else if (!strcmp(op, "install-key"))
		rc = mlcrypt_keyring_add(&s->ring, &k, &e);
	else if (!strcmp(op, "use-key"))
		rc = mlcrypt_keyring_use(&s->ring, &k, &e);
	else if (!strcmp(op, "remove-key"))
		rc = mlcrypt_keyring_remove(&s->ring, &k, &e);
	if (rc < 0) {
		r->result = false;
		snprintf(why, 512, "%s", e.msg);
		r->message = B(why);
	}
}

/* The internal queries Serf answers itself: the keyring and ping. */
static void internal_query(struct serf *s, const struct serfwire_query *q,
			   const struct swim_addr *to)
{
	char op[32], b64[MLCRYPT_MAX_KEYS][48], why[512];
	struct msgpk_bytes keys[MLCRYPT_MAX_KEYS];
	struct serfwire_key_response kr = {0};
	struct serfwire_key_request req = {0};
	struct serfwire_query_response r = {
	    q->ltime, q->id, B(s->cfg.name), 0, {NULL, 0}};
	struct buf payload = {0};
	enum serfwire_type t;
	struct err e = ERR_INIT;
	size_t plen = strlen(SERFWIRE_INTERNAL_PREFIX);

	if (q->name.n - plen >= sizeof(op))
		return;
	memcpy(op, q->name.p + plen, q->name.n - plen);
	op[q->name.n - plen] = 0;
	if (strcmp(op, "ping") != 0) {
		if (q->payload.n == 0 ||
		    serfwire_decode(q->payload.p, q->payload.n, &t, &req, &e) <
			0 ||
		    t != SERFWIRE_KEY_REQUEST)
			return;
		key_op(s, op, req.key, &kr, keys, b64, why);
		serfwire_encode(SERFWIRE_KEY_RESPONSE, &kr, &payload);
		r.payload = (struct msgpk_bytes){head(&payload),
						 (uint32_t)buf_used(&payload)};
	}
	send_response(s, to, &r);
	buf_free(&payload);
}

static bool query_seen(struct serf *s, const struct serfwire_query *q)
{
	struct serf_qslot *slot = &s->qbuf[q->ltime % SERF_RING];

	if (slot->ltime != q->ltime) {
		slot->ltime = q->ltime;
		slot->n = 0;
	}
	for (size_t i = 0; i < slot->n; i++)
		if (slot->ids[i] == q->id)
			return true;
	if (slot->n < SERF_SLOT)
		slot->ids[slot->n++] = q->id;
	return false;
}

static bool query_in(struct serf *s, const struct serfwire_query *q,
		     uint64_t now)
{
	struct swim_addr to = {.len = (uint8_t)q->addr.n, .port = q->port};
	bool rebroadcast = !(q->flags & SERFWIRE_QUERY_NO_BROADCAST);
	struct serf_q rq = {q->ltime, 0, q->id, false, {{0}, 0, 0}};

	witness(&s->qclock, q->ltime);
	if (s->qclock > SERF_RING && q->ltime < s->qclock - SERF_RING)
		return false;
	if (query_seen(s, q))
		return false;
	if ((q->addr.n != 4 && q->addr.n != 16) ||
	    !filters_pass(s, &q->filters))
		return rebroadcast;
	memcpy(to.ip, q->addr.p, q->addr.n);
	if (q->flags & SERFWIRE_QUERY_ACK) {
		struct serfwire_query_response ack = {q->ltime,
						      q->id,
						      B(s->cfg.name),
						      SERFWIRE_QUERY_ACK,
						      {NULL, 0}};

		send_response(s, &to, &ack);
	}
	if (q->name.n > strlen(SERFWIRE_INTERNAL_PREFIX) &&
	    memcmp(q->name.p, SERFWIRE_INTERNAL_PREFIX,
		   strlen(SERFWIRE_INTERNAL_PREFIX)) == 0) {
		internal_query(s, q, &to);
		return rebroadcast;
	}
	rq.reply_to = to;
	rq.deadline =
	    now + (uint64_t)(q->timeout > 0 ? q->timeout / 1000000 : 0);
	q_add(s, &rq);
	{
		struct serf_event ev = {.kind = SERF_QUERY,
					.ltime = q->ltime,
					.name = q->name,
					.payload = q->payload,
					.query_id = q->id};

		emit(s, &ev);
	}
	return rebroadcast;
}

static void response_in(struct serf *s, const struct serfwire_query_response *r)
{
	struct serf_q *q = q_find(s, r->ltime, r->id, true);
	struct serf_event ev = {.ltime = r->ltime,
				.query_id = r->id,
				.from = r->from,
				.payload = r->payload};

	if (!q)
		return;
	ev.kind = (r->flags & SERFWIRE_QUERY_ACK) ? SERF_QUERY_ACK
						  : SERF_QUERY_RESPONSE;
	emit(s, &ev);
}

static void filters_build(const char *const *nodes, size_t n_nodes,
			  const char *tag, const char *expr,
			  struct msgpk_list *out, struct buf *store)
{
	struct msgpk_bytes names[64];
	struct serfwire_filter f = {0};
	size_t off[2], len[2], k = 0;

	if (n_nodes) {
		for (size_t i = 0; i < n_nodes && i < 64; i++)
			names[i] = B(nodes[i]);
		f.type = SERFWIRE_FILTER_NODE;
		f.nodes = (struct msgpk_list){
		    names, (uint32_t)(n_nodes < 64 ? n_nodes : 64)};
		off[k] = buf_used(store);
		serfwire_filter_encode(&f, store);
		len[k] = buf_used(store) - off[k];
		k++;
	}
	if (tag && expr) {
		f = (struct serfwire_filter){.type = SERFWIRE_FILTER_TAG,
					     .tag = B(tag),
					     .expr = B(expr)};
		off[k] = buf_used(store);
		serfwire_filter_encode(&f, store);
		len[k] = buf_used(store) - off[k];
		k++;
	}
	out->v = xcalloc(k + 1, sizeof(*out->v));
	for (size_t i = 0; i < k; i++)
		out->v[i] = (struct msgpk_bytes){head(store) + off[i],
						 (uint32_t)len[i]};
	out->n = (uint32_t)k;
}

static uint32_t rand32(struct serf *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

static bool message_in(struct serf *s, const uint8_t *msg, size_t n,
		       uint64_t now);

int serf_query(struct serf *s, const char *name, const uint8_t *payload,
	       size_t n, const char *const *filter_nodes, size_t n_nodes,
	       const char *tag, const char *tag_expr, uint64_t timeout_ms,
	       bool ack, uint64_t now, uint32_t *id, struct err *e)
{
	struct serfwire_query q = {0};
	struct serf_q mine = {0};
	struct buf fstore = {0}, msg = {0};

	if (strlen(name) + n > 1024)
		return err_setc(e, ERR_TOO_LARGE,
				"query: name and payload over 1024 bytes");
	if (!timeout_ms)
		timeout_ms = default_timeout(s);
	q.ltime = s->qclock++;
	q.id = rand32(s);
	q.addr = (struct msgpk_bytes){s->cfg.addr.ip, s->cfg.addr.len};
	q.port = s->cfg.addr.port;
	q.source_node = B(s->cfg.name);
	filters_build(filter_nodes, n_nodes, tag, tag_expr, &q.filters,
		      &fstore);
	q.flags = ack ? SERFWIRE_QUERY_ACK : 0;
	q.timeout = (int64_t)timeout_ms * 1000000;
	q.name = B(name);
	q.payload = (struct msgpk_bytes){payload, (uint32_t)n};
	mine =
	    (struct serf_q){q.ltime, now + timeout_ms, q.id, true, {{0}, 0, 0}};
	q_add(s, &mine);
	serfwire_encode(SERFWIRE_QUERY, &q, &msg);
	message_in(s, head(&msg), buf_used(&msg), now); /* we answer too */
	swim_broadcast_user(s->swim, head(&msg), buf_used(&msg));
	free(q.filters.v);
	buf_free(&fstore);
	buf_free(&msg);
	*id = q.id;
	return 0;
}

int serf_respond(struct serf *s, uint64_t ltime, uint32_t id,
		 const uint8_t *payload, size_t n, uint64_t now, struct err *e)
{
	struct serf_q *q = q_find(s, ltime, id, false);
	struct serfwire_query_response r = {
	    ltime, id, B(s->cfg.name), 0, {payload, (uint32_t)n}};

	if (!q)
		return err_setc(e, ERR_NOT_FOUND, "query %u: not pending", id);
	if (now > q->deadline)
		return err_setc(e, ERR_INVALID, "query %u: timed out", id);
	send_response(s, &q->reply_to, &r);
	return 0;
}

int serf_key_query(struct serf *s, const char *op, const char *b64,
		   uint64_t now, uint32_t *id, struct err *e)
{
	struct mlcrypt_key k = {0};
	struct serfwire_key_request req = {{NULL, 0}};
	struct buf payload = {0};
	char name[48];
	int r;

	if (strcmp(op, "install-key") && strcmp(op, "use-key") &&
	    strcmp(op, "remove-key") && strcmp(op, "list-keys"))
		return err_setc(e, ERR_INVALID, "keys: unknown operation %s",
				op);
	if (b64 && mlcrypt_key_parse(b64, &k, e) < 0)
		return -1;
	if (b64)
		req.key = (struct msgpk_bytes){k.b, k.len};
	serfwire_encode(SERFWIRE_KEY_REQUEST, &req, &payload);
	snprintf(name, sizeof(name), "%s%s", SERFWIRE_INTERNAL_PREFIX, op);
	r = serf_query(s, name, head(&payload), buf_used(&payload), NULL, 0,
		       NULL, NULL, 0, false, now, id, e);
	buf_free(&payload);
	return r;
}

const struct mlcrypt_keyring *serf_keyring(const struct serf *s)
{
	return &s->ring;
}

/* ---- messages from the wire ---- */

static bool message_in(struct serf *s, const uint8_t *msg, size_t n,
		       uint64_t now)
{
	union {
		struct serfwire_join j;
		struct serfwire_leave l;
		struct serfwire_user_event u;
		struct serfwire_query q;
		struct serfwire_query_response r;
	} m;
	struct serfwire_relay rl;
	enum serfwire_type t;
	struct err e = ERR_INIT;
	bool again = false;

	if (n > 0 && msg[0] == SERFWIRE_RELAY) {
		struct swim_addr to = {.len = 4};

		if (serfwire_relay_decode(msg, n, &rl, &e) == 0 &&
		    rl.ip.n == 4) {
			memcpy(to.ip, rl.ip.p, 4);
			to.port = (uint16_t)rl.port;
			swim_send_user(s->swim, &to, rl.inner.p, rl.inner.n);
		}
		return false;
	}
	if (serfwire_decode(msg, n, &t, &m, &e) < 0)
		return false;
	switch (t) {
	case SERFWIRE_JOIN:
		again = join_intent(s, &m.j);
		break;
	case SERFWIRE_LEAVE:
		again = leave_intent(s, &m.l);
		break;
	case SERFWIRE_USER_EVENT:
		again = user_event(s, &m.u);
		break;
	case SERFWIRE_QUERY:
		again = query_in(s, &m.q, now);
		break;
	case SERFWIRE_QUERY_RESPONSE:
		response_in(s, &m.r);
		break;
	default:
		break;
	}
	serfwire_free(t, &m);
	return again;
}

static void on_user_msg(void *ctx, const uint8_t *msg, size_t n)
{
	struct serf *s = ctx;

	/* the time of the packet being handled: kept by serf_recv */
	if (message_in(s, msg, n, s->now))
		swim_broadcast_user(s->swim, msg, n);
}

/* ---- member status from memberlist's events ---- */

static void on_member(void *ctx, enum swim_event ev,
		      const struct swim_member *sm)
{
	struct serf *s = ctx;
	struct serf_mstate *m = ms_find(s, B(sm->name));
	struct serf_event out = {.member = sm};

	if (ev == SWIM_CONFLICT)
		return;
	if (ev == SWIM_JOIN) {
		if (!m)
			m = ms_add(s, sm->name);
		m->status = SERF_ALIVE;
		out.kind = SERF_MEMBER_JOIN;
	} else if (ev == SWIM_UPDATE) {
		out.kind = SERF_MEMBER_UPDATE;
	} else {
		if (!m)
			return;
		if (m->status == SERF_LEAVING ||
		    sm->state == MLWIRE_STATE_LEFT) {
			m->status = SERF_LEFT;
			out.kind = SERF_MEMBER_LEAVE;
		} else {
			m->status = SERF_FAILED;
			out.kind = SERF_MEMBER_FAILED;
		}
	}
	out.status = m ? m->status : SERF_ALIVE;
	emit(s, &out);
}

enum serf_status serf_member_status(const struct serf *s, const char *name)
{
	const struct serf_mstate *m = ms_find(s, B(name));

	return m ? m->status : SERF_FAILED;
}

/* ---- push/pull: Serf's state in memberlist's ---- */

static void on_local_state(void *ctx, bool join, struct buf *out)
{
	struct serf *s = ctx;
	struct serfwire_pushpull pp = {.ltime = s->clock,
				       .event_ltime = s->eclock,
				       .query_ltime = s->qclock};
	struct msgpk_bytes *left = xcalloc(s->n_ms + 1, sizeof(*left));

	pp.status = xcalloc(s->n_ms + 1, sizeof(*pp.status));
	for (size_t i = 0; i < s->n_ms; i++) {
		pp.status[pp.n_status++] = (struct serfwire_status_ltime){
		    B(s->ms[i].name), s->ms[i].status_ltime};
		if (s->ms[i].status == SERF_LEFT)
			left[pp.left_members.n++] = B(s->ms[i].name);
	}
	pp.left_members.v = left;
	serfwire_pushpull_encode(&pp, out);
	free(pp.status);
	free(left);
}

static void on_merge_state(void *ctx, const uint8_t *st, size_t n, bool join)
{
	struct serf *s = ctx;
	struct serfwire_pushpull pp;
	struct err e = ERR_INIT;

	if (serfwire_pushpull_decode(st, n, &pp, &e) < 0)
		return;
	if (pp.ltime > 0)
		witness(&s->clock, pp.ltime - 1);
	if (pp.event_ltime > 0)
		witness(&s->eclock, pp.event_ltime - 1);
	if (pp.query_ltime > 0)
		witness(&s->qclock, pp.query_ltime - 1);
	for (uint32_t i = 0; i < pp.n_status; i++) {
		bool left = false;

		for (uint32_t k = 0; k < pp.left_members.n; k++)
			left |=
			    pp.left_members.v[k].n == pp.status[i].name.n &&
			    memcmp(pp.left_members.v[k].p, pp.status[i].name.p,
				   pp.status[i].name.n) == 0;
		if (left) {
			struct serfwire_leave l = {pp.status[i].ltime + 1,
						   pp.status[i].name, false};

			leave_intent(s, &l);
		} else {
			struct serfwire_join j = {pp.status[i].ltime,
						  pp.status[i].name};

			join_intent(s, &j);
		}
	}
	for (uint32_t i = 0; i < pp.n_events; i++)
		for (uint32_t k = 0; k < pp.events[i].n; k++) {
			struct serfwire_user_event u = {
			    pp.events[i].ltime, pp.events[i].ev[k].name,
			    pp.events[i].ev[k].payload, false};

			user_event(s, &u);
		}
	serfwire_pushpull_free(&pp);
}

static void fwd_send(void *ctx, const struct swim_addr *to, const uint8_t *p,
		     size_t n)
{
	struct serf *s = ctx;

	s->cfg.ops->send(s->cfg.ctx, to, p, n);
}

static void fwd_stream(void *ctx, uint32_t id, const struct swim_addr *to,
		       const uint8_t *msg, size_t n)
{
	struct serf *s = ctx;

	s->cfg.ops->stream(s->cfg.ctx, id, to, msg, n);
}

static const struct swim_ops serf_swim_ops = {
    .send = fwd_send,
    .stream = fwd_stream,
    .event = on_member,
    .user_msg = on_user_msg,
    .local_state = on_local_state,
    .merge_state = on_merge_state,
};

/* ---- life cycle ---- */

struct serf *serf_new(const struct serf_config *cfg, uint64_t now)
{
	struct serf *s = xcalloc(1, sizeof(*s));
	struct swim_config sc = {0};

	s->cfg = *cfg;
	s->cfg.name = xstrdup(cfg->name);
	if (cfg->keys)
		s->ring = *cfg->keys;
	s->rng = cfg->seed ^ 0x5eedull;
	s->clock = s->eclock = s->qclock = 1;
	serfwire_tags_encode(cfg->tags, cfg->n_tags, &s->meta);
	sc.name = cfg->name;
	sc.addr = cfg->addr;
	sc.meta = head(&s->meta);
	sc.meta_len = buf_used(&s->meta);
	sc.profile = cfg->profile;
	sc.udp_buffer = 1400;
	sc.compress = true;
	sc.keyring = &s->ring;
	sc.seed = cfg->seed;
	sc.ops = &serf_swim_ops;
	sc.ctx = s;
	s->swim = swim_new(&sc, now);
	return s;
}

void serf_free(struct serf *s)
{
	if (!s)
		return;
	swim_free(s->swim);
	for (size_t i = 0; i < s->n_ms; i++)
		free(s->ms[i].name);
	free(s->ms);
	for (size_t i = 0; i < SERF_RING; i++)
		for (size_t k = 0; k < s->ebuf[i].n; k++)
			buf_free(&s->ebuf[i].ev[k]);
	free(s->qs);
	buf_free(&s->meta);
	free((char *)s->cfg.name);
	free(s);
}

struct swim *serf_swim(struct serf *s)
{
	return s->swim;
}

void serf_join(struct serf *s, const struct swim_addr *addr, uint64_t now)
{
	struct serfwire_join j = {s->clock, B(s->cfg.name)};

	swim_join(s->swim, addr, now);
	join_intent(s, &j);
	broadcast(s, SERFWIRE_JOIN, &j);
}

void serf_leave(struct serf *s, uint64_t now)
{
	struct serfwire_leave l = {++s->clock, B(s->cfg.name), false};

	if (s->leaving)
		return;
	s->leaving = true;
	leave_intent(s, &l);
	broadcast(s, SERFWIRE_LEAVE, &l);
	/* the intent rides on gossip first; memberlist's leave after it */
	s->leave_at = now + s->cfg.profile.gossip_interval * 5u;
}

bool serf_left(const struct serf *s)
{
	return s->left;
}

int serf_set_tags(struct serf *s, const struct serfwire_tag *tags, size_t n,
		  uint64_t now, struct err *e)
{
	buf_reset(&s->meta);
	serfwire_tags_encode(tags, n, &s->meta);
	if (buf_used(&s->meta) > MLWIRE_META_MAX)
		return err_setc(e, ERR_TOO_LARGE,
				"tags: %zu bytes encoded, "
				"over memberlist's %d",
				buf_used(&s->meta), MLWIRE_META_MAX);
	swim_set_meta(s->swim, head(&s->meta), buf_used(&s->meta), now);
	return 0;
}

int serf_recv(struct serf *s, const struct swim_addr *from, const uint8_t *pkt,
	      size_t n, uint64_t now, struct err *e)
{
	s->now = now;
	return swim_recv(s->swim, from, pkt, n, now, e);
}

int serf_stream_in(struct serf *s, const uint8_t *msg, size_t n,
		   struct buf *reply, uint64_t now, struct err *e)
{
	s->now = now;
	return swim_stream_in(s->swim, msg, n, reply, now, e);
}

int serf_stream_reply(struct serf *s, uint32_t id, const uint8_t *msg, size_t n,
		      uint64_t now, struct err *e)
{
	s->now = now;
	return swim_stream_reply(s->swim, id, msg, n, now, e);
}

void serf_stream_failed(struct serf *s, uint32_t id, uint64_t now)
{
	swim_stream_failed(s->swim, id, now);
}

uint64_t serf_tick(struct serf *s, uint64_t now)
{
	s->now = now;
	if (s->leaving && !s->left_at && now >= s->leave_at) {
		swim_leave(s->swim, now);
		s->left_at = now + SERF_LEAVE_PROPAGATE;
	}
	if (s->left_at && now >= s->left_at)
		s->left = true;
	for (size_t i = s->n_qs; i-- > 0;)
		if (now > s->qs[i].deadline)
			s->qs[i] = s->qs[--s->n_qs];
	swim_tick(s->swim, now);
	return serf_next_deadline(s);
}

uint64_t serf_next_deadline(const struct serf *s)
{
	uint64_t d = swim_next_deadline(s->swim);

	if (s->leaving && !s->left_at && s->leave_at < d)
		d = s->leave_at;
	if (s->left_at && !s->left && s->left_at < d)
		d = s->left_at;
	return d;
}
