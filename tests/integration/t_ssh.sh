#!/usr/bin/env bash
# ssh:// (tools/dial.c): skiff -H ssh://root@127.0.0.1:PORT through an
# sshd started here on loopback runs `skiff system dial-stdio` there and
# speaks the line protocol through it: read and write verbs, a stream,
# an error; a verb that passes a descriptor is refused with how; a host
# without skiff in PATH is named as such.
. "$(dirname "$0")/lib.sh"
S=${SKIFF:-$(dirname "$SKIFFD")/skiff}
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ "$(id -u)" -ne 0 ] || [ ! -x "$SSHD" ]; then
	ok "skipped: t_ssh needs root and sshd (openssh-server)"
	exit 0
fi
K=$T/ssh
mkdir -p "$K" && chmod 700 "$K"
ssh-keygen -q -t ed25519 -N '' -f "$K/host" && ssh-keygen -q -t ed25519 -N '' -f "$K/id" &&
	ssh-keygen -q -t ed25519 -N '' -f "$K/id2" || { notok "ssh keys"; finish; }
BIN=$(cd "$(dirname "$S")" && pwd)
# id: skiff in PATH and this test's socket; id2: no skiff there
{
	printf 'environment="PATH=%s:/usr/bin:/bin",environment="SKIFF_SOCK=%s" %s\n' "$BIN" "$SOCK" "$(cat "$K/id.pub")"
	printf 'environment="PATH=/usr/bin:/bin" %s\n' "$(cat "$K/id2.pub")"
} >"$K/authorized_keys"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$K/sshd_config" <<C
Port $PORT
ListenAddress 127.0.0.1
HostKey $K/host
PidFile $K/sshd.pid
AuthorizedKeysFile $K/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitUserEnvironment yes
LogLevel ERROR
C
made_run_sshd=
[ -d /run/sshd ] || { mkdir -p /run/sshd && made_run_sshd=1; }
"$SSHD" -D -e -f "$K/sshd_config" 2>>"$T/sshd.log" &
track $!
ssh_base="ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
export SKIFF_SSH_COMMAND="$ssh_base -i $K/id"
H=ssh://root@127.0.0.1:$PORT
ssh_up() { $SKIFF_SSH_COMMAND -p "$PORT" root@127.0.0.1 true; }
wait_for 5 ssh_up && ok "sshd on 127.0.0.1:$PORT" || notok "sshd: $(cat "$T/sshd.log")"

start_daemon || { notok "skiffd starts"; finish; }
check "ping over ssh://" "$S" -H "$H" ping
out=$(SKIFF_HOST=$H "$S" version --format '{{.Server.Version}}' 2>&1)
[ -n "$out" ] && ok "SKIFF_HOST=ssh://... version: $out" || notok "version over ssh"
R=$T/rootfs
make_rootfs "$R"
id=$("$S" -H "$H" run -d --rootfs "$R" --name s1 sh -c 'echo over-ssh; while sleep 0.2; do echo tick; done' 2>&1)
[ ${#id} -ge 12 ] && ok "run -d over ssh://: ${id:0:12}" || notok "run over ssh: $id"
check "ps over ssh:// lists it" sh -c "'$S' -H '$H' ps | grep -q s1"
out=$("$S" -H "$H" exec s1 echo from-exec 2>&1)
[ "$out" = from-exec ] && ok "exec over ssh://" || notok "exec over ssh: $out"
out=$(timeout 8 "$S" -H "$H" logs -f s1 2>&1) # ssh alone takes ~3 s here
n=$(grep -c tick <<<"$out")
grep -q over-ssh <<<"$out" && [ "$n" -ge 3 ] && ok "logs -f streams over ssh:// ($n ticks)" || notok "logs -f over ssh: $out"
out=$("$S" -H "$H" stop nosuch 2>&1)
grep -q "no such container: nosuch" <<<"$out" && ok "an error comes back over ssh://: $out" || notok "stop nosuch: $out"
out=$("$S" -H "$H" cp s1:/etc/passwd "$T/p" 2>&1)
grep -q "ssh:// cannot carry: run skiff on that host" <<<"$out" && ok "cp over ssh:// says how: $out" || notok "cp over ssh: $out"
out=$("$S" -H "$H" exec -it s1 sh 2>&1 </dev/null)
grep -q "terminal or stdin" <<<"$out" && ok "exec -it over ssh:// says how" || notok "exec -it over ssh: $out"
# attach to a container with stdin open: skiffd would pass its stdin as
# a descriptor, which the relay cannot carry; dial-stdio tells skiffd the
# connection is relayed, so the output streams as over tcp:// (no fd line
# the client cannot take)
"$S" run -d -i --rootfs "$R" --name s2 sh -c 'while sleep 0.2; do echo t2; done' >/dev/null
out=$(timeout 10 "$S" -H "$H" attach s2 2>&1 </dev/null)
grep -q t2 <<<"$out" && ! grep -q skiff: <<<"$out" && ok "attach to a -i container over ssh:// streams its output" || notok "attach -i over ssh: $out"
out=$("$SKIFF" system dial-stdio --help 2>&1)
grep -q "Relay stdin and stdout" <<<"$out" && ok "system dial-stdio has its help" || notok "dial-stdio help: $out"
"$S" rm -f s2 >/dev/null
check "rm -f over ssh://" "$S" -H "$H" rm -f s1
out=$(SKIFF_SSH_COMMAND="$ssh_base -i $K/id2" "$S" -H "$H" ping 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "was not found there (exit 127): is skiff installed" <<<"$out" && ok "a host without skiff is named: $(tail -n1 <<<"$out")" || notok "no skiff there: rc $rc $out"
out=$(SKIFF_SSH_COMMAND="$ssh_base -i $K/nokey" "$S" -H "ssh://root@127.0.0.1:1" ping 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "ssh failed (exit 255" <<<"$out" && ok "an unreachable ssh host is named: $(tail -n1 <<<"$out")" || notok "unreachable: rc $rc $out"
check "the daemon still answers" ping_ok
check "skiffd exits 0 on SIGTERM" stop_daemon
[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null
finish
