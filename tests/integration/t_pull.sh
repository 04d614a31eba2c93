#!/usr/bin/env bash
# skiff pull from a real registry (Debian's docker-registry) on loopback:
# an image skopeo pushed (a small tar layer and a 20 MiB gzip layer) is
# pulled into the OCI layout (skopeo reads it back), listed, pulled again
# (every layer "Already exists"), removed with its blobs. Faults through
# tests/helpers/cutproxy.py: a link cut mid-layer is retried with Range
# (and, with registry-retries 0, resumes with Range on the next pull); a corrupted byte is refused by digest and the next pull
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
# each layer was unpacked while it came: "Extracted" before "Pull complete"
streamed=$(echo "$out" | awk -F': ' '$2 == "Extracted" { x[$1] = NR }
	$2 == "Pull complete" { n++; if ($1 in x && x[$1] < NR) s++ }
	END { print (n == 2 && s == 2) ? "yes" : "no" }')
[ "$streamed" = yes ] && ok "both layers unpacked as they downloaded" || notok "not streamed: $out"
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
id=$($S --json images -q | json_get ID)
got=$($S --json image-inspect "$id" 2>&1 | json_get Skiff.ManifestDigest 2>&1)
[ "$got" = "$md" ] && ok "image-inspect by id prefix" || notok "inspect $id: $got"

# two pulls of one image at once (as two `run`s of a missing image):
# one fetches each layer, the other waits for it; both succeed
$S rmi "$IMG:v1" >/dev/null
$S pull "$IMG:v1" >"$T/p1" 2>&1 & a=$!
$S pull "$IMG:v1" >"$T/p2" 2>&1 & b=$!
wait $a; ra=$?; wait $b; rb=$?
[ $ra -eq 0 ] && [ $rb -eq 0 ] && ok "two concurrent pulls of one image both succeed" || notok "concurrent: $ra $rb $(cat "$T/p1" "$T/p2")"
[ -z "$(ls -A "$C/ingest")" ] && [ "$(sha256sum "$C/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" = "${big#sha256:}" ] && ok "and store each layer once, right" || notok "concurrent store"

# faults (the layers must come through the proxy again)
$S rmi "$IMG:v1" >/dev/null
echo "cut 3000000" >"$T/ctl"
out=$($S pull "127.0.0.1:$PPORT/test/hello:v2" 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "retry 1 of 3" "$T/daemon.log" && ok "a link cut mid-layer is retried (Range) and the pull succeeds" || notok "cut retried: rc=$rc $out"
$S rmi "127.0.0.1:$PPORT/test/hello:v2" >/dev/null
# without retries, a cut fails the pull and the next pull resumes it
stop_daemon
printf '{"registry-retries": "0"}\n' >"$T/noretry.json"
start_daemon --config "$T/noretry.json" || notok "skiffd restarts without retries"
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

$S rmi "127.0.0.1:$PPORT/test/hello:v4" >/dev/null
[ -z "$(ls "$T/root/layers")" ] && [ -z "$(ls "$T/root/content/blobs/sha256")" ] && ok "no image left: no blob, no layer" || notok "left: $(ls "$T/root/layers" "$T/root/content/blobs/sha256")"

# run IMAGE: a busybox layer, then a gzip layer that whites out
# /etc/hello and adds /srv/two; the config gives Cmd, Env and WorkingDir
make_rootfs "$T/rfs"
mkdir -p "$T/rfs/etc" "$T/rfs/srv"; echo hello >"$T/rfs/etc/hello"
tar -C "$T/rfs" -cf "$T/r1.tar" .
mkdir -p "$T/r2/etc" "$T/r2/srv"; : >"$T/r2/etc/.wh.hello"; echo two >"$T/r2/srv/two"
tar -C "$T/r2" -cf "$T/r2.tar" . && gzip -nc "$T/r2.tar" >"$T/r2.tar.gz"
OCI_IMAGE_CMD='sh|-c|echo from-image $GREETING; pwd; ls /etc; cat two' OCI_IMAGE_ENV=GREETING=hi OCI_IMAGE_WORKDIR=/srv \
	OCI_IMAGE_HEALTH='! test -f /tmp/sick' \
	"$H" write "$T/oci2" app "$T/r1.tar" "$T/r2.tar.gz" "sha256:$(sha256sum "$T/r2.tar" | cut -d' ' -f1)" >/dev/null
skopeo --insecure-policy copy -q "oci:$T/oci2:app" "docker://127.0.0.1:$RPORT/test/app:1" --dest-tls-verify=false
APP=127.0.0.1:$RPORT/test/app:1
out=$($S pull "$APP" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q Extracted && ok "pull unpacks the layers" || notok "pull app: $out"
[ "$(ls "$T/root/layers" | wc -l)" -ge 2 ] && ok "layers unpacked under ROOT/layers ($(ls "$T/root/layers" | wc -l))" || notok "layers: $(ls "$T/root/layers")"
out=$($S run --rm "$APP" 2>&1)
echo "$out" | head -1 | grep -qx 'from-image hi' && ok "run IMAGE: the image's Cmd and Env" || notok "run app: $out"
echo "$out" | sed -n 2p | grep -qx /srv && ok "the image's WorkingDir" || notok "workdir: $out"
echo "$out" | grep -q '^two$' && ! echo "$out" | grep -qx hello && ok "layers stacked: the whiteout hides /etc/hello, /srv/two is there" || notok "layers: $out"
out=$($S run --rm -e GREETING=yo "$APP" 2>&1 | head -1)
[ "$out" = "from-image yo" ] && ok "-e overrides the image's Env" || notok "-e: $out"
out=$($S run --rm "$APP" cat /etc/hostname 2>&1)
[ ${#out} -eq 12 ] && ok "a command replaces the image's Cmd" || notok "cmd: $out"
[ "$(sha256sum "$T/root/layers"/*/bin/busybox 2>/dev/null | head -1 | cut -d' ' -f1)" = "$(sha256sum /bin/busybox | cut -d' ' -f1)" ] &&
	ok "the image's layer directory is not written by containers" || notok "layer changed"
$S run -d --name fromimg "$APP" sleep 600 >/dev/null
[ "$($S --json inspect fromimg | json_get Skiff.ImageRef)" = "$APP" ] && ok "inspect names the image" || notok "inspect image: $($S --json inspect fromimg | json_get Skiff.ImageRef)"
wait_for 10 sh -c "$S ps --filter health=healthy -q | grep -q ." && ok "the image's Healthcheck runs (healthy)" || notok "image health: $($S ps)"
$S exec fromimg touch /tmp/sick
wait_for 10 sh -c "$S ps --filter health=unhealthy -q | grep -q ." && ok "and turns unhealthy when its test fails" || notok "image unhealthy: $($S ps)"
$S run -d --name nohc --no-healthcheck "$APP" sleep 600 >/dev/null
sleep 0.5
[ "$($S ps --filter name=nohc --filter health=none -q | wc -l)" = 1 ] && ok "--no-healthcheck turns the image's off" || notok "no-hc: $($S ps)"
$S rm -f nohc >/dev/null
out=$($S rmi "$APP" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'container [0-9a-f]\{12\} is using its referenced image' && ok "rmi refuses an image a container uses ($out)" || notok "rmi in use: rc=$rc $out"
$S rm -f fromimg >/dev/null
out=$($S rmi "$APP" 2>&1) && [ -z "$(ls "$T/root/layers")" ] && ok "rmi removes its unpacked layers" || notok "rmi app: $out $(ls "$T/root/layers")"
out=$($S run --rm "$APP" 2>"$T/err" | head -1)
[ "$out" = "from-image hi" ] && [ "$(cat "$T/err")" = "Unable to find image '${APP#docker.io/library/}' locally" ] &&
	ok "run of an image not here says so on stderr and pulls it first, as docker does" || notok "run pulls: $out $(cat "$T/err")"
$S rmi "$APP" >/dev/null
id=$($S run -d "$APP" sleep 60 2>/dev/null)
[ ${#id} -eq 64 ] && ok "run -d of an image not here: pulled, then the id" || notok "run -d pulls: $id"
$S rm -f "$id" >/dev/null
out=$($S create "127.0.0.1:$RPORT/test/nope:1" true 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'not found' && [ "$($S ps -aq | wc -l)" = 0 ] && ok "create of an image the registry lacks: $out" || notok "create nope: rc=$rc $out"

# an image with zstd layers (content new to skopeo's blob cache, which
# would otherwise send the gzip copies it pushed before)
echo zstd >"$T/rfs/etc/marker"
tar -C "$T/rfs" -cf "$T/r3.tar" .
OCI_IMAGE_CMD='cat|/etc/marker' "$H" write "$T/oci3" appz "$T/r3.tar" >/dev/null
skopeo --insecure-policy copy -q --dest-tls-verify=false --dest-compress --dest-compress-format zstd \
	"oci:$T/oci3:appz" "docker://127.0.0.1:$RPORT/test/appz:1"
raw=$(skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$RPORT/test/appz:1" 2>&1)
case $raw in *tar+zstd*) ;; *) notok "the registry has no zstd layer: $raw" ;; esac
out=$($S run --rm "127.0.0.1:$RPORT/test/appz:1" 2>/dev/null | head -1)
[ "$out" = zstd ] && ok "an image with a zstd layer pulls, unpacks and runs" || notok "zstd: $out"
$S rmi "127.0.0.1:$RPORT/test/appz:1" >/dev/null

# tag: another name for the same image
out=$($S tag "$APP" local/app:two 2>&1) && $S images | grep -q '^local/app *two' && ok "tag gives the image another name" || notok "tag: $out $($S images)"
[ "$($S run --rm local/app:two 2>&1 | head -1)" = "from-image hi" ] && ok "run by the new name" || notok "run tagged"
$S run -d --name user local/app:two sleep 60 >/dev/null
$S rmi "$APP" >/dev/null 2>&1 && $S images | grep -q '^local/app' && ok "rmi of one name of a used image only untags it" || notok "untag: $($S images)"
out=$($S rmi local/app:two 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'container [0-9a-f]\{12\} is using its referenced image' && ok "its last name stays while a container uses it" || notok "rmi last: rc=$rc $out"
$S rm -f user >/dev/null
$S rmi local/app:two >/dev/null && [ -z "$(ls "$T/root/layers")" ] && ok "then it goes, layers and all" || notok "final rmi: $(ls "$T/root/layers")"
$S pull -q "$APP" >/dev/null && $S tag "$APP" local/app:two
[ "$($S images --filter 'reference=local/*' -q | wc -l)" = 1 ] && [ "$($S images --filter 'reference=nothing*' -q | wc -l)" = 0 ] &&
	ok "images --filter reference=GLOB" || notok "filter: $($S images --filter 'reference=local/*')"
out=$($S images --filter before=x 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'invalid filter' && ok "an unknown images filter is refused: $out" || notok "bad filter: $out"
$S history local/app:two >"$T/hist"
[ "$(wc -l <"$T/hist")" = 3 ] && grep -q 'layer 2' "$T/hist" && ok "history lists the layers newest first" || notok "history: $(cat "$T/hist")"
$S run -d --name keeper local/app:two sleep 60 >/dev/null
$S pull -q "127.0.0.1:$RPORT/test/hello:v1" >/dev/null
out=$($S image-prune -a 2>&1)
imgs=$($S images)
echo "$out" | grep -q 'test/hello:v1' && ! echo "$out" | grep -q /app && echo "$imgs" | grep -q '^local/app' &&
	ok "image-prune -a removes what no container uses, keeps the rest" || notok "prune: $out / $imgs"
$S rm -f keeper >/dev/null
out=$($S tag nope:1 x:y 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'no such image' && ok "tag of an unknown image: $out" || notok "tag unknown: $out"

# image gc: with free space "under" an absurd threshold, the least
# recently used image no container uses goes, one that is used stays
stop_daemon
printf '{"image-gc-free": "1000000t", "image-gc-min-age": "1s"}\n' >"$T/gc.json"
start_daemon --config "$T/gc.json" || notok "skiffd with image gc"
$S pull -q "$APP" >/dev/null; $S pull -q "127.0.0.1:$RPORT/test/hello:v1" >/dev/null
$S run -d --name gcuser "$APP" sleep 600 >/dev/null
wait_for 20 sh -c "! $S images | grep -q test/hello" && $S images | grep -q test/app &&
	ok "image gc removes the unused image when space is short, keeps the used one" || notok "gc: $($S images)"
wait_for 5 grep -q 'image gc: removed' "$T/daemon.log" && ok "image gc says what it removed" || notok "gc log: $(tail -3 "$T/daemon.log")"
$S rm -f gcuser >/dev/null
printf '{"image-gc-free": "lots"}\n' >"$T/bad.json"
out=$("$SKIFFD" --config "$T/bad.json" --root "$T/r2" --run-dir "$T/r2run" --sock "$T/s2" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'bad.json:1: "image-gc-free"' && ok "a bad image-gc-free is refused with FILE:LINE ($out)" || notok "bad gc config: rc=$rc $out"

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
