/* compose.c - a compose project from its files: which files, the
 * environment they are interpolated with, the merge of several files,
 * env_file:, profiles, the project's name and the names of its networks
 * and volumes, and the checks that need the whole project (references,
 * dependency cycles). See compose.h. Owns nothing past the call but the
 * struct compose_project it fills. */
#include <fcntl.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../core/base/xalloc.h"
#include "compose.h"
#include "envfile.h"
#include "jtree.h"

#define ENV_MAX 4096

/* The variables interpolation sees: the caller's environment first,
 * then the project's .env (as docker compose). */
struct penv {
	const struct compose_opts *o;
	struct envfile dotenv;
};

static const char *penv_get(const char *name, void *ctx)
{
	struct penv *pe = ctx;
	const char *v = pe->o->env ? pe->o->env(name, pe->o->env_ctx) : NULL;
	size_t n = strlen(name);

	if (v)
		return v;
	for (size_t i = pe->dotenv.n; i-- > 0;)
		if (!strncmp(pe->dotenv.v[i], name, n) &&
		    pe->dotenv.v[i][n] == '=')
			return pe->dotenv.v[i] + n + 1;
	return NULL;
}

static int read_fs(const char *path, struct buf *out, void *ctx,
		   struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return err_set(e, errno, "%s", path);
	for (;;) {
		char *p = buf_reserve(out, 65536);
		n = read(fd, p, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "%s", path);
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		if (buf_used(out) > CNODE_MAX_BYTES)
			return err_setc(e, ERR_TOO_LARGE,
					"%s: larger than %u bytes", path,
					CNODE_MAX_BYTES);
	}
}

static int read_file(const struct compose_opts *o, const char *path,
		     struct buf *out, struct err *e)
{
	if (!strcmp(path, "-")) {
		buf_append(out, o->stdin_text ? o->stdin_text : "",
			   o->stdin_len);
		return 0;
	}
	return o->read ? o->read(path, out, o->read_ctx, e) :
			 read_fs(path, out, NULL, e);
}

static bool file_exists(const struct compose_opts *o, const char *path)
{
	struct buf b = { 0 };
	struct err e = ERR_INIT;
	int r = read_file(o, path, &b, &e);

	buf_free(&b);
	return r == 0;
}

/* .env and env_file values: surrounding quotes removed. */
static void unquote_env(struct envfile *f)
{
	for (size_t i = 0; i < f->n; i++) {
		char *eq = strchr(f->v[i], '=');
		size_t n = eq ? strlen(eq + 1) : 0;
		if (n >= 2 && (eq[1] == '"' || eq[1] == '\'') &&
		    eq[n] == eq[1]) {
			memmove(eq + 1, eq + 2, n - 2);
			eq[n - 1] = '\0';
		}
	}
}

static int load_env_file(const struct compose_opts *o, const char *path,
			 compose_env_fn lookup, void *ctx, struct envfile *out,
			 struct err *e)
{
	struct buf b = { 0 };
	int r = read_file(o, path, &b, e);

	if (r == 0)
		r = envfile_parse(path, buf_used(&b) ? buf_head(&b) : "",
				  buf_used(&b), lookup, ctx, out, e);
	buf_free(&b);
	if (r == 0)
		unquote_env(out);
	return r;
}

/* ---- which files ---- */

/* Lexically clean an absolute path in place: no "." or ".." parts, no
 * doubled or trailing '/' (Go's filepath.Clean, which docker compose
 * applies). */
static char *path_clean(char *path)
{
	char *out = path, *p = path;

	while (*p) {
		while (*p == '/')
			p++;
		char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 1 && p[0] == '.') {
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (out > path && *--out != '/')
				;
		} else if (n) {
			*out++ = '/';
			memmove(out, p, n);
			out += n;
		}
		p = end;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
	return path;
}

static char *abs_of(const char *cwd, const char *p)
{
	if (!strcmp(p, "-"))
		return xstrdup(p);
	return path_clean(p[0] == '/' ? xstrdup(p) :
					xasprintf("%s/%s", cwd, p));
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, slash - path);
}

static void push_abs(struct strv *files, const char *cwd, const char *p)
{
	char *a = abs_of(cwd, p);

	strv_push(files, a);
	free(a);
}

/* -f, else COMPOSE_FILE (':'-separated), else the first default name
 * that exists in the working directory. */
