/* Unit tests: Docker's human sizes, durations and times (proto/units). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/units.h"

static void size_is(double n, const char *want)
{
	char out[32];

	units_size(n, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_sizes(void **s)
{
	size_is(0, "0B");
	size_is(832, "832B");
	size_is(1000, "1kB");
	size_is(1036288, "1.04MB");
	size_is(1983000, "1.98MB");
	size_is(72800000, "72.8MB");
	size_is(142e6, "142MB");
	size_is(5.57e9, "5.57GB");
}

static void dur_is(double sec, const char *want)
{
	char out[64];

	units_duration((int64_t)(sec * 1e9), out, sizeof(out));
	assert_string_equal(out, want);
}

/* go-units' HumanDuration, boundary by boundary. */
static void test_durations(void **s)
{
	dur_is(0.5, "Less than a second");
	dur_is(1, "1 second");
	dur_is(59, "59 seconds");
	dur_is(60, "About a minute");
	dur_is(119, "About a minute");
	dur_is(120, "2 minutes");
	dur_is(59 * 60, "59 minutes");
	dur_is(3600, "About an hour");
	dur_is(1.6 * 3600, "2 hours");
	dur_is(47 * 3600, "47 hours");
	dur_is(48 * 3600, "2 days");
	dur_is(14 * 86400, "2 weeks");
	dur_is(60 * 86400, "2 months");
	dur_is(800 * 86400, "2 years");
}

static void test_times(void **s)
{
	char out[64];

	assert_true(units_parse_time("2026-01-01T00:00:00Z") ==
		    1767225600LL * 1000000000);
	assert_true(units_parse_time("2026-01-01T00:00:00.5Z") ==
		    1767225600LL * 1000000000 + 500000000);
	assert_true(units_parse_time("2026-01-01T02:00:00.000000001+02:00") ==
		    1767225600LL * 1000000000 + 1);
	assert_true(units_parse_time("2026-01-01") == 0);
	assert_true(units_parse_time("2026-01-01T00:00:00Zjunk") == 0);
	assert_true(units_parse_time(NULL) == 0);
	setenv("TZ", "UTC", 1);
	units_time_text(1767225600LL * 1000000000, out, sizeof(out));
	assert_string_equal(out, "2026-01-01 00:00:00 +0000 UTC");
	units_ago(0, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
