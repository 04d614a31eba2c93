#!/usr/bin/env python3
"""A registry that misbehaves on purpose, on 127.0.0.1, for t_faults.sh.

    fakereg.py OCI_DIR CONTROL_FILE LOG_FILE

Serves the one image of an OCI layout (tests/helpers/oci_image write) as
any repository and tag: GET/HEAD /v2/, /v2/NAME/manifests/REF and
/v2/NAME/blobs/DIGEST (Range: bytes=A- answered with 206). Prints its
port, then serves until stdin closes. Each request is appended to
LOG_FILE as "METHOD PATH RANGE-START STATUS". Before each request it
reads CONTROL_FILE (one line):
    pass                     answer normally
    slow BPS                 send blob bodies at BPS bytes per second
    fail N STATUS [RA] [blobs|manifests|DIGEST]
                             answer the next N requests (of that kind)
                             with STATUS (and Retry-After: RA when RA is
                             a number), then pass
    reset N BYTES            the next N blob requests send BYTES bytes of
                             the body, then reset the connection (RST)
"""
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time

OCI, CTL, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()


def blob_path(digest):
    algo, _, hexd = digest.partition(":")
    return os.path.join(OCI, "blobs", algo, hexd)


def manifest_desc():
    with open(os.path.join(OCI, "index.json")) as f:
        return json.load(f)["manifests"][0]


def take_fault(kind, path="", size=0):
    """The fault for a request of this kind ("blobs", "manifests", "v2")
    with a body of size bytes, counting a one-shot down."""
    with lock:
        try:
            with open(CTL) as f:
                w = f.read().split()
        except OSError:
            return ("pass",)
        if not w or w[0] == "pass":
            return ("pass",)
        if w[0] == "slow":
            return ("slow", int(w[1])) if kind == "blobs" else ("pass",)
        if w[0] == "fail":
            only = w[-1] if w[-1] in ("blobs", "manifests") else None
            dig = w[-1] if w[-1].startswith("sha256:") else None
            if only and only != kind or kind == "v2":
                return ("pass",)
            if dig and not path.endswith(dig):
                return ("pass",)
            n, status = int(w[1]), int(w[2])
            ra = w[3] if len(w) > 3 and w[3].isdigit() else None
            rest = w[3:]
        elif w[0] == "reset":
            if kind != "blobs" or size <= int(w[2]):
                return ("pass",)
            n, status, ra, rest = int(w[1]), int(w[2]), None, []
        else:
            return ("pass",)
        with open(CTL, "w") as f:
            f.write("pass\n" if n <= 1 else
                    " ".join([w[0], str(n - 1), w[2]] + rest) + "\n")
        return (w[0], status, ra)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def note(self, status, start):
        with lock, open(LOG, "a") as f:
            f.write("%s %s %d %d\n" % (self.command, self.path, start, status))

    def answer(self, status, body=b"", ctype="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parts = self.path.split("/")
        kind = "v2"
        if len(parts) >= 5 and parts[-2] in ("blobs", "manifests"):
            kind = parts[-2]
        rng = self.headers.get("Range", "")
        start = int(rng[6:].split("-")[0]) if rng.startswith("bytes=") else 0
        data = None
        if kind == "blobs":
            try:
                with open(blob_path(parts[-1]), "rb") as fh:
                    data = fh.read()
            except OSError:
                pass
        f = take_fault(kind, self.path, len(data or b"") - start)
        if f[0] == "fail":
            self.note(f[1], start)
            body = json.dumps({"errors": [{"code": "UNAVAILABLE",
                                           "message": "injected"}]}).encode()
            self.answer(f[1], body, extra=[("Retry-After", f[2])] if f[2] else [])
            return
        if kind == "v2":
            self.note(200, 0)
            self.answer(200, b"{}")
            return
        if kind == "manifests":
            d = manifest_desc()
            with open(blob_path(d["digest"]), "rb") as fh:
                body = fh.read()
            self.note(200, 0)
            self.answer(200, body, d["mediaType"],
                        [("Docker-Content-Digest", d["digest"])])
            return
        if data is None:
            self.note(404, start)
            self.answer(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
            return
        status = 206 if start else 200
        body = data[start:]
        self.note(status, start)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" %
                             (start, len(data) - 1, len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if f[0] == "reset":
            self.wfile.write(body[: f[1]])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if f[0] == "slow":
            step = max(1, f[1] // 10)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(step / f[1])
            return
        self.wfile.write(body)


class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = S(("127.0.0.1", 0), H)
    print(srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
