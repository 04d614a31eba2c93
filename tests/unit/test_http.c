/* test_http.c - core/http against a real HTTP server on loopback
 * (tests/helpers/httpd.py): bodies, statuses, headers, redirects, basic
 * auth, PUT bodies, Range resume after a cut connection, pause/resume
 * back-pressure, abort, a stalled server, many requests at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/buf.h"
#include "../../core/daemon.h"
#include "../../core/http.h"
/* After ev.h: seccomp.h brings elf.h, whose EV_NONE macro would break
 * libev's enum of the same name. */
#include <seccomp.h>

static int port, proxy_port;
static pid_t server, proxy;
static int server_stdin = -1, proxy_stdin = -1;

/* One request's outcome. */
struct got {
	struct buf body;
	long status, response_status;
	struct err e;
	bool done, failed;
	int pause_every; /* pause after every Nth chunk, resumed by a timer */
	int chunks;
	bool abort_on_data;
	char header[64];
	struct http_req *r;
	ev_timer resume;
};

/* tests/helpers/NAME, from this file's own path. */
static void helper_path(char *buf, size_t size, const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	int n = slash ? (int)(slash - __FILE__) : 0;

	snprintf(buf, size, "%.*s%s../helpers/%s", n, __FILE__, n ? "/" : "",
		 name);
}

/* Start a Python helper server; its port (it prints it once it serves).
 * It stops when *stdin_fd is closed. */
static int start_server(const char *name, pid_t *pid, int *stdin_fd)
{
	char script[4096];
	int in[2], out[2];
	char line[32] = { 0 };
	ssize_t n;

	helper_path(script, sizeof(script), name);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execlp("python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*stdin_fd = in[1];
	for (size_t got = 0; got < sizeof(line) - 1 && !strchr(line, '\n');
	     got += (size_t)n) { /* the whole "PORT\n" line */
		n = read(out[0], line + got, sizeof(line) - 1 - got);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n <= 0)
			break;
	}
	close(out[0]);
	assert_non_null(strchr(line, '\n'));
	assert_true(atoi(line) > 0);
	return atoi(line);
}

static int group_setup(void **s)
{
	port = start_server("httpd.py", &server, &server_stdin);
	proxy_port = start_server("httpproxy.py", &proxy, &proxy_stdin);
	daemon_ctx.loop = ev_loop_new(EVFLAG_NOSIGMASK);
	return 0;
}

static int group_teardown(void **s)
{
	http_shutdown();
	close(server_stdin); /* the servers stop when their stdin closes */
	close(proxy_stdin);
	waitpid(server, NULL, 0);
	waitpid(proxy, NULL, 0);
	ev_loop_destroy(daemon_ctx.loop);
	return 0;
}

static int on_response(struct http_req *r, long status, void *ctx)
{
	struct got *g = ctx;
	const char *h = http_header(r, "x-test");

	g->response_status = status;
	snprintf(g->header, sizeof(g->header), "%s", h ? h : "");
	return HTTP_CONTINUE;
}

static void on_resume(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct got *g = t->data;

	http_resume(g->r);
}

static int on_data(struct http_req *r, const char *p, size_t n, void *ctx)
{
	struct got *g = ctx;

	if (g->abort_on_data)
		return HTTP_ABORT;
	if (g->pause_every && ++g->chunks % g->pause_every == 0 &&
	    !ev_is_active(&g->resume)) {
		ev_timer_init(&g->resume, on_resume, 0.01, 0.);
		g->resume.data = g;
		ev_timer_start(daemon_ctx.loop, &g->resume);
		return HTTP_PAUSE; /* these bytes come again */
	}
	buf_append(&g->body, p, n);
	return HTTP_CONTINUE;
}

static void on_done(struct http_req *r, long status, const struct err *e,
		    void *ctx)
{
	struct got *g = ctx;

	g->done = true;
	g->status = status;
	g->failed = e != NULL;
	if (e)
		g->e = *e;
}

static void run_until(bool *flag)
{
	for (int i = 0; i < 20000 && !*flag; i++)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	assert_true(*flag);
}

