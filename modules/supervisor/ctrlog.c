/* ctrlog.c - a container's output (see ctrlog.h).
 *
 * Owns, per container, the json-file writer (fs/logfile) and the list of
 * attached streams. Output fans out to the log and to every attached
 * client; a client over its high-water mark pauses the container's pipes
 * (back-pressure, as an attached terminal does) until it reads, so no
 * line is ever dropped. `logs` reads the files back (fs/logread) and,
 * with -f, follows them from a stream producer. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/daemon.h"
#include "../../core/helper.h"
#include "../../fs/logfile.h"
#include "../../fs/logread.h"
#include "../../proto/jsonlog.h"
#include "ctrlog.h"

struct attach {
	struct ctl_req *r;
	struct ctr *c;
	bool exit_code; /* end with {"exit_code":N} */
	bool want_stdin, stdio_sent;
	char detach_keys[16]; /* the byte sequence the client detaches on */
	struct attach *next;
};

static void pipes_update(struct ctr *c);

static struct attach **attach_list(struct ctr *c)
{
	return &c->attached;
}

static void pipes_pause(struct ctr *c, bool pause)
{
	if (pause == c->paused)
		return;
	struct ctr_pipe *p[2] = { &c->out, &c->err };

	for (int i = 0; i < 2; i++)
		ctr_pipe_pause(p[i], pause);
	c->paused = pause;
}

static void fan_out(struct ctr *c, const char *stream, const char *buf,
		    size_t len)
{
	bool full = false;
	struct jw w;

	for (struct attach *a = *attach_list(c); a; a = a->next) {
		ctl_req_json(a->r, &w);
		jw_str(&w, "stream", stream);
		jw_strn(&w, "log", buf, len);
		jw_close(&w);
		ctl_req_wake(a->r);
		full |= !ctl_req_room(a->r);
	}
	if (full)
		pipes_pause(c, true);
}

static bool drained(const struct ctr *c)
{
	return ctr_has_exited(c) && c->out.fd < 0 && c->err.fd < 0;
}

static enum ctl_produce attach_produce(struct ctl_req *r, void *ctx,
				       struct err *e)
{
	struct attach *a = ctx;
	struct ctr *c = a->c;
	bool all_room = true;

	if (!drained(c)) {
		for (struct attach *x = *attach_list(c); x; x = x->next)
			all_room &= ctl_req_room(x->r);
		if (c->paused && all_room)
			pipes_update(c);
		return CTL_MORE;
	}
	if (a->exit_code && c->auto_remove)
		return CTL_MORE; /* run --rm ends once removed (ctrlog_remove) */
	if (a->exit_code)
		ctr_reply_exit_code(r, c->exit_code);
	return CTL_DONE;
}

