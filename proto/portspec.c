/* portspec.c - Docker's -p and --expose words (see portspec.h). Works on
 * one private copy of the word, cut in place; no allocation is kept. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "portspec.h"

#define PORTSPEC_MAX 256 /* longest word accepted */

static const char *const proto_names[] = {"tcp", "udp", "sctp"};

const char *portspec_proto_name(enum portspec_proto proto)
{
	return proto <= PORTSPEC_SCTP ? proto_names[proto] : "?";
}

unsigned portspec_count(const struct portspec *p)
{
	return (unsigned)p->ctr_hi - p->ctr_lo + 1;
}

uint16_t portspec_host_port(const struct portspec *p, unsigned i)
{
	if (!p->host_lo || p->host_hi - p->host_lo != p->ctr_hi - p->ctr_lo)
		return 0;
	return (uint16_t)(p->host_lo + i);
}

/* One decimal port 1..65535 (no sign, no spaces, no leading '+'). */
static int port_num(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -1;
	v = strtoul(s, NULL, 10);
	if (v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* "N" or "N-M" with N <= M; what names the part for the message. */
static int port_range(const char *word, const char *s, const char *what,
		      uint16_t *lo, uint16_t *hi, struct err *e)
{
	char tmp[16];
	char *dash;

	if (strlen(s) >= sizeof(tmp))
		goto bad;
	snprintf(tmp, sizeof(tmp), "%s", s);
	dash = strchr(tmp, '-');
	if (dash)
		*dash++ = '\0';
	if (port_num(tmp, lo) < 0 || port_num(dash ? dash : tmp, hi) < 0)
		goto bad;
	if (*lo > *hi)
		return err_setc(e, ERR_INVALID,
				"invalid port \"%s\": %s range "
				"\"%s\" ends before it starts",
				word, what, s);
	return 0;
bad:
	return err_setc(e, ERR_INVALID,
			"invalid port \"%s\": %s \"%s\" is not "
			"a port (1-65535) or range (N-M)",
			word, what, s);
}

/* Cut "/PROTO" off the end of s. */
static int take_proto(const char *word, char *s, struct portspec *p,
		      struct err *e)
{
	char *slash = strrchr(s, '/');

	p->proto = PORTSPEC_TCP;
	if (!slash)
		return 0;
	*slash++ = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(proto_names); i++)
		if (!strcmp(slash, proto_names[i])) {
			p->proto = (enum portspec_proto)i;
			return 0;
		}
	return err_setc(e, ERR_INVALID,
			"invalid port \"%s\": unknown protocol "
			"\"%s\" (want tcp, udp or sctp)",
			word, slash);
}

/* The host IP part: "", "1.2.3.4", "::1" or "[::1]". */
static int take_ip(const char *word, char *ip, struct portspec *p,
		   struct err *e)
{
	size_t n = strlen(ip);

	if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']') {
		ip[n - 1] = '\0';
		ip++;
		if (strchr(ip, '.') && !strchr(ip, ':'))
			goto bad; /* brackets are for IPv6 only */
	}
	if (!*ip)
		return 0;
	if (inet_pton(AF_INET, ip, &p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &p->addr) == 1)
		p->family = AF_INET6;
	else
		goto bad;
	inet_ntop(p->family, &p->addr, p->ip, sizeof(p->ip));
	return 0;
bad:
	return err_setc(e, ERR_INVALID,
			"invalid port \"%s\": \"%s\" is not an "
			"IP address",
			word, ip);
}

/* Host and container ranges agree: equal lengths, or one container port
 * behind a host range (one free port of it), or no host port at all. */
static int check_ranges(const char *word, const struct portspec *p,
			struct err *e)
{
	if (!p->host_lo || p->ctr_lo == p->ctr_hi ||
	    p->host_hi - p->host_lo == p->ctr_hi - p->ctr_lo)
		return 0;
	return err_setc(e, ERR_INVALID,
			"invalid port \"%s\": host range %u-%u "
			"and container range %u-%u differ in length",
			word, p->host_lo, p->host_hi, p->ctr_lo, p->ctr_hi);
}

static int start(const char *word, char *s, struct portspec *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	if (strlen(word) >= PORTSPEC_MAX)
		return err_setc(e, ERR_INVALID,
				"invalid port: longer than %d "
				"bytes",
				PORTSPEC_MAX - 1);
	if (!*word)
		return err_setc(e, ERR_INVALID, "invalid port \"\": empty");
	snprintf(s, PORTSPEC_MAX, "%s", word);
	return take_proto(word, s, p, e);
}

int portspec_parse_expose(const char *word, struct portspec *p, struct err *e)
{
	char s[PORTSPEC_MAX];

	if (start(word, s, p, e) < 0)
		return -1;
	return port_range(word, s, "container port", &p->ctr_lo, &p->ctr_hi, e);
}

int portspec_parse(const char *word, struct portspec *p, struct err *e)
{
	char s[PORTSPEC_MAX];
	char *cport, *hport = NULL, *ip = NULL;

	if (start(word, s, p, e) < 0)
		return -1;
	/* From the right, as Docker: CPORT, then HOSTPORT, the rest is IP. */
	cport = strrchr(s, ':');
	if (cport) {
		*cport++ = '\0';
		hport = strrchr(s, ':');
		if (hport) {
			*hport++ = '\0';
			ip = s;
		} else {
			hport = s;
		}
	} else {
		cport = s;
	}
	if (port_range(word, cport, "container port", &p->ctr_lo, &p->ctr_hi,
		       e) < 0)
		return -1;
	if (hport && *hport &&
	    port_range(word, hport, "host port", &p->host_lo, &p->host_hi, e) <
		0)
		return -1;
	if (ip && take_ip(word, ip, p, e) < 0)
		return -1;
	return check_ranges(word, p, e);
}
