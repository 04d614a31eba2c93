/* ctr.c - the container registry and its durable form.
 *
 * Owns every struct ctr (a singly linked list; a few thousand containers
 * at most) and their JSON: ctr_write_json() is both the state file and
 * `inspect`; ctr_load_all() rebuilds the registry at start. */
#include <ctype.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <yajl/yajl_tree.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/daemon.h"
#include "../../core/helper.h"
#include "../../core/store.h"
#include "../../fs/tree.h"
#include "../../proto/ocispec.h"
#include "../../proto/units.h"
#include "supervisor.h"
#include "../../core/base/xalloc.h"

static struct ctr *ctrs;
static unsigned nctrs;

#define CTR_PARTS_MAX 8
static const struct ctr_part *parts[CTR_PARTS_MAX];
static unsigned nparts;

void ctr_part_register(const struct ctr_part *p)
{
	if (nparts == CTR_PARTS_MAX)
		abort(); /* a fixed set of files registers */
	parts[nparts++] = p;
}

void ctr_parts_at(struct ctr *c, enum ctr_moment m)
{
	for (unsigned i = 0; i < nparts; i++)
		if (parts[i]->at[m])
			parts[i]->at[m](c);
}

static const char *parts_ps_suffix(const struct ctr *c)
{
	const char *s;

	for (unsigned i = 0; i < nparts; i++)
		if (parts[i]->ps_suffix && *(s = parts[i]->ps_suffix(c)))
			return s;
	return "";
}

void ctr_hook_fire(struct ctr_hook *h, const struct err *e)
{
	void (*fn)(void *, const struct err *) = h->fn;

	h->fn = NULL;
	if (fn)
		fn(h->ctx, e);
}

struct ctr *ctr_first(void)
{
	return ctrs;
}

unsigned ctr_count(void)
{
	return nctrs;
}

static bool name_valid(const char *n)
{
	if (!isalnum((unsigned char)n[0]) || strlen(n) > 128)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("_.-", *n))
			return false;
	return true;
}

static struct ctr *by_name(const char *name)
{
	for (struct ctr *c = ctrs; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Docker-like generated names: adjective_noun, unique in this daemon. */
static char *gen_name(void)
{
	static const char *const adj[] = { "brave",  "calm",  "eager",
					   "gentle", "jolly", "keen",
					   "lucid",  "quiet", "swift" };
	static const char *const noun[] = { "otter", "heron", "puffin",
					    "seal",  "tern",  "gannet",
					    "eider", "skua",  "loon" };
	char buf[64];
	unsigned r;

	for (int i = 0;; i++) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned)i * 2654435761u;
		snprintf(buf, sizeof(buf), "%s_%s%s%u", adj[r % 9],
			 noun[(r / 9) % 9], i ? "_" : "", i ? r % 1000 : 0);
		if (!i)
			buf[strlen(buf) - 1] = '\0'; /* no "0" suffix */
		if (!by_name(buf))
			return strdup(buf);
	}
}

void ctr_gen_id(char *out)
{
	unsigned char raw[CTR_ID_LEN / 2];

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		abort(); /* the kernel's CSPRNG does not fail once seeded */
	for (size_t i = 0; i < sizeof(raw); i++)
		sprintf(out + 2 * i, "%02x", raw[i]);
}

struct ctr *ctr_new(const char *name, struct err *e)
{
	struct ctr *c;

	if (name && !name_valid(name))
		return err_setc(e, ERR_INVALID,
				"invalid container name \"%s\": use letters, "
				"digits and _.- (starting with a letter or "
				"digit)", name),
		       NULL;
	if (name && by_name(name))
		return err_setc(e, ERR_CONFLICT,
				"the container name \"%s\" is already in use "
				"by container %.12s", name, by_name(name)->id),
		       NULL;
	c = xcalloc(1, sizeof(*c));
	ctr_gen_id(c->id);
	c->name = name ? strdup(name) : gen_name();
	c->out.fd = c->err.fd = c->stdin_fd = -1;
	c->next = ctrs;
	ctrs = c;
	nctrs++;
	return c;
}

