#!/usr/bin/python3
"""killrun.py: kill -9 of the daemon during ingest.

`syndic run` polls KILLRUN_FEEDS feeds of the loopback origin every second
while the origin publishes a new generation every quarter second (one new
item per feed, new validators), so that the daemon is storing updates when
it dies.  Each cycle starts the daemon on the same store, waits a random
0.2-1.2 s, reads the store (what is visible there is committed), and kills
the daemon with SIGKILL.  After every kill:

- PRAGMA integrity_check and FTS5's integrity check pass;
- no entry visible before the kill is missing (zero committed updates
  lost);
- every feed's update is whole (zero partial updates): the feed's stored
  Last-Modified names a generation, and every item of that generation's
  document (gen .. gen+19) is stored, the newest being the newest stored
  (validators and entries are committed together or not at all).

KILLRUN_CYCLES (500 in the reliability suite, a few in make check) cycles;
a final run then stops with SIGTERM and must leave the same invariants.
Used by durability.py and, with few cycles, by make check."""

import email.utils
import http.client
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

NFEEDS = int(os.environ.get("KILLRUN_FEEDS", "16"))
ITEMS = 20
ITEM = re.compile(r"/(k\d+)[^/]*/(\d+)$")


class Origin:
    """tests/syndic-origin in the background, with its generation-0 time."""

    def __init__(self):
        exe = os.path.join(lib.BUILDDIR, "tests", "syndic-origin")
        self.p = subprocess.Popen([exe, "-q"], stdout=subprocess.PIPE)
        line = self.p.stdout.readline().decode()
        self.port = int(line.split()[1])
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/feed/epoch")
        r = c.getresponse()
        r.read()
        self.epoch = email.utils.parsedate_to_datetime(
            r.getheader("Last-Modified")).timestamp()
        c.close()

    def next_generation(self):
        self.p.send_signal(signal.SIGUSR1)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=10)


def write_conf(tmp, port, feeds):
    path = os.path.join(tmp, "syndic.conf")
    with open(path, "w") as f:
        f.write("[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
                "[fetch]\nallow_private = yes\ninterval = 1s\n"
                "min_interval = 1s\nsite_delay = 0\nper_site = 64\n"
                "concurrency = 64\ntimeout = 5s\n"
                % (os.path.join(tmp, "syndic.db"), port))
        for u in feeds:
            f.write('[feed "%s"]\ninterval = 1s\n' % u)
    return path


