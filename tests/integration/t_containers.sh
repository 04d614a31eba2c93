#!/usr/bin/env bash
# Containers on the real kernel through the skiff CLI: run attached and
# detached, exit codes, --rm, env/user/workdir/hostname, ps/inspect/stop/
# kill/wait/rm, cgroup limits (OOM, pids), bad input leaving nothing
# behind, events, state kept across a daemon restart, and 200 containers
# with no cgroup, mount or state file left.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
rootfs_sum=$(find "$R" | sort | md5sum)

start_daemon || { notok "skiffd starts"; exit 1; }

out=$($S run --rootfs "$R" echo hello world); rc=$?
[ "$out" = "hello world" ] && [ $rc -eq 0 ] && ok "run prints the output and exits 0" || notok "run: rc=$rc $out"
$S run --rootfs "$R" sh -c 'echo to-out; echo to-err >&2; exit 3' >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 3 ] && ok "run exits with the container's code" || notok "exit code $rc"
[ "$(cat "$T/o")" = to-out ] && [ "$(cat "$T/e")" = to-err ] && ok "stdout and stderr kept apart" || notok "streams: $(cat "$T/o") / $(cat "$T/e")"
out=$($S run --rm --rootfs "$R" -e FOO=bar -u nobody -w /tmp -h box sh -c 'echo $FOO; id; pwd; hostname')
[ "$out" = "bar
uid=65534(nobody) gid=65534(nogroup) groups=50(staff)
/tmp
box" ] && ok "env, user and groups, workdir, hostname" || notok "identity: $out"
out=$($S run --rm --network none --rootfs "$R" sh -c 'cat /proc/net/dev | grep -c ":"; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags')
[ "$(echo "$out" | head -1)" = 1 ] && echo "$out" | sed -n 3p | grep -q '0x9' && ok "--network none: only lo, and it is up ($(echo $out))" || notok "network none: $out"
out=$($S run --rm --network nosuch --rootfs "$R" true 2>&1); rc=$?
[ $rc -eq 125 ] && echo "$out" | grep -q 'not found' && ok "an unknown network is refused ($out)" || notok "network nosuch: rc=$rc $out"
n=$($S ps -a -q | wc -l)
[ "$n" -eq 2 ] && ok "--rm removed its container (2 others remain)" || notok "ps -a shows $n"
out=$($S run --rm --rootfs "$R" cat /proc/self/status)
echo "$out" | grep -q 'CapBnd:.*00000000a80425fb' && ok "Docker's default capability set" || notok "caps: $(echo "$out" | grep Cap)"
out=$($S run --rm --rootfs "$R" --cap-drop ALL cat /proc/self/status)
echo "$out" | grep -q 'CapEff:.*0000000000000000' && ok "--cap-drop ALL" || notok "drop all: $(echo "$out" | grep Cap)"
# seccomp through the daemon's compiled-once programs: the default profile
# refuses keyctl and AF_VSOCK; unconfined allows keyctl; the filter is on.
if gcc -static -O2 -o "$R/bin/probe" "$TOP/tests/helpers/spawn_probe.c" 2>/dev/null; then
	[ "$($S run --rm --rootfs "$R" probe keyctl)" = EPERM ] && ok "default seccomp refuses keyctl" || notok "keyctl: $($S run --rm --rootfs "$R" probe keyctl)"
	[ "$($S run --rm --rootfs "$R" probe keyctl)" = EPERM ] && ok "the cached filter refuses it again" || notok "cached keyctl"
	[ "$($S run --rm --rootfs "$R" probe vsock)" = EPERM ] && ok "default seccomp refuses AF_VSOCK" || notok "vsock"
	[ "$($S run --rm --rootfs "$R" --security-opt seccomp=unconfined probe keyctl)" != EPERM ] && ok "seccomp=unconfined allows keyctl" || notok "unconfined"
	[ "$($S run --rm --rootfs "$R" --cap-add SYS_ADMIN probe vsock)" = EPERM ] && ok "another capability set gets its own filter" || notok "cap filter"
	rm -f "$R/bin/probe"
else
	notok "gcc -static for the seccomp probe"
fi
$S run --rm --rootfs "$R" cat /proc/self/status | grep -q '^Seccomp:.*2' && ok "containers run under a seccomp filter" || notok "no filter"
rootfs_sum=$(find "$R" | sort | md5sum)
$S run --rm --rootfs "$R" --read-only touch /x 2>/dev/null && notok "read-only rootfs writable" || ok "--read-only refuses writes"
$S run --rm --rootfs "$R" touch /written >/dev/null
[ ! -e "$R/written" ] && [ "$(find "$R" | sort | md5sum)" = "$rootfs_sum" ] && ok "the rootfs directory is never written" || notok "rootfs changed"
$S run --rm --rootfs "$R" cat /proc/kcore 2>/dev/null | head -c1 | grep -q . && notok "/proc/kcore readable" || ok "masked paths"

id=$($S run -d --rootfs "$R" --name sleeper --label app=web sleep 300)
[ ${#id} -eq 64 ] && ok "run -d prints a 64-hex id" || notok "run -d: $id"
$S ps | grep -q sleeper && ok "ps lists the running container" || notok "ps"
[ "$($S ps -q --filter label=app=web)" = "${id:0:12}" ] && ok "ps --filter label=" || notok "label filter"
[ -z "$($S ps -q --filter status=exited --filter name=sleeper)" ] && ok "ps --filter status= and name= combine" || notok "status filter"
st=$($S --json inspect "${id:0:6}" | json_get State.Status)
[ "$st" = running ] && ok "inspect by unique id prefix" || notok "inspect: $st"
$S --json inspect sleeper | json_get Skiff.Spec.process.args | grep -q sleep && ok "inspect shows the OCI spec" || notok "inspect spec"
[ -d /sys/fs/cgroup/memory/skiff/"$id" ] || [ -d /sys/fs/cgroup/skiff/"$id" ] && ok "container has its cgroup" || notok "no cgroup for $id"
$S kill -s USR1 sleeper && ok "kill -s USR1 delivered" || notok "kill -s"
$S stop -t 1 sleeper && ok "stop returns once stopped" || notok "stop"
[ "$($S wait sleeper)" = 137 ] && ok "wait prints 137 (SIGKILL after the timeout)" || notok "wait"
wait_for 5 sh -c "! ls -d /sys/fs/cgroup/*/skiff/$id" && ok "cgroup removed at exit" || notok "cgroup left after exit"
$S run -d --rootfs "$R" --name victim sleep 300 >/dev/null
$S rm victim 2>/dev/null && notok "rm of a running container" || ok "rm refuses a running container"
$S rm -f victim && ok "rm -f kills and removes" || notok "rm -f"
$S inspect victim >/dev/null 2>&1 && notok "victim still there" || ok "removed container is gone"

out=$($S run --rm --rootfs "$R" --memory 16m --memory-swap 16m sh -c 'x=a; while true; do x=$x$x; done' 2>&1); rc=$?
[ $rc -eq 137 ] && ok "memory limit: killed with 137" || notok "oom rc=$rc"
$S run --name oomer --rootfs "$R" --memory 16m --memory-swap 16m sh -c 'x=a; while true; do x=$x$x; done' >/dev/null 2>&1
[ "$($S --json inspect oomer | json_get State.OOMKilled)" = True ] && ok "OOMKilled recorded" || notok "oom_killed: $($S --json inspect oomer)"
out=$($S run --rm --rootfs "$R" --pids-limit 20 sh -c 'for i in $(seq 50); do sleep 5 & done 2>/dev/null; echo started' 2>&1)
[ $? -ne 0 ] || echo "$out" | grep -qv "^started" && ok "pids limit stops a fork storm" || notok "pids: $out"

# Logs: json-file, streams apart, tail, timestamps, rotation, follow.
$S run --name talker --rootfs "$R" sh -c 'echo one; echo two >&2; sleep 0.2; echo three' >/dev/null 2>&1
[ "$($S logs talker 2>/dev/null)" = "one
three" ] && [ "$($S logs talker 2>&1 >/dev/null)" = two ] && ok "logs: stdout and stderr apart" || notok "logs: $($S logs talker 2>&1)"
[ "$($S logs --tail 1 talker 2>/dev/null)" = three ] && ok "logs --tail" || notok "tail"
out=$($S run --name nul --rootfs "$R" sh -c "printf 'a\\000b\\n'" | od -An -c | tr -s ' ')
[ "$out" = " a \0 b \n" ] && ok "output with NUL bytes comes through whole (run)" || notok "NUL run: '$out'"
out=$($S logs nul | od -An -c | tr -s ' ')
[ "$out" = " a \0 b \n" ] && ok "and through logs" || notok "NUL logs: '$out'"
$S rm nul >/dev/null
$S logs -t talker 2>/dev/null | grep -Eq '^20[0-9-]+T[0-9:.]+Z one$' && ok "logs --timestamps" || notok "timestamps"
grep -q '"log":"one\\n","stream":"stdout","time":"' "$T"/root/containers/*/json.log && ok "Docker json-file lines on disk" || notok "json-file format"
[ -z "$($S logs --since 1s --until 1s talker 2>&1 | grep -v '^skiff')" ] || true
$S logs --since yesterday talker >/dev/null 2>&1 && notok "bad --since accepted" || ok "bad --since refused"
id=$($S run -d --name chatty --rootfs "$R" --log-opt max-size=8k --log-opt max-file=3 sh -c 'for i in $(seq 30000); do echo line-$i; done')
$S wait chatty >/dev/null
wait_for 5 sh -c "ls $T/root/containers/$id/json.log.1.zst"
[ -e "$T/root/containers/$id/json.log.1.zst" ] && [ ! -e "$T/root/containers/$id/json.log.3.zst" ] && ok "rotation keeps max-file generations, compressed" || notok "rotation: $(ls "$T/root/containers/$id")"
[ "$($S logs --tail 2 chatty)" = "line-29999
line-30000" ] && ok "logs reads the newest lines" || notok "tail after rotation"
n=$($S logs chatty | wc -l); first=$($S logs chatty | head -1)
[ "$n" -lt 30000 ] && [ "$first" = "line-$((30001 - n))" ] && ok "logs across compressed generations, in order ($n lines kept)" || notok "rotated read: $n, first $first"
$S run -d --name ticker --rootfs "$R" sh -c 'for i in 1 2 3; do echo tick $i; sleep 0.2; done' >/dev/null
out=$(timeout 10 $S logs -f ticker); rc=$?
[ $rc -eq 0 ] && [ "$out" = "tick 1
tick 2
tick 3" ] && ok "logs -f follows and ends when the container stops" || notok "follow rc=$rc $out"

# pause / unpause (freezer) and live update.
$S run -d --name counter --rootfs "$R" --memory 64m sh -c 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done' >/dev/null
sleep 0.3
$S pause counter && ok "pause" || notok "pause"
[ "$($S --json inspect counter | json_get State.Status)" = paused ] && ok "inspect shows paused" || notok "state not paused"
a=$($S logs counter | wc -l); sleep 0.5; b=$($S logs counter | wc -l)
[ "$a" -eq "$b" ] && ok "a paused container makes no progress" || notok "progress while paused: $a -> $b"
$S pause counter 2>/dev/null && notok "pause twice" || ok "pausing a paused container is refused"
$S unpause counter && sleep 0.3 && [ "$($S logs counter | wc -l)" -gt "$b" ] && ok "unpause resumes it" || notok "unpause"
cid=$($S --json inspect counter | json_get Id)
$S update --memory 96m --pids-limit 40 counter && ok "update" || notok "update"
lim=$(cat /sys/fs/cgroup/memory/skiff/"$cid"/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/skiff/"$cid"/memory.max)
[ "$lim" = $((96 * 1024 * 1024)) ] && ok "update reaches the kernel live" || notok "memory limit $lim"
[ "$($S --json inspect counter | json_get HostConfig.PidsLimit)" = 40 ] && ok "update is kept in the state" || notok "limits not saved"
$S update --cpus nope counter 2>/dev/null && notok "bad update accepted" || ok "bad update refused"
$S pause counter >/dev/null && $S stop -t 1 counter && ok "stop of a paused container" || notok "stop paused"

# Bad input: nothing half-created.
n0=$($S ps -a -q | wc -l)
for bad in "--rootfs /nonexistent true" "--rootfs $R --memory lots true" "--rootfs $R --cap-add BOGUS true" \
	"--rootfs $R --security-opt seccomp=/nonexistent.json true" "--rootfs $R --cpus abc true" \
	"--rootfs $R --name bad/name true" "--rootfs $R --name oomer true" "--rootfs $R --stop-signal SIGNOPE true" \
	"--rootfs $R --log-opt max-size=1 true" "--rootfs $R --log-opt colour=blue true"; do
	# shellcheck disable=SC2086
	if out=$($S run $bad 2>&1); then notok "accepted: run $bad"; else ok "refused: run $bad -> ${out#skiff: }"; fi
done
[ "$($S ps -a -q | wc -l)" -eq "$n0" ] && ok "refused runs leave no container" || notok "containers left"
[ "$(ls "$T/root/containers" | grep -c json)" -eq "$n0" ] && ok "refused runs leave no state file" || notok "state files left"

# Events.
$S events --filter type=container >"$T/ev" 2>&1 &
epid=$!; track $epid
sleep 0.3
$S run --rm --rootfs "$R" true
wait_for 5 grep -q destroy "$T/ev"
kill -INT $epid; wait $epid
for a in create start die destroy; do grep -q "container $a" "$T/ev" && ok "event container $a" || notok "no $a event: $(cat "$T/ev")"; done

# --init: skiff-init is PID 1, passes the exit code, forwards signals and
# reaps orphans (seen from the host: zombies among the cgroup's pids).
[ "$($S run --rm --init --rootfs "$R" cat /proc/1/comm)" = skiff-init ] && ok "--init runs skiff-init as PID 1" || notok "--init pid 1"
$S run --rm --init --rootfs "$R" sh -c 'exit 5'; [ $? -eq 5 ] && ok "--init passes the exit code" || notok "--init exit code"
$S run -d --init --name initsleep --rootfs "$R" sleep 300 >/dev/null
$S stop -t 10 initsleep >/dev/null
[ "$($S wait initsleep)" = 143 ] && ok "--init forwards SIGTERM (143, no SIGKILL)" || notok "--init stop: $($S wait initsleep)"
zombies() { # NAME: zombie children of the container's PID 1 (or of its child)
	local pid; pid=$($S --json inspect "$1" | json_get State.Pid)
	for p in $(cat /proc/"$pid"/task/*/children 2>/dev/null) $(for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do cat /proc/"$c"/task/*/children 2>/dev/null; done); do
		grep -q '^State:.*Z' /proc/"$p"/status 2>/dev/null && echo "$p"
	done | wc -l
}
$S run -d --name noinit --rootfs "$R" sh -c '(sleep 0.1 &); (sleep 0.1 &); exec sleep 300' >/dev/null
$S run -d --init --name withinit --rootfs "$R" sh -c '(sleep 0.1 &); (sleep 0.1 &); exec sleep 300' >/dev/null
sleep 0.8
[ "$(zombies noinit)" -ge 1 ] && [ "$(zombies withinit)" -eq 0 ] && ok "--init reaps orphans (without it they stay zombies)" || notok "zombies: $(zombies noinit) / $(zombies withinit)"
$S rm -f noinit >/dev/null; $S rm -f withinit >/dev/null

# stats: one sample, and a stream ended by ctrl-c.
$S run -d --name spinner --memory 100m --rootfs "$R" sh -c 'while true; do :; done' >/dev/null
sleep 0.3
line=$($S --json stats --no-stream spinner)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); k=d["Skiff"]; assert d["Name"]=="spinner" and k["cpu_percent"]>5 and k["mem_limit"]==100*2**20 and k["pids"]>=1 and d["MemUsage"].endswith(" / 100MiB") and d["CPUPerc"].endswith("%"), d' "$line" \
	&& ok "stats --no-stream: CPU %, memory limit, pids" || notok "stats: $line"
# --foreground: without it timeout signals the child and then its whole
# process group, and two SIGINTs read apart are ctrl-c twice (give up, 130).
timeout --foreground -s INT --preserve-status 3.5 $S stats spinner >"$T/stats" 2>&1; rc=$?
[ "$(grep -c ' spinner ' "$T/stats")" -ge 2 ] && [ "$(grep -c '^CONTAINER ID' "$T/stats")" -ge 2 ] && [ $rc -eq 0 ] && ok "stats streams a table a second until ctrl-c" || notok "stats stream rc=$rc: $(cat "$T/stats")"
$S rm -f spinner >/dev/null

# Restart policies, with back-off.
$S run -d --name flaky --restart on-failure:2 --rootfs "$R" sh -c 'echo run; exit 3' >/dev/null
wait_for 5 sh -c "[ \"\$($S --json inspect flaky | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"RestartCount\"], d[\"State\"][\"Status\"])')\" = '2 exited' ]"
sleep 0.5
[ "$($S logs flaky | grep -c run)" -eq 3 ] && [ "$($S --json inspect flaky | json_get RestartCount)" = 2 ] && ok "on-failure:2 runs three times, then stays exited" || notok "on-failure: $($S logs flaky | grep -c run) runs"
$S run -d --name looper --restart always --rootfs "$R" sh -c 'sleep 0.1' >/dev/null
wait_for 5 sh -c "[ \$($S --json inspect looper | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"RestartCount\"])') -ge 3 ]" && ok "always restarts a container that exits 0" || notok "always"
$S stop looper >/dev/null; n1=$($S --json inspect looper | json_get RestartCount); sleep 0.8
[ "$($S --json inspect looper | json_get RestartCount)" = "$n1" ] && ok "stop ends the restarts" || notok "restarted after stop"
$S run --rm --restart always --rootfs "$R" true 2>/dev/null && notok "--rm with --restart accepted" || ok "--rm and --restart conflict"
$S run -d --name keeper --restart unless-stopped --rootfs "$R" sleep 600 >/dev/null
$S run -d --name parked --restart unless-stopped --rootfs "$R" sleep 600 >/dev/null
$S stop -t 0 parked >/dev/null

# State survives a restart of skiffd.
n=$($S ps -a -q | wc -l)
restarted_at=$(date +%s%N)
stop_daemon
start_daemon || notok "restart"
[ "$($S ps -a -q | wc -l)" -eq "$n" ] && ok "containers kept across a daemon restart" || notok "lost containers"
[ "$($S --json inspect oomer | json_get State.ExitCode)" = 137 ] && ok "exit codes kept across a restart" || notok "exit code lost"
[ "$($S --json inspect keeper | json_get State.Status)" = running ] && ok "unless-stopped comes back with skiffd" || notok "keeper not running"
[ "$(date -d "$($S --json inspect looper | json_get State.StartedAt)" +%s%N)" -gt "$restarted_at" ] && ok "always comes back with skiffd, even after a stop" || notok "looper not started again"
[ "$($S --json inspect parked | json_get State.Status)" = exited ] && ok "unless-stopped stays stopped after a manual stop" || notok "parked started"
for c in keeper looper; do $S rm -f $c >/dev/null; done
out=$($S start oomer 2>&1) && ok "start an exited container again" || notok "start: $out"
$S wait oomer >/dev/null

# 200 containers: created, started, stopped and removed; nothing left.
: >"$T/ids"
for i in $(seq 200); do $S run -d --rootfs "$R" --name "c$i" sleep 600 >>"$T/ids" || break; done
[ "$($S ps -q | wc -l)" -eq 200 ] && ok "200 containers running" || notok "running: $($S ps -q | wc -l)"
for i in $(seq 200); do $S rm -f "c$i" >/dev/null || break; done
# cgroups of these 200 still there (other daemons on the host may have
# their own under skiff/ meanwhile: they are not ours to count)
cg_left() {
	find /sys/fs/cgroup/*/skiff -mindepth 1 -maxdepth 1 -type d 2>/dev/null |
		grep -c -F -f "$T/ids"
}
wait_for 10 sh -c "[ \$(cg_left) -eq 0 ]" 2>/dev/null
for _ in $(seq 100); do [ "$(cg_left)" -eq 0 ] && break; sleep 0.1; done
left=$(cg_left)
[ "$($S ps -q | wc -l)" -eq 0 ] && ok "200 removed" || notok "still running"
[ "$left" -eq 0 ] && ok "no container cgroup left" || notok "$left cgroups left"
for c in $($S ps -a -q); do $S rm -f "$c" >/dev/null; done
wait_for 10 sh -c "[ \$(ls '$T/root/containers' | wc -l) -eq 0 ]" && ok "no state file or directory left" || notok "left: $(ls "$T/root/containers" | head)"
[ "$(grep -c "$T" /proc/self/mountinfo)" -eq 0 ] && ok "no mount left on the host" || notok "mounts left: $(grep "$T" /proc/self/mountinfo | head -3)"
# stopping skiffd with containers running stops them and leaves no cgroup
: >"$T/ids2"
for i in 1 2 3; do $S run -d --rootfs "$R" sh -c 'sleep 600 & sleep 600 & wait' >>"$T/ids2"; done
stop_daemon && ok "skiffd stops cleanly" || notok "stop exit"
n=$(find /sys/fs/cgroup/*/skiff -mindepth 1 -maxdepth 1 -type d 2>/dev/null | grep -c -F -f "$T/ids2")
[ "$n" -eq 0 ] && ok "containers running at shutdown leave no cgroup behind" || notok "$n cgroups left after shutdown"
finish
