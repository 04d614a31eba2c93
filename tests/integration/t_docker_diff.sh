#!/usr/bin/env bash
# skiff beside real Docker (Debian's docker.io 20.10): one busybox image
# loaded into both, the same containers made in both, then the outputs of
# a list of Go templates, inspect paths and tables compared; ids and
# times by shape. The key sets of ps, images and inspect are compared
# too: every key skiff writes is one Docker writes (skiff's own are
# under "Skiff"), and the keys a script is likely to read are in both.
# dockerd runs here with its own data root, exec root, pid file and
# socket, no bridge and no iptables, and is stopped by its pid.
# Skipped when docker.io is not installed; a dockerd that cannot start
# is a failure.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
DOCKERD=/usr/sbin/dockerd DOCKER=/usr/bin/docker
if [ ! -x "$DOCKERD" ] || [ ! -x "$DOCKER" ]; then
	ok "# SKIP docker.io is not installed"
	finish
fi
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
command -v skopeo >/dev/null || { notok "skopeo is not installed (make deps)"; finish; }

# ---- dockerd of our own ----
DK=$T/dk
mkdir -p "$DK"
DKPID=
dk_stop() {
	[ -n "$DKPID" ] || return 0
	D ps -aq 2>/dev/null | xargs -r "$DOCKER" -H "unix://$DK/sock" rm -f >/dev/null 2>&1
	stop_pid "$DKPID"
	DKPID=
	# what a killed dockerd may leave mounted under its roots
	grep -o " $DK/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
}
D() { "$DOCKER" -H "unix://$DK/sock" "$@"; }
trap 'dk_stop; cleanup' EXIT
"$DOCKERD" --data-root "$DK/data" --exec-root "$DK/exec" --pidfile "$DK/pid" \
	-H "unix://$DK/sock" --bridge none --iptables=false --ip6tables=false \
	--ip-masq=false --userland-proxy=false >"$DK/log" 2>&1 &
DKPID=$!
dk_up() { D version >/dev/null 2>&1; }
if ! wait_for 60 dk_up; then
	notok "dockerd starts: $(tail -5 "$DK/log")"
	finish
fi
ok "dockerd $(D version --format '{{.Server.Version}}') runs on its own socket"

# ---- one image, loaded into both ----
make_rootfs "$T/rootfs"
tar -C "$T/rootfs" -cf "$T/l1.tar" .
OCI_IMAGE_CMD=sh OCI_IMAGE_WORKDIR= OCI_IMAGE_LABELS='img.a=1' \
	"$H" write "$T/oci" img "$T/l1.tar" >/dev/null 2>"$T/err" &&
	skopeo --insecure-policy copy -q "oci:$T/oci:img" "docker-archive:$T/img.tar:diffbox:1" ||
	{ notok "make the image: $(cat "$T/err")"; finish; }
start_daemon || { notok "skiffd starts"; finish; }
D load -i "$T/img.tar" >/dev/null && $S load -i "$T/img.tar" >/dev/null &&
	ok "the image loads into both" || { notok "load"; finish; }

# ---- the same containers in both ----
# c1 running with a label, env and a restart policy; c2 created; c3
# exited 3; c4 with a volume and a healthcheck
for X in D "$S"; do
	$X create --network none --name c1 -l a=b -e X=1 --restart on-failure:2 diffbox:1 sh -c 'sleep 1000' >/dev/null &&
		$X start c1 >/dev/null &&
		$X create --network none --name c2 diffbox:1 echo hello world from a long command line >/dev/null &&
		$X run --network none --name c3 diffbox:1 sh -c 'exit 3' >/dev/null 2>&1
	$X run -d --network none --name c4 -v dvol:/data --health-cmd true --health-interval 1s diffbox:1 sleep 1000 >/dev/null ||
		notok "create the containers with $X"
done
sleep 2.5 # c4's first probes

# Values that legitimately differ are put in a shape: hex ids, times,
# pids, durations, paths under each engine's root.
norm() {
	sed -E -e 's/[0-9a-f]{64}/<ID64>/g' -e 's/\b[0-9a-f]{12}\b/<ID12>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?(Z|[+-][0-9:]{5})/<TIME>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{4} [A-Z]+/<LOCALTIME>/g' \
		-e 's/(Less than a second|About an? [a-z]+|[0-9]+ [a-z]+)( ago)?/<DUR>\2/g' \
		-e 's/^[1-9][0-9]*$/<PID>/' -e "s|$DK/data|<ROOT>|g; s|$T/root|<ROOT>|g"
}
# same WHAT CMD...: the output of CMD in both, compared after norm
same() {
	local what=$1 d s
	shift
	d=$("$DOCKER" -H "unix://$DK/sock" "$@" 2>&1 | norm)
	s=$("$S" "$@" 2>&1 | norm)
	if [ "$d" = "$s" ]; then
		ok "$what: $(echo "$s" | head -c 120 | tr '\n' '|')"
	else
		notok "$what: docker [$d] skiff [$s]"
	fi
}

