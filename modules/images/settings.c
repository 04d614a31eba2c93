/* settings.c - the images module's keys in skiffd.json (core/config.h).
 *
 * Owns img_settings, which core's config reader fills from this table at
 * start (and, for the registry keys, again at SIGHUP: they apply to the
 * next request). Only the checks of the values live here. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"

struct img_settings img_settings;

/* host[:port], [v6][:port] or an IPv4/IPv6 CIDR (Docker's forms). */
static bool insecure_ok(const char *s)
{
	unsigned char a[16];
	char ip[64];
	const char *slash = strchr(s, '/');
	char *end;
	long bits;

	if (slash) {
		if ((size_t)(slash - s) >= sizeof(ip))
			return false;
		memcpy(ip, s, (size_t)(slash - s));
		ip[slash - s] = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || bits < 0)
			return false;
		if (inet_pton(AF_INET, ip, a) == 1)
			return bits <= 32;
		return inet_pton(AF_INET6, ip, a) == 1 && bits <= 128;
	}
	if (!*s || strlen(s) > 255)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p))
			return false;
	return true;
}

/* http(s)://host[:port][/]: no path, query or credentials. */
static bool mirror_ok(const char *s)
{
	const char *h = !strncmp(s, "https://", 8)  ? s + 8
			: !strncmp(s, "http://", 7) ? s + 7
						    : NULL;
	size_t n;

	if (!h || !*h || *h == '/')
		return false;
	n = strcspn(h, "/");
	if (h[n] && strcmp(h + n, "/"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-:[]_", h[i]))
			return false;
	return true;
}

static int insecure_check(void *field)
{
	const struct strlist *l = field;

	for (int i = 0; i < l->n; i++)
		if (!insecure_ok(l->v[i]))
			return -1;
	return 0;
}

/* Each a mirror's URL, kept without its trailing "/". */
static int mirrors_check(void *field)
{
	const struct strlist *l = field;

	for (int i = 0; i < l->n; i++) {
		char *s = (char *)l->v[i];
		size_t n = strlen(s);
		if (!mirror_ok(s))
			return -1;
		if (n > 8 && s[n - 1] == '/')
			s[n - 1] = '\0';
	}
	return 0;
}

static int absolute_check(void *field)
{
	return **(char **)field == '/' ? 0 : -1;
}

static int positive_check(void *field)
{
	return *(int64_t *)field > 0 ? 0 : -1;
}

static int retries_check(void *field)
{
	long long n = *(long long *)field;

	return n >= 0 && n <= 100 ? 0 : -1;
}

/* curl counts the window in whole seconds. */
static int window_check(void *field)
{
	return *(int64_t *)field >= 1000 ? 0 : -1;
}

#define AT(member) offsetof(struct img_settings, member)

static const struct config_key img_keys[] = {
	{ .f = { .name = "image-gc-free", .type = FLAG_SIZE,
		 .offset = AT(gc_free),
		 .help = "expected a size such as \"2g\" (\"0\": off)" } },
	{ .f = { .name = "image-gc-min-age", .type = FLAG_DURATION,
		 .offset = AT(gc_min_age_ms),
		 .help = "expected a duration such as \"10m\"" },
	  .def = "10m" },
	{ .f = { .name = "insecure-registries", .type = FLAG_LIST,
		 .offset = AT(insecure),
		 .help = "expected a list of HOST[:PORT] or CIDR (as "
			 "\"10.0.0.0/8\")" },
	  .check = insecure_check, .flags = CONFIG_RELOAD },
	{ .f = { .name = "registry-mirrors", .type = FLAG_LIST,
		 .offset = AT(mirrors),
		 .help = "expected a list of URLs http(s)://HOST[:PORT] "
			 "without a path" },
	  .check = mirrors_check, .flags = CONFIG_RELOAD },
	{ .f = { .name = "certs-dir", .type = FLAG_STR,
		 .offset = AT(certs_dir), .help = "expected an absolute path" },
	  .def = "/etc/skiff/certs.d", .check = absolute_check,
	  .flags = CONFIG_RELOAD },
	{ .f = { .name = "registry-min-rate", .type = FLAG_SIZE,
		 .offset = AT(min_rate),
		 .help = "expected a rate in bytes/s such as \"1k\"" },
	  .def = "1k", .check = positive_check, .flags = CONFIG_RELOAD },
	{ .f = { .name = "registry-rate-window", .type = FLAG_DURATION,
		 .offset = AT(rate_window_ms),
		 .help = "expected a duration of at least 1s such as \"30s\"" },
	  .def = "30s", .check = window_check, .flags = CONFIG_RELOAD },
	{ .f = { .name = "registry-request-timeout", .type = FLAG_DURATION,
		 .offset = AT(request_timeout_ms),
		 .help = "expected a duration such as \"1h\" (\"0\": none)" },
	  .def = "1h", .flags = CONFIG_RELOAD },
	{ .f = { .name = "registry-retries", .type = FLAG_INT,
		 .offset = AT(retries),
		 .help = "expected a number of retries from 0 to 100" },
	  .def = "3", .check = retries_check, .flags = CONFIG_RELOAD },
	{ .f = { .name = "registry-retry-delay", .type = FLAG_DURATION,
		 .offset = AT(retry_delay_ms),
		 .help = "expected a duration such as \"1s\"" },
	  .def = "1s", .check = positive_check, .flags = CONFIG_RELOAD },
	{ .f = { .name = NULL } },
};

const struct config_table img_config = { img_keys, &img_settings,
					 sizeof(img_settings) };
