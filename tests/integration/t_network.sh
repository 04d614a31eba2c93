#!/usr/bin/env bash
# Networking on one host (issue 12): skiffd runs in a network namespace
# this scenario makes (so its bridges, veths and nft table are its own),
# containers on the default bridge and on user networks reach each other
# with real packets (busybox ping, wget, nc), networks are isolated,
# published TCP and UDP ports answer from the "host" (the namespace) with
# the client's real address, network modes none, host and container:NAME,
# --link, connect/disconnect live, bad input refused with nothing made,
# and nothing is left after run/rm cycles or a killed skiffd.
. "$(dirname "$0")/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
for a in ping nc wget ip httpd cat ifconfig; do ln -sf busybox "$R/bin/$a"; done
echo hello-from-web >"$R/etc/index.html"
gcc -static -O2 -o "$R/bin/netprobe" "$TOP/tests/helpers/netprobe.c" || notok "netprobe does not build"

# skiffd in a namespace of its own, lo up; HOST runs a command there.
start_netns_daemon() {
	unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$SKIFFD" \
		--root "$T/root" --run-dir "$T/run" --sock "$SOCK" 2>>"$T/daemon.log" &
	DPID=$!
	wait_sock "$SOCK"
}
HOST() { nsenter -t "$DPID" -n "$@"; }
# get CTR IP [PORT]: GET /index.html from inside CTR with busybox nc
# (Debian's static busybox wget crashes)
get() { $S exec "$1" sh -c "printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w3 $2 ${3:-80}" 2>/dev/null | grep -q hello-from-web; }
# ipof CONTAINER NETWORK: its IPv4 address there
ipof() { $S network inspect "$2" | tr -d ' \n' | grep -o "\"Name\":\"$1\",[^}]*" | grep -o 'IPv4Address":"[0-9.]*' | grep -o '[0-9.]*$'; }
start_netns_daemon

# ---- the default bridge ----
out=$($S network ls --format '{{.Name}}' 2>/dev/null || $S network ls)
echo "$out" | grep -qw bridge && ok "the default bridge network exists" || notok "network ls: $out"
out=$($S run --rm --rootfs "$R" sh -c 'ip -4 addr show eth0; ip route')
echo "$out" | grep -q 'inet 172.17.0.2/16' && echo "$out" | grep -q 'default via 172.17.0.1' &&
	ok "run gets eth0 on the default bridge with an address and a default route" || notok "default bridge: $out"
HOST ip -4 addr show skiff0 | grep -q 172.17.0.1/16 && ok "skiff0 holds the gateway address" || notok "skiff0: $(HOST ip addr show skiff0)"
$S run -d --name a --rootfs "$R" sleep 300 >/dev/null
ipa=$(ipof a bridge)
check "a container pings another on the default bridge ($ipa)" $S run --rm --rootfs "$R" ping -c1 -W3 "$ipa"
check "a container pings the host's gateway address" $S run --rm --rootfs "$R" ping -c1 -W3 172.17.0.1
check "the host pings a container" HOST busybox ping -c1 -W3 "$ipa"
out=$($S run --rm --rootfs "$R" --hostname box --add-host db.example:10.9.8.7 --dns 10.1.1.1 --dns-search corp.example --dns-option ndots:2 sh -c 'cat /etc/hosts /etc/resolv.conf; hostname')
echo "$out" | grep -q '^10.9.8.7	db.example$' && echo "$out" | grep -q '	box$' &&
	echo "$out" | grep -q '^nameserver 10.1.1.1$' && echo "$out" | grep -q '^search corp.example$' &&
	echo "$out" | grep -q '^options ndots:2$' && ok "/etc/hosts and /etc/resolv.conf as Docker writes them" || notok "etc files: $out"
out=$($S run --rm --rootfs "$R" cat /etc/resolv.conf)
echo "$out" | grep -q '^nameserver 127\.' && notok "a loopback name server in resolv.conf: $out" || ok "resolv.conf has no loopback name server"
out=$($S run --rm --link a:alpha --rootfs "$R" sh -c 'cat /etc/hosts; ping -c1 -W3 alpha')
echo "$out" | grep -q "^$ipa	alpha " && echo "$out" | grep -q '1 packets received' && ok "--link puts the linked container in /etc/hosts and it answers" || notok "link: $out"

# ---- modes ----
out=$($S run --rm --network none --rootfs "$R" sh -c 'ls /sys/class/net')
[ "$out" = lo ] && ok "--network none has only lo" || notok "none: $out"
out=$($S run --rm --network host --rootfs "$R" sh -c 'ls /sys/class/net')
echo "$out" | grep -q skiff0 && ok "--network host sees the host's links" || notok "host: $out"
mac_a=$($S run --rm --network container:a --rootfs "$R" cat /sys/class/net/eth0/address)
[ "$mac_a" = "$(printf '02:42:%02x:%02x:%02x:%02x' $(echo "$ipa" | tr . ' '))" ] && ok "container:NAME shares NAME's namespace ($mac_a)" || notok "container: $mac_a"

