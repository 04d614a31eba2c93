/* serf.h - Serf's layer over the SWIM state machine (net/swim.h), loop-
 * free like it: Lamport clocks, member status from join/leave intents
 * (alive, leaving, left, failed), tags in node meta, user events with
 * de-duplication, queries with acks, responses and filters, and the
 * keyring managed cluster-wide through Serf's internal queries.
 *
 * struct serf owns its struct swim and the keyring; its inputs are the
 * same as swim's (packets, streams, time) plus the user's calls, its
 * outputs swim's (packets, streams, the next deadline) plus events.
 * Everything handed to a callback is valid only during the call. */
#ifndef SKIFF_SERF_H
#define SKIFF_SERF_H

#include "swim.h"

#include "../proto/serfwire.h"

enum serf_status {
	SERF_ALIVE,
	SERF_LEAVING,
	SERF_LEFT,
	SERF_FAILED,
};

enum serf_event_kind {
	SERF_MEMBER_JOIN,
	SERF_MEMBER_LEAVE,
	SERF_MEMBER_FAILED,
	SERF_MEMBER_UPDATE,
	SERF_MEMBER_REAP,
	SERF_USER,
	SERF_QUERY,
	SERF_QUERY_ACK,
	SERF_QUERY_RESPONSE,
};

struct serf_event {
	enum serf_event_kind kind;
	const struct swim_member *member; /* member events */
	enum serf_status status;
	uint64_t ltime;			  /* user, query */
	struct msgpk_bytes name, payload; /* user, query, response */
	bool coalesce;
	uint32_t query_id;	 /* query: answer with serf_respond() */
	struct msgpk_bytes from; /* ack, response */
};

struct serf_ops {
	void (*send)(void *ctx, const struct swim_addr *to, const uint8_t *pkt,
		     size_t n);
	void (*stream)(void *ctx, uint32_t id, const struct swim_addr *to,
		       const uint8_t *msg, size_t n);
	void (*event)(void *ctx, const struct serf_event *ev);
};

struct serf_config {
	const char *name;
	struct swim_addr addr;
	const struct serfwire_tag *tags;
	size_t n_tags;
	struct swim_profile profile;
	/* Keys to start with ([0] primary); none: no encryption. */
	const struct mlcrypt_keyring *keys;
	uint64_t seed;
	const struct serf_ops *ops;
	void *ctx;
};

struct serf;

struct serf *serf_new(const struct serf_config *cfg, uint64_t now);
void serf_free(struct serf *s);
struct swim *serf_swim(struct serf *s);

/* Join: a push/pull with addr, then our join intent. */
void serf_join(struct serf *s, const struct swim_addr *addr, uint64_t now);
/* Leave: the intent now, memberlist's leave after the broadcast time;
 * serf_left() says when it is done. */
void serf_leave(struct serf *s, uint64_t now);
bool serf_left(const struct serf *s);
/* Replace our tags (meta) and tell everyone. */
int serf_set_tags(struct serf *s, const struct serfwire_tag *tags, size_t n,
		  uint64_t now, struct err *e);
int serf_user_event(struct serf *s, const char *name, const uint8_t *payload,
		    size_t n, bool coalesce, uint64_t now, struct err *e);
/* A query; acks and responses come as events until its timeout.
 * filter_nodes/filter_tag may be NULL/0. Returns its id in *id. */
int serf_query(struct serf *s, const char *name, const uint8_t *payload,
	       size_t n, const char *const *filter_nodes, size_t n_nodes,
	       const char *tag, const char *tag_expr, uint64_t timeout_ms,
	       bool ack, uint64_t now, uint32_t *id, struct err *e);
/* Answer a query we received (its event's ltime and id). */
int serf_respond(struct serf *s, uint64_t ltime, uint32_t id,
		 const uint8_t *payload, size_t n, uint64_t now, struct err *e);
/* Keyring queries across the cluster; the local ring changes with the
 * answer of every member. */
int serf_key_query(struct serf *s, const char *op, const char *b64,
		   uint64_t now, uint32_t *id, struct err *e);
const struct mlcrypt_keyring *serf_keyring(const struct serf *s);

enum serf_status serf_member_status(const struct serf *s, const char *name);

/* Inputs (as swim's) and the timer. */
int serf_recv(struct serf *s, const struct swim_addr *from, const uint8_t *pkt,
	      size_t n, uint64_t now, struct err *e);
int serf_stream_in(struct serf *s, const uint8_t *msg, size_t n,
		   struct buf *reply, uint64_t now, struct err *e);
int serf_stream_reply(struct serf *s, uint32_t id, const uint8_t *msg, size_t n,
		      uint64_t now, struct err *e);
void serf_stream_failed(struct serf *s, uint32_t id, uint64_t now);
uint64_t serf_tick(struct serf *s, uint64_t now);
uint64_t serf_next_deadline(const struct serf *s);

#endif
