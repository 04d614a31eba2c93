#!/usr/bin/env bash
# Fault injection (issue 14): SKIFF_CRASH_AT=N:FILE (core/crashpoint.h)
# makes skiffd kill itself at the Nth crash point it crosses, once; its
# keeper starts it again. A workload of create, start, run with a named
# volume (copy-up), stop, commit, run --rm, rm and a restart policy is
# run once counting the points, then once per point with the crash
# there (every third point by default, CRASH_POINTS_STRIDE=1 for all). After each, the restarted skiffd must be consistent: every
# container it lists can be removed, then nothing is left: no state or
# temp file, no container directory, no mount under its root, no
# container process, the volume and the image removable.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"

w() { wait_for 10 ping_ok; timeout 20 "$@" >/dev/null 2>&1; }
workload() {
	w $S create --name a --network none --rootfs "$R" sleep 600
	w $S start a
	w $S run -d --name b --network none -v data:/etc --rootfs "$R" sh -c 'echo hi; sleep 600'
	w $S stop -t 1 b
	w $S commit a img1
	w $S run --rm --network none --rootfs "$R" true
	w $S rm -f a
	w $S run -d --name c --network none --restart on-failure:2 --rootfs "$R" sh -c 'exit 2'
	sleep 1
}

# consistent N: the checks after a run with the crash at point N
consistent() {
	local n=$1 bad=0 ids left
	wait_for 10 ping_ok || { notok "point $n: skiffd does not answer"; return; }
	ids=$($S ps -aq --no-trunc 2>/dev/null)
	for id in $ids; do $S rm -f "$id" >/dev/null 2>&1 || { bad=1; info "point $n: rm $id: $($S rm -f "$id" 2>&1)"; }; done
	$S volume rm data >/dev/null 2>&1
	$S rmi img1 >/dev/null 2>&1
	sleep 0.5
	left=$(ls "$T/root/containers" 2>/dev/null | tr '\n' ' ')
	[ -z "$left" ] || { bad=1; info "point $n: left in containers/: $left: $(cd "$T/root/containers" && find . | head -20 | tr '\n' ' ')"; }
	left=$(find "$T/root" -name '*.tmp' | tr '\n' ' ')
	[ -z "$left" ] || { bad=1; info "point $n: temp files: $left"; }
	left=$(awk -v a="$T/" 'index($5, a) == 1 { print $5 }' /proc/self/mountinfo | tr '\n' ' ')
	[ -z "$left" ] || { bad=1; info "point $n: mounts: $left"; }
	left=$(pgrep -P "$DPID" | grep -vx "$(daemon_pid)" | tr '\n' ' ')
	[ -z "$left" ] || { bad=1; info "point $n: processes left to the keeper: $left"; }
	$S volume ls -q 2>/dev/null | grep -qx data && { bad=1; info "point $n: volume data left"; }
	[ $bad -eq 0 ] && ok "crash at point $n ($2): consistent after the restart" || notok "crash at point $n ($2)"
}

# The count: every point crossed is logged.
SKIFF_CRASH_AT=0:$T/none start_daemon || { notok "skiffd starts"; exit 1; }
workload
stop_daemon
mapfile -t points < <(grep -o 'crash point [0-9]*: .*' "$T/daemon.log" | sed 's/crash point [0-9]*: //')
info "${#points[@]} crash points crossed by the workload"
[ "${#points[@]}" -ge 10 ] && ok "the workload crosses ${#points[@]} crash points" || notok "only ${#points[@]} crash points"
rm -rf "$T/root" "$T/run"

# Every CRASH_POINTS_STRIDE-th point (3: a third of them, a few minutes;
# 1 for all), from CRASH_POINTS_FROM to CRASH_POINTS_MAX.
max=${CRASH_POINTS_MAX:-${#points[@]}}
for n in $(seq "${CRASH_POINTS_FROM:-1}" "${CRASH_POINTS_STRIDE:-3}" "$max"); do
	: > "$T/daemon.log"
	SKIFF_CRASH_AT=$n:$T/crashed.$n start_daemon || { notok "point $n: skiffd starts"; continue; }
	workload
	if [ -e "$T/crashed.$n" ]; then
		consistent "$n" "${points[$((n - 1))]:-?}"
	else
		info "point $n not reached this time"
	fi
	stop_daemon
	rm -rf "$T/root" "$T/run"
done

# A restart owed when skiffd dies in the back-off (the container's exit
# recorded, the policy's timer not yet fired) is made by the next
# skiffd, as Docker restarts on-failure containers at daemon start.
owed() {
	$S run -d --name nine --network none --restart on-failure:1 --rootfs "$R" \
		sh -c 'if [ -f /tmp/again ]; then sleep 600; fi; touch /tmp/again; exit 9' >/dev/null
	sleep 1
}
: > "$T/daemon.log"
SKIFF_CRASH_AT=0:$T/none start_daemon || { notok "skiffd starts"; exit 1; }
owed
$S rm -f nine >/dev/null
stop_daemon
n=$(grep -o 'crash point [0-9]*: ctr restart: back-off over' "$T/daemon.log" | head -1 | awk '{ print $3 }' | tr -d :)
rm -rf "$T/root" "$T/run"
if [ -z "$n" ]; then
	notok "no crash point in a restart's back-off"
else
	SKIFF_CRASH_AT=$n:$T/owed start_daemon || { notok "skiffd starts"; exit 1; }
	owed
	wait_for 10 ping_ok
	wait_for 10 sh -c "$S --json inspect nine | grep -q '\"RestartCount\": *1'"
	rc=$($S --json inspect nine | json_get RestartCount)
	st=$($S --json inspect nine | json_get State.Status)
	[ -e "$T/owed" ] && [ "$rc" = 1 ] && [ "$st" = running ] &&
		ok "killed in the back-off: the next skiffd makes the restart owed" ||
		notok "killed in the back-off ($([ -e "$T/owed" ] && echo crashed)): restarts $rc, $st"
	$S rm -f nine >/dev/null
	stop_daemon
fi
finish
