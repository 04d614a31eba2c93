/* seccomp.c - struct oci_seccomp to a libseccomp filter (see seccomp.h).
 *
 * Each call builds its own scmp_filter_ctx and releases it before
 * returning; nothing is kept. */
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/base/cleanup.h"

static inline void seccomp_ctx_freep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}
#define _cleanup_scmp_ _cleanup_(seccomp_ctx_freep)

/* "SCMP_ARCH_X86_64" to libseccomp's token. */
static int spec_arch(const char *name, uint32_t *tok, struct err *e)
{
	char low[32];
	size_t i = 0;

	if (strncmp(name, "SCMP_ARCH_", 10) == 0)
		name += 10;
	for (; name[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	*tok = seccomp_arch_resolve_name(low);
	if (!*tok || name[i])
		return err_setc(e, ERR_INVALID,
				"seccomp: unknown architecture \"%s\"", name);
	return 0;
}

static int spec_action(enum oci_scmp_action a, bool has_ret, uint32_t ret,
		       uint32_t *out, struct err *e)
{
	switch (a) {
	case OCI_SCMP_KILL_THREAD:
		*out = SCMP_ACT_KILL;
		return 0;
	case OCI_SCMP_KILL_PROCESS:
		*out = SCMP_ACT_KILL_PROCESS;
		return 0;
	case OCI_SCMP_TRAP:
		*out = SCMP_ACT_TRAP;
		return 0;
	case OCI_SCMP_ERRNO:
		*out = SCMP_ACT_ERRNO(has_ret ? ret : EPERM);
		return 0;
	case OCI_SCMP_TRACE:
		*out = SCMP_ACT_TRACE(has_ret ? ret : EPERM);
		return 0;
	case OCI_SCMP_ALLOW:
		*out = SCMP_ACT_ALLOW;
		return 0;
	case OCI_SCMP_LOG:
		*out = SCMP_ACT_LOG;
		return 0;
	}
	return err_setc(e, ERR_INVALID, "seccomp: bad action %d", (int)a);
}

static enum scmp_compare spec_op(enum oci_scmp_op op)
{
	switch (op) {
	case OCI_SCMP_CMP_NE:
		return SCMP_CMP_NE;
	case OCI_SCMP_CMP_LT:
		return SCMP_CMP_LT;
	case OCI_SCMP_CMP_LE:
		return SCMP_CMP_LE;
	case OCI_SCMP_CMP_EQ:
		return SCMP_CMP_EQ;
	case OCI_SCMP_CMP_GE:
		return SCMP_CMP_GE;
	case OCI_SCMP_CMP_GT:
		return SCMP_CMP_GT;
	case OCI_SCMP_CMP_MASKED_EQ:
		break;
	}
	return SCMP_CMP_MASKED_EQ;
}

/* Comparisons on distinct arguments are ANDed into one rule; several on
 * the same argument become one rule each (ORed), as runc does, because
 * libseccomp can't AND two tests of one argument. */
static bool args_distinct(const struct oci_scmp_rule *r)
{
	for (size_t i = 0; i < r->n_args; i++)
		for (size_t j = i + 1; j < r->n_args; j++)
			if (r->args[i].index == r->args[j].index)
				return false;
	return true;
}

static struct scmp_arg_cmp to_cmp(const struct oci_scmp_arg *a)
{
	struct scmp_arg_cmp c = {
	    .arg = a->index,
	    .op = spec_op(a->op),
	    .datum_a = a->value,
	    .datum_b = a->value_two,
	};
	return c;
}

static int add_one(scmp_filter_ctx ctx, uint32_t act, int nr,
		   const struct oci_scmp_rule *r, const char *name,
		   struct err *e)
{
	struct scmp_arg_cmp cmp[6];
	int rc = 0;

	if (r->n_args > 6)
		return err_setc(e, ERR_INVALID, "seccomp %s: too many args",
				name);
	if (args_distinct(r)) {
		for (size_t i = 0; i < r->n_args; i++)
			cmp[i] = to_cmp(&r->args[i]);
		rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args,
					    cmp);
	}
	for (size_t i = 0; rc == 0 && !args_distinct(r) && i < r->n_args; i++) {
		cmp[0] = to_cmp(&r->args[i]);
		rc = seccomp_rule_add_array(ctx, act, nr, 1, cmp);
	}
	if (rc < 0)
		return err_set(e, -rc, "seccomp rule for %s", name);
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def,
		    const struct oci_scmp_rule *r, struct err *e)
{
	uint32_t act;

	if (spec_action(r->action, r->has_errno_ret, r->errno_ret, &act, e) < 0)
		return -1;
	/* libseccomp refuses rules whose action equals the default. */
	if (act == def)
		return 0;
	for (size_t i = 0; i < r->names.n; i++) {
		int nr = seccomp_syscall_resolve_name(r->names.v[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		if (add_one(ctx, act, nr, r, r->names.v[i], e) < 0)
			return -1;
	}
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct oci_seccomp *s,
		      struct err *e)
{
	uint32_t tok;
	int rc;

	for (size_t i = 0; i < s->architectures.n; i++) {
		if (spec_arch(s->architectures.v[i], &tok, e) < 0)
			return -1;
		rc = seccomp_arch_add(ctx, tok);
		if (rc < 0 && rc != -EEXIST)
			return err_set(e, -rc, "seccomp: add architecture %s",
				       s->architectures.v[i]);
	}
	return 0;
}

static scmp_filter_ctx spec_build(const struct oci_seccomp *s, struct err *e)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
	uint32_t def;

	if (spec_action(s->default_action, s->has_default_errno_ret,
			s->default_errno_ret, &def, e) < 0)
		return NULL;
	ctx = seccomp_init(def);
	if (!ctx) {
		err_setc(e, ERR_INVALID, "seccomp_init failed");
		return NULL;
	}
	/* no_new_privs is the spec's business, not libseccomp's. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
		err_setc(e, ERR_INTERNAL, "seccomp: clear CTL_NNP");
		return NULL;
	}
	if (add_arches(ctx, s, e) < 0)
		return NULL;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (add_rule(ctx, def, &s->syscalls[i], e) < 0)
			return NULL;
	return steal_ptr(&ctx);
}

int seccomp_spec_check(const struct oci_seccomp *s, struct err *e)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = spec_build(s, e);

	return ctx ? 0 : -1;
}

int seccomp_spec_load(const struct oci_seccomp *s, struct err *e)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = spec_build(s, e);
	int rc;

	if (!ctx)
		return -1;
	rc = seccomp_load(ctx);
	if (rc < 0)
		return err_set(e, -rc, "load seccomp filter");
	return 0;
}

int seccomp_spec_compile(const struct oci_seccomp *s, struct seccomp_bpf *out,
			 struct err *e)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = spec_build(s, e);
	_cleanup_close_ int fd = -1;
	struct buf b = { 0 };
	ssize_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return -1;
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return err_set(e, -rc, "export seccomp filter");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_set(e, errno, "lseek");
	while ((n = read(fd, buf_reserve(&b, 65536), 65536)) > 0)
		b.len += (size_t)n;
	if (n < 0 || b.len % sizeof(struct sock_filter) ||
	    b.len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		buf_free(&b);
		return err_setc(e, ERR_INVALID, "seccomp filter: %zu bytes of "
				"BPF", b.len);
	}
	out->insns = (struct sock_filter *)b.data;
	out->len = (unsigned short)(b.len / sizeof(struct sock_filter));
	return 0;
}

void seccomp_bpf_free(struct seccomp_bpf *b)
{
	free(b->insns);
	memset(b, 0, sizeof(*b));
}

int seccomp_bpf_load(const struct seccomp_bpf *b, struct err *e)
{
	struct sock_fprog prog = { b->len, b->insns };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
	    (errno != ENOSYS ||
	     prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0))
		return err_set(e, errno, "load seccomp filter");
	return 0;
}

void seccomp_spec_key(const struct oci_seccomp *s, struct buf *out)
{
	buf_printf(out, "%d %d %u|", (int)s->default_action,
		   s->has_default_errno_ret, s->default_errno_ret);
	for (size_t i = 0; i < s->architectures.n; i++)
		buf_printf(out, "%s,", s->architectures.v[i]);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_scmp_rule *r = &s->syscalls[i];
		buf_printf(out, "|%d %d %u:", (int)r->action, r->has_errno_ret,
			   r->errno_ret);
		for (size_t j = 0; j < r->names.n; j++)
			buf_printf(out, "%s,", r->names.v[j]);
		for (size_t j = 0; j < r->n_args; j++)
			buf_printf(out, "(%u %llu %llu %d)", r->args[j].index,
				   (unsigned long long)r->args[j].value,
				   (unsigned long long)r->args[j].value_two,
				   (int)r->args[j].op);
	}
}
