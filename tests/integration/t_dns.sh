#!/usr/bin/env bash
# The embedded DNS server (issue 12, item 5): skiffd runs in a network
# namespace this scenario makes; containers on user networks find each
# other by name at 127.0.0.11 (busybox nslookup and ping), several
# containers behind one --network-alias answer in rotating order, a name
# on another network is NXDOMAIN, PTR names an address, other names are
# forwarded to an upstream (a dnsmasq this scenario starts in skiffd's
# namespace), a dead upstream gives SERVFAIL in bounded time, TCP
# queries work, and a container on the default bridge keeps the host's
# resolvers. The sockets go with the container.
. "$(dirname "$0")/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
for a in ping nslookup; do ln -sf busybox "$R/bin/$a"; done
[ -x /usr/sbin/dnsmasq ] || { notok "dnsmasq not installed (make deps)"; finish; }

unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$SKIFFD" \
	--root "$T/root" --run-dir "$T/run" --sock "$SOCK" 2>>"$T/daemon.log" &
DPID=$!
wait_sock "$SOCK"
HOST() { nsenter -t "$DPID" -n "$@"; }

# An upstream in skiffd's namespace: dnsmasq on 127.0.0.1:53 that knows
# ext.test (and nothing else: no upstream of its own).
# (nsenter without a pid namespace execs: $! is dnsmasq itself)
nsenter -t "$DPID" -n /usr/sbin/dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
	--bind-interfaces --listen-address=127.0.0.1 --port=53 --pid-file= \
	--user=root --address=/ext.test/192.0.2.77 2>>"$T/dnsmasq.log" &
track $!

# addrs CTR NAME [TYPE]: the addresses nslookup prints for NAME (in order)
addrs() { $S exec "$1" nslookup ${3:+-type=$3} "$2" 2>&1 | sed -n '/^Name:/,$p' | awk '/^Address/ { print $NF }'; }
# ipof CONTAINER NETWORK: its IPv4 address there
ipof() { $S network inspect "$2" | tr -d ' \n' | grep -o "\"Name\":\"$1\",[^}]*" | grep -o 'IPv4Address":"[0-9.]*' | grep -o '[0-9.]*$'; }

$S network create front >/dev/null && $S network create back >/dev/null || notok "network create"
run() { $S run -d --dns 127.0.0.1 --rootfs "$R" "$@" sleep 600 >/dev/null; }
run --name web --network front
run --name app --network front --network back
run --name db --network back
for i in 1 2 3; do run --name s$i --network front --network-alias svc; done
web=$(ipof web front) app=$(ipof app front) db=$(ipof db back)
info "web $web, app $app (front), db $db (back)"

out=$($S exec web cat /etc/resolv.conf)
echo "$out" | grep -q '^nameserver 127.0.0.11$' && echo "$out" | grep -q '^options ndots:0' &&
	! echo "$out" | grep -q 'nameserver 127.0.0.1$' &&
	ok "resolv.conf on a user network names 127.0.0.11 with ndots:0" || notok "resolv.conf: $out"
[ "$(addrs web app)" = "$app" ] && ok "web resolves app by name ($app)" || notok "web app: $(addrs web app)"
check "web pings app by name" $S exec web ping -c1 -W3 app
[ "$(addrs app db)" = "$(ipof db back)" ] && ok "app resolves db on its other network" || notok "app db: $(addrs app db)"
out=$($S exec web nslookup db 2>&1)
echo "$out" | grep -q NXDOMAIN && ok "web gets NXDOMAIN for db (another network)" || notok "web db: $out"
! $S exec web ping -c1 -W2 db >/dev/null 2>&1 && ok "web cannot ping db by name" || notok "web pinged db"

# round robin: three containers behind one alias, the first one rotates
firsts=
for _ in 1 2 3; do
	got=$(addrs web svc)
	[ "$(echo "$got" | wc -l)" = 3 ] || notok "svc answers: $got"
	firsts="$firsts $(echo "$got" | head -1)"
done
[ "$(echo $firsts | tr ' ' '\n' | sort -u | wc -l)" -ge 2 ] &&
	ok "svc (--network-alias on 3 containers) answers all three, rotating ($firsts)" || notok "round robin:$firsts"
