/* swim.h - SWIM with Lifeguard, as HashiCorp memberlist runs it, as a
 * state machine with no loop and no sockets.
 *
 * Inputs are time (milliseconds on any monotonic clock), UDP packets and
 * stream (TCP) messages; outputs are packets and stream requests through
 * struct swim_ops, membership events, and the next deadline at which
 * swim_tick() wants to run. Nothing blocks and nothing here reads a
 * clock, so a test can run many members in one process on simulated
 * time (tests/unit/test_swim.c) and the membership module drives it
 * from its loop.
 *
 * What it does, after memberlist: a probe every probe interval (scaled by
 * Lifeguard's local health score) to the next member in a shuffled
 * round, indirect probes through k others with nacks, suspicion whose
 * timeout shrinks from max to min with independent confirmations
 * (Lifeguard), refutation by incarnation, piggybacked broadcasts
 * (alive/suspect/dead and the user's) with retransmit limits, push/pull
 * state exchange on join and periodically, graceful leave, dead members
 * forgotten after the gossip-to-the-dead time. Packets are sealed with
 * the keyring when one is given (every packet must then open),
 * compressed when that helps, CRC'd for peers that speak protocol 5.
 *
 * Memory: struct swim owns its members (names, meta) and queues;
 * swim_free() releases everything. Members handed to callbacks are
 * valid only during the call. */
#ifndef SKIFF_SWIM_H
#define SKIFF_SWIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "../proto/mlcrypt.h"
#include "../proto/mlwire.h"

struct swim_addr {
	uint8_t ip[16];
	uint8_t len; /* 4 or 16 */
	uint16_t port;
};

/* memberlist's timing profiles (DefaultLANConfig, WAN, Local). */
struct swim_profile {
	uint32_t probe_interval, probe_timeout; /* ms */
	uint32_t gossip_interval, gossip_to_dead, pushpull_interval;
	uint32_t stream_timeout;
	unsigned indirect_checks, gossip_nodes;
	unsigned suspicion_mult, suspicion_max_mult, retransmit_mult;
	unsigned awareness_max;
};
extern const struct swim_profile swim_lan, swim_wan, swim_local;

enum swim_event {
	SWIM_JOIN,     /* a member is alive (new, or back from dead/left) */
	SWIM_LEAVE,    /* a member is dead or has left (see its state) */
	SWIM_UPDATE,   /* an alive member's meta changed */
	SWIM_CONFLICT, /* another address claims a member's name */
};

struct swim_member {
	char *name;
	struct swim_addr addr;
	uint8_t *meta;
	size_t meta_len;
	uint32_t incarnation;
	enum mlwire_state state;
	uint64_t state_change; /* ms */
	uint8_t vsn[6];
};

struct swim_ops {
	/* Send one finished UDP packet. */
	void (*send)(void *ctx, const struct swim_addr *to, const uint8_t *pkt,
		     size_t n);
	/* Open a stream to `to`, write msg, read one message back and give
	 * it to swim_stream_reply(id) (or swim_stream_failed(id)). */
	void (*stream)(void *ctx, uint32_t id, const struct swim_addr *to,
		       const uint8_t *msg, size_t n);
	void (*event)(void *ctx, enum swim_event ev,
		      const struct swim_member *m);
	/* The delegate (Serf): a user message arrived; our state for a
	 * push/pull; a peer's state from one. Any may be NULL. */
	void (*user_msg)(void *ctx, const uint8_t *msg, size_t n);
	void (*local_state)(void *ctx, bool join, struct buf *out);
	void (*merge_state)(void *ctx, const uint8_t *st, size_t n, bool join);
};

struct swim_config {
	const char *name;
	struct swim_addr addr; /* advertised */
	const uint8_t *meta;
	size_t meta_len;
	struct swim_profile profile;
	size_t udp_buffer; /* 1400 */
	bool compress;
	/* NULL or empty: no encryption. Not owned; may change between
	 * calls (key rotation). */
	const struct mlcrypt_keyring *keyring;
	uint64_t seed; /* random choices */
	const struct swim_ops *ops;
	void *ctx;
};

struct swim;

struct swim *swim_new(const struct swim_config *cfg, uint64_t now);
void swim_free(struct swim *s);

/* Push/pull with addr to join (the reply is merged when it comes). */
void swim_join(struct swim *s, const struct swim_addr *addr, uint64_t now);
/* Broadcast our leave (dead from ourselves); probing stops. */
void swim_leave(struct swim *s, uint64_t now);
/* New meta for us: incarnation + 1 and an alive broadcast. */
void swim_set_meta(struct swim *s, const uint8_t *meta, size_t n, uint64_t now);
/* Queue a user message (without memberlist's [8]) to piggyback. */
void swim_broadcast_user(struct swim *s, const uint8_t *msg, size_t n);
/* Send a user message straight to a member by UDP. */
void swim_send_user(struct swim *s, const struct swim_addr *to,
		    const uint8_t *msg, size_t n);

/* A UDP packet arrived. Bad packets are counted and dropped; e says why
 * (the return value is for tests and logs, never fatal). */
int swim_recv(struct swim *s, const struct swim_addr *from, const uint8_t *pkt,
	      size_t n, uint64_t now, struct err *e);
/* A whole stream message arrived from a peer; the answer to write back
 * (maybe nothing) goes to reply. */
int swim_stream_in(struct swim *s, const uint8_t *msg, size_t n,
		   struct buf *reply, uint64_t now, struct err *e);
int swim_stream_reply(struct swim *s, uint32_t id, const uint8_t *msg, size_t n,
		      uint64_t now, struct err *e);
void swim_stream_failed(struct swim *s, uint32_t id, uint64_t now);

/* Run what is due at now; the next deadline (ms) is returned. */
uint64_t swim_tick(struct swim *s, uint64_t now);
uint64_t swim_next_deadline(const struct swim *s);

/* The member table (ourselves included), for listings. */
size_t swim_members(const struct swim *s, const struct swim_member **out,
		    size_t max);
const struct swim_member *swim_find(const struct swim *s, const char *name);
int swim_health(const struct swim *s); /* Lifeguard's score, 0 = healthy */
/* Counters for tests and `info`. */
struct swim_stats {
	uint64_t pkts_in, pkts_out, bytes_out, dropped, bad_key;
	uint64_t probes, indirect, suspects, refutes;
};
const struct swim_stats *swim_stats(const struct swim *s);

#endif
