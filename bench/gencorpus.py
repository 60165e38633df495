#!/usr/bin/env python3
"""gencorpus.py: a deterministic corpus of real-world-shaped feeds for bench/.

Writes N feed documents (RSS 2.0 with content:encoded, Atom with html and
xhtml content; RFC 822 and RFC 3339 date variants; CDATA and entities;
20-100 items; 5 KB to 300 KB; full-text and summary-only feeds) in which a
known share of the entries are syndicated copies of stories published by
another feed: the same URL, the URL with tracking parameters, the same path
on another host, or a lightly edited text under a new URL.  The ground truth
is written beside the feeds:

  OUT/feeds/fNNNNN.xml   the documents
  OUT/feeds.tsv          one line per feed: file, format, style, items, bytes
  OUT/truth.tsv          one line per entry: feed, index, guid, link, story,
                         kind (original, same-url, tracking, other-host,
                         edited), topic, fulltext, published (epoch),
                         event (stories of one event share names; -1: none)
  OUT/html.dat           every entry's HTML as the parser sees it, each
                         record "LENGTH\\n" then the bytes (sanitizer bench)
  OUT/manifest.json      the parameters and the totals

The same seed and parameters give the same bytes on every machine and
Python 3 version: only random.Random.random() is used, whose sequence
Python guarantees for an integer seed.  Text comes from a word model
written here (real common and topic words, a Zipf tail of made-up rare
words, and per-event names, so that term statistics look like news);
--text DIR uses the BBC articles of ../shared at run time instead (never
copied into the repository).
"""

import argparse
import bisect
import hashlib
import json
import os
import random
import sys
import time

VERSION = 2
EPOCH = 1793491200	# 2026-11-01T00:00:00Z: dates do not depend on "now"

COMMON = """the of and to a in that is for it on was with he as at by this
had from but not are his they be or an have which one you were her all she
there would their we him been has when who will more no if out so said what
up its about into than them can only other new some could time these two may
then do first any my now such like our over man me even most made after also
did many before must through back years where much your way well down should
because each just those people how too little state good very make world still
own see men work long get here between both life being under never day same
another know while last might us great old year off come since against go came
right used take three""".split()

GENERAL = """report government week month officials company city country
market plan group public percent million billion minister president police
court school council data service health policy group members support
business local national service area family team power water energy program
system number news issue question research director chief spokesman decision
result agreement deal price increase figures evidence statement interview
community budget project industry sector analysts board department""".split()

TOPICS = {
	"economy": """inflation interest rates bank central economy growth
	recession exports imports trade tariffs currency dollar euro bonds
	shares stocks investors earnings profit revenue quarter forecast
	unemployment wages jobs retail consumer spending debt deficit
	mortgage lending oil commodity""",
	"sport": """match season league club coach players goal striker
	defender championship tournament final victory defeat draw stadium
	fans transfer injury squad captain referee penalty title cup race
	medal olympic record sprint marathon tennis football cricket
	rugby""",
	"tech": """software hardware chip processor smartphone app users
	platform startup cloud servers network security encryption privacy
	breach hackers browser open source developers release update robot
	artificial intelligence model data centre broadband satellite
	battery screen device""",
	"politics": """election vote voters parliament party leader campaign
	candidate opposition coalition minister cabinet bill law reform
	senate congress referendum policy poll majority speech debate
	constituency mayor governor treaty sanctions diplomacy summit
	ambassador""",
	"culture": """film director actor actress festival album band
	singer concert music novel author book award prize gallery exhibition
	museum theatre stage audience critics premiere series television
	streaming comedy drama documentary painting sculpture""",
	"science": """researchers study scientists species climate carbon
	emissions ocean ice temperature planet telescope galaxy orbit
	mission spacecraft genome cells protein experiment laboratory
	fossil evolution ecosystem biodiversity physics particle quantum
	vaccine""",
	"health": """hospital patients doctors nurses treatment disease
	virus infection cancer heart diabetes clinic surgery drug trial
	medicine symptoms diagnosis care waiting mental wellbeing diet
	obesity exercise pandemic outbreak screening therapy""",
	"travel": """airline flights airport passengers rail train station
	tourism tourists hotel resort beach island cruise holiday visa
	border route ferry motorway traffic journey destination booking
	fares strike delays""",
}
TOPIC_NAMES = sorted(TOPICS)