int ctr_rename(struct ctr *c, const char *name, struct err *e)
{
	struct ctr *other = by_name(name);
	char *copy;

	if (!name_valid(name))
		return err_setc(e, ERR_INVALID,
				"invalid container name \"%s\": use letters, "
				"digits and _.- (starting with a letter or "
				"digit)", name);
	if (other == c)
		return err_setc(e, ERR_INVALID, "container %s already has "
				"that name", name);
	if (other)
		return err_setc(e, ERR_CONFLICT,
				"the container name \"%s\" is already in use "
				"by container %.12s", name, other->id);
	copy = xstrdup(name);
	free(c->name);
	c->name = copy;
	return 0;
}

void ctr_unlink(struct ctr *c)
{
	for (struct ctr **pp = &ctrs; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			nctrs--;
			return;
		}
}

/* Many containers freed leave the heap full of holes glibc keeps:
 * once removals have paused for a second, give the free pages back
 * (malloc_trim releases whole free pages anywhere in the heap, not
 * only its top). */
#define TRIM_AFTER 1.0 /* seconds without a container freed */

static ev_timer trim_timer;

static void on_trim(struct ev_loop *loop, ev_timer *t, int revents)
{
	ev_timer_stop(loop, t);
	malloc_trim(0);
}

static void trim_soon(void)
{
	if (!daemon_ctx.loop)
		return;
	if (!trim_timer.repeat)
		ev_init(&trim_timer, on_trim);
	trim_timer.repeat = TRIM_AFTER;
	ev_timer_again(daemon_ctx.loop, &trim_timer);
}

void ctr_free(struct ctr *c)
{
	if (c->stdin_fd >= 0)
		close(c->stdin_fd);
	free(c->name);
	free(c->rootfs);
	free(c->image);
	free(c->image_id);
	free(c->command);
	free(c->dead_reason);
	ctr_set_spec(c, NULL);
	ocispec_free(c->fresh_spec);
	free(c->labels_json);
	free(c->exposed_json);
	for (unsigned i = 0; i < nparts; i++)
		parts[i]->free(c);
	free(c);
	trim_soon();
}

/* ---- config.json, with its common parts shared ---- */

/* Docker's default seccomp profile is most of a container's config.json,
 * and capabilities, mounts, masked and read-only paths are most of the
 * rest; all are the same for nearly every container. Each distinct text
 * of such a part is kept once, with a count of the containers using it:
 * what is left per container is its ids, args, env and paths. */
struct ctr_piece {
	char *text;
	size_t len;
	unsigned refs;
	struct ctr_piece *next;
};
static struct ctr_piece *pieces;

/* The keys whose value is cut out, as they appear in compact JSON. */
static const char *const piece_keys[CTR_SPEC_PIECES] = {
	"\"seccomp\":{", "\"capabilities\":{", "\"mounts\":[",
	"\"maskedPaths\":[", "\"readonlyPaths\":[",
};

static struct ctr_piece *piece_get(const char *text, size_t len)
{
	struct ctr_piece *p;

	for (p = pieces; p; p = p->next)
		if (p->len == len && !memcmp(p->text, text, len)) {
			p->refs++;
			return p;
		}
	p = xcalloc(1, sizeof(*p));
	p->text = xmalloc(len);
	memcpy(p->text, text, len);
	p->len = len;
	p->refs = 1;
	p->next = pieces;
	pieces = p;
	return p;
}

static void piece_put(struct ctr_piece *p)
{
	if (!p || --p->refs)
		return;
	for (struct ctr_piece **pp = &pieces; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p->text);
	free(p);
}

/* The end of the JSON object or array starting at s ('{' or '['),
 * strings minded; NULL if it does not close. */
