/* gossip.c - one gossip member (net/serf over net/swim) on skiffd's loop.
 *
 * Owns, while gossip runs: the UDP socket and the TCP listener on the
 * bind address (each an ev_io), every TCP stream (struct mconn: ours to
 * a peer for a push/pull or a TCP probe, or a peer's to us, each with an
 * ev_io and a deadline timer), the one ev_timer set to the member's next
 * deadline, the keyring it starts with, our tags, the pending `node join`
 * and `node leave` requests and the join-at-start retry timer. Everything
 * is non-blocking; a packet or stream the member refuses is counted by
 * it and dropped. The member's callbacks may run inside any call into
 * it, so a stream is freed only after its watchers are stopped and
 * nothing of it is used again. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/ctl.h"
#include "../../core/daemon.h"
#include "membership.h"

#define MCONN_MAX 128		   /* streams at once */
#define MCONN_TIMEOUT_S 10.0	   /* memberlist's TCPTimeout */
#define LEAVE_TIMEOUT_MS 5000

/* A `node join` (or the join at start) waiting for its push/pulls. */
struct mjoin {
	struct ctl_req *req; /* NULL: the join at start */
	int pending, joined;
	char why[256]; /* the first failure */
};

struct mconn {
	int fd;
	bool out, done_writing;
	uint32_t id;
	struct mjoin *join;
	ev_io io;
	ev_timer to;
	struct buf in, wr;
	struct mconn *next;
};

static struct {
	bool on;
	int udp, tcp;
	ev_io udp_io, tcp_io;
	ev_timer tick, retry, leave_to;
	struct serf *serf;
	struct mlcrypt_keyring ring;
	char **tags; /* K=V, owned */
	size_t ntags;
	struct mconn *conns;
	unsigned nconns;
	struct mjoin *cur_join; /* the join whose streams are being opened */
	struct ctl_req *leave_req;
	long long retries;
	char name[128];
} g = { .udp = -1, .tcp = -1 };

uint64_t mship_now(void)
{
	return (uint64_t)(mono_ns() / 1000000);
}

bool mship_running(void)
{
	return g.on;
}

const char *mship_name(void)
{
	return g.name;
}

struct serf *mship_serf(void)
{
	return g.on ? g.serf : NULL;
}

static struct sockaddr_in sin_of(const struct swim_addr *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(a->port) };

	memcpy(&sa.sin_addr, a->ip, 4);
	return sa;
}

/* ---- joins ---- */

static void join_done(struct mjoin *j);

static void join_result(struct mjoin *j, bool ok, const char *why)
{
	if (ok)
		j->joined++;
	else if (!j->why[0])
		snprintf(j->why, sizeof(j->why), "%.200s", why);
	if (--j->pending == 0)
		join_done(j);
}

/* ---- streams ---- */

static void mconn_on_io(struct ev_loop *loop, ev_io *w, int revents);
static void mconn_on_timeout(struct ev_loop *loop, ev_timer *w, int revents);

static struct mconn *mconn_new(int fd, bool out, uint32_t id)
{
	struct mconn *c;

	if (g.nconns >= MCONN_MAX)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->out = out;
	c->id = id;
	ev_io_init(&c->io, mconn_on_io, fd, out ? EV_WRITE : EV_READ);
	c->io.data = c;
	ev_io_start(daemon_ctx.loop, &c->io);
	ev_timer_init(&c->to, mconn_on_timeout, MCONN_TIMEOUT_S, 0);
	c->to.data = c;
	ev_timer_start(daemon_ctx.loop, &c->to);
	c->next = g.conns;
	g.conns = c;
	g.nconns++;
	return c;
}

