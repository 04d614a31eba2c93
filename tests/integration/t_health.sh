#!/usr/bin/env bash
# Healthchecks on the real kernel: starting -> healthy -> unhealthy and
# back (flipped from outside with exec), retries, the start period, a
# probe killed at its timeout, a probe that cannot start, the log of 5
# results with trimmed output, ps status text and --filter health=,
# health_status events, pause, --health-on-failure kill and restart, the
# config kept across a daemon restart, and bad flags refused with
# nothing created.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"

# jget KEY.PATH: json_get that also indexes lists (log.0.output)
jget() {
	python3 -c 'import json, sys
v = json.loads(sys.stdin.readline())
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}
# hv NAME KEY.PATH: a field of inspect (Docker's schema); hs NAME: its
# health status. NS is python that reads Go's RFC 3339 times as ns.
hv() { $S --json inspect "$1" | jget "$2"; }
NS='import calendar, re, time
def ns(t):
    m = re.match(r"(.{19})(?:\.(\d+))?Z$", t)
    return calendar.timegm(time.strptime(m[1], "%Y-%m-%dT%H:%M:%S")) * 10**9 + int((m[2] or "0").ljust(9, "0"))
' 
hs() { hv "$1" State.Health.Status; }
is() { [ "$(hs "$1")" = "$2" ]; }
# field_is NAME KEY VALUE / field_ge NAME KEY N: for wait_for
field_is() { [ "$(hv "$1" "$2")" = "$3" ]; }
field_ge() { [ "$(hv "$1" "$2")" -ge "$3" ]; }
status_of() { $S --json ps -a --filter name="$1" | json_get Status; }

start_daemon || { notok "skiffd starts"; exit 1; }
$S events --filter type=container >"$T/ev" 2>&1 &
epid=$!; track $epid
$S events --filter event=health_status >"$T/hev" 2>&1 &
hpid=$!; track $hpid

# starting -> healthy, and the ps text for both.
# (3 s: the checks of "starting" below must come before the first probe,
# also on a loaded machine)
$S run -d --rootfs "$R" --name good --health-cmd 'echo fine' \
	--health-interval 3s sleep 600 >/dev/null
st=$(status_of good)
case $st in *"(health: starting)") ok "ps before the first probe: $st" ;; *) notok "ps starting: $st" ;; esac
is good starting && ok "inspect: State.Health.Status starting" || notok "status $(hs good)"
wait_for 10 is good healthy && ok "starting -> healthy after a probe that exits 0" || notok "never healthy: $(hv good State.Health)"
st=$(status_of good)
case $st in "Up "*" (healthy)") ok "ps: $st" ;; *) notok "ps healthy: $st" ;; esac
out=$(hv good State.Health.Log)
echo "$out" | python3 -c "$NS"'import json,sys
l = json.load(sys.stdin); r = l[-1]
assert r["ExitCode"] == 0 and r["Output"] == "fine\n", r
assert 0 < ns(r["Start"]) <= ns(r["End"]) and ns(r["End"]) - ns(r["Start"]) < 5e9, r' &&
	ok "State.Health.Log records start, end, exit code 0 and the output" || notok "log: $out"
[ "$(hv good Config.Healthcheck.Test)" = '["CMD-SHELL", "echo fine"]' ] &&
	[ "$(hv good Config.Healthcheck.Interval)" = 3000000000 ] && [ "$(hv good Config.Healthcheck.Timeout)" = 30000000000 ] &&
	[ "$(hv good Config.Healthcheck.Retries)" = 3 ] && [ "$(hv good Config.Healthcheck.StartPeriod)" = 0 ] &&
	[ "$(hv good Skiff.HealthOnFailure)" = none ] &&
	ok "inspect shows the healthcheck config with Docker's defaults" || notok "config: $(hv good Config.Healthcheck)"

# Retries: failures count only from the 3rd on; flipped both ways by exec.
# (1.5 s between probes: each poll below, a client and a python, must see
# every streak, also on a loaded machine)
$S run -d --rootfs "$R" --name flip --health-cmd 'test -f /tmp/ok' \
	--health-interval 1500ms --health-retries 3 sleep 600 >/dev/null