static struct http_req *start(struct got *g, struct http_opts o,
			      const char *path)
{
	char url[256];
	struct err e = ERR_INIT;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	o.url = url;
	o.on_response = on_response;
	o.on_data = on_data;
	o.on_done = on_done;
	o.ctx = g;
	g->r = http_start(&o, &e);
	if (!g->r)
		fail_msg("http_start: %s", e.msg);
	return g->r;
}

static void get(struct got *g, struct http_opts o, const char *path)
{
	start(g, o, path);
	assert_false(g->done); /* never from inside http_start */
	run_until(&g->done);
}

static bool is_pattern(const char *p, size_t from, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = from + i;
		if ((unsigned char)p[i] != ((k * 7 + k / 251) & 0xff))
			return false;
	}
	return true;
}

static void test_get(void **s)
{
	struct got g = { 0 };

	get(&g, (struct http_opts){ 0 }, "/hello");
	assert_false(g.failed);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.response_status, 200);
	assert_int_equal(buf_used(&g.body), 11);
	assert_memory_equal(buf_head(&g.body), "hello world", 11);
	assert_string_equal(g.header, "yes");
	buf_free(&g.body);
}

static void test_status_and_redirect(void **s)
{
	struct got a = { 0 }, b = { 0 }, c = { 0 };

	get(&a, (struct http_opts){ 0 }, "/status/404");
	assert_false(a.failed); /* an HTTP status is not a transport error */
	assert_int_equal(a.status, 404);
	get(&b, (struct http_opts){ 0 }, "/redirect");
	assert_int_equal(b.status, 200);
	assert_memory_equal(buf_head(&b.body), "hello world", 11);
	get(&c, (struct http_opts){ .no_redirect = true }, "/redirect");
	assert_int_equal(c.status, 302);
	buf_free(&a.body), buf_free(&b.body), buf_free(&c.body);
}

static void test_auth(void **s)
{
	struct got a = { 0 }, b = { 0 };
	struct got h = { 0 };

	get(&a, (struct http_opts){ 0 }, "/auth");
	assert_int_equal(a.status, 401);
	get(&b, (struct http_opts){ .user = "user", .password = "pw" }, "/auth");
	assert_int_equal(b.status, 200);
	assert_memory_equal(buf_head(&b.body), "welcome", 7);
	/* the challenge is readable as a header */
	start(&h, (struct http_opts){ 0 }, "/auth");
	run_until(&h.done);
	buf_free(&a.body), buf_free(&b.body), buf_free(&h.body);
}

static int keep_challenge(struct http_req *r, long status, void *ctx)
{
	const char *w = http_header(r, "WWW-Authenticate");

	snprintf(ctx, 128, "%s", w ? w : "");
	return HTTP_ABORT; /* seen enough */
}

static void test_header_and_abort(void **s)
{
	char url[128], challenge[128] = "";
	struct err e = ERR_INIT;
	struct got g = { 0 };
	struct http_opts o = { .url = url, .on_response = keep_challenge,
			       .on_done = on_done, .ctx = challenge };

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/auth", port);
	/* ctx is the challenge buffer here; on_done writes into a struct
	 * got, so give it one through a second request below. */
	o.ctx = challenge;
	o.on_done = NULL;
	assert_null(http_start(&o, &e)); /* on_done is required */
	assert_int_equal(e.class, ERR_INVALID);

	g.abort_on_data = true;
	get(&g, (struct http_opts){ 0 }, "/big?n=100000");
	assert_true(g.failed);
	assert_int_equal(g.e.class, ERR_CANCELED);
	buf_free(&g.body);
}

static void test_put(void **s)
{
	struct got g = { 0 };
	static const char body[] = "{\"k\":\"v\"}";

	get(&g, (struct http_opts){ .method = "PUT", .body = body,
				    .body_len = sizeof(body) - 1 },
	    "/echo");
	assert_int_equal(g.status, 201);
	assert_int_equal(buf_used(&g.body), sizeof(body) - 1);
	assert_memory_equal(buf_head(&g.body), body, sizeof(body) - 1);
	buf_free(&g.body);
}

/* The body from a pipe that fills slowly: the upload waits on it. */
struct feeder {
	ev_timer t;
	int fd;
	size_t sent, total;
};

