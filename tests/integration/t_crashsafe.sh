#!/usr/bin/env bash
# Crash-safe skiffd (issue 14, DESIGN.md section 4): skiffd runs under
# its keeper (core/keeper.c), which holds every running container's
# pidfd and stdio and records exits while skiffd is away. kill -9 of
# skiffd proper: the keeper starts it again, every container still runs
# and is re-adopted (ps, logs -f, stop, exec, attach, stats), no log line
# is lost or doubled, healthchecks go on, and one that exited meanwhile
# (code 9) reports its own code and time; its restart policy then
# applies. The listening socket is kept by the keeper too: no client is
# refused while skiffd is away. Live upgrade (`system upgrade`, SIGHUP
# once the binary on disk changed): a new skiffd takes over, the ping gap
# is short, no log line is lost. Killing the keeper itself is the old
# kill -9 (all go).
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
# skiffd runs from a copy here, so that the binary can be replaced
mkdir -p "$T/bin"
cp "$SKIFFD" "$(dirname "$SKIFFD")/skiffd-keeper" "$T/bin/"
SKIFFD=$T/bin/skiffd
start_daemon || { notok "skiffd starts"; exit 1; }

check "skiffd runs under its keeper" [ "$SPID" != "$DPID" ]
kpss=$(awk '$1 == "Pss:" { print $2 }' /proc/"$DPID"/smaps_rollup)
info "keeper PSS ${kpss} KiB"
[ "${kpss:-9999}" -le 270 ] && ok "the keeper is small (PSS ${kpss} KiB)" || notok "keeper PSS ${kpss} KiB"

# A logger: numbered lines, 20 a second.
$S run -d --name logger --network none --rootfs "$R" sh -c \
	'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.05; done' >/dev/null
$S run -d -t --name tty --network none --rootfs "$R" sh -c 'while :; do sleep 1; done' >/dev/null
$S run -d --name health --network none --rootfs "$R" --health-cmd 'true' \
	--health-interval 500ms sleep 600 >/dev/null
$S run -d --name nine --network none --restart on-failure:1 --rootfs "$R" \
	sh -c 'if [ -f /tmp/again ]; then sleep 600; fi; touch /tmp/again; sleep 3; exit 9' >/dev/null
$S run -d --name plain --network none --rootfs "$R" sh -c \
	'trap "exit 143" TERM; while :; do sleep 0.2; done' >/dev/null
wait_for 5 sh -c "$S ps --format '{{.Status}}' -f name=health | grep -q '(healthy)'"
pids_before=$(for n in logger tty health plain; do $S --json inspect $n | json_get State.Pid; done | tr '\n' ' ')
sleep 1

t0=$(date +%s%N)
kill -KILL "$SPID"
wait_for 10 ping_ok
took=$(( ($(date +%s%N) - t0) / 1000000 ))
NEW=$(daemon_pid)
[ -n "$NEW" ] && [ "$NEW" != "$SPID" ] && ok "the keeper started skiffd again ($took ms to answer)" || notok "no new skiffd: $NEW"
SPID=$NEW
pids_after=$(for n in logger tty health plain; do $S --json inspect $n | json_get State.Pid; done | tr '\n' ' ')
[ "$pids_before" = "$pids_after" ] && ok "every container still runs, same pids ($pids_after)" || notok "pids $pids_before -> $pids_after"
for n in logger tty health plain; do
	st=$($S --json inspect $n | json_get State.Status)
	[ "$st" = running ] || notok "$n: $st after the restart"
done
ok "re-adopted containers show running"
grep -q 're-adopted' "$T/daemon.log" && ok "the log says re-adopted" || notok "log: $(tail -5 "$T/daemon.log")"

# nine exits (code 9) about 3 s after it started: maybe while skiffd is
# away, maybe after; either way its own code, then on-failure restarts it.
wait_for 10 sh -c "$S --json inspect nine | grep -q '\"RestartCount\": *1'"
code=$($S --json inspect nine | json_get State.ExitCode)
rc=$($S --json inspect nine | json_get RestartCount)
st=$($S --json inspect nine | json_get State.Status)
[ "$rc" = 1 ] && [ "$st" = running ] && ok "nine exited with its code and on-failure restarted it" || notok "nine: code $code restarts $rc state $st"

