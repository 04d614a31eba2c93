/* test_ocispec.c - config.json and Docker seccomp profile parsing, the
 * default seccomp table and capability names (no root needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/base/cleanup.h"
#include "../../fs/caps.h"
#include "../../fs/seccomp.h"
#include "../../fs/specgen.h"
#include "../../proto/ocispec.h"
#include "../../proto/seccomp_json.h"

static const char full_spec[] =
    "{\"ociVersion\":\"1.0.2\","
    "\"process\":{\"terminal\":true,"
    "\"user\":{\"uid\":1000,\"gid\":100,\"additionalGids\":[5,6],"
    "\"username\":\"web:staff\"},"
    "\"args\":[\"/bin/sh\",\"-c\",\"echo hi\"],\"env\":[\"A=1\"],"
    "\"cwd\":\"/srv\","
    "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[],"
    "\"inheritable\":[],\"permitted\":[\"CAP_KILL\"],\"ambient\":[]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":"
    "18446744073709551615,\"soft\":1024}],"
    "\"oomScoreAdj\":-500,\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"box\","
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
    "\"source\":\"proc\"},{\"destination\":\"/data\",\"type\":\"bind\","
    "\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\","
    "\"path\":\"/run/netns/x\"}],\"maskedPaths\":[\"/proc/kcore\"],"
    "\"readonlyPaths\":[\"/proc/sys\"],\"cgroupsPath\":\"/skiff/c1\","
    "\"resources\":{\"memory\":{\"limit\":1},\"devices\":["
    "{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
    "\"major\":10,\"access\":\"r\"}]},"
    "\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,"
    "\"minor\":3,\"fileMode\":438,\"uid\":0,\"gid\":5}],"
    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
    "\"defaultErrnoRet\":1,\"architectures\":[\"SCMP_ARCH_X86_64\"],"
    "\"syscalls\":[{\"names\":[\"read\",\"write\"],"
    "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"personality\"],"
    "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":8,"
    "\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}},"
    "\"annotations\":{\"io.skiff.name\":\"web\"}}";

static struct oci_spec *parse_ok(const char *json)
{
	struct oci_spec *s = NULL;
	struct err e = ERR_INIT;

	if (ocispec_parse(json, strlen(json), &s, &e) < 0)
		fail_msg("parse: %s", e.msg);
	return s;
}

static void check_full(const struct oci_spec *s)
{
	const struct oci_process *p = &s->process;

	assert_true(s->has_process);
	assert_true(p->terminal);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 100);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], 6);
	assert_string_equal(p->user.username, "web:staff");
	assert_int_equal(p->args.n, 3);
	assert_string_equal(p->args.v[2], "echo hi");
	assert_string_equal(p->cwd, "/srv");
	assert_true(p->has_caps);
	assert_string_equal(p->caps[OCI_CAP_BOUNDING].v[0], "CAP_KILL");
	assert_int_equal(p->caps[OCI_CAP_EFFECTIVE].n, 0);
	assert_int_equal(p->n_rlimits, 1);
	assert_true(p->rlimits[0].hard == UINT64_MAX);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_true(p->no_new_privileges);
	assert_string_equal(s->root_path, "rootfs");
	assert_true(s->root_readonly);
	assert_string_equal(s->hostname, "box");
	assert_int_equal(s->n_mounts, 2);
	assert_string_equal(s->mounts[1].options.v[0], "rbind");
	assert_int_equal(s->n_namespaces, 2);
	assert_string_equal(ocispec_namespace(s, "network")->path,
			    "/run/netns/x");
	assert_null(ocispec_namespace(s, "uts"));
	assert_string_equal(s->cgroups_path, "/skiff/c1");
	assert_int_equal(s->seccomp->default_action, OCI_SCMP_ERRNO);
	assert_int_equal(s->seccomp->default_errno_ret, 1);
	assert_int_equal(s->seccomp->n_syscalls, 2);
	assert_int_equal(s->seccomp->syscalls[1].args[0].value, 8);
	assert_int_equal(s->seccomp->syscalls[1].args[0].op, OCI_SCMP_CMP_EQ);
	assert_string_equal(ocispec_annotation(s, "io.skiff.name"), "web");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_int_equal(s->n_devices, 1);
	assert_string_equal(s->devices[0].path, "/dev/x");
	assert_int_equal(s->devices[0].type, 'c');
	assert_int_equal(s->devices[0].minor, 3);
	assert_int_equal(s->devices[0].file_mode, 0666);
	assert_int_equal(s->devices[0].gid, 5);
	assert_int_equal(s->n_devrules, 2);
	assert_false(s->devrules[0].allow);
	assert_int_equal(s->devrules[0].type, 'a');
	assert_int_equal(s->devrules[1].major, 10);
	assert_int_equal(s->devrules[1].minor, -1);
	assert_string_equal(s->devrules[1].access, "r");
	assert_int_equal(s->n_sysctl, 1);
	assert_string_equal(s->sysctl[0].value, "1");
}

static void test_parse_and_round_trip(void **state)
{
	struct oci_spec *s = parse_ok(full_spec), *again;
	struct buf b = {0}, b2 = {0};

	check_full(s);
	ocispec_write(s, &b);
	buf_append(&b, "", 1);
	again = parse_ok(b.data);
	check_full(again);
	ocispec_write(again, &b2);
	buf_append(&b2, "", 1);
	assert_string_equal(b.data, b2.data);
	buf_free(&b);
	buf_free(&b2);
	ocispec_free(again);
	ocispec_free(s);
}

static void expect_error(const char *json, const char *msg)
{
	struct oci_spec *s = (struct oci_spec *)1;
	struct err e = ERR_INIT;

	assert_int_equal(ocispec_parse(json, strlen(json), &s, &e), -1);
	assert_null(s);
	assert_int_equal(e.class, ERR_INVALID);
	assert_string_equal(e.msg, msg);
}

static void test_errors_name_the_field(void **state)
{
	expect_error("{\"process\":{\"user\":{\"uid\":\"x\"}}}",
		     "process.user.uid: expected a number");
	expect_error("{\"process\":{\"user\":{\"uid\":-1}}}",
		     "process.user.uid: expected an unsigned integer");
	expect_error("{\"process\":{\"user\":{\"gid\":4294967296}}}",
		     "process.user.gid: number out of range");
	expect_error("{\"process\":{\"args\":[\"a\",3]}}",
		     "process.args[1]: expected a string");
	expect_error("{\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"x\"}]}",
		     "mounts[1].destination: required");
	expect_error("{\"linux\":{\"seccomp\":{\"defaultAction\":\"NOPE\"}}}",
		     "linux.seccomp.defaultAction: unknown value \"NOPE\"");
	expect_error("{\"linux\":{\"seccomp\":{\"defaultAction\":"
		     "\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
		     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":9,"
		     "\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
		     "linux.seccomp.syscalls[0].args[0].index: must be 0 to 5");
	expect_error("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		     "\"hard\":1}]}}",
		     "process.rlimits[0].soft: required");
	expect_error("{\"annotations\":{\"a\":1}}",
		     "annotations.a: expected a string");
	expect_error("{\"root\":[]}", "root: expected an object");
	expect_error("[]", "(document): expected an object");
	expect_error("{\"hostname\":", "invalid JSON: parse error: premature "
				       "EOF");
}

static void test_depth_limit_and_nul(void **state)
{
	char deep[300];
	struct oci_spec *s;
	struct err e = ERR_INIT;

	memset(deep, '[', sizeof(deep));
	assert_int_equal(ocispec_parse(deep, sizeof(deep), &s, &e), -1);
	assert_non_null(strstr(e.msg, "nested deeper"));
	assert_int_equal(ocispec_parse("{}\0{}", 5, &s, &e), -1);
	assert_non_null(strstr(e.msg, "NUL"));
}

static const char docker_profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
    "\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
    "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":"
    "[\"SCMP_ARCH_ARM\"]}],"
    "\"syscalls\":["
    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
    "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"args\":[{\"index\":0,\"value\":2114060288,"
    "\"op\":\"SCMP_CMP_MASKED_EQ\"}],"
    "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"],\"arches\":[\"s390x\"]}},"
    "{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"includes\":{\"arches\":[\"amd64\"]}},"
    "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"includes\":{\"minKernel\":\"4.8\"}},"
    "{\"name\":\"getpid\",\"action\":\"SCMP_ACT_ALLOW\"}]}";

static struct oci_seccomp *profile(const char *cap, const char *arch,
				   unsigned kmaj)
{
	char *capv[] = {(char *)cap};
	struct strv caps = {capv, cap ? 1 : 0};
	struct seccomp_json_ctx ctx = {&caps, arch, kmaj, 0};
	struct oci_seccomp *s = NULL;
	struct err e = ERR_INIT;

	if (seccomp_json_parse(docker_profile, strlen(docker_profile), &ctx, &s,
			       &e) < 0)
		fail_msg("profile: %s", e.msg);
	return s;
}

static bool has_rule(const struct oci_seccomp *s, const char *name)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (strv_contains(&s->syscalls[i].names, name))
			return true;
	return false;
}

static void test_docker_profile_conditions(void **state)
{
	struct oci_seccomp *s = profile(NULL, "amd64", 6);

	assert_int_equal(s->architectures.n, 3);
	assert_string_equal(s->architectures.v[1], "SCMP_ARCH_X86");
	assert_true(has_rule(s, "read"));
	assert_false(has_rule(s, "mount"));
	assert_true(has_rule(s, "clone"));
	assert_true(has_rule(s, "arch_prctl"));
	assert_true(has_rule(s, "ptrace"));
	assert_true(has_rule(s, "getpid"));
	assert_int_equal(seccomp_spec_check(s, &(struct err)ERR_INIT), 0);
	ocispec_seccomp_free(s);
	s = profile("CAP_SYS_ADMIN", "arm64", 4);
	assert_int_equal(s->architectures.n, 2);
	assert_true(has_rule(s, "mount"));
	assert_false(has_rule(s, "clone"));
	assert_false(has_rule(s, "arch_prctl"));
	assert_false(has_rule(s, "ptrace"));
	ocispec_seccomp_free(s);
}

static void test_docker_profile_errors(void **state)
{
	static const char bad[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
	    "[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":"
	    "\"four\"}}]}";
	struct oci_seccomp *s;
	struct err e = ERR_INIT;

	assert_int_equal(seccomp_json_parse(bad, strlen(bad), NULL, &s, &e),
			 -1);
	assert_string_equal(e.msg, "syscalls[0].includes.minKernel: expected "
				   "a kernel version like 4.8");
	assert_int_equal(seccomp_json_parse("{}", 2, NULL, &s, &e), -1);
	assert_string_equal(e.msg, "defaultAction: required");
}

static void test_default_profile(void **state)
{
	struct oci_seccomp *s;
	struct err e = ERR_INIT;
	bool clone_masked = false;

	assert_int_equal(seccomp_default_spec(CAPS_DOCKER_MASK, &s, &e), 0);
	assert_int_equal(s->default_action, OCI_SCMP_ERRNO);
	assert_int_equal(s->default_errno_ret, 1);
	assert_true(has_rule(s, "chroot"));
	assert_false(has_rule(s, "mount"));
	assert_false(has_rule(s, "reboot"));
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_scmp_rule *r = &s->syscalls[i];
		if (strv_contains(&r->names, "clone") && r->n_args == 1 &&
		    r->args[0].value == 0x7E020000)
			clone_masked = true;
		if (strv_contains(&r->names, "clone3"))
			assert_int_equal(r->errno_ret, 38);
	}
	assert_true(clone_masked);
	assert_int_equal(seccomp_spec_check(s, &e), 0);
	ocispec_seccomp_free(s);
	assert_int_equal(
	    seccomp_default_spec(CAPS_DOCKER_MASK | (1ULL << 21), &s, &e), 0);
	assert_true(has_rule(s, "mount"));
	/* With CAP_SYS_ADMIN clone3 is allowed, not answered with ENOSYS. */
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (strv_contains(&s->syscalls[i].names, "clone3"))
			assert_int_equal(s->syscalls[i].action, OCI_SCMP_ALLOW);
	ocispec_seccomp_free(s);
}

