/* dns.c - DNS messages for the embedded server (see dns.h). Every wire
 * parse and build goes through ldns (never hand-walked); the name table
 * is plain arrays owned by struct dns_table. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "cidr.h"
#include "dns.h"
#include "dns_fns.h"
#include "../core/base/xalloc.h"

#define DNS_NAME_MAX 254 /* presentation form, no trailing dot */

struct dns_entry {
	char *name; /* lower case, no trailing dot; NULL: hidden name only */
	int family;
	cidr_u128 addr;
};

struct dns_table {
	struct dns_entry *v;
	size_t n;
	char **hidden;
	size_t nhidden;
	struct cidr *subnets;
	size_t nsubnets;
	unsigned rotor; /* where the next answer's address list starts */
};

struct dns_table *dns_table_new(void)
{
	struct dns_table *t = xcalloc(1, sizeof(*t));

	return t;
}

void dns_table_free(struct dns_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	for (size_t i = 0; i < t->nhidden; i++)
		free(t->hidden[i]);
	free(t->v), free(t->hidden), free(t->subnets);
	free(t);
}

static void *grow(void *p, size_t n, size_t size)
{
	p = xrealloc(p, n + 1, size);
	return p;
}

/* name lower-cased without its trailing dot into out; -1 if not a name. */
static int norm(const char *name, char *out, size_t n)
{
	size_t len = strlen(name);

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len >= n || len >= DNS_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || c == '\\')
			return -1;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return 0;
}

int dns_table_add(struct dns_table *t, const char *name, const char *ip,
		  struct err *e)
{
	char n[DNS_NAME_MAX + 1];
	struct dns_entry d;

	if (norm(name, n, sizeof(n)) < 0)
		return err_setc(e, ERR_INVALID, "\"%s\" is not a DNS name",
				name);
	if (cidr_parse_addr(ip, &d.family, &d.addr, e) < 0)
		return -1;
	d.name = xstrdup(n);
	t->v = grow(t->v, t->n, sizeof(*t->v));
	t->v[t->n++] = d;
	return 0;
}

int dns_table_hide(struct dns_table *t, const char *name, struct err *e)
{
	char n[DNS_NAME_MAX + 1];

	if (norm(name, n, sizeof(n)) < 0)
		return err_setc(e, ERR_INVALID, "\"%s\" is not a DNS name",
				name);
	t->hidden = grow(t->hidden, t->nhidden, sizeof(*t->hidden));
	t->hidden[t->nhidden++] = xstrdup(n);
	return 0;
}

int dns_table_subnet(struct dns_table *t, const char *subnet, struct err *e)
{
	struct cidr c;

	if (cidr_parse(subnet, &c, e) < 0)
		return -1;
	t->subnets = grow(t->subnets, t->nsubnets, sizeof(*t->subnets));
	t->subnets[t->nsubnets++] = c;
	return 0;
}

/* The address a reverse name ("4.3.2.1.in-addr.arpa", "b.a.9...ip6.arpa")
 * stands for; false for any other name. */
static bool reverse_addr(const char *name, int *family, cidr_u128 *addr)
{
	size_t len = strlen(name);
	unsigned v[32];
	int n = 0;

	if (len > 13 && !strcmp(name + len - 13, ".in-addr.arpa")) {
		char tail;

		if (sscanf(name, "%3u.%3u.%3u.%3u%c", &v[0], &v[1], &v[2],
			   &v[3], &tail) != 5 ||
		    tail != '.' || v[0] > 255 || v[1] > 255 || v[2] > 255 ||
		    v[3] > 255 || strchr(name, '.') - name > 3)
			return false;
		*family = AF_INET;
		*addr = (cidr_u128)v[3] << 24 | v[2] << 16 | v[1] << 8 | v[0];
		return len == (size_t)snprintf(NULL, 0,
					       "%u.%u.%u.%u.in-addr.arpa", v[0],
					       v[1], v[2], v[3]);
	}
	if (len != 72 || strcmp(name + 63, ".ip6.arpa"))
		return false;
	*family = AF_INET6;
	*addr = 0;
	for (n = 0; n < 32; n++) {
		char c = name[2 * n];

		if (!isxdigit((unsigned char)c) || name[2 * n + 1] != '.')
			return false;
		*addr |= (cidr_u128)(isdigit((unsigned char)c)
					 ? c - '0'
					 : (c | 0x20) - 'a' + 10)
			 << (4 * n);
	}
	return true;
}

