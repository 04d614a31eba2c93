/* ociimage.h - OCI and Docker image JSON: index, manifest, image config.
 *
 * Parsers (over yajl via proto/jtree) for the four manifest formats a
 * registry serves -- OCI image index, OCI image manifest, Docker manifest
 * list v2, Docker schema 2 manifest -- and for the image config. Every
 * descriptor's digest and size are validated; errors name the JSON path
 * ("manifest.layers[2].digest: unsupported digest algorithm \"md5\"").
 * Writers emit what skiff produces (import, commit, save) as compact JSON
 * whose bytes are then content-addressed.
 *
 * Each parsed struct owns every string and array inside it; the matching
 * ociimage_*_free() releases it all (and accepts NULL). */
#ifndef SKIFF_OCIIMAGE_H
#define SKIFF_OCIIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "digest.h"
#include "jtree.h"
#include "ocispec.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_LIST                                                         \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST                                                     \
	"application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN_GZIP                                                 \
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define ANNOT_REF_NAME "org.opencontainers.image.ref.name"

/* Media types skiff tells apart. */
enum oci_mt {
	OCI_MT_UNKNOWN,
	OCI_MT_INDEX,	       /* OCI index or Docker manifest list */
	OCI_MT_MANIFEST,       /* OCI manifest or Docker schema 2 */
	OCI_MT_CONFIG,	       /* OCI or Docker image config */
	OCI_MT_LAYER_TAR,      /* uncompressed layer */
	OCI_MT_LAYER_GZIP,     /* gzip layer (OCI, Docker, foreign) */
	OCI_MT_LAYER_ZSTD,     /* zstd layer */
	OCI_MT_DOCKER_SCHEMA1, /* refused: signed v1 manifests */
};

/* Classify a media type string; *docker says whether it is Docker's. */
enum oci_mt ociimage_mt(const char *media_type, bool *docker);

struct oci_platform {
	char *os, *architecture, *variant, *os_version;
	struct strv os_features;
};

struct oci_desc {
	char *media_type;
	enum oci_mt mt;
	char *digest;
	uint64_t size;
	struct strv urls;
	struct oci_kv *annotations;
	size_t n_annotations;
	bool has_platform;
	struct oci_platform platform;
};

struct oci_manifest {
	uint32_t schema_version;
	char *media_type; /* may be NULL for OCI */
	bool docker;	  /* Docker schema 2 (else OCI) */
	struct oci_desc config;
	struct oci_desc *layers;
	size_t n_layers;
	struct oci_kv *annotations;
	size_t n_annotations;
};

struct oci_index {
	uint32_t schema_version;
	char *media_type; /* may be NULL for OCI */
	bool docker;	  /* Docker manifest list (else OCI) */
	struct oci_desc *manifests;
	size_t n_manifests;
	struct oci_kv *annotations;
	size_t n_annotations;
};

struct oci_healthcheck {
	struct strv test; /* ["NONE"] | ["CMD", ...] | ["CMD-SHELL", cmd] */
	uint64_t interval, timeout, start_period, start_interval; /* ns */
	uint32_t retries;
};

struct oci_history {
	char *created, *created_by, *author, *comment;
	bool empty_layer;
};

/* The image config ("application/vnd.oci.image.config.v1+json"). The
 * has_* flags keep "absent" apart from "empty" where Docker does. */
struct oci_imgcfg {
	char *created, *author, *architecture, *os, *variant, *os_version;
	struct {
		char *user, *working_dir, *stop_signal;
		struct strv env, entrypoint, cmd;
		bool has_entrypoint, has_cmd;
		struct strv exposed_ports; /* "80/tcp" */
		struct strv volumes;	   /* "/data" */
		struct oci_kv *labels;
		size_t n_labels;
		bool has_healthcheck;
		struct oci_healthcheck healthcheck;
	} config;
	struct strv diff_ids; /* rootfs.diff_ids, rootfs.type is "layers" */
	struct oci_history *history;
	size_t n_history;
};

/* What a manifest-endpoint document is, from its mediaType member, else
 * from the Content-Type hint (may be NULL), else from its shape. */
int ociimage_sniff(const char *json, size_t len, const char *content_type,
		   enum oci_mt *kind, struct err *e);

int ociimage_parse_index(const char *json, size_t len, struct oci_index **out,
			 struct err *e);
int ociimage_parse_manifest(const char *json, size_t len,
			    struct oci_manifest **out, struct err *e);
int ociimage_parse_config(const char *json, size_t len, struct oci_imgcfg **out,
			  struct err *e);
void ociimage_index_free(struct oci_index *x);
void ociimage_manifest_free(struct oci_manifest *m);
void ociimage_config_free(struct oci_imgcfg *c);
void ociimage_desc_clear(struct oci_desc *d);
void ociimage_platform_clear(struct oci_platform *p);

/* A manifest skiff can run: an image config and known layer types
 * (artifacts such as signatures parse but are refused here). */
int ociimage_manifest_runnable(const struct oci_manifest *m, struct err *e);
/* The config's diff_ids agree with the manifest's layers in number. */
int ociimage_config_matches(const struct oci_imgcfg *c,
			    const struct oci_manifest *m, struct err *e);

/* Platforms. ociimage_platform_parse() reads "os/arch[/variant]" and
 * normalizes aliases (x86_64 -> amd64, aarch64 -> arm64, armhf -> arm/v7);
 * ociimage_platform_host() maps uname's machine to GOARCH names. */
int ociimage_platform_parse(const char *s, struct oci_platform *p,
			    struct err *e);
int ociimage_platform_host(struct oci_platform *p, struct err *e);
/* Map a uname machine ("x86_64") to arch and variant (variant may be
 * NULL); returns -1 for a machine skiff does not know. */
int ociimage_arch_from_machine(const char *machine, const char **arch,
			       const char **variant);
/* "os/arch[/variant]" into out. */
void ociimage_platform_string(const struct oci_platform *p, char *out,
			      size_t n);
/* Pick the manifest of an index for platform want: the exact variant
 * first, then a compatible lower one (arm v7 runs v6 and v5; arm64's
 * empty variant means v8). *which is the index into x->manifests. The
 * error lists the platforms the index offers. */
int ociimage_index_select(const struct oci_index *x,
			  const struct oci_platform *want, size_t *which,
			  struct err *e);

/* Writers: compact JSON, no trailing newline, appended to out. */
void ociimage_write_index(const struct oci_index *x, struct buf *out);
void ociimage_write_manifest(const struct oci_manifest *m, struct buf *out);
void ociimage_write_config(const struct oci_imgcfg *c, struct buf *out);

/* Duplicate a descriptor (deep copy); -1 only on allocation failure. */
int ociimage_desc_copy(struct oci_desc *dst, const struct oci_desc *src);
/* Annotation lookup on a descriptor (NULL when absent). */
const char *ociimage_desc_annotation(const struct oci_desc *d, const char *key);
/* Set (replace or add) an annotation; -1 only on allocation failure. */
int ociimage_desc_set_annotation(struct oci_desc *d, const char *key,
				 const char *value);

#endif
