#!/usr/bin/env bash
# skiffd as PID 1 of a new pid namespace: reaps 1,000 orphans (no
# zombies, exits recorded), restarts a killed daemon proper, and on
# SIGTERM shuts the namespace down and exits 0. Then --init without a
# namespace (its own children only).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok "skipped: t_pid1 needs root"
	exit 0
fi

UPID= PID1= NS=
ns_cleanup() { # kill -9 of a namespace's PID 1 ends everything in it
	if [ -n "$PID1" ] && kill -0 "$PID1" 2>/dev/null; then
		kill -KILL "$PID1" 2>/dev/null
	fi
	[ -n "$UPID" ] && stop_pid "$UPID"
	cleanup
}
trap ns_cleanup EXIT

# Processes (host pids) in the namespace NS.
ns_pids() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$NS" ] && echo "${d#/proc/}"
	done
}
ns_count() { ns_pids | wc -l; }
# Processes in the namespace in state Z.
ns_zombies() {
	local p
	for p in $(ns_pids); do
		grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && echo "$p"
	done
}
ns_no_sleep() { ! ns_pids | while read -r p; do cat "/proc/$p/comm" 2>/dev/null; done | grep -qx sleep; }
ns_empty() { [ "$(ns_count)" -eq 0 ]; }
daemon_proper() { pgrep -P "$PID1" -x skiffd | head -n1; }

unshare -fp --mount-proc "$SKIFFD" --root "$T/root" --run-dir "$T/run" \
	--sock "$SOCK" 2>>"$T/daemon.log" &
UPID=$!
wait_for 5 pgrep -P "$UPID"
PID1=$(pgrep -P "$UPID" | head -n1)
NS=$(readlink "/proc/$PID1/ns/pid" 2>/dev/null)
check "unshare started skiffd (host pid ${PID1:-?})" test -n "$PID1" -a -n "$NS"
check "it is PID 1 of its namespace" grep -qE '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "/proc/$PID1/status"
if wait_sock "$SOCK"; then ok "daemon proper answers ping"; else
	notok "daemon proper answers ping"; tail -n 20 "$T/daemon.log"; exit 1
fi
check "info says init mode" sh -c "printf 'info\n' | socat -t2 - UNIX-CONNECT:$SOCK | head -n1 | grep -q '\"init\":true'"
DP=$(daemon_proper)
check "the daemon proper is a child of PID 1" test -n "$DP"

# 1,000 orphans: each background sleep's parent subshell exits at once.
t0=$(date +%s.%N)
nsenter -t "$PID1" -p -m -- sh -c 'for i in $(seq 1000); do (sleep 0.01 &); done'
check "1000 orphans created in the namespace" test $? -eq 0
wait_for 30 ns_no_sleep
check "the orphans have ended" ns_no_sleep
wait_for 5 test -z "$(ns_zombies)"
z=$(ns_zombies | wc -l)
if [ "$z" -eq 0 ]; then ok "no zombie in the namespace"; else notok "no zombie in the namespace ($z left)"; fi
info "orphans reaped in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s; namespace now has $(ns_count) processes"
n=$(wc -l <"$T/run/exits" 2>/dev/null || echo 0)
info "RUN_DIR/exits has $n lines"
if [ "$n" -ge 1000 ]; then ok "RUN_DIR/exits recorded the orphans ($n lines)"; else notok "RUN_DIR/exits recorded the orphans ($n lines)"; fi
check "exits lines are 'pid status time'" sh -c "grep -vqE '^[0-9]+ -?[0-9]+ [0-9]+\$' '$T/run/exits'; test \$? -eq 1"
check "daemon proper still answers after the orphans" ping_ok

# Kill the daemon proper: PID 1 restarts it (back-off 1 s).
DP_NS=$(awk '/^NSpid:/ {print $NF}' "/proc/$DP/status")
kill -KILL "$DP"
t0=$(date +%s%N)
new_daemon() { local d; d=$(daemon_proper); [ -n "$d" ] && [ "$d" != "$DP" ]; }
wait_for 8 sh -c "pgrep -P $PID1 -x skiffd | grep -qvx $DP" && wait_for 8 ping_ok
took=$(( ($(date +%s%N) - t0) / 1000000 ))
DP2=$(daemon_proper)
info "daemon proper restarted after kill -9 in $took ms (host pid $DP -> ${DP2:-none})"
if new_daemon && ping_ok && [ "$took" -le 6000 ]; then
	ok "a new daemon proper answers ping within ~5 s"
