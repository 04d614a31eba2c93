/* serfwire.c - Serf message codec (serfwire.h).
 *
 * Field tables in sorted name order, as Serf's encoder writes them.
 * Owns no state; decoded lists are allocated and freed by _free(). */
#include "serfwire.h"
#include "../core/base/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define F(n, k, t, m)                                                          \
	{                                                                      \
		.name = n, .kind = k, .off = offsetof(t, m)                    \
	}
#define NF(tab) (sizeof(tab) / sizeof((tab)[0]))

static const struct msgpk_field join_f[] = {
    F("LTime", MSGPK_U64, struct serfwire_join, ltime),
    F("Node", MSGPK_BYTES, struct serfwire_join, node),
};

static const struct msgpk_field leave_f[] = {
    F("LTime", MSGPK_U64, struct serfwire_leave, ltime),
    F("Node", MSGPK_BYTES, struct serfwire_leave, node),
    F("Prune", MSGPK_BOOL, struct serfwire_leave, prune),
};

static const struct msgpk_field uev_f[] = {
    F("CC", MSGPK_BOOL, struct serfwire_user_event, cc),
    F("LTime", MSGPK_U64, struct serfwire_user_event, ltime),
    F("Name", MSGPK_BYTES, struct serfwire_user_event, name),
    F("Payload", MSGPK_BYTES, struct serfwire_user_event, payload),
};

static const struct msgpk_field query_f[] = {
    F("Addr", MSGPK_BYTES, struct serfwire_query, addr),
    MSGPK_LIST("Filters", struct serfwire_query, filters),
    F("Flags", MSGPK_U32, struct serfwire_query, flags),
    F("ID", MSGPK_U32, struct serfwire_query, id),
    F("LTime", MSGPK_U64, struct serfwire_query, ltime),
    F("Name", MSGPK_BYTES, struct serfwire_query, name),
    F("Payload", MSGPK_BYTES, struct serfwire_query, payload),
    F("Port", MSGPK_U16, struct serfwire_query, port),
    F("RelayFactor", MSGPK_U8, struct serfwire_query, relay_factor),
    F("SourceNode", MSGPK_BYTES, struct serfwire_query, source_node),
    F("Timeout", MSGPK_I64, struct serfwire_query, timeout),
};

static const struct msgpk_field qresp_f[] = {
    F("Flags", MSGPK_U32, struct serfwire_query_response, flags),
    F("From", MSGPK_BYTES, struct serfwire_query_response, from),
    F("ID", MSGPK_U32, struct serfwire_query_response, id),
    F("LTime", MSGPK_U64, struct serfwire_query_response, ltime),
    F("Payload", MSGPK_BYTES, struct serfwire_query_response, payload),
};

static const struct msgpk_field keyreq_f[] = {
    F("Key", MSGPK_BYTES, struct serfwire_key_request, key),
};

static const struct msgpk_field keyresp_f[] = {
    MSGPK_LIST("Keys", struct serfwire_key_response, keys),
    F("Message", MSGPK_BYTES, struct serfwire_key_response, message),
    F("PrimaryKey", MSGPK_BYTES, struct serfwire_key_response, primary_key),
    F("Result", MSGPK_BOOL, struct serfwire_key_response, result),
};

struct serfwire_desc {
	const char *name;
	const struct msgpk_field *f;
	size_t nf, size;
};

#define D(n, tab, type)                                                        \
	{                                                                      \
		n, tab, NF(tab), sizeof(type)                                  \
	}