/* A reply skeleton for query q: same id, opcode, RD and question. */
static ldns_pkt *reply_to(const ldns_pkt *q, uint8_t rcode)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr_list *qs;

	if (!r)
		abort();
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, rcode);
	qs = ldns_pkt_question(q);
	for (size_t i = 0; qs && i < ldns_rr_list_rr_count(qs); i++)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
				 ldns_rr_clone(ldns_rr_list_rr(qs, i)));
	return r;
}

/* Append p's wire form to out and free p. The wire form is built in one
 * buffer kept for the process (ldns_pkt2wire would allocate and free
 * 64 KiB per message); the server is single-threaded. */
static enum dns_verdict emit(ldns_pkt *p, struct buf *out)
{
	static ldns_buffer *wire;
	enum dns_verdict v = DNS_DROP;

	if (!wire && !(wire = ldns_buffer_new(4096)))
		abort();
	ldns_buffer_clear(wire);
	if (ldns_pkt2buffer_wire(wire, p) == LDNS_STATUS_OK) {
		buf_append(out, ldns_buffer_begin(wire),
			   ldns_buffer_position(wire));
		v = DNS_REPLY;
	}
	ldns_pkt_free(p);
	return v;
}

/* An answer record for owner: A/AAAA of addr, or PTR to name. */
static ldns_rr *answer_rr(const ldns_rdf *owner, ldns_rr_type type,
			  const struct dns_entry *d)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *data;
	uint8_t bytes[16];

	if (!rr)
		abort();
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, DNS_TTL);
	if (type == LDNS_RR_TYPE_PTR) {
		char fqdn[DNS_NAME_MAX + 2];

		snprintf(fqdn, sizeof(fqdn), "%s.", d->name);
		data = ldns_dname_new_frm_str(fqdn);
	} else {
		cidr_to_bytes(d->family, d->addr, bytes);
		data = ldns_rdf_new_frm_data(
		    d->family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
		    d->family == AF_INET ? 4 : 16, bytes);
	}
	if (!data) {
		ldns_rr_free(rr);
		return NULL;
	}
	ldns_rr_push_rdf(rr, data);
	return rr;
}

static bool hidden(const struct dns_table *t, const char *name)
{
	for (size_t i = 0; i < t->nhidden; i++)
		if (!strcmp(t->hidden[i], name))
			return true;
	return false;
}

/* A/AAAA: the name's addresses of the family, each answer starting one
 * further along the name's list (round robin). -1 for an unknown name. */
static int answer_name(struct dns_table *t, ldns_pkt *r, const ldns_rdf *owner,
		       ldns_rr_type type, const char *name)
{
	int family = type == LDNS_RR_TYPE_AAAA ? AF_INET6 : AF_INET;
	_cleanup_free_ size_t *idx = NULL;
	size_t m = 0, start;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name)) {
			idx = grow(idx, m, sizeof(*idx));
			idx[m++] = i;
		}
	if (!m)
		return -1;
	if (type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA)
		return 0; /* the name exists: NOERROR, no data */
	start = t->rotor++ % m;
	for (size_t k = 0; k < m; k++) {
		const struct dns_entry *d = &t->v[idx[(start + k) % m]];
		ldns_rr *rr;

		if (d->family == family && (rr = answer_rr(owner, type, d)))
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	}
	return 0;
}