static const char *value_end(const char *s)
{
	int depth = 0;
	bool in_str = false;

	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
		} else if (*s == '"')
			in_str = true;
		else if (*s == '{' || *s == '[')
			depth++;
		else if ((*s == '}' || *s == ']') && --depth == 0)
			return s + 1;
	}
	return NULL;
}

struct span {
	const char *at, *end;
};

/* Where each key's value is in json: spans in text order, none
 * overlapping (a key inside another's value is left in it). */
static unsigned find_pieces(const char *json, struct span *sp)
{
	unsigned n = 0;

	for (unsigned k = 0; k < CTR_SPEC_PIECES; k++) {
		const char *at = strstr(json, piece_keys[k]), *end;
		unsigned i;
		if (!at)
			continue;
		at += strlen(piece_keys[k]) - 1; /* the value itself */
		if (!(end = value_end(at)))
			continue;
		for (i = 0; i < n; i++)
			if (at < sp[i].end && sp[i].at < end)
				break;
		if (i < n)
			continue; /* overlaps one found before */
		for (i = n++; i > 0 && sp[i - 1].at > at; i--)
			sp[i] = sp[i - 1];
		sp[i] = (struct span){ at, end };
	}
	return n;
}

/* Cutting and joining are exact: whatever is cut, ctr_spec() gives the
 * same bytes back; only how much is shared depends on finding it. */
void ctr_set_spec(struct ctr *c, char *json)
{
	struct span sp[CTR_SPEC_PIECES];
	unsigned n;
	char *out;
	size_t o = 0;
	const char *from;

	free(c->spec_rest);
	for (unsigned i = 0; i < c->spec_ncut; i++)
		piece_put(c->spec_cut[i].piece);
	c->spec_rest = NULL;
	c->spec_ncut = 0;
	if (!json)
		return;
	n = strlen(json) <= UINT32_MAX ? find_pieces(json, sp) : 0;
	out = json; /* compacted in place: o never passes from */
	from = json;
	for (unsigned i = 0; i < n; i++) {
		size_t gap = (size_t)(sp[i].at - from);
		memmove(out + o, from, gap);
		o += gap;
		c->spec_cut[i].at = (uint32_t)o;
		c->spec_cut[i].piece = piece_get(sp[i].at,
						 (size_t)(sp[i].end - sp[i].at));
		from = sp[i].end;
	}
	memmove(out + o, from, strlen(from) + 1);
	c->spec_ncut = n;
	c->spec_rest = n ? xrealloc(json, 1, strlen(json) + 1) : json;
}

char *ctr_spec(const struct ctr *c)
{
	size_t rest = c->spec_rest ? strlen(c->spec_rest) : 0, len = rest;
	size_t o = 0, from = 0;
	char *s;

	for (unsigned i = 0; i < c->spec_ncut; i++)
		len += c->spec_cut[i].piece->len;
	s = xmalloc(len + 1);
	for (unsigned i = 0; i < c->spec_ncut; i++) {
		const struct ctr_piece *p = c->spec_cut[i].piece;
		memcpy(s + o, c->spec_rest + from, c->spec_cut[i].at - from);
		o += c->spec_cut[i].at - from;
		from = c->spec_cut[i].at;
		memcpy(s + o, p->text, p->len);
		o += p->len;
	}
	memcpy(s + o, rest ? c->spec_rest + from : "", rest - from + 1);
	return s;
}

struct ctr *ctr_find(const char *ref, struct err *e)
{
	struct ctr *hit = NULL;
	size_t n = strlen(ref);

