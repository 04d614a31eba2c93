/* msgpk.c - field-table msgpack codec for Go-encoded structs (msgpk.h).
 *
 * Owns no state. Decoding allocates only msgpack-c's zone, freed before
 * return; the views it fills point into the caller's input. */
#include "msgpk.h"

#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"

/* A bounds-checked cursor over the raw bytes (STYLE rule 16). */
struct msgpk_cur {
	const uint8_t *p;
	size_t len, off;
};

static int cur_need(struct msgpk_cur *c, uint64_t n, const char *what,
		    struct err *e)
{
	if (n > c->len - c->off)
		return err_setc(e, ERR_INVALID,
				"msgpack: %s at offset %zu: need %llu bytes, "
				"%zu left",
				what, c->off, (unsigned long long)n,
				c->len - c->off);
	return 0;
}

static int cur_be(struct msgpk_cur *c, unsigned width, uint64_t *v,
		  const char *what, struct err *e)
{
	if (cur_need(c, width, what, e) < 0)
		return -1;
	*v = 0;
	for (unsigned i = 0; i < width; i++)
		*v = (*v << 8) | c->p[c->off++];
	return 0;
}

static int cur_skip(struct msgpk_cur *c, uint64_t n, const char *what,
		    struct err *e)
{
	if (cur_need(c, n, what, e) < 0)
		return -1;
	c->off += n;
	return 0;
}

/* Length-prefixed payloads: str, bin, ext (ext has one more type byte). */
static int walk_sized(struct msgpk_cur *c, unsigned width, unsigned extra,
		      struct err *e)
{
	uint64_t n;

	if (cur_be(c, width, &n, "length", e) < 0)
		return -1;
	return cur_skip(c, n + extra, "payload", e);
}

static int walk(struct msgpk_cur *c, int depth, struct err *e);

static int walk_items(struct msgpk_cur *c, uint64_t items, int depth,
		      struct err *e)
{
	/* Every item takes at least one byte: a count beyond what is left
	 * is a lie, refused before msgpack-c would allocate for it. */
	if (cur_need(c, items, "container items", e) < 0)
		return -1;
	for (uint64_t i = 0; i < items; i++)
		if (walk(c, depth + 1, e) < 0)
			return -1;
	return 0;
}

static int walk_container(struct msgpk_cur *c, uint8_t t, int depth,
			  struct err *e)
{
	uint64_t n;

	if (t >= 0x80 && t <= 0x8f)
		return walk_items(c, 2u * (t & 0x0f), depth, e);
	if (t >= 0x90 && t <= 0x9f)
		return walk_items(c, t & 0x0f, depth, e);
	if (cur_be(c, (t & 1) ? 4 : 2, &n, "count", e) < 0)
		return -1;
	return walk_items(c, t >= 0xde ? 2 * n : n, depth, e);
}

static int walk(struct msgpk_cur *c, int depth, struct err *e)
{
	static const uint8_t fixed[] = {
	    [0xc0 - 0xc0] = 0, [0xc2 - 0xc0] = 0, [0xc3 - 0xc0] = 0,
	    [0xca - 0xc0] = 4, [0xcb - 0xc0] = 8, [0xcc - 0xc0] = 1,
	    [0xcd - 0xc0] = 2, [0xce - 0xc0] = 4, [0xcf - 0xc0] = 8,
	    [0xd0 - 0xc0] = 1, [0xd1 - 0xc0] = 2, [0xd2 - 0xc0] = 4,
	    [0xd3 - 0xc0] = 8, [0xd4 - 0xc0] = 2, [0xd5 - 0xc0] = 3,
	    [0xd6 - 0xc0] = 5, [0xd7 - 0xc0] = 9, [0xd8 - 0xc0] = 17,
	};
	uint8_t t;

	if (depth > MSGPK_MAX_DEPTH)
		return err_setc(e, ERR_INVALID,
				"msgpack: nested deeper than %d at offset %zu",
				MSGPK_MAX_DEPTH, c->off);
	if (cur_need(c, 1, "type byte", e) < 0)
		return -1;
	t = c->p[c->off++];
	if (t <= 0x7f || t >= 0xe0)
		return 0;
	if ((t >= 0x80 && t <= 0x9f) || (t >= 0xdc && t <= 0xdf))
		return walk_container(c, t, depth, e);
	if (t >= 0xa0 && t <= 0xbf)
		return cur_skip(c, t & 0x1f, "fixstr", e);
	switch (t) {
	case 0xc1:
		return err_setc(e, ERR_INVALID,
				"msgpack: reserved type 0xc1 at offset %zu",
				c->off - 1);
	case 0xc4:
	case 0xd9:
		return walk_sized(c, 1, 0, e);
	case 0xc5:
	case 0xda:
		return walk_sized(c, 2, 0, e);
	case 0xc6:
	case 0xdb:
		return walk_sized(c, 4, 0, e);
	case 0xc7:
		return walk_sized(c, 1, 1, e);
	case 0xc8:
		return walk_sized(c, 2, 1, e);
	case 0xc9:
		return walk_sized(c, 4, 1, e);
	default:
		return cur_skip(c, fixed[t - 0xc0], "value", e);
	}
}

