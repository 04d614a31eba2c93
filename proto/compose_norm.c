/* compose_norm.c - one compose file's tree, after the schema has passed
 * it, turned to the long syntax everywhere (in place), so that files
 * merge key by key and skiffd reads one shape:
 *
 *   environment, labels, sysctls  a mapping of strings (null: no value)
 *   command, entrypoint           a list (a string split as sh splits)
 *   healthcheck.test              a list (a string: ["CMD-SHELL", s])
 *   ports                         {mode, host_ip, target, published,
 *                                 protocol}, one per port of a range
 *   expose, dns, dns_search,      lists of strings
 *   tmpfs, env_file
 *   volumes                       {type, source, target, read_only, ...}
 *   depends_on                    {SVC: {condition, required}}
 *   networks                      {NET: null | {aliases, ...}}
 *   secrets, configs              [{source, target?, ...}]
 *   build                         {context, ...}
 *
 * Relative host paths (bind sources, env_file, build contexts, secret
 * and config files) become absolute against the project directory.
 * Errors name the node: "a.yml:7:9: services.web.ports[1]: ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "compose.h"
#include "portspec.h"

static int bad(const struct cnode *n, const char *path, const char *why,
	       const char *arg, struct err *e)
{
	char where[300];

	return err_setc(e, ERR_INVALID, "%s: %s: %s%.200s",
			cnode_where(n, where, sizeof(where)), path, why,
			arg ? arg : "");
}

/* A scalar as a string node in place (numbers and booleans as text). */
static void to_str(struct cnode *n)
{
	if (n->t == CN_NULL || n->t == CN_MAP || n->t == CN_SEQ)
		return;
	n->t = CN_STR;
	n->plain = false;
}

static char *abs_path(const char *dir, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	if (p[0] == '.' && p[1] == '/')
		p += 2;
	else if (!strcmp(p, "."))
		return xstrdup(dir);
	return xasprintf("%s/%s", dir, p);
}

static void make_abs(struct cnode *n, const char *dir)
{
	if (n && n->t == CN_STR)
		cnode_set_text(n, abs_path(dir, n->s));
}

/* list ["K=V", "K"] or mapping to a mapping of strings (or null). */
static int to_dict(struct cnode *svc, const char *key, const char *path,
		   struct err *e)
{
	ssize_t at = cnode_find(svc, key);
	struct cnode *n, *map;

	if (at < 0)
		return 0;
	n = svc->v[at];
	if (n->t == CN_MAP) {
		for (size_t i = 0; i < n->n; i++)
			to_str(n->v[i]);
		return 0;
	}
	map = cnode_new(CN_MAP, n);
	for (size_t i = 0; i < n->n; i++) {
		const char *s = cnode_text(n->v[i]);
		const char *eq = s ? strchr(s, '=') : NULL;
		struct cnode *val;
		if (!s || !*s) {
			cnode_free(map);
			return bad(n->v[i], path, "an empty entry", NULL, e);
		}
		_cleanup_free_ char *k = eq ? xstrndup(s, eq - s) : xstrdup(s);
		val = eq ? cnode_new_str(eq + 1, n->v[i]) :
			   cnode_new(CN_NULL, n->v[i]);
		cnode_set(map, k, val);
	}
	cnode_free(n);
	svc->v[at] = map;
	return 0;
}

/* A string value to a one-item list. */
static void to_list(struct cnode *svc, const char *key)
{
	ssize_t at = cnode_find(svc, key);
	struct cnode *seq;

	if (at < 0 || svc->v[at]->t == CN_SEQ || svc->v[at]->t == CN_NULL)
		return;
	seq = cnode_new(CN_SEQ, svc->v[at]);
	cnode_push(seq, svc->v[at]);
	svc->v[at] = seq;
}

static void split_word(struct cnode *seq, struct buf *w,
		       const struct cnode *where)
{
	char *word = buf_take_str(w);

	cnode_push(seq, cnode_new_str(word, where));
	free(word);
}

int compose_norm_split(const char *s, struct cnode *seq,
		       const struct cnode *where, struct err *e)
{
	struct buf w = { 0 };
	bool inword = false;
	char q = 0;

	for (const char *p = s; *p; p++) {
		if (q == '\'') {
			if (*p == '\'')
				q = 0;
			else
				buf_append(&w, p, 1);
		} else if (q == '"') {
			if (*p == '"')
				q = 0;
			else if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
				buf_append(&w, ++p, 1);
			else
				buf_append(&w, p, 1);
		} else if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (inword)
				split_word(seq, &w, where);
			inword = false;
			continue;
		} else if (*p == '\'' || *p == '"') {
			q = *p;
		} else if (*p == '\\' && p[1]) {
			buf_append(&w, ++p, 1);
		} else {
			buf_append(&w, p, 1);
		}
		inword = true;
	}
	if (q) {
		buf_free(&w);
		return err_setc(e, ERR_INVALID,
				"an unterminated quote in \"%.200s\"", s);
	}
	if (inword)
		split_word(seq, &w, where);
	buf_free(&w);
	return 0;
}