	if (!n)
		return err_setc(e, ERR_INVALID, "empty container name or id"),
		       NULL;
	for (struct ctr *c = ctrs; c; c = c->next)
		if (!strcmp(c->id, ref) || !strcmp(c->name, ref))
			return c;
	for (struct ctr *c = ctrs; c; c = c->next) {
		if (strncmp(c->id, ref, n))
			continue;
		if (hit)
			return err_setc(e, ERR_CONFLICT,
					"\"%s\" matches more than one "
					"container; give more of the id", ref),
			       NULL;
		hit = c;
	}
	if (!hit)
		err_setc(e, ERR_NOT_FOUND, "no such container: %s", ref);
	return hit;
}

/* As Docker names them: a stopping container is still running, one
 * waiting for its restart has exited (ps says "Restarting"). */
const char *ctr_state_name(const struct ctr *c)
{
	static const char *const names[CTR_NSTATES] = {
		[CTR_CREATED] = "created",   [CTR_STARTING] = "starting",
		[CTR_RUNNING] = "running",   [CTR_PAUSED] = "paused",
		[CTR_STOPPING] = "running",  [CTR_EXITED] = "exited",
		[CTR_RESTARTING] = "exited", [CTR_REMOVING] = "removing",
		[CTR_DEAD] = "dead",
	};
	return names[c->state];
}

/* Docker's words for the time since ns ("3 minutes", "About an hour"). */
static void ago(int64_t ns, char *out, size_t len)
{
	int64_t d = now_ns() - ns;

	units_duration(d > 0 ? d : 0, out, len);
}

void ctr_status_text(const struct ctr *c, char *out, size_t len)
{
	char t[64];

	switch (c->state) {
	case CTR_RUNNING:
	case CTR_PAUSED:
	case CTR_STOPPING:
		ago(c->started_ns, t, sizeof(t));
		snprintf(out, len, "Up %s%s", t,
			 c->state == CTR_PAUSED ? " (Paused)"
						: parts_ps_suffix(c));
		break;
	case CTR_EXITED:
	case CTR_RESTARTING:
		ago(c->finished_ns, t, sizeof(t));
		snprintf(out, len, "%s (%d) %s ago",
			 c->state == CTR_RESTARTING ? "Restarting" : "Exited",
			 c->exit_code, t);
		break;
	default:
		snprintf(out, len, "%c%s", toupper(ctr_state_name(c)[0]),
			 ctr_state_name(c) + 1);
	}
}

