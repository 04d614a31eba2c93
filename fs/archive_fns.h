/* archive_fns.h - libarchive, loaded on first use (see
 * core/base/lazylib.h): include this instead of <archive.h> and
 * <archive_entry.h>. Calls keep their names; each macro routes one through
 * the table that archive_fns_load() fills, so only the (helper) process
 * that reads or writes a tar maps libarchive and its libxml2, ICU and
 * libstdc++. A new libarchive call is added to ARCHIVE_FNS. */
#ifndef SKIFF_ARCHIVE_FNS_H
#define SKIFF_ARCHIVE_FNS_H

#include <archive.h>
#include <archive_entry.h>

#include "../core/base/err.h"

#define ARCHIVE_FNS(X) \
	X(archive_entry_atime) \
	X(archive_entry_atime_is_set) \
	X(archive_entry_atime_nsec) \
	X(archive_entry_copy_hardlink) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_gid) \
	X(archive_entry_hardlink) \
	X(archive_entry_hardlink_utf8) \
	X(archive_entry_mode) \
	X(archive_entry_mtime) \
	X(archive_entry_mtime_is_set) \
	X(archive_entry_mtime_nsec) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_rdev) \
	X(archive_entry_rdevmajor) \
	X(archive_entry_rdevminor) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_entry_symlink_utf8) \
	X(archive_entry_uid) \
	X(archive_entry_xattr_add_entry) \
	X(archive_entry_xattr_clear) \
	X(archive_entry_xattr_next) \
	X(archive_entry_xattr_reset) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_filter_code) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_disk_descend) \
	X(archive_read_disk_new) \
	X(archive_read_disk_open) \
	X(archive_read_disk_set_behavior) \
	X(archive_read_disk_set_symlink_physical) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_next_header2) \
	X(archive_read_open) \
	X(archive_read_open_fd) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_empty) \
	X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) \
	X(archive_set_error) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open) \
	X(archive_write_open_fd) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_raw)

struct archive_fns {
#define ARCHIVE_FN_SLOT(f) __typeof__(f) *f;
	ARCHIVE_FNS(ARCHIVE_FN_SLOT)
#undef ARCHIVE_FN_SLOT
};
extern struct archive_fns archive_fns;

/* dlopen libarchive once; -1 with e naming what is missing. A process
 * calls it before its first libarchive call and before any chroot (it
 * would load the container's copy); a call made before it aborts. */
int archive_fns_load(struct err *e);
const struct archive_fns *archive_fns_need(void);

static inline const struct archive_fns *archive_fns_get(void)
{
	return archive_fns.archive_entry_atime ? &archive_fns : archive_fns_need();
}

