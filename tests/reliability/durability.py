#!/usr/bin/python3
"""durability.py: crashes and full disks cost nothing.

1. The store's own kill -9 test (tests/check_durable, written with the
   store) run for KILL_CYCLES (500) kills: after each, integrity_check and
   FTS5's check pass, no acknowledged update is lost, none is partial.
2. The same through the real binary: `syndic poll --all` against the
   loopback origin (new feed generations every cycle) killed with SIGKILL
   at a random instant, DAEMON_KILLS (60) times: integrity_check passes
   after each and no entry committed before is ever missing.
3. The daemon: `syndic run` killed with SIGKILL during ingest
   KILLRUN_CYCLES (500) times (killrun.py): integrity, none lost, none
   partial.
4. A full disk: the store on a small tmpfs (or, where mount is refused,
   under RLIMIT_FSIZE) filled by polls until they fail: the failure is
   reported (exit status and message), the store stays intact, and once
   space is freed the next poll stores again."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402
from daemon import write_conf  # noqa: E402
import killrun  # noqa: E402

KILL_CYCLES = int(os.environ.get("KILL_CYCLES", "500"))
KILLRUN_CYCLES = int(os.environ.get("KILLRUN_CYCLES", "500"))
DAEMON_KILLS = int(os.environ.get("DAEMON_KILLS", "60"))
NFEEDS = 20

failures = []
figs = []


def fail(msg):
    print("FAIL " + msg)
    failures.append(msg)


class Origin:
    """tests/syndic-origin in the background."""

    def __init__(self):
        exe = os.path.join(lib.BUILDDIR, "tests", "syndic-origin")
        self.p = subprocess.Popen([exe, "-q"], stdout=subprocess.PIPE)
        line = self.p.stdout.readline().decode()
        self.port = int(line.split()[1])

    def next_generation(self):
        self.p.send_signal(signal.SIGUSR1)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=10)


def db_state(path):
    """(integrity_check result, set of (feed url, entry id))."""
    c = sqlite3.connect(path, timeout=30)
    try:
        ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        rows = c.execute("SELECT f.url, e.guid FROM entries e JOIN feeds f "
                         "ON f.id = e.feed_id").fetchall()
    finally:
        c.close()
    return ok, set(rows)


def entry_columns(path):
    c = sqlite3.connect(path)
    try:
        cols = [r[1] for r in c.execute("PRAGMA table_info(entries)")]
    finally:
        c.close()
    return cols


def part_store():
    exe = os.path.join(lib.BUILDDIR, "tests", "check_durable")
    if not os.path.exists(exe):
        fail("no tests/check_durable in the build")
        return
    env = dict(os.environ, DURABLE_CYCLES=str(KILL_CYCLES),
               CK_TIMEOUT_MULTIPLIER="100", CK_VERBOSITY="normal")
    t = time.monotonic()
    r = subprocess.run([exe], env=env, capture_output=True, text=True,
                       timeout=3600)
    out = (r.stdout + r.stderr).strip().splitlines()
    print("\n".join(out[-5:]))
    if r.returncode != 0:
        fail("check_durable with %d kills: exit %d" % (KILL_CYCLES,
                                                      r.returncode))
    figs.append("store: %d kill -9 cycles %s in %.0f s" % (
        KILL_CYCLES, "clean" if r.returncode == 0 else "FAILED",
        time.monotonic() - t))


def part_binary(tmp):
    o = Origin()
    try:
        feeds = ["http://127.0.0.1:%d/feed/k%02d?items=30" % (o.port, i)
                 for i in range(NFEEDS)]
        conf = write_conf(tmp, lib.free_port(), feeds)
        db = os.path.join(tmp, "syndic.db")
        r = subprocess.run([lib.SYNDIC, "-c", conf, "poll", "--all"],
                           capture_output=True, timeout=120)
        if r.returncode != 0:
            fail("first poll: exit %d: %s" % (r.returncode, r.stderr[-300:]))
            return
        key = "guid" if "guid" in entry_columns(db) else None
        if key is None:
            fail("entries has no guid column: %s" % entry_columns(db))
            return
        seen = db_state(db)[1]
        rng = random.Random(500)
        killed = 0
        for i in range(DAEMON_KILLS):
            o.next_generation()
            p = subprocess.Popen([lib.SYNDIC, "-c", conf, "poll", "--all"],
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 0.25))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed += 1
            p.wait()
            ok, rows = db_state(db)
            if ok != "ok":
                fail("cycle %d: integrity_check: %s" % (i, ok))
                break
            lost = seen - rows
            if lost:
                fail("cycle %d: %d committed entries lost, e.g. %s" % (
                    i, len(lost), sorted(lost)[:2]))
                break
            seen |= rows
        r = subprocess.run([lib.SYNDIC, "-c", conf, "poll", "--all"],
                           capture_output=True, timeout=120)
        ok, rows = db_state(db)
        if r.returncode != 0 or ok != "ok":
            fail("recovery poll: exit %d, integrity %s" % (r.returncode, ok))
        figs.append("binary: %d poll runs, %d killed mid-run, %d entries, "
                    "integrity ok, none lost" % (DAEMON_KILLS, killed,
                                                 len(rows)))
    finally:
        o.stop()


def part_disk(tmp):
    mnt = os.path.join(tmp, "disk")
    os.mkdir(mnt)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m",
                              "tmpfs", mnt], capture_output=True).returncode == 0
    o = Origin()
    try:
        feeds = ["http://127.0.0.1:%d/feed/d%02d?items=100" % (o.port, i)
                 for i in range(40)]
        conf = write_conf(mnt, lib.free_port(), feeds)
        db = os.path.join(mnt, "syndic.db")

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            if not mounted:
                import resource
                resource.setrlimit(resource.RLIMIT_FSIZE,
                                   (3 << 20, 3 << 20))
        full = None
        msg = b""
        for i in range(30):
            o.next_generation()
            r = subprocess.run([lib.SYNDIC, "-c", conf, "poll", "--all"],
                               capture_output=True, timeout=120,
                               preexec_fn=limit)
            if r.returncode != 0 or b"full" in r.stderr.lower():
                full = i
                msg = r.stderr
                break
        if full is None:
            fail("disk: 30 polls never filled the %s" %
                 ("tmpfs" if mounted else "RLIMIT_FSIZE"))
            return
        first = [ln for ln in msg.decode("utf-8", "replace").splitlines()
                 if ln.strip()][:1]
        print("disk full at poll %d: %s" % (full, first))
        if not msg.strip():
            fail("disk: the failing poll said nothing")
        ok, rows_full = db_state(db) if os.path.exists(db) else ("none",
                                                                set())
        if ok != "ok":
            fail("disk: integrity_check on the full disk: %s" % ok)
        # Free space, poll again: stores again.
        if mounted:
            subprocess.run(["mount", "-o", "remount,size=256m", mnt],
                           check=True)
        o.next_generation()
        r = subprocess.run([lib.SYNDIC, "-c", conf, "poll", "--all"],
                           capture_output=True, timeout=180,
                           preexec_fn=None if mounted else (
                               lambda: signal.signal(signal.SIGXFSZ,
                                                     signal.SIG_IGN)))
        ok2, rows = db_state(db)
        if r.returncode != 0 or ok2 != "ok" or not rows_full <= rows or \
                len(rows) <= len(rows_full):
            fail("disk: after freeing space: exit %d, integrity %s, %d -> %d"
                 " entries: %s" % (r.returncode, ok2, len(rows_full),
                                   len(rows), r.stderr[-300:]))
        figs.append("disk (%s): full at poll %d, reported (%s), integrity "
                    "ok, %d -> %d entries after freeing" % (
                        "3 MiB tmpfs" if mounted else "RLIMIT_FSIZE 3 MiB",
                        full, first[0][:60] if first else "?",
                        len(rows_full), len(rows)))
    finally:
        o.stop()
        if mounted:
            subprocess.run(["umount", "-l", mnt])


def main():
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary")
    part_store()
    with tempfile.TemporaryDirectory(prefix="syndic-durable.") as tmp:
        part_binary(tmp)
    bad, fig = killrun.run(KILLRUN_CYCLES)
    for b in bad:
        fail("daemon: " + b)
    figs.append(fig)
    with tempfile.TemporaryDirectory(prefix="syndic-disk.") as tmp:
        part_disk(tmp)
    for f in figs:
        print(f)
    lib.result(KILL_CYCLES + DAEMON_KILLS + KILLRUN_CYCLES + 1,
               len(failures), "; ".join(figs))


if __name__ == "__main__":
    main()
