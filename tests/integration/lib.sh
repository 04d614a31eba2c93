# Shared helpers for integration scenarios (bash). Each scenario starts its
# own skiffd in a temp root, prints "ok - NAME" / "not ok - NAME" per
# check, and cleans up the daemon it started (by pid) on exit.
set -u
: "${SKIFFD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/skiffd}"
T=$(mktemp -d /tmp/skiff-test.XXXXXX)
SOCK=$T/skiff.sock
export SKIFF_SOCK=$SOCK
DPID=
SPID= # skiffd proper (daemon_pid)
EXTRA_PIDS=() # other processes this scenario started (see track)
FAILED=0
# stop_pid PID: TERM, up to 5 s, then KILL; only a pid we started.
stop_pid() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	local p
	for p in "${EXTRA_PIDS[@]}"; do [ -n "$p" ] && stop_pid "$p"; done
	# Containers still running would make skiffd's orderly stop outlast
	# stop_pid's 5 s (their stop timeouts) and a KILL would leave their
	# cgroups: remove them with SIGKILL first.
	if [ -n "$DPID" ] && [ -n "${SKIFF:-}" ] && kill -0 "$DPID" 2>/dev/null; then
		timeout 30 "$SKIFF" ps -aq 2>/dev/null | timeout 60 xargs -r "$SKIFF" rm -f >/dev/null 2>&1
	fi
	[ -n "$DPID" ] && stop_pid "$DPID"
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# track PID: stop it in cleanup too
track() { EXTRA_PIDS+=("$1"); }

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILED=$((FAILED + 1)); }
# info MSG: a comment line (not counted)
info() { echo "# $*"; }
# check NAME CMD...: ok when CMD succeeds
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else notok "$n"; fi; }
# finish: exit status from the checks
finish() { [ "$FAILED" -eq 0 ]; exit $?; }

# wait_for SECONDS CMD...: until CMD succeeds (polls every 50 ms)
wait_for() {
	local n=$(( $1 * 20 )); shift
	for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
	return 1
}

# ping_ok [PATH]: the socket answers ping
ping_ok() {
	[ -S "${1:-$SOCK}" ] &&
		printf 'ping\n' | socat -t2 - UNIX-CONNECT:"${1:-$SOCK}" 2>/dev/null | grep -qx ok
}

# wait_sock PATH: until the socket answers ping (5 s)
wait_sock() { wait_for 5 ping_ok "$1"; }

# daemon_pid: skiffd proper. DPID is the process started: skiffd's
# keeper (core/keeper.c), whose child skiffd is, or skiffd itself when
# it runs without one (--no-keeper, --init).
daemon_pid() {
	local p
	p=$(pgrep -P "$DPID" -x skiffd | head -n1)
	echo "${p:-$DPID}"
}

start_daemon() { # extra flags pass through
	"$SKIFFD" --root "$T/root" --run-dir "$T/run" --sock "$SOCK" "$@" 2>>"$T/daemon.log" &
	DPID=$!
	wait_sock "$SOCK" && SPID=$(daemon_pid)
}

stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	local rc=$?
	DPID=
	return $rc
}

# raw LINES...: send lines on one connection, print the reply
raw() { printf '%s\n' "$@" | socat -t2 - UNIX-CONNECT:"$SOCK"; }

# json_get KEY.PATH: read one JSON line on stdin, print the value
json_get() {
	python3 -c 'import json, sys
v = json.loads(sys.stdin.readline())
for k in sys.argv[1].split("."):
    v = v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}

# make_rootfs DIR: a busybox root filesystem made here (busybox-static),
# with root, nobody and the groups nogroup and staff (nobody a member).
make_rootfs() {
	local r=$1 a
	mkdir -p "$r/bin" "$r/etc" "$r/tmp"
	cp /bin/busybox "$r/bin/"
	for a in sh echo cat sleep true false id hostname ls env pwd touch grep wc seq ps tty stty head; do
		ln -s busybox "$r/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody\n' >"$r/etc/group"
}
