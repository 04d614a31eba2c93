/* oci_image.c - test helper for t_blobstore.sh: writes a small image into
 * a content store through fs/blobstore and the proto/ociimage writers, or
 * reads one back (from skiff or from skopeo) and checks every part.
 *
 *   oci_image write ROOT NAME LAYER.tar [LAYER.tar.gz DIFFID]
 *       store the layers, a config and an OCI manifest; point NAME at it
 *       in index.json; print the manifest digest (OCI_IMAGE_CMD,
 *       OCI_IMAGE_ENV, OCI_IMAGE_WORKDIR, OCI_IMAGE_HEALTH set the
 *       config's; OCI_IMAGE_VOLUME adds a Volumes path, OCI_IMAGE_EXPOSE
 *       a port, OCI_IMAGE_LABELS "k=v|k2=v2" Labels)
 *   oci_image check ROOT NAME
 *       find NAME, read and parse the manifest (or index, then pick the
 *       host's platform) and config, verify every blob; print
 *       "MANIFEST-DIGEST LAYERS CMD0"
 * Exits 1 with the error on stderr. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/base/cleanup.h"
#include "../../fs/blobstore.h"

static int die(const struct err *e)
{
	fprintf(stderr, "oci_image: %s\n", e->msg);
	return 1;
}

/* Stream a file into the store; the digest is computed. */
static int store_file(struct blobstore *bs, const char *path,
		      char digest[DIGEST_STR_MAX], uint64_t *size,
		      struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct blobstore_writer *w = NULL;
	char chunk[65536];
	uint64_t off;
	ssize_t n;

	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	if (blobstore_writer_open(bs, NULL, BLOBSTORE_SIZE_UNKNOWN, &w, &off,
				  e) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (blobstore_writer_write(w, chunk, (size_t)n, e) < 0) {
			blobstore_writer_discard(w);
			return -1;
		}
	*size = blobstore_writer_offset(w);
	return blobstore_writer_commit(w, digest, e);
}

static int layer(struct blobstore *bs, struct oci_desc *d, const char *mt,
		 const char *path, struct strv *diff_ids, const char *diff_id,
		 struct err *e)
{
	char digest[DIGEST_STR_MAX];

	if (store_file(bs, path, digest, &d->size, e) < 0)
		return -1;
	d->media_type = strdup(mt);
	d->digest = strdup(digest);
	return strv_push(diff_ids, diff_id ? diff_id : digest);
}

static int write_image(int argc, char **argv, struct err *e)
{
	struct blobstore *bs = NULL;
	struct oci_imgcfg c = {0};
	struct oci_manifest m = {0};
	struct oci_desc layers[2] = {{0}}, top = {0};
	struct oci_platform host;
	struct oci_history hist[2] = {{0}};
	char cfg_digest[DIGEST_STR_MAX], man_digest[DIGEST_STR_MAX];
	struct buf b = {0};
	int r = -1;

	if (blobstore_open(argv[2], &bs, e) < 0 ||
	    ociimage_platform_host(&host, e) < 0)
		goto out;
	m.n_layers = argc >= 7 ? 2 : 1;
	m.layers = layers;
	if (layer(bs, &layers[0], MT_OCI_LAYER, argv[4], &c.diff_ids, NULL, e) <
		0 ||
	    (m.n_layers == 2 && layer(bs, &layers[1], MT_OCI_LAYER_GZIP,
				      argv[5], &c.diff_ids, argv[6], e) < 0))
		goto out;
	c.architecture = host.architecture;
	c.variant = host.variant;
	c.os = "linux";
	c.created = "2026-01-01T00:00:00Z";
	/* OCI_IMAGE_CMD (words split at '|'), OCI_IMAGE_ENV (one K=V) and
	 * OCI_IMAGE_WORKDIR override the defaults, for t_pull. */
	if (getenv("OCI_IMAGE_CMD")) {
		char *words = strdup(getenv("OCI_IMAGE_CMD")), *save = NULL;
		for (char *w = strtok_r(words, "|", &save); w;
		     w = strtok_r(NULL, "|", &save))
			strv_push(&c.config.cmd, w);
		free(words);
	} else {
		strv_push(&c.config.cmd, "/bin/sh");
	}
	c.config.has_cmd = true;
	strv_push(&c.config.env, "PATH=/usr/bin:/bin");
	if (getenv("OCI_IMAGE_ENV"))
		strv_push(&c.config.env, getenv("OCI_IMAGE_ENV"));
	if (getenv("OCI_IMAGE_HEALTH")) { /* CMD-SHELL, every 200 ms */
		c.config.has_healthcheck = true;
		strv_push(&c.config.healthcheck.test, "CMD-SHELL");
		strv_push(&c.config.healthcheck.test, getenv("OCI_IMAGE_HEALTH"));
		c.config.healthcheck.interval = 200000000;
		c.config.healthcheck.timeout = 2000000000;
		c.config.healthcheck.retries = 2;
	}
	strv_push(&c.config.exposed_ports, "80/tcp");
	if (getenv("OCI_IMAGE_EXPOSE")) /* one more port, "53/udp" */
		strv_push(&c.config.exposed_ports, getenv("OCI_IMAGE_EXPOSE"));
	if (getenv("OCI_IMAGE_LABELS")) { /* "k=v|k2=v2", for t_imgcmds */
		char *words = strdup(getenv("OCI_IMAGE_LABELS")), *save = NULL;
		for (char *w = strtok_r(words, "|", &save); w;
		     w = strtok_r(NULL, "|", &save)) {
			char *eq = strchr(w, '=');
			c.config.labels = realloc(c.config.labels,
						  (c.config.n_labels + 1) *
						      sizeof(*c.config.labels));
			c.config.labels[c.config.n_labels].key =
			    strndup(w, eq ? (size_t)(eq - w) : strlen(w));
			c.config.labels[c.config.n_labels++].value =
			    strdup(eq ? eq + 1 : "");
		}
		free(words);
	}
	if (getenv("OCI_IMAGE_VOLUME")) /* one VOLUME path, for t_volumes */
		strv_push(&c.config.volumes, getenv("OCI_IMAGE_VOLUME"));
	c.config.working_dir = getenv("OCI_IMAGE_WORKDIR")
				   ? getenv("OCI_IMAGE_WORKDIR") : "/";
	hist[0].created_by = "skiff test: layer 1";
	hist[1].created_by = "skiff test: layer 2";
	c.history = hist;
	c.n_history = m.n_layers;
	ociimage_write_config(&c, &b);
	if (blobstore_put(bs, b.data, b.len, NULL, cfg_digest, e) < 0)
		goto out;
	m.config.media_type = MT_OCI_CONFIG;
	m.config.digest = cfg_digest;
	m.config.size = b.len;
	buf_reset(&b);
	ociimage_write_manifest(&m, &b);
	if (blobstore_put(bs, b.data, b.len, NULL, man_digest, e) < 0)
		goto out;
	top.media_type = MT_OCI_MANIFEST;
	top.digest = man_digest;
	top.size = b.len;
	if (blobstore_index_put(bs, argv[3], &top, e) < 0)
		goto out;
	printf("%s\n", man_digest);
	r = 0;
out:
	for (size_t i = 0; i < 2; i++)
		ociimage_desc_clear(&layers[i]);
	strv_free(&c.diff_ids);
	strv_free(&c.config.cmd);
	strv_free(&c.config.env);
	strv_free(&c.config.exposed_ports);
	strv_free(&c.config.healthcheck.test);
	for (size_t i = 0; i < c.config.n_labels; i++) {
		free(c.config.labels[i].key);
		free(c.config.labels[i].value);
	}
	free(c.config.labels);
	ociimage_platform_clear(&host);
	buf_free(&b);
	blobstore_free(bs);
	return r;
}

/* Every layer present with its descriptor's size. */
static int check_layers(struct blobstore *bs, const struct oci_manifest *m,
			struct err *e)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		uint64_t size = 0;
		int r = blobstore_has(bs, m->layers[i].digest, &size, e);
		if (r < 0)
			return -1;
		if (r == 0 || size != m->layers[i].size)
			return err_setc(e, ERR_INVALID, "layer %zu (%s): %s", i,
					m->layers[i].digest,
					r ? "wrong size" : "missing");
	}
	return 0;
}

