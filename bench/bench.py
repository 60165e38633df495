#!/usr/bin/env python3
"""bench.py: the suites behind bench/run.

Each suite runs syndic and the peers a user would otherwise pick on the
same generated corpus, in the same run, several times; it prints a table
of medians with the min-max spread and the ratio syndic / peer (above 1:
syndic is better).  At the end BENCHMARKS.md is regenerated from the
results.  A suite whose syndic feature has not landed says so instead of
printing figures.  Only the Python standard library is used here.
"""

import argparse
import gzip
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import datetime
import email.utils

SUITES = ("parse", "sanitize", "poll", "store", "serve", "related", "idle")
SIZES = {
	"small": {"parse_feeds": 200, "sanitize_mb": 16,
	    "poll_feeds": (1000,), "store_entries": (100000,),
	    "related_entries": (100000,), "idle_feeds": 1000,
	    "idle_seconds": 60, "serve_kb": (50, 500), "wrk_seconds": 3,
	    "slow_runs": 1, "peer_timeout": 240, "poll_second": 1000},
	"full": {"parse_feeds": 1000, "sanitize_mb": 64,
	    "poll_feeds": (1000, 10000), "store_entries": (100000, 1000000),
	    "related_entries": (100000, 1000000), "idle_feeds": 1000,
	    "idle_seconds": 60, "serve_kb": (50, 500), "wrk_seconds": 10,
	    "slow_runs": 1, "peer_timeout": 600, "poll_second": 1000},
}
# What each size runs without --set (the targets say where they run).
DEFAULT_SIZES = {k: dict(v) for k, v in SIZES.items()}
CONC = 16		# parallel fetches, the same for every poller
SEED = 1
TIME = "/usr/bin/time"	# GNU time: CPU and peak RSS of a command
PY = "/usr/bin/python3"	# Debian's, where python3-feedparser lives
NA = "not available yet"


def log(*a):
	print("bench:", *a, file=sys.stderr, flush=True)


class Unavailable(Exception):
	"""A suite (or a row) cannot run: its feature has not landed yet."""


# Running and measuring commands.

def run(cmd, stdin=None, stdout=None, env=None, cwd=None, check=True,
    timeout=None):
	"""Run cmd under /usr/bin/time; returns wall, cpu (user+sys of it and
	its children), peak RSS in KiB (of the biggest process), exit code and
	stdout text.  NOTE: not os.wait4: on Linux a child's ru_maxrss starts
	from its parent's, and the harness is a big parent."""
	out = tempfile.TemporaryFile() if stdout is None else stdout
	fin = open(stdin, "rb") if isinstance(stdin, str) else \
	    subprocess.DEVNULL
	tf = tempfile.NamedTemporaryFile(prefix="bench-time.", delete=False)
	tf.close()
	t0 = time.perf_counter()
	p = subprocess.Popen([TIME, "-q", "-f", "%U %S %M", "-o", tf.name] +
	    cmd, stdin=fin, stdout=out, stderr=subprocess.PIPE, env=env,
	    cwd=cwd, start_new_session=True)
	errf = tempfile.TemporaryFile()
	reader = threading.Thread(target=lambda: shutil.copyfileobj(p.stderr,
	    errf))
	reader.start()
	timed_out = False
	try:
		p.wait(timeout)
	except subprocess.TimeoutExpired:
		# Our own child leads its own process group: stop the group.
		os.killpg(p.pid, signal.SIGKILL)
		p.wait()
		timed_out = True
	reader.join()
	errf.seek(0)
	err = errf.read()
	errf.close()
	wall = time.perf_counter() - t0
	with open(tf.name) as fp:
		lines = fp.read().split("\n")
	os.unlink(tf.name)
	text = ""
	if stdout is None:
		out.seek(0)
		text = out.read().decode("utf-8", "replace")
		out.close()
	if fin is not subprocess.DEVNULL:
		fin.close()
	if timed_out:
		return {"wall": wall, "cpu": 0.0, "rss": 0, "rc": -9,
		    "out": text, "timeout": True}
	if check and p.returncode != 0:
		raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd[:3]),
		    p.returncode, err.decode("utf-8", "replace")[-800:]))
	u = [l for l in lines if re.match(r"^[\d.]+ [\d.]+ \d+$", l)]
	utime, stime, rss = u[-1].split() if u else (0, 0, 0)
	return {"wall": wall, "cpu": float(utime) + float(stime),
	    "rss": int(rss), "rc": p.returncode, "out": text}


def stats(values):
	v = sorted(values)
	return {"median": statistics.median(v), "min": v[0], "max": v[-1],
	    "n": len(v)}


def repeat(n, fn):
	"""Call fn() n times; fn returns a dict of numbers; gives their stats."""
	rows = [fn() for _ in range(n)]
	return {k: stats([r[k] for r in rows]) for k in rows[0]}


def fmt(x, digits=3):
	if x is None:
		return "-"
	if isinstance(x, str):
		return x
	if abs(x) >= 1000:
		return "{:,.0f}".format(x)
	if abs(x) >= 100:
		return "%.0f" % x
	if abs(x) >= 10:
		return "%.1f" % x
	return ("%%.%dg" % digits) % x


def fmts(s):
	"""A median with its spread: 12.3 (11.9-12.8)."""
	if s is None:
		return "-"
	if s["n"] == 1 or s["min"] == s["max"]:
		return fmt(s["median"])
	return "%s (%s–%s)" % (fmt(s["median"]), fmt(s["min"]),
	    fmt(s["max"]))


def ratio(a, b):
	if a is None or b is None or b == 0:
		return None
	return a / b


def fmtr(r):
	return "-" if r is None else "%.2fx" % r


def free_port():
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	port = s.getsockname()[1]
	s.close()
	return port


def wait_port(port, proc, timeout=15):
	end = time.time() + timeout
	while time.time() < end:
		if proc.poll() is not None:
			raise RuntimeError("server exited with %d" %
			    proc.returncode)
		try:
			socket.create_connection(("127.0.0.1", port), 0.2).close()
			return
		except OSError:
			time.sleep(0.05)
	raise RuntimeError("nothing listens on port %d" % port)


def stop(proc, sig=signal.SIGTERM, timeout=15):
	"""Stop one process we started, by its pid."""
	if proc is None or proc.poll() is not None:
		return
	proc.send_signal(sig)
	try:
		proc.wait(timeout)
	except subprocess.TimeoutExpired:
		proc.kill()
		proc.wait()


def http_get(url, headers=None):
	req = urllib.request.Request(url, headers=headers or {})
	try:
		with urllib.request.urlopen(req, timeout=30) as r:
			return r.status, dict(r.headers), r.read()
	except urllib.error.HTTPError as e:
		return e.code, dict(e.headers), e.read()


def proc_times(pid):
	"""CPU seconds (utime+stime) and context switches of a live process."""
	with open("/proc/%d/stat" % pid) as fp:
		f = fp.read().rsplit(")", 1)[1].split()
	tick = os.sysconf("SC_CLK_TCK")
	cpu = (int(f[11]) + int(f[12])) / tick
	st = {}
	with open("/proc/%d/status" % pid) as fp:
		for line in fp:
			k, _, v = line.partition(":")
			st[k] = v.strip()
	return {"cpu": cpu, "vol": int(st["voluntary_ctxt_switches"]),
	    "invol": int(st["nonvoluntary_ctxt_switches"]),
	    "rss": int(st["VmHWM"].split()[0])}


# The corpus and the loopback origin.

class Corpus:
	"""The generated corpus (bench/gencorpus.py), made once and reused: the
	first n feeds of a bigger corpus are the corpus of n feeds."""

	def __init__(self, h, nfeeds):
		self.dir = os.path.join(h.work, "corpus-s%d" % SEED)
		man = os.path.join(self.dir, "manifest.json")
		have = 0
		if os.path.exists(man):
			m = json.load(open(man))
			if m.get("version") == h.gen_version():
				have = m["feeds"]
		if have < nfeeds:
			log("generating a corpus of %d feeds" % nfeeds)
			shutil.rmtree(self.dir, ignore_errors=True)
			run([sys.executable, h.gencorpus, "--seed", str(SEED),
			    "--feeds", str(nfeeds), "--out", self.dir])
		self.manifest = json.load(open(man))
		self.feeds = [l.rstrip("\n").split("\t") for l in
		    open(os.path.join(self.dir, "feeds.tsv"))][1:]
		os.chmod(h.work, 0o755)
		os.chmod(self.dir, 0o755)

	def files(self, n):
		return [os.path.join(self.dir, "feeds", f[0])
		    for f in self.feeds[:n]]

	def bytes(self, n):
		return sum(int(f[5]) for f in self.feeds[:n])

	def entries(self, n):
		return sum(int(f[4]) for f in self.feeds[:n])

	def feeds_for_entries(self, e):
		"""How many feeds hold at least e entries, or None."""
		total = 0
		for i, f in enumerate(self.feeds):
			total += int(f[4])
			if total >= e:
				return i + 1
		return None

	def gzip_all(self):
		"""Precompressed copies for nginx's gzip_static."""
		for f in self.feeds:
			src = os.path.join(self.dir, "feeds", f[0])
			if os.path.exists(src + ".gz"):
				continue
			with open(src, "rb") as fp:
				data = fp.read()
			with open(src + ".gz", "wb") as fp:
				fp.write(gzip.compress(data, 6, mtime=0))
			st = os.stat(src)
			os.utime(src + ".gz", (st.st_atime, st.st_mtime))


