/* test_reference.c - image reference parsing and normalization against a
 * table of good and bad references (distribution/reference's own cases
 * included), and digest validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../proto/digest.h"
#include "../../proto/reference.h"

#define F64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define D256 "sha256:" F64
#define D512 "sha512:" F64 F64

struct good {
	const char *in, *canonical, *familiar;
};

static const struct good goods[] = {
    {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
    {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"index.docker.io/busybox", "docker.io/library/busybox:latest",
     "busybox:latest"},
    {"docker.io/library/busybox:latest", "docker.io/library/busybox:latest",
     "busybox:latest"},
    {"user/app", "docker.io/user/app:latest", "user/app:latest"},
    {"user/app/sub:v1", "docker.io/user/app/sub:v1", "user/app/sub:v1"},
    {"docker.io/library/a/b", "docker.io/library/a/b:latest",
     "library/a/b:latest"},
    /* Short forms that would name another registry keep docker.io. */
    {"docker.io/foo.com/bar", "docker.io/foo.com/bar:latest",
     "docker.io/foo.com/bar:latest"},
    {"docker.io/localhost/x", "docker.io/localhost/x:latest",
     "docker.io/localhost/x:latest"},
    {"foo/foo_bar.com", "docker.io/foo/foo_bar.com:latest",
     "foo/foo_bar.com:latest"},
    {"host:5000/a/b:tag", "host:5000/a/b:tag", "host:5000/a/b:tag"},
    {"localhost/x", "localhost/x:latest", "localhost/x:latest"},
    {"localhost:5000/x:1", "localhost:5000/x:1", "localhost:5000/x:1"},
    {"name@" D256, "docker.io/library/name@" D256, "name@" D256},
    {"name:tag@" D256, "docker.io/library/name:tag@" D256, "name:tag@" D256},
    {"test_com", "docker.io/library/test_com:latest", "test_com:latest"},
    /* No '/': "test.com:5000" is a name and a tag, as in Docker. */
    {"test.com:tag", "docker.io/library/test.com:tag", "test.com:tag"},
    {"test.com:5000", "docker.io/library/test.com:5000", "test.com:5000"},
    {"test.com/repo:tag", "test.com/repo:tag", "test.com/repo:tag"},
    {"test:5000/repo", "test:5000/repo:latest", "test:5000/repo:latest"},
    {"test:5000/repo@" D256, "test:5000/repo@" D256, "test:5000/repo@" D256},
    {"test:5000/repo:tag@" D256, "test:5000/repo:tag@" D256,
     "test:5000/repo:tag@" D256},
    {"lowercase:Uppercase", "docker.io/library/lowercase:Uppercase",
     "lowercase:Uppercase"},
    {"sub-dom1.foo.com/bar/baz/quux:some-long-tag",
     "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
     "sub-dom1.foo.com/bar/baz/quux:some-long-tag"},
    {"b.gcr.io/test.example.com/my-app:test.example.com",
     "b.gcr.io/test.example.com/my-app:test.example.com",
     "b.gcr.io/test.example.com/my-app:test.example.com"},
    {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com",
     "xn--n3h.com/myimage:xn--n3h.com"},
    {"xn--7o8h.com/myimage:xn--7o8h.com@" D512,
     "xn--7o8h.com/myimage:xn--7o8h.com@" D512,
     "xn--7o8h.com/myimage:xn--7o8h.com@" D512},
    {"foo_bar.com:8080", "docker.io/library/foo_bar.com:8080",
     "foo_bar.com:8080"},
    {"foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080",
     "foo/foo_bar.com:8080"},
    {"192.168.1.1", "docker.io/library/192.168.1.1:latest",
     "192.168.1.1:latest"},
    {"192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050",
     "192.168.1.1:5000/repo:5050"},
    {"[2001:db8::1]/repo", "[2001:db8::1]/repo:latest",
     "[2001:db8::1]/repo:latest"},
    {"[2001:db8::1]:5000/repo:tag@" D256, "[2001:db8::1]:5000/repo:tag@" D256,
     "[2001:db8::1]:5000/repo:tag@" D256},
    {"[::1]:5000/repo", "[::1]:5000/repo:latest", "[::1]:5000/repo:latest"},
    /* Separators: one '.', one or two '_', any number of '-'. */
    {"a.b_c__d---e", "docker.io/library/a.b_c__d---e:latest",
     "a.b_c__d---e:latest"},
    {"quay.io/coreos/etcd:v3.5.0_rc-1", "quay.io/coreos/etcd:v3.5.0_rc-1",
     "quay.io/coreos/etcd:v3.5.0_rc-1"},
};

