#!/usr/bin/env bash
# Registry credentials, TLS and the daemon's registry options, against
# Debian's docker-registry. The scenario runs in its own network
# namespace (unshare -n) so a registry can listen on 192.0.2.1, an
# address that is not loopback (skiff speaks plain http to loopback, as
# Docker does): (a) htpasswd auth on loopback: pull refused without
# login, login with a wrong password refused, login (--password-stdin),
# config.json 0600 in Docker's format, pull, restart keeps it, logout;
# (b) TLS with a CA the test makes: refused without the CA, pulled with
# CERTS_DIR/HOST:PORT/ca.crt; (c) insecure-registries (a CIDR, applied
# by SIGHUP) and bad values refused with FILE:LINE; (d) registry-mirrors
# for docker.io with a dead mirror skipped, and the fall-back to Docker
# Hub named when no mirror has the image; (e) Bearer tokens from a token
# server in the test (tests/helpers/tokenserver.py) got with the login's
# credentials. No password ever reaches skiffd's log (at debug level).
if [ -z "${REGAUTH_NETNS:-}" ]; then
	command -v unshare >/dev/null || { echo "not ok - unshare is missing"; exit 1; }
	REGAUTH_NETNS=1 exec unshare -n "$0" "$@"
fi
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
for c in docker-registry skopeo htpasswd openssl ip; do
	command -v $c >/dev/null || { notok "$c is not installed (make deps)"; finish; }
