#!/usr/bin/env python3
"""Bad input on one connection: each gets `err CODE message` naming the
problem and the connection stays usable; clients that vanish mid-line do
not disturb others."""
import socket
import threading
import time

from skiffproto import Daemon, Results

R = Results()
D = Daemon()
LIMIT = 64 * 1024

# (name, bytes sent, expected code, words the message must contain)
CASES = [
    ("empty line", b"\n", "invalid", ["empty"]),
    ("NUL byte inside a line", b"pi\x00ng\n", "invalid", ["NUL", "column 3"]),
    ("NUL byte after the verb", b"ping \x00\n", "invalid", ["NUL"]),
    ("invalid UTF-8", b"ping \xff\xfe\n", "invalid", ["UTF-8", "column 6"]),
    ("overlong UTF-8", b"ping \xc0\xaf\n", "invalid", ["UTF-8"]),
    ("UTF-8 surrogate", b"ping \xed\xa0\x80\n", "invalid", ["UTF-8"]),
    ("truncated UTF-8 at end of line", b"ping \xe2\x82\n", "invalid",
     ["UTF-8"]),
    ("unknown verb", b"frobnicate now\n", "not_found",
     ["unknown command", "frobnicate"]),
    ("unknown flag", b"ping --bogus\n", "invalid", ["unknown flag", "bogus"]),
    ("unknown shorthand flag", b"ping -z\n", "invalid", ["unknown", "z"]),
    ("too many arguments", b"ping extra\n", "invalid", ["argument"]),
    ("unbalanced quote", b'ping "abc\n', "invalid", ["quote", "column 6"]),
    ("backslash at end", b"ping \\\n", "invalid", ["backslash"]),
    ("a line of only spaces", b"      \n", "invalid", ["empty"]),
    ("a line of only tabs and spaces", b" \t \t\n", "invalid", ["empty"]),
    ("bad flag value", b"events --since yesterday\n", "invalid",
     ["since", "yesterday"]),
    ("bad events filter", b"events --filter colour=red\n", "invalid",
     ["filter", "colour"]),
    ("line of LIMIT+1 bytes", b"ping" + b" " * (LIMIT - 3) + b"\n",
     "too_large", ["longer than", str(LIMIT)]),
]


def expect_err(c, name, code, words):
    d, s = c.reply()
    parts = s.split(" ", 2)
    good = (d == [] and len(parts) == 3 and parts[0] == "err" and
            parts[1] == code and all(w in parts[2] for w in words))
    R.check("%s -> err %s naming the problem" % (name, code), good,
            repr((d, s[:200])))


def ping_ok(c, after):
    R.check("ping ok after " + after, c.call("ping") == ([], "ok"))


def one_connection():
    c = D.conn()
    for name, data, code, words in CASES:
        c.send(data)
        expect_err(c, name, code, words)
        ping_ok(c, name)

    # CRLF-terminated requests are fine.
    c.send(b"ping\r\n")
    R.check("CRLF-terminated ping -> ok", c.reply() == ([], "ok"))
    c.send(b"help ping\r\n")
    d, s = c.reply()
    R.check("CRLF-terminated help ping -> ok", s == "ok" and len(d) == 1)

    # Exactly at the limit is accepted (ping and trailing blanks).
    c.send(b"ping" + b" " * (LIMIT - 4) + b"\n")
    R.check("line of exactly %d bytes is accepted" % LIMIT,
            c.reply() == ([], "ok"))

    # A 1 MiB line, dribbled with no LF for a while, then its LF.
    chunk = b"x" * 65536
    for i in range(16):
        c.send(chunk)
        if i % 4 == 3:
            time.sleep(0.05)
    time.sleep(0.2)
    c.send(b"\n")
    expect_err(c, "1 MiB line", "too_large", ["longer than"])
    ping_ok(c, "1 MiB line")
    c.settimeout(0.3)
    try:
        extra = c.s.recv(100)
    except OSError:
        extra = b""
    c.settimeout(10)
    R.check("1 MiB line gets exactly one status line", extra == b"" and
            c.buf == b"", repr(extra + c.buf))

    # Over-long lines followed by a request in the same write: the request
    # after the LF must not be swallowed, whatever the line's length.
    for n in (LIMIT + 1, LIMIT + 2, LIMIT + 100, 3 * LIMIT + 7):
        c.send(b"y" * n + b"\nping\n")
        expect_err(c, "line of %d bytes + ping in one write" % n,
                   "too_large", ["longer than"])
        R.check("ping in the same write after a %d-byte line answered" % n,
                c.reply() == ([], "ok"))
    # Everything pipelined at once, in order.
    blob = b"".join(x[1] for x in CASES) + b"ping\n"
    c.send(blob)
    codes = [c.reply()[1].split(" ")[:2] for _ in CASES]
    last = c.reply()
    R.check("all bad lines pipelined in one write answered in order",
            codes == [["err", x[2]] for x in CASES] and last == ([], "ok"),
            repr(codes))
    c.close()


