/* conn.c - skiff's connection to skiffd: connect, send the request line
 * (with the fd it passes, SCM_RIGHTS), and read the reply up to its status
 * line: NDJSON data lines, then `ok` or `err CODE message` (DESIGN.md
 * section 3). Data lines go to render.c, a {"fd":..} line to relay.c.
 *
 * Owns the socket fd, the input buffer (at most one reply line of up to
 * REPLY_LINE_MAX bytes plus a read chunk) and the fds skiffd passed that
 * no line has claimed yet. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/ssl_fns.h"
#include "../core/base/xalloc.h"
#include "../proto/fdpass.h"
#include "../proto/line.h"
#include "skiff.h"

#define READ_CHUNK (64 * 1024)

/* ---- the socket ---- */

static int connect_error(const char *path, int errnum, struct err *e)
{
	if (errnum == EACCES || errnum == EPERM)
		return err_setc(e, ERR_DENIED,
				"cannot connect to skiffd at %s: permission "
				"denied (run as root or a member of the "
				"socket's group)",
				path);
	return err_setc(e, err_class_of_errno(errnum),
			"cannot connect to skiffd at %s: %s%s", path,
			strerror(errnum),
			errnum == ENOENT || errnum == ECONNREFUSED ?
				" (is skiffd running?)" :
				"");
}

/* ---- tcp:// (docs/protocol.md, "Remote access") ---- */

/* The TLS session of a tcp:// connection (NULL: a UNIX socket or plain
 * TCP). The socket stays blocking: the CLI waits for its one reply. */
static struct {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	const char *url;
	char why[256]; /* why the last write failed */
} tls = { .fd = -1 };

bool conn_pending(void)
{
	return tls.ssl && SSL_pending(tls.ssl) > 0;
}