static int pick_files(const struct compose_opts *o, struct strv *files,
		      struct err *e)
{
	static const char *const defaults[] = { "compose.yaml", "compose.yml",
						"docker-compose.yml",
						"docker-compose.yaml" };
	const char *env = o->env ? o->env("COMPOSE_FILE", o->env_ctx) : NULL;

	for (size_t i = 0; i < o->nfiles; i++)
		push_abs(files, o->cwd, o->files[i]);
	if (files->n)
		return 0;
	if (env && *env) {
		_cleanup_free_ char *copy = xstrdup(env);
		char *save = NULL;
		for (char *f = strtok_r(copy, ":", &save); f;
		     f = strtok_r(NULL, ":", &save))
			push_abs(files, o->cwd, f);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		_cleanup_free_ char *a = abs_of(o->cwd, defaults[i]);
		if (file_exists(o, a)) {
			strv_push(files, a);
			return 0;
		}
	}
	return err_setc(e, ERR_NOT_FOUND,
			"no compose file: none of compose.yaml, compose.yml, "
			"docker-compose.yml, docker-compose.yaml in %s",
			o->cwd);
}

/* ---- one file ---- */

struct cnode *compose_file_parse(struct cnode_files *files, const char *name,
				 const char *text, size_t len,
				 compose_env_fn env, void *env_ctx,
				 struct err *e)
{
	struct cnode *root = cnode_load(files, name, text, len, e);

	if (!root)
		return NULL;
	if (compose_interp_tree(root, env, env_ctx, NULL, e) < 0 ||
	    compose_schema_check(root, e) < 0 ||
	    compose_norm_file(root, "/project", e) < 0) {
		cnode_free(root);
		return NULL;
	}
	return root;
}

static struct cnode *load_one(const struct compose_opts *o,
			      struct compose_project *p, const char *path,
			      struct penv *pe, struct strv *warn,
			      struct err *e)
{
	struct buf b = { 0 };
	struct cnode *root = NULL;
	const char *name = strcmp(path, "-") ? path : "(stdin)";

	if (read_file(o, path, &b, e) == 0)
		root = cnode_load(&p->files, name,
				  buf_used(&b) ? buf_head(&b) : "",
				  buf_used(&b), e);
	buf_free(&b);
	if (!root)
		return NULL;
	if (compose_interp_tree(root, penv_get, pe, warn, e) < 0 ||
	    compose_schema_check(root, e) < 0 ||
	    compose_norm_file(root, p->dir, e) < 0) {
		cnode_free(root);
		return NULL;
	}
	return root;
}

/* ---- merging files ---- */

static void merge_node(struct cnode *dst, const struct cnode *src);

static bool seq_has(const struct cnode *seq, const struct cnode *n)
{
	for (size_t i = 0; i < seq->n; i++)
		if (cnode_equal(seq->v[i], n))
			return true;
	return false;
}

/* Items of src replace those of dst with the same `key` (a volume's
 * target, a secret's source); the others are appended. */
static void merge_by(struct cnode *dst, const struct cnode *src,
		     const char *key)
{
	for (size_t i = 0; i < src->n; i++) {
		const char *k = cnode_text(cnode_get(src->v[i], key));
		bool done = false;
		for (size_t j = 0; k && j < dst->n && !done; j++) {
			const char *dk = cnode_text(cnode_get(dst->v[j], key));
			if (dk && !strcmp(dk, k)) {
				cnode_free(dst->v[j]);
				dst->v[j] = cnode_copy(src->v[i]);
				done = true;
			}
		}
		if (!done)
			cnode_push(dst, cnode_copy(src->v[i]));
	}
}

static void merge_value(struct cnode *map, size_t at, const char *key,
			const struct cnode *src)
{
	struct cnode *dst = map->v[at];

	if (dst->t != src->t || (src->t != CN_MAP && src->t != CN_SEQ) ||
	    !strcmp(key, "command") || !strcmp(key, "entrypoint") ||
	    !strcmp(key, "test")) {
		cnode_free(dst);
		map->v[at] = cnode_copy(src);
	} else if (src->t == CN_MAP) {
		merge_node(dst, src);
	} else if (!strcmp(key, "volumes")) {
		merge_by(dst, src, "target");
	} else if (!strcmp(key, "secrets") || !strcmp(key, "configs")) {
		merge_by(dst, src, "source");
	} else {
		for (size_t i = 0; i < src->n; i++)
			if (!seq_has(dst, src->v[i]))
				cnode_push(dst, cnode_copy(src->v[i]));
	}
}