/* command, entrypoint: a string split into words. */
static int to_argv(struct cnode *parent, const char *key, const char *path,
		   struct err *e)
{
	ssize_t at = cnode_find(parent, key);
	struct cnode *seq;

	if (at < 0 || parent->v[at]->t != CN_STR)
		return 0;
	seq = cnode_new(CN_SEQ, parent->v[at]);
	if (compose_norm_split(parent->v[at]->s, seq, parent->v[at], e) < 0) {
		cnode_free(seq);
		return err_wrap(e, "%s", path);
	}
	cnode_free(parent->v[at]);
	parent->v[at] = seq;
	return 0;
}

static void put_str(struct cnode *map, const char *key, const char *val,
		    const struct cnode *where)
{
	cnode_set(map, key, cnode_new_str(val, where));
}

/* One short port ("8080:80/udp", 3000) to long forms appended to out. */
static int port_short(const struct cnode *n, struct cnode *out,
		      const char *path, struct err *e)
{
	struct portspec ps;
	char buf[32];
	const char *word = n->s;

	if (portspec_parse(word, &ps, e) < 0) {
		char why[512];
		snprintf(why, sizeof(why), "%s", e->msg);
		return bad(n, path, why, NULL, e);
	}
	for (unsigned i = 0; i < portspec_count(&ps); i++) {
		struct cnode *p = cnode_new(CN_MAP, n);
		uint16_t host = portspec_host_port(&ps, i);
		put_str(p, "mode", "ingress", n);
		if (ps.ip[0])
			put_str(p, "host_ip", ps.ip, n);
		cnode_set(p, "target", cnode_new_int(ps.ctr_lo + i, n));
		if (host) {
			snprintf(buf, sizeof(buf), "%u", host);
			put_str(p, "published", buf, n);
		} else if (ps.host_lo) {
			snprintf(buf, sizeof(buf), "%u-%u", ps.host_lo,
				 ps.host_hi);
			put_str(p, "published", buf, n);
		}
		put_str(p, "protocol", portspec_proto_name(ps.proto), n);
		cnode_push(out, p);
	}
	return 0;
}

static int port_long(struct cnode *p, const char *path, struct err *e)
{
	struct cnode *pub = cnode_get(p, "published");

	if (!cnode_get(p, "target"))
		return bad(p, path, "a port needs a target", NULL, e);
	if (pub)
		to_str(pub);
	if (!cnode_get(p, "mode"))
		put_str(p, "mode", "ingress", p);
	if (!cnode_get(p, "protocol"))
		put_str(p, "protocol", "tcp", p);
	return 0;
}

static int norm_ports(struct cnode *svc, const char *name, struct err *e)
{
	ssize_t at = cnode_find(svc, "ports");
	struct cnode *old, *seq;
	char path[200];

	if (at < 0)
		return 0;
	old = svc->v[at];
	seq = cnode_new(CN_SEQ, old);
	for (size_t i = 0; i < old->n; i++) {
		struct cnode *n = old->v[i];
		snprintf(path, sizeof(path), "services.%s.ports[%zu]", name, i);
		to_str(n);
		if (n->t == CN_STR) {
			if (port_short(n, seq, path, e) < 0)
				goto fail;
			continue;
		}
		if (port_long(n, path, e) < 0)
			goto fail;
		cnode_push(seq, old->v[i]);
		old->v[i] = cnode_new(CN_NULL, NULL);
	}
	cnode_free(old);
	svc->v[at] = seq;
	return 0;
fail:
	cnode_free(seq);
	return -1;
}

static bool host_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

static struct cnode *nocopy_map(const struct cnode *where)
{
	struct cnode *m = cnode_new(CN_MAP, where);

	cnode_set(m, "nocopy", cnode_new_bool(true, where));
	return m;
}

/* "SRC:DST[:MODE]" or "DST" to the long form. */
static int volume_short(struct cnode *n, const char *dir, const char *path,
			struct cnode **out, struct err *e)
{
	_cleanup_free_ char *s = xstrdup(n->s);
	char *parts[3] = { s, NULL, NULL };
	int np = 1;
	struct cnode *v;
	char *save = NULL;

