/* ociimage_write.c - OCI index, manifest and image config writers (see
 * ociimage.h). Output is compact JSON without a trailing newline: these
 * bytes are what gets hashed and stored, so they are written once and
 * never re-serialized. */
#include "ociimage.h"

#include <string.h>

#include "json.h"

static void write_strv(struct jw *w, const char *key, const struct strv *v)
{
	jw_arr(w, key);
	for (size_t i = 0; i < v->n; i++)
		jw_vstr(w, v->v[i]);
	jw_end_arr(w);
}

static void write_kv(struct jw *w, const char *key, const struct oci_kv *kv,
		     size_t n)
{
	if (!n)
		return;
	jw_obj(w, key);
	for (size_t i = 0; i < n; i++)
		jw_str(w, kv[i].key, kv[i].value);
	jw_end_obj(w);
}

/* {"k": {}, ...} for ExposedPorts and Volumes. */
static void write_set(struct jw *w, const char *key, const struct strv *v)
{
	if (!v->n)
		return;
	jw_obj(w, key);
	for (size_t i = 0; i < v->n; i++) {
		jw_obj(w, v->v[i]);
		jw_end_obj(w);
	}
	jw_end_obj(w);
}

static void write_platform(struct jw *w, const struct oci_platform *p)
{
	jw_obj(w, "platform");
	jw_str(w, "architecture", p->architecture ? p->architecture : "");
	jw_str(w, "os", p->os ? p->os : "");
	if (p->os_version)
		jw_str(w, "os.version", p->os_version);
	if (p->os_features.n)
		write_strv(w, "os.features", &p->os_features);
	if (p->variant)
		jw_str(w, "variant", p->variant);
	jw_end_obj(w);
}

static void write_desc(struct jw *w, const char *key, const struct oci_desc *d)
{
	jw_obj(w, key);
	jw_str(w, "mediaType", d->media_type ? d->media_type : "");
	jw_str(w, "digest", d->digest ? d->digest : "");
	jw_uint(w, "size", d->size);
	if (d->urls.n)
		write_strv(w, "urls", &d->urls);
	write_kv(w, "annotations", d->annotations, d->n_annotations);
	if (d->has_platform)
		write_platform(w, &d->platform);
	jw_end_obj(w);
}

/* jw_close() ends a data line with LF; documents do not have one. */
static void close_doc(struct jw *w, struct buf *out)
{
	jw_close(w);
	if (out->len > out->off && out->data[out->len - 1] == '\n')
		out->len--;
}

void ociimage_write_index(const struct oci_index *x, struct buf *out)
{
	struct jw w;

	jw_open(&w, out);
	jw_int(&w, "schemaVersion", 2);
	jw_str(&w, "mediaType",
	       x->media_type ? x->media_type
			     : (x->docker ? MT_DOCKER_LIST : MT_OCI_INDEX));
	jw_arr(&w, "manifests");
	for (size_t i = 0; i < x->n_manifests; i++)
		write_desc(&w, NULL, &x->manifests[i]);
	jw_end_arr(&w);
	write_kv(&w, "annotations", x->annotations, x->n_annotations);
	close_doc(&w, out);
}

void ociimage_write_manifest(const struct oci_manifest *m, struct buf *out)
{
	struct jw w;

	jw_open(&w, out);
	jw_int(&w, "schemaVersion", 2);
	jw_str(&w, "mediaType",
	       m->media_type
		   ? m->media_type
		   : (m->docker ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST));
	write_desc(&w, "config", &m->config);
	jw_arr(&w, "layers");
	for (size_t i = 0; i < m->n_layers; i++)
		write_desc(&w, NULL, &m->layers[i]);
	jw_end_arr(&w);
	write_kv(&w, "annotations", m->annotations, m->n_annotations);
	close_doc(&w, out);
}

static void write_healthcheck(struct jw *w, const struct oci_healthcheck *h)
{
	jw_obj(w, "Healthcheck");
	if (h->test.n)
		write_strv(w, "Test", &h->test);
	if (h->interval)
		jw_uint(w, "Interval", h->interval);
	if (h->timeout)
		jw_uint(w, "Timeout", h->timeout);
	if (h->start_period)
		jw_uint(w, "StartPeriod", h->start_period);
	if (h->start_interval)
		jw_uint(w, "StartInterval", h->start_interval);
	if (h->retries)
		jw_uint(w, "Retries", h->retries);
	jw_end_obj(w);
}

static void write_runconfig(struct jw *w, const struct oci_imgcfg *c)
{
	jw_obj(w, "config");
	if (c->config.user)
		jw_str(w, "User", c->config.user);
	write_set(w, "ExposedPorts", &c->config.exposed_ports);
	if (c->config.env.n)
		write_strv(w, "Env", &c->config.env);
	if (c->config.has_entrypoint)
		write_strv(w, "Entrypoint", &c->config.entrypoint);
	if (c->config.has_cmd)
		write_strv(w, "Cmd", &c->config.cmd);
	write_set(w, "Volumes", &c->config.volumes);
	if (c->config.working_dir)
		jw_str(w, "WorkingDir", c->config.working_dir);
	write_kv(w, "Labels", c->config.labels, c->config.n_labels);
	if (c->config.stop_signal)
		jw_str(w, "StopSignal", c->config.stop_signal);
	if (c->config.has_healthcheck)
		write_healthcheck(w, &c->config.healthcheck);
	jw_end_obj(w);
}

static void write_history(struct jw *w, const struct oci_imgcfg *c)
{
	if (!c->n_history)
		return;
	jw_arr(w, "history");
	for (size_t i = 0; i < c->n_history; i++) {
		const struct oci_history *h = &c->history[i];
		jw_obj(w, NULL);
		if (h->created)
			jw_str(w, "created", h->created);
		if (h->created_by)
			jw_str(w, "created_by", h->created_by);
		if (h->author)
			jw_str(w, "author", h->author);
		if (h->comment)
			jw_str(w, "comment", h->comment);
		if (h->empty_layer)
			jw_bool(w, "empty_layer", true);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

void ociimage_write_config(const struct oci_imgcfg *c, struct buf *out)
{
	struct jw w;

	jw_open(&w, out);
	if (c->created)
		jw_str(&w, "created", c->created);
	if (c->author)
		jw_str(&w, "author", c->author);
	jw_str(&w, "architecture", c->architecture ? c->architecture : "");
	jw_str(&w, "os", c->os ? c->os : "");
	if (c->os_version)
		jw_str(&w, "os.version", c->os_version);
	if (c->variant)
		jw_str(&w, "variant", c->variant);
	write_runconfig(&w, c);
	jw_obj(&w, "rootfs");
	jw_str(&w, "type", "layers");
	write_strv(&w, "diff_ids", &c->diff_ids);
	jw_end_obj(&w);
	write_history(&w, c);
	close_doc(&w, out);
}