/* The spec's merge: mappings key by key, scalars replaced, lists as
 * merge_value says. */
static void merge_node(struct cnode *dst, const struct cnode *src)
{
	for (size_t i = 0; i < src->n; i++) {
		ssize_t at = cnode_find(dst, src->k[i]->s);
		if (at < 0)
			cnode_set(dst, src->k[i]->s, cnode_copy(src->v[i]));
		else
			merge_value(dst, (size_t)at, src->k[i]->s, src->v[i]);
	}
}

/* ---- extends ---- */

static int fail_svc(const struct cnode *n, const char *svc, const char *why,
		    const char *arg, struct err *e)
{
	char where[300];

	return err_setc(e, ERR_INVALID, "%s: service \"%.100s\": %s%.200s",
			cnode_where(n, where, sizeof(where)), svc, why,
			arg ? arg : "");
}

#define EXTENDS_MAX_DEPTH 16

static int extends_service(const struct compose_opts *o,
			   struct compose_project *p, struct penv *pe,
			   struct strv *warn, struct cnode *root,
			   const char *dir, struct cnode *svc,
			   const char *name, int depth, struct err *e);

/* The service `extends` names, its own extends resolved first: in root,
 * or in another file (loaded through the same steps; root_out owns it
 * then). */
static struct cnode *extends_base(const struct compose_opts *o,
				  struct compose_project *p, struct penv *pe,
				  struct strv *warn, struct cnode *root,
				  const char *dir, const struct cnode *ext,
				  const char *name, struct cnode **other,
				  int depth, struct err *e)
{
	const char *base = cnode_text(ext->t == CN_MAP ?
					      cnode_get(ext, "service") :
					      ext);
	const char *file = ext->t == CN_MAP ?
				   cnode_text(cnode_get(ext, "file")) :
				   NULL;
	_cleanup_free_ char *path = NULL, *fdir = NULL;
	struct cnode *from = root, *svc;

	if (file) {
		path = abs_of(dir, file);
		fdir = dir_of(path);
		*other = from = load_one(o, p, path, pe, warn, e);
		if (!from)
			return fail_svc(ext, name, "extends: ", e->msg, e),
			       NULL;
	}
	svc = cnode_get(cnode_get(from, "services"), base ? base : "");
	if (!svc)
		return fail_svc(ext, name, "extends an undefined service ",
				base, e),
		       NULL;
	if (extends_service(o, p, pe, warn, from, fdir ? fdir : dir, svc, base,
			    depth + 1, e) < 0)
		return NULL;
	return svc;
}

/* A service that `extends` another becomes that one's copy with its own
 * keys merged over it (the rules of merging files). */
static int extends_service(const struct compose_opts *o,
			   struct compose_project *p, struct penv *pe,
			   struct strv *warn, struct cnode *root,
			   const char *dir, struct cnode *svc,
			   const char *name, int depth, struct err *e)
{
	ssize_t at = cnode_find(svc, "extends");
	struct cnode *other = NULL, *base, *merged, *ext;

	if (at < 0)
		return 0;
	ext = svc->v[at];
	if (depth > EXTENDS_MAX_DEPTH)
		return fail_svc(ext, name, "extends: a cycle, or deeper than ",
				"16", e);
	base = extends_base(o, p, pe, warn, root, dir, ext, name, &other,
			    depth, e);
	if (!base) {
		cnode_free(other);
		return -1;
	}
	merged = cnode_copy(base);
	cnode_free(other);
	cnode_del(svc, "extends");
	merge_node(merged, svc);
	/* svc keeps its place (and its position) in its parent */
	for (size_t i = 0; i < svc->n; i++) {
		cnode_free(svc->k[i]);
		cnode_free(svc->v[i]);
	}
	free(svc->k);
	free(svc->v);
	svc->k = steal_ptr(&merged->k);
	svc->v = steal_ptr(&merged->v);
	svc->n = merged->n;
	svc->cap = merged->cap;
	merged->n = 0;
	cnode_free(merged);
	return 0;
}

static int extends_file(const struct compose_opts *o,
			struct compose_project *p, struct penv *pe,
			struct strv *warn, struct cnode *root, const char *path,
			struct err *e)
{
	struct cnode *svcs = cnode_get(root, "services");
	_cleanup_free_ char *dir = strcmp(path, "-") ? dir_of(path) :
						       xstrdup(o->cwd);

