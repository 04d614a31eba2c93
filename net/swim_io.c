/* swim_io.c - the SWIM state machine's input and output (swim.h): packet
 * dispatch, the send path (piggyback, compound, compress, CRC, seal),
 * the two broadcast queues with memberlist's retransmit limits, gossip,
 * push/pull and TCP pings over caller-run streams, and the indirect
 * probes we relay.
 *
 * Owns the queues, the relay waits and the pending stream records. */
#include "swim_int.h"
#include "../core/base/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct msgpk_bytes name_of(const char *s)
{
	return (struct msgpk_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static const uint8_t *head(const struct buf *b)
{
	return b->data ? (const uint8_t *)b->data + b->off
		       : (const uint8_t *)"";
}

static bool sealing(const struct swim *s)
{
	return s->cfg.keyring && s->cfg.keyring->n > 0;
}

/* ---- broadcast queues ---- */

static void bcast_free(struct swim_bcast *b)
{
	free(b->key);
	free(b->msg);
}

static void queue_del(struct swim_queue *q, size_t i)
{
	bcast_free(&q->v[i]);
	q->v[i] = q->v[--q->n];
}

static void queue_add(struct swim *s, struct swim_queue *q, const char *key,
		      const uint8_t *msg, size_t n)
{
	struct swim_bcast b = {0};

	if (key) {
		for (size_t i = 0; i < q->n; i++)
			if (q->v[i].key && strcmp(q->v[i].key, key) == 0) {
				queue_del(q, i);
				break;
			}
		b.key = xstrdup(key);
	}
	b.msg = xmalloc(n ? n : 1);
	memcpy(b.msg, msg, n);
	b.n = n;
	b.id = ++s->bcast_id;
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 16;
		q->v = xrealloc(q->v, q->cap, sizeof(*q->v));
	}
	q->v[q->n++] = b;
}

void swim_queue_msg(struct swim *s, const char *key, enum mlwire_type t,
		    const void *msg)
{
	struct buf b = {0};

	mlwire_encode(t, msg, &b);
	queue_add(s, &s->mlq, key, head(&b), buf_used(&b));
	buf_free(&b);
}

void swim_broadcast_user(struct swim *s, const uint8_t *msg, size_t n)
{
	struct buf b = {0};
	uint8_t t = MLWIRE_USER;

	buf_append(&b, &t, 1);
	if (n)
		buf_append(&b, msg, n);
	queue_add(s, &s->userq, NULL, head(&b), buf_used(&b));
	buf_free(&b);
}

/* memberlist's retransmitLimit: mult * ceil(log10(n + 1)). */
static unsigned retransmit_limit(const struct swim *s)
{
	return s->cfg.profile.retransmit_mult *
	       (unsigned)ceil(log10((double)s->n + 1.0));
}

/* Take broadcasts that fit in limit bytes (each costing overhead more),
 * fewest transmits first, newest first among equals, as memberlist's
 * TransmitLimitedQueue does; their bytes go to store, lengths to lens. */
static size_t queue_take(struct swim *s, struct swim_queue *q, size_t overhead,
			 size_t limit, struct buf *store, size_t *lens,
			 size_t max)
{
	size_t used = 0, taken = 0;
	unsigned tl = retransmit_limit(s);
	bool *picked = xcalloc(q->n + 1, sizeof(*picked));

	while (taken < max) {
		ssize_t best = -1;

		for (size_t i = 0; i < q->n; i++) {
			const struct swim_bcast *b = &q->v[i];

			if (picked[i] || used + overhead + b->n > limit)
				continue;
			if (best < 0 || b->transmits < q->v[best].transmits ||
			    (b->transmits == q->v[best].transmits &&
			     b->id > q->v[best].id))
				best = (ssize_t)i;
		}
		if (best < 0)
			break;
		picked[best] = true;
		buf_append(store, q->v[best].msg, q->v[best].n);
		lens[taken++] = q->v[best].n;
		used += overhead + q->v[best].n;
		q->v[best].transmits++;
	}
	for (size_t i = q->n; i-- > 0;)
		if (picked[i] && q->v[i].transmits >= tl)
			queue_del(q, i);
	free(picked);
	return taken;
}

/* Memberlist's broadcasts first, the user's in the space left. */
static size_t take_broadcasts(struct swim *s, size_t limit, struct buf *store,
			      size_t *lens, size_t max)
{
	size_t n = queue_take(s, &s->mlq, 2, limit, store, lens, max);
	size_t used = buf_used(store) + 2 * n;

	if (limit > used + 3)
		n += queue_take(s, &s->userq, 3, limit - used, store, lens + n,
				max - n);
	return n;
}

/* ---- the send path ---- */

static void raw_send(struct swim *s, const struct swim_addr *to,
		     const struct swim_node *nd, const uint8_t *msg, size_t n)
{
	struct buf z = {0}, c = {0}, out = {0};
	struct err e = ERR_INIT;

	if (s->cfg.compress) {
		mlwire_compress(msg, n, &z);
		if (buf_used(&z) < n) {
			msg = head(&z);
			n = buf_used(&z);
		}
	}
	if (nd && nd->m.vsn[1] >= 5) {
		mlwire_crc_wrap(msg, n, &c);
		msg = head(&c);
		n = buf_used(&c);
	}
	if (sealing(s)) {
		if (mlcrypt_seal(s->cfg.keyring, 1, msg, n, NULL, 0, &out, &e) <
		    0)
			goto done;
		msg = head(&out);
		n = buf_used(&out);
	}
	s->stats.pkts_out++;
	s->stats.bytes_out += n;
	s->cfg.ops->send(s->cfg.ctx, to, msg, n);
done:
	buf_free(&z);
	buf_free(&c);
	buf_free(&out);
}

static void send_parts(struct swim *s, const struct swim_addr *to,
		       const struct swim_node *nd, const uint8_t *store,
		       const size_t *lens, size_t n)
{
	struct msgpk_bytes parts[255];
	struct buf c = {0};
	size_t off = 0;

	if (n == 1) {
		raw_send(s, to, nd, store, lens[0]);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		parts[i] = (struct msgpk_bytes){store + off, (uint32_t)lens[i]};
		off += lens[i];
	}
	mlwire_compound_build(parts, n, &c);
	raw_send(s, to, nd, head(&c), buf_used(&c));
	buf_free(&c);
}

static size_t budget(const struct swim *s)
{
	size_t b = s->cfg.udp_buffer - 2;

	return sealing(s) ? b - MLCRYPT_OVERHEAD : b;
}

/* Send one message with what broadcasts fit piggybacked. */
static void send_bytes(struct swim *s, const struct swim_addr *to,
		       const struct swim_node *nd, const uint8_t *msg, size_t n)
{
	struct buf store = {0};
	size_t lens[255], k = 0;

	buf_append(&store, msg, n);
	lens[k++] = n;
	if (budget(s) > n)
		k += take_broadcasts(s, budget(s) - n, &store, lens + 1, 254);
	send_parts(s, to, nd, head(&store), lens, k);
	buf_free(&store);
}

void swim_send_msg(struct swim *s, const struct swim_addr *to,
		   const struct swim_node *nd, enum mlwire_type t,
		   const void *msg)
{
	struct buf b = {0};

	mlwire_encode(t, msg, &b);
	send_bytes(s, to, nd, head(&b), buf_used(&b));
	buf_free(&b);
}

void swim_send_user(struct swim *s, const struct swim_addr *to,
		    const uint8_t *msg, size_t n)
{
	struct buf b = {0};
	uint8_t t = MLWIRE_USER;

	buf_append(&b, &t, 1);
	if (n)
		buf_append(&b, msg, n);
	send_bytes(s, to, NULL, head(&b), buf_used(&b));
	buf_free(&b);
}

void swim_send_ping_suspect(struct swim *s, const struct swim_node *nd,
			    const struct mlwire_ping *p,
			    const struct mlwire_suspect *m)
{
	struct buf store = {0};
	size_t lens[2];

	mlwire_encode(MLWIRE_PING, p, &store);
	lens[0] = buf_used(&store);
	mlwire_encode(MLWIRE_SUSPECT, m, &store);
	lens[1] = buf_used(&store) - lens[0];
	send_parts(s, &nd->m.addr, nd, head(&store), lens, 2);
	buf_free(&store);
}

void swim_ping_of(struct swim *s, const struct swim_node *nd, uint32_t seq,
		  struct mlwire_ping *p)
{
	memset(p, 0, sizeof(*p));
	p->seq = seq;
	p->node = name_of(nd->m.name);
	p->source_addr = (struct msgpk_bytes){s->cfg.addr.ip, s->cfg.addr.len};
	p->source_port = s->cfg.addr.port;
	p->source_node = name_of(s->self->m.name);
}

void swim_indirect_of(struct swim *s, const struct swim_node *nd, uint32_t seq,
		      struct mlwire_indirect_ping *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->seq = seq;
	ip->target = (struct msgpk_bytes){nd->m.addr.ip, nd->m.addr.len};
	ip->port = nd->m.addr.port;
	ip->node = name_of(nd->m.name);
	ip->source_addr = (struct msgpk_bytes){s->cfg.addr.ip, s->cfg.addr.len};
	ip->source_port = s->cfg.addr.port;
	ip->source_node = name_of(s->self->m.name);
}

/* Up to k random members other than us and skip: alive ones only, or
 * (for gossip) any but left and long dead. */
size_t swim_pick(struct swim *s, struct swim_node **out, size_t k,
		 const struct swim_node *skip, bool alive_only, uint64_t now)
{
	size_t n = 0, want = k < 16 ? k : 16;
	struct swim_node **c = xmalloc((s->n + 1) * sizeof(*c));

	for (size_t i = 0; i < s->n; i++) {
		struct swim_node *nd = s->nodes[i];
		enum mlwire_state st = nd->m.state;

		if (nd == s->self || nd == skip)
			continue;
		if (alive_only ? st != MLWIRE_STATE_ALIVE
			       : (st == MLWIRE_STATE_LEFT ||
				  (st == MLWIRE_STATE_DEAD &&
				   now - nd->m.state_change >
				       s->cfg.profile.gossip_to_dead)))
			continue;
		c[n++] = nd;
	}
	for (size_t i = 0; i < n && i < want; i++) {
		size_t j = i + swim_rand(s) % (n - i);
		struct swim_node *t = c[i];

		c[i] = c[j];
		c[j] = t;
		out[i] = c[i];
	}
	free(c);
	return n < want ? n : want;
}

void swim_gossip(struct swim *s, uint64_t now)
{
	struct swim_node *peers[16];
	size_t np =
	    swim_pick(s, peers, s->cfg.profile.gossip_nodes, NULL, false, now);

	for (size_t i = 0; i < np; i++) {
		struct buf store = {0};
		size_t lens[255];
		size_t k = take_broadcasts(s, budget(s), &store, lens, 255);

		if (k)
			send_parts(s, &peers[i]->m.addr, peers[i], head(&store),
				   lens, k);
		buf_free(&store);
		if (!k)
			return;
	}
}

/* ---- relayed indirect probes ---- */

static void send_ack(struct swim *s, const struct swim_addr *to, uint32_t seq)
{
	struct mlwire_ack a = {.seq = seq};

	swim_send_msg(s, to, NULL, MLWIRE_ACK, &a);
}

void swim_waits_due(struct swim *s, uint64_t now)
{
	for (size_t i = s->n_waits; i-- > 0;) {
		struct swim_wait *w = &s->waits[i];

		if (w->deadline > now)
			continue;
		if (w->nack) {
			struct mlwire_nack nk = {w->their_seq};

			swim_send_msg(s, &w->reply_to, NULL, MLWIRE_NACK, &nk);
		}
		s->waits[i] = s->waits[--s->n_waits];
	}
}

uint64_t swim_waits_deadline(const struct swim *s)
{
	uint64_t d = 0;

	for (size_t i = 0; i < s->n_waits; i++)
		if (!d || s->waits[i].deadline < d)
			d = s->waits[i].deadline;
	return d;
}

static void wait_add(struct swim *s, const struct swim_wait *w)
{
	s->waits = xrealloc(s->waits, s->n_waits + 1, sizeof(*s->waits));
	s->waits[s->n_waits++] = *w;
}

/* ---- packets in ---- */

struct swim_in {
	struct swim *s;
	const struct swim_addr *from;
	uint64_t now;
};

static bool to_addr(struct msgpk_bytes ip, uint16_t port, struct swim_addr *out)
{
	if ((ip.n != 4 && ip.n != 16) || port == 0)
		return false;
	memcpy(out->ip, ip.p, ip.n);
	out->len = (uint8_t)ip.n;
	out->port = port;
	return true;
}

static int on_ping(struct swim_in *in, const uint8_t *b, size_t n,
		   struct err *e)
{
	struct mlwire_ping p;
	struct swim_addr to = *in->from;

	if (mlwire_decode(MLWIRE_PING, b, n, &p, e) < 0)
		return -1;
	if (p.node.n && !msgpk_eq(p.node, in->s->self->m.name))
		return err_setc(e, ERR_INVALID, "ping for another node");
	to_addr(p.source_addr, p.source_port, &to);
	send_ack(in->s, &to, p.seq);
	return 0;
}

static int on_indirect(struct swim_in *in, const uint8_t *b, size_t n,
		       struct err *e)
{
	struct swim *s = in->s;
	struct mlwire_indirect_ping ip;
	struct mlwire_ping p = {0};
	struct swim_wait w = {0};
	struct swim_addr target;

	if (mlwire_decode(MLWIRE_INDIRECT_PING, b, n, &ip, e) < 0)
		return -1;
	if (!to_addr(ip.target, ip.port, &target))
		return err_setc(e, ERR_INVALID, "indirect-ping.Target: bad");
	w.reply_to = *in->from;
	to_addr(ip.source_addr, ip.source_port, &w.reply_to);
	w.seq = ++s->seq;
	w.their_seq = ip.seq;
	w.nack = ip.nack;
	w.deadline = in->now + s->cfg.profile.probe_timeout;
	wait_add(s, &w);
	p.seq = w.seq;
	p.node = ip.node;
	p.source_addr = (struct msgpk_bytes){s->cfg.addr.ip, s->cfg.addr.len};
	p.source_port = s->cfg.addr.port;
	p.source_node = name_of(s->self->m.name);
	swim_send_msg(s, &target, NULL, MLWIRE_PING, &p);
	return 0;
}

static void acked(struct swim *s, uint32_t seq)
{
	if (s->probe.active && seq == s->probe.seq) {
		swim_probe_acked(s);
		return;
	}
	for (size_t i = 0; i < s->n_waits; i++) {
		if (s->waits[i].seq != seq)
			continue;
		send_ack(s, &s->waits[i].reply_to, s->waits[i].their_seq);
		s->waits[i] = s->waits[--s->n_waits];
		return;
	}
}

static int on_msg(void *ctx, enum mlwire_type t, const uint8_t *b, size_t n,
		  struct err *e)
{
	struct swim_in *in = ctx;
	union {
		struct mlwire_ack ack;
		struct mlwire_nack nack;
		struct mlwire_alive alive;
		struct mlwire_suspect sus;
	} m;

	switch (t) {
	case MLWIRE_PING:
		return on_ping(in, b, n, e);
	case MLWIRE_INDIRECT_PING:
		return on_indirect(in, b, n, e);
	case MLWIRE_USER:
		if (in->s->cfg.ops->user_msg)
			in->s->cfg.ops->user_msg(in->s->cfg.ctx, b, n);
		return 0;
	default:
		break;
	}
	if (mlwire_decode(t, b, n, &m, e) < 0)
		return -1;
	if (t == MLWIRE_ACK)
		acked(in->s, m.ack.seq);
	else if (t == MLWIRE_NACK && in->s->probe.active &&
		 m.nack.seq == in->s->probe.seq)
		in->s->probe.nacks++;
	else if (t == MLWIRE_ALIVE)
		swim_alive(in->s, &m.alive, false, in->now);
	else if (t == MLWIRE_SUSPECT)
		swim_suspect(in->s, &m.sus, in->now);
	else if (t == MLWIRE_DEAD)
		swim_dead(in->s, &m.sus, in->now);
	else
		return err_setc(e, ERR_INVALID, "unexpected %s message",
				mlwire_type_name(t));
	return 0;
}

int swim_recv(struct swim *s, const struct swim_addr *from, const uint8_t *pkt,
	      size_t n, uint64_t now, struct err *e)
{
	struct swim_in in = {s, from, now};
	struct buf plain = {0};
	int r;

	s->stats.pkts_in++;
	if (sealing(s)) {
		if (mlcrypt_open(s->cfg.keyring, pkt, n, NULL, 0, &plain, NULL,
				 e) < 0) {
			s->stats.bad_key++;
			s->stats.dropped++;
			buf_free(&plain);
			return -1;
		}
		pkt = head(&plain);
		n = buf_used(&plain);
	}
	r = mlwire_walk(pkt, n, on_msg, &in, e);
	if (r < 0)
		s->stats.dropped++;
	buf_free(&plain);
	return r;
}

/* ---- streams: push/pull, TCP ping, user messages ---- */

/* Compress and seal a stream message as memberlist's rawSendMsgStream. */
static int stream_wrap(struct swim *s, const uint8_t *msg, size_t n,
		       struct buf *out, struct err *e)
{
	struct buf z = {0};
	int r = 0;

	if (s->cfg.compress) {
		mlwire_compress(msg, n, &z);
		msg = head(&z);
		n = buf_used(&z);
	}
	if (sealing(s))
		r = mlcrypt_stream_seal(s->cfg.keyring, msg, n, out, e);
	else
		buf_append(out, msg, n);
	buf_free(&z);
	return r;
}

static int stream_unwrap(struct swim *s, const uint8_t *msg, size_t n,
			 struct buf *plain, struct err *e)
{
	struct buf d = {0};
	int r;

	if (n < 1)
		return err_setc(e, ERR_INVALID, "stream: empty message");
	if (msg[0] == MLWIRE_ENCRYPT) {
		if (!sealing(s))
			return err_setc(
			    e, ERR_INVALID,
			    "stream: encrypted, but we have no keys");
		if (mlcrypt_stream_open(s->cfg.keyring, msg, n, &d, e) < 0) {
			s->stats.bad_key++;
			buf_free(&d);
			return -1;
		}
		msg = head(&d);
		n = buf_used(&d);
	} else if (sealing(s)) {
		return err_setc(e, ERR_DENIED, "stream: not encrypted");
	}
	if (n > 0 && msg[0] == MLWIRE_COMPRESS) {
		r = mlwire_decompress(msg + 1, n - 1, plain, e);
	} else {
		buf_append(plain, msg, n);
		r = 0;
	}
	buf_free(&d);
	if (r == 0 && buf_used(plain) == 0)
		return err_setc(e, ERR_INVALID, "stream: empty message");
	return r;
}

/* [6] header, every member we know, the delegate's state. */
static int local_state(struct swim *s, bool join, struct buf *out,
		       struct err *e)
{
	struct mlwire_pushpull pp = {.join = join, .n_nodes = s->n};
	struct buf user = {0}, plain = {0};
	int r;

	pp.nodes = xcalloc(s->n + 1, sizeof(*pp.nodes));
	for (size_t i = 0; i < s->n; i++) {
		struct mlwire_alive a;

		swim_alive_of(s->nodes[i], &a);
		pp.nodes[i] = (struct mlwire_push_node){
		    a.node, a.addr,	   a.port,
		    a.meta, a.incarnation, s->nodes[i]->m.state,
		    a.vsn};
	}
	if (s->cfg.ops->local_state)
		s->cfg.ops->local_state(s->cfg.ctx, join, &user);
	pp.user_state =
	    (struct msgpk_bytes){head(&user), (uint32_t)buf_used(&user)};
	mlwire_pushpull_encode(&pp, &plain);
	r = stream_wrap(s, head(&plain), buf_used(&plain), out, e);
	free(pp.nodes);
	buf_free(&user);
	buf_free(&plain);
	return r;
}

static void merge_remote(struct swim *s, const struct mlwire_pushpull *pp,
			 uint64_t now)
{
	swim_merge(s, pp, now);
	if (pp->user_state.n && s->cfg.ops->merge_state)
		s->cfg.ops->merge_state(s->cfg.ctx, pp->user_state.p,
					pp->user_state.n, pp->join);
}

static void stream_start(struct swim *s, const struct swim_addr *to,
			 enum swim_stream_kind kind, bool join, uint32_t seq,
			 const struct buf *msg)
{
	struct swim_stream st = {++s->next_stream, seq, kind, join};

	s->streams =
	    xrealloc(s->streams, s->n_streams + 1, sizeof(*s->streams));
	s->streams[s->n_streams++] = st;
	s->cfg.ops->stream(s->cfg.ctx, st.id, to, head(msg), buf_used(msg));
}

void swim_join(struct swim *s, const struct swim_addr *addr, uint64_t now)
{
	struct buf msg = {0};
	struct err e = ERR_INIT;

	if (local_state(s, true, &msg, &e) == 0)
		stream_start(s, addr, SWIM_STREAM_PUSHPULL, true, 0, &msg);
	buf_free(&msg);
}

uint64_t swim_pushpull_interval(const struct swim *s)
{
	uint64_t iv = s->cfg.profile.pushpull_interval;

	if (s->n <= 32)
		return iv;
	return iv * (uint64_t)(ceil(log2((double)s->n) - log2(32.0)) + 1.0);
}

void swim_pushpull_random(struct swim *s, uint64_t now)
{
	struct swim_node *peer;
	struct buf msg = {0};
	struct err e = ERR_INIT;

	if (swim_pick(s, &peer, 1, NULL, true, now) == 0)
		return;
	if (local_state(s, false, &msg, &e) == 0)
		stream_start(s, &peer->m.addr, SWIM_STREAM_PUSHPULL, false, 0,
			     &msg);
	buf_free(&msg);
}

void swim_tcp_ping(struct swim *s, const struct swim_node *nd, uint32_t seq,
		   uint64_t now)
{
	struct mlwire_ping p;
	struct buf plain = {0}, msg = {0};
	struct err e = ERR_INIT;

	swim_ping_of(s, nd, seq, &p);
	mlwire_encode(MLWIRE_PING, &p, &plain);
	if (stream_wrap(s, head(&plain), buf_used(&plain), &msg, &e) == 0)
		stream_start(s, &nd->m.addr, SWIM_STREAM_PING, false, seq,
			     &msg);
	buf_free(&plain);
	buf_free(&msg);
}

static ssize_t stream_find(const struct swim *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_streams; i++)
		if (s->streams[i].id == id)
			return (ssize_t)i;
	return -1;
}