#define archive_entry_atime(...) (archive_fns_get()->archive_entry_atime(__VA_ARGS__))
#define archive_entry_atime_is_set(...) (archive_fns_get()->archive_entry_atime_is_set(__VA_ARGS__))
#define archive_entry_atime_nsec(...) (archive_fns_get()->archive_entry_atime_nsec(__VA_ARGS__))
#define archive_entry_copy_hardlink(...) (archive_fns_get()->archive_entry_copy_hardlink(__VA_ARGS__))
#define archive_entry_copy_pathname(...) (archive_fns_get()->archive_entry_copy_pathname(__VA_ARGS__))
#define archive_entry_filetype(...) (archive_fns_get()->archive_entry_filetype(__VA_ARGS__))
#define archive_entry_free(...) (archive_fns_get()->archive_entry_free(__VA_ARGS__))
#define archive_entry_gid(...) (archive_fns_get()->archive_entry_gid(__VA_ARGS__))
#define archive_entry_hardlink(...) (archive_fns_get()->archive_entry_hardlink(__VA_ARGS__))
#define archive_entry_hardlink_utf8(...) (archive_fns_get()->archive_entry_hardlink_utf8(__VA_ARGS__))
#define archive_entry_mode(...) (archive_fns_get()->archive_entry_mode(__VA_ARGS__))
#define archive_entry_mtime(...) (archive_fns_get()->archive_entry_mtime(__VA_ARGS__))
#define archive_entry_mtime_is_set(...) (archive_fns_get()->archive_entry_mtime_is_set(__VA_ARGS__))
#define archive_entry_mtime_nsec(...) (archive_fns_get()->archive_entry_mtime_nsec(__VA_ARGS__))
#define archive_entry_new(...) (archive_fns_get()->archive_entry_new(__VA_ARGS__))
#define archive_entry_pathname(...) (archive_fns_get()->archive_entry_pathname(__VA_ARGS__))
#define archive_entry_pathname_utf8(...) (archive_fns_get()->archive_entry_pathname_utf8(__VA_ARGS__))
#define archive_entry_rdev(...) (archive_fns_get()->archive_entry_rdev(__VA_ARGS__))
#define archive_entry_rdevmajor(...) (archive_fns_get()->archive_entry_rdevmajor(__VA_ARGS__))
#define archive_entry_rdevminor(...) (archive_fns_get()->archive_entry_rdevminor(__VA_ARGS__))
#define archive_entry_set_filetype(...) (archive_fns_get()->archive_entry_set_filetype(__VA_ARGS__))
#define archive_entry_set_mtime(...) (archive_fns_get()->archive_entry_set_mtime(__VA_ARGS__))
#define archive_entry_set_pathname(...) (archive_fns_get()->archive_entry_set_pathname(__VA_ARGS__))
#define archive_entry_set_perm(...) (archive_fns_get()->archive_entry_set_perm(__VA_ARGS__))
#define archive_entry_set_size(...) (archive_fns_get()->archive_entry_set_size(__VA_ARGS__))
#define archive_entry_size(...) (archive_fns_get()->archive_entry_size(__VA_ARGS__))
#define archive_entry_size_is_set(...) (archive_fns_get()->archive_entry_size_is_set(__VA_ARGS__))
#define archive_entry_symlink(...) (archive_fns_get()->archive_entry_symlink(__VA_ARGS__))
#define archive_entry_symlink_utf8(...) (archive_fns_get()->archive_entry_symlink_utf8(__VA_ARGS__))
#define archive_entry_uid(...) (archive_fns_get()->archive_entry_uid(__VA_ARGS__))
#define archive_entry_xattr_add_entry(...) (archive_fns_get()->archive_entry_xattr_add_entry(__VA_ARGS__))
#define archive_entry_xattr_clear(...) (archive_fns_get()->archive_entry_xattr_clear(__VA_ARGS__))
#define archive_entry_xattr_next(...) (archive_fns_get()->archive_entry_xattr_next(__VA_ARGS__))
#define archive_entry_xattr_reset(...) (archive_fns_get()->archive_entry_xattr_reset(__VA_ARGS__))
#define archive_errno(...) (archive_fns_get()->archive_errno(__VA_ARGS__))
#define archive_error_string(...) (archive_fns_get()->archive_error_string(__VA_ARGS__))
#define archive_filter_code(...) (archive_fns_get()->archive_filter_code(__VA_ARGS__))
#define archive_read_data(...) (archive_fns_get()->archive_read_data(__VA_ARGS__))
#define archive_read_data_block(...) (archive_fns_get()->archive_read_data_block(__VA_ARGS__))
#define archive_read_disk_descend(...) (archive_fns_get()->archive_read_disk_descend(__VA_ARGS__))
#define archive_read_disk_new(...) (archive_fns_get()->archive_read_disk_new(__VA_ARGS__))
#define archive_read_disk_open(...) (archive_fns_get()->archive_read_disk_open(__VA_ARGS__))
#define archive_read_disk_set_behavior(...) (archive_fns_get()->archive_read_disk_set_behavior(__VA_ARGS__))
#define archive_read_disk_set_symlink_physical(...) (archive_fns_get()->archive_read_disk_set_symlink_physical(__VA_ARGS__))
#define archive_read_free(...) (archive_fns_get()->archive_read_free(__VA_ARGS__))
#define archive_read_new(...) (archive_fns_get()->archive_read_new(__VA_ARGS__))
#define archive_read_next_header(...) (archive_fns_get()->archive_read_next_header(__VA_ARGS__))
#define archive_read_next_header2(...) (archive_fns_get()->archive_read_next_header2(__VA_ARGS__))
#define archive_read_open(...) (archive_fns_get()->archive_read_open(__VA_ARGS__))
#define archive_read_open_fd(...) (archive_fns_get()->archive_read_open_fd(__VA_ARGS__))
#define archive_read_support_filter_gzip(...) (archive_fns_get()->archive_read_support_filter_gzip(__VA_ARGS__))
#define archive_read_support_filter_zstd(...) (archive_fns_get()->archive_read_support_filter_zstd(__VA_ARGS__))
#define archive_read_support_format_empty(...) (archive_fns_get()->archive_read_support_format_empty(__VA_ARGS__))
#define archive_read_support_format_raw(...) (archive_fns_get()->archive_read_support_format_raw(__VA_ARGS__))
#define archive_read_support_format_tar(...) (archive_fns_get()->archive_read_support_format_tar(__VA_ARGS__))
#define archive_set_error(...) (archive_fns_get()->archive_set_error(__VA_ARGS__))
#define archive_write_add_filter_gzip(...) (archive_fns_get()->archive_write_add_filter_gzip(__VA_ARGS__))
#define archive_write_close(...) (archive_fns_get()->archive_write_close(__VA_ARGS__))
#define archive_write_data(...) (archive_fns_get()->archive_write_data(__VA_ARGS__))
#define archive_write_disk_new(...) (archive_fns_get()->archive_write_disk_new(__VA_ARGS__))
#define archive_write_disk_set_options(...) (archive_fns_get()->archive_write_disk_set_options(__VA_ARGS__))
#define archive_write_finish_entry(...) (archive_fns_get()->archive_write_finish_entry(__VA_ARGS__))
#define archive_write_free(...) (archive_fns_get()->archive_write_free(__VA_ARGS__))
#define archive_write_header(...) (archive_fns_get()->archive_write_header(__VA_ARGS__))
#define archive_write_new(...) (archive_fns_get()->archive_write_new(__VA_ARGS__))
#define archive_write_open(...) (archive_fns_get()->archive_write_open(__VA_ARGS__))
#define archive_write_open_fd(...) (archive_fns_get()->archive_write_open_fd(__VA_ARGS__))
#define archive_write_set_bytes_in_last_block(...) (archive_fns_get()->archive_write_set_bytes_in_last_block(__VA_ARGS__))
#define archive_write_set_format_pax_restricted(...) (archive_fns_get()->archive_write_set_format_pax_restricted(__VA_ARGS__))
#define archive_write_set_format_raw(...) (archive_fns_get()->archive_write_set_format_raw(__VA_ARGS__))

#endif
