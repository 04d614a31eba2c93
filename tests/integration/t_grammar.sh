#!/usr/bin/env bash
# One command grammar (proto/commands.c) for skiffd and skiff: the CLI
# answers help from its own copy of the table with no daemon, and that
# answer is byte for byte the daemon's, for every verb.
. "$TOP/tests/integration/lib.sh"

# Every verb the CLI's table lists, from its own `help` (no daemon).
verbs=$("$SKIFF" --json help 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    print(json.loads(l)["command"])')
n=$(printf '%s\n' "$verbs" | grep -c .)
[ "$n" -gt 40 ] && ok "skiff help lists the table with no daemon ($n verbs)" || notok "offline help: $n verbs"
out=$("$SKIFF" --help 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == COMMAND*DESCRIPTION* ]] && ok "skiff --help works with no daemon" || notok "offline --help rc=$rc $out"
out=$("$SKIFF" --version 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = "skiff version 0.1.0" ] && ok "skiff --version works with no daemon" || notok "offline --version rc=$rc $out"
out=$("$SKIFF" ping 2>&1); rc=$?
[ $rc -eq 125 ] && ok "a verb that needs skiffd still says it is not running" || notok "offline ping rc=$rc $out"

# Offline: VERB --help is help VERB, for every verb.
mkdir -p "$T/off" "$T/on"
bad=
while read -r v; do
	f=$(echo "$v" | tr ' ' _)
	# shellcheck disable=SC2086 # two-word verbs are two words
	"$SKIFF" $v --help >"$T/off/$f.help" 2>&1 || bad="$bad $v(rc)"
	# shellcheck disable=SC2086
	"$SKIFF" help $v >"$T/off/$f.verb" 2>&1 || bad="$bad $v(help)"
	cmp -s "$T/off/$f.help" "$T/off/$f.verb" || bad="$bad $v"
	grep -q "^Usage:  skiff $v" "$T/off/$f.help" || bad="$bad $v(usage)"
done <<<"$verbs"
[ -z "$bad" ] && ok "VERB --help equals help VERB with no daemon, every verb" || notok "offline help differs:$bad"
"$SKIFF" help >"$T/off/list" 2>&1
"$SKIFF" help nosuch >"$T/off/nosuch" 2>&1; echo "rc=$?" >>"$T/off/nosuch"
"$SKIFF" help a b c >"$T/off/abc" 2>&1; echo "rc=$?" >>"$T/off/abc"
"$SKIFF" help --bogus >"$T/off/bogus" 2>&1; echo "rc=$?" >>"$T/off/bogus"

start_daemon || { notok "skiffd starts"; exit 1; }
bad=
while read -r v; do
	f=$(echo "$v" | tr ' ' _)
	# shellcheck disable=SC2086
	"$SKIFF" $v --help >"$T/on/$f.help" 2>&1
	# shellcheck disable=SC2086
	"$SKIFF" help $v >"$T/on/$f.verb" 2>&1
	cmp -s "$T/off/$f.help" "$T/on/$f.help" && cmp -s "$T/on/$f.help" "$T/on/$f.verb" || bad="$bad $v"
done <<<"$verbs"
[ -z "$bad" ] && ok "skiffd's help VERB and VERB --help equal the CLI's own, every verb" || notok "daemon help differs:$bad"
"$SKIFF" help >"$T/on/list" 2>&1
cmp -s "$T/off/list" "$T/on/list" && ok "help lists the same verbs with and without skiffd" || notok "help list: $(diff "$T/off/list" "$T/on/list" | head -5)"
"$SKIFF" help nosuch >"$T/on/nosuch" 2>&1; echo "rc=$?" >>"$T/on/nosuch"
"$SKIFF" help a b c >"$T/on/abc" 2>&1; echo "rc=$?" >>"$T/on/abc"
"$SKIFF" help --bogus >"$T/on/bogus" 2>&1; echo "rc=$?" >>"$T/on/bogus"
cmp -s "$T/off/nosuch" "$T/on/nosuch" && cmp -s "$T/off/abc" "$T/on/abc" && cmp -s "$T/off/bogus" "$T/on/bogus" \
	&& ok "help's errors are the same with and without skiffd" || notok "help errors: $(cat "$T/off/nosuch" "$T/on/nosuch" "$T/off/abc" "$T/on/abc" "$T/off/bogus" "$T/on/bogus")"
md=$("$SKIFFD" --commands-md | grep -c '^## ')
[ "$md" -eq "$n" ] && ok "skiffd (all modules) has a handler for every verb of the table" || notok "skiffd knows $md of $n verbs"
finish
