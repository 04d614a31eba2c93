/* fuzz_logread.c - libFuzzer target for the json-file log reader
 * (fs/logread.c) on files it did not write.
 *
 * The input's first byte picks the options (tail, follow, stream filter,
 * since); the rest is cut in two at a point the second byte picks: the
 * first part goes raw into PATH.1.zst (arbitrary bytes for the zstd
 * decoder), the second into PATH and, zstd-compressed, into PATH.2.zst.
 * Reading must end (or wait, in follow mode) within a bounded number of
 * calls, and every entry must be well-formed and pass the filters. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "../../fs/logread.h"
#include "../../proto/line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-logread-XXXXXX";
static char path[64];
static struct jsonlog_entry en;

static void put_file(const char *suffix, const void *p, size_t n)
{
	char name[96];
	int fd;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static void put_files(const char *a, size_t na, const char *b, size_t nb)
{
	size_t cap = ZSTD_compressBound(nb);
	char *z = malloc(cap ? cap : 1);
	size_t nz = ZSTD_compress(z, cap, b, nb, 1);

	if (!z || ZSTD_isError(nz))
		abort();
	put_file(".2.zst", z, nz);
	put_file(".1.zst", a, na);
	put_file("", b, nb);
	free(z);
}

static void check_entry(const struct logread_opts *o)
{
	if (en.stream != JSONLOG_STDOUT && en.stream != JSONLOG_STDERR)
		abort();
	if (o->streams && !(o->streams & (1u << en.stream)))
		abort();
	if (o->since_ns && en.time_ns < o->since_ns)
		abort();
	if (!utf8_valid(en.log, en.len, NULL) || en.log[en.len])
		abort();
}

static void read_all(const struct logread_opts *o)
{
	struct logread *r = logread_open(path, o, NULL);
	long long got = 0;
	int k;

	if (!r)
		abort();
	for (int calls = 0; calls < 100000; calls++) {
		k = logread_next(r, &en, NULL);
		if (k < 0)
			abort();
		if (k == 1) {
			check_entry(o);
			got++;
			continue;
		}
		if (logread_state(r) == LOGREAD_READY)
			continue;
		if (o->tail >= 0 && got > o->tail)
			abort();
		logread_free(r);
		return;
	}
	abort(); /* did not finish */
}

static void cleanup(void)
{
	static const char *const suffixes[] = { "", ".1.zst", ".2.zst" };
	char name[96];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		unlink(name);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long tails[] = { -1, 0, 1, 3 };
	struct logread_opts o = { .max_files = 3 };
	size_t cut;

	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/log", dir);
		atexit(cleanup);
	}
	if (size < 2)
		return 0;
	o.tail = tails[data[0] & 3];
	o.follow = data[0] & 4;
	o.streams = (data[0] >> 3) & 3;
	o.since_ns = data[0] & 0x20 ? 1795464494000000000LL : 0;
	cut = size > 2 ? data[1] % (size - 1) : 0;
	put_files((const char *)data + 2, cut, (const char *)data + 2 + cut,
		  size - 2 - cut);
	read_all(&o);
	return 0;
}
