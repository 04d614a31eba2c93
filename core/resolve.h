/* resolve.h - host names to addresses without blocking the loop and
 * without threads.
 *
 * getaddrinfo blocks (DNS, /etc/hosts, NSS modules), and libcurl's own
 * answer to that is a thread per lookup. Here a lookup runs in a helper
 * process (core/proc) that writes its answer on a pipe; the answer is kept
 * for RESOLVE_TTL seconds and every caller asking for the same name
 * meanwhile waits for the same helper. core/http hands the answers to
 * curl (CURLOPT_RESOLVE), so curl never resolves a name itself. */
#ifndef SKIFF_RESOLVE_H
#define SKIFF_RESOLVE_H

#include "base/err.h"

#define RESOLVE_TTL 60.0 /* seconds an answer is reused */

struct resolve_wait;

/* addrs: the addresses, comma-separated, IPv6 ones in brackets ("[::1]"),
 * as CURLOPT_RESOLVE takes them; NULL with e when the name does not
 * resolve. */
typedef void (*resolve_fn)(void *ctx, const char *addrs,
			   const struct err *e);

/* A fresh answer for host, or NULL (then ask resolve_name). */
const char *resolve_cached(const char *host);
/* Look host up; fn runs later from the loop, never from in here. NULL
 * with e when no helper could start. */
struct resolve_wait *resolve_name(const char *host, resolve_fn fn,
				  void *ctx, struct err *e);
/* fn will not run. */
void resolve_cancel(struct resolve_wait *w);
/* Forget every name and lookup (shutdown; waiters are not called). */
void resolve_shutdown(void);

#endif
