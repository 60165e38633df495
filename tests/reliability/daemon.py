"""daemon.py: running syndic for the reliability suites: a scratch
configuration over file: feeds or a loopback origin, the daemon started and
stopped, and what /proc says of it (descriptors, resident memory)."""

import os
import signal
import subprocess
import time
import urllib.request

import lib


def write_conf(tmp, port, feeds, extra=""):
    """A configuration in tmp with the given feed URLs; returns its path."""
    path = os.path.join(tmp, "syndic.conf")
    with open(path, "w") as f:
        f.write("[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
                "[output]\nitems = 100\n[fetch]\nallow_private = yes\n%s"
                % (os.path.join(tmp, "syndic.db"), port, extra))
        for u in feeds:
            f.write('[feed "%s"]\n' % u)
    return path


class Daemon:
    """syndic run on a configuration, with its log in tmp."""

    def __init__(self, conf, port, log, binary=None, env=None):
        self.port = port
        self.log = log
        e = dict(os.environ)
        e.update(env or {})
        with open(log, "ab") as lf:
            self.p = subprocess.Popen([binary or lib.SYNDIC, "-c", conf,
                                       "run"], stdout=lf,
                                      stderr=subprocess.STDOUT, env=e)
        self.wait_ready()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait_ready(self, secs=30):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if self.p.poll() is not None:
                raise RuntimeError("syndic run exited %d" % self.p.returncode)
            try:
                if self.get("/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("syndic run not ready in %d s" % secs)

    def get(self, path, timeout=5):
        """(status, body, seconds) of one GET."""
        t = time.monotonic()
        try:
            with urllib.request.urlopen(self.url(path),
                                        timeout=timeout) as r:
                return r.status, r.read(), time.monotonic() - t
        except urllib.error.HTTPError as e:
            return e.code, e.read(), time.monotonic() - t

    def metric(self, name):
        """A value of /metrics (the first sample of that name), or None."""
        try:
            st, body, _ = self.get("/metrics", timeout=10)
        except OSError:
            return None
        for ln in body.decode("utf-8", "replace").splitlines():
            if ln.startswith(name + " ") or ln.startswith(name + "{"):
                try:
                    return float(ln.rsplit(" ", 1)[1])
                except ValueError:
                    return None
        return None

    def loop_lag(self):
        """The worst loop stall the daemon measured, in seconds."""
        return self.metric("syndic_loop_lag_max_seconds")

    def alive(self):
        return self.p.poll() is None

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.p.pid))

    def rss_kib(self, field="VmRSS"):
        """Resident memory; field "RssAnon" leaves out mapped files (the
        store is read through mmap, so its pages count in VmRSS)."""
        with open("/proc/%d/status" % self.p.pid) as f:
            for ln in f:
                if ln.startswith(field + ":"):
                    return int(ln.split()[1])
        return 0

    def stop(self, secs=20):
        """SIGTERM, wait; returns the exit status (None if it hung)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout=secs)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
