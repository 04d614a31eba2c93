#!/usr/bin/env bash
# Image commands as Docker users know them: a name moving to another
# manifest leaves a dangling image (<none> <none>) that images lists
# (--filter dangling=true|false), that a container made from it keeps
# running from, that rmi and image-prune remove only once no container
# uses it; loading the same image again makes no duplicate; rmi -f
# (untag an image in use, every name of an id) and rmi by id of names in
# several repositories (refused without -f); system df (-v) measures
# images, containers and volumes; an image's Labels and ExposedPorts
# reach the container (inspect, ps --filter label=). Images are made here
# (tests/helpers/oci_image, skopeo) and loaded.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
command -v skopeo >/dev/null || { notok "skopeo is not installed (make deps)"; finish; }

make_rootfs "$T/rootfs"
mkdir -p "$T/l2/etc"
echo imgcmds >"$T/l2/etc/motd"
tar -C "$T/rootfs" -cf "$T/l1.tar" .
tar -C "$T/l2" -cf "$T/l2.tar" etc && gzip -1nc "$T/l2.tar" >"$T/l2.tar.gz"
L2ID="sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)"
# mk NAME REF [ENV...]: an oci-archive $T/NAME.tar of REF (the env sets
# oci_image's OCI_IMAGE_* knobs; a different CMD is a different image)
mk() {
	local n=$1 ref=$2
	shift 2
	env "$@" "$H" write "$T/oci-$n" img "$T/l1.tar" "$T/l2.tar.gz" "$L2ID" >/dev/null 2>"$T/err" &&
		skopeo --insecure-policy copy -q "oci:$T/oci-$n:img" "oci-archive:$T/$n.tar:$ref" ||
		notok "make image $n: $(cat "$T/err")"
}
mk a localhost/ic:v1 'OCI_IMAGE_CMD=echo|from-a' 'OCI_IMAGE_LABELS=img.a=1|shared=image|img.space=a b' OCI_IMAGE_EXPOSE=53/udp
mk b localhost/ic:v1 'OCI_IMAGE_CMD=echo|from-b'
mk c localhost/ic:v1 'OCI_IMAGE_CMD=echo|from-c'

start_daemon || { notok "skiffd starts"; finish; }
iid() { $S --json image-inspect "$1" | json_get Id; }
dangling() { $S --json images --filter dangling=true | python3 -c 'import json,sys;print(" ".join(sorted(json.loads(l)["ID"] for l in sys.stdin)))'; }
index_count() { python3 -c 'import json,sys;print(sum(m["digest"]==sys.argv[2] for m in json.load(open(sys.argv[1]))["manifests"]))' "$T/root/content/index.json" "$1"; }

$S load -i "$T/a.tar" >/dev/null || notok "load a"
A=$(iid localhost/ic:v1)
AM=$($S --json image-inspect localhost/ic:v1 | json_get Skiff.ManifestDigest)
$S create --name c1 --label shared=flag --label mine=x localhost/ic:v1 >/dev/null 2>"$T/err" || notok "create c1: $(cat "$T/err")"

