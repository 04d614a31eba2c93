"""Minimal line-protocol client for integration scenarios (stdlib only).

Conn: one connection (call/reply/line). Results: "ok - NAME" / "not ok -
NAME" lines. Daemon: a skiffd of the scenario's own, in a temp dir,
stopped by its pid and removed at exit (also on SIGTERM from the runner).
"""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SKIFFD = os.environ.get("SKIFFD") or os.path.join(TOP, "build", "skiffd")


def is_status(l):
    return l == "ok" or l.startswith("err ")


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

    def rawline(self):
        """The next line as bytes, without its LF."""
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        l, self.buf = self.buf.split(b"\n", 1)
        return l

    def line(self):
        return self.rawline().decode("utf-8", "replace")

    def reply(self):
        """Read one reply: (data lines, status line)."""
        data = []
        while True:
            l = self.line()
            if is_status(l):
                return data, l
            data.append(l)

    def call(self, req):
        self.send(req + "\n")
        return self.reply()

    def settimeout(self, t):
        self.s.settimeout(t)

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

    def info(self, msg):
        """A comment line; the runner counts only ok / not ok lines."""
        print("# " + msg)
        sys.stdout.flush()

    def guard(self, name, fn, *args):
        """Run fn; an exception (timeout, EOF, ...) is one failed check."""
        try:
            return fn(*args)
        except Exception as ex:  # report, do not crash the scenario
            self.check(name, False, "(%s: %s)" % (type(ex).__name__, ex))
            return None

    def exit(self):
        sys.exit(1 if self.failed else 0)


def _on_sigterm(sig, frame):
    sys.exit(143)  # runs atexit: daemons are stopped, temp dirs removed


signal.signal(signal.SIGTERM, _on_sigterm)


class Daemon:
    """skiffd with its root, run dir and socket in a fresh temp dir."""

    def __init__(self, args=(), env=None, wait=True, tmp=None,
                 preexec_fn=None):
        self.tmp = tmp or tempfile.mkdtemp(prefix="skiff-test.")
        self.sock = os.path.join(self.tmp, "skiff.sock")
        self.logpath = os.path.join(self.tmp, "daemon.log")
        self.proc = None
        atexit.register(self.cleanup)
        self.start(args, env, wait, preexec_fn)

    def start(self, args=(), env=None, wait=True, preexec_fn=None):
        e = dict(os.environ)
        e["SKIFF_SOCK"] = self.sock
        e.update(env or {})
        with open(self.logpath, "ab") as log:
            self.proc = subprocess.Popen(
                [SKIFFD, "--root", os.path.join(self.tmp, "root"),
                 "--run-dir", os.path.join(self.tmp, "run"),
                 "--sock", self.sock] + list(args),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=log, env=e, preexec_fn=preexec_fn)
        self.pid = self.proc.pid
        if wait and not self.wait_ready():
            raise RuntimeError("skiffd did not answer on %s" % self.sock)

    def wait_ready(self, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                c = Conn(self.sock, timeout=2)
                try:
                    if c.call("ping")[1] == "ok":
                        return True
                finally:
                    c.close()
            except (OSError, EOFError):
                pass
            time.sleep(0.05)
        return False

    def conn(self, timeout=10):
        return Conn(self.sock, timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def info(self):
        c = self.conn()
        try:
            data, st = c.call("info")
        finally:
            c.close()
        if st != "ok" or len(data) != 1:
            raise RuntimeError("info: %r %s" % (data, st))
        return json.loads(data[0])

    def skiffd_pid(self):
        """skiffd proper: the keeper's child when skiffd started with
        its keeper (the default), else the process started here."""
        try:
            with open("/proc/%d/comm" % self.pid) as f:
                if f.read().strip() != "skiffd-keeper":
                    return self.pid
            with open("/proc/%d/task/%d/children" % (self.pid, self.pid)) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            return self.pid
        for k in kids:
            try:
                with open("/proc/%d/comm" % k) as f:
                    if f.read().strip() == "skiffd":
                        return k
            except OSError:
                pass
        return self.pid

    def nfds(self):
        return len(os.listdir("/proc/%d/fd" % self.skiffd_pid()))

    def rss_kib(self):
        with open("/proc/%d/status" % self.skiffd_pid()) as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1])
        return -1

    def wait(self, timeout=10):
        """Exit status, or None if still running after timeout."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after timeout; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        try:
            rc = self.stop(5)
            if rc not in (None, 0):  # a crash: show why, for CI's log
                print("# skiffd exited %s; last lines of its log:" % rc)
                for l in self.log().splitlines()[-80:]:
                    print("#   " + l)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