# ---- inspect -f: templates and paths ----
while IFS='|' read -r ctr tmpl; do
	[ -n "$ctr" ] && same "inspect -f '$tmpl' $ctr" inspect -f "$tmpl" "$ctr"
done <<'EOF'
c1|{{.Name}}
c1|{{.Id}}
c1|{{.Created}}
c1|{{.Path}} {{json .Args}}
c1|{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.State.Restarting}} {{.State.Dead}}
c1|{{.State.Pid}}
c1|{{.State.ExitCode}} {{.State.OOMKilled}} {{printf "%q" .State.Error}}
c1|{{.State.StartedAt}} {{.State.FinishedAt}}
c1|{{.Image}}
c1|{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}
c1|{{json .Config.Labels}} {{index .Config.Labels "a"}}
c1|{{.Config.Image}} {{json .Config.Cmd}} {{json .Config.Entrypoint}}
c1|{{range .Config.Env}}{{println .}}{{end}}
c1|{{.Config.Hostname}} {{.Config.Tty}} {{.Config.OpenStdin}} {{printf "%q" .Config.WorkingDir}}
c1|{{.HostConfig.NetworkMode}} {{.HostConfig.AutoRemove}} {{.HostConfig.Memory}} {{.HostConfig.CpuShares}}
c1|{{range .NetworkSettings.Networks}}[{{.IPAddress}}]{{end}} {{json .NetworkSettings.Ports}}
c1|{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}
c1|{{len .Mounts}} {{json .HostConfig.Binds}}
c1|{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}}
c1|{{.Config.Labels.a | upper}} {{.Name | printf "%.3s"}} {{join .Args ","}}
c1|{{if .State.Running}}up{{else}}down{{end}} {{with .State}}{{.Status}}{{end}}
c2|{{.State.Status}} {{.State.Pid}} {{.State.StartedAt}}
c2|{{json .Args}}
c3|{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}
c4|{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}} {{.Driver}}{{end}}
c4|{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{(index .State.Health.Log 0).ExitCode}}
c4|{{json .Config.Healthcheck.Test}}
c4|{{json .HostConfig.Binds}}
EOF

# errors: a missing field, an unparseable template
d=$(D inspect -f '{{.Foo}}' c1 2>&1); drc=$?
s=$($S inspect -f '{{.Foo}}' c1 2>&1); src=$?
[ $drc -ne 0 ] && [ $src -ne 0 ] && [ "${d#*template: }" = "${s#*template: }" ] &&
	ok "a missing field fails in both: ${s#*template: }" || notok "missing field: docker $drc [$d] skiff $src [$s]"
d=$(D inspect -f '{{.State.Pid' c1 2>&1); drc=$?
s=$($S inspect -f '{{.State.Pid' c1 2>&1); src=$?
[ $drc = $src ] && [ "${d#*template: }" = "${s#*template: }" ] &&
	ok "an unparseable template: exit $src, ${s#*template: }" || notok "parse error: docker $drc [$d] skiff $src [$s]"
$S ping >/dev/null && ok "skiffd unaffected" || notok "skiffd after template errors"

# ---- ps and images ----
# labels_sorted FORMAT: for {{.Labels}}, each line's comma-joined items
# in sorted order; other formats pass through
labels_sorted() {
	if [ "$1" = '{{.Labels}}' ]; then
		python3 -c 'import sys
for l in sys.stdin.read().splitlines(): print(",".join(sorted(l.split(","))))'
	else
		cat
	fi
}
for f in '{{.Names}} {{.Image}} {{.Command}} {{.State}}' '{{.Status}}' '{{.Labels}}' '{{.Networks}} {{.Ports}} {{.Mounts}} {{.LocalVolumes}}' \
	'{{.ID}} {{.CreatedAt}} {{.RunningFor}}' 'table {{.Names}}\t{{.Command}}' '{{.Names}} {{.Image | upper}}'; do
	# (.Labels joins k=v with "," in Go's map order, a random one:
	# each line's items are sorted before comparing)
	d=$(D ps -a --format "$f" | norm | labels_sorted "$f" | sort) s=$($S ps -a --format "$f" | norm | labels_sorted "$f" | sort)
	[ "$d" = "$s" ] && ok "ps -a --format '$f'" || notok "ps -a --format '$f': docker [$d] skiff [$s]"