seen=
for _ in $(seq 200); do
	line=$($S --json inspect flip | python3 -c 'import json,sys
h = json.load(sys.stdin)["State"]["Health"]; print(h["FailingStreak"], h["Status"])')
	seen="$seen|$line"
	[ "${line#* }" = unhealthy ] && break
	sleep 0.05
done
echo "$seen" | tr '|' '\n' | sort -u | python3 -c 'import sys
pairs = [l.split() for l in sys.stdin if l.strip()]
bad = [p for p in pairs if (int(p[0]) < 3) != (p[1] == "starting")]
assert not bad and ["1", "starting"] in pairs and ["2", "starting"] in pairs, pairs' &&
	[ "${line#* }" = unhealthy ] && [ "${line% *}" -ge 3 ] &&
	ok "starting while 1 and 2 failures, unhealthy at 3 (retries 3): $(echo "$seen" | tr '|' '\n' | sort -u | tr '\n' ' ')" ||
	notok "retries: $seen"
st=$(status_of flip)
case $st in "Up "*" (unhealthy)") ok "ps: $st" ;; *) notok "ps unhealthy: $st" ;; esac
$S exec flip touch /tmp/ok
wait_for 8 is flip healthy && [ "$(hv flip State.Health.FailingStreak)" = 0 ] &&
	ok "unhealthy -> healthy once the probe succeeds (file made by exec)" || notok "no recovery: $(hv flip State.Health)"
$S exec flip busybox rm /tmp/ok
wait_for 12 is flip unhealthy && ok "healthy -> unhealthy again after 3 failures" || notok "no relapse: $(hv flip State.Health)"
n=$(hv flip State.Health.Log | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 5 ] && ok "the log keeps the last 5 results" || notok "log length $n"

# A probe past its timeout is killed and counts as a failure (-1).
$S run -d --rootfs "$R" --name slow --health-cmd 'sleep 7; echo late' --health-timeout 300ms \
	--health-interval 200ms --health-retries 1 sleep 600 >/dev/null
wait_for 5 is slow unhealthy && ok "a probe past its timeout makes it unhealthy" || notok "timeout: $(hv slow State.Health)"
out=$(hv slow State.Health.Log)
echo "$out" | python3 -c "$NS"'import json,sys
r = json.load(sys.stdin)[0]
assert r["ExitCode"] == -1 and "exceeded timeout" in r["Output"], r
assert 0.25e9 < ns(r["End"]) - ns(r["Start"]) < 2e9, r' && ok "timed-out probe logged as exit -1 after ~300ms: $(echo "$out" | jget 0.Output)" || notok "timeout log: $out"
sleep 1
n=$($S exec slow ps | grep -cE 'root +sleep 7$') # the probes' children
[ "$n" -le 1 ] && ok "timed-out probes are killed with what they started (sh and its sleep), not piling up ($n running)" || notok "$n probes left running: $($S exec slow ps)"

# The start period: failures before it ends do not count. 20 s leaves room
# for the polls below on a loaded machine (each is a client and a python;
# 8 s was not enough at a load of 15 on 2 cores).
$S run -d --rootfs "$R" --name sp --health-cmd 'test -f /tmp/ok' --health-start-period 20s \
	--health-interval 200ms --health-retries 1 sleep 600 >/dev/null
nfails() { hv "$1" State.Health.Log | python3 -c 'import json,sys; print(sum(r["ExitCode"] != 0 for r in json.load(sys.stdin)))'; }
fails_ge() { [ "$(nfails "$1")" -ge "$2" ]; }
wait_for 6 fails_ge sp 2
fails=$(nfails sp)
is sp starting && [ "$fails" -ge 2 ] && [ "$(hv sp State.Health.FailingStreak)" = 0 ] &&
	ok "inside the start period $fails failures leave it starting (streak 0)" || notok "start period: $(hv sp State.Health)"
wait_for 30 is sp unhealthy && ok "after the start period one failure (retries 1) makes it unhealthy" || notok "after: $(hv sp State.Health)"
$S run -d --rootfs "$R" --name sp2 --health-cmd 'test -f /tmp/ok' --health-start-period 30s \
	--health-interval 200ms --health-retries 1 sleep 600 >/dev/null
