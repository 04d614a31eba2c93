/* units.h - sizes and durations as Docker's CLI prints them (docker's
 * go-units: HumanSizeWithPrecision(n, 3) and HumanDuration), shared by
 * skiffd's listings and the skiff CLI. No state, no allocation. */
#ifndef SKIFF_UNITS_H
#define SKIFF_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* 1000-based, 3 significant digits: "0B", "832B", "1.04MB", "72.8GB". */
void units_size(double bytes, char *out, size_t n);
/* The same with prec significant digits (Docker's HumanSize is 4). */
void units_size_prec(double bytes, int prec, char *out, size_t n);
/* 1024-based, 4 significant digits, as docker stats' memory:
 * "1.555MiB", "7.637GiB". */
void units_bytes(double bytes, char *out, size_t n);
/* "Less than a second", "1 second", "45 seconds", "About a minute",
 * "5 minutes", "About an hour", "3 hours", "4 days", "3 weeks",
 * "5 months", "2 years". */
void units_duration(int64_t ns, char *out, size_t n);
/* units_duration of now - since_ns followed by " ago" ("" for 0). */
void units_ago(int64_t since_ns, char *out, size_t n);

/* An RFC 3339 time ("2023-01-02T03:04:05.123Z", "...+02:00") as ns
 * since the epoch; 0 when s is not one. */
int64_t units_parse_time(const char *s);
/* ns as Go's time.Time String() in local time: "2006-01-02 15:04:05
 * -0700 MST", as Docker's CreatedAt columns. */
void units_time_text(int64_t ns, char *out, size_t n);

#endif
