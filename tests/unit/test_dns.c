/* test_dns.c - net/dns.c: answers from a name table (A, AAAA, PTR,
 * rotation, NXDOMAIN, forward), FORMERR on garbage, and forwarded
 * queries and replies, all as real DNS messages built and read by ldns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../net/dns.h"
#include "../../net/dns_fns.h"

static struct dns_table *t;

/* A query for name and type, id 0x1234, RD set; its wire form. */
static void query(const char *name, ldns_rr_type type, struct buf *w)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
			       LDNS_RR_CLASS_IN, LDNS_RD);
	assert_non_null(q);
	ldns_pkt_set_id(q, 0x1234);
	assert_int_equal(ldns_pkt2wire(&wire, q, &n), LDNS_STATUS_OK);
	buf_reset(w);
	buf_append(w, wire, n);
	free(wire);
	ldns_pkt_free(q);
}

/* Answer name/type; the reply as "RCODE|answer1,answer2". */
static const char *ask(const char *name, ldns_rr_type type)
{
	static char out[512];
	struct buf w = {0}, r = {0};
	ldns_pkt *p = NULL;
	ldns_rr_list *an;

	query(name, type, &w);
	assert_int_equal(
	    dns_answer(t, (uint8_t *)buf_head(&w), buf_used(&w), &r),
	    DNS_REPLY);
	assert_int_equal(
	    ldns_wire2pkt(&p, (uint8_t *)buf_head(&r), buf_used(&r)),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_true(ldns_pkt_qr(p));
	snprintf(out, sizeof(out), "%d|", ldns_pkt_get_rcode(p));
	an = ldns_pkt_answer(p);
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, i), 0));

		strncat(out, s, sizeof(out) - strlen(out) - 2);
		strcat(out, ",");
		free(s);
	}
	ldns_pkt_free(p);
	buf_free(&w), buf_free(&r);
	return out;
}

