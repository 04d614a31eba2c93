#!/usr/bin/env bash
# The network keys of skiffd.json as Docker's daemon.json names them
# (bridge, bip, fixed-cidr, mtu, icc, ip-masq, dns, dns-search, dns-opts,
# default-address-pools, iptables, ip-forward), bad values refused, and
# two skiffd in one network namespace, each with its own nft table, never
# undoing the other's published ports. Every daemon runs in a network
# namespace this scenario makes (held by a sleep it starts).
. "$(dirname "$0")/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
for a in ping nc ip httpd cat; do ln -sf busybox "$R/bin/$a"; done
echo hello-from-web >"$R/etc/index.html"
BA=ska$$ BB=skb$$ # bridge names of this run

# new_netns: a namespace held by a sleep of ours; its pid in NS
new_netns() {
	unshare -n sh -c 'ip link set lo up && exec sleep 600' &
	NS=$!
	track "$NS"
	wait_for 5 test -e "/proc/$NS/ns/net"
	sleep 0.2
}
HOST() { nsenter -t "$NS" -n "$@"; }
# daemon NAME CONFIG: skiffd with its own root and socket in $NS
daemon() {
	nsenter -t "$NS" -n "$SKIFFD" --config "$2" --root "$T/root-$1" \
		--run-dir "$T/run-$1" --sock "$T/$1.sock" 2>>"$T/daemon-$1.log" &
	eval "PID_$1=$!"
	track "$!"
	wait_sock "$T/$1.sock"
}
# on NAME ARGS...: the CLI against daemon NAME
on() { local n=$1; shift; SKIFF_SOCK=$T/$n.sock $S "$@"; }
tables() { HOST nft list tables inet 2>/dev/null | sed -n 's/^table inet \(skiff[-0-9a-f]*\)$/\1/p'; }
# get PORT: GET /index.html at 127.0.0.1:PORT from the namespace
get() { printf 'GET /index.html HTTP/1.0\r\n\r\n' | HOST busybox nc -w3 127.0.0.1 "$1" 2>/dev/null | grep -q hello-from-web; }

