#!/usr/bin/python3
# xss.py: every payload of the XSS corpus placed in an entry's title,
# summary and content, in RSS 2.0, Atom 1.0 and JSON Feed; `syndic parse`
# sanitizes them; the oracle judges every fragment.  Titles are plain
# text, so they are judged as a writer emits them: HTML-escaped.
#
# usage: xss.py SYNDIC XSSDIR    (exit 0: no flag, 1: flags)
import html
import json
import os
import subprocess
import sys
import tempfile

syndic, xssdir = sys.argv[1], sys.argv[2]
payloads = json.load(open(os.path.join(xssdir, "corpus.json")))


def esc(s):
    return html.escape(s, quote=True)


def rss():
    out = ['<rss version="2.0" xmlns:content='
           '"http://purl.org/rss/1.0/modules/content/"><channel>'
           '<title>xss</title><link>https://xss.example/</link>']
    for p in payloads:
        v = esc(p["payload"])
        out.append("<item><guid>%s</guid><title>%s</title><description>%s"
                   "</description><content:encoded>%s</content:encoded>"
                   "</item>" % (esc(p["id"]), v, v, v))
    out.append("</channel></rss>")
    return "".join(out)


def atom():
    out = ['<feed xmlns="http://www.w3.org/2005/Atom"><title>xss</title>'
           '<id>urn:xss</id><updated>2018-01-01T00:00:00Z</updated>']
    for p in payloads:
        v = esc(p["payload"])
        out.append('<entry><id>urn:%s</id><title type="html">%s</title>'
                   '<summary type="html">%s</summary><content type="html">'
                   '%s</content><updated>2018-01-01T00:00:00Z</updated>'
                   '</entry>' % (esc(p["id"]), v, v, v))
    out.append("</feed>")
    return "".join(out)


def jsonfeed():
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "xss",
        "items": [{"id": p["id"], "title": p["payload"],
                   "summary": p["payload"], "content_html": p["payload"]}
                  for p in payloads]})


fragments = []
with tempfile.TemporaryDirectory() as tmp:
    for name, text in (("xss.rss", rss()), ("xss.atom", atom()),
                       ("xss.json", jsonfeed())):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([syndic, "parse", "--base",
                            "https://xss.example/feed", path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("xss: syndic parse %s failed (%d): %s" %
                  (name, r.returncode, r.stderr[:500]))
            sys.exit(1)
        doc = json.loads(r.stdout)
        if len(doc["entries"]) != len(payloads):
            print("xss: %s: %d entries for %d payloads" %
                  (name, len(doc["entries"]), len(payloads)))
            sys.exit(1)
        for e in doc["entries"]:
            for field in ("title", "summary", "content"):
                v = e.get(field)
                if v is None:
                    continue
                if field == "title":
                    v = esc(v)
                fragments.append(("%s %s %s" % (name, e["id"], field), v))

oracle = os.path.join(xssdir, "oracle.py")
lines = "".join(v.replace("\r", "&#13;").replace("\n", "&#10;") + "\n"
                for _, v in fragments)
r = subprocess.run(["/usr/bin/python3", oracle], input=lines,
                   capture_output=True, text=True)
if r.returncode != 0:
    print("xss: oracle failed: %s" % r.stderr[:1000])
    sys.exit(1)
results = [json.loads(l) for l in r.stdout.splitlines()]
if len(results) != len(fragments):
    print("xss: oracle gave %d verdicts for %d fragments" %
          (len(results), len(fragments)))
    sys.exit(1)
flagged = 0
for (where, v), reasons in zip(fragments, results):
    if reasons:
        flagged += 1
        print("FLAGGED %s: %s\n    %s" % (where, reasons, v[:300]))
print("xss: %d payloads x 3 formats, %d fragments judged, %d flagged" %
      (len(payloads), len(fragments), flagged))
sys.exit(1 if flagged else 0)
