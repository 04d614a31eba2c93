#!/usr/bin/env bash
# The skiff CLI against a real skiffd: every foundation command, exit
# statuses, --json, streaming with ctrl-c, and the not-running error.
. "$TOP/tests/integration/lib.sh"

out=$("$SKIFF" ping 2>&1); rc=$?
if [ $rc -eq 125 ] && [[ $out == *"cannot connect to skiffd at $SOCK"*"is skiffd running?"* ]]; then
	ok "clear error and status 125 when skiffd is not running"
else notok "not-running error: rc=$rc out=$out"; fi

start_daemon || { notok "skiffd starts"; exit 1; }
check "ping exits 0" "$SKIFF" ping
check "ping over --sock" env -u SKIFF_SOCK "$SKIFF" --sock "$SOCK" ping
out=$("$SKIFF" version)
[[ $out == *"Client: skiff"*"Version:"*"0.1.0"*"Server: skiff"*"Engine:"* ]] && ok "version renders Docker's Client and Server text" || notok "version: $out"
out=$("$SKIFF" --json version)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["Version"]=="0.1.0" and d["ApiVersion"]=="1" and d["Components"][0]["Name"]=="Engine"' "$out" \
	&& ok "version --json is the raw NDJSON" || notok "version --json: $out"
out=$("$SKIFF" info)
[[ $out == *"Kernel Version: $(uname -r)"* && $out == *"Socket: $SOCK"* && $out == *"Cgroup Driver:"* ]] \
	&& ok "info shows host and daemon facts" || notok "info: $out"
out=$("$SKIFF" --json info)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["Skiff"]["daemon"]["counts"]["clients"]==1; assert d["Skiff"]["host"]["storage"]["overlay"] in (True,False); assert d["NCPU"] >= 1 and d["ServerVersion"]=="0.1.0"' "$out" \
	&& ok "info --json has counts and storage facts" || notok "info --json: $out"
# system loop: the loop's iterations timed; --reset starts over
for _ in 1 2 3; do "$SKIFF" ping >/dev/null; done
for _ in $(seq 20); do "$SKIFF" ping >/dev/null; done
out=$("$SKIFF" --json system loop --reset)
before=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["iterations"])' "$out" 2>/dev/null)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); c=d["cpu"]; w=d["wall"]
assert d["iterations"] >= 3, d
assert 0 < c["p50_us"] <= c["p99_us"] <= c["p999_us"] <= max(c["max_us"], c["p999_us"]), c
assert c["max_us"] <= w["max_us"] + 1000, d' "$out" \
	&& ok "system loop reports the iterations' CPU and wall quantiles" || notok "system loop: $out"
out=$("$SKIFF" system loop --format '{{.iterations}}')
[[ $out =~ ^[0-9]+$ && ${before:-0} -ge 60 && $out -lt 20 ]] && ok "system loop --reset started over ($before, then $out since)" || notok "system loop after --reset: $out"
out=$("$SKIFF" help)
[[ $out == *COMMAND*DESCRIPTION* && $out == *events* && $out == *shutdown* ]] && ok "help lists the table" || notok "help: $out"
out=$("$SKIFF" help events)
[[ $out == *"Usage:  skiff events [OPTIONS]"* && $out == *"--filter"* ]] && ok "help VERB shows usage and flags" || notok "help events: $out"
out=$("$SKIFF" events --help)
[[ $out == *"Usage:  skiff events"* ]] && ok "VERB --help shows usage" || notok "events --help: $out"
out=$("$SKIFF" frobnicate 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == 'skiff: unknown command "frobnicate"'* ]] && ok "unknown verb: exit 1 with the daemon's message" || notok "unknown verb rc=$rc $out"
out=$("$SKIFF" network bogus 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == 'skiff: unknown command "network bogus" (network has: connect, create, '*'ls, '* ]] &&
	ok "unknown verb of a group: names what the group has" || notok "network bogus rc=$rc $out"
out=$("$SKIFF" ping --bogus 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"unknown flag: --bogus"* ]] && ok "unknown flag: exit 1" || notok "unknown flag rc=$rc $out"
out=$("$SKIFF" help a b c 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"accepts at most"* ]] && ok "arity checked" || notok "arity rc=$rc $out"

# events: a reload shows up as a line; ctrl-c sends cancel and exits 0.
"$SKIFF" events --filter type=daemon >"$T/events.out" 2>&1 &
epid=$!
sleep 0.3
kill -HUP "$DPID"
for _ in $(seq 50); do grep -q reload "$T/events.out" && break; sleep 0.05; done
kill -INT "$epid"
wait "$epid"; rc=$?
grep -q 'daemon reload' "$T/events.out" && ok "events prints a reload event line" || notok "events: $(cat "$T/events.out")"
[ $rc -eq 0 ] && ok "ctrl-c on events cancels and exits 0" || notok "events after ctrl-c rc=$rc"
check "daemon still answers after the cancel" "$SKIFF" ping

# a script can drive the same socket
out=$(echo ping | socat - UNIX-CONNECT:"$SOCK")
[ "$out" = ok ] && ok "socat ping" || notok "socat ping: $out"

out=$("$SKIFF" shutdown 2>&1); rc=$?
[ $rc -eq 0 ] && ok "shutdown answers ok" || notok "shutdown rc=$rc $out"
wait "$DPID"; rc=$?; DPID=
[ $rc -eq 0 ] && ok "skiffd exits 0 after shutdown" || notok "skiffd exit $rc"
[ ! -e "$SOCK" ] && ok "socket removed on shutdown" || notok "socket left behind"
