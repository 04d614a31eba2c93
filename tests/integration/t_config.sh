#!/usr/bin/env bash
# skiffd.json: refused configs name file, line and key; a valid one sets
# root and socket; --sock and SKIFF_SOCK override it; a broken config at
# SIGHUP is refused and the daemon keeps running.
. "$(dirname "$0")/lib.sh"

# refused NAME FILE PATTERN...: skiffd --config FILE exits non-zero and
# its stderr matches every (fixed-string) PATTERN.
refused() {
	local name=$1 file=$2 rc err p good=1
	shift 2
	err=$(env -u SKIFF_SOCK -u SKIFF_ROOT timeout 5 "$SKIFFD" --config "$file" \
		--root "$T/nroot" --run-dir "$T/nrun" --sock "$T/never.sock" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || good=0
	for p in "$@"; do grep -qF -- "$p" <<<"$err" || good=0; done
	info "$(head -n1 <<<"$err")"
	if [ "$good" = 1 ]; then ok "$name (exit $rc)"; else
		notok "$name (exit $rc): $err"
	fi
}

# Invalid JSON: a value missing on line 3.
cat >"$T/bad-json.json" <<'EOF'
{
  "log-level": "info",
  "sock": ,
  "root": "/tmp/x"
}
EOF
refused "invalid JSON refused, names file and line" "$T/bad-json.json" "$T/bad-json.json:3:"

cat >"$T/trailing.json" <<'EOF'
{
  "log-level": "info"

EOF
refused "truncated JSON refused, names the file and its last line" "$T/trailing.json" "$T/trailing.json:2:"

printf '[1, 2]\n' >"$T/array.json"
refused "a JSON array refused (expected an object)" "$T/array.json" "$T/array.json:1:" "object"

cat >"$T/unknown.json" <<'EOF'
{
  "log-level": "info",

  "colour": "blue"
}
EOF
refused "unknown key refused, names key and line" "$T/unknown.json" \
	"$T/unknown.json:4:" '"colour"' "unknown"

cat >"$T/level.json" <<'EOF'
{
  "root": "/tmp/whatever",
  "log-level": "loud"
}
EOF
refused "bad log-level refused, names key and line" "$T/level.json" \
	"$T/level.json:3:" '"log-level"'

printf '{\n  "log-level": 3\n}\n' >"$T/level2.json"
refused "log-level of the wrong type refused" "$T/level2.json" '"log-level"'

printf '{\n  "log-opts": {\n    "max-file": "0"\n  }\n}\n' >"$T/opts.json"
refused "log-opts max-file 0 refused, names max-file" "$T/opts.json" \
	"$T/opts.json:3:" '"max-file"'

printf '{ "socket-group": "no-such-group-skiff" }\n' >"$T/group.json"
refused "unknown socket-group refused" "$T/group.json" '"socket-group"'

printf '{ "root": "" }\n' >"$T/emptyroot.json"
refused "empty root refused" "$T/emptyroot.json" '"root"'

refused "missing --config file refused, names it" "$T/absent.json" "$T/absent.json"

# A valid config sets root, run-dir and sock (no flags, no env).
cat >"$T/good.json" <<EOF
{
  "root": "$T/croot",
  "run-dir": "$T/crun",
  "sock": "$T/config.sock",
  "log-level": "debug",
  "log-opts": { "max-size": "1m", "max-file": "2" }
}
EOF
info_of() { printf 'info\n' | socat -t2 - UNIX-CONNECT:"$1" 2>/dev/null | head -n1; }

env -u SKIFF_SOCK -u SKIFF_ROOT "$SKIFFD" --config "$T/good.json" 2>>"$T/daemon.log" &
DPID=$!
if wait_sock "$T/config.sock"; then ok "valid config: listens on its sock"; else
	notok "valid config: listens on its sock"; tail "$T/daemon.log"
fi
j=$(info_of "$T/config.sock")
check "info daemon.root is the config's root" test "$(json_get Skiff.daemon.root <<<"$j")" = "$T/croot"
check "info daemon.socket is the config's sock" test "$(json_get Skiff.daemon.socket <<<"$j")" = "$T/config.sock"
check "info daemon.run_dir is the config's run-dir" test "$(json_get Skiff.daemon.run_dir <<<"$j")" = "$T/crun"
check "info daemon.config names the file" test "$(json_get Skiff.daemon.config <<<"$j")" = "$T/good.json"
check "root directory created" test -d "$T/croot"

# SIGHUP with a broken config: refused, logged, the daemon goes on.
ev0=$(json_get Skiff.daemon.counts.events <<<"$j")
cp "$T/good.json" "$T/good.json.orig"
printf '{\n  "log-level": "debug",\n  "oops": true\n}\n' >"$T/good.json"
kill -HUP "$DPID"
if wait_for 5 grep -q "reload refused" "$T/daemon.log"; then
	ok "SIGHUP with a broken config logs 'reload refused'"
else
	notok "SIGHUP with a broken config logs 'reload refused'"
fi
check "the refusal names the key" grep -qF '"oops"' "$T/daemon.log"
check "daemon keeps running after the refused reload" kill -0 "$DPID"
check "and still answers ping" ping_ok "$T/config.sock"
ev1=$(info_of "$T/config.sock" | json_get Skiff.daemon.counts.events)
check "no 'daemon reload' event for a refused reload" test "$ev1" = "$ev0"
printf '{ "log-level": ' >"$T/good.json" # invalid JSON this time
kill -HUP "$DPID"
wait_for 5 sh -c "[ \$(grep -c 'reload refused' '$T/daemon.log') -ge 2 ]"
check "invalid JSON at SIGHUP is refused too" sh -c "[ \$(grep -c 'reload refused' '$T/daemon.log') -ge 2 ]"
check "daemon still answers" ping_ok "$T/config.sock"
cp "$T/good.json.orig" "$T/good.json"
kill -HUP "$DPID"
wait_for 5 sh -c "printf 'info\n' | socat -t2 - UNIX-CONNECT:$T/config.sock | head -n1 | grep -q '\"events\":$((ev0 + 1))[,}]'"
ev2=$(info_of "$T/config.sock" | json_get Skiff.daemon.counts.events)
check "a good config at SIGHUP reloads (one 'daemon reload' event)" test "$ev2" = $((ev0 + 1))
check "skiffd exits 0 on SIGTERM" stop_daemon
check "socket removed on exit" test ! -e "$T/config.sock"

# --sock overrides the config's sock.
env -u SKIFF_SOCK -u SKIFF_ROOT "$SKIFFD" --config "$T/good.json" --sock "$T/flag.sock" 2>>"$T/daemon.log" &
DPID=$!
check "--sock overrides the config: listens on the flag's path" wait_sock "$T/flag.sock"
check "--sock overrides the config: not on the config's sock" test ! -e "$T/config.sock"
check "info daemon.socket is the flag's path" test "$(info_of "$T/flag.sock" | json_get Skiff.daemon.socket)" = "$T/flag.sock"
check "skiffd exits 0 on SIGTERM" stop_daemon

# SKIFF_SOCK is honoured over the config; the flag wins over it.
env -u SKIFF_ROOT SKIFF_SOCK="$T/env.sock" "$SKIFFD" --config "$T/good.json" 2>>"$T/daemon.log" &
DPID=$!
check "SKIFF_SOCK is honoured over the config's sock" wait_sock "$T/env.sock"
check "info daemon.socket is SKIFF_SOCK" test "$(info_of "$T/env.sock" | json_get Skiff.daemon.socket)" = "$T/env.sock"
check "skiffd exits 0 on SIGTERM" stop_daemon
env -u SKIFF_ROOT SKIFF_SOCK="$T/env.sock" "$SKIFFD" --config "$T/good.json" --sock "$T/flag2.sock" 2>>"$T/daemon.log" &
DPID=$!
check "--sock wins over SKIFF_SOCK" wait_sock "$T/flag2.sock"
check "skiffd exits 0 on SIGTERM" stop_daemon

# SKIFF_ROOT and --root likewise override the config's root.
SKIFF_ROOT="$T/envroot" "$SKIFFD" --config "$T/good.json" --sock "$T/r.sock" 2>>"$T/daemon.log" &
DPID=$!
wait_sock "$T/r.sock"
check "SKIFF_ROOT is honoured over the config's root" test "$(info_of "$T/r.sock" | json_get Skiff.daemon.root)" = "$T/envroot"
check "skiffd exits 0 on SIGTERM" stop_daemon

# Flags: a bad --log-level and a stray argument are refused.
err=$(timeout 5 "$SKIFFD" --config "$T/good.json" --sock "$T/x.sock" --log-level loud 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'log-level' <<<"$err"; then
	ok "bad --log-level: exit $rc, message names --log-level"
else
	notok "bad --log-level: exit $rc, message names --log-level ($err)"
fi
err=$(timeout 5 "$SKIFFD" --config "$T/good.json" --sock "$T/x.sock" stray 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'stray' <<<"$err"; then
	ok "stray argument refused, named"
else
	notok "stray argument refused, named ($err)"
fi
finish
