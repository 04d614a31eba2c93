#!/usr/bin/env bash
# Static rules (tests/lint) and docs/commands.md in step with the table.
cd "$TOP" || exit 1
if out=$(tests/lint 2>&1); then echo "ok - lint: $(echo "$out" | tail -n1)"; else echo "$out"; echo "not ok - lint"; fi

# broken NAME FILE TEXT PATTERN: lint over a copy of the tree with TEXT
# appended to FILE fails, and names FILE and PATTERN.
lintcopy=$(mktemp -d)
broken() {
	rm -rf "${lintcopy:?}"/*
	for d in core fs net proto modules tools; do
		[ -d "$d" ] && cp -r "$d" "$lintcopy"/
	done
	mkdir -p "$lintcopy/$(dirname "$2")"
	printf '%b\n' "$3" >>"$lintcopy/$2"
	if out=$(tests/lint "$lintcopy" 2>&1); then
		echo "not ok - lint catches $1 (it passed)"
	elif grep -q "^$2:.*$4" <<<"$out"; then
		echo "ok - lint catches $1"
	else
		echo "not ok - lint catches $1: $out"
	fi
}
broken "a bare fcntl(F_SETFL)" core/daemon.c \
	'static void lint_probe(int fd)\n{\n\tfcntl(fd, F_SETFL, O_NONBLOCK);\n}' \
	"result of fcntl ignored"
# Every arrow of DESIGN.md 1, each broken once.
broken "the CLI including core" tools/skiff.c '#include "../core/daemon.h"' \
	"tools may include only"
broken "the CLI including fs" tools/skiff.c '#include "../fs/spawn.h"' \
	"tools may include only"
broken "fs including core" fs/spawn.c '#include "../core/proc.h"' \
	"fs may include only"
broken "net including fs" net/lintprobe.c '#include "../fs/spawn.h"' \
	"net may include only"
broken "proto including fs" proto/line.c '#include "../fs/spawn.h"' \
	"proto may include only"
broken "core including fs" core/daemon.c '#include "../fs/spawn.h"' \
	"core may include only"
broken "core including a module" core/daemon.c \
	'#include "../modules/images/images.h"' "only modules include"
broken "a module including another module" modules/images/pull.c \
	'#include "../supervisor/supervisor.h"' "never includes another"
broken "core/base including core" core/base/buf.c '#include "../daemon.h"' \
	"includes only itself"
broken "a bare prctl" core/main.c '\tprctl(PR_SET_CHILD_SUBREAPER, 1);' \
	"result of prctl ignored"
broken "an unchecked F_DUPFD passed on" modules/supervisor/exec.c \
	'\tp = proc_watch(pid, fcntl(fd, F_DUPFD_CLOEXEC, 3), fn, x, e);' \
	"F_DUPFD result passed on unchecked"
broken "an allocation failure checked by hand" core/daemon.c \
	'static void *lint_probe_alloc(void)\n{\n\tvoid *p = malloc(8);\n\n\tif (!p)\n\t\tabort();\n\treturn p;\n}' \
	"allocation failure checked by hand"
if "$SKIFFD" --commands-md | diff -u docs/commands.md - >/dev/null; then
	echo "ok - docs/commands.md matches the command table"
else
	echo "not ok - docs/commands.md is stale: run make docs"
fi
# make MODULES= selects the compiled-in modules: none leaves core's verbs
# (ping, version, info, help, events, shutdown, system df, system upgrade,
# system dial-stdio, system loop).
d=$(mktemp -d)
if make -s -C "$TOP" BUILD="$d" MODULES="" "$d/skiffd" >/dev/null 2>&1 &&
	verbs=$("$d/skiffd" --commands-md | grep -c '^## ') &&
	[ "$verbs" -eq 10 ] && ! "$d/skiffd" --commands-md | grep -q '^## `run`'; then
	echo "ok - make MODULES=\"\" builds a daemon with only core's verbs"
else
	echo "not ok - make MODULES=\"\" (verbs: ${verbs:-none})"
fi
rm -rf "$d" "$lintcopy"
