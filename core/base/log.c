/* log.c - log sink and levels (see log.h). Owns the /dev/kmsg fd when used. */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERR:
		return "error";
	case LOG_WARN:
		return "warn";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void sink_stderr(enum log_level level, const char *msg)
{
	dprintf(STDERR_FILENO, "skiffd[%d] %s: %s\n", (int)getpid(),
		level_name(level), msg);
}

static log_sink_fn sink = sink_stderr;

void log_set_sink(log_sink_fn s)
{
	sink = s ? s : sink_stderr;
}

int log_level_parse(const char *s, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = { { "error", LOG_ERR },
		      { "warn", LOG_WARN },
		      { "info", LOG_INFO },
		      { "debug", LOG_DEBUG } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].level;
			return 0;
		}
	return -1;
}

void log_sink_kmsg(enum log_level level, const char *msg)
{
	static int fd = -2;

	if (fd == -2)
		fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || dprintf(fd, "<%d>skiffd: %s\n", (int)level, msg) < 0)
		sink_stderr(level, msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink(level, msg);
}