/* Unlink and free c; tell the member and the join it served. */
static void mconn_close(struct mconn *c, bool failed, const char *why)
{
	struct mconn **pp = &g.conns;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	g.nconns--;
	ev_io_stop(daemon_ctx.loop, &c->io);
	ev_timer_stop(daemon_ctx.loop, &c->to);
	close(c->fd);
	if (c->out && failed && g.serf)
		serf_stream_failed(g.serf, c->id, mship_now());
	if (c->join)
		join_result(c->join, !failed, why);
	buf_free(&c->in);
	buf_free(&c->wr);
	free(c);
}

static void mconn_events(struct mconn *c)
{
	int want = EV_READ | (buf_used(&c->wr) ? EV_WRITE : 0);

	if ((c->io.events & (EV_READ | EV_WRITE)) == want)
		return;
	ev_io_stop(daemon_ctx.loop, &c->io);
	ev_io_set(&c->io, c->fd, want);
	ev_io_start(daemon_ctx.loop, &c->io);
}

static void op_stream(void *ctx, uint32_t id, const struct swim_addr *to,
		      const uint8_t *msg, size_t n)
{
	struct sockaddr_in sa = sin_of(to);
	int fd = to->len == 4 ? socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
							SOCK_CLOEXEC, 0)
			      : -1;
	struct mconn *c = NULL;

	if (fd >= 0 &&
	    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	     errno == EINPROGRESS))
		c = mconn_new(fd, true, id);
	if (!c) {
		if (fd >= 0)
			close(fd);
		if (g.cur_join) {
			g.cur_join->pending++;
			join_result(g.cur_join, false, strerror(errno));
		}
		serf_stream_failed(g.serf, id, mship_now());
		return;
	}
	buf_append(&c->wr, msg, n);
	if (g.cur_join) {
		c->join = g.cur_join;
		c->join->pending++;
	}
}

/* Is a peer's stream message whole? Sealed ones carry their length,
 * compressed ones are one msgpack map; anything else waits for EOF. */
static bool mconn_complete(const struct buf *b)
{
	const uint8_t *p = (const uint8_t *)buf_head(b);
	size_t n = buf_used(b), need, len;
	struct err e = ERR_INIT;

	if (n == 0)
		return false;
	if (p[0] == MLWIRE_ENCRYPT)
		return mlcrypt_stream_need(p, n, MLWIRE_MAX_PUSH_BYTES, &need,
					   &e) == 0 &&
		       need && n >= need;
	if (p[0] == MLWIRE_COMPRESS)
		return msgpk_check(p + 1, n - 1, &len, &e) == 0;
	return false;
}

/* Input on c so far; eof when the peer closed. Returns false when c was
 * closed (freed). */
static bool mconn_input(struct mconn *c, bool eof)
{
	struct err e = ERR_INIT;
	const uint8_t *p = (const uint8_t *)buf_head(&c->in);
	size_t n = buf_used(&c->in);

	if (c->out) {
		if (!eof && !mconn_complete(&c->in))
			return true;
		if (n && serf_stream_reply(g.serf, c->id, p, n, mship_now(),
					   &e) < 0)
			log_debug("membership: stream reply: %s", e.msg);
		mconn_close(c, n == 0, n ? "" : "no reply");
		return false;
	}
	if (c->done_writing || !(eof || mconn_complete(&c->in)))
		return true;
	if (n && serf_stream_in(g.serf, p, n, &c->wr, mship_now(), &e) < 0)
		log_debug("membership: stream: %s", e.msg);
	c->done_writing = true;
	if (!buf_used(&c->wr)) {
		mconn_close(c, false, "");
		return false;
	}
	return true;
}

static bool mconn_write(struct mconn *c)
{
	ssize_t r = write(c->fd, buf_head(&c->wr), buf_used(&c->wr));

	if (r < 0 && errno != EAGAIN && errno != EINTR) {
		mconn_close(c, true, strerror(errno));
		return false;
	}
	if (r > 0)
		buf_consume(&c->wr, (size_t)r);
	if (!buf_used(&c->wr) && !c->out && c->done_writing) {
		mconn_close(c, false, "");
		return false;
	}
	if (!buf_used(&c->wr) && c->out)
		shutdown(c->fd, SHUT_WR); /* our message is whole */
	return true;
}

