#!/usr/bin/env python3
"""`events`: live delivery, event fields, filters, cancel, --since replay,
and the shutdown event followed by a status line."""
import json
import os
import signal
import time

from skiffproto import Daemon, Results, is_status

R = Results()
D = Daemon()


def subscribe(req):
    """Open a stream; it is live once a later request on another
    connection is answered (the loop handles every ready fd before it
    flushes replies)."""
    c = D.conn(timeout=5)
    c.send(req + "\n")
    return c


def barrier():
    c = D.conn()
    assert c.call("ping") == ([], "ok")
    c.close()


def next_event(c):
    l = c.line()
    if is_status(l):
        raise AssertionError("stream ended: " + l)
    return json.loads(l)


def cancel(c):
    """cancel; return (data lines before the status, status)."""
    c.send("cancel\n")
    return c.reply()


def check_fields(name, ev, seq):
    keys = {"time", "time_nano", "type", "action", "id", "attributes", "seq"}
    R.check(name + ": has exactly the fields " + ",".join(sorted(keys)),
            set(ev) == keys, repr(sorted(ev)))
    R.check(name + ": type daemon, action reload, id \"\", attributes {}",
            (ev.get("type"), ev.get("action"), ev.get("id"),
             ev.get("attributes")) == ("daemon", "reload", "", {}),
            repr(ev))
    tn = ev.get("time_nano")
    t = ev.get("time", "")
    good_time = isinstance(tn, int) and abs(tn / 1e9 - time.time()) < 60
    if good_time:
        want = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(tn // 10**9))
        good_time = t == "%s.%09dZ" % (want, tn % 10**9)
    R.check(name + ": time (RFC 3339, UTC) matches time_nano", good_time,
            repr((t, tn)))
    R.check(name + ": seq is the bus's latest (%s)" % seq,
            ev.get("seq") == seq, repr(ev.get("seq")))


def live_and_filters():
    all_ = subscribe("events")
    cont = subscribe("events --filter type=container")
    both = subscribe("events --filter type=daemon --filter action=reload")
    orr = subscribe("events -f type=container -f type=daemon")
    other = subscribe("events --filter action=start")
    barrier()
    os.kill(D.pid, signal.SIGHUP)
    ev = next_event(all_)
    seq = D.info()["Skiff"]["daemon"]["counts"]["events"]
    check_fields("events after SIGHUP", ev, seq)
    ev2 = next_event(both)
    R.check("--filter type=daemon --filter action=reload receives it",
            ev2 == ev, repr(ev2))
    ev3 = next_event(orr)
    R.check("-f type=container -f type=daemon (values OR'ed) receives it",
            ev3 == ev, repr(ev3))
    # Every stream was produced in the same pass: what a filtered-out
    # stream has not sent by now, it never will.
    d, s = cancel(cont)
    R.check("--filter type=container does not receive it; cancel -> ok",
            d == [] and s == "ok", repr((d, s)))
    d, s = cancel(other)
    R.check("--filter action=start does not receive it; cancel -> ok",
            d == [] and s == "ok", repr((d, s)))
    for name, c in (("type=container", cont), ("action=start", other)):
        R.check("ping on the same connection after cancel (%s)" % name,
                c.call("ping") == ([], "ok"))
        c.close()

    # Several reloads arrive in order, nothing lost.
    for _ in range(5):
        os.kill(D.pid, signal.SIGHUP)
        time.sleep(0.02)
    evs = [next_event(all_) for _ in range(5)]
    R.check("5 more reloads arrive in order",
            [e["seq"] for e in evs] == list(range(seq + 1, seq + 6)) and
            all(e["action"] == "reload" for e in evs),
            repr([e["seq"] for e in evs]))
    d, s = cancel(all_)
    R.check("cancel ends the unfiltered stream with ok", s == "ok" and
            d == [], repr((d, s)))
    R.check("ping after cancel on the same connection",
            all_.call("ping") == ([], "ok"))
    all_.send("events\n")
    barrier()
    os.kill(D.pid, signal.SIGHUP)
    e = next_event(all_)
    R.check("second stream on that connection gets the next reload",
            e["seq"] == seq + 6, repr(e))
    R.check("and ends on cancel", cancel(all_) == ([], "ok"))
    both.send("cancel\n")
    orr.send("cancel\n")
    for c in (both, orr):
        d, s = c.reply()
        R.check("cancel on a filtered stream -> ok", s == "ok")
        c.close()
    all_.close()
    return ev


def since(first):
    c = subscribe("events --since 1m")
    got = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        e = next_event(c)
        got.append(e)
        if e["seq"] >= first["seq"]:
            break
    R.check("events --since 1m replays the daemon start (seq 1)",
            got and got[0]["seq"] == 1 and got[0]["action"] == "start",
            repr(got[:1]))
    R.check("events --since 1m replays the earlier reload, same line",
            first in got)
    R.check("replayed events in order",
            [e["seq"] for e in got] == list(range(1, len(got) + 1)))
    d, s = cancel(c)
    R.check("cancel ends the --since stream with ok", s == "ok", s)
    # Unix seconds after the first reload exclude it and the start event.
    t = first["time_nano"] // 10**9 + 1
    while time.time() < t + 0.01:  # the next reload must be newer than t
        time.sleep(0.02)
    c.send("events --since %d\n" % t)
    barrier()
    os.kill(D.pid, signal.SIGHUP)
    e = next_event(c)
    R.check("events --since UNIX-SECONDS skips older events",
            e["seq"] > first["seq"] and e["time_nano"] >= t * 10**9,
            repr(e))
    R.check("cancel -> ok", cancel(c)[1] == "ok")
    c.close()


def shutdown():
    sub = subscribe("events")
    barrier()
    c = D.conn()
    R.check("shutdown from another client -> ok",
            c.call("shutdown") == ([], "ok"))
    lines = []
    try:
        while True:
            l = sub.line()
            lines.append(l)
            if is_status(l):
                break
    except EOFError:
        lines.append("EOF")
    evs = [json.loads(l) for l in lines[:-1]]
    R.check("subscriber sees daemon shutdown, then a status line",
            evs and evs[-1]["type"] == "daemon" and
            evs[-1]["action"] == "shutdown" and lines[-1] == "ok",
            repr(lines[-3:]))
    rc = D.wait(15)
    R.check("skiffd exits 0 after shutdown", rc == 0, repr(rc))
    R.check("socket removed after shutdown", not os.path.exists(D.sock))
    sub.close()
    c.close()


first = R.guard("live events and filters", live_and_filters)
if first:
    R.guard("events --since", since, first)
R.guard("shutdown event", shutdown)
R.exit()