/* PTR: the names of an address. -1 when the table has none. */
static int answer_ptr(const struct dns_table *t, ldns_pkt *r,
		      const ldns_rdf *owner, int family, cidr_u128 addr)
{
	int found = -1;

	for (size_t i = 0; i < t->n; i++) {
		ldns_rr *rr;

		if (t->v[i].family != family || t->v[i].addr != addr)
			continue;
		found = 0;
		if ((rr = answer_rr(owner, LDNS_RR_TYPE_PTR, &t->v[i])))
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
		break; /* one name per address: the first (container) name */
	}
	return found;
}

/* The question's name, normalised; its type. -1 if unusable. */
static int question(const ldns_pkt *q, char *name, size_t n, ldns_rr_type *type,
		    const ldns_rdf **owner)
{
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	char *s;
	int rc;

	if (!rr || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return -1;
	*owner = ldns_rr_owner(rr);
	*type = ldns_rr_get_type(rr);
	if (!*owner || !(s = ldns_rdf2str(*owner)))
		return -1;
	rc = norm(s, name, n);
	free(s);
	return rc;
}

/* Answer from the table, NXDOMAIN, or forward (no reply made). */
static enum dns_verdict lookup(struct dns_table *t, const ldns_pkt *q,
			       struct buf *out)
{
	char name[DNS_NAME_MAX + 1];
	const ldns_rdf *owner;
	ldns_rr_type type;
	ldns_pkt *r;
	cidr_u128 addr;
	int family, rc;

	if (question(q, name, sizeof(name), &type, &owner) < 0)
		return DNS_FORWARD;
	r = reply_to(q, LDNS_RCODE_NOERROR);
	ldns_pkt_set_aa(r, true);
	if (type == LDNS_RR_TYPE_PTR && reverse_addr(name, &family, &addr)) {
		rc = answer_ptr(t, r, owner, family, addr);
		for (size_t i = 0; rc < 0 && i < t->nsubnets; i++)
			if (cidr_contains(&t->subnets[i], family, addr)) {
				ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
				rc = 0;
			}
	} else {
		rc = answer_name(t, r, owner, type, name);
		if (rc < 0 && hidden(t, name)) {
			ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
			rc = 0;
		}
	}
	if (rc < 0) {
		ldns_pkt_free(r);
		return DNS_FORWARD;
	}
	return emit(r, out);
}

/* FORMERR (or another rcode) for a message whose header alone is read:
 * its id and opcode, no question. */
static enum dns_verdict header_error(const uint8_t *m, uint8_t rcode,
				     struct buf *out)
{
	ldns_pkt *r = ldns_pkt_new();

	if (!r)
		abort();
	ldns_pkt_set_id(r, (uint16_t)(m[0] << 8 | m[1]));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, (ldns_pkt_opcode)((m[2] >> 3) & 0xf));
	ldns_pkt_set_rcode(r, rcode);
	return emit(r, out);
}

enum dns_verdict dns_answer(struct dns_table *t, const uint8_t *m, size_t len,
			    struct buf *out)
{
	struct err e = ERR_INIT;
	enum dns_verdict v;
	ldns_pkt *q = NULL;

	if (len < LDNS_HEADER_SIZE || dns_fns_load(&e) < 0)
		return DNS_DROP;
	if (m[2] & 0x80) /* a response: never answer one */
		return DNS_DROP;
	if (ldns_wire2pkt(&q, m, len) != LDNS_STATUS_OK)
		return header_error(m, LDNS_RCODE_FORMERR, out);
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY)
		v = header_error(m, LDNS_RCODE_NOTIMPL, out);
	else if (ldns_pkt_qdcount(q) != 1)
		v = header_error(m, LDNS_RCODE_FORMERR, out);
	else
		v = lookup(t, q, out);
	ldns_pkt_free(q);
	return v;
}

