/* units.c - Docker's human sizes and durations (see units.h). */
#include "units.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void units_size_prec(double bytes, int prec, char *out, size_t n)
{
	static const char *const unit[] = { "B",  "kB", "MB", "GB",
					    "TB", "PB", "EB", "ZB", "YB" };
	size_t u = 0;

	while (bytes >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0]))
		bytes /= 1000, u++;
	snprintf(out, n, "%.*g%s", prec, bytes, unit[u]);
}

void units_size(double bytes, char *out, size_t n)
{
	units_size_prec(bytes, 3, out, n);
}

void units_bytes(double bytes, char *out, size_t n)
{
	static const char *const unit[] = { "B",   "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB", "ZiB", "YiB" };
	size_t u = 0;

	while (bytes >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0]))
		bytes /= 1024, u++;
	snprintf(out, n, "%.4g%s", bytes, unit[u]);
}

void units_duration(int64_t ns, char *out, size_t n)
{
	long long s = ns / 1000000000, m = s / 60;
	long long h = (long long)((double)ns / 3.6e12 + 0.5);

	if (s < 1)
		snprintf(out, n, "Less than a second");
	else if (s == 1)
		snprintf(out, n, "1 second");
	else if (s < 60)
		snprintf(out, n, "%lld seconds", s);
	else if (m == 1)
		snprintf(out, n, "About a minute");
	else if (m < 60)
		snprintf(out, n, "%lld minutes", m);
	else if (h == 1)
		snprintf(out, n, "About an hour");
	else if (h < 48)
		snprintf(out, n, "%lld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(out, n, "%lld days", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(out, n, "%lld weeks", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(out, n, "%lld months", h / 24 / 30);
	else
		snprintf(out, n, "%lld years", h / 24 / 365);
}

void units_ago(int64_t since_ns, char *out, size_t n)
{
	struct timespec ts;
	int64_t now;
	size_t len;

	if (since_ns <= 0) {
		if (n)
			*out = '\0';
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	units_duration(now > since_ns ? now - since_ns : 0, out, n);
	for (len = 0; len < n && out[len]; len++)
		;
	snprintf(out + len, n - len, " ago");
}

int64_t units_parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	int64_t frac = 0, scale = 100000000, off = 0;

	if (!p)
		return 0;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += scale ? (*p - '0') * scale : 0;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		off = (atoi(p + 1) * 3600 + atoi(p + 4) * 60) *
		      (*p == '-' ? -1 : 1);
		p += 6;
	} else if (*p == 'Z') {
		p++;
	}
	if (*p)
		return 0;
	return ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
}

void units_time_text(int64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(out, n, "%Y-%m-%d %H:%M:%S %z %Z", &tm))
		snprintf(out, n, "%lld", (long long)t);
}
