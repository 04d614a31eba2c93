/* test_ctrspec.c - a container's config.json kept with its seccomp
 * profile shared (modules/supervisor/ctr.c): what goes in comes out byte
 * for byte, and equal profiles are stored once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../modules/supervisor/supervisor.h"

static struct ctr *mk(const char *name, const char *spec)
{
	struct err e = ERR_INIT;
	struct ctr *c = ctr_new(name, &e);

	assert_non_null(c);
	ctr_set_spec(c, spec ? strdup(spec) : NULL);
	return c;
}

static void drop(struct ctr *c)
{
	ctr_unlink(c);
	ctr_free(c);
}

static void round_trip(const char *spec)
{
	struct ctr *c = mk("rt", spec);
	char *back = ctr_spec(c);

	assert_string_equal(back, spec);
	free(back);
	drop(c);
}

static void test_round_trips(void **state)
{
	round_trip("{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":"
		   "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{"
		   "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]},"
		   "\"cgroupsPath\":\"skiff/x\"}}");
	round_trip("{\"ociVersion\":\"1.0.2\",\"linux\":{}}"); /* none */
	/* A string that holds the key (escaped quotes) is not a profile. */
	round_trip("{\"process\":{\"args\":[\"echo\",\"\\\"seccomp\\\":{\"]}}");
	/* Braces inside the profile's strings do not end it. */
	round_trip("{\"linux\":{\"seccomp\":{\"x\":\"}{\\\"}\"},\"y\":1}}");
	/* Unbalanced: kept whole. */
	round_trip("{\"linux\":{\"seccomp\":{\"x\":1}");
	round_trip("");
}

static void test_shared(void **state)
{
	const char *a = "{\"hostname\":\"a\",\"linux\":{\"seccomp\":{\"P\":1}}}";
	const char *b = "{\"hostname\":\"b\",\"linux\":{\"seccomp\":{\"P\":1}}}";
	const char *o = "{\"hostname\":\"o\",\"linux\":{\"seccomp\":{\"P\":2}}}";
	struct ctr *ca = mk("a", a), *cb = mk("b", b), *co = mk("o", o);
	char *s;

	assert_non_null(ca->spec_profile);
	assert_ptr_equal(ca->spec_profile, cb->spec_profile);
	assert_ptr_not_equal(ca->spec_profile, co->spec_profile);
	assert_true(strlen(ca->spec_rest) < strlen(a));
	drop(ca); /* b still holds the profile */
	s = ctr_spec(cb);
	assert_string_equal(s, b);
	free(s);
	ctr_set_spec(cb, strdup(o)); /* replaced: shares o's now */
	assert_ptr_equal(cb->spec_profile, co->spec_profile);
	drop(cb);
	drop(co);
	co = mk("n", NULL);
	s = ctr_spec(co);
	assert_string_equal(s, "");
	free(s);
	drop(co);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
