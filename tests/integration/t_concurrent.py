#!/usr/bin/env python3
"""200 clients at once, 50 pings each (single and pipelined): every ping
answered; the client count returns to 1 once they close."""
import threading
import time

from skiffproto import Daemon, Results

N, PINGS = 200, 50
R = Results()
D = Daemon()

connected = threading.Barrier(N + 1, timeout=30)
finished = threading.Barrier(N + 1, timeout=60)
release = threading.Barrier(N + 1, timeout=60)
answered = [0] * N
errors = []


def client(i):
    c = None
    try:
        c = D.conn(timeout=20)
    except Exception as ex:
        errors.append("connect %d: %s" % (i, ex))
    try:
        connected.wait()
        if c:
            n = 0
            # 10 one at a time, then 40 pipelined: 2 x 20, or 40 at once.
            for _ in range(10):
                n += c.call("ping") == ([], "ok")
            batches = [20, 20] if i % 2 else [40]
            for b in batches:
                c.send("ping\n" * b)
                n += sum(c.line() == "ok" for _ in range(b))
            answered[i] = n
    except Exception as ex:
        errors.append("client %d: %s" % (i, ex))
    for b in (finished, release):  # stay connected while main counts
        try:
            b.wait()
        except threading.BrokenBarrierError:
            pass
    if c:
        c.close()


def main():
    threads = [threading.Thread(target=client, args=(i,), daemon=True)
               for i in range(N)]
    for t in threads:
        t.start()
    try:
        connected.wait()
    except threading.BrokenBarrierError:
        pass
    t0 = time.monotonic()
    try:
        finished.wait()
    except threading.BrokenBarrierError:
        pass
    took = time.monotonic() - t0
    R.check("%d clients connected at once" % N,
            not any(e.startswith("connect") for e in errors), errors[:3])
    try:
        n = D.info()["Skiff"]["daemon"]["counts"]["clients"]
    finally:
        try:
            release.wait()
        except threading.BrokenBarrierError:
            pass
    R.check("info counts all %d clients plus itself (%d)" % (N, n),
            n == N + 1)
    R.check("every client got all %d pings answered" % PINGS,
            answered == [PINGS] * N and not errors,
            "(%d short; %s)" % (sum(a != PINGS for a in answered),
                                errors[:3]))
    R.info("%d pings over %d clients in %.2f s" % (N * PINGS, N, took))
    for t in threads:
        t.join(30)
    R.check("client threads done", not any(t.is_alive() for t in threads))
    n = -1
    for _ in range(100):
        n = D.info()["Skiff"]["daemon"]["counts"]["clients"]
        if n == 1:
            break
        time.sleep(0.05)
    R.check("clients count back to 1 after they close", n == 1, "(%d)" % n)


R.guard("concurrent clients", main)
R.check("daemon still running", D.alive())
R.check("skiffd exits 0 on SIGTERM", D.stop() == 0)
R.exit()
