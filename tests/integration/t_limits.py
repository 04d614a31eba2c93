#!/usr/bin/env python3
"""Resource bounds: the client cap (1024), running out of file
descriptors (the reserve fd), and fds passed with SCM_RIGHTS."""
import array
import os
import resource
import select
import socket
import time

from skiffproto import Daemon, Results

R = Results()
MAX_CLIENTS = 1024


def raw_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def refusals(socks, timeout=5.0):
    """Map sock -> what it received before EOF, for every sock that got
    something (refused ones get one line, then EOF)."""
    got = {}
    byfd = {s.fileno(): s for s in socks}
    p = select.poll()
    for fd in byfd:
        p.register(fd, select.POLLIN)
    deadline = time.monotonic() + timeout
    while byfd and time.monotonic() < deadline:
        ready = p.poll(200)
        if not ready:
            break  # the accepted ones stay silent
        for fd, _ in ready:
            s = byfd[fd]
            try:
                data = s.recv(4096)
            except OSError as ex:
                data = ("<%s>" % ex).encode()
            got[s] = got.get(s, b"") + data
            if not data or data.endswith(b"\n"):
                p.unregister(fd)
                del byfd[fd]
    return got


def settled_nfds(d, want=None, timeout=5.0):
    """The daemon's fd count once it stops changing (or reaches want):
    a client the test just closed is released a moment later."""
    last, deadline = -1, time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = d.nfds()
        if n == want or (want is None and n == last):
            return n
        last = n
        time.sleep(0.1)
    return d.nfds()


def wait_clients(d, want, what):
    n = -1
    for _ in range(100):
        try:
            n = d.info()["Skiff"]["daemon"]["counts"]["clients"]
        except Exception:
            n = -1
        if n == want:
            break
        time.sleep(0.05)
    R.check("%s: clients count back to %d" % (what, want), n == want,
            "(%d)" % n)


def client_cap():
    d = Daemon()
    extra = 6
    socks = [raw_connect(d.sock) for _ in range(MAX_CLIENTS + extra)]
    got = refusals(socks)
    busy = [v for v in got.values() if v.startswith(b"err busy ")]
    R.check("%d clients: exactly %d refused with err busy" %
            (MAX_CLIENTS + extra, extra),
            len(got) == extra and len(busy) == extra,
            "(%d got data: %r)" % (len(got), list(got.values())[:2]))
    R.check("the refusal says too many clients",
            all(b"too many clients" in v for v in busy))
    R.check("the refused ones are the last to connect",
            all(s in got for s in socks[-extra:]))
    ok = True
    for s in socks[:3] + socks[MAX_CLIENTS - 3:MAX_CLIENTS]:
        s.sendall(b"ping\n")
        ok = ok and s.recv(16) == b"ok\n"
    R.check("accepted clients at the cap answer ping", ok)
    for s in socks[:10]:
        s.close()
    time.sleep(0.2)
    c = None
    try:
        c = d.conn()
        r = c.call("ping")
    except Exception as ex:
        r = repr(ex)
    R.check("after 10 close, a new client is accepted", r == ([], "ok"),
            repr(r))
    for s in socks[10:]:
        s.close()
    if c:
        c.close()
    wait_clients(d, 1, "client cap")
    R.check("skiffd exits 0 on SIGTERM", d.stop() == 0)


def fd_exhaustion():
    limit = 64

    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    d = Daemon(preexec_fn=lower)
    base = settled_nfds(d)
    socks = [raw_connect(d.sock) for _ in range(2 * limit)]
    got = refusals(socks)
    busy = [v for v in got.values() if v.startswith(b"err busy ")]
    accepted = len(socks) - len(got)
    R.info("RLIMIT_NOFILE %d, %d fds at rest: %d of %d clients accepted, "
           "%d refused" % (limit, base, accepted, len(socks), len(busy)))
    R.check("out of fds: the excess clients get err busy and EOF",
            len(busy) == len(got) and len(busy) >= limit // 2,
            "(%r)" % list(got.values())[:2])
    R.check("the refusal says out of file descriptors",
            busy and all(b"file descriptors" in v for v in busy))
    R.check("every client either accepted or refused (none left hanging)",
            accepted + len(busy) == len(socks) and accepted > 0)
    ok = True
    for s in socks:
        if s not in got:
            s.sendall(b"ping\n")
            ok = ok and s.recv(16) == b"ok\n"
    R.check("the accepted ones answer ping", ok)
    cpu0 = cpu_ticks(d.skiffd_pid())
    time.sleep(0.5)
    spin = cpu_ticks(d.skiffd_pid()) - cpu0
    R.info("daemon CPU while full and idle: %d ticks in 0.5 s" % spin)
    for s in socks:
        s.close()
    wait_clients(d, 1, "fd exhaustion")
    n = settled_nfds(d, base)
    R.check("fds back to the resting count (%d)" % base, n == base,
            "(%d)" % n)
    R.check("warned in the log", "out of file descriptors" in d.log())
    R.check("skiffd exits 0 on SIGTERM", d.stop() == 0)


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def passed_fds():
    d = Daemon()
    base = settled_nfds(d)
    c = d.conn()
    devnull = os.open("/dev/null", os.O_RDONLY)
    ok = True
    for i in range(25):  # 25 requests with 4 fds each
        fds = array.array("i", [devnull] * 4)
        c.s.sendmsg([b"ping\n"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   fds)])
        ok = ok and c.reply() == ([], "ok")
    R.check("requests carrying SCM_RIGHTS fds are answered", ok)
    held = d.nfds() - base - 1  # minus the client's own socket
    R.info("daemon holds %d passed fds for one client (of 100 sent)" % held)
    R.check("passed fds held per client are bounded (<= 8)",
            0 <= held <= 8, "(%d)" % held)
    # 250 fds in one message: more than the control buffer takes.
    fds = array.array("i", [devnull] * 250)
    try:
        c.s.sendmsg([b"ping\n"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   fds)])
        r = c.reply()
    except OSError as ex:  # the kernel may refuse that many (SCM_MAX_FD)
        r = ([], "ok")
        R.info("sending 250 fds at once: %s" % ex)
    R.check("a message with 250 fds: still answered", r == ([], "ok"))
    R.check("still bounded after it", d.nfds() - base - 1 <= 8,
            "(%d)" % (d.nfds() - base - 1))
    c.close()
    os.close(devnull)
    wait_clients(d, 1, "passed fds")
    n = settled_nfds(d, base)
    R.check("passed fds closed with their client (%d fds)" % base,
            n == base, "(%d)" % n)
    R.check("skiffd exits 0 on SIGTERM", d.stop() == 0)


R.guard("client cap", client_cap)
R.guard("fd exhaustion", fd_exhaustion)
R.guard("passed fds", passed_fds)
R.exit()