/* "tcp://HOST:PORT" or "tcp://[V6]:PORT" into host and port. */
static int split_hostport(const char *url, char *host, size_t hlen,
			  char *port, size_t plen)
{
	const char *p = url + 6, *colon, *h = p;
	size_t n;

	if (*p == '[') {
		const char *rb = strchr(p, ']');
		if (!rb || rb[1] != ':')
			return -1;
		h = p + 1;
		n = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(p, ':');
		if (!colon)
			return -1;
		n = (size_t)(colon - p);
	}
	if (!n || n >= hlen || !colon[1] || strlen(colon + 1) >= plen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int tcp_connect(const char *host, const char *port, const char *url,
		       struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *a;
	int fd = -1, rc, one = 1, saved = 0;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc)
		return err_setc(e, ERR_INVALID, "cannot resolve %s: %s", url,
				gai_strerror(rc));
	for (a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_setc(e, err_class_of_errno(saved),
				"cannot connect to skiffd at %s: %s", url,
				strerror(saved));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* The certificate files: the flag's, else $SKIFF_CERT_PATH/NAME, else
 * ~/.skiff/NAME (Docker's DOCKER_CERT_PATH and ~/.docker). */
static const char *cert_file(const char *flag, const char *name, char *buf,
			     size_t len)
{
	const char *dir = getenv("SKIFF_CERT_PATH"), *home = getenv("HOME");

	if (flag)
		return flag;
	if (dir && *dir)
		snprintf(buf, len, "%s/%s", dir, name);
	else
		snprintf(buf, len, "%s/.skiff/%s", home ? home : "", name);
	return buf;
}

static int tls_fail(const char *url, const char *what, struct err *e)
{
	char why[256];
	long v = tls.ssl ? SSL_get_verify_result(tls.ssl) : X509_V_OK;

	ssl_fns_error(why, sizeof(why));
	if (v != X509_V_OK)
		return err_setc(e, ERR_DENIED, "%s: %s: %s (%s)", url, what,
				why[0] ? why : "TLS error",
				X509_verify_cert_error_string(v));
	return err_setc(e, ERR_DENIED, "%s: %s: %s", url, what,
			why[0] ? why : "the connection was closed");
}

/* Mutual TLS on fd: skiffd's certificate must be the CA's and name
 * host; ours goes to it. */
static int tls_start(const struct opts *o, int fd, const char *host,
		     const char *url, struct err *e)
{
	char ca[4096], cert[4096], key[4096];
	const char *caf = cert_file(o->tlscacert, "ca.pem", ca, sizeof(ca)),
		   *cf = cert_file(o->tlscert, "cert.pem", cert, sizeof(cert)),
		   *kf = cert_file(o->tlskey, "key.pem", key, sizeof(key));
	unsigned char ip[16];
	bool is_ip = inet_pton(AF_INET, host, ip) == 1 ||
		     inet_pton(AF_INET6, host, ip) == 1;

	if (ssl_fns_load(e) < 0)
		return -1;
	tls.ctx = SSL_CTX_new(TLS_client_method());
	if (!tls.ctx)
		return tls_fail(url, "TLS", e);
	SSL_CTX_set_min_proto_version(tls.ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(tls.ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(tls.ctx, caf, NULL) != 1)
		return tls_fail(caf, "CA certificate (--tlscacert)", e);
	if (SSL_CTX_use_certificate_chain_file(tls.ctx, cf) != 1)
		return tls_fail(cf, "client certificate (--tlscert)", e);
	if (SSL_CTX_use_PrivateKey_file(tls.ctx, kf, SSL_FILETYPE_PEM) != 1)
		return tls_fail(kf, "client key (--tlskey)", e);
	tls.ssl = SSL_new(tls.ctx);
	if (!tls.ssl || SSL_set_fd(tls.ssl, fd) != 1)
		return tls_fail(url, "TLS", e);
	if (is_ip)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls.ssl), host);
	else if (SSL_set1_host(tls.ssl, host) != 1 ||
		 SSL_set_tlsext_host_name(tls.ssl, host) != 1)
		return tls_fail(url, "TLS", e);
	if (SSL_connect(tls.ssl) != 1)
		return tls_fail(url, "TLS handshake", e);
	tls.fd = fd;
	tls.url = url;
	return 0;
}

static int conn_tcp(const struct opts *o, struct err *e)
{
	char host[256], port[16];
	int fd;

	if (split_hostport(o->sock, host, sizeof(host), port, sizeof(port)) < 0)
		return err_setc(e, ERR_INVALID,
				"bad host %s (expected tcp://HOST:PORT)",
				o->sock);
	fd = tcp_connect(host, port, o->sock, e);
	if (fd < 0 || o->tcp_insecure)
		return fd;
	if (tls_start(o, fd, host, o->sock, e) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int conn_connect(const struct opts *o, struct err *e)
{
	const char *path = o->sock;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, saved;

	if (!strncmp(path, "tcp://", 6))
		return conn_tcp(o, e);
	if (dial_is_ssh(o))
		return dial_ssh(o, e);
	if (!n || n >= sizeof(sa.sun_path))
		return err_setc(e, ERR_INVALID,
				"bad socket path \"%s\" (empty or longer than "
				"%zu bytes)",
				path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	saved = errno;
	close(fd);
	return connect_error(path, saved, e);
}

/* One write: through the TLS session when fd is its socket. */
static ssize_t conn_write(int fd, const char *p, size_t n)
{
	int w;

	if (!tls.ssl || fd != tls.fd)
		return send(fd, p, n, MSG_NOSIGNAL);
	w = SSL_write(tls.ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (w > 0)
		return w;
	/* With TLS 1.3 skiffd judges our certificate after our handshake
	 * ends: its verdict (an alert) comes back at the first write. */
	ERR_clear_error();
	if (SSL_read(tls.ssl, tls.why, 1) <= 0)
		ssl_fns_error(tls.why, sizeof(tls.why));
	errno = EPROTO;
	return -1;
}

int conn_send_all(int fd, const char *p, size_t n, struct err *e)
{
	while (n) {
		ssize_t w = conn_write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPROTO && tls.ssl)
			return err_setc(e, ERR_DENIED,
					"%s: skiffd refused the connection: %s "
					"(is the client certificate valid and "
					"signed by skiffd's CA?)",
					tls.url,
					tls.why[0] ? tls.why : "TLS error");
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return dial_closed(e) < 0 ? -1 :
				err_setc(e, ERR_INTERNAL,
					 "skiffd closed the connection");
		if (w < 0)
			return err_set(e, errno, "write to skiffd");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send the request line, with fd attached when fd >= 0. */
int conn_send_request(int sock, const struct buf *line, int fd,
			struct err *e)
{
	const char *p = buf_head(line);
	size_t n = buf_used(line);
	int sent = 0;

	/* Over tcp:// no fd goes: skiffd answers such a verb with how. */
	if (fd >= 0 && !(tls.ssl && sock == tls.fd) &&
	    (sent = fdpass_send(sock, p, n, &fd, 1, e)) < 0)
		return -1;
	return conn_send_all(sock, p + sent, n - (size_t)sent, e);
}

static int on_data(struct client *c, const char *line, struct err *e)
{
	char why[128] = "nested too deep";
	yajl_val obj = NULL;
	bool done;
	int r;

	if (render_depth_ok(line))
		obj = yajl_tree_parse(line, why, sizeof(why));
	if (!YAJL_IS_OBJECT(obj)) {
		yajl_tree_free(obj);
		if (obj)
			snprintf(why, sizeof(why), "not a JSON object");
		return err_setc(e, ERR_INTERNAL,
				"skiffd sent a malformed data line: %.*s",
				(int)strcspn(why, "\n"), why);
	}
	if (render_item_error(c, obj))
		return MORE;
	if (render_str(obj, "fd")) {
		r = relay_start(c, obj, e);
		yajl_tree_free(obj);
		return r;
	}
	if ((c->o->how & CLI_EXIT_CODE) &&
	    render_int(obj, "exit_code", &c->exit_code)) {
		yajl_tree_free(obj); /* skiff run exits as its container did */
		return MORE;
	}
	r = render_raw_text(c, line, obj, &done);
	if (!done && !c->streaming) {
		render_keep(c, obj); /* laid out at the status line */
		return MORE;
	}
	if (!done && render_streamed(c, obj))
		return r; /* kept for a table of the round */
	yajl_tree_free(obj);
	return r;
}

/* Docker's run: 127 when the program is not there, 126 when it cannot be
 * run, 125 for the daemon's other refusals; exec: 126 for both. */
static int err_status(const struct client *c, const char *msg)
{
	unsigned how = c->o->how;

	if ((how & CLI_EXEC_CODES) && strstr(msg, "exec \"")) {
		/* docker exec says 126 for both */
		if (strstr(msg, "No such file or directory"))
			return (how & CLI_ERR_125) ? 127 : 126;
		if (strstr(msg, "Permission denied") ||
		    strstr(msg, "Exec format error") ||
		    strstr(msg, "Is a directory"))
			return 126;
	}
	return (how & CLI_ERR_125) ? EXIT_DAEMON : EXIT_ERR;
}

/* `err CODE message`: say the message; a cancel we asked for is no error. */
static int on_err(struct client *c, const char *rest)
{
	const char *code = rest + strspn(rest, " ");
	size_t n = strcspn(code, " ");
	const char *msg = code[n] ? code + n + 1 : code;

	if (c->canceled && n == 8 && !strncmp(code, "canceled", 8))
		return EXIT_OK;
	if (c->item_errors)
		return EXIT_ERR; /* each failure was said on its own */
	fprintf(stderr, "skiff: %s\n", *msg ? msg : "error (no message)");
	return err_status(c, msg);
}

/* ---- inspect of what is not a container ---- */

void conn_inspect_other(struct client *c, const char *name)
{
	c->others = xrealloc(c->others, (size_t)c->nothers + 1,
			     sizeof(*c->others));
	c->others[c->nothers++] = xstrdup(name);
}

/* A status line while `inspect` has names to try as images: the first
 * ends the containers' reply (its err, when no container's own error
 * was said, is the names we try next), each later one an image-inspect's
 * ("no such object", as docker says). MORE while a request is out; the
 * objects of all are laid out together at the end. */
static int inspect_others(struct client *c, bool ok, struct err *e)
{
	_cleanup_buf_ struct buf line = { 0 };
	char *argv[2] = { "image-inspect", NULL };

	if (!c->iothers)
		c->others_rc = ok || !c->item_errors ? EXIT_OK : EXIT_ERR;
	else if (!ok) {
		buf_printf(&c->others_err, "skiff: no such object: %s\n",
			   c->others[c->iothers - 1]);
		c->others_rc = EXIT_ERR;
	}
	if (c->iothers == c->nothers) {
		c->others_done = true; /* lay out what came */
		return c->others_rc;
	}
	argv[1] = c->others[c->iothers++];
	if (line_quote(&line, 2, argv, e) < 0 ||
	    conn_send_all(c->fd, buf_head(&line), buf_used(&line), e) < 0)
		return -1;
	return MORE;
}

/* One reply line, LF replaced by NUL. Returns MORE after a data line, the
 * exit status after the status line, -1 (e set) on a protocol error. */
static int on_line(struct client *c, char *line, size_t len, struct err *e)
{
	bool ok = !strcmp(line, "ok");
	int r;

	if ((ok || !strncmp(line, "err", 3)) && c->nothers &&
	    !c->others_done) {
		r = inspect_others(c, ok, e);
		if (r == MORE || r < 0)
			return r;
		render_kept(c);
		r = render_flush(c, stdout);
		if (buf_used(&c->others_err))
			fwrite(buf_head(&c->others_err), 1,
			       buf_used(&c->others_err), stderr);
		if (r != MORE)
			return r;
		return c->others_rc ? c->others_rc : c->exit_code;
	}
	if (ok || !strncmp(line, "err ", 4) || !strcmp(line, "err")) {
		if (ok || c->nobjs) /* a refusal alone gets no table header */
			render_kept(c);
		r = render_flush(c, stdout);
		if (r != MORE)
			return r;
		return ok ? c->exit_code : on_err(c, line + 3);
	}
	if (!c->o->json)
		return on_data(c, line, e);
	buf_append(&c->out, line, len);
	buf_puts(&c->out, "\n");
	return MORE;
}

/* ---- the reply loop ---- */

/* Handle every complete line in c->in. c->scanned remembers how much of
 * a partial line was searched already, so a long line arriving in many
 * reads costs linear time; a line over REPLY_LINE_MAX is a protocol error
 * whether or not its LF has come. */
static int drain_lines(struct client *c, struct err *e)
{
	char *head, *nl;
	size_t len;
	int r;

	while (buf_used(&c->in) > c->scanned) {
		head = buf_head(&c->in);
		nl = memchr(head + c->scanned, '\n',
			    buf_used(&c->in) - c->scanned);
		if (!nl) {
			c->scanned = buf_used(&c->in);
			break;
		}
		len = (size_t)(nl - head);
		if (len > REPLY_LINE_MAX)
			break;
		*nl = '\0';
		c->scanned = 0;
		r = on_line(c, head, len, e);
		buf_consume(&c->in, len + 1);
		if (r != MORE)
			return r;
	}
	if (buf_used(&c->in) > REPLY_LINE_MAX)
		return err_setc(e, ERR_TOO_LARGE,
				"skiffd sent a reply line longer than %u MiB",
				REPLY_LINE_MAX >> 20);
	return MORE;
}

/* Keep the fds skiffd passes (SCM_RIGHTS) until a line claims them. */
static void keep_rfds(struct client *c, struct msghdr *m)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->nrfds < (int)ARRAY_SIZE(c->rfds))
				c->rfds[c->nrfds++] = fd;
			else
				close(fd);
		}
	}
}

static int tls_read_some(struct client *c, char *p, struct err *e)
{
	int n = SSL_read(tls.ssl, p, READ_CHUNK), why;

	if (n > 0) {
		c->in.len += (size_t)n;
		return 1;
	}
	why = SSL_get_error(tls.ssl, n);
	if (why == SSL_ERROR_ZERO_RETURN ||
	    (why == SSL_ERROR_SYSCALL && (!errno || errno == ECONNRESET))) {
		ERR_clear_error();
		return 0;
	}
	if (why == SSL_ERROR_SYSCALL && errno == EINTR)
		return 1;
	ssl_fns_error(tls.why, sizeof(tls.why));
	if (strstr(tls.why, "alert"))
		return err_setc(e, ERR_DENIED,
				"%s: skiffd refused the connection: %s (is the "
				"client certificate valid and signed by "
				"skiffd's CA?)",
				tls.url, tls.why);
	return err_setc(e, ERR_INTERNAL, "%s: read from skiffd: %s", tls.url,
			tls.why[0] ? tls.why : strerror(errno));
}

/* Read what the socket has. Returns 1 on data, 0 at end of stream. */
static int read_some(struct client *c, struct err *e)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = buf_reserve(&c->in, READ_CHUNK),
			     .iov_len = READ_CHUNK };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	if (tls.ssl && c->fd == tls.fd)
		return tls_read_some(c, iov.iov_base, e);
	n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);
	if (n >= 0)
		keep_rfds(c, &m);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0 && errno == ECONNRESET)
		n = 0;
	if (n < 0)
		return err_set(e, errno, "read from skiffd");
	c->in.len += (size_t)n;
	return n > 0;
}

