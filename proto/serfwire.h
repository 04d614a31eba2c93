/* serfwire.h - Serf's messages on top of memberlist (Serf 0.9).
 *
 * Serf rides in memberlist user messages (type 8): one Serf type byte
 * then a msgpack map, like memberlist's own. Its push/pull state is the
 * delegate state of a memberlist push/pull; its tags are the node meta:
 * byte 255 then a msgpack map of strings (anything else is the old
 * role-only form). Queries carry filters ([type][msgpack]) and are
 * answered by query responses sent straight to the asker; the keyring
 * is managed with internal queries "_serf_install-key", "_serf_use-key",
 * "_serf_remove-key", "_serf_list-keys" whose payload is a key request
 * ([7][{Key}]) and whose answers are key responses ([8][{...}]).
 *
 * Decoded messages hold views into the caller's buffer; lists are owned
 * and freed by serfwire_free(). */
#ifndef SKIFF_SERFWIRE_H
#define SKIFF_SERFWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "msgpk.h"

enum serfwire_type {
	SERFWIRE_LEAVE = 0,
	SERFWIRE_JOIN = 1,
	SERFWIRE_PUSH_PULL = 2,
	SERFWIRE_USER_EVENT = 3,
	SERFWIRE_QUERY = 4,
	SERFWIRE_QUERY_RESPONSE = 5,
	SERFWIRE_CONFLICT_RESPONSE = 6,
	SERFWIRE_KEY_REQUEST = 7,
	SERFWIRE_KEY_RESPONSE = 8,
	SERFWIRE_RELAY = 9,
	SERFWIRE_NTYPES,
};

#define SERFWIRE_QUERY_ACK 1u
#define SERFWIRE_QUERY_NO_BROADCAST 2u
#define SERFWIRE_TAG_MAGIC 255
#define SERFWIRE_INTERNAL_PREFIX "_serf_"
/* Serf's protocol versions (agent protocol 5, understands back to 2). */
#define SERFWIRE_PMIN 2
#define SERFWIRE_PMAX 5
#define SERFWIRE_PCUR 5

struct serfwire_join {
	uint64_t ltime;
	struct msgpk_bytes node;
};

struct serfwire_leave {
	uint64_t ltime;
	struct msgpk_bytes node;
	bool prune;
};

struct serfwire_user_event {
	uint64_t ltime;
	struct msgpk_bytes name, payload;
	bool cc; /* may coalesce */
};

struct serfwire_query {
	uint64_t ltime;
	uint32_t id;
	struct msgpk_bytes addr; /* where to answer */
	uint16_t port;
	struct msgpk_bytes source_node;
	struct msgpk_list filters; /* each [type][msgpack] */
	uint32_t flags;
	uint8_t relay_factor;
	int64_t timeout; /* nanoseconds */
	struct msgpk_bytes name, payload;
};

struct serfwire_query_response {
	uint64_t ltime;
	uint32_t id;
	struct msgpk_bytes from;
	uint32_t flags;
	struct msgpk_bytes payload;
};

struct serfwire_key_request {
	struct msgpk_bytes key;
};

struct serfwire_key_response {
	bool result;
	struct msgpk_bytes message;
	struct msgpk_list keys; /* base64 */
	struct msgpk_bytes primary_key;
};

struct serfwire_status_ltime {
	struct msgpk_bytes name;
	uint64_t ltime;
};

struct serfwire_event {
	struct msgpk_bytes name, payload;
};

/* One slot of Serf's event buffer: the events of one Lamport time. */
struct serfwire_events {
	uint64_t ltime;
	struct serfwire_event *ev;
	uint32_t n;
};

struct serfwire_pushpull {
	uint64_t ltime;
	struct serfwire_status_ltime *status;
	uint32_t n_status;
	struct msgpk_list left_members;
	uint64_t event_ltime;
	struct serfwire_events *events; /* nil slots are skipped */
	uint32_t n_events;
	uint64_t query_ltime;
};

struct serfwire_tag {
	struct msgpk_bytes key, value;
};

struct serfwire_tags {
	struct serfwire_tag *v; /* owned */
	uint32_t n;
};

enum serfwire_filter_type {
	SERFWIRE_FILTER_NODE = 0,
	SERFWIRE_FILTER_TAG = 1,
};

struct serfwire_filter {
	enum serfwire_filter_type type;
	struct msgpk_list nodes;      /* FILTER_NODE */
	struct msgpk_bytes tag, expr; /* FILTER_TAG */
};

/* Decode msg[0..n): a Serf type byte and its map, into out (the struct
 * of *type). Push/pull and relay are separate calls. */
int serfwire_decode(const uint8_t *msg, size_t n, enum serfwire_type *type,
		    void *out, struct err *e);
/* Free the owned parts of a decoded message of type t. */
void serfwire_free(enum serfwire_type t, void *msg);
/* Append [type][map]. */
void serfwire_encode(enum serfwire_type t, const void *msg, struct buf *out);
const char *serfwire_type_name(unsigned t);

int serfwire_pushpull_decode(const uint8_t *msg, size_t n,
			     struct serfwire_pushpull *out, struct err *e);
void serfwire_pushpull_free(struct serfwire_pushpull *pp);
void serfwire_pushpull_encode(const struct serfwire_pushpull *pp,
			      struct buf *out);

/* Tags in node meta; the old role-only form decodes as {role: meta}. */
int serfwire_tags_decode(const uint8_t *meta, size_t n,
			 struct serfwire_tags *out, struct err *e);
void serfwire_tags_free(struct serfwire_tags *t);
void serfwire_tags_encode(const struct serfwire_tag *v, size_t n,
			  struct buf *out);

int serfwire_filter_decode(struct msgpk_bytes raw, struct serfwire_filter *f,
			   struct err *e);
void serfwire_filter_free(struct serfwire_filter *f);
void serfwire_filter_encode(const struct serfwire_filter *f, struct buf *out);

/* Relay: [9][{DestAddr:{IP,Port,Zone},DestName}][inner message]. */
struct serfwire_relay {
	struct msgpk_bytes ip;
	int64_t port;
	struct msgpk_bytes zone, dest_name;
	struct msgpk_bytes inner; /* the message to forward */
};
int serfwire_relay_decode(const uint8_t *msg, size_t n,
			  struct serfwire_relay *out, struct err *e);
void serfwire_relay_encode(const struct serfwire_relay *r, struct buf *out);

#endif
