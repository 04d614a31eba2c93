/* config.c - /etc/skiff/skiffd.json through the key tables (config.h).
 *
 * Docker-style daemon.json keys. This file knows core's own keys (root,
 * run-dir, sock, log-level, socket-group, socket-mode, roles) and no module's: a module's keys
 * come in its struct module's .config table. Unknown keys and wrong types
 * are refused with the file, the line of the key and the reason. Owns the
 * strings and lists in every table's settings. */
#include <ctype.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "base/cleanup.h"
#include "config.h"
#include "daemon.h"
#include "module.h"
#include "base/xalloc.h"

/* ---- core's own keys ---- */

static int level_parse(void *field, const char *text)
{
	if (!text)
		return *(enum log_level *)field = LOG_INFO, 0;
	return log_level_parse(text, field) < 0 ? -1 : 0;
}

/* A gid (a JSON number) or a group name that exists; default none. */
static int group_parse(void *field, const char *text)
{
	struct group *g;
	char *end;
	long n;

	if (!text)
		return *(int *)field = -1, 0;
	n = isdigit((unsigned char)*text) ? strtol(text, &end, 10) : -1;
	if (n >= 0 && !*end && n <= 0x7fffffff)
		return *(int *)field = (int)n, 0;
	if (!(g = getgrnam(text)))
		return -1;
	*(int *)field = (int)g->gr_gid;
	return 0;
}

/* An octal mode ("0660") that lets the owner read and write; default
 * -1 (0600, or 0660 with a socket-group). */
static int mode_parse(void *field, const char *text)
{
	char *end;
	long n;

	if (!text)
		return *(int *)field = -1, 0;
	n = strtol(text, &end, 8);
	if (!*text || *end || n < 0 || n > 0777 || (n & 0600) != 0600)
		return -1;
	*(int *)field = (int)n;
	return 0;
}

#define CORE_STR(key, member, dflt)                                            \
	{ .f = { .name = key, .type = FLAG_STR,                                \
		 .offset = offsetof(struct config, member),                    \
		 .help = "expected a path" },                                  \
	  .def = dflt }

static const struct config_key core_keys[] = {
	CORE_STR("root", root, "/var/lib/skiff"),
	CORE_STR("run-dir", run_dir, "/run/skiff"),
	CORE_STR("sock", sock, "/run/skiff/skiff.sock"),
	{ .f = { .name = "log-level", .type = FLAG_STR,
		 .offset = offsetof(struct config, log_level),
		 .help = "expected error, warn, info or debug" },
	  .parse = level_parse, .size = sizeof(enum log_level),
	  .flags = CONFIG_RELOAD },
	{ .f = { .name = "socket-group", .type = FLAG_INT,
		 .offset = offsetof(struct config, sock_gid),
		 .help = "expected a group name or gid that exists" },
	  .parse = group_parse, .size = sizeof(int) },
	{ .f = { .name = "socket-mode", .type = FLAG_STR,
		 .offset = offsetof(struct config, sock_mode),
		 .help = "expected an octal mode with owner read and write, "
			 "as \"0660\"" },
	  .parse = mode_parse, .size = sizeof(int) },
	{ .f = { .name = "roles", .type = FLAG_STR,
		 .offset = offsetof(struct config, roles),
		 .help = "expected {\"default\": ROLE, \"users\": {USER: "
			 "ROLE}, \"groups\": {GROUP: ROLE}, \"certs\": {CN: "
			 "ROLE}}: ROLE none, read-only, operator or admin; "
			 "users and groups that exist (names or ids), at most "
			 "32 of each" },
	  .parse_tree = roles_parse, .size = sizeof(struct roles),
	  .flags = CONFIG_RELOAD },
	{ .f = { .name = "hosts", .type = FLAG_LIST,
		 .offset = offsetof(struct config, hosts),
		 .help = "expected a list of unix://PATH and tcp://ADDR:PORT" } },
	{ .f = { .name = "tlsverify", .type = FLAG_BOOL,
		 .offset = offsetof(struct config, tlsverify),
		 .help = "expected true or false" },
	  .def = "false" },
	{ .f = { .name = "tcp-insecure", .type = FLAG_BOOL,
		 .offset = offsetof(struct config, tcp_insecure),
		 .help = "expected true or false" },
	  .def = "false" },
	CORE_STR("tlscacert", tlscacert, "/etc/skiff/tls/ca.pem"),
	CORE_STR("tlscert", tlscert, "/etc/skiff/tls/cert.pem"),
	CORE_STR("tlskey", tlskey, "/etc/skiff/tls/key.pem"),
	{ .f = { .name = "tls-handshake-timeout", .type = FLAG_DURATION,
		 .offset = offsetof(struct config, tls_handshake_ms),
		 .help = "expected a duration, as \"10s\"" },
	  .def = "10s" },
	{ .f = { .name = NULL } },
};