static int setup(void **state)
{
	struct err e = ERR_INIT;

	if (dns_fns_load(&e) < 0)
		return -1;
	t = dns_table_new();
	if (dns_table_add(t, "web", "10.1.0.2", &e) < 0 ||
	    dns_table_add(t, "Web", "fd00::2", &e) < 0 ||
	    dns_table_add(t, "api.", "10.1.0.3", &e) < 0 ||
	    dns_table_add(t, "api", "10.1.0.4", &e) < 0 ||
	    dns_table_add(t, "api", "10.1.0.5", &e) < 0 ||
	    dns_table_hide(t, "db", &e) < 0 ||
	    dns_table_subnet(t, "10.1.0.0/24", &e) < 0 ||
	    dns_table_subnet(t, "fd00::/64", &e) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	dns_table_free(t);
	return 0;
}

static void test_names(void **state)
{
	assert_string_equal(ask("web.", LDNS_RR_TYPE_A), "0|10.1.0.2,");
	assert_string_equal(ask("WEB.", LDNS_RR_TYPE_AAAA), "0|fd00::2,");
	/* a name with no address of the family: NOERROR, no answer */
	assert_string_equal(ask("api.", LDNS_RR_TYPE_AAAA), "0|");
	assert_string_equal(ask("api.", LDNS_RR_TYPE_MX), "0|");
	/* on a network the asker is not on */
	assert_string_equal(ask("db.", LDNS_RR_TYPE_A), "3|");
}

static void test_rotation(void **state)
{
	char first[3][64];

	for (int i = 0; i < 3; i++) {
		const char *a = ask("api.", LDNS_RR_TYPE_A);

		assert_int_equal(strlen(a),
				 strlen("0|10.1.0.3,10.1.0.4,10.1.0.5,"));
		assert_non_null(strstr(a, "10.1.0.3"));
		assert_non_null(strstr(a, "10.1.0.4"));
		assert_non_null(strstr(a, "10.1.0.5"));
		snprintf(first[i], sizeof(first[i]), "%.10s", a + 2);
	}
	/* each answer starts elsewhere */
	assert_true(strcmp(first[0], first[1]) || strcmp(first[1], first[2]));
	assert_false(!strcmp(first[0], first[1]) &&
		     !strcmp(first[1], first[2]));
}

static void test_ptr(void **state)
{
	assert_string_equal(ask("2.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			    "0|web.,");
	assert_string_equal(
	    ask("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"0.d.f.ip6.arpa.",
		LDNS_RR_TYPE_PTR),
	    "0|web.,");
	/* an unknown address of our subnets */
	assert_string_equal(ask("9.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR),
			    "3|");
}

static void test_forward(void **state)
{
	struct buf w = {0}, r = {0}, up = {0}, back = {0};
	struct err e = ERR_INIT;
	ldns_pkt *p = NULL, *rep;
	uint8_t *wire = NULL;
	size_t n;

	/* not ours: forwarded, with the daemon's id */
	query("example.org.", LDNS_RR_TYPE_A, &w);
	assert_int_equal(
	    dns_answer(t, (uint8_t *)buf_head(&w), buf_used(&w), &r),
	    DNS_FORWARD);
	assert_int_equal(buf_used(&r), 0);
	assert_int_equal(dns_forward_query((uint8_t *)buf_head(&w),
					   buf_used(&w), 0xbeef, &up, &e),
			 0);
	assert_int_equal(
	    ldns_wire2pkt(&p, (uint8_t *)buf_head(&up), buf_used(&up)),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0xbeef);
	/* the upstream answers: back to the client's id */
	ldns_pkt_set_qr(p, true);
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	assert_int_equal(dns_forward_reply(wire, n, 0xbeef,
					   (uint8_t *)buf_head(&w),
					   buf_used(&w), &back, &e),
			 0);
	rep = NULL;
	assert_int_equal(
	    ldns_wire2pkt(&rep, (uint8_t *)buf_head(&back), buf_used(&back)),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(rep), 0x1234);
	ldns_pkt_free(rep);
	/* a reply with another id or question is refused */
	assert_int_equal(dns_forward_reply(wire, n, 0xbeee,
					   (uint8_t *)buf_head(&w),
					   buf_used(&w), &back, &e),
			 -1);
	assert_non_null(strstr(e.msg, "does not match"));
	free(wire);
	ldns_pkt_free(p);
	/* the upstream failed: SERVFAIL with the client's id */
	buf_reset(&back);
	assert_int_equal(
	    dns_servfail((uint8_t *)buf_head(&w), buf_used(&w), &back, &e), 0);
	p = NULL;
	assert_int_equal(
	    ldns_wire2pkt(&p, (uint8_t *)buf_head(&back), buf_used(&back)),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	ldns_pkt_free(p);
	buf_free(&w), buf_free(&r), buf_free(&up), buf_free(&back);
}

static void test_garbage(void **state)
{
	uint8_t junk[40] = {0xab, 0xcd, 0x01, 0x00, 0x00, 0x01};
	uint8_t resp[12] = {1, 2, 0x80};
	struct buf r = {0};
	ldns_pkt *p = NULL;
	struct err e = ERR_INIT;

	memset(junk + 12, 0xff, sizeof(junk) - 12);
	assert_int_equal(dns_answer(t, junk, sizeof(junk), &r), DNS_REPLY);
	assert_int_equal(
	    ldns_wire2pkt(&p, (uint8_t *)buf_head(&r), buf_used(&r)),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_id(p), 0xabcd);
	ldns_pkt_free(p);
	buf_reset(&r);
	assert_int_equal(dns_answer(t, junk, 5, &r), DNS_DROP);
	assert_int_equal(dns_answer(t, resp, sizeof(resp), &r), DNS_DROP);
	assert_int_equal(buf_used(&r), 0);
	assert_int_equal(dns_forward_query(junk, sizeof(junk), 1, &r, &e), -1);
	assert_int_equal(dns_table_add(t, "a b", "10.1.0.9", &e), -1);
	assert_int_equal(dns_table_add(t, "ok", "10.1.0", &e), -1);
	buf_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),   cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_ptr),	    cmocka_unit_test(test_forward),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