struct bad {
	const char *in, *msg;
};

static const struct bad bads[] = {
    {"", "must have at least one component"},
    {":justtag", "missing repository name"},
    {"@" D256, "missing repository name"},
    {"repo@sha256:ffffffffffffffffffffffffffffffffff",
     "sha256 needs 64 hex digits, got 34"},
    {"validname@invaliddigest:" F64,
     "unsupported digest algorithm \"invaliddigest\""},
    {"repo@sha256:" F64 "F", "needs 64 hex digits"},
    {"repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
     "FFFFFFFF",
     "not a lowercase hex digit"},
    {"Uppercase:tag", "repository name must be lowercase at offset 0"},
    {"test:5000/Uppercase/lowercase:tag",
     "repository name must be lowercase at offset 10"},
    {"docker.io/Foo", "must be lowercase"},
    {"aa/asdf$$^/aa", "invalid character '$' in repository name at "
		      "offset 7"},
    {"[2001:db8::1]", "invalid character ']' in tag at offset 12"},
    {"[2001:db8::1]:5000",
     "path component must start with [a-z0-9], not '[' at offset 0"},
    {"[2001:db8::1]:tag", "path component must start"},
    {"[fe80::1%eth0]:5000/repo", "invalid character '%' in IPv6"},
    {"a//b", "empty path component at offset 2"},
    {"a/b/", "empty path component at offset 4"},
    {"/a", "empty path component at offset 0"},
    {"a..b", "separator must be followed"},
    {"a___b", "separator must be followed"},
    {"a-", "may not end with a separator"},
    {"-a", "path component must start"},
    {"a:", "empty tag"},
    {"a:-x", "tag must start with"},
    {"a:x!", "invalid character '!' in tag"},
    {"a b", "invalid character ' ' in repository name at offset 1"},
    {"a\tb", "invalid character 0x09 in repository name at offset 1"},
    {"host:/a", "port must be digits"},
    {"host:50a0/a", "port must be digits"},
    {"-host.io/a", "may not start or end with '-'"},
    {"host..io/a", "empty or invalid domain component"},
    {"host.io/", "missing repository path after domain"},
    {F64, "cannot specify 64-byte hexadecimal strings"},
    {"a@", "invalid digest format"},
    {"a@sha256", "invalid digest format"},
    {"a@SHA256:" F64, "bad algorithm"},
    {"a@sha256:" F64 "@x", "needs 64 hex digits"},
    {"_tag:_x", "path component must start"},
};

static void test_good_table(void **state)
{
	char out[REF_STR_MAX];
	struct ref r;

	for (size_t i = 0; i < ARRAY_SIZE(goods); i++) {
		struct err e = ERR_INIT;
		if (ref_parse(goods[i].in, 0, &r, &e) < 0)
			fail_msg("%s: %s", goods[i].in, e.msg);
		ref_string(&r, out, sizeof(out));
		if (strcmp(out, goods[i].canonical) != 0)
			fail_msg("%s: canonical %s, want %s", goods[i].in, out,
				 goods[i].canonical);
		ref_familiar(&r, out, sizeof(out));
		if (strcmp(out, goods[i].familiar) != 0)
			fail_msg("%s: familiar %s, want %s", goods[i].in, out,
				 goods[i].familiar);
		/* The canonical form parses back to itself. */
		if (ref_parse(goods[i].canonical, 0, &r, &e) < 0)
			fail_msg("%s: %s", goods[i].canonical, e.msg);
		ref_string(&r, out, sizeof(out));
		assert_string_equal(out, goods[i].canonical);
	}
}

