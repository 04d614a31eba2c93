/* user.c - passwd/group lookups inside a rootfs and the uid/gid switch.
 *
 * Each lookup opens, reads and closes its file; nothing is cached. Lines
 * longer than the line buffer or malformed are skipped, as libc does. */
#include "user.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/base/cleanup.h"

/* What one passwd or group line holds that we use. */
struct user_ent {
	char *name;
	uint32_t id;   /* uid or gid */
	uint32_t gid;  /* passwd: primary group */
	char *members; /* group: comma-separated user names */
	char *home;    /* passwd: home directory */
};

static int user_open(int rootfd, const char *path)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int dir = -1;
	int fd;

	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	/* No openat2: refuse symlinks in etc/ instead of resolving them. */
	dir = openat(rootfd, "etc",
		     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -1;
	return openat(dir, strrchr(path, '/') + 1,
		      O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Split a line into at most n ':'-separated fields in place. */
static size_t split(char *line, char **f, size_t n)
{
	size_t i = 0;

	line[strcspn(line, "\n")] = '\0';
	while (i < n) {
		f[i++] = line;
		line = strchr(line, ':');
		if (!line)
			break;
		*line++ = '\0';
	}
	return i;
}

/* Fill ent from a passwd (is_group=false) or group line. */
static bool parse_ent(char *line, bool is_group, struct user_ent *ent)
{
	char *f[7];
	size_t n = split(line, f, 7);

	if (n < (is_group ? 3u : 4u) || !*f[0] || !parse_u32(f[2], &ent->id))
		return false;
	ent->name = f[0];
	ent->members = is_group && n > 3 ? f[3] : NULL;
	ent->home = !is_group && n > 5 ? f[5] : NULL;
	if (!is_group && !parse_u32(f[3], &ent->gid))
		return false;
	return true;
}

/* Calls fn on each entry until it returns non-zero; a missing file is
 * empty. */
static int user_scan(int rootfd, const char *path, bool is_group,
		     int (*fn)(const struct user_ent *, void *), void *arg,
		     struct err *e)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct user_ent ent;
	char line[1024];
	int fd, r;

	fd = user_open(rootfd, path);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(e, errno, "open %s", path);
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return err_set(e, errno, "open %s", path);
	}
	while (fgets(line, sizeof(line), f)) {
		if (!parse_ent(line, is_group, &ent))
			continue;
		r = fn(&ent, arg);
		if (r)
			return r;
	}
	return 0;
}

struct user_find {
	const char *name; /* match by name, or */
	uint32_t id;	  /* by id when name is NULL */
	bool found;
	uint32_t found_id, found_gid;
	char found_name[256];
	char found_home[256];
};

static int find_cb(const struct user_ent *ent, void *arg)
{
	struct user_find *q = arg;

	if (q->name ? strcmp(ent->name, q->name) != 0 : ent->id != q->id)
		return 0;
	q->found = true;
	q->found_id = ent->id;
	q->found_gid = ent->gid;
	snprintf(q->found_name, sizeof(q->found_name), "%s", ent->name);
	snprintf(q->found_home, sizeof(q->found_home), "%s",
		 ent->home && *ent->home ? ent->home : "/");
	return 1;
}

struct user_groups {
	const char *user;
	uint32_t *gids;
	size_t n;
	bool nomem;
};

static int groups_cb(const struct user_ent *ent, void *arg)
{
	struct user_groups *g = arg;
	char *save = NULL, *m;
	uint32_t *v;

	if (!ent->members)
		return 0;
	for (m = strtok_r(ent->members, ",", &save); m;
	     m = strtok_r(NULL, ",", &save)) {
		if (strcmp(m, g->user) != 0)
			continue;
		v = realloc(g->gids, (g->n + 1) * sizeof(*v));
		if (!v) {
			g->nomem = true;
			return -1;
		}
		g->gids = v;
		g->gids[g->n++] = ent->id;
		return 0;
	}
	return 0;
}

/* Put the user's /etc/group memberships in front of additional_gids. */
static int add_groups(int rootfd, const char *user, struct oci_user *u,
		      struct err *e)
{
	struct user_groups g = {.user = user};
	uint32_t *v;