	for (size_t i = 0; svcs && i < svcs->n; i++)
		if (extends_service(o, p, pe, warn, root, dir, svcs->v[i],
				    svcs->k[i]->s, 0, e) < 0)
			return -1;
	return 0;
}

/* ---- the whole project ---- */


static bool profile_on(const struct compose_opts *o, struct strv *active,
		       const struct cnode *svc)
{
	struct cnode *pr = cnode_get(svc, "profiles");

	if (!pr || !pr->n)
		return true;
	for (size_t i = 0; i < pr->n; i++) {
		const char *s = cnode_text(pr->v[i]);
		if (s && (strv_contains(active, s) ||
			  strv_contains(active, "*")))
			return true;
	}
	return false;
}

static void active_profiles(const struct compose_opts *o, struct penv *pe,
			    struct strv *active)
{
	const char *env = penv_get("COMPOSE_PROFILES", pe);

	for (size_t i = 0; i < o->nprofiles; i++)
		strv_push(active, o->profiles[i]);
	if (env && *env) {
		_cleanup_free_ char *copy = xstrdup(env);
		char *save = NULL;
		for (char *s = strtok_r(copy, ",", &save); s;
		     s = strtok_r(NULL, ",", &save))
			strv_push(active, s);
	}
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Services whose profiles are all off leave the model. */
static void apply_profiles(const struct compose_opts *o, struct penv *pe,
			   struct cnode *svcs, struct compose_project *p)
{
	struct strv active = { 0 }, all = { 0 };

	for (size_t i = 0; i < svcs->n; i++) {
		struct cnode *pr = cnode_get(svcs->v[i], "profiles");
		for (size_t j = 0; pr && j < pr->n; j++)
			if (cnode_text(pr->v[j]) &&
			    !strv_contains(&all, cnode_text(pr->v[j])))
				strv_push(&all, cnode_text(pr->v[j]));
	}
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), strcmp_p);
	p->profiles = all.v;
	p->nprofiles = all.n;

	active_profiles(o, pe, &active);
	for (size_t i = svcs->n; i-- > 0;)
		if (!profile_on(o, &active, svcs->v[i]))
			cnode_del(svcs, svcs->k[i]->s);
	strv_free(&active);
}

/* env_file: read and folded into environment (environment wins). */
static int apply_env_files(const struct compose_opts *o, struct penv *pe,
			   struct cnode *svc, const char *name, struct err *e)
{
	struct cnode *ef = cnode_get(svc, "env_file"), *env;

	if (!ef)
		return 0;
	env = cnode_get(svc, "environment");
	if (!env) {
		cnode_set(svc, "environment", cnode_new(CN_MAP, ef));
		env = cnode_get(svc, "environment");
	}
	for (size_t i = 0; i < ef->n; i++) {
		struct envfile f = { 0 };
		if (load_env_file(o, cnode_text(ef->v[i]), penv_get, pe, &f,
				  e) < 0) {
			envfile_free(&f);
			return fail_svc(ef->v[i], name, "env_file: ", e->msg,
					e);
		}
		for (size_t j = 0; j < f.n; j++) {
			char *eq = strchr(f.v[j], '=');
			*eq = '\0';
			if (!cnode_get(env, f.v[j]))
				cnode_set(env, f.v[j],
					  cnode_new_str(eq + 1, ef->v[i]));
		}
		envfile_free(&f);
	}
	cnode_del(svc, "env_file");
	return 0;
}

static struct cnode *top(struct cnode *model, const char *key)
{
	struct cnode *m = cnode_get(model, key);

	if (!m) {
		cnode_set(model, key, cnode_new(CN_MAP, model));
		m = cnode_get(model, key);
	}
	return m;
}

/* Networks the service joins exist; no networks means `default`. */
static int check_networks(struct cnode *model, struct cnode *svc,
			  const char *name, struct err *e)
{
	struct cnode *nets = cnode_get(svc, "networks");
	struct cnode *decl = top(model, "networks");

	if (cnode_get(svc, "network_mode")) {
		if (nets)
			return fail_svc(nets, name,
					"network_mode and networks cannot be "
					"combined",
					NULL, e);
		return 0;
	}
	if (!nets) {
		struct cnode *m = cnode_new(CN_MAP, svc);
		cnode_set(m, "default", cnode_new(CN_NULL, svc));
		cnode_set(svc, "networks", m);
		nets = m;
	}
	for (size_t i = 0; i < nets->n; i++) {
		if (!strcmp(nets->k[i]->s, "default") &&
		    !cnode_get(decl, "default"))
			cnode_set(decl, "default", cnode_new(CN_MAP, svc));
		if (!cnode_get(decl, nets->k[i]->s))
			return fail_svc(nets->k[i], name,
					"refers to an undefined network ",
					nets->k[i]->s, e);
	}
	return 0;
}

