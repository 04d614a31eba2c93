#!/usr/bin/env python3
"""A small HTTP/1.1 server on 127.0.0.1 for core/http's tests: it prints
its port on stdout, then serves until stdin closes (so it dies with the
test that started it).

    /hello              200 "hello world"
    /big?n=N            N bytes of a known pattern; honours Range: bytes=A-
    /drop?n=N&cut=M     says N bytes, sends M of them, closes (a cut link);
                        with Range it serves the rest whole
    /redirect           302 to /hello
    /redirect-to?url=U  302 to U
    /loop               302 to itself
    /whoami             200, the Authorization header it got (or "none")
    /auth               401 + WWW-Authenticate unless basic user:pw
    /stall              headers and 3 bytes, then nothing for 60 s
    /echo (PUT/POST)    201, the body back, X-Method and X-Len headers
    /status/N           that status with a one-line body
"""
import http.server
import re
import socketserver
import sys
import threading
import time
import urllib.parse


def pattern(a, b):
    # byte i is (i * 7 + i // 251) & 0xff: cheap, not periodic at 256
    return bytes(((i * 7 + i // 251) & 0xFF) for i in range(a, b))


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def range_from(self):
        m = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
        return int(m.group(1)) if m else None

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path == "/hello":
            return self.send(200, b"hello world", [("X-Test", "yes")])
        if u.path in ("/big", "/drop"):
            n = int(q.get("n", "0"))
            start = self.range_from()
            if start is not None:
                body = pattern(start, n)
                return self.send(206, body, [("Content-Range", "bytes %d-%d/%d" % (start, n - 1, n))])
            if u.path == "/big":
                return self.send(200, pattern(0, n))
            cut = int(q.get("cut", "0"))
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            self.wfile.write(pattern(0, cut))
            self.wfile.flush()
            self.close_connection = True
            return
        if u.path == "/redirect":
            return self.send(302, b"", [("Location", "/hello")])
        if u.path == "/redirect-to":
            return self.send(302, b"moved\n", [("Location", q.get("url", "/"))])
        if u.path == "/loop":
            return self.send(302, b"", [("Location", "/loop")])
        if u.path == "/whoami":
            return self.send(200, self.headers.get("Authorization", "none").encode())
        if u.path == "/auth":
            if self.headers.get("Authorization") == "Basic dXNlcjpwdw==":
                return self.send(200, b"welcome")
            return self.send(401, b"no", [("WWW-Authenticate", 'Bearer realm="http://127.0.0.1/token",service="test",scope="repository:a/b:pull"')])
        if u.path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"abc")
            self.wfile.flush()
            time.sleep(60)
            return
        m = re.match(r"/status/(\d+)$", u.path)
        if m:
            return self.send(int(m.group(1)), b"status body\n")
        return self.send(404, b"not found\n")

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.send(201, body, [("X-Method", self.command), ("X-Len", str(n))])

    do_POST = do_PUT


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that abort or time out are part of the tests


def main():
    s = S(("127.0.0.1", 0), H)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    # One write of the whole line, once the server serves.
    sys.stdout.buffer.write(b"%d\n" % s.server_address[1])
    sys.stdout.buffer.flush()
    sys.stdin.read()  # the test closed our stdin (or died): stop


if __name__ == "__main__":
    main()
