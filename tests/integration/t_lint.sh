#!/usr/bin/env bash
# Static rules (tests/lint) and docs/commands.md in step with the table.
cd "$TOP" || exit 1
if out=$(tests/lint 2>&1); then echo "ok - lint: $(echo "$out" | tail -n1)"; else echo "$out"; echo "not ok - lint"; fi
if "$SKIFFD" --commands-md | diff -u docs/commands.md - >/dev/null; then
	echo "ok - docs/commands.md matches the command table"
else
	echo "not ok - docs/commands.md is stale: run make docs"
fi
# make MODULES= selects the compiled-in modules: none leaves core's verbs
# (ping, version, info, help, events, shutdown, system df).
d=$(mktemp -d)
if make -s -C "$TOP" BUILD="$d" MODULES="" "$d/skiffd" >/dev/null 2>&1 &&
	verbs=$("$d/skiffd" --commands-md | grep -c '^## ') &&
	[ "$verbs" -eq 7 ] && ! "$d/skiffd" --commands-md | grep -q '^## `run`'; then
	echo "ok - make MODULES=\"\" builds a daemon with only core's verbs"
else
	echo "not ok - make MODULES=\"\" (verbs: ${verbs:-none})"
fi
rm -rf "$d"