# ---- refused values: each names the file, its line and the key ----
refused() {
	local name=$1 file=$2 key=$3 err rc
	err=$(timeout 5 "$SKIFFD" --config "$file" --root "$T/nroot" \
		--run-dir "$T/nrun" --sock "$T/never.sock" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qF "$file:2: \"$key\"" <<<"$err"; then
		ok "$name"
	else
		notok "$name (exit $rc): $err"
	fi
}
bad() { printf '{\n  "%s": %s\n}\n' "$1" "$2" >"$T/bad.json"; refused "$3" "$T/bad.json" "$1"; }
bad bip '"10.9.0.0/24"' "bip on the network's own address refused"
bad bip '"fd00::1/64"' "an IPv6 bip refused"
bad fixed-cidr '"10.9.0.1/24"' "fixed-cidr with host bits refused"
bad mtu 20 "an MTU of 20 refused"
bad icc '"no"' "icc that is not a boolean refused"
bad dns '["resolver.example"]' "a dns entry that is not an address refused"
bad default-address-pools '[{"base": "10.0.0.0/8"}]' "a pool without size refused"
bad default-address-pools '[{"base": "10.0.0.0/16", "size": 8}]' "a pool size under its base's prefix refused"
bad bridge '"a-bridge-name-too-long"' "a bridge name over 15 bytes refused"

# ---- daemon a: the default network as the settings ask ----
new_netns
cat >"$T/a.json" <<EOF
{
  "bridge": "$BA",
  "bip": "10.123.0.1/24",
  "fixed-cidr": "10.123.0.128/25",
  "mtu": 1400,
  "icc": false,
  "ip-masq": false,
  "dns": ["10.1.1.1"],
  "dns-search": ["corp.example"],
  "dns-opts": ["ndots:3"],
  "default-address-pools": [{"base": "10.200.0.0/16", "size": 24}]
}
EOF
daemon a "$T/a.json"
out=$(on a run --rm --rootfs "$R" sh -c 'ip -4 addr show eth0; ip route; cat /sys/class/net/eth0/mtu /etc/resolv.conf')
addr=$(echo "$out" | sed -n 's/.*inet \(10\.123\.0\.[0-9]*\)\/24.*/\1/p')
[ -n "$addr" ] && [ "${addr##*.}" -ge 128 ] && echo "$out" | grep -q 'default via 10.123.0.1' &&
	ok "bip and fixed-cidr: eth0 $addr/24 via 10.123.0.1" || notok "bip/fixed-cidr: $out"
echo "$out" | grep -qx 1400 && ok "mtu: the container's eth0 has 1400" || notok "mtu: $out"
echo "$out" | grep -qx 'nameserver 10.1.1.1' && echo "$out" | grep -qx 'search corp.example' &&
	echo "$out" | grep -qx 'options ndots:3' && ok "dns, dns-search and dns-opts are the containers' defaults" ||
	notok "resolv.conf: $out"
out=$(on a run --rm --rootfs "$R" --dns 10.2.2.2 cat /etc/resolv.conf)
echo "$out" | grep -qx 'nameserver 10.2.2.2' && ! echo "$out" | grep -q 10.1.1.1 &&
	ok "--dns still wins over the daemon's dns" || notok "--dns: $out"
HOST ip -4 addr show "$BA" | grep -q 'inet 10.123.0.1/24' && HOST ip link show "$BA" | grep -q 'mtu 1400' &&
	ok "bridge: $BA holds 10.123.0.1/24, MTU 1400" || notok "bridge: $(HOST ip addr show "$BA" 2>&1)"
HOST ip link show skiff0 >/dev/null 2>&1 && notok "skiff0 was made too" || ok "no skiff0"
on a run -d --name web -p 8080:80 --rootfs "$R" httpd -f -p 80 -h /etc >/dev/null
ipw=$(on a inspect web | tr -d ' \n' | grep -o '"IPAddress":"10[0-9.]*' | head -n1 | grep -o '[0-9.]*$')
check "icc false: the host reaches a container ($ipw)" HOST busybox ping -c1 -W2 "$ipw"
on a run --rm --rootfs "$R" ping -c1 -W2 "$ipw" >/dev/null 2>&1 &&
	notok "icc false: a container reached another" || ok "icc false: containers do not reach each other"
ta=$(tables)
on a info --format '{{json .}}' | grep -q "\"nft-table\":\"$ta\"" && ok "info names the daemon's nft table $ta" || notok "info: $(on a info --format '{{json .}}' | grep -o 'nft-table[^,]*')"
out=$(HOST nft list chain inet "$ta" "n-$BA-ps" 2>&1)
echo "$out" | grep -q 'ct status dnat masquerade' && ! echo "$out" | grep -q 'oifname != ' &&
	ok "ip-masq false: no outbound masquerade (hairpin kept)" || notok "ip-masq: $out"
on a network create n1 >/dev/null && on a network create n2 >/dev/null
out=$(on a network inspect n1 n2 | tr -d ' \n')
echo "$out" | grep -q '"Subnet":"10.200.0.0/24"' && echo "$out" | grep -q '"Subnet":"10.200.1.0/24"' &&
	ok "default-address-pools: networks get 10.200.0.0/24, 10.200.1.0/24" || notok "pools: $out"
check "a published port answers (daemon a)" wait_for 5 get 8080

# ---- daemon b in the same namespace: its own table ----
cat >"$T/b.json" <<EOF
{ "bridge": "$BB", "bip": "10.124.0.1/24", "ipv6": true, "fixed-cidr-v6": "fd00:124::/64" }
EOF
daemon b "$T/b.json"
out=$(on b run --rm --rootfs "$R" ip -6 addr show eth0)
echo "$out" | grep -q 'inet6 fd00:124::[0-9a-f:]*/64' && ok "ipv6 and fixed-cidr-v6: eth0 gets an IPv6 address" || notok "ipv6: $out"
on b run -d --name web -p 8081:80 --rootfs "$R" httpd -f -p 80 -h /etc >/dev/null
n=$(tables | wc -l)
[ "$n" -eq 2 ] && ok "two daemons, two nft tables: $(tables | tr '\n' ' ')" || notok "tables: $(tables)"
check "daemon b's published port answers" wait_for 5 get 8081
get6() { printf 'GET /index.html HTTP/1.0\r\n\r\n' | HOST busybox nc -w3 fd00:124::1 "$1" 2>/dev/null | grep -q hello-from-web; }
check "IPv6: the port answers on the host's IPv6 address (DNAT to the container's)" wait_for 5 get6 8081
on b run -d --name web6 -p '[fd00:124::1]:8082:80' --rootfs "$R" httpd -f -p 80 -h /etc >/dev/null
check "IPv6: -p [ADDR]:8082:80 answers there" wait_for 5 get6 8082
get 8082 && notok "IPv6: -p [ADDR]: answers on IPv4 too" || ok "IPv6: -p [ADDR]: only on that address"
out=$(on a run --rm -p '[::1]:8083:80' --rootfs "$R" true 2>&1)
echo "$out" | grep -q 'no IPv6 address' && ok "IPv6: -p [ADDR]: refused on a network without IPv6" || notok "v6 on v4: $out"
on b rm -f web6 >/dev/null
check "daemon a's still does after b started" get 8080
HOST nft list map inet "$ta" pub4any | grep -q 8080 && ok "a's map still holds its port" || notok "a's map: $(HOST nft list map inet "$ta" pub4any 2>&1)"
on b rm -f web >/dev/null
kill -TERM "$PID_b"; wait "$PID_b" 2>/dev/null
check "daemon a's port answers after b stopped" get 8080
on a rm -f web >/dev/null
HOST ip link del "$BA" # by hand, behind skiffd's back: its link news
sleep 0.3
out=$(on a run --rm --rootfs "$R" ip -4 addr show eth0 2>&1)
echo "$out" | grep -q 'inet 10.123.0.[0-9]*/24' && HOST ip -4 addr show "$BA" | grep -q 10.123.0.1/24 &&
	ok "a bridge deleted by hand is made again at the next run" || notok "bridge gone: $out"

# ---- iptables and ip-forward false, then bridge none ----
new_netns
HOST sh -c 'echo 0 >/proc/sys/net/ipv4/ip_forward' # a new namespace inherits the host's
printf '{ "bridge": "%s", "iptables": false, "ip-forward": false }\n' "$BA" >"$T/c.json"
daemon c "$T/c.json"
out=$(on c run --rm -p 8090:80 --rootfs "$R" ip -4 addr show eth0)
echo "$out" | grep -q 'inet 172.17.0.2/16' && ok "iptables false: containers still get the bridge (and -p holds its port)" || notok "c: $out"
[ -z "$(tables)" ] && ok "iptables false: no nft table made" || notok "tables: $(tables)"
[ "$(HOST cat /proc/sys/net/ipv4/ip_forward)" = 0 ] && ok "ip-forward false: ip_forward left 0" || notok "ip_forward on"
kill -TERM "$PID_c"; wait "$PID_c" 2>/dev/null
printf '{ "bridge": "none" }\n' >"$T/c.json"
daemon c "$T/c.json"
out=$(on c run --rm --rootfs "$R" ls /sys/class/net)
[ "$out" = lo ] && ok "bridge none: a container gets only lo" || notok "bridge none: $out"
on c network ls | grep -qw bridge && notok "bridge none: the bridge network is listed" || ok "bridge none: no default network"
kill -TERM "$PID_c"; wait "$PID_c" 2>/dev/null
finish
