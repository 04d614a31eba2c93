/* dns_fns.h - ldns, loaded on first use (see core/base/lazylib.h): include
 * this instead of <ldns/ldns.h>. Calls keep their names; each macro routes
 * one through dns_fns, which dns_fns_load() fills. Only the process that
 * answers or forwards a DNS message maps ldns. A new ldns call is added to
 * DNS_FNS. */
#ifndef SKIFF_DNS_FNS_H
#define SKIFF_DNS_FNS_H

#include <ldns/ldns.h>

#include "../core/base/err.h"

#define DNS_FNS(X) \
	X(ldns_wire2pkt) \
	X(ldns_pkt2wire) \
	X(ldns_pkt_new) \
	X(ldns_pkt_free) \
	X(ldns_pkt_id) \
	X(ldns_pkt_set_id) \
	X(ldns_pkt_qr) \
	X(ldns_pkt_set_qr) \
	X(ldns_pkt_set_aa) \
	X(ldns_pkt_rd) \
	X(ldns_pkt_set_rd) \
	X(ldns_pkt_set_ra) \
	X(ldns_pkt_get_opcode) \
	X(ldns_pkt_set_opcode) \
	X(ldns_pkt_get_rcode) \
	X(ldns_pkt_set_rcode) \
	X(ldns_pkt_qdcount) \
	X(ldns_pkt_question) \
	X(ldns_pkt_push_rr) \
	X(ldns_rr_list_rr) \
	X(ldns_rr_list_rr_count) \
	X(ldns_rr_new) \
	X(ldns_rr_clone) \
	X(ldns_rr_free) \
	X(ldns_rr_owner) \
	X(ldns_rr_set_owner) \
	X(ldns_rr_get_type) \
	X(ldns_rr_set_type) \
	X(ldns_rr_get_class) \
	X(ldns_rr_set_class) \
	X(ldns_rr_set_ttl) \
	X(ldns_rr_push_rdf) \
	X(ldns_rdf_clone) \
	X(ldns_rdf_new_frm_data) \
	X(ldns_rdf2str) \
	X(ldns_dname_new_frm_str) \
	X(ldns_rdf_deep_free) \
	X(ldns_pkt_query_new) \
	X(ldns_pkt_answer) \
	X(ldns_pkt_ancount) \
	X(ldns_rr_rdf) \
	X(ldns_pkt_edns_udp_size) \
	X(ldns_pkt_set_tc) \
	X(ldns_pkt_aa) \
	X(ldns_pkt_tc) \
	X(ldns_buffer_new) \
	X(ldns_pkt2buffer_wire)

struct dns_fns {
#define DNS_FN_SLOT(f) __typeof__(f) *f;
	DNS_FNS(DNS_FN_SLOT)
#undef DNS_FN_SLOT
};
extern struct dns_fns dns_fns;

/* dlopen ldns once; -1 with e naming what is missing. */
int dns_fns_load(struct err *e);