static const char *const restart_names[] = {
	[RESTART_NO] = "no",
	[RESTART_ON_FAILURE] = "on-failure",
	[RESTART_ALWAYS] = "always",
	[RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *ctr_restart_name(enum ctr_restart r)
{
	return restart_names[r];
}

/* "no", "always", "unless-stopped", "on-failure" or "on-failure:N". */
int ctr_restart_parse(const char *s, struct ctr *c, struct err *e)
{
	char *end;
	long n;

	c->restart_max = 0;
	for (size_t i = 0; i < ARRAY_SIZE(restart_names); i++)
		if (!strcmp(s, restart_names[i])) {
			c->restart = (enum ctr_restart)i;
			return 0;
		}
	if (!strncmp(s, "on-failure:", 11)) {
		n = strtol(s + 11, &end, 10);
		if (s[11] && !*end && n >= 0 && n <= 1000000) {
			c->restart = RESTART_ON_FAILURE;
			c->restart_max = (int)n;
			return 0;
		}
	}
	return err_setc(e, ERR_INVALID,
			"invalid --restart \"%s\" (use no, on-failure[:N], "
			"always or unless-stopped)", s);
}

char *ctr_dir(const struct ctr *c, const char *sub)
{
	return xasprintf("%s/containers/%s%s%s", daemon_ctx.cfg.root, c->id,
			 sub ? "/" : "", sub ? sub : "");
}

static void write_limits(const struct cgroup_limits *l, struct jw *w)
{
	jw_obj(w, "limits");
	jw_int(w, "memory", l->memory);
	jw_int(w, "memory_swap", l->memory_swap);
	jw_int(w, "memory_reservation", l->memory_reservation);
	jw_int(w, "cpu_quota_us", l->cpu_quota_us);
	jw_int(w, "cpu_period_us", l->cpu_period_us);
	jw_uint(w, "cpu_shares", l->cpu_shares);
	jw_str(w, "cpuset_cpus", l->cpuset_cpus);
	jw_str(w, "cpuset_mems", l->cpuset_mems);
	if (l->has_swappiness)
		jw_int(w, "swappiness", l->swappiness);
	jw_int(w, "pids_limit", l->pids_limit);
	jw_end_obj(w);
}

/* Embed a JSON document kept as text (spec, labels). */
static void write_doc(struct jw *w, const char *key, const char *text)
{
	char ebuf[128];
	yajl_val v = text ? yajl_tree_parse(text, ebuf, sizeof(ebuf)) : NULL;

	jw_tree(w, key, v);
	yajl_tree_free(v);
}

/* The state file and `inspect`: full adds the spec and runtime facts. */
void ctr_write_json(const struct ctr *c, struct jw *w, bool full)
{
	jw_str(w, "id", c->id);
	jw_str(w, "name", c->name);
	jw_str(w, "rootfs", c->rootfs);
	if (c->image) {
		jw_str(w, "image", c->image);
		jw_str(w, "image_id", c->image_id);
	}
	jw_str(w, "command", c->command);
	jw_str(w, "state", ctr_state_name(c));
	if (c->dead_reason)
		jw_str(w, "error", c->dead_reason);
	jw_int(w, "created", c->created_ns);
	jw_int(w, "started", c->started_ns);
	jw_int(w, "finished", c->finished_ns);
	jw_int(w, "exit_code", c->exit_code);
	jw_bool(w, "oom_killed", c->oom_killed);
	jw_bool(w, "auto_remove", c->auto_remove);
	jw_bool(w, "tty", c->tty);
	jw_bool(w, "open_stdin", c->open_stdin);
	jw_int(w, "stop_signal", c->stop_signal);
	jw_int(w, "stop_timeout_ms", c->stop_timeout_ms);
	jw_str(w, "restart", ctr_restart_name(c->restart));
	jw_int(w, "restart_max", c->restart_max);
	jw_int(w, "restart_count", c->restart_count);
	jw_bool(w, "manual_stop", c->manual_stop);
	jw_bool(w, "restart_due", c->state == CTR_RESTARTING);
	jw_int(w, "log_max_size", c->log_max_size);
	jw_int(w, "log_max_file", c->log_max_file);
	jw_int(w, "pid", c->state == CTR_RUNNING || c->state == CTR_PAUSED ||
				 c->state == CTR_STOPPING
			     ? c->pid : 0);
	if (c->pid_start)
		jw_int(w, "pid_start", (int64_t)c->pid_start);
	write_limits(&c->limits, w);
	write_doc(w, "labels", c->labels_json);
	write_doc(w, "exposed_ports", c->exposed_json);
	if (full) { /* as Docker's inspect shows what the image gave */
		jw_obj(w, "Config");
		write_doc(w, "Labels", c->labels_json);
		if (c->exposed_json)
			write_doc(w, "ExposedPorts", c->exposed_json);
		jw_end_obj(w);
	}
	for (unsigned i = 0; i < nparts; i++)
		parts[i]->write_json(c, w);
	if (full) {
		char *spec = ctr_spec(c);
		write_doc(w, "spec", spec);
		free(spec);
	}
}

/* A container stays allocated while a write of its state is in flight:
 * the acknowledgement may come after it was removed. */
void ctr_reply_exit_code(struct ctl_req *r, int code)
{
	struct jw w;

	ctl_req_json(r, &w);
	jw_int(&w, "exit_code", code);
	jw_close(&w);
}

struct save_ctx {
	struct ctr *c;
	void (*done)(int errnum, void *ctx);
	void *ctx;
};

static void saved(int errnum, void *p)
{
	struct save_ctx *s = p;
	struct ctr *c = s->c;

	c->pins--;
	if (s->done)
		s->done(errnum, s->ctx);
	if (c->removed && !c->pins)
		ctr_free(c);
	free(s);
}

void ctr_save(struct ctr *c, void (*done)(int errnum, void *ctx), void *ctx)
{
	struct save_ctx *s = xcalloc(1, sizeof(*s));
	struct buf b = { 0 };
	struct jw w;

	*s = (struct save_ctx){ c, done, ctx };
	jw_open(&w, &b);
	ctr_write_json(c, &w, true);
	jw_close(&w);
	c->pins++;
	if (store_put("containers", c->id, buf_head(&b), buf_used(&b), saved,
		      s) < 0)
		saved(errno, s);
	buf_free(&b);
}

/* Unlink c; free it now, or when its last state write is acknowledged. */
void ctr_release(struct ctr *c)
{
	ctr_unlink(c);
	c->removed = true;
	if (!c->pins)
		ctr_free(c);
}

/* ---- loading at start ---- */

static const char *get_str(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_string);

	return v ? v->u.string : NULL;
}

static long long get_int(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_number);

	return v && YAJL_IS_INTEGER(v) ? v->u.number.i : 0;
}

