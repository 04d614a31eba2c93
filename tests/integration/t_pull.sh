#!/usr/bin/env bash
# skiff pull from a real registry (Debian's docker-registry) on loopback:
# an image skopeo pushed (a small tar layer and a 20 MiB gzip layer) is
# pulled into the OCI layout (skopeo reads it back), listed, pulled again
# (every layer "Already exists"), removed with its blobs. Faults through
# tests/helpers/cutproxy.py: a link cut mid-layer resumes with Range on
# the next pull; a corrupted byte is refused by digest and the next pull
# works; skiffd killed -9 mid-pull resumes after a restart. Bad
# references and unknown names fail with what is wrong.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
for c in docker-registry skopeo; do
	command -v $c >/dev/null || { notok "$c is not installed (make deps)"; finish; }
done
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# the registry
RPORT=$(free_port)
cat >"$T/reg.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/regdata}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$RPORT}
EOC
docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
track $!
wait_for 10 curl -sf "http://127.0.0.1:$RPORT/v2/" || { notok "registry starts: $(cat "$T/reg.log")"; finish; }

# the proxy in front of it
echo pass >"$T/ctl"
exec 7> >(python3 "$TOP/tests/helpers/cutproxy.py" "$RPORT" "$T/ctl" >"$T/proxy.port")
track $!
wait_for 5 test -s "$T/proxy.port"
PPORT=$(cat "$T/proxy.port")

# the image: a tar layer and a 20 MiB gzip layer of random bytes
mkdir -p "$T/l1/etc" "$T/l2"
echo hello >"$T/l1/etc/hello"
head -c $((20 << 20)) /dev/urandom >"$T/l2/big"
tar -C "$T/l1" -cf "$T/l1.tar" etc
tar -C "$T/l2" -cf "$T/l2.tar" big
gzip -1nc "$T/l2.tar" >"$T/l2.tar.gz"
"$H" write "$T/oci" hello "$T/l1.tar" "$T/l2.tar.gz" "sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)" >/dev/null
big=sha256:$(sha256sum "$T/l2.tar.gz" | cut -d' ' -f1)
for tag in v1 v2 v3 v4; do
	skopeo --insecure-policy copy -q "oci:$T/oci:hello" "docker://127.0.0.1:$RPORT/test/hello:$tag" --dest-tls-verify=false ||
		notok "skopeo push $tag"
done
md=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$RPORT/test/hello:v1" |
	python3 -c 'import json,sys;print(json.load(sys.stdin)["Digest"])')

start_daemon || { notok "skiffd starts"; finish; }
C=$T/root/content
IMG=127.0.0.1:$RPORT/test/hello

