/* tree.c - removing a directory tree (see tree.h).
 *
 * Depth-first with one open directory at a time: a pass over a directory
 * unlinks what it can and names the first non-empty subdirectory; we go
 * down into it by fd and back up by "..", remembering only names, so a
 * deep tree costs no fds and no path is ever resolved from the top
 * again (a rename or symlink swapped in meanwhile leads nowhere else). */
#include "tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Never into another filesystem mounted below the tree (nftw's
 * FTW_MOUNT): its files are not the tree's. */
static int tree_same_fs(int parent, int child, const char *name,
			struct err *e)
{
	struct stat a, b;

	if (fstat(parent, &a) < 0 || fstat(child, &b) < 0)
		return err_set(e, errno, "stat %s", name);
	if (a.st_dev != b.st_dev)
		return err_set(e, EBUSY, "remove %s: a mount point", name);
	return 0;
}

/* One pass over the open directory fd: unlink non-directories, remove
 * empty subdirectories, and name the first non-empty one in sub[] (returns
 * 1) so the caller descends into it. */
static int tree_remove_pass(int fd, char *sub, struct err *e)
{
	DIR *d;
	struct dirent *de;
	int dup_fd, rc = 0;

	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return err_set(e, errno, "dup");
	if (!(d = fdopendir(dup_fd))) {
		close(dup_fd);
		return err_set(e, errno, "opendir");
	}
	rewinddir(d);
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (unlinkat(fd, n, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM)
			rc = err_set(e, errno, "unlink %s", n);
		else if (unlinkat(fd, n, AT_REMOVEDIR) == 0 || errno == ENOENT)
			continue;
		else if (errno == ENOTEMPTY || errno == EEXIST)
			rc = 1, strcpy(sub, n);
		else
			rc = err_set(e, errno, "rmdir %s", n);
	}
	if (rc == 0 && errno)
		rc = err_set(e, errno, "readdir");
	closedir(d);
	return rc;
}

int tree_remove(int dirfd, const char *name, struct err *e)
{
	char sub[NAME_MAX + 1];
	char **stack = NULL;
	size_t depth = 0, cap = 0;
	int cur, up, rc;

	cur = openat(dirfd, name,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return err_set(e, errno, "open %s", name);
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT
			   ? err_set(e, errno, "unlink %s", name)
			   : 0;
	}
	for (;;) {
		rc = tree_remove_pass(cur, sub, e);
		if (rc < 0)
			break;
		if (rc == 1) { /* go down into sub, remembering its name */
			if (depth == cap) {
				char **s = realloc(stack, (cap ? 2 * cap : 16) *
							      sizeof(*s));
				if (!s) {
					rc = err_set(e, ENOMEM, "remove");
					break;
				}
				stack = s;
				cap = cap ? 2 * cap : 16;
			}
			if (!(stack[depth] = strdup(sub))) {
				rc = err_set(e, ENOMEM, "remove");
				break;
			}
			depth++;
			up = openat(cur, sub,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
			if (up < 0) {
				rc = err_set(e, errno, "open %s", sub);
				break;
			}
			if (tree_same_fs(cur, up, sub, e) < 0) {
				close(up);
				rc = -1;
				break;
			}
			close(cur);
			cur = up;
			continue;
		}
		if (depth == 0) { /* the top is empty now */
			rc = unlinkat(dirfd, name, AT_REMOVEDIR) < 0
				 ? err_set(e, errno, "rmdir %s", name)
				 : 0;
			break;
		}
		/* cur is empty: back up (we came down by real directories,
		 * nothing else renames them) and remove it. */
		up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0) {
			rc = err_set(e, errno, "open ..");
			break;
		}
		close(cur);
		cur = up;
		depth--;
		rc = unlinkat(cur, stack[depth], AT_REMOVEDIR);
		free(stack[depth]);
		if (rc < 0) {
			rc = err_set(e, errno, "rmdir");
			break;
		}
	}
	close(cur);
	while (depth)
		free(stack[--depth]);
	free(stack);
	return rc < 0 ? -1 : 0;
}
