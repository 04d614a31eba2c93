/* buf.h - a growable byte buffer with a read offset.
 *
 * Used for client input/output queues and for building replies. Bytes live
 * in [data + off, data + len); buf_consume() advances off and compacts
 * lazily. Allocation failure aborts (the daemon cannot run without memory
 * for its own buffers; limits are enforced by callers before growing). */
#ifndef SKIFF_BUF_H
#define SKIFF_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t off; /* start of unread bytes */
	size_t len; /* end of bytes */
	size_t cap;
};

void buf_free(struct buf *b);
/* Make room for n more bytes at the end; returns the write pointer. */
char *buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* The unread bytes as a NUL-terminated string of exactly their size (for
 * text kept long, so no growth slack stays with it); b is left empty. */
char *buf_take_str(struct buf *b);
/* Release memory beyond `keep` bytes of capacity when the buffer is empty. */
void buf_shrink(struct buf *b, size_t keep);
static inline size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}
static inline char *buf_head(const struct buf *b)
{
	return b->data + b->off;
}

#endif
