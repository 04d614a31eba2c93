#!/usr/bin/env bash
# Gossip interop with real Debian serf agents (issue 19): skiff's wire
# formats, SWIM state machine and Serf layer (net/swim, net/serf, run by
# the gossip_node test helper on real sockets) against `serf agent` 0.9.4
# on loopback addresses, encrypted with a shared key: membership, tags,
# failure, leave, user events and queries both ways, key rotation from
# either side, a wrong key refused. No skiffd needed.
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
H=$TOP/$BUILD/tests/helpers/gossip_node
[ -x "$H" ] || make -s -C "$TOP" "$BUILD/tests/helpers/gossip_node" >/dev/null
command -v serf >/dev/null || { notok "serf is installed (make deps)"; finish; }

K1=cg8StVXbQJ0gPvMd9o7yrg==
K2=HvY8ubRZMgafUOWvrOadwQ==
K3=AAECAwQFBgcICQoLDA0ODw==
NET=127.77.$(( ($$ / 200) % 200 + 20 ))
PORT=$(( 17000 + $$ % 2000 ))
ip() { echo "$NET.$1"; }

# serf_agent NAME OCTET TAG: an encrypted agent, its RPC on the same IP
serf_agent() {
	serf agent -node="$1" -bind="$(ip "$2"):$PORT" -rpc-addr="$(ip "$2"):$((PORT + 1))" \
		-encrypt=$K1 -tag "$3" -log-level=warn -event-handler="$T/handler" \
		>"$T/serf-$1.log" 2>&1 &
	track $!
	wait_for 10 serf members -rpc-addr="$(ip "$2"):$((PORT + 1))"
}
members() { serf members -rpc-addr="$(ip "$1"):$((PORT + 1))" 2>/dev/null; }
has_member() { members "$1" | grep -E "^$2 +$(ip "$3"):$PORT +$4 +$5\$"; }

# serf's event handler: log user events, answer queries
printf '%s\n' '#!/bin/sh' \
	'if [ "$SERF_EVENT" = user ]; then echo "$SERF_SELF_NAME got $SERF_USER_EVENT $(cat)" >>"$(dirname "$0")/events"; fi' \
	'if [ "$SERF_EVENT" = query ]; then cat >/dev/null; echo serf-up; fi' >"$T/handler"
chmod +x "$T/handler"

serf_agent sa 2 role=serf || notok "serf agent sa started"

# A skiff node joins the serf agent; sa lists it with its tags.
"$H" --name sk1 --bind "$(ip 3):$PORT" --key $K1 --tag role=skiff --tag dc=edge \
	--join "$(ip 2):$PORT" --for 12 --answer skiff-up --event skev:hello \
	>"$T/sk1.out" 2>&1 &
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

# Events and queries from serf, and key rotation started by serf.
R=$(ip 2):$((PORT + 1))
serf event -rpc-addr="$R" deploy v1 >/dev/null 2>&1
if serf query -rpc-addr="$R" -timeout=3s uptime please 2>&1 | grep -q "Response from 'sk1': skiff-up"; then
	ok "a serf query is answered by the skiff node"
else
	notok "serf query answered by sk1"
fi
if serf keys -rpc-addr="$R" -install=$K2 >/dev/null 2>&1 &&
	serf keys -rpc-addr="$R" -use=$K2 >/dev/null 2>&1; then
	ok "serf installs and switches to a new key on every member, the skiff node too"
else
	notok "serf key rotation with sk1 in the cluster"
fi

wait "$SK1"
if grep -q "^event deploy v1" "$T/sk1.out"; then
	ok "a serf user event reaches the skiff node"
else
	notok "serf event on sk1: $(tr '\n' ';' <"$T/sk1.out")"
fi
if wait_for 3 grep -q "^sa got skev hello" "$T/events"; then
	ok "a user event from the skiff node reaches serf's handler"
else
	notok "sk1's event at sa: $(cat "$T/events" 2>/dev/null)"
fi
if grep -q "^keys $K2,$K1\$" "$T/sk1.out"; then
	ok "the skiff node's keyring followed serf's rotation (new primary first)"
else
	notok "sk1's keys: $(grep ^keys "$T/sk1.out")"
fi
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
"$H" --name sk2 --bind "$(ip 5):$PORT" --key $K2 --tag role=skiff \
	--join "$(ip 2):$PORT" --for 2 --leave >"$T/sk2.out" 2>&1
if wait_for 5 has_member 2 sk2 5 left '.*'; then
	ok "a skiff node that leaves is seen as left"
else
	notok "sk2 left on sa: $(members 2 | tr '\n' ';')"
fi

# Another key: refused both ways.
"$H" --name sk3 --bind "$(ip 6):$PORT" --key $K3 --join "$(ip 2):$PORT" \
	--for 2 >"$T/sk3.out" 2>&1
if ! members 2 | grep -q '^sk3 ' && [ "$(grep -c ' alive ' "$T/sk3.out")" -eq 1 ]; then
	ok "a node with the wrong key is not let in"
else
	notok "sk3 with another key: $(members 2 | tr '\n' ';') / $(tr '\n' ';' <"$T/sk3.out")"
fi
# A query from the skiff node, answered by serf's handler; a key
# installed from the skiff node, on serf too.
"$H" --name sk4 --bind "$(ip 7):$PORT" --key $K2 --join "$(ip 2):$PORT" \
	--for 4 --query uptime:please >"$T/sk4.out" 2>&1
if grep -q "^ack sa" "$T/sk4.out" && grep -q "^response sa serf-up" "$T/sk4.out"; then
	ok "a query from the skiff node is acked and answered by serf"
else
	notok "sk4's query: $(tr '\n' ';' <"$T/sk4.out")"
fi
"$H" --name sk5 --bind "$(ip 8):$PORT" --key $K2 --join "$(ip 2):$PORT" \
	--for 4 --keys install-key:$K3 >"$T/sk5.out" 2>&1
if grep -q "^response sa key-response" "$T/sk5.out" && grep -q "^keys $K2,$K3\$" "$T/sk5.out"; then
	ok "a key installed from the skiff node is installed by serf"
else
	notok "sk5's install-key: $(tr '\n' ';' <"$T/sk5.out")"
fi
finish