else
	notok "a new daemon proper answers ping within ~5 s ($took ms)"
fi
check "the kill -9 is recorded in RUN_DIR/exits" grep -qE "^$DP_NS 9 " "$T/run/exits"
check "info still says init mode" sh -c "printf 'info\n' | socat -t2 - UNIX-CONNECT:$SOCK | head -n1 | grep -q '\"init\":true'"

# SIGTERM to PID 1: orderly shutdown, unshare exits 0.
t0=$(date +%s%N)
kill -TERM "$PID1"
wait_for 20 sh -c "! kill -0 $UPID 2>/dev/null"
took=$(( ($(date +%s%N) - t0) / 1000000 ))
if kill -0 "$UPID" 2>/dev/null; then
	notok "unshare exits after SIGTERM to PID 1 (still running after 20 s)"
else
	wait "$UPID"; rc=$?
	info "namespace shut down in $took ms"
	if [ "$rc" -eq 0 ]; then ok "unshare (PID 1) exits 0 after SIGTERM"; else notok "unshare (PID 1) exits 0 after SIGTERM (rc $rc)"; fi
	UPID=
fi
check "no process of that namespace remains" ns_empty
check "socket removed" test ! -e "$SOCK"
grep -q 'init: shut down' "$T/daemon.log" && ok "init logged its shutdown" || notok "init logged its shutdown"
PID1=

# `shutdown` over the socket: the daemon exits 0, so PID 1 ends too.
unshare -fp --mount-proc "$SKIFFD" --root "$T/root" --run-dir "$T/run" \
	--sock "$SOCK" 2>>"$T/daemon.log" &
UPID=$!
wait_for 5 pgrep -P "$UPID"
PID1=$(pgrep -P "$UPID" | head -n1)
NS=$(readlink "/proc/$PID1/ns/pid" 2>/dev/null)
wait_sock "$SOCK"
r=$(printf 'shutdown\n' | socat -t5 - UNIX-CONNECT:"$SOCK" 2>/dev/null | head -n1)
check "shutdown under PID 1 -> ok" test "$r" = ok
wait_for 20 sh -c "! kill -0 $UPID 2>/dev/null"
if kill -0 "$UPID" 2>/dev/null; then
	notok "PID 1 ends after the daemon's shutdown"
else
	wait "$UPID"; rc=$?
	[ "$rc" -eq 0 ] && ok "PID 1 ends (exit 0) after the daemon's shutdown" ||
		notok "PID 1 ends (exit 0) after the daemon's shutdown (rc $rc)"
	UPID=
fi
check "no process of that namespace remains after shutdown" ns_empty
PID1=

# --init without a new namespace: only its own children are stopped.
rm -f "$T/run/exits"
"$SKIFFD" --init --root "$T/root2" --run-dir "$T/run2" --sock "$SOCK" 2>>"$T/daemon.log" &
DPID=$!
if wait_sock "$SOCK"; then ok "--init (no namespace) answers ping"; else notok "--init (no namespace) answers ping"; fi
IDP=$(pgrep -P "$DPID" -x skiffd | head -n1)
check "--init forked a daemon proper" test -n "$IDP"
check "--init: info says init mode" sh -c "printf 'info\n' | socat -t2 - UNIX-CONNECT:$SOCK | head -n1 | grep -q '\"init\":true'"
kill -TERM "$DPID"
wait_for 20 sh -c "! kill -0 $DPID 2>/dev/null"
if kill -0 "$DPID" 2>/dev/null; then notok "--init exits after SIGTERM"; else
	wait "$DPID"; rc=$?
	[ "$rc" -eq 0 ] && ok "--init exits 0 after SIGTERM" || notok "--init exits 0 after SIGTERM (rc $rc)"
	DPID=
fi
check "--init: its daemon proper is gone" test ! -e "/proc/$IDP"
check "--init: socket removed" test ! -e "$SOCK"
finish
