/* auth.c - registry credentials: `login`, `logout` and the lookup
 * registry.c answers challenges with.
 *
 * The credentials live in ROOT/auth/config.json, mode 0600, in Docker's
 * config.json format ({"auths":{"host:port":{"auth":"base64(user:pass)"}}},
 * Docker Hub under "https://index.docker.io/v1/"; proto/authcfg), so a
 * file Docker wrote can be copied in. skiffd reads it once at init and
 * keeps the list in memory (owned here); `login` and `logout`
 * write the whole file in a helper process (temp O_EXCL, fsync, rename,
 * fsync the directory) and change the list only once it is durable.
 * A password is never logged and never put in an error message. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/file.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../proto/authcfg.h"
#include "../../proto/json.h"
#include "images.h"
#include "../../core/base/xalloc.h"

#define AUTH_FILE_MAX (1024 * 1024)

static struct authcfg creds;
static char *auth_dir, *auth_path;

void auth_key(const char *server, char *out, size_t n)
{
	char k[AUTHCFG_KEY_MAX];

	authcfg_key(server, k);
	snprintf(out, n, "%s", k);
}

int auth_find(const char *key, const char **user, const char **pass)
{
	const struct authcfg_entry *x = authcfg_find(&creds, key);

	if (!x)
		return -1;
	*user = x->user;
	*pass = x->password;
	return 0;
}

void auth_free_all(void)
{
	authcfg_free(&creds);
	free(auth_dir);
	free(auth_path);
	auth_dir = auth_path = NULL;
}

char *auth_basic(const char *user, const char *pass)
{
	char *b = authcfg_basic(user, pass), *out = NULL;

	out = xasprintf("Basic %s", b);
	OPENSSL_cleanse(b, strlen(b));
	free(b);
	return out;
}

/* At init: read ROOT/auth/config.json if it exists (small; before the
 * loop serves anyone). A file that does not parse is reported and the
 * daemon starts with no credentials (a login rewrites it). */
int auth_load(struct err *e)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	struct err pe = ERR_INIT;
	size_t len;

	auth_dir = xasprintf("%s/auth", daemon_ctx.cfg.root);
	auth_path = xasprintf("%s/config.json", auth_dir);
	if (!(f = fopen(auth_path, "re")))
		return errno == ENOENT ? 0 : err_set(e, errno, "%s", auth_path);
	text = xmalloc(AUTH_FILE_MAX + 1);
	len = fread(text, 1, AUTH_FILE_MAX, f);
	if (authcfg_parse(text, len, &creds, &pe) < 0)
		log_warn("%s: %s; no credentials loaded", auth_path, pe.msg);
	OPENSSL_cleanse(text, len);
	return 0;
}

struct write_args {
	const char *dir, *path;
	const char *text;
	size_t len;
};