static bool get_bool(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };

	return YAJL_IS_TRUE(yajl_tree_get(t, path, yajl_t_true));
}

static char *doc_text(yajl_val t, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_any);
	struct buf b = { 0 };
	struct jw w;

	if (!v || YAJL_IS_NULL(v))
		return NULL;
	jw_open(&w, &b);
	jw_tree(&w, "x", v);
	jw_close(&w);
	/* b is {"x":DOC}\n: keep DOC */
	b.off = 5;
	b.len -= 2;
	return buf_take_str(&b);
}

static void load_limits(yajl_val t, struct cgroup_limits *l)
{
	const char *path[] = { "limits", NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_object);
	const char *cs;

	if (!v)
		return;
	l->memory = get_int(v, "memory");
	l->memory_swap = get_int(v, "memory_swap");
	l->memory_reservation = get_int(v, "memory_reservation");
	l->cpu_quota_us = get_int(v, "cpu_quota_us");
	l->cpu_period_us = get_int(v, "cpu_period_us");
	l->cpu_shares = (uint64_t)get_int(v, "cpu_shares");
	l->pids_limit = get_int(v, "pids_limit");
	cs = get_str(v, "cpuset_cpus");
	snprintf(l->cpuset_cpus, sizeof(l->cpuset_cpus), "%s", cs ? cs : "");
	cs = get_str(v, "cpuset_mems");
	snprintf(l->cpuset_mems, sizeof(l->cpuset_mems), "%s", cs ? cs : "");
	if (yajl_tree_get(v, (const char *[]){"swappiness", NULL},
			  yajl_t_number)) {
		l->has_swappiness = true;
		l->swappiness = (uint8_t)get_int(v, "swappiness");
	}
}

/* ctr_load_all's state: lifecycle.c's ctr_state_load */
static void (*load_state)(struct ctr *c, const char *name);

static bool is_ctr_id(const char *id)
{
	return strlen(id) == CTR_ID_LEN &&
	       strspn(id, "0123456789abcdef") == CTR_ID_LEN;
}

/* A container whose state cannot be read: shown as dead, as Docker
 * does, with why, so that rm can take it and what it owns (its
 * directory, its cgroup, the file moved aside). Named by its short id:
 * its name was in the file. */