static void test_cap_names(void **state)
{
	struct strv names = {0};
	struct err e = ERR_INIT;
	uint64_t mask;
	int cap;
	char buf[32];

	assert_int_equal(caps_from_name("net_admin", &cap, &e), 0);
	assert_int_equal(cap, 12);
	assert_int_equal(caps_from_name("CAP_NET_ADMIN", &cap, &e), 0);
	assert_int_equal(caps_from_name("Sys_Admin", &cap, &e), 0);
	assert_int_equal(cap, 21);
	assert_int_equal(caps_from_name("cap_", &cap, &e), -1);
	assert_int_equal(caps_from_name("FLY", &cap, &e), -1);
	assert_string_equal(e.msg, "unknown capability \"FLY\"");
	caps_to_name(0, buf, sizeof(buf));
	assert_string_equal(buf, "CAP_CHOWN");
	for (size_t i = 0; i < caps_docker_default_n; i++)
		strv_push(&names, caps_docker_default[i]);
	assert_int_equal(caps_mask(&names, &mask, &e), 0);
	assert_true(mask == CAPS_DOCKER_MASK);
	strv_free(&names);
	strv_push(&names, "all");
	assert_int_equal(caps_docker_mask(&names, NULL, &mask, &e), 0);
	assert_true(mask == caps_all_mask());
	assert_int_equal(caps_docker_mask(&names, &names, &mask, &e), 0);
	assert_true(mask == caps_all_mask());
	strv_free(&names);
}