static void on_feed(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct feeder *f = (struct feeder *)t;
	char chunk[70000];

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(((f->sent + i) * 7 + (f->sent + i) / 251) & 0xff);
	size_t n = f->total - f->sent < sizeof(chunk) ? f->total - f->sent
						      : sizeof(chunk);
	ssize_t k = write(f->fd, chunk, n);
	if (k > 0)
		f->sent += (size_t)k;
	if (f->sent == f->total) {
		close(f->fd);
		ev_timer_stop(loop, t);
	}
}

static void test_upload_from_pipe(void **s)
{
	struct got g = { 0 };
	struct feeder f = { .total = 1000000 };
	int p[2];

	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	f.fd = p[1];
	ev_timer_init(&f.t, on_feed, 0.005, 0.005);
	ev_timer_start(daemon_ctx.loop, &f.t);
	get(&g, (struct http_opts){ .method = "PUT", .upload = true,
				    .upload_fd = p[0],
				    .upload_size = (int64_t)f.total,
				    .headers = (const char *const[]){ "Expect:",
								      NULL } },
	    "/echo");
	close(p[0]);
	assert_false(g.failed);
	assert_int_equal(g.status, 201);
	assert_int_equal(buf_used(&g.body), f.total);
	assert_true(is_pattern(buf_head(&g.body), 0, f.total));
	buf_free(&g.body);
}

static void test_big_paused(void **s)
{
	struct got g = { .pause_every = 3 };
	size_t n = 8 << 20;
	char path[64];

	snprintf(path, sizeof(path), "/big?n=%zu", n);
	get(&g, (struct http_opts){ 0 }, path);
	assert_false(g.failed);
	assert_int_equal(buf_used(&g.body), n);
	assert_true(is_pattern(buf_head(&g.body), 0, n));
	assert_true(g.chunks > 3); /* it did pause and resume */
	buf_free(&g.body);
}

static void test_cut_then_resume(void **s)
{
	struct got a = { 0 }, b = { 0 };
	size_t n = 1 << 20, cut = 300000;
	char path[64];

	snprintf(path, sizeof(path), "/drop?n=%zu&cut=%zu", n, cut);
	get(&a, (struct http_opts){ 0 }, path);
	assert_true(a.failed); /* a cut connection is an error */
	assert_true(strstr(a.e.msg, "127.0.0.1") != NULL);
	assert_int_equal(buf_used(&a.body), cut);
	get(&b, (struct http_opts){ .range_from = (int64_t)cut }, path);
	assert_false(b.failed);
	assert_int_equal(b.status, 206);
	assert_int_equal(buf_used(&b.body), n - cut);
	assert_true(is_pattern(buf_head(&a.body), 0, cut));
	assert_true(is_pattern(buf_head(&b.body), cut, n - cut));
	buf_free(&a.body), buf_free(&b.body);
}

static void test_stall_times_out(void **s)
{
	struct got g = { 0 };

	get(&g, (struct http_opts){ .timeout_ms = 500 }, "/stall");
	assert_true(g.failed);
	assert_int_equal(g.e.class, ERR_BUSY);
	assert_int_equal(buf_used(&g.body), 3);
	buf_free(&g.body);
}

static void test_many_and_cancel(void **s)
{
	enum { N = 40 };
	struct got g[N] = { 0 };
	struct got c = { 0 };
	char path[64];
	int done;

	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/big?n=%d", 1000 + i);
		start(&g[i], (struct http_opts){ 0 }, path);
	}
	start(&c, (struct http_opts){ 0 }, "/stall");
	assert_int_equal(http_active(), N + 1);
	for (int k = 0; k < 20000; k++) {
		done = 0;
		for (int i = 0; i < N; i++)
			done += g[i].done;
		if (done == N)
			break;
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	}
	assert_int_equal(done, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(g[i].status, 200);
		assert_int_equal(buf_used(&g[i].body), 1000 + i);
		assert_true(is_pattern(buf_head(&g[i].body), 0, 1000 + i));
		buf_free(&g[i].body);
	}
	http_cancel(c.r); /* no on_done after this */
	assert_int_equal(http_active(), 0);
	for (int k = 0; k < 20; k++)
		ev_run(daemon_ctx.loop, EVRUN_NOWAIT);
	assert_false(c.done);
	buf_free(&c.body);
}

/* An idle skiffd unloads libcurl (kept connections closed) and loads it
 * again for the next request. */
