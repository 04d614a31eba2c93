#!/usr/bin/env bash
# The container commands beyond create/run/exec, on the real kernel:
# restart (running, exited, policy counters), rename (unique, valid,
# durable, event), several containers per start/stop/kill/rm/restart/
# pause/unpause/wait with a result each, --env-file, network I/O in
# stats, top, and cp both ways for running and stopped containers.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
rootfs_sum() { find "$R" -exec stat -c '%n %s %Y %a' {} + | sort | md5sum; }
rootfs_before=$(rootfs_sum)

start_daemon || { notok "skiffd starts"; exit 1; }
$S events --filter type=container >"$T/ev" 2>&1 &
epid=$!; track $epid

# field CONTAINER KEY: one field of inspect
field() { $S --json inspect "$1" | json_get "$2"; }
# restarted CONTAINER: its policy restarted it at least once
restarted() { [ "$(field "$1" RestartCount)" -ge 1 ]; }

# ---- restart ----
$S run -d --rootfs "$R" --name r1 sleep 600 >/dev/null
pid1=$($S --json inspect r1 | json_get State.Pid)
out=$($S restart -t 1 r1); rc=$?
pid2=$($S --json inspect r1 | json_get State.Pid)
[ $rc -eq 0 ] && [ "$out" = r1 ] && ok "restart prints the name and exits 0" || notok "restart: rc=$rc $out"
[ "$($S --json inspect r1 | json_get State.Status)" = running ] && [ "$pid1" != "$pid2" ] && ok "restart runs a new init" || notok "restart pid $pid1 -> $pid2"
[ "$($S --json inspect r1 | json_get State.ExitCode)" = 137 ] && ok "restart -t 1: sleep (no TERM handler as pid 1) was SIGKILLed after the timeout" || notok "restart exit $($S --json inspect r1 | json_get State.ExitCode)"
$S run -d --rootfs "$R" --name r2 --stop-signal USR1 sh -c 'trap "exit 0" USR1; while :; do sleep 0.1; done' >/dev/null
sleep 0.2
t0=$(date +%s%N); $S restart r2 >/dev/null; t1=$(date +%s%N)
[ "$($S --json inspect r2 | json_get State.ExitCode)" = 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 5000 ] && ok "restart uses the stop signal (exit 0, no timeout)" || notok "restart r2: $($S --json inspect r2 | json_get State.ExitCode)"
$S run --rootfs "$R" --name r3 sh -c 'echo run >>/tmp/count; cat /tmp/count | wc -l' >/dev/null
$S restart r3 >/dev/null && [ "$($S wait r3)" = 0 ] &&
	[ "$($S logs r3 | tail -n1)" = 2 ] && ok "restart starts an exited container (its upper layer kept)" || notok "restart exited: $($S logs r3)"
$S run -d --rootfs "$R" --name r4 --restart on-failure:5 sh -c 'sleep 2; exit 1' >/dev/null
wait_for 10 restarted r4
$S restart -t 1 r4 >/dev/null
rc4=$($S --json inspect r4 | json_get RestartCount)
[ "$rc4" = 0 ] && ok "a manual restart resets the restart count" || notok "restart_count $rc4"
wait_for 10 restarted r4 && ok "the policy still applies after a manual restart" || notok "policy after restart"
$S rm -f r4 >/dev/null
$S restart nosuch 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no such container: nosuch" "$T/e" && ok "restart of an unknown container: exit 1, named" || notok "restart nosuch: $rc $(cat "$T/e")"

# ---- rename ----
$S rename r3 renamed && [ "$($S --json inspect renamed | json_get Name)" = /renamed ] && ok "rename" || notok "rename"
$S inspect r3 >/dev/null 2>&1 && notok "old name still found" || ok "the old name is gone"
$S rename renamed r1 2>"$T/e" && notok "rename onto a used name" || { grep -q 'already in use' "$T/e" && ok "rename refuses a name in use" || notok "rename dup: $(cat "$T/e")"; }
$S rename renamed 'bad/name' 2>"$T/e" && notok "rename to a bad name" || { grep -q 'invalid container name' "$T/e" && ok "rename refuses an invalid name" || notok "bad name: $(cat "$T/e")"; }
$S rename renamed renamed 2>/dev/null && notok "rename to its own name" || ok "rename to its own name is refused"
wait_for 3 grep -q 'rename.*name=renamed' "$T/ev" && grep 'rename' "$T/ev" | grep -q 'oldName=r3' && ok "rename event with the old and new name" || notok "rename event: $(grep rename "$T/ev")"

