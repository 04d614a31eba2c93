/* loopstat.c - how long the loop's callbacks hold it (see loopstat.h).
 * Owns two fixed histograms (3.2 KiB in all); no allocation. */
#include "loopstat.h"

#include <stdint.h>
#include <time.h>

#include "../proto/cmdreq.h"
#include "../proto/json.h"
#include "ctl.h"

#define BIN_NS 25000	/* 25 µs */
#define NBINS 400	/* up to 10 ms; the last bin holds the rest */

struct hist {
	uint32_t bin[NBINS];
	uint64_t max_ns;
};

static struct {
	uint64_t iterations;
	struct hist wall, cpu;
} ls;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void hist_add(struct hist *h, uint64_t ns)
{
	uint64_t i = ns / BIN_NS;

	h->bin[i < NBINS ? i : NBINS - 1]++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* The q quantile in µs: the upper edge of the bin it falls in (the
 * exact maximum for the last, open bin). */
static uint64_t hist_quantile_us(const struct hist *h, uint64_t n, double q)
{
	uint64_t want = (uint64_t)(q * (double)n + 0.999999), seen = 0;

	if (!n)
		return 0;
	for (unsigned i = 0; i < NBINS - 1; i++) {
		seen += h->bin[i];
		if (seen >= want) {
			uint64_t edge = (uint64_t)(i + 1) * BIN_NS;
			return (edge < h->max_ns ? edge : h->max_ns) / 1000;
		}
	}
	return h->max_ns / 1000;
}

static void loopstat_invoke(struct ev_loop *loop)
{
	uint64_t w0, c0;

	if (!ev_pending_count(loop))
		return;
	w0 = clock_ns(CLOCK_MONOTONIC);
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	ev_invoke_pending(loop);
	hist_add(&ls.cpu, clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
	hist_add(&ls.wall, clock_ns(CLOCK_MONOTONIC) - w0);
	ls.iterations++;
}

void loopstat_install(struct ev_loop *loop)
{
	ev_set_invoke_pending_cb(loop, loopstat_invoke);
}

static void hist_json(struct jw *w, const char *key, const struct hist *h)
{
	jw_obj(w, key);
	jw_uint(w, "p50_us", hist_quantile_us(h, ls.iterations, 0.50));
	jw_uint(w, "p99_us", hist_quantile_us(h, ls.iterations, 0.99));
	jw_uint(w, "p999_us", hist_quantile_us(h, ls.iterations, 0.999));
	jw_uint(w, "max_us", h->max_ns / 1000);
	jw_end_obj(w);
}

/* The figures since start or the last --reset (this request's own
 * iteration is not among them: it is still running). */
static int do_loop(struct ctl_req *r, void *args, struct err *e)
{
	const struct loop_args *a = args;
	struct jw w;

	ctl_req_json(r, &w);
	jw_uint(&w, "iterations", ls.iterations);
	hist_json(&w, "cpu", &ls.cpu);
	hist_json(&w, "wall", &ls.wall);
	jw_close(&w);
	if (a->reset)
		ls = (__typeof__(ls)){ 0 };
	return 0;
}

const struct command cmd_system_loop = { "system loop", do_loop };
