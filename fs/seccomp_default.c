/* seccomp_default.c - skiff's default seccomp profile, as data.
 *
 * Equivalent to Docker's default profile: everything not listed fails with
 * EPERM; a large allow-list of ordinary syscalls; socket() except
 * AF_VSOCK; personality() for a few safe personas only; clone() without
 * namespace flags unless CAP_SYS_ADMIN; clone3 reports ENOSYS without
 * CAP_SYS_ADMIN so libcs fall back to clone; and syscalls that need a
 * capability (mount needs SYS_ADMIN, reboot SYS_BOOT, ...) are allowed
 * only when the container's bounding set holds that capability. Entries
 * conditioned on a minimum kernel of 4.8 are unconditional here: skiff
 * needs clone3 and pidfds, so a much newer kernel. */
#include "seccomp.h"

#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/cleanup.h"
#include "../proto/seccomp_json.h"

/* Namespace flags of clone(): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|
 * NEWPID|NEWNET, which an unprivileged container may not ask for. */
#define SD_CLONE_NS_MASK 0x7E020000ULL

static const char *const sd_base[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget",
    "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
    "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
    "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
    "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd",
    "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
    "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
    "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
    "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
    "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64",
    "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
    "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
    "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid",
    "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
    "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
    "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
    "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
    "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
    "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
    "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
    "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
    "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2",
    "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify",
    "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
    "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
    "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
    "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
    "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
    "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
    "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
    "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
    "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
    "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
    "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
    "setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt",
    "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr",
    "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
    "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
    "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
    "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
    "waitpid", "write", "writev",
    /* Docker gates these on kernel 4.8 (seccomp before ptrace). */
    "process_vm_readv", "process_vm_writev", "ptrace", NULL};

#define SD_NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define SD_ARCHES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One entry of the table. Capabilities are stored plus one so that an
 * omitted field (0) means "no condition". */
struct sd_entry {
	const char *const *names;
	enum oci_scmp_action action;
	uint32_t errno_ret;	 /* with OCI_SCMP_ERRNO */
	struct oci_scmp_arg arg; /* used when has_arg */
	bool has_arg;
	int cap_in;  /* 1 + CAP_X: only with this capability */
	int cap_out; /* 1 + CAP_X: only without this capability */
	const char *const *arch_in;  /* only on these (Go names) */
	const char *const *arch_out; /* not on these */
};

#define SD_ALLOW(n) .names = n, .action = OCI_SCMP_ALLOW
#define SD_WITH(c) .cap_in = (c) + 1
#define SD_WITHOUT(c) .cap_out = (c) + 1
#define SD_ARG0(op_, v)                                                        \
	.has_arg = true,                                                       \
	.arg = {.index = 0, .value = (v), .op = OCI_SCMP_CMP_##op_}

static const struct sd_entry sd_table[] = {
    {SD_ALLOW(sd_base)},
    /* Any socket family but AF_VSOCK (40). */
    {SD_ALLOW(SD_NAMES("socket")), SD_ARG0(NE, 40)},
    /* PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the
     * 0xffffffff query. */
    {SD_ALLOW(SD_NAMES("personality")), SD_ARG0(EQ, 0x0)},
    {SD_ALLOW(SD_NAMES("personality")), SD_ARG0(EQ, 0x8)},
    {SD_ALLOW(SD_NAMES("personality")), SD_ARG0(EQ, 0x20000)},
    {SD_ALLOW(SD_NAMES("personality")), SD_ARG0(EQ, 0x20008)},
    {SD_ALLOW(SD_NAMES("personality")), SD_ARG0(EQ, 0xffffffff)},
    {SD_ALLOW(SD_NAMES("sync_file_range2", "swapcontext")),
     .arch_in = SD_ARCHES("ppc64le")},
    {SD_ALLOW(SD_NAMES("arm_fadvise64_64", "arm_sync_file_range",
		       "sync_file_range2", "breakpoint", "cacheflush",
		       "set_tls")),
     .arch_in = SD_ARCHES("arm", "arm64")},
    {SD_ALLOW(SD_NAMES("arch_prctl")), .arch_in = SD_ARCHES("amd64", "x32")},
    {SD_ALLOW(SD_NAMES("modify_ldt")),
     .arch_in = SD_ARCHES("amd64", "x32", "x86")},
    {SD_ALLOW(SD_NAMES("s390_pci_mmio_read", "s390_pci_mmio_write",
		       "s390_runtime_instr")),
     .arch_in = SD_ARCHES("s390", "s390x")},
    {SD_ALLOW(SD_NAMES("riscv_flush_icache")), .arch_in = SD_ARCHES("riscv64")},
    {SD_ALLOW(SD_NAMES("open_by_handle_at")), SD_WITH(CAP_DAC_READ_SEARCH)},
    {SD_ALLOW(SD_NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig",
		       "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount",
		       "mount_setattr", "move_mount", "open_tree",
		       "perf_event_open", "quotactl", "quotactl_fd",
		       "setdomainname", "sethostname", "setns", "syslog",
		       "umount", "umount2", "unshare")),
     SD_WITH(CAP_SYS_ADMIN)},
    /* clone without namespace flags; s390 swaps the first two args. */
    {SD_ALLOW(SD_NAMES("clone")), SD_ARG0(MASKED_EQ, SD_CLONE_NS_MASK),
     SD_WITHOUT(CAP_SYS_ADMIN), .arch_out = SD_ARCHES("s390", "s390x")},
    {SD_ALLOW(SD_NAMES("clone")), .has_arg = true,
     .arg = {.index = 1,
	     .value = SD_CLONE_NS_MASK,
	     .op = OCI_SCMP_CMP_MASKED_EQ},
     SD_WITHOUT(CAP_SYS_ADMIN), .arch_in = SD_ARCHES("s390", "s390x")},
    /* clone3's flags live in memory seccomp can't read: say ENOSYS. */
    {.names = SD_NAMES("clone3"),
     .action = OCI_SCMP_ERRNO,
     .errno_ret = ENOSYS,
     SD_WITHOUT(CAP_SYS_ADMIN)},
    {SD_ALLOW(SD_NAMES("reboot")), SD_WITH(CAP_SYS_BOOT)},
    {SD_ALLOW(SD_NAMES("chroot")), SD_WITH(CAP_SYS_CHROOT)},
    {SD_ALLOW(SD_NAMES("delete_module", "init_module", "finit_module")),
     SD_WITH(CAP_SYS_MODULE)},
    {SD_ALLOW(SD_NAMES("acct")), SD_WITH(CAP_SYS_PACCT)},
    {SD_ALLOW(SD_NAMES("kcmp", "pidfd_getfd", "process_madvise",
		       "process_vm_readv", "process_vm_writev", "ptrace")),
     SD_WITH(CAP_SYS_PTRACE)},
    {SD_ALLOW(SD_NAMES("iopl", "ioperm")), SD_WITH(CAP_SYS_RAWIO)},
    {SD_ALLOW(
	 SD_NAMES("settimeofday", "stime", "clock_settime", "clock_settime64")),
     SD_WITH(CAP_SYS_TIME)},
    {SD_ALLOW(SD_NAMES("vhangup")), SD_WITH(CAP_SYS_TTY_CONFIG)},
    {SD_ALLOW(SD_NAMES("get_mempolicy", "mbind", "set_mempolicy",
		       "set_mempolicy_home_node")),
     SD_WITH(CAP_SYS_NICE)},
    {SD_ALLOW(SD_NAMES("syslog")), SD_WITH(CAP_SYSLOG)},
    {SD_ALLOW(SD_NAMES("bpf")), SD_WITH(CAP_BPF)},
    {SD_ALLOW(SD_NAMES("perf_event_open")), SD_WITH(CAP_PERFMON)},
};