void swim_stream_failed(struct swim *s, uint32_t id, uint64_t now)
{
	ssize_t i = stream_find(s, id);

	if (i >= 0)
		s->streams[i] = s->streams[--s->n_streams];
}

static int reply_body(const struct buf *plain, enum mlwire_type want,
		      struct err *e)
{
	const uint8_t *p = head(plain);

	if (p[0] == MLWIRE_ERR)
		return err_setc(e, ERR_INVALID, "remote error");
	if (p[0] != want)
		return err_setc(e, ERR_INVALID, "stream: got %s, want %s",
				mlwire_type_name(p[0]), mlwire_type_name(want));
	return 0;
}

int swim_stream_reply(struct swim *s, uint32_t id, const uint8_t *msg, size_t n,
		      uint64_t now, struct err *e)
{
	ssize_t i = stream_find(s, id);
	struct swim_stream st;
	struct buf plain = {0};
	struct mlwire_pushpull pp;
	struct mlwire_ack a;
	int r = -1;

	if (i < 0)
		return err_setc(e, ERR_NOT_FOUND, "stream %u: unknown", id);
	st = s->streams[i];
	s->streams[i] = s->streams[--s->n_streams];
	if (stream_unwrap(s, msg, n, &plain, e) < 0)
		goto out;
	if (st.kind == SWIM_STREAM_PING) {
		if (reply_body(&plain, MLWIRE_ACK, e) < 0 ||
		    mlwire_decode(MLWIRE_ACK, head(&plain) + 1,
				  buf_used(&plain) - 1, &a, e) < 0)
			goto out;
		if (a.seq == st.seq)
			acked(s, a.seq);
		r = 0;
		goto out;
	}
	if (reply_body(&plain, MLWIRE_PUSH_PULL, e) < 0 ||
	    mlwire_pushpull_decode(head(&plain) + 1, buf_used(&plain) - 1, &pp,
				   e) < 0)
		goto out;
	merge_remote(s, &pp, now);
	mlwire_pushpull_free(&pp);
	r = 0;
out:
	buf_free(&plain);
	return r;
}

