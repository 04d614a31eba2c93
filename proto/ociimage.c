/* ociimage.c - parsing OCI/Docker indexes, manifests and image configs
 * (see ociimage.h). Writers are in ociimage_write.c, platform matching in
 * ociimage_platform.c.
 *
 * Everything read is copied out of the yajl tree, which is freed before
 * returning; a partially filled struct is freed whole on failure. */
#include "ociimage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"

static const struct {
	const char *name;
	enum oci_mt mt;
	bool docker;
} media_types[] = {
    {MT_OCI_INDEX, OCI_MT_INDEX, false},
    {MT_OCI_MANIFEST, OCI_MT_MANIFEST, false},
    {MT_OCI_CONFIG, OCI_MT_CONFIG, false},
    {MT_OCI_LAYER, OCI_MT_LAYER_TAR, false},
    {MT_OCI_LAYER_GZIP, OCI_MT_LAYER_GZIP, false},
    {MT_OCI_LAYER_ZSTD, OCI_MT_LAYER_ZSTD, false},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar",
     OCI_MT_LAYER_TAR, false},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
     OCI_MT_LAYER_GZIP, false},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
     OCI_MT_LAYER_ZSTD, false},
    {MT_DOCKER_LIST, OCI_MT_INDEX, true},
    {MT_DOCKER_MANIFEST, OCI_MT_MANIFEST, true},
    {MT_DOCKER_CONFIG, OCI_MT_CONFIG, true},
    {MT_DOCKER_LAYER_GZIP, OCI_MT_LAYER_GZIP, true},
    {MT_DOCKER_FOREIGN_GZIP, OCI_MT_LAYER_GZIP, true},
    {"application/vnd.docker.image.rootfs.diff.tar", OCI_MT_LAYER_TAR, true},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd", OCI_MT_LAYER_ZSTD,
     true},
    {"application/vnd.docker.distribution.manifest.v1+json",
     OCI_MT_DOCKER_SCHEMA1, true},
    {"application/vnd.docker.distribution.manifest.v1+prettyjws",
     OCI_MT_DOCKER_SCHEMA1, true},
};

enum oci_mt ociimage_mt(const char *media_type, bool *docker)
{
	if (docker)
		*docker = false;
	if (!media_type)
		return OCI_MT_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(media_types); i++) {
		if (strcmp(media_types[i].name, media_type) == 0) {
			if (docker)
				*docker = media_types[i].docker;
			return media_types[i].mt;
		}
	}
	return OCI_MT_UNKNOWN;
}

/* ---- small readers ---- */

__attribute__((format(printf, 2, 3))) static int jfail(struct jt *t,
						       const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return jt_fail(t, what);
}

static int missing(struct jt *t, const char *key)
{
	jt_key(t, key);
	return jt_fail(t, "required");
}

static int req_str(struct jt *t, yajl_val obj, const char *key, char **out)
{
	if (!jt_get(obj, key))
		return missing(t, key);
	return jt_opt_str(t, obj, key, out);
}

/* RFC 6838 restricted-name "/" restricted-name. */
static bool media_type_ok(const char *s)
{
	const char *allowed = "!#$&^_.+-";
	int part = 0;
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '/' && part == 0 && n > 0) {
			part = 1;
			n = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') ||
		      (n > 0 && strchr(allowed, *s))))
			return false;
		if (++n > 127)
			return false;
	}
	return part == 1 && n > 0;
}

/* An optional digest member, validated before it is kept. */
static int opt_digest(struct jt *t, yajl_val obj, const char *key, char **out)
{
	struct err de = ERR_INIT;

	if (jt_opt_str(t, obj, key, out) < 0)
		return -1;
	if (!*out)
		return 0;
	if (digest_check(*out, NULL, &de) == 0)
		return 0;
	jt_key(t, key);
	return jfail(t, "%s", de.msg);
}

