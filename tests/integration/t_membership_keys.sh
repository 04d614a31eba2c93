#!/usr/bin/env bash
# The membership module's encryption (issue 19): three skiffd sharing a
# keyring file and a Debian `serf agent` with the same key form one
# encrypted cluster; `node keys` rotates the key on every member (serf's
# included: `serf keys -list`), a node with only the old key is then
# refused and one with the new key let in; a restarted skiffd keeps the
# rotated ring and its changed tags (ROOT/membership); a key installed
# from serf's side reaches skiff's ring.
. "$(dirname "$0")/lib.sh"
command -v serf >/dev/null || { notok "serf is installed (make deps)"; finish; }

K1=cg8StVXbQJ0gPvMd9o7yrg==
K2=HvY8ubRZMgafUOWvrOadwQ==
K3=AAECAwQFBgcICQoLDA0ODw==
NET=127.78.$(( ($$ / 250) % 200 + 20 ))
PORT=$(( 24000 + $$ % 4000 ))
ip() { echo "$NET.$1"; }
S() { local i=$1; shift; SKIFF_SOCK=$T/n$i/s.sock "$SKIFF" "$@"; }
declare -A NPID
echo "[\"$K1\"]" >"$T/keyring.json"

# node I JSON-TAIL: skiffd I gossiping on NET.I:PORT
node() {
	local i=$1 extra=${2:-}
	mkdir -p "$T/n$i"
	printf '{"membership": {"bind": "%s:%s", "node-name": "n%s"%s}}\n' \
		"$(ip "$i")" "$PORT" "$i" "$extra" >"$T/n$i/skiffd.json"
	"$SKIFFD" --no-keeper --root "$T/n$i/root" --run-dir "$T/n$i/run" \
		--sock "$T/n$i/s.sock" --config "$T/n$i/skiffd.json" 2>>"$T/n$i/log" &
	NPID[$i]=$!
	track "${NPID[$i]}"
	wait_sock "$T/n$i/s.sock"
}
status_is() { S "$1" node ls --format '{{.name}} {{.status}}' 2>/dev/null | grep -qx "$2 $3"; }
SRPC=$(ip 20):$((PORT + 1))

KR=", \"keyring-file\": \"$T/keyring.json\""
node 1 "$KR"
node 2 "$KR, \"join\": [\"$(ip 1):$PORT\"], \"tags\": [\"role=a\"]"
node 3 "$KR, \"join\": [\"$(ip 2):$PORT\"]"
serf agent -node=sa -bind="$(ip 20):$PORT" -rpc-addr="$SRPC" -encrypt=$K1 \
	-log-level=warn >"$T/serf.log" 2>&1 &
track $!
wait_for 10 serf members -rpc-addr="$SRPC"
serf join -rpc-addr="$SRPC" "$(ip 3):$PORT" >/dev/null 2>&1
all4() { [ "$(S 1 node ls -f status=alive -q | wc -l)" -eq 4 ] &&
	[ "$(serf members -rpc-addr="$SRPC" -status=alive | wc -l)" -eq 4 ]; }
wait_for 10 all4 && ok "3 skiffd and a serf agent form one encrypted cluster" ||
	notok "encrypted cluster: $(S 1 node ls | tr '\n' ';') / $(serf members -rpc-addr="$SRPC" | tr '\n' ';')"
[ "$(S 2 node inspect self -f '{{.Keys}}')" = 1 ] && ok "node inspect self counts the keys" ||
	notok "keys in inspect"

# Rotation from skiff: install, use, remove; one answer per member.
n=$(S 1 node keys --install $K2 --format '{{.from}} {{.result}}' | grep -c ' true$')
[ "$n" -eq 4 ] && ok "node keys --install: 4 members answer true" || notok "install: $n"
n=$(S 2 node keys --use $K2 --format '{{.from}} {{.result}}' | grep -c ' true$')
[ "$n" -eq 4 ] && ok "node keys --use" || notok "use: $n"
n=$(S 3 node keys --remove $K1 --format '{{.from}} {{.result}}' | grep -c ' true$')
[ "$n" -eq 4 ] && ok "node keys --remove" || notok "remove: $n"
out=$(S 1 node keys --list --format '{{.from}} {{.primary}} {{len .keys}}' | sort | tr '\n' ,)
[ "$out" = "n1 $K2 1,n2 $K2 1,n3 $K2 1,sa $K2 1," ] && ok "node keys --list: every member has only the new key" ||
	notok "list: $out"
serf keys -list -rpc-addr="$SRPC" 2>/dev/null | grep -q "$K2" &&
	! serf keys -list -rpc-addr="$SRPC" 2>/dev/null | grep -q "$K1" &&
	ok "serf keys -list shows the rotation" || notok "serf keys: $(serf keys -list -rpc-addr="$SRPC" | tr '\n' ';')"

# The old key is refused now, the new one let in.
node 4 ", \"encrypt\": \"$K1\", \"join\": [\"$(ip 1):$PORT\"]"
node 5 ", \"encrypt\": \"$K2\", \"join\": [\"$(ip 1):$PORT\"]"
wait_for 10 status_is 1 n5 alive && ok "a node with the new key joins" || notok "n5: $(S 1 node ls | tr '\n' ';')"
! status_is 1 n4 alive && ok "a node with only the old key is refused" || notok "n4 joined"
[ "$(S 1 node inspect self -f '{{.Stats.BadKey}}')" -gt 0 ] && ok "its packets are counted as bad-key" ||
	notok "bad key count: $(S 1 node inspect self -f '{{.Stats.BadKey}}')"

# A restarted skiffd keeps the rotated ring and its changed tags.
S 2 node tags --set role=b >/dev/null
sleep 0.5 # the store's group commit
kill -TERM "${NPID[2]}"; wait "${NPID[2]}" 2>/dev/null
node 2 "$KR, \"join\": [\"$(ip 1):$PORT\"], \"tags\": [\"role=a\"]"
tags_b() { S 1 node ls -f name=n2 --format '{{.status}} {{.tags}}' | grep -qx 'alive role=b'; }
wait_for 15 tags_b && ok "restarted n2 rejoins with the rotated key and keeps its tags" ||
	notok "restart: $(S 1 node ls | tr '\n' ';') $(tail -3 "$T/n2/log")"

# A key installed from serf reaches skiff.
serf keys -install=$K3 -rpc-addr="$SRPC" >/dev/null 2>&1
out=$(S 3 node inspect self -f '{{.Keys}}')
[ "$out" = 2 ] && ok "serf keys -install reaches skiff's ring" || notok "serf install: $out"

finish
