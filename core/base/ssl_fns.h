/* ssl_fns.h - libssl, loaded on first use (see lazylib.h): include this
 * instead of <openssl/ssl.h>. skiffd maps libssl only when a tcp://
 * endpoint is configured and the skiff CLI only when it talks TLS, so
 * the idle daemon and a CLI on the UNIX socket do not pay its pages.
 * libcrypto (X509_*, ERR_*) is linked as before. A new SSL_ call is
 * added to SSL_FNS. */
#ifndef SKIFF_SSL_FNS_H
#define SKIFF_SSL_FNS_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "err.h"

#define SSL_FNS(X) \
	X(TLS_server_method) \
	X(TLS_client_method) \
	X(SSL_CTX_new) \
	X(SSL_CTX_free) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_set_options) \
	X(SSL_CTX_set_verify) \
	X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_check_private_key) \
	X(SSL_new) \
	X(SSL_free) \
	X(SSL_ctrl) \
	X(SSL_set_fd) \
	X(SSL_set_accept_state) \
	X(SSL_set1_host) \
	X(SSL_get0_param) \
	X(SSL_connect) \
	X(SSL_do_handshake) \
	X(SSL_read) \
	X(SSL_write) \
	X(SSL_pending) \
	X(SSL_get_error) \
	X(SSL_shutdown) \
	X(SSL_get_verify_result) \
	X(SSL_get1_peer_certificate)

struct ssl_fns {
#define SSL_FN_SLOT(f) __typeof__(f) *f;
	SSL_FNS(SSL_FN_SLOT)
#undef SSL_FN_SLOT
};
extern struct ssl_fns ssl_fns;

/* dlopen libssl once; -1 with e naming what is missing. */
int ssl_fns_load(struct err *e);
/* The oldest queued OpenSSL error as text ("" if none); clears the
 * queue. */
const char *ssl_fns_error(char *buf, size_t len);

#define TLS_server_method(...) (ssl_fns.TLS_server_method(__VA_ARGS__))
#define TLS_client_method(...) (ssl_fns.TLS_client_method(__VA_ARGS__))
#define SSL_CTX_new(...) (ssl_fns.SSL_CTX_new(__VA_ARGS__))
#define SSL_CTX_free(...) (ssl_fns.SSL_CTX_free(__VA_ARGS__))
#define SSL_CTX_ctrl(...) (ssl_fns.SSL_CTX_ctrl(__VA_ARGS__))
#define SSL_CTX_set_options(...) (ssl_fns.SSL_CTX_set_options(__VA_ARGS__))
#define SSL_CTX_set_verify(...) (ssl_fns.SSL_CTX_set_verify(__VA_ARGS__))
#define SSL_CTX_load_verify_locations(...) \
	(ssl_fns.SSL_CTX_load_verify_locations(__VA_ARGS__))
#define SSL_CTX_use_certificate_chain_file(...) \
	(ssl_fns.SSL_CTX_use_certificate_chain_file(__VA_ARGS__))
#define SSL_CTX_use_PrivateKey_file(...) \
	(ssl_fns.SSL_CTX_use_PrivateKey_file(__VA_ARGS__))
#define SSL_CTX_check_private_key(...) \
	(ssl_fns.SSL_CTX_check_private_key(__VA_ARGS__))
#define SSL_new(...) (ssl_fns.SSL_new(__VA_ARGS__))
#define SSL_free(...) (ssl_fns.SSL_free(__VA_ARGS__))
#define SSL_ctrl(...) (ssl_fns.SSL_ctrl(__VA_ARGS__))
#define SSL_set_fd(...) (ssl_fns.SSL_set_fd(__VA_ARGS__))
#define SSL_set_accept_state(...) (ssl_fns.SSL_set_accept_state(__VA_ARGS__))
#define SSL_set1_host(...) (ssl_fns.SSL_set1_host(__VA_ARGS__))
#define SSL_get0_param(...) (ssl_fns.SSL_get0_param(__VA_ARGS__))
#define SSL_connect(...) (ssl_fns.SSL_connect(__VA_ARGS__))
#define SSL_do_handshake(...) (ssl_fns.SSL_do_handshake(__VA_ARGS__))
#define SSL_read(...) (ssl_fns.SSL_read(__VA_ARGS__))
#define SSL_write(...) (ssl_fns.SSL_write(__VA_ARGS__))
#define SSL_pending(...) (ssl_fns.SSL_pending(__VA_ARGS__))
#define SSL_get_error(...) (ssl_fns.SSL_get_error(__VA_ARGS__))
#define SSL_shutdown(...) (ssl_fns.SSL_shutdown(__VA_ARGS__))
#define SSL_get_verify_result(...) (ssl_fns.SSL_get_verify_result(__VA_ARGS__))
#define SSL_get1_peer_certificate(...) \
	(ssl_fns.SSL_get1_peer_certificate(__VA_ARGS__))

#endif