static const struct serfwire_desc descs[SERFWIRE_NTYPES] = {
    [SERFWIRE_LEAVE] = D("leave", leave_f, struct serfwire_leave),
    [SERFWIRE_JOIN] = D("join", join_f, struct serfwire_join),
    [SERFWIRE_PUSH_PULL] = {"push-pull", NULL, 0, 0},
    [SERFWIRE_USER_EVENT] = D("user-event", uev_f, struct serfwire_user_event),
    [SERFWIRE_QUERY] = D("query", query_f, struct serfwire_query),
    [SERFWIRE_QUERY_RESPONSE] =
	D("query-response", qresp_f, struct serfwire_query_response),
    [SERFWIRE_CONFLICT_RESPONSE] = {"conflict-response", NULL, 0, 0},
    [SERFWIRE_KEY_REQUEST] =
	D("key-request", keyreq_f, struct serfwire_key_request),
    [SERFWIRE_KEY_RESPONSE] =
	D("key-response", keyresp_f, struct serfwire_key_response),
    [SERFWIRE_RELAY] = {"relay", NULL, 0, 0},
};

const char *serfwire_type_name(unsigned t)
{
	return t < SERFWIRE_NTYPES ? descs[t].name : "unknown";
}

int serfwire_decode(const uint8_t *msg, size_t n, enum serfwire_type *type,
		    void *out, struct err *e)
{
	const struct serfwire_desc *d;

	if (n < 1)
		return err_setc(e, ERR_INVALID, "serf: empty message");
	if (msg[0] >= SERFWIRE_NTYPES || !descs[msg[0]].f)
		return err_setc(e, ERR_INVALID,
				"serf: message type %u (%s) "
				"not decoded here",
				msg[0], serfwire_type_name(msg[0]));
	d = &descs[msg[0]];
	*type = msg[0];
	memset(out, 0, d->size);
	if (msgpk_decode(msg + 1, n - 1, NULL, d->name, d->f, d->nf, out, e) <
	    0) {
		serfwire_free(*type, out);
		return -1;
	}
	return 0;
}

void serfwire_free(enum serfwire_type t, void *msg)
{
	if (t == SERFWIRE_QUERY)
		msgpk_list_free(&((struct serfwire_query *)msg)->filters);
	else if (t == SERFWIRE_KEY_RESPONSE)
		msgpk_list_free(&((struct serfwire_key_response *)msg)->keys);
}

void serfwire_encode(enum serfwire_type t, const void *msg, struct buf *out)
{
	uint8_t b = (uint8_t)t;

	if ((unsigned)t >= SERFWIRE_NTYPES || !descs[t].f)
		abort(); /* a caller's bug */
	buf_append(out, &b, 1);
	msgpk_encode(out, descs[t].f, descs[t].nf, msg);
}

/* ---- push/pull: StatusLTimes (map) and Events (array of slots) ---- */

static int status_dec(const msgpack_object *o, void *p, const char *name,
		      struct err *e)
{
	struct serfwire_pushpull *pp =
	    (void *)((char *)p - offsetof(struct serfwire_pushpull, status));

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_MAP)
		return err_setc(e, ERR_INVALID, "%s: want map, got %s", name,
				msgpk_type_name(o));
	pp->status = xcalloc(o->via.map.size + 1u, sizeof(*pp->status));
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		struct serfwire_status_ltime *s = &pp->status[i];

		if (msgpk_get_bytes(&o->via.map.ptr[i].key, &s->name, name, e) <
			0 ||
		    msgpk_get_uint(&o->via.map.ptr[i].val, UINT64_MAX,
				   &s->ltime, name, e) < 0)
			return err_wrap(e, "entry %u", i);
		pp->n_status = i + 1;
	}
	return 0;
}

static void status_enc(msgpack_packer *pk, const void *p)
{
	const struct serfwire_pushpull *pp =
	    (const void *)((const char *)p -
			   offsetof(struct serfwire_pushpull, status));

	msgpack_pack_map(pk, pp->n_status);
	for (uint32_t i = 0; i < pp->n_status; i++) {
		msgpk_pack_raw(pk, pp->status[i].name.p, pp->status[i].name.n);
		msgpack_pack_uint64(pk, pp->status[i].ltime);
	}
}

static const struct msgpk_field event_f[] = {
    F("Name", MSGPK_BYTES, struct serfwire_event, name),
    F("Payload", MSGPK_BYTES, struct serfwire_event, payload),
};

