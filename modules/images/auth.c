/* auth.c - registry credentials: `login`, `logout` and the lookup
 * registry.c answers challenges with.
 *
 * The credentials live in ROOT/auth/config.json, mode 0600, in Docker's
 * config.json format ({"auths":{"host:port":{"auth":"base64(user:pass)"}}},
 * Docker Hub under "https://index.docker.io/v1/"), so a file Docker wrote
 * can be copied in. skiffd reads it once at init and keeps the list in
 * memory (owned here: struct cred, strings malloc'd); `login` and `logout`
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
#include <yajl/yajl_tree.h>

#include "../../core/base/cleanup.h"
#include "../../core/base/log.h"
#include "../../core/bus.h"
#include "../../core/daemon.h"
#include "../../proto/json.h"
#include "images.h"

#define AUTH_FILE_MAX (1024 * 1024)
#define AUTH_WORD_MAX 1024 /* a user name or password */

struct cred {
	char *key, *user, *pass;
	struct cred *next;
};
static struct cred *creds;
static char *auth_dir, *auth_path;

/* ---- keys ---- */

/* Docker's key for a server as `docker login` takes it: Docker Hub's
 * names (or none) are "https://index.docker.io/v1/"; else the host[:port]
 * with any scheme and path dropped. */
void auth_key(const char *server, char *out, size_t n)
{
	const char *h = server ? server : "";
	size_t len;

	if (!strncmp(h, "https://", 8))
		h += 8;
	else if (!strncmp(h, "http://", 7))
		h += 7;
	len = strcspn(h, "/");
	if (!len || (len == 9 && !strncmp(h, "docker.io", 9)) ||
	    (len == 15 && !strncmp(h, "index.docker.io", 15)) ||
	    (len == 20 && !strncmp(h, "registry-1.docker.io", 20))) {
		snprintf(out, n, "%s", AUTH_HUB_KEY);
		return;
	}
	snprintf(out, n, "%.*s", (int)len, h);
}

int auth_find(const char *key, const char **user, const char **pass)
{
	for (struct cred *c = creds; c; c = c->next)
		if (!strcmp(c->key, key)) {
			*user = c->user;
			*pass = c->pass;
			return 0;
		}
	return -1;
}

static void cred_free(struct cred *c)
{
	if (!c)
		return;
	free(c->key);
	free(c->user);
	if (c->pass)
		OPENSSL_cleanse(c->pass, strlen(c->pass));
	free(c->pass);
	free(c);
}

static void cred_set(const char *key, const char *user, const char *pass)
{
	struct cred *c;

	for (c = creds; c; c = c->next)
		if (!strcmp(c->key, key))
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || !(c->key = strdup(key)))
			abort();
		c->next = creds;
		creds = c;
	}
	free(c->user);
	if (c->pass)
		OPENSSL_cleanse(c->pass, strlen(c->pass));
	free(c->pass);
	c->user = strdup(user);
	c->pass = strdup(pass);
	if (!c->user || !c->pass)
		abort();
}

static bool cred_drop(const char *key)
{
	for (struct cred **pp = &creds; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->key, key)) {
			struct cred *c = *pp;
			*pp = c->next;
			cred_free(c);
			return true;
		}
	return false;
}

void auth_free_all(void)
{
	while (creds) {
		struct cred *c = creds;
		creds = c->next;
		cred_free(c);
	}
	free(auth_dir);
	free(auth_path);
	auth_dir = auth_path = NULL;
}

/* "Basic base64(user:pass)" into out (malloc'd). */
char *auth_basic(const char *user, const char *pass)
{
	size_t n = strlen(user) + 1 + strlen(pass);
	_cleanup_free_ char *plain = malloc(n + 1);
	char *out = malloc(6 + 4 * ((n + 2) / 3) + 1);

	if (!plain || !out)
		abort();
	snprintf(plain, n + 1, "%s:%s", user, pass);
	memcpy(out, "Basic ", 6);
	EVP_EncodeBlock((unsigned char *)out + 6, (unsigned char *)plain,
			(int)n);
	OPENSSL_cleanse(plain, n);
	return out;
}

/* ---- the file ---- */

/* One auths entry: "auth" (base64 of user:pass), else Docker's older
 * "username"/"password" pair. Entries we cannot read are skipped with a
 * warning naming the key, never fatal. */
