#!/usr/bin/env bash
# Volumes on the real kernel: named volumes (create, ls, inspect, rm,
# prune) whose data outlives containers and is shared between them; -v
# NAME:/PATH[:ro], -v /HOST:/PATH, -v /PATH (anonymous), --mount
# (bind, volume, tmpfs; errors name the bad key), --volumes-from;
# anonymous volumes removed by rm -v and --rm; volume rm refused while a
# container uses the volume; copy-up of the image's content into a new,
# empty volume (from a --rootfs and from an image's VOLUME pulled from a
# loopback docker-registry); bad names refused; durable across a restart.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
R=$T/rootfs
make_rootfs "$R"
mkdir -p "$R/etc/app" "$R/seed"
echo conf >"$R/etc/app/conf"
echo seeded >"$R/seed/s1"; chmod 0751 "$R/seed"; chown 12:34 "$R/seed/s1"
mknod "$R/seed/wh" c 0 0 # an overlay whiteout: not content
start_daemon || { notok "skiffd starts"; exit 1; }
field() { $S --json inspect "$1" | json_get "$2"; }
vols() { $S volume ls -q | sort | tr '\n' ' '; }

# ---- volume create / ls / inspect ----
out=$($S volume create --label team=a data 2>&1)
[ "$out" = data ] && [ -d "$T/root/volumes/data/_data" ] && [ -f "$T/root/volumes/data.json" ] &&
	ok "volume create NAME: ROOT/volumes/NAME/_data and its state file" || notok "volume create: $out"
gen=$($S volume create)
[[ "$gen" =~ ^[0-9a-f]{64}$ ]] && ok "volume create without a name: a 64-hex name" || notok "generated name: $gen"
$S volume ls | grep -q "local.*data" && ok "volume ls" || notok "volume ls: $($S volume ls)"
[ "$($S volume ls -q --filter label=team=a)" = data ] && ok "volume ls --filter label=" || notok "filter label: $($S volume ls -q --filter label=team=a)"
[ "$($S volume ls -q --filter name=dat)" = data ] && ok "volume ls --filter name=" || notok "filter name"
mp=$($S --json volume inspect data | json_get mountpoint)
[ "$mp" = "$T/root/volumes/data/_data" ] && [ "$($S --json volume inspect data | json_get labels.team)" = a ] &&
	ok "volume inspect: mountpoint and labels" || notok "inspect: $($S --json volume inspect data)"
$S volume inspect nosuch 2>"$T/e"; [ $? -ne 0 ] && grep -q "no such volume: nosuch" "$T/e" && ok "volume inspect of an unknown volume" || notok "inspect nosuch: $(cat "$T/e")"
bad=0
for n in a/b .. ../x x/../y .hidden; do
	$S volume create "$n" 2>"$T/e" && bad=1
	grep -q "invalid volume name" "$T/e" || bad=1
	$S run --rm --rootfs "$R" -v "$n:/d" true 2>"$T/e" && bad=1
	grep -q "invalid volume name" "$T/e" || bad=1
done
[ $bad = 0 ] && [ ! -e "$T/root/x" ] && [ ! -e "$T/root/volumes/a" ] && ok "volume names with / or .. are refused (create and -v)" || notok "bad names accepted: $(cat "$T/e")"
$S volume rm "$gen" >/dev/null

# ---- data outlives the container; shared; :ro ----
$S run --rootfs "$R" --name w1 -v data:/data sh -c 'echo kept >/data/f' >/dev/null
$S rm w1 >/dev/null
[ "$($S run --rm --rootfs "$R" -v data:/data cat /data/f 2>&1)" = kept ] && ok "data survives the container's removal" || notok "data gone"
$S run -d --rootfs "$R" --name s1 -v data:/data sh -c 'echo live >/data/live; sleep 600' >/dev/null
wait_for 5 test -f "$mp/live"
[ "$($S run --rm --rootfs "$R" -v data:/srv cat /srv/live 2>&1)" = live ] && ok "a volume is shared between two containers" || notok "shared"
out=$($S run --rm --rootfs "$R" -v data:/data:ro sh -c 'echo x >/data/g; echo rc=$?' 2>&1)
echo "$out" | grep -q "rc=1" && [ ! -e "$mp/g" ] && ok "NAME:/PATH:ro is read-only" || notok ":ro: $out"
[ "$($S ps -q --filter volume=data)" = "$(field s1 Id | cut -c1-12)" ] && ok "ps --filter volume=" || notok "ps filter volume: $($S ps -q --filter volume=data)"
m=$($S --json inspect s1 | python3 -c 'import json,sys; m=json.load(sys.stdin)["Mounts"][0]; print(m["Type"],m["Name"],m["Source"],m["Destination"],m["RW"])')
[ "$m" = "volume data $mp /data True" ] && ok "inspect shows the mounts (type, name, source, destination, rw)" || notok "inspect mounts: $m"