done
for flt in status=exited exited=3 name=c1 label=a=b ancestor=diffbox:1 volume=dvol network=none health=healthy before=c3 since=c2; do
	d=$(D ps -a --filter "$flt" --format '{{.Names}}' | sort | tr '\n' ' ')
	s=$($S ps -a --filter "$flt" --format '{{.Names}}' | sort | tr '\n' ' ')
	[ "$d" = "$s" ] && ok "ps --filter $flt: $s" || notok "ps --filter $flt: docker [$d] skiff [$s]"
done
same "ps -n 2 -q (ids by shape)" ps -n 2 -q
d=$(D ps -l --format '{{.Names}}') s=$($S ps -l --format '{{.Names}}')
[ "$d" = "$s" ] && ok "ps -l: $s" || notok "ps -l: docker [$d] skiff [$s]"
# (squeezed: the widths follow the values, "About a minute ago" or not)
d=$(D ps -a | head -1 | tr -s ' ') s=$($S ps -a | head -1 | tr -s ' ')
[ "$d" = "$s" ] && ok "ps's header: $s" || notok "ps header: docker [$d] skiff [$s]"
same "images --format" images --format '{{.Repository}} {{.Tag}} {{.ID}} {{.CreatedAt}} {{.CreatedSince}}'
d=$(D images | head -1) s=$($S images | head -1)
[ "$d" = "$s" ] && ok "images' header: $s" || notok "images header: docker [$d] skiff [$s]"
same "images table" images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}'

# ps -s: a SIZE column, "RW (virtual ROOTFS)" (sizes by shape: skiff
# counts disk blocks as du does, Docker the files' bytes)
d=$(D ps -s | head -1 | tr -s ' ') s=$($S ps -s | head -1 | tr -s ' ')
[ "$d" = "$s" ] && ok "ps -s's header: $s" || notok "ps -s header: docker [$d] skiff [$s]"
szn() { sed -E 's/[0-9.]+[kMGT]?B/<SIZE>/g'; }
d=$(D ps -a -s --format '{{.Names}} {{.Size}}' | szn | sort) s=$($S ps -a -s --format '{{.Names}} {{.Size}}' | szn | sort)
[ "$d" = "$s" ] && ok "ps -a -s --format '{{.Names}} {{.Size}}': $(echo "$s" | tr '\n' '|')" || notok "ps -s: docker [$d] skiff [$s]"

# ---- key sets ----
# keys PREFIX JSON: the dotted key paths of a JSON value (2 levels)
keys() {
	python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
d = d[0] if isinstance(d, list) else d
out = set()
for k, v in d.items():
    out.add(k)
    if isinstance(v, dict) and k not in ("Labels", "Networks", "ExposedPorts", "Skiff"):
        out.update(k + "." + k2 for k2 in v)
print(" ".join(sorted(out)))'
}
# keycmp WHAT NEED: skiff writes no key Docker lacks; NEED are in both
keycmp() {
	local what=$1 need=$2 extra missing
	extra=$(comm -13 <(tr ' ' '\n' <<<"$dkeys") <(tr ' ' '\n' <<<"$skeys") | grep -v '^Skiff$' | tr '\n' ' ')
	missing=$(for k in $need; do tr ' ' '\n' <<<"$skeys" | grep -qx "$k" || echo -n "$k "; done)
	absent=$(comm -23 <(tr ' ' '\n' <<<"$dkeys") <(tr ' ' '\n' <<<"$skeys") | wc -l)
	[ -z "$extra$missing" ] && ok "$what keys: none invented, the common ones there ($absent of Docker's absent)" ||
		notok "$what keys: invented [$extra] missing [$missing]"
}
dkeys=$(D inspect c1 | keys) skeys=$($S inspect c1 | keys)
keycmp "inspect" "Id Created Path Args State Image Name RestartCount LogPath HostConfig Mounts Config NetworkSettings
	State.Status State.Running State.Paused State.Restarting State.OOMKilled State.Dead State.Pid State.ExitCode State.Error State.StartedAt State.FinishedAt
	Config.Hostname Config.User Config.Env Config.Cmd Config.Image Config.WorkingDir Config.Entrypoint Config.Labels Config.Tty Config.OpenStdin
	HostConfig.RestartPolicy HostConfig.Binds HostConfig.NetworkMode HostConfig.Memory HostConfig.PortBindings
	NetworkSettings.Networks NetworkSettings.IPAddress NetworkSettings.Ports"
