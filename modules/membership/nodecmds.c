/* nodecmds.c - the membership module: the `node` verbs, the member's
 * news on the event bus, and struct module.
 *
 * Verbs (named as Docker's swarm `node` and Serf's agent commands):
 * node ls, node inspect, node join, node leave, node tags, node event,
 * node query (streams acks and responses until its timeout) and
 * node keys (Serf's keyring queries, answered per member). Events on
 * the bus, type "node": member-join, member-leave, member-failed,
 * member-update, member-reap (id: the member's name), user (id: the
 * event's name) and query. Owns the running queries (struct mquery:
 * their rows waiting for the client, a timer at their timeout). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/base/xalloc.h"
#include "../../core/bus.h"
#include "../../core/ctl.h"
#include "../../core/daemon.h"
#include "../../core/module.h"
#include "membership.h"

static const char *const status_names[] = { "alive", "leaving", "left",
					    "failed" };

/* What `node ls` shows: Serf's status, and memberlist's suspicion. */
static const char *member_status(const struct swim_member *m)
{
	enum serf_status st = serf_member_status(mship_serf(), m->name);

	if (st == SERF_ALIVE && m->state == MLWIRE_STATE_SUSPECT)
		return "suspect";
	if (st == SERF_ALIVE && m->state == MLWIRE_STATE_DEAD)
		return "failed";
	if (st == SERF_ALIVE && m->state == MLWIRE_STATE_LEFT)
		return "left";
	return status_names[st];
}

/* A member's tags as "k=v,k=v" into out (or as an object into w). */
static void member_tags(const struct swim_member *m, struct buf *out,
			struct jw *w)
{
	struct serfwire_tags t;
	struct err e = ERR_INIT;

	if (serfwire_tags_decode(m->meta, m->meta_len, &t, &e) < 0)
		return;
	for (uint32_t k = 0; k < t.n; k++) {
		char key[256];

		if (out)
			buf_printf(out, "%s%.*s=%.*s", k ? "," : "",
				   (int)t.v[k].key.n,
				   (const char *)t.v[k].key.p,
				   (int)t.v[k].value.n,
				   (const char *)t.v[k].value.p);
		if (w) {
			snprintf(key, sizeof(key), "%.*s", (int)t.v[k].key.n,
				 (const char *)t.v[k].key.p);
			jw_strn(w, key, (const char *)t.v[k].value.p,
				t.v[k].value.n);
		}
	}
	serfwire_tags_free(&t);
}

static int gossip_off(struct err *e)
{
	return err_setc(e, ERR_INVALID, "gossip is off: set \"membership\": "
			"{\"bind\": ...} in skiffd.json (or node join after "
			"node leave)");
}

/* ---- node ls ---- */