# ---- user networks: three tiers ----
$S network create front >/dev/null && $S network create back >/dev/null && ok "network create" || notok "network create"
$S run -d --name web --network front --rootfs "$R" httpd -f -p 80 -h /etc >/dev/null
$S run -d --name app --network front --network back --rootfs "$R" httpd -f -p 80 -h /etc >/dev/null
$S run -d --name db --network back --rootfs "$R" httpd -f -p 80 -h /etc >/dev/null
web=$(ipof web front) app_f=$(ipof app front) app_b=$(ipof app back) db=$(ipof db back)
info "web $web, app $app_f/$app_b, db $db"
check "web reaches app (front)" get web $app_f 
check "app reaches db (back)" get app $db 
! get web $db  && ok "web cannot reach db (isolated networks)" || notok "web reached db"
! get a $web  && ok "the default bridge cannot reach a user network" || notok "bridge reached front"
out=$($S exec app ip route)
[ "$(echo "$out" | grep -c default)" = 1 ] && ok "a container on two networks has one default route" || notok "routes: $out"

# ---- --internal and icc=false ----
$S network create --internal --subnet 10.78.0.0/24 inner >/dev/null
out=$($S run --rm --network inner --rootfs "$R" ip route)
echo "$out" | grep -q default && notok "an internal network has a default route: $out" || ok "an --internal network gives no default route"
! $S run --rm --network inner --rootfs "$R" ping -c1 -W2 "$ipa" >/dev/null 2>&1 && ok "and nothing leaves it" || notok "internal reached the bridge"
$S network create -o icc=false --subnet 10.79.0.0/24 quiet >/dev/null
$S run -d --name q1 --network quiet --rootfs "$R" sleep 300 >/dev/null
! $S run --rm --network quiet --rootfs "$R" ping -c1 -W2 10.79.0.2 >/dev/null 2>&1 && ok "icc=false: containers of a network do not reach each other" || notok "icc=false reached q1"
check "icc=false: the gateway still answers" $S run --rm --network quiet --rootfs "$R" ping -c1 -W3 10.79.0.1
$S rm -f q1 >/dev/null
$S network rm inner quiet >/dev/null

