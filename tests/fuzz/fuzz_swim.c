/* fuzz_swim.c - libFuzzer target for the SWIM state machine
 * (net/swim.c, net/swim_io.c) fed hostile packets: the input is a list
 * of [flags][u16 length][bytes] records, each a UDP packet (or, with
 * flag bit 0, a stream message) from one of four addresses, with time
 * moving on and the machine ticking between them. Nothing may crash,
 * leak, loop, or leave a deadline in the past. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/swim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void nop_send(void *ctx, const struct swim_addr *to, const uint8_t *p,
		     size_t n)
{
}

static void nop_stream(void *ctx, uint32_t id, const struct swim_addr *to,
		       const uint8_t *p, size_t n)
{
	*(uint32_t *)ctx = id;
}

static const struct swim_ops ops = {.send = nop_send, .stream = nop_stream};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t last_stream = 0;
	struct swim_config c = {.name = "me",
				.addr = {{10, 0, 0, 1}, 4, 7946},
				.profile = swim_lan,
				.udp_buffer = 1400,
				.compress = true,
				.seed = 1,
				.ops = &ops,
				.ctx = &last_stream};
	struct swim *s = swim_new(&c, 0);
	uint64_t now = 0;
	size_t off = 0;

	while (off + 3 <= size) {
		uint8_t flags = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		struct swim_addr from = {
		    {10, 0, 0, (uint8_t)(2 + (flags >> 6))}, 4, 7946};
		struct buf reply = {0};
		struct err e = ERR_INIT;

		off += 3;
		if (n > size - off)
			n = size - off;
		if (flags & 1)
			swim_stream_in(s, data + off, n, &reply, now, &e);
		else if (flags & 2)
			swim_stream_reply(s, last_stream, data + off, n, now,
					  &e);
		else
			swim_recv(s, &from, data + off, n, now, &e);
		buf_free(&reply);
		off += n;
		now += (flags >> 2 & 15) * 300u;
		if (swim_tick(s, now) <= now)
			abort();
	}
	swim_free(s);
	return 0;
}