static void mconn_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mconn *c = w->data;
	char tmp[65536];
	ssize_t r;

	if (revents & EV_WRITE && buf_used(&c->wr) && !mconn_write(c))
		goto out;
	if (revents & EV_READ) {
		r = read(c->fd, tmp, sizeof(tmp));
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			goto events;
		if (r < 0 || (r > 0 && buf_used(&c->in) + (size_t)r >
					   MLWIRE_MAX_PUSH_BYTES)) {
			mconn_close(c, true, r < 0 ? strerror(errno)
						   : "stream too large");
			goto out;
		}
		if (r > 0)
			buf_append(&c->in, tmp, (size_t)r);
		if (!mconn_input(c, r == 0))
			goto out;
	}
events:
	mconn_events(c);
out:
	mship_kick();
}

static void mconn_on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	mconn_close(w->data, true, "timed out");
	mship_kick();
}

/* ---- packets, the listener, the timer ---- */

static void op_send(void *ctx, const struct swim_addr *to, const uint8_t *p,
		    size_t n)
{
	struct sockaddr_in sa = sin_of(to);

	if (to->len == 4 && g.udp >= 0)
		sendto(g.udp, p, n, MSG_DONTWAIT, (struct sockaddr *)&sa,
		       sizeof(sa));
}

static void op_event(void *ctx, const struct serf_event *ev)
{
	mship_on_event(ev);
}

static const struct serf_ops mship_ops = {
	.send = op_send,
	.stream = op_stream,
	.event = op_event,
};

/* At most 256 packets a wake-up: a flood cannot hold the loop. */
static void on_udp(struct ev_loop *loop, ev_io *w, int revents)
{
	static uint8_t pkt[65536];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	ssize_t r;

	for (int i = 0; i < 256; i++) {
		struct swim_addr from = { .len = 4 };
		struct err e = ERR_INIT;

		r = recvfrom(g.udp, pkt, sizeof(pkt), MSG_DONTWAIT,
			     (struct sockaddr *)&sa, &sl);
		if (r <= 0 || sa.sin_family != AF_INET)
			break;
		from.port = ntohs(sa.sin_port);
		memcpy(from.ip, &sa.sin_addr, 4);
		if (serf_recv(g.serf, &from, pkt, (size_t)r, mship_now(), &e) <
		    0)
			log_debug("membership: packet: %s", e.msg);
		sl = sizeof(sa);
	}
	mship_kick();
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	int fd;

	for (int i = 0; i < 16; i++) {
		fd = accept4(g.tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		if (!mconn_new(fd, false, 0))
			close(fd);
	}
}

static void leave_check(void);

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (!g.serf)
		return;
	serf_tick(g.serf, mship_now());
	leave_check();
	mship_kick();
}

void mship_kick(void)
{
	uint64_t now, d;

	if (!g.on || !g.serf)
		return;
	mship_persist_keys_check(serf_keyring(g.serf));
	now = mship_now();
	d = serf_next_deadline(g.serf);
	ev_timer_stop(daemon_ctx.loop, &g.tick);
	ev_timer_set(&g.tick, d > now ? (double)(d - now) / 1000.0 + 0.0005
				      : 0.0,
		     0);
	ev_timer_start(daemon_ctx.loop, &g.tick);
}

/* ---- joins, leave ---- */

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents);

