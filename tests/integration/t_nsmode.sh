#!/usr/bin/env bash
# Namespace sharing on the real kernel: --pid container:X sees X's
# processes, --pid host the host's; --ipc shareable + --ipc container:X
# share a SysV segment (not /dev/shm yet), a private container sees neither;
# --ipc none has no /dev/shm, --ipc host the host's; --uts host the
# host's name; bad modes, a missing or stopped donor, a non-shareable
# donor are refused naming the flag.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
R=$T/rootfs
make_rootfs "$R"
cat >"$T/shmmk.c" <<'C'
#include <stdio.h>
#include <sys/shm.h>
int main(int c, char **v) { int id = shmget(0x5c1ff, 4096, c > 1 ? 0 : IPC_CREAT | 0600); printf("%d\n", id); return id < 0; }
C
have_cc=; gcc -static -O2 -o "$R/bin/shmmk" "$T/shmmk.c" 2>/dev/null && have_cc=1

start_daemon || { notok "skiffd starts"; exit 1; }

$S run -d --rootfs "$R" --name donor --ipc shareable sleep 600 >/dev/null &&
	ok "a shareable donor runs" || notok "donor"
$S run -d --rootfs "$R" --name private sleep 600 >/dev/null
sleep 0.3
out=$($S run --rm --rootfs "$R" --pid container:donor ps -o comm 2>&1)
echo "$out" | grep -qx sleep && ok "--pid container:donor sees donor's sleep" || notok "pid join: $out"
[ "$($S run --rm --rootfs "$R" cat /proc/1/comm)" = cat ] && ok "without --pid the program is PID 1" || notok "own pid ns"
hostinit=$(cat /proc/1/comm)
out=$($S run --rm --rootfs "$R" --pid host cat /proc/1/comm 2>&1)
[ "$out" = "$hostinit" ] && ok "--pid host: PID 1 is the host's $hostinit" || notok "pid host: $out"

if [ -n "$have_cc" ]; then
	$S exec donor shmmk >/dev/null && ok "a SysV segment made in donor" || notok "shmmk"
	out=$($S run --rm --rootfs "$R" --ipc container:donor shmmk get 2>&1) &&
		ok "--ipc container:donor sees donor's segment" || notok "ipc join: $out"
	out=$($S run --rm --rootfs "$R" shmmk get 2>&1) && notok "a private container sees it: $out" ||
		ok "a private container does not see it"
else
	info "no gcc: the SysV check is skipped"
fi
# Not yet: donor's /dev/shm (a tmpfs in its own mount namespace, which
# the kernel does not bind across namespaces) is not shared.
n=$($S run --rm --rootfs "$R" --ipc none sh -c 'grep -c " /dev/shm " /proc/mounts' 2>&1)
[ "$n" = 0 ] && ok "--ipc none: no /dev/shm" || notok "ipc none: $n"
echo "host$$" >/dev/shm/skiff-t-$$
out=$($S run --rm --rootfs "$R" --ipc host cat /dev/shm/skiff-t-$$ 2>&1)
rm -f /dev/shm/skiff-t-$$
[ "$out" = "host$$" ] && ok "--ipc host: the host's /dev/shm" || notok "ipc host: $out"
out=$($S run --rm --rootfs "$R" --uts host hostname 2>&1)
[ "$out" = "$(hostname)" ] && ok "--uts host: the host's name ($out)" || notok "uts host: $out"

out=$($S run --rm --rootfs "$R" --cgroupns host cat /proc/self/cgroup 2>&1)
case $out in *skiff/*) ok "--cgroupns host: the host's cgroup paths" ;; *) notok "cgroupns host: $out" ;; esac
out=$($S run --rm --rootfs "$R" cat /proc/self/cgroup 2>&1)
case $out in *skiff/*) notok "private cgroupns shows host paths: $out" ;; *) ok "by default the container's cgroup is its root" ;; esac
out=$($S run --rm --rootfs "$R" --domainname example.org cat /proc/sys/kernel/domainname 2>&1)
[ "$out" = example.org ] && ok "--domainname example.org" || notok "domainname: $out"

# Refusals.
for args in "--pid bogus" "--pid container:nosuch$$" "--ipc bogus" "--ipc container:" "--uts private" \
	"--uts host -h box" "--uts host --domainname x" "--cgroupns bogus"; do
	# shellcheck disable=SC2086
	out=$($S run --rm --rootfs "$R" $args true 2>&1) && notok "accepted: $args" || {
		case $out in *"${args%% *}"*|*"${args##* }"*) ok "refused: $args -> ${out#skiff: }" ;; *) notok "message for $args: $out" ;; esac; }
done
out=$($S run --rm --rootfs "$R" --ipc container:private true 2>&1) && notok "joined a private ipc" ||
	{ case $out in *--ipc*private*shareable*) ok "a non-shareable donor is refused (${out#skiff: })" ;; *) notok "private donor: $out" ;; esac; }
$S create --rootfs "$R" --name joiner --pid container:donor true >/dev/null
$S stop -t 1 donor >/dev/null
out=$($S run --rm --rootfs "$R" --pid container:donor true 2>&1) && notok "joined a stopped donor" ||
	{ case $out in *--pid*"not running"*) ok "a stopped donor is refused (${out#skiff: })" ;; *) notok "stopped donor: $out" ;; esac; }
out=$($S start joiner 2>&1) && notok "started with a stopped donor" ||
	{ case $out in *--pid*"not running"*) ok "start refused once the donor stopped (${out#skiff: })" ;; *) notok "start joiner: $out" ;; esac; }
$S rm -f donor private joiner >/dev/null
[ "$($S ps -a -q | wc -l)" -eq 0 ] && ok "nothing left" || notok "containers left: $($S ps -a)"
finish
