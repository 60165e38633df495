#!/usr/bin/python3
"""soak.py: `syndic run` for SOAK_SECONDS (600) over SOAK_FEEDS (1,000)
feeds of the loopback origin that change every 20 s, 5% of them faulty
(errors, hangs, resets, bombs, truncation, slowness).  Anonymous resident
memory (RssAnon: the store's mmap'd pages grow with the store and are not
a leak) and open descriptors are sampled every 5 s and must stay flat
after the first quarter (no upward trend beyond 8 MiB besides SQLite's
32 MiB page cache, nor 16 descriptors); the worst loop stall (/metrics)
must stay under 100 ms; the write-ahead log must stay bounded (its
largest size after a commit, /metrics, under 64 MiB: the checkpoint
thread keeps up); /healthz must answer throughout; at the end every healthy feed is ok and every failing
feed is one of the faulty ones (no error unaccounted for).  Then a shorter
run (SOAK_ASAN_SECONDS, 120) of the ASan build, when one stands beside
this build, must end without an ASan or LSan report."""

import os
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
from faults import parse_list  # noqa: E402

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
ASAN_SECONDS = float(os.environ.get("SOAK_ASAN_SECONDS", "120"))
NFEEDS = int(os.environ.get("SOAK_FEEDS", "1000"))
FAULTY = ["/status/500", "/hang", "/empty", "/bomb", "/reset", "/truncgzip",
          "/status/404", "/drip", "/slow/8000/feed/slow", "/loop"]

failures = []


def fail(msg):
    print("FAIL " + msg)
    failures.append(msg)


