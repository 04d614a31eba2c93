#!/usr/bin/env bash
# Image archives: an image built here (busybox rootfs, tests/helpers/
# oci_image) goes in by `load` of an oci-archive skopeo made; `save` writes
# a tarball skopeo reads as docker-archive and as OCI layout; rmi + load
# gives back the same image id and manifest digest and it runs; skiff
# loads skopeo's docker-archive; `import` of a rootfs tar (plain and zstd)
# runs; `export` gives the container's files; `commit` makes a layer with
# OCI whiteouts from a container's changes. Malicious archives (a ../
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
id=$($S --json image-inspect localhost/arc:v1 | json_get Id)
md=$($S --json image-inspect localhost/arc:v1 | json_get Skiff.ManifestDigest)
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
[ "$($S --json image-inspect localhost/arc:v1 | json_get Id)" = "$id" ] &&
	[ "$($S --json image-inspect localhost/arc:v1 | json_get Skiff.ManifestDigest)" = "$md" ] &&
	ok "same image id and manifest digest after save, rmi, load" || notok "ids differ"
out=$($S run --rm localhost/arc:v1 2>&1)
[ "$out" = archived ] && ok "the reloaded image runs" || notok "run reloaded: $out"

# skopeo's docker-archive (legacy layout: HEX.tar layers, HEX.json config)
cop "oci:$T/oci:arc" "docker-archive:$T/sk.tar:other/arc:dk" 2>"$T/err" || notok "skopeo docker-archive: $(cat "$T/err")"
out=$($S load -i "$T/sk.tar" 2>&1)
[ "$out" = "Loaded image: other/arc:dk" ] && ok "load a docker-archive made by skopeo" || notok "load skopeo docker-archive: $out"
[ "$($S --json image-inspect other/arc:dk | json_get Id)" = "$id" ] && ok "same image id through docker-archive" ||
	notok "docker-archive id: $($S --json image-inspect other/arc:dk)"
out=$($S run --rm other/arc:dk 2>&1)
[ "$out" = archived ] && ok "it runs" || notok "run docker-archive image: $out"
gzip -c "$T/sk.tar" >"$T/sk.tar.gz"
out=$($S load -i "$T/sk.tar.gz" 2>&1)
[ "$out" = "Loaded image: other/arc:dk" ] && ok "load a gzip-compressed archive" || notok "load gz: $out"

# malicious and broken archives: refused by name, no image named
python3 - "$T" "$T/l2.tar" <<'EOP'
import hashlib, io, json, sys, tarfile
T, layer = sys.argv[1], open(sys.argv[2], "rb").read()
def sha(b): return hashlib.sha256(b).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(layer)]}}).encode()
def make(name, members):
    with tarfile.open(f"{T}/{name}.tar", "w") as t:
        for n, b in members:
            i = tarfile.TarInfo(n); i.size = len(b); t.addfile(i, io.BytesIO(b))
def man(layers, cfgpath="blobs/sha256/" + sha(cfg)):
    return json.dumps([{"Config": cfgpath, "RepoTags": ["evil:x"], "Layers": layers}]).encode()
good = [("blobs/sha256/" + sha(cfg), cfg), ("blobs/sha256/" + sha(layer), layer)]
make("bad-dotdot", good + [("../escaped", b"x"), ("manifest.json", man(["blobs/sha256/" + sha(layer)]))])
make("bad-missing", good[:1] + [("manifest.json", man(["blobs/sha256/" + "0" * 64]))])
make("bad-missing-legacy", [(sha(cfg) + ".json", cfg), ("manifest.json", man(["abc/layer.tar"], sha(cfg) + ".json"))])
make("bad-digest", [("blobs/sha256/" + sha(cfg), cfg), ("blobs/sha256/" + sha(b"other"), layer),
                    ("manifest.json", man(["blobs/sha256/" + sha(b"other")]))])
make("bad-json", good + [("manifest.json", b'[{"Config": "blobs/sha256/' + sha(cfg).encode() + b'", "Layers": [')])
make("bad-config", [("blobs/sha256/" + sha(b"{nope"), b"{nope"), good[1],
                    ("manifest.json", man(["blobs/sha256/" + sha(layer)], "blobs/sha256/" + sha(b"{nope")))])
bad_cfg = cfg.replace(sha(layer).encode(), sha(b"x").encode())
make("bad-diffid", [("blobs/sha256/" + sha(bad_cfg), bad_cfg), good[1],
                    ("manifest.json", man(["blobs/sha256/" + sha(layer)], "blobs/sha256/" + sha(bad_cfg)))])
