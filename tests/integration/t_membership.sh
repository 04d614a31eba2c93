#!/usr/bin/env bash
# The membership module (issue 19): five skiffd, each with its own root
# and socket, gossip on 127.77.x.y loopback addresses (LAN profile) and
# form a cluster: joins from the config and from `node join`, `node ls`
# with status and tags, a tags update propagated, `node event` and
# `node query` across, events on every node's stream, a kill -9 seen as
# failed by every survivor (the time is printed), a `node leave` seen as
# left, an encrypted node refused by the others; then a Debian
# `serf agent` joins a skiff node and `serf members` lists the skiff
# nodes with their tags, and skiff lists the agent.
. "$(dirname "$0")/lib.sh"

NET=127.77.$(( ($$ / 250) % 200 + 20 ))
PORT=$(( 20000 + $$ % 4000 ))
N=5
ip() { echo "$NET.$1"; }
S() { local i=$1; shift; SKIFF_SOCK=$T/n$i/s.sock "$SKIFF" "$@"; }
declare -A NPID

# node I [EXTRA JSON]: skiffd I with gossip on NET.I:PORT
node() {
	local i=$1 extra=${2:-}
	mkdir -p "$T/n$i"
	printf '{"membership": {"bind": "%s:%s", "node-name": "n%s", "tags": ["role=r%s", "dc=edge"]%s}}\n' \
		"$(ip "$i")" "$PORT" "$i" "$i" "$extra" >"$T/n$i/skiffd.json"
	"$SKIFFD" --no-keeper --root "$T/n$i/root" --run-dir "$T/n$i/run" \
		--sock "$T/n$i/s.sock" --config "$T/n$i/skiffd.json" 2>>"$T/n$i/log" &
	NPID[$i]=$!
	track "${NPID[$i]}"
	wait_sock "$T/n$i/s.sock"
}
# status_is I NAME STATUS: node I lists NAME with STATUS
status_is() { S "$1" node ls --format '{{.name}} {{.status}}' 2>/dev/null | grep -qx "$2 $3"; }
alive_count() { S "$1" node ls -f status=alive -q 2>/dev/null | wc -l; }
all_alive() { local i; for i in "$@"; do [ "$(alive_count "$i")" -eq "$ALIVE" ] || return 1; done; }

# Bad settings are refused at start.
mkdir -p "$T/bad"
echo '{"membership": {"bind": "nowhere:1"}}' >"$T/bad/skiffd.json"
if ! timeout 10 "$SKIFFD" --no-keeper --root "$T/bad/root" --run-dir "$T/bad/run" \
	--sock "$T/bad/s.sock" --config "$T/bad/skiffd.json" 2>"$T/bad/log"; then
	grep -q 'bind' "$T/bad/log" && ok "a bad membership.bind is refused" ||
		notok "bad bind: $(cat "$T/bad/log")"
else
	notok "skiffd started with a bad bind"
fi

# Without "bind" gossip is off and says so.
start_daemon --no-keeper
out=$("$SKIFF" node ls 2>&1)
[[ $out == *"gossip is off"* ]] && ok "node ls without bind: gossip is off" || notok "no bind: $out"
stop_daemon

# Formation: n1 first, n2..n4 join it from their config, n5 by node join.
node 1
S 1 events --filter type=node >"$T/events1" 2>&1 &
track $!
for i in 2 3 4; do node $i ", \"join\": [\"$(ip 1):$PORT\"]"; done
node 5
t0=$(date +%s%N)
if S 5 node join "$(ip 3):$PORT"; then ok "node join answers once joined"; else notok "node join"; fi
ALIVE=5
if wait_for 10 all_alive 1 2 3 4 5; then
	ok "5 nodes: every one lists 5 alive ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the last join)"
else
	notok "formation: $(for i in 1 2 3 4 5; do echo "n$i: $(alive_count $i)"; done | tr '\n' ' ')"
fi
out=$(S 2 node ls --format '{{.name}} {{.addr}} {{.status}} {{.tags}}' | grep '^n4 ')
[[ $out == "n4 $(ip 4):$PORT alive role=r4,dc=edge" ]] && ok "node ls: name, address, status, tags" ||
	notok "node ls row: $out"
out=$(S 3 node inspect self --format '{{.Name}} {{.Self}} {{.Tags.role}}')
[[ $out == "n3 true r3" ]] && ok "node inspect self" || notok "inspect self: $out"
S 1 node join "$(ip 9):$PORT" >/dev/null 2>&1 && notok "join of nobody succeeds" ||
	ok "node join of an address nobody answers fails"

# Tags.
out=$(S 2 node tags --set role=db --set zone=a --delete dc --format '{{.key}}={{.value}}' | tr '\n' ,)
[[ $out == "role=db,zone=a," ]] && ok "node tags --set/--delete" || notok "tags: $out"
tags_seen() { S 4 node ls -f name=n2 --format '{{.tags}}' | grep -qx 'role=db,zone=a'; }
wait_for 5 tags_seen && ok "a tags update reaches the others" ||
	notok "tags seen: $(S 4 node ls -f name=n2 --format '{{.tags}}')"