static const struct config_table core_table = { core_keys, &daemon_ctx.cfg,
						sizeof(daemon_ctx.cfg) };

/* Core's table, then each module's that has one; NULL after the last. */
static const struct config_table *table_at(size_t i)
{
	if (i == 0)
		return &core_table;
	for (size_t m = 0; m < modules_count; m++)
		if (modules[m]->config && --i == 0)
			return modules[m]->config;
	return NULL;
}

#define FOREACH_TABLE(t, i)                                                    \
	for (size_t i = 0; ((t) = table_at(i)); i++)

/* ---- one field: defaults, parsing, freeing ---- */

static size_t field_size(const struct config_key *k)
{
	if (k->parse || k->parse_tree)
		return k->size;
	switch (k->f.type) {
	case FLAG_BOOL: return sizeof(bool);
	case FLAG_STR: return sizeof(char *);
	case FLAG_INT: return sizeof(long long);
	case FLAG_SIZE:
	case FLAG_DURATION: return sizeof(int64_t);
	case FLAG_LIST: return sizeof(struct strlist);
	}
	abort();
}

static void strlist_clear(struct strlist *l)
{
	for (int i = 0; i < l->n; i++)
		free((char *)l->v[i]);
	free(l->v);
	*l = (struct strlist){ 0 };
}

static void field_free(const struct config_key *k, void *field)
{
	if (k->parse || k->parse_tree)
		return;
	if (k->f.type == FLAG_STR) {
		free(*(char **)field);
		*(char **)field = NULL;
	} else if (k->f.type == FLAG_LIST) {
		strlist_clear(field);
	}
}

/* Text into a field by type (not lists); -1 refuses it. */
static int field_parse(const struct config_key *k, void *field,
		       const char *text)
{
	char *end;
	long long n;

	if (k->parse)
		return k->parse(field, text);
	switch (k->f.type) {
	case FLAG_STR:
		if (!*text)
			return -1;
		free(*(char **)field);
		*(char **)field = xstrdup(text);
		return 0;
	case FLAG_INT:
		n = strtoll(text, &end, 10);
		if (!*text || *end)
			return -1;
		*(long long *)field = n;
		return 0;
	case FLAG_SIZE: return cmd_parse_size(text, field);
	case FLAG_DURATION: return cmd_parse_duration(text, field);
	case FLAG_BOOL: /* a default only: the file's are JSON booleans */
		if (strcmp(text, "true") && strcmp(text, "false"))
			return -1;
		*(bool *)field = !strcmp(text, "true");
		return 0;
	default: return -1;
	}
}

static void keys_free(const struct config_key *keys, void *settings)
{
	for (const struct config_key *k = keys; k->f.name; k++) {
		if (k->sub)
			keys_free(k->sub, settings);
		else
			field_free(k, (char *)settings + k->f.offset);
	}
}

static void keys_defaults(const struct config_key *keys, void *settings)
{
	for (const struct config_key *k = keys; k->f.name; k++) {
		void *field = (char *)settings + k->f.offset;
		if (k->sub) {
			keys_defaults(k->sub, settings);
			continue;
		}
		field_free(k, field);
		if (!k->parse)
			memset(field, 0, field_size(k));
		if (k->parse_tree) {
			if (k->parse_tree(field, NULL) < 0)
				abort();
			continue;
		}
		if ((k->def || k->parse) && field_parse(k, field, k->def) < 0)
			abort(); /* a table's own default is wrong */
	}
}

/* ---- the file ---- */