static const struct oci_mount *find_mount(const struct oci_spec *s,
					  const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, dest) == 0)
			return &s->mounts[i];
	return NULL;
}

static void test_specgen(void **state)
{
	const char *args[] = {"sh", NULL};
	char *tv[] = {"/run:size=1m,exec"}, *bv[] = {"/srv:/data:ro"};
	char *dv[] = {"ALL"}, *av[] = {"CAP_NET_BIND_SERVICE"};
	struct strv tmpfs = {tv, 1}, binds = {bv, 1};
	struct strv drop = {dv, 1}, add = {av, 1};
	struct specgen_opts o = {.rootfs = "/img",
				 .args = args,
				 .user = "nobody",
				 .hostname = "h",
				 .terminal = true,
				 .tmpfs = &tmpfs,
				 .binds = &binds,
				 .cap_drop = &drop,
				 .cap_add = &add,
				 .read_only = true};
	struct oci_spec *s;
	struct err e = ERR_INIT;
	const struct oci_mount *m;

	assert_int_equal(specgen_build(&o, &s, &e), 0);
	assert_string_equal(s->process.user.username, "nobody");
	assert_true(strv_contains(&s->process.env, "HOSTNAME=h"));
	assert_true(strv_contains(&s->process.env, "TERM=xterm"));
	assert_int_equal(s->process.caps[OCI_CAP_BOUNDING].n, 1);
	assert_true(s->root_readonly);
	assert_int_equal(s->n_namespaces, 6);
	m = find_mount(s, "/run");
	assert_non_null(m);
	assert_string_equal(m->options.v[m->options.n - 1], "exec");
	m = find_mount(s, "/data");
	assert_non_null(m);
	assert_string_equal(m->source, "/srv");
	assert_true(strv_contains(&m->options, "ro"));
	assert_true(strv_contains(&s->masked_paths, "/proc/kcore"));
	assert_non_null(s->seccomp);
	ocispec_free(s);
	o.seccomp_json = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";
	o.seccomp_json_len = strlen(o.seccomp_json);
	assert_int_equal(specgen_build(&o, &s, &e), 0);
	assert_int_equal(s->seccomp->default_action, OCI_SCMP_LOG);
	ocispec_free(s);
	o.seccomp_json = "{";
	o.seccomp_json_len = 1;
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "seccomp profile: invalid JSON"));
	o.seccomp_json = NULL;
	bv[0] = "relative:/data";
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_string_equal(e.msg, "volume relative:/data: want "
				   "/SRC:/DST[:OPTIONS]");
	bv[0] = "/a:/b";
	o.privileged = true;
	assert_int_equal(specgen_build(&o, &s, &e), 0);
	assert_null(s->seccomp);
	assert_int_equal(s->masked_paths.n, 0);
	assert_true(strv_contains(&find_mount(s, "/sys")->options, "rw"));
	ocispec_free(s);
}

