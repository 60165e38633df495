#!/usr/bin/python3
"""abuse.py: hostile clients against `syndic run`.

1. Slow loris: SLOWLORIS (2,000) connections that send a request head a
   byte at a time, reopened when the server closes them, for LORIS_SECONDS;
   meanwhile a normal client GETs /healthz and /feed.atom every 100 ms and
   must be answered every time.
2. Oversized request line (64 KiB target) and headers (1 MiB): a 4xx or a
   close, never a hang, and bounded memory.
3. A wrk flood (WRK_SECONDS, 64 connections), twice: descriptors back to
   the baseline and resident memory flat between the two floods.
The daemon must be alive and healthy at the end."""

import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402
from daemon import Daemon, write_conf  # noqa: E402

NLORIS = int(os.environ.get("SLOWLORIS", "2000"))
LORIS_SECONDS = float(os.environ.get("LORIS_SECONDS", "15"))
WRK_SECONDS = int(os.environ.get("WRK_SECONDS", "8"))
HEAD = b"GET /feed.atom HTTP/1.1\r\nHost: x\r\nUser-Agent: loris\r\n"

failures = []


def fail(msg):
    print("FAIL " + msg)
    failures.append(msg)


def loris(d):
    """The slow-loris phase; returns its figures."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sel = selectors.DefaultSelector()
    socks = {}
    opened = closed_by_server = 0

    def connect():
        nonlocal opened
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", d.port))
        socks[s] = 0
        sel.register(s, selectors.EVENT_READ)
        opened += 1
    for _ in range(NLORIS):
        connect()
    lat = []
    misses = 0
    end = time.monotonic() + LORIS_SECONDS
    last_probe = last_drip = 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        for key, _ in sel.select(timeout=0.02):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                del socks[s]
                closed_by_server += 1
                connect()
        if now - last_drip > 1.0:
            # one more byte of the head on every connection
            for s in list(socks):
                i = socks[s]
                if i < len(HEAD):
                    try:
                        s.send(HEAD[i:i + 1])
                        socks[s] = i + 1
                    except OSError:
                        pass
            last_drip = now
        if now - last_probe > 0.1:
            for path in ("/healthz", "/feed.atom"):
                try:
                    st, _, t = d.get(path, timeout=5)
                    lat.append(t)
                    if st != 200:
                        misses += 1
                except OSError:
                    misses += 1
            last_probe = now
    held = len(socks)
    for s in list(socks):
        sel.unregister(s)
        s.close()
    lat.sort()
    if misses:
        fail("slow loris: %d of %d normal requests failed" %
             (misses, len(lat) + misses))
    p99 = lat[int(len(lat) * 0.99) - 1] if lat else 0
    if lat and lat[-1] > 2.0:
        fail("slow loris: a normal request took %.2f s" % lat[-1])
    return ("loris %d held (%d opened, %d closed by the server), %d normal "
            "requests, %d failed, p99 %.0f ms, max %.0f ms"
            % (held, opened, closed_by_server, len(lat), misses, p99 * 1000,
               (lat[-1] if lat else 0) * 1000))


def raw(d, data, timeout=5):
    """Send raw bytes, return the status line (b"" on a close)."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass
    try:
        r = s.recv(200)
    except OSError:
        r = b""
    s.close()
    return r.split(b"\r\n")[0]


def oversized(d):
    rss0 = d.rss_kib()
    cases = [("request line", b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\n"
              b"Host: x\r\n\r\n"),
             ("headers", b"GET / HTTP/1.1\r\nHost: x\r\n" +
              b"X-Big: " + b"b" * (1024 * 1024) + b"\r\n\r\n"),
             ("many headers", b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 50000 +
              b"\r\n"),
             ("body", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: "
              b"99999999999\r\n\r\n" + b"z" * 65536)]
    out = []
    for name, data in cases:
        for _ in range(20):
            line = raw(d, data)
        ok = line == b"" or (line.split(b" ")[1:2] and
                             line.split(b" ")[1][:1] == b"4")
        if not ok:
            fail("oversized %s: answered %r" % (name, line[:60]))
        out.append("%s->%s" % (name.replace(" ", "-"),
                               line.split(b" ")[1].decode() if line
                               else "close"))
    grow = d.rss_kib() - rss0
    if grow > 16 * 1024:
        fail("oversized requests grew RSS by %d KiB" % grow)
    return "oversized: %s, RSS %+d KiB" % (" ".join(out), grow)


def wrk(d):
    if not shutil.which("wrk"):
        return "wrk: not installed (apt-get install wrk), flood skipped"
    fd0 = d.fds()
    rss = []
    reqs = []
    for i in range(2):
        r = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % WRK_SECONDS,
                            d.url("/feed.atom")], capture_output=True,
                           text=True, timeout=WRK_SECONDS + 60)
        n = [ln for ln in r.stdout.splitlines() if "requests in" in ln]
        reqs.append(n[0].split()[0] if n else "?")
        errs = [ln for ln in r.stdout.splitlines() if "Non-2xx" in ln or
                "Socket errors" in ln]
        if errs:
            fail("wrk: %s" % "; ".join(errs))
        time.sleep(1.5)
        rss.append(d.rss_kib())
    fd1 = d.fds()
    if fd1 > fd0 + 2:
        fail("wrk: descriptors %d before, %d after" % (fd0, fd1))
    if rss[1] - rss[0] > 4096:
        fail("wrk: RSS grew %d KiB between two equal floods" %
             (rss[1] - rss[0]))
    return ("wrk 2x%ds: %s requests, fds %d->%d, RSS %d->%d KiB"
            % (WRK_SECONDS, "+".join(reqs), fd0, fd1, rss[0], rss[1]))


def main():
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary")
    figs = []
    with tempfile.TemporaryDirectory(prefix="syndic-abuse.") as tmp:
        feed = os.path.join(lib.SRCDIR, "tests", "fixtures", "feeds",
                            "rss20.xml")
        port = lib.free_port()
        conf = write_conf(tmp, port, ["file://" + feed])
        subprocess.run([lib.SYNDIC, "-c", conf, "poll", "--all"],
                       capture_output=True, timeout=60)
        d = Daemon(conf, port, os.path.join(tmp, "syndic.log"))
        try:
            fd0, rss0 = d.fds(), d.rss_kib()
            figs.append(loris(d))
            time.sleep(1.0)
            fd1 = d.fds()
            if fd1 > fd0 + 2:
                fail("slow loris: descriptors %d before, %d after" %
                     (fd0, fd1))
            figs.append("fds %d->%d" % (fd0, fd1))
            figs.append(oversized(d))
            figs.append(wrk(d))
            st = d.get("/healthz")[0]
            if st != 200 or not d.alive():
                fail("the daemon is not healthy at the end (%s)" % st)
            figs.append("RSS %d->%d KiB" % (rss0, d.rss_kib()))
            lag = d.loop_lag()
            if lag is not None:
                figs.append("worst loop stall %.0f ms" % (lag * 1000))
        finally:
            rc = d.stop()
        if rc != 0:
            fail("syndic run exited %s after SIGTERM" % rc)
            with open(os.path.join(tmp, "syndic.log"), "rb") as f:
                print(f.read()[-2000:].decode("utf-8", "replace"))
    for f in figs:
        print(f)
    lib.result(4, len(failures), "; ".join(figs))


if __name__ == "__main__":
    main()
