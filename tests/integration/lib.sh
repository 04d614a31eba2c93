# Shared helpers for integration scenarios (bash). Each scenario starts its
# own skiffd in a temp root, prints "ok - NAME" / "not ok - NAME" per
# check, and cleans up the daemon it started (by pid) on exit.
set -u
T=$(mktemp -d /tmp/skiff-test.XXXXXX)
SOCK=$T/skiff.sock
export SKIFF_SOCK=$SOCK
DPID=
cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# check NAME CMD...: ok when CMD succeeds
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else notok "$n"; fi; }

# wait_sock PATH: until the socket answers ping (5 s)
wait_sock() {
	for _ in $(seq 100); do
		[ -S "$1" ] && printf 'ping\n' | socat -t2 - UNIX-CONNECT:"$1" 2>/dev/null | grep -qx ok && return 0
		sleep 0.05
	done
	return 1
}

start_daemon() { # extra flags pass through
	"$SKIFFD" --root "$T/root" --run-dir "$T/run" --sock "$SOCK" "$@" 2>>"$T/daemon.log" &
	DPID=$!
	wait_sock "$SOCK"
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