# Log continuity: the numbers in the log are 1..N with no gap and no twin.
sleep 1
$S logs logger > "$T/logger.out"
python3 - "$T/logger.out" <<'PY' && ok "logger's log is whole: no line lost or doubled across kill -9" || notok "logger's log has gaps or twins"
import sys
nums = [int(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("line ")]
sys.exit(0 if nums and nums == list(range(1, len(nums) + 1)) and len(nums) > 40 else 1)
PY
# logs -f follows the adopted container
timeout 3 $S logs -f --tail 0 logger > "$T/follow.out" 2>&1
[ "$(grep -c '^line ' "$T/follow.out")" -ge 10 ] && ok "logs -f follows it" || notok "logs -f: $(wc -l < "$T/follow.out")"
out=$($S exec plain echo inside 2>&1)
[ "$out" = inside ] && ok "exec works in a re-adopted container" || notok "exec: $out"
out=$($S stats --no-stream --format '{{.Name}}' plain 2>&1)
[ "$out" = plain ] && ok "stats works on it" || notok "stats: $out"
wait_for 5 sh -c "$S ps --format '{{.Status}}' -f name=health | grep -q '(healthy)'" &&
	ok "healthchecks go on" || notok "health: $($S ps --format '{{.Status}}' -f name=health)"
t1=$(date +%s%N)
$S stop -t 5 plain >/dev/null; code=$($S wait plain)
ms=$(( ($(date +%s%N) - t1) / 1000000 ))
[ "$code" = 143 ] && [ $ms -lt 4000 ] && ok "stop: SIGTERM reaches it and its exit (143) comes from the keeper" || notok "stop: code $code in $ms ms"
out=$(printf 'echo hi\n' | timeout 5 $S exec -i tty sh 2>&1)
echo "$out" | grep -q hi && ok "exec -i into the tty container" || notok "exec -i tty: $out"

# A container that exits while skiffd is away: skiffd is stopped (it
# reads and reaps nothing) while the container writes and exits, then
# killed; the keeper reaps the container and keeps its status and time.
$S run -d --name brief --network none --rootfs "$R" sh -c 'echo before; sleep 1; echo after; exit 3' >/dev/null
kill -STOP "$SPID"
sleep 2
kill -KILL "$SPID"
wait_for 10 ping_ok
SPID=$(daemon_pid)
wait_for 5 sh -c "$S --json inspect brief | grep -q '\"Status\": *\"exited\"'"
code=$($S --json inspect brief | json_get State.ExitCode)
fin=$($S --json inspect brief | json_get State.FinishedAt)
[ "$code" = 3 ] && ok "exited while away: its real code (3), finished at $fin" || notok "brief: $code"
grep -q "brief) exited while skiffd was away (3)" "$T/daemon.log" && ok "the exit came from the keeper's record" || notok "not recorded: $(grep brief "$T/daemon.log")"
out=$($S logs brief | tr '\n' ' ')
[ "$out" = "before after " ] && ok "its output written while away is in the log" || notok "brief logs: $out"

# pinger SECONDS [FILE]: ping on new connections for SECONDS (FILE made
# at the first answer); prints the longest
# gap between answers (ms), the connections refused, and those cut (EOF
# or reset after connecting: the request was lost)
pinger() {
	python3 - "$SOCK" "$@" <<'PY'
import os, socket, sys, time
path, secs = sys.argv[1], float(sys.argv[2])
last = time.time(); end = last + secs; gap = 0; refused = 0; cut = 0
while time.time() < end:
    s = socket.socket(socket.AF_UNIX); s.settimeout(5)
    try:
        s.connect(path)
    except OSError:
        refused += 1; s.close(); continue
    try:
        s.sendall(b"ping\n"); ok = s.recv(16).startswith(b"ok")
    except OSError:
        ok = False
    s.close()
    now = time.time()
    if ok:
        gap = max(gap, now - last); last = now
        if len(sys.argv) > 3 and not os.path.exists(sys.argv[3]):
            open(sys.argv[3], "w").close()
    else:
        cut += 1
print(round(gap * 1000), refused, cut)
PY
}

# Live upgrade: system upgrade while a client pings without pause.
$S run -d --name up --network none --rootfs "$R" sh -c \
	'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.02; done' >/dev/null
upid=$($S --json inspect up | json_get State.Pid)
OLD=$SPID
# an idle connection across the upgrade: its next line is the new
# skiffd's (the keeper held it), not an EOF
python3 - "$SOCK" "$T/idle" > "$T/idle.out" <<'PY' & ip=$!; track $ip
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b"ping\n"); a = s.recv(16)
open(sys.argv[2] + ".ready", "w").close()
while not os.path.exists(sys.argv[2] + ".go"):
    time.sleep(0.05)
try:
    s.sendall(b"ping\n"); b = s.recv(16)
except OSError as e:
    b = str(e).encode()
print(a.decode().strip(), b.decode().strip() or "EOF")
PY
wait_for 10 test -e "$T/idle.ready"
pinger 3 "$T/pinging" > "$T/ping.out" & pp=$!; track $pp
wait_for 10 test -e "$T/pinging"
sleep 0.5
$S system upgrade >/dev/null && ok "system upgrade is answered" || notok "system upgrade"
wait $pp
read -r gap refused bad < "$T/ping.out"
info "live upgrade: longest ping gap $gap ms, $refused refused, $bad cut"
SPID=$(daemon_pid)
[ "$SPID" != "$OLD" ] && ok "a new skiffd runs ($OLD -> $SPID)" || notok "same skiffd $SPID"
[ "$refused" = 0 ] && [ "$bad" = 0 ] && ok "no ping failed or refused during the upgrade" ||
	notok "upgrade: $refused pings refused, $bad cut"