/* Docker's filters: name=, status=, tag=KEY or tag=KEY=VALUE. */
static int ls_match(const struct swim_member *m, const struct strlist *f,
		    bool *ok, struct err *e)
{
	*ok = true;
	for (int i = 0; i < f->n && *ok; i++) {
		const char *s = f->v[i];
		struct buf tags = { 0 };

		if (!strncmp(s, "name=", 5)) {
			*ok = !strcmp(m->name, s + 5);
		} else if (!strncmp(s, "status=", 7)) {
			*ok = !strcmp(member_status(m), s + 7);
		} else if (!strncmp(s, "tag=", 4)) {
			size_t n = strlen(s + 4);
			const char *p;

			member_tags(m, &tags, NULL);
			buf_append(&tags, "", 1);
			*ok = false;
			for (p = buf_head(&tags); p && *p;
			     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
				*ok |= !strncmp(p, s + 4, n) &&
				       (p[n] == ',' || !p[n] ||
					(p[n] == '=' && !strchr(s + 4, '=')));
			buf_free(&tags);
		} else {
			return err_setc(e, ERR_INVALID, "invalid filter \"%s\" "
					"(name=, status=, tag=)", s);
		}
	}
	return 0;
}

static int do_ls(struct ctl_req *r, void *args, struct err *e)
{
	struct nodels_args *a = args;
	const struct swim_member **m;
	size_t n, cap = 4096;
	struct jw w;
	bool ok;

	if (!mship_serf())
		return gossip_off(e);
	m = xcalloc(cap, sizeof(*m));
	n = swim_members(serf_swim(mship_serf()), m, cap);
	for (size_t i = 0; i < n && i < cap; i++) {
		struct buf tags = { 0 };
		char addr[32], proto[16];

		if (ls_match(m[i], &a->filter, &ok, e) < 0) {
			free(m);
			return -1;
		}
		if (!ok)
			continue;
		ctl_req_json(r, &w);
		jw_str(&w, "name", m[i]->name);
		if (!a->quiet) {
			mship_format_addr(&m[i]->addr, addr);
			member_tags(m[i], &tags, NULL);
			buf_append(&tags, "", 1);
			snprintf(proto, sizeof(proto), "%u/%u/%u",
				 m[i]->vsn[0], m[i]->vsn[1], m[i]->vsn[2]);
			jw_str(&w, "addr", addr);
			jw_str(&w, "status", member_status(m[i]));
			jw_str(&w, "tags", buf_head(&tags));
			jw_str(&w, "protocol", proto);
			buf_free(&tags);
		}
		jw_close(&w);
	}
	free(m);
	return 0;
}

/* ---- node inspect ---- */

static void inspect_self(struct jw *w)
{
	const struct swim_stats *st = swim_stats(serf_swim(mship_serf()));
	const struct mlcrypt_keyring *kr = serf_keyring(mship_serf());

	jw_bool(w, "Self", true);
	jw_int(w, "Health", swim_health(serf_swim(mship_serf())));
	jw_str(w, "Profile", mship_settings.profile ? mship_settings.profile
						     : "lan");
	jw_int(w, "Keys", (long long)kr->n);
	jw_obj(w, "Stats");
	jw_uint(w, "PacketsIn", st->pkts_in);
	jw_uint(w, "PacketsOut", st->pkts_out);
	jw_uint(w, "BytesOut", st->bytes_out);
	jw_uint(w, "Dropped", st->dropped);
	jw_uint(w, "BadKey", st->bad_key);
	jw_uint(w, "Probes", st->probes);
	jw_uint(w, "Indirect", st->indirect);
	jw_uint(w, "Suspects", st->suspects);
	jw_uint(w, "Refutes", st->refutes);
	jw_end_obj(w);
}

static void inspect_one(struct ctl_req *r, const struct swim_member *m,
			bool self)
{
	char addr[32];
	struct jw w;

	ctl_req_json(r, &w);
	mship_format_addr(&m->addr, addr);
	jw_str(&w, "Name", m->name);
	jw_str(&w, "Addr", addr);
	jw_str(&w, "Status", member_status(m));
	jw_uint(&w, "Incarnation", m->incarnation);
	jw_obj(&w, "Tags");
	member_tags(m, NULL, &w);
	jw_end_obj(&w);
	jw_obj(&w, "Protocol");
	jw_int(&w, "Min", m->vsn[0]);
	jw_int(&w, "Max", m->vsn[1]);
	jw_int(&w, "Cur", m->vsn[2]);
	jw_int(&w, "DelegateMin", m->vsn[3]);
	jw_int(&w, "DelegateMax", m->vsn[4]);
	jw_int(&w, "DelegateCur", m->vsn[5]);
	jw_end_obj(&w);
	if (self)
		inspect_self(&w);
	jw_close(&w);
}

static int do_inspect(struct ctl_req *r, void *args, struct err *e)
{
	int argc = ctl_req_argc(r);
	char **argv = ctl_req_argv(r);
	const struct swim_member *me, *m;
	struct swim *sw;

	if (!mship_serf())
		return gossip_off(e);
	sw = serf_swim(mship_serf());
	me = swim_find(sw, mship_name());
	for (int i = 0; i < (argc ? argc : 1); i++) {
		const char *name = argc ? argv[i] : "self";

		m = strcmp(name, "self") ? swim_find(sw, name) : me;
		if (!m)
			return err_setc(e, ERR_NOT_FOUND, "no such node: %s",
					name);
		inspect_one(r, m, m == me);
	}
	return 0;
}

/* ---- join, leave, tags, event ---- */

static int do_join(struct ctl_req *r, void *args, struct err *e)
{
	if (!mship_running() && mship_gossip_start(e) < 0)
		return -1;
	mship_join((const char *const *)ctl_req_argv(r), ctl_req_argc(r), r);
	return CMD_PENDING;
}

static int do_leave(struct ctl_req *r, void *args, struct err *e)
{
	if (!mship_serf())
		return gossip_off(e);
	mship_leave(r);
	return CMD_PENDING;
}

static int do_tags(struct ctl_req *r, void *args, struct err *e)
{
	struct nodetags_args *a = args;
	const char *const *t;
	size_t n;
	struct jw w;

	if (mship_tags_set(a->set.v, a->set.n, a->del.v, a->del.n, e) < 0)
		return -1;
	n = mship_tags(&t);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(t[i], '=');

		ctl_req_json(r, &w);
		jw_strn(&w, "key", t[i], (size_t)(eq - t[i]));
		jw_str(&w, "value", eq + 1);
		jw_close(&w);
	}
	return 0;
}

