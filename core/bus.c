/* bus.c - event bus (see bus.h).
 *
 * Owns the ring of the last BUS_RING events: each slot holds its
 * attribute pointers, strings and NDJSON line in one malloc'd block of
 * the exact size, freed when the slot is reused (a full ring is what a
 * daemon keeps for good, so a slot is small and its block has no slack). Module subscribers are a fixed array; stream readers hold only a
 * sequence number. */
#include "bus.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/xalloc.h"

#define BUS_MAX_SUBS 64
#define BUS_MAX_ATTRS 32

struct slot {
	struct bus_event ev;
	void *mem; /* attrv[], then the strings, then the line */
};

static struct slot ring[BUS_RING];
static uint64_t last_seq;
static const struct bus_sub *subs[BUS_MAX_SUBS];
static size_t nsubs;
static void (*notify)(void);

void bus_subscribe(const struct bus_sub *sub)
{
	if (nsubs == BUS_MAX_SUBS)
		abort(); /* more subscriptions than modules can have */
	subs[nsubs++] = sub;
}

void bus_set_notify(void (*fn)(void))
{
	notify = fn;
}

uint64_t bus_last_seq(void)
{
	return last_seq;
}

const struct bus_event *bus_get(uint64_t seq)
{
	if (seq == 0 || seq > last_seq || last_seq - seq >= BUS_RING)
		return NULL;
	return &ring[seq % BUS_RING].ev;
}

static void fmt_time(int64_t ns, char *out, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%09lldZ", (long long)(ns % 1000000000));
}

/* One allocation per event: the attribute vector, copies of every
 * string, then the line. */
static void slot_fill(struct slot *sl, const char *type, const char *action,
		      const char *id, const char *const *attrs)
{
	struct buf mem = { 0 };
	struct jw w;
	char when[40];
	size_t off[3 + 2 * BUS_MAX_ATTRS], n = 0, na = 0, line_off, vlen;
	const char **attrv;
	char *str;

	const char *src[3] = { type, action, id ? id : "" };
	for (size_t i = 0; i < 3; i++) {
		off[n++] = mem.len;
		buf_append(&mem, src[i], strlen(src[i]) + 1);
	}
	for (; attrs && attrs[na] && attrs[na + 1] && na < 2 * BUS_MAX_ATTRS;
	     na += 2)
		for (size_t k = 0; k < 2; k++) {
			off[n++] = mem.len;
			buf_append(&mem, attrs[na + k],
				   strlen(attrs[na + k]) + 1);
		}
	line_off = mem.len;
	fmt_time(sl->ev.time_ns, when, sizeof(when));
	jw_open(&w, &mem);
	jw_str(&w, "time", when);
	jw_int(&w, "time_nano", sl->ev.time_ns);
	jw_str(&w, "type", type);
	jw_str(&w, "action", action);
	jw_str(&w, "id", id ? id : "");
	jw_obj(&w, "attributes");
	for (size_t i = 0; i < na; i += 2)
		jw_str(&w, attrs[i], attrs[i + 1]);
	jw_end_obj(&w);
	jw_uint(&w, "seq", sl->ev.seq);
	jw_close(&w);
	buf_append(&mem, "", 1);
	vlen = (na + 1) * sizeof(*attrv);
	sl->mem = xmalloc(vlen + mem.len);
	attrv = sl->mem;
	str = (char *)sl->mem + vlen;
	memcpy(str, mem.data, mem.len);
	buf_free(&mem);
	sl->ev.type = str + off[0];
	sl->ev.action = str + off[1];
	sl->ev.id = str + off[2];
	for (size_t i = 0; i < na; i++)
		attrv[i] = str + off[3 + i];
	attrv[na] = NULL;
	sl->ev.attrs = attrv;
	sl->ev.line = str + line_off;
}

void bus_publish(const char *type, const char *action, const char *id,
		 const char *const *attrs)
{
	struct slot *sl = &ring[(last_seq + 1) % BUS_RING];
	struct timespec ts;

	free(sl->mem);
	memset(sl, 0, sizeof(*sl));
	clock_gettime(CLOCK_REALTIME, &ts);
	sl->ev.seq = last_seq + 1;
	sl->ev.time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	slot_fill(sl, type, action, id, attrs);
	last_seq++;
	for (size_t i = 0; i < nsubs; i++)
		if (!subs[i]->type || !strcmp(subs[i]->type, type))
			subs[i]->fn(&sl->ev);
	if (notify)
		notify();
}

void bus_reset(void)
{
	for (size_t i = 0; i < BUS_RING; i++) {
		free(ring[i].mem);
		memset(&ring[i], 0, sizeof(ring[i]));
	}
	last_seq = 0;
	nsubs = 0;
	notify = NULL;
}