sleep 0.5
$S exec sp2 touch /tmp/ok
wait_for 5 is sp2 healthy && ok "a success inside the start period makes it healthy" || notok "sp2: $(hv sp2 State.Health)"
$S exec sp2 busybox rm /tmp/ok
wait_for 5 is sp2 unhealthy && ok "after a success the start period no longer shields failures" || notok "sp2 after: $(hv sp2 State.Health)"

# Output trimmed to 4 KiB plus "..."; stderr captured too.
$S run -d --rootfs "$R" --name big --health-cmd 'seq 1 3000; echo oops >&2; exit 3' \
	--health-interval 200ms --health-retries 1 sleep 600 >/dev/null
wait_for 5 is big unhealthy
out=$(hv big State.Health.Log)
echo "$out" | python3 -c 'import json,sys
r = json.load(sys.stdin)[0]
assert r["ExitCode"] == 3, r["ExitCode"]
o = r["Output"]
assert len(o) == 4099 and o.endswith("...") and o.startswith("1\n2\n3\n"), (len(o), o[-20:])' &&
	ok "output trimmed to 4096 bytes + \"...\", exit code 3 kept" || notok "big output: $(echo "$out" | head -c 300)"
$S run -d --rootfs "$R" --name errout --health-cmd 'echo to-err >&2; exit 1' \
	--health-interval 200ms --health-retries 1 sleep 600 >/dev/null
wait_for 5 is errout unhealthy
[ "$(hv errout State.Health.Log.0.Output)" = to-err ] && ok "stderr is in the probe output" || notok "stderr: $(hv errout State.Health.Log)"

# A probe that cannot start (no /bin/sh in the container) fails with -1.
mkdir -p "$T/nosh/bin" && cp /bin/busybox "$T/nosh/bin/"
$S run -d --rootfs "$T/nosh" --name nosh --health-cmd true --health-interval 200ms \
	--health-retries 1 /bin/busybox sleep 600 >/dev/null
wait_for 5 is nosh unhealthy
out=$(hv nosh State.Health.Log.0)
[ "$(echo "$out" | jget ExitCode)" = -1 ] && echo "$out" | grep -q 'No such file' &&
	ok "a probe that cannot start: exit -1, $(echo "$out" | jget Output)" || notok "nosh: $out"