/* An object of string values (annotations, labels). */
static int kv_read(struct jt *t, yajl_val obj, const char *key,
		   struct oci_kv **kv, size_t *n)
{
	yajl_val v = jt_get(obj, key);
	size_t m, cnt;

	if (!v)
		return 0;
	m = jt_key(t, key);
	if (jt_want_obj(t, v) < 0)
		return -1;
	cnt = v->u.object.len;
	if (cnt) {
		*kv = calloc(cnt, sizeof(**kv));
		if (!*kv)
			return err_set(t->e, ENOMEM, "%s", t->path);
	}
	for (size_t i = 0; i < cnt; i++) {
		size_t mi = jt_key(t, v->u.object.keys[i]);
		(*kv)[i].key = strdup(v->u.object.keys[i]);
		*n = i + 1;
		if (!(*kv)[i].key)
			return err_set(t->e, ENOMEM, "%s", t->path);
		if (jt_str(t, v->u.object.values[i], &(*kv)[i].value) < 0)
			return -1;
		jt_pop(t, mi);
	}
	jt_pop(t, m);
	return 0;
}

static void kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* An object used as a set ({"80/tcp": {}}): its keys, each checked. */
static int set_read(struct jt *t, yajl_val obj, const char *key,
		    struct strv *out, int (*check)(struct jt *, const char *))
{
	yajl_val v = jt_get(obj, key);
	size_t m;

	if (!v)
		return 0;
	m = jt_key(t, key);
	if (jt_want_obj(t, v) < 0)
		return -1;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		size_t mi = jt_key(t, k);
		if (check(t, k) < 0)
			return -1;
		if (strv_push(out, k) < 0)
			return err_set(t->e, ENOMEM, "%s", t->path);
		jt_pop(t, mi);
	}
	jt_pop(t, m);
	return 0;
}

/* "80", "80/tcp", "8000-8010/udp" */
static int port_check(struct jt *t, const char *k)
{
	unsigned lo = 0, hi = 0;
	int n = 0;
	const char *proto;

	if (sscanf(k, "%5u%n", &lo, &n) != 1 || lo == 0 || lo > 65535)
		return jt_fail(t, "not a port number");
	proto = k + n;
	if (*proto == '-') {
		int n2 = 0;
		if (sscanf(proto + 1, "%5u%n", &hi, &n2) != 1 || hi < lo ||
		    hi > 65535)
			return jt_fail(t, "not a port range");
		proto += 1 + n2;
	}
	if (*proto == '\0')
		return 0;
	if (strcmp(proto, "/tcp") && strcmp(proto, "/udp") &&
	    strcmp(proto, "/sctp"))
		return jt_fail(t, "protocol must be tcp, udp or sctp");
	return 0;
}

static int volume_check(struct jt *t, const char *k)
{
	return *k ? 0 : jt_fail(t, "empty volume path");
}

/* ---- descriptors ---- */

static int platform_read(struct jt *t, yajl_val v, struct oci_platform *p)
{
	if (jt_want_obj(t, v) < 0 || req_str(t, v, "os", &p->os) < 0 ||
	    req_str(t, v, "architecture", &p->architecture) < 0 ||
	    jt_opt_str(t, v, "variant", &p->variant) < 0 ||
	    jt_opt_str(t, v, "os.version", &p->os_version) < 0 ||
	    jt_opt_strv(t, v, "os.features", &p->os_features) < 0)
		return -1;
	return 0;
}

