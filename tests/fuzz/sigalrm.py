#!/usr/bin/python3
"""sigalrm.py BIN SECONDS [SEED_DIR...]: run a libFuzzer target while
sending it SIGALRM every 200 us.  libFuzzer's -timeout arms SIGALRM every
timeout / 2 + 1 seconds without SA_RESTART, so any system call of a
harness may fail with EINTR, rarely; this makes it happen thousands of
times a second.  It found fuzz_http's blocking connect() (the abort after
161,730 inputs).  Exits with the target's status: 0 when it survived."""

import os
import signal
import subprocess
import sys
import tempfile
import time


def catches_alarm(pid):
    """Whether the process has a handler for SIGALRM (/proc SigCgt)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("SigCgt:"):
                    return int(ln.split()[1], 16) >> (signal.SIGALRM - 1) & 1
    except OSError:
        pass
    return False


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: sigalrm.py BIN SECONDS [SEED_DIR...]")
    binary, secs = sys.argv[1], float(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="syndic-sigalrm.") as tmp:
        p = subprocess.Popen([binary, "-timeout=30",
                              "-max_total_time=%d" % max(1, secs),
                              "-print_final_stats=1",
                              "-artifact_prefix=%s/" % tmp, tmp]
                             + sys.argv[3:], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(tmp, "out"), "w"))
        # Not before libFuzzer catches SIGALRM (its default kills).
        while p.poll() is None and not catches_alarm(p.pid):
            time.sleep(0.01)
        n = 0
        end = time.monotonic() + secs + 30
        while p.poll() is None and time.monotonic() < end:
            try:
                os.kill(p.pid, signal.SIGALRM)
            except ProcessLookupError:
                break
            n += 1
            time.sleep(0.0002)
        if p.poll() is None:
            p.kill()
        rc = p.wait()
        with open(os.path.join(tmp, "out")) as f:
            out = f.read()
    execs = [ln.split()[-1] for ln in out.splitlines()
             if ln.startswith("stat::number_of_executed_units")]
    print("%s: %d SIGALRM, %s inputs, exit %d" % (
        os.path.basename(binary), n, execs[0] if execs else "?", rc))
    if rc != 0:
        print("\n".join(ln for ln in out.splitlines()
                        if "ERROR" in ln or "fuzz_http:" in ln
                        or "SUMMARY" in ln))
    sys.exit(rc)


if __name__ == "__main__":
    main()