static int stream_pushpull(struct swim *s, const uint8_t *b, size_t n,
			   struct buf *reply, uint64_t now, struct err *e)
{
	struct mlwire_pushpull pp;

	if (mlwire_pushpull_decode(b, n, &pp, e) < 0)
		return -1;
	if (local_state(s, pp.join, reply, e) < 0) {
		mlwire_pushpull_free(&pp);
		return -1;
	}
	merge_remote(s, &pp, now);
	mlwire_pushpull_free(&pp);
	return 0;
}

int swim_stream_in(struct swim *s, const uint8_t *msg, size_t n,
		   struct buf *reply, uint64_t now, struct err *e)
{
	struct buf plain = {0}, ack = {0};
	struct msgpk_bytes um;
	struct mlwire_ping p;
	const uint8_t *b;
	int r = -1;

	if (stream_unwrap(s, msg, n, &plain, e) < 0)
		goto out;
	b = head(&plain);
	switch (b[0]) {
	case MLWIRE_PUSH_PULL:
		r = stream_pushpull(s, b + 1, buf_used(&plain) - 1, reply, now,
				    e);
		break;
	case MLWIRE_USER:
		r = mlwire_user_stream_decode(b + 1, buf_used(&plain) - 1, &um,
					      e);
		if (r == 0 && s->cfg.ops->user_msg)
			s->cfg.ops->user_msg(s->cfg.ctx, um.p, um.n);
		break;
	case MLWIRE_PING:
		r = mlwire_decode(MLWIRE_PING, b + 1, buf_used(&plain) - 1, &p,
				  e);
		if (r == 0) {
			struct mlwire_ack a = {.seq = p.seq};

			mlwire_encode(MLWIRE_ACK, &a, &ack);
			r = stream_wrap(s, head(&ack), buf_used(&ack), reply,
					e);
		}
		break;
	default:
		r = err_setc(e, ERR_INVALID, "stream: unexpected %s",
			     mlwire_type_name(b[0]));
	}
out:
	buf_free(&plain);
	buf_free(&ack);
	return r;
}

void swim_io_free(struct swim *s)
{
	while (s->mlq.n)
		queue_del(&s->mlq, 0);
	while (s->userq.n)
		queue_del(&s->userq, 0);
	free(s->mlq.v);
	free(s->userq.v);
	free(s->waits);
	free(s->streams);
}
