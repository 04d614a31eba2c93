/* fuzz_unpack.c - libFuzzer target for the layer unpacker (fs/unpack.c) on
 * arbitrary bytes: plain, gzip or zstd, as the magic says.
 *
 * Each input is unpacked with unpack_fd() into DIR/layer (a fresh
 * directory), which tree_remove() then removes, whether the unpack
 * worked or not. DIR also holds DIR/canary/secret. After every input DIR
 * must hold exactly "canary", and the canary exactly its secret, unchanged:
 * an unpack that wrote or linked anything outside its root aborts. The
 * uncompressed size is capped (a small zstd frame can expand to GBs).
 * Decompression runs in-process (UNPACK_ONE_PROCESS): a fork per input
 * would slow the fuzzer tenfold, and the child only moves bytes. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../fs/tree.h"
#include "../../fs/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-unpack-XXXXXX";
static char layer[64], canary[64], secret[80];

static void cleanup(void)
{
	struct err e = ERR_INIT;

	tree_remove(AT_FDCWD, dir, &e);
}

static void setup(void)
{
	int fd;

	if (!mkdtemp(dir))
		abort();
	snprintf(layer, sizeof(layer), "%s/layer", dir);
	snprintf(canary, sizeof(canary), "%s/canary", dir);
	snprintf(secret, sizeof(secret), "%s/secret", canary);
	if (mkdir(canary, 0755) < 0)
		abort();
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "secret\n", 7) != 7)
		abort();
	close(fd);
	atexit(cleanup);
}

/* The names in path other than "." and ".."; abort unless exactly want. */
static void expect_only(const char *path, const char *want)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		abort();
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, want) != 0)
			abort();
		n++;
	}
	closedir(d);
	if (n != 1)
		abort();
}

static void check_contained(void)
{
	struct stat st;
	char buf[16];
	int fd;

	expect_only(dir, "canary");
	expect_only(canary, "secret");
	if (lstat(secret, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_size != 7 || (st.st_mode & 07777) != 0644)
		abort();
	fd = open(secret, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 7 ||
	    memcmp(buf, "secret\n", 7) != 0)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack_opts o = {.max_bytes = 16u << 20,
				.flags =
				    UNPACK_KEEP_CACHE | UNPACK_ONE_PROCESS};
	struct unpack_result r;
	struct err e = ERR_INIT;
	int in, root;

	if (!layer[0])
		setup();
	in = memfd_create("layer", MFD_CLOEXEC);
	if (in < 0 || (size && write(in, data, size) != (ssize_t)size) ||
	    lseek(in, 0, SEEK_SET) != 0)
		abort();
	if (mkdir(layer, 0755) < 0)
		abort();
	root = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		abort();
	if (unpack_fd(in, root, &o, &r, &e) == 0 &&
	    (r.tar_bytes > o.max_bytes || strncmp(r.diff_id, "sha256:", 7)))
		abort();
	close(root);
	close(in);
	if (tree_remove(AT_FDCWD, layer, &e) < 0)
		abort();
	check_contained();
	return 0;
}
