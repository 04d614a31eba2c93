/* mlwire.c - memberlist message codec (mlwire.h).
 *
 * Field tables list the Go field names in sorted order, the order Serf
 * 0.9's encoder writes them, so an encoding here is byte-for-byte what
 * a Serf agent would send. Owns no state. */
#include "mlwire.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "lzw.h"
#include "../core/base/xalloc.h"

#define F(n, k, t, m)                                                          \
	{                                                                      \
		.name = n, .kind = k, .off = offsetof(t, m)                    \
	}
#define FO(n, k, t, m)                                                         \
	{                                                                      \
		.name = n, .kind = k, .off = offsetof(t, m), .omitempty = true \
	}

static const struct msgpk_field ping_f[] = {
    F("Node", MSGPK_BYTES, struct mlwire_ping, node),
    F("SeqNo", MSGPK_U32, struct mlwire_ping, seq),
    FO("SourceAddr", MSGPK_BYTES, struct mlwire_ping, source_addr),
    FO("SourceNode", MSGPK_BYTES, struct mlwire_ping, source_node),
    FO("SourcePort", MSGPK_U16, struct mlwire_ping, source_port),
};

static const struct msgpk_field iping_f[] = {
    F("Nack", MSGPK_BOOL, struct mlwire_indirect_ping, nack),
    F("Node", MSGPK_BYTES, struct mlwire_indirect_ping, node),
    F("Port", MSGPK_U16, struct mlwire_indirect_ping, port),
    F("SeqNo", MSGPK_U32, struct mlwire_indirect_ping, seq),
    FO("SourceAddr", MSGPK_BYTES, struct mlwire_indirect_ping, source_addr),
    FO("SourceNode", MSGPK_BYTES, struct mlwire_indirect_ping, source_node),
    FO("SourcePort", MSGPK_U16, struct mlwire_indirect_ping, source_port),
    F("Target", MSGPK_BYTES, struct mlwire_indirect_ping, target),
};

static const struct msgpk_field ack_f[] = {
    F("Payload", MSGPK_BYTES, struct mlwire_ack, payload),
    F("SeqNo", MSGPK_U32, struct mlwire_ack, seq),
};

static const struct msgpk_field nack_f[] = {
    F("SeqNo", MSGPK_U32, struct mlwire_nack, seq),
};

static const struct msgpk_field errresp_f[] = {
    F("Error", MSGPK_BYTES, struct mlwire_errresp, error),
};

static const struct msgpk_field suspect_f[] = {
    F("From", MSGPK_BYTES, struct mlwire_suspect, from),
    F("Incarnation", MSGPK_U32, struct mlwire_suspect, incarnation),
    F("Node", MSGPK_BYTES, struct mlwire_suspect, node),
};

static const struct msgpk_field alive_f[] = {
    F("Addr", MSGPK_BYTES, struct mlwire_alive, addr),
    F("Incarnation", MSGPK_U32, struct mlwire_alive, incarnation),
    F("Meta", MSGPK_BYTES, struct mlwire_alive, meta),
    F("Node", MSGPK_BYTES, struct mlwire_alive, node),
    F("Port", MSGPK_U16, struct mlwire_alive, port),
    F("Vsn", MSGPK_BYTES, struct mlwire_alive, vsn),
};

static const struct msgpk_field compress_f[] = {
    F("Algo", MSGPK_U8, struct mlwire_compress, algo),
    F("Buf", MSGPK_BYTES, struct mlwire_compress, buf),
};

static const struct msgpk_field pph_f[] = {
    F("Join", MSGPK_BOOL, struct mlwire_pp_header, join),
    F("Nodes", MSGPK_I64, struct mlwire_pp_header, nodes),
    F("UserStateLen", MSGPK_I64, struct mlwire_pp_header, user_state_len),
};

static const struct msgpk_field pnode_f[] = {
    F("Addr", MSGPK_BYTES, struct mlwire_push_node, addr),
    F("Incarnation", MSGPK_U32, struct mlwire_push_node, incarnation),
    F("Meta", MSGPK_BYTES, struct mlwire_push_node, meta),
    F("Name", MSGPK_BYTES, struct mlwire_push_node, name),
    F("Port", MSGPK_U16, struct mlwire_push_node, port),
    F("State", MSGPK_I64, struct mlwire_push_node, state),
    F("Vsn", MSGPK_BYTES, struct mlwire_push_node, vsn),
};

