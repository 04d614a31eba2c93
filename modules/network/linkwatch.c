/* linkwatch.c - link news from rtnetlink, on the loop: a network's
 * bridge that goes away while skiffd runs (`ip link del` by hand, a
 * host tool's cleanup) is marked down, so the next container on that
 * network makes it again (bridge, address, nat rules) instead of
 * failing on a bridge that is not there.
 *
 * Owns the event socket (net/nlink's nlink_event_open, in skiffd's
 * namespace) and its ev_io. Opened with the other kernel handles at
 * their first use (an idle skiffd maps no libnl), closed with them. */
#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../net/nlink.h"
#include "network.h"

static struct nlink *lw_nl;
static ev_io lw_io;

/* Each datagram's link deletions; bounded work per wake-up. An overrun
 * (ENOBUFS) loses news: a bridge then found missing fails that one
 * container's start, as before this watch. */
static void lw_on_news(struct ev_loop *loop, ev_io *w, int revents)
{
	static char buf[16384];

	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
		int len = (int)n;

		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n <= 0)
			return;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct nlink_event ev;
			struct err e = ERR_INIT;
			if (nlink_event_parse(h, &ev, &e) == 1 &&
			    ev.type == NLINK_EV_LINK_DEL && ev.name[0])
				net_link_gone(ev.name);
		}
	}
}

void linkwatch_start(void)
{
	struct err e = ERR_INIT;

	if (lw_nl || !daemon_ctx.loop)
		return;
	if (!(lw_nl = nlink_event_open(-1, &e))) {
		log_warn("network: no link events: %s", e.msg);
		return;
	}
	ev_io_init(&lw_io, lw_on_news, nlink_fd(lw_nl), EV_READ);
	ev_io_start(daemon_ctx.loop, &lw_io);
}

void linkwatch_stop(void)
{
	if (!lw_nl)
		return;
	ev_io_stop(daemon_ctx.loop, &lw_io);
	nlink_close(lw_nl);
	lw_nl = NULL;
}
