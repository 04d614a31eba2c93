/* lzw.h - LZW as Go's compress/lzw writes it (LSB bit order, 8-bit
 * literals), the only compression memberlist's compressMsg carries.
 *
 * Codes start 9 bits wide and grow to 12; 256 is the clear code (the
 * writer sends one first), 257 the end code; when the table fills the
 * writer sends clear and starts over. This is GIF's variant minus GIF's
 * framing and the Unix compress(1) header, which no Debian library
 * exposes on its own (giflib ties it to GIF files, zlib has none), so it
 * is written here, small and bounds-checked. No state between calls. */
#ifndef SKIFF_LZW_H
#define SKIFF_LZW_H

#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

/* Append the compression of in[0..n) to out. */
void lzw_compress(const uint8_t *in, size_t n, struct buf *out);
/* Append the expansion of in[0..n) to out; more than max bytes, a code
 * not yet defined or a missing end code is ERR_INVALID naming the bit
 * offset. Bytes after the end code are ignored, as Go does. */
int lzw_decompress(const uint8_t *in, size_t n, size_t max, struct buf *out,
		   struct err *e);

#endif
