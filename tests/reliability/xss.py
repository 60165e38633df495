#!/usr/bin/python3
"""xss.py: the 372 XSS vectors of ../shared/corpus/xss through the whole
pipeline, judged by ../shared/corpus/xss/oracle.py.

Each vector is placed in an entry's title, summary and content, in RSS 2.0,
Atom 1.0 and JSON Feed source documents (9 feeds of 372 entries).  Each feed
goes through a configuration with a file: feed, `syndic poll --all`, then
`syndic publish --format atom|rss|json|html`, and the HTML river served by
`syndic run` at "/"; `syndic parse` output is judged too.  Every HTML
fragment of every output (titles and texts as their format declares them,
each URL as an <a href>, each article of the river) goes to the oracle's
flags(): zero flags is the bar.  Skips (77) when ../shared is absent;
stages whose command is not available yet are reported and skipped.

XSS_QUICK=1 runs only the RSS source feeds (what make check runs)."""

import html
import importlib.util
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

XSS = os.path.join(lib.SHARED, "corpus", "xss")
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
WORDS = ("harbour tide ferry council budget school river bridge market "
         "storm rail museum festival garden library station harvest court "
         "orchestra clinic tunnel airport vineyard glacier canyon lagoon "
         "meadow quarry beacon citadel").split()


def load_oracle():
    spec = importlib.util.spec_from_file_location(
        "oracle", os.path.join(XSS, "oracle.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.flags


def filler(rng, n=24):
    """Unique plain words, so that no two entries fold into one story."""
    return " ".join(rng.choice(WORDS) + str(rng.randrange(10 ** 6))
                    for _ in range(n))


def source(fmt, place, vectors, rng):
    """A feed document with one entry per vector, at place."""
    xe = html.escape
    out = []
    for i, v in enumerate(vectors):
        p = v["payload"]
        title = p if place == "title" else "Vector %s %s" % (
            v["id"], filler(rng, 6))
        summary = p if place == "summary" else (
            filler(rng) if place == "title" else None)
        content = p if place == "content" else None
        link = "https://example.org/%s/%s/%d" % (fmt, place, i)
        date = "2024-01-%02dT%02d:%02d:00Z" % (1 + i % 28, i % 24, i % 60)
        if fmt == "rss":
            s = "<item><title>%s</title><link>%s</link><guid>%s</guid>" % (
                xe(title), link, link)
            if summary is not None:
                s += "<description>%s</description>" % xe(summary)
            if content is not None:
                s += "<content:encoded>%s</content:encoded>" % xe(content)
            out.append(s + "</item>")
        elif fmt == "atom":
            s = ('<entry><title type="html">%s</title><link href="%s"/>'
                 "<id>%s</id><updated>%s</updated>" % (xe(title), link, link,
                                                      date))
            if summary is not None:
                s += '<summary type="html">%s</summary>' % xe(summary)
            if content is not None:
                s += '<content type="html">%s</content>' % xe(content)
            out.append(s + "</entry>")
        else:
            o = {"id": link, "url": link, "title": title,
                 "date_published": date}
            if summary is not None:
                o["summary"] = summary
            o["content_html"] = content if content is not None else (
                "<p>%s</p>" % xe(summary or title))
            out.append(o)
    name = "%s-%s" % (fmt, place)
    if fmt == "rss":
        return name + ".xml", (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            "<channel><title>XSS %s</title><link>https://example.org/</link>"
            "<description>vectors</description>%s</channel></rss>\n"
            % (name, "".join(out)))
    if fmt == "atom":
        return name + ".atom", (
            '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns='
            '"http://www.w3.org/2005/Atom"><title>XSS %s</title><id>urn:%s'
            '</id><updated>2024-02-01T00:00:00Z</updated><link href='
            '"https://example.org/"/>%s</feed>\n' % (name, name,
                                                     "".join(out)))
    return name + ".json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "XSS " + name, "home_page_url": "https://example.org/",
        "items": out})


def href(u):
    return '<a href="%s">x</a>' % html.escape(u, quote=True)


def atom_text(el):
    """An Atom text construct as the HTML a reader would render."""
    t = el.get("type", "text")
    if t == "html":
        return el.text or ""
    if t == "xhtml":
        return "".join(ET.tostring(c, encoding="unicode") for c in el)
    return html.escape(el.text or "")


def frags_atom(doc):
    root = ET.fromstring(doc)
    out = []
    for e in root.iter(ATOM + "entry"):
        for tag in ("title", "summary", "content"):
            for el in e.findall(ATOM + tag):
                out.append(("atom " + tag, atom_text(el)))
        for el in e.iter(ATOM + "link"):
            out.append(("atom link", href(el.get("href", ""))))
    return out


def frags_rss(doc):
    root = ET.fromstring(doc)
    out = []
    for it in root.iter("item"):
        # RSS says nothing on markup in titles; many readers render it.
        for tag in ("title", "description", CONTENT + "encoded"):
            for el in it.findall(tag):
                out.append(("rss " + tag, el.text or ""))
        for tag in ("link", "comments", "guid"):
            for el in it.findall(tag):
                if tag == "guid" and el.get("isPermaLink") == "false":
                    continue    # an identifier, not a link
                out.append(("rss " + tag, href(el.text or "")))
        for el in it.findall("enclosure"):
            out.append(("rss enclosure", href(el.get("url", ""))))
    return out


def urls_in(obj, out, where):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and k in ("url", "external_url", "image",
                                            "banner_image", "href"):
                out.append((where + " " + k, href(v)))
            else:
                urls_in(v, out, where)
    elif isinstance(obj, list):
        for v in obj:
            urls_in(v, out, where)


