/* swim.c - SWIM + Lifeguard membership state machine (swim.h): the
 * member table, probes, suspicion, refutation and push/pull merging.
 * Sending, queues and streams are in swim_io.c.
 *
 * Owns every member (struct swim_node) and the pending acks; all times
 * are the caller's milliseconds. Follows memberlist's state.go rules
 * (aliveNode, suspectNode, deadNode, refute, probeNode) so a mixed
 * cluster with Serf agents agrees on every transition. */
#include "swim_int.h"
#include "../core/base/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct swim_profile swim_lan = {
    .probe_interval = 1000,
    .probe_timeout = 500,
    .gossip_interval = 200,
    .gossip_to_dead = 30000,
    .pushpull_interval = 30000,
    .stream_timeout = 10000,
    .indirect_checks = 3,
    .gossip_nodes = 3,
    .suspicion_mult = 4,
    .suspicion_max_mult = 6,
    .retransmit_mult = 4,
    .awareness_max = 8,
};
const struct swim_profile swim_wan = {
    .probe_interval = 5000,
    .probe_timeout = 3000,
    .gossip_interval = 500,
    .gossip_to_dead = 60000,
    .pushpull_interval = 60000,
    .stream_timeout = 30000,
    .indirect_checks = 3,
    .gossip_nodes = 4,
    .suspicion_mult = 6,
    .suspicion_max_mult = 6,
    .retransmit_mult = 4,
    .awareness_max = 8,
};
const struct swim_profile swim_local = {
    .probe_interval = 1000,
    .probe_timeout = 200,
    .gossip_interval = 100,
    .gossip_to_dead = 15000,
    .pushpull_interval = 15000,
    .stream_timeout = 1000,
    .indirect_checks = 1,
    .gossip_nodes = 3,
    .suspicion_mult = 3,
    .suspicion_max_mult = 6,
    .retransmit_mult = 2,
    .awareness_max = 8,
};

uint64_t swim_rand(struct swim *s)
{
	/* splitmix64: deterministic from the seed, good enough to shuffle */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct swim_node *swim_lookup(const struct swim *s, const uint8_t *name,
			      size_t n)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *nm = s->nodes[i]->m.name;

		if (strlen(nm) == n && memcmp(nm, name, n) == 0)
			return s->nodes[i];
	}
	return NULL;
}

static bool is_self(const struct swim *s, const struct swim_node *nd)
{
	return nd == s->self;
}

static void awareness(struct swim *s, int delta)
{
	int max = (int)s->cfg.profile.awareness_max - 1;

	s->awareness += delta;
	if (s->awareness < 0)
		s->awareness = 0;
	if (s->awareness > max)
		s->awareness = max;
}

static void emit(struct swim *s, enum swim_event ev, const struct swim_node *nd)
{
	if (s->cfg.ops->event)
		s->cfg.ops->event(s->cfg.ctx, ev, &nd->m);
}

static void suspicion_clear(struct swim_node *nd)
{
	for (size_t i = 0; i < nd->n_confirm; i++)
		free(nd->confirm[i]);
	free(nd->confirm);
	nd->confirm = NULL;
	nd->n_confirm = 0;
	nd->susp_deadline = 0;
}

static void node_free(struct swim_node *nd)
{
	suspicion_clear(nd);
	free(nd->m.name);
	free(nd->m.meta);
	free(nd);
}

/* The alive message describing a member. */
void swim_alive_of(const struct swim_node *nd, struct mlwire_alive *a)
{
	memset(a, 0, sizeof(*a));
	a->incarnation = nd->m.incarnation;
	a->node = (struct msgpk_bytes){(const uint8_t *)nd->m.name,
				       (uint32_t)strlen(nd->m.name)};
	a->addr = (struct msgpk_bytes){nd->m.addr.ip, nd->m.addr.len};
	a->port = nd->m.addr.port;
	a->meta = (struct msgpk_bytes){nd->m.meta, (uint32_t)nd->m.meta_len};
	a->vsn = (struct msgpk_bytes){nd->m.vsn, 6};
}