static void join_done(struct mjoin *j)
{
	struct err e = ERR_INIT;

	if (j->req) {
		if (!j->joined)
			err_setc(&e, ERR_NOT_FOUND, "no member answered: %s",
				 j->why);
		ctl_req_finish(j->req, &e);
	} else if (!j->joined && g.on) {
		log_warn("membership: join at start failed (%s); again in "
			 "%lld ms",
			 j->why, (long long)mship_settings.retry_interval);
		if (!mship_settings.retry_max ||
		    ++g.retries < mship_settings.retry_max) {
			ev_timer_set(&g.retry,
				     (double)mship_settings.retry_interval /
					 1000.0,
				     0);
			ev_timer_start(daemon_ctx.loop, &g.retry);
		}
	} else if (j->joined) {
		log_info("membership: joined through %d member(s)", j->joined);
	}
	free(j);
}

void mship_join(const char *const *addrs, int n, struct ctl_req *req)
{
	struct mjoin *j = xcalloc(1, sizeof(*j));

	j->req = req;
	j->pending = 1; /* until every stream is opened */
	for (int i = 0; i < n && g.on; i++) {
		struct swim_addr a;
		struct err e = ERR_INIT;

		if (mship_parse_addr(addrs[i], &a, &e) < 0) {
			j->pending++;
			join_result(j, false, e.msg);
			continue;
		}
		g.cur_join = j;
		serf_join(g.serf, &a, mship_now());
		g.cur_join = NULL;
	}
	if (!g.on)
		snprintf(j->why, sizeof(j->why), "gossip is off");
	join_result(j, false, "");
	mship_kick();
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	mship_join((const char *const *)mship_settings.join.v,
		   mship_settings.join.n, NULL);
}

static void leave_finish(const char *why)
{
	struct err e = ERR_INIT;
	struct ctl_req *r = g.leave_req;

	g.leave_req = NULL;
	ev_timer_stop(daemon_ctx.loop, &g.leave_to);
	if (why)
		err_setc(&e, ERR_BUSY, "%s", why);
	mship_gossip_stop();
	if (r)
		ctl_req_finish(r, &e);
}

static void leave_check(void)
{
	if (g.leave_req && serf_left(g.serf))
		leave_finish(NULL);
}

static void on_leave_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	leave_finish("leave not done in 5 s; gossip stopped anyway");
}

void mship_leave(struct ctl_req *req)
{
	g.leave_req = req;
	serf_leave(g.serf, mship_now());
	ev_timer_set(&g.leave_to, LEAVE_TIMEOUT_MS / 1000.0, 0);
	ev_timer_start(daemon_ctx.loop, &g.leave_to);
	mship_kick();
}

/* ---- tags ---- */

size_t mship_tags(const char *const **out)
{
	*out = (const char *const *)g.tags;
	return g.ntags;
}

/* g.tags as Serf's tag list (pointing into g.tags). */
static struct serfwire_tag *tags_wire(void)
{
	struct serfwire_tag *t = xcalloc(g.ntags + 1, sizeof(*t));

	for (size_t i = 0; i < g.ntags; i++) {
		const char *eq = strchr(g.tags[i], '=');

		t[i].key = (struct msgpk_bytes){ (const uint8_t *)g.tags[i],
						 (uint32_t)(eq - g.tags[i]) };
		t[i].value = (struct msgpk_bytes){ (const uint8_t *)eq + 1,
						   (uint32_t)strlen(eq + 1) };
	}
	return t;
}

static ssize_t tag_find(const char *key, size_t klen)
{
	for (size_t i = 0; i < g.ntags; i++)
		if (!strncmp(g.tags[i], key, klen) && g.tags[i][klen] == '=')
			return (ssize_t)i;
	return -1;
}

static void tag_put(const char *kv)
{
	const char *eq = strchr(kv, '=');
	ssize_t i = tag_find(kv, (size_t)(eq - kv));

	if (i >= 0) {
		free(g.tags[i]);
		g.tags[i] = xstrdup(kv);
		return;
	}
	g.tags = xrealloc(g.tags, g.ntags + 1, sizeof(*g.tags));
	g.tags[g.ntags++] = xstrdup(kv);
}

