#!/usr/bin/env bash
# Remote access (core/tls.c): skiffd on tcp:// with mutual TLS on
# loopback, certificates made here with openssl: a good client runs read
# and write verbs, streams (events, logs -f, attach) and exec; verbs that
# pass descriptors are refused with how; roles by certificate CN; a
# client from another CA, an expired one, none, plain text and a stalled
# handshake are refused and the daemon goes on; plain tcp:// needs
# --tcp-insecure. Ends with ping round trips over TLS beside the socket.
. "$(dirname "$0")/lib.sh"
S=${SKIFF:-$(dirname "$SKIFFD")/skiff}
C=$T/certs
mkdir -p "$C"

# ---- certificates: a CA, another CA, skiffd's, clients by CN ----
(
	set -e
	cd "$C"
	q() { "$@" >/dev/null 2>&1; }
	key() { q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "/CN=$2"; }
	ca() { q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1"; }
	leaf() { # NAME CA CN EXT
		key "$1" "$3"
		printf '%s\n' "$4" >"$1.ext"
		q openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1-cert.pem" -days 2 -extfile "$1.ext"
	}
	ca ca
	ca otherca
	leaf server ca skiffd "subjectAltName=IP:127.0.0.1,DNS:localhost"
	leaf admin ca ops-admin "extendedKeyUsage=clientAuth"
	leaf oper ca ci-operator "extendedKeyUsage=clientAuth"
	leaf reader ca dash-reader "extendedKeyUsage=clientAuth"
	leaf nobody ca ghost "extendedKeyUsage=clientAuth"
	leaf stranger otherca ops-admin "extendedKeyUsage=clientAuth"
	# expired: the right CA, valid for one day in 2020 (openssl ca can
	# set the dates; x509 -req cannot)
	mkdir db && : >db/index && echo 01 >db/serial
	printf '[ca]\ndefault_ca=d\n[d]\ndatabase=db/index\nserial=db/serial\nnew_certs_dir=db\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n' >ca.cnf
	key expired ops-admin
	q openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired-cert.pem -startdate 20200101000000Z -enddate 20200102000000Z -notext
) || { notok "certificates made with openssl"; finish; }
ok "certificates made with openssl (CA, other CA, server, 4 clients, expired)"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
H=tcp://127.0.0.1:$PORT
# as NAME: skiff over TLS with NAME's certificate
as() { local n=$1; shift; "$S" -H "$H" --tlsverify --tlscacert "$C/ca.pem" --tlscert "$C/$n-cert.pem" --tlskey "$C/$n-key.pem" "$@"; }

cat >"$T/cfg.json" <<J
{ "hosts": ["$H"], "tlsverify": true, "tlscacert": "$C/ca.pem",
  "tlscert": "$C/server-cert.pem", "tlskey": "$C/server-key.pem",
  "tls-handshake-timeout": "1s",
  "roles": { "certs": { "ci-operator": "operator", "dash-reader": "read-only",
			"ghost": "none" } } }
J
start_daemon --config "$T/cfg.json" || { notok "skiffd starts with a tcp:// host"; finish; }
grep -q "listening on $H (mutual TLS)" "$T/daemon.log" && ok "skiffd listens on $H with mutual TLS" || notok "listen log: $(cat "$T/daemon.log")"

grep -q libssl "/proc/$SPID/maps" && ok "libssl is mapped with a tcp:// host" || notok "libssl not mapped with TLS"

# ---- a good client: read and write verbs ----
check "ping over TLS" as admin ping
out=$(as admin version --format '{{.Server.Version}}' 2>&1)
[ -n "$out" ] && ok "version over TLS: $out" || notok "version over TLS"
check "info over TLS" as admin info
R=$T/rootfs
make_rootfs "$R"
id=$(as admin run -d --rootfs "$R" --name web sh -c 'echo hello-tls; while sleep 0.2; do echo tick; done' 2>&1)
[ ${#id} -ge 12 ] && ok "run -d over TLS: ${id:0:12}" || notok "run -d over TLS: $id"
check "ps over TLS shows it" sh -c "$(printf '%q ' "$S" -H "$H" --tlscacert "$C/ca.pem" --tlscert "$C/admin-cert.pem" --tlskey "$C/admin-key.pem") ps | grep -q web"
out=$(as admin exec web echo from-exec 2>&1)
[ "$out" = from-exec ] && ok "exec (no -i/-t) over TLS: output streamed" || notok "exec over TLS: $out"
wait_for 3 sh -c "$(printf '%q ' "$S" -H "$H" --tlscacert "$C/ca.pem" --tlscert "$C/admin-cert.pem" --tlskey "$C/admin-key.pem") logs web | grep -q hello-tls" &&
	ok "logs over TLS" || notok "logs over TLS"
# streams: logs -f, events, attach end with the client (timeout)
out=$(timeout 2 "$S" -H "$H" --tlscacert "$C/ca.pem" --tlscert "$C/oper-cert.pem" --tlskey "$C/oper-key.pem" logs -f web 2>&1)
n=$(grep -c tick <<<"$out")
[ "$n" -ge 3 ] && ok "logs -f streams over TLS ($n ticks in 2 s)" || notok "logs -f over TLS: $out"
as admin events --since 60 --filter type=container >"$T/ev" 2>&1 &
EV=$!
track $EV
sleep 0.5
as admin pause web >/dev/null && as admin unpause web >/dev/null
wait_for 5 grep -q unpause "$T/ev" && ok "events streams over TLS (pause, unpause seen)" || notok "events over TLS: $(cat "$T/ev")"
stop_pid $EV
out=$(timeout 2 "$S" -H "$H" --tlscacert "$C/ca.pem" --tlscert "$C/admin-cert.pem" --tlskey "$C/admin-key.pem" attach web 2>&1)
grep -q tick <<<"$out" && ok "attach (no stdin) streams output over TLS" || notok "attach over TLS: $out"
# descriptor-passing verbs: refused with how they are served
out=$(as admin cp web:/etc/passwd "$T/p" 2>&1)
grep -q "cannot carry: run it on skiffd's host, on the UNIX socket" <<<"$out" && ok "cp over TLS says how: $out" || notok "cp over TLS: $out"
out=$(as admin export web 2>&1 >/dev/null)
grep -q "cannot carry" <<<"$out" && ok "export over TLS says how" || notok "export over TLS: $out"
out=$(as admin exec -i web cat 2>&1 </dev/null)
grep -q "without -i and -t its output streams" <<<"$out" && ok "exec -i over TLS says how: $out" || notok "exec -i over TLS: $out"
out=$(as admin run -t --rootfs "$R" true 2>&1)
grep -q "passes a terminal" <<<"$out" && ok "run -t over TLS says how" || notok "run -t over TLS: $out"

# ---- roles by certificate CN ----
check "read-only cert: ps" as reader ps
out=$(as reader stop web 2>&1)
grep -q "stop needs the operator role (certificate CN=dash-reader has read-only)" <<<"$out" && ok "read-only cert: stop refused: $out" || notok "reader stop: $out"
out=$(as oper run -d --rootfs "$R" true 2>&1)
grep -q "run needs the admin role (certificate CN=ci-operator has operator)" <<<"$out" && ok "operator cert: run refused" || notok "oper run: $out"
check "operator cert: restart allowed" as oper restart -t 1 web
out=$(as nobody ps 2>&1)
grep -q "CN=ghost has no role" <<<"$out" && ok "a cert whose role is none is refused: $out" || notok "ghost: $out"
# more verbs, each over TLS as the admin cert
bad=
for v in "inspect web" "top web" "port web" "stats --no-stream web" "images" \
	"volume create tv" "volume ls" "volume inspect tv" "volume rm tv" \
	"network ls" "system df" "update --cpus 0.5 web" "rename web web2" \
	"rename web2 web" "kill -s USR1 web" "history --help"; do
	# shellcheck disable=SC2086
	as admin $v >/dev/null 2>"$T/verr" || bad="$bad [$v: $(head -c 200 "$T/verr")]"
done
[ -z "$bad" ] && ok "16 more read and write verbs over TLS" || notok "verbs over TLS:$bad"
as admin run -d --rootfs "$R" --name short sh -c 'exit 3' >/dev/null
out=$(as admin wait short 2>&1)
[ "$out" = 3 ] && ok "wait over TLS gives the exit code" || notok "wait over TLS: $out"
check "rm over TLS" as admin rm short
check "admin cert (no entry: the CA vouches) removes it" as admin rm -f web

# ---- bad clients ----
out=$(as stranger ping 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "unknown ca" <<<"$out" && ok "a certificate from another CA is refused: $out" || notok "stranger: rc $rc $out"
out=$(as expired ping 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "expired" <<<"$out" && ok "an expired certificate is refused: $out" || notok "expired: rc $rc $out"
out=$(printf 'ping\n' | timeout 5 openssl s_client -quiet -connect 127.0.0.1:"$PORT" -CAfile "$C/ca.pem" 2>&1)
! grep -qx ok <<<"$out" && grep -q "certificate required" <<<"$out" && ok "no client certificate is refused (certificate required)" || notok "no cert: $out"
out=$(printf 'ping\n' | socat -t2 - TCP:127.0.0.1:"$PORT" 2>&1)
[[ "$out" == "err denied this skiffd endpoint speaks TLS"* ]] && ok "plain text on the TLS port: $out" || notok "plain: $out"
out=$(curl -s -m 3 --http0.9 "http://127.0.0.1:$PORT/" 2>&1)
grep -q "speaks TLS" <<<"$out" && ok "HTTP on the TLS port is told the same" || notok "http: $out"
ms=$(python3 - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16")  # a TLS record begins, and nothing more comes
s.settimeout(8)
t0 = time.monotonic()
try:
    while s.recv(4096):
        pass
except OSError:
    pass
print(int((time.monotonic() - t0) * 1000))
PY
)
[ "$ms" -ge 800 ] && [ "$ms" -lt 4000 ] && ok "a handshake that never ends is cut (tls-handshake-timeout 1s: closed after $ms ms)" || notok "stalled handshake lasted $ms ms"
# a flood of stalled handshakes: the UNIX socket is not affected (the
# tcp:// places are capped apart), and the port serves again once they
# are cut
python3 - "$PORT" <<'PY' &
import socket, sys, time
conns = []
for _ in range(200):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"\x16"); conns.append(s)
    except OSError:
        pass
time.sleep(3)
PY
FL=$!
sleep 0.5
check "during a flood of 200 stalled handshakes the UNIX socket answers" ping_ok
wait $FL
check "the daemon still answers over TLS" as admin ping
check "and on the UNIX socket" ping_ok
n=$(grep -c "tcp client refused" "$T/daemon.log")
[ "$n" -le 2 ] && ok "refusals are logged at a bounded rate ($n lines for 7 refused clients)" || notok "$n refusal lines: $(grep refused "$T/daemon.log")"

# ---- figures: ping round trip, TLS beside the UNIX socket ----
python3 - "$SOCK" "$PORT" "$C" <<'PY' | while read -r l; do info "$l"; done
import socket, ssl, sys, time
sock, port, c = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rtt(s, n=2000):
    f = s.makefile("rwb", buffering=0)
    t = []
    for _ in range(n):
        t0 = time.perf_counter_ns(); s.sendall(b"ping\n")
        assert f.readline() == b"ok\n"
        t.append(time.perf_counter_ns() - t0)
    t.sort()
    return t[len(t)//2] / 1000, t[len(t)*99//100] / 1000
u = socket.socket(socket.AF_UNIX); u.connect(sock)
ctx = ssl.create_default_context(cafile=c + "/ca.pem")
ctx.load_cert_chain(c + "/admin-cert.pem", c + "/admin-key.pem")
t0 = time.perf_counter_ns()
raw = socket.create_connection(("127.0.0.1", port)); raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
hs = (time.perf_counter_ns() - t0) / 1000
print("ping round trip p50/p99: UNIX socket %.0f/%.0f us, TLS %.0f/%.0f us; TLS connect+handshake %.0f us" % (*rtt(u), *rtt(s), hs))
PY
check "skiffd exits 0 on SIGTERM" stop_daemon

# ---- plain tcp:// needs --tlsverify, or --tcp-insecure ----
out=$(timeout 10 "$SKIFFD" --root "$T/root" --run-dir "$T/run" --sock "$SOCK" -H "$H" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "tcp:// needs --tlsverify" <<<"$out" && ok "plain tcp:// is refused at start: $out" || notok "plain tcp start: rc $rc $out"
start_daemon -H "$H" --tcp-insecure || notok "skiffd starts with --tcp-insecure"
grep -q "WITHOUT TLS" "$T/daemon.log" && ok "--tcp-insecure is warned about" || notok "no warning"
check "skiff --tcp-insecure pings it" "$S" -H "$H" --tcp-insecure ping
! grep -q libssl "/proc/$SPID/maps" && ok "without TLS skiffd never maps libssl" || notok "libssl mapped without TLS" 
check "skiffd exits 0 on SIGTERM" stop_daemon
finish