/* memberlist's refute: outbid the accusation and tell everyone. */
static void refute(struct swim *s, uint32_t accused)
{
	struct mlwire_alive a;

	s->incarnation++;
	if (accused >= s->incarnation)
		s->incarnation = accused + 1;
	s->self->m.incarnation = s->incarnation;
	awareness(s, 1);
	s->stats.refutes++;
	swim_alive_of(s->self, &a);
	swim_queue_msg(s, s->self->m.name, MLWIRE_ALIVE, &a);
}

static void set_bytes(uint8_t **dst, size_t *dlen, struct msgpk_bytes b)
{
	free(*dst);
	*dst = NULL;
	*dlen = b.n;
	if (b.n) {
		*dst = xmalloc(b.n);
		memcpy(*dst, b.p, b.n);
	}
}

static struct swim_node *node_add(struct swim *s, const struct mlwire_alive *a)
{
	struct swim_node *nd = xcalloc(1, sizeof(*nd));
	size_t off;

	nd->m.name = msgpk_strdup(a->node);
	nd->m.state = MLWIRE_STATE_DEAD;
	memcpy(nd->m.addr.ip, a->addr.p, a->addr.n);
	nd->m.addr.len = (uint8_t)a->addr.n;
	nd->m.addr.port = a->port;
	set_bytes(&nd->m.meta, &nd->m.meta_len, a->meta);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->nodes = xrealloc(s->nodes, s->cap, sizeof(*s->nodes));
	}
	/* a random place, so new members are probed in no set order */
	off = s->n ? swim_rand(s) % (s->n + 1) : 0;
	s->nodes[s->n++] = s->nodes[off];
	s->nodes[off] = nd;
	return nd;
}

static bool addr_eq(const struct swim_addr *x, const struct msgpk_bytes ip,
		    uint16_t port)
{
	return x->len == ip.n && x->port == port &&
	       (ip.n == 0 || memcmp(x->ip, ip.p, ip.n) == 0);
}

/* Validate an alive: a name, a 4/16-byte address, sane versions. */
static bool alive_ok(const struct mlwire_alive *a)
{
	if (a->node.n == 0 || memchr(a->node.p, 0, a->node.n))
		return false;
	if (a->addr.n != 4 && a->addr.n != 16)
		return false;
	if (a->meta.n > MLWIRE_META_MAX)
		return false;
	if (a->vsn.n >= 3 &&
	    (a->vsn.p[0] == 0 || a->vsn.p[1] == 0 || a->vsn.p[0] > a->vsn.p[1]))
		return false;
	return true;
}

void swim_alive(struct swim *s, const struct mlwire_alive *a, bool bootstrap,
		uint64_t now)
{
	struct swim_node *nd = swim_lookup(s, a->node.p, a->node.n);
	bool updates = false, meta_changed;
	enum mlwire_state old;

	if (!alive_ok(a) || (s->left && nd && nd == s->self))
		return;
	if (!nd) {
		nd = node_add(s, a);
	} else if (!addr_eq(&nd->m.addr, a->addr, a->port)) {
		if (nd->m.state != MLWIRE_STATE_LEFT) {
			emit(s, SWIM_CONFLICT, nd);
			return;
		}
		updates = true;
	}
	if (a->incarnation <= nd->m.incarnation && !is_self(s, nd) && !updates)
		return;
	if (a->incarnation < nd->m.incarnation && is_self(s, nd))
		return;
	suspicion_clear(nd);
	old = nd->m.state;
	meta_changed = nd->m.meta_len != a->meta.n ||
		       (a->meta.n && memcmp(nd->m.meta, a->meta.p, a->meta.n));
	if (!bootstrap && is_self(s, nd)) {
		if (a->incarnation == nd->m.incarnation && !meta_changed &&
		    a->vsn.n == 6 && memcmp(a->vsn.p, nd->m.vsn, 6) == 0)
			return;
		refute(s, a->incarnation);
		return;
	}
	swim_queue_msg(s, nd->m.name, MLWIRE_ALIVE, a);
	if (a->vsn.n >= 6)
		memcpy(nd->m.vsn, a->vsn.p, 6);
	nd->m.incarnation = a->incarnation;
	set_bytes(&nd->m.meta, &nd->m.meta_len, a->meta);
	memcpy(nd->m.addr.ip, a->addr.p, a->addr.n);
	nd->m.addr.len = (uint8_t)a->addr.n;
	nd->m.addr.port = a->port;
	if (nd->m.state != MLWIRE_STATE_ALIVE) {
		nd->m.state = MLWIRE_STATE_ALIVE;
		nd->m.state_change = now;
	}
	if (old == MLWIRE_STATE_DEAD || old == MLWIRE_STATE_LEFT)
		emit(s, SWIM_JOIN, nd);
	else if (meta_changed)
		emit(s, SWIM_UPDATE, nd);
}

