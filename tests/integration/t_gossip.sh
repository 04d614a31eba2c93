#!/usr/bin/env bash
# Gossip interop with real Debian serf agents (issue 19): skiff's wire
# formats and SWIM state machine (net/swim, run by the gossip_node test
# helper on real sockets) against `serf agent` 0.9.4 on loopback
# addresses, encrypted with a shared key. No skiffd needed.
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
H=$TOP/$BUILD/tests/helpers/gossip_node
[ -x "$H" ] || make -s -C "$TOP" "$BUILD/tests/helpers/gossip_node" >/dev/null
command -v serf >/dev/null || { notok "serf is installed (make deps)"; finish; }

K1=cg8StVXbQJ0gPvMd9o7yrg==
K2=HvY8ubRZMgafUOWvrOadwQ==
NET=127.77.$(( ($$ / 200) % 200 + 20 ))
PORT=$(( 17000 + $$ % 2000 ))
ip() { echo "$NET.$1"; }

# serf_agent NAME OCTET TAG: an encrypted agent, its RPC on the same IP
serf_agent() {
	serf agent -node="$1" -bind="$(ip "$2"):$PORT" -rpc-addr="$(ip "$2"):$((PORT + 1))" \
		-encrypt=$K1 -tag "$3" -log-level=warn >"$T/serf-$1.log" 2>&1 &
	track $!
	wait_for 10 serf members -rpc-addr="$(ip "$2"):$((PORT + 1))"
}
members() { serf members -rpc-addr="$(ip "$1"):$((PORT + 1))" 2>/dev/null; }
has_member() { members "$1" | grep -E "^$2 +$(ip "$3"):$PORT +$4 +$5\$"; }

serf_agent sa 2 role=serf || notok "serf agent sa started"

# A skiff node joins the serf agent; sa lists it with its tags.
"$H" --name sk1 --bind "$(ip 3):$PORT" --key $K1 --tag role=skiff --tag dc=edge \
	--join "$(ip 2):$PORT" --for 8 >"$T/sk1.out" 2>&1 &
SK1=$!
track $SK1
if wait_for 6 has_member 2 sk1 3 alive 'role=skiff,dc=edge|dc=edge,role=skiff'; then
	ok "a serf agent lists the skiff node that joined it, with its tags"
else
	notok "serf lists sk1: $(members 2 | tr '\n' ';')"
fi

# A second serf agent joins the cluster through the skiff node.
serf_agent sb 4 role=db || notok "serf agent sb started"
if serf join -rpc-addr="$(ip 4):$((PORT + 1))" "$(ip 3):$PORT" >/dev/null 2>&1 &&
	wait_for 6 has_member 4 sk1 3 alive '.*' && wait_for 6 has_member 4 sa 2 alive '.*'; then
	ok "a serf agent joins through the skiff node and learns every member"
else
	notok "serf sb joins via sk1: $(members 4 | tr '\n' ';')"
fi

wait "$SK1"
if grep -q "^sa $(ip 2):$PORT alive .*role=serf" "$T/sk1.out" &&
	grep -q "^sb $(ip 4):$PORT alive .*role=db" "$T/sk1.out"; then
	ok "the skiff node sees both serf agents alive with their tags"
else
	notok "sk1's members: $(tr '\n' ';' <"$T/sk1.out")"
fi
# sk1 ended without leaving: a crash to the others.
if wait_for 20 has_member 2 sk1 3 failed '.*'; then
	ok "serf declares the vanished skiff node failed"
else
	notok "sk1 failed on sa: $(members 2 | tr '\n' ';')"
fi

# A graceful leave (Serf's leave intent, then memberlist's dead).
"$H" --name sk2 --bind "$(ip 5):$PORT" --key $K1 --tag role=skiff \
	--join "$(ip 2):$PORT" --for 2 --leave >"$T/sk2.out" 2>&1
if wait_for 5 has_member 2 sk2 5 left '.*'; then
	ok "a skiff node that leaves is seen as left"
else
	notok "sk2 left on sa: $(members 2 | tr '\n' ';')"
fi

# Another key: refused both ways.
"$H" --name sk3 --bind "$(ip 6):$PORT" --key $K2 --join "$(ip 2):$PORT" \
	--for 2 >"$T/sk3.out" 2>&1
if ! members 2 | grep -q '^sk3 ' && [ "$(wc -l <"$T/sk3.out")" -eq 1 ]; then
	ok "a node with the wrong key is not let in"
else
	notok "sk3 with another key: $(members 2 | tr '\n' ';') / $(tr '\n' ';' <"$T/sk3.out")"
fi
finish
