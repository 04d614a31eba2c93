/* fuzz_serf.c - libFuzzer target for Serf's messages (proto/serfwire.c):
 * the input as a Serf message (and, for a query, each of its filters),
 * as a push/pull state, as tags in node meta, as a relay. Whatever
 * decodes must encode and decode again; a failure always says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/serfwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_say(int r, const struct err *e)
{
	if (r < 0 && !e->msg[0])
		abort();
}

static void message(const uint8_t *p, size_t n)
{
	union {
		struct serfwire_query q;
		struct serfwire_key_response kr;
		struct serfwire_join j;
	} m, back;
	struct serfwire_filter f;
	enum serfwire_type t, t2;
	struct buf again = {0};
	struct err e = ERR_INIT;
	int r = serfwire_decode(p, n, &t, &m, &e);

	must_say(r, &e);
	if (r < 0)
		return;
	if (t == SERFWIRE_QUERY) {
		for (uint32_t i = 0; i < m.q.filters.n; i++) {
			r = serfwire_filter_decode(m.q.filters.v[i], &f, &e);
			must_say(r, &e);
			serfwire_filter_free(&f);
		}
	}
	serfwire_encode(t, &m, &again);
	if (serfwire_decode((const uint8_t *)buf_head(&again), buf_used(&again),
			    &t2, &back, &e) < 0 ||
	    t2 != t)
		abort();
	serfwire_free(t, &back);
	serfwire_free(t, &m);
	buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serfwire_pushpull pp;
	struct serfwire_tags tags;
	struct serfwire_relay rl;
	struct buf again = {0};
	struct err e = ERR_INIT;
	int r;

	message(data, size);
	r = serfwire_pushpull_decode(data, size, &pp, &e);
	must_say(r, &e);
	if (r == 0) {
		serfwire_pushpull_encode(&pp, &again);
		serfwire_pushpull_free(&pp);
		if (serfwire_pushpull_decode((const uint8_t *)buf_head(&again),
					     buf_used(&again), &pp, &e) < 0)
			abort();
		serfwire_pushpull_free(&pp);
	}
	r = serfwire_tags_decode(data, size, &tags, &e);
	must_say(r, &e);
	if (r == 0)
		serfwire_tags_free(&tags);
	must_say(serfwire_relay_decode(data, size, &rl, &e), &e);
	buf_free(&again);
	return 0;
}
