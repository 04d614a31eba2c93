/* test_wwwauth.c - WWW-Authenticate challenges as registries send them,
 * the grammar's corners, refusals, and token endpoint URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/wwwauth.h"

static void test_docker_hub(void **s)
{
	struct wwwauth w;
	struct err e = ERR_INIT;
	const struct wwwauth_challenge *c;
	struct buf url = { 0 };

	assert_int_equal(
	    wwwauth_parse("Bearer realm=\"https://auth.docker.io/token\","
			  "service=\"registry.docker.io\","
			  "scope=\"repository:library/busybox:pull\"",
			  &w, &e),
	    0);
	assert_int_equal(w.n, 1);
	c = wwwauth_find(&w, "bearer");
	assert_non_null(c);
	assert_string_equal(wwwauth_param(c, "Realm"),
			    "https://auth.docker.io/token");
	assert_string_equal(wwwauth_param(c, "service"), "registry.docker.io");
	assert_int_equal(wwwauth_token_url(c, NULL, &url, &e), 0);
	buf_append(&url, "", 1);
	assert_string_equal(buf_head(&url),
			    "https://auth.docker.io/token?service=registry."
			    "docker.io&scope=repository%3Alibrary%2Fbusybox%"
			    "3Apull");
	buf_free(&url);
	/* more scopes, and a realm with a query already */
	free(w.v[0].params[0].value);
	w.v[0].params[0].value = strdup("http://127.0.0.1:5000/auth?x=1");
	assert_int_equal(wwwauth_token_url(c,
					   (const char *const[]){
					       "repository:a:pull,push",
					       "repository:b:pull", NULL },
					   &url, &e),
			 0);
	buf_append(&url, "", 1);
	assert_string_equal(buf_head(&url),
			    "http://127.0.0.1:5000/auth?x=1&service=registry."
			    "docker.io&scope=repository%3Aa%3Apull%2Cpush&"
			    "scope=repository%3Ab%3Apull");
	buf_free(&url);
	wwwauth_free(&w);
}

static void test_several(void **s)
{
	struct wwwauth w;
	struct err e = ERR_INIT;

	assert_int_equal(wwwauth_parse("Basic realm=\"Registry Realm\", "
				       "Bearer realm=\"http://a/t\" , "
				       "error=insufficient_scope,,  "
				       "Negotiate, Custom abc/+def==",
				       &w, &e),
			 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.v[0].scheme, "Basic");
	assert_string_equal(wwwauth_param(&w.v[0], "realm"), "Registry Realm");
	assert_string_equal(w.v[1].scheme, "Bearer");
	assert_int_equal(w.v[1].nparams, 2);
	assert_string_equal(wwwauth_param(&w.v[1], "error"),
			    "insufficient_scope");
	assert_string_equal(w.v[2].scheme, "Negotiate");
	assert_int_equal(w.v[2].nparams, 0);
	assert_string_equal(w.v[3].token68, "abc/+def==");
	wwwauth_free(&w);
	/* "realm=" alone is a token68 by the grammar, not a parameter */
	assert_int_equal(wwwauth_parse("Bearer realm=", &w, &e), 0);
	assert_string_equal(w.v[0].token68, "realm=");
	assert_null(wwwauth_find(&w, "Digest"));
	wwwauth_free(&w);
}

static void test_quoting(void **s)
{
	struct wwwauth w;
	struct err e = ERR_INIT;

	assert_int_equal(wwwauth_parse("Bearer realm = \"a \\\"q\\\" , b\","
				       "scope=\"x=y,z\"",
				       &w, &e),
			 0);
	assert_string_equal(wwwauth_param(&w.v[0], "realm"), "a \"q\" , b");
	assert_string_equal(wwwauth_param(&w.v[0], "scope"), "x=y,z");
	wwwauth_free(&w);
}

static void refused(const char *h, const char *want)
{
	struct wwwauth w;
	struct err e = ERR_INIT;

	if (wwwauth_parse(h, &w, &e) == 0)
		fail_msg("accepted: %s", h);
	if (!strstr(e.msg, want))
		fail_msg("%s: got \"%s\", want \"%s\"", h, e.msg, want);
	wwwauth_free(&w);
}

static void test_refused(void **s)
{
	char big[WWWAUTH_HEADER_MAX + 10];

	refused("", "empty");
	refused("   ,  ", "empty");
	refused("Bearer realm=\"unterminated", "unterminated quoted string");
	refused("Bearer realm=\"x\\", "unterminated quoted string");
	refused("Bearer realm=\"x\" junk", "expected ',' after a parameter at byte 17");
	refused("Bearer a=b, realm=", "expected a value");
	refused("Bearer a=b, realm= ,", "expected a value");
	refused("\"Bearer\"", "expected an auth scheme at byte 0");
	refused("Bearer=x", "expected a space after the scheme");
	refused("Bearer realm=\"a\nb\"", "unterminated");
	refused("Bearer \x01", "(0x01)");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	refused(big, "longer than");
}

static void test_token_url_refusals(void **s)
{
	struct wwwauth w;
	struct err e = ERR_INIT;
	struct buf url = { 0 };

	assert_int_equal(wwwauth_parse("Basic realm=\"x\", Bearer service=a, "
				       "Bearer realm=\"file:///etc/passwd\"",
				       &w, &e),
			 0);
	assert_int_equal(wwwauth_token_url(&w.v[0], NULL, &url, &e), -1);
	assert_non_null(strstr(e.msg, "Basic challenge has no token"));
	assert_int_equal(wwwauth_token_url(&w.v[1], NULL, &url, &e), -1);
	assert_non_null(strstr(e.msg, "without a realm"));
	assert_int_equal(wwwauth_token_url(&w.v[2], NULL, &url, &e), -1);
	assert_non_null(strstr(e.msg, "not an http(s) URL"));
	assert_int_equal(buf_used(&url), 0);
	wwwauth_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker_hub),
	    cmocka_unit_test(test_several),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_token_url_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
