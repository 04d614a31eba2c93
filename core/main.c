/* main.c - skiffd: flags and config, PID 1 or subreaper, the loop.
 *
 * Owns the signalfd and its watcher. Start-up order: store (and its
 * writer), builtin verbs, modules (register, init, start), control socket;
 * after the loop ends pending state commits are made durable before exit. */
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "builtin.h"
#include "bus.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "crashpoint.h"
#include "fdstore.h"
#include "http.h"
#include "host.h"
#include "loopstat.h"
#include "module.h"
#include "pid1.h"
#include "proc.h"
#include "store.h"
#include "../proto/keepwire.h"

static struct {
	int sfd;
	ev_io sio;
} m = { .sfd = -1 };

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1.0"
#endif

/* SIGHUP: keys marked CONFIG_RELOAD take the file's values (registry
 * options apply to the next request), then each module's reload hook. */
static void reload(void)
{
	struct err e = ERR_INIT;

	if (config_reload(&e) < 0) {
		log_err("reload refused: %s", e.msg);
		return;
	}
	log_threshold = daemon_ctx.cfg.log_level;
	for (size_t i = 0; i < modules_count; i++)
		if (modules[i]->reload && modules[i]->reload(&e) < 0)
			log_err("reload %s: %s", modules[i]->name, e.msg);
	bus_publish("daemon", "reload", "", NULL);
}

/* Has the binary skiffd runs been replaced on disk since it started? */
static bool binary_changed(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat now, ran;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
		exe[n - 10] = '\0';
	return stat("/proc/self/exe", &ran) == 0 && stat(exe, &now) == 0 &&
	       (now.st_ino != ran.st_ino || now.st_dev != ran.st_dev);
}

/* SIGHUP: a live upgrade when the binary changed and a keeper will start
 * the new one, else a reload. */
static void on_hup(void)
{
	if (fdstore_present() && binary_changed()) {
		daemon_upgrade();
		return;
	}
	reload();
}

static void on_signal(struct ev_loop *loop, ev_io *w, int revents)
{
	struct signalfd_siginfo si;

	while (read(m.sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			proc_reap_orphans();
			break;
		case SIGHUP:
			on_hup();
			break;
		default: /* SIGTERM, SIGINT, SIGQUIT */
			daemon_shutdown((int)si.ssi_signo);
		}
	}
}

/* Block the handled signals and read them from one signalfd; SIGPIPE is
 * ignored (sockets use MSG_NOSIGNAL; children restore it). */
static int signals_setup(struct err *e)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	m.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m.sfd < 0)
		return err_set(e, errno, "signalfd");
	ev_io_init(&m.sio, on_signal, m.sfd, EV_READ);
	ev_io_start(daemon_ctx.loop, &m.sio);
	return 0;
}

static int modules_init_start(struct err *e)
{
	for (size_t i = 0; i < modules_count; i++) {
		cmd_register(modules[i]->name, modules[i]->commands);
		for (const struct bus_sub *s = modules[i]->subs; s && s->fn;
		     s++)
			bus_subscribe(s);
	}
	if (cmd_check(e) < 0)
		return -1;
	for (size_t i = 0; i < modules_count; i++)
		if (modules[i]->init && modules[i]->init(e) < 0)
			return err_wrap(e, "module %s", modules[i]->name);
	for (size_t i = 0; i < modules_count; i++)
		if (modules[i]->start && modules[i]->start(e) < 0)
			return err_wrap(e, "module %s", modules[i]->name);
	return 0;
}

