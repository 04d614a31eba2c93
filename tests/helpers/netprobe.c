#define _GNU_SOURCE
/* netprobe.c - a tiny static server for t_network (copied into a busybox
 * root): `netprobe tcp PORT` answers each connection with the client's
 * address and closes it; `netprobe udp PORT` answers each datagram with
 * "udp-ok CLIENT". Debian's busybox has no UDP server and its nc does not
 * say who connected. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, peer;
	socklen_t len = sizeof(peer);
	int udp, fd, one = 1;
	char buf[512], out[64];

	if (argc != 3)
		return 2;
	udp = !strcmp(argv[1], "udp");
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (!udp && listen(fd, 16) < 0))
		return perror("netprobe"), 1;
	for (;;) {
		len = sizeof(peer);
		if (udp) {
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&peer, &len);
			if (n < 0)
				continue;
			snprintf(out, sizeof(out), "udp-ok %s\n",
				 inet_ntoa(peer.sin_addr));
			sendto(fd, out, strlen(out), 0,
			       (struct sockaddr *)&peer, len);
		} else {
			int c = accept4(fd, (struct sockaddr *)&peer, &len,
					SOCK_CLOEXEC);
			if (c < 0)
				continue;
			snprintf(out, sizeof(out), "%s\n",
				 inet_ntoa(peer.sin_addr));
			if (write(c, out, strlen(out)) < 0)
				perror("write");
			close(c);
		}
	}
}
