/* test_tarcopy.c - fs/tarcopy.c: trees to tar streams and back, Docker's
 * placement rules, and streams that try to leave their directory. Each
 * test works in its own temp directory and restores the cwd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../fs/tarcopy.h"

static char top[32], cwd[4096];

static int setup(void **state)
{
	char p[600];

	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	snprintf(top, sizeof(top), "/tmp/tarcopy.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(p, sizeof(p),
		 "mkdir -p %s/src/d %s/out && echo one >%s/src/f"
		 " && echo two >%s/src/d/g && ln -s /etc/passwd %s/src/lnk"
		 " && chmod 640 %s/src/f && touch -d 2001-02-03 %s/src/f",
		 top, top, top, top, top, top, top);
	return system(p) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char p[128];

	if (chdir(cwd) < 0)
		return -1;
	snprintf(p, sizeof(p), "rm -rf %s", top);
	return system(p) == 0 ? 0 : -1;
}

static int dirfd_of(const char *sub)
{
	char p[200];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", top, sub);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A tar of src/NAME in a temp file, rewound. */
static int tar_of(const char *name, bool contents)
{
	char p[200];
	struct err e = ERR_INIT;
	int src = dirfd_of("src"), fd;

	snprintf(p, sizeof(p), "%s/t.tar", top);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (tarcopy_create(fd, &(struct tarcopy_src){src, name, contents, name, false},
			   &e) < 0)
		fail_msg("create: %s", e.msg);
	close(src);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int extract(int tar, const char *name, bool must_be_dir, bool contents,
		   struct err *e)
{
	int out = dirfd_of("out");
	int rc = tarcopy_extract(
	    tar,
	    &(struct tarcopy_dest){out, name, must_be_dir, contents, "DEST"},
	    e);

	close(out);
	close(tar);
	return rc;
}

static void has(const char *rel, const char *want)
{
	char p[300], buf[64] = "";
	FILE *f;

	snprintf(p, sizeof(p), "%s/out/%s", top, rel);
	f = fopen(p, "re");
	if (!f)
		fail_msg("missing %s", rel);
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	assert_string_equal(buf, want);
}

static void test_dir_as_new_name(void **state)
{
	struct err e = ERR_INIT;
	char p[300], link[64] = "";
	struct stat st;

	assert_int_equal(extract(tar_of("d", false), "newd", false, false, &e),
			 0);
	has("newd/g", "two");
	assert_int_equal(extract(tar_of(".", false), "all", false, false, &e),
			 0);
	has("all/f", "one");
	snprintf(p, sizeof(p), "%s/out/all/f", top);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_true(st.st_mtime < 1000000000 + 100000000); /* 2001 */
	snprintf(p, sizeof(p), "%s/out/all/lnk", top);
	assert_true(readlink(p, link, sizeof(link) - 1) > 0);
	assert_string_equal(link, "/etc/passwd");
}

static void test_into_existing_dir(void **state)
{
	struct err e = ERR_INIT;
	char p[200];

	snprintf(p, sizeof(p), "%s/out/exists", top);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(
	    extract(tar_of("d", false), "exists", false, false, &e), 0);
	has("exists/d/g", "two");
	assert_int_equal(extract(tar_of("d", true), "exists", false, true, &e),
			 0);
	has("exists/g", "two"); /* "d/." : what is inside */
	assert_int_equal(extract(tar_of("f", false), ".", false, false, &e), 0);
	has("f", "one");
}

static void test_file_rules(void **state)
{
	struct err e = ERR_INIT;

	assert_int_equal(extract(tar_of("f", false), "copy", false, false, &e),
			 0);
	has("copy", "one");
	assert_int_equal(extract(tar_of("f", false), "copy", false, false, &e),
			 0);
	assert_int_equal(extract(tar_of("d", false), "copy", false, false, &e),
			 -1);
	assert_non_null(
	    strstr(e.msg, "cannot copy a directory to a file: DEST"));
	err_clear(&e);
	assert_int_equal(extract(tar_of("f", false), "nodir", true, false, &e),
			 -1);
	assert_non_null(strstr(e.msg, "DEST: no such directory"));
	err_clear(&e);
	assert_int_equal(extract(tar_of("f", false), "copy", true, false, &e),
			 -1);
	assert_non_null(strstr(e.msg, "not a directory"));
}

static void test_missing_source(void **state)
{
	struct err e = ERR_INIT;
	int src = dirfd_of("src");

	assert_int_equal(
	    tarcopy_create(
		1, &(struct tarcopy_src){src, "nope", false, "c1:/nope", false}, &e),
	    -1);
	assert_int_equal(e.class, ERR_NOT_FOUND);
	assert_string_equal(e.msg, "no such file or directory: c1:/nope");
	close(src);
}

/* A hostile stream: entry names with "..", and a symlink followed by a
 * file "through" it. Neither may write outside out/. */
static int hostile_tar(const char *const *names, const char *const *links)
{
	char p[200];
	struct archive *a = archive_write_new();
	int fd;

	snprintf(p, sizeof(p), "%s/h.tar", top);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	for (int i = 0; names[i]; i++) {
		struct archive_entry *en = archive_entry_new();
		archive_entry_set_pathname(en, names[i]);
		archive_entry_set_perm(en, 0644);
		if (links[i]) {
			archive_entry_set_filetype(en, AE_IFLNK);
			archive_entry_set_symlink(en, links[i]);
		} else {
			archive_entry_set_filetype(en, AE_IFREG);
			archive_entry_set_size(en, 4);
		}
		archive_write_header(a, en);
		if (!links[i])
			archive_write_data(a, "bad\n", 4);
		archive_entry_free(en);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_hostile_streams(void **state)
{
	struct err e = ERR_INIT;
	char p[200];

	assert_int_equal(extract(hostile_tar((const char *[]){"../evil", 0},
					     (const char *[]){0}),
				 NULL, true, false, &e),
			 -1);
	snprintf(p, sizeof(p), "%s/evil", top);
	assert_int_equal(access(p, F_OK), -1);
	err_clear(&e);
	assert_int_equal(
	    extract(hostile_tar((const char *[]){"esc", "esc/x", 0},
				(const char *[]){top, NULL, 0}),
		    NULL, true, false, &e),
	    -1);
	snprintf(p, sizeof(p), "%s/x", top);
	assert_int_equal(access(p, F_OK), -1);
	err_clear(&e);
	assert_int_equal(
	    extract(hostile_tar((const char *[]){"t", "t/../../o", 0},
				(const char *[]){NULL, NULL, 0}),
		    "t2", false, false, &e),
	    -1);
	snprintf(p, sizeof(p), "%s/o", top);
	assert_int_equal(access(p, F_OK), -1);
	err_clear(&e);
	assert_int_equal(extract(hostile_tar((const char *[]){"t", "u/x", 0},
					     (const char *[]){NULL, NULL, 0}),
				 "t3", false, false, &e),
			 -1);
	assert_non_null(strstr(e.msg, "outside the copy's top"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dir_as_new_name, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_into_existing_dir, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_file_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_source, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_streams, setup,
					    teardown),
	};
	struct err e = ERR_INIT;

	if (tarcopy_prepare(&e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