static int run(struct err *e)
{
	const struct config *c = &daemon_ctx.cfg;

	daemon_ctx.loop = ev_loop_new(EVFLAG_NOSIGMASK | EVFLAG_AUTO);
	if (!daemon_ctx.loop)
		return err_setc(e, ERR_INTERNAL, "cannot create the event loop");
	loopstat_install(daemon_ctx.loop);
	daemon_ctx.started_ns = now_ns();
	daemon_ctx.started_mono_ns = mono_ns();
	if (signals_setup(e) < 0)
		return -1;
	if (mkdir(c->run_dir, 0711) < 0 && errno != EEXIST)
		return err_set(e, errno, "mkdir %s", c->run_dir);
	if (store_open(c->root, e) < 0)
		return -1;
	crashpoint_init();
	if (fdstore_open(e) < 0) { /* containers then are not crash-safe */
		log_err("%s", e->msg);
		err_clear(e);
	}
	host_probe(c->root);
	builtin_register();
	if (modules_init_start(e) < 0 || ctl_listen(c->sock, e) < 0)
		return -1;
	log_info("skiffd ready on %s (root %s, %zu modules)", c->sock, c->root,
		 modules_count);
	bus_publish("daemon", "start", "", NULL);
	ev_run(daemon_ctx.loop, 0);
	ctl_close();
	http_shutdown(); /* modules have ended their requests */
	store_close();
	fdstore_close();
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: skiffd [OPTIONS]\n\n"
		"The skiff container engine daemon.\n\n"
		"  --config FILE     daemon config (default "
		"/etc/skiff/skiffd.json)\n"
		"  --root DIR        durable state (default /var/lib/skiff, "
		"env SKIFF_ROOT)\n"
		"  --run-dir DIR     runtime state (default /run/skiff)\n"
		"  --sock PATH       control socket (default "
		"/run/skiff/skiff.sock, env SKIFF_SOCK)\n"
		"  --log-level L     error, warn, info or debug\n"
		"  -H, --host HOST   also listen on tcp://ADDR:PORT (repeatable; "
		"unix://PATH: the socket)\n"
		"  --tlsverify       tcp:// with mutual TLS (required for tcp://)\n"
		"  --tlscacert FILE  CA that signs clients (default "
		"/etc/skiff/tls/ca.pem)\n"
		"  --tlscert FILE    skiffd's certificate (default "
		"/etc/skiff/tls/cert.pem)\n"
		"  --tlskey FILE     its key (default /etc/skiff/tls/key.pem)\n"
		"  --tcp-insecure    allow tcp:// without TLS: anyone who "
		"reaches the port gets roles.default, else admin\n"
		"  --init            act as init even when not PID 1\n"
		"  --no-keeper       run without skiffd-keeper (containers "
		"die with skiffd)\n"
		"  --commands-md     print the command reference (Markdown)\n"
		"  --version         print the version\n");
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

enum { O_ROOT = 1, O_RUN, O_SOCK, O_LEVEL, O_CONFIG, O_INIT, O_MD, O_VER,
       O_HELP, O_NOKEEP, O_TLSVERIFY, O_TLSCA, O_TLSCERT, O_TLSKEY,
       O_TCPINSECURE };

/* The remote-access flags, applied over the config file's keys. */
static struct {
	const char *hosts[8];
	int nhosts;
	const char *ca, *cert, *key;
	bool verify, insecure;
} net_flags;

static int net_flag(int o, const char *arg, struct err *e)
{
	switch (o) {
	case 'H':
		if (net_flags.nhosts == 8)
			return err_setc(e, ERR_INVALID, "at most 8 --host");
		net_flags.hosts[net_flags.nhosts++] = arg;
		return 0;
	case O_TLSVERIFY: net_flags.verify = true; return 0;
	case O_TLSCA: net_flags.ca = arg; return 0;
	case O_TLSCERT: net_flags.cert = arg; return 0;
	case O_TLSKEY: net_flags.key = arg; return 0;
	case O_TCPINSECURE: net_flags.insecure = true; return 0;
	}
	return err_setc(e, ERR_INVALID, "bad flags (see --help)");
}

/* --host replaces the config's "hosts"; a unix:// one is the socket. */
static void net_apply(struct config *c)
{
	if (net_flags.nhosts) {
		for (int i = 0; i < c->hosts.n; i++)
			free((char *)c->hosts.v[i]);
		free(c->hosts.v);
		c->hosts.v = xcalloc((size_t)net_flags.nhosts + 1,
				     sizeof(char *));
		c->hosts.n = net_flags.nhosts;
		for (int i = 0; i < net_flags.nhosts; i++)
			c->hosts.v[i] = xstrdup(net_flags.hosts[i]);
	}
	c->tlsverify |= net_flags.verify;
	c->tcp_insecure |= net_flags.insecure;
	if (net_flags.ca)
		set_str(&c->tlscacert, net_flags.ca);
	if (net_flags.cert)
		set_str(&c->tlscert, net_flags.cert);
	if (net_flags.key)
		set_str(&c->tlskey, net_flags.key);
	for (int i = 0; i < c->hosts.n; i++)
		if (!strncmp(c->hosts.v[i], "unix://", 7))
			set_str(&c->sock, c->hosts.v[i] + 7);
}

static bool no_keeper;