# ---- connect / disconnect live ----
$S network connect back web && ok "network connect of a running container" || notok "connect"
check "after connect, web reaches db" get web $db 
$S network disconnect back web && ok "network disconnect" || notok "disconnect"
! get web $db  && ok "after disconnect, web no longer reaches db" || notok "still reaches db"
out=$($S exec web ls /sys/class/net)
[ "$out" = "eth0
lo" ] && ok "disconnect removed the interface" || notok "links after disconnect: $out"

# ---- published ports ----
$S run -d --name pub -p 8080:80 -p 5353:53/udp --rootfs "$R" sh -c 'netprobe udp 53 & httpd -f -p 80 -h /etc' >/dev/null
sleep 0.5
out=$($S port pub)
echo "$out" | grep -q '80/tcp -> 0.0.0.0:8080' && ok "port lists the published ports" || notok "port: $out"
out=$(HOST wget -q -T3 -O- http://127.0.0.1:8080/index.html)
[ "$out" = hello-from-web ] && ok "a published TCP port answers on the host's 127.0.0.1" || notok "tcp 127.0.0.1: $out"
out=$(HOST wget -q -T3 -O- http://172.17.0.1:8080/index.html)
[ "$out" = hello-from-web ] && ok "and on the host's own address" || notok "tcp host addr: $out"
out=$(HOST timeout 5 python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(b'x',('127.0.0.1',5353)); print(s.recv(100).decode().strip())")
echo "$out" | grep -q udp-ok && ok "a published UDP port answers" || notok "udp: $out"
pub_ip=$(ipof pub bridge)
check "hairpin: a container reaches its own published port" get pub 172.17.0.1 8080
$S run -d --name src --network front -p 8081:80 --rootfs "$R" netprobe tcp 80 >/dev/null
# an outside client: a namespace of its own wired to skiffd's by a veth
NS=skn$$
ip netns add "$NS"
ip link add "vo$$" type veth peer name "vi$$"
ip link set "vi$$" netns "$NS"
ip link set "vo$$" netns "$DPID"
HOST ip addr add 10.254.$(( $$ % 200 )).1/24 dev "vo$$"
HOST ip link set "vo$$" up
ip -n "$NS" addr add 10.254.$(( $$ % 200 )).2/24 dev "vi$$"
ip -n "$NS" link set "vi$$" up
ip -n "$NS" link set lo up
sleep 0.3
out=$(ip netns exec "$NS" timeout 5 busybox nc -w3 10.254.$(( $$ % 200 )).1 8081 </dev/null)
echo "$out" | grep -q "10.254.$(( $$ % 200 )).2" && ok "an outside client's real address reaches the container" || notok "source address: $out"
ip netns del "$NS"
$S run -d --name pall -P --expose 7000 --rootfs "$R" sleep 300 >/dev/null
out=$($S port pall)
echo "$out" | grep -q '^7000/tcp -> 0.0.0.0:[0-9]' && ok "-P publishes the exposed ports on chosen host ports ($out)" || notok "-P: $out"

# ---- bad input ----
out=$($S network create --subnet 172.18.5.0/24 clash 2>&1) && notok "overlap accepted" ||
	{ echo "$out" | grep -q overlaps && ok "an overlapping subnet is refused ($out)" || notok "overlap: $out"; }
out=$($S run --rm --network front --ip 10.0.0.5 --rootfs "$R" true 2>&1) && notok "--ip outside accepted" ||
	ok "--ip outside the subnet is refused ($out)"
out=$($S run --rm --network front --ip "$web" --rootfs "$R" true 2>&1) && notok "--ip taken accepted" ||
	{ echo "$out" | grep -q 'in use' && ok "--ip taken is refused ($out)" || notok "ip taken: $out"; }
out=$($S run --rm -p 8080:80 --rootfs "$R" true 2>&1) && notok "host port in use accepted" ||
	{ echo "$out" | grep -q 'in use' && ok "a host port in use is refused ($out)" || notok "port in use: $out"; }
out=$($S run --rm --network nosuch --rootfs "$R" true 2>&1) && notok "unknown network accepted" ||
	{ echo "$out" | grep -q 'not found' && ok "an unknown network is refused ($out)" || notok "unknown: $out"; }
out=$($S network rm front 2>&1) && notok "rm of a network in use accepted" ||
	{ echo "$out" | grep -q 'container' && ok "rm of a network in use is refused ($out)" || notok "rm in use: $out"; }
out=$($S run --rm -p 80:80:80 --rootfs "$R" true 2>&1) && notok "malformed -p accepted" ||
	ok "a malformed -p is refused ($out)"
n=$($S ps -a -q | wc -l)
[ "$n" -eq 7 ] && ok "refused runs left no container" || notok "ps -a shows $n"

# ---- cleanup ----
$S rm -f web app db pub src pall >/dev/null
$S network rm front back >/dev/null && ok "network rm" || notok "network rm"
HOST ip link show | grep -q 'br-' && notok "a user bridge is left: $(HOST ip link show)" || ok "their bridges are gone"
before=$(HOST ip -o link show | wc -l)
for i in $(seq 200); do $S run --rm -p 9000:80 --rootfs "$R" true >/dev/null || { notok "cycle $i"; break; }; done
sleep 1
after=$(HOST ip -o link show | wc -l)
[ "$after" -le "$before" ] && ok "200 run --rm cycles leave no veth ($before/$after links)" || notok "links $before -> $after: $(HOST ip -o link show | cut -c1-60)"
tbl=$(HOST nft list tables inet | sed -n 's/^table inet \(skiff[-0-9a-f]*\)$/\1/p')
out=$(HOST nft list map inet "$tbl" pub4any 2>&1)
[ -n "$tbl" ] && echo "$out" | grep -q 'map pub4any' || notok "no nat table ($tbl): $out"
echo "$out" | grep -q 'elements' && notok "a published port is left: $out" || ok "and no published port rule"
n=$($S network inspect bridge | grep -c IPv4Address)
[ "$n" -eq 1 ] && ok "and no address but the running container's" || notok "addresses: $n"

# ---- skiffd killed and restarted ----
$S network create keep --subnet 10.77.0.0/24 >/dev/null
$S create --name k1 --network keep --rootfs "$R" sleep 300 >/dev/null
kill -9 "$DPID"; wait "$DPID" 2>/dev/null
start_netns_daemon
out=$($S network inspect keep | tr -d ' \n')
echo "$out" | grep -q '"Subnet":"10.77.0.0/24"' && echo "$out" | grep -q '"IPv4Address":"10.77.0.2/24"' &&
	ok "after kill -9 and restart, networks and addresses are kept" || notok "restart: $out"
$S start k1 >/dev/null
out=$($S exec k1 ip -4 addr show eth0)
echo "$out" | grep -q 10.77.0.2/24 && ok "the container starts again with its address" || notok "k1: $out"
$S run -d --name k2 --network keep --rootfs "$R" sleep 300 >/dev/null
out=$($S exec k2 ip -4 addr show eth0)
echo "$out" | grep -q 10.77.0.3/24 && ok "and a new one gets another address" || notok "k2: $out"
out=$($S exec k2 ping -c1 -W3 k1 2>&1)
echo "$out" | grep -q '10.77.0.2.*1 packets received\|1 packets received' && echo "$out" | grep -q 10.77.0.2 &&
	ok "after the restart the embedded DNS still finds k1 by name" || notok "dns after restart: $out"
finish