	for (char *p = s; *p && np < 3; p++)
		if (*p == ':')
			*p = '\0', parts[np++] = p + 1;
	if (np == 3 && strchr(parts[2], ':'))
		return bad(n, path, "too many ':' in ", n->s, e);
	v = cnode_new(CN_MAP, n);
	if (np == 1) {
		put_str(v, "type", "volume", n);
		put_str(v, "target", parts[0], n);
		cnode_set(v, "volume", cnode_new(CN_MAP, n));
		*out = v;
		return 0;
	}
	if (!parts[0][0] || !parts[1][0]) {
		cnode_free(v);
		return bad(n, path, "an empty part in ", n->s, e);
	}
	bool bind = host_path(parts[0]);
	put_str(v, "type", bind ? "bind" : "volume", n);
	cnode_set(v, "source", cnode_new_str(parts[0], n));
	if (bind)
		make_abs(cnode_get(v, "source"), dir);
	put_str(v, "target", parts[1], n);
	for (char *o = parts[2] ? strtok_r(parts[2], ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro"))
			cnode_set(v, "read_only", cnode_new_bool(true, n));
		else if (!strcmp(o, "nocopy") && !bind)
			cnode_set(v, "volume", nocopy_map(n));
		else if (strcmp(o, "rw") && strcmp(o, "z") && strcmp(o, "Z")) {
			cnode_free(v);
			return bad(n, path, "an unknown volume mode ", o, e);
		}
	}
	if (bind && !cnode_get(v, "bind")) {
		struct cnode *b = cnode_new(CN_MAP, n);
		cnode_set(b, "create_host_path", cnode_new_bool(true, n));
		cnode_set(v, "bind", b);
	} else if (!bind && !cnode_get(v, "volume"))
		cnode_set(v, "volume", cnode_new(CN_MAP, n));
	*out = v;
	return 0;
}

static int norm_volumes(struct cnode *svc, const char *name, const char *dir,
			struct err *e)
{
	struct cnode *vols = cnode_get(svc, "volumes");
	char path[200];

	for (size_t i = 0; vols && i < vols->n; i++) {
		struct cnode *n = vols->v[i], *l = NULL;
		snprintf(path, sizeof(path), "services.%s.volumes[%zu]", name,
			 i);
		if (n->t == CN_STR) {
			if (volume_short(n, dir, path, &l, e) < 0)
				return -1;
			cnode_free(n);
			vols->v[i] = l;
			continue;
		}
		const char *type = cnode_text(cnode_get(n, "type"));
		if (type && !strcmp(type, "bind"))
			make_abs(cnode_get(n, "source"), dir);
		if (!cnode_get(n, "target"))
			return bad(n, path, "a volume needs a target", NULL, e);
	}
	return 0;
}

/* depends_on: a list to {SVC: {condition: service_started}}, and
 * `required: true` where not said. */
static void norm_depends(struct cnode *svc)
{
	ssize_t at = cnode_find(svc, "depends_on");
	struct cnode *d, *map;

	if (at < 0)
		return;
	d = svc->v[at];
	if (d->t == CN_SEQ) {
		map = cnode_new(CN_MAP, d);
		for (size_t i = 0; i < d->n; i++) {
			struct cnode *c = cnode_new(CN_MAP, d->v[i]);
			put_str(c, "condition", "service_started", d->v[i]);
			cnode_set(map, d->v[i]->s, c);
		}
		cnode_free(d);
		svc->v[at] = d = map;
	}
	for (size_t i = 0; i < d->n; i++)
		if (!cnode_get(d->v[i], "required"))
			cnode_set(d->v[i], "required",
				  cnode_new_bool(true, d->v[i]));
}

/* A list of names to {NAME: null}. */
static void names_to_map(struct cnode *parent, const char *key)
{
	ssize_t at = cnode_find(parent, key);
	struct cnode *l, *map;

	if (at < 0 || parent->v[at]->t != CN_SEQ)
		return;
	l = parent->v[at];
	map = cnode_new(CN_MAP, l);
	for (size_t i = 0; i < l->n; i++)
		cnode_set(map, cnode_text(l->v[i]),
			  cnode_new(CN_NULL, l->v[i]));
	cnode_free(l);
	parent->v[at] = map;
}

/* secrets, configs of a service: "name" to {source: name}. */
static void norm_refs(struct cnode *svc, const char *key)
{
	struct cnode *l = cnode_get(svc, key);

	for (size_t i = 0; l && i < l->n; i++) {
		struct cnode *n = l->v[i], *m;
		if (n->t != CN_STR)
			continue;
		m = cnode_new(CN_MAP, n);
		put_str(m, "source", n->s, n);
		cnode_free(n);
		l->v[i] = m;
	}
}

static void norm_build(struct cnode *svc, const char *dir)
{
	ssize_t at = cnode_find(svc, "build");
	struct cnode *b;

	if (at < 0)
		return;
	if (svc->v[at]->t == CN_STR) {
		b = cnode_new(CN_MAP, svc->v[at]);
		cnode_set(b, "context", svc->v[at]);
		svc->v[at] = b;
	}
	make_abs(cnode_get(svc->v[at], "context"), dir);
}

static int norm_health(struct cnode *svc, struct err *e)
{
	struct cnode *h = cnode_get(svc, "healthcheck");
	ssize_t at = cnode_find(h, "test");
	struct cnode *seq;

	if (at < 0 || h->v[at]->t != CN_STR)
		return 0;
	seq = cnode_new(CN_SEQ, h->v[at]);
	cnode_push(seq, cnode_new_str("CMD-SHELL", h->v[at]));
	cnode_push(seq, h->v[at]);
	h->v[at] = seq;
	return 0;
}

static void strs(struct cnode *svc, const char *key)
{
	struct cnode *l = cnode_get(svc, key);

	for (size_t i = 0; l && l->t == CN_SEQ && i < l->n; i++)
		to_str(l->v[i]);
}

/* extra_hosts as a mapping to "HOST:IP" strings. */
static void norm_hosts(struct cnode *svc)
{
	ssize_t at = cnode_find(svc, "extra_hosts");
	struct cnode *m, *seq;

	if (at < 0 || svc->v[at]->t != CN_MAP)
		return;
	m = svc->v[at];
	seq = cnode_new(CN_SEQ, m);
	for (size_t i = 0; i < m->n; i++) {
		char *s = xasprintf("%s:%s", m->k[i]->s,
				    cnode_text(m->v[i]) ?: "");
		cnode_push(seq, cnode_new_str(s, m->v[i]));
		free(s);
	}
	cnode_free(m);
	svc->v[at] = seq;
}

static int norm_service(struct cnode *svc, const char *name, const char *dir,
			struct err *e)
{
	char path[200];
	struct cnode *ef;

