/* hostaddr.h - a host name's addresses, the blocking way (getaddrinfo:
 * DNS, /etc/hosts, NSS). Library layer: the daemon calls it only in a
 * helper process (core/resolve). */
#ifndef SKIFF_HOSTADDR_H
#define SKIFF_HOSTADDR_H

#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"

#define HOSTADDR_MAX 16 /* addresses kept of one answer */

/* Append host's TCP addresses to out, comma-separated, each once, IPv6
 * ones in brackets ("10.0.0.2,[fd00::2]"): the form CURLOPT_RESOLVE
 * takes. -1 with e (ERR_NOT_FOUND) naming the host when it has none. */
int hostaddr_lookup(const char *host, struct buf *out, struct err *e);

#endif
