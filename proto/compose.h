/* compose.h - compose files to the normalised model skiffd deploys.
 *
 * compose_project_load() does what `docker compose` does before it talks
 * to an engine: it reads the files (-f, COMPOSE_FILE, else
 * compose.yaml / docker-compose.yml ... in the working directory), the
 * project's .env (or --env-file), interpolates ${VAR} forms, validates
 * each file against the compose-spec JSON schema (the one Debian's
 * docker-compose ships, compiled in; errors name file:line:column and
 * the key), turns every short syntax into its long one, merges the
 * files in order by the spec's rules, reads env_file:, applies profiles
 * and names the project (-p, COMPOSE_PROJECT_NAME, `name:`, else the
 * directory). The result is one struct cnode tree: the model that
 * `compose config` prints and that the CLI sends to skiffd as JSON
 * (docs/compose.md describes its shape).
 *
 * The pieces: cnode.c (YAML to positioned nodes), compose_interp.c,
 * compose_schema.c, compose_norm.c (short to long syntax, per file),
 * compose.c (files, environment, merge, profiles, names). File reads go
 * through a callback so a caller without a filesystem view of its own
 * (skiffd, a fuzzer) can serve them. */
#ifndef SKIFF_COMPOSE_H
#define SKIFF_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "cnode.h"
#include "jtree.h"

/* Read a whole file into out (appended); -1 with e set. */
typedef int (*compose_read_fn)(const char *path, struct buf *out,
			       void *ctx, struct err *e);
/* A variable of the caller's environment, or NULL. */
typedef const char *(*compose_env_fn)(const char *name, void *ctx);

struct compose_opts {
	const char *const *files; /* -f, in order; NULL/0: COMPOSE_FILE or
				     the default names */
	size_t nfiles;
	const char *const *env_files; /* --env-file; none: DIR/.env */
	size_t nenv_files;
	const char *const *profiles; /* --profile (COMPOSE_PROFILES too) */
	size_t nprofiles;
	const char *project_name; /* -p */
	const char *project_dir;  /* --project-directory; else the first
				     file's directory */
	const char *cwd;	  /* to make paths absolute; required */
	compose_env_fn env;	  /* NULL: no environment */
	void *env_ctx;
	compose_read_fn read; /* NULL: read(2) from the filesystem */
	void *read_ctx;
	/* Files that are `-` are read from here (the client's stdin). */
	const char *stdin_text;
	size_t stdin_len;
};

struct compose_project {
	char *name;
	char *dir;		  /* absolute project directory */
	struct cnode *model;	  /* the normalised model (owned) */
	struct cnode_files files; /* names nodes point to */
	char **warnings;	  /* "WARN: ..." lines for stderr */
	size_t nwarnings;
	char **profiles; /* every profile the files name, sorted */
	size_t nprofiles;
};

int compose_project_load(const struct compose_opts *o,
			 struct compose_project *p, struct err *e);
void compose_project_free(struct compose_project *p);
/* The model as one JSON document (pretty or one line). */
void compose_project_json(const struct compose_project *p, bool pretty,
			  struct buf *out);
/* The model as block YAML (what `compose config` prints). */
int compose_project_yaml(const struct compose_project *p, struct buf *out,
			 struct err *e);

/* Loading one file's text (no environment but env): parse, interpolate,
 * validate, normalise. For tests and the fuzzer. */
struct cnode *compose_file_parse(struct cnode_files *files, const char *name,
				 const char *text, size_t len,
				 compose_env_fn env, void *env_ctx,
				 struct err *e);

/* compose_interp.c: replace ${VAR} forms in every string of the tree
 * (keys excepted). Unset plain variables become "" with a warning
 * appended to warn (may be NULL). */
struct strv;
int compose_interp_tree(struct cnode *root, compose_env_fn env, void *ctx,
			struct strv *warn, struct err *e);
/* One string; out gets the result. path names the key for messages. */
int compose_interp_str(const char *s, compose_env_fn env, void *ctx,
		       struct buf *out, bool *unset_seen, char *unset_name,
		       size_t unset_size, struct err *e);

/* compose_schema.c: check a file's tree against the compose-spec
 * schema: "file:line:col: PATH: why". */
int compose_schema_check(const struct cnode *root, struct err *e);

/* compose_norm.c: long syntax for one file's tree, in place; paths made
 * absolute against dir. */
int compose_norm_file(struct cnode *root, const char *dir, struct err *e);
/* Split a command string as a POSIX shell splits words (quotes and
 * backslashes; no expansion). */
int compose_norm_split(const char *s, struct cnode *seq,
		       const struct cnode *where, struct err *e);

/* compose_plan.c: the start order of the model's services (an array of
 * pointers to their names, the caller frees the array), a service's
 * config hash (64 hex digits of sha256 over its JSON), and the name of
 * its container number n (PROJECT-SERVICE-N, or container_name). */
int compose_plan_order(const struct cnode *model, const char ***order,
		       size_t *n, struct err *e);
int compose_plan_hash(const struct cnode *svc, char out[65], struct err *e);
char *compose_plan_ctr_name(const char *project, const char *service,
			    const struct cnode *svc, unsigned n);
/* `config --hash SEL`: "SERVICE HASH" lines for the services SEL names
 * ("*" or NAME,NAME...), as docker compose prints them. */
int compose_plan_hash_text(const struct cnode *model, const char *sel,
			   struct buf *out, struct err *e);

/* compose_run.c: container number `number` of a service as the words of
 * a `create` request (its name, the com.docker.compose.* labels, every
 * option as create's flag) and, for its networks past the first, the
 * words of `network connect` requests. A key skiff cannot honour is an
 * error naming the service and the key. */
struct compose_run_in {
	const struct cnode *model, *svc;
	const char *project, *service;
	unsigned number;
	const char *hash;    /* its config hash (compose_plan_hash) */
	const char *workdir; /* the project directory, or NULL */
};
struct compose_run_out {
	char *name;	    /* the container's name */
	struct strv create; /* "create", flags..., image, args... */
	struct strv *connect; /* "network", "connect", ..., NET, NAME */
	size_t nconnect;
};
int compose_run_words(const struct compose_run_in *in,
		      struct compose_run_out *out, struct err *e);
void compose_run_out_free(struct compose_run_out *out);
/* deploy.replicas, else 1 (capped at 1000). */
unsigned compose_run_scale(const struct cnode *svc);

#endif