WINDOW = 2000		# stories a copy may come from (older ones are freed)
KINDS = ("same-url", "tracking", "other-host", "edited")
ZONES_822 = ("GMT", "+0000", "-0500", "+0100", "EST", "PDT", "UT", "Z")


class Rng:
	"""Deterministic helpers built on random() alone."""

	def __init__(self, seed):
		self.r = random.Random(seed)
		self.random = self.r.random

	def below(self, n):
		return min(int(self.random() * n), n - 1)

	def between(self, lo, hi):
		return lo + self.below(hi - lo + 1)

	def pick(self, seq):
		return seq[self.below(len(seq))]

	def chance(self, p):
		return self.random() < p

	def loguniform(self, lo, hi):
		return lo * (hi / lo) ** self.random()


SYLLABLES = """ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu
ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su
ta te ti to tu va ve vi vo za ze zo bra bri dra dre gra gro kra kri pla
ple pri pro sta ste sti tra tre tro vla zha cha che chi sha she shi""".split()
CODAS = ("", "", "", "n", "r", "s", "l", "m", "t", "k", "nd", "rt", "st")
TAIL_TOPIC = 3000	# rare words of each topic
TAIL_SHARED = 8000	# rare words of no topic
EVENTS = 150		# events per topic; stories of one event share names


class Words:
	"""A unigram model with a realistic shape: Zipf-weighted common words,
	news and topic words, a long tail of rare (made-up) words per topic
	and shared, and the names of the story's event, which stories about
	the same event repeat.  The vocabulary is the same for every seed."""

	def __init__(self):
		self.common = COMMON
		self.common_cw = self._zipf(len(COMMON), 1)
		self.general = GENERAL
		self.topic = {t: TOPICS[t].split() for t in TOPIC_NAMES}
		vr = Rng(20261128)
		seen = set(COMMON) | set(GENERAL)
		for t in TOPIC_NAMES:
			seen |= set(self.topic[t])

		def made_up():
			while True:
				w = "".join(vr.pick(SYLLABLES) for _ in
				    range(vr.between(2, 3))) + vr.pick(CODAS)
				if w not in seen:
					seen.add(w)
					return w
		self.tail = {t: [made_up() for _ in range(TAIL_TOPIC)]
		    for t in TOPIC_NAMES}
		self.shared = [made_up() for _ in range(TAIL_SHARED)]
		self.tail_cw = self._zipf(TAIL_TOPIC, 10)
		self.shared_cw = self._zipf(TAIL_SHARED, 10)
		self.events = {t: [[made_up().capitalize() for _ in
		    range(vr.between(2, 4))] for _ in range(EVENTS)]
		    for t in TOPIC_NAMES}

	@staticmethod
	def _zipf(n, shift):
		out, s = [], 0.0
		for i in range(n):
			s += 1.0 / (i + shift)
			out.append(s)
		return out

	@staticmethod
	def _draw(rng, words, cw):
		i = bisect.bisect(cw, rng.random() * cw[-1])
		return words[min(i, len(words) - 1)]

	def word(self, rng, topic, event=0):
		x = rng.random()
		if x < 0.48:
			return self._draw(rng, self.common, self.common_cw)
		if x < 0.58:
			return rng.pick(self.general)
		if x < 0.68:
			return rng.pick(self.topic[topic])
		if x < 0.72:
			return rng.pick(self.events[topic][event])
		if x < 0.90:
			return self._draw(rng, self.tail[topic], self.tail_cw)
		return self._draw(rng, self.shared, self.shared_cw)

	def sentence(self, rng, topic, event=0):
		n = rng.between(8, 24)
		w = [self.word(rng, topic, event) for _ in range(n)]
		w[0] = w[0].capitalize()
		if rng.chance(0.15):
			w[rng.below(n)] += ","
		return " ".join(w) + rng.pick((".", ".", ".", ".", "?"))

	def title(self, rng, topic, event=0):
		n = rng.between(4, 9)
		w = []
		for _ in range(n):
			x = rng.random()
			if x < 0.3:
				w.append(rng.pick(self.events[topic][event]))
			elif x < 0.55:
				w.append(rng.pick(self.topic[topic]))
			elif x < 0.75:
				w.append(self._draw(rng, self.tail[topic],
				    self.tail_cw))
			else:
				w.append(self.word(rng, topic, event))
		return " ".join(w).capitalize()


