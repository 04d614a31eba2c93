#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that breaks a link on purpose, for pull tests.

    cutproxy.py UPSTREAM_PORT CONTROL_FILE

Prints its own port, then forwards every connection to UPSTREAM_PORT.
Offsets count from the start of each response (a new request on a kept-
alive connection starts again at 0). Before each downstream chunk it
reads CONTROL_FILE (one line):
    pass            forward untouched
    cut N           once: close the first connection that has sent N
                    bytes downstream (a link that drops mid-layer)
    flip N          once: invert the byte at offset N of the first
                    connection to get that far (a corrupting middlebox)
    slow MS         wait MS milliseconds before each chunk (a slow link)
After its one shot, a mode behaves as `pass` (it writes `done` to the
control file). Stops when stdin closes.
"""
import socket
import sys
import threading
import time

UP = int(sys.argv[1])
CTL = sys.argv[2]
lock = threading.Lock()


def mode():
    try:
        with open(CTL) as f:
            w = f.read().split()
    except OSError:
        return ("pass", 0)
    if len(w) == 2 and w[0] in ("cut", "flip", "slow"):
        return (w[0], int(w[1]))
    return ("pass", 0)


def shot_done():
    with open(CTL, "w") as f:
        f.write("done\n")


def pump_up(c, u, st):
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            if d[:4] in (b"GET ", b"HEAD", b"PUT ", b"POST"):
                st["sent"] = 0  # the answer to this request starts
            u.sendall(d)
    except OSError:
        pass
    try:
        u.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(c):
    u = socket.create_connection(("127.0.0.1", UP))
    st = {"sent": 0}
    threading.Thread(target=pump_up, args=(c, u, st), daemon=True).start()
    try:
        while True:
            d = u.recv(16384)
            if not d:
                break
            m, n = mode()
            if m == "slow":
                time.sleep(n / 1000.0)
            with lock:
                m, n = mode()
                sent = st["sent"]
                if m == "cut" and sent + len(d) >= n:
                    c.sendall(d[: max(0, n - sent)])
                    shot_done()
                    break
                if m == "flip" and sent <= n < sent + len(d):
                    b = bytearray(d)
                    b[n - sent] ^= 0xFF
                    d = bytes(b)
                    shot_done()
            c.sendall(d)
            st["sent"] += len(d)
    except OSError:
        pass
    for s in (c, u):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    print(ls.getsockname()[1], flush=True)

    def accept():
        while True:
            c, _ = ls.accept()
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