make("bad-empty", [("README", b"hello")])
EOP
refuse() { # NAME PATTERN WHAT
	local out
	out=$($S load -i "$T/$1.tar" 2>&1)
	if [ $? -ne 0 ] && echo "$out" | grep -q -- "$2" && ! $S images | grep -q evil; then
		ok "load refuses $3"
	else
		notok "load $1: $out"
	fi
}
refuse bad-dotdot 'archive member "../escaped": climbs out with ..' "a ../ member"
[ ! -e "$T/root/escaped" ] && [ ! -e "$T/escaped" ] || notok "a ../ member was written"
refuse bad-missing "layer blobs/sha256/0000000000000000000000000000000000000000000000000000000000000000 is not in the archive" \
	"a manifest.json naming a missing layer"
refuse bad-missing-legacy "layer abc/layer.tar is not in the archive" "a missing legacy layer path"
refuse bad-digest "sha256:" "a blob whose bytes do not match its name"
$S load -i "$T/bad-digest.tar" 2>&1 | grep -q "blobs/sha256/" && ok "the digest error names the member" || notok "digest error: $($S load -i "$T/bad-digest.tar" 2>&1)"
refuse bad-json "manifest.json" "malformed manifest.json"
refuse bad-config "config sha256:" "a config that is not JSON"
refuse bad-diffid "the config says" "a layer that is not what the config's diff_ids say"
refuse bad-empty "neither manifest.json nor index.json" "a tarball that is no image archive"
out=$(printf 'not a tar at all' | $S load 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "not an image archive" && ok "load refuses bytes that are no tar" || notok "garbage: $out"
out=$($S load -i "$T/s1.tar" 2>&1)
[ "$out" = "Loaded image: localhost/arc:v1" ] && ok "a good load works after the refusals" || notok "load after: $out"

# import: a rootfs tarball (plain, gzip, zstd) becomes a one-layer image
out=$($S import "$T/l1.tar" busy:plain 2>&1)
case $out in sha256:*) ok "import a plain rootfs tar ($out)" ;; *) notok "import: $out" ;; esac
ins=$($S --json image-inspect busy:plain)
echo "$ins" | python3 -c '
import json, sys
v = json.loads(sys.stdin.readline())
m, c = v["Skiff"]["Manifest"], v["Skiff"]["Config"]
assert len(m["layers"]) == 1 and m["layers"][0]["mediaType"].endswith("tar+gzip"), m
assert len(c["rootfs"]["diff_ids"]) == 1 and c["history"][0]["created_by"].startswith("skiff import"), c
assert c["rootfs"]["diff_ids"][0] == "sha256:" + sys.argv[1], c' "$(sha256sum "$T/l1.tar" | cut -d' ' -f1)" &&
	ok "one gzip layer, diff_id of the tar, history" || notok "import inspect: $ins"
