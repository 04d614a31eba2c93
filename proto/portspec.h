/* portspec.h - Docker's published-port words: `-p` and `--expose`.
 *
 *   -p CPORT[-CPORT][/PROTO]                  host port(s) chosen later
 *   -p HOSTPORT[-HOSTPORT]:CPORT[-CPORT][/PROTO]
 *   -p IP:[HOSTPORT[-HOSTPORT]]:CPORT[-CPORT][/PROTO]
 *   -p [IPV6]:[HOSTPORT]:CPORT[/PROTO]        (brackets optional, as Docker)
 *   --expose CPORT[-CPORT][/PROTO]
 *
 * PROTO is tcp (the default), udp or sctp. A host range as long as the
 * container range maps port to port; a host range with one container port
 * means "one free host port of that range". Pure text parsing: errors name
 * the word and the part that is wrong. */
#ifndef SKIFF_PORTSPEC_H
#define SKIFF_PORTSPEC_H

#include <netinet/in.h>
#include <stdint.h>

#include "../core/base/err.h"

enum portspec_proto { PORTSPEC_TCP, PORTSPEC_UDP, PORTSPEC_SCTP };

struct portspec {
	int family;		   /* 0 (every address), AF_INET or AF_INET6 */
	struct in6_addr addr;	   /* host IP (v4 in the first 4 bytes) */
	char ip[INET6_ADDRSTRLEN]; /* the host IP as text, "" for any */
	uint16_t host_lo, host_hi; /* 0, 0: the daemon chooses */
	uint16_t ctr_lo, ctr_hi;   /* container ports, lo <= hi */
	enum portspec_proto proto;
};

/* Parse one -p word into p; -1 with e (ERR_INVALID) naming what is wrong. */
int portspec_parse(const char *word, struct portspec *p, struct err *e);
/* Parse one --expose word (container ports and protocol only). */
int portspec_parse_expose(const char *word, struct portspec *p, struct err *e);
/* "tcp", "udp" or "sctp". */
const char *portspec_proto_name(enum portspec_proto proto);
/* How many container ports p publishes (ctr_hi - ctr_lo + 1). */
unsigned portspec_count(const struct portspec *p);
/* The host port for container port number i of p (0 <= i < count), 0
 * when the daemon is to choose it (no host port, or a host range for one
 * container port). */
uint16_t portspec_host_port(const struct portspec *p, unsigned i);

#endif