out=$($S exec web nslookup "$app" 2>&1)
echo "$out" | grep -q "name = app" && ok "PTR of app's address names app" || notok "PTR: $out"

# forwarding
[ "$(addrs web ext.test)" = 192.0.2.77 ] && ok "other names are forwarded to the upstream (--dns)" || notok "forward: $($S exec web nslookup ext.test 2>&1)"
# ask CTR NAME [tcp]: from inside CTR's namespace (python3 on the host's
# side, through nsenter: busybox has no TCP resolver and retries on
# SERVFAIL until it times out), one A query to 127.0.0.11:53; prints
# "RCODE LASTADDRESS MS"
ask() {
	local pid
	pid=$($S inspect -f '{{.State.Pid}}' "$1")
	nsenter -t "$pid" -n python3 - "$2" "${3:-udp}" <<'PY' 2>&1
import socket, struct, sys, time
name, proto = sys.argv[1], sys.argv[2]
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00\x00\x01\x00\x01"
t0 = time.monotonic()
if proto == "tcp":
    s = socket.create_connection(("127.0.0.11", 53), timeout=10)
    s.sendall(struct.pack(">H", len(q)) + q)
    n = struct.unpack(">H", s.recv(2))[0]
    r = b""
    while len(r) < n:
        r += s.recv(n - len(r))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    s.sendto(q, ("127.0.0.11", 53))
    r = s.recv(4096)
ms = int((time.monotonic() - t0) * 1000)
assert r[:2] == b"\x12\x34"
an = struct.unpack(">H", r[6:8])[0]
print(r[3] & 15, ".".join(map(str, r[-4:])) if an else "-", ms)
PY
}
$S run -d --dns 127.0.0.9 --name lost --network front --rootfs "$R" sleep 600 >/dev/null
read -r rc _ ms < <(ask lost ext.test)
[ "$rc" = 2 ] && [ "$ms" -ge 2500 ] && [ "$ms" -lt 5000 ] &&
	ok "a dead upstream gives SERVFAIL in bounded time (${ms} ms)" || notok "dead upstream: rcode $rc in $ms ms"
[ "$(addrs lost web)" = "$web" ] && ok "names still answer with a dead upstream" || notok "lost web: $(addrs lost web)"
read -r rc addr _ < <(ask web app tcp)
[ "$rc $addr" = "0 $app" ] && ok "a TCP query to 127.0.0.11:53 is answered" || notok "tcp: $rc $addr"
read -r rc addr _ < <(ask web ext.test tcp)
[ "$rc $addr" = "0 192.0.2.77" ] && ok "a TCP query for an outside name is forwarded" || notok "tcp forward: $rc $addr"

# the default bridge keeps the host's resolvers
out=$($S run --rm --rootfs "$R" cat /etc/resolv.conf)
! echo "$out" | grep -q 127.0.0.11 && ok "the default bridge has no embedded DNS" || notok "bridge resolv.conf: $out"

# names follow the containers: a removed container's name goes, and so
# do its DNS sockets (they would keep its namespace, and veth, alive)
nfd() { ls /proc/"$SPID"/fd | wc -l; }
before=$(nfd)
$S run -d --name brief --network front --rootfs "$R" sleep 600 >/dev/null
[ "$(addrs web brief)" != "" ] || notok "brief has no name"
$S rm -f brief >/dev/null
sleep 0.5
[ "$(nfd)" = "$before" ] && ok "a removed container leaves no DNS socket in skiffd ($before fds)" || notok "fds $before -> $(nfd): $(ls -l /proc/$SPID/fd | tail -5)"
$S rm -f s3 >/dev/null
got=$(addrs web svc)
[ "$(echo "$got" | wc -l)" = 2 ] && ok "a removed container leaves the alias's answers" || notok "after rm: $got"
$S network disconnect front app >/dev/null
out=$($S exec web nslookup app 2>&1)
echo "$out" | grep -q NXDOMAIN && ok "after disconnect, app is NXDOMAIN on front" || notok "disconnect: $out"
$S network connect --alias api front app >/dev/null
[ "$(addrs web api)" = "$(ipof app front)" ] && ok "connect --alias answers at once" || notok "connect alias: $(addrs web api)"
finish
