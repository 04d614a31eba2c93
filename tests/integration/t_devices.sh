#!/usr/bin/env bash
# Devices through the skiff CLI on the real kernel: --device makes the
# host's node in the container (type, numbers, mode) and allows it in the
# device cgroup; without it a node the container makes itself (mknod is
# allowed, as in Docker) cannot be opened; --device-cgroup-rule allows
# one; --privileged allows all; bad input names the flag and value.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"

start_daemon || { notok "skiffd starts"; exit 1; }

out=$($S run --rm --rootfs "$R" --device /dev/null:/dev/mynull sh -c \
	'ls -l /dev/mynull; echo hi >/dev/mynull && echo wrote; cat /dev/mynull && echo read' 2>&1)
echo "$out" | grep -q '^crw-rw-rw- .* 1, *3 .*/dev/mynull' && echo "$out" | grep -q wrote && echo "$out" | grep -q read &&
	ok "--device /dev/null:/dev/mynull: a 1:3 node, written and read" || notok "mynull: $out"
# 10:237 is /dev/loop-control: opening it needs no capability, so only
# the device cgroup can refuse it.
try='mknod /tmp/lc c 10 237 && echo made; (exec 3</tmp/lc) 2>/dev/null && echo read || echo no-read;
	(exec 3>/tmp/lc) 2>/dev/null && echo write || echo no-write'
out=$($S run --rm --rootfs "$R" sh -c "mknod /tmp/zero c 1 5 && head -c 4 /tmp/zero | wc -c; $try" 2>&1)
[ "$(echo "$out" | tr '\n' ' ')" = "4 made no-read no-write " ] &&
	ok "without --device: mknod works, /dev/zero's numbers open, 10:237 is refused by the device cgroup" || notok "default: $out"
out=$($S run --rm --rootfs "$R" --device-cgroup-rule 'c 10:237 r' sh -c "$try" 2>&1)
[ "$(echo "$out" | tr '\n' ' ')" = "made read no-write " ] &&
	ok "--device-cgroup-rule 'c 10:237 r': read allowed, write still refused" || notok "rule: $out"
out=$($S run --rm --rootfs "$R" --device-cgroup-rule 'c *:* rwm' sh -c "$try" 2>&1)
[ "$(echo "$out" | tr '\n' ' ')" = "made read write " ] && ok "--device-cgroup-rule 'c *:* rwm'" || notok "rule all: $out"
out=$($S run --rm --rootfs "$R" --device /dev/loop-control:/dev/lc:r sh -c \
	'(exec 3</dev/lc) && echo read; (exec 3>/dev/lc) 2>/dev/null && echo write || echo no-write' 2>&1)
[ "$(echo "$out" | tr '\n' ' ')" = "read no-write " ] && ok "--device HOST:CTR:r is read-only" || notok "perm r: $out"
out=$($S run --rm --rootfs "$R" --privileged sh -c "$try" 2>&1)
[ "$(echo "$out" | tr '\n' ' ')" = "made read write " ] && ok "--privileged allows every device" || notok "privileged: $out"

# A loop device passed in is readable.
img=$T/loop.img
if head -c 1048576 /dev/urandom >"$img" && loopdev=$(losetup -f --show "$img" 2>/dev/null); then
	want=$(head -c 4096 "$img" | md5sum | cut -d' ' -f1)
	got=$($S run --rm --rootfs "$R" --device "$loopdev:/dev/xvda" sh -c 'head -c 4096 /dev/xvda | md5sum' 2>&1 | cut -d' ' -f1)
	losetup -d "$loopdev"
	[ "$got" = "$want" ] && ok "a loop device given with --device is readable" || notok "loop: $got != $want"
else
	info "no loop device here: skipped"
fi

# Bad input: the flag and the value named, no container left.
n0=$($S ps -a -q | wc -l)
while IFS='|' read -r flag val; do
	if out=$($S run --rootfs "$R" "$flag" "$val" true 2>&1); then
		notok "accepted: $flag '$val'"
	else
		case $out in *"$flag"*"$val"*) ok "refused: $flag '$val' -> ${out#skiff: }" ;; *) notok "message for $flag '$val': $out" ;; esac
	fi
done <<BAD
--device|/dev/nosuchdev$$
--device|/etc/passwd
--device|dev/null
--device|/dev/null:/dev/n:rwx
--device|/dev/null:dev/n
--device-cgroup-rule|c 1:3 rwmx
--device-cgroup-rule|x 1:3 r
--device-cgroup-rule|c 1:3
--device-cgroup-rule|c a:3 r
--device-cgroup-rule|c 1-3 r
BAD
[ "$($S ps -a -q | wc -l)" -eq "$n0" ] && ok "refused runs leave no container" || notok "containers left"
out=$($S create --rootfs "$R" --device /dev/null:/dev/mynull --name dk true) && $S start dk >/dev/null && [ "$($S wait dk)" = 0 ] &&
	$S --json inspect dk >"$T/insp" && ok "create + start with --device" || notok "create/start: $out"
$S rm -f dk >/dev/null 2>&1
finish
