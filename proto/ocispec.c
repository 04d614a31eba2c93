/* ocispec.c - OCI runtime-spec config.json: parse, write, free.
 *
 * Owns the struct oci_spec tree it allocates; everything is released by
 * ocispec_free(). Parsing goes through jtree.c so every error names the
 * JSON path of the offending field. Unknown fields are ignored, as the
 * runtime-spec asks of runtimes. */
#include "ocispec.h"

#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "json.h"

static const char *const capset_keys[OCI_CAP_NSETS] = {
    [OCI_CAP_BOUNDING] = "bounding",	   [OCI_CAP_EFFECTIVE] = "effective",
    [OCI_CAP_INHERITABLE] = "inheritable", [OCI_CAP_PERMITTED] = "permitted",
    [OCI_CAP_AMBIENT] = "ambient",
};

static const char *const action_names[] = {
    [OCI_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [OCI_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [OCI_SCMP_TRAP] = "SCMP_ACT_TRAP",
    [OCI_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
    [OCI_SCMP_TRACE] = "SCMP_ACT_TRACE",
    [OCI_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
    [OCI_SCMP_LOG] = "SCMP_ACT_LOG",
};

static const char *const op_names[] = {
    [OCI_SCMP_CMP_NE] = "SCMP_CMP_NE",
    [OCI_SCMP_CMP_LT] = "SCMP_CMP_LT",
    [OCI_SCMP_CMP_LE] = "SCMP_CMP_LE",
    [OCI_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [OCI_SCMP_CMP_GE] = "SCMP_CMP_GE",
    [OCI_SCMP_CMP_GT] = "SCMP_CMP_GT",
    [OCI_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

int ocispec_scmp_action_parse(const char *s, enum oci_scmp_action *out)
{
	if (strcmp(s, "SCMP_ACT_KILL") == 0) {
		*out = OCI_SCMP_KILL_THREAD;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++) {
		if (strcmp(s, action_names[i]) == 0) {
			*out = (enum oci_scmp_action)i;
			return 0;
		}
	}
	return -1;
}

const char *ocispec_scmp_action_name(enum oci_scmp_action a)
{
	return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

int ocispec_scmp_op_parse(const char *s, enum oci_scmp_op *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(op_names); i++) {
		if (strcmp(s, op_names[i]) == 0) {
			*out = (enum oci_scmp_op)i;
			return 0;
		}
	}
	return -1;
}

const char *ocispec_scmp_op_name(enum oci_scmp_op op)
{
	return (size_t)op < ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

/* ---- freeing ---- */

static void scmp_rule_free(struct oci_scmp_rule *r)
{
	strv_free(&r->names);
	free(r->args);
}

void ocispec_seccomp_free(struct oci_seccomp *s)
{
	if (!s)
		return;
	strv_free(&s->architectures);
	for (size_t i = 0; i < s->n_syscalls; i++)
		scmp_rule_free(&s->syscalls[i]);
	free(s->syscalls);
	free(s);
}

static void process_free(struct oci_process *p)
{
	free(p->user.additional_gids);
	free(p->user.username);
	strv_free(&p->user.group_names);
	strv_free(&p->args);
	strv_free(&p->env);
	free(p->cwd);
	for (int i = 0; i < OCI_CAP_NSETS; i++)
		strv_free(&p->caps[i]);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
}

void ocispec_free(struct oci_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	process_free(&s->process);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_free(&s->mounts[i].options);
	}
	free(s->mounts);
	for (size_t i = 0; i < s->n_namespaces; i++) {
		free(s->namespaces[i].type);
		free(s->namespaces[i].path);
	}
	free(s->namespaces);
	strv_free(&s->masked_paths);
	strv_free(&s->readonly_paths);
	ocispec_seccomp_free(s->seccomp);
	free(s->cgroups_path);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->devrules);
	for (size_t i = 0; i < s->n_sysctl; i++) {
		free(s->sysctl[i].key);
		free(s->sysctl[i].value);
	}
	free(s->sysctl);
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	free(s);
}

struct oci_spec *ocispec_new(void)
{
	struct oci_spec *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->oci_version = strdup("1.0.2");
	if (!s->oci_version) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---- parsing ---- */

/* A required string member. */
static int req_str(struct jt *t, yajl_val obj, const char *key, char **out)
{
	if (!jt_get(obj, key)) {
		jt_key(t, key);
		return jt_fail(t, "required");
	}
	return jt_opt_str(t, obj, key, out);
}

/* A string member that must name one of a fixed set of words. */
static int req_word(struct jt *t, yajl_val obj, const char *key,
		    int (*parse)(const char *, void *), void *out)
{
	_cleanup_free_ char *s = NULL;

	if (req_str(t, obj, key, &s) < 0)
		return -1;
	if (parse(s, out) == 0)
		return 0;
	jt_key(t, key);
	return err_setc(t->e, ERR_INVALID, "%s: unknown value \"%s\"", t->path,
			s);
}

static int action_parse_cb(const char *s, void *out)
{
	return ocispec_scmp_action_parse(s, out);
}

static int op_parse_cb(const char *s, void *out)
{
	return ocispec_scmp_op_parse(s, out);
}

static int req_u64(struct jt *t, yajl_val obj, const char *key, uint64_t *out)
{
	if (!jt_get(obj, key)) {
		jt_key(t, key);
		return jt_fail(t, "required");
	}
	return jt_opt_u64(t, obj, key, out);
}

static int scmp_arg_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_scmp_arg *a = elem;
	uint64_t idx;

	if (jt_want_obj(t, v) < 0 || req_u64(t, v, "index", &idx) < 0)
		return -1;
	if (idx > 5) {
		jt_key(t, "index");
		return jt_fail(t, "must be 0 to 5");
	}
	a->index = (uint32_t)idx;
	if (req_u64(t, v, "value", &a->value) < 0 ||
	    jt_opt_u64(t, v, "valueTwo", &a->value_two) < 0)
		return -1;
	return req_word(t, v, "op", op_parse_cb, &a->op);
}

int ocispec_scmp_rule_read(struct jt *t, yajl_val v, struct oci_scmp_rule *r)
{
	if (jt_want_obj(t, v) < 0)
		return -1;
	if (!jt_get(v, "names") && jt_get(v, "name")) {
		_cleanup_free_ char *name = NULL;
		if (jt_opt_str(t, v, "name", &name) < 0)
			return -1;
		if (strv_push(&r->names, name) < 0)
			return err_set(t->e, ENOMEM, "%s", t->path);
	} else if (!jt_get(v, "names")) {
		jt_key(t, "names");
		return jt_fail(t, "required");
	}
	if (jt_opt_strv(t, v, "names", &r->names) < 0 ||
	    req_word(t, v, "action", action_parse_cb, &r->action) < 0)
		return -1;
	if (jt_get(v, "errnoRet")) {
		r->has_errno_ret = true;
		if (jt_opt_u32(t, v, "errnoRet", &r->errno_ret) < 0)
			return -1;
	}
	return jt_opt_array(t, v, "args", sizeof(*r->args), (void **)&r->args,
			    &r->n_args, scmp_arg_read);
}

static int scmp_rule_cb(struct jt *t, yajl_val v, void *elem)
{
	return ocispec_scmp_rule_read(t, v, elem);
}

static int seccomp_read(struct jt *t, yajl_val v, struct oci_seccomp *s)
{
	if (jt_want_obj(t, v) < 0 ||
	    req_word(t, v, "defaultAction", action_parse_cb,
		     &s->default_action) < 0)
		return -1;
	if (jt_get(v, "defaultErrnoRet")) {
		s->has_default_errno_ret = true;
		if (jt_opt_u32(t, v, "defaultErrnoRet", &s->default_errno_ret) <
		    0)
			return -1;
	}
	if (jt_opt_strv(t, v, "architectures", &s->architectures) < 0)
		return -1;
	return jt_opt_array(t, v, "syscalls", sizeof(*s->syscalls),
			    (void **)&s->syscalls, &s->n_syscalls,
			    scmp_rule_cb);
}

static int gids_read(struct jt *t, yajl_val v, struct oci_user *u)
{
	if (jt_want_arr(t, v) < 0)
		return -1;
	if (!v->u.array.len)
		return 0;
	u->additional_gids = calloc(v->u.array.len, sizeof(uint32_t));
	if (!u->additional_gids)
		return err_set(t->e, ENOMEM, "%s", t->path);
	u->n_additional_gids = v->u.array.len;
	for (size_t i = 0; i < v->u.array.len; i++) {
		size_t m = jt_idx(t, i);
		if (jt_u32(t, v->u.array.values[i], &u->additional_gids[i]) < 0)
			return -1;
		jt_pop(t, m);
	}
	return 0;
}

static int user_read(struct jt *t, yajl_val v, struct oci_user *u)
{
	yajl_val g;
	size_t m;

	if (jt_want_obj(t, v) < 0 || jt_opt_u32(t, v, "uid", &u->uid) < 0 ||
	    jt_opt_u32(t, v, "gid", &u->gid) < 0 ||
	    jt_opt_str(t, v, "username", &u->username) < 0 ||
	    jt_opt_strv(t, v, "groupNames", &u->group_names) < 0)
		return -1;
	g = jt_get(v, "additionalGids");
	if (!g)
		return 0;
	m = jt_key(t, "additionalGids");
	if (gids_read(t, g, u) < 0)
		return -1;
	jt_pop(t, m);
	return 0;
}

static int caps_read(struct jt *t, yajl_val v, struct oci_process *p)
{
	if (jt_want_obj(t, v) < 0)
		return -1;
	p->has_caps = true;
	for (int i = 0; i < OCI_CAP_NSETS; i++)
		if (jt_opt_strv(t, v, capset_keys[i], &p->caps[i]) < 0)
			return -1;
	return 0;
}

static int rlimit_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_rlimit *r = elem;

	if (jt_want_obj(t, v) < 0 || req_str(t, v, "type", &r->type) < 0 ||
	    req_u64(t, v, "hard", &r->hard) < 0 ||
	    req_u64(t, v, "soft", &r->soft) < 0)
		return -1;
	return 0;
}

/* Call fn on member key of obj if present, with the path pushed. */
static int member(struct jt *t, yajl_val obj, const char *key,
		  int (*fn)(struct jt *, yajl_val, void *), void *arg)
{
	yajl_val v = jt_get(obj, key);
	size_t m;

	if (!v)
		return 0;
	m = jt_key(t, key);
	if (fn(t, v, arg) < 0)
		return -1;
	jt_pop(t, m);
	return 0;
}

static int user_cb(struct jt *t, yajl_val v, void *p)
{
	return user_read(t, v, p);
}

static int caps_cb(struct jt *t, yajl_val v, void *p)
{
	return caps_read(t, v, p);
}

/* A JSON integer within [lo, hi]. */
static int int_read(struct jt *t, yajl_val v, int64_t lo, int64_t hi,
		    int64_t *out)
{
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < lo ||
	    YAJL_GET_INTEGER(v) > hi)
		return jt_fail(t, "expected an integer in range");
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

static int oom_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_process *p = arg;
	int64_t n = 0;

	if (int_read(t, v, -1000, 1000, &n) < 0)
		return -1;
	p->has_oom_score_adj = true;
	p->oom_score_adj = (int)n;
	return 0;
}

static int process_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_process *p = arg;

	if (jt_want_obj(t, v) < 0 ||
	    jt_opt_bool(t, v, "terminal", &p->terminal) < 0 ||
	    member(t, v, "user", user_cb, &p->user) < 0 ||
	    jt_opt_strv(t, v, "args", &p->args) < 0 ||
	    jt_opt_strv(t, v, "env", &p->env) < 0 ||
	    jt_opt_str(t, v, "cwd", &p->cwd) < 0 ||
	    member(t, v, "capabilities", caps_cb, p) < 0 ||
	    jt_opt_array(t, v, "rlimits", sizeof(*p->rlimits),
			 (void **)&p->rlimits, &p->n_rlimits, rlimit_read) < 0)
		return -1;
	if (member(t, v, "oomScoreAdj", oom_read, p) < 0)
		return -1;
	return jt_opt_bool(t, v, "noNewPrivileges", &p->no_new_privileges);
}

static int root_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_spec *s = arg;

	if (jt_want_obj(t, v) < 0 || req_str(t, v, "path", &s->root_path) < 0)
		return -1;
	return jt_opt_bool(t, v, "readonly", &s->root_readonly);
}

static int mount_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_mount *m = elem;

	if (jt_want_obj(t, v) < 0 ||
	    req_str(t, v, "destination", &m->destination) < 0 ||
	    jt_opt_str(t, v, "type", &m->type) < 0 ||
	    jt_opt_str(t, v, "source", &m->source) < 0)
		return -1;
	return jt_opt_strv(t, v, "options", &m->options);
}

static int ns_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_namespace *ns = elem;

	if (jt_want_obj(t, v) < 0 || req_str(t, v, "type", &ns->type) < 0)
		return -1;
	return jt_opt_str(t, v, "path", &ns->path);
}

