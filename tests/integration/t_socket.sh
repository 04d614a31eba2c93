#!/usr/bin/env bash
# The control socket: mode 0600, one daemon per socket, stale sockets
# replaced, non-root peers refused (by mode, and by SO_PEERCRED when the
# mode would let them in), socket-group access.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok "skipped: t_socket needs root"
	exit 0
fi
chmod 0711 "$T" # other users may reach the socket; the socket decides

# as UID GID CMD...: run CMD as that user, no supplementary groups
as() { local u=$1 g=$2; shift 2; setpriv --reuid="$u" --regid="$g" --clear-groups "$@"; }

start_daemon || notok "skiffd starts"
check "socket is a socket" test -S "$SOCK"
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] && ok "socket mode is 0600" || notok "socket mode is 0600 ($mode)"
check "socket owned by root" test "$(stat -c %u "$SOCK")" = 0

# A second skiffd on the same socket refuses to start.
err=$(timeout 5 "$SKIFFD" --root "$T/root2" --run-dir "$T/run2" --sock "$SOCK" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "another skiffd is listening" <<<"$err"; then
	ok "second skiffd refuses: another skiffd is listening (exit $rc)"
else
	notok "second skiffd refuses: another skiffd is listening (exit $rc: $err)"
fi
check "the first one still answers" ping_ok
check "the first one still owns the socket file" test -S "$SOCK"

# A path that is not a socket is refused and left alone.
echo precious >"$T/file.sock"
err=$(timeout 5 "$SKIFFD" --root "$T/root3" --run-dir "$T/run3" --sock "$T/file.sock" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "not a socket" <<<"$err"; then
	ok "a regular file at the socket path is refused (exit $rc)"
else
	notok "a regular file at the socket path is refused (exit $rc: $err)"
fi
check "and the file is left alone" grep -qx precious "$T/file.sock"

# Non-root peers: refused by the mode (EACCES at connect).
out=$(as 65534 65534 socat -t2 - UNIX-CONNECT:"$SOCK" <<<"ping" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && grep -qi "permission denied" <<<"$out" && ! grep -qx ok <<<"$out"; then
	ok "nobody cannot connect to the 0600 socket (EACCES)"
else
	notok "nobody cannot connect to the 0600 socket (rc $rc: $out)"
fi
python3 - "$SOCK" <<'EOF' && ok "connect(2) as nobody fails with EACCES" || notok "connect(2) as nobody fails with EACCES"
import errno, os, socket, sys
os.setgroups([]); os.setgid(65534); os.setuid(65534)
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    sys.exit(0 if e.errno == errno.EACCES else 1)
sys.exit(1)
EOF

# The SO_PEERCRED check itself: open the mode, nobody gets `err denied`.
chmod 0666 "$SOCK"
# (read-only client: the refusal comes at accept, before any request)
out=$(as 65534 65534 socat -t2 -u UNIX-CONNECT:"$SOCK" - 2>&1)
first=$(head -n1 <<<"$out")
if [[ "$first" == "err denied permission denied"* ]] && [ "$(wc -l <<<"$out")" = 1 ]; then
	ok "nobody on a 0666 socket gets err denied, then EOF ($first)"
else
	notok "nobody on a 0666 socket gets err denied, then EOF ($out)"
fi
# (a client that writes first may see EPIPE instead: never ok)
out=$(as 65534 65534 socat -t2 - UNIX-CONNECT:"$SOCK" <<<"shutdown" 2>&1)
check "nobody's shutdown is not obeyed" test "$(head -n1 <<<"$out")" != ok
check "root still answered on the same socket" ping_ok
check "the daemon is still running" kill -0 "$DPID"
n=$(raw info | head -n1 | json_get Skiff.daemon.counts.clients)
check "refused peers are not counted as clients ($n)" test "$n" = 1

# A stale socket (daemon killed -9) is replaced on restart.
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
check "kill -9 leaves the socket file behind" test -S "$SOCK"
check "nobody answers on the stale socket" sh -c "! printf 'ping\n' | socat -t1 - UNIX-CONNECT:$SOCK 2>/dev/null | grep -q ."
check "the stale socket is still 0666 (from above)" test "$(stat -c %a "$SOCK")" = 666
if start_daemon; then ok "restart over a stale socket answers ping"; else notok "restart over a stale socket answers ping"; fi
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] && ok "the stale socket was replaced: 0600 again" || notok "the stale socket was replaced: 0600 again ($mode)"
check "skiffd exits 0 on SIGTERM" stop_daemon
check "socket removed on exit" test ! -e "$SOCK"

# socket-group: a member of that group (by its gid) is let in, others not
# (its role here operator; without "roles" it would be admin: t_roles).
printf '{ "socket-group": 65534, "roles": { "groups": { "65534": "operator" } } }\n' >"$T/group.json"
start_daemon --config "$T/group.json" || notok "skiffd starts with socket-group"
check "socket-group: socket is 0660 root:65534" test "$(stat -c %a:%u:%g "$SOCK")" = "660:0:65534"
out=$(as 65534 65534 socat -t2 - UNIX-CONNECT:"$SOCK" <<<"ping" 2>&1)
[ "$out" = ok ] && ok "socket-group member (gid 65534) is let in" || notok "socket-group member (gid 65534) is let in ($out)"
out=$(as 65534 65534 socat -t2 - UNIX-CONNECT:"$SOCK" <<<"shutdown" 2>&1)
[[ "$out" == "err denied "* ]] && ok "socket-group member may not shutdown (admin verb): $out" ||
	notok "socket-group member may not shutdown (admin verb): $out"
check "the daemon is still running after that" ping_ok
out=$(as 65533 65533 socat -t2 - UNIX-CONNECT:"$SOCK" <<<"ping" 2>&1)
grep -qi "permission denied" <<<"$out" && ok "a non-member cannot connect" || notok "a non-member cannot connect ($out)"
check "skiffd exits 0 on SIGTERM" stop_daemon
finish