def snapshot(db):
    """{(feed name, item number)} visible in the store now."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        rows = c.execute("SELECT e.link FROM entries e").fetchall()
    except sqlite3.OperationalError:
        rows = []		# the first run has not made the schema yet
    finally:
        c.close()
    out = set()
    for (link,) in rows:
        m = ITEM.search(link or "")
        if m:
            out.add((m.group(1), int(m.group(2))))
    return out


def check(db, epoch):
    """(list of problems, entries) of the store after a kill."""
    bad = []
    c = sqlite3.connect(db, timeout=30)
    try:
        ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            bad.append("integrity_check: %s" % ok)
        if not c.execute("SELECT 1 FROM sqlite_master WHERE name = "
                         "'entries'").fetchall():
            return bad, set()	# killed before the schema was made
        try:
            c.execute("INSERT INTO story_fts(story_fts) "
                      "VALUES ('integrity-check')")
        except sqlite3.Error as e:
            bad.append("FTS5 integrity-check: %s" % e)
        feeds = c.execute("SELECT id, url, last_modified FROM feeds"
                          ).fetchall()
        rows = c.execute("SELECT feed_id, link FROM entries").fetchall()
    finally:
        c.close()
    items = {}
    for fid, link in rows:
        m = ITEM.search(link or "")
        if m:
            items.setdefault(fid, set()).add(int(m.group(2)))
    for fid, url, lm in feeds:
        got = items.get(fid, set())
        if lm is None:
            if got:
                bad.append("%s: entries without validators" % url)
            continue
        gen = round((email.utils.parsedate_to_datetime(lm).timestamp() -
                     epoch) / 60)
        top = gen + ITEMS - 1
        if not got or max(got) != top:
            bad.append("%s: validators of generation %d, newest item %s "
                       "(want %d)" % (url, gen, max(got) if got else None,
                                      top))
        else:
            # The whole document of that generation, not a part of it.
            missing = set(range(gen, top + 1)) - got
            if missing:
                bad.append("%s: %d items of generation %d missing: %s" % (
                    url, len(missing), gen, sorted(missing)[:5]))
    entries = set()
    for fid, link in rows:
        m = ITEM.search(link or "")
        if m:
            entries.add((m.group(1), int(m.group(2))))
    return bad, entries


def run(cycles, log=print):
    """Runs the cycles; returns (failures, figures)."""
    failures = []
    o = Origin()
    stop = threading.Event()

    def changer():
        while not stop.wait(0.25):
            o.next_generation()
    th = threading.Thread(target=changer)
    th.start()
    rng = random.Random(10)
    killed = midway = stored = 0
    seen = set()
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="syndic-killrun.") as tmp:
            feeds = ["http://127.0.0.1:%d/feed/k%02d?items=%d" % (
                o.port, i, ITEMS) for i in range(NFEEDS)]
            db = os.path.join(tmp, "syndic.db")
            errlog = open(os.path.join(tmp, "run.log"), "ab")
            for i in range(cycles + 1):
                conf = write_conf(tmp, lib.free_port(), feeds)
                p = subprocess.Popen([lib.SYNDIC, "-c", conf, "run"],
                                     stdout=errlog, stderr=errlog)
                time.sleep(rng.uniform(0.2, 1.2) if i < cycles else 3)
                before = snapshot(db) if os.path.exists(db) else set()
                if i < cycles:
                    p.send_signal(signal.SIGKILL)
                else:
                    p.send_signal(signal.SIGTERM)
                try:
                    rc = p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    rc = p.wait()
                    failures.append("cycle %d: no exit after SIGTERM" % i)
                if i < cycles and rc == -signal.SIGKILL:
                    killed += 1
                elif i < cycles:
                    failures.append("cycle %d: the daemon exited %d before "
                                    "the kill" % (i, rc))
                elif rc != 0:
                    failures.append("final run: exit %d after SIGTERM" %
                                    rc)
                if not os.path.exists(db):
                    continue
                bad, after = check(db, o.epoch)
                lost = (seen | before) - after
                if lost:
                    bad.append("%d committed entries lost, e.g. %s" % (
                        len(lost), sorted(lost)[:3]))
                if after - before:
                    midway += 1	 # it committed between the read and the kill
                if after - seen:
                    stored += 1	 # this run stored updates before it died
                seen |= after
                for b in bad:
                    failures.append("cycle %d: %s" % (i, b))
                if bad:
                    log("FAIL cycle %d: %s" % (i, "; ".join(bad[:5])))
                    break
            errlog.close()
            with open(os.path.join(tmp, "run.log"), "rb") as f:
                san = lib.sanitizer_errors(f.read())
            if san:
                failures.append("sanitizer reports: %s" % san[:3])
    finally:
        stop.set()
        th.join()
        o.stop()
    fig = ("syndic run: %d kill -9 cycles during ingest (%d stored "
           "updates before the kill, %d committed in the last instant "
           "before it), %d entries, %s in %.0f s" % (
               killed, stored, midway, len(seen), "integrity ok, none lost, "
               "none partial" if not failures else "FAILED",
               time.monotonic() - t0))
    return failures, fig


def main():
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary")
    # make check: a few cycles; make check-reliability: 500.
    cycles = int(os.environ.get("KILLRUN_CYCLES", "500" if os.environ.get(
        "RELIABILITY_FULL") else "12"))
    failures, fig = run(cycles)
    for f in failures:
        print("FAIL " + f)
    print(fig)
    lib.result(cycles, len(failures), fig)


if __name__ == "__main__":
    main()