static int seccomp_cb(struct jt *t, yajl_val v, void *arg)
{
	struct oci_seccomp **out = arg;

	*out = calloc(1, sizeof(**out));
	if (!*out)
		return err_set(t->e, ENOMEM, "%s", t->path);
	return seccomp_read(t, v, *out);
}

/* major or minor of a device or rule; absent: -1 (any). */
static int devnum_read(struct jt *t, yajl_val obj, const char *key,
		       int64_t *out)
{
	yajl_val v = jt_get(obj, key);
	size_t m;
	int r;

	*out = -1;
	if (!v)
		return 0;
	m = jt_key(t, key);
	r = int_read(t, v, -1, UINT32_MAX, out);
	jt_pop(t, m);
	return r;
}

/* A one-letter member ("c") among those allowed. */
static int char_read(struct jt *t, yajl_val obj, const char *key,
		     const char *allowed, char *out)
{
	_cleanup_free_ char *s = NULL;
	size_t m;

	if (jt_opt_str(t, obj, key, &s) < 0)
		return -1;
	if (!s)
		return 0;
	if (strlen(s) != 1 || !strchr(allowed, s[0])) {
		m = jt_key(t, key);
		jt_fail(t, "unknown device type");
		jt_pop(t, m);
		return -1;
	}
	*out = s[0];
	return 0;
}