class Nginx:
	"""nginx serving a directory on loopback with ETag, Last-Modified and
	gzip (precompressed), started and stopped by its own pid."""

	def __init__(self, h, root, name):
		self.dir = os.path.join(h.work, "nginx-" + name)
		os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
		self.port = free_port()
		self.root = root
		conf = os.path.join(self.dir, "nginx.conf")
		with open(conf, "w") as fp:
			fp.write(NGINX_CONF % {"dir": self.dir, "port": self.port,
			    "root": root, "user": "user root root;" if
			    os.getuid() == 0 else ""})
		self.proc = subprocess.Popen([h.nginx, "-p", self.dir, "-c",
		    conf, "-e", os.path.join(self.dir, "error.log"), "-g",
		    "daemon off;"], stdin=subprocess.DEVNULL,
		    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		wait_port(self.port, self.proc)
		self.url = "http://127.0.0.1:%d/" % self.port

	def pids(self):
		"""The master and its workers."""
		out = [self.proc.pid]
		try:
			with open("/proc/%d/task/%d/children" % (self.proc.pid,
			    self.proc.pid)) as fp:
				out += [int(x) for x in fp.read().split()]
		except OSError:
			pass
		return out

	def stop(self):
		stop(self.proc, signal.SIGQUIT)


NGINX_CONF = """# nginx.conf written by bench/bench.py for one run.
%(user)s
worker_processes 1;
pid %(dir)s/nginx.pid;
events { worker_connections 16384; }
http {
	access_log off;
	client_body_temp_path %(dir)s/tmp/body;
	proxy_temp_path %(dir)s/tmp/proxy;
	fastcgi_temp_path %(dir)s/tmp/fastcgi;
	uwsgi_temp_path %(dir)s/tmp/uwsgi;
	scgi_temp_path %(dir)s/tmp/scgi;
	types {
		application/xml xml;
		application/atom+xml atom;
		text/html html;
	}
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 60;
	etag on;
	gzip_static on;
	gzip_vary on;
	server {
		listen 127.0.0.1:%(port)d backlog=4096;
		root %(root)s;
	}
}
"""


# The syndic side.

class Syndic:
	def __init__(self, h):
		self.h = h
		self.bin = os.path.join(h.build, "syndic")
		self._cmds = None

	def commands(self):
		"""Commands the binary says are available (syndic help)."""
		if self._cmds is None:
			self._cmds = set()
			if os.access(self.bin, os.X_OK):
				p = subprocess.run([self.bin, "help"],
				    capture_output=True, text=True)
				for line in (p.stdout + p.stderr).splitlines():
					m = re.match(r"  (\w+) ", line)
					if m:
						self._cmds.add(m.group(1))
		return self._cmds

	def need(self, *cmds):
		for c in cmds:
			if c not in self.commands():
				raise Unavailable("`syndic %s` %s" % (c, NA))

	def driver(self, name):
		path = os.path.join(self.h.build, "bench", name)
		if not os.access(path, os.X_OK):
			raise Unavailable("bench/%s does not build yet (its "
			    "feature has not landed)" % name)
		return path

	def config(self, path, db, feeds, listen=None, items=50,
	    interval="30m", extra=""):
		with open(path, "w") as fp:
			fp.write("; written by bench/bench.py\n[syndic]\n"
			    "database = %s\n" % db)
			if listen:
				fp.write("listen = %s\n" % listen)
			fp.write("\n[output]\nitems = %d\nrelated = 5\n\n"
			    "[fetch]\ninterval = %s\nconcurrency = %d\n"
			    "per_site = %d\nsite_delay = 0\nallow_private = yes\n%s\n" %
			    (items, interval, CONC, CONC, extra))
			for u in feeds:
				fp.write('[feed "%s"]\n' % u)
		return path


# The harness.

class Harness:
	def __init__(self, a):
		self.a = a
		self.top = a.top
		self.build = os.path.join(self.top, "build")
		self.work = a.work
		os.makedirs(self.work, exist_ok=True)
		os.chmod(self.work, 0o755)
		self.gencorpus = os.path.join(self.top, "bench", "gencorpus.py")
		self.size = SIZES[a.size]
		self.runs = a.runs
		# The slow suites (poll, store) repeat at most slow_runs times.
		self.slow_runs = min(a.runs, self.size["slow_runs"])
		self.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
		self.syndic = Syndic(self)
		self.results = {}
		self.cur = None
		self._corpus = None
		self.judged = set()	# (suite, size) of the targets judged
		self._origin = None
		self.polled = {}	# feeds: syndic's store after poll, URLs
		self.prior = {}		# the results --add adds to
		self.head = git_head(self.top)	# what is measured

	def gen_version(self):
		with open(self.gencorpus) as fp:
			m = re.search(r"^VERSION = (\d+)", fp.read(), re.M)
		return int(m.group(1))

	def corpus(self):
		if self._corpus is None:
			self._corpus = Corpus(self, self.corpus_feeds())
		return self._corpus

	def origin(self):
		"""The loopback nginx serving the corpus (poll and idle), started
		once and stopped when the suites are done."""
		if self._origin is None:
			c = self.corpus()
			c.gzip_all()
			self._origin = Nginx(self, os.path.join(c.dir, "feeds"),
			    "origin")
		return self._origin

	def corpus_feeds(self):
		"""Feeds the selected suites need (entries-sized suites included:
		about 45 entries per feed on average)."""
		s = self.size
		n = s["parse_feeds"]
		if "poll" in self.a.suites:
			n = max(n, max(s["poll_feeds"]))
		if "idle" in self.a.suites:
			n = max(n, s["idle_feeds"])
		for k in ("store", "related"):
			if k in self.a.suites:
				e = [x for x in s[k + "_entries"] if
				    x <= CORPUS_MAX]
				if e:
					n = max(n, int(max(e) / 44) + 50)
		return n

	def target(self, issue, text, value, holds):
		self.results.setdefault(self.cur, {}).setdefault("targets",
		    []).append({"issue": issue, "target": text,
		    "measured": value, "holds": holds})

	def table(self, suite, title, header, rows, note=None):
		if not rows:
			return
		self.results.setdefault(suite, {}).setdefault("tables", [])
		self.results[suite]["tables"].append({"title": title,
		    "header": header, "rows": rows, "note": note})
		print()
		print(render_table(title, header, rows, note))
		sys.stdout.flush()

	def unavailable(self, suite, why):
		self.results[suite] = {"unavailable": why}
		print("\n### %s\n\n%s: %s\n" % (suite, NA, why))

	def run_suites(self, argv, done=None):
		try:
			self._run_suites(argv, done)
		finally:
			if self._origin is not None:
				self._origin.stop()

	def _run_suites(self, argv, done):
		for s in self.a.suites:
			log("suite", s)
			self.cur = s
			t0 = time.time()
			load0 = os.getloadavg()
			try:
				globals()["suite_" + s](self)
			except Unavailable as e:
				self.unavailable(s, str(e))
			except Exception as e:	# report, go on with the others
				log("suite %s failed: %s" % (s, e))
				self.results.setdefault(s, {})["error"] = str(e)
				print("\n### %s\n\nfailed: %s\n" % (s, e))
			r = self.results.setdefault(s, {})
			r["seconds"] = round(time.time() - t0, 1)
			r["date"] = time.strftime("%Y-%m-%d %H:%M UTC",
			    time.gmtime(t0))
			r["load"] = [round(x, 1) for x in load0 + os.getloadavg()]
			r["commit"] = self.head
			r["command"] = "bench/run " + " ".join(argv)
			if self._corpus:
				r["corpus"] = self._corpus.manifest
			if done:
				done()


def render_table(title, header, rows, note=None):
	out = ["### " + title, "", "| " + " | ".join(header) + " |",
	    "|" + "|".join("---" for _ in header) + "|"]
	for r in rows:
		out.append("| " + " | ".join(str(c) for c in r) + " |")
	if note:
		out += ["", note]
	return "\n".join(out) + "\n"


# Suite: parse.

FEEDPARSER = r"""
import sys, feedparser
n = 0
for path in sys.argv[1:]:
	with open(path, "rb") as fp:
		d = feedparser.parse(fp.read())
	n += len(d.entries)
print("entries", n)
"""


# Runs of the parse suite: a tool whose first run took over PARSE_SLOW s
# runs once; one under PARSE_FAST s runs PARSE_FAST_RUNS times at least.
PARSE_SLOW = 60
PARSE_FAST = 2
PARSE_FAST_RUNS = 7


def suite_parse(h):
	c = h.corpus()
	n = h.size["parse_feeds"]
	files = c.files(n)
	mb = c.bytes(n) / 1e6
	entries = c.entries(n)
	cat = os.path.join(h.work, "parse-%d.cat" % n)
	if not os.path.exists(cat):
		with open(cat, "wb") as out:
			for f in files:
				with open(f, "rb") as fp:
					out.write(fp.read())
	for f in files + [cat]:	# warm the page cache
		with open(f, "rb") as fp:
			fp.read()

	tools = []
	try:
		drv = h.syndic.driver("bench_parse")
		# The target row is the parse as the poller runs it: with
		# or without PARSE_SANITIZE, read from daemon/sched.c; the
		# poller's documents go to the store, which makes each
		# entry's plain text.
		san = poller_sanitizes(h)
		tools.append(("syndic parse_document alone", [drv, "-n"] +
		    files, None, "syndic-n"))
		if not san:
			tools.append(("syndic parse + plain text of each entry "
			    "(as the poller runs it)", [drv] + files, None,
			    "syndic"))
		tools.append(("syndic parse_document + sanitize%s" % (
		    " (as the poller runs it)" if san else ""),
		    [drv, "-n", "-s"] + files, None, "syndic" if san else
		    "syndic-s"))
		tools.append(("syndic parse + sanitize + plain text of each "
		    "entry", [drv, "-s"] + files, None, "syndic-t"))
	except Unavailable as e:
		syndic_na = str(e)
	else:
		syndic_na = None
	if "parse" in h.syndic.commands():
		tools.append(("`syndic parse` CLI (one process per file, "
		    "JSON out)", ["sh", "-c", 'for f; do "$0" parse "$f" '
		    '>/dev/null || exit 1; done', h.syndic.bin] + files, None,
		    "cli"))
	tools.append(("sfeed (one stream)", ["sfeed"], cat, "sfeed"))
	tools.append(("python3 feedparser %s" % feedparser_version(),
	    [PY, "-c", FEEDPARSER] + files, None, "feedparser"))
	tools.append(("xmllint --stream", ["xmllint", "--stream", "--noout"]
	    + files, None, "xmllint"))

	# The runs go round robin, so that a burst of load on the machine hits
	# every tool; the first round also counts what each tool saw.  The
	# ratios the targets use move with two figures that are each noisy:
	# feedparser's, which moves between runs (3.2 to 5.0 MB per CPU s),
	# and the fastest tools', whose CPU time GNU time gives to 10 ms
	# (0.07 or 0.08 s on the small corpus).  So every tool runs --runs
	# times, a slow one too (under PARSE_SLOW s), and a fast one (under
	# PARSE_FAST s) PARSE_FAST_RUNS times at least: the median of more.
	rounds = max(h.runs, PARSE_FAST_RUNS)
	res = {key: {"name": name, "counted": None, "runs": []} for
	    name, cmd, stdin, key in tools}
	for i in range(rounds):
		log("parse: round %d of %d" % (i + 1, rounds))
		for name, cmd, stdin, key in tools:
			first = res[key]["runs"][0]["wall"] if i else 0
			if i and (first > PARSE_SLOW or (i >= h.runs and
			    first > PARSE_FAST)):
				continue
			r, out = one_parse(cmd, stdin, mb, entries)
			res[key]["runs"].append(r)
			if i:
				continue
			m = re.search(r"entries (\d+)", out)
			if m:
				res[key]["counted"] = int(m.group(1))
			elif key == "sfeed":
				res[key]["counted"] = out.count("\n")
	for key in res:
		runs = res[key].pop("runs")
		res[key].update({k: stats([r[k] for r in runs]) for k in
		    runs[0]})

	# Memory that does not grow with the number of documents.
	growth = None
	if "syndic" in res:
		q = run([drv] + (["-n", "-s"] if poller_sanitizes(h) else []) +
		    files[:max(1, n // 4)])["rss"]
		growth = (q, res["syndic"]["rss"]["median"])

	base = res.get("syndic")
	rows = []
	for name, cmd, stdin, key in tools:
		r = res[key]
		if r["mbs"]["n"] != h.runs:
			name += " (%d run%s)" % (r["mbs"]["n"], "s" if
			    r["mbs"]["n"] > 1 else "")
		rows.append([name, fmts(r["mbs"]), fmts(r["mbc"]),
		    fmts(r["epc"]), fmt(r["rss"]["median"] / 1024),
		    fmt(r["counted"]), fmtr(ratio(base["mbc"]["median"],
		    r["mbc"]["median"])) if base else "-",
		    fmtr(ratio(base["mbs"]["median"], r["mbs"]["median"]))
		    if base else "-"])
	note = ("%d feeds, %.1f MB, %d entries (gencorpus seed %d). Wall "
	    "time and user+sys CPU time of the whole process (every tool is "
	    "one process), runs taken round robin: %d of each tool, %d of one "
	    "whose first run took under %d s, one of one that took over %d s "
	    "(a row says how many when not %d); median (min–max). The "
	    "ratios divide the throughput of syndic's ingest parse as the "
	    "poller runs it (daemon/sched.c, %s) by the row's; the CPU ratio "
	    "is the steadier one on a loaded machine and the targets use it. "
	    "feedparser sanitizes too; sfeed and xmllint do not." % (n, mb,
	    entries, SEED, h.runs, max(h.runs, PARSE_FAST_RUNS), PARSE_FAST,
	    PARSE_SLOW, h.runs,
	    "with PARSE_SANITIZE; the store makes the plain text itself" if
	    poller_sanitizes(h) else "without PARSE_SANITIZE: an entry's HTML "
	    "is sanitized when it is first published, once per revision; "
	    "with the plain text of each entry, which dedup and related "
	    "read"))
	if syndic_na:
		note += " syndic: " + syndic_na + "."
	if growth:
		note += (" syndic peak RSS on %d feeds: %s MiB, on %d: %s MiB." %
		    (max(1, n // 4), fmt(growth[0] / 1024), n,
		    fmt(growth[1] / 1024)))
	h.table("parse", "parse: ingest parse throughput",
	    ["tool", "MB/s (wall)", "MB per CPU s", "entries per CPU s",
	    "peak RSS MiB", "entries seen", "syndic ÷ tool (CPU)",
	    "syndic ÷ tool (wall)"], rows, note)
	if not base:
		for t in ("at least 50x feedparser", "at least 0.5x "
		    "xmllint --stream", "peak memory flat in the number of "
		    "documents"):
			h.target(3, "parse: " + t, NA, None)
		return
	fp = ratio(base["mbc"]["median"], res["feedparser"]["mbc"]["median"])
	xl = ratio(base["mbc"]["median"], res["xmllint"]["mbc"]["median"])
	h.target(3, "parse: ingest parse at least 50x feedparser",
	    "%.1fx (CPU), %.1fx (wall)" % (fp, ratio(base["mbs"]["median"],
	    res["feedparser"]["mbs"]["median"])), fp >= 50)
	h.target(3, "parse: ingest parse at least 0.5x `xmllint --stream`",
	    "%.2fx (CPU), %.2fx (wall)" % (xl, ratio(base["mbs"]["median"],
	    res["xmllint"]["mbs"]["median"])), xl >= 0.5)
	h.target(3, "parse: peak memory does not grow with the number of "
	    "documents", "%s MiB on %d feeds, %s MiB on %d" % (
	    fmt(growth[0] / 1024), max(1, n // 4), fmt(growth[1] / 1024), n),
	    growth[1] <= growth[0] * 1.15 + 2048)


def poller_sanitizes(h):
	"""Whether the poller sanitizes at ingest (PARSE_SANITIZE in the
	parse_document call of daemon/sched.c)."""
	try:
		with open(os.path.join(h.top, "daemon", "sched.c")) as fp:
			src = fp.read()
	except OSError:
		return True
	m = re.search(r"parse_document\(([^;]*)\)\s*;", src)
	return m is None or "PARSE_SANITIZE" in m.group(1)


def one_parse(cmd, stdin, mb, entries):
	"""One timed parse: its figures and its output."""
	r = run(cmd, stdin=stdin)
	cpu = max(r["cpu"], 0.01)
	return {"mbs": mb / r["wall"], "eps": entries / r["wall"],
	    "mbc": mb / cpu, "epc": entries / cpu, "rss": r["rss"],
	    "wall": r["wall"]}, r["out"]


def feedparser_version():
	p = subprocess.run([PY, "-c", "import feedparser; "
	    "print(feedparser.__version__)"], capture_output=True, text=True)
	return p.stdout.strip()


# Suite: sanitize.

def suite_sanitize(h):
	c = h.corpus()
	drv = h.syndic.driver("bench_sanitize")
	limit = h.size["sanitize_mb"] * 1000 * 1000
	path = os.path.join(h.work, "html-%dmb.dat" % h.size["sanitize_mb"])
	if not os.path.exists(path):
		src = open(os.path.join(c.dir, "html.dat"), "rb")
		with open(path, "wb") as out:
			total = 0
			while total < limit:
				line = src.readline()
				if not line:
					break
				data = src.read(int(line))
				out.write(line + data)
				total += len(data)
		src.close()

	def once(mode):
		r = run([drv, mode, path])
		m = dict(re.findall(r"(\w+) ([\d.]+)", r["out"]))
		return {"mbs": float(m["bytes"]) / 1e6 / float(m["seconds"]),
		    "bytes": float(m["bytes"]), "frags": float(m["fragments"]),
		    "rss": r["rss"]}
	res = {}
	for mode in ("gumbo", "sanitize", "text"):
		log("sanitize:", mode)
		res[mode] = repeat(h.runs, lambda: once(mode))
	g = res["gumbo"]["mbs"]["median"]
	rows = [["bare gumbo parse (gumbo_parse + destroy)",
	    fmts(res["gumbo"]["mbs"]), "1.00x"],
	    ["syndic sanitize_html", fmts(res["sanitize"]["mbs"]),
	    fmtr(ratio(res["sanitize"]["mbs"]["median"], g))],
	    ["syndic text_from_html (plain text)", fmts(res["text"]["mbs"]),
	    fmtr(ratio(res["text"]["mbs"]["median"], g))]]
	h.table("sanitize", "sanitize: HTML sanitizer vs its floor",
	    ["work", "MB/s of HTML", "÷ bare gumbo"], rows,
	    "%d fragments, %.1f MB of entry HTML from the corpus, timed in "
	    "one process per pass (bench/bench_sanitize), %d runs." % (
	    res["gumbo"]["frags"]["median"],
	    res["gumbo"]["bytes"]["median"] / 1e6, h.runs))
	r = ratio(res["sanitize"]["mbs"]["median"], g)
	h.target(3, "sanitize: at least 0.7x a bare gumbo parse", "%.2fx" % r,
	    r >= 0.7)


# Suite: poll.

def suite_poll(h):
	c = h.corpus()
	ng = h.origin()
	per = {}
	for n in h.size["poll_feeds"]:
		per[n] = poll_size(h, c, ng, n)
	poll_targets(h, per)


def poll_size(h, c, ng, n):
	urls = [ng.url + f[0] for f in c.feeds[:n]]
	d = os.path.join(h.work, "poll-%d" % n)
	shutil.rmtree(d, ignore_errors=True)
	os.makedirs(d)
	tools = [("syndic poll --all", poll_syndic),
	    ("sfeed_update", poll_sfeed),
	    ("newsboat -x reload", poll_newsboat),
	    ("curl --parallel (floor)", poll_curl)]
	res = {}
	for name, fn in tools:
		log("poll %d: %s" % (n, name))
		try:
			prep = fn(h, d, urls)
		except Unavailable as e:
			res[name] = {"na": str(e)}
			continue
		cold = []
		cond = []
		# The slow peers repeat fewer times, and are stopped when they
		# take longer than the size's peer_timeout.  Their 2nd pass,
		# which no target needs, is skipped above poll_second feeds.
		fast = name.startswith("curl")
		mine = name.startswith("syndic")
		lim = h.size["peer_timeout"] * (3 if mine else 1)
		# sfeed_update has no conditional requests: its 2nd pass
		# would be its cold pass again.
		second = (fast or mine or n <= h.size["poll_second"]) and \
		    not prep.get("no_conditional")
		outs = []
		after = []
		partial = None
		for _ in range(h.runs if fast else h.slow_runs):
			prep["reset"]()
			cold.append(run(prep["cmd"], env=prep.get("env"),
			    cwd=d, stdout=None if prep.get("summary") else
			    subprocess.DEVNULL, timeout=lim))
			outs.append(cold[-1]["out"])
			if cold[-1].get("timeout"):
				# What it had stored when it was stopped.
				partial = prep.get("check", lambda: "")()
				log("poll %d: %s stopped after %d s: %s" % (n,
				    name, lim, partial))
				break
			# The work a tool leaves for later (syndic: the
			# derived indexes), timed right after its cold pass.
			if "after" in prep:
				after.append(run(prep["after"], env=prep.get(
				    "env"), cwd=d, timeout=lim))
			if not second:
				continue
			# syndic's 2nd pass is cheap: it repeats as curl's does
			# (the first right after the cold pass and its index).
			for _ in range(h.runs if mine else 1):
				cond.append(run(prep["cmd2"] if "cmd2" in prep
				    else prep["cmd"], env=prep.get("env"),
				    cwd=d, stdout=subprocess.DEVNULL,
				    timeout=lim))
		if mine and partial is None and cond:
			h.polled[n] = (os.path.join(d, "syndic.db"), urls)
		res[name] = {"cold": summarize(cold), "cond": summarize(cond),
		    "after": summarize(after), "after_outs": [r["out"] for r in
		    after], "check": partial if partial is not None else
		    prep.get("check", lambda: "")(), "runs": len(cold),
		    "outs": outs, "limit": lim, "stopped": partial is not None,
		    "second": second}
	s = res["syndic poll --all"]
	rows = []
	for name, _ in tools:
		r = res[name]
		if "na" in r:
			rows.append([name, NA] + ["-"] * 8)
			continue
		if r["stopped"]:
			stored = "did not finish in %d s: %s" % (r["limit"],
			    r["check"])
		else:
			stored = r["check"]
		if r["second"]:
			nosec = "-"
		elif name.startswith("sfeed"):
			nosec = "not run (no conditional requests: it " \
			    "refetches everything)"
		else:
			nosec = "not run (no target needs it at this size)"
		rows.append([name + " (%d run%s)" % (r["runs"], "s" if
		    r["runs"] > 1 else ""), fmtw(r["cold"], "wall"),
		    fmtw(r["cold"], "cpu"), "-" if r["cold"].get("timeout") else
		    fmt(r["cold"]["rss"]["median"] / 1024),
		    fmtratio(s, r, "cold"), fmtr(cpu_ratio(s, r, "cold")),
		    fmtw(r["cond"], "wall", nosec), fmtw(r["cond"], "cpu",
		    nosec), fmtratio(s, r, "cond"), stored])
	h.table("poll", "poll: %s feeds from a loopback nginx" %
	    "{:,}".format(n), ["tool", "cold wall s", "cold CPU s",
	    "cold peak RSS MiB", "tool ÷ syndic (cold wall)",
	    "tool ÷ syndic (cold CPU)", "2nd pass wall s",
	    "2nd pass CPU s", "tool ÷ syndic (2nd)", "stored"], rows,
	    "%d feeds, %.0f MB, %d entries; %d parallel fetches for every "
	    "tool; curl %d runs, the others %d (syndic's 2nd pass %d, after "
	    "its cold pass and `syndic index`; sfeed_update and newsboat "
	    "stopped after %d s, syndic after three times that; a stopped "
	    "tool's wall time is a lower bound and \"stored\" says how far it "
	    "got). Cold: empty store; 2nd pass: the same feeds "
	    "again, unchanged (syndic, newsboat and curl send validators and "
	    "get 304; sfeed_update has no conditional requests, so its 2nd "
	    "pass would be its cold pass again and is not run)."
	    " CPU is user+sys of the process and its children; peak RSS is "
	    "the biggest single process. On a loaded machine wall time favours "
	    "tools that run many processes (sfeed_update runs %d at once); "
	    "the CPU ratio is the steadier figure." % (n, c.bytes(n) / 1e6,
	    c.entries(n), CONC, h.runs, h.slow_runs, h.slow_runs * h.runs,
	    h.size["peer_timeout"], CONC))
	if "na" not in s:
		poll_split(h, n, s)
		poll_deferred(h, n, res)
	return res


def poll_deferred(h, n, res):
	"""What syndic's cold pass leaves for later (the related-stories and
	full-text indexes) and what it costs, timed with `syndic index` right
	after each cold pass; and the ratios counting it."""
	s = res["syndic poll --all"]
	a = s.get("after")
	if s["stopped"] or not a or a.get("timeout"):
		return
	rows = []
	split = {}
	for out in s.get("after_outs", []):
		for k, pat in (("related", r"related: ([\d.]+) s, cpu ([\d.]+)"),
		    ("full-text", r"full-text index: ([\d.]+) s, cpu "
		    r"([\d.]+)")):
			m = re.search(pat, out)
			if m:
				split.setdefault(k, []).append((float(m.group(1)),
				    float(m.group(2))))
	for k in ("related", "full-text"):
		if k in split:
			v = sorted(split[k])[len(split[k]) // 2]
			rows.append(["`syndic index`: %s index" % k, fmt(v[0]),
			    fmt(v[1]), "-", "-", "-"])
	rows.append(["`syndic index` (%d run%s)" % (a["wall"]["n"], "s" if
	    a["wall"]["n"] > 1 else ""), fmts(a["wall"]), fmts(a["cpu"]),
	    fmt(a["rss"]["median"] / 1024), "-", "-"])
	whole = {"wall": s["cold"]["wall"]["median"] + a["wall"]["median"],
	    "cpu": s["cold"]["cpu"]["median"] + a["cpu"]["median"]}
	row = ["`syndic poll --all` + `syndic index`", fmt(whole["wall"]),
	    fmt(whole["cpu"]), "-"]
	for peer in ("sfeed_update", "newsboat -x reload"):
		r = res.get(peer, {})
		if "na" in r or not r.get("cold"):
			row.append("-")
			continue
		if r["stopped"]:
			row.append("> %.2fx (stopped)" % (r["cold"]["wall"]["max"] /
			    whole["wall"]))
			continue
		row.append("%.2fx (CPU %.2fx)" % (r["cold"]["wall"]["median"] /
		    whole["wall"], r["cold"]["cpu"]["median"] / whole["cpu"]))
	rows.append(row)
	h.table("poll", "poll: the indexes syndic's cold pass of %s feeds "
	    "leaves for later" % "{:,}".format(n), ["step", "wall s",
	    "CPU s", "peak RSS MiB", "sfeed_update ÷ (poll + index), wall",
	    "newsboat ÷ (poll + index), wall"], rows,
	    "`syndic poll` fetches, parses, folds into stories and stores: the "
	    "issue's cold pass, judged in the table above. It leaves the "
	    "related-stories index and the full-text index for later "
	    "(`syndic publish` and `syndic related` index what they show, the "
	    "daemon and `syndic index` everything); `syndic index` is timed "
	    "here right after each cold pass (median). The last row counts "
	    "both, against the peers' cold passes.")


def poll_split(h, n, s):
	"""Where syndic's cold pass goes, from its own summary (wall time and
	CPU of fetching, parsing, preparing and storing), median run."""
	runs = [r for r in s.get("outs", []) if "time: fetch" in r]
	if not runs:
		return
	got = []
	for out in runs:
		t = re.search(r"time: fetch ([\d.]+) s, parse ([\d.]+) s, "
		    r"(?:prepare ([\d.]+) s, )?store ([\d.]+) s", out)
		c = re.search(r"cpu: ([\d.]+) s: fetch ([\d.]+) s, parse "
		    r"([\d.]+) s, (?:prepare ([\d.]+) s, )?store ([\d.]+) s", out)
		w = re.search(r"polled \d+ feeds in ([\d.]+) s", out)
		if t and c and w:
			got.append([float(x or 0) for x in (w.group(1),) +
			    t.groups() + c.groups()])
	if not got:
		return
	got.sort()
	m = got[len(got) // 2]
	wall, cpu = m[0], m[5]
	rows = []
	for i, stage in enumerate(("fetch", "parse", "prepare", "store")):
		rows.append([stage, fmt(m[1 + i]), "%.0f%%" % (100 * m[1 + i] /
		    wall if wall else 0), fmt(m[6 + i]), "%.0f%%" % (100 *
		    m[6 + i] / cpu if cpu else 0)])
	rows.append(["total", fmt(wall), "100%", fmt(cpu), "100%"])
	h.table("poll", "poll: where syndic's cold pass of %s feeds goes" %
	    "{:,}".format(n), ["stage", "wall s", "of wall", "CPU s",
	    "of CPU"], rows, "From `syndic poll`'s own summary (median run). "
	    "Fetching, parsing and preparing (store_prepare: the plain text "
	    "and duplicate keys of a new feed's entries) run on the loop "
	    "thread, storing on the writer thread beside them: wall times "
	    "overlap (they add up to more than the total), and fetch is the "
	    "loop's time neither parsing, preparing nor idle waiting for the "
	    "writer. CPU: each thread's own clock.")


def ratio_of(s, r, k):
	"""How many times longer the tool took than syndic (a lower bound
	when the tool was stopped)."""
	if "na" in s or "na" in r or not s.get(k) or not r.get(k):
		return None
	if r[k].get("timeout"):
		return ratio(r[k]["wall"]["max"], s[k]["wall"]["median"])
	return ratio(r[k]["wall"]["median"], s[k]["wall"]["median"])


def cpu_ratio(s, r, k):
	if "na" in s or "na" in r or not s.get(k) or not r.get(k) or \
	    r[k].get("timeout") or s[k].get("timeout"):
		return None
	return ratio(r[k]["cpu"]["median"], s[k]["cpu"]["median"])


def fmtratio(s, r, k):
	"""A wall ratio; a stopped tool's makes it a bound (both: none)."""
	x = ratio_of(s, r, k)
	if x is None or s is r:
		return fmtr(x)
	rs, ss = r[k].get("timeout"), s[k].get("timeout")
	if rs and ss:
		return "-"
	if rs:
		return "> " + fmtr(x)
	if ss:
		return "< " + fmtr(x)
	return fmtr(x)


def summarize(runs):
	"""Stats of runs; a run stopped by the timeout makes the wall a lower
	bound (">") and leaves CPU and memory unknown."""
	if not runs:
		return None
	out = {"wall": stats([r["wall"] for r in runs]),
	    "cpu": stats([r["cpu"] for r in runs]),
	    "rss": stats([r["rss"] for r in runs])}
	if any(r.get("timeout") for r in runs):
		out["timeout"] = True
	return out


def fmtw(s, key, none="-"):
	"""fmts of one field of a summarize(), marking lower bounds."""
	if s is None:
		return none
	if s.get("timeout"):
		return "> %s (stopped)" % fmt(s["wall"]["max"]) if key == \
		    "wall" else "-"
	return fmts(s[key])


def poll_syndic(h, d, urls):
	h.syndic.need("poll")
	db = os.path.join(d, "syndic.db")
	conf = h.syndic.config(os.path.join(d, "syndic.conf"), db, urls)

	def reset():
		for ext in ("", "-wal", "-shm"):
			if os.path.exists(db + ext):
				os.unlink(db + ext)

	def check():
		return count_rows(db, "entries", "SELECT count(*) FROM feeds "
		    "WHERE last_fetch IS NOT NULL", len(urls))
	return {"cmd": [h.syndic.bin, "-c", conf, "poll", "--all"],
	    "after": [h.syndic.bin, "-c", conf, "index"],
	    "reset": reset, "check": check, "summary": True}


def count_rows(db, table, feeds_sql=None, nfeeds=None):
	"""Entries stored in db (and of how many feeds, with feeds_sql)."""
	try:
		con = sqlite3.connect("file:%s?mode=ro" % db, uri=True,
		    timeout=30)
		n = con.execute("select count(*) from %s" % table).fetchone()[0]
		f = con.execute(feeds_sql).fetchone()[0] if feeds_sql else None
		con.close()
	except sqlite3.Error as e:
		return "(%s)" % e
	out = "{:,} entries".format(n)
	if f is not None:
		out += " of {:,}/{:,} feeds".format(f, nfeeds)
	return out


def poll_sfeed(h, d, urls):
	sd = os.path.join(d, "sfeed")
	rc = os.path.join(d, "sfeedrc")
	with open(rc, "w") as fp:
		fp.write('sfeedpath="%s/feeds"\nmaxjobs=%d\nfeeds() {\n' %
		    (sd, CONC))
		for u in urls:
			fp.write('\tfeed "%s" "%s"\n' % (u.rsplit("/", 1)[1], u))
		fp.write("}\n")

	def reset():
		shutil.rmtree(sd, ignore_errors=True)
		os.makedirs(os.path.join(sd, "feeds"))

	def check():
		n = f = 0
		for x in os.listdir(os.path.join(sd, "feeds")):
			with open(os.path.join(sd, "feeds", x), "rb") as fp:
				k = fp.read().count(b"\n")
			n += k
			f += k > 0
		return "{:,} entries of {:,}/{:,} feeds".format(n, f,
		    len(urls))
	env = dict(os.environ, HOME=d)
	return {"cmd": ["sfeed_update", rc], "reset": reset, "check": check,
	    "env": env, "no_conditional": True}


def poll_newsboat(h, d, urls):
	nd = os.path.join(d, "newsboat")
	os.makedirs(nd, exist_ok=True)
	with open(os.path.join(nd, "urls"), "w") as fp:
		fp.write("\n".join(urls) + "\n")
	with open(os.path.join(nd, "config"), "w") as fp:
		fp.write("reload-threads %d\nmax-items 0\n" % CONC)
	db = os.path.join(nd, "cache.db")
	cmd = ["newsboat", "-q", "-u", os.path.join(nd, "urls"), "-c", db,
	    "-C", os.path.join(nd, "config"), "-x", "reload"]

	def reset():
		for f in os.listdir(nd):
			if f.startswith("cache.db"):
				os.unlink(os.path.join(nd, f))

	def check():
		return count_rows(db, "rss_item", "SELECT count(DISTINCT "
		    "feedurl) FROM rss_item", len(urls))
	env = dict(os.environ, HOME=nd, XDG_CONFIG_HOME=nd, XDG_DATA_HOME=nd)
	return {"cmd": cmd, "reset": reset, "check": check, "env": env}


def poll_curl(h, d, urls):
	cold = os.path.join(d, "curl-cold.cfg")
	cond = os.path.join(d, "curl-cond.cfg")
	meta = os.path.join(d, "curl-meta.txt")
	with open(cold, "w") as fp:
		for u in urls:
			fp.write('url = "%s"\noutput = "/dev/null"\n' % u)
	base = ["curl", "--parallel", "--parallel-max", str(CONC),
	    "--compressed", "-s", "-f"]
	# Validators as a client would keep them from the cold pass.
	r = run(base + ["-w", "%{url_effective}\t%header{etag}\t"
	    "%header{last-modified}\n", "-K", cold])
	val = {}
	for line in r["out"].splitlines():
		p = line.split("\t")
		if len(p) == 3:
			val[p[0]] = p
	if len(val) != len(urls):
		raise RuntimeError("curl saw %d of %d feeds" % (len(val),
		    len(urls)))
	for path, extra in ((cond, ""), (cond + ".check",
	    'write-out = "%{http_code}\\n"\n')):
		with open(path, "w") as fp:
			for i, u in enumerate(urls):
				if i:
					fp.write("next\n")
				fp.write('url = "%s"\noutput = "/dev/null"\n'
				    'compressed\nsilent\n%s'
				    'header = "If-None-Match: %s"\n'
				    'header = "If-Modified-Since: %s"\n' % (u,
				    extra, val[u][1].replace('"', '\\"'),
				    val[u][2]))

	def check():
		r = run(base + ["-K", cond + ".check"], check=False)
		codes = r["out"].split()
		return "%d× 304 in 2nd pass" % codes.count("304")
	return {"cmd": base + ["-K", cold], "cmd2": base + ["-K", cond],
	    "reset": lambda: None, "check": check}


POLL_SIZES = (1000, 10000)	# the sizes issue #5 sets
NOT_RUN = "not run at this size"


def not_run(h, key, size):
	"""The measured text of a target whose size was not run."""
	if size in DEFAULT_SIZES["small"][key]:
		return NOT_RUN
	return NOT_RUN + " (`bench/run --size full` runs it)"


def poll_targets(h, per):
	"""Issue #5's targets, judged at the sizes it sets; a size that was
	not run says so (figures at other sizes are in the tables)."""
	for n in POLL_SIZES:
		cold = "poll %s: cold pass at least 4x faster than " \
		    "sfeed_update and newsboat" % "{:,}".format(n)
		cond = "poll %s: all-304 pass within 2x of the curl floor" % \
		    "{:,}".format(n)
		if n not in per:
			h.target(5, cold, not_run(h, "poll_feeds", n), None)
			h.target(5, cond, not_run(h, "poll_feeds", n), None)
			if n >= 10000:
				h.target(5, "poll %s: peak memory at most "
				    "64 MiB" % "{:,}".format(n),
				    not_run(h, "poll_feeds", n), None)
			continue
		res = per[n]
		s = res["syndic poll --all"]
		if "na" in s:
			h.target(5, cold, NA, None)
			h.target(5, cond, NA, None)
			continue
		ok = True
		txt = []
		for peer in ("sfeed_update", "newsboat -x reload"):
			x, holds, t = cold_ratio(s, res[peer])
			txt.append(t)
			if holds is None and ok:
				ok = None
			elif holds is False:
				ok = False
		h.target(5, cold, ", ".join(txt), ok)
		fl = res["curl --parallel (floor)"]
		if s["stopped"] or not s["cond"] or "na" in fl:
			h.target(5, cond, "syndic did not finish its cold "
			    "pass in %d s" % s["limit"] if s["stopped"] else "-",
			    None)
		else:
			f = ratio(s["cond"]["wall"]["median"],
			    fl["cond"]["wall"]["median"])
			h.target(5, cond, "%.2fx the floor" % f, f <= 2)
		if n >= 10000:
			t = "poll %s: peak memory at most 64 MiB" % \
			    "{:,}".format(n)
			if s["stopped"]:
				h.target(5, t, "syndic did not finish in %d s" %
				    s["limit"], None)
			else:
				m = s["cold"]["rss"]["median"] / 1024
				h.target(5, t, "%s MiB" % fmt(m), m <= 64)
	# syndic's cold wall time per size (None: stopped), kept so that a
	# run at 10,000 added to one at 1,000 (--add) can judge linearity.
	walls = {}
	for n, res in per.items():
		s = res["syndic poll --all"]
		if "na" not in s:
			walls[str(n)] = None if s["stopped"] else \
			    s["cold"]["wall"]["median"]
	h.results.setdefault("poll", {})["data"] = {"cold_wall": walls}
	prior = h.prior.get("poll", {})
	if prior.get("commit", "").split()[:1] == h.head.split()[:1]:
		for k, v in prior.get("data", {}).get("cold_wall", {}).items():
			walls.setdefault(k, v)
	lin = "poll: cost linear in the number of feeds (per-feed cold " \
	    "time at 10,000 ÷ at 1,000)"
	if "1000" not in walls or "10000" not in walls:
		h.target(5, lin, not_run(h, "poll_feeds", 10000), None)
	elif walls["1000"] is None or walls["10000"] is None:
		h.target(5, lin, "syndic did not finish a cold pass", None)
	else:
		g = (walls["10000"] / 10000) / (walls["1000"] / 1000)
		h.target(5, lin, "%.2f" % g, g <= 1.5)


def cold_ratio(s, r):
	"""How many times longer a peer's cold pass took than syndic's, as
	text, and whether that is at least 4; a stopped pass bounds it."""
	if "na" in r:
		return None, None, "-"
	sw = s["cold"]["wall"]["median"] if not s["stopped"] else s["limit"]
	rw = r["cold"]["wall"]["median"] if not r["stopped"] else r["limit"]
	x = rw / sw
	if s["stopped"] and r["stopped"]:
		return None, None, "both stopped"
	if r["stopped"]:
		return x, True if x >= 4 else None, "> %.1fx (peer stopped)" % x
	if s["stopped"]:
		return x, False if x < 4 else None, "< %.1fx (syndic " \
		    "stopped)" % x
	cr = cpu_ratio(s, r, "cold")
	return x, x >= 4, "%.1fx" % x + (" (CPU %.1fx)" % cr if cr else "")


# Suite: store.

TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_eid|mc_cid)$")


def canonical(url):
	"""The parser's dedup key of a URL, as DESIGN.md describes it."""
	p = urllib.parse.urlsplit(url)
	host = (p.hostname or "").lower()
	if p.port and not (p.scheme == "http" and p.port == 80 or
	    p.scheme == "https" and p.port == 443):
		host += ":%d" % p.port
	q = [kv for kv in urllib.parse.parse_qsl(p.query, True)
	    if not TRACKING.match(kv[0])]
	return urllib.parse.urlunsplit((p.scheme.lower(), host, p.path or "/",
	    urllib.parse.urlencode(q), ""))


def xml_text(el):
	return el.text if el is not None and el.text is not None else None


def atom_content(el):
	if el is None:
		return None
	if el.get("type") == "xhtml":
		div = el[0]
		out = [div.text or ""]
		for c in div:
			out.append(ET.tostring(c, encoding="unicode"))
		return "".join(out).replace(
		    ' xmlns:html="http://www.w3.org/1999/xhtml"', "").replace(
		    "html:", "")
	return el.text


def rfc822(s):
	try:
		return int(email.utils.parsedate_to_datetime(s).timestamp())
	except (TypeError, ValueError):
		return None


def rfc3339(s):
	try:
		return int(datetime.datetime.fromisoformat(
		    s.replace("Z", "+00:00")).timestamp())
	except (TypeError, ValueError):
		return None


def corpus_entries(path):
	"""Entries of a corpus feed as the parser would hand them over."""
	root = ET.parse(path).getroot()
	A = "{http://www.w3.org/2005/Atom}"
	out = []
	if root.tag == A + "feed":
		for e in root.iter(A + "entry"):
			link = e.find(A + "link").get("href")
			out.append((xml_text(e.find(A + "id")), link,
			    canonical(link), xml_text(e.find(A + "title")),
			    xml_text(e.find(A + "author/" + A + "name")),
			    rfc3339(xml_text(e.find(A + "published"))),
			    atom_content(e.find(A + "summary")),
			    atom_content(e.find(A + "content"))))
		return "atom1.0", out
	C = "{http://purl.org/rss/1.0/modules/content/}encoded"
	D = "{http://purl.org/dc/elements/1.1/}creator"
	for e in root.iter("item"):
		link = xml_text(e.find("link"))
		out.append((xml_text(e.find("guid")) or link, link,
		    canonical(link), xml_text(e.find("title")),
		    xml_text(e.find(D)), rfc822(xml_text(e.find("pubDate"))),
		    xml_text(e.find("description")), xml_text(e.find(C))))
	return "rss2.0", out


def store_dump(h, c, n):
	"""The dump bench_store reads: the first n feeds' entries (cached)."""
	path = os.path.join(c.dir, "store-%d.dump" % n)
	if os.path.exists(path):
		return path
	log("store: extracting the entries of %d feeds" % n)
	with open(path + ".tmp", "wb") as out:
		for f in c.files(n):
			fmt_, ents = corpus_entries(f)
			out.write(b"D\t%d\t%s\t%s\n" % (len(ents), fmt_.encode(),
			    (STORE_FEED_URL + os.path.basename(f)).encode()))
			for e in ents:
				for v in e:
					if v is None:
						out.write(b"-1\n")
						continue
					b = str(v).encode("utf-8")
					out.write(b"%d\n" % len(b) + b)
	os.rename(path + ".tmp", path)
	return path


STORE_FEED_URL = "https://bench.example/feeds/"


def view_times(db, runs):
	"""Time each view a person would query: its first 50 rows and a full
	count, in a fresh connection, as the sqlite3 shell would."""
	con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
	views = [r[0] for r in con.execute("SELECT name FROM sqlite_master "
	    "WHERE type = 'view' ORDER BY name")]
	con.close()
	out = []
	for v in views:
		res = {}
		for label, q in (("first 50 rows", "SELECT * FROM \"%s\" "
		    "LIMIT 50" % v), ("count(*)", "SELECT count(*) FROM \"%s\""
		    % v)):
			ts = []
			for _ in range(runs):
				con = sqlite3.connect("file:%s?mode=ro" % db,
				    uri=True)
				t0 = time.perf_counter()
				rows = con.execute(q).fetchall()
				ts.append((time.perf_counter() - t0) * 1000)
				con.close()
			res[label] = stats(ts)
		res["rows"] = rows[0][0]
		out.append((v, res))
	return out


def stamp(path):
	"""What identifies one build of a driver (its stores are rebuilt when
	it is relinked)."""
	st = os.stat(path)
	return "%d:%d" % (st.st_mtime_ns, st.st_size)


def driver_store(h, n):
	"""A store of n synthetic entries made by bench/store_driver through
	store_ingest (folding on, 25 entries an update, retention once a
	simulated day), built once per build of the driver and kept for the
	suites that read a big store; returns the path and its figures."""
	sd = h.syndic.driver("store_driver")
	d = os.path.join(h.work, "store")
	os.makedirs(d, exist_ok=True)
	db = os.path.join(d, "driver-%d.db" % n)
	meta = db + ".json"
	if os.path.exists(meta) and os.path.exists(db):
		with open(meta) as fp:
			m = json.load(fp)
		if m.get("stamp") == stamp(sd):
			log("store: reusing %s (built %s)" % (db, m["built"]))
			return db, m
	for x in (meta, db, db + "-wal", db + "-shm"):
		if os.path.exists(x):
			os.unlink(x)
	log("store: store_driver -n %d" % n)
	r = run([sd, "-n", str(n), "-o", db])
	m = {"stamp": stamp(sd), "built": time.strftime("%Y-%m-%d %H:%M "
	    "UTC", time.gmtime()), "wall": r["wall"], "rss": r["rss"],
	    "kv": {}, "views": []}
	for line in r["out"].splitlines():
		k, _, v = line.partition(" ")
		if k == "view_ms":
			ms, _, rest = v.partition(" rows ")
			nrows, _, q = rest.partition(": ")
			m["views"].append([q, ms, nrows])
		elif k.startswith("channel"):
			m["views"].append([k, v.split()[0], "-"])
		else:
			m["kv"][k] = v
	with open(meta, "w") as fp:
		json.dump(m, fp, indent=1)
	return db, m


def store_driver_size(h, target, rows, vrows, dviews):
	"""The store suite at a size the corpus does not reach: a store made
	by bench/store_driver."""
	db, m = driver_store(h, target)
	kv = m["kv"]
	e = float(kv["entries"])
	eps = float(kv["ingest_entries_per_s"])
	alleps = e / (float(kv["ingest_seconds"]) +
	    float(kv.get("fts_index_seconds", 0)))
	rows.append(["{:,} (store_driver)".format(int(e)), fmt(eps),
	    fmt(alleps), "-", "-", fmt(float(kv["bytes_per_entry"])), "-",
	    fmt(m["rss"] / 1024), "{:,}".format(int(kv["stories"]))])
	store_rate_target(h, e, eps, alleps, ", store_driver",
	    float(kv.get("ingest_entries_per_cpu_s", 0)))
	# A full count of a view takes seconds at 1M entries: one run.
	for v, t in view_times(db, h.slow_runs):
		vrows.append(["{:,} (store_driver)".format(int(e)), "`%s`" % v,
		    fmts(t["first 50 rows"]), fmts(t["count(*)"]),
		    "{:,}".format(t["rows"])])
	for q, ms, nrows in m["views"]:
		dviews.append(["{:,}".format(int(e)), q if q.startswith(
		    "channel") else "`%s`" % q, ms, nrows])


STORE_SIZES = (100000, 1000000)	# the sizes issue #4 sets
CORPUS_MAX = 200000	# bigger stores come from the drivers, not the corpus


def near(e, size):
	"""Whether a store of e entries is one of size (within 5%)."""
	return abs(e - size) <= size * 0.05


def store_rate_target(h, e, eps, alleps, how="", cpueps=0):
	"""Issue #4's ingest rate at e entries, if that is a size it sets;
	alleps counts the full-text fill done apart as well, cpueps is per
	CPU second when known."""
	at = [x for x in STORE_SIZES if near(e, x)]
	if not at:
		return
	h.judged.add(("store", at[0]))
	h.target(4, "store: ingest at least 5,000 entries/s with dedup on "
	    "(%s entries)" % "{:,}".format(at[0]), "%s/s (%s entries%s)%s%s" %
	    (fmt(eps), "{:,}".format(int(e)), how, "" if
	    abs(alleps - eps) < 1 else "; %s/s counting the full-text fill "
	    "done apart" % fmt(alleps), "; %s per CPU second" % fmt(cpueps) if
	    cpueps else ""), eps >= 5000)


def fold_quality(db, c, n):
	"""Precision and recall of story folding against the ground truth."""
	truth = {}
	kind = {}
	with open(os.path.join(c.dir, "truth.tsv")) as fp:
		next(fp)
		for line in fp:
			r = line.rstrip("\n").split("\t")
			if int(r[0][1:6]) >= n:
				break
			truth[(r[0], r[3])] = int(r[4])
			kind[(r[0], r[3])] = (r[5], r[7])
	con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
	pred = {}
	for url, link, story in con.execute("SELECT f.url, e.link, "
	    "e.story_id FROM entries e JOIN feeds f ON f.id = e.feed_id"):
		pred[(url[len(STORE_FEED_URL):], link)] = story
	con.close()
	cells, pc, tc = {}, {}, {}
	for k, t in truth.items():
		p = pred.get(k)
		if p is None:
			continue
		cells[(p, t)] = cells.get((p, t), 0) + 1
		pc[p] = pc.get(p, 0) + 1
		tc[t] = tc.get(t, 0) + 1
	pairs = lambda d: sum(x * (x - 1) // 2 for x in d.values())
	tp, pp, tpairs = pairs(cells), pairs(pc), pairs(tc)
	# Recall per kind of copy: is the copy in its original's story?
	orig = {}
	for k, t in truth.items():
		if kind[k][0] == "original":
			orig[t] = pred.get(k)
	per = {}
	for k, t in truth.items():
		kd, full = kind[k]
		if kd == "original":
			continue
		if full == "0":
			kd = "summary-only copy"
		hit = pred.get(k) is not None and pred.get(k) == orig.get(t)
		a = per.setdefault(kd, [0, 0])
		a[0] += hit
		a[1] += 1
	return {"precision": tp / pp if pp else 1.0,
	    "recall": tp / tpairs if tpairs else 1.0, "per": per,
	    "matched": len(set(truth) & set(pred)), "truth": len(truth)}


def suite_store(h):
	drv = h.syndic.driver("bench_store")
	c = h.corpus()
	d = os.path.join(h.work, "store")
	os.makedirs(d, exist_ok=True)
	rows, vrows, qual, dviews = [], [], {}, []
	for target in h.size["store_entries"]:
		if target > CORPUS_MAX:
			store_driver_size(h, target, rows, vrows, dviews)
			continue
		n = c.feeds_for_entries(target)
		if n is None:
			raise RuntimeError("the corpus is too small")
		dump = store_dump(h, c, n)
		db = os.path.join(d, "store-%d.db" % n)
		res = []
		if os.path.exists(db + ".done"):
			os.unlink(db + ".done")
		for _ in range(h.slow_runs):
			for ext in ("", "-wal", "-shm"):
				if os.path.exists(db + ext):
					os.unlink(db + ext)
			log("store: ingest %d entries" % c.entries(n))
			r = run([drv, db, dump])
			m = dict(re.findall(r"(\w+) ([\d.]+)", r["out"]))
			m = {k: float(v) for k, v in m.items()}
			e = m["entries"]
			size = sum(os.path.getsize(db + x) for x in ("", "-wal")
			    if os.path.exists(db + x))
			# The full-text index may be filled apart, after
			# the feed updates (fts_seconds): counted beside.
			res.append({"eps": e / m["seconds"],
			    "all": e / (m["seconds"] + m.get("fts_seconds", 0)),
			    "first": e / 10 / m["first_seconds"],
			    "last": e / 10 / m["last_seconds"],
			    "bpe": size / e, "rss": r["rss"] / 1024,
			    "stories": m["stories"], "folded": m["folded"]})
		with open(db + ".done", "w") as fp:
			fp.write(stamp(drv) + "\n")
		s = {k: stats([x[k] for x in res]) for k in res[0]}
		rows.append(["{:,}".format(int(e)), fmts(s["eps"]),
		    fmts(s["all"]), fmts(s["first"]), fmts(s["last"]),
		    fmt(s["bpe"]["median"]),
		    fmt(c.bytes(n) / e), fmt(s["rss"]["median"]),
		    "{:,}".format(int(s["stories"]["median"]))])
		store_rate_target(h, e, s["eps"]["median"], s["all"]["median"])
		for v, t in view_times(db, h.runs):
			vrows.append(["{:,}".format(int(e)), "`%s`" % v,
			    fmts(t["first 50 rows"]), fmts(t["count(*)"]),
			    "{:,}".format(t["rows"])])
		qual[int(e)] = fold_quality(db, c, n)
	h.table("store", "store: ingest (bench/bench_store: store_ingest of "
	    "parsed documents, one transaction per feed update)",
	    ["entries", "entries/s", "with the full-text fill /s",
	    "first 10% /s", "last 10% /s",
	    "store bytes/entry", "feed bytes/entry", "driver peak RSS MiB",
	    "stories"], rows,
	    "Entries come from the corpus as the parser hands them over "
	    "(canonical URL set, HTML as published); the store strips the "
	    "text, folds duplicates into stories (URL, MinHash) and indexes "
	    "them. Time is the sum of the store_ingest calls (the full-text "
	    "index, when the store fills it apart as the daemon does, is "
	    "timed after them and counted in the next column); %d runs, each on "
	    "a new store file. Stores above %s entries, which would take a "
	    "corpus of some 23,000 feeds at 1M, come from the store work's own "
	    "load generator instead (rows marked store_driver: "
	    "bench/store_driver, in-memory Zipf text, 25 entries per update, "
	    "retention once a simulated day, one run; its store is kept for "
	    "the views below)." % (h.slow_runs, "{:,}".format(CORPUS_MAX)))
	h.table("store", "store: view query times (ms, a fresh connection "
	    "each)", ["entries", "view", "first 50 rows ms", "count(*) ms",
	    "rows"], vrows)
	if dviews:
		h.table("store", "store: queries timed by bench/store_driver",
		    ["entries", "query", "ms", "rows"], dviews)
	qrows = []
	for e, q in sorted(qual.items()):
		qrows.append(["{:,}".format(e), "pairs", "%.4f" % q["precision"],
		    "%.4f" % q["recall"], "{:,}".format(q["matched"])])
		for k, (hit, tot) in sorted(q["per"].items()):
			qrows.append(["", k, "", "%.4f" % (hit / tot),
			    "{:,}".format(tot)])
	h.table("store", "store: story folding against the corpus ground "
	    "truth", ["entries", "copies", "precision", "recall", "n"], qrows,
	    "Pairs: entries in one story that are one story in truth.tsv. Per "
	    "kind of copy: the share folded into its original's story "
	    "(summary-only copy: any kind, in a summary-only feed).")
	for x in STORE_SIZES:
		if ("store", x) not in h.judged:
			h.target(4, "store: ingest at least 5,000 entries/s "
			    "with dedup on (%s entries)" % "{:,}".format(x),
			    not_run(h, "store_entries", x), None)
	if not qual:
		return
	big = qual[max(qual)]
	h.target(4, "store: folding precision at least 0.99 (generated "
	    "copies)", "%.4f" % big["precision"], big["precision"] >= 0.99)
	full = [big["per"][k] for k in ("same-url", "tracking", "other-host",
	    "edited") if k in big["per"]]
	rec = sum(x[0] for x in full) / max(1, sum(x[1] for x in full))
	h.target(4, "store: recall 1.0 on identical and lightly edited "
	    "copies (generated)", "%.4f" % rec, rec >= 1.0)
	so = big["per"].get("summary-only copy", [0, 0])
	if so[1]:
		h.target(4, "store: recall at least 0.9 on summary-only copies "
		    "(generated)", "%.4f" % (so[0] / so[1]),
		    so[0] / so[1] >= 0.9)


def store_db(h, c, n):
	"""A store holding the first n feeds (the store suite's, or a new
	one), for the suites that read a filled store."""
	drv = h.syndic.driver("bench_store")
	d = os.path.join(h.work, "store")
	os.makedirs(d, exist_ok=True)
	db = os.path.join(d, "store-%d.db" % n)
	done = None
	if os.path.exists(db + ".done"):
		with open(db + ".done") as fp:
			done = fp.read().strip()
	if done != stamp(drv):
		dump = store_dump(h, c, n)
		for ext in ("", "-wal", "-shm"):
			if os.path.exists(db + ext):
				os.unlink(db + ext)
		log("filling a store with %d entries" % c.entries(n))
		run([drv, db, dump])
		with open(db + ".done", "w") as fp:
			fp.write(stamp(drv) + "\n")
	return db


# Suite: serve.

def daemon_start(h, conf, port):
	p = subprocess.Popen([h.syndic.bin, "-c", conf, "run"],
	    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
	    stderr=open(conf + ".log", "ab"), start_new_session=True)
	try:
		wait_port(port, p, 30)
	except Exception:
		stop(p)
		raise
	return p


def daemon_quiet(p, limit=600, busy=0.1):
	"""Wait until the daemon's background work (the related index of a
	store it has not seen yet, say) is done: under busy CPU seconds over
	3 s of wall (a daemon that stays busier is what the idle suite then
	measures)."""
	t0 = time.time()
	a = proc_times(p.pid)["cpu"]
	while time.time() - t0 < limit:
		time.sleep(3)
		b = proc_times(p.pid)["cpu"]
		if b - a < busy:
			break
		a = b
	return time.time() - t0


def serve_feed(h, d, db, kb):
	"""Start the daemon on db with as many items as make /feed.atom about
	kb KB; returns the process, its URL and the document."""
	items = 20
	for _ in range(4):
		port = free_port()
		conf = h.syndic.config(os.path.join(d, "serve-%d.conf" % kb), db,
		    [], listen="127.0.0.1:%d" % port, items=items)
		p = daemon_start(h, conf, port)
		url = "http://127.0.0.1:%d/feed.atom" % port
		log("serve: waiting for the daemon to settle")
		daemon_quiet(p)
		st, hd, body = http_get(url)
		if st != 200:
			stop(p)
			raise Unavailable("/feed.atom answers %d" % st)
		if abs(len(body) - kb * 1024) < kb * 1024 * 0.15 or \
		    items >= 1000:
			return p, url, body
		stop(p)
		per = max(1, len(body) / items)
		items = max(1, min(1000, int(kb * 1024 / per)))
	return p, url, body


def suite_serve(h):
	h.syndic.need("run")
	c = h.corpus()
	d = os.path.join(h.work, "serve")
	static = os.path.join(d, "static")
	os.makedirs(static, exist_ok=True)
	os.chmod(d, 0o755)
	n = c.feeds_for_entries(10000)
	db = store_db(h, c, n)
	# The store's feeds are not to be polled while we measure.
	con = sqlite3.connect(db)
	con.execute("UPDATE feeds SET next_poll = 4102444800")
	con.commit()
	con.close()
	secs = h.size["wrk_seconds"]
	rows = []
	res = {}
	for kb in h.size["serve_kb"]:
		p, url, body = serve_feed(h, d, db, kb)
		try:
			name = "feed-%d.atom" % kb
			with open(os.path.join(static, name), "wb") as fp:
				fp.write(body)
			st, hd, gz = http_get(url, {"Accept-Encoding": "gzip"})
			if hd.get("Content-Encoding") != "gzip":
				raise Unavailable("/feed.atom does not gzip")
			with open(os.path.join(static, name + ".gz"), "wb") as fp:
				fp.write(gz)
			ng = Nginx(h, static, "static")
			try:
				res[kb] = serve_compare(h, url, ng.url + name, secs,
				    len(body), len(gz))
			finally:
				ng.stop()
		finally:
			stop(p)
		for mode, r in res[kb].items():
			rows.append(["%.0f KB" % (len(body) / 1024), mode,
			    fmts(r["syndic"]["rps"]), fmts(r["nginx"]["rps"]),
			    fmtr(ratio(r["syndic"]["rps"]["median"],
			    r["nginx"]["rps"]["median"])),
			    fmts(r["syndic"]["p99"]), fmts(r["nginx"]["p99"])])
	note = ("`wrk -t1 -c16 -d%ds --latency`, %d runs each, syndic and "
	    "nginx in turn; nginx: one worker, sendfile, the document and its gzip "
	    "(the daemon's own bytes) as static files with gzip_static. "
	    "304: If-None-Match with the server's ETag." % (secs, h.runs))
	slow = [r for m in res.values() for k, r in m.items() if k != "304"
	    and 38 <= r["syndic"]["p99"]["median"] <= 90 and
	    r["nginx"]["p99"]["median"] < 20]
	if slow:
		note += (" syndic's p99 sits near 40 ms, the delayed-ACK timer, "
		    "on full responses but not on 304s: the signature of Nagle's "
		    "algorithm holding the last segment (TCP_NODELAY not set?).")
	h.table("serve", "serve: /feed.atom, syndic vs nginx serving the same "
	    "bytes", ["size", "request", "syndic req/s", "nginx req/s",
	    "syndic ÷ nginx", "syndic p99 ms", "nginx p99 ms"], rows, note)
	for kb, modes in sorted(res.items()):
		for mode, r in modes.items():
			x = ratio(r["syndic"]["rps"]["median"],
			    r["nginx"]["rps"]["median"])
			h.target(6, "serve: at least 0.5x nginx req/s (~%d KB, %s)"
			    % (kb, mode), "%.2fx (p99 %s ms)" % (x,
			    fmt(r["syndic"]["p99"]["median"])), x >= 0.5)


def serve_compare(h, surl, nurl, secs, size, gzsize):
	out = {}
	modes = (("identity", []), ("gzip", ["Accept-Encoding: gzip"]),
	    ("304", None))
	for mode, hdrs in modes:
		out[mode] = {}
		for who, url in (("syndic", surl), ("nginx", nurl)):
			if hdrs is None:
				st, hd, _ = http_get(url)
				etag = hd.get("ETag") or hd.get("Etag")
				if not etag:
					raise Unavailable("%s sends no ETag" % who)
				hh = ["If-None-Match: " + etag]
				st, _, _ = http_get(url, {"If-None-Match": etag})
				if st != 304:
					raise Unavailable("%s answers %d, not 304" %
					    (who, st))
			else:
				hh = hdrs
			out[mode][who] = (url, hh)
		# Round robin, so that a burst of load hits both servers.
		rs = {"syndic": [], "nginx": []}
		for i in range(h.runs):
			for who in ("syndic", "nginx"):
				url, hh = out[mode][who]
				log("serve: %s %s %s" % (who, mode, url))
				r = wrk(url, secs, hh)
				if r["bad"]:
					raise RuntimeError("%s: errors under wrk" %
					    who)
				rs[who].append(r)
		for who in rs:
			out[mode][who] = {k: stats([r[k] for r in rs[who]]) for
			    k in ("rps", "p99")}
	return out


def wrk(url, seconds, headers=()):
	cmd = ["wrk", "-t1", "-c16", "-d%ds" % seconds, "--latency"]
	for hd in headers:
		cmd += ["-H", hd]
	r = run(cmd + [url])
	out = r["out"]
	rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
	m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
	p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
	bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
	return {"rps": rps, "p99": p99, "bad": int(bad.group(1)) if bad else 0}


# Suite: related.

RELATED_SIZES = ((100000, 10), (1000000, 25))	# issue #7: size, p95 ms


def suite_related(h):
	rows, qrows = [], []
	p95s = {}
	for target in h.size["related_entries"]:
		if target > CORPUS_MAX:
			e, p95 = related_driver_size(h, target, rows)
		else:
			e, p95 = related_corpus_size(h, target, rows, qrows)
		p95s[e] = p95
	h.table("related", "related: latency of one story's list "
	    "(store_related_story)", ["entries", "stories", "index build s "
	    "(1st run)", "p50 ms", "p95 ms", "p99 ms", "max ms",
	    "stories with related"], rows,
	    "Up to %s entries: bench/bench_related on the store of the store "
	    "suite (the corpus): the index is brought up to date first "
	    "(store_related_update until done), then 300 sampled stories each "
	    "get their list computed now; %d runs. Bigger stores (rows marked "
	    "related_driver): bench/related_driver fills that many synthetic "
	    "stories (its event word model, one entry each, written straight "
	    "into the tables), indexes them (timed as a whole) and times 300 "
	    "sampled stories the same way; one run." % ("{:,}".format(
	    CORPUS_MAX), h.runs))
	if qrows:
		h.table("related", "related: agreement with the generator's "
		    "topics (informational)", ["entries", "same topic",
		    "same event", "links"], qrows,
		    "Share of the related links of the sampled stories whose "
		    "story has the same topic (and the same event, which shares "
		    "names) in the ground truth. Generated text, so only a "
		    "sanity check: precision@5 is measured on BBC news by the "
		    "related work's own evaluation.")
	# The issue sets 10 ms at 100k entries and 25 ms at 1M.
	for at, limit in RELATED_SIZES:
		t = "related: p95 latency per story at most %d ms at %s " \
		    "entries" % (limit, "{:,}".format(at))
		got = [e for e in p95s if near(e, at)]
		if not got:
			h.target(7, t, not_run(h, "related_entries", at) +
			    "".join("; %s ms at %s entries" % (fmt(p95s[e]),
			    "{:,}".format(e)) for e in sorted(p95s)), None)
			continue
		p95 = p95s[got[0]]
		h.target(7, t, "%s ms (%s entries)" % (fmt(p95),
		    "{:,}".format(got[0])), p95 <= limit)


def related_corpus_size(h, target, rows, qrows):
	"""bench_related on the corpus store of about target entries."""
	drv = h.syndic.driver("bench_related")
	c = h.corpus()
	n = c.feeds_for_entries(target)
	db = store_db(h, c, n)
	con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
	ids = [r[0] for r in con.execute("SELECT id FROM story")]
	con.close()
	sample = [str(x) for x in sorted(random.Random(SEED).sample(ids,
	    min(300, len(ids))))]
	res = []
	for i in range(h.runs):
		log("related: %d entries, run %d" % (c.entries(n), i + 1))
		r = run([drv, "-k", "5", db] + sample)
		m = {k: float(v) for k, v in
		    re.findall(r"(\w+) ([\d.]+)", r["out"])}
		res.append(m)
	s = {k: stats([x[k] for x in res]) for k in res[0]}
	e = c.entries(n)
	rows.append(["{:,}".format(e), "{:,}".format(len(ids)),
	    fmt(res[0]["index_seconds"]), fmts(s["p50"]), fmts(s["p95"]),
	    fmts(s["p99"]), fmts(s["max"]), "%.0f%%" % (100 *
	    s["covered"]["median"] / s["stories"]["median"])])
	q = related_quality(db, c, n, sample)
	if q:
		qrows.append(["{:,}".format(e), "%.3f" % q[0], "%.3f" % q[1],
		    "{:,}".format(q[2])])
	return e, s["p95"]["median"]


def related_driver_size(h, target, rows):
	"""bench/related_driver on target synthetic stories (one run)."""
	drv = h.syndic.driver("related_driver")
	d = os.path.join(h.work, "related")
	os.makedirs(d, exist_ok=True)
	db = os.path.join(d, "driver-%d.db" % target)
	log("related: related_driver -n %d" % target)
	r = run([drv, "-n", str(target), "-s", "300", "-o", db])
	m = {k: float(v) for k, v in re.findall(r"^(\w+) ([\d.]+)", r["out"],
	    re.M)}
	for x in (db, db + "-wal", db + "-shm"):
		if os.path.exists(x):
			os.unlink(x)
	rows.append(["{:,} (related_driver)".format(int(m["stories"])),
	    "{:,}".format(int(m["stories"])), "%s (fill %s)" % (
	    fmt(m["index_seconds"]), fmt(m["fill_seconds"])),
	    fmt(m["story_wall_ms_p50"]), fmt(m["story_wall_ms_p95"]),
	    fmt(m["story_wall_ms_p99"]) if "story_wall_ms_p99" in m else "-",
	    fmt(m["story_wall_ms_max"]), "%.0f%%" % (100 * m["covered"] /
	    m["sample"]) if "covered" in m else "-"])
	return int(m["stories"]), m["story_wall_ms_p95"]


def related_quality(db, c, n, sample):
	truth = {}
	with open(os.path.join(c.dir, "truth.tsv")) as fp:
		next(fp)
		for line in fp:
			r = line.rstrip("\n").split("\t")
			if int(r[0][1:6]) >= n:
				break
			truth[(r[0], r[3])] = (r[6], r[9] if len(r) > 9 else "")
	con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
	story = {}
	for sid, url, link in con.execute("SELECT s.id, f.url, e.link FROM "
	    "story s JOIN entries e ON e.id = s.entry_id JOIN feeds f ON "
	    "f.id = e.feed_id"):
		story[sid] = truth.get((url[len(STORE_FEED_URL):], link))
	try:
		pairs = con.execute("SELECT story_id, related_story_id FROM "
		    "related WHERE story_id IN (%s)" % ",".join(sample)).fetchall()
	except sqlite3.Error:
		return None
	con.close()
	pairs = [(story.get(a), story.get(b)) for a, b in pairs]
	pairs = [(a, b) for a, b in pairs if a and b]
	if not pairs:
		return None
	topic = sum(a[0] == b[0] for a, b in pairs) / len(pairs)
	event = sum(a == b for a, b in pairs) / len(pairs)
	return topic, event, len(pairs)


# Suite: idle.

def suite_idle(h):
	h.syndic.need("run")
	c = h.corpus()
	n = h.size["idle_feeds"]
	d = os.path.join(h.work, "idle")
	shutil.rmtree(d, ignore_errors=True)
	os.makedirs(d)
	ng = h.origin()
	urls = [ng.url + f[0] for f in c.feeds[:n]]
	db = os.path.join(d, "idle.db")
	# The store the poll suite left at this size, when it polled these
	# very URLs: the daemon then starts with every feed fetched.
	polled = h.polled.get(n)
	if polled and polled[1] == urls:
		for ext in ("", "-wal"):
			if os.path.exists(polled[0] + ext):
				shutil.copyfile(polled[0] + ext, db + ext)
		how = "starting on the store of the poll suite's two passes"
	else:
		how = "after its first poll of all %d feeds" % n
	p = None
	try:
		port = free_port()
		conf = h.syndic.config(os.path.join(d, "idle.conf"), db, urls,
		    listen="127.0.0.1:%d" % port, interval="30m")
		p = daemon_start(h, conf, port)
		settle = idle_settle(p, db, n)
		secs = h.size["idle_seconds"]
		log("idle: measuring %d s" % secs)
		a = proc_times(p.pid)
		na = [proc_times(x) for x in ng.pids()]
		time.sleep(secs)
		b = proc_times(p.pid)
		nb = [proc_times(x) for x in ng.pids()]
	finally:
		stop(p)
	k = 60.0 / secs
	ngd = {x: sum(q[x] for q in nb) - sum(q[x] for q in na) for x in
	    ("cpu", "vol", "invol")}
	rows = [["syndic run, %d feeds scheduled" % n,
	    fmt((b["cpu"] - a["cpu"]) * 1000 * k),
	    fmt((b["vol"] - a["vol"]) * k), fmt((b["invol"] - a["invol"]) * k),
	    fmt(b["rss"] / 1024)],
	    ["nginx, idle (master + worker)", fmt(ngd["cpu"] * 1000 * k),
	    fmt(ngd["vol"] * k), fmt(ngd["invol"] * k),
	    fmt(sum(q["rss"] for q in nb) / 1024)]]
	h.table("idle", "idle: an idle daemon", ["process", "CPU ms/min",
	    "voluntary switches/min (wake-ups)", "involuntary switches/min",
	    "peak RSS MiB"], rows,
	    "The daemon with %d feeds scheduled, %s (every feed fetched and "
	    "the daemon quiet: %s), over %d s: utime+stime from "
	    "/proc/PID/stat, context switches from /proc/PID/status. Interval "
	    "30m, so no feed is due while measuring. nginx is the origin the "
	    "feeds come from." % (n, how, settle, secs))


def idle_settle(p, db, n, limit=300):
	"""Wait until every feed was fetched once and the daemon is quiet."""
	t0 = time.time()
	done = 0
	while time.time() - t0 < limit:
		if p.poll() is not None:
			raise RuntimeError("the daemon exited (%d)" % p.returncode)
		try:
			con = sqlite3.connect("file:%s?mode=ro" % db, uri=True,
			    timeout=5)
			done = con.execute("SELECT count(*) FROM feeds WHERE "
			    "last_fetch IS NOT NULL").fetchone()[0]
			con.close()
		except sqlite3.Error:
			done = 0
		if done >= n or (done == 0 and time.time() - t0 > 30):
			break
		time.sleep(2)
	if done < n:
		raise Unavailable("the daemon fetched %d of %d feeds in %.0f s "
		    "(does `syndic run` poll yet?)" % (done, n, time.time() - t0))
	took = time.time() - t0
	quiet = daemon_quiet(p, max(30, limit - took))
	return "fetched in %.0f s, quiet %.0f s later" % (took, quiet)


# The report.

def machine():
	cpu = "?"
	with open("/proc/cpuinfo") as fp:
		for line in fp:
			if line.startswith("model name"):
				cpu = line.split(":", 1)[1].strip()
				break
	with open("/proc/meminfo") as fp:
		mem = int(fp.readline().split()[1]) / 1024 / 1024
	return {"nproc": os.cpu_count(), "cpu": cpu, "ram": "%.1f GiB" % mem,
	    "kernel": platform.release(), "load": os.getloadavg()}


def versions(h):
	out = {}
	q = ["dpkg-query", "-W", "-f", "${Version}"]
	for p in ("sfeed", "newsboat", "python3-feedparser", "libxml2-utils",
	    "nginx-light", "nginx-core", "wrk", "curl", "libgumbo1"):
		r = subprocess.run(q + [p], capture_output=True, text=True)
		if r.returncode == 0 and r.stdout:
			out[p] = r.stdout
	return out


def git_head(top):
	"""The commit measured (taken when the run starts), marked "+changes"
	when tracked files other than BENCHMARKS.md differ from it."""
	r = subprocess.run(["git", "-C", top, "log", "-1",
	    "--format=%h %s"], capture_output=True, text=True)
	st = subprocess.run(["git", "-C", top, "status", "--porcelain",
	    "--untracked-files=no"], capture_output=True, text=True)
	dirty = [l for l in st.stdout.splitlines() if not
	    l.endswith("BENCHMARKS.md")]
	h, _, subject = r.stdout.strip().partition(" ")
	return "%s%s %s" % (h, "+changes" if dirty else "", subject)


def commits_of(res):
	"""Which commits the suites' results were measured at."""
	got = {}
	for s in SUITES:
		for x in res.get(s, {}).get("parts", [res.get(s, {})]):
			if "commit" in x:
				c = x["commit"].split()[0]
				got.setdefault(c, []).append(s)
	if len(got) == 1:
		return "one commit, %s" % list(got)[0]
	return "%d commits: %s" % (len(got), "; ".join("%s (%s)" % (c,
	    ", ".join(dict.fromkeys(v))) for c, v in got.items()))


def part(r):
	"""When, how and at which commit a suite's results were measured."""
	return {k: r[k] for k in ("date", "command", "commit", "seconds",
	    "load") if k in r}


def merge_results(old, new):
	"""A suite's results with a further run added (--add): the tables of
	both, each target judged where either run measured it."""
	if not old or "tables" not in old or "tables" not in new:
		return new
	out = dict(new)
	out["tables"] = old["tables"] + new["tables"]
	out["parts"] = old.get("parts", [part(old)]) + [part(new)]
	got = {}
	order = []
	for t in old.get("targets", []) + new.get("targets", []):
		k = (t["issue"], t["target"])
		if k not in got:
			order.append(k)
			got[k] = t
		elif not t["measured"].startswith(NOT_RUN):
			got[k] = t
	out["targets"] = [got[k] for k in order]
	for k, v in old.get("data", {}).items():
		out.setdefault("data", {}).setdefault(k, v)
	return out


def report(state):
	"""BENCHMARKS.md from the stored results of every suite."""
	m = state["machine"]
	res = state["suites"]
	L = ["# BENCHMARKS", "",
	    "Generated by `bench/run` (bench/bench.py) — do not edit by hand: "
	    "`bench/run` regenerates it.", "",
	    "- last command: `%s`, %s" % (state["command"], state["date"]),
	    "- syndic: %s" % state["commit"], "- the tables come from %s" %
	    commits_of(res), "- time per suite: %s" % ", ".join("%s %s" % (s,
	    " + ".join("%.0f s" % x["seconds"] for x in res[s].get("parts",
	    [res[s]]) if "seconds" in x)) for s in SUITES if s in res),
	    "- machine: %d CPUs (%s), %s RAM, Linux %s" % (m["nproc"],
	    m["cpu"], m["ram"], m["kernel"]),
	    "- peers: " + ", ".join("%s %s" % kv for kv in
	    sorted(state["versions"].items())), "",
	    "The machine is shared (other engineers' builds and tests run "
	    "beside the bench; the load average of each suite is given), so "
	    "absolute times are noisy: compare the ratios, which come from "
	    "syndic and its peers run one after the other on the same corpus. "
	    "Each figure is the median of the runs, with the min–max spread "
	    "in parentheses. A ratio above 1 means syndic does better.", ""]
	if state.get("notes"):
		L += ["Notes:", ""] + ["- " + n for n in state["notes"]] + [""]
	c = None
	for s in SUITES:
		c = res.get(s, {}).get("corpus") or c
	if c:
		k = c["kinds"]
		L += ["Corpus: `bench/gencorpus.py --seed %d` (%d feeds "
		    "generated: %d entries, %.0f MB; RSS 2.0 and Atom, full-text "
		    "and summary-only, 20-100 items, 5-300 KB; syndicated copies: "
		    "%s). Each suite uses its first N feeds." % (c["seed"],
		    c["feeds"], c["entries"], c["bytes"] / 1e6, ", ".join(
		    "%s %d" % (x, k[x]) for x in sorted(k) if x != "original")),
		    ""]
	L += ["## Targets", "", "| issue | target | measured | holds |",
	    "|---|---|---|---|"]
	for s in SUITES:
		for t in res.get(s, {}).get("targets", []):
			holds = {True: "yes", False: "**no**", None: "-"}[
			    t["holds"]]
			L.append("| #%d | %s | %s | %s |" % (t["issue"],
			    t["target"], t["measured"], holds))
	L.append("")
	for s in SUITES:
		if s not in res:
			continue
		r = res[s]
		L += ["## %s" % s, ""]
		for x in r.get("parts", [r] if "date" in r else []):
			L += ["Measured %s by `%s` at %s in %.0f s; load average "
			    "%.1f %.1f %.1f before, %.1f %.1f %.1f after." % (
			    x["date"], x["command"], x["commit"].split()[0],
			    x["seconds"], *x["load"]), ""]
		if "unavailable" in r:
			L += ["%s: %s." % (NA.capitalize(), r["unavailable"]), ""]
			continue
		if "error" in r:
			L += ["The suite failed: `%s`" % r["error"][:300], ""]
		for t in r.get("tables", []):
			L.append(render_table(t["title"], t["header"], t["rows"],
			    t["note"]))
	return "\n".join(L)


def main():
	p = argparse.ArgumentParser(prog="bench/run", description="Measure "
	    "syndic against its peers on a generated corpus; print a table "
	    "per suite and regenerate BENCHMARKS.md.")
	p.add_argument("--suite", default=",".join(SUITES),
	    help="comma-separated suites (default: all): " + ",".join(SUITES))
	p.add_argument("--size", choices=sorted(SIZES), default="small",
	    help="small (default, about 15 minutes on 2 cores) or full "
	    "(1,000 and 10,000 feeds, 1M entries)")
	p.add_argument("--runs", type=int, default=3,
	    help="repetitions of each measurement (default 3)")
	p.add_argument("--work", help="scratch directory, the corpus kept "
	    "there (default: /tmp/syndic-bench-NAME, NAME: the checkout's "
	    "directory)")
	p.add_argument("--report", help="where to write the report (default: "
	    "BENCHMARKS.md at the top when every suite runs or with --update, "
	    "else WORK/report.md)")
	p.add_argument("--update", action="store_true", help="keep the other "
	    "suites' results from the last run (WORK/results.json) and "
	    "regenerate BENCHMARKS.md with these suites measured again")
	p.add_argument("--add", action="store_true", help="like --update, "
	    "but add these suites' tables and targets to their last results "
	    "instead of replacing them: a bigger size of a suite measured on "
	    "top of the default run (e.g. --size full --set "
	    "store_entries=1000000)")
	p.add_argument("--note", action="append", default=[],
	    help="a line for the report's header (what did not run, say); "
	    "kept by --update and --add")
	p.add_argument("--set", action="append", default=[],
	    metavar="KEY=N[,N]", help="override one size parameter, e.g. "
	    "poll_feeds=100 (keys: %s)" % ", ".join(sorted(SIZES["small"])))
	p.add_argument("--top", default=os.path.dirname(os.path.dirname(
	    os.path.abspath(__file__))), help=argparse.SUPPRESS)
	a = p.parse_args()
	if a.work is None:
		a.work = os.path.join(tempfile.gettempdir(), "syndic-bench-" +
		    os.path.basename(os.path.abspath(a.top)))
	a.suites = [s for s in a.suite.split(",") if s]
	for s in a.suites:
		if s not in SUITES:
			p.error("unknown suite %s" % s)
	for kv in a.set:
		k, _, v = kv.partition("=")
		if k not in SIZES["small"] or not v:
			p.error("bad --set %s" % kv)
		vals = tuple(int(x) for x in v.split(","))
		SIZES[a.size][k] = vals if isinstance(SIZES["small"][k],
		    tuple) else vals[0]
	if a.runs < 1:
		p.error("--runs must be at least 1")
	if a.add:
		a.update = True
	if a.report is None:
		a.report = os.path.join(a.top, "BENCHMARKS.md") if \
		    set(a.suites) == set(SUITES) or a.update else \
		    os.path.join(a.work, "report.md")
	argv = sys.argv[1:]
	argv = [x for i, x in enumerate(argv) if not (x.startswith("--top")
	    or (i and argv[i - 1] == "--top"))]
	started = time.time()
	h = Harness(a)
	path = os.path.join(a.work, "results.json")
	state = {"suites": {}}
	if a.update and os.path.exists(path):
		with open(path) as fp:
			state = json.load(fp)
		if "suites" not in state:
			state = {"suites": {}}
	base = json.loads(json.dumps(state["suites"]))
	state["notes"] = state.get("notes", []) + a.note
	if a.add:
		h.prior = base

	def save():
		"""Results and report after each suite: a stopped run keeps
		what it measured."""
		for k, r in h.results.items():
			state["suites"][k] = merge_results(base.get(k), r) if \
			    a.add else r
		state.update({"machine": machine(), "versions": versions(h),
		    "commit": h.head, "command": "bench/run " +
		    " ".join(argv), "date": time.strftime("%Y-%m-%d %H:%M UTC",
		    time.gmtime(started))})
		with open(path + ".tmp", "w") as fp:
			json.dump(state, fp, indent=1, default=str)
		os.rename(path + ".tmp", path)
		with open(a.report + ".tmp", "w") as fp:
			fp.write(report(state))
		os.rename(a.report + ".tmp", a.report)
	h.run_suites(argv, save)
	log("report written to %s" % a.report)


if __name__ == "__main__":
	main()