static ldns_pkt *parse(const uint8_t *m, size_t len, const char *what,
		       struct err *e)
{
	ldns_pkt *p = NULL;

	if (dns_fns_load(e) < 0)
		return NULL;
	if (len < LDNS_HEADER_SIZE ||
	    ldns_wire2pkt(&p, m, len) != LDNS_STATUS_OK) {
		err_setc(e, ERR_INVALID, "%s does not parse", what);
		return NULL;
	}
	return p;
}

int dns_forward_query(const uint8_t *q, size_t len, uint16_t id,
		      struct buf *out, struct err *e)
{
	ldns_pkt *p = parse(q, len, "query", e);

	if (!p)
		return -1;
	ldns_pkt_set_id(p, id);
	if (emit(p, out) != DNS_REPLY)
		return err_setc(e, ERR_INVALID, "query does not build");
	return 0;
}

/* Do the two messages ask the same (type, class, name)? */
static bool same_question(const ldns_pkt *a, const ldns_pkt *b)
{
	ldns_rr *x = ldns_rr_list_rr(ldns_pkt_question(a), 0);
	ldns_rr *y = ldns_rr_list_rr(ldns_pkt_question(b), 0);
	_cleanup_free_ char *sx = NULL, *sy = NULL;

	if (!x || !y || ldns_rr_get_type(x) != ldns_rr_get_type(y) ||
	    ldns_rr_get_class(x) != ldns_rr_get_class(y))
		return false;
	sx = ldns_rdf2str(ldns_rr_owner(x));
	sy = ldns_rdf2str(ldns_rr_owner(y));
	return sx && sy && !strcasecmp(sx, sy);
}

int dns_forward_reply(const uint8_t *r, size_t len, uint16_t upstream_id,
		      const uint8_t *q, size_t qlen, struct buf *out,
		      struct err *e)
{
	ldns_pkt *rp = parse(r, len, "upstream reply", e), *qp = NULL;
	int rc = -1;

	if (!rp)
		return -1;
	if (!(qp = parse(q, qlen, "query", e)))
		goto done;
	if (!ldns_pkt_qr(rp) || ldns_pkt_id(rp) != upstream_id ||
	    !same_question(rp, qp)) {
		err_setc(e, ERR_INVALID,
			 "upstream reply does not match the "
			 "query");
		goto done;
	}
	ldns_pkt_set_id(rp, ldns_pkt_id(qp));
	rc = emit(rp, out) == DNS_REPLY
		 ? 0
		 : err_setc(e, ERR_INVALID, "reply does not build");
	rp = NULL;
done:
	ldns_pkt_free(rp);
	ldns_pkt_free(qp);
	return rc;
}

int dns_servfail(const uint8_t *q, size_t len, struct buf *out, struct err *e)
{
	ldns_pkt *p = parse(q, len, "query", e);

	if (!p)
		return -1;
	emit(reply_to(p, LDNS_RCODE_SERVFAIL), out);
	ldns_pkt_free(p);
	return 0;
}

size_t dns_udp_limit(const uint8_t *q, size_t len)
{
	struct err e = ERR_INIT;
	ldns_pkt *p = parse(q, len, "query", &e);
	size_t n = 512;

	if (p && ldns_pkt_edns_udp_size(p) > n)
		n = ldns_pkt_edns_udp_size(p);
	ldns_pkt_free(p);
	return n;
}

int dns_truncate(const uint8_t *r, size_t len, struct buf *out,
		 struct err *e)
{
	ldns_pkt *p = parse(r, len, "reply", e), *t;

	if (!p)
		return -1;
	t = reply_to(p, ldns_pkt_get_rcode(p));
	ldns_pkt_set_aa(t, ldns_pkt_aa(p));
	ldns_pkt_set_tc(t, true);
	ldns_pkt_free(p);
	if (emit(t, out) != DNS_REPLY)
		return err_setc(e, ERR_INVALID, "reply does not build");
	return 0;
}