def feeds(base, n):
    """(urls, set of faulty urls): every 20th feed is faulty."""
    urls, bad = [], set()
    for i in range(n):
        if i % 20 == 7:
            u = base + FAULTY[(i // 20) % len(FAULTY)] + "?f=%d" % i
            bad.add(u)
        else:
            u = base + "/feed/s%04d?items=15" % i
        urls.append(u)
    return urls, bad


def metrics(d):
    """The daemon's /metrics as a dict (one request: each one counts the
    store's rows on the loop)."""
    out = {}
    try:
        st, body, _ = d.get("/metrics", timeout=10)
    except OSError:
        return out
    for ln in body.decode("utf-8", "replace").splitlines():
        if ln and not ln.startswith("#") and " " in ln:
            name, _, v = ln.rpartition(" ")
            try:
                out.setdefault(name, float(v))
            except ValueError:
                pass
    return out


def soak(binary, secs, tag):
    """One soak run; returns its figures."""
    o = Origin()
    samples = []
    series = []
    misses = [0]
    with tempfile.TemporaryDirectory(prefix="syndic-soak.") as tmp:
        base = "http://127.0.0.1:%d" % o.port
        urls, bad = feeds(base, NFEEDS)
        port = lib.free_port()
        conf = write_conf(tmp, port, urls,
                          "interval = 60s\nmin_interval = 30s\n"
                          "timeout = 5s\nmax_body = 1M\nper_site = 100\n"
                          "concurrency = 64\n")
        log = os.path.join(tmp, "syndic.log")
        d = Daemon(conf, port, log, binary=binary)
        stop = threading.Event()

        def changer():
            while not stop.wait(20):
                o.next_generation()

        def sampler():
            k = 0
            t0 = time.monotonic()
            while not stop.is_set():
                try:
                    st, _, t = d.get("/healthz", timeout=10)
                    if st != 200:
                        misses[0] += 1
                    # A render of the merged feed or the river (on the
                    # loop) now and then, as readers would ask.
                    k += 1
                    st2, _, _ = d.get(("/feed.atom", "/", "/feed.json")[
                        k % 3], timeout=30)
                    if st2 != 200:
                        misses[0] += 1
                    samples.append((time.monotonic(), d.rss_kib("RssAnon"),
                                    d.fds(), t, d.rss_kib()))
                    # Every 12th sample (a minute): the loop's worst
                    # stall and the WAL so far, to place a stall in time.
                    if k % 12 == 1:
                        m = metrics(d)
                        series.append((time.monotonic() - t0,
                                       samples[-1][1], samples[-1][2],
                                       t, m.get("syndic_loop_lag_max_seconds"),
                                       m.get("syndic_store_wal_bytes")))
                except OSError:
                    misses[0] += 1
                stop.wait(5)
        ths = [threading.Thread(target=changer),
               threading.Thread(target=sampler)]
        for t in ths:
            t.start()
        try:
            time.sleep(secs)
        finally:
            stop.set()
            for t in ths:
                t.join()
        alive = d.alive()
        lag = d.loop_lag()
        wal_max = d.metric("syndic_store_wal_max_bytes")
        ckpts = d.metric("syndic_store_checkpoints_total")
        truncs = d.metric("syndic_store_wal_truncations_total")
        busy = d.metric("syndic_loop_lag_busy_max_seconds")
        renders = d.metric("syndic_publish_renders_total") or 0
        render_s = d.metric("syndic_publish_render_seconds_total") or 0
        r = subprocess.run([lib.SYNDIC, "-c", conf, "list"],
                           capture_output=True, text=True, timeout=120)
        rc = d.stop(60)
        o.stop()
        with open(log, "rb") as f:
            logtext = f.read().decode("utf-8", "replace")
    states = parse_list(r.stdout)
    # "new": not fetched yet (the scheduler spreads first polls out).
    unaccounted = [u for u, (st, _) in states.items()
                   if st not in ("ok", "new") and u not in bad]
    unpolled = [u for u, (st, _) in states.items() if st == "new"]
    if secs >= 300 and unpolled:
        fail("%s: %d feeds never polled in %.0f s" % (tag, len(unpolled),
                                                        secs))
    never = [u for u in urls if u not in bad and u not in states]
    if unaccounted:
        fail("%s: %d healthy feeds not ok, e.g. %s %s" % (
            tag, len(unaccounted), unaccounted[0],
            states[unaccounted[0]]))
    notok = [u for u in bad if states.get(u, ("?",))[0] == "ok"]
    if notok:
        fail("%s: faulty feeds reported ok: %s" % (tag, notok[:3]))
    if never:
        fail("%s: %d feeds missing from syndic list" % (tag, len(never)))
    if not alive or rc != 0:
        fail("%s: alive %s, exit after SIGTERM %s" % (tag, alive, rc))
    if misses[0]:
        fail("%s: %d /healthz probes failed" % (tag, misses[0]))
    san = lib.sanitizer_errors(logtext.encode())
    if san:
        fail("%s: sanitizer reports: %s" % (tag, san[:3]))
    # Flat after warm-up: compare the second and the last quarter.
    n = len(samples)
    fig = "%s %.0f s: %d samples" % (tag, secs, n)
    if n >= 8:
        q = n // 4
        a, b = samples[q:2 * q], samples[3 * q:]
        rss_a = sum(s[1] for s in a) / len(a)
        rss_b = sum(s[1] for s in b) / len(b)
        fd_a = sum(s[2] for s in a) / len(a)
        fd_b = sum(s[2] for s in b) / len(b)
        # SQLite's page cache (cache_size = 32 MB, storage/store.c) fills
        # as the store grows: bounded, and allowed for here.
        if rss_b - rss_a > (8 + 32) * 1024 and tag == "plain":
            fail("%s: anonymous RSS grew %.1f -> %.1f MiB" % (
                tag, rss_a / 1024, rss_b / 1024))
        if fd_b - fd_a > 16:
            fail("%s: descriptors grew %.0f -> %.0f" % (tag, fd_a, fd_b))
        worst = max(s[3] for s in samples)
        fig += (", anonymous RSS %.1f->%.1f MiB (max %.1f; with the "
                "mapped store max %.1f), fds %.0f->%.0f (max %d),"
                " /healthz max %.0f ms" % (
                    rss_a / 1024, rss_b / 1024,
                    max(s[1] for s in samples) / 1024,
                    max(s[4] for s in samples) / 1024, fd_a, fd_b,
                    max(s[2] for s in samples), worst * 1000))
    if lag is not None:
        fig += ", worst loop stall %.0f ms (%.0f ms of the loop's own)" % (
            lag * 1000, (busy or 0) * 1000)
        if lag > 0.1 and tag == "plain":
            fail("%s: the loop was held %.0f ms (limit 100 ms)" % (
                tag, lag * 1000))
    if wal_max is not None:
        fig += (", WAL max %.1f MiB (%d checkpoints, emptied %d times)" % (
            wal_max / 1048576, ckpts or 0, truncs or 0))
        if wal_max > 64 * 1048576:
            fail("%s: the WAL grew to %.0f MiB" % (tag,
                                                   wal_max / 1048576))
    if series:
        print("%s over time: seconds, anonymous RSS MiB, descriptors, "
              "/healthz ms, worst loop stall so far ms, WAL MiB" % tag)
        for (ts, rss, nfd, hz, lg, wal) in series:
            print("  %5.0f %6.1f %4d %6.0f %7s %7s" % (
                ts, rss / 1024, nfd, hz * 1000,
                "-" if lg is None else "%.0f" % (lg * 1000),
                "-" if wal is None else "%.1f" % (wal / 1048576)))
    ok = sum(1 for u, (st, _) in states.items() if st == "ok")
    fig += (", %d feeds ok, %d failing (all faulty), %d not polled yet, "
            "%d unaccounted" % (ok, len(states) - ok - len(unpolled),
                                len(unpolled), len(unaccounted)))
    if renders:
        fig += ", %d renders (%.0f ms each on average)" % (
            renders, render_s * 1000 / renders)
    slow = [ln for ln in logtext.splitlines() if "slow statement" in ln]
    if slow:
        print("%d slow statements (over 50 ms) in the log, e.g.:" %
              len(slow))
        for ln in sorted(slow, key=lambda x: -int(
                x.split("(")[1].split()[0]))[:10]:
            print("  " + ln[:200])
    fig += ", %d statements over 50 ms" % len(slow)
    m = [ln for ln in logtext.splitlines() if "fatal" in ln.lower()]
    if m:
        fail("%s: fatal in the log: %s" % (tag, m[:2]))
    print(fig)
    return fig


def main():
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary")
    figs = [soak(lib.SYNDIC, SECONDS, "asan" if lib.is_asan(lib.SYNDIC)
                 else "plain")]
    sib = lib.asan_sibling()
    if sib and ASAN_SECONDS > 0:
        figs.append(soak(sib, ASAN_SECONDS, "asan"))
    else:
        figs.append("no ASan build beside this one: ASan soak not run")
    lib.result(len(figs), len(failures), "; ".join(figs))


if __name__ == "__main__":
    main()