static int do_event(struct ctl_req *r, void *args, struct err *e)
{
	struct nodeevent_args *a = args;
	char **argv = ctl_req_argv(r);
	const char *payload = ctl_req_argc(r) > 1 ? argv[1] : "";

	if (!mship_serf())
		return gossip_off(e);
	if (serf_user_event(mship_serf(), argv[0], (const uint8_t *)payload,
			    strlen(payload), !a->no_coalesce, mship_now(),
			    e) < 0)
		return -1;
	mship_kick();
	return 0;
}

/* ---- node query, node keys: streams of answers ---- */

struct mquery {
	uint32_t id;
	bool keys; /* answers are key responses */
	struct ctl_req *req;
	struct buf rows; /* NDJSON waiting for the client */
	ev_timer to;
	bool done;
	struct mquery *next;
};

static struct mquery *queries;

static void query_on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mquery *q = w->data;

	q->done = true;
	ctl_req_wake(q->req);
}

static enum ctl_produce query_produce(struct ctl_req *r, void *ctx,
				      struct err *e)
{
	struct mquery *q = ctx;

	if (buf_used(&q->rows)) {
		buf_append(ctl_req_out(r), buf_head(&q->rows),
			   buf_used(&q->rows));
		buf_reset(&q->rows);
	}
	return q->done ? CTL_DONE : CTL_MORE;
}

static void query_release(void *ctx)
{
	struct mquery *q = ctx, **pp = &queries;

	while (*pp && *pp != q)
		pp = &(*pp)->next;
	if (*pp)
		*pp = q->next;
	ev_timer_stop(daemon_ctx.loop, &q->to);
	buf_free(&q->rows);
	free(q);
}

static const struct ctl_stream_ops query_ops = { query_produce,
						 query_release };

/* Serf's default: gossip interval x 16 x ceil(log10(n + 1)). */
static uint64_t query_default_timeout(void)
{
	const struct swim_member *m[1];
	size_t n = swim_members(serf_swim(mship_serf()), m, 0);
	const char *p = mship_settings.profile;
	uint64_t gi = p && !strcmp(p, "wan") ? swim_wan.gossip_interval
		      : p && !strcmp(p, "local") ? swim_local.gossip_interval
						 : swim_lan.gossip_interval;
	uint64_t k = 1;

	for (size_t x = 10; x < n + 1; x *= 10)
		k++;
	return gi * 16 * k;
}

static int query_stream(struct ctl_req *r, uint32_t id, bool keys,
			uint64_t timeout_ms)
{
	struct mquery *q = xcalloc(1, sizeof(*q));

	q->id = id;
	q->keys = keys;
	q->req = r;
	ev_timer_init(&q->to, query_on_timeout, (double)timeout_ms / 1000.0,
		      0);
	q->to.data = q;
	ev_timer_start(daemon_ctx.loop, &q->to);
	q->next = queries;
	queries = q;
	ctl_req_stream(r, &query_ops, q);
	mship_kick();
	return CMD_PENDING;
}