static int desc_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_desc *d = elem;
	yajl_val p;
	size_t m;

	if (jt_want_obj(t, v) < 0 ||
	    req_str(t, v, "mediaType", &d->media_type) < 0)
		return -1;
	if (!media_type_ok(d->media_type)) {
		jt_key(t, "mediaType");
		return jfail(t, "\"%.100s\" is not a media type",
			     d->media_type);
	}
	d->mt = ociimage_mt(d->media_type, NULL);
	if (!jt_get(v, "digest"))
		return missing(t, "digest");
	if (opt_digest(t, v, "digest", &d->digest) < 0)
		return -1;
	if (!jt_get(v, "size"))
		return missing(t, "size");
	if (jt_opt_u64(t, v, "size", &d->size) < 0)
		return -1;
	if (d->size > INT64_MAX) {
		jt_key(t, "size");
		return jt_fail(t, "number out of range");
	}
	if (jt_opt_strv(t, v, "urls", &d->urls) < 0 ||
	    kv_read(t, v, "annotations", &d->annotations, &d->n_annotations) <
		0)
		return -1;
	p = jt_get(v, "platform");
	if (!p)
		return 0;
	d->has_platform = true;
	m = jt_key(t, "platform");
	if (platform_read(t, p, &d->platform) < 0)
		return -1;
	jt_pop(t, m);
	return 0;
}

void ociimage_platform_clear(struct oci_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	strv_free(&p->os_features);
	memset(p, 0, sizeof(*p));
}

void ociimage_desc_clear(struct oci_desc *d)
{
	free(d->media_type);
	free(d->digest);
	strv_free(&d->urls);
	kv_free(d->annotations, d->n_annotations);
	ociimage_platform_clear(&d->platform);
	memset(d, 0, sizeof(*d));
}

static void descs_free(struct oci_desc *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ociimage_desc_clear(&d[i]);
	free(d);
}

const char *ociimage_desc_annotation(const struct oci_desc *d, const char *key)
{
	for (size_t i = 0; i < d->n_annotations; i++)
		if (strcmp(d->annotations[i].key, key) == 0)
			return d->annotations[i].value;
	return NULL;
}

int ociimage_desc_set_annotation(struct oci_desc *d, const char *key,
				 const char *value)
{
	struct oci_kv *kv;
	char *v = strdup(value), *k;

	if (!v)
		return -1;
	for (size_t i = 0; i < d->n_annotations; i++) {
		if (strcmp(d->annotations[i].key, key) == 0) {
			free(d->annotations[i].value);
			d->annotations[i].value = v;
			return 0;
		}
	}
	k = strdup(key);
	kv = realloc(d->annotations, (d->n_annotations + 1) * sizeof(*kv));
	if (!k || !kv) {
		free(k);
		free(v);
		if (kv)
			d->annotations = kv;
		return -1;
	}
	d->annotations = kv;
	kv[d->n_annotations].key = k;
	kv[d->n_annotations].value = v;
	d->n_annotations++;
	return 0;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -1;
	return 0;
}

static int dup_strv(struct strv *dst, const struct strv *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++)
		if (strv_push(dst, src->v[i]) < 0)
			return -1;
	return 0;
}

int ociimage_desc_copy(struct oci_desc *dst, const struct oci_desc *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->mt = src->mt;
	dst->size = src->size;
	dst->has_platform = src->has_platform;
	if (dup_str(&dst->media_type, src->media_type) < 0 ||
	    dup_str(&dst->digest, src->digest) < 0 ||
	    dup_strv(&dst->urls, &src->urls) < 0)
		goto fail;
	if (src->n_annotations) {
		dst->annotations =
		    calloc(src->n_annotations, sizeof(*dst->annotations));
		if (!dst->annotations)
			goto fail;
		for (size_t i = 0; i < src->n_annotations; i++) {
			dst->n_annotations = i + 1;
			if (dup_str(&dst->annotations[i].key,
				    src->annotations[i].key) < 0 ||
			    dup_str(&dst->annotations[i].value,
				    src->annotations[i].value) < 0)
				goto fail;
		}
	}
	if (dup_str(&dst->platform.os, src->platform.os) < 0 ||
	    dup_str(&dst->platform.architecture, src->platform.architecture) <
		0 ||
	    dup_str(&dst->platform.variant, src->platform.variant) < 0 ||
	    dup_str(&dst->platform.os_version, src->platform.os_version) < 0 ||
	    dup_strv(&dst->platform.os_features, &src->platform.os_features) <
		0)
		goto fail;
	return 0;
fail:
	ociimage_desc_clear(dst);
	return -1;
}