static int slot_events_dec(const msgpack_object *o, void *p, const char *name,
			   struct err *e)
{
	struct serfwire_events *s =
	    (void *)((char *)p - offsetof(struct serfwire_events, ev));
	char what[96];

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return err_setc(e, ERR_INVALID, "%s: want array, got %s", name,
				msgpk_type_name(o));
	s->ev = xcalloc(o->via.array.size + 1u, sizeof(*s->ev));
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		snprintf(what, sizeof(what), "%s[%u]", name, i);
		if (msgpk_decode_obj(&o->via.array.ptr[i], what, event_f,
				     NF(event_f), &s->ev[i], e) < 0)
			return -1;
		s->n = i + 1;
	}
	return 0;
}

static void slot_events_enc(msgpack_packer *pk, const void *p)
{
	const struct serfwire_events *s =
	    (const void *)((const char *)p -
			   offsetof(struct serfwire_events, ev));

	msgpack_pack_array(pk, s->n);
	for (uint32_t i = 0; i < s->n; i++)
		msgpk_encode_pk(pk, event_f, NF(event_f), &s->ev[i]);
}

static const struct msgpk_field slot_f[] = {
    {.name = "Events",
     .kind = MSGPK_CUSTOM,
     .off = offsetof(struct serfwire_events, ev),
     .dec = slot_events_dec,
     .enc = slot_events_enc},
    F("LTime", MSGPK_U64, struct serfwire_events, ltime),
};

static int events_dec(const msgpack_object *o, void *p, const char *name,
		      struct err *e)
{
	struct serfwire_pushpull *pp =
	    (void *)((char *)p - offsetof(struct serfwire_pushpull, events));
	char what[64];

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return err_setc(e, ERR_INVALID, "%s: want array, got %s", name,
				msgpk_type_name(o));
	pp->events = xcalloc(o->via.array.size + 1u, sizeof(*pp->events));
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *slot = &o->via.array.ptr[i];
		struct serfwire_events *s = &pp->events[pp->n_events];

		if (slot->type == MSGPACK_OBJECT_NIL)
			continue;
		snprintf(what, sizeof(what), "%s[%u]", name, i);
		pp->n_events++; /* counted first: freed even if half-filled */
		if (msgpk_decode_obj(slot, what, slot_f, NF(slot_f), s, e) < 0)
			return -1;
	}
	return 0;
}

static void events_enc(msgpack_packer *pk, const void *p)
{
	const struct serfwire_pushpull *pp =
	    (const void *)((const char *)p -
			   offsetof(struct serfwire_pushpull, events));

	msgpack_pack_array(pk, pp->n_events);
	for (uint32_t i = 0; i < pp->n_events; i++)
		msgpk_encode_pk(pk, slot_f, NF(slot_f), &pp->events[i]);
}

static const struct msgpk_field pp_f[] = {
    F("EventLTime", MSGPK_U64, struct serfwire_pushpull, event_ltime),
    {.name = "Events",
     .kind = MSGPK_CUSTOM,
     .off = offsetof(struct serfwire_pushpull, events),
     .dec = events_dec,
     .enc = events_enc},
    F("LTime", MSGPK_U64, struct serfwire_pushpull, ltime),
    MSGPK_LIST("LeftMembers", struct serfwire_pushpull, left_members),
    F("QueryLTime", MSGPK_U64, struct serfwire_pushpull, query_ltime),
    {.name = "StatusLTimes",
     .kind = MSGPK_CUSTOM,
     .off = offsetof(struct serfwire_pushpull, status),
     .dec = status_dec,
     .enc = status_enc},
};

int serfwire_pushpull_decode(const uint8_t *msg, size_t n,
			     struct serfwire_pushpull *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (n < 1 || msg[0] != SERFWIRE_PUSH_PULL)
		return err_setc(e, ERR_INVALID,
				"serf push-pull: bad type prefix");
	if (msgpk_decode(msg + 1, n - 1, NULL, "push-pull", pp_f, NF(pp_f), out,
			 e) < 0) {
		serfwire_pushpull_free(out);
		return -1;
	}
	return 0;
}

