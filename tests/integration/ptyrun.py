#!/usr/bin/env python3
"""Drive a command on a pseudo-terminal, as a person at a terminal would.

    ptyrun.py [--rows N --cols N] [--stdin-pipe] STEPS -- COMMAND [ARG...]

COMMAND runs as a session leader with a new pty as its controlling
terminal and stdin/stdout/stderr (with --stdin-pipe, stdin is a pipe
instead, fed by `send`). STEPS is ';;'-separated:
    send TEXT       write TEXT (Python escapes: \\r, \\x10, ...)
    expect REGEX    wait (10 s) until the output so far matches REGEX
    resize R C      set the window size (the command gets SIGWINCH)
    close           close the stdin pipe (--stdin-pipe only)
    sleep SECONDS
At the end it waits (10 s) for COMMAND to exit and prints `exit N`.
Everything the command printed is echoed to stdout, prefixed with `| `,
so a failing check shows the transcript. Exits 1 when an expect times
out or the command does not exit in time (it is killed then)."""
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    rows, cols, stdin_pipe = 24, 80, False
    while args and args[0].startswith("--") and args[0] != "--":
        opt = args.pop(0)
        if opt == "--rows":
            rows = int(args.pop(0))
        elif opt == "--cols":
            cols = int(args.pop(0))
        elif opt == "--stdin-pipe":
            stdin_pipe = True
    steps = args.pop(0)
    assert args.pop(0) == "--"
    master, slave = os.openpty()
    set_size(master, rows, cols)
    pr = pw = None
    if stdin_pipe:
        pr, pw = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(pr if stdin_pipe else slave, 0)
        os.dup2(slave, 1)
        os.dup2(slave, 2)
        os.closerange(3, 1024)
        os.execvp(args[0], args)
    os.close(slave)
    if pr is not None:
        os.close(pr)
    out = b""
    failed = False

    def pump(timeout):
        nonlocal out
        r, _, _ = select.select([master], [], [], timeout)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            out += data
            return bool(data)
        return True

    for step in steps.split(";;"):
        step = step.strip()
        if not step:
            continue
        verb, _, arg = step.partition(" ")
        if verb == "send":
            data = arg.encode().decode("unicode_escape").encode("latin-1")
            os.write(pw if stdin_pipe else master, data)
        elif verb == "expect":
            deadline = time.monotonic() + 10
            rx = re.compile(arg.encode(), re.S)
            while not rx.search(out) and time.monotonic() < deadline:
                if not pump(0.1):
                    break
            if not rx.search(out):
                print("# expect timed out: %r" % arg)
                failed = True
                break
        elif verb == "resize":
            r, c = arg.split()
            set_size(master, int(r), int(c))
        elif verb == "close":
            os.close(pw)
            pw = None
        elif verb == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                pump(0.05)
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        pump(0.05)
    while pump(0.05) and select.select([master], [], [], 0)[0]:
        pass
    for line in out.decode("utf-8", "replace").splitlines():
        print("| " + line)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("# command did not exit")
        return 1
    print("exit %d" % (os.waitstatus_to_exitcode(status)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
