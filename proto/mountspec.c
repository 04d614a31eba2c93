/* mountspec.c - Docker's -v and --mount words (see mountspec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "mountspec.h"

#define NAME_FIRST \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int mountspec_name_valid(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n < 2 || n > 255 || !strchr(NAME_FIRST, s[0]) ||
	    strspn(s, NAME_FIRST "_.-") != n)
		return err_setc(e, ERR_INVALID,
				"invalid volume name \"%s\": use 2 to 255 of "
				"[a-zA-Z0-9_.-], starting with a letter or "
				"digit", s);
	return 0;
}

void mountspec_free(struct mountspec *m)
{
	free(m->source), free(m->dest), free(m->opts);
	memset(m, 0, sizeof(*m));
}

/* Is w one of the comma-separated words of list? */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *s = list; s && *s; s += strcspn(s, ","),
			s += *s == ',')
		if (strcspn(s, ",") == n && !strncmp(s, w, n))
			return true;
	return false;
}

static void set(struct mountspec *m, const char *type, const char *src,
		const char *dst)
{
	snprintf(m->type, sizeof(m->type), "%s", type);
	m->source = src ? xstrdup(src) : NULL;
	m->dest = xstrdup(dst);
	m->rw = true;
}

int mountspec_parse_v(const char *arg, struct mountspec *m, struct err *e)
{
	_cleanup_free_ char *s = xstrdup(arg);
	char *dst = strchr(s, ':'), *opts;
	bool bind = s[0] == '/';

	if (!dst) {
		if (!bind)
			return err_setc(e, ERR_INVALID, "invalid volume \"%s\":"
					" want NAME:/PATH, /HOST:/PATH or "
					"/PATH", arg);
		set(m, "volume", NULL, s);
		return 0;
	}
	*dst++ = '\0';
	if ((opts = strchr(dst, ':')))
		*opts++ = '\0';
	if (!*s)
		return err_setc(e, ERR_INVALID, "invalid volume \"%s\": empty "
				"source", arg);
	if (!bind && mountspec_name_valid(s, e) < 0)
		return err_wrap(e, "-v %s", arg);
	set(m, bind ? "bind" : "volume", s, dst);
	for (const char *o = opts; !bind && o && *o; o += strcspn(o, ","),
			o += *o == ',') {
		size_t n = strcspn(o, ",");
		if (!((n == 2 && (!strncmp(o, "ro", 2) ||
				  !strncmp(o, "rw", 2))) ||
		      (n == 6 && !strncmp(o, "nocopy", 6))))
			return err_setc(e, ERR_INVALID, "-v %s: invalid option "
					"\"%.*s\" for a volume (use ro, rw or "
					"nocopy)", arg, (int)n, o);
	}
	if (opts && *opts) {
		m->rw = !has_word(opts, "ro");
		m->nocopy = !bind && has_word(opts, "nocopy");
		if (bind)
			m->opts = xstrdup(opts);
	}
	return 0;
}

static bool bool_val(const char *v, bool *out)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
		return *out = true;
	if (!strcmp(v, "false") || !strcmp(v, "0"))
		return !(*out = false);
	return false;
}

/* "64m", "1g", "4096": bytes, or -1. */
static long long size_val(const char *s)
{
	char *end;
	long long n;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	n = strtoll(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 'b': case 'B': end++; break;
	default: break;
	}
	if (*end || n <= 0 || n > (1LL << 50) >> shift)
		return -1;
	return n << shift;
}

int mountspec_parse_mount(const char *arg, struct mountspec *m,
			  struct err *e)
{
	_cleanup_free_ char *s = xstrdup(arg);
	const char *type = "volume", *src = NULL, *dst = NULL;
	const char *size = NULL, *mode = NULL, *prop = NULL;
	bool ro = false, nocopy = false, *flag;
	char *save = NULL, opts[96] = "";