/* Lifeguard's suspicion timeout for a cluster of n:
 * mult * max(1, log10(n)) * probe interval, the max `max_mult` times it. */
static uint64_t suspicion_min(const struct swim *s)
{
	double scale = fmax(1.0, log10(fmax(1.0, (double)s->n)));

	return (uint64_t)(s->cfg.profile.suspicion_mult *
			  floor(scale * 1000.0) *
			  s->cfg.profile.probe_interval / 1000.0);
}

/* With n of k confirmations the timeout falls from max toward min. */
static uint64_t suspicion_timeout(const struct swim_node *nd)
{
	double frac, raw;
	uint64_t t;

	if (nd->susp_k < 1)
		return nd->susp_min;
	frac = log((double)nd->susp_n + 1.0) / log((double)nd->susp_k + 1.0);
	raw =
	    (double)nd->susp_max - frac * (double)(nd->susp_max - nd->susp_min);
	t = (uint64_t)floor(raw);
	return t < nd->susp_min ? nd->susp_min : t;
}

static bool confirmed_by(const struct swim_node *nd, struct msgpk_bytes from)
{
	for (size_t i = 0; i < nd->n_confirm; i++)
		if (msgpk_eq(from, nd->confirm[i]))
			return true;
	return false;
}

static void confirm_add(struct swim_node *nd, struct msgpk_bytes from)
{
	char *name = msgpk_strdup(from);

	if (!name)
		return;
	nd->confirm =
	    xrealloc(nd->confirm, nd->n_confirm + 1, sizeof(*nd->confirm));
	nd->confirm[nd->n_confirm++] = name;
}

/* Another member's independent suspicion shortens the timeout. */
static bool suspicion_confirm(struct swim_node *nd, struct msgpk_bytes from)
{
	if (nd->susp_n >= nd->susp_k || confirmed_by(nd, from))
		return false;
	confirm_add(nd, from);
	nd->susp_n++;
	nd->susp_deadline = nd->susp_start + suspicion_timeout(nd);
	return true;
}

void swim_suspect(struct swim *s, const struct mlwire_suspect *m, uint64_t now)
{
	struct swim_node *nd = swim_lookup(s, m->node.p, m->node.n);
	unsigned k = s->cfg.profile.suspicion_mult - 2;

	if (!nd || m->incarnation < nd->m.incarnation)
		return;
	if (nd->susp_deadline) {
		if (suspicion_confirm(nd, m->from))
			swim_queue_msg(s, nd->m.name, MLWIRE_SUSPECT, m);
		return;
	}
	if (nd->m.state != MLWIRE_STATE_ALIVE)
		return;
	if (is_self(s, nd)) {
		refute(s, m->incarnation);
		return;
	}
	swim_queue_msg(s, nd->m.name, MLWIRE_SUSPECT, m);
	s->stats.suspects++;
	nd->m.incarnation = m->incarnation;
	nd->m.state = MLWIRE_STATE_SUSPECT;
	nd->m.state_change = now;
	if (s->n < 2 || s->n - 2 < k)
		k = 0;
	nd->susp_k = k;
	nd->susp_n = 0;
	nd->susp_min = suspicion_min(s);
	nd->susp_max = nd->susp_min * s->cfg.profile.suspicion_max_mult;
	nd->susp_start = now;
	nd->susp_deadline = now + (k < 1 ? nd->susp_min : nd->susp_max);
	confirm_add(nd, m->from);
}

