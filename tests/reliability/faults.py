#!/usr/bin/python3
"""faults.py: the loopback origin's fault list against the running daemon.

`syndic run` is subscribed to every hostile path of tests/origin.h next to
healthy feeds.  While it fetches them all, a client GETs /healthz every
20 ms (a loop stall shows as a slow answer) and the daemon's resident
memory is sampled.  Then each feed's state in `syndic list` must be the
expected one (ok, failing with the right reason, retired), the healthy
feeds must be stored, the daemon alive, no answer slower than 100 ms
beyond the machine's noise, and memory bounded."""

import os
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402
from daemon import Daemon, write_conf  # noqa: E402
from durability import Origin  # noqa: E402

RUN_SECONDS = float(os.environ.get("FAULT_SECONDS", "25"))
RSS_LIMIT_KIB = 128 * 1024

# path, expected state in `syndic list`, regex its last error must match
FAULTS = [
    ("/empty", "failing", r"(?i)empty|reply|connect|network|closed"),
    ("/reset", "failing", r"(?i)reset|trunc|short|partial|recv"),
    ("/drip", "failing", r"(?i)time|slow"),
    ("/hang", "failing", r"(?i)time"),
    ("/loop", "failing", r"(?i)redirect"),
    ("/redir/301/6/feed/r", "failing", r"(?i)redirect"),
    ("/status/404", "failing", r"404"),
    ("/status/410", "retired", r"410"),
    ("/status/500", "failing", r"500"),
    ("/status/503/120", "failing", r"503"),
    ("/truncgzip", "failing", r"(?i)trunc|gzip|decod|short"),
    ("/bomb", "failing", r"(?i)larger|too big|max_body"),
    ("/big", "failing", r"(?i)larger|too big|max_body"),
    ("/bigchunked", "failing", r"(?i)larger|too big|max_body"),
    ("/to/302?file:///etc/passwd", "failing", r"(?i)scheme|file|protocol"),
    ("/to/301?ftp://127.0.0.1/x", "failing", r"(?i)scheme|ftp|protocol"),
    ("/badutf8", "ok", None),
    ("/nul", "ok", None),
    ("/gzip/g", "ok", None),
    ("/ctype/c", "ok", None),
    ("/slow/300/feed/s", "ok", None),
    ("/redir/302/2/feed/moved", "ok", None),
    ("/html", "failing", r"(?i)html"),   # discovery is for syndic add
]
HEALTHY = ["/feed/h%02d" % i for i in range(10)]

failures = []


def fail(msg):
    print("FAIL " + msg)
    failures.append(msg)


def parse_list(text):
    """{url: (state, last error)} from `syndic list`."""
    out = {}
    cur = None
    for ln in text.splitlines():
        m = re.match(r"^\s*\d+\s+(\S+)\s.*?\s(\S+://\S+)", ln)
        if m:
            cur = m.group(2)
            out[cur] = [m.group(1), ""]
        elif cur and "last error" in ln:
            out[cur][1] = ln.strip()
    return out


def main():
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary")
    o = Origin()
    lat = []
    rss = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="syndic-faults.") as tmp:
        base = "http://127.0.0.1:%d" % o.port
        feeds = [base + p for p, _, _ in FAULTS] + [base + p for p in HEALTHY]
        port = lib.free_port()
        conf = write_conf(tmp, port, feeds, "timeout = 3s\nmax_body = 1M\n")
        d = Daemon(conf, port, os.path.join(tmp, "syndic.log"))

        def probe():
            while not stop.is_set():
                try:
                    st, _, t = d.get("/healthz", timeout=5)
                    lat.append(t if st == 200 else 99.0)
                except OSError:
                    lat.append(99.0)
                try:
                    rss.append(d.rss_kib())
                except OSError:
                    pass
                time.sleep(0.02)
        th = threading.Thread(target=probe)
        th.start()
        try:
            time.sleep(RUN_SECONDS)
        finally:
            stop.set()
            th.join()
        alive = d.alive()
        lag = d.loop_lag()
        busy = d.metric("syndic_loop_lag_busy_max_seconds")
        r = subprocess.run([lib.SYNDIC, "-c", conf, "list"],
                           capture_output=True, text=True, timeout=60)
        states = parse_list(r.stdout)
        rc = d.stop()
        o.stop()
        with open(os.path.join(tmp, "syndic.log"), "rb") as f:
            logtext = f.read().decode("utf-8", "replace")
    # What held the loop, when something did: its slow statements.
    for ln in logtext.splitlines():
        if "slow statement" in ln:
            print("note: " + ln[:200])
    ok = 0
    for path, want, rx in FAULTS:
        st, err = states.get(base + path, ("missing", ""))
        if st != want or (rx and not re.search(rx, err)):
            fail("%s: %s %r, expected %s%s" % (path, st, err, want,
                                                " /%s/" % rx if rx else ""))
        else:
            ok += 1
            print("ok %-28s %-8s %s" % (path, st, err))
    for p in HEALTHY:
        st, err = states.get(base + p, ("missing", ""))
        if st != "ok":
            fail("healthy %s: %s %s" % (p, st, err))
    if not alive or rc != 0:
        fail("daemon alive %s, exit after SIGTERM %s" % (alive, rc))
    lat.sort()
    slow = [t for t in lat if t > 0.1]
    if len(slow) > max(1, len(lat) // 100):
        fail("%d of %d /healthz answers slower than 100 ms (max %.0f ms)" %
             (len(slow), len(lat), lat[-1] * 1000))
    if lag is not None and lag > 0.1:
        fail("the loop was held %.0f ms (limit 100 ms; %.0f ms of it the "
             "loop's own CPU)" % (lag * 1000, (busy or 0) * 1000))
    peak = max(rss) if rss else 0
    if peak > RSS_LIMIT_KIB:
        fail("peak RSS %d KiB" % peak)
    lib.result(len(FAULTS) + len(HEALTHY), len(failures),
               "%d faults as expected of %d, %d healthy feeds ok; worst loop "
               "stall %s; /healthz "
               "x%d: p99 %.0f ms, max %.0f ms, %d over 100 ms; peak RSS "
               "%.1f MiB" % (ok, len(FAULTS), len(HEALTHY),
                             "%.0f ms (%.0f ms of the loop's own)" % (
                                 lag * 1000, (busy or 0) * 1000)
                             if lag is not None else "not measured",
                             len(lat),
                             lat[int(len(lat) * .99) - 1] * 1000 if lat
                             else 0, lat[-1] * 1000 if lat else 0,
                             len(slow), peak / 1024.0))


if __name__ == "__main__":
    main()
