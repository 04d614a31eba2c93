/* config.c - /etc/skiff/skiffd.json (see daemon.h).
 *
 * Docker-style daemon.json keys. Unknown keys and wrong types are refused
 * with the file, the line of the key and the reason, so a typo never
 * silently falls back to a default. Owns the strings in struct config. */
#include <ctype.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "base/cleanup.h"
#include "cmd.h"
#include "daemon.h"

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->root = strdup("/var/lib/skiff");
	c->run_dir = strdup("/run/skiff");
	c->sock = strdup("/run/skiff/skiff.sock");
	c->log_level = LOG_INFO;
	c->sock_gid = -1;
	c->log_max_size = 10 * 1024 * 1024;
	c->log_max_file = 3;
	c->image_gc_min_age_ms = 10 * 60 * 1000;
}

void config_free(struct config *c)
{
	free(c->root);
	free(c->run_dir);
	free(c->sock);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

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

static int set_str(char **dst, yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? v->u.string : NULL;

	if (!s || !*s)
		return -1;
	free(*dst);
	*dst = strdup(s);
	return 0;
}

static int set_group(struct config *c, yajl_val v)
{
	struct group *g;

	if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0) {
		c->sock_gid = (int)YAJL_GET_INTEGER(v);
		return 0;
	}
	if (!YAJL_IS_STRING(v) || !(g = getgrnam(YAJL_GET_STRING(v))))
		return -1;
	c->sock_gid = (int)g->gr_gid;
	return 0;
}

/* "log-opts": {"max-size": "10m", "max-file": "3"} as Docker has it. */
static int set_log_opts(struct config *c, yajl_val v, const char **badkey)
{
	if (!YAJL_IS_OBJECT(v))
		return *badkey = "log-opts", -1;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val x = v->u.object.values[i];
		const char *s = YAJL_IS_STRING(x) ? YAJL_GET_STRING(x) : NULL;
		char *end;
		long n;
		*badkey = k;
		if (!strcmp(k, "max-size")) {
			if (!s || cmd_parse_size(s, &c->log_max_size) < 0 ||
			    c->log_max_size < 4096)
				return -1;
		} else if (!strcmp(k, "max-file")) {
			n = s ? strtol(s, &end, 10) : -1;
			if (!s || *end || n < 1 || n > 100)
				return -1;
			c->log_max_file = (int)n;
		} else {
			return -1;
		}
	}
	return 0;
}

static int apply(struct config *c, yajl_val root, const char *path,
		 const char *text, struct err *e)
{
	if (!YAJL_IS_OBJECT(root))
		return err_setc(e, ERR_INVALID, "%s:1: expected a JSON object",
				path);
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i], *badkey = k;
		yajl_val v = root->u.object.values[i];
		if (!strcmp(k, "root")) {
			if (set_str(&c->root, v) < 0)
				return bad(e, path, text, k, "expected a path");
		} else if (!strcmp(k, "run-dir")) {
			if (set_str(&c->run_dir, v) < 0)
				return bad(e, path, text, k, "expected a path");
		} else if (!strcmp(k, "sock")) {
			if (set_str(&c->sock, v) < 0)
				return bad(e, path, text, k, "expected a path");
		} else if (!strcmp(k, "log-level")) {
			if (!YAJL_IS_STRING(v) ||
			    log_level_parse(YAJL_GET_STRING(v), &c->log_level))
				return bad(e, path, text, k,
					   "expected error, warn, info or "
					   "debug");
		} else if (!strcmp(k, "socket-group")) {
			if (set_group(c, v) < 0)
				return bad(e, path, text, k,
					   "expected a group name or gid "
					   "that exists");
		} else if (!strcmp(k, "image-gc-free")) {
			if (!YAJL_IS_STRING(v) ||
			    cmd_parse_size(YAJL_GET_STRING(v),
					   &c->image_gc_free) < 0)
				return bad(e, path, text, k,
					   "expected a size such as \"2g\" "
					   "(\"0\": off)");
		} else if (!strcmp(k, "image-gc-min-age")) {
			if (!YAJL_IS_STRING(v) ||
			    cmd_parse_duration(YAJL_GET_STRING(v),
					       &c->image_gc_min_age_ms) < 0)
				return bad(e, path, text, k,
					   "expected a duration such as "
					   "\"10m\"");
		} else if (!strcmp(k, "log-opts")) {
			if (set_log_opts(c, v, &badkey) < 0)
				return bad(e, path, text, badkey,
					   "expected max-size (>= 4k, as "
					   "\"10m\") or max-file (\"1\" to "
					   "\"100\")");
		} else {
			return bad(e, path, text, k, "unknown option");
		}
	}
	return 0;
}

int config_load(struct config *c, const char *path, bool optional,
		struct err *e)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	char errbuf[256];
	yajl_val root;
	int rc;

	if (!f)
		return optional && errno == ENOENT
			       ? 0
			       : err_set(e, errno, "config %s", path);
	text = malloc(1024 * 1024 + 1);
	if (!text)
		abort();
	len = fread(text, 1, 1024 * 1024, f);
	if (ferror(f) || !feof(f))
		return err_setc(e, ERR_INVALID, "%s: unreadable or over 1 MiB",
				path);
	text[len] = '\0';
	if (check_syntax(path, text, len, e) < 0)
		return -1;
	root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (!root)
		return err_setc(e, ERR_INVALID, "%s: %s", path, errbuf);
	rc = apply(c, root, path, text, e);
	yajl_tree_free(root);
	free(c->path);
	c->path = strdup(path);
	return rc;
}