static void test_release_and_reload(void **s)
{
	struct got g = { 0 };

	get(&g, (struct http_opts){ 0 }, "/hello"); /* a kept connection */
	assert_int_equal(g.status, 200);
	assert_int_equal(http_active(), 0);
	assert_true(http_release());
	assert_false(http_release()); /* nothing left to release */
	buf_free(&g.body);
	memset(&g, 0, sizeof(g));
	get(&g, (struct http_opts){ 0 }, "/hello");
	assert_false(g.failed);
	assert_int_equal(g.status, 200);
	assert_memory_equal(g.body.data, "hello world", 11);
	buf_free(&g.body);
}

static void test_bad_url(void **s)
{
	struct err e = ERR_INIT;
	struct got g = { 0 };
	struct http_opts o = { .url = "ftp://127.0.0.1/x", .on_done = on_done,
			       .ctx = &g };

	assert_null(http_start(&o, &e));
	assert_true(strstr(e.msg, "only http") != NULL);
	/* nothing listens on port 1: the error names the URL */
	o.url = "http://127.0.0.1:1/x";
	assert_non_null(http_start(&o, &e));
	run_until(&g.done);
	assert_true(g.failed);
	assert_true(strstr(g.e.msg, "127.0.0.1:1") != NULL);
}

/* ---- names, in a child that may not make threads ---- */

/* GET url in the child, fresh state; 0 when it ends with want_status and
 * a body starting with want_body. */
static int child_get(const char *url, const char *const *headers,
		     long want_status, const char *want_body, struct got *g)
{
	struct err e = ERR_INIT;
	struct http_opts o = { .url = url, .headers = headers,
			       .on_response = on_response, .on_data = on_data,
			       .on_done = on_done, .ctx = g };

	memset(g, 0, sizeof(*g));
	if (!(g->r = http_start(&o, &e))) {
		fprintf(stderr, "http_start %s: %s\n", url, e.msg);
		return 1;
	}
	for (int i = 0; i < 20000 && !g->done; i++)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	buf_append(&g->body, "", 1);
	if (!g->done || g->failed || g->status != want_status ||
	    strncmp(g->body.data, want_body, strlen(want_body))) {
		fprintf(stderr, "GET %s: done %d failed %d (%s) status %ld "
			"body \"%s\"\n", url, g->done, g->failed, g->e.msg,
			g->status, g->body.data);
		return 1;
	}
	return 0;
}

/* Our own /etc/hosts (skiff-test-host is 127.0.0.1) and resolv.conf (a
 * name server on loopback that is not there, so other names fail at
 * once) in a mount namespace of this child's. */
static int own_hosts(void)
{
	static const char *const files[][2] = {
		{ "/etc/hosts", "127.0.0.1 skiff-test-host skiff-test-proxy "
				"skiff-test-fqdn.\n" },
		{ "/etc/resolv.conf",
		  "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n" },
	};

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return perror("mount namespace"), -1;
	for (size_t i = 0; i < 2; i++) {
		char tmp[] = "/tmp/skiff-test-etc.XXXXXX";
		int fd = mkstemp(tmp);
		if (fd < 0 || write(fd, files[i][1], strlen(files[i][1])) < 0 ||
		    mount(tmp, files[i][0], NULL, MS_BIND, NULL) < 0)
			return perror(files[i][0]), -1;
		close(fd);
		unlink(tmp); /* the bind mount keeps the file */
	}
	return 0;
}

/* A new thread fails (clone with CLONE_THREAD: EPERM; clone3: ENOSYS, as
 * on an old kernel, so glibc tries clone); fork still works. */
static int no_threads(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	int rc = !f ||
		 seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
					  CLONE_THREAD)) < 0 ||
		 seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
				  0) < 0 ||
		 seccomp_load(f) < 0;

	seccomp_release(f);
	return rc ? -1 : 0;
}

