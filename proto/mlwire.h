/* mlwire.h - HashiCorp memberlist's messages, as Serf 0.9 speaks them.
 *
 * A UDP packet is one message: a type byte then a msgpack map (a Go
 * struct by field name), or a wrapper around messages: compound (count
 * byte, big-endian u16 lengths, the parts), compress (a map {Algo, Buf}
 * whose Buf is LZW of a message), hasCrc (big-endian CRC-32/IEEE of the
 * rest). Encryption wraps the whole packet (mlcrypt.h). Over TCP a push/
 * pull is the type byte, a header map, one map per node, then the
 * delegate's (Serf's) state as raw bytes.
 *
 * Protocol versions: Serf 0.9 advertises memberlist Vsn {pmin 1, pmax 5,
 * pcur 2, dmin 2, dmax 5, dcur 5}; CRC is added for peers with pmax >= 5,
 * encryption version 1 (no padding) is used from pcur 2, nacks from 4.
 *
 * Decoded messages hold views into the caller's buffer (msgpk.h). */
#ifndef SKIFF_MLWIRE_H
#define SKIFF_MLWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "msgpk.h"

enum mlwire_type {
	MLWIRE_PING = 0,
	MLWIRE_INDIRECT_PING = 1,
	MLWIRE_ACK = 2,
	MLWIRE_SUSPECT = 3,
	MLWIRE_ALIVE = 4,
	MLWIRE_DEAD = 5,
	MLWIRE_PUSH_PULL = 6,
	MLWIRE_COMPOUND = 7,
	MLWIRE_USER = 8,
	MLWIRE_COMPRESS = 9,
	MLWIRE_ENCRYPT = 10,
	MLWIRE_NACK = 11,
	MLWIRE_HAS_CRC = 12,
	MLWIRE_ERR = 13,
	MLWIRE_HAS_LABEL = 244, /* newer memberlist; refused here */
};

enum mlwire_state {
	MLWIRE_STATE_ALIVE = 0,
	MLWIRE_STATE_SUSPECT = 1,
	MLWIRE_STATE_DEAD = 2,
	MLWIRE_STATE_LEFT = 3,
};

/* The versions we advertise, as Serf 0.9 does. */
#define MLWIRE_PMIN 1
#define MLWIRE_PMAX 5
#define MLWIRE_PCUR 2
#define MLWIRE_DMIN 2
#define MLWIRE_DMAX 5
#define MLWIRE_DCUR 5
#define MLWIRE_META_MAX 512
/* memberlist's limits on what it will read. */
#define MLWIRE_MAX_PUSH_BYTES (20u << 20)
#define MLWIRE_MAX_PUSH_NODES (1u << 20)
#define MLWIRE_MAX_DECOMPRESSED (2u * MLWIRE_MAX_PUSH_BYTES)

struct mlwire_ping {
	uint32_t seq;
	struct msgpk_bytes node; /* the intended recipient */
	struct msgpk_bytes source_addr;
	uint16_t source_port;
	struct msgpk_bytes source_node;
};

struct mlwire_indirect_ping {
	uint32_t seq;
	struct msgpk_bytes target;
	uint16_t port;
	struct msgpk_bytes node;
	bool nack;
	struct msgpk_bytes source_addr;
	uint16_t source_port;
	struct msgpk_bytes source_node;
};

struct mlwire_ack {
	uint32_t seq;
	struct msgpk_bytes payload;
};

struct mlwire_nack {
	uint32_t seq;
};

struct mlwire_errresp {
	struct msgpk_bytes error;
};

/* suspect and dead have the same fields. */
struct mlwire_suspect {
	uint32_t incarnation;
	struct msgpk_bytes node, from;
};

struct mlwire_alive {
	uint32_t incarnation;
	struct msgpk_bytes node;
	struct msgpk_bytes addr; /* 4 or 16 bytes */
	uint16_t port;
	struct msgpk_bytes meta;
	struct msgpk_bytes vsn; /* pmin pmax pcur dmin dmax dcur */
};

struct mlwire_compress {
	uint8_t algo; /* 0: LZW */
	struct msgpk_bytes buf;
};

struct mlwire_pp_header {
	int64_t nodes;
	int64_t user_state_len;
	bool join;
};

struct mlwire_push_node {
	struct msgpk_bytes name, addr;
	uint16_t port;
	struct msgpk_bytes meta;
	uint32_t incarnation;
	int64_t state; /* enum mlwire_state */
	struct msgpk_bytes vsn;
};

struct mlwire_user_header {
	int64_t len;
};

/* A whole push/pull (after its type byte); nodes is owned. */
struct mlwire_pushpull {
	bool join;
	struct mlwire_push_node *nodes;
	size_t n_nodes;
	struct msgpk_bytes user_state;
};

/* Decode the body (after the type byte) of a plain message of type t
 * (ping, indirect ping, ack, nack, suspect, alive, dead, err, compress)
 * into out, the struct for t. */
int mlwire_decode(enum mlwire_type t, const uint8_t *body, size_t n, void *out,
		  struct err *e);
/* Append type byte and encoding of msg (the struct for t) to out. */
void mlwire_encode(enum mlwire_type t, const void *msg, struct buf *out);
const char *mlwire_type_name(unsigned t);

/* Compound: split body (after the type byte) into at most 255 parts;
 * parts cut short at the end are counted in *truncated, as memberlist
 * does, and not returned. */
int mlwire_compound_split(const uint8_t *body, size_t n,
			  struct msgpk_bytes parts[255], size_t *nparts,
			  size_t *truncated, struct err *e);
/* Build one compound message from up to 255 parts of < 64 KiB each. */
void mlwire_compound_build(const struct msgpk_bytes *parts, size_t n,
			   struct buf *out);

/* CRC: prefix msg with [12][crc32 BE]. */
void mlwire_crc_wrap(const uint8_t *msg, size_t n, struct buf *out);
/* Check [12][crc][rest] (body is after the type byte); *rest gets the
 * inner message. A mismatch is ERR_INVALID. */
int mlwire_crc_check(const uint8_t *body, size_t n, struct msgpk_bytes *rest,
		     struct err *e);

/* Compress msg into a compressMsg ([9][{Algo:0,Buf}]). */
void mlwire_compress(const uint8_t *msg, size_t n, struct buf *out);
/* Expand a compressMsg body (after the type byte) into out. */
int mlwire_decompress(const uint8_t *body, size_t n, struct buf *out,
		      struct err *e);

/* Push/pull body (after the type byte): header, nodes, user state, with
 * memberlist's limits; nothing may follow the user state. */
int mlwire_pushpull_decode(const uint8_t *body, size_t n,
			   struct mlwire_pushpull *out, struct err *e);
void mlwire_pushpull_free(struct mlwire_pushpull *pp);
/* [6][header][nodes...][user_state] */
void mlwire_pushpull_encode(const struct mlwire_pushpull *pp, struct buf *out);

/* A user message over TCP: body after [8] is a header map {UserMsgLen}
 * then the bytes. */
int mlwire_user_stream_decode(const uint8_t *body, size_t n,
			      struct msgpk_bytes *msg, struct err *e);

/* Walk a plaintext packet: unwrap CRC, compress and compound (nested up
 * to 4 deep) and call fn for each plain message with its type and body.
 * A bad wrapper is an error; fn's -1 stops the walk. */
typedef int (*mlwire_walk_fn)(void *ctx, enum mlwire_type t,
			      const uint8_t *body, size_t n, struct err *e);
int mlwire_walk(const uint8_t *pkt, size_t n, mlwire_walk_fn fn, void *ctx,
		struct err *e);

#endif