void swim_dead(struct swim *s, const struct mlwire_suspect *m, uint64_t now)
{
	struct swim_node *nd = swim_lookup(s, m->node.p, m->node.n);

	if (!nd || m->incarnation < nd->m.incarnation)
		return;
	suspicion_clear(nd);
	if (nd->m.state == MLWIRE_STATE_DEAD ||
	    nd->m.state == MLWIRE_STATE_LEFT)
		return;
	if (is_self(s, nd) && !s->left) {
		refute(s, m->incarnation);
		return;
	}
	swim_queue_msg(s, nd->m.name, MLWIRE_DEAD, m);
	nd->m.incarnation = m->incarnation;
	nd->m.state = msgpk_eq(m->from, nd->m.name) ? MLWIRE_STATE_LEFT
						    : MLWIRE_STATE_DEAD;
	nd->m.state_change = now;
	emit(s, SWIM_LEAVE, nd);
}

static void suspect_msg(struct swim *s, const struct swim_node *nd,
			struct mlwire_suspect *m)
{
	m->incarnation = nd->m.incarnation;
	m->node = (struct msgpk_bytes){(const uint8_t *)nd->m.name,
				       (uint32_t)strlen(nd->m.name)};
	m->from = (struct msgpk_bytes){(const uint8_t *)s->self->m.name,
				       (uint32_t)strlen(s->self->m.name)};
}

/* Suspicion timers that ran out make their member dead. */
static void suspicion_due(struct swim *s, uint64_t now)
{
	for (size_t i = 0; i < s->n; i++) {
		struct swim_node *nd = s->nodes[i];
		struct mlwire_suspect d;

		if (!nd->susp_deadline || nd->susp_deadline > now)
			continue;
		suspicion_clear(nd);
		if (nd->m.state != MLWIRE_STATE_SUSPECT)
			continue;
		suspect_msg(s, nd, &d);
		swim_dead(s, &d, now);
	}
}

/* merge a push/pull's node list, as memberlist's mergeState does */
void swim_merge(struct swim *s, const struct mlwire_pushpull *pp, uint64_t now)
{
	for (size_t i = 0; i < pp->n_nodes; i++) {
		const struct mlwire_push_node *r = &pp->nodes[i];
		struct mlwire_alive a = {r->incarnation, r->name, r->addr,
					 r->port,	 r->meta, r->vsn};
		struct mlwire_suspect m = {r->incarnation, r->name, r->name};

		if (r->state == MLWIRE_STATE_ALIVE) {
			swim_alive(s, &a, false, now);
		} else if (r->state == MLWIRE_STATE_LEFT) {
			swim_dead(s, &m, now);
		} else {
			m.from = (struct msgpk_bytes){
			    (const uint8_t *)s->self->m.name,
			    (uint32_t)strlen(s->self->m.name)};
			swim_suspect(s, &m, now);
		}
	}
}

/* ---- probing ---- */

/* Drop members dead longer than the gossip-to-the-dead time, shuffle. */
static void reset_nodes(struct swim *s, uint64_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct swim_node *nd = s->nodes[i];
		bool gone =
		    (nd->m.state == MLWIRE_STATE_DEAD ||
		     nd->m.state == MLWIRE_STATE_LEFT) &&
		    now - nd->m.state_change > s->cfg.profile.gossip_to_dead &&
		    !is_self(s, nd);

		if (gone)
			node_free(nd);
		else
			s->nodes[j++] = nd;
	}
	s->n = j;
	for (size_t i = s->n; i > 1; i--) {
		size_t k = swim_rand(s) % i;
		struct swim_node *t = s->nodes[i - 1];

		s->nodes[i - 1] = s->nodes[k];
		s->nodes[k] = t;
	}
}

static struct swim_node *probe_pick(struct swim *s, uint64_t now)
{
	for (size_t checked = 0; checked <= s->n; checked++) {
		struct swim_node *nd;

		if (s->probe_idx >= s->n) {
			reset_nodes(s, now);
			s->probe_idx = 0;
			continue;
		}
		nd = s->nodes[s->probe_idx++];
		if (!is_self(s, nd) && nd->m.state != MLWIRE_STATE_DEAD &&
		    nd->m.state != MLWIRE_STATE_LEFT)
			return nd;
	}
	return NULL;
}

