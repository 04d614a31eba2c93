#!/usr/bin/env bash
# TTY and stdio on the real kernel, driven from a pty as a person would
# (ptyrun.py): run -it / exec -it get a pty made in the container's own
# devpts, whose master skiffd passes to the client by SCM_RIGHTS; the
# window size follows the client's; ctrl-c reaches the container; the
# detach keys leave it running and `attach` comes back; -i without -t
# passes stdin's pipe, which closes when the client's stdin does.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
P="$TOP/tests/integration/ptyrun.py"
make_rootfs "$R"
export PATH="$(dirname "$S"):$PATH"

start_daemon || { notok "skiffd starts"; exit 1; }

# pty NAME WANTS STEPS -- CMD...: drive CMD; every ;;-separated regex of
# WANTS must match a line of the transcript
pty() {
	local name=$1 wants=$2 steps=$3 w good=1; shift 4
	"$P" --rows 33 --cols 101 "$steps" -- "$@" >"$T/pty.out" 2>&1
	local rc=$?
	IFS=$'\n'
	for w in ${wants//;;/$'\n'}; do grep -Eq "$w" "$T/pty.out" || good=0; done
	unset IFS
	if [ $rc -eq 0 ] && [ $good = 1 ]; then ok "$name"
	else notok "$name (rc=$rc)"; sed 's/^/    /' "$T/pty.out"; fi
}

pty "run -it: a pty of the container's own devpts, /dev/console, TERM" \
	'^\| /dev/pts/0 console xterm' \
	'expect # ;;send echo $(tty) $([ -c /dev/console ] && echo console) $TERM\r;;expect console;;send exit\r' \
	-- "$S" run -it --rm --rootfs "$R" sh
pty "run -it: the window size is the client's, and follows a resize" \
	'exit 0' \
	'expect # ;;send stty size\r;;expect 33 101;;resize 40 120;;send stty size\r;;expect 40 120;;send exit\r' \
	-- "$S" run -it --rm --rootfs "$R" sh
pty "run -it: ends with the shell's exit code (3)" '^exit 3$' \
	'expect # ;;send exit 3\r' -- "$S" run -it --rm --rootfs "$R" sh
pty "run -it: ctrl-c goes to the container's foreground process, not the client" \
	'status=130' \
	'expect # ;;send sleep 50\r;;sleep 0.5;;send \x03;;send echo status=$?\r;;expect status=1;;send exit\r' \
	-- "$S" run -it --rm --rootfs "$R" sh

pty "run -it: a '-d' among the command's own words does not detach the client" \
	'got hi' \
	"expect / ;;send hi\\r;;expect got hi" \
	-- "$S" run -it --rm --rootfs "$R" sh -c 'ls -d /; read x; echo got $x'

# detach and attach
pty "ctrl-p ctrl-q detaches: the client ends 0, the container runs on" \
	'read escape sequence;;^exit 0$' \
	'expect # ;;send echo before\r;;expect before;;send \x10\x11' \
	-- "$S" run -it --name d --rootfs "$R" sh
[ "$($S --json inspect d | json_get State.Status)" = running ] && ok "detached container is still running" || notok "state: $($S --json inspect d | json_get State.Status)"
pty "attach: the same shell answers, and attach ends with its exit code (5)" \
	'^\| again;;^exit 5$' \
	'send echo again\r;;expect again;;send exit 5\r' -- "$S" attach d
[ "$($S --json wait d | json_get exit_code)" = 5 ] && ok "the container exited 5" || notok "after attach: $($S --json inspect d | json_get State.Status)"
$S logs d >"$T/dlog"
grep -q before "$T/dlog" && grep -q again "$T/dlog" && ok "a tty container's output is in its log" || notok "log: $(cat "$T/dlog")"
pty "--detach-keys ctrl-a,x: a lone ctrl-a still reaches the container, ctrl-a x detaches" \
	'read escape sequence;;^exit 0$' \
	'expect # ;;send echo one\x01;;send \r;;expect one;;send \x01x' \
	-- "$S" run -it --name k --detach-keys ctrl-a,x --rootfs "$R" sh
[ "$($S --json inspect k | json_get State.Status)" = running ] && ok "custom keys left it running" || notok "k: $($S --json inspect k | json_get State.Status)"
$S rm -f k >/dev/null
$S rm d >/dev/null

out=$($S run --detach-keys ctrl-1 --rootfs "$R" true 2>&1); rc=$?
[ $rc -eq 125 ] && echo "$out" | grep -q 'detach keys' && [ "$($S ps -aq | wc -l)" = 0 ] && ok "bad detach keys refused (125, as docker run), nothing created ($out)" || notok "bad keys: rc=$rc $out"
$S run -d --name stopped --rootfs "$R" true >/dev/null
$S wait stopped >/dev/null
out=$($S attach stopped 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'exited' && ok "attach to an exited container is refused ($out)" || notok "attach exited: rc=$rc $out"
$S rm stopped >/dev/null

# -t without -i: output through the pty, no input
out=$($S run -t --rm --rootfs "$R" sh -c 'tty; [ -t 0 ] && echo in-tty' </dev/null | tr -d '\r')
[ "$out" = "$(printf '/dev/pts/0\nin-tty')" ] && ok "run -t without -i: a pty, output still comes" || notok "-t: $out"

# -i without -t
out=$(echo hello | $S run -i --rm --rootfs "$R" cat); rc=$?
[ "$out" = hello ] && [ $rc -eq 0 ] && ok "run -i: stdin reaches the container and its EOF ends cat" || notok "-i: rc=$rc $out"
out=$(seq 1 200000 | $S run -i --rm --rootfs "$R" sh -c 'cat; echo done >&2' 2>"$T/e" | wc -l)
[ "$out" = 200000 ] && grep -q done "$T/e" && ok "run -i: 200000 lines in and out without a stall" || notok "big -i: $out"
out=$($S run -i --rm --rootfs "$R" sh -c 'cat; echo eof' </dev/null)
[ "$out" = eof ] && ok "run -i with an empty stdin: the container sees EOF at once" || notok "empty -i: $out"
out=$(echo x | $S run --rm --rootfs "$R" sh -c 'cat; echo none')
[ "$out" = none ] && ok "without -i the container's stdin is empty" || notok "no -i: $out"

# run -di: stdin stays open for later clients
$S run -di --name si --rootfs "$R" sh -c 'while read l; do echo "got $l"; done; echo closed' >/dev/null
( printf 'abc\n' | $S attach si >"$T/si.out" 2>&1 ) &
apid=$!; track $apid
wait_for 5 grep -q 'got abc' "$T/si.out" && ok "attach writes the stdin of a -di container" || notok "attach -i: $(cat "$T/si.out")"
sleep 0.3
[ "$($S --json inspect si | json_get State.Status)" = running ] && ok "its stdin stays open after that client's EOF (not stdin-once)" || notok "si stopped: $($S logs si)"
$S attach --no-stdin si >"$T/si2.out" 2>&1 &
bpid=$!; track $bpid
sleep 0.3
$S stop -t 1 si >/dev/null
wait $apid; rc=$?
[ $rc -eq 143 ] || [ $rc -eq 137 ] && ok "attach ends with the container's exit code ($rc)" || notok "attach rc=$rc"
wait $bpid; rc=$?
[ $rc -eq 143 ] || [ $rc -eq 137 ] && ok "attach --no-stdin ends with it too ($rc)" || notok "attach --no-stdin rc=$rc"
$S rm si >/dev/null

# exec -it / exec -i
$S run -d --name bg --rootfs "$R" sleep 600 >/dev/null
pty "exec -it: a pty in the container, its size, and the exit code (4)" \
	'^\| /dev/pts/[0-9]+ 33 101;;^exit 4$' \
	'expect # ;;send echo $(tty) $(stty size)\r;;expect 101;;send exit 4\r' -- "$S" exec -it bg sh
pty "exec -it: ctrl-p ctrl-q detaches" 'read escape sequence;;^exit 0$' \
	'expect # ;;send \x10\x11' -- "$S" exec -it bg sh
out=$(printf 'a\nb\nc\n' | $S exec -i bg wc -l); rc=$?
[ "$out" = 3 ] && [ $rc -eq 0 ] && ok "exec -i: stdin reaches the process and closes with the client's" || notok "exec -i: rc=$rc $out"
out=$(echo x | $S exec bg sh -c 'cat; echo none')
[ "$out" = none ] && ok "exec without -i: empty stdin" || notok "exec no -i: $out"
$S rm -f bg >/dev/null

finish