/* ---- documents ---- */

/* schemaVersion must be 2; version 1 gets a message of its own. */
static int schema_read(struct jt *t, yajl_val root, uint32_t *out)
{
	if (!jt_get(root, "schemaVersion"))
		return missing(t, "schemaVersion");
	if (jt_opt_u32(t, root, "schemaVersion", out) < 0)
		return -1;
	if (*out == 2)
		return 0;
	jt_key(t, "schemaVersion");
	if (*out == 1)
		return jt_fail(t, "schema 1 manifests are not supported "
				  "(push the image again with a current "
				  "client)");
	return jfail(t, "unsupported schema version %u", *out);
}

/* The document's own mediaType, when present, must be of kind want. */
static int own_media_type(struct jt *t, yajl_val root, enum oci_mt want,
			  char **mt, bool *docker)
{
	enum oci_mt got;

	if (jt_opt_str(t, root, "mediaType", mt) < 0)
		return -1;
	if (!*mt)
		return 0;
	got = ociimage_mt(*mt, docker);
	if (got == want)
		return 0;
	jt_key(t, "mediaType");
	return jfail(t, "\"%.100s\" is not %s media type", *mt,
		     want == OCI_MT_INDEX ? "an index" : "a manifest");
}

static int manifest_read(struct jt *t, yajl_val root, struct oci_manifest *m)
{
	yajl_val c;
	size_t mark;

	if (jt_want_obj(t, root) < 0 ||
	    schema_read(t, root, &m->schema_version) < 0 ||
	    own_media_type(t, root, OCI_MT_MANIFEST, &m->media_type,
			   &m->docker) < 0)
		return -1;
	if (m->docker && !m->media_type)
		return missing(t, "mediaType");
	c = jt_get(root, "config");
	if (!c)
		return missing(t, "config");
	mark = jt_key(t, "config");
	if (desc_read(t, c, &m->config) < 0)
		return -1;
	jt_pop(t, mark);
	if (!jt_get(root, "layers"))
		return missing(t, "layers");
	if (jt_opt_array(t, root, "layers", sizeof(*m->layers),
			 (void **)&m->layers, &m->n_layers, desc_read) < 0)
		return -1;
	return kv_read(t, root, "annotations", &m->annotations,
		       &m->n_annotations);
}

static int index_read(struct jt *t, yajl_val root, struct oci_index *x)
{
	if (jt_want_obj(t, root) < 0 ||
	    schema_read(t, root, &x->schema_version) < 0 ||
	    own_media_type(t, root, OCI_MT_INDEX, &x->media_type, &x->docker) <
		0)
		return -1;
	if (!jt_get(root, "manifests"))
		return missing(t, "manifests");
	if (jt_opt_array(t, root, "manifests", sizeof(*x->manifests),
			 (void **)&x->manifests, &x->n_manifests,
			 desc_read) < 0)
		return -1;
	return kv_read(t, root, "annotations", &x->annotations,
		       &x->n_annotations);
}

static int healthcheck_read(struct jt *t, yajl_val v, struct oci_healthcheck *h)
{
	if (jt_want_obj(t, v) < 0 || jt_opt_strv(t, v, "Test", &h->test) < 0 ||
	    jt_opt_u64(t, v, "Interval", &h->interval) < 0 ||
	    jt_opt_u64(t, v, "Timeout", &h->timeout) < 0 ||
	    jt_opt_u64(t, v, "StartPeriod", &h->start_period) < 0 ||
	    jt_opt_u64(t, v, "StartInterval", &h->start_interval) < 0 ||
	    jt_opt_u32(t, v, "Retries", &h->retries) < 0)
		return -1;
	if (h->test.n && strcmp(h->test.v[0], "NONE") &&
	    strcmp(h->test.v[0], "CMD") && strcmp(h->test.v[0], "CMD-SHELL")) {
		jt_key(t, "Test");
		jt_idx(t, 0);
		return jfail(t, "unknown healthcheck kind \"%.64s\"",
			     h->test.v[0]);
	}
	return 0;
}

