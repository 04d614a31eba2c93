/* dns.h - the embedded DNS server's message work, with ldns (loaded on
 * first use: dns_fns.h). No sockets and no loop: the daemon receives a
 * datagram (or a TCP message without its length prefix), calls
 * dns_answer() with the table of names the asking container may see, and
 * sends what it gets back, or forwards the query upstream when told to
 * (dns_forward_query / dns_forward_reply, then dns_servfail on timeout).
 *
 * A struct dns_table maps names (container names, network aliases; case
 * and a trailing dot do not matter) to addresses, several per name,
 * answered in rotating order, and the reverse (PTR). Names it knows to
 * exist elsewhere (on networks the asker is not on) are NXDOMAIN, as are
 * unknown addresses of its subnets; anything else is forwarded. The table
 * owns its memory; dns_table_free() releases it. */
#ifndef SKIFF_DNS_H
#define SKIFF_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

#define DNS_TTL 600 /* seconds, as Docker's */

struct dns_table;

struct dns_table *dns_table_new(void);
void dns_table_free(struct dns_table *t);
/* name answers ip (one more address of it); ERR_INVALID for a bad name or
 * address. */
int dns_table_add(struct dns_table *t, const char *name, const char *ip,
		  struct err *e);
/* name is answered NXDOMAIN (it exists where the asker cannot see it). */
int dns_table_hide(struct dns_table *t, const char *name, struct err *e);
/* PTR questions for addresses of subnet the table lacks are NXDOMAIN. */
int dns_table_subnet(struct dns_table *t, const char *subnet, struct err *e);

enum dns_verdict {
	DNS_REPLY,   /* out holds the reply to send */
	DNS_FORWARD, /* not ours: forward the query upstream */
	DNS_DROP,    /* not even a header: send nothing */
};

/* Answer one query message (q, len bytes) from t into out (appended).
 * Garbage with a readable header gets FORMERR; a response, or a query
 * that is not a standard one, gets FORMERR or NOTIMP. */
enum dns_verdict dns_answer(struct dns_table *t, const uint8_t *q, size_t len,
			    struct buf *out);

/* The query q as sent upstream under id (the daemon's own, random),
 * appended to out; -1 with e when q does not parse. */
int dns_forward_query(const uint8_t *q, size_t len, uint16_t id,
		      struct buf *out, struct err *e);
/* An upstream reply r checked against the forwarded query (same id and
 * question) and given back the client's id, appended to out; -1 with e
 * when it does not parse or does not match (drop it). */
int dns_forward_reply(const uint8_t *r, size_t len, uint16_t upstream_id,
		      const uint8_t *q, size_t qlen, struct buf *out,
		      struct err *e);
/* SERVFAIL for query q (the upstream timed out or failed). */
int dns_servfail(const uint8_t *q, size_t len, struct buf *out, struct err *e);

/* The largest UDP reply the asker of query q takes: 512, or its EDNS0
 * payload size if larger. */
size_t dns_udp_limit(const uint8_t *q, size_t len);
/* Reply r cut to its header and question with TC set (the asker
 * retries over TCP), appended to out; -1 with e if r does not parse. */
int dns_truncate(const uint8_t *r, size_t len, struct buf *out,
		 struct err *e);

#endif