static void test_devspec(void **state)
{
	const char *args[] = {"sh", NULL};
	char *dv[] = {"/dev/null:/dev/mynull:rw", "/dev/zero:r"};
	char *rv[] = {"b 7:* rwm"};
	struct strv devs = {dv, 2}, rules = {rv, 1};
	struct specgen_opts o = {.rootfs = "/img", .args = args,
				 .devices = &devs, .device_rules = &rules};
	struct oci_spec *s;
	struct err e = ERR_INIT;
	const struct oci_devrule *r;

	assert_int_equal(specgen_build(&o, &s, &e), 0);
	assert_int_equal(s->n_devices, 2);
	assert_string_equal(s->devices[0].path, "/dev/mynull");
	assert_int_equal(s->devices[0].major, 1);
	assert_int_equal(s->devices[0].minor, 3);
	assert_string_equal(s->devices[1].path, "/dev/zero");
	assert_false(s->devrules[0].allow); /* Docker's: deny all first */
	r = &s->devrules[s->n_devrules - 1];
	assert_true(r->type == 'b' && r->major == 7 && r->minor == -1);
	r--;
	assert_true(r->type == 'c' && r->minor == 5);
	assert_string_equal(r->access, "r");
	ocispec_free(s);
	o.privileged = true;
	o.devices = o.device_rules = NULL;
	assert_int_equal(specgen_build(&o, &s, &e), 0);
	assert_int_equal(s->n_devrules, 1);
	assert_true(s->devrules[0].allow && s->devrules[0].type == 'a');
	ocispec_free(s);
	o.devices = &devs;
	dv[0] = "/dev/null:/dev/x:rwa";
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "--device \"/dev/null:/dev/x:rwa\""));
	dv[0] = "/dev";
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_string_equal(e.msg, "--device /dev: /dev is not a device node");
	o.devices = NULL;
	o.device_rules = &rules;
	rv[0] = "c 1:3";
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "--device-cgroup-rule \"c 1:3\""));
}