# ---- volume rm while used ----
$S volume rm data 2>"$T/e"; rc=$?
[ $rc -ne 0 ] && grep -q "in use by container s1" "$T/e" && [ -d "$mp" ] && ok "volume rm is refused while a container uses it, naming it" || notok "rm in use: $rc $(cat "$T/e")"
$S volume rm -f data 2>"$T/e"; [ $? -ne 0 ] && grep -q "in use" "$T/e" && ok "volume rm -f is refused too (Docker's rule)" || notok "rm -f in use"
$S volume ls -q --filter dangling=false | grep -qx data && ok "dangling=false lists the used volume" || notok "dangling=false"

# ---- binds ----
mkdir -p "$T/host"; echo fromhost >"$T/host/h"
out=$($S run --rm --rootfs "$R" -v "$T/host:/h" sh -c 'cat /h/h; echo w >/h/w' 2>&1)
[ "$out" = fromhost ] && [ -f "$T/host/w" ] && ok "-v /HOST:/PATH binds a host directory" || notok "bind: $out"
out=$($S run --rm --rootfs "$R" -v "$T/host:/h:ro" sh -c 'echo x >/h/x; echo rc=$?' 2>&1)
echo "$out" | grep -q rc=1 && [ ! -e "$T/host/x" ] && ok "-v /HOST:/PATH:ro is read-only" || notok "bind ro: $out"