static void test_bad_table(void **state)
{
	struct ref r;
	int failed = 0;

	/* Report every mismatch, then fail once. */
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		struct err e = ERR_INIT;
		if (ref_parse(bads[i].in, 0, &r, &e) == 0) {
			print_message("%s: parsed\n", bads[i].in);
			failed++;
		} else if (e.class != ERR_INVALID ||
			   !strstr(e.msg, bads[i].msg) ||
			   (strcmp(bads[i].in, F64) != 0 &&
			    !strstr(e.msg, "invalid reference format"))) {
			print_message("%s: message \"%s\" lacks \"%s\"\n",
				      bads[i].in, e.msg, bads[i].msg);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_parts(void **state)
{
	struct err e = ERR_INIT;
	char out[REF_STR_MAX];
	struct ref r;

	assert_int_equal(ref_parse("host:5000/a/b:tag@" D256, 0, &r, &e), 0);
	assert_string_equal(r.domain, "host:5000");
	assert_string_equal(r.path, "a/b");
	assert_string_equal(r.tag, "tag");
	assert_string_equal(r.digest, D256);
	ref_name(&r, out, sizeof(out));
	assert_string_equal(out, "host:5000/a/b");
	ref_familiar_name(&r, out, sizeof(out));
	assert_string_equal(out, "host:5000/a/b");

	assert_int_equal(ref_parse("busybox", REF_NO_DEFAULT_TAG, &r, &e), 0);
	assert_string_equal(r.tag, "");
	ref_string(&r, out, sizeof(out));
	assert_string_equal(out, "docker.io/library/busybox");
	ref_familiar_name(&r, out, sizeof(out));
	assert_string_equal(out, "busybox");

	/* Digest alone: no default tag. */
	assert_int_equal(ref_parse("busybox@" D256, 0, &r, &e), 0);
	assert_string_equal(r.tag, "");
}

static void test_lengths(void **state)
{
	char in[600], out[REF_STR_MAX];
	struct err e = ERR_INIT;
	struct ref r;
	size_t n = 0;

	/* "a/" * 128 + "a:tag": a 257-character name (Docker: too long). */
	for (int i = 0; i < 128; i++)
		n += (size_t)sprintf(in + n, "a/");
	sprintf(in + n, "a:tag");
	assert_int_equal(ref_parse(in, 0, &r, &e), -1);
	assert_non_null(strstr(e.msg, "must not be more than 255"));

	/* "a/" * 117 + "a" under docker.io/ is 9 + 1 + 235 = 245: fits, and
	 * a long tag does not count against the name. */
	n = 0;
	for (int i = 0; i < 117; i++)
		n += (size_t)sprintf(in + n, "a/");
	sprintf(in + n, "a:tag-puts-this-over-max");
	assert_int_equal(ref_parse(in, 0, &r, &e), 0);
	ref_string(&r, out, sizeof(out));
	assert_int_equal(strncmp(out, "docker.io/a/a/", 14), 0);

	/* Tags: 128 characters is the limit. */
	memset(in, 'x', 200);
	memcpy(in, "a:", 2);
	in[2 + 128] = '\0';
	assert_int_equal(ref_parse(in, 0, &r, &e), 0);
	in[2 + 128] = 'x';
	in[2 + 129] = '\0';
	assert_int_equal(ref_parse(in, 0, &r, &e), -1);
	assert_non_null(strstr(e.msg, "tag longer than 128"));

	assert_true(ref_tag_valid("v1.0-rc_2"));
	assert_false(ref_tag_valid(".x"));
	assert_false(ref_tag_valid(""));
}

static void test_digest(void **state)
{
	struct err e = ERR_INIT;
	enum digest_algo a;
	char d[DIGEST_STR_MAX];

	assert_int_equal(digest_check(D256, &a, &e), 0);
	assert_int_equal(a, DIGEST_SHA256);
	assert_int_equal(digest_check(D512, &a, &e), 0);
	assert_int_equal(a, DIGEST_SHA512);
	assert_string_equal(digest_hex(D256), F64);
	assert_false(digest_valid("sha256:" F64 F64));
	assert_false(digest_valid("sha512:" F64));
	assert_false(digest_valid("md5:d41d8cd98f00b204e9800998ecf8427e"));
	assert_false(digest_valid("sha256:../../../../etc/passwd"));
	assert_false(digest_valid(":" F64));
	assert_false(digest_valid("sha256" F64));
	assert_int_equal(digest_check("sha256:" F64 "/x", NULL, &e), -1);

	/* SHA-256 of "abc" (FIPS 180-2 test vector). */
	digest_sha256("abc", 3, d);
	assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361"
			       "a396177a9cb410ff61f20015ad");
	digest_sha256("", 0, d);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41"
			       "e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_table), cmocka_unit_test(test_bad_table),
	    cmocka_unit_test(test_parts),      cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