static void load_entry(const char *key, yajl_val v)
{
	const char *ap[] = { "auth", NULL }, *up[] = { "username", NULL },
		   *pp[] = { "password", NULL };
	yajl_val a = yajl_tree_get(v, ap, yajl_t_string);
	const char *as = a ? YAJL_GET_STRING(a) : NULL;
	yajl_val u = yajl_tree_get(v, up, yajl_t_string);
	yajl_val p = yajl_tree_get(v, pp, yajl_t_string);
	char k[REF_NAME_MAX + 1];
	unsigned char *dec;
	size_t n;
	char *colon;
	int len;

	auth_key(key, k, sizeof(k));
	if (u && p) {
		cred_set(k, YAJL_GET_STRING(u), YAJL_GET_STRING(p));
		return;
	}
	n = as ? strlen(as) : 0;
	if (!n || n % 4 || n > 4 * AUTH_WORD_MAX) {
		log_warn("%s: auths.%s: no readable \"auth\"", auth_path, key);
		return;
	}
	dec = calloc(1, n);
	if (!dec)
		abort();
	len = EVP_DecodeBlock(dec, (const unsigned char *)as, (int)n);
	/* EVP_DecodeBlock counts the padding's zero bytes */
	while (len > 0 && as[--n] == '=')
		len--;
	if (len > 0)
		dec[len] = '\0';
	colon = len > 0 ? strchr((char *)dec, ':') : NULL;
	if (!colon || strlen((char *)dec) != (size_t)len) {
		log_warn("%s: auths.%s: \"auth\" is not base64 of user:password",
			 auth_path, key);
	} else {
		*colon = '\0';
		cred_set(k, (char *)dec, colon + 1);
	}
	OPENSSL_cleanse(dec, (size_t)(len > 0 ? len : 0));
	free(dec);
}

/* At init: read ROOT/auth/config.json if it exists (small; before the
 * loop serves anyone). A file that does not parse is reported and the
 * daemon starts with no credentials. */
int auth_load(struct err *e)
{
	const char *path[] = { "auths", NULL };
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	yajl_val root, auths;
	size_t len;

	if (asprintf(&auth_dir, "%s/auth", daemon_ctx.cfg.root) < 0 ||
	    asprintf(&auth_path, "%s/config.json", auth_dir) < 0)
		abort();
	if (!(f = fopen(auth_path, "re")))
		return errno == ENOENT ? 0 : err_set(e, errno, "%s", auth_path);
	if (!(text = malloc(AUTH_FILE_MAX + 1)))
		abort();
	len = fread(text, 1, AUTH_FILE_MAX, f);
	text[len] = '\0';
	root = yajl_tree_parse(text, NULL, 0);
	auths = root ? yajl_tree_get(root, path, yajl_t_object) : NULL;
	if (!root || (!auths && yajl_tree_get(root, path, yajl_t_any)))
		log_warn("%s: not a Docker config.json; no credentials loaded",
			 auth_path);
	for (size_t i = 0; auths && i < auths->u.object.len; i++)
		if (YAJL_IS_OBJECT(auths->u.object.values[i]))
			load_entry(auths->u.object.keys[i],
				   auths->u.object.values[i]);
	OPENSSL_cleanse(text, len);
	yajl_tree_free(root);
	return 0;
}

/* The file's text for the list as it will be (creds, with key set to
 * user/pass, or dropped when user is NULL). */
static void auth_render(const char *key, const char *user, const char *pass,
			struct buf *out)
{
	struct jw w;

	jw_open_pretty(&w, out);
	jw_obj(&w, "auths");
	for (struct cred *c = creds; c; c = c->next) {
		if (!strcmp(c->key, key))
			continue;
		_cleanup_free_ char *b = auth_basic(c->user, c->pass);
		jw_obj(&w, c->key);
		jw_str(&w, "auth", b + 6);
		jw_end_obj(&w);
	}
	if (user) {
		_cleanup_free_ char *b = auth_basic(user, pass);
		jw_obj(&w, key);
		jw_str(&w, "auth", b + 6);
		jw_end_obj(&w);
	}
	jw_end_obj(&w);
	jw_close(&w);
}

struct write_args {
	const char *dir, *path;
	const char *text;
	size_t len;
};

/* In the helper: the durable write (STYLE.md rule 15). */
static int write_main(void *arg)
{
	const struct write_args *a = arg;
	char tmp[PATH_MAX];
	_cleanup_close_ int dfd = -1;
	int fd;

	if (mkdir(a->dir, 0700) < 0 && errno != EEXIST)
		return dprintf(1, "err mkdir %s: %m\n", a->dir), 1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->path);
	unlink(tmp); /* a leftover of a killed helper */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return dprintf(1, "err %s: %m\n", tmp), 1;
	if (write(fd, a->text, a->len) != (ssize_t)a->len || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, a->path) < 0) {
		dprintf(1, "err %s: %m\n", a->path);
		unlink(tmp);
		return 1;
	}
	dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		return dprintf(1, "err fsync %s: %m\n", a->dir), 1;
	return 0;
}

/* ---- login and logout ---- */

struct login_args {
	const char *username, *password;
	bool password_stdin;
};

struct login {
	struct ctl_req *r;
	struct reg_endpoint ep;
	struct reg_call *call;
	struct helper h;
	struct err err;
	char key[REF_NAME_MAX + 1];
	char *user, *pass; /* NULL user: logout */
	bool logout, existed;
};