static int runconfig_read(struct jt *t, yajl_val v, struct oci_imgcfg *c)
{
	yajl_val h;
	size_t m;

	if (jt_want_obj(t, v) < 0 ||
	    jt_opt_str(t, v, "User", &c->config.user) < 0 ||
	    jt_opt_str(t, v, "WorkingDir", &c->config.working_dir) < 0 ||
	    jt_opt_str(t, v, "StopSignal", &c->config.stop_signal) < 0 ||
	    jt_opt_strv(t, v, "Env", &c->config.env) < 0 ||
	    jt_opt_strv(t, v, "Entrypoint", &c->config.entrypoint) < 0 ||
	    jt_opt_strv(t, v, "Cmd", &c->config.cmd) < 0 ||
	    set_read(t, v, "ExposedPorts", &c->config.exposed_ports,
		     port_check) < 0 ||
	    set_read(t, v, "Volumes", &c->config.volumes, volume_check) < 0 ||
	    kv_read(t, v, "Labels", &c->config.labels, &c->config.n_labels) < 0)
		return -1;
	c->config.has_entrypoint = jt_get(v, "Entrypoint") != NULL;
	c->config.has_cmd = jt_get(v, "Cmd") != NULL;
	h = jt_get(v, "Healthcheck");
	if (!h)
		return 0;
	c->config.has_healthcheck = true;
	m = jt_key(t, "Healthcheck");
	if (healthcheck_read(t, h, &c->config.healthcheck) < 0)
		return -1;
	jt_pop(t, m);
	return 0;
}

static int rootfs_read(struct jt *t, yajl_val v, struct oci_imgcfg *c)
{
	_cleanup_free_ char *type = NULL;
	struct err de = ERR_INIT;

	if (jt_want_obj(t, v) < 0 || req_str(t, v, "type", &type) < 0)
		return -1;
	if (strcmp(type, "layers") != 0) {
		jt_key(t, "type");
		return jfail(t, "must be \"layers\", not \"%.64s\"", type);
	}
	if (!jt_get(v, "diff_ids"))
		return missing(t, "diff_ids");
	if (jt_opt_strv(t, v, "diff_ids", &c->diff_ids) < 0)
		return -1;
	for (size_t i = 0; i < c->diff_ids.n; i++) {
		if (digest_check(c->diff_ids.v[i], NULL, &de) == 0)
			continue;
		jt_key(t, "diff_ids");
		jt_idx(t, i);
		return jfail(t, "%s", de.msg);
	}
	return 0;
}

static int history_read(struct jt *t, yajl_val v, void *elem)
{
	struct oci_history *h = elem;

	if (jt_want_obj(t, v) < 0 ||
	    jt_opt_str(t, v, "created", &h->created) < 0 ||
	    jt_opt_str(t, v, "created_by", &h->created_by) < 0 ||
	    jt_opt_str(t, v, "author", &h->author) < 0 ||
	    jt_opt_str(t, v, "comment", &h->comment) < 0 ||
	    jt_opt_bool(t, v, "empty_layer", &h->empty_layer) < 0)
		return -1;
	return 0;
}

/* Call fn on member key (required or not) with the path pushed. */
static int member(struct jt *t, yajl_val obj, const char *key, bool required,
		  int (*fn)(struct jt *, yajl_val, struct oci_imgcfg *),
		  struct oci_imgcfg *c)
{
	yajl_val v = jt_get(obj, key);
	size_t m;

	if (!v)
		return required ? missing(t, key) : 0;
	m = jt_key(t, key);
	if (fn(t, v, c) < 0)
		return -1;
	jt_pop(t, m);
	return 0;
}

