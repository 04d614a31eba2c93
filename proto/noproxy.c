/* noproxy.c - NO_PROXY matching (see noproxy.h). */
#include "noproxy.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ip {
	int family; /* AF_INET, AF_INET6, or 0: not an address */
	unsigned char b[16];
};

static struct ip ip_parse(const char *s)
{
	struct ip a = { 0 };

	if (inet_pton(AF_INET, s, a.b) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		a.family = AF_INET6;
	return a;
}

static bool is_loopback(const char *host, const struct ip *a)
{
	static const unsigned char v6[16] = { [15] = 1 };

	if (!strcasecmp(host, "localhost"))
		return true;
	if (a->family == AF_INET)
		return a->b[0] == 127;
	return a->family == AF_INET6 && !memcmp(a->b, v6, 16);
}

/* a in net/bits? */
static bool in_cidr(const struct ip *a, const struct ip *net, long bits)
{
	long max = net->family == AF_INET ? 32 : 128;

	if (a->family != net->family || bits < 0 || bits > max)
		return false;
	for (long i = 0; i < bits; i++) {
		unsigned char m = (unsigned char)(0x80 >> (i % 8));
		if ((a->b[i / 8] & m) != (net->b[i / 8] & m))
			return false;
	}
	return true;
}

/* One entry (trimmed, lowercase, NUL-terminated). */
static bool entry_match(char *ent, const char *host, const struct ip *a,
			long port)
{
	char *slash = strchr(ent, '/'), *colon, *end;
	size_t hl = strlen(host), el;
	long want = -1;

	if (!strcmp(ent, "*"))
		return true;
	if (slash) { /* CIDR */
		long bits = strtol(slash + 1, &end, 10);
		struct ip net;
		if (end == slash + 1 || *end)
			return false;
		*slash = '\0';
		net = ip_parse(ent);
		return net.family && in_cidr(a, &net, bits);
	}
	if (ent[0] == '[') { /* [v6] or [v6]:port */
		char *close = strchr(ent, ']');
		if (!close)
			return false;
		*close = '\0';
		if (close[1] == ':')
			want = strtol(close + 2, NULL, 10);
		ent++;
	} else if ((colon = strrchr(ent, ':')) && strchr(ent, ':') == colon) {
		want = strtol(colon + 1, &end, 10); /* name:port or v4:port */
		if (end == colon + 1 || *end)
			return false;
		*colon = '\0';
	}
	if (want >= 0 && want != port)
		return false;
	if (ip_parse(ent).family) { /* an address: equal ones only */
		struct ip e = ip_parse(ent);
		return a->family == e.family &&
		       !memcmp(a->b, e.b, a->family == AF_INET ? 4 : 16);
	}
	el = strlen(ent);
	if (ent[0] == '.') /* subdomains only */
		return el < hl && !strcasecmp(host + hl - el, ent);
	if (!el)
		return false;
	if (!strcasecmp(host, ent))
		return true;
	return el < hl && host[hl - el - 1] == '.' &&
	       !strcasecmp(host + hl - el, ent);
}

bool noproxy_match(const char *no_proxy, const char *host, long port)
{
	struct ip a = ip_parse(host);
	char ent[256];

	if (is_loopback(host, &a))
		return true;
	for (const char *p = no_proxy; p && *p;) {
		const char *comma = strchr(p, ','), *e;
		size_t n;
		while (*p == ' ' || *p == '\t')
			p++;
		e = comma ? comma : p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		n = (size_t)(e - p);
		if (n && n < sizeof(ent)) {
			memcpy(ent, p, n);
			ent[n] = '\0';
			if (entry_match(ent, host, &a, port))
				return true;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}
