#!/usr/bin/env bash
# compose up/down/ps/start/stop on real containers (issue 15): an app +
# db project from a busybox image loaded by `load`, skiffd in a network
# namespace of its own. up --scale app=2 makes PROJECT_default, the
# named volume and PROJECT-SERVICE-N containers with Docker's
# com.docker.compose.* labels, db turns healthy before app is created
# (depends_on: service_healthy), both app addresses answer behind the
# name "app"; up again changes nothing; an edited service is recreated
# alone; a smaller scale removes the extra container; a key skiff cannot
# honour is refused by name with nothing made; logs, pause, unpause,
# kill, rm; orphans are reported and
# removed when asked; three tiers on two networks isolate web from db;
# down -v leaves no container, network, volume or
# link behind.
. "$(dirname "$0")/lib.sh"
S=$SKIFF
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
command -v skopeo >/dev/null || { notok "skopeo is not installed (make deps)"; finish; }

make_rootfs "$T/rootfs"
for a in nc httpd nslookup; do ln -sf busybox "$T/rootfs/bin/$a"; done
tar -C "$T/rootfs" -cf "$T/l1.tar" .
OCI_IMAGE_CMD='sleep|300' "$H" write "$T/oci" bb "$T/l1.tar" >/dev/null 2>"$T/err" ||
	{ notok "oci_image write: $(cat "$T/err")"; finish; }
skopeo --insecure-policy copy -q "oci:$T/oci:bb" "oci-archive:$T/bb.tar:localhost/bb:1" ||
	{ notok "skopeo makes an oci-archive"; finish; }

unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$SKIFFD" \
	--root "$T/root" --run-dir "$T/run" --sock "$SOCK" 2>>"$T/daemon.log" &
DPID=$!
wait_sock "$SOCK" || { notok "skiffd starts"; finish; }
HOST() { nsenter -t "$DPID" -n "$@"; }
$S load -i "$T/bb.tar" >/dev/null || { notok "load the image"; finish; }

mkdir -p "$T/demo"
cd "$T/demo" || exit 1
write_compose() { # $1: app's extra environment line
	cat >compose.yaml <<YML
services:
  app:
    image: localhost/bb:1
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    init: true
    environment:
      DB_HOST: db
$1
    depends_on:
      db: {condition: service_healthy}
  db:
    image: localhost/bb:1
    command: ["sh", "-c", "echo db-ready; exec sleep 300"]
    init: true
    volumes: ["data:/data"]
    healthcheck:
      test: ["CMD", "test", "-d", "/data"]
      interval: 1s
volumes:
  data:
YML
}
write_compose ""
ids() { $S ps -a --no-trunc --format '{{.Names}} {{.ID}}' | sort; }
netnames() { $S network ls | awk 'NR > 1 {print $2}'; }
names() { $S ps -a --format '{{.Names}}' | sort | tr '\n' ' '; }