static int device_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_device *d = elem;

	if (jt_want_obj(t, v) < 0 || req_str(t, v, "path", &d->path) < 0 ||
	    char_read(t, v, "type", "cbup", &d->type) < 0 ||
	    devnum_read(t, v, "major", &d->major) < 0 ||
	    devnum_read(t, v, "minor", &d->minor) < 0)
		return -1;
	if (!d->type || d->path[0] != '/' ||
	    (d->type != 'p' && (d->major < 0 || d->minor < 0)))
		return jt_fail(t, "want an absolute path, type, major, minor");
	d->has_mode = jt_get(v, "fileMode") != NULL;
	d->has_uid = jt_get(v, "uid") != NULL;
	d->has_gid = jt_get(v, "gid") != NULL;
	if (jt_opt_u32(t, v, "fileMode", &d->file_mode) < 0 ||
	    jt_opt_u32(t, v, "uid", &d->uid) < 0)
		return -1;
	return jt_opt_u32(t, v, "gid", &d->gid);
}

static int devrule_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_devrule *r = elem;
	_cleanup_free_ char *acc = NULL;
	yajl_val a = jt_get(v, "allow");

	r->type = 'a';
	if (jt_want_obj(t, v) < 0 || !a)
		return jt_fail(t, "want an object with allow");
	if (jt_opt_bool(t, v, "allow", &r->allow) < 0 ||
	    char_read(t, v, "type", "acb", &r->type) < 0 ||
	    devnum_read(t, v, "major", &r->major) < 0 ||
	    devnum_read(t, v, "minor", &r->minor) < 0 ||
	    jt_opt_str(t, v, "access", &acc) < 0)
		return -1;
	if (acc && (strlen(acc) > 3 || strspn(acc, "rwm") != strlen(acc)))
		return jt_fail(t, "access: want some of rwm");
	if (acc)
		strcpy(r->access, acc);
	return 0;
}