/* Read and render the reply up to its status line. Output is flushed
 * before each wait, so streams show up as they come. Returns the exit
 * status, or -1 with e set when skiffd breaks the protocol or vanishes
 * (after our `cancel`, vanishing is a normal end). */
int conn_read_reply(struct client *c, struct err *e)
{
	int r;

	for (;;) {
		r = drain_lines(c, e);
		if (r == MORE)
			r = render_flush(c, stdout);
		if (r != MORE)
			return r;
		if (relay_wait(c, e) < 0)
			return -1;
		if (c->interrupted)
			return EXIT_INT;
		r = read_some(c, e);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c->canceled)
			return EXIT_OK;
		if (!buf_used(&c->in) && dial_closed(e) < 0)
			return -1;
		return err_setc(e, ERR_INTERNAL,
				"skiffd closed the connection %s",
				buf_used(&c->in) ? "in the middle of a reply" :
						   "before it replied");
	}
}

int conn_local_reply(struct client *c, const struct buf *lines,
		     struct err *e)
{
	int r;

	buf_append(&c->in, buf_head(lines), buf_used(lines));
	r = drain_lines(c, e);
	if (r == MORE)
		r = render_flush(c, stdout);
	if (r == MORE) /* no status line: ours are never cut short */
		return err_setc(e, ERR_INTERNAL, "a reply without its status");
	return r;
}
