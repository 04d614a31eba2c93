/* test_blobstore.c - the OCI-layout content store: layout files, verified
 * writes, mismatch and overflow leave nothing, resume after a crash (close
 * without commit, and a real SIGKILL), concurrent writers of one digest,
 * index.json updates, pruning of stale partials. Runs in a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../fs/blobstore.h"

struct fx {
	char dir[64];
	struct blobstore *bs;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;

	strcpy(f->dir, "/tmp/skiff-blobstore.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	strcat(f->dir, "/store");
	if (blobstore_open(f->dir, &f->bs, &e) < 0)
		fail_msg("%s", e.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	blobstore_free(f->bs);
	*strrchr(f->dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static char *slurp(const char *dir, const char *name)
{
	static char data[4096];
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	data[n < 0 ? 0 : n] = '\0';
	return data;
}

/* Number of entries in dir/sub, dot entries aside. */
static int count(const char *dir, const char *sub)
{
	char path[256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void data_of(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 131 + seed) % 251);
}

static void test_layout(void **state)
{
	struct fx *f = *state;
	struct blobstore *again = NULL;
	struct err e = ERR_INIT;
	struct oci_index *x = NULL;

	assert_string_equal(slurp(f->dir, "oci-layout"),
			    "{\"imageLayoutVersion\":\"1.0.0\"}");
	assert_int_equal(blobstore_index_load(f->bs, &x, &e), 0);
	assert_int_equal(x->n_manifests, 0);
	ociimage_index_free(x);
	assert_int_equal(count(f->dir, "blobs/sha256"), 0);
	/* Opening again keeps what is there. */
	assert_int_equal(blobstore_open(f->dir, &again, &e), 0);
	blobstore_free(again);
	assert_int_equal(count(f->dir, ""),
			 4); /* oci-layout index blobs ingest */
}