# ---- up ----
start=$(date +%s%N)
out=$($S compose up -d --scale app=2 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
info "up -d (3 containers, db healthy first): $ms ms"
[ "$(names)" = "demo-app-1 demo-app-2 demo-db-1 " ] && ok "up --scale app=2: PROJECT-SERVICE-N containers" || notok "up: $out / $(names)"
n_healthy=$(grep -n "Service db  Healthy" <<<"$out" | cut -d: -f1)
n_app=$(grep -n "Container demo-app-1  Created" <<<"$out" | cut -d: -f1)
[ -n "$n_healthy" ] && [ -n "$n_app" ] && [ "$n_healthy" -lt "$n_app" ] &&
	ok "app is created once db is healthy (service_healthy)" || notok "order: $out"
lab=$($S inspect --format '{{json .Config.Labels}}' demo-app-2)
for kv in '"com.docker.compose.project":"demo"' '"com.docker.compose.service":"app"' \
	'"com.docker.compose.container-number":"2"' '"com.docker.compose.oneoff":"False"'; do
	grep -qF "$kv" <<<"$lab" || notok "label $kv missing: $lab"
done
hash=$($S compose config --hash app | awk '{print $2}')
grep -qF "\"com.docker.compose.config-hash\":\"$hash\"" <<<"$lab" &&
	ok "the com.docker.compose.* labels, config-hash as config --hash prints it" || notok "labels: $lab (hash $hash)"
netnames | grep -qx demo_default && ok "the network demo_default" || notok "networks: $($S network ls)"
$S volume ls -q | grep -qx demo_data && ok "the named volume demo_data" || notok "volumes: $($S volume ls)"
out=$($S compose ps)
[ "$(grep -c ' Up ' <<<"$out")" = 3 ] && head -1 <<<"$out" | grep -q '^NAME  *IMAGE  *COMMAND  *SERVICE' &&
	ok "compose ps lists the project's containers with their service" || notok "ps: $out"

# ---- service names on the project network ----
ip1=$($S inspect --format '{{.NetworkSettings.Networks.demo_default.IPAddress}}' demo-app-1)
ip2=$($S inspect --format '{{.NetworkSettings.Networks.demo_default.IPAddress}}' demo-app-2)
got=$($S exec demo-db-1 nslookup app 2>&1 | sed -n '/^Name:/,$p' | awk '/^Address/ {print $NF}' | sort | tr '\n' ' ')
want=$(printf '%s\n' "$ip1" "$ip2" | sort | tr '\n' ' ')
[ -n "$ip1" ] && [ "$got" = "$want" ] && ok "the name app answers both scaled containers ($got)" || notok "nslookup app: '$got', want '$want'"
$S exec demo-app-1 sh -c "printf 'GET /passwd HTTP/1.0\r\n\r\n' | nc -w3 app 80" 2>/dev/null | grep -q '^root:' &&
	ok "a container reaches the service by its name" || notok "app by name"

# ---- up --wait, --wait-timeout ----
out=$($S compose up -d --wait --scale app=2 2>&1)
grep -q "Service db  Ready" <<<"$out" && grep -q "Service app  Ready" <<<"$out" && ok "up --wait: every service ready" || notok "wait: $out"
mkdir -p "$T/slow" && cat >"$T/slow/compose.yaml" <<'YML'
services:
  s:
    image: localhost/bb:1
    init: true
    healthcheck: {test: ["CMD", "false"], interval: 30s}
YML
start=$(date +%s%N)
out=$(cd "$T/slow" && $S compose up -d --wait --wait-timeout 1 2>&1)
rc=$? ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" != 0 ] && grep -q "wait-timeout" <<<"$out" && [ "$ms" -lt 5000 ] && ok "--wait-timeout 1 fails in time ($ms ms)" || notok "wait-timeout: rc $rc, $ms ms: $out"
(cd "$T/slow" && $S compose down >/dev/null 2>&1)

# ---- up again: nothing changes ----
before=$(ids)
out=$($S compose up -d --scale app=2 2>&1)
[ "$(ids)" = "$before" ] && ! grep -qE "Created|Recreated|Removed" <<<"$out" &&
	ok "up twice is a no-op" || notok "second up: $out"

# ---- an edited service is recreated alone ----
write_compose "      EDITED: \"1\""
out=$($S compose up -d --scale app=2 2>&1)
after=$(ids)
db_same=$([ "$(grep demo-db-1 <<<"$before")" = "$(grep demo-db-1 <<<"$after")" ] && echo y)
app_new=$([ "$(grep demo-app-1 <<<"$before")" != "$(grep demo-app-1 <<<"$after")" ] &&
	[ "$(grep demo-app-2 <<<"$before")" != "$(grep demo-app-2 <<<"$after")" ] && echo y)
[ "$db_same" = y ] && [ "$app_new" = y ] && $S exec demo-app-1 env | grep -qx EDITED=1 &&
	ok "an edited service is recreated, the other kept" || notok "edit: $out"

# ---- scale down ----
out=$($S compose up -d 2>&1)
[ "$(names)" = "demo-app-1 demo-db-1 " ] && grep -q "Container demo-app-2  Removed" <<<"$out" &&
	ok "up at scale 1 removes demo-app-2" || notok "scale down: $out / $(names)"

# ---- stop, start ----
$S compose stop >/dev/null 2>&1
[ "$($S compose ps -q | wc -l)" = 0 ] && [ "$($S compose ps -a -q | wc -l)" = 2 ] && ok "compose stop" || notok "stop: $($S ps -a)"
$S compose start >/dev/null 2>&1
[ "$($S compose ps -q | wc -l)" = 2 ] && ok "compose start" || notok "start: $($S ps -a)"

# ---- logs, pause, unpause, kill, rm ----
out=$($S compose logs db 2>&1)
[ -n "$out" ] && [ -z "$(grep -vx "demo-db-1 | db-ready" <<<"$out")" ] && ok "compose logs: each line after its container's name" || notok "logs: '$out'"
states() { $S ps -a --format '{{.Names}} {{.State}}' | sort | tr '\n' ' '; }
$S compose pause >/dev/null 2>&1
[ "$(states)" = "demo-app-1 paused demo-db-1 paused " ] && ok "compose pause" || notok "pause: $(states)"
$S compose unpause >/dev/null 2>&1
[ "$(states)" = "demo-app-1 running demo-db-1 running " ] && ok "compose unpause" || notok "unpause: $(states)"
$S compose kill app >/dev/null 2>&1
wait_for 5 sh -c "$S ps -a --format '{{.Names}} {{.State}}' | grep -qx 'demo-app-1 exited'"
[ "$(states)" = "demo-app-1 exited demo-db-1 running " ] && ok "compose kill SERVICE" || notok "kill: $(states)"
$S compose rm --force >/dev/null 2>&1
[ "$(names)" = "demo-db-1 " ] && ok "compose rm removes the stopped containers only" || notok "rm: $(names)"
$S compose up -d >/dev/null 2>&1
[ "$(names)" = "demo-app-1 demo-db-1 " ] && ok "up makes the removed one again" || notok "up after rm: $(names)"

# ---- what skiff cannot honour is refused by name, nothing made ----
mkdir -p "$T/bad" && cat >"$T/bad/compose.yaml" <<'YML'
services:
  w:
    image: localhost/bb:1
    ulimits: {nofile: {soft: 10, hard: 20}}
YML
out=$(cd "$T/bad" && $S compose up -d 2>&1)
grep -q 'service "w": ulimits: not supported' <<<"$out" && [ "$(names)" = "demo-app-1 demo-db-1 " ] &&
	! netnames | grep -qx bad_default && ok "an unsupported key is an error naming it; nothing made" || notok "ulimits: $out"
printf 'services:\n  w:\n    build: .\n' >"$T/bad/compose.yaml"
out=$(cd "$T/bad" && $S compose up -d 2>&1)
grep -q 'service "w": build: building images is not supported yet' <<<"$out" && ok "build: is refused by name" || notok "build: $out"
out=$($S compose up 2>&1)
grep -q "only detached mode" <<<"$out" && ok "attached up is refused (only -d yet)" || notok "attached: $out"

# ---- orphans ----
cat >compose.yaml <<'YML'
services:
  db:
    image: localhost/bb:1
    command: ["sleep", "300"]
    init: true
    volumes: ["data:/data"]
    healthcheck:
      test: ["CMD", "test", "-d", "/data"]
      interval: 1s
volumes:
  data:
YML
out=$($S compose up -d 2>&1)
grep -q "Found orphan containers.*demo-app-1" <<<"$out" && [ "$(names)" = "demo-app-1 demo-db-1 " ] &&
	ok "an orphan is reported and kept" || notok "orphan: $out"
out=$($S compose up -d --remove-orphans 2>&1)
[ "$(names)" = "demo-db-1 " ] && ok "--remove-orphans removes it" || notok "remove orphans: $out"

# ---- three tiers on two networks: web can neither resolve nor reach db ----
mkdir -p "$T/tiers" && cat >"$T/tiers/compose.yaml" <<'YML'
x-httpd: &httpd
  image: localhost/bb:1
  command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
  init: true
services:
  web: {<<: *httpd, networks: [front]}
  app:
    <<: *httpd
    networks:
      front:
      back: {aliases: [api]}
  db: {<<: *httpd, networks: [back]}
networks:
  front: {}
  back: {internal: true}
YML
out=$(cd "$T/tiers" && $S compose up -d 2>&1) || notok "three tiers up: $out"
get() { $S exec "$1" sh -c "printf 'GET /passwd HTTP/1.0\r\n\r\n' | nc -w2 $2 80" 2>/dev/null | grep -q '^root:'; }
dbip=$($S inspect --format '{{.NetworkSettings.Networks.tiers_back.IPAddress}}' tiers-db-1)
get tiers-web-1 app && get tiers-app-1 db && get tiers-db-1 api && get tiers-db-1 app &&
	ok "three tiers: web reaches app, app reaches db, db reaches app as app and api" || notok "tiers: $out"
! $S exec tiers-web-1 nslookup db >/dev/null 2>&1 && [ -n "$dbip" ] && ! get tiers-web-1 "$dbip" &&
	ok "web can neither resolve nor reach db ($dbip)" || notok "web reached db ($dbip)"
out=$(cd "$T/tiers" && $S compose down 2>&1)
! netnames | grep -q tiers_ && ok "down removes both networks" || notok "tiers down: $out"

# ---- down -v leaves nothing ----
out=$($S compose down -v 2>&1)
links=$(HOST ip -o link show | grep -c veth)
[ -z "$($S ps -aq)" ] && ! netnames | grep -qx demo_default &&
	[ -z "$($S volume ls -q)" ] && [ "$links" = 0 ] &&
	ok "down -v: no container, network, volume or veth left" || notok "down: $out / $(names) / $($S network ls) / $($S volume ls) / veths $links"
HOST nft list ruleset 2>/dev/null | grep -q "demo\|br-" && notok "nft rules left: $(HOST nft list ruleset)" || ok "no nft rule of the project left"
grep -iE "assert|panic|leak" "$T/daemon.log" | head -5 | while read -r l; do notok "daemon: $l"; done
finish
