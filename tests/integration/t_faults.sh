#!/usr/bin/env bash
# Faults found by probing pulls and state (issue 14), each against a
# registry that misbehaves on purpose (tests/helpers/fakereg.py, serving
# an image made here): a blob sent too slowly is cut by the minimum
# transfer rate, one that takes too long by the request deadline, and the
# error names the limit (registry-min-rate, registry-request-timeout).
# Transient errors (500/502/503/504, 429 with Retry-After, a reset
# connection) are retried with back-off (registry-retries,
# registry-retry-delay), a blob resumed with Range; giving up names the
# last status and the URL. A partial download counts in system df,
# image-prune takes it, and a pull that fills the disk (a small tmpfs)
# removes its own. A container whose state file does not parse
# is shown as dead (ps -a, inspect with the reason) and rm removes it
# with its files; the file's bytes are escaped in the log.
. "$TOP/tests/integration/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null

# the image: a small tar layer and a 256 KiB gzip layer of random bytes
mkdir -p "$T/l1/etc" "$T/l2"
echo hello >"$T/l1/etc/hello"
head -c $((256 << 10)) /dev/urandom >"$T/l2/big"
tar -C "$T/l1" -cf "$T/l1.tar" etc
tar -C "$T/l2" -cf "$T/l2.tar" big
gzip -1nc "$T/l2.tar" >"$T/l2.tar.gz"
"$H" write "$T/oci" img "$T/l1.tar" "$T/l2.tar.gz" "sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)" >/dev/null
big=sha256:$(sha256sum "$T/l2.tar.gz" | cut -d' ' -f1)

echo pass >"$T/ctl"
: >"$T/reqs"
exec 7> >(python3 "$TOP/tests/helpers/fakereg.py" "$T/oci" "$T/ctl" "$T/reqs" >"$T/reg.port" 2>"$T/reg.err")
track $!
wait_for 5 test -s "$T/reg.port" || { notok "fakereg starts: $(cat "$T/reg.err")"; finish; }
IMG=127.0.0.1:$(cat "$T/reg.port")/test/img
C=$T/root/content

# daemon CONFIG-JSON: (re)start skiffd with this config
daemon() {
	stop_daemon
	printf '%s\n' "$1" >"$T/cfg.json"
	start_daemon --config "$T/cfg.json" || notok "skiffd starts with $1"
}
# pulled N: the pull of tag N succeeded; reset the image for the next
pull_ok() { $S pull -q "$IMG:$1" >/dev/null 2>&1 && $S rmi "$IMG:$1" >/dev/null; }

# ---- 1. transfer rate and deadline ----
daemon '{"registry-min-rate": "4k", "registry-rate-window": "2s", "registry-retries": "0"}'
echo "slow 200" >"$T/ctl"
t0=$(date +%s%N)
out=$($S pull "$IMG:slow" 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 1 ] && echo "$out" | grep -q 'registry-min-rate' && [ $ms -lt 15000 ] &&
	ok "a blob sent at 200 B/s is cut by the minimum rate in $ms ms ($(echo "$out" | tail -1 | cut -c1-160))" ||
	notok "slow blob: rc=$rc ${ms}ms $out"
echo pass >"$T/ctl"
pull_ok slow2 && ok "the next pull at full speed works" || notok "pull after slow"

daemon '{"registry-min-rate": "1k", "registry-rate-window": "5s", "registry-request-timeout": "2s", "registry-retries": "0"}'
echo "slow 20000" >"$T/ctl"
t0=$(date +%s%N)
out=$($S pull "$IMG:deadline" 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 1 ] && echo "$out" | grep -q 'registry-request-timeout' && [ $ms -lt 10000 ] &&
	ok "a blob that takes longer than the request deadline is cut in $ms ms ($(echo "$out" | tail -1 | cut -c1-160))" ||
	notok "deadline: rc=$rc ${ms}ms $out"
echo pass >"$T/ctl"