def vanishing_clients():
    stop = threading.Event()
    results = {"n": 0, "bad": 0}

    def pinger():
        c = D.conn(timeout=5)
        try:
            while not stop.is_set():
                if c.call("ping") != ([], "ok"):
                    results["bad"] += 1
                results["n"] += 1
        except Exception:
            results["bad"] += 1
        c.close()

    t = threading.Thread(target=pinger, daemon=True)
    t.start()
    errors = 0
    for i in range(200):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(D.sock)
            if i % 4 == 1:
                s.send(b"pi")  # half a line, then gone
            elif i % 4 == 2:
                s.send(b"help pi")
                s.shutdown(socket.SHUT_WR)
            elif i % 4 == 3:
                s.send(b"ping\n" * 50)  # replies nobody reads
            s.close()
        except OSError:
            errors += 1
    time.sleep(0.2)
    stop.set()
    t.join(10)
    R.check("200 connect-and-vanish clients: all connected", errors == 0)
    R.check("concurrent client undisturbed (%d pings)" % results["n"],
            results["bad"] == 0 and results["n"] > 0 and not t.is_alive())
    # The vanished clients are all gone from the daemon's count.
    n = -1
    for _ in range(50):
        n = D.info()["Skiff"]["daemon"]["counts"]["clients"]
        if n == 1:
            break
        time.sleep(0.05)
    R.check("vanished clients released (clients=1)", n == 1, "(%d)" % n)


def read_all(s, timeout=5):
    s.settimeout(timeout)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def eof_endings():
    # A last request ended by EOF (half-close) instead of LF is answered.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(D.sock)
    s.sendall(b"ping\nhelp ping")
    s.shutdown(socket.SHUT_WR)
    data = read_all(s)
    s.close()
    R.check("a last line ended by EOF (no LF) is answered, then EOF",
            data.startswith(b"ok\n{") and data.endswith(b"}\nok\n") and
            data.count(b"\n") == 3, repr(data[:80]))
    # A stream ends when its client half-closes; what came before is kept.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(D.sock)
    s.sendall(b"ping\nevents\n")
    s.shutdown(socket.SHUT_WR)
    data = read_all(s)
    s.close()
    R.check("events ends with ok when its client half-closes",
            data == b"ok\nok\n", repr(data[:80]))
    # An over-long last line ended by EOF: too_large, then EOF.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(D.sock)
    s.sendall(b"z" * (LIMIT + 10))
    s.shutdown(socket.SHUT_WR)
    data = read_all(s)
    s.close()
    R.check("an over-long last line ended by EOF: err too_large, then EOF",
            data.startswith(b"err too_large ") and data.count(b"\n") == 1,
            repr(data[:80]))


R.guard("bad input on one connection", one_connection)
R.guard("EOF-terminated input", eof_endings)
R.guard("vanishing clients", vanishing_clients)
R.check("daemon still running", D.alive())
R.check("skiffd exits 0 on SIGTERM", D.stop() == 0)
R.exit()
