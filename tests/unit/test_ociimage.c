/* test_ociimage.c - OCI index/manifest, Docker manifest list/schema 2 and
 * image config parsing (real-world-shaped documents and broken ones),
 * platform selection, and the writers' round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../proto/ociimage.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define H4 "4444444444444444444444444444444444444444444444444444444444444444"

/* Shaped like `docker manifest inspect --verbose busybox` output bodies. */
static const char docker_list[] =
    "{\"manifests\":["
    "{\"digest\":\"sha256:" H1 "\",\"mediaType\":"
    "\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},"
    "\"size\":528},"
    "{\"digest\":\"sha256:" H2 "\",\"mediaType\":"
    "\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\","
    "\"variant\":\"v5\"},\"size\":528},"
    "{\"digest\":\"sha256:" H3 "\",\"mediaType\":"
    "\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\","
    "\"variant\":\"v6\"},\"size\":527},"
    "{\"digest\":\"sha256:" H4 "\",\"mediaType\":"
    "\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
    "\"variant\":\"v8\"},\"size\":527}],"
    "\"mediaType\":"
    "\"application/vnd.docker.distribution.manifest.list.v2+json\","
    "\"schemaVersion\":2}";

/* An OCI index as buildx pushes it, with an attestation manifest. */
static const char oci_index[] =
    "{\"schemaVersion\":2,"
    "\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
    "\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"digest\":\"sha256:" H1 "\",\"size\":1234,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"digest\":\"sha256:" H2 "\",\"size\":1234,"
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"digest\":\"sha256:" H3 "\",\"size\":840,"
    "\"annotations\":{\"vnd.docker.reference.digest\":\"sha256:" H1 "\","
    "\"vnd.docker.reference.type\":\"attestation-manifest\"},"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}],"
    "\"annotations\":{\"org.opencontainers.image.created\":"
    "\"2024-01-01T00:00:00Z\"}}";

static const char docker_manifest[] =
    "{\n   \"schemaVersion\": 2,\n   \"mediaType\": "
    "\"application/vnd.docker.distribution.manifest.v2+json\",\n"
    "   \"config\": {\"mediaType\": "
    "\"application/vnd.docker.container.image.v1+json\",\"size\": 1457,"
    "\"digest\": \"sha256:" H1 "\"},\n   \"layers\": [\n"
    "      {\"mediaType\": "
    "\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
    "\"size\": 2591575,\"digest\": \"sha256:" H2 "\"},\n"
    "      {\"mediaType\": "
    "\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\","
    "\"size\": 100,\"digest\": \"sha256:" H3 "\","
    "\"urls\": [\"https://example.com/layer\"]}\n   ]\n}";

static const char oci_manifest[] =
    "{\"schemaVersion\":2,"
    "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
    "\"digest\":\"sha256:" H1 "\",\"size\":700},"
    "\"layers\":["
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
    "\"digest\":\"sha256:" H2 "\",\"size\":32654},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
    "\"digest\":\"sha256:" H3 "\",\"size\":16724},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
    "\"digest\":\"sha512:" H4 H4 "\",\"size\":73109}],"
    "\"annotations\":{\"com.example.key1\":\"value1\"}}";