done
ip link set lo up && ip addr add 192.0.2.1/32 dev lo || { notok "netns address"; finish; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# registry NAME ADDR [EXTRA YAML]: start one, wait until it answers
registry() {
	local name=$1 addr=$2 extra=$3
	cat >"$T/$name.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/$name.data}}
http: {addr: $addr$extra}
EOC
	[ -n "${4:-}" ] && echo "$4" >>"$T/$name.yml"
	docker-registry serve "$T/$name.yml" >"$T/$name.log" 2>&1 &
	track $!
	# listening is enough (one that wants client certificates answers
	# nothing else)
	wait_for 10 bash -c "exec 3<>/dev/tcp/${addr%:*}/${addr##*:}" || { notok "registry $name starts: $(cat "$T/$name.log")"; finish; }
}

# the image
mkdir -p "$T/l1/etc"
echo hello >"$T/l1/etc/hello"
tar -C "$T/l1" -cf "$T/l1.tar" etc
"$H" write "$T/oci" hello "$T/l1.tar" >/dev/null

# (a) htpasswd
APORT=$(free_port)
htpasswd -Bbc "$T/htpasswd" alice 's3cret:pa ss' 2>/dev/null
registry auth "127.0.0.1:$APORT" "" "auth: {htpasswd: {realm: skiff-test, path: $T/htpasswd}}"
skopeo --insecure-policy copy -q --dest-creds 'alice:s3cret:pa ss' --dest-tls-verify=false \
	"oci:$T/oci:hello" "docker://127.0.0.1:$APORT/team/hello:v1" || notok "skopeo push with credentials"
A=127.0.0.1:$APORT/team/hello:v1

start_daemon --log-level debug || { notok "skiffd starts"; finish; }
CFG=$T/root/auth/config.json
out=$($S pull "$A" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "unauthorized: authentication required" && echo "$out" | grep -q "skiff login" &&
	ok "pull without login: $(echo "$out" | tail -1 | cut -c1-110)" || notok "pull without login: rc=$rc $out"
out=$($S login -u alice -p wrong "127.0.0.1:$APORT" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "unauthorized: incorrect username or password" && echo "$out" | grep -q "127.0.0.1:$APORT" &&
	ok "login with a wrong password: $out" || notok "wrong password: rc=$rc $out"
[ ! -e "$CFG" ] && ok "nothing saved for a failed login" || notok "saved: $(cat "$CFG")"
out=$($S login -u alice --password-stdin -p x "127.0.0.1:$APORT" </dev/null 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "mutually exclusive" && ok "-p with --password-stdin refused" || notok "both: rc=$rc $out"
out=$(printf 's3cret:pa ss\n' | $S login -u alice --password-stdin "127.0.0.1:$APORT" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "Login Succeeded" && ok "login --password-stdin: Login Succeeded" || notok "login: rc=$rc $out"
[ "$(stat -c %a "$CFG" 2>/dev/null)" = 600 ] && ok "config.json is mode 0600" || notok "mode: $(stat -c %a "$CFG" 2>&1)"
python3 - "$CFG" "127.0.0.1:$APORT" <<'EOP' && ok "config.json in Docker's format" || notok "config.json: $(cat "$CFG")"
import base64, json, sys
x = json.load(open(sys.argv[1]))
assert base64.b64decode(x["auths"][sys.argv[2]]["auth"]) == b"alice:s3cret:pa ss", x
EOP
! grep -q 's3cret' "$T/daemon.log" && ok "the password is not in skiffd's log" || notok "password logged"
out=$($S pull "$A" 2>&1) && ok "pull with the stored credentials" || notok "pull after login: $out"
pids=
for h in localhost 127.0.0.1 localhost 127.0.0.1; do
	$S login -u alice -p 's3cret:pa ss' "$h:$APORT" >"$T/l.$h.out" 2>&1 & pids="$pids $!"
done
rcs=0; for p in $pids; do wait "$p" || rcs=1; done
python3 -c 'import json,sys; k=sorted(json.load(open(sys.argv[1]))["auths"]); assert k == sorted(sys.argv[2:]), k' \
	"$CFG" "127.0.0.1:$APORT" "localhost:$APORT" && [ $rcs = 0 ] &&
	ok "four logins at once: both servers saved, none lost" || notok "concurrent logins: rc=$rcs $(cat "$CFG" "$T"/l.*.out)"
$S logout "localhost:$APORT" >/dev/null || notok "logout localhost"
$S rmi "$A" >/dev/null
stop_daemon
start_daemon || notok "skiffd restarts"
out=$($S pull -q "$A" 2>&1) && ok "credentials survive a restart" || notok "pull after restart: $out"
$S rmi "$A" >/dev/null
out=$($S logout "127.0.0.1:$APORT" 2>&1) && ok "logout" || notok "logout: $out"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["auths"] == {}' "$CFG" &&
	ok "logout removes the entry" || notok "after logout: $(cat "$CFG")"
out=$($S pull "$A" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q unauthorized && ok "pull fails again after logout" || notok "pull after logout: rc=$rc $out"
out=$($S logout "127.0.0.1:$APORT" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "not logged in" && ok "logout twice: $out" || notok "logout twice: rc=$rc $out"
out=$($S login -u alice "127.0.0.1:$APORT" 2>&1 </dev/null); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "password" && ok "login without a password (no terminal): $out" || notok "no password: rc=$rc $out"
out=$(python3 "$TOP/tests/integration/ptyrun.py" 'expect Username: ;;send alice\r;;expect Password: ;;send s3cret:pa ss\r;;expect Login Succeeded' \
	-- "$S" login "127.0.0.1:$APORT" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "exit 0" && ! echo "$out" | grep -q s3cret && $S pull -q "$A" >/dev/null 2>&1 &&
	ok "login on a terminal asks Username: and Password: (not echoed)" || notok "login prompt: rc=$rc $out"
$S rmi "$A" >/dev/null 2>&1; $S logout "127.0.0.1:$APORT" >/dev/null
stop_daemon

# (b) TLS: a CA, a cert for 192.0.2.1, a registry with tls on it
TPORT=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=skiff-test-ca \
	-keyout "$T/ca.key" -out "$T/ca.crt" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=192.0.2.1 -keyout "$T/srv.key" -out "$T/srv.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:192.0.2.1\n' >"$T/san.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/san.ext" -out "$T/srv.crt" >/dev/null 2>&1 || notok "openssl makes the certificates"
registry tls "192.0.2.1:$TPORT" ", tls: {certificate: $T/srv.crt, key: $T/srv.key}"
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$T/oci:hello" \
	"docker://192.0.2.1:$TPORT/team/hello:v1" || notok "skopeo push over TLS"
mkdir -p "$T/certs"
printf '{"certs-dir": "%s"}\n' "$T/certs" >"$T/skiffd.json"
start_daemon --config "$T/skiffd.json" || notok "skiffd starts with certs-dir"
out=$($S pull "192.0.2.1:$TPORT/team/hello:v1" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "https://192.0.2.1:$TPORT" && echo "$out" | grep -qi "certificate" &&
	ok "https without the CA: $(echo "$out" | tail -1 | cut -c1-120)" || notok "no CA: rc=$rc $out"
mkdir -p "$T/certs/192.0.2.1:$TPORT"
cp "$T/ca.crt" "$T/certs/192.0.2.1:$TPORT/ca.crt"
out=$($S pull "192.0.2.1:$TPORT/team/hello:v1" 2>&1) && ok "https with CERTS_DIR/HOST:PORT/ca.crt" || notok "with CA: $out"

# a registry that wants a client certificate (tls.clientcas)
MPORT=$(free_port)
openssl req -newkey rsa:2048 -nodes -subj /CN=skiff-client -keyout "$T/cl.key" -out "$T/cl.csr" >/dev/null 2>&1
printf 'extendedKeyUsage=clientAuth\n' >"$T/cl.ext"
openssl x509 -req -in "$T/cl.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/cl.ext" -out "$T/cl.crt" >/dev/null 2>&1 || notok "openssl makes the client certificate"
registry mtls "192.0.2.1:$MPORT" ", tls: {certificate: $T/srv.crt, key: $T/srv.key, clientcas: [$T/ca.crt]}"
M=$T/certs/192.0.2.1:$MPORT
mkdir -p "$M"
cp "$T/ca.crt" "$M/ca.crt"
cp "$T/cl.crt" "$M/client.cert"
cp "$T/cl.key" "$M/client.key"
skopeo --insecure-policy copy -q --dest-cert-dir "$M" "oci:$T/oci:hello" \
	"docker://192.0.2.1:$MPORT/team/hello:v1" || notok "skopeo push with a client certificate"
mv "$M/client.cert" "$M/client.cert.off"
out=$($S pull "192.0.2.1:$MPORT/team/hello:v1" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "https://192.0.2.1:$MPORT" && ok "without a client certificate: $(echo "$out" | tail -1 | cut -c1-100)" || notok "no client cert: rc=$rc $out"
mv "$M/client.cert.off" "$M/client.cert"
out=$($S pull "192.0.2.1:$MPORT/team/hello:v1" 2>&1) && ok "with CERTS_DIR/HOST:PORT/client.cert and client.key" || notok "client cert: $out"
stop_daemon

# (c) insecure-registries: plain http on a non-loopback address
IPORT=$(free_port)
registry plain "192.0.2.1:$IPORT" ""
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$T/oci:hello" \
	"docker://192.0.2.1:$IPORT/team/hello:v1" || notok "skopeo push to the plain registry"
printf '{"certs-dir": "%s"}\n' "$T/certs" >"$T/skiffd.json"
start_daemon --config "$T/skiffd.json" || notok "skiffd starts"
out=$($S pull "192.0.2.1:$IPORT/team/hello:v1" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "https://192.0.2.1:$IPORT" && ok "a plain registry not listed is asked over https (fails)" || notok "not insecure: rc=$rc $out"
printf '{\n  "certs-dir": "%s",\n  "insecure-registries": ["10.0.0.1:5000", "192.0.2.0/24"]\n}\n' "$T/certs" >"$T/skiffd.json"
kill -HUP "$DPID"
sleep 1 # the signal is read on the loop
out=$($S pull "192.0.2.1:$IPORT/team/hello:v1" 2>&1) && ok "insecure-registries 192.0.2.0/24 (SIGHUP): plain http" || notok "insecure: $out"
stop_daemon
# refused FILE KEY: skiffd --config FILE exits at start naming FILE:LINE "KEY"
refused() {
	local out rc
	out=$(timeout 5 "$SKIFFD" --config "$1" --root "$T/nroot" --run-dir "$T/nrun" --sock "$T/never.sock" 2>&1 >/dev/null)
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] && echo "$out" | grep -qF "$1:$2" && { echo "$out" | head -1; return 0; }
	echo "rc=$rc $out"; return 1
}
for bad in '["http://x"]' '["10.0.0.0/33"]' '"x"' '["a b"]' '[5]'; do
	printf '{\n  "log-level": "info",\n  "insecure-registries": %s\n}\n' "$bad" >"$T/bad.json"
	out=$(refused "$T/bad.json" '3: "insecure-registries"') && ok "insecure-registries $bad refused: ${out#*: }" || notok "bad insecure $bad: $out"
done
for bad in '["https://m.example/v2"]' '["m.example"]' '["ftp://m.example"]' '["https://u:p@m"]'; do
	printf '{\n "registry-mirrors": %s\n}\n' "$bad" >"$T/bad.json"
	out=$(refused "$T/bad.json" '2: "registry-mirrors"') && ok "registry-mirrors $bad refused" || notok "bad mirror $bad: $out"
done
printf '{\n "certs-dir": "relative"\n}\n' >"$T/bad.json"
out=$(refused "$T/bad.json" '2: "certs-dir"') && ok "a relative certs-dir refused" || notok "bad certs-dir: $out"

# (d) registry-mirrors for docker.io: the plain registry plays the mirror
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$T/oci:hello" \
	"docker://192.0.2.1:$IPORT/library/hello:v1" || notok "skopeo push library/hello"
DEAD=$(free_port)
printf '{"registry-mirrors": ["http://127.0.0.1:%s", "http://192.0.2.1:%s/"]}\n' "$DEAD" "$IPORT" >"$T/skiffd.json"
start_daemon --config "$T/skiffd.json" || notok "skiffd starts with mirrors"
out=$($S pull hello:v1 2>&1); rc=$?
[ $rc -eq 0 ] && $S images | grep -q "^hello *v1" && ok "docker.io pull through the second mirror (the first is dead)" || notok "mirror: rc=$rc $out"
grep -q "mirror http://127.0.0.1:$DEAD" "$T/daemon.log" && ok "the dead mirror is logged and skipped" || notok "mirror log: $(tail -3 "$T/daemon.log")"
out=$($S pull hello:nope 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "registry-1.docker.io" && ok "no mirror has it: falls back to Docker Hub ($(echo "$out" | tail -1 | cut -c1-90))" || notok "fallback: rc=$rc $out"
stop_daemon
# (e) Bearer tokens: docker-registry with `auth: token` and the test's
# token server (RS256 JWTs with an x5c the registry's rootcertbundle holds)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=skiff-test-token \
	-keyout "$T/tok.key" -out "$T/tok.crt" >/dev/null 2>&1 || notok "openssl makes the token key"
exec 8< <(python3 "$TOP/tests/helpers/tokenserver.py" "$T/tok.key" "$T/tok.crt" bob 'Secret Bob' skiff-issuer "$T/tok.log")
track $!
read -r -t 10 KPORT <&8 || { notok "token server starts"; finish; }
BPORT=$(free_port)
registry bearer "127.0.0.1:$BPORT" "" "auth: {token: {realm: \"http://127.0.0.1:$KPORT/token\", service: skiff-reg, issuer: skiff-issuer, rootcertbundle: $T/tok.crt}}"
skopeo --insecure-policy copy -q --dest-creds 'bob:Secret Bob' --dest-tls-verify=false \
	"oci:$T/oci:hello" "docker://127.0.0.1:$BPORT/team/hello:v1" || notok "skopeo push through the token server"
BI=127.0.0.1:$BPORT/team/hello:v1
start_daemon --log-level debug || notok "skiffd starts"
out=$($S pull "$BI" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "unauthorized" && ok "bearer: an anonymous token is not enough: $(echo "$out" | tail -1 | cut -c1-100)" || notok "anonymous bearer: rc=$rc $out"
out=$($S login -u bob -p wrong "127.0.0.1:$BPORT" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "incorrect username or password" && ok "bearer: login with a wrong password refused by the token server" || notok "bearer wrong: rc=$rc $out"
out=$(printf 'Secret Bob' | $S login -u bob --password-stdin "127.0.0.1:$BPORT" 2>&1) && echo "$out" | grep -q "Login Succeeded" &&
	ok "bearer: login (a token for bob)" || notok "bearer login: $out"
out=$($S pull "$BI" 2>&1) && ok "bearer: pull with a token got with the credentials" || notok "bearer pull: $out"
out=$($S login -u bob -p wrong "127.0.0.1:$BPORT" 2>&1); rc=$?
[ $rc -ne 0 ] && $S pull -q "$BI" >/dev/null 2>&1 && ok "bearer: a wrong login after a good one fails (no cached token) and keeps the good one" || notok "second wrong login: rc=$rc $out"
grep -q "^user=bob scope=repository:team/hello:pull$" "$T/tok.log" && ok "the token request carried the credentials and the pull scope" || notok "token log: $(cat "$T/tok.log")"
! grep -q 'Secret Bob' "$T/tok.log" "$T/daemon.log" && ok "no password in the logs" || notok "password logged: $(grep 'Secret Bob' "$T/tok.log" "$T/daemon.log")"
stop_daemon
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$T/daemon.log"; then
	notok "sanitizer report in the daemon log: $(grep -m3 -E 'Sanitizer|runtime error' "$T/daemon.log")"
else
	ok "no sanitizer report in the daemon log"
fi
finish