void serfwire_pushpull_free(struct serfwire_pushpull *pp)
{
	for (uint32_t i = 0; i < pp->n_events; i++)
		free(pp->events[i].ev);
	free(pp->events);
	free(pp->status);
	msgpk_list_free(&pp->left_members);
	memset(pp, 0, sizeof(*pp));
}

void serfwire_pushpull_encode(const struct serfwire_pushpull *pp,
			      struct buf *out)
{
	uint8_t b = SERFWIRE_PUSH_PULL;

	buf_append(out, &b, 1);
	msgpk_encode(out, pp_f, NF(pp_f), pp);
}

/* ---- tags ---- */

static int tags_map(const msgpack_object *o, struct serfwire_tags *out,
		    struct err *e)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return err_setc(e, ERR_INVALID, "tags: want map, got %s",
				msgpk_type_name(o));
	out->v = xcalloc(o->via.map.size + 1u, sizeof(*out->v));
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		struct serfwire_tag *t = &out->v[i];

		if (msgpk_get_bytes(&o->via.map.ptr[i].key, &t->key, "tags key",
				    e) < 0 ||
		    msgpk_get_bytes(&o->via.map.ptr[i].val, &t->value,
				    "tags value", e) < 0)
			return err_wrap(e, "tag %u", i);
		out->n = i + 1;
	}
	return 0;
}

int serfwire_tags_decode(const uint8_t *meta, size_t n,
			 struct serfwire_tags *out, struct err *e)
{
	msgpack_unpacked res;
	size_t objlen, off = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (n == 0 || meta[0] != SERFWIRE_TAG_MAGIC) {
		out->v = xcalloc(1, sizeof(*out->v));
		out->v[0].key =
		    (struct msgpk_bytes){(const uint8_t *)"role", 4};
		out->v[0].value = (struct msgpk_bytes){meta, (uint32_t)n};
		out->n = 1;
		return 0;
	}
	if (msgpk_check(meta + 1, n - 1, &objlen, e) < 0)
		return err_wrap(e, "tags");
	if (objlen != n - 1)
		return err_setc(e, ERR_INVALID, "tags: %zu bytes after the map",
				n - 1 - objlen);
	msgpack_unpacked_init(&res);
	r = msgpack_unpack_next(&res, (const char *)meta + 1, objlen, &off);
	if (r != MSGPACK_UNPACK_SUCCESS)
		r = err_setc(e, ERR_INVALID, "tags: msgpack error %d", r);
	else
		r = tags_map(&res.data, out, e);
	msgpack_unpacked_destroy(&res);
	if (r < 0)
		serfwire_tags_free(out);
	return r;
}

