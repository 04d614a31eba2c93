/* settings.c - the supervisor's keys in skiffd.json (core/config.h).
 *
 * Owns sup_settings, which core's config reader fills from this table at
 * start: "log-opts" (Docker's), the defaults of a container's --log-opt.
 * Only the checks of the values live here. */
#include <stddef.h>

#include "supervisor.h"

/* skiffd.json: "log-opts" are the defaults of --log-opt (Docker's). */
struct sup_settings sup_settings;

#define LOG_OPTS_HELP                                                          \
	"expected max-size (>= 4k, as \"10m\") or max-file (\"1\" to "          \
	"\"100\")"

static int max_size_check(void *field)
{
	return *(int64_t *)field >= 4096 ? 0 : -1;
}

static int max_file_check(void *field)
{
	long long n = *(long long *)field;

	return n >= 1 && n <= 100 ? 0 : -1;
}

static const struct config_key sup_log_opts[] = {
	{ .f = { .name = "max-size", .type = FLAG_SIZE,
		 .offset = offsetof(struct sup_settings, log_max_size),
		 .help = LOG_OPTS_HELP },
	  .def = "10m", .check = max_size_check },
	{ .f = { .name = "max-file", .type = FLAG_INT,
		 .offset = offsetof(struct sup_settings, log_max_file),
		 .help = LOG_OPTS_HELP },
	  .def = "3", .check = max_file_check },
	{ .f = { .name = NULL } },
};

static const struct config_key sup_keys[] = {
	{ .f = { .name = "log-opts", .help = LOG_OPTS_HELP },
	  .sub = sup_log_opts },
	{ .f = { .name = NULL } },
};

const struct config_table sup_config = { sup_keys, &sup_settings,
						sizeof(sup_settings) };