def frags_json(doc):
    out = []
    for it in json.loads(doc).get("items", []):
        for k in ("title", "summary", "content_text"):
            if isinstance(it.get(k), str):
                out.append(("json " + k, html.escape(it[k])))
        if isinstance(it.get("content_html"), str):
            out.append(("json content_html", it["content_html"]))
        urls_in(it, out, "json")
    return out


def frags_html(doc):
    arts = re.findall(r"<article\b.*?</article>", doc, re.S)
    return [("html article", a) for a in arts]


def frags_parse(doc):
    out = []
    for e in json.loads(doc).get("entries", []):
        # Titles are plain text by contract; summary/content are HTML.
        if isinstance(e.get("title"), str):
            out.append(("parse title", html.escape(e["title"])))
        for k in ("summary", "content"):
            if isinstance(e.get(k), str):
                out.append(("parse " + k, e[k]))
        urls_in(e, out, "parse")
    return out


def syndic(argv, conf=None, timeout=120):
    cmd = [lib.SYNDIC] + (["-c", conf] if conf else []) + argv
    return subprocess.run(cmd, capture_output=True, timeout=timeout)


def served_river(conf, port, log):
    """Start syndic run, GET / , stop it.  Returns the page or None."""
    with open(log, "wb") as lf:
        p = subprocess.Popen([lib.SYNDIC, "-c", conf, "run"],
                             stdout=lf, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(200):
            try:
                with urllib.request.urlopen(
                        "http://127.0.0.1:%d/" % port, timeout=5) as r:
                    body = r.read().decode("utf-8", "replace")
                if "<article" in body or "No stories" not in body:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        return body
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main():
    if not os.path.exists(os.path.join(XSS, "corpus.json")):
        lib.skip("../shared/corpus/xss is absent")
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary")
    flags = load_oracle()
    vectors = json.load(open(os.path.join(XSS, "corpus.json")))
    stages = {c: lib.command_available(lib.SYNDIC, c)
              for c in ("parse", "poll", "publish")}
    if not stages["parse"] and not stages["poll"]:
        lib.skip("neither syndic parse nor syndic poll is available yet")
    fmts = ["rss"] if os.environ.get("XSS_QUICK") else ["rss", "atom",
                                                          "json"]
    rng = random.Random(4287)
    judged = 0
    flagged = []
    outputs = {}
    errors = []

    def judge(where, frags):
        nonlocal judged
        outputs[where] = outputs.get(where, 0) + len(frags)
        for kind, f in frags:
            judged += 1
            r = flags(f)
            if r:
                flagged.append((where, kind, r, f))

    with tempfile.TemporaryDirectory(prefix="syndic-xss.") as tmp:
        for fmt in fmts:
            for place in ("title", "summary", "content"):
                name, text = source(fmt, place, vectors, rng)
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(text)
                if stages["parse"]:
                    r = syndic(["parse", path])
                    if r.returncode != 0:
                        errors.append("parse %s: exit %d: %s" % (
                            name, r.returncode, r.stderr[-300:]))
                    else:
                        judge("parse", frags_parse(r.stdout))
                if not stages["poll"]:
                    continue
                port = lib.free_port()
                conf = os.path.join(tmp, name + ".conf")
                with open(conf, "w") as f:
                    f.write("[syndic]\ndatabase = %s.db\nlisten = "
                            "127.0.0.1:%d\n[output]\nitems = 1000\n"
                            "[fetch]\nallow_private = yes\n"
                            '[feed "file:%s"]\n' % (name, port, name))
                r = syndic(["poll", "--all"], conf)
                if r.returncode != 0:
                    errors.append("poll %s: exit %d: %s" % (
                        name, r.returncode, r.stderr[-300:]))
                    continue
                if stages["publish"]:
                    for of, fn in (("atom", frags_atom), ("rss", frags_rss),
                                   ("json", frags_json),
                                   ("html", frags_html)):
                        r = syndic(["publish", "--format", of], conf)
                        if r.returncode != 0:
                            errors.append("publish %s %s: exit %d" % (
                                of, name, r.returncode))
                            continue
                        fr = fn(r.stdout.decode("utf-8"))
                        if len(fr) < len(vectors) and of != "rss":
                            # Same-story folding may merge a duplicate.
                            print("NOTE publish %s %s: %d items for %d "
                                  "vectors" % (of, name, len(fr),
                                               len(vectors)))
                        judge("publish " + of, fr)
                page = served_river(conf, port, os.path.join(
                    tmp, name + ".log"))
                if page is None:
                    errors.append("river %s: no answer" % name)
                else:
                    judge("served river", frags_html(page))
    kinds = {}
    for where, kind, r, f in flagged:
        kinds[where + " / " + kind] = kinds.get(where + " / " + kind, 0) + 1
    for k, v in sorted(kinds.items()):
        print("flags %5d in %s" % (v, k))
    for where, kind, r, f in flagged[:40]:
        print("FAIL %s %s: %s: %r" % (where, kind, r, f[:200]))
    for e in errors:
        print("ERROR " + e)
    for k, v in sorted(outputs.items()):
        print("judged %6d fragments from %s" % (v, k))
    missing = [c for c, ok in stages.items() if not ok]
    lib.result(judged, len(flagged) + len(errors),
               "%d vectors x %s sources x 3 places; %d fragments, %d flags, "
               "%d errors%s" % (len(vectors), "/".join(fmts), judged,
                                len(flagged), len(errors),
                                "; not available: " + ",".join(missing)
                                if missing else ""))


if __name__ == "__main__":
    main()