static const struct msgpk_field uhdr_f[] = {
    F("UserMsgLen", MSGPK_I64, struct mlwire_user_header, len),
};

struct mlwire_desc {
	const char *name;
	const struct msgpk_field *f;
	size_t nf;
	size_t size;
};

#define D(n, tab, type)                                                        \
	{                                                                      \
		n, tab, ARRAY_LEN(tab), sizeof(type)                           \
	}
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct mlwire_desc descs[] = {
    [MLWIRE_PING] = D("ping", ping_f, struct mlwire_ping),
    [MLWIRE_INDIRECT_PING] =
	D("indirect-ping", iping_f, struct mlwire_indirect_ping),
    [MLWIRE_ACK] = D("ack", ack_f, struct mlwire_ack),
    [MLWIRE_SUSPECT] = D("suspect", suspect_f, struct mlwire_suspect),
    [MLWIRE_ALIVE] = D("alive", alive_f, struct mlwire_alive),
    [MLWIRE_DEAD] = D("dead", suspect_f, struct mlwire_suspect),
    [MLWIRE_PUSH_PULL] = {"push-pull", NULL, 0, 0},
    [MLWIRE_COMPOUND] = {"compound", NULL, 0, 0},
    [MLWIRE_USER] = {"user", NULL, 0, 0},
    [MLWIRE_COMPRESS] = D("compress", compress_f, struct mlwire_compress),
    [MLWIRE_ENCRYPT] = {"encrypt", NULL, 0, 0},
    [MLWIRE_NACK] = D("nack", nack_f, struct mlwire_nack),
    [MLWIRE_HAS_CRC] = {"crc", NULL, 0, 0},
    [MLWIRE_ERR] = D("err", errresp_f, struct mlwire_errresp),
};

const char *mlwire_type_name(unsigned t)
{
	if (t < ARRAY_LEN(descs))
		return descs[t].name;
	return t == MLWIRE_HAS_LABEL ? "label" : "unknown";
}

static const struct mlwire_desc *desc_of(enum mlwire_type t)
{
	if ((unsigned)t >= ARRAY_LEN(descs) || !descs[t].f)
		return NULL;
	return &descs[t];
}

int mlwire_decode(enum mlwire_type t, const uint8_t *body, size_t n, void *out,
		  struct err *e)
{
	const struct mlwire_desc *d = desc_of(t);

	if (!d)
		return err_setc(e, ERR_INVALID,
				"message type %u has no body map", (unsigned)t);
	memset(out, 0, d->size);
	return msgpk_decode(body, n, NULL, d->name, d->f, d->nf, out, e);
}

void mlwire_encode(enum mlwire_type t, const void *msg, struct buf *out)
{
	const struct mlwire_desc *d = desc_of(t);
	uint8_t b = (uint8_t)t;

	if (!d)
		abort(); /* a caller's bug: no such plain message */
	buf_append(out, &b, 1);
	msgpk_encode(out, d->f, d->nf, msg);
}

/* ---- compound ---- */

int mlwire_compound_split(const uint8_t *body, size_t n,
			  struct msgpk_bytes parts[255], size_t *nparts,
			  size_t *truncated, struct err *e)
{
	size_t count, off;

	*nparts = *truncated = 0;
	if (n < 1)
		return err_setc(e, ERR_INVALID, "compound: no count byte");
	count = body[0];
	if (n - 1 < 2 * count)
		return err_setc(
		    e, ERR_INVALID,
		    "compound: %zu lengths need %zu bytes, %zu left", count,
		    2 * count, n - 1);
	off = 1 + 2 * count;
	for (size_t i = 0; i < count; i++) {
		size_t len = (size_t)body[1 + 2 * i] << 8 | body[2 + 2 * i];

		if (len > n - off) {
			*truncated = count - i;
			break;
		}
		parts[i] = (struct msgpk_bytes){body + off, (uint32_t)len};
		off += len;
		*nparts = i + 1;
	}
	return 0;
}

void mlwire_compound_build(const struct msgpk_bytes *parts, size_t n,
			   struct buf *out)
{
	uint8_t hdr[2] = {MLWIRE_COMPOUND, (uint8_t)n};