/* Flags win over the environment, which wins over the config file. */
static int parse_flags(int argc, char **argv, bool *init, struct err *e)
{
	static const struct option opts[] = {
		{ "root", 1, 0, O_ROOT },     { "run-dir", 1, 0, O_RUN },
		{ "sock", 1, 0, O_SOCK },     { "log-level", 1, 0, O_LEVEL },
		{ "config", 1, 0, O_CONFIG }, { "init", 0, 0, O_INIT },
		{ "commands-md", 0, 0, O_MD }, { "version", 0, 0, O_VER },
		{ "help", 0, 0, O_HELP },     { "no-keeper", 0, 0, O_NOKEEP },
		{ "host", 1, 0, 'H' },	      { "tlsverify", 0, 0, O_TLSVERIFY },
		{ "tlscacert", 1, 0, O_TLSCA }, { "tlscert", 1, 0, O_TLSCERT },
		{ "tlskey", 1, 0, O_TLSKEY },
		{ "tcp-insecure", 0, 0, O_TCPINSECURE },
		{ 0, 0, 0, 0 },
	};
	struct config *c = &daemon_ctx.cfg;
	const char *cfg = NULL, *root = getenv("SKIFF_ROOT"),
		   *sock = getenv("SKIFF_SOCK"), *run_dir = NULL, *level = NULL;
	int o;

	while ((o = getopt_long(argc, argv, "H:", opts, NULL)) != -1) {
		switch (o) {
		case O_ROOT: root = optarg; break;
		case O_RUN: run_dir = optarg; break;
		case O_SOCK: sock = optarg; break;
		case O_LEVEL: level = optarg; break;
		case O_CONFIG: cfg = optarg; break;
		case O_INIT: *init = true; break;
		case O_MD: return 2;
		case O_VER: return 3;
		case O_HELP: return 4;
		case O_NOKEEP: no_keeper = true; break;
		default:
			if (net_flag(o, optarg, e) < 0)
				return -1;
		}
	}
	if (optind < argc)
		return err_setc(e, ERR_INVALID, "unexpected argument \"%s\"",
				argv[optind]);
	if (config_load(cfg ? cfg : "/etc/skiff/skiffd.json", !cfg, e) < 0)
		return -1;
	if (root)
		set_str(&c->root, root);
	if (run_dir)
		set_str(&c->run_dir, run_dir);
	net_apply(c);
	if (sock)
		set_str(&c->sock, sock);
	if (level && log_level_parse(level, &c->log_level) < 0)
		return err_setc(e, ERR_INVALID, "--log-level %s: expected "
				"error, warn, info or debug", level);
	log_threshold = c->log_level;
	return 0;
}

static int print_commands_md(void)
{
	struct buf b = { 0 };
	struct err e = ERR_INIT;

	builtin_register();
	for (size_t i = 0; i < modules_count; i++)
		cmd_register(modules[i]->name, modules[i]->commands);
	if (cmd_check(&e) < 0) {
		fprintf(stderr, "skiffd: %s\n", e.msg);
		return 1;
	}
	cmd_markdown(&b);
	fwrite(buf_head(&b), 1, buf_used(&b), stdout);
	buf_free(&b);
	return 0;
}

/* Unless it runs as init, under a keeper already, or is told not to,
 * skiffd becomes its keeper (core/keeper.c: same pid), which starts
 * skiffd again as its child. Without the keeper installed next to
 * skiffd it runs alone, as before. */
static void exec_keeper(char **argv0)
{
	char exe[4096], keeper[4200], **av;
	ssize_t n;
	int argc = 0;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	snprintf(keeper, sizeof(keeper), "%.*s/skiffd-keeper",
		 (int)(strrchr(exe, '/') ? strrchr(exe, '/') - exe : 1), exe);
	if (access(keeper, X_OK) < 0) {
		log_warn("%s: %s; containers will not survive skiffd",
			 keeper, strerror(errno));
		return;
	}
	while (argv0[argc])
		argc++;
	av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av)
		return;
	av[0] = keeper;
	av[1] = exe;
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv0[i];
	execv(keeper, av);
	log_warn("exec %s: %s; containers will not survive skiffd", keeper,
		 strerror(errno));
	free(av);
}

int main(int argc, char **argv)
{
	struct err e = ERR_INIT;
	bool init = false;
	char **argv0 = calloc((size_t)argc + 1, sizeof(*argv0));
	int rc;

	if (argv0)
		memcpy(argv0, argv, (size_t)argc * sizeof(*argv));
	rc = parse_flags(argc, argv, &init, &e);
	if (rc < 0 || rc >= 2) { /* it ends here */
		free(argv0);
		argv0 = NULL;
	}
	if (rc < 0) {
		fprintf(stderr, "skiffd: %s\n", e.msg);
		return 2;
	}
	if (rc == 2)
		return print_commands_md();
	if (rc == 3)
		return printf("skiffd %s\n", SKIFF_VERSION) < 0;
	if (rc == 4)
		return usage(stdout), 0;
	if (getpid() != 1 && !init && !no_keeper && !getenv(KEEP_ENV) && argv0)
		exec_keeper(argv0);
	free(argv0);
	/* Killing the keeper kills skiffd (as killing skiffd did before). */
	if (getenv(KEEP_ENV) && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		log_warn("prctl PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getpid() == 1 || init) {
		if (pid1_run(daemon_ctx.cfg.run_dir, pid1_is_host_init()) < 0)
			return 1;
		daemon_ctx.init_mode = true; /* here only in the daemon child */
	}
	/* Orphaned container processes must come to us (or our PID 1) to
	 * be reaped and their exits recorded: without it, refuse to run. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		log_err("prctl PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		return 1;
	}
	if (run(&e) < 0) {
		log_err("%s", e.msg);
		return 1;
	}
	config_free();
	return daemon_ctx.upgrading ? KEEP_EXIT_RESTART : 0;
}