static int walk_count(const char *digest, uint64_t size, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_put_read_delete(void **state)
{
	struct fx *f = *state;
	char d[DIGEST_STR_MAX], want[DIGEST_STR_MAX];
	struct err e = ERR_INIT;
	struct buf b = {0};
	uint64_t size = 0;
	int fd = -1, n = 0;
	struct stat st;

	digest_sha256("hello", 5, want);
	assert_int_equal(blobstore_put(f->bs, "hello", 5, want, d, &e), 0);
	assert_string_equal(d, want);
	assert_int_equal(blobstore_has(f->bs, want, &size, &e), 1);
	assert_int_equal(size, 5);
	assert_int_equal(blobstore_read(f->bs, want, 100, &b, &e), 0);
	assert_int_equal(buf_used(&b), 5);
	assert_memory_equal(buf_head(&b), "hello", 5);
	buf_free(&b);
	assert_int_equal(blobstore_read(f->bs, want, 4, &b, &e), -1);
	assert_int_equal(e.class, ERR_TOO_LARGE);
	buf_free(&b);
	assert_int_equal(blobstore_open_blob(f->bs, want, &fd, &e), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	close(fd);
	/* Computed digest: the same content is the same blob. */
	assert_int_equal(blobstore_put(f->bs, "hello", 5, NULL, d, &e), 0);
	assert_string_equal(d, want);
	assert_int_equal(blobstore_walk(f->bs, walk_count, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count(f->dir, "ingest"), 0);

	assert_int_equal(blobstore_delete(f->bs, want, &e), 0);
	assert_int_equal(blobstore_has(f->bs, want, NULL, &e), 0);
	assert_int_equal(blobstore_delete(f->bs, want, &e), -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_int_equal(blobstore_open_blob(f->bs, want, &fd, &e), -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
}

static void test_bad_digests(void **state)
{
	struct fx *f = *state;
	struct blobstore_writer *w = NULL;
	struct err e = ERR_INIT;
	uint64_t off;
	int fd;

	assert_int_equal(
	    blobstore_has(f->bs, "sha256:../../../etc/passwd", NULL, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_int_equal(
	    blobstore_writer_open(f->bs, "sha256:/etc/passwd", 1, &w, &off, &e),
	    -1);
	assert_null(w);
	assert_int_equal(blobstore_open_blob(f->bs,
					     "md5:d41d8cd98f00b204e980"
					     "0998ecf8427e",
					     &fd, &e),
			 -1);
	assert_non_null(strstr(e.msg, "unsupported digest algorithm"));
	assert_int_equal(blobstore_delete(f->bs, "", &e), -1);
	assert_int_equal(count(f->dir, "ingest"), 0);
}

static void test_mismatch(void **state)
{
	struct fx *f = *state;
	char want[DIGEST_STR_MAX], got[DIGEST_STR_MAX];
	struct blobstore_writer *w = NULL;
	struct err e = ERR_INIT;
	uint64_t off = 99;

	digest_sha256("abc", 3, want);
	digest_sha256("abd", 3, got);
	assert_int_equal(blobstore_writer_open(f->bs, want, 3, &w, &off, &e),
			 0);
	assert_int_equal(off, 0);
	assert_int_equal(blobstore_writer_write(w, "abd", 3, &e), 0);
	assert_int_equal(count(f->dir, "ingest"), 1);
	assert_int_equal(blobstore_writer_commit(w, NULL, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_non_null(strstr(e.msg, "digest mismatch"));
	assert_non_null(strstr(e.msg, want));
	assert_non_null(strstr(e.msg, got));
	assert_int_equal(count(f->dir, "ingest"), 0);
	assert_int_equal(count(f->dir, "blobs/sha256"), 0);

	/* Overflow: more bytes than the descriptor's size. */
	assert_int_equal(blobstore_writer_open(f->bs, want, 3, &w, &off, &e),
			 0);
	assert_int_equal(blobstore_writer_write(w, "ab", 2, &e), 0);
	assert_int_equal(blobstore_writer_write(w, "cd", 2, &e), -1);
	assert_non_null(strstr(e.msg, "more data than the 3 bytes"));
	blobstore_writer_discard(w);
	assert_int_equal(count(f->dir, "ingest"), 0);
	assert_int_equal(count(f->dir, "blobs/sha256"), 0);

	/* Stored with another size than the descriptor says. */
	assert_int_equal(blobstore_put(f->bs, "abc", 3, want, NULL, &e), 0);
	assert_int_equal(blobstore_writer_open(f->bs, want, 4, &w, &off, &e),
			 -1);
	assert_int_equal(e.class, ERR_CONFLICT);
	assert_int_equal(blobstore_writer_open(f->bs, want, 3, &w, &off, &e),
			 1);
	assert_null(w);
}

#define BIG (3u << 20)

static void test_resume_after_close(void **state)
{
	struct fx *f = *state;
	struct blobstore_writer *w = NULL;
	char want[DIGEST_STR_MAX], got[DIGEST_STR_MAX];
	_cleanup_free_ char *data = malloc(BIG);
	struct err e = ERR_INIT;
	uint64_t off = 0;

	data_of(data, BIG, 7);
	digest_sha256(data, BIG, want);
	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &w, &off, &e),
			 0);
	assert_int_equal(blobstore_writer_write(w, data, 1000000, &e), 0);
	assert_int_equal(blobstore_writer_write(w, data + 1000000, 500000, &e),
			 0);
	blobstore_writer_close(w); /* the "crash" */
	assert_int_equal(count(f->dir, "ingest"), 1);

	/* Commit of a short stream keeps the partial for later. */
	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &w, &off, &e),
			 0);
	assert_int_equal(off, 1500000);
	assert_int_equal(blobstore_writer_write(w, data + off, 100, &e), 0);
	assert_int_equal(blobstore_writer_commit(w, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "incomplete: 1500100 of 3145728 bytes"));
	assert_int_equal(count(f->dir, "ingest"), 1);

	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &w, &off, &e),
			 0);
	assert_int_equal(off, 1500100);
	assert_int_equal(blobstore_writer_offset(w), 1500100);
	assert_int_equal(blobstore_writer_write(w, data + off, BIG - off, &e),
			 0);
	assert_int_equal(blobstore_writer_commit(w, got, &e), 0);
	assert_string_equal(got, want);
	assert_int_equal(count(f->dir, "ingest"), 0);
	assert_int_equal(blobstore_has(f->bs, want, &off, &e), 1);
	assert_int_equal(off, BIG);
}

/* A writer process killed mid-blob; the next writer resumes and verifies. */
static void test_resume_after_kill(void **state)
{
	struct fx *f = *state;
	struct blobstore_writer *w = NULL;
	char want[DIGEST_STR_MAX];
	_cleanup_free_ char *data = malloc(BIG);
	struct err e = ERR_INIT;
	uint64_t off = 0;
	int sync[2], status;
	pid_t pid;
	char c;

	data_of(data, BIG, 3);
	digest_sha256(data, BIG, want);
	assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (blobstore_writer_open(f->bs, want, BIG, &w, &off, &e) !=
			0 ||
		    blobstore_writer_write(w, data, 2000000, &e) < 0)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	assert_int_equal(read(sync[0], &c, 1), 1);
	close(sync[0]);
	/* While the child lives it holds the digest. */
	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &w, &off, &e),
			 -1);
	assert_int_equal(e.class, ERR_BUSY);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &w, &off, &e),
			 0);
	assert_int_equal(off, 2000000);
	assert_int_equal(blobstore_writer_write(w, data + off, BIG - off, &e),
			 0);
	assert_int_equal(blobstore_writer_commit(w, NULL, &e), 0);
	assert_int_equal(blobstore_has(f->bs, want, NULL, &e), 1);
}

