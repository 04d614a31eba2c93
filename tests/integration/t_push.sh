#!/usr/bin/env bash
# skiff push to real registries (Debian's docker-registry on loopback): an
# image pulled from one repository, tagged into another of the same
# registry, is pushed by mounting its layers across repositories; pushed
# to a second, empty registry every blob is sent (a small one in one PUT,
# a 20 MiB one streamed with PATCH); skopeo reads it back byte for byte
# and the manifest keeps its digest; a second push sends nothing.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
for c in docker-registry skopeo curl; do
	command -v $c >/dev/null || { notok "$c is not installed (make deps)"; finish; }
done
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
registry() { # registry NAME VAR: start one (tracked, so stopped at the end), its port in VAR
	local port; port=$(free_port)
	cat >"$T/$1.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/$1-data}}
http: {addr: 127.0.0.1:$port}
EOC
	docker-registry serve "$T/$1.yml" >"$T/$1.log" 2>&1 &
	track $!
	wait_for 10 curl -sf "http://127.0.0.1:$port/v2/" || notok "registry $1 starts"
	printf -v "$2" '%s' "$port"
}
registry one R1
registry two R2

mkdir -p "$T/l1/etc" "$T/l2"
echo hello >"$T/l1/etc/hello"
head -c $((20 << 20)) /dev/urandom >"$T/l2/big"
tar -C "$T/l1" -cf "$T/l1.tar" etc
tar -C "$T/l2" -cf "$T/l2.tar" big
gzip -1nc "$T/l2.tar" >"$T/l2.tar.gz"
"$H" write "$T/oci" hello "$T/l1.tar" "$T/l2.tar.gz" "sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)" >/dev/null
skopeo --insecure-policy copy -q "oci:$T/oci:hello" "docker://127.0.0.1:$R1/test/hello:v1" --dest-tls-verify=false
md=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$R1/test/hello:v1" | python3 -c 'import json,sys;print(json.load(sys.stdin)["Digest"])')

start_daemon || { notok "skiffd starts"; finish; }
$S pull -q "127.0.0.1:$R1/test/hello:v1" >/dev/null || notok "pull"

digest_of() { skopeo inspect --tls-verify=false "docker://$1" 2>/dev/null | python3 -c 'import json,sys;print(json.load(sys.stdin)["Digest"])'; }

$S tag "127.0.0.1:$R1/test/hello:v1" "127.0.0.1:$R1/other/hello:v2"
out=$($S push "127.0.0.1:$R1/other/hello:v2" 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c 'Mounted from test/hello')" = 2 ] && ok "push into another repository of the same registry mounts the layers" || notok "mount push: rc=$rc $out"
[ "$(digest_of "127.0.0.1:$R1/other/hello:v2")" = "$md" ] && ok "the pushed manifest keeps its digest ($md)" || notok "digest: $(digest_of "127.0.0.1:$R1/other/hello:v2")"
echo "$out" | grep -q "v2: digest: $md size:" && ok "push ends with TAG: digest: D size: N" || notok "last line: $out"

$S tag "127.0.0.1:$R1/test/hello:v1" "127.0.0.1:$R2/fresh/hello:v1"
out=$($S push "127.0.0.1:$R2/fresh/hello:v1" 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c ': Pushed')" = 3 ] && ok "push to an empty registry sends the 2 layers and the config" || notok "push: rc=$rc $out"
[ "$(digest_of "127.0.0.1:$R2/fresh/hello:v1")" = "$md" ] && ok "same manifest digest in the second registry" || notok "digest 2"
if skopeo --insecure-policy copy -q --src-tls-verify=false "docker://127.0.0.1:$R2/fresh/hello:v1" "dir:$T/back" 2>"$T/err" &&
	cmp -s "$T/back/$(sha256sum "$T/l2.tar.gz" | cut -d' ' -f1)" "$T/l2.tar.gz"; then
	ok "skopeo reads the pushed image; the 20 MiB layer (sent with PATCH) is byte for byte"
else
	notok "skopeo back: $(cat "$T/err") $(ls "$T/back" 2>&1)"
fi
out=$($S push "127.0.0.1:$R2/fresh/hello:v1" 2>&1)
[ "$(echo "$out" | grep -c 'Layer already exists')" = 3 ] && ok "a second push sends no blob" || notok "re-push: $out"
$S rmi "127.0.0.1:$R1/test/hello:v1" "127.0.0.1:$R1/other/hello:v2" >/dev/null
out=$($S pull "127.0.0.1:$R2/fresh/hello:v1" 2>&1) && echo "$out" | grep -q "Digest: $md" && ok "and skiff pulls back what it pushed" || notok "pull back: $out"

out=$($S push nope:1 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'no such image' && ok "push of an unknown image: $out" || notok "push unknown: $out"
out=$($S push "127.0.0.1:$R2/fresh/hello@$md" 2>&1); rc=$?
[ $rc -eq 1 ] && ok "push by digest is refused: $out" || notok "push digest: rc=$rc $out"
out=$($S push "127.0.0.1:1/x/y:z" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'no such image' && ok "push of a name never tagged: $out" || notok "push untagged: $out"
finish
