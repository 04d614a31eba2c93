/* roles.c - the "roles" config object and a peer's role (see roles.h).
 *
 * Users and groups are named by name or number in the file and kept as
 * numbers: a name is looked up (getpwnam, getgrnam) when the file is read
 * at start or on SIGHUP, never per connection. Owns nothing beyond a
 * peer's group list. */
#include "roles.h"

#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "base/xalloc.h"

/* A number, or a user (or group) that exists; -1 if neither. */
static long id_of(const char *s, bool group)
{
	char *end;
	long n;

	if (isdigit((unsigned char)*s)) {
		n = strtol(s, &end, 10);
		return !*end && n <= 0x7fffffff ? n : -1;
	}
	if (group) {
		struct group *g = getgrnam(s);
		return g ? (long)g->gr_gid : -1;
	}
	struct passwd *pw = getpwnam(s);
	return pw ? (long)pw->pw_uid : -1;
}

static int role_of_value(yajl_val v, enum cmd_role *out)
{
	return YAJL_IS_STRING(v) ? cmdspec_role_parse(v->u.string, out) : -1;
}

/* {"NAME": "ROLE", ...} of users or groups into ids[]. */
static int ids_parse(yajl_val v, struct roles_id *ids, int *n, bool group)
{
	if (!YAJL_IS_OBJECT(v) || v->u.object.len > ROLES_MAX)
		return -1;
	for (size_t i = 0; i < v->u.object.len; i++) {
		long id = id_of(v->u.object.keys[i], group);
		if (id < 0 ||
		    role_of_value(v->u.object.values[i], &ids[*n].role) < 0)
			return -1;
		ids[(*n)++].id = (unsigned)id;
	}
	return 0;
}

static int certs_parse(yajl_val v, struct roles *r)
{
	if (!YAJL_IS_OBJECT(v) || v->u.object.len > ROLES_MAX)
		return -1;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *cn = v->u.object.keys[i];
		struct roles_cn *c = &r->certs[r->ncerts];
		if (!*cn || strlen(cn) >= sizeof(c->cn) ||
		    role_of_value(v->u.object.values[i], &c->role) < 0)
			return -1;
		strcpy(c->cn, cn);
		r->ncerts++;
	}
	return 0;
}

int roles_parse(void *field, const struct yajl_val_s *cv)
{
	struct roles *r = field;
	yajl_val v = (yajl_val)cv;

	memset(r, 0, sizeof(*r));
	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return -1;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		yajl_val x = v->u.object.values[i];
		int rc;
		if (!strcmp(k, "default")) {
			rc = role_of_value(x, &r->def);
			r->has_default = true;
		} else if (!strcmp(k, "users")) {
			rc = ids_parse(x, r->users, &r->nusers, false);
		} else if (!strcmp(k, "groups")) {
			rc = ids_parse(x, r->groups, &r->ngroups, true);
		} else if (!strcmp(k, "certs")) {
			rc = certs_parse(x, r);
		} else {
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static bool in_groups(const struct roles_peer *p, unsigned gid)
{
	for (int i = 0; i < p->ngroups; i++)
		if (p->groups[i] == (gid_t)gid)
			return true;
	return false;
}

static enum cmd_role unix_role(const struct roles *r, int sock_gid,
			       const struct roles_peer *p)
{
	enum cmd_role best = ROLE_NONE;
	bool named = false;

	if (p->uid == 0 || p->uid == geteuid())
		return ROLE_ADMIN;
	for (int i = 0; i < r->nusers; i++)
		if (r->users[i].id == (unsigned)p->uid)
			return r->users[i].role;
	for (int i = 0; i < r->ngroups; i++)
		if (in_groups(p, r->groups[i].id)) {
			named = true;
			if (r->groups[i].role > best)
				best = r->groups[i].role;
		}
	if (named)
		return best;
	if (r->has_default)
		return r->def;
	return sock_gid >= 0 && in_groups(p, (unsigned)sock_gid) ? ROLE_ADMIN
								 : ROLE_NONE;
}

enum cmd_role roles_of(const struct roles *r, int sock_gid,
		       const struct roles_peer *p)
{
	if (!p->tls)
		return unix_role(r, sock_gid, p);
	for (int i = 0; i < r->ncerts; i++)
		if (!strcmp(r->certs[i].cn, p->cn))
			return r->certs[i].role;
	return r->has_default ? r->def : ROLE_ADMIN;
}

void roles_peer_unix(struct roles_peer *p, int fd, uid_t uid, gid_t gid)
{
	socklen_t len = 0;
	gid_t *g;

	p->tls = false;
	p->uid = uid;
	/* Asked with no room, the kernel says how much it needs. */
	getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len);
	g = xcalloc(1 + len / sizeof(gid_t), sizeof(gid_t));
	g[0] = gid;
	if (len && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g + 1, &len) < 0)
		len = 0;
	p->groups = g;
	p->ngroups = 1 + (int)(len / sizeof(gid_t));
}

void roles_peer_free(struct roles_peer *p)
{
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
}

const char *roles_peer_name(const struct roles_peer *p, char *buf,
			    size_t len)
{
	if (p->tls && !p->cn[0])
		snprintf(buf, len, "a tcp client without a certificate");
	else if (p->tls)
		snprintf(buf, len, "certificate CN=%s", p->cn);
	else
		snprintf(buf, len, "uid %u", (unsigned)p->uid);
	return buf;
}
