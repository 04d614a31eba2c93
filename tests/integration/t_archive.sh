#!/usr/bin/env bash
# Image archives: an image built here (busybox rootfs, tests/helpers/
# oci_image) goes in by `load` of an oci-archive skopeo made; `save` writes
# a tarball skopeo reads as docker-archive and as OCI layout; rmi + load
# gives back the same image id and manifest digest and it runs; skiff
# loads skopeo's docker-archive; `import` of a rootfs tar (plain and gzip)
# runs; `export` gives the container's files. Malicious archives (a ../
# member, manifest.json naming a missing layer, a blob whose bytes do not
# match its name, malformed JSON) are refused by name and name no image.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
command -v skopeo >/dev/null || { notok "skopeo is not installed (make deps)"; finish; }
cop() { skopeo --insecure-policy copy -q "$@"; }

# the image: a busybox rootfs layer (plain tar) and a small gzip one
make_rootfs "$T/rootfs"
mkdir -p "$T/l2/etc"
echo archived >"$T/l2/etc/motd"
tar -C "$T/rootfs" -cf "$T/l1.tar" .
tar -C "$T/l2" -cf "$T/l2.tar" etc && gzip -1nc "$T/l2.tar" >"$T/l2.tar.gz"
OCI_IMAGE_CMD='cat|/etc/motd' "$H" write "$T/oci" arc "$T/l1.tar" "$T/l2.tar.gz" \
	"sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)" >"$T/md" 2>"$T/err" || {
	notok "oci_image write: $(cat "$T/err")"; finish; }
cop "oci:$T/oci:arc" "oci-archive:$T/in.oci.tar:localhost/arc:v1" || notok "skopeo makes an oci-archive"

start_daemon || { notok "skiffd starts"; finish; }

out=$($S load -i "$T/in.oci.tar" 2>&1)
[ "$out" = "Loaded image: localhost/arc:v1" ] && ok "load an oci-archive made by skopeo" || notok "load oci-archive: $out"
id=$($S --json image-inspect localhost/arc:v1 | json_get id)
md=$($S --json image-inspect localhost/arc:v1 | json_get digest)
want=$(tar -xOf "$T/in.oci.tar" index.json | python3 -c 'import json,sys;print(json.load(sys.stdin)["manifests"][0]["digest"])')
[ -n "$id" ] && [ "$md" = "$want" ] && ok "load keeps the archive's manifest digest ($md)" || notok "loaded digest $md, archive has $want"
out=$($S run --rm localhost/arc:v1 2>&1)
[ "$out" = archived ] && ok "the loaded image runs" || notok "run: $out"

# save: to stdout and with -o; skopeo reads it both ways
$S save localhost/arc:v1 >"$T/s1.tar" 2>"$T/err" && ok "save to stdout" || notok "save: $(cat "$T/err")"
$S save -o "$T/s2.tar" localhost/arc:v1 2>"$T/err" && cmp -s "$T/s1.tar" "$T/s2.tar" &&
	ok "save -o FILE writes the same tarball" || notok "save -o: $(cat "$T/err")"
$S tag localhost/arc:v1 arc:two >/dev/null
$S save -o "$T/s3.tar" localhost/arc:v1 arc:two "${id#sha256:}" 2>"$T/err"
tags=$(tar -xOf "$T/s3.tar" manifest.json | python3 -c 'import json,sys;m=json.load(sys.stdin);print(len(m), *m[0]["RepoTags"])')
[ "$tags" = "1 localhost/arc:v1 arc:two" ] && ok "two names of one image: one manifest.json entry, both RepoTags" || notok "RepoTags: $tags $(cat "$T/err")"
$S rmi arc:two >/dev/null
tar -tf "$T/s1.tar" | sort >"$T/list"
for m in manifest.json index.json oci-layout "blobs/sha256/${md#sha256:}" "blobs/sha256/${id#sha256:}"; do
	grep -qx "$m" "$T/list" || notok "save: $m missing: $(cat "$T/list")"
done
ok "the tarball has manifest.json, index.json, oci-layout and the blobs"
cop "docker-archive:$T/s1.tar" "oci:$T/fromsave:x" 2>"$T/err" && ok "skopeo reads skiff's save as docker-archive" ||
	notok "skopeo docker-archive: $(cat "$T/err")"
cop "oci-archive:$T/s1.tar" "dir:$T/fromsave-oci" 2>"$T/err" && ok "skopeo reads skiff's save as oci-archive" ||
	notok "skopeo oci-archive: $(cat "$T/err")"
script -qc "$S save localhost/arc:v1" /dev/null >"$T/tty" 2>&1
grep -q "cowardly refusing to save to a terminal" "$T/tty" && ok "save refuses a terminal" || notok "save to a tty: $(cat "$T/tty")"
out=$($S save nosuch:image 2>&1 >/dev/null)
echo "$out" | grep -q "no such image" && ok "save of an unknown image fails" || notok "save unknown: $out"

# rmi, then load what was saved: same id, same manifest digest, runs
$S rmi localhost/arc:v1 >/dev/null 2>&1
$S image-inspect localhost/arc:v1 >/dev/null 2>&1 && notok "rmi left the image"
out=$($S load <"$T/s1.tar" 2>&1)
[ "$out" = "Loaded image: localhost/arc:v1" ] && ok "load < save.tar" || notok "load back: $out"
[ "$($S --json image-inspect localhost/arc:v1 | json_get id)" = "$id" ] &&
	[ "$($S --json image-inspect localhost/arc:v1 | json_get digest)" = "$md" ] &&
	ok "same image id and manifest digest after save, rmi, load" || notok "ids differ"
out=$($S run --rm localhost/arc:v1 2>&1)
[ "$out" = archived ] && ok "the reloaded image runs" || notok "run reloaded: $out"

# skopeo's docker-archive (legacy layout: HEX.tar layers, HEX.json config)
cop "oci:$T/oci:arc" "docker-archive:$T/sk.tar:other/arc:dk" 2>"$T/err" || notok "skopeo docker-archive: $(cat "$T/err")"
out=$($S load -i "$T/sk.tar" 2>&1)
[ "$out" = "Loaded image: other/arc:dk" ] && ok "load a docker-archive made by skopeo" || notok "load skopeo docker-archive: $out"
[ "$($S --json image-inspect other/arc:dk | json_get id)" = "$id" ] && ok "same image id through docker-archive" ||
	notok "docker-archive id: $($S --json image-inspect other/arc:dk)"
out=$($S run --rm other/arc:dk 2>&1)
[ "$out" = archived ] && ok "it runs" || notok "run docker-archive image: $out"
gzip -c "$T/sk.tar" >"$T/sk.tar.gz"
out=$($S load -i "$T/sk.tar.gz" 2>&1)
[ "$out" = "Loaded image: other/arc:dk" ] && ok "load a gzip-compressed archive" || notok "load gz: $out"