out=$($S run --rm busy:plain echo imported 2>&1)
[ "$out" = imported ] && ok "the imported image runs" || notok "run imported: $out"
zstd -q -c "$T/l1.tar" >"$T/l1.tar.zst"
out=$($S import -m "from zstd" - busy:zstd <"$T/l1.tar.zst" 2>&1)
ins=$($S --json image-inspect busy:zstd 2>&1)
echo "$ins" | grep -q 'tar+zstd' && echo "$ins" | grep -q 'from zstd' && ok "import - from stdin keeps zstd as given, -m in history" || notok "import zstd: $out $ins"
out=$($S run --rm busy:zstd echo z 2>&1)
[ "$out" = z ] && ok "it runs" || notok "run zstd import: $out"
out=$($S import "$T/nosuch.tar" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "nosuch.tar" && ok "import of a missing file fails" || notok "import missing: $out"
printf '../../etc/passwd' >"$T/evil-name"
python3 -c '
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("../../evil"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))' "$T/evil-import.tar"
out=$($S import "$T/evil-import.tar" evil:imp 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "evil" && ! $S images | grep -q evil && ok "import refuses a traversal entry" || notok "import evil: $out"

# export: the container's merged filesystem, running and stopped
$S run -d --name exp busy:plain sh -c 'echo hi >/tmp/new; rm /bin/wc; touch /tmp/ready; sleep 60' >/dev/null
wait_for 5 $S exec exp test -e /tmp/ready
$S export exp >"$T/exp.tar" 2>"$T/err" && ok "export a running container to stdout" || notok "export: $(cat "$T/err")"
tar -tf "$T/exp.tar" | sed 's|^\./||; s|/$||' | grep . | sort >"$T/exp.list"
tar -tf "$T/l1.tar" | sed 's|^\./||; s|/$||' | grep . | grep -vx bin/wc | sort >"$T/want.list"
missing=$(comm -23 "$T/want.list" "$T/exp.list")
[ -z "$missing" ] && grep -qx tmp/new "$T/exp.list" && ! grep -qx bin/wc "$T/exp.list" &&
	[ "$(tar -xOf "$T/exp.tar" ./tmp/new)" = hi ] &&
	ok "the export has the image's files, the new one, not the removed one" || notok "export list: missing [$missing]"
! grep -q '^proc/.' "$T/exp.list" && ok "export leaves out /proc and other mounts' content" || notok "export has /proc content"
$S stop -t 0 exp >/dev/null
$S export -o "$T/exp2.tar" exp 2>"$T/err"
tar -tf "$T/exp2.tar" | sed 's|^\./||; s|/$||' | grep . | sort >"$T/exp2.list"
[ -z "$(comm -23 "$T/want.list" "$T/exp2.list")" ] && grep -qx tmp/new "$T/exp2.list" &&
	ok "export -o FILE of a stopped container" || notok "export stopped: $(cat "$T/err")"
$S import "$T/exp2.tar" busy:exported >/dev/null 2>"$T/err"
out=$($S run --rm busy:exported cat /tmp/new 2>&1)
[ "$out" = hi ] && ok "import of an export runs" || notok "import export: $out $(cat "$T/err")"
out=$($S export nosuch 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$out" | grep -q "no such container" && ok "export of an unknown container fails" || notok "export nosuch: $out"
script -qc "$S export exp" /dev/null >"$T/tty" 2>&1
grep -q "cowardly refusing" "$T/tty" && ok "export refuses a terminal" || notok "export to tty: $(cat "$T/tty")"
$S rm -f exp >/dev/null

# commit: the container's changes (whiteouts, an opaque dir) as a layer
mkdir -p "$T/opq" && cp "$T/l1.tar" "$T/l1o.tar" && touch "$T/opq/old" && tar -C "$T" -rf "$T/l1o.tar" opq
$S import "$T/l1o.tar" busy:opq >/dev/null
$S run --name cm busy:opq sh -c 'echo hi >/tmp/new; rm /bin/wc; rm -rf /opq; mkdir /opq; echo n >/opq/new' >/dev/null
out=$($S commit -m "my change" -a me cm busy:committed 2>&1)
case $out in sha256:*) ok "commit a stopped container ($out)" ;; *) notok "commit: $out" ;; esac
out=$($S run --rm busy:committed sh -c 'cat /tmp/new; ls /bin/wc 2>/dev/null; ls /opq' 2>&1)
[ "$out" = "$(printf 'hi\nnew')" ] && ok "the committed image has the new file, not the removed one, only the new dir's content" ||
	notok "run committed: $out"
$S --json image-inspect busy:committed | python3 -c '
import json, sys
v = json.loads(sys.stdin.readline())
c, m = v["Skiff"]["Config"], v["Skiff"]["Manifest"]
assert len(c["rootfs"]["diff_ids"]) == 2 and len(m["layers"]) == 2, v
h = c["history"][-1]
assert h["created_by"] == "skiff commit cm" and h["comment"] == "my change" and h["author"] == "me", h' &&
	ok "two layers, a history entry with -m and -a" || notok "commit inspect: $($S --json image-inspect busy:committed)"
ld=$($S --json image-inspect busy:committed |
	python3 -c 'import json,sys;print("blobs/sha256/"+json.loads(sys.stdin.readline())["Skiff"]["Manifest"]["layers"][1]["digest"][7:])')
$S save busy:committed | tar -xOf - "$ld" | tar -tzf - | sort >"$T/cl.list"
grep -qx 'bin/.wh.wc' "$T/cl.list" && grep -qx 'opq/.wh..wh..opq' "$T/cl.list" && grep -qx 'tmp/new' "$T/cl.list" &&
	ok "the new layer carries OCI whiteouts (.wh.wc, .wh..wh..opq)" || notok "layer list: $(cat "$T/cl.list")"
out=$($S commit cm 2>&1)
$S images | grep -q "^<none> *<none> *${out:7:12}" && ok "an untagged commit lists as <none> <none>" || notok "untagged: $out $($S images)"
uid=$out
$S save "${uid:7:12}" >"$T/untagged.tar" 2>"$T/err" || notok "save untagged: $(cat "$T/err")"
tar -xOf "$T/untagged.tar" manifest.json | grep -q '"RepoTags":null' && ok "an untagged image saves with RepoTags null" ||
	notok "untagged manifest.json: $(tar -xOf "$T/untagged.tar" manifest.json)"
$S rmi "${uid:7:12}" >/dev/null 2>&1
out=$($S load -i "$T/untagged.tar" 2>&1)
[ "$out" = "Loaded image ID: $uid" ] && $S images | grep -q "^<none> *<none> *${uid:7:12}" &&
	ok "load of an untagged image says its id and keeps it" || notok "load untagged: $out"
out=$($S commit nosuch 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "no such container" && ok "commit of an unknown container fails" || notok "commit nosuch: $out"
$S rm -f cm >/dev/null

finish
