#!/usr/bin/env bash
# Roles on the control socket (core/roles.c): each role's allowed and
# refused verbs for real non-root peers (setpriv), grants by user and by
# supplementary group (SO_PEERGROUPS), the default role, socket-mode,
# SIGHUP applying new grants, the CLI's message, bad "roles" refused.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok "skipped: t_roles needs root"
	exit 0
fi
chmod 0711 "$T"
S=${SKIFF:-$(dirname "$SKIFFD")/skiff}

# as UID GID [GROUPS] -- CMD...: run CMD as that user
as() {
	local u=$1 g=$2 extra=--clear-groups
	shift 2
	[ "$1" != -- ] && extra=--groups=$1 && shift
	shift
	setpriv --reuid="$u" --regid="$g" "$extra" -- "$@"
}
# line UID GID [GROUPS] -- LINE: the status line of LINE sent as that user
line() {
	local a=("$@") n=$#
	as "${a[@]:0:n-1}" socat -t2 - UNIX-CONNECT:"$SOCK" <<<"${a[n-1]}" 2>&1 | tail -n1
}
# expect NAME WANT-PREFIX UID GID [GROUPS] -- LINE
expect() {
	local name=$1 want=$2 got
	shift 2
	got=$(line "$@")
	[[ "$got" == "$want"* ]] && ok "$name: $got" || notok "$name (want $want...): $got"
}

cat >"$T/roles.json" <<'J'
{ "socket-mode": "0666",
  "roles": { "default": "none",
	     "users": { "65534": "read-only", "65533": "operator" },
	     "groups": { "4242": "admin" } } }
J
start_daemon --config "$T/roles.json" || notok "skiffd starts with roles"
check "socket-mode 0666 applied" test "$(stat -c %a "$SOCK")" = 666

# read-only: listings yes, anything that acts no (naming the role needed)
expect "read-only: ping" ok 65534 65534 -- ping
expect "read-only: ps" ok 65534 65534 -- "ps -a"
expect "read-only: volume ls" ok 65534 65534 -- "volume ls"
expect "read-only: events is allowed (canceled at once)" ok 65534 65534 -- "events --since 1"
expect "read-only: start refused" "err denied start needs the operator role (uid 65534 has read-only)" 65534 65534 -- "start nosuch"
expect "read-only: volume create refused" "err denied volume create needs the admin role" 65534 65534 -- "volume create v1"
expect "read-only: shutdown refused" "err denied shutdown needs the admin role" 65534 65534 -- shutdown
# operator: acts on what exists, creates nothing
expect "operator: ps" ok 65533 65533 -- ps
expect "operator: start passes the role check" "err not_found" 65533 65533 -- "start nosuch"
expect "operator: stop passes the role check" "err not_found" 65533 65533 -- "stop nosuch"
expect "operator: run refused" "err denied run needs the admin role (uid 65533 has operator)" 65533 65533 -- "run --rootfs / true"
expect "operator: rm refused" "err denied rm needs the admin role" 65533 65533 -- "rm nosuch"
# admin through a supplementary group (not the primary one)
expect "admin by group 4242: volume create" ok 65531 65531 4242 -- "volume create v1"
expect "admin by group 4242: volume rm" ok 65531 65531 4242 -- "volume rm v1"
# no entry and default none: refused at accept
out=$(as 65530 65530 -- socat -t2 -u UNIX-CONNECT:"$SOCK" - 2>&1 | head -n1)
[[ "$out" == "err denied permission denied"* ]] && ok "an unlisted user is refused: $out" || notok "an unlisted user is refused: $out"
# the CLI says it too, and exits non-zero
if err=$(as 65534 65534 -- "$S" start nosuch 2>&1); then
	notok "skiff start as read-only exits non-zero"
else
	grep -q "needs the operator role" <<<"$err" && ok "the CLI shows the role needed: $err" || notok "CLI message: $err"
fi
check "root is admin" sh -c "$S volume create v2 && $S volume rm v2"
check "the daemon still answers root" ping_ok

# SIGHUP: new grants apply to the next request, even on open connections
sed -i 's/"65534": "read-only"/"65534": "operator"/; s/"default": "none"/"default": "read-only"/' "$T/roles.json"
kill -HUP "$SPID"
is_operator() { [[ "$(line 65534 65534 -- "start nosuch")" == "err not_found"* ]]; }
wait_for 5 is_operator &&
	ok "after SIGHUP uid 65534 is operator" || notok "after SIGHUP uid 65534 is operator"
expect "after SIGHUP the default read-only lets 65530 in" ok 65530 65530 -- ps
expect "and refuses it start" "err denied start needs the operator role (uid 65530 has read-only)" 65530 65530 -- "start x"
check "skiffd exits 0 on SIGTERM" stop_daemon

# No "roles": the socket group is Docker's docker group (admin), others out
printf '{ "socket-group": 65534 }\n' >"$T/group.json"
start_daemon --config "$T/group.json" || notok "skiffd starts with socket-group"
expect "socket-group member without roles is admin" ok 65534 65534 -- "volume create v3"
check "socket-group: 0660" test "$(stat -c %a "$SOCK")" = 660
chmod 0666 "$SOCK"
out=$(as 65530 65530 -- socat -t2 -u UNIX-CONNECT:"$SOCK" - 2>&1 | head -n1)
[[ "$out" == "err denied "* ]] && ok "a non-member on a hand-opened socket is refused: $out" || notok "non-member: $out"
raw "volume rm v3" >/dev/null
check "skiffd exits 0 on SIGTERM" stop_daemon

# Bad "roles" and socket-mode stop skiffd at start with the key
refused() {
	local name=$1 json=$2 key=$3 out
	printf '%s\n' "$json" >"$T/bad.json"
	out=$(timeout 10 "$SKIFFD" --root "$T/root" --run-dir "$T/run" --sock "$T/bad.sock" --config "$T/bad.json" 2>&1)
	[ $? -ne 0 ] && grep -q "$key" <<<"$out" && ok "$name refused" || notok "$name refused ($out)"
}
refused "an unknown role" '{ "roles": { "default": "root" } }' '"roles"'
refused "an unknown user" '{ "roles": { "users": { "no-such-user-skiff": "admin" } } }' '"roles"'
refused "an unknown roles key" '{ "roles": { "people": {} } }' '"roles"'
refused "a socket-mode without owner rw" '{ "socket-mode": "0066" }' '"socket-mode"'
finish