static int check_refs(struct cnode *model, struct cnode *svc,
		      const char *name, struct err *e)
{
	struct cnode *vols = cnode_get(svc, "volumes");
	struct cnode *deps = cnode_get(svc, "depends_on");
	struct cnode *svcs = cnode_get(model, "services");
	static const char *const kinds[] = { "secrets", "configs" };

	for (size_t i = 0; vols && i < vols->n; i++) {
		const char *t = cnode_text(cnode_get(vols->v[i], "type"));
		const char *src = cnode_text(cnode_get(vols->v[i], "source"));
		if (t && !strcmp(t, "volume") && src &&
		    !cnode_get(cnode_get(model, "volumes"), src))
			return fail_svc(vols->v[i], name,
					"refers to an undefined volume ", src,
					e);
	}
	for (size_t k = 0; k < 2; k++) {
		struct cnode *l = cnode_get(svc, kinds[k]);
		for (size_t i = 0; l && i < l->n; i++) {
			const char *src = cnode_text(cnode_get(l->v[i],
							       "source"));
			if (src && !cnode_get(cnode_get(model, kinds[k]), src))
				return fail_svc(l->v[i], name,
						k ? "refers to an undefined "
						    "config " :
						    "refers to an undefined "
						    "secret ",
						src, e);
		}
	}
	for (size_t i = deps ? deps->n : 0; i-- > 0;) {
		if (cnode_get(svcs, deps->k[i]->s))
			continue;
		struct cnode *req = cnode_get(deps->v[i], "required");
		if (req && req->t == CN_BOOL && !req->b) {
			cnode_del(deps, deps->k[i]->s);
			continue;
		}
		return fail_svc(deps->k[i], name,
				"depends on undefined or disabled service ",
				deps->k[i]->s, e);
	}
	return 0;
}

/* depends_on has no cycle: a depth-first walk with colours. */
static int visit(struct cnode *svcs, size_t i, char *colour, size_t *stack,
		 size_t depth, struct err *e)
{
	struct cnode *deps = cnode_get(svcs->v[i], "depends_on");

	colour[i] = 1;
	stack[depth] = i;
	for (size_t d = 0; deps && d < deps->n; d++) {
		ssize_t j = cnode_find(svcs, deps->k[d]->s);
		if (j < 0 || colour[j] == 2)
			continue;
		if (colour[j] == 1) {
			struct buf b = { 0 };
			size_t from = 0;
			while (stack[from] != (size_t)j)
				from++;
			for (size_t k = from; k <= depth; k++)
				buf_printf(&b, "%s -> ", svcs->k[stack[k]]->s);
			buf_printf(&b, "%s", svcs->k[j]->s);
			err_setc(e, ERR_INVALID,
				 "a dependency cycle: %.400s", buf_head(&b));
			buf_free(&b);
			return -1;
		}
		if (visit(svcs, (size_t)j, colour, stack, depth + 1, e) < 0)
			return -1;
	}
	colour[i] = 2;
	return 0;
}

static int check_cycles(struct cnode *svcs, struct err *e)
{
	_cleanup_free_ char *colour = xcalloc(svcs->n + 1, 1);
	_cleanup_free_ size_t *stack = xcalloc(svcs->n + 1, sizeof(size_t));

	for (size_t i = 0; i < svcs->n; i++)
		if (!colour[i] && visit(svcs, i, colour, stack, 0, e) < 0)
			return -1;
	return 0;
}

/* Networks and volumes get their engine names: PROJECT_KEY unless
 * external or named. */
static void name_objects(struct cnode *model, const char *key,
			 const char *project)
{
	struct cnode *m = cnode_get(model, key);

	for (size_t i = 0; m && i < m->n; i++) {
		struct cnode *ext = cnode_get(m->v[i], "external");
		char *nm;
		if (cnode_get(m->v[i], "name"))
			continue;
		if (ext && ext->t == CN_BOOL && ext->b)
			nm = xstrdup(m->k[i]->s);
		else
			nm = xasprintf("%s_%s", project, m->k[i]->s);
		cnode_set(m->v[i], "name", cnode_new_str(nm, m->v[i]));
		free(nm);
	}
}