static unsigned line_at(const char *text, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

/* Line of the first occurrence of "key" (for semantic errors). */
static unsigned line_of_key(const char *text, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(text, pat);
	return p ? line_at(text, (size_t)(p - text)) : 1;
}

/* Syntax check with yajl's push parser, which knows the error offset. */
static int check_syntax(const char *path, const char *text, size_t len,
			struct err *e)
{
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	yajl_status s;
	size_t off;
	unsigned char *msg;

	if (!h)
		abort();
	s = yajl_parse(h, (const unsigned char *)text, len);
	off = yajl_get_bytes_consumed(h);
	if (s == yajl_status_ok) {
		s = yajl_complete_parse(h);
		/* It fails at the end of the text (it consumes nothing, so
		 * its count is 0): name the line of the last token. */
		off = len;
		while (off && isspace((unsigned char)text[off - 1]))
			off--;
	}
	if (s == yajl_status_ok) {
		yajl_free(h);
		return 0;
	}
	msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
	err_setc(e, ERR_INVALID, "%s:%u: %s", path, line_at(text, off),
		 (const char *)msg);
	yajl_free_error(h, msg);
	yajl_free(h);
	return -1;
}

static int bad(struct err *e, const char *path, const char *text,
	       const char *key, const char *why)
{
	return err_setc(e, ERR_INVALID, "%s:%u: \"%s\": %s", path,
			line_of_key(text, key), key, why);
}

/* A JSON array of non-empty strings into a list, v NULL-terminated. */
static int list_parse(struct strlist *l, yajl_val v)
{
	struct strlist out = { 0 };
	size_t n;

	if (!YAJL_IS_ARRAY(v))
		return -1;
	n = v->u.array.len;
	out.v = xcalloc(n + 1, sizeof(*out.v));
	for (size_t i = 0; i < n; i++) {
		yajl_val x = v->u.array.values[i];
		if (!YAJL_IS_STRING(x) || !*x->u.string) {
			strlist_clear(&out);
			return -1;
		}
		out.v[out.n++] = xstrdup(x->u.string);
	}
	strlist_clear(l);
	*l = out;
	return 0;
}

/* One value into its field: JSON strings for typed keys, numbers too
 * for keys with their own parser, booleans, arrays for lists. */
static int value_parse(const struct config_key *k, void *field, yajl_val v)
{
	if (k->parse_tree)
		return k->parse_tree(field, v);
	if (k->f.type == FLAG_LIST && !k->parse)
		return list_parse(field, v);
	if (k->f.type == FLAG_BOOL && !k->parse) {
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return -1;
		*(bool *)field = YAJL_IS_TRUE(v);
		return 0;
	}
	if (YAJL_IS_STRING(v))
		return field_parse(k, field, v->u.string);
	if (k->parse && YAJL_IS_INTEGER(v))
		return field_parse(k, field, v->u.number.r);
	return -1;
}

struct file {
	const char *path, *text;
};

static const struct config_key *key_find(const struct config_key *keys,
					 const char *name)
{
	for (const struct config_key *k = keys; k->f.name; k++)
		if (!strcmp(k->f.name, name))
			return k;
	return NULL;
}

/* An object of sub-keys: an unknown one, or the object's not being one,
 * is refused with the parent's reason. */
static int object_apply(const struct config_key *parent, void *settings,
			yajl_val v, const struct file *f, struct err *e)
{
	if (!YAJL_IS_OBJECT(v))
		return bad(e, f->path, f->text, parent->f.name, parent->f.help);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *name = v->u.object.keys[i];
		const struct config_key *k = key_find(parent->sub, name);
		void *field;
		if (!k)
			return bad(e, f->path, f->text, name, parent->f.help);
		field = (char *)settings + k->f.offset;
		if (value_parse(k, field, v->u.object.values[i]) < 0 ||
		    (k->check && k->check(field) < 0))
			return bad(e, f->path, f->text, name, k->f.help);
	}
	return 0;
}

/* The file's top-level keys into settings[i], table i's copy. */
static int apply(yajl_val root, void **settings, const struct file *f,
		 struct err *e)
{
	const struct config_table *t;