static int config_read(struct jt *t, yajl_val root, struct oci_imgcfg *c)
{
	if (jt_want_obj(t, root) < 0 ||
	    jt_opt_str(t, root, "created", &c->created) < 0 ||
	    jt_opt_str(t, root, "author", &c->author) < 0 ||
	    req_str(t, root, "architecture", &c->architecture) < 0 ||
	    req_str(t, root, "os", &c->os) < 0 ||
	    jt_opt_str(t, root, "variant", &c->variant) < 0 ||
	    jt_opt_str(t, root, "os.version", &c->os_version) < 0 ||
	    member(t, root, "config", false, runconfig_read, c) < 0 ||
	    member(t, root, "rootfs", true, rootfs_read, c) < 0)
		return -1;
	return jt_opt_array(t, root, "history", sizeof(*c->history),
			    (void **)&c->history, &c->n_history, history_read);
}

/* Parse json into a zeroed struct of size sz with reader fn; the path
 * starts at root ("manifest", "index", "image"). */
static int parse_doc(const char *json, size_t len, const char *root_name,
		     size_t sz, int (*fn)(struct jt *, yajl_val, void *),
		     void (*freefn)(void *), void **out, struct err *e)
{
	void *x;
	struct jt t;
	yajl_val root;
	int r;

	*out = NULL;
	root = jt_parse(json, len, e);
	if (!root)
		return err_wrap(e, "%s", root_name);
	x = calloc(1, sz);
	if (!x) {
		yajl_tree_free(root);
		return err_set(e, ENOMEM, "%s", root_name);
	}
	jt_init(&t, e);
	jt_key(&t, root_name);
	r = fn(&t, root, x);
	yajl_tree_free(root);
	if (r < 0) {
		freefn(x);
		return -1;
	}
	*out = x;
	return 0;
}

static int manifest_read_cb(struct jt *t, yajl_val v, void *x)
{
	return manifest_read(t, v, x);
}

static int index_read_cb(struct jt *t, yajl_val v, void *x)
{
	return index_read(t, v, x);
}

static int config_read_cb(struct jt *t, yajl_val v, void *x)
{
	return config_read(t, v, x);
}

static void manifest_free_cb(void *x)
{
	ociimage_manifest_free(x);
}

static void index_free_cb(void *x)
{
	ociimage_index_free(x);
}

static void config_free_cb(void *x)
{
	ociimage_config_free(x);
}

int ociimage_parse_manifest(const char *json, size_t len,
			    struct oci_manifest **out, struct err *e)
{
	return parse_doc(json, len, "manifest", sizeof(**out), manifest_read_cb,
			 manifest_free_cb, (void **)out, e);
}

int ociimage_parse_index(const char *json, size_t len, struct oci_index **out,
			 struct err *e)
{
	return parse_doc(json, len, "index", sizeof(**out), index_read_cb,
			 index_free_cb, (void **)out, e);
}

int ociimage_parse_config(const char *json, size_t len, struct oci_imgcfg **out,
			  struct err *e)
{
	return parse_doc(json, len, "image", sizeof(**out), config_read_cb,
			 config_free_cb, (void **)out, e);
}

void ociimage_manifest_free(struct oci_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	ociimage_desc_clear(&m->config);
	descs_free(m->layers, m->n_layers);
	kv_free(m->annotations, m->n_annotations);
	free(m);
}

void ociimage_index_free(struct oci_index *x)
{
	if (!x)
		return;
	free(x->media_type);
	descs_free(x->manifests, x->n_manifests);
	kv_free(x->annotations, x->n_annotations);
	free(x);
}

void ociimage_config_free(struct oci_imgcfg *c)
{
	if (!c)
		return;
	free(c->created);
	free(c->author);
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->os_version);
	free(c->config.user);
	free(c->config.working_dir);
	free(c->config.stop_signal);
	strv_free(&c->config.env);
	strv_free(&c->config.entrypoint);
	strv_free(&c->config.cmd);
	strv_free(&c->config.exposed_ports);
	strv_free(&c->config.volumes);
	kv_free(c->config.labels, c->config.n_labels);
	strv_free(&c->config.healthcheck.test);
	strv_free(&c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	free(c);
}