# ---- 4. Labels and ExposedPorts from the image ----
$S --json inspect c1 >"$T/ins"
python3 - "$T/ins" <<'EOF' && ok "the image's Labels merge with --label (the flag wins), ExposedPorts in Config" || notok "inspect c1: $(cat "$T/ins")"
import json, sys
c = json.loads(open(sys.argv[1]).readline())
l = c["Config"]["Labels"]
assert l == {"img.a": "1", "shared": "flag", "img.space": "a b", "mine": "x"}, l
assert c["Config"]["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}, c["Config"]
assert c["Config"]["Labels"] == l, c["Config"]
EOF
[ "$($S ps -aq --filter label=img.a=1)" = "$($S ps -aq --filter name=c1)" ] &&
	[ -n "$($S ps -aq --filter 'label=img.space=a b')" ] && [ -z "$($S ps -aq --filter label=img.a=2)" ] &&
	ok "ps --filter label= matches the image's labels" || notok "ps label filter: $($S ps -a --filter label=img.a=1)"
$S --json image-inspect localhost/ic:v1 | python3 -c '
import json, sys
c = json.loads(sys.stdin.readline())["Config"]
assert c["Labels"]["img.a"] == "1" and "53/udp" in c["ExposedPorts"], c' &&
	ok "image-inspect shows Labels and ExposedPorts" || notok "image-inspect labels"
long=$(printf 'k%.0s' $(seq 300))
out=$($S create --label "$long=v" localhost/ic:v1 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "label key is longer than" && ok "a label key over 255 bytes is refused, not cut" || notok "long label: $out"
out=$($S create --name dup --label k=1 --label k=2 localhost/ic:v1 2>&1) &&
	[ "$($S --json inspect dup | json_get Config.Labels.k)" = 2 ] && [ "$($S --json inspect dup | python3 -c 'import sys;print(sys.stdin.readline().count("\"k\""))')" -le 2 ] &&
	ok "a repeated --label key: the last wins, once" || notok "dup label: $out $($S --json inspect dup)"
$S rm dup >/dev/null

# ---- 1. a moved name leaves a dangling image ----
$S load -i "$T/b.tar" >/dev/null || notok "load b"
Bi=$(iid localhost/ic:v1)
[ "$Bi" != "$A" ] && [ "$(dangling)" = "${A:7:12}" ] && ok "the name moved to b; a is dangling" || notok "dangling after load: $(dangling) $($S images)"
$S images | grep -q "^<none> *<none> *${A:7:12}" && ok "images shows it as <none> <none>" || notok "images: $($S images)"
[ "$($S images -a | wc -l)" = "$($S images | wc -l)" ] && ok "images -a lists the same" || notok "images -a"
$S --json images --filter dangling=false | grep -q "${Bi:7:12}" && ! $S --json images --filter dangling=false | grep -q "${A:7:12}" &&
	ok "--filter dangling=false: only named images" || notok "dangling=false: $($S images --filter dangling=false)"
out=$($S images --filter dangling=maybe 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q 'invalid filter "dangling=maybe"' && ok "a bad filter is refused by name" || notok "bad filter: $out"
[ "$($S --json image-inspect "$A" | json_get Skiff.Dangling)" = True ] && ok "image-inspect by id of the dangling image" || notok "inspect dangling"
$S start c1 >/dev/null && $S wait c1 >/dev/null && [ "$($S logs c1)" = from-a ] &&
	ok "the container made from a still runs" || notok "c1 run: $($S logs c1 2>&1)"
out=$($S rmi "${A:7:12}" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "cannot be forced" && ok "rmi of the dangling image a container uses is refused" || notok "rmi dangling in use: $out"
out=$($S rmi -f "${A:7:12}" 2>&1)
[ $? -ne 0 ] && [ "$(dangling)" = "${A:7:12}" ] && ok "even with -f" || notok "rmi -f dangling in use: $out"
$S image-prune >/dev/null
[ "$(dangling)" = "${A:7:12}" ] && ok "image-prune keeps it while c1 uses it" || notok "prune in use: $(dangling)"
$S rm c1 >/dev/null
out=$($S --json image-prune)
[ -z "$(dangling)" ] && echo "$out" | grep -q "\"Deleted\":\"$A\"" && [ -n "$($S images -q localhost/ic:v1)" ] &&
	ok "image-prune removes the dangling image once unused, not the named one" || notok "prune: $out $($S images)"
[ ! -e "$T/root/content/blobs/sha256/${A#sha256:}" ] && ok "its config blob is collected" || notok "config blob left"

# the same image twice: no duplicate entry; the old one named again
$S load -i "$T/a.tar" >/dev/null && $S load -i "$T/a.tar" >/dev/null
[ "$(index_count "$AM")" = 1 ] && [ "$(dangling)" = "${Bi:7:12}" ] && ok "loading an image twice makes one entry; b is dangling now" || notok "twice: $(index_count "$AM") $(dangling)"
$S tag "${Bi:7:12}" localhost/ic:b && [ -z "$(dangling)" ] && ok "tag of a dangling image names it" || notok "tag dangling: $(dangling)"
$S tag localhost/ic:b localhost/ic:b2 && $S rmi localhost/ic:b2 >/dev/null && [ -z "$(dangling)" ] &&
	ok "rmi of one of two names only untags" || notok "untag: $(dangling)"

# ---- 2. rmi -f ----
$S tag localhost/ic:v1 localhost/other:v1
out=$($S rmi "${A:7:12}" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "referenced in multiple repositories" && ok "rmi ID of names in two repositories needs -f" || notok "rmi id 2 repos: $out"
out=$($S --json rmi -f "${A:7:12}")
[ $? -eq 0 ] && echo "$out" | grep -q '"Untagged":"localhost/ic:v1"' && echo "$out" | grep -q '"Untagged":"localhost/other:v1"' &&
	echo "$out" | grep -q "\"Deleted\":\"$A\"" && ! $S images -q | grep -q "${A:7:12}" &&
	ok "rmi -f ID removes every name and the image" || notok "rmi -f id: $out"
$S tag localhost/ic:b localhost/ic:b3
out=$($S --json rmi "${Bi:7:12}")
[ $? -eq 0 ] && [ "$(echo "$out" | grep -c Untagged)" = 2 ] && ! $S images -q | grep -q "${Bi:7:12}" &&
	ok "rmi ID of names in one repository removes them all" || notok "rmi id 1 repo: $out"
$S load -i "$T/c.tar" >/dev/null
Ci=$(iid localhost/ic:v1)
$S create --name c2 localhost/ic:v1 >/dev/null
out=$($S rmi localhost/ic:v1 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "must force" && ok "rmi of an image a container uses needs -f" || notok "rmi in use: $out"
$S tag localhost/ic:v1 localhost/ic:v9
out=$($S rmi localhost/ic:v1 localhost/ic:v9 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "must force" && [ -z "$(dangling)" ] && $S images -q localhost/ic:v9 | grep -q . &&
	ok "rmi of both last names of an image in use needs -f (nothing removed)" || notok "rmi 2 names in use: $out $(dangling)"
$S rmi localhost/ic:v9 >/dev/null || notok "rmi v9"
out=$($S --json rmi -f localhost/ic:v1)
[ $? -eq 0 ] && echo "$out" | grep -q Untagged && ! echo "$out" | grep -q Deleted && [ "$(dangling)" = "${Ci:7:12}" ] &&
	ok "rmi -f of an image in use untags it: it stays, dangling" || notok "rmi -f in use: $out $(dangling)"
$S start c2 >/dev/null && $S wait c2 >/dev/null && [ "$($S logs c2)" = from-c ] &&
	ok "its container still runs" || notok "c2: $($S logs c2 2>&1)"
$S rm c2 >/dev/null
out=$($S rmi "${Ci:7:12}" 2>&1) && [ -z "$(dangling)" ] && ok "rmi ID removes the dangling image once unused" || notok "rmi dangling: $out"

# ---- 3. system df ----
$S import "$T/l1.tar" df:1 >/dev/null && $S import -m other "$T/l1.tar" df:2 >/dev/null || notok "import df images"
$S volume create v1 >/dev/null && $S volume create v2 >/dev/null
$S run -d --name r1 -v v1:/data df:1 sh -c 'head -c 300000 /dev/zero >/data/f; head -c 200000 /dev/zero >/big; touch /tmp/ready; sleep 60' >/dev/null
$S run --name s1 -v v2:/data df:2 sh -c 'head -c 100000 /dev/zero >/data/g; head -c 50000 /dev/zero >/small' >/dev/null
wait_for 10 $S exec r1 cat /tmp/ready || notok "r1 ready"
# what du would say: blocks of every inode once, per set of paths
du_of() { python3 - "$@" <<'PY'
import os, sys
seen, tot = set(), 0
def add(p):
    global tot
    st = os.lstat(p)
    if st.st_nlink > 1 and not os.path.isdir(p):
        if (st.st_dev, st.st_ino) in seen: return
        seen.add((st.st_dev, st.st_ino))
    tot += st.st_blocks * 512
for top in sys.argv[1:]:
    if not os.path.lexists(top): continue
    add(top)
    for d, dirs, files in os.walk(top):
        for n in dirs + files: add(os.path.join(d, n))
print(tot)
PY
}
R=$T/root
cid() { $S --json inspect "$1" | json_get Id; }
img_paths=$(ls -d "$R"/content/blobs/sha256/* "$R"/layers/*)
want_img=$(du_of $img_paths)
want_r1=$(du_of "$R/containers/$(cid r1)/upper")
want_s1=$(du_of "$R/containers/$(cid s1)/upper")
want_v1=$(du_of "$R/volumes/v1/_data")
want_v2=$(du_of "$R/volumes/v2/_data")
$S --json system df >"$T/df"
python3 - "$T/df" "$want_img" "$((want_r1 + want_s1))" "$want_s1" "$((want_v1 + want_v2))" "$want_v2" <<'PY' && ok "system df: totals, active, sizes measured, reclaimable" || notok "system df: $(cat "$T/df") want img=$want_img r1=$want_r1 s1=$want_s1 v1=$want_v1 v2=$want_v2"
import json, sys
rows = {r["Type"]: r["Skiff"] for r in map(json.loads, open(sys.argv[1]))}
w = [int(x) for x in sys.argv[2:]]
i, c, v, b = rows["Images"], rows["Containers"], rows["Local Volumes"], rows["Build Cache"]
assert (i["total"], i["active"], i["size"]) == (2, 2, w[0]), i
assert i["reclaimable"] == 0, i
assert (c["total"], c["active"], c["size"], c["reclaimable"]) == (2, 1, w[1], w[2]), c
assert w[2] >= 50000 and w[1] - w[2] >= 200000, w
assert (v["total"], v["active"], v["size"], v["reclaimable"]) == (2, 2, w[3], 0), v
assert b["size"] == 0 and b["total"] == 0, b
PY
$S rm s1 >/dev/null
$S --json system df -v >"$T/dfv"
python3 - "$T/dfv" "$want_img" "$want_v2" <<'PY' && ok "system df -v: per item; a shared layer counts once, shared sizes" || notok "system df -v: $(cat "$T/dfv")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
imgs = {r["name"]: r for r in rows if r["type"] == "image"}
assert set(imgs) == {"df:1", "df:2"}, imgs
a, b = imgs["df:1"], imgs["df:2"]
assert a["active"] and not b["active"], imgs
assert a["shared_size"] > 0 and a["shared_size"] == b["shared_size"], imgs
assert a["size"] + b["size"] - a["shared_size"] == int(sys.argv[2]), (imgs, sys.argv[2])
assert a["unique_size"] == a["size"] - a["shared_size"], a
vols = {r["name"]: r for r in rows if r["type"] == "volume"}
assert vols["v1"]["active"] and not vols["v2"]["active"] and vols["v2"]["size"] == int(sys.argv[3]), vols
assert [r["name"] for r in rows if r["type"] == "container"] == ["r1"], rows
PY
$S --json system df | grep -q "\"type\":\"Images\",\"total\":2,\"active\":1," && $S system df | grep -q '^Images  *2  *1 ' && ok "an image no container uses is reclaimable" || notok "df after rm: $($S system df)"
out=$($S system df --bogus 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q -- "--bogus" && ok "system df: an unknown flag is refused" || notok "df --bogus: $out"
$S rm -f r1 >/dev/null

# ---- ids: import without a name is dangling; an ambiguous prefix ----
for i in $(seq 17); do $S import -m "v$i" "$T/l1.tar" >/dev/null || notok "import v$i"; done
[ "$($S images --filter dangling=true -q | wc -l)" = 17 ] && ok "import without a name makes a dangling image" || notok "nameless imports: $($S images)"
p=$($S images -q --no-trunc | cut -c8 | sort | uniq -d | head -1)
out=$($S rmi "$p" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "image id prefix $p is ambiguous" && ok "an ambiguous id prefix is refused" || notok "ambiguous $p: $out"
$S image-prune >/dev/null && [ -z "$($S images --filter dangling=true -q)" ] && [ -n "$($S images -q df:1)" ] &&
	ok "image-prune removes them, not named images" || notok "prune nameless: $($S images)"

# ---- bad input ----
out=$($S rmi --bogus x 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q -- "--bogus" && ok "rmi: an unknown flag is refused" || notok "rmi --bogus: $out"
out=$($S rmi nosuch:image 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "no such image: nosuch:image" && ok "rmi: an unknown image is refused by name" || notok "rmi unknown: $out"
used=$($S images -q --no-trunc | cut -c8-11 | sort -u)
for x in 0123 4567 89ab cdef fedc; do echo "$used" | grep -q "^$x" || break; done
out=$($S rmi "$x" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "no such image: $x" && ok "rmi: an id prefix that matches nothing" || notok "rmi $x: $out"

finish