	if (n > 255)
		abort();
	buf_append(out, hdr, 2);
	for (size_t i = 0; i < n; i++) {
		uint8_t len[2] = {(uint8_t)(parts[i].n >> 8),
				  (uint8_t)parts[i].n};

		if (parts[i].n > 0xffff)
			abort();
		buf_append(out, len, 2);
	}
	for (size_t i = 0; i < n; i++)
		if (parts[i].n)
			buf_append(out, parts[i].p, parts[i].n);
}

/* ---- CRC ---- */

static uint32_t crc_ieee(const uint8_t *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (n > 0) {
		uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;

		c = crc32(c, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}

void mlwire_crc_wrap(const uint8_t *msg, size_t n, struct buf *out)
{
	uint32_t c = crc_ieee(msg, n);
	uint8_t hdr[5] = {MLWIRE_HAS_CRC, (uint8_t)(c >> 24),
			  (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};

	buf_append(out, hdr, 5);
	buf_append(out, msg, n);
}

int mlwire_crc_check(const uint8_t *body, size_t n, struct msgpk_bytes *rest,
		     struct err *e)
{
	uint32_t want, got;

	if (n < 4)
		return err_setc(e, ERR_INVALID, "crc: %zu bytes, need 4", n);
	want = (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 |
	       (uint32_t)body[2] << 8 | body[3];
	got = crc_ieee(body + 4, n - 4);
	if (want != got)
		return err_setc(e, ERR_INVALID,
				"crc: checksum %08x, packet says %08x", got,
				want);
	*rest = (struct msgpk_bytes){body + 4, (uint32_t)(n - 4)};
	return 0;
}

/* ---- compression ---- */

void mlwire_compress(const uint8_t *msg, size_t n, struct buf *out)
{
	struct buf z = {0};
	struct mlwire_compress c = {0};

	lzw_compress(msg, n, &z);
	c.algo = 0;
	c.buf = (struct msgpk_bytes){(const uint8_t *)buf_head(&z),
				     (uint32_t)buf_used(&z)};
	mlwire_encode(MLWIRE_COMPRESS, &c, out);
	buf_free(&z);
}

int mlwire_decompress(const uint8_t *body, size_t n, struct buf *out,
		      struct err *e)
{
	struct mlwire_compress c;

	if (mlwire_decode(MLWIRE_COMPRESS, body, n, &c, e) < 0)
		return -1;
	if (c.algo != 0)
		return err_setc(e, ERR_INVALID,
				"compress.Algo: unknown algorithm %u", c.algo);
	if (lzw_decompress(c.buf.p, c.buf.n, MLWIRE_MAX_DECOMPRESSED, out, e) <
	    0)
		return err_wrap(e, "compress.Buf");
	return 0;
}

/* ---- push/pull ---- */

int mlwire_pushpull_decode(const uint8_t *body, size_t n,
			   struct mlwire_pushpull *out, struct err *e)
{
	struct mlwire_pp_header h = {0};
	size_t used, off;
	char what[48];

	memset(out, 0, sizeof(*out));
	if (msgpk_decode(body, n, &used, "push-pull header", pph_f,
			 ARRAY_LEN(pph_f), &h, e) < 0)
		return -1;
	if (h.nodes < 0 || h.nodes > (int64_t)MLWIRE_MAX_PUSH_NODES ||
	    (uint64_t)h.nodes > n - used)
		return err_setc(e, ERR_INVALID,
				"push-pull header.Nodes: %lld out of range",
				(long long)h.nodes);
	if (h.user_state_len < 0 ||
	    h.user_state_len > (int64_t)MLWIRE_MAX_PUSH_BYTES)
		return err_setc(
		    e, ERR_INVALID,
		    "push-pull header.UserStateLen: %lld out of range",
		    (long long)h.user_state_len);
	out->join = h.join;
	out->nodes =
	    xcalloc(h.nodes ? (size_t)h.nodes : 1, sizeof(*out->nodes));
	off = used;
	for (int64_t i = 0; i < h.nodes; i++) {
		struct mlwire_push_node *pn = &out->nodes[i];

		snprintf(what, sizeof(what), "push-pull node %lld",
			 (long long)i);
		if (msgpk_decode(body + off, n - off, &used, what, pnode_f,
				 ARRAY_LEN(pnode_f), pn, e) < 0)
			goto fail;
		if (pn->state < 0 || pn->state > MLWIRE_STATE_LEFT) {
			err_setc(e, ERR_INVALID, "%s.State: %lld unknown", what,
				 (long long)pn->state);
			goto fail;
		}
		off += used;
		out->n_nodes = (size_t)i + 1;
	}
	if ((uint64_t)h.user_state_len != n - off) {
		err_setc(
		    e, ERR_INVALID,
		    "push-pull user state: header says %lld bytes, %zu follow",
		    (long long)h.user_state_len, n - off);
		goto fail;
	}
	out->user_state = (struct msgpk_bytes){body + off, (uint32_t)(n - off)};
	return 0;
fail:
	mlwire_pushpull_free(out);
	return -1;
}

void mlwire_pushpull_free(struct mlwire_pushpull *pp)
{
	free(pp->nodes);
	pp->nodes = NULL;
	pp->n_nodes = 0;
}

void mlwire_pushpull_encode(const struct mlwire_pushpull *pp, struct buf *out)
{
	struct mlwire_pp_header h = {(int64_t)pp->n_nodes,
				     (int64_t)pp->user_state.n, pp->join};
	uint8_t t = MLWIRE_PUSH_PULL;

	buf_append(out, &t, 1);
	msgpk_encode(out, pph_f, ARRAY_LEN(pph_f), &h);
	for (size_t i = 0; i < pp->n_nodes; i++)
		msgpk_encode(out, pnode_f, ARRAY_LEN(pnode_f), &pp->nodes[i]);
	if (pp->user_state.n)
		buf_append(out, pp->user_state.p, pp->user_state.n);
}

int mlwire_user_stream_decode(const uint8_t *body, size_t n,
			      struct msgpk_bytes *msg, struct err *e)
{
	struct mlwire_user_header h = {0};
	size_t used;

	if (msgpk_decode(body, n, &used, "user header", uhdr_f,
			 ARRAY_LEN(uhdr_f), &h, e) < 0)
		return -1;
	if (h.len < 0 || (uint64_t)h.len != n - used)
		return err_setc(
		    e, ERR_INVALID,
		    "user header.UserMsgLen: %lld, %zu bytes follow",
		    (long long)h.len, n - used);
	*msg = (struct msgpk_bytes){body + used, (uint32_t)h.len};
	return 0;
}

/* ---- walking a packet ---- */

static int walk(const uint8_t *p, size_t n, int depth, mlwire_walk_fn fn,
		void *ctx, struct err *e);

static int walk_compound(const uint8_t *body, size_t n, int depth,
			 mlwire_walk_fn fn, void *ctx, struct err *e)
{
	struct msgpk_bytes parts[255];
	size_t np, trunc;

	if (mlwire_compound_split(body, n, parts, &np, &trunc, e) < 0)
		return -1;
	for (size_t i = 0; i < np; i++)
		if (walk(parts[i].p, parts[i].n, depth + 1, fn, ctx, e) < 0)
			return err_wrap(e, "compound part %zu", i);
	if (trunc)
		return err_setc(e, ERR_INVALID, "compound: %zu parts truncated",
				trunc);
	return 0;
}

static int walk(const uint8_t *p, size_t n, int depth, mlwire_walk_fn fn,
		void *ctx, struct err *e)
{
	struct msgpk_bytes rest;
	struct buf z = {0};
	int r;

	if (n < 1)
		return err_setc(e, ERR_INVALID, "empty message");
	if (depth > 4)
		return err_setc(e, ERR_INVALID, "wrappers nested too deep");
	switch (p[0]) {
	case MLWIRE_HAS_CRC:
		if (mlwire_crc_check(p + 1, n - 1, &rest, e) < 0)
			return -1;
		return walk(rest.p, rest.n, depth + 1, fn, ctx, e);
	case MLWIRE_COMPOUND:
		return walk_compound(p + 1, n - 1, depth, fn, ctx, e);
	case MLWIRE_COMPRESS:
		if (mlwire_decompress(p + 1, n - 1, &z, e) < 0) {
			buf_free(&z);
			return -1;
		}
		if (buf_used(&z) == 0)
			return err_setc(e, ERR_INVALID,
					"compress: expands to nothing");
		r = walk((const uint8_t *)buf_head(&z), buf_used(&z), depth + 1,
			 fn, ctx, e);
		buf_free(&z);
		return r;
	default:
		return fn(ctx, p[0], p + 1, n - 1, e);
	}
}

int mlwire_walk(const uint8_t *pkt, size_t n, mlwire_walk_fn fn, void *ctx,
		struct err *e)
{
	return walk(pkt, n, 0, fn, ctx, e);
}
