#!/usr/bin/env bash
# Helper processes keep none of skiffd's fds but the ones they are given
# (core/helper): while a `cp` helper runs (held open by a stdin that
# never ends), a client that skiffd closed sees EOF at once, and the
# helper holds no socket of skiffd's (listening or client) and no
# container's stdin write end, and an attached `run -i` container reading
# its stdin to EOF gets its EOF while the helper still runs.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
start_daemon || { notok "skiffd starts"; exit 1; }

# A container skiffd holds stdin's write end for (-d -i): it ends once
# its stdin does.
$S run -d -i --rootfs "$R" --name held sh -c 'cat >/dev/null; echo eof; sleep 600' >/dev/null ||
	notok "run -d -i"
cpid=$($S --json inspect held | json_get State.Pid)
stdin_obj=$(readlink "/proc/$cpid/fd/0")

# An attached run -i container, running before the helper starts: it
# reads stdin to EOF, then says so. Its stdin is a fifo this script
# holds open (fd 8) until the helper runs.
mkfifo "$T/in"
exec 8<>"$T/in"
$S run -i --rootfs "$R" --name reader sh -c 'cat >/dev/null; echo got-eof' \
	<"$T/in" >"$T/reader.out" 2>&1 8>&- &
READER=$!
track "$READER"
wait_for 5 sh -c "$S ps | grep -q reader" || notok "run -i reader runs"

# A client skiffd has accepted before the helper starts; once told, it
# sends ping, closes its writing half and times how long EOF takes.
python3 - "$SOCK" "$T/go" >"$T/client.out" 2>&1 8>&- <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"ping\n")
s.settimeout(5)
got = b""
while not got.endswith(b"ok\n"):
    got += s.recv(100)
open(sys.argv[2] + ".ready", "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.02)
s.sendall(b"ping\n")
s.shutdown(socket.SHUT_WR)
t0 = time.monotonic()
try:
    while s.recv(100):
        pass
    print("eof %.3f" % (time.monotonic() - t0))
except socket.timeout:
    print("timeout")
EOF
CLIENT=$!
track "$CLIENT"
wait_for 5 test -e "$T/go.ready" || notok "client connected"

# A long helper: cp from a stdin that stays open and silent. (skiffd's
# other children named skiffd, e.g. the state writer, were there before.)
before=" $(pgrep -P "$SPID" -x skiffd | tr '\n' ' ') "
mkfifo "$T/fifo"
exec 7<>"$T/fifo"
$S cp - held:/tmp <"$T/fifo" >"$T/cp.out" 2>&1 7>&- 8>&- &
CP=$!
track "$CP"
helper=
find_helper() {
	local p
	for p in $(pgrep -P "$SPID" -x skiffd); do
		[[ "$before" == *" $p "* ]] || { helper=$p; return 0; }
	done
	return 1
}
wait_for 5 find_helper && ok "the cp helper runs" || notok "no cp helper"

if [ -n "$helper" ]; then
	fds=$(for f in /proc/$helper/fd/*; do [ "${f##*/}" -ge 3 ] && readlink "$f"; done 2>/dev/null)
	info "helper fds: $(echo $fds)"
	echo "$fds" | grep -q '^socket:' && notok "the helper holds skiffd's sockets" ||
		ok "the helper holds no socket of skiffd's (listening, clients)"
	echo "$fds" | grep -qxF "$stdin_obj" && notok "the helper holds a container's stdin" ||
		ok "the helper holds no container's stdin"
fi

# The reader's stdin ends now, while the helper runs: its client's copy
# of the pipe's write end closes, and no helper holds another.
exec 8>&-
if wait_for 5 grep -q got-eof "$T/reader.out"; then
	ok "a run -i container gets its stdin's EOF while a helper runs"
else
	notok "run -i container: no EOF while a helper runs ($(cat "$T/reader.out"))"
fi
[ -n "$helper" ] && kill -0 "$helper" 2>/dev/null &&
	ok "the helper still ran meanwhile" || notok "the helper had ended"
wait "$READER" 2>/dev/null

touch "$T/go"
wait "$CLIENT"
out=$(cat "$T/client.out")
case $out in
"eof "*) ok "a client skiffd closed sees EOF while a helper runs ($out)" ;;
*) notok "closed client: $out" ;;
esac

kill -0 "$CP" 2>/dev/null || info "cp ended early: $(cat "$T/cp.out")"
exec 7>&-
wait "$CP" 2>/dev/null
$S rm -f held >/dev/null
finish