# ---- anonymous volumes ----
$S run --rootfs "$R" --name a1 -v /anon sh -c 'echo a >/anon/a' >/dev/null
an=$($S --json inspect a1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Mounts"][0]["Name"])')
[[ "$an" =~ ^[0-9a-f]{64}$ ]] && [ -f "$T/root/volumes/$an/_data/a" ] && [ "$($S --json volume inspect "$an" | json_get anonymous)" = True ] &&
	ok "-v /PATH: an anonymous volume" || notok "anon: $an"
$S rm -v a1 >/dev/null
! $S volume ls -q | grep -qx "$an" && [ ! -e "$T/root/volumes/$an.json" ] && wait_for 5 test ! -e "$T/root/volumes/$an" &&
	ok "rm -v removes the anonymous volume" || notok "rm -v left $an"
$S run --rootfs "$R" --name a2 -v /anon true >/dev/null
an2=$($S --json inspect a2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Mounts"][0]["Name"])')
$S rm a2 >/dev/null
$S volume ls -q | grep -qx "$an2" && ok "rm without -v keeps it" || notok "rm removed $an2"
before=$(vols)
$S run --rm --rootfs "$R" -v /anon2 --mount type=volume,target=/anon3 sh -c 'echo x >/anon2/x' >/dev/null
wait_for 5 test "$(vols)" = "$before"
[ "$(vols)" = "$before" ] && ok "run --rm removes its anonymous volumes" || notok "--rm left: $(vols) vs $before"

# ---- prune ----
$S volume create keepme >/dev/null
out=$($S volume prune -f)
echo "$out" | grep -q "$an2" && ! $S volume ls -q | grep -qx "$an2" && $S volume ls -q | grep -qx keepme && $S volume ls -q | grep -qx data &&
	ok "volume prune removes unused anonymous volumes only" || notok "prune: $out / $(vols)"
$S volume prune -a >/dev/null
! $S volume ls -q | grep -qx keepme && $S volume ls -q | grep -qx data && ok "volume prune -a: every unused volume, not one in use" || notok "prune -a: $(vols)"

# ---- copy-up ----
out=$($S run --rm --rootfs "$R" -v cu:/seed sh -c 'cat /seed/s1' 2>&1)
[ "$out" = seeded ] && [ "$(stat -c '%u:%g' "$T/root/volumes/cu/_data/s1")" = 12:34 ] &&
	[ "$(stat -c %a "$T/root/volumes/cu/_data")" = 751 ] && [ ! -e "$T/root/volumes/cu/_data/wh" ] && ok "a new volume starts with the root's content (owners, modes; a whiteout is not copied)" || notok "copy-up: $out $(ls -la "$T/root/volumes/cu/_data")"
$S run --rm --rootfs "$R" -v ne:/fresh sh -c 'echo mine >/fresh/m' >/dev/null
out=$($S run --rm --rootfs "$R" -v ne:/seed ls /seed 2>&1)
[ "$out" = m ] && ok "no copy-up into a non-empty volume" || notok "non-empty: $out"
out=$($S run --rm --rootfs "$R" --mount type=volume,source=nc,target=/seed,volume-nocopy ls /seed 2>&1)
[ -z "$out" ] && ok "volume-nocopy: no copy-up" || notok "nocopy: $out"

# ---- --mount ----
out=$($S run --rm --rootfs "$R" --mount type=tmpfs,target=/t,tmpfs-size=1m grep ' /t ' /proc/mounts 2>&1)
echo "$out" | grep -q "tmpfs /t tmpfs.*size=1024k" && ok "--mount type=tmpfs,tmpfs-size=" || notok "tmpfs: $out"
out=$($S run --rm --rootfs "$R" --mount "type=bind,source=$T/host,target=/b,readonly" sh -c 'cat /b/h; echo x >/b/y; echo rc=$?' 2>&1)
echo "$out" | grep -q fromhost && echo "$out" | grep -q rc=1 && ok "--mount type=bind,readonly" || notok "mount bind: $out"
[ "$($S run --rm --rootfs "$R" --mount src=data,dst=/d cat /d/f 2>&1)" = kept ] && ok "--mount src=NAME,dst= (type volume by default)" || notok "mount volume"
bad=0
for spec in "type=foo,target=/x:unknown type \"foo\"" "type=volume,target=/x,colour=red:unexpected key 'colour'" \
	"type=volume,source=v:target is required" "type=bind,source=rel,target=/x:absolute source" \
	"type=tmpfs,target=/x,tmpfs-size=lots:invalid tmpfs-size" "type=volume,target=/x,tmpfs-size=1m:are for type=tmpfs" \
	"type=volume,target=/x,readonly=maybe:invalid value for readonly" "type=volume,source=../v,target=/x:invalid volume name" \
	"target=/:cannot mount over the root"; do
	$S run --rm --rootfs "$R" --mount "${spec%%:*}" true 2>"$T/e" && bad=1
	grep -qF -- "${spec#*:}" "$T/e" || { bad=1; info "--mount ${spec%%:*}: $(cat "$T/e")"; }
done
[ $bad = 0 ] && ok "--mount errors name the bad key or value" || notok "--mount errors"
$S run --rm --rootfs "$R" -v data:/d -v /x:/d true 2>"$T/e"; grep -q "duplicate mount point: /d" "$T/e" && ok "duplicate mount point refused" || notok "dup: $(cat "$T/e")"

# ---- the target stays inside the container's root ----
mkdir -p "$T/outside" "$R/$T/outside"; ln -s "$T/outside" "$R/link"
out=$($S run --rm --rootfs "$R" -v data:/link/m cat /link/m/f 2>&1)
[ "$out" = kept ] && [ -z "$(ls "$T/outside")" ] && ok "a target through a symlink to a host path is resolved inside the root" || notok "escape: $out / $(ls "$T/outside")"
rm -r "$R/link" "${R:?}/${T#/}"

# ---- --volumes-from ----
$S create --rootfs "$R" --name src -v data:/data -v /anon4 -v "$T/host:/h" true >/dev/null
out=$($S run --rm --rootfs "$R" --volumes-from src sh -c 'cat /data/f /h/h; echo z >/anon4/z' 2>&1)
an4=$($S --json inspect src | python3 -c 'import json,sys; print(json.load(sys.stdin)["Mounts"][1]["Name"])')
[ "$out" = "kept
fromhost" ] && [ -f "$T/root/volumes/$an4/_data/z" ] && ok "--volumes-from mounts the other's volumes and binds" || notok "volumes-from: $out"
out=$($S run --rm --rootfs "$R" --volumes-from src:ro sh -c 'echo x >/data/x; echo rc=$?' 2>&1)
echo "$out" | grep -q rc=1 && ok "--volumes-from CTR:ro" || notok "volumes-from ro: $out"
$S volume ls -q | grep -qx "$an4" && ok "--rm of the borrower keeps the other's anonymous volume" || notok "an4 gone"
$S run --rm --rootfs "$R" --volumes-from nosuch true 2>"$T/e"; grep -q "no such container: nosuch" "$T/e" && ok "--volumes-from an unknown container" || notok "vf nosuch: $(cat "$T/e")"

# ---- durable across a restart ----
$S rm -f s1 >/dev/null
$S create --rootfs "$R" --name holder -v data:/data true >/dev/null
stop_daemon
start_daemon || { notok "skiffd restarts"; finish; }
$S volume ls -q | grep -qx data && $S volume ls -q | grep -qx "$an4" && [ "$($S --json volume inspect data | json_get labels.team)" = a ] &&
	ok "volumes are durable across a skiffd restart" || notok "after restart: $(vols)"
$S volume rm data 2>"$T/e"; grep -Eq "in use by container (holder|src)" "$T/e" && ok "after a restart, the container's use still holds" || notok "restart in use: $(cat "$T/e")"
[ "$($S start holder >/dev/null; $S run --rm --rootfs "$R" --volumes-from holder cat /data/f)" = kept ] && ok "the container's mounts are durable" || notok "mounts after restart"
$S rm -v src holder >/dev/null
! $S volume ls -q | grep -qx "$an4" && ok "rm -v after a restart removes the anonymous volume" || notok "an4 left"
$S volume rm data cu ne nc >/dev/null && [ -z "$($S volume ls -q)" ] && wait_for 5 test -z "$(ls "$T/root/volumes")" && ok "volume rm removes data and state" || notok "left: $(vols) $(ls "$T/root/volumes")"

# ---- an image's VOLUME, copied up (from a loopback registry) ----
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
if command -v docker-registry >/dev/null && command -v skopeo >/dev/null; then
	RPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	cat >"$T/reg.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/regdata}}
http: {addr: 127.0.0.1:$RPORT}
EOC
	docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
	track $!
	wait_for 10 curl -sf "http://127.0.0.1:$RPORT/v2/" || notok "registry starts: $(cat "$T/reg.log")"
	make_rootfs "$T/l1"; mkdir -p "$T/l1/data"; echo base >"$T/l1/data/base"; echo gone >"$T/l1/data/gone"
	tar -C "$T/l1" -cf "$T/l1.tar" .
	mkdir -p "$T/l2/data"; echo top >"$T/l2/data/top"; : >"$T/l2/data/.wh.gone"
	tar -C "$T/l2" -cf "$T/l2.tar" . && gzip -nc "$T/l2.tar" >"$T/l2.tar.gz"
	OCI_IMAGE_VOLUME=/data OCI_IMAGE_CMD='sh|-c|ls /data' "$H" write "$T/oci" app "$T/l1.tar" "$T/l2.tar.gz" \
		"sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)" >/dev/null
	skopeo --insecure-policy copy -q "oci:$T/oci:app" "docker://127.0.0.1:$RPORT/test/vol:1" --dest-tls-verify=false
	IMG=127.0.0.1:$RPORT/test/vol:1
	$S pull "$IMG" >/dev/null 2>&1
	out=$($S run --name img1 "$IMG" 2>&1 | tr '\n' ' ')
	ian=$($S --json inspect img1 | python3 -c 'import json,sys; m=json.load(sys.stdin)["Mounts"]; print(m[0]["Name"] if m and m[0]["Destination"]=="/data" else "")')
	[ "$out" = "base top " ] && [ -n "$ian" ] && [ -f "$T/root/volumes/$ian/_data/top" ] && [ ! -e "$T/root/volumes/$ian/_data/gone" ] &&
		ok "the image's VOLUME: an anonymous volume with the image's content (layers stacked, whiteouts kept)" || notok "image volume: $out ($ian)"
	out=$($S run --rm -v iv:/data "$IMG" 2>&1 | tr '\n' ' ')
	[ "$out" = "base top " ] && ok "a new named volume over an image path starts with its content" || notok "named over image: $out"
	$S run --rm -v iv:/data "$IMG" sh -c 'rm /data/base; echo new >/data/new' >/dev/null
	out=$($S run --rm -v iv:/data "$IMG" 2>&1 | tr '\n' ' ')
	[ "$out" = "new top " ] && ok "a non-empty volume is not copied into again" || notok "again: $out"
	$S rm -v img1 >/dev/null; $S volume rm iv >/dev/null
	[ -z "$($S volume ls -q)" ] && ok "rm -v of the image container removes its anonymous volume" || notok "left: $(vols)"
else
	notok "docker-registry and skopeo are needed for the image VOLUME checks (make deps)"
fi
grep -i "error\|assert" "$T/daemon.log" | grep -v "volume" | head -5 | while read -r l; do info "daemon: $l"; done
finish
