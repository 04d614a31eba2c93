#!/usr/bin/env bash
# skiff compose config against Debian's docker-compose 1.29: for each
# project below both print the model; compose_diff.py brings 1.29's to
# skiff's normalised form by its listed, justified differences and the
# two must then be equal. Then the refusals: both refuse the same bad
# files, skiff naming file:line:column. No daemon is needed.
. "$(dirname "$0")/lib.sh"
: "${SKIFF:=$(cd "$(dirname "$0")/../.." && pwd)/build/skiff}"
DIFF=$(dirname "$0")/compose_diff.py
DC=$(command -v docker-compose || true)

# same NAME DIR PROFILE... -- ARGS...: both configs of the project in DIR
# (extra compose flags in ARGS) agree after the known differences.
same() {
	local name=$1 dir=$2 profiles=() args=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do profiles+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	local pflags=()
	for p in "${profiles[@]}"; do pflags+=(--profile "$p"); done
	if ! (cd "$dir" && env -u COMPOSE_FILE "$SKIFF" compose config -p proj \
		"${pflags[@]}" "${args[@]}" --format json >"$T/new.json" 2>"$T/new.err"); then
		notok "$name: skiff refused it: $(cat "$T/new.err")"
		return
	fi
	if [ -z "$DC" ]; then
		ok "$name (# skip: no docker-compose; skiff alone)"
		return
	fi
	if ! (cd "$dir" && env -u COMPOSE_FILE "$DC" -p proj "${pflags[@]}" "${args[@]}" config \
		>"$T/old.yml" 2>"$T/old.err"); then
		notok "$name: docker-compose refused it: $(cat "$T/old.err")"
		return
	fi
	if python3 "$DIFF" "$T/old.yml" "$T/new.json" proj "${profiles[@]}" >"$T/diff" 2>&1; then
		ok "$name"
	else
		cat "$T/diff"
		notok "$name: the models differ"
	fi
}

# refused NAME FILE PATTERN: both refuse FILE; skiff's message has PATTERN.
refused() {
	local name=$1 file=$2 pat=$3 err
	err=$(cd "$(dirname "$file")" && "$SKIFF" compose config -f "$file" 2>&1 >/dev/null)
	local rc=$?
	info "skiff: $err"
	if [ -n "$DC" ] && (cd "$(dirname "$file")" && "$DC" -f "$file" config >/dev/null 2>&1); then
		notok "$name: docker-compose took it"
		return
	fi
	if [ "$rc" -ne 0 ] && grep -qF -- "$pat" <<<"$err"; then ok "$name"; else
		notok "$name (exit $rc): $err"
	fi
}

# Without skiffd the client prints the model itself (config needs no
# engine); the daemon's part is checked at the end.
export SKIFF_SOCK=$T/none.sock

# 1. The app + database pair of the issue, scaled later with --scale.
mkdir -p "$T/appdb"
cat >"$T/appdb/docker-compose.yml" <<'YML'
services:
  os:
    image: "busybox:${TAG:-latest}"
    command: httpd -f -p 8080 -h /www
    environment:
      DB_HOST: db
      DB_PORT: "5432"
    depends_on:
      - db
    ports:
      - "8080"
  db:
    image: postgres:15
    environment:
      - POSTGRES_PASSWORD=secret
      - POSTGRES_DB
    volumes:
      - dbdata:/var/lib/postgresql/data
volumes:
  dbdata:
YML
same "app + db pair" "$T/appdb"

# 2. Three tiers on two networks: web cannot reach db.
mkdir -p "$T/tiers"
cat >"$T/tiers/compose.yaml" <<'YML'
version: "3.8"
services:
  web:
    image: nginx:alpine
    ports: ["127.0.0.1:8081:80"]
    networks: [front]
    depends_on:
      app: {condition: service_healthy}
  app:
    image: busybox
    command: ["httpd", "-f", "-p", "8000"]
    networks:
      front:
      back:
        aliases: [api]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost:8000/"]
      interval: 2s
      retries: 5
  db:
    image: redis:7
    networks: [back]
    restart: unless-stopped
