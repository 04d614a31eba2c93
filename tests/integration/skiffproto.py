"""Minimal line-protocol client for integration scenarios (stdlib only)."""
import os
import socket
import sys


class Conn:
    def __init__(self, path=None, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path or os.environ["SKIFF_SOCK"])
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        l, self.buf = self.buf.split(b"\n", 1)
        return l.decode("utf-8", "replace")

    def reply(self):
        """Read one reply: (data lines, status line)."""
        data = []
        while True:
            l = self.line()
            if l == "ok" or l.startswith("err "):
                return data, l
            data.append(l)

    def call(self, req):
        self.send(req + "\n")
        return self.reply()

    def close(self):
        self.s.close()


class Results:
    def __init__(self):
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            print("ok - " + name)
        else:
            self.failed += 1
            print("not ok - %s %s" % (name, detail))
        sys.stdout.flush()
        return cond
