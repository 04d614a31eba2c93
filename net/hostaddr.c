/* hostaddr.c - a host name's addresses (see hostaddr.h). */
#include "hostaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

int hostaddr_lookup(const char *host, struct buf *out, struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	size_t start = out->len;
	int rc = getaddrinfo(host, NULL, &hints, &res), n = 0;

	if (rc != 0)
		return err_setc(e, ERR_NOT_FOUND, "%s: %s", host,
				rc == EAI_SYSTEM ? strerror(errno)
						 : gai_strerror(rc));
	for (struct addrinfo *a = res; a && n < HOSTADDR_MAX; a = a->ai_next) {
		char text[INET6_ADDRSTRLEN + 2], ip[INET6_ADDRSTRLEN];
		const void *p;

		if (a->ai_family == AF_INET6)
			p = &((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		else if (a->ai_family == AF_INET)
			p = &((const struct sockaddr_in *)a->ai_addr)->sin_addr;
		else
			continue;
		if (!inet_ntop(a->ai_family, p, ip, sizeof(ip)))
			continue;
		snprintf(text, sizeof(text),
			 a->ai_family == AF_INET6 ? "[%s]" : "%s", ip);
		if (out->len > start &&
		    memmem(out->data + start, out->len - start, text,
			   strlen(text)))
			continue; /* one per address, not per socket type */
		if (n++)
			buf_puts(out, ",");
		buf_puts(out, text);
	}
	freeaddrinfo(res);
	if (!n)
		return err_setc(e, ERR_NOT_FOUND,
				"%s: no IPv4 or IPv6 address", host);
	return 0;
}