static int do_query(struct ctl_req *r, void *args, struct err *e)
{
	struct nodequery_args *a = args;
	char **argv = ctl_req_argv(r);
	const char *payload = ctl_req_argc(r) > 1 ? argv[1] : "";
	_cleanup_free_ char *tag = NULL;
	const char *expr = NULL;
	uint64_t timeout;
	uint32_t id;

	if (!mship_serf())
		return gossip_off(e);
	if (a->tag) {
		tag = xstrdup(a->tag);
		if (!(expr = strchr(tag, '=')))
			return err_setc(e, ERR_INVALID, "--tag %s: want "
					"KEY=REGEXP", a->tag);
		*strchr(tag, '=') = 0;
		expr++;
	}
	timeout = a->timeout > 0 ? (uint64_t)a->timeout
				 : query_default_timeout();
	if (serf_query(mship_serf(), argv[0], (const uint8_t *)payload,
		       strlen(payload), a->node.v, (size_t)a->node.n, tag, expr,
		       timeout, !a->no_ack, mship_now(), &id, e) < 0)
		return -1;
	return query_stream(r, id, false, timeout);
}

static int do_keys(struct ctl_req *r, void *args, struct err *e)
{
	struct nodekeys_args *a = args;
	const char *op = a->install ? "install-key"
			 : a->use   ? "use-key"
			 : a->remove ? "remove-key"
				     : "list-keys";
	const char *key = a->install ? a->install
			  : a->use   ? a->use
				     : a->remove;
	uint32_t id;

	if (!mship_serf())
		return gossip_off(e);
	if (!!a->install + !!a->use + !!a->remove + a->list > 1)
		return err_setc(e, ERR_INVALID, "one of --install, --use, "
				"--remove, --list");
	if (serf_key_query(mship_serf(), op, key, mship_now(), &id, e) < 0)
		return -1;
	return query_stream(r, id, true, query_default_timeout());
}

/* A key response's payload ([8]{Keys, Message, PrimaryKey, Result}). */
static void key_row(struct jw *w, struct msgpk_bytes p)
{
	union {
		struct serfwire_key_response kr;
		max_align_t any[64]; /* room for any Serf message */
	} u;
	enum serfwire_type t;
	struct err e = ERR_INIT;

	if (!p.n || serfwire_decode(p.p, p.n, &t, &u, &e) < 0 ||
	    t != SERFWIRE_KEY_RESPONSE) {
		if (p.n && !e.msg[0])
			serfwire_free(t, &u);
		jw_str(w, "error", e.msg[0] ? e.msg : "not a key response");
		return;
	}
	jw_bool(w, "result", u.kr.result);
	if (u.kr.message.n)
		jw_strn(w, "message", (const char *)u.kr.message.p,
			u.kr.message.n);
	if (u.kr.primary_key.n)
		jw_strn(w, "primary", (const char *)u.kr.primary_key.p,
			u.kr.primary_key.n);
	jw_arr(w, "keys");
	for (uint32_t i = 0; i < u.kr.keys.n; i++) {
		char k[64];

		snprintf(k, sizeof(k), "%.*s", (int)u.kr.keys.v[i].n,
			 (const char *)u.kr.keys.v[i].p);
		jw_vstr(w, k);
	}
	jw_end_arr(w);
	serfwire_free(t, &u);
}

static void query_answer(const struct serf_event *ev)
{
	struct mquery *q;
	struct jw w;

	for (q = queries; q && q->id != ev->query_id; q = q->next)
		;
	if (!q || q->done)
		return;
	jw_open(&w, &q->rows);
	jw_strn(&w, "from", (const char *)ev->from.p, ev->from.n);
	jw_str(&w, "type", ev->kind == SERF_QUERY_ACK ? "ack" : "response");
	if (ev->kind == SERF_QUERY_RESPONSE && q->keys)
		key_row(&w, ev->payload);
	else if (ev->kind == SERF_QUERY_RESPONSE)
		jw_strn(&w, "payload", (const char *)ev->payload.p,
			ev->payload.n);
	jw_close(&w);
	ctl_req_wake(q->req);
}