dkeys=$(D ps -a --format '{{json .}}' | head -1 | keys) skeys=$($S ps -a --format json | head -1 | keys)
keycmp "ps" "Command CreatedAt ID Image Labels Mounts Names Networks Ports RunningFor State Status"
dkeys=$(D images --format '{{json .}}' | head -1 | keys) skeys=$($S images --format json | head -1 | keys)
keycmp "images" "CreatedAt CreatedSince ID Repository Size Tag"

# ---- images: image inspect (and inspect, which finds an image too) ----
while IFS='|' read -r verb tmpl; do
	[ -n "$verb" ] && same "$verb -f '$tmpl' diffbox:1" $verb -f "$tmpl" diffbox:1
done <<'EOF'
image inspect|{{.Id}} {{json .RepoTags}} {{json .RepoDigests}}
image inspect|{{.Created}} {{.Architecture}} {{.Os}} {{printf "%q" .Author}} {{printf "%q" .Parent}} {{printf "%q" .Comment}}
image inspect|{{json .Config.Cmd}} {{json .Config.Entrypoint}} {{json .Config.Env}} {{json .Config.Labels}}
image inspect|{{json .Config.ExposedPorts}} {{printf "%q" .Config.WorkingDir}} {{printf "%q" .Config.User}} {{json .Config.Volumes}} {{.Config.Tty}}
image inspect|{{.RootFS.Type}} {{range .RootFS.Layers}}{{.}}{{end}} {{len .RootFS.Layers}}
image inspect|{{.Size}}
image inspect|{{json .Metadata}} {{index .Config.Labels "img.a"}}
inspect|{{.Id}} {{index .RepoTags 0}} {{.Config.Cmd}}
EOF
dkeys=$(D image inspect diffbox:1 | keys) skeys=$($S image inspect diffbox:1 | keys)
keycmp "image inspect" "Id RepoTags RepoDigests Parent Comment Created Author Config Architecture Os Size VirtualSize GraphDriver RootFS Metadata
	Config.Cmd Config.Env Config.Entrypoint Config.Labels Config.ExposedPorts Config.WorkingDir Config.User Config.Volumes
	RootFS.Type RootFS.Layers GraphDriver.Name GraphDriver.Data Metadata.LastTagTime"
[ "$(D inspect diffbox:1 | keys)" = "$dkeys" ] && [ "$($S inspect diffbox:1 | keys)" = "$skeys" ] &&
	ok "inspect of an image is image inspect's" || notok "inspect IMAGE: $($S inspect diffbox:1 2>&1 | head -5)"
for args in "image inspect nosuch" "inspect nosuch" "inspect c1 nosuch"; do
	d=$(D $args 2>&1 >/dev/null); drc=$?
	s=$($S $args 2>&1 >/dev/null); src=$?
	[ $drc = $src ] && ok "$args: exit $src, $s" || notok "$args: docker $drc [$d] skiff $src [$s]"
done
d=$(D inspect -f '{{.Name}}' c1 nosuch 2>/dev/null) s=$($S inspect -f '{{.Name}}' c1 nosuch 2>/dev/null)
[ "$d" = "$s" ] && ok "inspect shows what it finds beside what it does not: $s" || notok "inspect c1 nosuch: docker [$d] skiff [$s]"

# ---- version and info: Docker's keys ----
same "version -f (Os/Arch)" version -f '{{.Server.Os}}/{{.Server.Arch}} {{.Client.Os}}/{{.Client.Arch}} {{(index .Server.Components 0).Name}}'
same "info -f (host)" info -f '{{.NCPU}} {{.OSType}} {{.Architecture}} {{.KernelVersion}} {{.OperatingSystem}} {{.OSVersion}} {{.MemTotal}} {{.Name}} {{.IPv4Forwarding}}'
same "info -f (counts)" info -f '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}}'
same "info -f (cgroups, logs)" info -f '{{.CgroupDriver}} {{.CgroupVersion}} {{.LoggingDriver}} {{.MemoryLimit}} {{.PidsLimit}} {{.CPUShares}} {{json .Labels}}'
same "info -f (times, paths)" info -f '{{.SystemTime}} {{index (index .DriverStatus 0) 0}}'
dkeys=$(D info --format '{{json .}}' | keys) skeys=$($S info --format json | keys)
keycmp "info" "Containers ContainersRunning ContainersPaused ContainersStopped Images Driver DriverStatus KernelVersion OperatingSystem
	OSType Architecture NCPU MemTotal Name ServerVersion DockerRootDir LoggingDriver CgroupDriver CgroupVersion SystemTime LiveRestoreEnabled"