static int resources_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_spec *s = arg;

	if (jt_want_obj(t, v) < 0)
		return -1;
	return jt_opt_array(t, v, "devices", sizeof(*s->devrules),
			    (void **)&s->devrules, &s->n_devrules,
			    devrule_read);
}

/* A JSON object of strings into an array of pairs. */
static int kv_read(struct jt *t, yajl_val v, struct oci_kv **out, size_t *n)
{
	if (jt_want_obj(t, v) < 0)
		return -1;
	if (!v->u.object.len)
		return 0;
	*out = calloc(v->u.object.len, sizeof(**out));
	if (!*out)
		return err_set(t->e, ENOMEM, "%s", t->path);
	*n = v->u.object.len;
	for (size_t i = 0; i < *n; i++) {
		size_t m = jt_key(t, v->u.object.keys[i]);
		(*out)[i].key = strdup(v->u.object.keys[i]);
		if (!(*out)[i].key)
			return err_set(t->e, ENOMEM, "%s", t->path);
		if (jt_str(t, v->u.object.values[i], &(*out)[i].value) < 0)
			return -1;
		jt_pop(t, m);
	}
	return 0;
}

static int sysctl_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_spec *s = arg;

	return kv_read(t, v, &s->sysctl, &s->n_sysctl);
}