	if (!YAJL_IS_OBJECT(root))
		return err_setc(e, ERR_INVALID, "%s:1: expected a JSON object",
				f->path);
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *name = root->u.object.keys[i];
		yajl_val v = root->u.object.values[i];
		const struct config_key *k = NULL;
		void *s = NULL, *field;
		FOREACH_TABLE(t, n)
			if (!k && (k = key_find(t->keys, name)))
				s = settings[n];
		if (!k)
			return bad(e, f->path, f->text, name, "unknown option");
		if (k->sub) {
			if (object_apply(k, s, v, f, e) < 0)
				return -1;
			continue;
		}
		field = (char *)s + k->f.offset;
		if (value_parse(k, field, v) < 0 ||
		    (k->check && k->check(field) < 0))
			return bad(e, f->path, f->text, name, k->f.help);
	}
	return 0;
}

/* Read path (NULL: none) into settings[], each holding its table's
 * defaults already: 1 read, 0 none (absent and optional), -1 refused. */
static int read_file(const char *path, bool optional, void **settings,
		     struct err *e)
{
	_cleanup_fclose_ FILE *fp = NULL;
	_cleanup_free_ char *text = NULL;
	struct file f = { path, NULL };
	size_t len = 0;
	char errbuf[256];
	yajl_val root;
	int rc;

	if (!path)
		return 0;
	if (!(fp = fopen(path, "re")))
		return optional && errno == ENOENT
			       ? 0
			       : err_set(e, errno, "config %s", path);
	text = xmalloc(1024 * 1024 + 1);
	len = fread(text, 1, 1024 * 1024, fp);
	if (ferror(fp) || !feof(fp))
		return err_setc(e, ERR_INVALID, "%s: unreadable or over 1 MiB",
				path);
	text[len] = '\0';
	f.text = text;
	if (check_syntax(path, text, len, e) < 0)
		return -1;
	root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (!root)
		return err_setc(e, ERR_INVALID, "%s: %s", path, errbuf);
	rc = apply(root, settings, &f, e);
	yajl_tree_free(root);
	return rc < 0 ? -1 : 1;
}

/* Two tables must never claim one key (like two modules one verb). */
static void keys_unique(void)
{
	const struct config_table *t, *u;

	FOREACH_TABLE(t, i)
		for (const struct config_key *k = t->keys; k->f.name; k++)
			FOREACH_TABLE(u, j)
				if (j > i && key_find(u->keys, k->f.name))
					abort();
}

#define TABLES_MAX 64

int config_load(const char *path, bool optional, struct err *e)
{
	const struct config_table *t;
	void *live[TABLES_MAX];
	int rc;

	keys_unique();
	FOREACH_TABLE(t, i) {
		if (i == TABLES_MAX)
			abort();
		keys_defaults(t->keys, t->settings);
		live[i] = t->settings;
	}
	if ((rc = read_file(path, optional, live, e)) < 0)
		return -1;
	free(daemon_ctx.cfg.path);
	daemon_ctx.cfg.path = NULL;
	if (rc)
		daemon_ctx.cfg.path = xstrdup(path);
	return 0;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t n)
{
	while (n--) {
		unsigned char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Swap the reloadable fields of keys between live and fresh. */
static void keys_take(const struct config_key *keys, void *live, void *fresh)
{
	for (const struct config_key *k = keys; k->f.name; k++) {
		if (k->sub) {
			keys_take(k->sub, live, fresh);
			continue;
		}
		if (!(k->flags & CONFIG_RELOAD))
			continue;
		swap_bytes((unsigned char *)live + k->f.offset,
			   (unsigned char *)fresh + k->f.offset, field_size(k));
	}
}

int config_reload(struct err *e)
{
	const struct config_table *t;
	void *fresh[TABLES_MAX] = { 0 };
	int rc;

	FOREACH_TABLE(t, i) {
		fresh[i] = xcalloc(1, t->size);
		keys_defaults(t->keys, fresh[i]);
	}
	rc = read_file(daemon_ctx.cfg.path, false, fresh, e);
	FOREACH_TABLE(t, i) {
		if (rc >= 0)
			keys_take(t->keys, t->settings, fresh[i]);
		keys_free(t->keys, fresh[i]);
		free(fresh[i]);
	}
	return rc < 0 ? -1 : 0;
}

void config_free(void)
{
	const struct config_table *t;

	FOREACH_TABLE(t, i)
		keys_free(t->keys, t->settings);
	free(daemon_ctx.cfg.path);
	daemon_ctx.cfg.path = NULL;
}
