#!/usr/bin/env bash
# How containers are cloned: a start that fails after the clone reports
# the child's own error and exit while the loop goes on answering, and
# leaves no child behind (core/proc alone reaps).
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
start_daemon || { notok "skiffd starts"; exit 1; }

# zombies DPID: children of the daemon that have exited but not been reaped
zombies() { ps -o stat= --ppid "$DPID" | grep -c '^Z'; }

out=$($S run -d --name bad --rootfs "$R" nonexistent 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'start bad: exec "nonexistent": No such file or directory' &&
	ok "a start that fails after clone reports the child's error" || notok "failed start: rc=$rc $out"
code=$($S --json inspect bad | json_get exit_code)
st=$($S --json inspect bad | json_get state)
[ "$code" = 127 ] && [ "$st" = created ] && ok "its exit is 127 and it stays created" || notok "exit $code state $st"
# Failing starts while a client pings: every ping is answered at once.
( for i in $(seq 20); do $S start bad >/dev/null 2>&1; done ) & fp=$!; track $fp
slow=0 n=0
while kill -0 $fp 2>/dev/null; do
	t0=$(date +%s%N)
	ping_ok || slow=$((slow + 1000))
	dt=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ $dt -gt 500 ] && slow=$((slow + 1))
	n=$((n + 1))
done
wait $fp
[ $slow -eq 0 ] && [ $n -gt 0 ] && ok "ping answered during $n rounds of failing starts" || notok "ping slow or lost: $slow of $n"
wait_for 5 sh -c "[ \$(ps -o stat= --ppid $DPID | grep -c '^Z') -eq 0 ]" &&
	ok "no child left unreaped" || notok "zombies: $(zombies)"
out=$($S run --rm --rootfs "$R" echo fine 2>&1)
[ "$out" = fine ] && ok "the next start works" || notok "after failures: $out"
finish
