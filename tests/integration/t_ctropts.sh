#!/usr/bin/env bash
# Process and kernel options of run/create on the real kernel: --ulimit
# (seen by ulimit inside), --sysctl (namespaced only, in the container's
# namespaces, the host's untouched), --shm-size, --oom-score-adj,
# --group-add, --cpu-period/--cpu-quota/--cpuset-mems/--memory-swappiness
# (in the cgroup's files, inspect, update); bad input names the flag and
# value and leaves no container.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"

start_daemon || { notok "skiffd starts"; exit 1; }

out=$($S run --rm --rootfs "$R" --ulimit nofile=1024:2048 --ulimit nproc=300 --ulimit core=-1 sh -c \
	'ulimit -n; ulimit -Hn; ulimit -u; ulimit -c' 2>&1)
[ "$(echo $out)" = "1024 2048 300 unlimited" ] && ok "--ulimit nofile=1024:2048, nproc=300, core=-1 ($(echo $out))" || notok "ulimit: $out"

host_somax=$(cat /proc/sys/net/core/somaxconn)
out=$($S run --rm --rootfs "$R" --sysctl net.core.somaxconn=1234 --sysctl kernel.shmmax=123456789 \
	--sysctl fs.mqueue.msg_max=20 sh -c \
	'cat /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max' 2>&1)
[ "$(echo $out)" = "1234 123456789 20" ] && [ "$(cat /proc/sys/net/core/somaxconn)" = "$host_somax" ] &&
	ok "--sysctl net.*, kernel.shmmax, fs.mqueue.* in the container's namespaces, the host's kept ($host_somax)" || notok "sysctl: $out"
out=$($S run --rm --rootfs "$R" --sysctl net.ipv4.ip_forward=1 cat /proc/sys/net/ipv4/ip_forward 2>&1)
[ "$out" = 1 ] && ok "--sysctl net.ipv4.ip_forward=1" || notok "ip_forward: $out"

out=$($S run --rm --rootfs "$R" --shm-size 8m sh -c 'grep " /dev/shm " /proc/mounts' 2>&1)
case $out in *size=8192k*) ok "--shm-size 8m" ;; *) notok "shm: $out" ;; esac
out=$($S run --rm --rootfs "$R" sh -c 'grep " /dev/shm " /proc/mounts' 2>&1)
case $out in *size=65536k*) ok "/dev/shm is 64m by default" ;; *) notok "shm default: $out" ;; esac
out=$($S run --rm --rootfs "$R" --oom-score-adj 500 cat /proc/self/oom_score_adj 2>&1)
[ "$out" = 500 ] && ok "--oom-score-adj 500" || notok "oom: $out"
out=$($S run --rm --rootfs "$R" --group-add 123 --group-add staff id 2>&1)
[ "$out" = "uid=0(root) gid=0(root) groups=50(staff),123" ] && ok "--group-add 123 and staff ($out)" || notok "group-add: $out"
out=$($S run --rm --rootfs "$R" -u nobody --group-add 7 id 2>&1)
[ "$out" = "uid=65534(nobody) gid=65534(nogroup) groups=7,50(staff)" ] && ok "--group-add with -u: the user's groups kept ($out)" || notok "group-add -u: $out"

# cgroup limits: the host's files of the container's cgroup.
cgfile() { # CONTROLLER FILE ID
	local f
	for f in "/sys/fs/cgroup/$1/skiff/$3/$2" "/sys/fs/cgroup/skiff/$3/$2"; do
		[ -f "$f" ] && { cat "$f"; return; }
	done
	echo "no $2"
}
id=$($S run -d --rootfs "$R" --cpu-period 50000 --cpu-quota 25000 --cpuset-mems 0 --memory-swappiness 10 sleep 600)
if [ -d /sys/fs/cgroup/cpu ]; then
	got="$(cgfile cpu cpu.cfs_period_us "$id") $(cgfile cpu cpu.cfs_quota_us "$id") $(cgfile cpuset cpuset.mems "$id") $(cgfile memory memory.swappiness "$id")"
	want="50000 25000 0 10"
else
	got="$(cgfile . cpu.max "$id") $(cgfile . cpuset.mems "$id")"
	want="25000 50000 0"
fi
[ "$got" = "$want" ] && ok "--cpu-period, --cpu-quota, --cpuset-mems, --memory-swappiness in the cgroup ($got)" || notok "cgroup: $got != $want"
h=$($S --json inspect "$id")
[ "$(echo "$h" | json_get HostConfig.CpuPeriod) $(echo "$h" | json_get HostConfig.CpuQuota) $(echo "$h" | json_get HostConfig.CpusetMems)" = "50000 25000 0" ] &&
	ok "inspect shows CpuPeriod, CpuQuota, CpusetMems" || notok "inspect: $(echo "$h" | json_get HostConfig)"
$S update --cpu-quota 30000 "$id" >/dev/null
q=$( [ -d /sys/fs/cgroup/cpu ] && cgfile cpu cpu.cfs_quota_us "$id" || cgfile . cpu.max "$id")
case $q in 30000*) ok "update --cpu-quota 30000" ;; *) notok "update quota: $q" ;; esac
$S rm -f "$id" >/dev/null

out=$($S run --rm --rootfs "$R" --isolation default --kernel-memory 10m --volume-driver local true 2>&1) &&
	ok "--isolation default, --kernel-memory (ignored, as Docker), --volume-driver local accepted" || notok "accepted flags: $out"
n0=$($S ps -a -q | wc -l)
while IFS='|' read -r flag val; do
	if out=$($S run --rootfs "$R" $flag "$val" true 2>&1); then
		notok "accepted: $flag '$val'"
	else
		case $out in *"${flag##* }"*"$val"*) ok "refused: $flag '$val' -> ${out#skiff: }" ;; *) notok "message for $flag '$val': $out" ;; esac
	fi
done <<BAD
--ulimit|nofile=2048:1024
--ulimit|nofile=abc
--ulimit|bogus=1
--ulimit|nofile
--ulimit|nofile=99999999999
--sysctl|vm.swappiness=10
--sysctl|kernel.hostname=x
--sysctl|net.ipv4.ip_forward
--network host --sysctl|net.ipv4.ip_forward=1
--oom-score-adj|1001
--group-add|a:b
--memory-swappiness|101
--cpuset-mems|0-x
--isolation|hyperv
--gpus|all
--storage-opt|size=1G
--volume-driver|nfs
BAD
out=$($S run --rootfs "$R" --cpus 1 --cpu-quota 1000 true 2>&1) && notok "--cpus with --cpu-quota accepted" ||
	{ case $out in *--cpus*--cpu-quota*) ok "refused: --cpus with --cpu-quota -> ${out#skiff: }" ;; *) notok "conflict: $out" ;; esac; }
out=$($S run --rm --rootfs "$R" --group-add nosuchgroup true 2>&1) && notok "unknown group accepted" ||
	{ case $out in *nosuchgroup*) ok "an unknown --group-add name fails the start ($out)" ;; *) notok "unknown group: $out" ;; esac; }
[ "$($S ps -a -q | wc -l)" -eq "$n0" ] && ok "refused runs leave no container" || notok "containers left"
finish