# ps --filter health=
$S run -d --rootfs "$R" --name plain sleep 600 >/dev/null
$S run -d --rootfs "$R" --name off --no-healthcheck sleep 600 >/dev/null
names() { $S --json ps --filter "$1" | python3 -c 'import json,sys
print(" ".join(sorted(json.loads(l)["Names"] for l in sys.stdin if l.strip())))'; }
h=$(names health=healthy) u=$(names health=unhealthy) n=$(names health=none)
[ "$h" = good ] && ok "--filter health=healthy: $h" || notok "healthy filter: $h"
[ "$u" = "big errout flip nosh slow sp sp2" ] &&
	ok "--filter health=unhealthy: $u" || notok "unhealthy filter: $u"
[ "$n" = "off plain" ] && ok "--filter health=none: $n" || notok "none filter: $n"
$S run -d --rootfs "$R" --name late --health-cmd true --health-interval 1m sleep 600 >/dev/null
[ "$(names health=starting)" = late ] && ok "--filter health=starting: late" || notok "starting filter: $(names health=starting)"
out=$($S ps --filter health=sick 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'health=starting, healthy, unhealthy or none' && ok "bad health filter refused: $out" || notok "bad filter: $out"
st=$(status_of off)
[ "$(hv off Config.Healthcheck.Test)" = '["NONE"]' ] && [ "$st" = "${st%% (*}" ] && [ -z "$(hv off State.Health 2>/dev/null)" ] &&
	ok "--no-healthcheck: test [\"NONE\"], no health in ps" || notok "no-healthcheck: $(hv off Config.Healthcheck)"
$S rm -f plain off late sp sp2 nosh errout big >/dev/null 2>&1

# Pause: no probes while frozen; they resume after.
if $S pause good >/dev/null 2>&1; then
	last_end() { hv good State.Health.Log | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["End"])'; }
	new_probe() { [ "$(last_end)" != "$1" ]; }
	e0=$(last_end)
	sleep 1.3
	e1=$(last_end)
	[ "$e0" = "$e1" ] && ok "no probe while paused" || notok "probed while paused: $e0 -> $e1"
	$S unpause good
	wait_for 3 new_probe "$e1" &&
		ok "probes resume after unpause" || notok "no probe after unpause"
else
	notok "pause good"
fi

# --health-on-failure kill: SIGKILLed; without a restart policy it stays down.
$S run -d --rootfs "$R" --name killme --health-cmd false --health-interval 200ms \
	--health-retries 2 --health-on-failure kill sleep 600 >/dev/null
wait_for 5 field_is killme State.Status exited &&
	[ "$(hv killme State.ExitCode)" = 137 ] && ok "on-failure kill: exited 137 after turning unhealthy" ||
	notok "kill: $(hv killme State.Status) $(hv killme State.ExitCode)"
sleep 0.5
[ "$(hv killme State.Status)" = exited ] && [ "$(hv killme RestartCount)" = 0 ] && ok "no restart policy: it stays exited" || notok "killme restarted"
# ... with --restart on-failure:1 the policy brings it back once; the
# health status starts over, so it turns unhealthy (and is killed) again.
$S run -d --rootfs "$R" --name killre --restart on-failure:1 --health-cmd false --health-interval 200ms \
	--health-retries 1 --health-on-failure kill sleep 600 >/dev/null
unhealthy_events() { [ "$(grep -c "health_status: unhealthy .*(name=$1)" "$T/ev")" -ge "$2" ]; }
wait_for 8 field_is killre RestartCount 1 &&
	ok "on-failure kill + --restart on-failure:1: restarted by the policy" || notok "killre: $(hv killre RestartCount)"
wait_for 5 unhealthy_events killre 2 && wait_for 5 field_is killre State.Status exited &&
	[ "$(hv killre RestartCount)" = 1 ] && [ "$(hv killre State.ExitCode)" = 137 ] &&
	ok "after the restart health starts over: unhealthy again, killed again, policy spent" ||
	notok "killre again: $(hv killre State.Status) $(hv killre RestartCount) $(grep -c 'name=killre' "$T/ev") events"
$S rm -f killre >/dev/null

# --health-on-failure restart: stopped and started again, counted.
$S run -d --rootfs "$R" --name re --stop-timeout 1 --health-cmd 'test -f /tmp/ok' --health-interval 200ms \
	--health-retries 3 --health-on-failure restart sleep 600 >/dev/null
s0=$(hv re State.StartedAt)
wait_for 10 field_ge re RestartCount 1 && wait_for 3 field_is re State.Status running &&
	[ "$(hv re State.StartedAt)" != "$s0" ] && ok "on-failure restart: running again, restart_count $(hv re RestartCount), started changed" ||
	notok "restart: $(hv re State.Status) count=$(hv re RestartCount) started $s0 -> $(hv re State.StartedAt)"
wait_for 5 $S exec re touch /tmp/ok
wait_for 5 is re healthy && ok "restarted container turns healthy (same upper layer)" || notok "re: $(hv re State.Health)"
$S exec re busybox rm /tmp/ok
c1=$(hv re RestartCount)
wait_for 10 field_ge re RestartCount $((c1 + 1)) &&
	ok "unhealthy again: restarted again" || notok "second restart: $(hv re RestartCount)"
$S stop -t 1 re >/dev/null
sleep 1.5
[ "$(hv re State.Status)" = exited ] && ok "stop ends the health restarts" || notok "after stop: $(hv re State.Status)"

# Events.
sleep 0.2
for a in "health_status: healthy" "health_status: unhealthy"; do
	grep -q "container $a .*(name=good\|container $a .*(name=flip" "$T/ev" && ok "event container $a" || notok "no '$a' event: $(grep health_status "$T/ev" | head -3)"
done
grep -q 'health_status: healthy' "$T/hev" && grep -q 'health_status: unhealthy' "$T/hev" &&
	! grep -qv 'container health_status: ' "$T/hev" &&
	ok "events --filter event=health_status: every health_status event, nothing else" || notok "family filter: $(head -3 "$T/hev")"
[ "$(grep -c 'health_status: .*(name=flip' "$T/ev")" -ge 3 ] && ok "flip published unhealthy, healthy, unhealthy" ||
	notok "flip events: $(grep 'name=flip' "$T/ev" | grep health)"

# Bad flags: refused, nothing created.
before=$($S ps -aq | wc -l)
bad() {
	local out rc
	out=$($S create --rootfs "$R" "$@" sleep 1 2>&1); rc=$?
	[ $rc -ne 0 ] && echo "$out" | grep -q -e health -e conflict && ok "refused: $* -> $out" || notok "accepted: $* -> $out"
}
bad --health-on-failure bogus --health-cmd true
bad --health-retries -1 --health-cmd true
bad --health-interval -1s --health-cmd true
bad --health-timeout abc --health-cmd true
bad --health-start-period 5x --health-cmd true
bad --health-cmd ''
bad --health-cmd '  '
bad --health-interval 1s
bad --health-on-failure kill
bad --no-healthcheck --health-cmd true
bad --no-healthcheck --health-retries 2
bad --rm --health-cmd true --health-on-failure restart
after=$($S ps -aq | wc -l)
[ "$before" = "$after" ] && ok "no container was created by a refused flag ($after)" || notok "containers: $before -> $after"

# The config survives a daemon restart (state file); status starts over.
$S create --rootfs "$R" --name kept --health-cmd 'echo ok' --health-interval 250ms --health-timeout 2s \
	--health-retries 4 --health-start-period 1s --health-on-failure kill sleep 600 >/dev/null
$S create --rootfs "$R" --name edited --health-cmd true --health-interval 1s sleep 600 >/dev/null
$S create --rootfs "$R" --name broken --health-cmd true sleep 600 >/dev/null
ed_id=$(hv edited Id) br_id=$(hv broken Id)
stop_daemon && ok "skiffd stops" || notok "stop"
# Hand-edited state: out-of-range values fall back to the defaults, an
# unusable test drops the healthcheck; neither stops the daemon.
python3 - "$T/root/containers" "$ed_id" "$br_id" <<'PY'
import json, sys
d, ed, br = sys.argv[1:]
p = f"{d}/{ed}.json"; s = json.load(open(p))
s["healthcheck"].update(interval_ms=-5, timeout_ms="x", retries=10**12, on_failure="explode")
json.dump(s, open(p, "w"))
p = f"{d}/{br}.json"; s = json.load(open(p))
s["healthcheck"]["test"] = ["CMD", "true"]
json.dump(s, open(p, "w"))
PY
start_daemon || { notok "skiffd restarts"; exit 1; }
[ "$(hv edited Config.Healthcheck.Interval)" = 30000000000 ] && [ "$(hv edited Config.Healthcheck.Timeout)" = 30000000000 ] &&
	[ "$(hv edited Config.Healthcheck.Retries)" = 3 ] && [ "$(hv edited Skiff.HealthOnFailure)" = none ] &&
	ok "hand-edited bad values load as the defaults" || notok "edited: $(hv edited Config.Healthcheck)"
[ -z "$(hv broken Config.Healthcheck 2>/dev/null)" ] && grep -q "unusable healthcheck test" "$T/daemon.log" &&
	ok "an unusable test is dropped with a warning" || notok "broken: $(hv broken Config.Healthcheck 2>&1)"
[ "$(hv kept Config.Healthcheck.Test)" = '["CMD-SHELL", "echo ok"]' ] && [ "$(hv kept Config.Healthcheck.Interval)" = 250000000 ] &&
	[ "$(hv kept Config.Healthcheck.Timeout)" = 2000000000 ] && [ "$(hv kept Config.Healthcheck.Retries)" = 4 ] &&
	[ "$(hv kept Config.Healthcheck.StartPeriod)" = 1000000000 ] && [ "$(hv kept Skiff.HealthOnFailure)" = kill ] &&
	ok "healthcheck config reloaded from the state file" || notok "reloaded: $(hv kept Config.Healthcheck)"
$S start kept
wait_for 5 is kept healthy && ok "reloaded container turns healthy" || notok "kept: $(hv kept State.Health)"

ids=$($S ps -aq --no-trunc)
for c in $($S ps -aq); do $S rm -f "$c" >/dev/null 2>&1; done
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