/* A partial whose bytes are wrong (a torn write) fails verification at
 * commit, is deleted, and the next attempt starts from zero. */
static void test_corrupt_partial(void **state)
{
	struct fx *f = *state;
	struct blobstore_writer *w = NULL;
	char want[DIGEST_STR_MAX], path[256];
	struct err e = ERR_INIT;
	uint64_t off = 0;
	int fd;

	digest_sha256("0123456789", 10, want);
	snprintf(path, sizeof(path), "%s/ingest/%s.partial", f->dir,
		 digest_hex(want));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "XXXX", 4), 4);
	close(fd);
	assert_int_equal(blobstore_writer_open(f->bs, want, 10, &w, &off, &e),
			 0);
	assert_int_equal(off, 4);
	assert_int_equal(blobstore_writer_write(w, "456789", 6, &e), 0);
	assert_int_equal(blobstore_writer_commit(w, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "digest mismatch"));
	assert_int_equal(count(f->dir, "ingest"), 0);
	assert_int_equal(blobstore_writer_open(f->bs, want, 10, &w, &off, &e),
			 0);
	assert_int_equal(off, 0);
	assert_int_equal(blobstore_writer_write(w, "0123456789", 10, &e), 0);
	assert_int_equal(blobstore_writer_commit(w, NULL, &e), 0);

	/* A partial longer than the blob is truncated, not trusted. */
	digest_sha256("ab", 2, want);
	snprintf(path, sizeof(path), "%s/ingest/%s.partial", f->dir,
		 digest_hex(want));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(write(fd, "abcdef", 6), 6);
	close(fd);
	assert_int_equal(blobstore_writer_open(f->bs, want, 2, &w, &off, &e),
			 0);
	assert_int_equal(off, 0);
	blobstore_writer_discard(w);
	assert_int_equal(count(f->dir, "ingest"), 0);
}

static void test_concurrent_writers(void **state)
{
	struct fx *f = *state;
	struct blobstore_writer *a = NULL, *b = NULL;
	char want[DIGEST_STR_MAX];
	_cleanup_free_ char *data = malloc(BIG);
	struct err e = ERR_INIT;
	uint64_t off;
	pid_t pids[4];
	int status;

	data_of(data, BIG, 11);
	digest_sha256(data, BIG, want);
	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &a, &off, &e),
			 0);
	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &b, &off, &e),
			 -1);
	assert_int_equal(e.class, ERR_BUSY);
	assert_non_null(strstr(e.msg, "being written by another writer"));
	assert_null(b);
	assert_int_equal(blobstore_writer_write(a, data, BIG, &e), 0);
	assert_int_equal(blobstore_writer_commit(a, NULL, &e), 0);
	assert_int_equal(blobstore_writer_open(f->bs, want, BIG, &b, &off, &e),
			 1);
	assert_int_equal(blobstore_delete(f->bs, want, &e), 0);

	/* Four processes race for one blob, retrying while busy, writing in
	 * small pieces: all succeed, one blob, no partial left. */
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		for (int tries = 0; tries < 2000; tries++) {
			struct blobstore_writer *w = NULL;
			int r = blobstore_writer_open(f->bs, want, BIG, &w,
						      &off, &e);
			if (r == 1)
				_exit(0);
			if (r < 0 && e.class == ERR_BUSY) {
				usleep(1000);
				continue;
			}
			if (r < 0)
				_exit(2);
			for (uint64_t o = off; o < BIG; o += 65536)
				if (blobstore_writer_write(
					w, data + o,
					BIG - o < 65536 ? BIG - o : 65536,
					&e) < 0)
					_exit(3);
			_exit(blobstore_writer_commit(w, NULL, &e) < 0 ? 4 : 0);
		}
		_exit(5);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(blobstore_has(f->bs, want, &off, &e), 1);
	assert_int_equal(off, BIG);
	assert_int_equal(count(f->dir, "ingest"), 0);
	assert_int_equal(count(f->dir, "blobs/sha256"), 1);
}