int msgpk_check(const uint8_t *buf, size_t len, size_t *objlen, struct err *e)
{
	struct msgpk_cur c = {buf, len, 0};

	if (walk(&c, 0, e) < 0)
		return -1;
	*objlen = c.off;
	return 0;
}

const char *msgpk_type_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:
		return "bool";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return "unsigned integer";
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return "negative integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return "float";
	case MSGPACK_OBJECT_STR:
		return "str";
	case MSGPACK_OBJECT_ARRAY:
		return "array";
	case MSGPACK_OBJECT_MAP:
		return "map";
	case MSGPACK_OBJECT_BIN:
		return "bin";
	default:
		return "ext";
	}
}

static int want(const msgpack_object *o, const char *name, const char *type,
		struct err *e)
{
	return err_setc(e, ERR_INVALID, "%s: want %s, got %s", name, type,
			msgpk_type_name(o));
}

int msgpk_get_uint(const msgpack_object *o, uint64_t max, uint64_t *out,
		   const char *name, struct err *e)
{
	if (o->type == MSGPACK_OBJECT_NIL) {
		*out = 0;
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return want(o, name, "unsigned integer", e);
	if (o->via.u64 > max)
		return err_setc(e, ERR_INVALID, "%s: %llu is over %llu", name,
				(unsigned long long)o->via.u64,
				(unsigned long long)max);
	*out = o->via.u64;
	return 0;
}

int msgpk_get_bytes(const msgpack_object *o, struct msgpk_bytes *out,
		    const char *name, struct err *e)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		*out = (struct msgpk_bytes){NULL, 0};
		return 0;
	case MSGPACK_OBJECT_STR:
		*out = (struct msgpk_bytes){(const uint8_t *)o->via.str.ptr,
					    o->via.str.size};
		return 0;
	case MSGPACK_OBJECT_BIN:
		*out = (struct msgpk_bytes){(const uint8_t *)o->via.bin.ptr,
					    o->via.bin.size};
		return 0;
	default:
		return want(o, name, "bytes", e);
	}
}

static int get_int(const msgpack_object *o, int64_t *out, const char *name,
		   struct err *e)
{
	if (o->type == MSGPACK_OBJECT_NIL)
		*out = 0;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*out = o->via.i64;
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		 o->via.u64 <= INT64_MAX)
		*out = (int64_t)o->via.u64;
	else
		return want(o, name, "int64", e);
	return 0;
}

static int dec_field(const msgpack_object *o, const struct msgpk_field *f,
		     char *base, const char *name, struct err *e)
{
	static const uint64_t max[] = {[MSGPK_U8] = UINT8_MAX,
				       [MSGPK_U16] = UINT16_MAX,
				       [MSGPK_U32] = UINT32_MAX,
				       [MSGPK_U64] = UINT64_MAX};
	void *p = base + f->off;
	uint64_t u;

	switch (f->kind) {
	case MSGPK_U8:
	case MSGPK_U16:
	case MSGPK_U32:
	case MSGPK_U64:
		if (msgpk_get_uint(o, max[f->kind], &u, name, e) < 0)
			return -1;
		if (f->kind == MSGPK_U8)
			*(uint8_t *)p = (uint8_t)u;
		else if (f->kind == MSGPK_U16)
			*(uint16_t *)p = (uint16_t)u;
		else if (f->kind == MSGPK_U32)
			*(uint32_t *)p = (uint32_t)u;
		else
			*(uint64_t *)p = u;
		return 0;
	case MSGPK_I64:
		return get_int(o, p, name, e);
	case MSGPK_BOOL:
		if (o->type == MSGPACK_OBJECT_NIL)
			return 0;
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return want(o, name, "bool", e);
		*(bool *)p = o->via.boolean;
		return 0;
	case MSGPK_BYTES:
		return msgpk_get_bytes(o, p, name, e);
	case MSGPK_CUSTOM:
		return f->dec(o, p, name, e);
	}
	return err_setc(e, ERR_INTERNAL, "%s: bad field kind", name);
}

