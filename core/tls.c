/* tls.c - tcp:// endpoints: listening sockets and TLS sessions (tls.h).
 *
 * The context asks every client for a certificate and refuses one that
 * the configured CA did not sign, that has expired, or none at all
 * (SSL_VERIFY_FAIL_IF_NO_PEER_CERT): Docker's --tlsverify. TLS 1.2 at
 * least, no renegotiation. Sessions run in partial-write mode with a
 * moving write buffer, so ctl.c can retry a write from its growable
 * output buffer. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/ssl_fns.h"
#include "daemon.h"

static SSL_CTX *ctx;

static int ctx_fail(struct err *e, const char *what, const char *path)
{
	char why[256];

	ssl_fns_error(why, sizeof(why));
	return err_setc(e, ERR_INVALID, "TLS: %s %s: %s", what, path,
			why[0] ? why : "failed");
}

int tls_setup(struct err *e)
{
	const struct config *c = &daemon_ctx.cfg;

	if (ctx)
		return 0;
	if (ssl_fns_load(e) < 0)
		return -1;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return ctx_fail(e, "context", "");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx,
			   SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   NULL);
	if (SSL_CTX_load_verify_locations(ctx, c->tlscacert, NULL) != 1)
		return ctx_fail(e, "tlscacert", c->tlscacert);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tlscert) != 1)
		return ctx_fail(e, "tlscert", c->tlscert);
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tlskey, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return ctx_fail(e, "tlskey", c->tlskey);
	return 0;
}

void tls_cleanup(void)
{
	if (ctx)
		SSL_CTX_free(ctx);
	ctx = NULL;
}

/* "tcp://1.2.3.4:2376" or "tcp://[::1]:2376" into sa. */
static int parse_addr(const char *host, struct sockaddr_storage *sa,
		      socklen_t *len)
{
	char addr[64];
	const char *p = host + 6, *colon;
	char *end;
	long port;

	if (strncmp(host, "tcp://", 6))
		return -1;
	if (*p == '[') {
		const char *rb = strchr(p, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - p - 1) >= sizeof(addr))
			return -1;
		snprintf(addr, sizeof(addr), "%.*s", (int)(rb - p - 1), p + 1);
		colon = rb + 1;
	} else {
		colon = strrchr(p, ':');
		if (!colon || (size_t)(colon - p) >= sizeof(addr))
			return -1;
		snprintf(addr, sizeof(addr), "%.*s", (int)(colon - p), p);
	}
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

int tls_listen(const char *host, struct err *e)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, one = 1;

	if (parse_addr(host, &sa, &len) < 0)
		return err_setc(e, ERR_INVALID,
				"host %s: expected tcp://ADDR:PORT with a "
				"numeric address (tcp://127.0.0.1:2376, "
				"tcp://[::1]:2376)",
				host);
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return err_set(e, errno, "socket for %s", host);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		err_set(e, errno, "listen on %s", host);
		close(fd);
		return -1;
	}
	return fd;
}

struct ssl_st *tls_conn_new(int fd, struct err *e)
{
	SSL *s = ctx ? SSL_new(ctx) : NULL;
	int one = 1;

	if (!s || SSL_set_fd(s, fd) != 1) {
		char why[256];
		if (s)
			SSL_free(s);
		return err_setc(e, ERR_INTERNAL, "TLS session: %s",
				ssl_fns_error(why, sizeof(why))),
		       NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	SSL_set_accept_state(s);
	return s;
}

void tls_conn_free(struct ssl_st *s)
{
	if (!s)
		return;
	SSL_shutdown(s); /* one try at close_notify; never waits */
	SSL_free(s);
}

/* What SSL_get_error says about a call that returned rc <= 0. */
static enum tls_io step(SSL *s, int rc, char *why, size_t len)
{
	int err = SSL_get_error(s, rc);
	char buf[256];

	switch (err) {
	case SSL_ERROR_WANT_READ: return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE: return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN: return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (why)
			snprintf(why, len, "%s",
				 errno ? strerror(errno) : "connection closed");
		ERR_clear_error();
		return errno ? TLS_FAIL : TLS_EOF;
	default:
		ssl_fns_error(buf, sizeof(buf));
		if (why) {
			long v = SSL_get_verify_result(s);
			if (v != X509_V_OK)
				snprintf(why, len, "%s (%s)", buf,
					 X509_verify_cert_error_string(v));
			else
				snprintf(why, len, "%s", buf[0] ? buf : "TLS error");
		}
		return TLS_FAIL;
	}
}

enum tls_io tls_handshake(struct ssl_st *s, char *why, size_t len)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_do_handshake(s);
	return rc == 1 ? TLS_OK : step(s, rc, why, len);
}

enum tls_io tls_read(struct ssl_st *s, void *p, size_t len, size_t *n)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_read(s, p, len > INT32_MAX ? INT32_MAX : (int)len);
	if (rc > 0) {
		*n = (size_t)rc;
		return TLS_OK;
	}
	return step(s, rc, NULL, 0);
}

enum tls_io tls_write(struct ssl_st *s, const void *p, size_t len,
		      size_t *n)
{
	int rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_write(s, p, len > INT32_MAX ? INT32_MAX : (int)len);
	if (rc > 0) {
		*n = (size_t)rc;
		return TLS_OK;
	}
	return step(s, rc, NULL, 0);
}

bool tls_pending(struct ssl_st *s)
{
	return SSL_pending(s) > 0;
}

void tls_peer_cn(struct ssl_st *s, char *cn, size_t len)
{
	X509 *x = SSL_get1_peer_certificate(s);

	cn[0] = '\0';
	if (!x)
		return;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
				      NID_commonName, cn, (int)len) < 0)
		cn[0] = '\0';
	X509_free(x);
}