static void attach_release(void *ctx)
{
	struct attach *a = ctx;

	for (struct attach **pp = attach_list(a->c); *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	if (a->c->paused)
		pipes_update(a->c);
	free(a);
}

static const struct ctl_stream_ops attach_ops = {
	.produce = attach_produce,
	.release = attach_release,
};

/* The byte ctrl-X sends: ^A..^Z, ^@, ^[, ^\\, ^], ^^, ^_. */
static int ctrl_key(char x)
{
	char l = (char)(x | 0x20);

	if (l >= 'a' && l <= 'z')
		return l - 'a' + 1;
	if (x && strchr("@[\\]^_", x))
		return x - '@';
	return -1;
}

int ctrlog_detach_keys(const char *spec, char *out, size_t size,
		       struct err *e)
{
	size_t n = 0;
	const char *p = spec;

	if (!spec)
		spec = p = "ctrl-p,ctrl-q";
	while (*p) {
		size_t len = strcspn(p, ",");
		char k;
		if (len == 1)
			k = *p;
		else if (len == 6 && !strncasecmp(p, "ctrl-", 5) &&
			 ctrl_key(p[5]) >= 0)
			k = (char)ctrl_key(p[5]);
		else
			return err_setc(e, ERR_INVALID,
					"invalid detach keys \"%s\": \"%.*s\" "
					"is not a character or ctrl-<a-z@[\\]^_>",
					spec, (int)len, p);
		if (n + 1 >= size)
			return err_setc(e, ERR_INVALID,
					"invalid detach keys \"%s\": too long",
					spec);
		out[n++] = k;
		p += len;
		if (*p == ',' && *++p == '\0')
			return err_setc(e, ERR_INVALID,
					"invalid detach keys \"%s\": ends in a "
					"comma", spec);
	}
	if (!n)
		return err_setc(e, ERR_INVALID, "invalid detach keys: empty");
	out[n] = '\0';
	return 0;
}

/* Hand the client what it writes to: the pty master (input, and the
 * window size), or stdin's pipe. The fd rides with the data line
 * {"fd":"tty"|"stdin","stdin":BOOL,"detach_keys":"..."}. */
static void pass_stdio(struct attach *a)
{
	struct ctr *c = a->c;
	bool tty = c->tty && c->out.fd >= 0;
	int fd = tty ? c->out.fd : c->stdin_fd;
	struct err e = ERR_INIT;
	struct jw w;

	if (a->stdio_sent || c->state != CTR_RUNNING)
		return;
	a->stdio_sent = true;
	if (fd < 0 || (!tty && !a->want_stdin))
		return;
	if (ctl_req_pass_fd(a->r, fd, &e) < 0) {
		log_warn("container %.12s: attach: %s", c->id, e.msg);
		return;
	}
	ctl_req_json(a->r, &w);
	jw_str(&w, "fd", tty ? "tty" : "stdin");
	jw_bool(&w, "stdin", a->want_stdin && c->open_stdin);
	jw_str(&w, "detach_keys", a->detach_keys);
	jw_close(&w);
	ctl_req_wake(a->r);
	if (!tty && c->stdin_once)
		ctr_stdin_close(c); /* EOF once this client closes its copy */
}

void ctrlog_started(struct ctr *c)
{
	for (struct attach *a = *attach_list(c); a; a = a->next)
		pass_stdio(a);
}

int ctrlog_attach(struct ctl_req *r, struct ctr *c,
		  const struct ctrlog_attach_opts *o)
{
	struct attach *a = xcalloc(1, sizeof(*a));

	a->r = r;
	a->c = c;
	a->exit_code = o->exit_code;
	a->want_stdin = o->want_stdin;
	snprintf(a->detach_keys, sizeof(a->detach_keys), "%s",
		 o->detach_keys ? o->detach_keys : "\x10\x11");
	a->next = *attach_list(c);
	*attach_list(c) = a;
	ctl_req_stream(r, &attach_ops, a);
	pass_stdio(a); /* attach to a running container: at once */
	return CMD_PENDING;
}

static void wake_attached(struct ctr *c)
{
	for (struct attach *a = *attach_list(c); a; a = a->next)
		ctl_req_wake(a->r);
}

void ctrlog_exited(struct ctr *c)
{
	wake_attached(c);
}

static void end_followers(struct ctr *c);
static void zjob_kill(struct zjob *j);

/* rm: attached clients and followers get their end (and exit code)
 * first; a compressor still running is stopped (the state directory,
 * logs included, is removed after). */
void ctrlog_remove(struct ctr *c)
{
	struct attach *a;

	while ((a = *attach_list(c))) {
		if (a->exit_code)
			ctr_reply_exit_code(a->r, c->exit_code);
		ctl_req_finish(a->r, NULL); /* releases a */
	}
	end_followers(c);
	if (c->compressor)
		zjob_kill(c->compressor);
	if (c->log)
		logfile_close(c->log);
	c->log = NULL;
}

/* The container never reached exec: attached clients get the error. */
void ctrlog_start_failed(struct ctr *c, const struct err *why)
{
	struct attach *a;

	while ((a = *attach_list(c)))
		ctl_req_finish(a->r, why); /* releases a */
}

/* ---- the json-file log ---- */

static enum jsonlog_stream stream_of(const char *name)
{
	return strcmp(name, "stderr") ? JSONLOG_STDOUT : JSONLOG_STDERR;
}

/* Pipes run unless the log waits for its compressor or an attached
 * client is over its high-water mark. */
static void pipes_update(struct ctr *c)
{
	bool hold = c->log && logfile_congested(c->log);

	for (struct attach *a = *attach_list(c); a && !hold; a = a->next)
		hold = !ctl_req_room(a->r);
	pipes_pause(c, hold);
}

struct zjob {
	struct helper h;
	struct ctr *c;
	char *src, *dst;
};

static void zjob_free(struct zjob *j)
{
	helper_close(&j->h);
	free(j->src);
	free(j->dst);
	free(j);
}

static void zjob_kill(struct zjob *j)
{
	j->c->compressor = NULL;
	helper_kill(&j->h);
	zjob_free(j);
}

/* In the helper (fs/logfile does the work). */
static int compress_main(void *arg, struct err *e)
{
	struct zjob *j = arg;

	return logfile_compress(j->src, j->dst, e);
}

static void start_compressor(struct ctr *c);

static void compressor_done(struct helper *h, const struct err *result)
{
	struct zjob *j = h->owner;
	struct ctr *c = j->c;

	if (result->class != ERR_OK)
		log_warn("container %.12s: compress %s: %s", c->id, j->src,
			 result->msg);
	zjob_free(j);
	c->compressor = NULL;
	logfile_compress_done(c->log);
	pipes_update(c);
	start_compressor(c);
}

/* A rotated generation waits to be compressed: do it in a short-lived
 * helper process so the loop never compresses (STYLE.md rule 5). */
static void start_compressor(struct ctr *c)
{
	const char *src, *dst;
	struct zjob *j;
	struct err e = ERR_INIT;

	if (c->compressor || !c->log ||
	    !logfile_compress_pending(c->log, &src, &dst))
		return;
	j = xcalloc(1, sizeof(*j));
	j->c = c;
	j->src = xstrdup(src);
	j->dst = xstrdup(dst);
	j->h.owner = j;
	j->h.on_end = compressor_done;
	if (helper_start(&j->h, compress_main, j, NULL, &e) < 0) {
		log_warn("container %.12s: %s", c->id, e.msg);
		logfile_compress_done(c->log); /* stays plain; still read */
		zjob_free(j);
		return;
	}
	c->compressor = j;
}

int ctrlog_open(struct ctr *c, struct err *e)
{
	_cleanup_free_ char *dir = ctr_dir(c, NULL);
	_cleanup_free_ char *path = ctr_dir(c, "json.log");

	if (c->log)
		return 0; /* a restarted container appends */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", dir);
	c->log = logfile_open(path, c->log_max_size, c->log_max_file, e);
	if (!c->log)
		return err_wrap(e, "container %s: log", c->name);
	start_compressor(c);
	return 0;
}

static void wake_followers(struct ctr *c);

void ctrlog_write(struct ctr *c, const char *stream, const char *buf,
		  size_t len)
{
	struct err e = ERR_INIT;

	if (c->log && logfile_write(c->log, stream_of(stream), buf, len,
				    now_ns(), &e) < 0)
		log_warn("container %.12s: log: %s", c->id, e.msg);
	start_compressor(c);
	fan_out(c, stream, buf, len);
	pipes_update(c);
	wake_followers(c);
}

void ctrlog_stream_end(struct ctr *c, const char *stream)
{
	struct err e = ERR_INIT;

	if (c->out.fd < 0 && c->err.fd < 0 && c->log &&
	    logfile_flush_partial(c->log, now_ns(), &e) < 0)
		log_warn("container %.12s: log: %s", c->id, e.msg);
	wake_attached(c);
	wake_followers(c);
}

/* ---- logs ---- */

struct follower {
	struct ctl_req *r;
	struct ctr *c; /* NULL once the container is gone, or not -f */
	struct logread *rd;
	struct jsonlog_entry ent;
	bool timestamps;
	struct follower *next;
};

static struct follower **follower_list(struct ctr *c)
{
	return &c->followers;
}

static void wake_followers(struct ctr *c)
{
	for (struct follower *f = *follower_list(c); f; f = f->next)
		ctl_req_wake(f->r);
}

static void end_followers(struct ctr *c)
{
	struct follower *f;

	while ((f = *follower_list(c))) {
		*follower_list(c) = f->next;
		f->c = NULL;
		ctl_req_finish(f->r, NULL);
	}
}

static void emit(struct ctl_req *r, const struct follower *f)
{
	char when[JSONLOG_TIME_SIZE];
	struct buf text = { 0 };
	struct jw w;

	if (f->timestamps) {
		buf_printf(&text, "%s ",
			   jsonlog_format_time(when, f->ent.time_ns));
		buf_append(&text, f->ent.log, f->ent.len);
	}
	ctl_req_json(r, &w);
	jw_str(&w, "stream", jsonlog_stream_name(f->ent.stream));
	if (f->timestamps)
		jw_strn(&w, "log", buf_head(&text), buf_used(&text));
	else
		jw_strn(&w, "log", f->ent.log, f->ent.len);
	jw_close(&w);
	buf_free(&text);
}

/* Bounded per call (logread reads at most LOGREAD_CALL_BYTES); -f ends
 * when the container has exited and its output is all read. */
static enum ctl_produce logs_produce(struct ctl_req *r, void *ctx,
				     struct err *e)
{
	struct follower *f = ctx;
	int n;

	while (ctl_req_room(r)) {
		n = logread_next(f->rd, &f->ent, e);
		if (n < 0)
			return CTL_FAIL;
		if (n == 1) {
			emit(r, f);
			continue;
		}
		switch (logread_state(f->rd)) {
		case LOGREAD_READY:
			ctl_req_wake(r);
			return CTL_MORE;
		case LOGREAD_WAIT:
			if (f->c && !(ctr_has_exited(f->c) &&
				      f->c->out.fd < 0 && f->c->err.fd < 0))
				return CTL_MORE; /* woken by the writer */
			return CTL_DONE;
		case LOGREAD_END:
			return CTL_DONE;
		}
	}
	return CTL_MORE;
}

static void logs_release(void *ctx)
{
	struct follower *f = ctx;

	if (f->c)
		for (struct follower **pp = follower_list(f->c); *pp;
		     pp = &(*pp)->next)
			if (*pp == f) {
				*pp = f->next;
				break;
			}
	logread_free(f->rd);
	jsonlog_entry_free(&f->ent);
	free(f);
}

static const struct ctl_stream_ops logs_ops = {
	.produce = logs_produce,
	.release = logs_release,
};

/* RFC3339, Unix seconds, or a duration back from now ("10m"). */
static int parse_when(const char *flag, const char *s, int64_t *ns,
		      struct err *e)
{
	struct err ignore = ERR_INIT;
	int64_t ms;
	char *end;
	long long secs;

	*ns = 0;
	if (!s)
		return 0;
	if (jsonlog_parse_time(s, strlen(s), ns, &ignore) == 0)
		return 0;
	secs = strtoll(s, &end, 10);
	if (!*end && *s && secs > 100000000) {
		*ns = secs * 1000000000LL;
		return 0;
	}
	if (cmd_parse_duration(s, &ms) == 0) {
		*ns = now_ns() - ms * 1000000;
		return 0;
	}
	return err_setc(e, ERR_INVALID,
			"--%s \"%s\": expected RFC3339 time, Unix seconds "
			"or a duration like 10m", flag, s);
}

static int logs_opts(const struct logs_args *a, const struct ctr *c,
		     struct logread_opts *o, struct err *e)
{
	char *end;

	memset(o, 0, sizeof(*o));
	o->tail = -1;
	o->follow = a->follow;
	o->max_files = c->log_max_file;
	if (a->tail && strcmp(a->tail, "all")) {
		o->tail = strtoll(a->tail, &end, 10);
		if (!*a->tail || *end || o->tail < 0)
			return err_setc(e, ERR_INVALID,
					"--tail \"%s\": expected a number or "
					"all", a->tail);
	}
	return parse_when("since", a->since, &o->since_ns, e) < 0 ||
			       parse_when("until", a->until, &o->until_ns, e) <
				       0
		       ? -1
		       : 0;
}

static int do_logs(struct ctl_req *r, void *args, struct err *e)
{
	struct logs_args *a = args;
	struct ctr *c = ctr_find(ctl_req_argv(r)[0], e);
	_cleanup_free_ char *path = NULL;
	struct logread_opts o;
	struct follower *f;

	if (!c || logs_opts(a, c, &o, e) < 0)
		return -1;
	path = ctr_dir(c, "json.log");
	f = xcalloc(1, sizeof(*f));
	f->rd = logread_open(path, &o, e);
	if (!f->rd) {
		free(f);
		return -1;
	}
	f->r = r;
	f->timestamps = a->timestamps;
	if (a->follow) {
		f->c = c;
		f->next = *follower_list(c);
		*follower_list(c) = f;
	}
	ctl_req_stream(r, &logs_ops, f);
	return CMD_PENDING;
}

const struct command ctrlog_cmd_logs = { "logs", do_logs };