/* ---- kinds and checks ---- */

static enum oci_mt mt_from_content_type(const char *ct)
{
	char buf[160];
	size_t n;

	if (!ct)
		return OCI_MT_UNKNOWN;
	n = strcspn(ct, "; \t");
	if (n >= sizeof(buf))
		return OCI_MT_UNKNOWN;
	memcpy(buf, ct, n);
	buf[n] = '\0';
	return ociimage_mt(buf, NULL);
}

int ociimage_sniff(const char *json, size_t len, const char *content_type,
		   enum oci_mt *kind, struct err *e)
{
	yajl_val root = jt_parse(json, len, e), v = NULL;
	enum oci_mt mt = OCI_MT_UNKNOWN;

	if (!root)
		return err_wrap(e, "manifest");
	if (!YAJL_IS_OBJECT(root)) {
		err_setc(e, ERR_INVALID, "manifest: expected an object");
	} else if ((v = jt_get(root, "schemaVersion")) && YAJL_IS_INTEGER(v) &&
		   YAJL_GET_INTEGER(v) == 1) {
		err_setc(e, ERR_INVALID,
			 "manifest.schemaVersion: schema 1 manifests are not "
			 "supported (push the image again with a current "
			 "client)");
	} else {
		v = jt_get(root, "mediaType");
		if (v && YAJL_IS_STRING(v))
			mt = ociimage_mt(v->u.string, NULL);
		else
			mt = mt_from_content_type(content_type);
		if (mt == OCI_MT_UNKNOWN && jt_get(root, "manifests"))
			mt = OCI_MT_INDEX;
		if (mt == OCI_MT_UNKNOWN &&
		    (jt_get(root, "config") || jt_get(root, "layers")))
			mt = OCI_MT_MANIFEST;
		if (mt == OCI_MT_DOCKER_SCHEMA1)
			err_setc(e, ERR_INVALID,
				 "manifest: schema 1 manifests are not "
				 "supported");
		else if (mt != OCI_MT_INDEX && mt != OCI_MT_MANIFEST)
			err_setc(e, ERR_INVALID,
				 "manifest: not an image index or manifest "
				 "(mediaType %s)",
				 v && YAJL_IS_STRING(v) ? v->u.string
							: "absent");
	}
	yajl_tree_free(root);
	if (mt != OCI_MT_INDEX && mt != OCI_MT_MANIFEST)
		return -1;
	*kind = mt;
	return 0;
}

int ociimage_manifest_runnable(const struct oci_manifest *m, struct err *e)
{
	if (m->config.mt != OCI_MT_CONFIG)
		return err_setc(e, ERR_INVALID,
				"manifest.config.mediaType: \"%.100s\" is not "
				"an image config (an artifact, not an image)",
				m->config.media_type);
	for (size_t i = 0; i < m->n_layers; i++) {
		enum oci_mt mt = m->layers[i].mt;
		if (mt != OCI_MT_LAYER_TAR && mt != OCI_MT_LAYER_GZIP &&
		    mt != OCI_MT_LAYER_ZSTD)
			return err_setc(e, ERR_INVALID,
					"manifest.layers[%zu].mediaType: "
					"unsupported layer media type "
					"\"%.100s\"",
					i, m->layers[i].media_type);
	}
	return 0;
}

int ociimage_config_matches(const struct oci_imgcfg *c,
			    const struct oci_manifest *m, struct err *e)
{
	if (c->diff_ids.n != m->n_layers)
		return err_setc(e, ERR_INVALID,
				"image.rootfs.diff_ids: %zu entries for %zu "
				"manifest layers",
				c->diff_ids.n, m->n_layers);
	return 0;
}