out=$("$SKIFFD" --config <(echo '{"registry-min-rate": "fast"}') --root "$T/r2" --run-dir "$T/r2run" --sock "$T/s2" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "registry-min-rate\": expected" && ok "a bad registry-min-rate is refused ($out)" || notok "bad min-rate: rc=$rc $out"

# ---- 2. partial downloads and a full disk ----
# a partial left by a cut link: system df counts it, image-prune takes it
daemon '{"registry-retries": "0"}'
echo "reset 1 100000" >"$T/ctl"
$S pull "$IMG:cut" >/dev/null 2>&1 && notok "the cut pull should fail"
part=$(ls "$C/ingest" 2>/dev/null | head -1)
[ -n "$part" ] && ok "a cut pull leaves its partial ($part)" || notok "no partial: $(ls -la "$C/ingest")"
$S system df >"$T/df" 2>&1
grep -q '^Partial downloads *1 ' "$T/df" && ok "system df counts it ($(grep '^Partial' "$T/df" | tr -s ' '))" || notok "df: $(cat "$T/df")"
$S image-prune -a >/dev/null 2>&1
[ -z "$(ls -A "$C/ingest")" ] && ok "image-prune -a reclaims it" || notok "prune left: $(ls "$C/ingest")"
echo "reset 1 100000" >"$T/ctl"
# and image gc under disk pressure (free space "under" an absurd threshold)
$S pull "$IMG:cut2" >/dev/null 2>&1
echo pass >"$T/ctl"
[ -n "$(ls -A "$C/ingest")" ] || notok "no partial for gc"
daemon '{"image-gc-free": "1000000t", "image-gc-min-age": "1h"}'
wait_for 15 sh -c "[ -z \"\$(ls -A '$C/ingest')\" ]" && grep -q 'removed the partial download' "$T/daemon.log" &&
	ok "image gc removes a partial download when space is short" || notok "gc partial: $(ls "$C/ingest")"
# a pull that fills the disk removes its partial; the next one can work
stop_daemon
mkdir -p "$T/small"
if mount -t tmpfs -o size=160k tmpfs "$T/small"; then
	TR=$T/small/root
	"$SKIFFD" --root "$TR" --run-dir "$T/run2" --sock "$T/small.sock" 2>>"$T/daemon.log" &
	DPID=$!
	wait_sock "$T/small.sock" || notok "skiffd on a small tmpfs"
	out=$(SKIFF_SOCK=$T/small.sock $S pull "$IMG:full" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -qi 'no space' && ok "a pull that fills the disk fails: $(echo "$out" | tail -1 | cut -c1-150)" || notok "full: rc=$rc $out"
	[ -z "$(ls -A "$TR/content/ingest")" ] && ok "and leaves no partial in ingest/" || notok "full left: $(ls -la "$TR/content/ingest")"
	stop_daemon
	umount "$T/small"
else
	notok "mount a tmpfs"
fi
daemon '{}'

# ---- 3. retries of transient errors ----
daemon '{"registry-retries": "3", "registry-retry-delay": "100ms"}'
# nstatus CODE: how many requests the registry answered with CODE
nstatus() { awk -v c="$1" '$4 == c' "$T/reqs" | wc -l; }
for st in 500 502 503 504; do
	: >"$T/reqs"; echo "fail 2 $st blobs" >"$T/ctl"
	out=$($S pull "$IMG:r$st" 2>&1); rc=$?
	[ $rc -eq 0 ] && [ "$(nstatus "$st")" = 2 ] && ok "two $st answers to blobs are retried, the pull succeeds" ||
		notok "retry $st: rc=$rc $(nstatus "$st") $out"
	$S rmi "$IMG:r$st" >/dev/null 2>&1
done
: >"$T/reqs"; echo "fail 1 429 2 manifests" >"$T/ctl"
t0=$(date +%s%N)
out=$($S pull "$IMG:r429" 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 0 ] && [ "$(nstatus 429)" = 1 ] && [ $ms -ge 1900 ] && ok "a 429 with Retry-After: 2 is retried after it (${ms} ms)" ||
	notok "429: rc=$rc ${ms}ms $(cat "$T/reqs") $out"
$S rmi "$IMG:r429" >/dev/null 2>&1
: >"$T/reqs"; echo "reset 1 100000" >"$T/ctl"
out=$($S pull "$IMG:reset" 2>&1); rc=$?
# (from what arrived before the reset: up to 100000 bytes)
from=$(awk -v b="blobs/$big" 'index($2, b) && $4 == 206 { print $3 }' "$T/reqs")
[ $rc -eq 0 ] && [ "${from:-0}" -gt 0 ] && [ "$from" -le 100000 ] && ok "a connection reset mid-layer is resumed with Range from byte $from" ||
	notok "reset: rc=$rc $(cat "$T/reqs") $out"
[ "$(sha256sum "$C/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" = "${big#sha256:}" ] && ok "and the layer is stored right" || notok "reset layer wrong"
$S rmi "$IMG:reset" >/dev/null 2>&1
: >"$T/reqs"; echo "fail 99 503 $big" >"$T/ctl"
out=$($S pull "$IMG:down" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "layer $big: registry error (HTTP 503)" && echo "$out" | grep -q "http://127.0.0.1:.*/blobs/$big" &&
	echo "$out" | grep -q '4 attempts' && ! echo "$out" | grep -q canceled &&
	ok "a registry that keeps failing: the last status and the URL ($(echo "$out" | tail -1 | cut -c1-200))" ||
	notok "giving up: rc=$rc $out"
echo pass >"$T/ctl"
daemon '{"registry-retries": "0"}'
: >"$T/reqs"; echo "fail 1 502 manifests" >"$T/ctl"
out=$($S pull "$IMG:noretry" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(nstatus 502)" = 1 ] && echo "$out" | grep -q 'HTTP 502' && ok "registry-retries 0: no retry ($out)" || notok "no retry: rc=$rc $out"
echo pass >"$T/ctl"

# ---- 4. a container whose state file does not parse ----
make_rootfs "$T/rfs"
id=$($S create --name broken --rootfs "$T/rfs" true 2>&1)
$S create --name fine --rootfs "$T/rfs" true >/dev/null
mkdir -p "$T/root/containers/$id/upper"
echo left >"$T/root/containers/$id/upper/file"
stop_daemon
printf '{"name": "broken", "state": \033[31mred\001' >"$T/root/containers/$id.json"
start_daemon || notok "skiffd starts with a broken state file"
st=$($S --json inspect "$id" 2>&1 | json_get State.Status 2>&1)
why=$($S --json inspect "$id" 2>&1 | json_get State.Error 2>&1)
[ "$st" = dead ] && echo "$why" | grep -q 'does not parse' && ok "inspect: state dead, error: $why" || notok "inspect dead: $st $why"
$S ps -a 2>&1 | grep -q "^${id:0:12} .*Dead" && ok "ps -a lists it as Dead" || notok "ps -a: $($S ps -a 2>&1)"
grep -q $'\033' "$T/daemon.log" && notok "a raw escape byte of the file reached the log" || ok "the file's bytes are escaped in the log"
out=$($S start "$id" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q dead && ok "start of a dead container is refused: $out" || notok "start dead: rc=$rc $out"
out=$($S rm "$id" 2>&1); rc=$?
[ $rc -eq 0 ] && [ ! -e "$T/root/containers/$id" ] && [ -z "$(ls "$T/root/containers/" | grep "$id")" ] &&
	ok "rm removes it, its directory and its state file" || notok "rm dead: rc=$rc $out $(ls "$T/root/containers/")"
$S --json inspect "$id" >/dev/null 2>&1 && notok "still there after rm" || ok "then it is gone"
[ "$($S --json inspect fine | json_get State.Status)" = created ] && ok "the other container is untouched" || notok "fine: $($S inspect fine 2>&1)"
stop_daemon
start_daemon && [ "$($S ps -aq | wc -l)" = 1 ] && ok "after a restart only the good one is back" || notok "restart: $($S ps -a)"

exec 7>&-
finish
