#!/usr/bin/env python3
"""A forward HTTP proxy on 127.0.0.1 for core/http's tests: it prints its
port on stdout, then serves until stdin closes.

A request with an absolute URI ("GET http://NAME:PORT/path") is sent on
to 127.0.0.1:PORT whatever NAME is (the test's names resolve only inside
the test), and the answer comes back with "X-Test: proxied" in place of
the origin's X-Test header and "X-Proxied-Host: NAME". CONNECT is refused
(405): the tests speak plain HTTP."""
import http.client
import http.server
import socketserver
import sys
import threading
import urllib.parse


class P(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_CONNECT(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def relay(self):
        u = urllib.parse.urlsplit(self.path)
        if not u.scheme or not u.hostname:
            body = b"not a proxy request\n"
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection")}
        c = http.client.HTTPConnection("127.0.0.1", u.port or 80, timeout=30)
        path = u.path + ("?" + u.query if u.query else "")
        c.request(self.command, path or "/", body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("x-test", "content-length", "connection",
                                 "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("X-Test", "proxied")
        self.send_header("X-Proxied-Host", u.hostname)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_HEAD = do_PUT = do_POST = relay


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


def main():
    s = S(("127.0.0.1", 0), P)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    sys.stdout.buffer.write(b"%d\n" % s.server_address[1])
    sys.stdout.buffer.flush()
    sys.stdin.read()


if __name__ == "__main__":
    main()