static void probe_start(struct swim *s, uint64_t now)
{
	struct swim_node *nd = probe_pick(s, now);
	uint64_t interval = (uint64_t)s->cfg.profile.probe_interval *
			    (uint64_t)(s->awareness + 1);
	struct mlwire_ping p;

	s->next_probe = now + s->cfg.profile.probe_interval;
	if (!nd)
		return;
	s->stats.probes++;
	free(s->probe.node);
	s->probe = (struct swim_probe){.active = true,
				       .node = xstrdup(nd->m.name),
				       .seq = ++s->seq,
				       .timeout_at =
					   now + s->cfg.profile.probe_timeout,
				       .end_at = now + interval};
	swim_ping_of(s, nd, s->probe.seq, &p);
	if (nd->m.state == MLWIRE_STATE_ALIVE) {
		swim_send_msg(s, &nd->m.addr, NULL, MLWIRE_PING, &p);
	} else {
		struct mlwire_suspect m;

		suspect_msg(s, nd, &m);
		swim_send_ping_suspect(s, nd, &p, &m);
	}
}

void swim_probe_acked(struct swim *s)
{
	if (!s->probe.active)
		return;
	awareness(s, -1);
	s->probe.active = false;
	s->probe.end_at = 0;
}

/* No direct ack by the probe timeout: ask k others, and by TCP. */
static void probe_indirect(struct swim *s, uint64_t now)
{
	struct swim_node *nd = swim_lookup(s, (const uint8_t *)s->probe.node,
					   strlen(s->probe.node));
	struct swim_node *peers[16];
	size_t np;

	s->probe.indirect_sent = true;
	if (!nd)
		return;
	np = swim_pick(s, peers, s->cfg.profile.indirect_checks, nd, true, now);
	for (size_t i = 0; i < np; i++) {
		struct mlwire_indirect_ping ip;

		swim_indirect_of(s, nd, s->probe.seq, &ip);
		ip.nack = peers[i]->m.vsn[1] >= 4;
		s->probe.expected_nacks += ip.nack;
		s->stats.indirect++;
		swim_send_msg(s, &peers[i]->m.addr, NULL, MLWIRE_INDIRECT_PING,
			      &ip);
	}
	if (nd->m.vsn[1] >= 3)
		swim_tcp_ping(s, nd, s->probe.seq, now);
}

/* The probe's time is up without an ack: Lifeguard's health score goes
 * up by the nacks missing (or by one), and the member is suspected. */
static void probe_fail(struct swim *s, uint64_t now)
{
	struct swim_node *nd = swim_lookup(s, (const uint8_t *)s->probe.node,
					   strlen(s->probe.node));
	struct mlwire_suspect m;
	int delta = 1;

	s->probe.active = false;
	if (s->probe.expected_nacks > 0)
		delta = (int)(s->probe.expected_nacks -
			      (s->probe.nacks < s->probe.expected_nacks
				   ? s->probe.nacks
				   : s->probe.expected_nacks));
	awareness(s, delta);
	if (!nd)
		return;
	suspect_msg(s, nd, &m);
	swim_suspect(s, &m, now);
}

static void probe_due(struct swim *s, uint64_t now)
{
	if (s->probe.active && !s->probe.indirect_sent &&
	    now >= s->probe.timeout_at)
		probe_indirect(s, now);
	if (s->probe.active && now >= s->probe.end_at)
		probe_fail(s, now);
	/* a probe running (its time scaled by the health score) holds the
	 * next one back, like memberlist's ticker behind a slow probe */
	if (s->next_probe < s->probe.end_at)
		s->next_probe = s->probe.end_at;
	if (!s->probe.active && !s->left && now >= s->next_probe)
		probe_start(s, now);
}

/* ---- life cycle ---- */