static void tag_del(const char *key)
{
	ssize_t i = tag_find(key, strlen(key));

	if (i < 0)
		return;
	free(g.tags[i]);
	memmove(&g.tags[i], &g.tags[i + 1],
		(g.ntags - (size_t)i - 1) * sizeof(*g.tags));
	g.ntags--;
}

static void tags_free(void)
{
	for (size_t i = 0; i < g.ntags; i++)
		free(g.tags[i]);
	free(g.tags);
	g.tags = NULL;
	g.ntags = 0;
}

int mship_tags_set(const char *const *set, int nset, const char *const *del,
		   int ndel, struct err *e)
{
	_cleanup_free_ struct serfwire_tag *t = NULL;

	for (int i = 0; i < nset; i++)
		if (!strchr(set[i], '=') || set[i][0] == '=')
			return err_setc(e, ERR_INVALID,
					"%s: want KEY=VALUE", set[i]);
	for (int i = 0; i < ndel; i++)
		tag_del(del[i]);
	for (int i = 0; i < nset; i++)
		tag_put(set[i]);
	mship_persist_save_tags((const char *const *)g.tags, g.ntags);
	if (!g.serf)
		return 0;
	t = tags_wire();
	if (serf_set_tags(g.serf, t, g.ntags, mship_now(), e) < 0)
		return -1;
	mship_kick();
	return 0;
}

/* ---- start, stop ---- */

/* Serf's keyring file: a JSON array of base64 keys, the primary first.
 * Read at start, before the loop runs. */
