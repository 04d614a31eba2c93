/* cgroup_dev.c - the device cgroup of a container (cgroup.h,
 * cgroup_dev_apply): v1's devices.deny/devices.allow files, or on v2 a
 * BPF_CGROUP_DEVICE program built here from the rules.
 *
 * The program is written as raw instructions (as crun does): it is a
 * chain of compare-and-jump blocks, one per rule, last rule first, so
 * the first block that matches answers the way the spec's last
 * matching rule would. The program fd is closed once attached (the
 * attachment holds it); it goes away with the cgroup. */
#include "cgroup_int.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/base/cleanup.h"
#include "../proto/ocispec.h"

/* "c 1:3 rwm" as v1's files and Docker's flag spell a rule. */
static void dev_rule_text(const struct oci_devrule *r, char *buf, size_t n)
{
	char maj[24] = "*", min[24] = "*";

	if (r->type == 'a') {
		snprintf(buf, n, "a");
		return;
	}
	if (r->major >= 0)
		snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
	if (r->minor >= 0)
		snprintf(min, sizeof(min), "%lld", (long long)r->minor);
	snprintf(buf, n, "%c %s:%s %s", r->type, maj, min,
		 r->access[0] ? r->access : "rwm");
}

static int dev_v1(struct cgroup *cg, const struct oci_devrule *r, size_t n,
		  struct err *e)
{
	struct cgdir d;
	const char *dir = cgroup_dir_for(cg, CGROUP_DEVICES, &d);
	char text[80];

	if (!dir)
		return 0;
	for (size_t i = 0; i < n; i++) {
		dev_rule_text(&r[i], text, sizeof(text));
		if (cgroup_write(dir, r[i].allow ? "devices.allow"
						 : "devices.deny",
				 text, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- v2: the BPF program ---- */

#define DEV_INSN_MAX 4096

struct dev_prog {
	struct bpf_insn v[DEV_INSN_MAX];
	size_t n;
	bool overflow;
};

static size_t dev_emit(struct dev_prog *p, uint8_t code, uint8_t dst,
		       uint8_t src, int16_t off, int32_t imm)
{
	if (p->n >= DEV_INSN_MAX) {
		p->overflow = true;
		return p->n;
	}
	p->v[p->n] = (struct bpf_insn){.code = code, .dst_reg = dst,
				       .src_reg = src, .off = off, .imm = imm};
	return p->n++;
}

static unsigned dev_access_bits(const char *a)
{
	unsigned bits = 0;

	if (!*a)
		return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ |
		       BPF_DEVCG_ACC_WRITE;
	for (; *a; a++)
		bits |= *a == 'm'   ? BPF_DEVCG_ACC_MKNOD
			: *a == 'r' ? BPF_DEVCG_ACC_READ
				    : BPF_DEVCG_ACC_WRITE;
	return bits;
}

/* One rule's block: r2 type, r3 access, r4 major, r5 minor; every
 * failed test jumps past the block. Returns false when the block
 * matches unconditionally (nothing after it can run). */
static bool dev_block(struct dev_prog *p, const struct oci_devrule *r)
{
	unsigned acc = dev_access_bits(r->access), all = 7;
	size_t jumps[4], nj = 0;

	if (r->type != 'a')
		jumps[nj++] = dev_emit(p, BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0,
				       r->type == 'c' ? BPF_DEVCG_DEV_CHAR
						      : BPF_DEVCG_DEV_BLOCK);
	if (acc != all) {
		dev_emit(p, BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
		dev_emit(p, BPF_ALU | BPF_AND | BPF_K, 1, 0, 0,
			 (int32_t)(r->allow ? all & ~acc : acc));
		/* allow: nothing asked beyond acc; deny: something of acc */
		jumps[nj++] = dev_emit(p, BPF_JMP | (r->allow ? BPF_JNE
							      : BPF_JEQ) |
					      BPF_K,
				       1, 0, 0, 0);
	}
	if (r->major >= 0)
		jumps[nj++] = dev_emit(p, BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0,
				       (int32_t)r->major);
	if (r->minor >= 0)
		jumps[nj++] = dev_emit(p, BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0,
				       (int32_t)r->minor);
	dev_emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow);
	dev_emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < nj && !p->overflow; i++)
		p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
	return nj > 0;
}

static void dev_prog_build(struct dev_prog *p, const struct oci_devrule *r,
			   size_t n)
{
	bool more = true;

	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	dev_emit(p, BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	dev_emit(p, BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	dev_emit(p, BPF_LDX | BPF_MEM | BPF_W, 3, 1, 0, 0);
	dev_emit(p, BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
	dev_emit(p, BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);
	dev_emit(p, BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);
	for (size_t i = n; i-- > 0 && more;)
		more = dev_block(p, &r[i]);
	if (more) { /* no rule matched: denied */
		dev_emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		dev_emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
}

static int dev_v2(struct cgroup *cg, const struct oci_devrule *r, size_t n,
		  struct err *e)
{
	_cleanup_free_ struct dev_prog *p = calloc(1, sizeof(*p));
	_cleanup_close_ int prog = -1, dir = -1;
	union bpf_attr a;

	if (!p)
		return err_set(e, ENOMEM, "device program");
	dev_prog_build(p, r, n);
	if (p->overflow)
		return err_setc(e, ERR_INVALID, "too many device rules");
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->v;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t) "Apache-2.0";
	prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (prog < 0)
		return err_set(e, errno, "load the device cgroup program");
	if ((dir = cgroup_dirfd(cg, e)) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dir;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return err_set(e, errno, "attach the device cgroup program");
	return 0;
}

int cgroup_dev_apply(struct cgroup *cg, const struct oci_devrule *r,
		     size_t n, struct err *e)
{
	int rc;

	if (!n)
		return 0;
	rc = cg->sys->version == 2 ? dev_v2(cg, r, n, e) : dev_v1(cg, r, n, e);
	return rc < 0 ? err_wrap(e, "cgroup %s: devices", cg->path) : 0;
}
