/* noproxy.h - which proxy a request goes through, by the environment's
 * rules as Docker (Go's net/http) reads them.
 *
 * HTTPS_PROXY (or https_proxy) for https URLs, HTTP_PROXY (or http_proxy)
 * for http ones; none for localhost or a loopback address; none for a
 * host NO_PROXY (or no_proxy) names: a comma-separated list of "*"
 * (nothing is proxied), IP addresses, CIDR blocks ("10.0.0.0/8"), and
 * domain names, optionally with ":PORT". A name matches itself and every
 * subdomain ("example.com" matches "a.example.com"); with a leading dot
 * only subdomains (".example.com" does not match "example.com"). Pure
 * functions: the caller passes the variables' values. */
#ifndef SKIFF_NOPROXY_H
#define SKIFF_NOPROXY_H

#include <stdbool.h>

/* Does no_proxy (may be NULL) exempt host (an IPv6 address without its
 * brackets) on port? localhost and loopback addresses always are. */
bool noproxy_match(const char *no_proxy, const char *host, long port);

#endif