static int keyring_load(const char *path, struct err *e)
{
	char errbuf[256];
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *text = NULL;
	size_t n = 0, cap = 0, r;
	yajl_val v;
	int rc = 0;

	if (!f)
		return err_set(e, errno, "keyring-file %s", path);
	do {
		if (n + 4096 > cap)
			text = xrealloc(text, cap = cap ? cap * 2 : 8192, 1);
		r = fread(text + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0 && n < 1024 * 1024);
	text[n] = 0;
	v = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (!YAJL_IS_ARRAY(v)) {
		yajl_tree_free(v);
		return err_setc(e, ERR_INVALID, "keyring-file %s: want a JSON "
				"array of base64 keys", path);
	}
	for (size_t i = 0; i < v->u.array.len && rc == 0; i++) {
		struct mlcrypt_key k;
		const char *s = YAJL_GET_STRING(v->u.array.values[i]);

		rc = !s ? err_setc(e, ERR_INVALID, "keyring-file %s: key %zu "
				   "is not a string", path, i)
		     : mlcrypt_key_parse(s, &k, e) < 0 ||
				 mlcrypt_keyring_add(&g.ring, &k, e) < 0
			 ? err_wrap(e, "keyring-file %s", path)
			 : 0;
	}
	yajl_tree_free(v);
	return rc;
}

/* The ring saved at run time, else the keyring file's and "encrypt". */
static int keys_init(struct err *e)
{
	const struct mship_settings *s = &mship_settings;
	const struct mlcrypt_keyring *saved = mship_persist_keys();
	struct mlcrypt_key k;

	memset(&g.ring, 0, sizeof(g.ring));
	if (saved) {
		g.ring = *saved;
		return 0;
	}
	if (s->keyring_file && access(s->keyring_file, F_OK) == 0 &&
	    keyring_load(s->keyring_file, e) < 0)
		return -1;
	if (s->encrypt && (mlcrypt_key_parse(s->encrypt, &k, e) < 0 ||
			   mlcrypt_keyring_add(&g.ring, &k, e) < 0))
		return err_wrap(e, "membership encrypt");
	return 0;
}

static int sockets_open(const struct swim_addr *a, struct err *e)
{
	struct sockaddr_in sa = sin_of(a);
	int one = 1;

	g.udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	g.tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g.udp < 0 || g.tcp < 0)
		return err_set(e, errno, "gossip socket");
	setsockopt(g.tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(g.udp, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    bind(g.tcp, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(g.tcp, 64) < 0)
		return err_set(e, errno, "gossip bind %s", mship_settings.bind);
	ev_io_init(&g.udp_io, on_udp, g.udp, EV_READ);
	ev_io_start(daemon_ctx.loop, &g.udp_io);
	ev_io_init(&g.tcp_io, on_accept, g.tcp, EV_READ);
	ev_io_start(daemon_ctx.loop, &g.tcp_io);
	return 0;
}

static const struct swim_profile *profile_of(const char *s)
{
	if (s && !strcmp(s, "wan"))
		return &swim_wan;
	if (s && !strcmp(s, "local"))
		return &swim_local;
	return &swim_lan;
}

/* The member as the settings say: sockets bound, keys loaded, tags set.
 * A second start (after a leave) makes a fresh member. */
int mship_gossip_start(struct err *e)
{
	const struct mship_settings *s = &mship_settings;
	_cleanup_free_ struct serfwire_tag *t = NULL;
	struct serf_config c = { .ops = &mship_ops };
	struct swim_addr bind, adv;
	char host[256] = "";

	if (!s->bind)
		return err_setc(e, ERR_INVALID, "gossip is off: set "
				"\"membership\": {\"bind\": ...} in skiffd.json");
	if (g.on)
		return 0;
	if (mship_parse_addr(s->bind, &bind, e) < 0 ||
	    mship_parse_addr(s->advertise ? s->advertise : s->bind, &adv, e) <
		0)
		return -1;
	if (!memcmp(adv.ip, "\0\0\0\0", 4))
		return err_setc(e, ERR_INVALID, "membership: bind %s is any "
				"address: set \"advertise\"", s->bind);
	if (keys_init(e) < 0)
		return -1;
	if (!g.tags) {
		const struct strlist *pt = mship_persist_tags();

		pt = pt ? pt : &s->tags;
		for (int i = 0; i < pt->n; i++)
			tag_put(pt->v[i]);
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(g.name, sizeof(g.name), "%.127s",
		 s->node_name ? s->node_name : host);
	c.name = g.name;
	c.addr = adv;
	c.tags = t = tags_wire();
	c.n_tags = g.ntags;
	c.profile = *profile_of(s->profile);
	c.keys = g.ring.n ? &g.ring : NULL;
	c.seed = (uint64_t)mono_ns() ^ (uint64_t)getpid();
	if (sockets_open(&bind, e) < 0) {
		mship_gossip_stop();
		return -1;
	}
	g.serf = serf_new(&c, mship_now());
	mship_persist_keys_start(serf_keyring(g.serf));
	g.on = true;
	ev_timer_init(&g.tick, on_tick, 0, 0);
	ev_timer_init(&g.retry, on_retry, 0, 0);
	ev_timer_init(&g.leave_to, on_leave_timeout, 0, 0);
	log_info("membership: %s gossiping on %s (%s profile, %s)", c.name,
		 s->bind, s->profile ? s->profile : "lan",
		 g.ring.n ? "encrypted" : "not encrypted");
	mship_kick();
	return 0;
}

void mship_gossip_stop(void)
{
	struct ev_loop *l = daemon_ctx.loop;

	g.on = false;
	while (g.conns)
		mconn_close(g.conns, true, "gossip stopped");
	if (g.udp >= 0) {
		ev_io_stop(l, &g.udp_io);
		close(g.udp);
	}
	if (g.tcp >= 0) {
		ev_io_stop(l, &g.tcp_io);
		close(g.tcp);
	}
	g.udp = g.tcp = -1;
	ev_timer_stop(l, &g.tick);
	ev_timer_stop(l, &g.retry);
	if (g.serf)
		serf_free(g.serf);
	g.serf = NULL;
	if (g.leave_req)
		leave_finish("gossip stopped");
}

/* At exit: everything, tags too. */
void mship_gossip_free(void)
{
	mship_gossip_stop();
	tags_free();
}
