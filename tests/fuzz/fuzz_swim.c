/* fuzz_swim.c - libFuzzer target for the gossip state machines
 * (net/swim.c, net/swim_io.c and Serf's layer over them, net/serf.c)
 * fed hostile packets: the input is a list of [flags][u16 length][bytes]
 * records, each a UDP packet (flag bit 0: a stream message from a peer,
 * bit 1: the answer to our last stream) from one of four addresses, with
 * time moving on and the machine ticking between them. Nothing may
 * crash, leak, loop, or leave a deadline in the past. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/serf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	uint32_t last_stream;
	struct serf *s;
};

static void nop_send(void *ctx, const struct swim_addr *to, const uint8_t *p,
		     size_t n)
{
}

static void nop_stream(void *ctx, uint32_t id, const struct swim_addr *to,
		       const uint8_t *p, size_t n)
{
	((struct fz *)ctx)->last_stream = id;
}

/* Answer every query, so the response path runs too. */
static void on_event(void *ctx, const struct serf_event *ev)
{
	struct err e = ERR_INIT;

	if (ev->kind == SERF_QUERY)
		serf_respond(((struct fz *)ctx)->s, ev->ltime, ev->query_id,
			     (const uint8_t *)"ok", 2, 0, &e);
}

static const struct serf_ops ops = {
	.send = nop_send, .stream = nop_stream, .event = on_event
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz ctx = { 0 };
	struct serfwire_tag tag = { { (const uint8_t *)"role", 4 },
				    { (const uint8_t *)"web", 3 } };
	struct serf_config c = { .name = "me",
				 .addr = { { 10, 0, 0, 1 }, 4, 7946 },
				 .tags = &tag,
				 .n_tags = 1,
				 .profile = swim_lan,
				 .seed = 1,
				 .ops = &ops,
				 .ctx = &ctx };
	uint64_t now = 0;
	size_t off = 0;

	ctx.s = serf_new(&c, 0);
	while (off + 3 <= size) {
		uint8_t flags = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		struct swim_addr from = {
			{ 10, 0, 0, (uint8_t)(2 + (flags >> 6)) }, 4, 7946
		};
		struct buf reply = { 0 };
		struct err e = ERR_INIT;

		off += 3;
		if (n > size - off)
			n = size - off;
		if (flags & 1)
			serf_stream_in(ctx.s, data + off, n, &reply, now, &e);
		else if (flags & 2)
			serf_stream_reply(ctx.s, ctx.last_stream, data + off, n,
					  now, &e);
		else
			serf_recv(ctx.s, &from, data + off, n, now, &e);
		buf_free(&reply);
		off += n;
		now += (flags >> 2 & 15) * 300u;
		if (serf_tick(ctx.s, now) <= now)
			abort();
	}
	serf_free(ctx.s);
	return 0;
}
