/* roles.h - who may run which verb on the control channel.
 *
 * The daemon config's "roles" object grants a role (proto/cmdspec.h: none,
 * read-only, operator, admin) to UNIX users and groups, seen by
 * SO_PEERCRED and SO_PEERGROUPS on the UNIX socket, and to TLS client
 * certificates by their subject's common name. A peer's role is worked
 * out again for each request, so a SIGHUP that changes the grants applies
 * to connections already open. Fixed-size: the config field owns no
 * memory. */
#ifndef SKIFF_ROLES_H
#define SKIFF_ROLES_H

#include <stdbool.h>
#include <sys/types.h>

#include "../proto/cmdspec.h"

#define ROLES_MAX 32  /* entries of each kind */
#define ROLES_CN_MAX 64 /* a certificate CN's bytes, NUL included */

struct roles_id {
	unsigned id; /* uid or gid */
	enum cmd_role role;
};

struct roles_cn {
	char cn[ROLES_CN_MAX];
	enum cmd_role role;
};

struct roles {
	bool has_default;
	enum cmd_role def; /* for a peer no entry names, if has_default */
	int nusers, ngroups, ncerts;
	struct roles_id users[ROLES_MAX], groups[ROLES_MAX];
	struct roles_cn certs[ROLES_MAX];
};

/* What a connection is, as far as roles go. groups: the peer's groups
 * (primary first) for a UNIX peer; cn: the verified client certificate's
 * common name for a TLS one. */
struct roles_peer {
	bool tls;
	uid_t uid;
	int ngroups;
	gid_t *groups; /* owned (roles_peer_free) */
	char cn[ROLES_CN_MAX];
};

/* The config key's parse_tree (config.h): the "roles" object, NULL for
 * the default (no grants). */
struct yajl_val_s;
int roles_parse(void *field, const struct yajl_val_s *v);

/* The role of a peer under r; sock_gid is the socket's group (-1 none).
 * UNIX: root and skiffd's own uid are admin; else the peer's users entry;
 * else the best of its groups' entries; else r's default; else admin for a
 * member of sock_gid (Docker's docker group) and none for others. TLS: the
 * CN's entry; else r's default; else admin (the CA vouched for it, as with
 * Docker's --tlsverify). */
enum cmd_role roles_of(const struct roles *r, int sock_gid,
		       const struct roles_peer *p);
/* Fill a UNIX peer's uid and groups from its socket (SO_PEERGROUPS; the
 * primary gid alone where the kernel lacks it). */
void roles_peer_unix(struct roles_peer *p, int fd, uid_t uid, gid_t gid);
void roles_peer_free(struct roles_peer *p);
/* "uid 1000" or "certificate CN=ci" for messages. */
const char *roles_peer_name(const struct roles_peer *p, char *buf,
			    size_t len);

#endif