out=$($S pull "$IMG:v1" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "Digest: $md" && ok "pull from the registry ($md)" || notok "pull: rc=$rc $out"
echo "$out" | grep -q 'Pull complete' && ok "progress: Pull complete per layer" || notok "progress: $out"
[ -f "$C/blobs/sha256/${big#sha256:}" ] && [ "$(sha256sum "$C/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" = "${big#sha256:}" ] &&
	ok "the 20 MiB layer is stored under its digest" || notok "big layer not stored"
[ -z "$(ls -A "$C/ingest" 2>/dev/null)" ] && ok "nothing left in ingest/" || notok "ingest: $(ls "$C/ingest")"
python3 - "$C" "$IMG:v1" "$md" <<'EOP' && ok "index.json names the manifest (OCI layout others read)" || notok "index.json: $(cat "$C/index.json")"
import json, sys
x = json.load(open(sys.argv[1] + "/index.json"))
m = [d for d in x["manifests"] if d["annotations"]["org.opencontainers.image.ref.name"] == sys.argv[2]]
assert len(m) == 1 and m[0]["digest"] == sys.argv[3], m
EOP
skopeo --insecure-policy copy -q "oci:$C:$IMG:v1" "dir:$T/back" 2>"$T/err" &&
	cmp -s "$T/back/${big#sha256:}" "$T/l2.tar.gz" && ok "skopeo copies what skiff pulled (byte for byte)" || notok "skopeo copy back: $(cat "$T/err")"
$S images >"$T/images"
grep -q "127.0.0.1:$RPORT/test/hello *v1" "$T/images" && ok "images lists it" || notok "images: $(cat "$T/images")"
out=$($S pull "$IMG:v1" 2>&1)
[ "$(echo "$out" | grep -c 'Already exists')" = 2 ] && ok "a second pull downloads nothing" || notok "re-pull: $out"
id=$($S --json images -q | json_get id)
got=$($S --json image-inspect "$id" 2>&1 | json_get digest 2>&1)
[ "$got" = "$md" ] && ok "image-inspect by id prefix" || notok "inspect $id: $got"

# faults (the layers must come through the proxy again)
$S rmi "$IMG:v1" >/dev/null
echo "cut 3000000" >"$T/ctl"
out=$($S pull "127.0.0.1:$PPORT/test/hello:v2" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "$big" && ok "a link cut mid-layer fails the pull, naming the layer" || notok "cut: rc=$rc $out"
part=$(stat -c %s "$C/ingest/${big#sha256:}.partial" 2>/dev/null || echo 0)
[ "$part" -gt 1000000 ] && ok "the partial layer is kept ($part bytes)" || notok "partial: $part $(ls -la "$C/ingest" 2>&1)"
out=$($S pull "127.0.0.1:$PPORT/test/hello:v2" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'Resuming download' && ok "the next pull resumes it with Range and succeeds" || notok "resume: rc=$rc $out"
[ "$(sha256sum "$C/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" = "${big#sha256:}" ] && ok "resumed layer verified" || notok "resumed layer wrong"
$S rmi "127.0.0.1:$PPORT/test/hello:v2" >/dev/null
[ ! -e "$C/blobs/sha256/${big#sha256:}" ] && ok "rmi removes blobs no image needs" || notok "blob left after rmi"

echo "flip 5000000" >"$T/ctl"
out=$($S pull "127.0.0.1:$PPORT/test/hello:v3" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -qi 'digest' && ok "a corrupted byte is refused by digest ($(echo "$out" | tail -1 | cut -c1-90)...)" || notok "flip: rc=$rc $out"
[ ! -e "$C/blobs/sha256/${big#sha256:}" ] && [ -z "$(ls -A "$C/ingest")" ] && ok "nothing corrupt is stored" || notok "corrupt left: $(ls "$C/ingest" "$C/blobs/sha256")"
out=$($S pull "127.0.0.1:$PPORT/test/hello:v3" 2>&1) && ok "the next pull works" || notok "after flip: $out"
$S rmi "127.0.0.1:$PPORT/test/hello:v3" >/dev/null

echo "slow 20" >"$T/ctl"
$S pull "127.0.0.1:$PPORT/test/hello:v4" >/dev/null 2>&1 &
ppid=$!
wait_for 20 sh -c "[ \$(stat -c %s '$C/ingest/${big#sha256:}.partial' 2>/dev/null || echo 0) -gt 500000 ]"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
wait $ppid
echo pass >"$T/ctl"
start_daemon || notok "skiffd restarts"
out=$($S pull "127.0.0.1:$PPORT/test/hello:v4" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'Resuming download' && ok "after kill -9 mid-pull, the next pull resumes" || notok "after kill: rc=$rc $out"
[ "$(sha256sum "$C/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" = "${big#sha256:}" ] && ok "and stores the right bytes" || notok "kill resume wrong"

# bad input
for bad in "test/UPPER:v1" "a:b:c" "127.0.0.1:$RPORT/test/hello@sha256:1234"; do
	out=$($S pull "$bad" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q 'invalid' && ok "refused: $bad ($out)" || notok "bad ref $bad: rc=$rc $out"
done
out=$($S pull "127.0.0.1:$RPORT/test/nope:v1" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'not found' && ok "unknown name: $out" || notok "unknown: rc=$rc $out"
out=$($S pull "127.0.0.1:$RPORT/test/hello:nope" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'MANIFEST_UNKNOWN' && ok "unknown tag: $out" || notok "unknown tag: rc=$rc $out"
out=$($S pull "127.0.0.1:1/x:y" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q '127.0.0.1:1' && ok "a registry that is not there: $out" || notok "no registry: rc=$rc $out"
out=$($S rmi nope:latest 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'no such image' && ok "rmi of an unknown image: $out" || notok "rmi unknown: $out"
exec 7>&-
finish