networks:
  front: {}
  back:
    internal: true
YML
same "three tiers, two networks" "$T/tiers"

# 3. Everything at once: anchors and merge keys, .env interpolation and
# $$, env_file, long and short syntaxes, secrets, a profile.
mkdir -p "$T/full/src"
printf 'TAG=1.36\nPORT=9000\n' >"$T/full/.env"
printf 'FROM_FILE=yes\nFOO=file-loses\n' >"$T/full/web.env"
echo s3cret >"$T/full/pw.txt"
cat >"$T/full/docker-compose.yml" <<'YML'
x-common: &common
  restart: on-failure
  labels:
    tier: demo
services:
  web:
    <<: *common
    image: "busybox:${TAG}"
    entrypoint: /bin/sh -c
    command: ["echo $$HOME; sleep 1000"]
    ports: ["${PORT}:80", "127.0.0.1:7000-7001:70-71/udp", {target: 443, published: 8443}]
    expose: ["90", "91"]
    environment:
      - FOO=bar
      - EMPTY
    env_file: web.env
    volumes:
      - data:/data
      - ./src:/src:ro
      - /scratch
      - {type: tmpfs, target: /tmp}
    secrets: [pw]
    healthcheck:
      test: wget -q -O- localhost
      interval: 10s
    extra_hosts: ["h:10.0.0.1"]
    ulimits: {nofile: {soft: 1024, hard: 2048}}
  debug:
    image: busybox
    profiles: [debug]
    stop_grace_period: 3s
volumes:
  data:
    labels: [a=b]
secrets:
  pw:
    file: ./pw.txt
YML
same "anchors, .env, env_file, long forms, secrets" "$T/full"
same "a profile turned on" "$T/full" debug

# 4. Several files: the override's rules (mappings merge, command
# replaced, ports appended, volumes by target, environment by key).
mkdir -p "$T/multi"
cat >"$T/multi/base.yml" <<'YML'
services:
  app:
    image: busybox
    command: ["sleep", "1"]
    environment: {A: "1", B: "2"}
    ports: ["8000:8000"]
    volumes: ["v1:/data", "/h:/cfg"]
volumes: {v1: {}, v2: {}}
YML
cat >"$T/multi/over.yml" <<'YML'
services:
  app:
    command: ["sleep", "2"]
    environment: {B: "3", C: "4"}
    ports: ["9000:9000"]
    volumes: ["v2:/data"]
  extra:
    image: busybox
YML
same "two files merged" "$T/multi" -- -f base.yml -f over.yml

# 5. extends: from another file (itself extending), and in the file.
mkdir -p "$T/ext"
cat >"$T/ext/common.yml" <<'YML'
services:
  base:
    image: busybox
    environment: {A: "1", B: "2"}
    command: ["sleep", "1"]
  mid:
    extends: base
    environment: {B: "mid"}
YML
cat >"$T/ext/compose.yaml" <<'YML'
services:
  web:
    extends: {file: common.yml, service: mid}
    environment: {C: "3"}
    ports: ["80:80"]
  local:
    extends: web
    command: ["true"]
YML
same "extends, in the file and from another" "$T/ext"

# Refusals: unknown key, wrong type, missing required variable, cycle.
mkdir -p "$T/bad"
printf 'services:\n  web:\n    image: x\n    imagee: y\n' >"$T/bad/unknown.yml"
refused "unknown key refused with its position" "$T/bad/unknown.yml" \
	"unknown.yml:4:5: services.web: unknown key \"imagee\""
printf 'services:\n  web:\n    image: x\n    ports: [{target: eighty}]\n' >"$T/bad/type.yml"
refused "wrong type refused with its position" "$T/bad/type.yml" \
	"type.yml:4:22: services.web.ports[0].target: expected integer"
