/* membership.h - the membership module's own types (module-internal).
 *
 * The module runs one gossip member (net/serf over net/swim) on skiffd's
 * loop: gossip.c owns the UDP socket, the TCP listener, the TCP streams
 * and the one timer the state machine asks for; nodecmds.c owns the
 * `node` verbs, the events it publishes and the module itself;
 * settings.c the "membership" object of skiffd.json. */
#ifndef SKIFF_MEMBERSHIP_H
#define SKIFF_MEMBERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "../../core/base/err.h"
#include "../../core/config.h"
#include "../../net/serf.h"

#define MSHIP_PORT 7946 /* Serf's and memberlist's default */

struct mship_settings {
	char *bind;	 /* IP[:PORT]; NULL: gossip off */
	char *advertise; /* IP[:PORT]; NULL: the bind address */
	char *node_name; /* NULL: the host name */
	char *encrypt;	 /* one base64 key */
	char *keyring_file; /* Serf's keyring file: ["base64", ...] */
	char *profile;	    /* lan, wan, local */
	struct strlist join; /* IP[:PORT] to join at start */
	struct strlist tags; /* K=V */
	int64_t retry_interval; /* ms between join attempts at start */
	long long retry_max;	/* attempts, 0: until one succeeds */
};
extern struct mship_settings mship_settings;
extern const struct config_table mship_config;

/* IP or IP:PORT (IPv4) into a; -1 with e set when it is neither. */
int mship_parse_addr(const char *s, struct swim_addr *a, struct err *e);
void mship_format_addr(const struct swim_addr *a, char out[32]);

/* gossip.c: the member on the loop. */
struct ctl_req;
int mship_gossip_start(struct err *e); /* settings -> sockets, member */
void mship_gossip_stop(void);
void mship_gossip_free(void); /* at exit: tags too */
const char *mship_name(void);	/* ours */
bool mship_running(void);
struct serf *mship_serf(void); /* NULL when gossip is off */
uint64_t mship_now(void);      /* ms, monotonic */
/* After any call into the member from outside gossip.c: rearm the timer
 * to its next deadline. */
void mship_kick(void);
/* Join every address; req (may be NULL) is finished when every
 * push/pull has answered or failed: ok when one did. */
void mship_join(const char *const *addrs, int n, struct ctl_req *req);
/* Leave gracefully; req is finished once left (then gossip stops). */
void mship_leave(struct ctl_req *req);
/* Tags: the current list (K=V strings). */
int mship_tags_set(const char *const *set, int nset, const char *const *del,
		   int ndel, struct err *e);
size_t mship_tags(const char *const **out);

/* persist.c: the keyring and tags as changed at run time. */
int mship_persist_load(struct err *e); /* init, before the loop */
const struct mlcrypt_keyring *mship_persist_keys(void); /* NULL: none */
const struct strlist *mship_persist_tags(void);	      /* NULL: none */
void mship_persist_keys_start(const struct mlcrypt_keyring *kr);
void mship_persist_keys_check(const struct mlcrypt_keyring *kr);
void mship_persist_save_tags(const char *const *tags, size_t n);
void mship_persist_free(void);

/* nodecmds.c: what the member reports. */
void mship_on_event(const struct serf_event *ev);

#endif