class BbcText:
	"""Stories from ../shared/corpus/news/bbc at run time (never stored)."""

	def __init__(self, top):
		self.files = []
		for cat in sorted(os.listdir(top)):
			d = os.path.join(top, cat)
			if not os.path.isdir(d):
				continue
			for f in sorted(os.listdir(d)):
				if f.endswith(".txt"):
					self.files.append((cat, os.path.join(d, f)))
		if not self.files:
			sys.exit("gencorpus: no articles under %s" % top)
		self.next = 0

	def story(self):
		cat, path = self.files[self.next % len(self.files)]
		rnd = self.next // len(self.files)
		self.next += 1
		with open(path, encoding="utf-8", errors="replace") as fp:
			lines = [l.strip() for l in fp if l.strip()]
		title = lines[0] + (" (%d)" % rnd if rnd else "")
		return cat, title, lines[1:] or [lines[0]]


def esc(s):
	return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cdata(s):
	return s.replace("]]>", "]]]]><![CDATA[>")


def slug(title):
	out = []
	for c in title.lower():
		out.append(c if c.isalnum() else "-")
	return "-".join(p for p in "".join(out).split("-") if p)[:60]


def date_822(rng, t, style):
	tm = time.gmtime(t)
	days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
	mons = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	    "Sep", "Oct", "Nov", "Dec")
	zone = style["zone"]
	off = {"-0500": -18000, "+0100": 3600, "EST": -18000,
	    "PDT": -25200}.get(zone, 0)
	tm = time.gmtime(t + off)
	day = ("%d" if style["short_day"] else "%02d") % tm.tm_mday
	s = "%s %s %04d %02d:%02d:%02d %s" % (day, mons[tm.tm_mon - 1],
	    tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec, zone)
	if style["weekday"]:
		s = days[tm.tm_wday] + ", " + s
	return s


