#!/usr/bin/env python3
"""Pipelining: many requests in one write, mixed verbs, and tiny writes,
all answered in order on one connection."""
import json
import time

from skiffproto import Daemon, Results

R = Results()
D = Daemon()


def thousand_pings():
    c = D.conn()
    c.send("ping\n" * 1000)
    lines = [c.line() for _ in range(1000)]
    R.check("1000 pipelined pings: 1000 ok", lines == ["ok"] * 1000,
            "(%d not ok)" % sum(l != "ok" for l in lines))
    c.settimeout(0.3)
    extra = b""
    try:
        extra = c.s.recv(100)
    except OSError:  # timeout: nothing more, as it should be
        pass
    R.check("1000 pipelined pings: nothing extra", extra == b"" and
            c.buf == b"", repr(extra + c.buf))
    c.settimeout(10)
    R.check("connection usable after 1000 pings", c.call("ping") ==
            ([], "ok"))
    c.close()


def check_mixed(name, replies):
    (d1, s1), (d2, s2), (d3, s3), (d4, s4), (d5, s5) = replies
    R.check(name + ": ping -> ok", (d1, s1) == ([], "ok"), repr((d1, s1)))
    v = json.loads(d2[0]) if len(d2) == 1 else {}
    R.check(name + ": version -> one JSON line + ok",
            s2 == "ok" and "Version" in v and "ApiVersion" in v,
            repr((d2, s2)))
    R.check(name + ": bogus -> err not_found naming it",
            d3 == [] and s3.startswith("err not_found ") and "bogus" in s3,
            repr((d3, s3)))
    h = json.loads(d4[0]) if len(d4) == 1 else {}
    R.check(name + ": help ping -> usage text + ok",
            s4 == "ok" and "skiff ping" in h.get("text", ""), repr((d4, s4)))
    R.check(name + ": last ping -> ok", (d5, s5) == ([], "ok"),
            repr((d5, s5)))


MIXED = "ping\nversion\nbogus\nhelp ping\nping\n"


def mixed():
    c = D.conn()
    c.send(MIXED)
    check_mixed("mixed pipeline", [c.reply() for _ in range(5)])
    c.close()


def byte_by_byte():
    c = D.conn()
    data = (MIXED * 3).encode()
    for i in range(len(data)):
        c.send(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.0005)  # let the daemon see partial lines
    replies = [c.reply() for _ in range(15)]
    for k in range(3):
        check_mixed("byte-by-byte pipeline #%d" % (k + 1),
                    replies[5 * k:5 * k + 5])
    c.close()


def split_everywhere():
    # Every split point of one request line across two writes.
    c = D.conn()
    line = b"help ping\n"
    okay = True
    for i in range(1, len(line)):
        c.send(line[:i])
        time.sleep(0.002)
        c.send(line[i:])
        d, s = c.reply()
        okay = okay and s == "ok" and len(d) == 1
    R.check("request split at every byte across two writes", okay)
    c.close()


def ordered_helps():
    # Distinguishable replies: 600 `help VERB` over six verbs, one write.
    verbs = ["ping", "version", "info", "help", "events", "shutdown"]
    reqs = [verbs[i % 6] for i in range(600)]
    c = D.conn()
    c.send("".join("help %s\n" % v for v in reqs))
    got = []
    for v in reqs:
        d, s = c.reply()
        t = json.loads(d[0]).get("text", "") if len(d) == 1 else ""
        got.append(s == "ok" and t.startswith("Usage:  skiff " + v))
    R.check("600 pipelined help VERB answered in order", all(got),
            "(first wrong at %d)" % (got.index(False) if False in got else -1))
    c.close()


R.guard("1000 pipelined pings", thousand_pings)
R.guard("ordered helps", ordered_helps)
R.guard("mixed pipeline", mixed)
R.guard("byte-by-byte pipeline", byte_by_byte)
R.guard("split requests", split_everywhere)
R.check("daemon still running", D.alive())
R.check("skiffd exits 0 on SIGTERM", D.stop() == 0)
R.exit()
