/* fuzz_word.h - the harness of the fuzz targets for one flag word
 * (fuzz_mountspec.c, fuzz_portspec.c): the first byte picks one of two
 * parsers, the rest is the word (NUL-free, NUL-terminated here). The
 * target defines fuzz_word(), which aborts on a broken promise. */
#ifndef FUZZ_WORD_H
#define FUZZ_WORD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/xalloc.h"

/* pick: the first byte's low bit; w: the word. */
static void fuzz_word(unsigned pick, const char *w);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *w;

	if (size < 1 || memchr(data + 1, 0, size - 1))
		return 0;
	w = xmalloc(size);
	memcpy(w, data + 1, size - 1);
	w[size - 1] = '\0';
	fuzz_word(data[0] & 1, w);
	free(w);
	return 0;
}

#endif