	if (svc->t != CN_MAP)
		return 0;
	snprintf(path, sizeof(path), "services.%s", name);
	if (to_dict(svc, "environment", path, e) < 0 ||
	    to_dict(svc, "labels", path, e) < 0 ||
	    to_dict(svc, "sysctls", path, e) < 0 ||
	    to_argv(svc, "command", path, e) < 0 ||
	    to_argv(svc, "entrypoint", path, e) < 0 ||
	    norm_ports(svc, name, e) < 0 || norm_volumes(svc, name, dir, e) < 0 ||
	    norm_health(svc, e) < 0)
		return -1;
	to_list(svc, "dns");
	to_list(svc, "dns_search");
	to_list(svc, "tmpfs");
	to_list(svc, "env_file");
	strs(svc, "expose");
	strs(svc, "dns");
	norm_hosts(svc);
	norm_depends(svc);
	names_to_map(svc, "networks");
	norm_refs(svc, "secrets");
	norm_refs(svc, "configs");
	norm_build(svc, dir);
	ef = cnode_get(svc, "env_file");
	for (size_t i = 0; ef && i < ef->n; i++)
		make_abs(ef->v[i], dir);
	return 0;
}

/* Top-level networks, volumes, secrets, configs: null to {}, labels to
 * a mapping, `external: {name: N}` to `external: true, name: N`, file
 * paths absolute. */
static int norm_top(struct cnode *root, const char *key, const char *dir,
		    struct err *e)
{
	struct cnode *m = cnode_get(root, key);

	for (size_t i = 0; m && m->t == CN_MAP && i < m->n; i++) {
		struct cnode *o = m->v[i], *ext;
		if (o->t == CN_NULL) {
			o->t = CN_MAP;
			o->plain = false;
			free(o->s);
			o->s = NULL;
		}
		if (to_dict(o, "labels", key, e) < 0)
			return -1;
		ext = cnode_get(o, "external");
		if (ext && ext->t == CN_MAP) {
			struct cnode *nm = cnode_get(ext, "name");
			if (nm)
				cnode_set(o, "name", cnode_copy(nm));
			cnode_set(o, "external", cnode_new_bool(true, ext));
		}
		make_abs(cnode_get(o, "file"), dir);
	}
	return 0;
}

int compose_norm_file(struct cnode *root, const char *dir, struct err *e)
{
	struct cnode *svcs = cnode_get(root, "services");

	cnode_del(root, "version");
	for (size_t i = 0; svcs && svcs->t == CN_MAP && i < svcs->n; i++) {
		if (svcs->v[i]->t == CN_NULL) {
			svcs->v[i]->t = CN_MAP;
			free(svcs->v[i]->s);
			svcs->v[i]->s = NULL;
		}
		if (norm_service(svcs->v[i], svcs->k[i]->s, dir, e) < 0)
			return -1;
	}
	if (norm_top(root, "networks", dir, e) < 0 ||
	    norm_top(root, "volumes", dir, e) < 0 ||
	    norm_top(root, "secrets", dir, e) < 0 ||
	    norm_top(root, "configs", dir, e) < 0)
		return -1;
	return 0;
}