static void login_free(struct login *l)
{
	free(l->user);
	if (l->pass)
		OPENSSL_cleanse(l->pass, strlen(l->pass));
	free(l->pass);
	free(l);
}

static void login_line(struct helper *h, char *line)
{
	struct login *l = h->owner;

	if (!strncmp(line, "err ", 4))
		err_setc(&l->err, ERR_INTERNAL, "credentials: %s", line + 4);
}

static void login_end(struct helper *h)
{
	struct login *l = h->owner;
	struct jw w;

	helper_close(h);
	if (h->status != 0 && !l->err.msg[0])
		err_setc(&l->err, ERR_INTERNAL,
			 "credentials: helper exited %d", h->status);
	if (!l->err.msg[0]) {
		if (l->logout)
			cred_drop(l->key);
		else
			cred_set(l->key, l->user, l->pass);
		reg_forget_tokens(); /* tokens got with the old ones */
		ctl_req_json(l->r, &w);
		jw_str(&w, "status", l->logout ? "Removing login credentials"
					       : "Login Succeeded");
		jw_str(&w, "server", l->key);
		jw_close(&w);
		bus_publish("image", l->logout ? "logout" : "login", l->key,
			    NULL);
	}
	ctl_req_finish(l->r, l->err.msg[0] ? &l->err : NULL);
	login_free(l);
}

/* Write the file as it will be, in a helper. */
static int login_save(struct login *l, struct err *e)
{
	struct buf text = { 0 };
	struct write_args a;
	int rc;

	auth_render(l->key, l->logout ? NULL : l->user, l->pass, &text);
	a = (struct write_args){ auth_dir, auth_path, buf_head(&text),
				 buf_used(&text) };
	l->h.fd = -1;
	l->h.owner = l;
	l->h.on_line = login_line;
	l->h.on_end = login_end;
	rc = helper_start(&l->h, write_main, &a, -1, e);
	OPENSSL_cleanse(buf_head(&text), buf_used(&text));
	buf_free(&text);
	return rc;
}

static void login_checked(struct reg_call *c, long status,
			  const struct err *he, void *ctx)
{
	struct login *l = ctx;
	struct err e = ERR_INIT;

	l->call = NULL;
	if (status == 401)
		err_setc(&e, ERR_DENIED,
			 "login %s: unauthorized: incorrect username or "
			 "password", l->key);
	else if (he)
		err_setc(&e, he->class, "login %s: %s", l->key, he->msg);
	else if (status != 200)
		reg_status_error(status, NULL, 0, "login", &e);
	if (e.class == ERR_OK && login_save(l, &e) == 0)
		return;
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
	if (strlen(s) > AUTH_WORD_MAX)
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
				AUTH_WORD_MAX);
	l = calloc(1, sizeof(*l));
	if (!l || !(l->user = strdup(a->username)) ||
	    !(l->pass = strdup(a->password)))
		abort();
	l->r = r;
	auth_key(argv[0], l->key, sizeof(l->key));
	if (login_endpoint(l, e) < 0)
		goto fail;
	l->call = reg_call(&(struct reg_call_opts){
		.ep = &l->ep,
		.what = "",
		.user = l->user,
		.password = l->pass,
		.on_done = login_checked,
		.ctx = l,
	}, e);
	if (!l->call)
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
	struct login *l = calloc(1, sizeof(*l));

	if (!l)
		abort();
	l->r = r;
	l->logout = true;
	auth_key(argv[0], l->key, sizeof(l->key));
	if (auth_find(l->key, &u, &p) < 0) {
		err_setc(e, ERR_NOT_FOUND, "logout: not logged in to %s",
			 l->key);
		login_free(l);
		return -1;
	}
	if (login_save(l, e) < 0) {
		login_free(l);
		return -1;
	}
	return CMD_PENDING;
}

static const struct flag login_flags[] = {
	{ "username", 'u', FLAG_STR, offsetof(struct login_args, username),
	  "USER", "user name" },
	{ "password", 'p', FLAG_STR, offsetof(struct login_args, password),
	  "PASSWORD", "password (visible in ps: prefer --password-stdin)" },
	{ "password-stdin", 0, FLAG_BOOL,
	  offsetof(struct login_args, password_stdin), 0,
	  "the skiff client reads the password from its stdin" },
	{ 0 },
};

const struct command img_cmd_login = {
	.name = "login", .usage = "[OPTIONS] [SERVER]",
	.summary = "Check credentials with a registry and keep them "
		   "(default: Docker Hub)",
	.flags = login_flags, .args_size = sizeof(struct login_args),
	.max_pos = 1, .handler = do_login, .cmd_flags = CMD_MUTATES | CMD_ADMIN,
};
const struct command img_cmd_logout = {
	.name = "logout", .usage = "[SERVER]",
	.summary = "Forget a registry's credentials (default: Docker Hub)",
	.max_pos = 1, .handler = do_logout,
	.cmd_flags = CMD_MUTATES | CMD_ADMIN,
};