/* In the helper: the durable write (STYLE.md rule 15). */
static int write_main(void *arg, struct err *e)
{
	const struct write_args *a = arg;
	char tmp[PATH_MAX];

	if (mkdir(a->dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", a->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->path);
	return file_write_durable(&(struct file_durable){ .dirfd = AT_FDCWD,
							  .name = a->path,
							  .tmp = tmp,
							  .mode = 0600 },
				  a->text, a->len, e);
}

/* ---- login and logout ---- */

/* Saves run one at a time, in the order asked: each writes the list as
 * it is when it starts, so none loses another's change, and only one
 * helper ever owns config.json.tmp. */
static struct login *save_head, **save_tail = &save_head;
static bool saving;

static void save_next(void);

struct login {
	struct ctl_req *r;
	struct reg_endpoint ep;
	struct helper h;
	struct err err;
	char key[REF_NAME_MAX + 1];
	char *user, *pass;
	bool logout;
	struct login *next; /* waiting to save */
};

static void login_free(struct login *l)
{
	free(l->user);
	if (l->pass)
		OPENSSL_cleanse(l->pass, strlen(l->pass));
	free(l->pass);
	free(l);
}

static void login_end(struct helper *h, const struct err *result)
{
	struct login *l = h->owner;
	struct jw w;

	saving = false;
	helper_close(h);
	if (result->class != ERR_OK) {
		l->err = *result;
		err_wrap(&l->err, "credentials");
	}
	if (!l->err.msg[0]) {
		if (l->logout)
			authcfg_drop(&creds, l->key);
		else
			authcfg_set(&creds, l->key, l->user, l->pass);
		reg_forget_tokens(); /* tokens got with the old ones */
		if (!ctl_req_orphaned(l->r)) {
			ctl_req_json(l->r, &w);
			jw_str(&w, "status",
			       l->logout ? "Removing login credentials"
					 : "Login Succeeded");
			jw_str(&w, "server", l->key);
			jw_close(&w);
		}
		bus_publish("image", l->logout ? "logout" : "login", l->key,
			    NULL);
	}
	ctl_req_finish(l->r, l->err.msg[0] ? &l->err : NULL);
	login_free(l);
	save_next();
}

/* Write the file as it will be, in a helper. */
static int save_start(struct login *l, struct err *e)
{
	struct buf text = { 0 };
	struct authcfg next = { 0 };
	struct write_args a;
	int rc;

	/* the list as it will be */
	for (size_t i = 0; i < creds.n; i++)
		if (strcmp(creds.v[i].key, l->key))
			authcfg_set(&next, creds.v[i].key, creds.v[i].user,
				    creds.v[i].password);
	if (!l->logout)
		authcfg_set(&next, l->key, l->user, l->pass);
	authcfg_write(&next, &text);
	authcfg_free(&next);
	a = (struct write_args){ auth_dir, auth_path, buf_head(&text),
				 buf_used(&text) };
	l->h.owner = l;
	l->h.on_end = login_end;
	rc = helper_start(&l->h, write_main, &a, NULL, e);
	OPENSSL_cleanse(buf_head(&text), buf_used(&text));
	buf_free(&text);
	return rc;
}

static void save_next(void)
{
	struct err e = ERR_INIT;

	while (!saving && save_head) {
		struct login *l = save_head;
		save_head = l->next;
		if (!save_head)
			save_tail = &save_head;
		if (save_start(l, &e) == 0) {
			saving = true;
			return;
		}
		ctl_req_finish(l->r, &e);
		login_free(l);
	}
}

/* Queue l's save; its request ends when the file is durable. */
static void login_save(struct login *l)
{
	l->next = NULL;
	*save_tail = l;
	save_tail = &l->next;
	save_next();
}

static void login_checked(struct reg_call *c, long status,
			  const struct err *he, void *ctx)
{
	struct login *l = ctx;
	struct err e = ERR_INIT;

	if (status == 401)
		err_setc(&e, ERR_DENIED,
			 "login %s: unauthorized: incorrect username or "
			 "password", l->key);
	else if (he)
		err_setc(&e, he->class, "login %s: %s", l->key, he->msg);
	else if (status != 200)
		reg_status_error(status, NULL, 0, "login", &e);
	if (e.class == ERR_OK) {
		login_save(l);
		return;
	}
	ctl_req_finish(l->r, &e);
	login_free(l);
}

/* The host login talks to: Docker Hub's key means registry-1. */
static int login_endpoint(struct login *l, struct err *e)
{
	const char *host = strcmp(l->key, AUTH_HUB_KEY) ? l->key
							: REF_DEFAULT_DOMAIN;

	return reg_endpoint_host(host, "", &l->ep, e);
}

static bool word_ok(const char *s)
{
	if (strlen(s) > AUTHCFG_WORD_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int do_login(struct ctl_req *r, void *args, struct err *e)
{
	const struct login_args *a = args;
	char **argv = ctl_req_argv(r);
	struct login *l;

	if (a->password_stdin)
		return err_setc(e, ERR_INVALID,
				"login: --password-stdin is read by the "
				"skiff client (over the socket, send -p)");
	if (!a->username || !a->password || !*a->username)
		return err_setc(e, ERR_INVALID,
				"login: give -u USER and -p PASSWORD or "
				"--password-stdin");
	if (!word_ok(a->username) || strchr(a->username, ':') ||
	    !word_ok(a->password))
		return err_setc(e, ERR_INVALID,
				"login: the user name (no ':') and password "
				"must be printable and at most %d bytes",
				AUTHCFG_WORD_MAX);
	l = xcalloc(1, sizeof(*l));
	l->user = xstrdup(a->username);
	l->pass = xstrdup(a->password);
	l->r = r;
	auth_key(argv[0], l->key, sizeof(l->key));
	if (login_endpoint(l, e) < 0)
		goto fail;
	if (!reg_call(&(struct reg_call_opts){
		.ep = &l->ep,
		.what = "",
		.user = l->user,
		.password = l->pass,
		.on_done = login_checked,
		.ctx = l,
	}, e))
		goto fail;
	/* a client that leaves meanwhile gets nothing: the login still
	 * completes (ctl_req_finish is safe then) */
	return CMD_PENDING;
fail:
	err_wrap(e, "login %s", l->key);
	login_free(l);
	return -1;
}

static int do_logout(struct ctl_req *r, void *args, struct err *e)
{
	char **argv = ctl_req_argv(r);
	const char *u, *p;
	struct login *l = xcalloc(1, sizeof(*l));

	l->r = r;
	l->logout = true;
	auth_key(argv[0], l->key, sizeof(l->key));
	if (auth_find(l->key, &u, &p) < 0) {
		err_setc(e, ERR_NOT_FOUND, "logout: not logged in to %s",
			 l->key);
		login_free(l);
		return -1;
	}
	login_save(l);
	return CMD_PENDING;
}

const struct command img_cmd_login = { "login", do_login };
const struct command img_cmd_logout = { "logout", do_logout };
