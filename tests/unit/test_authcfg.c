/* test_authcfg.c - Docker's config.json credentials: keys as docker
 * login names them, files Docker writes, refusals naming the entry, and
 * write/parse round trips (passwords with ':' and spaces). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/authcfg.h"

static void test_keys(void **s)
{
	static const char *const t[][2] = {
		{ NULL, AUTHCFG_HUB_KEY },
		{ "", AUTHCFG_HUB_KEY },
		{ "docker.io", AUTHCFG_HUB_KEY },
		{ "index.docker.io", AUTHCFG_HUB_KEY },
		{ "registry-1.docker.io", AUTHCFG_HUB_KEY },
		{ "https://index.docker.io/v1/", AUTHCFG_HUB_KEY },
		{ "https://registry-1.docker.io", AUTHCFG_HUB_KEY },
		{ "127.0.0.1:5000", "127.0.0.1:5000" },
		{ "http://127.0.0.1:5000", "127.0.0.1:5000" },
		{ "https://reg.example.com/v2/", "reg.example.com" },
		{ "[::1]:5000", "[::1]:5000" },
		{ "docker.io.example.com", "docker.io.example.com" },
	};
	char k[AUTHCFG_KEY_MAX];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		authcfg_key(t[i][0], k);
		assert_string_equal(k, t[i][1]);
	}
}

static void test_docker_file(void **s)
{
	/* as Docker writes it, with other keys it has */
	const char *f = "{\n\t\"auths\": {\n"
			"\t\t\"https://index.docker.io/v1/\": {\"auth\": "
			"\"dXNlcjpwYXNz\"},\n"
			"\t\t\"reg.example.com:5000\": {\"auth\": "
			"\"YWxpY2U6czNjcmV0OnBhIHNz\"},\n"
			"\t\t\"http://old.example\": {\"username\": \"bob\", "
			"\"password\": \"pw\"},\n"
			"\t\t\"helper.example\": {}\n"
			"\t},\n\t\"credsStore\": \"desktop\", "
			"\"currentContext\": \"x\"\n}\n";
	struct authcfg c;
	struct err e = ERR_INIT;
	const struct authcfg_entry *x;

	assert_int_equal(authcfg_parse(f, strlen(f), &c, &e), 0);
	assert_int_equal(c.n, 3);
	x = authcfg_find(&c, AUTHCFG_HUB_KEY);
	assert_non_null(x);
	assert_string_equal(x->user, "user");
	assert_string_equal(x->password, "pass");
	x = authcfg_find(&c, "reg.example.com:5000");
	assert_non_null(x);
	assert_string_equal(x->user, "alice");
	assert_string_equal(x->password, "s3cret:pa ss");
	x = authcfg_find(&c, "old.example");
	assert_non_null(x);
	assert_string_equal(x->user, "bob");
	assert_null(authcfg_find(&c, "helper.example"));
	authcfg_free(&c);
	/* no auths at all: nothing, no error */
	assert_int_equal(authcfg_parse("{}", 2, &c, &e), 0);
	assert_int_equal(c.n, 0);
	authcfg_free(&c);
}

static void refused(const char *text, const char *msg)
{
	struct authcfg c;
	struct err e = ERR_INIT;

	assert_int_equal(authcfg_parse(text, strlen(text), &c, &e), -1);
	if (!strstr(e.msg, msg))
		fail_msg("%s: got \"%s\", want \"%s\"", text, e.msg, msg);
	assert_int_equal(c.n, 0);
	assert_null(c.v);
}

static void test_refused(void **s)
{
	refused("", "not JSON");
	refused("[1]", "expected a JSON object");
	refused("{\"auths\": []}", "auths: expected an object");
	refused("{\"auths\": {\"h\": 1}}", "auths.\"h\": expected an object");
	refused("{\"auths\": {\"a b\": {}}}", "auths.\"a b\": not a registry host");
	refused("{\"auths\": {\"h\": {\"auth\": 1}}}",
		"auths.\"h\".auth: expected a string");
	/* not base64, bad padding, no ':', empty user, a control char */
	refused("{\"auths\": {\"h\": {\"auth\": \"$$$$\"}}}",
		"auths.\"h\".auth: not base64 of user:password");
	refused("{\"auths\": {\"h\": {\"auth\": \"dXNlcjpwYXN=z\"}}}",
		"not base64");
	refused("{\"auths\": {\"h\": {\"auth\": \"dXNlcg==\"}}}", "not base64");
	refused("{\"auths\": {\"h\": {\"auth\": \"OnBhc3M=\"}}}", "not base64");
	refused("{\"auths\": {\"h\": {\"auth\": \"dQp4OnA=\"}}}", "not base64");
	refused("{\"auths\": {\"h\": {\"auth\": \"dQB4OnA=\"}}}", "not base64");
	refused("{\"auths\": {\"h\": {\"username\": \"u\"}}}",
		"auths.\"h\": expected \"auth\", or \"username\"");
	refused("{\"auths\": {\"h\": {\"username\": \"a:b\", \"password\": "
		"\"p\"}}}",
		"expected \"auth\"");
	refused("{\"auths\": {\"ok\": {\"auth\": \"dXNlcjpwYXNz\"}, \"h\": "
		"{\"auth\": \"x\"}}}",
		"auths.\"h\".auth");
}

static void test_round_trip(void **s)
{
	struct authcfg c = { 0 }, d;
	struct err e = ERR_INIT;
	struct buf b = { 0 };
	char *basic;

	authcfg_set(&c, "a:1", "u", "p");
	authcfg_set(&c, AUTHCFG_HUB_KEY, "hub", "with:colon and space");
	authcfg_set(&c, "a:1", "u2", "p2"); /* replaces */
	assert_int_equal(c.n, 2);
	authcfg_write(&c, &b);
	assert_non_null(memmem(buf_head(&b), buf_used(&b), "\"auths\"", 7));
	assert_int_equal(buf_head(&b)[buf_used(&b) - 1], '\n');
	assert_int_equal(authcfg_parse(buf_head(&b), buf_used(&b), &d, &e), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(authcfg_find(&d, "a:1")->user, "u2");
	assert_string_equal(authcfg_find(&d, AUTHCFG_HUB_KEY)->password,
			    "with:colon and space");
	assert_int_equal(authcfg_drop(&d, "a:1"), 1);
	assert_int_equal(authcfg_drop(&d, "a:1"), 0);
	assert_int_equal(d.n, 1);
	basic = authcfg_basic("Aladdin", "open sesame");
	assert_string_equal(basic, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	free(basic);
	authcfg_free(&c);
	authcfg_free(&d);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_docker_file),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
