/* fuzz_dns.c - libFuzzer target for the embedded DNS server's packet
 * handling (net/dns.c): any bytes as a query get a reply that parses
 * back with the same id, a forward, or a drop, never a crash; the same
 * bytes as an upstream reply are checked against a fixed query. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/dns.h"
#include "../../net/dns_fns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_table *table(void)
{
	static struct dns_table *t;
	struct err e = ERR_INIT;

	if (t)
		return t;
	if (dns_fns_load(&e) < 0)
		abort();
	t = dns_table_new();
	if (dns_table_add(t, "web", "10.1.0.2", &e) < 0 ||
	    dns_table_add(t, "web", "fd00::2", &e) < 0 ||
	    dns_table_add(t, "api", "10.1.0.3", &e) < 0 ||
	    dns_table_hide(t, "db", &e) < 0 ||
	    dns_table_subnet(t, "10.1.0.0/24", &e) < 0)
		abort();
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* "web." A, id 0x0102 */
	static const uint8_t q[] = {1, 2, 1,   0,   0,	 1, 0, 0, 0, 0, 0,
				    0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1};
	struct buf out = {0};
	struct err e = ERR_INIT;
	ldns_pkt *p = NULL;

	if (dns_answer(table(), data, size, &out) == DNS_REPLY) {
		if (ldns_wire2pkt(&p, (uint8_t *)buf_head(&out),
				  buf_used(&out)) != LDNS_STATUS_OK ||
		    ldns_pkt_id(p) != (uint16_t)(data[0] << 8 | data[1]))
			abort();
		ldns_pkt_free(p);
	}
	buf_reset(&out);
	if (dns_forward_reply(data, size, 0x0102, q, sizeof(q), &out, &e) < 0 &&
	    !e.msg[0])
		abort();
	buf_free(&out);
	return 0;
}