dkeys=$(D version --format '{{json .}}' | keys) skeys=$($S version --format json | keys)
keycmp "version" "Client Server Client.Version Client.ApiVersion Client.GitCommit Client.Os Client.Arch
	Server.Version Server.ApiVersion Server.MinAPIVersion Server.GitCommit Server.Os Server.Arch Server.KernelVersion Server.Components Server.Platform"
d=$(D version -f '{{.Server.Foo}}' 2>&1); drc=$?
s=$($S version -f '{{.Server.Foo}}' 2>&1); src=$?
[ $drc = $src ] && ok "version -f with a missing field exits $src" || notok "version -f missing: docker $drc [$d] skiff $src [$s]"

# system df: Docker's rows and words (skiff's extra row of partial
# downloads aside; sizes are measured differently)
d=$(D system df --format '{{.Type}} {{.TotalCount}} {{.Active}}')
s=$($S system df --format '{{.Type}} {{.TotalCount}} {{.Active}}' | grep -v '^Partial downloads')
[ "$d" = "$s" ] && ok "system df --format: $(echo "$s" | tr '\n' '|')" || notok "system df --format: docker [$d] skiff [$s]"
d=$(D system df | head -1 | tr -s ' ') s=$($S system df | head -1 | tr -s ' ')
[ "$d" = "$s" ] && ok "system df's header: $s" || notok "system df header: docker [$d] skiff [$s]"
dkeys=$(D system df --format '{{json .}}' | head -1 | keys) skeys=$($S system df --format json | head -1 | keys)
keycmp "system df" "Type TotalCount Active Size Reclaimable"

# ---- words, tables and messages ----
d=$(D rmi diffbox:1 2>&1); drc=$?
s=$($S rmi diffbox:1 2>&1); src=$?
[ $drc -ne 0 ] && [ $src -ne 0 ] && [ "$(echo "${d#*daemon: }" | norm)" = "$(echo "${s#skiff: }" | norm)" ] &&
	ok "rmi of an image in use: ${s#skiff: }" || notok "rmi refusal: docker [$d] skiff [$s]"
# exit codes of run and exec; -e NAME takes the client's value
for cmd in nonexistent /etc; do
	D run --rm --network none diffbox:1 $cmd >/dev/null 2>&1; drc=$?
	$S run --rm --network none diffbox:1 $cmd >/dev/null 2>&1; src=$?
	[ $drc = $src ] && ok "run of $cmd exits $src" || notok "run $cmd: docker $drc skiff $src"
	D exec c1 $cmd >/dev/null 2>&1; drc=$?
	$S exec c1 $cmd >/dev/null 2>&1; src=$?
	[ $drc = $src ] && ok "exec of $cmd exits $src" || notok "exec $cmd: docker $drc skiff $src"
done
export FROMCLIENT=yes
unset NOTSET
same "-e NAME: the client's value, or nothing" run --rm --network none -e FROMCLIENT -e NOTSET diffbox:1 sh -c 'echo "$FROMCLIENT ${NOTSET-unset}"'
same "container ls (management form)" container ls -a --format '{{.Names}}'
same "image ls (management form)" image ls --format '{{.Repository}}:{{.Tag}}'
# refusals: the same exit codes (a running container is not removed)
for args in "stop nosuch" "start nosuch" "wait nosuch" "logs nosuch" "kill nosuch" "restart nosuch" "pause nosuch" "rm nosuch" "rm c1" "rmi nosuch" "port nosuch"; do
	d=$(D $args 2>&1); drc=$?
	s=$($S $args 2>&1); src=$?
	[ $drc = $src ] && ok "$args exits $src: $(echo "$s" | head -1)" || notok "$args: docker $drc [$d] skiff $src [$s]"
done
[ "$($S inspect -f '{{.State.Running}}' c1)" = true ] && ok "rm of a running container leaves it" || notok "rm c1 removed it"
for X in D "$S"; do $X rm -f c1 c2 c3 c4 >/dev/null; done
# (Docker deletes the layer too: one more Deleted: line)
d=$(D rmi diffbox:1 2>&1 | head -2 | norm) s=$($S rmi diffbox:1 2>&1 | head -2 | norm)
[ "$d" = "$s" ] && ok "rmi says Untagged: and Deleted: $(echo "$s" | tr '\n' '|')" || notok "rmi: docker [$d] skiff [$s]"
finish
