#!/usr/bin/env bash
# skiff exec on the real kernel: output and exit codes, streams apart, the
# container's namespaces, cgroup, capabilities, env/user/workdir
# overrides, detached execs, big output, a client that leaves mid-output,
# errors, and the exec_* events.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"

start_daemon || { notok "skiffd starts"; exit 1; }
$S events --filter type=container >"$T/ev" 2>&1 &
epid=$!; track $epid

id=$($S run -d --rootfs "$R" --name c -e FOO=ctr -e KEEP=yes -h box sleep 600)
[ ${#id} -eq 64 ] && ok "container c runs" || notok "run -d: $id"

out=$($S exec c echo hello world); rc=$?
[ "$out" = "hello world" ] && [ $rc -eq 0 ] && ok "exec prints the output and exits 0" || notok "exec echo: rc=$rc $out"
$S exec c sh -c 'exit 7'; rc=$?
[ $rc -eq 7 ] && ok "exec exits with the process's code (7)" || notok "exit code $rc"
bad=0
for _ in $(seq 40); do $S exec c sh -c 'exit 7'; [ $? -eq 7 ] || bad=$((bad + 1)); done
[ $bad -eq 0 ] && ok "40 quick execs all exit 7 (an exit before registration is not lost)" || notok "$bad of 40 quick execs lost their exit code"
$S exec c sh -c 'echo to-out; echo to-err >&2; exit 3' >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 3 ] && [ "$(cat "$T/o")" = to-out ] && [ "$(cat "$T/e")" = to-err ] && ok "stdout and stderr kept apart" || notok "streams: rc=$rc $(cat "$T/o") / $(cat "$T/e")"
out=$($S exec c cat /proc/1/comm)
[ "$out" = sleep ] && $S exec c ps | grep -Eq '^ +1 .*sleep 600$' && ok "sees the container's pid namespace (pid 1 is its init)" || notok "pid 1: $out"
[ "$($S exec c hostname)" = box ] && ok "sees the container's hostname" || notok "hostname: $($S exec c hostname)"
[ "$(readlink /proc/"$($S --json inspect c | json_get State.Pid)"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] &&
	$S exec c ls / | grep -qx tmp && ok "runs in the container's root" || notok "root"
out=$($S exec c sh -c 'cat /proc/self/cgroup')
echo "$out" | grep -q "skiff/$id" && notok "cgroup path leaks the host's view: $out" || ok "cgroup namespace joined ($out)"
if cg=$(ls -d /sys/fs/cgroup/*/skiff/"$id" /sys/fs/cgroup/skiff/"$id" 2>/dev/null | head -1) && [ -n "$cg" ]; then
	$S exec -d c sleep 3 >/dev/null
	n=$(cat "$cg"/cgroup.procs 2>/dev/null | wc -l)
	[ "$n" -ge 2 ] && ok "exec joins the container's cgroup ($n processes)" || notok "cgroup.procs: $n"
else
	notok "no cgroup for the container"
fi
out=$($S exec -e FOO=exec -e NEW=1 c sh -c 'echo $FOO $NEW $KEEP')
[ "$out" = "exec 1 yes" ] && ok "-e overrides and adds over the container's env" || notok "env: $out"
[ "$($S exec -u nobody c id -u)" = 65534 ] && ok "-u nobody runs as uid 65534" || notok "user: $($S exec -u nobody c id -u 2>&1)"
[ "$($S exec -u 65534:65534 c id -g)" = 65534 ] && ok "-u uid:gid" || notok "uid:gid"
[ "$($S exec -w /tmp c pwd)" = /tmp ] && ok "-w /tmp" || notok "workdir: $($S exec -w /tmp c pwd 2>&1)"
[ "$($S exec c pwd)" = / ] && ok "default workdir is the container's" || notok "default cwd"
out=$($S exec c cat /proc/self/status)
echo "$out" | grep -q 'CapBnd:.*00000000a80425fb' && echo "$out" | grep -q 'CapEff:.*00000000a80425fb' &&
	ok "capabilities equal the container's (Docker's default)" || notok "caps: $(echo "$out" | grep Cap)"
echo "$out" | grep -q 'Seccomp:.*2' && ok "seccomp filter applied" || notok "seccomp: $(echo "$out" | grep Seccomp)"
$S run -d --rootfs "$R" --name weak --cap-drop ALL --security-opt no-new-privileges sleep 600 >/dev/null
out=$($S exec weak cat /proc/self/status)
echo "$out" | grep -q 'CapEff:.*0000000000000000' && echo "$out" | grep -q 'CapBnd:.*0000000000000000' &&
	ok "--cap-drop ALL container: exec has no capabilities" || notok "drop all: $(echo "$out" | grep Cap)"
echo "$out" | grep -q 'NoNewPrivs:.*1' && ok "no_new_privileges from the container" || notok "nnp: $(echo "$out" | grep NoNew)"

# Errors.
out=$($S exec c nonexistent 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'exec "nonexistent": No such file or directory' && ok "missing executable: $out (rc $rc)" || notok "missing exe: rc=$rc $out"
$S run --name done --rootfs "$R" true
out=$($S exec done echo hi 2>&1); rc=$?
[ $rc -ne 0 ] && [ "$out" = "skiff: container done is not running" ] && ok "exec into a stopped container: $out" || notok "stopped: rc=$rc $out"
out=$($S exec nosuch echo hi 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "no such container" && ok "exec into an unknown container fails" || notok "unknown: $out"
out=$($S exec -z c echo hi 2>&1); rc=$?
[ $rc -ne 0 ] && ok "bad flag refused: $out" || notok "bad flag: $out"
out=$($S exec c 2>&1); rc=$?
[ $rc -ne 0 ] && ok "missing command refused: $out" || notok "no command: $out"
out=$($S exec -w tmp c pwd 2>&1); rc=$?
[ $rc -ne 0 ] && ok "relative -w refused: $out" || notok "relative -w: $out"
out=$($S exec -u nosuchuser c id 2>&1); rc=$?
[ $rc -ne 0 ] && ok "unknown user refused: $out" || notok "unknown user: $out"
[ "$($S exec c echo ls -d /)" = "ls -d /" ] && ok "flags after the container belong to the command" || notok "posix flags"

# Detached.
t0=$(date +%s%N)
out=$($S exec -d c sleep 2); rc=$?
t1=$(date +%s%N)
[ $rc -eq 0 ] && [ ${#out} -eq 64 ] && [ $(( (t1 - t0) / 1000000 )) -lt 1500 ] && ok "exec -d returns at once with the exec id" || notok "exec -d: rc=$rc $out $(( (t1 - t0) / 1000000 )) ms"
$S exec c ps | grep -q 'sleep 2$' && ok "the detached process runs in the container" || notok "ps: $($S exec c ps)"
$S exec -d c nonexistent >/dev/null 2>&1 && notok "exec -d of a missing executable succeeded" || ok "exec -d of a missing executable fails"

# Big output, complete and in order.
n=$($S exec c seq 200000 | wc -l)
[ "$n" -eq 200000 ] && ok "seq 200000 arrives complete ($n lines)" || notok "big output: $n lines"
[ "$($S exec c seq 200000 | md5sum)" = "$(seq 200000 | md5sum)" ] && ok "big output arrives byte for byte" || notok "big output differs"
out=$($S exec c sh -c 'seq 50000 >&2; echo done' 2>/dev/null)
[ "$out" = done ] && ok "a big stderr does not block stdout" || notok "stderr flood: $out"

# Back-pressure: a client that does not read holds the process, not the
# daemon's memory (its output is about 78 MB).
rss() { awk '/^VmRSS/ { print $2 }' /proc/"$SPID"/status; }
rss0=$(rss)
python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"exec c seq 10000000\n"); time.sleep(30)
PY
holder=$!
seq_runs() { $S exec c ps | grep -q 'seq 10000000'; }
wait_for 10 seq_runs # on a loaded machine the exec can take a while to start
sleep 1
rss1=$(rss)
seq_runs && [ $((rss1 - rss0)) -lt 32768 ] &&
	ok "a client that does not read pauses the process (skiffd grew $((rss1 - rss0)) KiB)" ||
	notok "no back-pressure: skiffd grew $((rss1 - rss0)) KiB; $($S exec c ps | grep seq)"
kill "$holder"; wait "$holder" 2>/dev/null

# Interrupted or gone, the client leaves the process running (Docker's way).
timeout -s INT 1 $S exec c sh -c 'sleep 2; echo kept >/tmp/marker' >/dev/null 2>&1
wait_for 5 sh -c "[ \"\$($S exec c cat /tmp/marker 2>/dev/null)\" = kept ]" &&
	ok "an interrupted client leaves its process running" || notok "interrupted exec killed"
$S exec c sh -c 'kill -9 $$'; rc=$?
[ $rc -eq 137 ] && ok "a killed process gives 137" || notok "killed: rc=$rc"

# A client that leaves mid-output; a client that never reads.
timeout 0.5 $S exec c sh -c 'while true; do echo spam spam spam spam; done' >/dev/null
(printf 'exec c seq 10000000\n'; sleep 1) | socat -t1 - UNIX-CONNECT:"$SOCK" >/dev/null 2>&1
python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"exec c seq 10000000\n"); time.sleep(2)
PY
slow=$!
sleep 0.5
ping_ok && ok "ping answers while a client does not read" || notok "ping stuck"
wait $slow
ping_ok && ok "ping still answers after clients left mid-output" || notok "ping"
[ "$($S --json inspect c | json_get State.Status)" = running ] && ok "container still running" || notok "container state"
[ "$($S exec c echo still)" = still ] && ok "exec works after clients left" || notok "exec after"
wait_for 10 sh -c "! $S exec c ps | grep -q 'seq 10000000'" && ok "the abandoned execs ran to their end (output drained)" || notok "abandoned exec stuck: $($S exec c ps)"

# The container stops while an exec is attached.
( sleep 0.5; $S stop -t 1 c >/dev/null ) &
stopper=$!
$S exec c sh -c 'echo started; sleep 600' >"$T/o"; rc=$?
wait $stopper
[ "$(cat "$T/o")" = started ] && [ $rc -eq 137 ] && ok "exec ends with 137 when its container stops" || notok "stop while attached: rc=$rc $(cat "$T/o")"
out=$($S exec c echo hi 2>&1)
[ "$out" = "skiff: container c is not running" ] && ok "exec refused after stop" || notok "after stop: $out"

# Events.
wait_for 5 grep -q exec_die "$T/ev"
kill -INT $epid; wait $epid
for a in exec_create exec_start exec_die; do
	grep -q "container $a" "$T/ev" && ok "event container $a" || notok "no $a event: $(head -5 "$T/ev")"
done
grep 'exec_die' "$T/ev" | grep -q 'exitCode=7' && ok "exec_die carries the exit code" || notok "exec_die: $(grep exec_die "$T/ev" | head -3)"

ids=$(for c in c weak done; do $S --json inspect "$c" | json_get Id; done)
for c in c weak done; do $S rm -f "$c" >/dev/null 2>&1; done
# only this scenario's cgroups (other daemons may be running tests too)
cg_left() { for i in $ids; do ls -d /sys/fs/cgroup/*/skiff/"$i" /sys/fs/cgroup/skiff/"$i"; done 2>/dev/null | wc -l; }
for _ in $(seq 100); do [ "$(cg_left)" -eq 0 ] && break; sleep 0.1; done
[ "$(cg_left)" -eq 0 ] && ok "no container cgroup left" || notok "$(cg_left) cgroups left"
stop_daemon && ok "skiffd stops cleanly" || notok "stop exit"
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$T/daemon.log"; then
	notok "sanitizer report in the daemon log: $(grep -m3 -E 'Sanitizer|runtime error' "$T/daemon.log")"
else
	ok "no sanitizer report in the daemon log"
fi
finish