void serfwire_tags_free(struct serfwire_tags *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void serfwire_tags_encode(const struct serfwire_tag *v, size_t n,
			  struct buf *out)
{
	msgpack_packer pk;
	uint8_t magic = SERFWIRE_TAG_MAGIC;

	buf_append(out, &magic, 1);
	msgpk_packer_init(&pk, out);
	msgpack_pack_map(&pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpk_pack_raw(&pk, v[i].key.p, v[i].key.n);
		msgpk_pack_raw(&pk, v[i].value.p, v[i].value.n);
	}
}

/* ---- query filters ---- */

static const struct msgpk_field ftag_f[] = {
    F("Expr", MSGPK_BYTES, struct serfwire_filter, expr),
    F("Tag", MSGPK_BYTES, struct serfwire_filter, tag),
};

static int filter_nodes(const uint8_t *p, size_t n, struct serfwire_filter *f,
			struct err *e)
{
	msgpack_unpacked res;
	size_t objlen, off = 0;
	int r;

	if (msgpk_check(p, n, &objlen, e) < 0)
		return err_wrap(e, "node filter");
	if (objlen != n)
		return err_setc(e, ERR_INVALID, "node filter: trailing bytes");
	msgpack_unpacked_init(&res);
	r = msgpack_unpack_next(&res, (const char *)p, n, &off);
	if (r != MSGPACK_UNPACK_SUCCESS)
		r = err_setc(e, ERR_INVALID, "node filter: msgpack error %d",
			     r);
	else
		r = msgpk_list_dec(&res.data, &f->nodes, "node filter", e);
	msgpack_unpacked_destroy(&res);
	return r;
}

int serfwire_filter_decode(struct msgpk_bytes raw, struct serfwire_filter *f,
			   struct err *e)
{
	memset(f, 0, sizeof(*f));
	if (raw.n < 1)
		return err_setc(e, ERR_INVALID, "filter: empty");
	f->type = raw.p[0];
	if (f->type == SERFWIRE_FILTER_NODE)
		return filter_nodes(raw.p + 1, raw.n - 1, f, e);
	if (f->type == SERFWIRE_FILTER_TAG)
		return msgpk_decode(raw.p + 1, raw.n - 1, NULL, "tag filter",
				    ftag_f, NF(ftag_f), f, e);
	return err_setc(e, ERR_INVALID, "filter: unknown type %u", raw.p[0]);
}

void serfwire_filter_free(struct serfwire_filter *f)
{
	msgpk_list_free(&f->nodes);
}

void serfwire_filter_encode(const struct serfwire_filter *f, struct buf *out)
{
	uint8_t t = (uint8_t)f->type;
	msgpack_packer pk;

	buf_append(out, &t, 1);
	if (f->type == SERFWIRE_FILTER_TAG) {
		msgpk_encode(out, ftag_f, NF(ftag_f), f);
		return;
	}
	msgpk_packer_init(&pk, out);
	msgpack_pack_array(&pk, f->nodes.n);
	for (uint32_t i = 0; i < f->nodes.n; i++)
		msgpk_pack_raw(&pk, f->nodes.v[i].p, f->nodes.v[i].n);
}

/* ---- relay ---- */

static const struct msgpk_field udpaddr_f[] = {
    F("IP", MSGPK_BYTES, struct serfwire_relay, ip),
    F("Port", MSGPK_I64, struct serfwire_relay, port),
    F("Zone", MSGPK_BYTES, struct serfwire_relay, zone),
};

static int destaddr_dec(const msgpack_object *o, void *p, const char *name,
			struct err *e)
{
	struct serfwire_relay *r = p;

	return msgpk_decode_obj(o, name, udpaddr_f, NF(udpaddr_f), r, e);
}

static void destaddr_enc(msgpack_packer *pk, const void *p)
{
	msgpk_encode_pk(pk, udpaddr_f, NF(udpaddr_f), p);
}

static const struct msgpk_field relay_f[] = {
    {.name = "DestAddr",
     .kind = MSGPK_CUSTOM,
     .off = 0,
     .dec = destaddr_dec,
     .enc = destaddr_enc},
    F("DestName", MSGPK_BYTES, struct serfwire_relay, dest_name),
};

int serfwire_relay_decode(const uint8_t *msg, size_t n,
			  struct serfwire_relay *out, struct err *e)
{
	size_t used;

	memset(out, 0, sizeof(*out));
	if (n < 1 || msg[0] != SERFWIRE_RELAY)
		return err_setc(e, ERR_INVALID, "relay: bad type prefix");
	if (msgpk_decode(msg + 1, n - 1, &used, "relay header", relay_f,
			 NF(relay_f), out, e) < 0)
		return -1;
	if (out->port < 0 || out->port > 65535)
		return err_setc(e, ERR_INVALID,
				"relay header.DestAddr.Port: %lld",
				(long long)out->port);
	out->inner =
	    (struct msgpk_bytes){msg + 1 + used, (uint32_t)(n - 1 - used)};
	if (out->inner.n == 0)
		return err_setc(e, ERR_INVALID, "relay: no message to forward");
	return 0;
}

void serfwire_relay_encode(const struct serfwire_relay *r, struct buf *out)
{
	uint8_t b = SERFWIRE_RELAY;

	buf_append(out, &b, 1);
	msgpk_encode(out, relay_f, NF(relay_f), r);
	if (r->inner.n)
		buf_append(out, r->inner.p, r->inner.n);
}
