#!/usr/bin/env bash
# The content store is an OCI image layout others can read: a small image
# (an uncompressed and a gzip layer, a config, an OCI manifest, index.json)
# written through fs/blobstore and the proto/ociimage writers is read by
# `skopeo inspect` and `skopeo copy`, and what skopeo writes into a layout
# is read back by skiff's parsers. No daemon: library and helper only.
. "$TOP/tests/integration/lib.sh"
B=$(dirname "$SKIFFD")
H=$B/tests/helpers/oci_image
[ -x "$H" ] || make -s -C "$TOP" BUILD="$(basename "$B")" "$(basename "$B")/tests/helpers/oci_image" >/dev/null
if ! command -v skopeo >/dev/null; then
	echo "# skopeo not installed (apt-get install skopeo): skipped"
	exit 0
fi
S=$T/store

# Layer 1: a file in a tar; layer 2: another file, gzip'd (diff_id is the
# digest of the uncompressed tar).
mkdir -p "$T/l1/etc" "$T/l2/srv"
echo "hello from skiff" >"$T/l1/etc/hello"
echo "second layer" >"$T/l2/srv/two"
tar -C "$T/l1" --owner=0 --group=0 --mtime=@0 -cf "$T/l1.tar" etc
tar -C "$T/l2" --owner=0 --group=0 --mtime=@0 -cf "$T/l2.tar" srv
gzip -nc "$T/l2.tar" >"$T/l2.tar.gz"
diff2=sha256:$(sha256sum "$T/l2.tar" | cut -d' ' -f1)
l1=sha256:$(sha256sum "$T/l1.tar" | cut -d' ' -f1)
l2=sha256:$(sha256sum "$T/l2.tar.gz" | cut -d' ' -f1)

if md=$("$H" write "$S" hello "$T/l1.tar" "$T/l2.tar.gz" "$diff2" 2>"$T/err"); then
	ok "helper wrote the image ($md)"
else
	notok "helper write: $(cat "$T/err")"; finish
fi
"$H" write "$S" docker.io/library/hello:latest "$T/l1.tar" >/dev/null 2>"$T/err" &&
	ok "a second name, one layer" || notok "second write: $(cat "$T/err")"
[ "$(cat "$S/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ] && ok "oci-layout file" || notok "oci-layout: $(cat "$S/oci-layout")"
[ -z "$(ls -A "$S/ingest")" ] && ok "nothing left in ingest/" || notok "ingest: $(ls "$S/ingest")"

out=$(skopeo inspect "oci:$S:hello" 2>&1)
echo "$out" >"$T/inspect.json"
if [ "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["Digest"])' "$T/inspect.json" 2>/dev/null)" = "$md" ]; then
	ok "skopeo inspect oci:DIR:hello finds the manifest digest"
else
	notok "skopeo inspect: $out"
fi
layers=$(python3 -c 'import json,sys;print(" ".join(json.load(open(sys.argv[1]))["Layers"]))' "$T/inspect.json" 2>/dev/null)
[ "$layers" = "$l1 $l2" ] && ok "skopeo sees both layers" || notok "layers: $layers (want $l1 $l2)"
cfg=$(skopeo inspect --config "oci:$S:hello" 2>&1)
echo "$cfg" | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c["config"]["Cmd"] == ["/bin/sh"], c
assert "80/tcp" in c["config"]["ExposedPorts"], c
assert c["rootfs"]["diff_ids"][1] == sys.argv[1], c
' "$diff2" && ok "skopeo reads the config (Cmd, ExposedPorts, diff_ids)" || notok "config: $cfg"
skopeo inspect "oci:$S:docker.io/library/hello:latest" >/dev/null 2>"$T/err" &&
	ok "a normalized reference works as the layout's ref.name" || notok "long name: $(cat "$T/err")"

if skopeo --insecure-policy copy -q "oci:$S:hello" "dir:$T/out" 2>"$T/err"; then
	ok "skopeo copy oci:DIR:hello dir:OUT"
else
	notok "skopeo copy: $(cat "$T/err")"
fi
cmp -s "$T/out/${l1#sha256:}" "$T/l1.tar" && cmp -s "$T/out/${l2#sha256:}" "$T/l2.tar.gz" &&
	ok "copied layers are byte-identical" || notok "copied layers differ: $(ls "$T/out")"

# The other way: skopeo writes a layout, skiff's parsers read it.
if skopeo --insecure-policy copy -q "oci:$S:hello" "oci:$T/theirs:copied" 2>"$T/err" &&
	out=$("$H" check "$T/theirs" copied 2>&1); then
	set -- $out
	[ "$2" = 2 ] && [ "$3" = /bin/sh ] && ok "skiff reads skopeo's layout ($out)" || notok "check: $out"
else
	notok "skopeo's layout: $(cat "$T/err") $out"
fi
out=$("$H" check "$S" hello 2>&1) && [ "${out%% *}" = "$md" ] &&
	ok "skiff reads its own store back" || notok "own check: $out"
out=$("$H" check "$S" nosuch 2>&1) && notok "unknown name found" ||
	{ echo "$out" | grep -q "no image named nosuch" && ok "unknown name: $out" || notok "unknown name: $out"; }

# A blob altered on disk is caught by the reader.
cfgd=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["config"]["digest"])' "$S/blobs/sha256/${md#sha256:}")
f=$S/blobs/sha256/${cfgd#sha256:}
chmod u+w "$f" && echo '{}' >"$f"
out=$("$H" check "$S" hello 2>&1) && notok "corrupt config accepted" ||
	{ echo "$out" | grep -q "corrupt on disk" && ok "corrupt blob detected: ${out:0:90}..." || notok "corrupt: $out"; }

# A full disk (a 1 MiB tmpfs in a private mount namespace): the write fails
# with ENOSPC named, and neither blobs/ nor ingest/ keeps anything.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	head -c 3000000 /dev/urandom >"$T/big.bin"
	tar -C "$T" -cf "$T/big.tar" big.bin
	mkdir -p "$T/small"
	out=$(unshare -m sh -c '
		mount -t tmpfs -o size=1m tmpfs "$1" || exit 9
		"$2" write "$1/store" big "$3"; echo "rc=$?"
		echo "blobs=$(ls "$1/store/blobs/sha256" | wc -l) ingest=$(ls "$1/store/ingest" | wc -l)"
	' sh "$T/small" "$H" "$T/big.tar" 2>&1)
	echo "$out" | grep -q "No space left" && echo "$out" | grep -q "rc=1" &&
		echo "$out" | grep -q "blobs=0 ingest=0" &&
		ok "full disk: ENOSPC reported, nothing half-stored" || notok "full disk: $out"
fi
finish