static int check_image(char **argv, struct err *e)
{
	struct blobstore *bs = NULL;
	struct oci_desc top = {0};
	struct oci_manifest *m = NULL;
	struct oci_index *x = NULL;
	struct oci_imgcfg *c = NULL;
	struct oci_platform host = {0};
	char digest[DIGEST_STR_MAX] = "";
	struct buf b = {0};
	enum oci_mt kind;
	size_t which;
	int r = -1;

	if (blobstore_open(argv[2], &bs, e) < 0 ||
	    blobstore_index_find(bs, argv[3], &top, e) < 0 ||
	    blobstore_read(bs, top.digest, 4 << 20, &b, e) < 0 ||
	    ociimage_sniff(b.data, b.len, top.media_type, &kind, e) < 0)
		goto out;
	snprintf(digest, sizeof(digest), "%s", top.digest);
	if (kind == OCI_MT_INDEX) {
		if (ociimage_parse_index(b.data, b.len, &x, e) < 0 ||
		    ociimage_platform_host(&host, e) < 0 ||
		    ociimage_index_select(x, &host, &which, e) < 0)
			goto out;
		snprintf(digest, sizeof(digest), "%s",
			 x->manifests[which].digest);
		buf_reset(&b);
		if (blobstore_read(bs, digest, 4 << 20, &b, e) < 0)
			goto out;
	}
	if (ociimage_parse_manifest(b.data, b.len, &m, e) < 0 ||
	    ociimage_manifest_runnable(m, e) < 0)
		goto out;
	buf_reset(&b);
	if (blobstore_read(bs, m->config.digest, 4 << 20, &b, e) < 0 ||
	    ociimage_parse_config(b.data, b.len, &c, e) < 0 ||
	    ociimage_config_matches(c, m, e) < 0 || check_layers(bs, m, e) < 0)
		goto out;
	printf("%s %zu %s\n", digest, m->n_layers,
	       c->config.cmd.n ? c->config.cmd.v[0] : "-");
	r = 0;
out:
	ociimage_desc_clear(&top);
	ociimage_manifest_free(m);
	ociimage_index_free(x);
	ociimage_config_free(c);
	ociimage_platform_clear(&host);
	buf_free(&b);
	blobstore_free(bs);
	return r;
}

int main(int argc, char **argv)
{
	struct err e = ERR_INIT;

	if (argc >= 5 && strcmp(argv[1], "write") == 0 && argc != 6)
		return write_image(argc, argv, &e) < 0 ? die(&e) : 0;
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return check_image(argv, &e) < 0 ? die(&e) : 0;
	fprintf(stderr, "usage: oci_image write ROOT NAME LAYER.tar "
			"[LAYER.tar.gz DIFFID] | check ROOT NAME\n");
	return 2;
}