/* Sub-architectures a native filter also covers (32-bit and x32 ABIs). */
static const char *const sd_archmap[][4] = {
    {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL},
    {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL, NULL},
    {"SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL, NULL},
    {"SCMP_ARCH_RISCV64", NULL, NULL, NULL},
};

static bool sd_in(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool sd_applies(const struct sd_entry *d, uint64_t caps)
{
	const char *arch = seccomp_json_go_arch();

	if (d->cap_in && !(caps & (1ULL << (d->cap_in - 1))))
		return false;
	if (d->cap_out && (caps & (1ULL << (d->cap_out - 1))))
		return false;
	if (d->arch_in && !sd_in(d->arch_in, arch))
		return false;
	return !sd_in(d->arch_out, arch);
}

static int sd_add(struct oci_seccomp *s, const struct sd_entry *d)
{
	struct oci_scmp_rule r = {
	    .action = d->action,
	    .has_errno_ret = d->action == OCI_SCMP_ERRNO,
	    .errno_ret = d->errno_ret,
	    .args = (struct oci_scmp_arg *)&d->arg,
	    .n_args = d->has_arg ? 1 : 0,
	};
	size_t n = 0;

	while (d->names[n])
		n++;
	/* The rule only borrows the table's names; rule_add copies them. */
	r.names.v = (char **)d->names;
	r.names.n = n;
	return ocispec_scmp_rule_add(s, &r);
}

static int sd_arches(struct oci_seccomp *s)
{
	const char *native = seccomp_json_scmp_arch();

	for (size_t i = 0; i < ARRAY_SIZE(sd_archmap); i++) {
		if (strcmp(sd_archmap[i][0], native) != 0)
			continue;
		for (size_t j = 0; j < 4 && sd_archmap[i][j]; j++)
			if (strv_push(&s->architectures, sd_archmap[i][j]) < 0)
				return -1;
	}
	return 0;
}

int seccomp_default_spec(uint64_t caps_mask, struct oci_seccomp **out,
			 struct err *e)
{
	struct oci_seccomp *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return err_set(e, ENOMEM, "default seccomp profile");
	s->default_action = OCI_SCMP_ERRNO;
	s->has_default_errno_ret = true;
	s->default_errno_ret = EPERM;
	if (sd_arches(s) < 0)
		goto nomem;
	for (size_t i = 0; i < ARRAY_SIZE(sd_table); i++)
		if (sd_applies(&sd_table[i], caps_mask) &&
		    sd_add(s, &sd_table[i]) < 0)
			goto nomem;
	*out = s;
	return 0;
nomem:
	ocispec_seccomp_free(s);
	return err_set(e, ENOMEM, "default seccomp profile");
}
