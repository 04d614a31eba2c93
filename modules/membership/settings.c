/* settings.c - the membership module's keys in skiffd.json: one object,
 * "membership", named after Serf's agent options (bind, advertise,
 * node_name, encrypt_key, keyring_file, start_join/retry_join, tags,
 * profile) in skiffd.json's dashed style:
 *
 *   "membership": {"bind": "10.0.0.5", "node-name": "edge-1",
 *                  "join": ["10.0.0.4"], "tags": ["role=web"],
 *                  "keyring-file": "/etc/skiff/keyring.json"}
 *
 * Gossip is off without "bind". Owns mship_settings (none apply at
 * SIGHUP: gossip keeps its sockets). The address helpers live here too. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

struct mship_settings mship_settings;

int mship_parse_addr(const char *s, struct swim_addr *a, struct err *e)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long port = MSHIP_PORT;
	struct in_addr in;
	char *end;

	if (colon) {
		port = strtoul(colon + 1, &end, 10);
		if (*end || !colon[1] || port < 1 || port > 65535)
			return err_setc(e, ERR_INVALID, "%s: bad port", s);
	}
	if (n >= sizeof(ip))
		return err_setc(e, ERR_INVALID, "%s: want IPv4[:PORT]", s);
	memcpy(ip, s, n);
	ip[n] = 0;
	if (inet_pton(AF_INET, ip, &in) != 1)
		return err_setc(e, ERR_INVALID, "%s: want IPv4[:PORT]", s);
	memset(a, 0, sizeof(*a));
	memcpy(a->ip, &in, 4);
	a->len = 4;
	a->port = (uint16_t)port;
	return 0;
}

void mship_format_addr(const struct swim_addr *a, char out[32])
{
	char ip[INET_ADDRSTRLEN] = "?";

	if (a->len == 4)
		inet_ntop(AF_INET, a->ip, ip, sizeof(ip));
	snprintf(out, 32, "%s:%u", ip, a->port);
}

static int addr_check(void *field)
{
	const char *s = *(char **)field;
	struct swim_addr a;
	struct err e = ERR_INIT;

	return !s || mship_parse_addr(s, &a, &e) == 0 ? 0 : -1;
}

static int addrs_check(void *field)
{
	const struct strlist *l = field;
	struct swim_addr a;
	struct err e = ERR_INIT;

	for (int i = 0; i < l->n; i++)
		if (mship_parse_addr(l->v[i], &a, &e) < 0)
			return -1;
	return 0;
}

static int profile_check(void *field)
{
	const char *s = *(char **)field;

	return !s || !strcmp(s, "lan") || !strcmp(s, "wan") ||
			       !strcmp(s, "local")
		   ? 0
		   : -1;
}

static int tags_check(void *field)
{
	const struct strlist *l = field;

	for (int i = 0; i < l->n; i++)
		if (!strchr(l->v[i], '=') || l->v[i][0] == '=')
			return -1;
	return 0;
}

static int key_check(void *field)
{
	const char *s = *(char **)field;
	struct mlcrypt_key k;
	struct err e = ERR_INIT;

	return !s || mlcrypt_key_parse(s, &k, &e) == 0 ? 0 : -1;
}

static int name_check(void *field)
{
	const char *s = *(char **)field;

	return !s || (strlen(s) < 128 && !strpbrk(s, " \t\n")) ? 0 : -1;
}

#define MS_STR(key, member, chk, why)                                          \
	{ .f = { .name = key, .type = FLAG_STR,                                \
		 .offset = offsetof(struct mship_settings, member),            \
		 .help = why },                                                \
	  .check = chk }

static const struct config_key mship_sub[] = {
	MS_STR("bind", bind, addr_check,
	       "expected the gossip address, IPv4[:PORT] (port 7946 if "
	       "none); gossip is off without it"),
	MS_STR("advertise", advertise, addr_check,
	       "expected the address others reach us at, IPv4[:PORT]"),
	MS_STR("node-name", node_name, name_check,
	       "expected this node's name (no spaces; the host name if "
	       "none)"),
	MS_STR("encrypt", encrypt, key_check,
	       "expected a base64 AES key of 16, 24 or 32 bytes (serf "
	       "keygen)"),
	MS_STR("keyring-file", keyring_file, NULL,
	       "expected the path of Serf's keyring file (a JSON array of "
	       "base64 keys, the primary first)"),
	{ .f = { .name = "profile", .type = FLAG_STR,
		 .offset = offsetof(struct mship_settings, profile),
		 .help = "expected lan, wan or local (memberlist's timings)" },
	  .def = "lan", .check = profile_check },
	{ .f = { .name = "join", .type = FLAG_LIST,
		 .offset = offsetof(struct mship_settings, join),
		 .help = "expected a list of IPv4[:PORT] to join at start" },
	  .check = addrs_check },
	{ .f = { .name = "tags", .type = FLAG_LIST,
		 .offset = offsetof(struct mship_settings, tags),
		 .help = "expected a list of KEY=VALUE tags" },
	  .check = tags_check },
	{ .f = { .name = "retry-interval", .type = FLAG_DURATION,
		 .offset = offsetof(struct mship_settings, retry_interval),
		 .help = "expected a duration between join attempts (\"30s\")" },
	  .def = "30s" },
	{ .f = { .name = "retry-max", .type = FLAG_INT,
		 .offset = offsetof(struct mship_settings, retry_max),
		 .help = "expected how many join attempts, 0 for no limit" },
	  .def = "0" },
	{ .f = { .name = NULL } },
};

static const struct config_key mship_keys[] = {
	{ .f = { .name = "membership",
		 .help = "expected an object of bind, advertise, node-name, "
			 "encrypt, keyring-file, profile, join, tags, "
			 "retry-interval, retry-max" },
	  .sub = mship_sub },
	{ .f = { .name = NULL } },
};

const struct config_table mship_config = { mship_keys, &mship_settings,
					   sizeof(mship_settings) };
