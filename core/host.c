/* host.c - host facts for `info` (see host.h). Static storage, filled
 * once by host_probe() before the loop starts. */
#include "host.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static struct {
	struct utsname uts;
	char os[128], os_version[64];
	const char *cgroup;
	const char *backing_fs;
	bool overlay, pidfd, clone3, openat2, userns;
	bool bridge, veth, vxlan, nftables, ip_forward;
	long cpus;
	unsigned long long mem;
} h;

/* First line of a small file, without its LF; "" when absent. */
static void first_line(const char *path, char *out, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (f && fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
}

static bool file_has(const char *path, const char *needle)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			return true;
	return false;
}

/* A kernel module is usable when loaded, built in, or installed. */
static bool kmod(const char *name, const char *ko_path)
{
	char p[256];
	struct stat sb;

	snprintf(p, sizeof(p), "/sys/module/%s", name);
	if (stat(p, &sb) == 0)
		return true;
	snprintf(p, sizeof(p), "/lib/modules/%s/modules.builtin",
		 h.uts.release);
	if (file_has(p, ko_path))
		return true;
	snprintf(p, sizeof(p), "/lib/modules/%s/modules.dep", h.uts.release);
	return file_has(p, ko_path);
}

static const char *fs_name(long magic)
{
	switch (magic) {
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case XFS_SUPER_MAGIC:
		return "xfs";
	case TMPFS_MAGIC:
		return "tmpfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlay";
	case 0x24051905: /* UBIFS */
		return "ubifs";
	case F2FS_SUPER_MAGIC:
		return "f2fs";
	default:
		return "other";
	}
}

static const char *cgroup_layout(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) < 0)
		return "none";
	if (sf.f_type == CGROUP2_SUPER_MAGIC)
		return "v2";
	if (statfs("/sys/fs/cgroup/unified", &sf) == 0 &&
	    sf.f_type == CGROUP2_SUPER_MAGIC)
		return "hybrid";
	return "v1";
}

/* A syscall exists when calling it with bad arguments is not ENOSYS. */
static bool has_syscall(long nr)
{
	return syscall(nr, -1, NULL, 0, 0) < 0 && errno != ENOSYS;
}

void host_kernel_version(unsigned *major, unsigned *minor)
{
	*major = *minor = 0;
	if (!h.uts.release[0])
		uname(&h.uts);
	sscanf(h.uts.release, "%u.%u", major, minor);
}

void host_probe(const char *root)
{
	struct statfs sf;
	struct sysinfo si;
	char v[8];

	uname(&h.uts);
	snprintf(h.os, sizeof(h.os), "Linux");
	{
		_cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "PRETTY_NAME=", 12)) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(h.os, sizeof(h.os), "%s",
					 line + 12 + (line[12] == '"'));
				h.os[strcspn(h.os, "\"")] = '\0';
			} else if (!strncmp(line, "VERSION_ID=", 11)) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(h.os_version, sizeof(h.os_version),
					 "%s", line + 11 + (line[11] == '"'));
				h.os_version[strcspn(h.os_version, "\"")] =
					'\0';
			}
	}
	h.cgroup = cgroup_layout();
	h.backing_fs = statfs(root, &sf) == 0 ? fs_name((long)sf.f_type)
					       : "unknown";
	h.overlay = file_has("/proc/filesystems", "overlay") ||
		    kmod("overlay", "fs/overlayfs/overlay.ko");
	h.pidfd = has_syscall(SYS_pidfd_open);
	h.clone3 = has_syscall(SYS_clone3);
	h.openat2 = has_syscall(SYS_openat2);
	h.userns = access("/proc/self/ns/user", F_OK) == 0;
	h.bridge = kmod("bridge", "net/bridge/bridge.ko");
	h.veth = kmod("veth", "drivers/net/veth.ko");
	h.vxlan = kmod("vxlan", "drivers/net/vxlan");
	h.nftables = kmod("nf_tables", "netfilter/nf_tables.ko");
	first_line("/proc/sys/net/ipv4/ip_forward", v, sizeof(v));
	h.ip_forward = v[0] == '1';
	h.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (sysinfo(&si) == 0)
		h.mem = (unsigned long long)si.totalram * si.mem_unit;
}

const char *host_cgroup_version(void)
{
	return h.cgroup;
}

void host_docker(struct jw *w)
{
	jw_str(w, "Driver", "overlay");
	jw_arr(w, "DriverStatus");
	jw_arr(w, NULL);
	jw_vstr(w, "Backing Filesystem");
	jw_vstr(w, h.backing_fs);
	jw_end_arr(w);
	jw_end_arr(w);
	jw_bool(w, "IPv4Forwarding", h.ip_forward);
	jw_str(w, "KernelVersion", h.uts.release);
	jw_str(w, "OperatingSystem", h.os);
	jw_str(w, "OSVersion", h.os_version);
	jw_str(w, "OSType", "linux");
	jw_str(w, "Architecture", h.uts.machine);
	jw_int(w, "NCPU", h.cpus);
	jw_uint(w, "MemTotal", h.mem);
	jw_str(w, "Name", h.uts.nodename);
}

void host_describe(struct jw *w)
{
	jw_str(w, "os", h.os);
	jw_str(w, "kernel", h.uts.release);
	jw_str(w, "arch", h.uts.machine);
	jw_int(w, "cpus", h.cpus);
	jw_uint(w, "memory", h.mem);
	jw_obj(w, "cgroup");
	jw_str(w, "version", h.cgroup);
	jw_str(w, "driver", "cgroupfs");
	jw_end_obj(w);
	jw_obj(w, "storage");
	jw_str(w, "backing_fs", h.backing_fs);
	jw_bool(w, "overlay", h.overlay);
	jw_end_obj(w);
	jw_obj(w, "network");
	jw_bool(w, "bridge", h.bridge);
	jw_bool(w, "veth", h.veth);
	jw_bool(w, "vxlan", h.vxlan);
	jw_bool(w, "nftables", h.nftables);
	jw_bool(w, "ip_forward", h.ip_forward);
	jw_end_obj(w);
	jw_obj(w, "kernel_features");
	jw_bool(w, "pidfd", h.pidfd);
	jw_bool(w, "clone3", h.clone3);
	jw_bool(w, "openat2", h.openat2);
	jw_bool(w, "user_namespaces", h.userns);
	jw_end_obj(w);
}