static const char image_config[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\","
    "\"created\":\"2023-07-18T23:19:33.655005962Z\",\"author\":\"me\","
    "\"config\":{\"User\":\"www:www\",\"ExposedPorts\":{\"80/tcp\":{},"
    "\"53/udp\":{},\"8080\":{}},"
    "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
    "/bin\",\"NGINX_VERSION=1.25.1\"],"
    "\"Entrypoint\":[\"/docker-entrypoint.sh\"],"
    "\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
    "\"Volumes\":{\"/var/cache/nginx\":{}},\"WorkingDir\":\"/srv\","
    "\"Labels\":{\"maintainer\":\"NGINX Docker Maintainers\"},"
    "\"StopSignal\":\"SIGQUIT\","
    "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl -f http://localhost/\"],"
    "\"Interval\":30000000000,\"Timeout\":5000000000,\"Retries\":3,"
    "\"StartPeriod\":1000000000}},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" H1 "\","
    "\"sha256:" H2 "\"]},"
    "\"history\":[{\"created\":\"2023-07-04T01:19:58Z\","
    "\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
    "{\"created\":\"2023-07-04T01:19:58Z\","
    "\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"bash\\\"]\","
    "\"empty_layer\":true}]}";

static void test_docker_list(void **state)
{
	struct oci_index *x = NULL;
	struct err e = ERR_INIT;
	enum oci_mt kind;

	assert_int_equal(
	    ociimage_sniff(docker_list, strlen(docker_list), NULL, &kind, &e),
	    0);
	assert_int_equal(kind, OCI_MT_INDEX);
	if (ociimage_parse_index(docker_list, strlen(docker_list), &x, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(x->docker);
	assert_int_equal(x->n_manifests, 4);
	assert_int_equal(x->manifests[0].mt, OCI_MT_MANIFEST);
	assert_int_equal(x->manifests[1].size, 528);
	assert_string_equal(x->manifests[2].platform.variant, "v6");
	assert_string_equal(x->manifests[3].digest, "sha256:" H4);
	ociimage_index_free(x);
}

static void test_oci_index(void **state)
{
	struct oci_index *x = NULL;
	struct err e = ERR_INIT;

	if (ociimage_parse_index(oci_index, strlen(oci_index), &x, &e) < 0)
		fail_msg("%s", e.msg);
	assert_false(x->docker);
	assert_int_equal(x->n_manifests, 3);
	assert_string_equal(ociimage_desc_annotation(
				&x->manifests[2], "vnd.docker.reference.type"),
			    "attestation-manifest");
	assert_null(ociimage_desc_annotation(&x->manifests[0], "x"));
	assert_int_equal(x->n_annotations, 1);
	ociimage_index_free(x);
}

static void test_manifests(void **state)
{
	struct oci_manifest *m = NULL;
	struct err e = ERR_INIT;
	enum oci_mt kind;

	if (ociimage_parse_manifest(docker_manifest, strlen(docker_manifest),
				    &m, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(m->docker);
	assert_int_equal(m->config.mt, OCI_MT_CONFIG);
	assert_int_equal(m->n_layers, 2);
	assert_int_equal(m->layers[0].mt, OCI_MT_LAYER_GZIP);
	assert_int_equal(m->layers[0].size, 2591575);
	assert_int_equal(m->layers[1].mt, OCI_MT_LAYER_GZIP);
	assert_string_equal(m->layers[1].urls.v[0],
			    "https://example.com/layer");
	assert_int_equal(ociimage_manifest_runnable(m, &e), 0);
	ociimage_manifest_free(m);

	if (ociimage_parse_manifest(oci_manifest, strlen(oci_manifest), &m,
				    &e) < 0)
		fail_msg("%s", e.msg);
	assert_false(m->docker);
	assert_int_equal(m->layers[1].mt, OCI_MT_LAYER_ZSTD);
	assert_int_equal(m->layers[2].mt, OCI_MT_LAYER_TAR);
	assert_string_equal(m->layers[2].digest, "sha512:" H4 H4);
	assert_int_equal(ociimage_manifest_runnable(m, &e), 0);
	ociimage_manifest_free(m);

	/* Sniffing: body mediaType, else Content-Type, else the shape. */
	assert_int_equal(ociimage_sniff(oci_manifest, strlen(oci_manifest),
					MT_OCI_INDEX, &kind, &e),
			 0);
	assert_int_equal(kind, OCI_MT_MANIFEST);
	assert_int_equal(ociimage_sniff("{\"schemaVersion\":2}", 19,
					MT_DOCKER_LIST "; charset=utf-8", &kind,
					&e),
			 0);
	assert_int_equal(kind, OCI_MT_INDEX);
	assert_int_equal(ociimage_sniff("{\"layers\":[]}", 13, NULL, &kind, &e),
			 0);
	assert_int_equal(kind, OCI_MT_MANIFEST);
	assert_int_equal(ociimage_sniff("{\"a\":1}", 7, NULL, &kind, &e), -1);
	assert_non_null(strstr(e.msg, "not an image index or manifest"));
	assert_int_equal(ociimage_sniff("{\"schemaVersion\":1,\"fsLayers\":[]}",
					33, NULL, &kind, &e),
			 -1);
	assert_non_null(strstr(e.msg, "schema 1"));
}

static void test_config(void **state)
{
	struct oci_imgcfg *c = NULL;
	struct err e = ERR_INIT;

	if (ociimage_parse_config(image_config, strlen(image_config), &c, &e) <
	    0)
		fail_msg("%s", e.msg);
	assert_string_equal(c->architecture, "amd64");
	assert_string_equal(c->config.user, "www:www");
	assert_int_equal(c->config.exposed_ports.n, 3);
	assert_string_equal(c->config.exposed_ports.v[1], "53/udp");
	assert_int_equal(c->config.env.n, 2);
	assert_true(c->config.has_entrypoint);
	assert_string_equal(c->config.cmd.v[2], "daemon off;");
	assert_string_equal(c->config.volumes.v[0], "/var/cache/nginx");
	assert_string_equal(c->config.working_dir, "/srv");
	assert_string_equal(c->config.labels[0].value,
			    "NGINX Docker Maintainers");
	assert_string_equal(c->config.stop_signal, "SIGQUIT");
	assert_true(c->config.has_healthcheck);
	assert_int_equal(c->config.healthcheck.retries, 3);
	assert_true(c->config.healthcheck.interval == 30000000000ULL);
	assert_int_equal(c->diff_ids.n, 2);
	assert_int_equal(c->n_history, 2);
	assert_true(c->history[1].empty_layer);
	ociimage_config_free(c);

	/* Minimal: what `docker import` writes, Cmd null vs absent. */
	const char *min = "{\"architecture\":\"arm64\",\"os\":\"linux\","
			  "\"config\":{\"Cmd\":null,\"Entrypoint\":[]},"
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	if (ociimage_parse_config(min, strlen(min), &c, &e) < 0)
		fail_msg("%s", e.msg);
	assert_false(c->config.has_cmd);
	assert_true(c->config.has_entrypoint);
	assert_int_equal(c->config.entrypoint.n, 0);
	ociimage_config_free(c);
}

struct bad {
	int kind; /* 0 manifest, 1 index, 2 config */
	const char *json, *msg;
};

#define CFG_OK                                                                 \
	"{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","         \
	"\"digest\":\"sha256:" H1 "\",\"size\":7}"
#define LAYER(d, s)                                                            \
	"{\"mediaType\":\"" MT_OCI_LAYER_GZIP "\",\"digest\":" d               \
	",\"size\":" s "}"

static const struct bad bads[] = {
    {0, "", "manifest: invalid JSON"},
    {0, "[]", "manifest: expected an object"},
    {0, "{\"config\":" CFG_OK ",\"layers\":[]}",
     "manifest.schemaVersion: required"},
    {0, "{\"schemaVersion\":1,\"fsLayers\":[]}",
     "manifest.schemaVersion: schema 1 manifests are not supported"},
    {0, "{\"schemaVersion\":3}", "unsupported schema version 3"},
    {0, "{\"schemaVersion\":2,\"layers\":[]}", "manifest.config: required"},
    {0, "{\"schemaVersion\":2,\"config\":" CFG_OK "}",
     "manifest.layers: required"},
    {0, "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\"}",
     "manifest.mediaType: \"" MT_OCI_INDEX "\" is not a manifest"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK ",\"layers\":[],"
     "\"x\":0}",
     NULL},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK
     ",\"layers\":[" LAYER("\"sha256:" H2 "\"", "1") "," LAYER(
	 "\"sha256:" H2 "\"", "1") "," LAYER("\"sha256:abc\"", "1") "]}",
     "manifest.layers[2].digest: invalid digest length: sha256 needs 64"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK
     ",\"layers\":[" LAYER("\"md5:" H2 "\"", "1") "]}",
     "manifest.layers[0].digest: unsupported digest algorithm \"md5\""},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK
     ",\"layers\":[" LAYER("\"sha256:" H2 "\"", "-1") "]}",
     "manifest.layers[0].size: expected an unsigned integer"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK
     ",\"layers\":[" LAYER("\"sha256:" H2 "\"", "1.5") "]}",
     "manifest.layers[0].size: expected an unsigned integer"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK
     ",\"layers\":[" LAYER("\"sha256:" H2 "\"", "18446744073709551615") "]}",
     "manifest.layers[0].size: number out of range"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK
     ",\"layers\":[" LAYER("\"sha256:" H2 "\"", "\"1\"") "]}",
     "manifest.layers[0].size: expected a number"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK ",\"layers\":["
     "{\"digest\":\"sha256:" H2 "\",\"size\":1}]}",
     "manifest.layers[0].mediaType: required"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK ",\"layers\":["
     "{\"mediaType\":\"gzip\",\"digest\":\"sha256:" H2 "\",\"size\":1}]}",
     "manifest.layers[0].mediaType: \"gzip\" is not a media type"},
    {0,
     "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\","
     "\"size\":1},\"layers\":[]}",
     "manifest.config.digest: required"},
    {0,
     "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
     "\"config\":" CFG_OK ",\"layers\":{}}",
     "manifest.layers: expected an array"},
    {0,
     "{\"schemaVersion\":2,\"config\":" CFG_OK ",\"layers\":[],"
     "\"annotations\":{\"a\":1}}",
     "manifest.annotations.a: expected a string"},
    {1, "{\"schemaVersion\":2}", "index.manifests: required"},
    {1,
     "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
     "\"manifests\":[]}",
     "is not an index media type"},
    {1,
     "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_OCI_MANIFEST
     "\",\"digest\":\"sha256:" H1 "\",\"size\":1,"
     "\"platform\":{\"os\":\"linux\"}}]}",
     "index.manifests[0].platform.architecture: required"},
    {1,
     "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_OCI_MANIFEST
     "\",\"digest\":\"sha256:../../etc/passwd\","
     "\"size\":1}]}",
     "index.manifests[0].digest: invalid digest length"},
    {2,
     "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
     "\"diff_ids\":[]}}",
     "image.architecture: required"},
    {2, "{\"os\":\"linux\",\"architecture\":\"amd64\"}",
     "image.rootfs: required"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":"
     "{\"type\":\"zfs\",\"diff_ids\":[]}}",
     "image.rootfs.type: must be \"layers\""},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":"
     "{\"type\":\"layers\",\"diff_ids\":[\"sha256:" H1 "\",\"x\"]}}",
     "image.rootfs.diff_ids[1]: invalid digest format"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":"
     "{\"Env\":\"A=1\"},\"rootfs\":{\"type\":\"layers\","
     "\"diff_ids\":[]}}",
     "image.config.Env: expected an array"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":"
     "{\"ExposedPorts\":{\"80/tcp\":{},\"99999/tcp\":{}}},"
     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
     "image.config.ExposedPorts.99999/tcp: not a port number"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":"
     "{\"ExposedPorts\":{\"80/icmp\":{}}},"
     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
     "protocol must be tcp, udp or sctp"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":"
     "{\"Healthcheck\":{\"Test\":[\"RUN\"]}},"
     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
     "image.config.Healthcheck.Test[0]: unknown healthcheck kind"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":"
     "{\"Labels\":{\"a\":[]}},"
     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
     "image.config.Labels.a: expected a string"},
    {2,
     "{\"os\":\"linux\",\"architecture\":\"amd64\",\"history\":"
     "[{\"empty_layer\":1}],"
     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
     "image.history[0].empty_layer: expected a boolean"},
};

static int parse_kind(int kind, const char *json, struct err *e)
{
	size_t n = strlen(json);
	struct oci_manifest *m = NULL;
	struct oci_index *x = NULL;
	struct oci_imgcfg *c = NULL;
	int r;

	if (kind == 0)
		r = ociimage_parse_manifest(json, n, &m, e);
	else if (kind == 1)
		r = ociimage_parse_index(json, n, &x, e);
	else
		r = ociimage_parse_config(json, n, &c, e);
	ociimage_manifest_free(m);
	ociimage_index_free(x);
	ociimage_config_free(c);
	return r;
}

static void test_bad(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		struct err e = ERR_INIT;
		int r = parse_kind(bads[i].kind, bads[i].json, &e);
		if (!bads[i].msg) { /* unknown members are ignored */
			if (r < 0) {
				print_message("#%zu: %s\n", i, e.msg);
				failed++;
			}
			continue;
		}
		if (r == 0 || !strstr(e.msg, bads[i].msg)) {
			print_message("#%zu: got \"%s\", want \"%s\"\n", i,
				      r == 0 ? "success" : e.msg, bads[i].msg);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_runnable(void **state)
{
	const char *artifact =
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":"
	    "\"application/vnd.cncf.helm.config.v1+json\",\"digest\":"
	    "\"sha256:" H1 "\",\"size\":1},\"layers\":[]}";
	const char *odd_layer =
	    "{\"schemaVersion\":2,\"config\":" CFG_OK ",\"layers\":[" LAYER(
		"\"sha256:" H2 "\"",
		"1") ",{\"mediaType\":"
		     "\"application/x-foo\",\"digest\":\"sha256:" H3
		     "\",\"size\":1}]}";
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\","
			  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	struct oci_manifest *m = NULL;
	struct oci_imgcfg *c = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(
	    ociimage_parse_manifest(artifact, strlen(artifact), &m, &e), 0);
	assert_int_equal(ociimage_manifest_runnable(m, &e), -1);
	assert_non_null(strstr(e.msg, "not an image config"));
	ociimage_manifest_free(m);
	assert_int_equal(
	    ociimage_parse_manifest(odd_layer, strlen(odd_layer), &m, &e), 0);
	assert_int_equal(ociimage_manifest_runnable(m, &e), -1);
	assert_non_null(strstr(e.msg, "manifest.layers[1].mediaType: "
				      "unsupported layer media type"));
	assert_int_equal(ociimage_parse_config(cfg, strlen(cfg), &c, &e), 0);
	assert_int_equal(ociimage_config_matches(c, m, &e), -1);
	assert_non_null(strstr(e.msg, "0 entries for 2 manifest layers"));
	ociimage_config_free(c);
	ociimage_manifest_free(m);
}

static size_t pick(const char *json, const char *platform, struct err *e,
		   int *rc)
{
	struct oci_index *x = NULL;
	struct oci_platform p;
	size_t which = 99;

	assert_int_equal(ociimage_parse_index(json, strlen(json), &x, e), 0);
	assert_int_equal(ociimage_platform_parse(platform, &p, e), 0);
	*rc = ociimage_index_select(x, &p, &which, e);
	ociimage_platform_clear(&p);
	ociimage_index_free(x);
	return which;
}

static void test_platform(void **state)
{
	struct oci_platform p;
	struct err e = ERR_INIT;
	const char *arch, *variant;
	char s[64];
	int rc;

	assert_int_equal(ociimage_platform_parse("linux/aarch64", &p, &e), 0);
	ociimage_platform_string(&p, s, sizeof(s));
	assert_string_equal(s, "linux/arm64/v8");
	ociimage_platform_clear(&p);
	assert_int_equal(ociimage_platform_parse("Linux/x86_64", &p, &e), 0);
	ociimage_platform_string(&p, s, sizeof(s));
	assert_string_equal(s, "linux/amd64");
	ociimage_platform_clear(&p);
	assert_int_equal(ociimage_platform_parse("linux/armhf", &p, &e), 0);
	ociimage_platform_string(&p, s, sizeof(s));
	assert_string_equal(s, "linux/arm/v7");
	ociimage_platform_clear(&p);
	assert_int_equal(ociimage_platform_parse("linux/arm/6", &p, &e), 0);
	assert_string_equal(p.variant, "v6");
	ociimage_platform_clear(&p);
	assert_int_equal(ociimage_platform_parse("linux", &p, &e), -1);
	assert_non_null(strstr(e.msg, "want os/arch[/variant]"));
	assert_int_equal(ociimage_platform_parse("linux//amd64", &p, &e), -1);
	assert_int_equal(ociimage_platform_parse("linux/amd64/v1/x", &p, &e),
			 -1);
	assert_int_equal(ociimage_platform_parse("linux/am d64", &p, &e), -1);

	assert_int_equal(ociimage_arch_from_machine("x86_64", &arch, &variant),
			 0);
	assert_string_equal(arch, "amd64");
	assert_null(variant);
	assert_int_equal(ociimage_arch_from_machine("aarch64", &arch, &variant),
			 0);
	assert_string_equal(variant, "v8");
	assert_int_equal(ociimage_arch_from_machine("armv7l", &arch, &variant),
			 0);
	assert_string_equal(arch, "arm");
	assert_string_equal(variant, "v7");
	assert_int_equal(ociimage_arch_from_machine("pdp11", &arch, &variant),
			 -1);
	assert_int_equal(ociimage_platform_host(&p, &e), 0);
	assert_string_equal(p.os, "linux");
	ociimage_platform_clear(&p);

	/* Docker list: amd64, arm v5, arm v6, arm64 v8. */
	assert_int_equal(pick(docker_list, "linux/amd64", &e, &rc), 0);
	assert_int_equal(pick(docker_list, "linux/arm64", &e, &rc), 3);
	assert_int_equal(pick(docker_list, "linux/arm/v6", &e, &rc), 2);
	/* v7 runs v6 (the best lower one), v5 does not run v6. */
	assert_int_equal(pick(docker_list, "linux/arm/v7", &e, &rc), 2);
	assert_int_equal(pick(docker_list, "linux/arm/v5", &e, &rc), 1);
	pick(docker_list, "linux/s390x", &e, &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "no manifest for platform linux/s390x "
				      "in the index (it has: linux/amd64, "
				      "linux/arm/v5, linux/arm/v6, "
				      "linux/arm64/v8)"));
	/* OCI index: arm64 without a variant means v8; the attestation
	 * (unknown/unknown) is never chosen. */
	assert_int_equal(pick(oci_index, "linux/arm64/v8", &e, &rc), 1);
	assert_int_equal(rc, 0);
	pick(oci_index, "windows/amd64", &e, &rc);
	assert_int_equal(rc, -1);
}

/* Parse, write, parse again: same data, and the writer's bytes are stable. */
static void test_roundtrip(void **state)
{
	struct oci_manifest *m = NULL, *m2 = NULL;
	struct oci_index *x = NULL, *x2 = NULL;
	struct oci_imgcfg *c = NULL, *c2 = NULL;
	struct buf a = {0}, b = {0};
	struct err e = ERR_INIT;

	assert_int_equal(ociimage_parse_manifest(
			     docker_manifest, strlen(docker_manifest), &m, &e),
			 0);
	ociimage_write_manifest(m, &a);
	assert_int_not_equal(a.data[a.len - 1], '\n');
	assert_int_equal(ociimage_parse_manifest(a.data, a.len, &m2, &e), 0);
	assert_true(m2->docker);
	assert_int_equal(m2->n_layers, 2);
	assert_string_equal(m2->layers[1].urls.v[0],
			    "https://example.com/layer");
	ociimage_write_manifest(m2, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_reset(&a);
	buf_reset(&b);

	assert_int_equal(
	    ociimage_parse_index(docker_list, strlen(docker_list), &x, &e), 0);
	ociimage_write_index(x, &a);
	assert_int_equal(ociimage_parse_index(a.data, a.len, &x2, &e), 0);
	assert_int_equal(x2->n_manifests, 4);
	assert_string_equal(x2->manifests[3].platform.variant, "v8");
	assert_non_null(strstr(a.data, MT_DOCKER_LIST));
	buf_reset(&a);

	assert_int_equal(
	    ociimage_parse_config(image_config, strlen(image_config), &c, &e),
	    0);
	ociimage_write_config(c, &a);
	if (ociimage_parse_config(a.data, a.len, &c2, &e) < 0)
		fail_msg("%s in %.*s", e.msg, (int)a.len, a.data);
	assert_string_equal(c2->config.healthcheck.test.v[1],
			    "curl -f http://localhost/");
	assert_int_equal(c2->config.exposed_ports.n, 3);
	assert_string_equal(c2->config.stop_signal, "SIGQUIT");
	assert_int_equal(c2->n_history, 2);
	assert_true(c2->history[1].empty_layer);
	ociimage_write_config(c2, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);

	ociimage_manifest_free(m);
	ociimage_manifest_free(m2);
	ociimage_index_free(x);
	ociimage_index_free(x2);
	ociimage_config_free(c);
	ociimage_config_free(c2);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker_list),
	    cmocka_unit_test(test_oci_index),
	    cmocka_unit_test(test_manifests),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_runnable),
	    cmocka_unit_test(test_platform),
	    cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
