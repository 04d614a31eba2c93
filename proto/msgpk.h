/* msgpk.h - Go-struct-shaped msgpack over msgpack-c, driven by field tables.
 *
 * HashiCorp's memberlist and Serf encode every message as a Go struct
 * through go-msgpack: a msgpack map whose keys are the field names, raw
 * (old-spec "str") for both strings and []byte, nil for nil slices, and
 * missing or unknown keys tolerated on decode. One table of fields per
 * message drives both directions here.
 *
 * Decoding: msgpk_check() first walks the bytes with a bounds-checked
 * cursor (every container count must fit in what is left, nesting is
 * capped) so msgpack-c never sizes an allocation from a lying header;
 * then msgpack-c builds the object tree and the table fills a struct.
 * Byte fields are views (struct msgpk_bytes) into the caller's input
 * buffer: they live as long as that buffer. Lists and maps a message
 * carries are arrays the decoded struct owns (its _free function). */
#ifndef SKIFF_MSGPK_H
#define SKIFF_MSGPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

/* A byte string inside a decoded packet (not NUL-terminated). */
struct msgpk_bytes {
	const uint8_t *p;
	uint32_t n;
};

/* A list of byte strings ([]string, [][]byte); v is owned (free(v)). */
struct msgpk_list {
	struct msgpk_bytes *v;
	uint32_t n;
};

enum msgpk_kind {
	MSGPK_U8,
	MSGPK_U16,
	MSGPK_U32,
	MSGPK_U64,
	MSGPK_I64,
	MSGPK_BOOL,
	MSGPK_BYTES,  /* struct msgpk_bytes; str, bin or nil on the wire */
	MSGPK_CUSTOM, /* dec/enc below */
};

struct msgpk_field {
	const char *name; /* the Go field name: the map key */
	enum msgpk_kind kind;
	size_t off;	/* offsetof into the message struct */
	bool omitempty; /* codec:",omitempty": left out when zero */
	/* MSGPK_CUSTOM: decode the value at o into the field at p (which the
	 * decoder zeroed), and encode it; empty() says "omit" if omitempty. */
	int (*dec)(const msgpack_object *o, void *p, const char *name,
		   struct err *e);
	void (*enc)(msgpack_packer *pk, const void *p);
	bool (*empty)(const void *p);
};

#define MSGPK_MAX_DEPTH 16

/* Check that buf[0..len) starts with one complete msgpack object whose
 * containers fit in the input; its size goes to *objlen. */
int msgpk_check(const uint8_t *buf, size_t len, size_t *objlen, struct err *e);

/* Decode one map at the start of buf into out (zeroed first) through the
 * field table; *used gets the bytes it took (NULL: none may be left).
 * Failures name `what` and the field. */
int msgpk_decode(const uint8_t *buf, size_t len, size_t *used, const char *what,
		 const struct msgpk_field *f, size_t nf, void *out,
		 struct err *e);
/* The same, from an object already unpacked (nested structs). */
int msgpk_decode_obj(const msgpack_object *o, const char *what,
		     const struct msgpk_field *f, size_t nf, void *out,
		     struct err *e);

/* Append in's map encoding to out, fields in table order. */
void msgpk_encode(struct buf *out, const struct msgpk_field *f, size_t nf,
		  const void *in);
void msgpk_encode_pk(msgpack_packer *pk, const struct msgpk_field *f, size_t nf,
		     const void *in);
/* A packer that appends to b. */
void msgpk_packer_init(msgpack_packer *pk, struct buf *b);

/* Helpers for custom fields and for callers. */
void msgpk_pack_raw(msgpack_packer *pk, const void *p, size_t n);
void msgpk_pack_str(msgpack_packer *pk, const char *s);
int msgpk_get_bytes(const msgpack_object *o, struct msgpk_bytes *out,
		    const char *name, struct err *e);
int msgpk_get_uint(const msgpack_object *o, uint64_t max, uint64_t *out,
		   const char *name, struct err *e);
const char *msgpk_type_name(const msgpack_object *o);
/* Custom-field functions for struct msgpk_list (nil decodes as empty,
 * empty encodes as nil, the way Go writes a nil slice). */
int msgpk_list_dec(const msgpack_object *o, void *p, const char *name,
		   struct err *e);
void msgpk_list_enc(msgpack_packer *pk, const void *p);
bool msgpk_list_empty(const void *p);
void msgpk_list_free(struct msgpk_list *l);
#define MSGPK_LIST(n, type, field)                                             \
	{                                                                      \
		.name = n, .kind = MSGPK_CUSTOM, .off = offsetof(type, field), \
		.dec = msgpk_list_dec, .enc = msgpk_list_enc,                  \
		.empty = msgpk_list_empty                                      \
	}

/* Does the view equal the C string? */
bool msgpk_eq(struct msgpk_bytes b, const char *s);
/* A malloc'd NUL-terminated copy (NULL if b holds a NUL byte). */
char *msgpk_strdup(struct msgpk_bytes b);

#endif