int msgpk_decode_obj(const msgpack_object *o, const char *what,
		     const struct msgpk_field *f, size_t nf, void *out,
		     struct err *e)
{
	char name[128];

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_MAP)
		return want(o, what, "map", e);
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		struct msgpk_bytes key;

		if (msgpk_get_bytes(&kv->key, &key, what, e) < 0)
			return err_wrap(e, "key %u", i);
		for (size_t j = 0; j < nf; j++) {
			if (key.n != strlen(f[j].name) ||
			    memcmp(key.p, f[j].name, key.n) != 0)
				continue;
			snprintf(name, sizeof(name), "%s.%s", what, f[j].name);
			if (dec_field(&kv->val, &f[j], out, name, e) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* Byte views must point into the input (msgpack-c references strings in
 * the buffer it parses rather than copying them into its zone). */
static bool views_inside(const msgpack_object *o, const uint8_t *lo,
			 const uint8_t *hi)
{
	const uint8_t *p = (const uint8_t *)o->via.str.ptr;

	switch (o->type) {
	case MSGPACK_OBJECT_STR:
	case MSGPACK_OBJECT_BIN:
		return o->via.str.size == 0 ||
		       (p >= lo && p + o->via.str.size <= hi);
	case MSGPACK_OBJECT_ARRAY:
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if (!views_inside(&o->via.array.ptr[i], lo, hi))
				return false;
		return true;
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < o->via.map.size; i++)
			if (!views_inside(&o->via.map.ptr[i].key, lo, hi) ||
			    !views_inside(&o->via.map.ptr[i].val, lo, hi))
				return false;
		return true;
	default:
		return true;
	}
}

int msgpk_decode(const uint8_t *buf, size_t len, size_t *used, const char *what,
		 const struct msgpk_field *f, size_t nf, void *out,
		 struct err *e)
{
	msgpack_unpacked res;
	size_t objlen, off = 0;
	int r;

	if (msgpk_check(buf, len, &objlen, e) < 0)
		return err_wrap(e, "%s", what);
	if (!used && objlen != len)
		return err_setc(e, ERR_INVALID, "%s: %zu bytes after the map",
				what, len - objlen);
	msgpack_unpacked_init(&res);
	r = msgpack_unpack_next(&res, (const char *)buf, objlen, &off);
	if (r != MSGPACK_UNPACK_SUCCESS) {
		msgpack_unpacked_destroy(&res);
		return err_setc(e, ERR_INVALID, "%s: msgpack error %d", what,
				r);
	}
	if (!views_inside(&res.data, buf, buf + objlen)) {
		msgpack_unpacked_destroy(&res);
		return err_setc(e, ERR_INTERNAL,
				"%s: msgpack-c copied a string", what);
	}
	r = msgpk_decode_obj(&res.data, what, f, nf, out, e);
	msgpack_unpacked_destroy(&res);
	if (r == 0 && used)
		*used = objlen;
	return r;
}

bool msgpk_eq(struct msgpk_bytes b, const char *s)
{
	return b.n == strlen(s) && (b.n == 0 || memcmp(b.p, s, b.n) == 0);
}

char *msgpk_strdup(struct msgpk_bytes b)
{
	char *s;

	if (b.n && memchr(b.p, 0, b.n))
		return NULL;
	s = xmalloc(b.n + 1u);
	if (b.n)
		memcpy(s, b.p, b.n);
	s[b.n] = 0;
	return s;
}

/* ---- encoding ---- */

static int packer_write(void *data, const char *p, size_t n)
{
	buf_append(data, p, n);
	return 0;
}

void msgpk_packer_init(msgpack_packer *pk, struct buf *b)
{
	msgpack_packer_init(pk, b, packer_write);
}

/* go-msgpack without WriteExt writes strings and []byte alike as old-spec
 * raw (fixstr, str16, str32): the same bytes Serf 0.9 sends. */
void msgpk_pack_raw(msgpack_packer *pk, const void *p, size_t n)
{
	msgpack_pack_v4raw(pk, n);
	if (n)
		msgpack_pack_v4raw_body(pk, p, n);
}

void msgpk_pack_str(msgpack_packer *pk, const char *s)
{
	msgpk_pack_raw(pk, s, strlen(s));
}

static bool field_empty(const struct msgpk_field *f, const char *base)
{
	const void *p = base + f->off;

	switch (f->kind) {
	case MSGPK_U8:
		return *(const uint8_t *)p == 0;
	case MSGPK_U16:
		return *(const uint16_t *)p == 0;
	case MSGPK_U32:
		return *(const uint32_t *)p == 0;
	case MSGPK_U64:
		return *(const uint64_t *)p == 0;
	case MSGPK_I64:
		return *(const int64_t *)p == 0;
	case MSGPK_BOOL:
		return !*(const bool *)p;
	case MSGPK_BYTES:
		return ((const struct msgpk_bytes *)p)->n == 0;
	case MSGPK_CUSTOM:
		return f->empty && f->empty(p);
	}
	return false;
}

static void enc_field(msgpack_packer *pk, const struct msgpk_field *f,
		      const char *base)
{
	const void *p = base + f->off;
	const struct msgpk_bytes *b = p;

	switch (f->kind) {
	case MSGPK_U8:
		msgpack_pack_uint8(pk, *(const uint8_t *)p);
		break;
	case MSGPK_U16:
		msgpack_pack_uint16(pk, *(const uint16_t *)p);
		break;
	case MSGPK_U32:
		msgpack_pack_uint32(pk, *(const uint32_t *)p);
		break;
	case MSGPK_U64:
		msgpack_pack_uint64(pk, *(const uint64_t *)p);
		break;
	case MSGPK_I64:
		msgpack_pack_int64(pk, *(const int64_t *)p);
		break;
	case MSGPK_BOOL:
		if (*(const bool *)p)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case MSGPK_BYTES:
		/* Go writes a nil slice as nil; an empty one we have not. */
		if (b->p == NULL && b->n == 0)
			msgpack_pack_nil(pk);
		else
			msgpk_pack_raw(pk, b->p, b->n);
		break;
	case MSGPK_CUSTOM:
		f->enc(pk, p);
		break;
	}
}

void msgpk_encode_pk(msgpack_packer *pk, const struct msgpk_field *f, size_t nf,
		     const void *in)
{
	size_t n = 0;

	for (size_t i = 0; i < nf; i++)
		n += !(f[i].omitempty && field_empty(&f[i], in));
	msgpack_pack_map(pk, n);
	for (size_t i = 0; i < nf; i++) {
		if (f[i].omitempty && field_empty(&f[i], in))
			continue;
		msgpk_pack_str(pk, f[i].name);
		enc_field(pk, &f[i], in);
	}
}

void msgpk_encode(struct buf *out, const struct msgpk_field *f, size_t nf,
		  const void *in)
{
	msgpack_packer pk;

	msgpk_packer_init(&pk, out);
	msgpk_encode_pk(&pk, f, nf, in);
}

/* ---- lists of byte strings ---- */

int msgpk_list_dec(const msgpack_object *o, void *p, const char *name,
		   struct err *e)
{
	struct msgpk_list *l = p;
	char item[160];

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return want(o, name, "array", e);
	if (o->via.array.size == 0)
		return 0;
	l->v = xcalloc(o->via.array.size, sizeof(*l->v));
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		snprintf(item, sizeof(item), "%s[%u]", name, i);
		if (msgpk_get_bytes(&o->via.array.ptr[i], &l->v[i], item, e) <
		    0) {
			msgpk_list_free(l);
			return -1;
		}
		l->n = i + 1;
	}
	return 0;
}

void msgpk_list_enc(msgpack_packer *pk, const void *p)
{
	const struct msgpk_list *l = p;

	if (l->n == 0) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_array(pk, l->n);
	for (uint32_t i = 0; i < l->n; i++)
		msgpk_pack_raw(pk, l->v[i].p, l->v[i].n);
}

bool msgpk_list_empty(const void *p)
{
	return ((const struct msgpk_list *)p)->n == 0;
}

void msgpk_list_free(struct msgpk_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