static void test_index(void **state)
{
	struct fx *f = *state;
	struct oci_desc d = {0}, got;
	struct oci_index *x = NULL;
	char dg[DIGEST_STR_MAX];
	struct err e = ERR_INIT;

	digest_sha256("m1", 2, dg);
	d.media_type = MT_OCI_MANIFEST;
	d.digest = dg;
	d.size = 2;
	assert_int_equal(blobstore_index_put(f->bs,
					     "docker.io/library/busybox:"
					     "latest",
					     &d, &e),
			 0);
	assert_int_equal(blobstore_index_put(f->bs, "v1", &d, &e), 0);
	digest_sha256("m2", 2, dg);
	d.size = 3;
	assert_int_equal(blobstore_index_put(f->bs, "v1", &d, &e), 0);
	assert_int_equal(blobstore_index_load(f->bs, &x, &e), 0);
	assert_int_equal(x->n_manifests, 2);
	assert_string_equal(
	    ociimage_desc_annotation(&x->manifests[1], ANNOT_REF_NAME), "v1");
	ociimage_index_free(x);

	assert_int_equal(blobstore_index_find(f->bs, "v1", &got, &e), 0);
	assert_string_equal(got.digest, dg);
	assert_int_equal(got.size, 3);
	ociimage_desc_clear(&got);
	assert_int_equal(blobstore_index_find(f->bs, "v2", &got, &e), -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);

	assert_int_equal(blobstore_index_remove(f->bs,
						"docker.io/library/"
						"busybox:latest",
						&e),
			 0);
	assert_int_equal(blobstore_index_remove(f->bs,
						"docker.io/library/"
						"busybox:latest",
						&e),
			 -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_int_equal(blobstore_index_load(f->bs, &x, &e), 0);
	assert_int_equal(x->n_manifests, 1);
	ociimage_index_free(x);

	assert_int_equal(blobstore_index_put(f->bs, "a b", &d, &e), -1);
	assert_non_null(strstr(e.msg, "invalid image name"));
	d.digest = "sha256:nope";
	assert_int_equal(blobstore_index_put(f->bs, "ok", &d, &e), -1);
	/* Nothing but the layout's own files: no temp left behind. */
	assert_int_equal(count(f->dir, ""), 4);
	assert_non_null(strstr(slurp(f->dir, "index.json"),
			       "\"org.opencontainers.image.ref.name\":\"v1\""));
}

/* Entries with that digest, and how many of them have no name. */
static size_t with_digest(struct blobstore *bs, const char *dg,
			  size_t *nameless)
{
	struct oci_index *x = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;

	*nameless = 0;
	assert_int_equal(blobstore_index_load(bs, &x, &e), 0);
	for (size_t i = 0; i < x->n_manifests; i++)
		if (!strcmp(x->manifests[i].digest, dg)) {
			n++;
			*nameless += !ociimage_desc_annotation(&x->manifests[i],
							       ANNOT_REF_NAME);
		}
	ociimage_index_free(x);
	return n;
}

/* A name moving off a manifest no other entry has leaves it dangling
 * (no ref.name); naming it again, or a nameless put of it, makes no
 * second entry; drop removes it; untag keeps it only when asked. */
static void test_dangling(void **state)
{
	struct fx *f = *state;
	struct oci_desc d = { .media_type = MT_OCI_MANIFEST, .size = 2 };
	char m1[DIGEST_STR_MAX], m2[DIGEST_STR_MAX];
	struct err e = ERR_INIT;
	size_t nl;

	digest_sha256("m1", 2, m1);
	digest_sha256("m2", 2, m2);
	d.digest = m1;
	assert_int_equal(blobstore_index_put(f->bs, "app:1", &d, &e), 0);
	d.digest = m2;
	assert_int_equal(blobstore_index_put(f->bs, "app:1", &d, &e), 0);
	assert_int_equal(with_digest(f->bs, m1, &nl), 1);
	assert_int_equal(nl, 1);
	assert_int_equal(blobstore_index_put(f->bs, "app:1", &d, &e), 0);
	assert_int_equal(with_digest(f->bs, m2, &nl), 1);
	assert_int_equal(nl, 0);
	/* back to m1: its dangling entry goes, m2 is dangling now */
	d.digest = m1;
	assert_int_equal(blobstore_index_put(f->bs, "app:1", &d, &e), 0);
	assert_int_equal(with_digest(f->bs, m1, &nl), 1);
	assert_int_equal(nl, 0);
	assert_int_equal(with_digest(f->bs, m2, &nl), 1);
	assert_int_equal(nl, 1);
	/* a nameless put (or an id as name) of a stored manifest: no-op */
	d.digest = m2;
	assert_int_equal(blobstore_index_put(f->bs, NULL, &d, &e), 0);
	assert_int_equal(blobstore_index_put(f->bs, m2, &d, &e), 0);
	assert_int_equal(with_digest(f->bs, m2, &nl), 1);
	assert_int_equal(blobstore_index_drop(f->bs, m2, &e), 0);
	assert_int_equal(with_digest(f->bs, m2, &nl), 0);
	assert_int_equal(blobstore_index_drop(f->bs, m2, &e), -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	/* drop leaves named entries alone */
	assert_int_equal(blobstore_index_drop(f->bs, m1, &e), -1);
	assert_int_equal(with_digest(f->bs, m1, &nl), 1);
	/* untag: kept as dangling only when asked and nothing else has it */
	d.digest = m1;
	assert_int_equal(blobstore_index_put(f->bs, "other:1", &d, &e), 0);
	assert_int_equal(blobstore_index_untag(f->bs, "app:1", true, &e), 0);
	assert_int_equal(with_digest(f->bs, m1, &nl), 1);
	assert_int_equal(nl, 0);
	assert_int_equal(blobstore_index_untag(f->bs, "other:1", true, &e), 0);
	assert_int_equal(with_digest(f->bs, m1, &nl), 1);
	assert_int_equal(nl, 1);
	d.digest = m2;
	assert_int_equal(blobstore_index_put(f->bs, "x:1", &d, &e), 0);
	assert_int_equal(blobstore_index_untag(f->bs, "x:1", false, &e), 0);
	assert_int_equal(with_digest(f->bs, m2, &nl), 0);
}

static void test_prune_and_corrupt(void **state)
{
	struct fx *f = *state;
	struct blobstore_writer *w = NULL;
	char want[DIGEST_STR_MAX], path[256];
	struct timespec old[2] = {{1000, 0}, {1000, 0}};
	struct err e = ERR_INIT;
	struct buf b = {0};
	size_t removed = 9;
	uint64_t off;
	int fd;

	snprintf(path, sizeof(path), "%s/ingest/stale.partial", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	digest_sha256("held", 4, want);
	assert_int_equal(blobstore_writer_open(f->bs, want, 4, &w, &off, &e),
			 0);
	snprintf(path, sizeof(path), "%s/ingest/%s.partial", f->dir,
		 digest_hex(want));
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(
	    blobstore_ingest_prune(f->bs, time(NULL), &removed, &e), 0);
	assert_int_equal(removed, 1); /* the held one stays */
	assert_int_equal(count(f->dir, "ingest"), 1);
	blobstore_writer_discard(w);

	/* A blob altered on disk is caught when read. */
	assert_int_equal(blobstore_put(f->bs, "good", 4, NULL, want, &e), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->dir,
		 digest_hex(want));
	chmod(path, 0644);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_int_equal(write(fd, "evil", 4), 4);
	close(fd);
	assert_int_equal(blobstore_read(f->bs, want, 100, &b, &e), -1);
	assert_non_null(strstr(e.msg, "corrupt on disk"));
	assert_int_equal(buf_used(&b), 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_put_read_delete, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_digests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resume_after_close, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resume_after_kill, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_partial, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_writers, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dangling, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune_and_corrupt, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