printf 'services:\n  web:\n    image: ${NOPE:?set NOPE}\n' >"$T/bad/var.yml"
refused "a missing \${VAR:?} refused" "$T/bad/var.yml" \
	"var.yml:3:12: required variable NOPE is missing a value: set NOPE"
printf 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n' >"$T/bad/cycle.yml"
refused "a dependency cycle refused, named" "$T/bad/cycle.yml" "a dependency cycle: a -> b -> a"

printf 'services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n' >"$T/bad/extloop.yml"
refused "an extends cycle refused" "$T/bad/extloop.yml" "extends: a cycle"

# The YAML skiff prints reads back as the same model (styles chosen so
# that "1", "yes" or "1:2" stay strings for YAML 1.1 readers too).
(cd "$T/full" && "$SKIFF" compose config -p proj >"$T/out.yml" &&
	"$SKIFF" compose config -p proj --format json >"$T/out.json")
if python3 -c 'import json,sys,yaml; sys.exit(yaml.safe_load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
	"$T/out.yml" "$T/out.json"; then ok "YAML output reads back as the JSON model"; else
	notok "YAML output differs from the JSON model"
fi
check "config --services lists the enabled services" \
	bash -c "cd '$T/full' && [ \"\$('$SKIFF' compose config --services | tr '\n' ' ')\" = 'web ' ]"
check "config --profiles lists every profile" \
	bash -c "cd '$T/full' && [ \"\$('$SKIFF' compose config --profiles)\" = debug ]"
check "project flags before the subcommand, as docker compose -f F config" \
	bash -c "cd '$T' && [ \"\$('$SKIFF' compose -f full/docker-compose.yml -p x config --services | tr '\n' ' ')\" = 'web ' ]"
check "the project's name is its directory's, paths cleaned (full/../full)" \
	bash -c "cd '$T/ext' && '$SKIFF' compose -f ../full/./docker-compose.yml config --format json | grep -q '\"name\": \"full\"'"
check "COMPOSE_PROJECT_NAME names the project" \
	bash -c "cd '$T/full' && COMPOSE_PROJECT_NAME=Other '$SKIFF' compose config --format json | grep -q '\"name\": \"other\"'"
# The model is the daemon's: with skiffd up, the CLI sends it as
# --model and prints skiffd's answer, the same text; a script on the
# socket can send a model too, and a bad one is refused.
export SKIFF_SOCK=$SOCK
start_daemon
(cd "$T/full" && "$SKIFF" compose config -p proj >"$T/daemon.yml" 2>&1)
if cmp -s "$T/daemon.yml" "$T/out.yml"; then ok "skiffd answers config with the same model"; else
	notok "skiffd's config differs: $(diff "$T/out.yml" "$T/daemon.yml" | head -5)"
fi
(cd "$T/full" && "$SKIFF" compose config -p proj --hash '*' >"$T/hash.daemon" 2>&1 &&
	SKIFF_SOCK=$T/none.sock "$SKIFF" compose config -p proj --hash '*' >"$T/hash.local" 2>&1)
if cmp -s "$T/hash.daemon" "$T/hash.local" && grep -qE '^web [0-9a-f]{64}$' "$T/hash.daemon"; then
	ok "config --hash: skiffd's hashes are the client's"
else
	notok "config --hash: $(cat "$T/hash.daemon" "$T/hash.local")"
fi
out=$(raw 'compose config --format json --model "{\"name\":\"s\",\"services\":{\"a\":{\"image\":\"x\"}}}"')
if grep -q '"text"' <<<"$out" && grep -q '^ok' <<<"$out"; then ok "a model sent on the socket is answered"; else
	notok "a model on the socket: $out"
fi
out=$(raw 'compose config --model "[1]"')
if grep -q '^err invalid --model: not a normalised compose model' <<<"$out"; then ok "a bad model is refused"; else
	notok "a bad model: $out"
fi
finish
