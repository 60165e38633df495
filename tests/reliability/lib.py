"""lib.py: what the reliability suites share: locating the binary and the
shared corpus, running a child under limits, a counting TCP listener, and
the RESULT line that run.sh reads."""

import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

SRCDIR = os.environ.get("SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
# make check sets SYNDIC_BIN only: the build is where that binary is.
BUILDDIR = os.environ.get("BUILDDIR") or (
    os.path.dirname(os.path.abspath(os.environ["SYNDIC_BIN"]))
    if os.environ.get("SYNDIC_BIN") else os.path.join(SRCDIR, "build"))
SYNDIC = os.environ.get("SYNDIC_BIN") or os.path.join(BUILDDIR, "syndic")
SHARED = os.path.join(SRCDIR, "..", "shared")
SKIP = 77


def is_asan(path):
    """Whether the binary at path is built with AddressSanitizer."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def asan_sibling():
    """The ASan build of syndic beside this build, if there is one."""
    p = os.environ.get("ASAN_SYNDIC_BIN")
    if p == "none" or (not p and not os.environ.get("RELIABILITY_FULL")):
        return None
    if p:
        return p
    p = os.path.join(BUILDDIR, "..", "build-asan", "syndic")
    if os.path.exists(p) and is_asan(p) and not is_asan(SYNDIC):
        return os.path.abspath(p)
    return None


def command_available(binary, name):
    """Whether `syndic NAME` is implemented in this build."""
    r = subprocess.run([binary, name, "--help"], capture_output=True,
                       timeout=30)
    return b"not available" not in r.stderr


class Run:
    """The outcome of one child: status, output, wall time, peak RSS."""

    def __init__(self, status, out, err, wall, maxrss_kib, timed_out):
        self.status = status
        self.out = out
        self.err = err
        self.wall = wall
        self.maxrss_kib = maxrss_kib
        self.timed_out = timed_out


def run_limited(argv, as_bytes=None, timeout=10.0, stdin=None, env=None):
    """Run argv with an address-space limit; return a Run."""
    def limit():
        if as_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
    out_r = open(os.devnull, "rb") if stdin is None else stdin
    # GNU time measures the child from a small parent: the peak RSS
    # rusage gives a forked Python child includes Python's own.
    rssf = None
    if os.path.exists("/usr/bin/time"):
        fd, rssf = tempfile.mkstemp(prefix="syndic-rss.")
        os.close(fd)
        argv = ["/usr/bin/time", "-f", "%M %U %S", "-o", rssf] + list(argv)
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=out_r, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=limit, env=env)
    chunks = {"out": [], "err": []}

    def drain(f, key):
        chunks[key].append(f.read())
    ts = [threading.Thread(target=drain, args=(p.stdout, "out")),
          threading.Thread(target=drain, args=(p.stderr, "err"))]
    for t in ts:
        t.start()
    timed_out = False
    deadline = start + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid != 0:
            break
        if time.monotonic() > deadline:
            timed_out = True
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.005)
    wall = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in ts:
        t.join()
    maxrss = ru.ru_maxrss
    cpu = ru.ru_utime + ru.ru_stime
    if rssf:
        try:
            with open(rssf) as f:
                v = f.read().split()[-3:]
            maxrss, cpu = int(v[0]), float(v[1]) + float(v[2])
        except (OSError, ValueError, IndexError):
            pass
        os.unlink(rssf)
    r = Run(p.returncode, b"".join(chunks["out"]), b"".join(chunks["err"]),
            wall, maxrss, timed_out)
    r.cpu = cpu
    return r


class Listener:
    """A loopback TCP listener that counts (and logs) every connection."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.first = b""
        self.stopped = False
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            c.settimeout(0.5)
            try:
                self.first += c.recv(200)
            except OSError:
                pass
            c.close()

    def close(self):
        self.stopped = True
        self.sock.close()


def sanitizer_errors(err):
    """The ASan/LSan/UBSan report lines in a child's stderr."""
    text = err.decode("utf-8", "replace")
    bad = [ln for ln in text.splitlines()
           if "Sanitizer" in ln and ("ERROR" in ln or "SUMMARY" in ln)
           or "runtime error:" in ln]
    return bad


def result(cases, failures, figures):
    """Print the line run.sh reads, and exit with the suite's status."""
    print("RESULT cases=%d failures=%d figures=%s" % (cases, failures,
                                                      figures))
    sys.stdout.flush()
    sys.exit(0 if failures == 0 else 1)


def skip(why):
    print("SKIP: " + why)
    print("RESULT cases=0 failures=0 figures=skipped: " + why)
    sys.exit(SKIP)


def free_port():
    """A loopback TCP port that is free right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
