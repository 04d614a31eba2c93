/* bus.h - the event bus: typed news between modules and to `events`.
 *
 * bus_publish() serialises an event once into an NDJSON line kept in a
 * fixed ring (BUS_RING events) and calls module subscribers synchronously.
 * `events` subscribers read the ring through a cursor at their own pace; one
 * that falls a whole ring behind is dropped, so a client that never reads
 * costs the daemon a bounded amount of memory. */
#ifndef SKIFF_BUS_H
#define SKIFF_BUS_H

#include <stdint.h>

#include "../proto/json.h"

#define BUS_RING 1024

struct bus_event {
	uint64_t seq;	  /* 1, 2, ... since the daemon started */
	int64_t time_ns;  /* CLOCK_REALTIME */
	const char *type; /* "daemon", "container", "image", ... */
	const char *action; /* "start", "die", "pull", ... */
	const char *id;
	const char *const *attrs; /* key, value, ..., NULL */
	const char *line;	  /* the NDJSON line, LF included */
};

struct bus_sub {
	const char *type; /* NULL for every type */
	void (*fn)(const struct bus_event *ev);
};

/* Publish; attrs are key/value string pairs ending in NULL (may be NULL). */
void bus_publish(const char *type, const char *action, const char *id,
		 const char *const *attrs);
void bus_subscribe(const struct bus_sub *sub);
/* Ring access for stream readers: the event with sequence seq, or NULL if
 * it is not yet published (seq > last) or already overwritten. */
const struct bus_event *bus_get(uint64_t seq);
uint64_t bus_last_seq(void);
/* Wake watchers (ctl streams) when new events arrive. */
void bus_set_notify(void (*fn)(void));
void bus_reset(void);

#endif