/* ---- the member's news ---- */

void mship_on_event(const struct serf_event *ev)
{
	static const char *const member_actions[] = {
		[SERF_MEMBER_JOIN] = "member-join",
		[SERF_MEMBER_LEAVE] = "member-leave",
		[SERF_MEMBER_FAILED] = "member-failed",
		[SERF_MEMBER_UPDATE] = "member-update",
		[SERF_MEMBER_REAP] = "member-reap",
	};
	char addr[32], name[256], payload[1024], lt[24];
	struct buf tags = { 0 };

	switch (ev->kind) {
	case SERF_MEMBER_JOIN ... SERF_MEMBER_REAP:
		mship_format_addr(&ev->member->addr, addr);
		member_tags(ev->member, &tags, NULL);
		buf_append(&tags, "", 1);
		bus_publish("node", member_actions[ev->kind], ev->member->name,
			    (const char *const[]){ "addr", addr, "status",
						   status_names[ev->status],
						   "tags", buf_head(&tags),
						   NULL });
		buf_free(&tags);
		return;
	case SERF_USER:
	case SERF_QUERY:
		snprintf(name, sizeof(name), "%.*s", (int)ev->name.n,
			 ev->name.p ? (const char *)ev->name.p : "");
		snprintf(payload, sizeof(payload), "%.*s", (int)ev->payload.n,
			 ev->payload.p ? (const char *)ev->payload.p : "");
		snprintf(lt, sizeof(lt), "%llu", (unsigned long long)ev->ltime);
		bus_publish("node", ev->kind == SERF_USER ? "user" : "query",
			    name,
			    (const char *const[]){ "payload", payload, "ltime",
						   lt, NULL });
		return;
	case SERF_QUERY_ACK:
	case SERF_QUERY_RESPONSE:
		query_answer(ev);
		return;
	}
}

/* ---- the module ---- */

static const struct command cmd_event = { "node event", do_event };
static const struct command cmd_inspect = { "node inspect", do_inspect };
static const struct command cmd_join = { "node join", do_join };
static const struct command cmd_keys = { "node keys", do_keys };
static const struct command cmd_leave = { "node leave", do_leave };
static const struct command cmd_ls = { "node ls", do_ls };
static const struct command cmd_query = { "node query", do_query };
static const struct command cmd_tags = { "node tags", do_tags };

static const struct command *const mship_commands[] = {
	&cmd_event, &cmd_inspect, &cmd_join,  &cmd_keys,
	&cmd_leave, &cmd_ls,	  &cmd_query, &cmd_tags,
	NULL,
};

static int mship_init(struct err *e)
{
	return mship_persist_load(e);
}

static int mship_start(struct err *e)
{
	if (!mship_settings.bind)
		return 0;
	if (mship_gossip_start(e) < 0)
		return -1;
	if (mship_settings.join.n)
		mship_join((const char *const *)mship_settings.join.v,
			   mship_settings.join.n, NULL);
	return 0;
}

static void mship_stop(void (*done)(void))
{
	while (queries) {
		queries->done = true;
		ctl_req_wake(queries->req);
		queries = queries->next;
	}
	mship_gossip_free();
	mship_persist_free();
	done();
}

static void mship_info(struct jw *w)
{
	const struct swim_member *m[1];
	struct serf *s = mship_serf();

	jw_bool(w, "gossip", s != NULL);
	if (!s)
		return;
	jw_int(w, "members", (long long)swim_members(serf_swim(s), m, 0));
	jw_int(w, "health", swim_health(serf_swim(s)));
}

const struct module module_membership = {
	.name = "membership",
	.init = mship_init,
	.start = mship_start,
	.stop = mship_stop,
	.commands = mship_commands,
	.info = mship_info,
	.config = &mship_config,
};