def date_3339(rng, t, style):
	off = style["offset"]
	tm = time.gmtime(t + off)
	s = "%04d-%02d-%02dT%02d:%02d:%02d" % (tm.tm_year, tm.tm_mon,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
	if style["frac"]:
		s += ".%03d" % ((t * 7) % 1000)
	if off == 0:
		return s + "Z"
	sign = "+" if off > 0 else "-"
	return s + "%s%02d:%02d" % (sign, abs(off) // 3600,
	    abs(off) % 3600 // 60)


class Gen:
	"""Builds the corpus; every choice comes from one Rng in a fixed order."""

	def __init__(self, args):
		self.a = args
		self.rng = Rng(args.seed)
		self.words = Words()
		self.bbc = BbcText(args.text) if args.text else None
		self.stories = []	# dicts: id, topic, title, paras, link, ...
		self.kinds = {k: 0 for k in ("original",) + KINDS}

	# Stories and their HTML.

	def new_story(self, feed, budget):
		rng = self.rng
		if self.bbc:
			topic, title, paras = self.bbc.story()
			paras = [esc(p) for p in paras]
			event = -1
		else:
			topic = rng.pick(TOPIC_NAMES)
			event = rng.below(EVENTS)
			title = self.words.title(rng, topic, event)
			paras = []
			size = 0
			while size < budget or len(paras) < 2:
				p = " ".join(self.words.sentence(rng, topic, event)
				    for _ in range(rng.between(2, 6)))
				paras.append(p)
				size += len(p) + 40
		sid = len(self.stories)
		link = "https://%s/%04d/%s-%d.html" % (feed["host"],
		    2026, slug(title), sid)
		st = {"id": sid, "topic": topic, "title": title, "event": event,
		    "paras": paras, "link": link, "feed": feed["n"],
		    "host": feed["host"]}
		self.stories.append(st)
		return st

	def body_html(self, st, feed, paras, xhtml):
		"""Paragraphs dressed as publishers do: links, images, markup."""
		rng = self.rng
		nb = "&#160;" if xhtml else "&nbsp;"
		out = []
		for i, p in enumerate(paras):
			r = rng.random()
			if r < 0.08 and i:
				out.append("<h2>%s</h2>" % " ".join(
				    p.split(" ")[:7]))
			elif r < 0.14:
				w = p.split(" ")
				k = rng.below(len(w))
				w[k] = '<a href="https://%s/tag/%s">%s</a>' % (
				    feed["host"], slug(w[k]) or "x", w[k])
				p = " ".join(w)
			elif r < 0.18:
				p = "<strong>%s</strong>" % p
			elif r < 0.21:
				out.append("<blockquote><p>%s</p></blockquote>"
				    % p)
				continue
			elif r < 0.24:
				items = p.split(". ")
				out.append("<ul>" + "".join("<li>%s</li>" % x
				    for x in items) + "</ul>")
				continue
			elif r < 0.27:
				out.append('<figure><img src="https://cdn.%s/'
				    'img/%d-%d.jpg" alt="%s" width="640" '
				    'height="360"/><figcaption>%s%s&#8217;s '
				    'picture &amp; caption</figcaption>'
				    '</figure>' % (feed["host"], st["id"], i,
				    esc(st["title"][:40]).replace('"', "&quot;"),
				    esc(st["title"][:30]), nb))
			elif r < 0.29:
				out.append("<table><tr><th>Item</th><th>Value"
				    "</th></tr><tr><td>%d</td><td>%d%%</td>"
				    "</tr></table>" % (i, rng.below(100)))
			elif r < 0.31:
				p = p.replace(" ", " <em>", 1) + "</em>"
			out.append("<p>%s</p>" % p.replace(" - ",
			    " &#8212; "))
		if not xhtml and rng.chance(0.2):
			out.append('<script>window.track("%d")</script>'
			    % st["id"])
		if not xhtml and rng.chance(0.1):
			out.append('<iframe src="https://video.%s/embed/%d">'
			    '</iframe>' % (feed["host"], st["id"]))
		if rng.chance(0.25):
			out.append('<img src="https://pixel.%s/t.gif?s=%d" '
			    'width="1" height="1" alt=""/>' % (feed["host"],
			    st["id"]))
		return "\n".join(out)

	def summary_text(self, paras):
		first = paras[0]
		cut = first.find(". ", 120)
		return first if cut < 0 else first[:cut + 1]

	def edit(self, paras, feed, st):
		"""A light edit: a few words swapped, a footer added."""
		rng = self.rng
		out = []
		for p in paras:
			w = p.split(" ")
			for _ in range(max(1, len(w) // 40)):
				if rng.chance(0.5):
					k = rng.below(len(w))
					w[k] = self.words.word(rng, st["topic"]
					    if st["topic"] in TOPICS else
					    "economy", max(0, st["event"]))
			out.append(" ".join(w))
		out.append("This article first appeared on %s." % st["host"])
		return out

	# Feeds.

	def new_feed(self, n):
		rng = self.rng
		f = {"n": n, "file": "f%05d.xml" % n,
		    "host": "site%d.example" % n}
		f["format"] = "atom1.0" if rng.chance(0.4) else "rss2.0"
		f["full"] = rng.chance(0.7)
		# Most feeds keep few items; a long tail keeps many.
		f["items"] = self.a.items_min + int((self.a.items_max -
		    self.a.items_min + 1) * rng.random() ** 2)
		if f["full"]:
			lo = max(self.a.kb_min, f["items"] * 0.8)
			f["kb"] = rng.loguniform(lo, max(lo, self.a.kb_max))
		else:
			f["kb"] = self.a.kb_min
		if f["format"] == "atom1.0":
			f["content"] = "xhtml" if rng.chance(0.3) else "html"
			f["date"] = {"offset": rng.pick((0, 0, 3600, -18000,
			    19800)), "frac": rng.chance(0.3)}
		else:
			f["content"] = "cdata" if rng.chance(0.75) else "escaped"
			f["date"] = {"zone": rng.pick(ZONES_822),
			    "weekday": rng.chance(0.85),
			    "short_day": rng.chance(0.2)}
		f["guid"] = rng.pick(("permalink", "opaque", "opaque", "none"))
		f["step"] = rng.between(600, 86400)
		return f

	def entry(self, f, i, t):
		"""One entry: a new story or a syndicated copy of an older one."""
		rng = self.rng
		budget = f["kb"] * 1024 / f["items"]
		st = None
		if self.stories and rng.chance(self.a.dup_share):
			# Syndication happens within days: copy a recent story.
			w = min(WINDOW, len(self.stories))
			st = self.stories[len(self.stories) - 1 - rng.below(w)]
			if st["feed"] == f["n"]:
				st = None
		if st is None:
			st = self.new_story(f, max(200, budget - 300))
			kind, link, paras = "original", st["link"], st["paras"]
			if st["id"] >= WINDOW:
				self.stories[st["id"] - WINDOW]["paras"] = None
		else:
			kind = rng.pick(KINDS)
			path = st["link"].split("/", 3)[3]
			paras = st["paras"]
			if kind == "same-url":
				link = st["link"]
			elif kind == "tracking":
				link = st["link"] + ("?utm_source=rss&utm_medium"
				    "=feed&utm_campaign=site%d" % f["n"])
			elif kind == "other-host":
				link = "https://%s/%s" % (f["host"], path)
			else:
				link = "https://%s/syndicated/%s" % (
				    f["host"], path.rsplit("/", 1)[-1])
				paras = self.edit(paras, f, st)
		self.kinds[kind] += 1
		if f["guid"] == "permalink":
			guid = link
		elif f["guid"] == "opaque" or f["format"] == "atom1.0":
			guid = "tag:%s,2026:%d-%d" % (f["host"], f["n"], i)
		else:
			guid = None
		return {"story": st, "kind": kind, "link": link, "guid": guid,
		    "paras": paras, "t": t, "i": i}

	def render_rss(self, f, entries, html_out):
		rng = self.rng
		h = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
		    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
		    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
		    'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n',
		    "<title>Site %d &amp; Friends</title>\n" % f["n"],
		    "<link>https://%s/</link>\n" % f["host"],
		    '<atom:link rel="self" href="https://%s/feed.xml" '
		    'type="application/rss+xml"/>\n' % f["host"],
		    "<description>News from site %d</description>\n" % f["n"],
		    "<language>en-gb</language>\n<ttl>60</ttl>\n",
		    "<lastBuildDate>%s</lastBuildDate>\n" %
		    date_822(rng, entries[0]["t"], f["date"])]
		for e in entries:
			st = e["story"]
			summ = self.summary_text(e["paras"])
			h.append("<item>\n<title>%s</title>\n<link>%s</link>\n"
			    % (esc(st["title"]), esc(e["link"])))
			if e["guid"] == e["link"]:
				h.append("<guid>%s</guid>\n" % esc(e["guid"]))
			elif e["guid"]:
				h.append('<guid isPermaLink="false">%s</guid>\n'
				    % e["guid"])
			h.append("<pubDate>%s</pubDate>\n" %
			    date_822(rng, e["t"], f["date"]))
			h.append("<dc:creator>Reporter %d</dc:creator>\n" %
			    (e["i"] % 7))
			h.append("<category>%s</category>\n" % st["topic"])
			if f["full"]:
				body = self.body_html(st, f, e["paras"], False)
				html_out.append(body)
				h.append("<description>%s</description>\n" %
				    esc("<p>%s</p>" % summ))
				if f["content"] == "cdata":
					h.append("<content:encoded><![CDATA[%s]]>"
					    "</content:encoded>\n" % cdata(body))
				else:
					h.append("<content:encoded>%s"
					    "</content:encoded>\n" % esc(body))
			else:
				html_out.append(summ)
				if f["content"] == "cdata":
					h.append("<description><![CDATA[%s]]>"
					    "</description>\n" % cdata(summ))
				else:
					h.append("<description>%s</description>"
					    "\n" % esc(summ))
			h.append("</item>\n")
		h.append("</channel>\n</rss>\n")
		return "".join(h)

	def render_atom(self, f, entries, html_out):
		rng = self.rng
		h = ['<?xml version="1.0" encoding="utf-8"?>\n'
		    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n',
		    "<title type=\"text\">Site %d &amp; Friends</title>\n" %
		    f["n"],
		    '<link rel="alternate" type="text/html" href="https://%s/"/>'
		    "\n" % f["host"],
		    '<link rel="self" href="https://%s/atom.xml"/>\n' %
		    f["host"],
		    "<id>tag:%s,2026:feed</id>\n" % f["host"],
		    "<updated>%s</updated>\n" % date_3339(rng,
		    entries[0]["t"], f["date"])]
		for e in entries:
			st = e["story"]
			d = date_3339(rng, e["t"], f["date"])
			h.append('<entry>\n<title type="html">%s</title>\n'
			    '<link rel="alternate" type="text/html" href="%s"/>\n'
			    "<id>%s</id>\n<published>%s</published>\n"
			    "<updated>%s</updated>\n" % (esc(esc(st["title"])),
			    esc(e["link"]).replace('"', "&quot;"), esc(e["guid"]),
			    d, d))
			h.append("<author><name>Reporter %d</name></author>\n"
			    % (e["i"] % 7))
			h.append('<category term="%s"/>\n' % st["topic"])
			summ = self.summary_text(e["paras"])
			if not f["full"]:
				html_out.append(summ)
				h.append('<summary type="html">%s</summary>\n' %
				    esc(summ))
			elif f["content"] == "xhtml":
				body = self.body_html(st, f, e["paras"], True)
				html_out.append(body)
				h.append('<summary type="text">%s</summary>\n' %
				    esc(summ))
				h.append('<content type="xhtml"><div xmlns="http:'
				    '//www.w3.org/1999/xhtml">%s</div></content>\n'
				    % body)
			else:
				body = self.body_html(st, f, e["paras"], False)
				html_out.append(body)
				h.append('<content type="html">%s</content>\n' %
				    esc(body))
			h.append("</entry>\n")
		h.append("</feed>\n")
		return "".join(h)

	def run(self):
		a = self.a
		fd = os.path.join(a.out, "feeds")
		os.makedirs(fd, exist_ok=True)
		feeds_tsv = ["file\tformat\tstyle\tcontent\titems\tbytes\n"]
		truth = ["feed\tindex\tguid\tlink\tstory\tkind\ttopic\t"
		    "fulltext\tpublished\tevent\n"]
		html = open(os.path.join(a.out, "html.dat"), "wb")
		nbytes = nentries = 0
		for n in range(a.feeds):
			f = self.new_feed(n)
			t = EPOCH - self.rng.below(86400)
			entries = []
			for i in range(f["items"]):
				entries.append(self.entry(f, i, t))
				t -= self.rng.between(f["step"] // 2,
				    f["step"] * 3 // 2)
			frags = []
			if f["format"] == "atom1.0":
				doc = self.render_atom(f, entries, frags)
			else:
				doc = self.render_rss(f, entries, frags)
			data = doc.encode("utf-8")
			with open(os.path.join(fd, f["file"]), "wb") as fp:
				fp.write(data)
			for fr in frags:
				b = fr.encode("utf-8")
				html.write(b"%d\n" % len(b) + b)
			nbytes += len(data)
			nentries += len(entries)
			feeds_tsv.append("%s\t%s\t%s\t%s\t%d\t%d\n" % (f["file"],
			    f["format"], "full" if f["full"] else "summary",
			    f["content"], len(entries), len(data)))
			for e in entries:
				truth.append("%s\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\n"
				    % (f["file"], e["i"], e["guid"] or "",
				    e["link"], e["story"]["id"], e["kind"],
				    e["story"]["topic"], 1 if f["full"] else 0,
				    e["t"], e["story"]["event"]))
		html.close()
		with open(os.path.join(a.out, "feeds.tsv"), "w") as fp:
			fp.writelines(feeds_tsv)
		with open(os.path.join(a.out, "truth.tsv"), "w") as fp:
			fp.writelines(truth)
		man = {"generator": "syndic bench/gencorpus.py",
		    "version": VERSION, "seed": a.seed, "feeds": a.feeds,
		    "items": [a.items_min, a.items_max],
		    "kb": [a.kb_min, a.kb_max], "dup_share": a.dup_share,
		    "text": "bbc" if a.text else "words",
		    "entries": nentries, "bytes": nbytes,
		    "stories": len(self.stories), "kinds": self.kinds}
		with open(os.path.join(a.out, "manifest.json"), "w") as fp:
			json.dump(man, fp, indent=1, sort_keys=True)
			fp.write("\n")
		return man


def main():
	p = argparse.ArgumentParser(description="Generate a deterministic "
	    "corpus of feeds with ground truth.")
	p.add_argument("--seed", type=int, default=1)
	p.add_argument("--feeds", type=int, default=100)
	p.add_argument("--out", required=True)
	p.add_argument("--items-min", type=int, default=20)
	p.add_argument("--items-max", type=int, default=100)
	p.add_argument("--kb-min", type=float, default=5)
	p.add_argument("--kb-max", type=float, default=300)
	p.add_argument("--dup-share", type=float, default=0.15,
	    help="share of entries that copy another feed's story")
	p.add_argument("--text", metavar="DIR",
	    help="take story texts from a BBC-style CATEGORY/NNN.txt tree")
	a = p.parse_args()
	if a.feeds < 1 or a.items_min < 1 or a.items_max < a.items_min:
		p.error("bad sizes")
	man = Gen(a).run()
	print("gencorpus: %d feeds, %d entries, %.1f MB, %d stories in %s" %
	    (man["feeds"], man["entries"], man["bytes"] / 1e6,
	    man["stories"], a.out))


if __name__ == "__main__":
	main()