#define ldns_wire2pkt(...) (dns_fns.ldns_wire2pkt(__VA_ARGS__))
#define ldns_pkt2wire(...) (dns_fns.ldns_pkt2wire(__VA_ARGS__))
#define ldns_pkt_new(...) (dns_fns.ldns_pkt_new(__VA_ARGS__))
#define ldns_pkt_free(...) (dns_fns.ldns_pkt_free(__VA_ARGS__))
#define ldns_pkt_id(...) (dns_fns.ldns_pkt_id(__VA_ARGS__))
#define ldns_pkt_set_id(...) (dns_fns.ldns_pkt_set_id(__VA_ARGS__))
#define ldns_pkt_qr(...) (dns_fns.ldns_pkt_qr(__VA_ARGS__))
#define ldns_pkt_set_qr(...) (dns_fns.ldns_pkt_set_qr(__VA_ARGS__))
#define ldns_pkt_set_aa(...) (dns_fns.ldns_pkt_set_aa(__VA_ARGS__))
#define ldns_pkt_rd(...) (dns_fns.ldns_pkt_rd(__VA_ARGS__))
#define ldns_pkt_set_rd(...) (dns_fns.ldns_pkt_set_rd(__VA_ARGS__))
#define ldns_pkt_set_ra(...) (dns_fns.ldns_pkt_set_ra(__VA_ARGS__))
#define ldns_pkt_get_opcode(...) (dns_fns.ldns_pkt_get_opcode(__VA_ARGS__))
#define ldns_pkt_set_opcode(...) (dns_fns.ldns_pkt_set_opcode(__VA_ARGS__))
#define ldns_pkt_get_rcode(...) (dns_fns.ldns_pkt_get_rcode(__VA_ARGS__))
#define ldns_pkt_set_rcode(...) (dns_fns.ldns_pkt_set_rcode(__VA_ARGS__))
#define ldns_pkt_qdcount(...) (dns_fns.ldns_pkt_qdcount(__VA_ARGS__))
#define ldns_pkt_question(...) (dns_fns.ldns_pkt_question(__VA_ARGS__))
#define ldns_pkt_push_rr(...) (dns_fns.ldns_pkt_push_rr(__VA_ARGS__))
#define ldns_rr_list_rr(...) (dns_fns.ldns_rr_list_rr(__VA_ARGS__))
#define ldns_rr_list_rr_count(...) (dns_fns.ldns_rr_list_rr_count(__VA_ARGS__))
#define ldns_rr_new(...) (dns_fns.ldns_rr_new(__VA_ARGS__))
#define ldns_rr_clone(...) (dns_fns.ldns_rr_clone(__VA_ARGS__))
#define ldns_rr_free(...) (dns_fns.ldns_rr_free(__VA_ARGS__))
#define ldns_rr_owner(...) (dns_fns.ldns_rr_owner(__VA_ARGS__))
#define ldns_rr_set_owner(...) (dns_fns.ldns_rr_set_owner(__VA_ARGS__))
#define ldns_rr_get_type(...) (dns_fns.ldns_rr_get_type(__VA_ARGS__))
#define ldns_rr_set_type(...) (dns_fns.ldns_rr_set_type(__VA_ARGS__))
#define ldns_rr_get_class(...) (dns_fns.ldns_rr_get_class(__VA_ARGS__))
#define ldns_rr_set_class(...) (dns_fns.ldns_rr_set_class(__VA_ARGS__))
#define ldns_rr_set_ttl(...) (dns_fns.ldns_rr_set_ttl(__VA_ARGS__))
#define ldns_rr_push_rdf(...) (dns_fns.ldns_rr_push_rdf(__VA_ARGS__))
#define ldns_rdf_clone(...) (dns_fns.ldns_rdf_clone(__VA_ARGS__))
#define ldns_rdf_new_frm_data(...) (dns_fns.ldns_rdf_new_frm_data(__VA_ARGS__))
#define ldns_rdf2str(...) (dns_fns.ldns_rdf2str(__VA_ARGS__))
#define ldns_dname_new_frm_str(...) (dns_fns.ldns_dname_new_frm_str(__VA_ARGS__))
#define ldns_rdf_deep_free(...) (dns_fns.ldns_rdf_deep_free(__VA_ARGS__))
#define ldns_pkt_query_new(...) (dns_fns.ldns_pkt_query_new(__VA_ARGS__))
#define ldns_pkt_answer(...) (dns_fns.ldns_pkt_answer(__VA_ARGS__))
#define ldns_pkt_ancount(...) (dns_fns.ldns_pkt_ancount(__VA_ARGS__))
#define ldns_rr_rdf(...) (dns_fns.ldns_rr_rdf(__VA_ARGS__))
#define ldns_pkt_edns_udp_size(...) (dns_fns.ldns_pkt_edns_udp_size(__VA_ARGS__))
#define ldns_pkt_set_tc(...) (dns_fns.ldns_pkt_set_tc(__VA_ARGS__))
#define ldns_pkt_aa(...) (dns_fns.ldns_pkt_aa(__VA_ARGS__))
#define ldns_pkt_tc(...) (dns_fns.ldns_pkt_tc(__VA_ARGS__))
#define ldns_buffer_new(...) (dns_fns.ldns_buffer_new(__VA_ARGS__))
#define ldns_pkt2buffer_wire(...) (dns_fns.ldns_pkt2buffer_wire(__VA_ARGS__))

#endif
