/* test_compose.c - proto/cnode.c and proto/compose*.c: compose YAML to
 * the normalised model (YAML typing, anchors and merge keys,
 * interpolation, the schema's errors with positions, short to long
 * syntax, several files merged, .env, env_file, profiles, names). Files
 * are served from a table by the read callback: no filesystem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/compose.h"

struct vfile {
	const char *path, *text;
};

static const struct vfile *files_now;

static int vread(const char *path, struct buf *out, void *ctx, struct err *e)
{
	for (const struct vfile *f = files_now; f && f->path; f++)
		if (!strcmp(f->path, path)) {
			buf_puts(out, f->text);
			return 0;
		}
	return err_set(e, ENOENT, "%s", path);
}

/* The environment: TAG=1.36, EMPTY="", COMPOSE_PROJECT_NAME unset. */
static const char *venv(const char *name, void *ctx)
{
	if (!strcmp(name, "TAG"))
		return "1.36";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

/* Load the project /p/compose.yaml (plus more -f files) and return its
 * model as compact JSON (static buffer), or "ERR: msg". */
static const char *load(const struct vfile *fs, const char *const *f,
			size_t nf, const char *const *profiles, size_t np)
{
	static char out[16384];
	struct compose_opts o = { .files = f, .nfiles = nf, .cwd = "/p",
				  .env = venv, .read = vread,
				  .profiles = profiles, .nprofiles = np };
	struct compose_project p;
	struct err e = ERR_INIT;
	struct buf b = { 0 };

	files_now = fs;
	if (compose_project_load(&o, &p, &e) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", e.msg);
	} else {
		compose_project_json(&p, false, &b);
		snprintf(out, sizeof(out), "%.*s", (int)buf_used(&b) - 1,
			 buf_head(&b));
	}
	buf_free(&b);
	compose_project_free(&p);
	return out;
}

static const char *load1(const char *text)
{
	const struct vfile fs[] = { { "/p/compose.yaml", text }, { 0 } };

	return load(fs, NULL, 0, NULL, 0);
}

static void has(const char *got, const char *want)
{
	if (!strstr(got, want))
		fail_msg("wanted %s\n   in %s", want, got);
}

static void test_typing_anchors(void **state)
{
	const char *m = load1("x-base: &b {image: a, restart: always}\n"
			      "services:\n"
			      "  s: {<<: *b, image: 'mine', labels: {n: 1, q: "
			      "'2'}}\n"
			      "  t: {<<: [*b], stop_grace_period: 10s}\n");

	has(m, "\"s\":{\"image\":\"mine\",\"labels\":{\"n\":\"1\",\"q\":\"2\"}");
	has(m, "\"t\":{\"image\":\"a\"");
	has(m, "\"restart\":\"always\"");
	has(m, "\"name\":\"p\"");
	has(m, "\"networks\":{\"default\":{\"name\":\"p_default\"}}");
	has(load1("services: {s: {image: a, labels: {t: true}}}\n"),
	    "services.s.labels.t: expected string or number or null, got a "
	    "boolean");
}

static void test_interpolation(void **state)
{
	char buf[256];
	struct buf out = { 0 };
	struct err e = ERR_INIT;
	static const char *const cases[][2] = {
		{ "busybox:${TAG}", "busybox:1.36" },
		{ "$TAG-$$HOME", "1.36-$HOME" },
		{ "${NO:-d}/${EMPTY:-e}/${EMPTY-f}", "d/e/" },
		{ "${NO:-${TAG}}", "1.36" },
		{ "${TAG:+set}${NO+x}", "set" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&out);
		assert_int_equal(compose_interp_str(cases[i][0], venv, NULL,
						    &out, NULL, NULL, 0, &e),
				 0);
		snprintf(buf, sizeof(buf), "%.*s", (int)buf_used(&out),
			 buf_used(&out) ? buf_head(&out) : "");
		assert_string_equal(buf, cases[i][1]);
	}
	buf_free(&out);
	has(load1("services:\n  s:\n    image: ${NO:?say it}\n"),
	    "ERR: /p/compose.yaml:3:12: required variable NO is missing a "
	    "value: say it");
	has(load1("services:\n  s:\n    image: a${}\n"),
	    "invalid interpolation format");
	/* a plain scalar is typed again: an integer where one is needed */
	has(load1("services:\n  s:\n    image: a\n    ports:\n"
		  "    - target: ${P:-80}\n"),
	    "\"target\":80");
}

static void test_schema_errors(void **state)
{
	has(load1("services:\n  web:\n    imag: x\n"),
	    "ERR: /p/compose.yaml:3:5: services.web: unknown key \"imag\"");
	has(load1("services: {web: {image: x, ports: [{target: a}]}}\n"),
	    "ERR: /p/compose.yaml:1:45: services.web.ports[0].target: "
	    "expected integer, got a string");
	has(load1("services: {web: {image: x, depends_on: {a: {condition: "
		  "nope}}}}\n"),
	    "is not one of the values allowed");
	has(load1("services: [a]\n"), "services: expected object, got a list");
	has(load1("a: 1\na: 2\n"), "ERR: /p/compose.yaml:2:1: duplicate key");
	has(load1("x: [\n"), "ERR: /p/compose.yaml:2:1: flow sequence");
	has(load1("services: {a: {image: x, depends_on: [b]}, b: {image: y, "
		  "depends_on: [a]}}\n"),
	    "a dependency cycle: a -> b -> a");
	has(load1("services: {a: {image: x, networks: [n]}}\n"),
	    "refers to an undefined network n");
	has(load1("services: {a: {build: .}}\nversion: '3'\n"),
	    "\"build\":{\"context\":\"/p\"}");
	has(load1("a: &a [*a]\n"), "an alias to an unknown anchor");
}

static void test_long_syntax(void **state)
{
	const char *m = load1(
		"services:\n"
		"  s:\n"
		"    image: a\n"
		"    command: sh -c 'echo \"a b\"'\n"
		"    environment: [A=1, B]\n"
		"    ports: ['127.0.0.1:8000-8001:80-81/udp', 3000]\n"
		"    volumes: [data:/d, ./src:/s:ro, /anon]\n"
		"    depends_on: [t]\n"
		"    healthcheck: {test: wget -q x}\n"
		"    secrets: [k]\n"
		"  t: {image: b, networks: {back: {aliases: [x]}}}\n"
		"volumes: {data: }\n"
		"networks: {back: {external: true}}\n"
		"secrets: {k: {file: ./k.txt}}\n");

	has(m, "\"command\":[\"sh\",\"-c\",\"echo \\\"a b\\\"\"]");
	has(m, "\"environment\":{\"A\":\"1\",\"B\":null}");
	has(m, "{\"host_ip\":\"127.0.0.1\",\"mode\":\"ingress\",\"protocol\":"
	       "\"udp\",\"published\":\"8001\",\"target\":81}");
	has(m, "{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"target\":3000}");
	has(m, "{\"source\":\"data\",\"target\":\"/d\",\"type\":\"volume\","
	       "\"volume\":{}}");
	has(m, "{\"bind\":{\"create_host_path\":true},\"read_only\":true,"
	       "\"source\":\"/p/src\",\"target\":\"/s\",\"type\":\"bind\"}");
	has(m, "\"depends_on\":{\"t\":{\"condition\":\"service_started\","
	       "\"required\":true}}");
	has(m, "\"secrets\":[{\"source\":\"k\"}]");
	has(m, "\"test\":[\"CMD-SHELL\",\"wget -q x\"]");
	has(m, "\"k\":{\"file\":\"/p/k.txt\"}");
	has(m, "\"back\":{\"external\":true,\"name\":\"back\"}");
	has(m, "\"data\":{\"name\":\"p_data\"}");
}

static void test_merge_env_profiles(void **state)
{
	const struct vfile fs[] = {
		{ "/p/a.yml", "name: Demo_1\n"
			      "services:\n"
			      "  web:\n"
			      "    image: a:${TAG}\n"
			      "    command: [x]\n"
			      "    environment: {A: '1', B: '2'}\n"
			      "    env_file: web.env\n"
			      "    ports: ['80:80']\n"
			      "    volumes: ['v:/data']\n"
			      "  dbg: {image: d, profiles: [debug]}\n"
			      "volumes: {v: {}}\n" },
		{ "/p/b.yml", "services:\n"
			      "  web:\n"
			      "    command: [y]\n"
			      "    environment: {B: three}\n"
			      "    ports: ['81:81']\n"
			      "    volumes: ['/h:/data']\n" },
		{ "/p/web.env", "A=from-file\nC=\"quoted\"\n" },
		{ "/p/.env", "TAG=ignored-env-wins\nFROM_DOTENV=1\n" },
		{ 0 }
	};
	static const char *const f[] = { "a.yml", "b.yml" };
	static const char *const prof[] = { "debug" };
	const char *m = load(fs, f, 2, NULL, 0);

	has(m, "\"name\":\"demo_1\"");
	has(m, "\"image\":\"a:1.36\"");
	has(m, "\"command\":[\"y\"]");
	has(m, "\"environment\":{\"A\":\"1\",\"B\":\"three\",\"C\":\"quoted\"}");
	has(m, "\"published\":\"80\"");
	has(m, "\"published\":\"81\"");
	has(m, "\"volumes\":[{\"bind\":{\"create_host_path\":true},"
	       "\"source\":\"/h\",\"target\":\"/data\",\"type\":\"bind\"}]");
	assert_null(strstr(m, "dbg"));
	assert_null(strstr(m, "env_file"));
	has(load(fs, f, 2, prof, 1), "\"dbg\":{");
}

/* The model of one file (a project loaded through load1's table). */
static struct cnode *model1(const char *text, struct compose_project *p)
{
	const struct vfile fs[] = { { "/p/compose.yaml", text }, { 0 } };
	struct compose_opts o = { .cwd = "/p", .env = venv, .read = vread };
	struct err e = ERR_INIT;

	files_now = fs;
	assert_int_equal(compose_project_load(&o, p, &e), 0);
	return p->model;
}

static void test_plan(void **state)
{
	struct compose_project p, q;
	struct err e = ERR_INIT;
	const char **order;
	size_t n;
	char h1[65], h2[65], h3[65];
	char *name;
	const char *text = "services:\n"
			   "  web: {image: w, depends_on: [app]}\n"
			   "  app: {image: a, depends_on: {db: {condition: "
			   "service_healthy}, cache: {condition: "
			   "service_started}}}\n"
			   "  db: {image: d}\n"
			   "  cache: {image: c, container_name: kv}\n";
	const struct cnode *svcs = cnode_get(model1(text, &p), "services");

	assert_int_equal(compose_plan_order(p.model, &order, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(order[0], "cache");
	assert_string_equal(order[1], "db");
	assert_string_equal(order[2], "app");
	assert_string_equal(order[3], "web");
	free(order);
	/* the hash is the service's: the same text, the same hash; a
	 * change to one service changes its hash only */
	assert_int_equal(compose_plan_hash(cnode_get(svcs, "db"), h1, &e), 0);
	assert_int_equal(strlen(h1), 64);
	svcs = cnode_get(model1("services:\n"
				"  web: {image: w, depends_on: [app]}\n"
				"  app: {image: a2, depends_on: {db: {condition: "
				"service_healthy}, cache: {condition: "
				"service_started}}}\n"
				"  db: {image: d}\n"
				"  cache: {image: c, container_name: kv}\n",
				&q),
			 "services");
	assert_int_equal(compose_plan_hash(cnode_get(svcs, "db"), h2, &e), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(compose_plan_hash(cnode_get(svcs, "app"), h3, &e), 0);
	assert_int_equal(compose_plan_hash(cnode_get(cnode_get(p.model,
							       "services"),
						     "app"),
					   h2, &e),
			 0);
	assert_string_not_equal(h2, h3);
	name = compose_plan_ctr_name("p", "web", cnode_get(svcs, "web"), 2);
	assert_string_equal(name, "p-web-2");
	free(name);
	name = compose_plan_ctr_name("p", "cache", cnode_get(svcs, "cache"), 1);
	assert_string_equal(name, "kv");
	free(name);
	compose_project_free(&p);
	compose_project_free(&q);
}

/* The words of create for one service (joined by '|'), or "ERR: msg". */
static char *run_words(const char *text, const char *svc, unsigned n)
{
	struct compose_project p;
	struct compose_run_out out;
	struct err e = ERR_INIT;
	struct compose_run_in in = { .project = "p", .service = svc,
				     .number = n, .hash = "h" };
	struct buf b = { 0 };

	in.model = model1(text, &p);
	in.svc = cnode_get(cnode_get(in.model, "services"), svc);
	if (compose_run_words(&in, &out, &e) < 0) {
		buf_printf(&b, "ERR: %s", e.msg);
	} else {
		for (size_t i = 0; i < out.create.n; i++)
			buf_printf(&b, "%s%s", i ? "|" : "", out.create.v[i]);
		for (size_t c = 0; c < out.nconnect; c++) {
			buf_puts(&b, "\n");
			for (size_t i = 0; i < out.connect[c].n; i++)
				buf_printf(&b, "%s%s", i ? "|" : "",
					   out.connect[c].v[i]);
		}
		compose_run_out_free(&out);
	}
	compose_project_free(&p);
	buf_append(&b, "", 1);
	return buf_head(&b);
}

static void test_run_words(void **state)
{
	char *w = run_words(
		"services:\n"
		"  web:\n"
		"    image: bb\n"
		"    entrypoint: [sh, -c]\n"
		"    command: [\"echo hi\"]\n"
		"    ports: [\"127.0.0.1:8080:80\", \"9000:90/udp\", \"443\"]\n"
		"    environment: {A: \"1\", UNSET: null}\n"
		"    volumes: [\"data:/d:ro\", \"/h:/c\", {type: tmpfs, "
		"target: /t}]\n"
		"    healthcheck: {test: [CMD, wget, -q, \"a b\"], interval: 2s,"
		" retries: 3}\n"
		"    stop_grace_period: 1500ms\n"
		"    deploy: {resources: {limits: {memory: 64M}}}\n"
		"    networks: {front: {aliases: [www]}, back: null}\n"
		"networks: {front: {}, back: {}}\n"
		"volumes: {data: {}}\n",
		"web", 2);

	has(w, "create|--name|p-web-2|");
	has(w, "|-e|A=1|");
	assert_null(strstr(w, "UNSET"));
	has(w, "|--label|com.docker.compose.project=p|");
	has(w, "|--label|com.docker.compose.service=web|");
	has(w, "|--label|com.docker.compose.container-number=2|");
	has(w, "|--label|com.docker.compose.config-hash=h|");
	has(w, "|-p|127.0.0.1:8080:80/tcp|-p|9000:90/udp|-p|443/tcp|");
	has(w, "|--mount|type=volume,target=/d,source=p_data,readonly|");
	has(w, "|-v|/h:/c|");
	has(w, "|--mount|type=tmpfs,target=/t|");
	has(w, "|--health-cmd|wget -q 'a b'|--health-interval|2s|"
	       "--health-retries|3|");
	has(w, "|--stop-timeout|2|");
	has(w, "|--memory|64M|");
	/* the first network (sorted) with the service's name and aliases,
	 * the other as network connect */
	has(w, "|--network-alias|web|--network|p_back|");
	has(w, "|--entrypoint|sh|bb|-c|echo hi\nnetwork|connect|--alias|web|"
	       "--alias|www|p_front|p-web-2");
	free(w);
	w = run_words("services:\n  s: {image: bb, sysctls: {a: b}}\n", "s",
		      1);
	has(w, "ERR: service \"s\": sysctls: not supported by skiff yet");
	free(w);
	w = run_words("services:\n  s: {image: bb, logging: {driver: syslog}}\n",
		      "s", 1);
	has(w, "ERR: service \"s\": logging.driver: only json-file");
	free(w);
	w = run_words("services:\n  s: {build: .}\n", "s", 1);
	has(w, "ERR: service \"s\": build: building images is not supported");
	free(w);
	w = run_words("services:\n  s: {image: bb, network_mode: host, "
		      "x-note: 1}\n",
		      "s", 1);
	has(w, "|--network|host|bb");
	free(w);
}

static void test_no_file(void **state)
{
	const struct vfile fs[] = { { 0 } };

	has(load(fs, NULL, 0, NULL, 0), "ERR: no compose file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typing_anchors),
	    cmocka_unit_test(test_interpolation),
	    cmocka_unit_test(test_schema_errors),
	    cmocka_unit_test(test_long_syntax),
	    cmocka_unit_test(test_merge_env_profiles),
	    cmocka_unit_test(test_plan),
	    cmocka_unit_test(test_run_words),
	    cmocka_unit_test(test_no_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
