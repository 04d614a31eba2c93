#!/usr/bin/env bash
# proto/gotmpl against Go's own text/template: tests/gotmpl/ref.go (standard
# library only, built in a temp dir with its own GOCACHE/GOPATH, no module
# downloads) and tests/helpers/gotmpl_run apply every template of
# tests/gotmpl/templates.txt to every document of tests/gotmpl/docs.json,
# and the outputs (text and error messages) must be byte-identical; the
# same for docker/cli's table framing (tests/gotmpl/formats.txt over
# tests/gotmpl/rows.json) and tabwriter alignment. Skipped (one ok line)
# without `go`.
cd "$TOP" || exit 1
BUILD=${BUILD:-build}
run=$TOP/$BUILD/tests/helpers/gotmpl_run
if ! command -v go >/dev/null 2>&1; then
	echo "ok - gotmpl vs Go: skipped, no go (apt-get install golang-go)"
	exit 0
fi
d=$(mktemp -d /tmp/skiff-gotmpl.XXXXXX)
trap 'rm -rf "$d"' EXIT
export GOCACHE=$d/cache GOPATH=$d/gopath GOFLAGS= GO111MODULE=off GOTOOLCHAIN=local GOPROXY=off
cp tests/gotmpl/ref.go "$d/ref.go"
start=$(date +%s.%N)
if ! (cd "$d" && go build -o ref ref.go) >"$d/build.log" 2>&1; then
	sed 's/^/    | /' "$d/build.log"
	echo "not ok - gotmpl vs Go: go build of tests/gotmpl/ref.go"
	exit 0
fi
echo "# go build of the reference: $(echo "$(date +%s.%N) - $start" | bc) s"
n=$(grep -vc '^#' tests/gotmpl/templates.txt)
"$d/ref" tests/gotmpl/templates.txt tests/gotmpl/docs.json >"$d/go.out"
"$run" tests/gotmpl/templates.txt tests/gotmpl/docs.json >"$d/c.out"
if cmp -s "$d/go.out" "$d/c.out"; then
	echo "ok - gotmpl vs Go: $n templates x $(grep -c '^=== 0 ' "$d/go.out") documents identical"
else
	diff -u "$d/go.out" "$d/c.out" | head -n 80 | sed 's/^/    | /'
	echo "not ok - gotmpl vs Go: outputs differ"
fi
# docker/cli's formatter end to end: table, header row, tabwriter
"$d/ref" --docker tests/gotmpl/formats.txt tests/gotmpl/rows.json >"$d/go.docker"
"$run" --docker tests/gotmpl/formats.txt tests/gotmpl/rows.json >"$d/c.docker"
if cmp -s "$d/go.docker" "$d/c.docker"; then
	echo "ok - gotmpl --format framing (table, headers, alignment) matches docker/cli's on $(grep -c . tests/gotmpl/formats.txt) formats"
else
	diff -u "$d/go.docker" "$d/c.docker" | head -n 40 | sed 's/^/    | /'
	echo "not ok - gotmpl --format framing differs from docker/cli's"
fi
# tabwriter: Docker's settings over ragged rows, wide cells, UTF-8
printf 'NAME\tIMAGE\tSTATUS\na\tb\tc\nlonger-name-here\tx\tUp 2 minutes\n\nsolo\nk\tv\nkey\tvalue with ünï\ttail\n\tempty first\n' >"$d/tab.in"
printf 'CONTAINER ID\tNAMES\n9a8b7c6d5e4f\tdb\n' >>"$d/tab.in"
"$d/ref" --tab <"$d/tab.in" >"$d/go.tab"
"$run" --tab <"$d/tab.in" >"$d/c.tab"
if cmp -s "$d/go.tab" "$d/c.tab"; then
	echo "ok - gotmpl tabwriter matches Go's text/tabwriter"
else
	diff -u "$d/go.tab" "$d/c.tab" | sed 's/^/    | /'
	echo "not ok - gotmpl tabwriter differs from Go's"
fi