static void test_kernopts(void **state)
{
	const char *args[] = {"sh", NULL};
	char *uv[] = {"nofile=1024:2048", "core=-1", "nofile=10"};
	char *sv[] = {"net.core.somaxconn=1234", "kernel.sem=1 2 3 4"};
	char *gv[] = {"staff", "123"};
	struct strv ul = {uv, 3}, sc = {sv, 2}, ga = {gv, 2};
	struct specgen_opts o = {.rootfs = "/img", .args = args,
				 .ulimits = &ul, .sysctls = &sc,
				 .group_add = &ga, .shm_size = 1 << 20,
				 .has_oom_score_adj = true,
				 .oom_score_adj = -17};
	struct oci_spec *s, *again;
	struct err e = ERR_INIT;
	struct buf b = {0};

	assert_int_equal(specgen_build(&o, &s, &e), 0);
	assert_int_equal(s->process.n_rlimits, 2);
	assert_string_equal(s->process.rlimits[0].type, "RLIMIT_NOFILE");
	assert_int_equal(s->process.rlimits[0].soft, 10); /* the last wins */
	assert_int_equal(s->process.rlimits[0].hard, 10);
	assert_true(s->process.rlimits[1].hard == UINT64_MAX);
	assert_int_equal(s->n_sysctl, 2);
	assert_string_equal(s->sysctl[1].value, "1 2 3 4");
	assert_true(strv_contains(&find_mount(s, "/dev/shm")->options,
				  "size=1048576"));
	ocispec_write(s, &b);
	buf_append(&b, "", 1);
	again = parse_ok(b.data);
	assert_int_equal(again->process.oom_score_adj, -17);
	assert_int_equal(again->process.user.group_names.n, 2);
	assert_string_equal(again->process.user.group_names.v[0], "staff");
	ocispec_free(again);
	ocispec_free(s);
	buf_free(&b);
	uv[2] = "nofile=5:4";
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "--ulimit nofile=5:4"));
	uv[2] = "nofile=1";
	sv[1] = "kernel.panic=1";
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "--sysctl kernel.panic=1: not a "
				      "namespaced sysctl"));
	sv[1] = "net.ipv4.ip_forward=1";
	o.host_net = true;
	assert_int_equal(specgen_build(&o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "--network host"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_and_round_trip),
	    cmocka_unit_test(test_errors_name_the_field),
	    cmocka_unit_test(test_depth_limit_and_nul),
	    cmocka_unit_test(test_docker_profile_conditions),
	    cmocka_unit_test(test_docker_profile_errors),
	    cmocka_unit_test(test_default_profile),
	    cmocka_unit_test(test_cap_names),
	    cmocka_unit_test(test_specgen),
	    cmocka_unit_test(test_devspec),
	    cmocka_unit_test(test_kernopts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
