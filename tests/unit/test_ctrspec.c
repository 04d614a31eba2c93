/* test_ctrspec.c - a container's config.json kept with its common parts
 * (seccomp profile, capabilities, mounts, masked and read-only paths)
 * shared (modules/supervisor/ctr.c): what goes in comes out byte for
 * byte, and equal parts are stored once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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
	/* Every shared part, in any order, with text between them. */
	round_trip("{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_KILL\"]"
		   "},\"x\":1},\"mounts\":[{\"destination\":\"/proc\"}],"
		   "\"linux\":{\"readonlyPaths\":[\"/proc/bus\"],\"maskedPaths\""
		   ":[\"/proc/kcore\"],\"seccomp\":{\"y\":[]}}}");
	/* Brackets inside the strings of an array do not end it. */
	round_trip("{\"mounts\":[\"]\",\"[\"],\"z\":2}");
}

static void test_shared(void **state)
{
	const char *a = "{\"hostname\":\"a\",\"linux\":{\"seccomp\":{\"P\":1}}}";
	const char *b = "{\"hostname\":\"b\",\"linux\":{\"seccomp\":{\"P\":1}}}";
	const char *o = "{\"hostname\":\"o\",\"linux\":{\"seccomp\":{\"P\":2}}}";
	struct ctr *ca = mk("a", a), *cb = mk("b", b), *co = mk("o", o);
	char *s;

	assert_int_equal(ca->spec_ncut, 1);
	assert_ptr_equal(ca->spec_cut[0].piece, cb->spec_cut[0].piece);
	assert_ptr_not_equal(ca->spec_cut[0].piece, co->spec_cut[0].piece);
	assert_true(strlen(ca->spec_rest) < strlen(a));
	drop(ca); /* b still holds the profile */
	s = ctr_spec(cb);
	assert_string_equal(s, b);
	free(s);
	ctr_set_spec(cb, strdup(o)); /* replaced: shares o's now */
	assert_ptr_equal(cb->spec_cut[0].piece, co->spec_cut[0].piece);
	drop(cb);
	drop(co);
	co = mk("n", NULL);
	s = ctr_spec(co);
	assert_string_equal(s, "");
	free(s);
	drop(co);
}

/* Two containers alike but for their ids share every part: only the
 * text around them is their own. */
static void test_shared_parts(void **state)
{
#define SPEC(ARG)                                                         \
	"{\"process\":{\"args\":[\"" ARG "\"],\"capabilities\":{"               \
	"\"bounding\":[\"CAP_KILL\"]}},\"mounts\":[{\"type\":\"proc\"}],"        \
	"\"linux\":{\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":"       \
	"[\"/proc/bus\"],\"seccomp\":{\"P\":1}}}"
	const char *a = SPEC("a"), *b = SPEC("b");
	struct ctr *ca, *cb;

	ca = mk("a", a);
	cb = mk("b", b);
	assert_int_equal(ca->spec_ncut, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_ptr_equal(ca->spec_cut[i].piece, cb->spec_cut[i].piece);
	assert_string_equal(ca->spec_rest,
			    "{\"process\":{\"args\":[\"a\"],\"capabilities\":},"
			    "\"mounts\":,\"linux\":{\"maskedPaths\":,"
			    "\"readonlyPaths\":,\"seccomp\":}}");
	drop(ca);
	drop(cb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_shared),
	    cmocka_unit_test(test_shared_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