static int linux_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_spec *s = arg;

	if (jt_want_obj(t, v) < 0 ||
	    jt_opt_array(t, v, "devices", sizeof(*s->devices),
			 (void **)&s->devices, &s->n_devices, device_read) < 0 ||
	    member(t, v, "resources", resources_read, s) < 0 ||
	    member(t, v, "sysctl", sysctl_read, s) < 0 ||
	    jt_opt_array(t, v, "namespaces", sizeof(*s->namespaces),
			 (void **)&s->namespaces, &s->n_namespaces,
			 ns_read) < 0 ||
	    jt_opt_strv(t, v, "maskedPaths", &s->masked_paths) < 0 ||
	    jt_opt_strv(t, v, "readonlyPaths", &s->readonly_paths) < 0 ||
	    member(t, v, "seccomp", seccomp_cb, &s->seccomp) < 0)
		return -1;
	return jt_opt_str(t, v, "cgroupsPath", &s->cgroups_path);
}

static int annotations_read(struct jt *t, yajl_val v, void *arg)
{
	struct oci_spec *s = arg;

	return kv_read(t, v, &s->annotations, &s->n_annotations);
}

static int spec_read(struct jt *t, yajl_val root, struct oci_spec *s)
{
	if (jt_want_obj(t, root) < 0 ||
	    jt_opt_str(t, root, "ociVersion", &s->oci_version) < 0)
		return -1;
	s->has_process = jt_get(root, "process") != NULL;
	if (member(t, root, "process", process_read, &s->process) < 0 ||
	    member(t, root, "root", root_read, s) < 0 ||
	    jt_opt_str(t, root, "hostname", &s->hostname) < 0 ||
	    jt_opt_str(t, root, "domainname", &s->domainname) < 0 ||
	    jt_opt_array(t, root, "mounts", sizeof(*s->mounts),
			 (void **)&s->mounts, &s->n_mounts, mount_read) < 0 ||
	    member(t, root, "linux", linux_read, s) < 0)
		return -1;
	return member(t, root, "annotations", annotations_read, s);
}

int ocispec_parse(const char *json, size_t len, struct oci_spec **out,
		  struct err *e)
{
	struct oci_spec *s;
	struct jt t;
	yajl_val root;
	int r;

