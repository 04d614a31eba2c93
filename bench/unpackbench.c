/* unpackbench.c - drive fs/unpack once for bench/unpack: unpack_layer()
 * of the layer file LAYER into DIR, then print one line
 * "entries bytes tar_bytes compression diff_id seconds".
 *
 *   unpackbench [-1] [-k] [-t MEDIA_TYPE] LAYER DIR
 *     -1  decompress in this process (UNPACK_ONE_PROCESS), to measure what
 *         the decompressor child gains
 *     -k  keep the page cache (UNPACK_KEEP_CACHE), to measure what the
 *         write-back-and-drop costs */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../fs/unpack.h"

int main(int argc, char **argv)
{
	struct unpack_opts o = {0};
	struct unpack_result r;
	struct err e = ERR_INIT;
	struct timespec t0, t1;
	int opt, fd;

	while ((opt = getopt(argc, argv, "1kt:")) != -1) {
		if (opt == '1')
			o.flags |= UNPACK_ONE_PROCESS;
		else if (opt == 'k')
			o.flags |= UNPACK_KEEP_CACHE;
		else if (opt == 't')
			o.media_type = optarg;
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr,
			"usage: unpackbench [-1] [-k] [-t TYPE] LAYER DIR\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (unpack_layer(fd, argv[optind + 1], &o, &r, &e) < 0) {
		fprintf(stderr, "unpackbench: %s\n", e.msg);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%llu %llu %llu %s %s %.3f\n", (unsigned long long)r.entries,
	       (unsigned long long)r.bytes, (unsigned long long)r.tar_bytes,
	       unpack_compression_name(r.compression), r.diff_id,
	       (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(fd);
	return 0;
}