static int names_child(void)
{
	char url[256], to[200];
	const char *const bearer[] = { "Authorization: Bearer t0ken", NULL };
	struct err e = ERR_INIT;
	struct got g;
	struct http_opts o = { .on_done = on_done, .ctx = &g };

	if (own_hosts() < 0 || no_threads() < 0)
		return 2;
	ev_loop_fork(daemon_ctx.loop);
	/* A name: looked up by a helper process, then again from the cache. */
	snprintf(url, sizeof(url), "http://skiff-test-host:%d/hello", port);
	if (child_get(url, NULL, 200, "hello world", &g) ||
	    child_get(url, NULL, 200, "hello world", &g))
		return 3;
	/* A name with a trailing dot: its entry matches curl's too. */
	snprintf(url, sizeof(url), "http://skiff-test-fqdn.:%d/hello", port);
	if (child_get(url, NULL, 200, "hello world", &g))
		return 14;
	/* A redirect within the host keeps the credentials... */
	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%d/redirect-to?url=/whoami", port);
	if (child_get(url, bearer, 200, "Bearer t0ken", &g))
		return 4;
	/* ...one to another host (by name) goes without them. */
	snprintf(to, sizeof(to), "http://skiff-test-host:%d/whoami", port);
	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%d/redirect-to?url=%s", port, to);
	if (child_get(url, bearer, 200, "none", &g))
		return 5;
	/* A name that does not resolve: the error names it. */
	memset(&g, 0, sizeof(g));
	snprintf(url, sizeof(url), "http://nosuch.skiff-test:%d/x", port);
	o.url = url;
	if (!http_start(&o, &e))
		return 6;
	for (int i = 0; i < 20000 && !g.done; i++)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	if (!g.done || !g.failed || !strstr(g.e.msg, "nosuch.skiff-test")) {
		fprintf(stderr, "unresolvable: done %d failed %d: %s\n",
			g.done, g.failed, g.e.msg);
		return 7;
	}
	/* Proxies from the environment, as Docker reads them: the proxy's
	 * name is looked up here too; never for loopback; not for NO_PROXY. */
	snprintf(to, sizeof(to), "skiff-test-proxy:%d", proxy_port);
	setenv("HTTP_PROXY", to, 1);
	snprintf(url, sizeof(url), "http://skiff-test-host:%d/hello", port);
	if (child_get(url, NULL, 200, "hello world", &g) ||
	    strcmp(g.header, "proxied"))
		return 10;
	setenv("no_proxy", "example.org, .skiff-test-host,skiff-test-host", 1);
	if (child_get(url, NULL, 200, "hello world", &g) ||
	    strcmp(g.header, "yes"))
		return 11;
	unsetenv("no_proxy");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", port);
	if (child_get(url, NULL, 200, "hello world", &g) ||
	    strcmp(g.header, "yes"))
		return 12;
	setenv("HTTP_PROXY", "socks5://skiff-test-proxy:1080", 1);
	snprintf(url, sizeof(url), "http://skiff-test-host:%d/hello", port);
	o.url = url;
	if (http_start(&o, &e) || !strstr(e.msg, "HTTP_PROXY=socks5")) {
		fprintf(stderr, "socks proxy: %s\n", e.msg);
		return 13;
	}
	unsetenv("HTTP_PROXY");
	/* A redirect loop ends. */
	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%d/loop", port);
	memset(&g, 0, sizeof(g));
	o.url = url;
	if (!http_start(&o, &e))
		return 8;
	for (int i = 0; i < 20000 && !g.done; i++)
		ev_run(daemon_ctx.loop, EVRUN_ONCE);
	if (!g.done || !g.failed || !strstr(g.e.msg, "redirects")) {
		fprintf(stderr, "loop: %s\n", g.e.msg);
		return 9;
	}
	http_shutdown();
	return 0;
}

/* curl's resolver is a thread per lookup; skiffd makes none: names are
 * looked up in helper processes (core/resolve) and redirects followed
 * by core/http, each new host looked up the same way. */
static void test_names_without_threads(void **s)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(names_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_without_threads), /* before any
							     * http use */
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_status_and_redirect),
	    cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_header_and_abort),
	    cmocka_unit_test(test_put),
	    cmocka_unit_test(test_upload_from_pipe),
	    cmocka_unit_test(test_big_paused),
	    cmocka_unit_test(test_cut_then_resume),
	    cmocka_unit_test(test_stall_times_out),
	    cmocka_unit_test(test_many_and_cancel),
	    cmocka_unit_test(test_release_and_reload),
	    cmocka_unit_test(test_bad_url),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