# ---- several containers per command ----
for n in m1 m2 m3; do $S create --rootfs "$R" --name $n sleep 600 >/dev/null; done
out=$($S start m1 m2 m3); rc=$?
[ $rc -eq 0 ] && [ "$out" = "m1
m2
m3" ] && ok "start m1 m2 m3 prints each name" || notok "start several: rc=$rc $out"
[ "$($S ps -q --filter name=m | wc -l)" = 3 ] && ok "all three run" || notok "ps: $($S ps)"
$S pause m1 m2 >/dev/null && [ "$(field m1 State.Status)" = paused ] && [ "$(field m2 State.Status)" = paused ] && ok "pause m1 m2" || notok "pause several"
out=$($S unpause m1 m2 m3 2>"$T/e"); rc=$?
[ $rc -eq 1 ] && [ "$out" = "m1
m2" ] && grep -q "container m3 is not paused" "$T/e" && [ "$(wc -l <"$T/e")" = 1 ] && ok "unpause m1 m2 m3: two done, m3's error once, exit 1" || notok "unpause: rc=$rc out=$out err=$(cat "$T/e")"
out=$($S --json kill -s USR2 m1 nosuch m2 2>"$T/e"); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | sed -n 2p)" = '{"container":"nosuch","error":"no such container: nosuch"}' ] && [ "$(raw 'kill -s USR2 m1 nosuch m2' | tail -n1)" = "err not_found 1 of 3 containers failed" ] && ok "--json: a data line per container, then err (1 of 3 failed)" || notok "kill --json: $out"
t0=$(date +%s%N); out=$($S stop -t 1 m1 m2 m3); t1=$(date +%s%N)
[ "$out" = "m1
m2
m3" ] && [ $(( (t1 - t0) / 1000000 )) -lt 2500 ] && ok "stop -t 1 of three takes one timeout, not three" || notok "stop several: $out $(( (t1 - t0) / 1000000 )) ms"
[ "$($S wait m1 m2 m3 | tr '\n' ' ')" = "137 137 137 " ] && ok "wait m1 m2 m3: an exit code each" || notok "wait several: $($S wait m1 m2 m3)"
$S start m1 >/dev/null
out=$($S restart -t 1 m1 m2); rc=$?
[ $rc -eq 0 ] && [ "$(field m1 State.Status)" = running ] && [ "$(field m2 State.Status)" = running ] && ok "restart m1 (running) m2 (exited)" || notok "restart several: $out"
$S rm m1 m3 2>"$T/e" >"$T/o"; rc=$?
[ $rc -eq 1 ] && [ "$(cat "$T/o")" = m3 ] && grep -q "m1 is running" "$T/e" && ok "rm m1 m3: the exited one goes, the running one is refused" || notok "rm: $rc $(cat "$T/o") $(cat "$T/e")"
out=$($S rm -f m1 m2); rc=$?
[ $rc -eq 0 ] && ! $S inspect m1 >/dev/null 2>&1 && ! $S inspect m2 >/dev/null 2>&1 && ok "rm -f m1 m2" || notok "rm -f: $out"
$S stop nosuch 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && [ "$(cat "$T/e")" = "skiff: no such container: nosuch" ] && ok "one container: the error alone, once" || notok "stop nosuch: $(cat "$T/e")"
[ "$(raw 'wait nosuch')" = "err not_found no such container: nosuch" ] && ok "protocol: one container's error is the status line" || notok "raw: $(raw 'wait nosuch')"

# ---- --env-file (read by the CLI) ----
printf '# a comment\n\n  A=1\nB=two words = x\nFROM_CLIENT\nUNSET_HERE\nC=\n' >"$T/vars.env"
out=$(FROM_CLIENT=yes $S run --rm --rootfs "$R" --env-file "$T/vars.env" -e D=4 env | grep -E '^(A|B|C|D|FROM_CLIENT|UNSET_HERE)=' | tr '\n' ';')
[ "$out" = "A=1;B=two words = x;FROM_CLIENT=yes;C=;D=4;" ] && ok "run --env-file: K=V verbatim, comments skipped, bare KEY from the client's env" || notok "env-file: $out"
$S run -d --rootfs "$R" --name envc sleep 600 >/dev/null
[ "$($S exec --env-file="$T/vars.env" envc sh -c 'echo $B')" = "two words = x" ] && ok "exec --env-file=FILE" || notok "exec env-file"
$S create --rootfs "$R" --name envcr --env-file "$T/vars.env" env >/dev/null && $S start envcr >/dev/null && [ "$($S wait envcr)" = 0 ] && $S logs envcr | grep -qx A=1 && ok "create --env-file" || notok "create env-file"
[ "$($S run --rm --rootfs "$R" sh -c 'echo "$@"' x --env-file /nonexistent)" = "--env-file /nonexistent" ] && ok "--env-file in the command's own args is left alone" || notok "env-file after the command"
printf 'A=1\nbad name=2\n' >"$T/bad.env"
$S run --rm --rootfs "$R" --env-file "$T/bad.env" true 2>"$T/e"; rc=$?
[ $rc -eq 125 ] && grep -q "$T/bad.env:2: variable \"bad name\" contains blanks" "$T/e" && ok "a bad line is named FILE:LINE (exit 125)" || notok "bad line: $rc $(cat "$T/e")"
$S run --rm --rootfs "$R" --env-file "$T/none.env" true 2>"$T/e"; rc=$?
[ $rc -eq 125 ] && grep -q "none.env: No such file" "$T/e" && ok "an unreadable file is named" || notok "missing file: $rc $(cat "$T/e")"
[ "$(raw "run --rootfs $R --env-file x true" | tail -n1)" = "err invalid --env-file is read by the skiff CLI; send its variables as -e K=V" ] && ok "the daemon refuses --env-file on the socket, saying why" || notok "raw env-file: $(raw "run --rootfs $R --env-file x true")"
$S rm -f envc envcr >/dev/null

# ---- stats: network I/O of the container's namespace ----
$S run -d --network none --rootfs "$R" --name net1 sleep 600 >/dev/null
npid=$(field net1 State.Pid)
veth=skct$$
if ip link add "$veth" type veth peer name eth0 netns "$npid" 2>/dev/null; then
	ip addr add 10.213.$(( $$ % 200 )).1/24 dev "$veth" && ip link set "$veth" up
	nsenter -t "$npid" -n sh -c "ip addr add 10.213.$(( $$ % 200 )).2/24 dev eth0 && ip link set eth0 up"
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(100):
    s.sendto(b"x" * 1000, (sys.argv[1], 9)); time.sleep(0.002)' "10.213.$(( $$ % 200 )).2"
	rx=$($S --json stats --no-stream net1 | json_get Skiff.net_rx)
	[ "$rx" -ge 100000 ] && ok "stats: net_rx counts the container's interfaces ($rx bytes)" || notok "net_rx $rx"
	$S stats --no-stream net1 >"$T/o"
	head -n1 "$T/o" | grep -q 'NET I/O' && sed -n 2p "$T/o" | grep -Eq '[0-9.]+kB / [0-9.]+k?B' && ok "stats table: a NET I/O column (rx / tx)" || notok "stats table: $(cat "$T/o")"
	ip link del "$veth" 2>/dev/null
else
	notok "veth into the container's netns"
fi
$S run -d --network none --rootfs "$R" --name net2 --cap-add NET_ADMIN sh -c 'busybox ip link set lo up; busybox ping -c 5 -i 0.2 127.0.0.1; sleep 600' >/dev/null
sleep 1.5
lo=$(awk '$1 == "lo:" { print $2 }' /proc/"$(field net2 State.Pid)"/net/dev)
rx=$($S --json stats --no-stream net2 | json_get Skiff.net_rx)
[ "${lo:-0}" -gt 0 ] && [ "$rx" = 0 ] && ok "stats: loopback traffic ($lo bytes) is not counted (Docker's rule)" || notok "lo=$lo net_rx=$rx $($S logs net2 2>&1)"
$S rm -f net1 net2 >/dev/null

# ---- top ----
$S run -d --rootfs "$R" --name topc sh -c 'sleep 600 & exec sleep 601' >/dev/null
ipid=$(field topc State.Pid)
wait_for 3 sh -c "[ \$($S --json top topc | wc -l) -ge 2 ]"
$S top topc >"$T/o"
head -n1 "$T/o" | grep -Eq '^UID +USER +PID +PPID +STAT +TIME +CMD$' && ok "top: a table with UID USER PID PPID STAT TIME CMD" || notok "top header: $(head -n1 "$T/o")"
grep -Eq "^0 +root +$ipid +[0-9]+ +S +00:00:00 +sleep 601$" "$T/o" && ok "top: the init by its host pid, user, time and command" || notok "top rows: $(cat "$T/o")"
grep -Eq "^0 +root +[0-9]+ +$ipid +S +[0-9:]+ +sleep 600$" "$T/o" && ok "top: its child, whose parent is the init" || notok "top child: $(cat "$T/o")"
$S exec -d -u nobody topc sleep 602 >/dev/null
wait_for 3 sh -c "$S top topc | grep -q 'sleep 602'"
$S --json top topc | grep '"cmd":"sleep 602"' | grep -q '"uid":65534' && ok "top --json: data lines; an exec'd process and its uid are there" || notok "top json: $($S --json top topc)"
$S stop -t 1 topc >/dev/null
$S top topc 2>"$T/e" && notok "top of a stopped container" || { grep -q "topc is not running" "$T/e" && ok "top of a stopped container is refused" || notok "top stopped: $(cat "$T/e")"; }
$S top topc -ef 2>"$T/e" && notok "top with ps options" || ok "top refuses ps options it does not take"
$S rm topc >/dev/null

# ---- cp ----
W=$T/cp; mkdir -p "$W/src/d" "$W/out"
echo one >"$W/src/f"; echo two >"$W/src/d/g"; ln -s f "$W/src/lnk"
chmod 640 "$W/src/f"; touch -d 2001-02-03 "$W/src/f"; chown 123:456 "$W/src/d/g"
$S run -d --rootfs "$R" --name cp1 sh -c 'mkdir -p /data/sub; echo hello >/data/a.txt; chown 65534:65534 /data/a.txt; touch -d 2002-03-04 /data/a.txt; ln -s /etc/passwd /data/link; echo deep >/data/sub/b; ln -s /../../../../.. /up; ln -s ../../../.. /rel; sleep 600' >/dev/null
wait_for 10 $S exec cp1 busybox test -L /rel
$S cp cp1:/data "$W/out/" && [ "$(cat "$W/out/data/sub/b")" = deep ] && ok "cp CONTAINER:DIR HOSTDIR/ (running)" || notok "cp out: $(ls -R "$W/out")"
[ "$(stat -c '%u:%g %a %y' "$W/out/data/a.txt" | cut -d' ' -f1-3)" = "65534:65534 644 2002-03-04" ] && [ "$(readlink "$W/out/data/link")" = /etc/passwd ] && ok "cp keeps owner, mode, mtime and symlinks (not followed)" || notok "meta: $(stat -c '%u:%g %a %y' "$W/out/data/a.txt") $(readlink "$W/out/data/link")"
$S cp cp1:/data/a.txt "$W/out/renamed" && [ "$(cat "$W/out/renamed")" = hello ] && ok "cp CONTAINER:FILE NEWNAME" || notok "cp rename"
[ "$($S cp cp1:/data - | tar -tf - | sort | tr '\n' ' ')" = "data/ data/a.txt data/link data/sub/ data/sub/b " ] && ok "cp CONTAINER:DIR - writes a tar stream" || notok "cp to -: $($S cp cp1:/data - | tar -tf -)"
$S cp "$W/src" cp1:/in && [ "$($S exec cp1 busybox stat -c '%u:%g %a %Y' /in/f /in/d/g | tr '\n' ' ')" = "0:0 640 $(date -d 2001-02-03 +%s) 123:456 644 $(stat -c %Y "$W/src/d/g") " ] && [ "$($S exec cp1 busybox readlink /in/lnk)" = f ] && ok "cp HOSTDIR CONTAINER:NEW (owners, modes, mtimes, symlink)" || notok "cp in: $($S exec cp1 ls -lnR /in)"
$S cp "$W/src/." cp1:/data && [ "$($S exec cp1 cat /data/f /data/d/g | tr '\n' ' ')" = "one two " ] && ok "cp HOSTDIR/. CONTAINER:DIR copies what is inside" || notok "cp contents"
tar -C "$W/src" -cf - f d | $S cp - cp1:/tmp && [ "$($S exec cp1 cat /tmp/d/g)" = two ] && ok "cp - CONTAINER:DIR extracts a tar from stdin" || notok "cp from -"
$S cp cp1:/nope "$W/out" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "no such file or directory: cp1:/nope" "$T/e" && ok "cp: a missing container path is named" || notok "cp missing: $rc $(cat "$T/e")"
$S cp "$W/src/d" cp1:/data/a.txt 2>"$T/e" && notok "dir onto a file" || { grep -q "cannot copy a directory to a file" "$T/e" && ok "cp refuses a directory onto a file" || notok "dir->file: $(cat "$T/e")"; }
$S cp "$W/src/f" cp1:/nodir/ 2>"$T/e" && notok "cp to a missing dir/" || { grep -q "cp1:/nodir/: no such directory" "$T/e" && ok "cp to a missing DIR/ is refused" || notok "missing dir: $(cat "$T/e")"; }
$S cp "$W/nothere" cp1:/x 2>"$T/e" && notok "cp of a missing host file" || { grep -q "no such file or directory: $W/nothere" "$T/e" && ok "cp: a missing host file is named" || notok "missing host: $(cat "$T/e")"; }
# a symlink in the container never leads the copy out of it
mkdir -p "$T/host-target"
$S exec cp1 busybox mkdir -p "$T/host-target"
$S exec cp1 busybox ln -s "/../../../../../$T/host-target" /esc
$S cp "$W/src/f" cp1:/esc/planted && [ ! -e "$T/host-target/planted" ] && $S exec cp1 busybox test -f "$T/host-target/planted" && ok "cp into a container symlink pointing at a host path stays in the container" || notok "escape in: $(ls "$T/host-target")"
$S cp cp1:/up/etc/passwd "$W/out/pw" && cmp -s "$W/out/pw" "$R/etc/passwd" && ! cmp -s "$W/out/pw" /etc/passwd && ok "cp out through /.. symlinks reads the container's file" || notok "escape out: $(cat "$W/out/pw" 2>&1)"
$S cp cp1:/rel/etc/passwd - | tar -xOf - | grep -q '^nobody:x:65534' && ok "relative ../.. symlinks resolve inside the root too" || notok "escape rel"
# The image's charset converters are never loaded: glibc reads its gconv
# list on the first iconv_open (libarchive's, for pax headers), which in the
# cp helper comes after the chroot into the container (docker cp's
# CVE-2019-14271 was the same with NSS). This root names a converter whose
# constructor makes /pwned.
G=$T/gconv-root
cp -a "$R" "$G"
gdir=$(ls -d /usr/lib/*/gconv 2>/dev/null | head -n1)
mkdir -p "$G$gdir"
printf 'module ANSI_X3.4-1968// INTERNAL EVIL 1\nmodule INTERNAL ANSI_X3.4-1968// EVIL 1\nmodule UTF-8// INTERNAL EVIL 1\nmodule INTERNAL UTF-8// EVIL 1\n' >"$G$gdir/gconv-modules"
printf '#include <fcntl.h>\n#include <unistd.h>\n__attribute__((constructor)) static void pwn(void) { close(open("/pwned", O_CREAT | O_WRONLY, 0644)); }\n' >"$T/evil.c"
if [ -n "$gdir" ] && cc -shared -fPIC -o "$G$gdir/EVIL.so" "$T/evil.c"; then
	$S run -d --rootfs "$G" --name gc1 sleep 600 >/dev/null
	long=$(printf 'n%.0s' $(seq 120))
	mkdir -p "$W/gsrc" && echo x >"$W/gsrc/$long-é"
	$S cp gc1:/etc/passwd - >/dev/null; $S cp "$W/gsrc" gc1:/gsrc; $S cp gc1:/gsrc - >/dev/null
	$S exec gc1 busybox test -e "/gsrc/$long-é" && ! $S exec gc1 busybox test -e /pwned && ok "cp never loads the container's charset converters (gconv)" || notok "gconv: $($S exec gc1 busybox ls / /gsrc)"
	$S rm -f gc1 >/dev/null
else
	notok "gconv test set-up (cc, $gdir)"
fi
# stopped containers: created (never started) and exited
$S create --rootfs "$R" --name st1 cat /hello.txt /etc/added >/dev/null
echo hi-created >"$W/hello.txt"
$S cp "$W/hello.txt" st1:/ && $S cp "$W/src/f" st1:/etc/added && $S start st1 >/dev/null && [ "$($S wait st1)" = 0 ] && [ "$($S logs st1 | tr '\n' ' ')" = "hi-created one " ] && ok "cp into a created container (its overlay, mounted for the copy)" || notok "cp created: $($S logs st1 2>&1)"
$S run --rootfs "$R" --name ex1 sh -c 'echo made-in-run >/out.txt' >/dev/null
$S cp ex1:/out.txt "$W/out/" && [ "$(cat "$W/out/out.txt")" = made-in-run ] && ok "cp out of an exited container" || notok "cp exited"
[ "$(rootfs_sum)" = "$rootfs_before" ] && [ ! -e "$R/hello.txt" ] && [ ! -e "$R/out.txt" ] && ok "the rootfs directory is never written by cp" || notok "rootfs written"
grep -q "$T/root" /proc/mounts && notok "an overlay left mounted: $(grep "$T/root" /proc/mounts)" || ok "no overlay left mounted on the host"
$S rm -f cp1 st1 ex1 >/dev/null

# ---- durable across a daemon restart ----
# our_cgroups: cgroup directories of this daemon's containers still there
our_cgroups() {
	local id n=0
	for id in $($S ps -a -q --no-trunc); do
		ls -d /sys/fs/cgroup/*/skiff/"$id" >/dev/null 2>&1 && n=$((n + 1))
	done
	[ "$n" -eq 0 ]
}
running=$($S ps -q)
[ -z "$running" ] || $S stop -t 1 $running >/dev/null
wait_for 10 our_cgroups || notok "cgroups of stopped containers left"
stop_daemon
# back with the socket open to the group nogroup, for a client that is
# not root (below)
chmod 711 "$T"
printf '{ "socket-group": "nogroup" }\n' >"$T/grp.json"
start_daemon --config "$T/grp.json" || notok "skiffd restarts"
[ "$(field renamed Name)" = /renamed ] && ok "the new name survives a daemon restart" || notok "rename not durable"
$S inspect r3 >/dev/null 2>&1 && notok "old name back after restart" || ok "the old name stays gone"

# ---- cp with the rights of a client that is not root ----
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
$S run -d --rootfs "$R" --name cpu sh -c 'echo pub >/p; sleep 600' >/dev/null
wait_for 3 $S exec cpu busybox test -f /p
mkdir -p "$T/nob" "$T/rootonly" && chown 65534:65534 "$T/nob" && chmod 755 "$T/rootonly"
echo secret >"$T/rootonly/secret" && chmod 600 "$T/rootonly/secret"
if as_nobody "$S" ps >/dev/null 2>&1; then
	as_nobody "$S" cp cpu:/p "$T/nob/" && [ "$(stat -c %u:%g "$T/nob/p")" = 65534:65534 ] && [ "$(cat "$T/nob/p")" = pub ] && ok "cp out as a non-root client: files are the client's (its uid does the writing)" || notok "nobody cp out: $(ls -ln "$T/nob")"
	as_nobody "$S" cp cpu:/p "$T/rootonly/" 2>"$T/e" && notok "nobody wrote into a root-only directory" || { grep -qi "permission denied" "$T/e" && [ ! -e "$T/rootonly/p" ] && ok "cp out refuses a directory the client may not write" || notok "nobody rootonly: $(cat "$T/e")"; }
	as_nobody "$S" cp "$T/rootonly/secret" cpu:/stolen 2>"$T/e" && notok "nobody read a root-only file" || { grep -qi "permission denied" "$T/e" && ! $S exec cpu busybox test -e /stolen && ok "cp in refuses a file the client may not read" || notok "nobody secret: $(cat "$T/e")"; }
else
	notok "a nobody client reaches the group socket"
fi
all=$($S ps -a -q)
[ -z "$all" ] || $S rm -f $all >/dev/null

finish
