/* test_imgarchive.c - manifest.json of image archives (Docker 25's and
 * older), its refusals naming the field, the writer's round trip, and
 * archive member names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/imgarchive.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_docker25(void **s)
{
	const char *j = "[{\"Config\":\"blobs/sha256/" HEX "\","
			"\"RepoTags\":[\"busybox:latest\",\"b:1\"],"
			"\"Layers\":[\"blobs/sha256/" HEX "\",\"x/layer.tar\"]}]";
	struct imgarchive a, b;
	struct err e = ERR_INIT;
	struct buf out = { 0 };

	assert_int_equal(imgarchive_parse(j, strlen(j), &a, &e), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.images[0].config, "blobs/sha256/" HEX);
	assert_int_equal(a.images[0].repo_tags.n, 2);
	assert_string_equal(a.images[0].repo_tags.v[1], "b:1");
	assert_int_equal(a.images[0].layers.n, 2);
	assert_string_equal(a.images[0].layers.v[1], "x/layer.tar");
	imgarchive_write(&a, &out);
	assert_int_equal(imgarchive_parse(buf_head(&out), buf_used(&out), &b, &e),
			 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.images[0].repo_tags.v[0], "busybox:latest");
	assert_string_equal(b.images[0].layers.v[0], "blobs/sha256/" HEX);
	imgarchive_free(&a);
	imgarchive_free(&b);
	buf_free(&out);
}

static void test_untagged(void **s)
{
	const char *j = "[{\"Config\":\"c.json\",\"RepoTags\":null,"
			"\"Layers\":[]}]";
	struct imgarchive a;
	struct err e = ERR_INIT;
	struct buf out = { 0 };

	assert_int_equal(imgarchive_parse(j, strlen(j), &a, &e), 0);
	assert_int_equal(a.images[0].repo_tags.n, 0);
	imgarchive_write(&a, &out);
	buf_append(&out, "", 1);
	assert_non_null(strstr(buf_head(&out), "\"RepoTags\":null"));
	imgarchive_free(&a);
	buf_free(&out);
}

static void refused(const char *j, const char *want)
{
	struct imgarchive a;
	struct err e = ERR_INIT;

	assert_int_equal(imgarchive_parse(j, strlen(j), &a, &e), -1);
	if (!strstr(e.msg, want))
		fail_msg("%s: got \"%s\", want \"%s\"", j, e.msg, want);
	assert_int_equal(a.n, 0);
}

static void test_refused(void **s)
{
	refused("{}", "manifest.json");
	refused("[]", "no image");
	refused("[{\"Layers\":[]}]", "[0].Config: missing");
	refused("[{\"Config\":\"c\"}]", "[0].Layers: missing");
	refused("[{\"Config\":\"../c\",\"Layers\":[]}]", "climbs out");
	refused("[{\"Config\":\"/etc/passwd\",\"Layers\":[]}]", "absolute");
	refused("[{\"Config\":\"c\",\"Layers\":[\"a/../../b\"]}]",
		"[0].Layers[0]");
	refused("[{\"Config\":\"c\",\"Layers\":[1]}]", "[0].Layers[0]");
	refused("[{\"Config\":\"c\",\"Layers\":[],\"RepoTags\":[2]}]",
		"RepoTags");
	refused("[{\"Config\":\"c\",\"Layers\":[", "manifest.json");
}

static void test_members(void **s)
{
	char n[64], d[DIGEST_STR_MAX];
	struct err e = ERR_INIT;

	assert_int_equal(imgarchive_member_check("./blobs/sha256/x/", n,
						 sizeof(n), &e), 0);
	assert_string_equal(n, "blobs/sha256/x");
	assert_int_equal(imgarchive_member_check("a/./b", n, sizeof(n), &e), -1);
	assert_int_equal(imgarchive_member_check("a//b", n, sizeof(n), &e), -1);
	assert_int_equal(imgarchive_member_check("..", n, sizeof(n), &e), -1);
	assert_int_equal(imgarchive_member_check("./", n, sizeof(n), &e), -1);
	assert_int_equal(imgarchive_member_check("a/..b", n, sizeof(n), &e), 0);
	assert_int_equal(imgarchive_blob_digest("blobs/sha256/" HEX, d), 1);
	assert_string_equal(d, "sha256:" HEX);
	assert_int_equal(imgarchive_blob_digest("blobs/sha256/abc", d), 0);
	assert_int_equal(imgarchive_blob_digest("blobs/sha256/x/" HEX, d), 0);
	assert_int_equal(imgarchive_blob_digest("manifest.json", d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker25),
		cmocka_unit_test(test_untagged),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