	if (user_scan(rootfd, "/etc/group", true, groups_cb, &g, e) < 0 &&
	    !g.nomem)
		return -1;
	if (g.nomem)
		goto nomem;
	if (!g.n)
		return 0;
	v = realloc(g.gids, (g.n + u->n_additional_gids) * sizeof(*v));
	if (!v)
		goto nomem;
	if (u->n_additional_gids)
		memcpy(v + g.n, u->additional_gids,
		       u->n_additional_gids * sizeof(*v));
	free(u->additional_gids);
	u->additional_gids = v;
	u->n_additional_gids += g.n;
	return 0;
nomem:
	free(g.gids);
	return err_set(e, ENOMEM, "supplementary groups");
}

static int resolve_user(int rootfd, const char *name, struct oci_user *u,
			struct user_find *q, struct err *e)
{
	bool numeric = parse_u32(name, &q->id);

	q->name = numeric ? NULL : name;
	if (user_scan(rootfd, "/etc/passwd", false, find_cb, q, e) < 0)
		return -1;
	if (!q->found && !numeric)
		return err_setc(e, ERR_NOT_FOUND,
				"user \"%s\": no matching entry in passwd",
				name);
	u->uid = q->found ? q->found_id : q->id;
	u->gid = q->found ? q->found_gid : 0;
	return 0;
}

static int resolve_group(int rootfd, const char *group, struct oci_user *u,
			 struct err *e)
{
	struct user_find q = {0};
	bool numeric = parse_u32(group, &q.id);

	if (numeric) {
		u->gid = q.id;
		return 0;
	}
	q.name = group;
	if (user_scan(rootfd, "/etc/group", true, find_cb, &q, e) < 0)
		return -1;
	if (!q.found)
		return err_setc(e, ERR_NOT_FOUND,
				"group \"%s\": no matching entry in group",
				group);
	u->gid = q.found_id;
	return 0;
}

int user_add_groups(int rootfd, const struct strv *groups, struct oci_user *u,
		    struct err *e)
{
	uint32_t *v;

	for (size_t i = 0; i < groups->n; i++) {
		struct oci_user g = {0};
		if (resolve_group(rootfd, groups->v[i], &g, e) < 0)
			return err_wrap(e, "--group-add");
		v = realloc(u->additional_gids,
			    (u->n_additional_gids + 1) * sizeof(*v));
		if (!v)
			return err_set(e, ENOMEM, "--group-add");
		u->additional_gids = v;
		v[u->n_additional_gids++] = g.gid;
	}
	return 0;
}

int user_resolve(int rootfd, const char *spec, struct oci_user *u,
		 struct err *e)
{
	_cleanup_free_ char *copy = strdup(spec);
	struct user_find q = {0};
	char *group;

	if (!copy)
		return err_set(e, ENOMEM, "user %s", spec);
	group = strchr(copy, ':');
	if (group)
		*group++ = '\0';
	if (!*copy || (group && !*group))
		return err_setc(e, ERR_INVALID, "user \"%s\": bad format",
				spec);
	if (resolve_user(rootfd, copy, u, &q, e) < 0)
		return -1;
	if (group && resolve_group(rootfd, group, u, e) < 0)
		return -1;
	return q.found ? add_groups(rootfd, q.found_name, u, e) : 0;
}

int user_home(int rootfd, uint32_t uid, char *buf, size_t size, struct err *e)
{
	struct user_find q = {.id = uid};

	if (user_scan(rootfd, "/etc/passwd", false, find_cb, &q, e) < 0)
		return -1;
	snprintf(buf, size, "%s", q.found ? q.found_home : "/");
	return 0;
}

int user_apply(const struct oci_user *u, struct err *e)
{
	gid_t *g = (gid_t *)u->additional_gids;

	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t size");
	if (setgroups(u->n_additional_gids, g) < 0)
		return err_set(e, errno, "setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_set(e, errno, "setresgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_set(e, errno, "setresuid %u", u->uid);
	return 0;
}