[ "$(S 4 node ls -f tag=zone=a -q)" = n2 ] && ok "node ls -f tag=" || notok "tag filter"

# User events and queries.
S 3 node event deploy v1 || notok "node event"
ev_seen() { grep -q 'node user deploy (payload=v1' "$T/events1"; }
wait_for 5 ev_seen && ok "a user event from n3 is on n1's event stream" || notok "user event: $(cat "$T/events1")"
acks=$(S 1 node query --timeout 2s --format '{{.from}} {{.type}}' ping hi | grep -c ' ack$')
[ "$acks" -eq 5 ] && ok "node query: every node acks" || notok "query acks: $acks"
acks=$(S 1 node query --timeout 2s --node n2 --node n3 --format '{{.from}}' ping hi | sort | tr '\n' ,)
[ "$acks" = "n2,n3," ] && ok "node query --node" || notok "query --node: $acks"
grep -q 'node member-join n5' "$T/events1" && ok "member-join on the event stream" ||
	notok "member-join: $(cat "$T/events1")"

# kill -9: every survivor sees n5 failed.
kill -KILL "${NPID[5]}"
wait "${NPID[5]}" 2>/dev/null
t0=$(date +%s%N)
failed_all() { local i; for i in 1 2 3 4; do status_is $i n5 failed || return 1; done; }
if wait_for 30 failed_all; then
	ok "kill -9 of n5 seen as failed by every survivor in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
	notok "failure: $(for i in 1 2 3 4; do S $i node ls -f name=n5 --format '{{.status}}'; done | tr '\n' ' ')"
fi
grep -q 'node member-failed n5' "$T/events1" && ok "member-failed on the event stream" ||
	notok "member-failed: $(cat "$T/events1")"

# Graceful leave: n4 is left for the others.
S 4 node leave && ok "node leave" || notok "node leave"
left_all() { local i; for i in 1 2 3; do status_is $i n4 left || return 1; done; }
wait_for 10 left_all && ok "a node that leaves is seen as left" ||
	notok "left: $(for i in 1 2 3; do S $i node ls -f name=n4 --format '{{.status}}'; done | tr '\n' ' ')"
out=$(S 4 node ls 2>&1)
[[ $out == *"gossip is off"* ]] && ok "after leave, gossip is off on n4" || notok "n4 after leave: $out"
grep -q 'node member-leave n4' "$T/events1" && ok "member-leave on the event stream" ||
	notok "member-leave: $(cat "$T/events1")"
S 4 node join "$(ip 1):$PORT" >/dev/null && wait_for 10 status_is 1 n4 alive &&
	ok "n4 joins again after its leave" || notok "rejoin: $(S 1 node ls | tr '\n' ';')"

# A node with a key is refused by the unencrypted cluster.
node 6 ', "encrypt": "cg8StVXbQJ0gPvMd9o7yrg=="'
S 6 node join "$(ip 1):$PORT" >/dev/null 2>&1
sleep 1
! status_is 1 n6 alive && ok "a node with another key is not let in" || notok "keyed node joined"

# A Debian serf agent joins n1; both sides list each other.
if command -v serf >/dev/null; then
	serf agent -node=sa -bind="$(ip 20):$PORT" -rpc-addr="$(ip 20):$((PORT + 1))" \
		-tag role=serf -log-level=warn >"$T/serf.log" 2>&1 &
	track $!
	wait_for 10 serf members -rpc-addr="$(ip 20):$((PORT + 1))"
	serf join -rpc-addr="$(ip 20):$((PORT + 1))" "$(ip 1):$PORT" >/dev/null 2>&1
	serf_lists() {
		serf members -rpc-addr="$(ip 20):$((PORT + 1))" |
			grep -Eq "^n2 +$(ip 2):$PORT +alive +(role=db,zone=a|zone=a,role=db)\$"
	}
	wait_for 10 serf_lists && ok "serf members lists the skiff nodes with their tags" ||
		notok "serf members: $(serf members -rpc-addr="$(ip 20):$((PORT + 1))" | tr '\n' ';')"
	wait_for 10 status_is 2 sa alive && ok "skiff lists the serf agent" ||
		notok "skiff lists sa: $(S 2 node ls | tr '\n' ';')"
	serf event -rpc-addr="$(ip 20):$((PORT + 1))" fromserf x >/dev/null 2>&1
	ev2() { grep -q 'node user fromserf (payload=x' "$T/events1"; }
	wait_for 5 ev2 && ok "serf's user event reaches skiff's event stream" || notok "serf event"
else
	notok "serf is installed (make deps)"
fi

finish