	for (char *kv = strtok_r(s, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		const char **to = NULL;
		if (v)
			*v++ = '\0';
		flag = !strcmp(kv, "readonly") || !strcmp(kv, "ro") ? &ro
		       : !strcmp(kv, "volume-nocopy")		     ? &nocopy
								     : NULL;
		if (!strcmp(kv, "type"))
			to = &type;
		else if (!strcmp(kv, "source") || !strcmp(kv, "src"))
			to = &src;
		else if (!strcmp(kv, "target") || !strcmp(kv, "destination") ||
			 !strcmp(kv, "dst"))
			to = &dst;
		else if (!strcmp(kv, "tmpfs-size"))
			to = &size;
		else if (!strcmp(kv, "tmpfs-mode"))
			to = &mode;
		else if (!strcmp(kv, "bind-propagation"))
			to = &prop;
		if (flag) {
			if (!bool_val(v, flag))
				return err_setc(e, ERR_INVALID, "--mount %s: "
						"invalid value for %s: %s",
						arg, kv, v);
		} else if (!to) {
			return err_setc(e, ERR_INVALID, "--mount %s: unexpected "
					"key '%s'", arg, kv);
		} else if (!v || !*v) {
			return err_setc(e, ERR_INVALID, "--mount %s: key '%s' "
					"needs a value", arg, kv);
		} else {
			*to = v;
		}
	}
	if (strcmp(type, "bind") && strcmp(type, "volume") &&
	    strcmp(type, "tmpfs"))
		return err_setc(e, ERR_INVALID, "--mount %s: unknown type "
				"\"%s\" (use bind, volume or tmpfs)", arg,
				type);
	if (!dst)
		return err_setc(e, ERR_INVALID, "--mount %s: target is "
				"required", arg);
	if (!strcmp(type, "bind") && (!src || src[0] != '/'))
		return err_setc(e, ERR_INVALID, "--mount %s: a bind needs an "
				"absolute source", arg);
	if (!strcmp(type, "tmpfs") && src)
		return err_setc(e, ERR_INVALID, "--mount %s: a tmpfs takes no "
				"source", arg);
	if ((size || mode) && strcmp(type, "tmpfs"))
		return err_setc(e, ERR_INVALID, "--mount %s: tmpfs-size and "
				"tmpfs-mode are for type=tmpfs", arg);
	if (prop && strcmp(type, "bind"))
		return err_setc(e, ERR_INVALID, "--mount %s: bind-propagation "
				"is for type=bind", arg);
	if (nocopy && strcmp(type, "volume"))
		return err_setc(e, ERR_INVALID, "--mount %s: volume-nocopy is "
				"for type=volume", arg);
	if (!strcmp(type, "volume") && src && mountspec_name_valid(src, e) < 0)
		return err_wrap(e, "--mount %s", arg);
	if (size) {
		long long n = size_val(size);
		if (n < 0)
			return err_setc(e, ERR_INVALID, "--mount %s: invalid "
					"tmpfs-size \"%s\"", arg, size);
		snprintf(opts, sizeof(opts), "size=%lld", n);
	}
	if (mode) {
		char *end;
		long n = strtol(mode, &end, 8);
		if (*mode < '0' || *mode > '7' || *end || n > 07777)
			return err_setc(e, ERR_INVALID, "--mount %s: invalid "
					"tmpfs-mode \"%s\" (octal)", arg, mode);
		snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts),
			 "%smode=%lo", *opts ? "," : "", n);
	}
	if (prop) {
		static const char *const ok[] = { "private", "rprivate",
			"shared", "rshared", "slave", "rslave" };
		bool known = false;
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			known |= !strcmp(prop, ok[i]);
		if (!known)
			return err_setc(e, ERR_INVALID, "--mount %s: invalid "
					"bind-propagation \"%s\"", arg, prop);
		snprintf(opts, sizeof(opts), "%s", prop);
	}
	set(m, type, src, dst);
	m->rw = !ro;
	m->nocopy = nocopy;
	if (*opts)
		m->opts = xstrdup(opts);
	return 0;
}