touch "$T/idle.go"; wait $ip
[ "$(cat "$T/idle.out")" = "ok ok" ] && ok "a connection idle across the upgrade is answered by the new skiffd" ||
	notok "idle connection across the upgrade: $(cat "$T/idle.out")"
[ "${gap:-9999}" -lt 1000 ] && ok "ping gap during the upgrade: $gap ms" || notok "ping gap $gap ms"
[ "$($S --json inspect up | json_get State.Pid)" = "$upid" ] && ok "the container runs on" || notok "up: pid changed"
# SIGHUP with the binary unchanged is a reload; once replaced, an upgrade.
kill -HUP "$DPID"; sleep 1
[ "$(daemon_pid)" = "$SPID" ] && ok "SIGHUP, same binary: a reload" || notok "SIGHUP restarted skiffd"
cp "$SKIFFD" "$SKIFFD.new" && mv "$SKIFFD.new" "$SKIFFD"
kill -HUP "$DPID"
wait_for 5 sh -c "[ \"\$(pgrep -P $DPID -x skiffd)\" != $SPID ] && printf 'ping\n' | socat -t2 - UNIX-CONNECT:$SOCK | grep -qx ok" &&
	ok "SIGHUP after the binary changed: a live upgrade" || notok "SIGHUP upgrade: $(daemon_pid)"
SPID=$(daemon_pid)
sleep 0.5
$S logs up > "$T/up.out"
python3 - "$T/up.out" <<'PY' && ok "the log is whole across two upgrades" || notok "up's log has gaps or twins"
import sys
nums = [int(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("line ")]
sys.exit(0 if nums and nums == list(range(1, len(nums) + 1)) else 1)
PY
# A client that connects while skiffd is killed waits, is not refused.
pinger 2 "$T/pinging2" > "$T/ping2.out" & pp=$!; track $pp
wait_for 10 test -e "$T/pinging2"
sleep 0.3
kill -KILL "$SPID"
wait $pp
read -r gap refused bad < "$T/ping2.out"
# the one request skiffd had read when it was killed is lost with it
# (EOF, as a client of dockerd sees); none is refused, none waits long
[ "$refused" = 0 ] && [ "$bad" -le 1 ] && ok "kill -9: no ping refused (the keeper kept the socket; gap $gap ms, $bad cut in flight)" ||
	notok "kill -9: $refused pings refused, $bad cut"
SPID=$(daemon_pid)
$S rm -f up >/dev/null

# skiffd that exits with an error while containers run (here: a binary
# that exits 1, as a config broken between two starts would): the keeper
# keeps the containers and tries again with back-off, never leaving them.
$S run -d --name held --network none --rootfs "$R" sleep 600 >/dev/null
hpid=$($S --json inspect held | json_get State.Pid)
cp "$SKIFFD" "$T/skiffd.good"
printf '#!/bin/sh\nexit 1\n' > "$SKIFFD.new" && chmod +x "$SKIFFD.new" && mv "$SKIFFD.new" "$SKIFFD"
kill -KILL "$SPID"
sleep 1.5
kill -0 "$DPID" 2>/dev/null && kill -0 "$hpid" 2>/dev/null &&
	ok "skiffd exiting 1 with a container running: the keeper and the container stay" ||
	notok "keeper $(kill -0 "$DPID" 2>/dev/null && echo alive || echo gone), container $(kill -0 "$hpid" 2>/dev/null && echo alive || echo gone)"
grep -q "skiffd exited with 1 while containers run" "$T/daemon.log" && ok "the keeper says why it starts skiffd again" ||
	notok "keeper log: $(grep keeper "$T/daemon.log" | tail -3)"
cp "$T/skiffd.good" "$SKIFFD.new" && mv "$SKIFFD.new" "$SKIFFD"
wait_for 15 ping_ok && [ "$($S --json inspect held | json_get State.Pid)" = "$hpid" ] &&
	[ "$($S --json inspect held | json_get State.Status)" = running ] &&
	ok "once skiffd starts again the container is re-adopted" || notok "held: $($S ps -a 2>&1 | grep held)"
SPID=$(daemon_pid)
$S rm -f held >/dev/null

# Killing the keeper itself: skiffd goes too (as kill -9 of skiffd did).
$S rm -f logger tty health nine brief plain >/dev/null 2>&1
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
wait_for 5 sh -c "! kill -0 $SPID 2>/dev/null" && ok "skiffd dies with its keeper" || notok "skiffd $SPID outlived its keeper"
DPID=
finish
