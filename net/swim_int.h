/* swim_int.h - what swim.c and swim_io.c share inside the state machine;
 * not for other files. */
#ifndef SKIFF_SWIM_INT_H
#define SKIFF_SWIM_INT_H

#include "swim.h"

struct swim_node {
	struct swim_member m;
	/* suspicion (Lifeguard): deadline 0 when none */
	uint64_t susp_start, susp_deadline, susp_min, susp_max;
	unsigned susp_n, susp_k;
	char **confirm; /* who suspected, the first included */
	size_t n_confirm;
};

struct swim_probe {
	bool active, indirect_sent;
	char *node;
	uint32_t seq;
	uint64_t timeout_at, end_at;
	unsigned expected_nacks, nacks;
};

/* A queued broadcast: a whole message, sent at most the retransmit
 * limit times; `key` (a member name) replaces older news of it. */
struct swim_bcast {
	char *key;
	uint8_t *msg;
	size_t n;
	unsigned transmits;
	uint64_t id;
};

struct swim_queue {
	struct swim_bcast *v;
	size_t n, cap;
};

/* An indirect probe we relay, waiting for the target's ack. */
struct swim_wait {
	uint32_t seq, their_seq;
	uint64_t deadline;
	struct swim_addr reply_to;
	bool nack;
};

enum swim_stream_kind { SWIM_STREAM_PUSHPULL, SWIM_STREAM_PING };

struct swim_stream {
	uint32_t id, seq;
	enum swim_stream_kind kind;
	bool join;
};

struct swim {
	struct swim_config cfg; /* name owned */
	struct swim_node **nodes, *self;
	size_t n, cap, probe_idx;
	uint32_t seq, incarnation;
	int awareness;
	bool left;
	uint64_t rng, next_probe, next_gossip, next_pushpull, bcast_id;
	struct swim_probe probe;
	struct swim_queue mlq, userq;
	struct swim_wait *waits;
	size_t n_waits;
	struct swim_stream *streams;
	size_t n_streams;
	uint32_t next_stream;
	struct swim_stats stats;
};

/* swim.c */
uint64_t swim_rand(struct swim *s);
struct swim_node *swim_lookup(const struct swim *s, const uint8_t *name,
			      size_t n);
void swim_alive_of(const struct swim_node *nd, struct mlwire_alive *a);
void swim_alive(struct swim *s, const struct mlwire_alive *a, bool bootstrap,
		uint64_t now);
void swim_suspect(struct swim *s, const struct mlwire_suspect *m, uint64_t now);
void swim_dead(struct swim *s, const struct mlwire_suspect *m, uint64_t now);
void swim_merge(struct swim *s, const struct mlwire_pushpull *pp, uint64_t now);
void swim_probe_acked(struct swim *s);

/* swim_io.c */
void swim_queue_msg(struct swim *s, const char *key, enum mlwire_type t,
		    const void *msg);
void swim_ping_of(struct swim *s, const struct swim_node *nd, uint32_t seq,
		  struct mlwire_ping *p);
void swim_indirect_of(struct swim *s, const struct swim_node *nd, uint32_t seq,
		      struct mlwire_indirect_ping *ip);
void swim_send_msg(struct swim *s, const struct swim_addr *to,
		   const struct swim_node *nd, enum mlwire_type t,
		   const void *msg);
void swim_send_ping_suspect(struct swim *s, const struct swim_node *nd,
			    const struct mlwire_ping *p,
			    const struct mlwire_suspect *m);
void swim_tcp_ping(struct swim *s, const struct swim_node *nd, uint32_t seq,
		   uint64_t now);
size_t swim_pick(struct swim *s, struct swim_node **out, size_t k,
		 const struct swim_node *skip, bool alive_only, uint64_t now);
void swim_gossip(struct swim *s, uint64_t now);
uint64_t swim_pushpull_interval(const struct swim *s);
void swim_pushpull_random(struct swim *s, uint64_t now);
void swim_waits_due(struct swim *s, uint64_t now);
uint64_t swim_waits_deadline(const struct swim *s);
void swim_io_free(struct swim *s);

#endif