	*out = NULL;
	root = jt_parse(json, len, e);
	if (!root)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		yajl_tree_free(root);
		return err_set(e, ENOMEM, "config.json");
	}
	jt_init(&t, e);
	r = spec_read(&t, root, s);
	yajl_tree_free(root);
	if (r < 0) {
		ocispec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* ---- writing ---- */

static void write_strv(struct jw *w, const char *key, const struct strv *v)
{
	jw_arr(w, key);
	for (size_t i = 0; i < v->n; i++)
		jw_vstr(w, v->v[i]);
	jw_end_arr(w);
}

static void write_user(struct jw *w, const struct oci_user *u)
{
	jw_obj(w, "user");
	jw_uint(w, "uid", u->uid);
	jw_uint(w, "gid", u->gid);
	if (u->n_additional_gids) {
		jw_arr(w, "additionalGids");
		for (size_t i = 0; i < u->n_additional_gids; i++)
			jw_uint(w, NULL, u->additional_gids[i]);
		jw_end_arr(w);
	}
	if (u->username)
		jw_str(w, "username", u->username);
	if (u->group_names.n)
		write_strv(w, "groupNames", &u->group_names);
	jw_end_obj(w);
}

static void write_process(struct jw *w, const struct oci_process *p)
{
	jw_obj(w, "process");
	jw_bool(w, "terminal", p->terminal);
	write_user(w, &p->user);
	write_strv(w, "args", &p->args);
	write_strv(w, "env", &p->env);
	jw_str(w, "cwd", p->cwd ? p->cwd : "/");
	if (p->has_caps) {
		jw_obj(w, "capabilities");
		for (int i = 0; i < OCI_CAP_NSETS; i++)
			write_strv(w, capset_keys[i], &p->caps[i]);
		jw_end_obj(w);
	}
	if (p->n_rlimits) {
		jw_arr(w, "rlimits");
		for (size_t i = 0; i < p->n_rlimits; i++) {
			jw_obj(w, NULL);
			jw_str(w, "type", p->rlimits[i].type);
			jw_uint(w, "hard", p->rlimits[i].hard);
			jw_uint(w, "soft", p->rlimits[i].soft);
			jw_end_obj(w);
		}
		jw_end_arr(w);
	}
	if (p->has_oom_score_adj)
		jw_int(w, "oomScoreAdj", p->oom_score_adj);
	jw_bool(w, "noNewPrivileges", p->no_new_privileges);
	jw_end_obj(w);
}

static void write_mounts(struct jw *w, const struct oci_spec *s)
{
	jw_arr(w, "mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		jw_obj(w, NULL);
		jw_str(w, "destination", m->destination);
		if (m->type)
			jw_str(w, "type", m->type);
		if (m->source)
			jw_str(w, "source", m->source);
		if (m->options.n)
			write_strv(w, "options", &m->options);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void write_scmp_rule(struct jw *w, const struct oci_scmp_rule *r)
{
	jw_obj(w, NULL);
	write_strv(w, "names", &r->names);
	jw_str(w, "action", ocispec_scmp_action_name(r->action));
	if (r->has_errno_ret)
		jw_uint(w, "errnoRet", r->errno_ret);
	if (r->n_args) {
		jw_arr(w, "args");
		for (size_t i = 0; i < r->n_args; i++) {
			jw_obj(w, NULL);
			jw_uint(w, "index", r->args[i].index);
			jw_uint(w, "value", r->args[i].value);
			jw_uint(w, "valueTwo", r->args[i].value_two);
			jw_str(w, "op", ocispec_scmp_op_name(r->args[i].op));
			jw_end_obj(w);
		}
		jw_end_arr(w);
	}
	jw_end_obj(w);
}

static void write_seccomp(struct jw *w, const struct oci_seccomp *s)
{
	jw_obj(w, "seccomp");
	jw_str(w, "defaultAction", ocispec_scmp_action_name(s->default_action));
	if (s->has_default_errno_ret)
		jw_uint(w, "defaultErrnoRet", s->default_errno_ret);
	if (s->architectures.n)
		write_strv(w, "architectures", &s->architectures);
	jw_arr(w, "syscalls");
	for (size_t i = 0; i < s->n_syscalls; i++)
		write_scmp_rule(w, &s->syscalls[i]);
	jw_end_arr(w);
	jw_end_obj(w);
}

static void write_devnum(struct jw *w, const char *key, int64_t n)
{
	if (n >= 0)
		jw_int(w, key, n);
}

static void write_devices(struct jw *w, const struct oci_spec *s)
{
	char t[2] = {0};

	jw_arr(w, "devices");
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct oci_device *d = &s->devices[i];
		t[0] = d->type;
		jw_obj(w, NULL);
		jw_str(w, "path", d->path);
		jw_str(w, "type", t);
		write_devnum(w, "major", d->major);
		write_devnum(w, "minor", d->minor);
		if (d->has_mode)
			jw_uint(w, "fileMode", d->file_mode);
		if (d->has_uid)
			jw_uint(w, "uid", d->uid);
		if (d->has_gid)
			jw_uint(w, "gid", d->gid);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

static void write_resources(struct jw *w, const struct oci_spec *s)
{
	char t[2] = {0};

	jw_obj(w, "resources");
	jw_arr(w, "devices");
	for (size_t i = 0; i < s->n_devrules; i++) {
		const struct oci_devrule *r = &s->devrules[i];
		t[0] = r->type;
		jw_obj(w, NULL);
		jw_bool(w, "allow", r->allow);
		jw_str(w, "type", t);
		write_devnum(w, "major", r->major);
		write_devnum(w, "minor", r->minor);
		jw_str(w, "access", r->access[0] ? r->access : "rwm");
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void write_linux(struct jw *w, const struct oci_spec *s)
{
	jw_obj(w, "linux");
	jw_arr(w, "namespaces");
	for (size_t i = 0; i < s->n_namespaces; i++) {
		jw_obj(w, NULL);
		jw_str(w, "type", s->namespaces[i].type);
		if (s->namespaces[i].path)
			jw_str(w, "path", s->namespaces[i].path);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	write_strv(w, "maskedPaths", &s->masked_paths);
	write_strv(w, "readonlyPaths", &s->readonly_paths);
	if (s->seccomp)
		write_seccomp(w, s->seccomp);
	if (s->cgroups_path)
		jw_str(w, "cgroupsPath", s->cgroups_path);
	if (s->n_devices)
		write_devices(w, s);
	if (s->n_devrules)
		write_resources(w, s);
	if (s->n_sysctl) {
		jw_obj(w, "sysctl");
		for (size_t i = 0; i < s->n_sysctl; i++)
			jw_str(w, s->sysctl[i].key, s->sysctl[i].value);
		jw_end_obj(w);
	}
	jw_end_obj(w);
}

static void write_spec(const struct oci_spec *s, struct buf *out, bool pretty)
{
	struct jw w;

	if (pretty)
		jw_open_pretty(&w, out);
	else
		jw_open(&w, out);
	jw_str(&w, "ociVersion", s->oci_version ? s->oci_version : "1.0.2");
	if (s->has_process)
		write_process(&w, &s->process);
	if (s->root_path) {
		jw_obj(&w, "root");
		jw_str(&w, "path", s->root_path);
		jw_bool(&w, "readonly", s->root_readonly);
		jw_end_obj(&w);
	}
	if (s->hostname)
		jw_str(&w, "hostname", s->hostname);
	if (s->domainname)
		jw_str(&w, "domainname", s->domainname);
	write_mounts(&w, s);
	write_linux(&w, s);
	if (s->n_annotations) {
		jw_obj(&w, "annotations");
		for (size_t i = 0; i < s->n_annotations; i++)
			jw_str(&w, s->annotations[i].key,
			       s->annotations[i].value);
		jw_end_obj(&w);
	}
	jw_close(&w);
}

/* ---- lookups and builders ---- */

int ocispec_scmp_rule_add(struct oci_seccomp *s, const struct oci_scmp_rule *r)
{
	struct oci_scmp_rule *v, *n;

	v = realloc(s->syscalls, (s->n_syscalls + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->syscalls = v;
	n = &v[s->n_syscalls];
	*n = *r;
	memset(&n->names, 0, sizeof(n->names));
	n->args = NULL;
	n->n_args = 0;
	s->n_syscalls++;
	for (size_t i = 0; i < r->names.n; i++)
		if (strv_push(&n->names, r->names.v[i]) < 0)
			return -1;
	if (r->n_args) {
		n->args = malloc(r->n_args * sizeof(*n->args));
		if (!n->args)
			return -1;
		memcpy(n->args, r->args, r->n_args * sizeof(*n->args));
		n->n_args = r->n_args;
	}
	return 0;
}

const struct oci_namespace *ocispec_namespace(const struct oci_spec *spec,
					      const char *type)
{
	for (size_t i = 0; i < spec->n_namespaces; i++)
		if (spec->namespaces[i].type &&
		    strcmp(spec->namespaces[i].type, type) == 0)
			return &spec->namespaces[i];
	return NULL;
}

const char *ocispec_annotation(const struct oci_spec *spec, const char *key)
{
	for (size_t i = 0; i < spec->n_annotations; i++)
		if (strcmp(spec->annotations[i].key, key) == 0)
			return spec->annotations[i].value;
	return NULL;
}

int ocispec_annotation_set(struct oci_spec *s, const char *key,
			   const char *value)
{
	char *v = strdup(value), *k = NULL;
	struct oci_kv *a;

	if (!v)
		return -1;
	for (size_t i = 0; i < s->n_annotations; i++)
		if (!strcmp(s->annotations[i].key, key)) {
			free(s->annotations[i].value);
			s->annotations[i].value = v;
			return 0;
		}
	a = realloc(s->annotations, (s->n_annotations + 1) * sizeof(*a));
	if (a)
		s->annotations = a;
	if (!a || !(k = strdup(key))) {
		free(v);
		return -1;
	}
	a[s->n_annotations++] = (struct oci_kv){k, v};
	return 0;
}

void ocispec_write(const struct oci_spec *s, struct buf *out)
{
	write_spec(s, out, true);
}

void ocispec_write_compact(const struct oci_spec *s, struct buf *out)
{
	write_spec(s, out, false);
}