static void load_dead(const char *id, const char *why, void *ctx)
{
	struct ctr *c;

	if (!is_ctr_id(id))
		return;
	for (c = ctrs; c; c = c->next)
		if (!strcmp(c->id, id))
			return; /* told twice (store.h) */
	c = xcalloc(1, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->name = xasprintf("%.12s", id);
	c->rootfs = xstrdup("");
	c->command = xstrdup("");
	c->dead_reason = xstrdup(why);
	c->log_max_size = sup_settings.log_max_size;
	c->log_max_file = (int)sup_settings.log_max_file;
	c->out.fd = c->err.fd = c->stdin_fd = -1;
	c->next = ctrs;
	ctrs = c;
	nctrs++;
	log_warn("container %.12s: %s; shown as dead until rm", id, why);
	load_state(c, "dead");
}

static void load_one(const char *id, yajl_val t, void *ctx)
{
	const char *name = get_str(t, "name"), *state = get_str(t, "state");
	struct ctr *c;

	if (!name || !state || strlen(id) != CTR_ID_LEN) {
		log_err("containers/%s.json: missing name or state", id);
		load_dead(id, "state file has no name or state", ctx);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->name = strdup(name);
	c->rootfs = strdup(get_str(t, "rootfs") ? get_str(t, "rootfs") : "");
	c->image = get_str(t, "image") ? strdup(get_str(t, "image")) : NULL;
	c->image_id = get_str(t, "image_id") ? strdup(get_str(t, "image_id"))
					     : NULL;
	c->command = strdup(get_str(t, "command") ? get_str(t, "command")
						  : "");
	ctr_set_spec(c, doc_text(t, "spec"));
	c->labels_json = doc_text(t, "labels");
	c->exposed_json = doc_text(t, "exposed_ports");
	c->created_ns = get_int(t, "created");
	c->started_ns = get_int(t, "started");
	c->finished_ns = get_int(t, "finished");
	c->exit_code = (int)get_int(t, "exit_code");
	c->oom_killed = get_bool(t, "oom_killed");
	c->auto_remove = get_bool(t, "auto_remove");
	c->tty = get_bool(t, "tty");
	c->open_stdin = get_bool(t, "open_stdin");
	c->stop_signal = (int)get_int(t, "stop_signal");
	c->stop_timeout_ms = get_int(t, "stop_timeout_ms");
	if (get_str(t, "restart") &&
	    ctr_restart_parse(get_str(t, "restart"), c, &(struct err)ERR_INIT))
		c->restart = RESTART_NO;
	c->restart_max = (int)get_int(t, "restart_max");
	c->restart_count = (int)get_int(t, "restart_count");
	c->manual_stop = get_bool(t, "manual_stop");
	c->restart_due = get_bool(t, "restart_due");
	c->log_max_size = get_int(t, "log_max_size");
	c->log_max_file = (int)get_int(t, "log_max_file");
	if (c->log_max_size < 4096 || c->log_max_file < 1) {
		c->log_max_size = sup_settings.log_max_size;
		c->log_max_file = (int)sup_settings.log_max_file;
	}
	c->pid = (int)get_int(t, "pid");
	c->pid_start = (uint64_t)get_int(t, "pid_start");
	load_limits(t, &c->limits);
	for (unsigned i = 0; i < nparts; i++)
		parts[i]->load(c, t);
	c->out.fd = c->err.fd = c->stdin_fd = -1;
	c->next = ctrs;
	ctrs = c;
	nctrs++;
	load_state(c, state);
}

int ctr_load_all(void (*state)(struct ctr *c, const char *name),
		 struct err *e)
{
	load_state = state;
	return store_load_all("containers", load_one, load_dead, NULL, e);
}

/* ---- removal of a container's or a volume's files ---- */

/* In a helper process: the upper layer can be large. A tree that is not
 * there (a container never started) is already removed. */
static int remove_tree(void *arg, struct err *e)
{
	return tree_remove(AT_FDCWD, arg, e);
}

void ctr_remove_tree(char *dir, const char *what)
{
	struct err e = ERR_INIT;
	char label[128];

	snprintf(label, sizeof(label), "%s: removing its files", what);
	if (helper_run_logged(remove_tree, dir, free, label, &e) < 0) {
		log_err("%s: %s", what, e.msg);
		free(dir);
	}
}