/* Docker's rule for a project name: lower case, [a-z0-9_-], starting
 * with a letter or digit. */
static char *project_name_norm(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	size_t n = 0;

	for (; *s; s++) {
		char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    ((c == '_' || c == '-') && n))
			out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

static int pick_name(const struct compose_opts *o, struct penv *pe,
		     struct compose_project *p, struct err *e)
{
	const char *env = penv_get("COMPOSE_PROJECT_NAME", pe);
	const char *top_name = cnode_text(cnode_get(p->model, "name"));
	const char *base = strrchr(p->dir, '/');
	const char *raw = o->project_name && *o->project_name ? o->project_name :
			  env && *env				  ? env :
			  top_name && *top_name			  ? top_name :
								    base ? base + 1 : p->dir;

	p->name = project_name_norm(raw);
	if (!p->name[0])
		return err_setc(e, ERR_INVALID,
				"\"%.100s\" is not a valid project name "
				"(use -p NAME)",
				raw);
	cnode_set(p->model, "name", cnode_new_str(p->name, NULL));
	return 0;
}

static int finish(const struct compose_opts *o, struct penv *pe,
		  struct compose_project *p, struct err *e)
{
	struct cnode *svcs = top(p->model, "services");

	apply_profiles(o, pe, svcs, p);
	if (pick_name(o, pe, p, e) < 0)
		return -1;
	for (size_t i = 0; i < svcs->n; i++) {
		const char *name = svcs->k[i]->s;
		if (apply_env_files(o, pe, svcs->v[i], name, e) < 0 ||
		    check_networks(p->model, svcs->v[i], name, e) < 0 ||
		    check_refs(p->model, svcs->v[i], name, e) < 0)
			return -1;
		if (!cnode_get(svcs->v[i], "image") &&
		    !cnode_get(svcs->v[i], "build"))
			return fail_svc(svcs->v[i], name,
					"has neither an image nor a build",
					NULL, e);
	}
	if (check_cycles(svcs, e) < 0)
		return -1;
	name_objects(p->model, "networks", p->name);
	name_objects(p->model, "volumes", p->name);
	for (size_t i = p->model->n; i-- > 0;) /* empty sections go */
		if (p->model->v[i]->t == CN_MAP && !p->model->v[i]->n &&
		    strcmp(p->model->k[i]->s, "services"))
			cnode_del(p->model, p->model->k[i]->s);
	return 0;
}

static int load_dotenv(const struct compose_opts *o, struct penv *pe,
		       const char *dir, struct err *e)
{
	_cleanup_free_ char *def = xasprintf("%s/.env", dir);

	for (size_t i = 0; i < o->nenv_files; i++) {
		_cleanup_free_ char *a = abs_of(o->cwd, o->env_files[i]);
		if (load_env_file(o, a, NULL, NULL, &pe->dotenv, e) < 0)
			return -1;
	}
	if (!o->nenv_files && file_exists(o, def))
		return load_env_file(o, def, NULL, NULL, &pe->dotenv, e);
	return 0;
}

static void sort_all(struct cnode *n)
{
	if (n->t == CN_MAP)
		cnode_sort(n);
	for (size_t i = 0; i < n->n; i++)
		sort_all(n->v[i]);
}

int compose_project_load(const struct compose_opts *o,
			 struct compose_project *p, struct err *e)
{
	struct strv files = { 0 }, warn = { 0 };
	struct penv pe = { .o = o };
	int r = -1;

	memset(p, 0, sizeof(*p));
	if (pick_files(o, &files, e) < 0)
		goto out;
	p->dir = o->project_dir ? abs_of(o->cwd, o->project_dir) :
		 strcmp(files.v[0], "-") ? dir_of(files.v[0]) :
					   xstrdup(o->cwd);
	if (load_dotenv(o, &pe, p->dir, e) < 0)
		goto out;
	for (size_t i = 0; i < files.n; i++) {
		struct cnode *one = load_one(o, p, files.v[i], &pe, &warn, e);
		if (!one)
			goto out;
		if (extends_file(o, p, &pe, &warn, one, files.v[i], e) < 0) {
			cnode_free(one);
			goto out;
		}
		if (!p->model) {
			p->model = one;
			continue;
		}
		merge_node(p->model, one);
		cnode_free(one);
	}
	r = finish(o, &pe, p, e);
	if (r == 0)
		sort_all(p->model);
out:
	p->warnings = warn.v;
	p->nwarnings = warn.n;
	strv_free(&files);
	envfile_free(&pe.dotenv);
	return r;
}

void compose_project_free(struct compose_project *p)
{
	cnode_free(p->model);
	free(p->name);
	free(p->dir);
	for (size_t i = 0; i < p->nwarnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	for (size_t i = 0; i < p->nprofiles; i++)
		free(p->profiles[i]);
	free(p->profiles);
	cnode_files_free(&p->files);
	memset(p, 0, sizeof(*p));
}

void compose_project_json(const struct compose_project *p, bool pretty,
			  struct buf *out)
{
	struct jw w;

	if (pretty)
		jw_open_pretty(&w, out);
	else
		jw_open(&w, out);
	for (size_t i = 0; i < p->model->n; i++)
		cnode_json(&w, p->model->k[i]->s, p->model->v[i]);
	jw_close(&w);
}

/* May s be written as a plain scalar and read back, by a YAML 1.2 or a
 * YAML 1.1 reader (PyYAML, docker-compose 1.29), as the same string?
 * A conservative answer: anything else is double-quoted. */
static bool plain_ok(const char *s)
{
	static const char *const yaml11[] = { "y", "Y", "yes", "Yes", "YES",
					      "n", "N", "no", "No", "NO",
					      "on", "On", "ON", "off", "Off",
					      "OFF", NULL };
	struct cnode probe = { .s = (char *)s };
	size_t n = strlen(s);

	if (!n || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789/._", s[0]) ||
	    s[n - 1] == ' ' || s[n - 1] == ':' || strstr(s, ": ") ||
	    strstr(s, " #") || strspn(s, "0123456789:._-") == n)
		return false;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789 _./@:+=~-") != n)
		return false;
	for (const char *const *w = yaml11; *w; w++)
		if (!strcmp(s, *w))
			return false;
	cnode_type_plain(&probe);
	return probe.t == CN_STR;
}

static void flow_str(const char *s, struct buf *out)
{
	if (plain_ok(s)) {
		buf_puts(out, s);
		return;
	}
	buf_puts(out, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(out, "\\x%02x", *p);
		else
			buf_append(out, p, 1);
	}
	buf_puts(out, "\"");
}

/* The model as flow YAML with the scalar styles chosen. */
static void yaml_flow(const struct cnode *n, struct buf *out)
{
	switch (n->t) {
	case CN_NULL:
		buf_puts(out, "null");
		return;
	case CN_STR:
		flow_str(n->s, out);
		return;
	case CN_FLOAT:
		buf_puts(out, n->s); /* as written: 1.5, .inf */
		return;
	case CN_BOOL:
	case CN_INT:
		buf_puts(out, n->t == CN_BOOL ? (n->b ? "true" : "false") :
						n->s);
		return;
	case CN_MAP:
		buf_puts(out, "{");
		for (size_t i = 0; i < n->n; i++) {
			buf_puts(out, i ? ", " : "");
			flow_str(n->k[i]->s, out);
			buf_puts(out, ": ");
			yaml_flow(n->v[i], out);
		}
		buf_puts(out, "}");
		return;
	case CN_SEQ:
		buf_puts(out, "[");
		for (size_t i = 0; i < n->n; i++) {
			buf_puts(out, i ? ", " : "");
			yaml_flow(n->v[i], out);
		}
		buf_puts(out, "]");
		return;
	}
}

/* libfyaml lays the flow text out as block YAML, keeping the styles. */
int compose_project_yaml(const struct compose_project *p, struct buf *out,
			 struct err *e)
{
	struct buf flow = { 0 };
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
	struct fy_document *doc;
	char *text = NULL;

	yaml_flow(p->model, &flow);
	doc = fy_document_build_from_string(&cfg, buf_head(&flow),
					    buf_used(&flow));
	if (doc)
		text = fy_emit_document_to_string(doc, FYECF_MODE_BLOCK);
	if (doc)
		fy_document_destroy(doc);
	buf_free(&flow);
	if (!text)
		return err_setc(e, ERR_INTERNAL, "cannot write the model "
						 "as YAML");
	buf_puts(out, text);
	free(text);
	return 0;
}
