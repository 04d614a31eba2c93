#!/usr/bin/env bash
# How containers are cloned: by a small spawner process (fs/spawner.c)
# that holds a handful of fds, as skiffd's children (CLONE_PARENT); a
# spawner that dies is replaced and starts go on; many starts at once
# queue; a start that fails after the clone reports the child's own
# error and exit while the loop goes on answering, and leaves no child
# behind (core/proc alone reaps).
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
start_daemon || { notok "skiffd starts"; exit 1; }

# zombies DPID: children of the daemon that have exited but not been reaped
zombies() { ps -o stat= --ppid "$SPID" | grep -c '^Z'; }

out=$($S run -d --name bad --rootfs "$R" nonexistent 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'start bad: exec "nonexistent": No such file or directory' &&
	ok "a start that fails after clone reports the child's error" || notok "failed start: rc=$rc $out"
code=$($S --json inspect bad | json_get State.ExitCode)
st=$($S --json inspect bad | json_get State.Status)
[ "$code" = 127 ] && [ "$st" = created ] && ok "its exit is 127 and it stays created" || notok "exit $code state $st"
# Failing starts while a client pings: every ping is answered at once.
( for i in $(seq 20); do $S start bad >/dev/null 2>&1; done ) & fp=$!; track $fp
slow=0 n=0
while kill -0 $fp 2>/dev/null; do
	t0=$(date +%s%N)
	ping_ok || slow=$((slow + 1000))
	dt=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ $dt -gt 2000 ] && slow=$((slow + 1)) # a blocked loop: never
	n=$((n + 1))
done
wait $fp
[ $slow -eq 0 ] && [ $n -gt 0 ] && ok "ping answered during $n rounds of failing starts" || notok "ping slow or lost: $slow of $n"
wait_for 5 sh -c "[ \$(ps -o stat= --ppid $SPID | grep -c '^Z') -eq 0 ]" &&
	ok "no child left unreaped" || notok "zombies: $(zombies)"
out=$($S run --rm --rootfs "$R" echo fine 2>&1)
[ "$out" = fine ] && ok "the next start works" || notok "after failures: $out"

# spawner: skiffd's child skiff-spawner (pgrep -x matches its comm)
spawner() { pgrep -P "$SPID" -x skiff-spawner; }
sp=$(spawner)
[ -n "$sp" ] && [ "$(ls /proc/"$sp"/fd | wc -l)" -le 4 ] &&
	ok "the spawner holds $(ls /proc/"$sp"/fd | wc -l) fds (0, 1, 2 and its socket)" || notok "spawner: '$sp' $(ls -l /proc/"$sp"/fd 2>&1)"
id=$($S run -d --rootfs "$R" sleep 300)
pid=$($S --json inspect "$id" | json_get State.Pid)
[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$SPID" ] &&
	ok "a container is skiffd's child, not the spawner's" || notok "parent of $pid: $(ps -o ppid= -p "$pid")"
kill -KILL "$sp"
wait_for 5 sh -c "p=\$(pgrep -P $SPID -x skiff-spawner) && [ \"\$p\" != $sp ]" &&
	ok "a killed spawner is replaced" || notok "no new spawner: $(spawner)"
out=$($S run --rm --rootfs "$R" sh -c 'exit 7' 2>&1); rc=$?
[ $rc -eq 7 ] && ok "starts go on with the new one (exit code 7 kept)" || notok "after the kill: rc=$rc $out"
$S stop -t 1 "$id" >/dev/null && [ "$($S wait "$id")" = 137 ] &&
	ok "a container from the old spawner is still watched (stop: SIGKILL after 1 s, 137)" || notok "old container: $($S --json inspect "$id" | json_get State.Status)"
# Many at once: more requests than the socket queues (10) wait their turn.
pids=()
for i in $(seq 24); do $S run -d --rootfs "$R" true >/dev/null 2>"$T/par.$i" & pids+=($!); done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
[ $bad -eq 0 ] && ok "24 starts at once all start" || notok "$bad of 24 failed: $(cat "$T"/par.* | sort | uniq -c)"
finish
