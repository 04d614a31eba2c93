/* tls.h - the control channel's tcp:// endpoints (docs/daemon.md,
 * "Remote access").
 *
 * Owns the OpenSSL server context (made only when a tcp:// host is
 * configured, so libssl is mapped only then) and the TCP listening
 * sockets' creation. One TLS session per tcp:// client is a struct
 * ssl_st that ctl.c drives non-blocking on the loop with these calls:
 * nothing here blocks or keeps state of its own per client. */
#ifndef SKIFF_TLS_H
#define SKIFF_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

struct ssl_st;

/* The server context from the config's tlscacert, tlscert, tlskey:
 * clients must show a certificate that CA signed (mutual TLS). */
int tls_setup(struct err *e);
void tls_cleanup(void);
/* A bound, listening, non-blocking socket for "tcp://ADDR:PORT" (a
 * numeric IPv4 or [IPv6] address). */
int tls_listen(const char *host, struct err *e);

/* A server session on a connected socket; NULL with e set. */
struct ssl_st *tls_conn_new(int fd, struct err *e);
void tls_conn_free(struct ssl_st *s);

/* A step of a non-blocking call: done, or wait for the socket to be
 * readable (TLS_WANT_READ) or writable, or failed (why says so). */
enum tls_io { TLS_OK, TLS_WANT_READ, TLS_WANT_WRITE, TLS_EOF, TLS_FAIL };
enum tls_io tls_handshake(struct ssl_st *s, char *why, size_t len);
/* *n bytes moved on TLS_OK. */
enum tls_io tls_read(struct ssl_st *s, void *p, size_t len, size_t *n);
enum tls_io tls_write(struct ssl_st *s, const void *p, size_t len,
		      size_t *n);
/* Decrypted bytes waiting inside the session (the socket may be quiet). */
bool tls_pending(struct ssl_st *s);
/* The verified client certificate's subject CN ("" if none). */
void tls_peer_cn(struct ssl_st *s, char *cn, size_t len);

#endif