struct swim *swim_new(const struct swim_config *cfg, uint64_t now)
{
	struct swim *s = xcalloc(1, sizeof(*s));
	struct mlwire_alive a = {0};
	const uint8_t vsn[6] = {MLWIRE_PMIN, MLWIRE_PMAX, MLWIRE_PCUR,
				MLWIRE_DMIN, MLWIRE_DMAX, MLWIRE_DCUR};

	s->cfg = *cfg;
	s->cfg.name = xstrdup(cfg->name);
	s->rng = cfg->seed;
	s->incarnation = 1;
	a.incarnation = 1;
	a.node = (struct msgpk_bytes){(const uint8_t *)s->cfg.name,
				      (uint32_t)strlen(s->cfg.name)};
	a.addr = (struct msgpk_bytes){cfg->addr.ip, cfg->addr.len};
	a.port = cfg->addr.port;
	a.meta = (struct msgpk_bytes){cfg->meta, (uint32_t)cfg->meta_len};
	a.vsn = (struct msgpk_bytes){vsn, 6};
	s->self = node_add(s, &a);
	s->self->m.incarnation = 0;
	swim_alive(s, &a, true, now);
	s->next_probe = now + swim_rand(s) % cfg->profile.probe_interval;
	s->next_gossip = now + cfg->profile.gossip_interval;
	s->next_pushpull = now + cfg->profile.pushpull_interval;
	return s;
}

void swim_free(struct swim *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		node_free(s->nodes[i]);
	free(s->nodes);
	free(s->probe.node);
	swim_io_free(s);
	free((char *)s->cfg.name);
	free(s);
}

void swim_leave(struct swim *s, uint64_t now)
{
	struct mlwire_suspect d;

	if (s->left)
		return;
	s->left = true;
	s->probe.active = false;
	suspect_msg(s, s->self, &d);
	swim_dead(s, &d, now);
}

void swim_set_meta(struct swim *s, const uint8_t *meta, size_t n, uint64_t now)
{
	struct mlwire_alive a;

	set_bytes(&s->self->m.meta, &s->self->m.meta_len,
		  (struct msgpk_bytes){meta, (uint32_t)n});
	s->self->m.incarnation = ++s->incarnation;
	swim_alive_of(s->self, &a);
	swim_queue_msg(s, s->self->m.name, MLWIRE_ALIVE, &a);
	emit(s, SWIM_UPDATE, s->self);
}

uint64_t swim_tick(struct swim *s, uint64_t now)
{
	suspicion_due(s, now);
	swim_waits_due(s, now);
	probe_due(s, now);
	if (now >= s->next_gossip) {
		s->next_gossip = now + s->cfg.profile.gossip_interval;
		swim_gossip(s, now);
	}
	if (!s->left && now >= s->next_pushpull) {
		s->next_pushpull = now + swim_pushpull_interval(s);
		swim_pushpull_random(s, now);
	}
	return swim_next_deadline(s);
}

static uint64_t min_nz(uint64_t a, uint64_t b)
{
	return b && b < a ? b : a;
}

uint64_t swim_next_deadline(const struct swim *s)
{
	uint64_t d = s->next_gossip;

	if (!s->left) {
		d = min_nz(d, s->next_probe);
		d = min_nz(d, s->next_pushpull);
	}
	if (s->probe.active) {
		d = min_nz(d, s->probe.end_at);
		if (!s->probe.indirect_sent)
			d = min_nz(d, s->probe.timeout_at);
	}
	for (size_t i = 0; i < s->n; i++)
		d = min_nz(d, s->nodes[i]->susp_deadline);
	return min_nz(d, swim_waits_deadline(s));
}

size_t swim_members(const struct swim *s, const struct swim_member **out,
		    size_t max)
{
	size_t i;

	for (i = 0; i < s->n && i < max; i++)
		out[i] = &s->nodes[i]->m;
	return s->n;
}

const struct swim_member *swim_find(const struct swim *s, const char *name)
{
	struct swim_node *nd =
	    swim_lookup(s, (const uint8_t *)name, strlen(name));

	return nd ? &nd->m : NULL;
}

int swim_health(const struct swim *s)
{
	return s->awareness;
}

const struct swim_stats *swim_stats(const struct swim *s)
{
	return &s->stats;
}
