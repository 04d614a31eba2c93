/* crashpoint.c - see crashpoint.h. Owns the count of points crossed and
 * the parsed SKIFF_CRASH_AT; no fd is kept. */
#include "crashpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

int crashpoint_armed;
static unsigned long at, seen;
static char stamp[4096];

void crashpoint_init(void)
{
	const char *v = getenv("SKIFF_CRASH_AT");
	char *end;

	if (!v)
		return;
	at = strtoul(v, &end, 10);
	if (*end != ':' || !end[1]) {
		log_warn("SKIFF_CRASH_AT=%s: expected N:FILE; ignored", v);
		return;
	}
	snprintf(stamp, sizeof(stamp), "%s", end + 1);
	if (at && access(stamp, F_OK) == 0)
		return; /* this run's crash has happened */
	crashpoint_armed = 1;
}

void crashpoint_hit(const char *where)
{
	int fd;

	seen++;
	log_info("crash point %lu: %s", seen, where);
	if (seen != at)
		return;
	fd = open(stamp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("crash point: %s: %s", stamp, strerror(errno));
		crashpoint_armed = 0;
		return;
	}
	close(fd);
	log_warn("crash point %lu (%s): killing skiffd", seen, where);
	kill(getpid(), SIGKILL);
}
