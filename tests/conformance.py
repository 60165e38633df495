#!/usr/bin/python3
# conformance.py: compare `syndic parse` output with gofeed's expected JSON.
#
# usage: conformance.py CORPUS OUTDIR
# OUTDIR holds one NAME.out per corpus file (the JSON syndic printed), named
# by the file's path relative to CORPUS with "/" turned into "__".  For each
# gofeed test document with an expected result, the fields both sides
# express (feed title and link; entry titles, links, ids, dates) are
# compared after normalization; a feed agrees when every compared field
# does.  Prints the agreement share and each disagreement.
import html
import json
import os
import re
import sys
from datetime import datetime, timezone

corpus, outdir = sys.argv[1], sys.argv[2]
parser_dir = os.path.join(corpus, "gofeed", "testdata", "parser")


def text(s):
    """Plain text of a possibly-HTML string, as syndic makes titles."""
    if s is None:
        return None
    s = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", s)
    s = re.sub(r"(?s)<!--.*?-->", "", s)
    s = re.sub(r"(?s)<[a-zA-Z/!?][^>]*>", " ", s)
    s = re.sub(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);",
               lambda m: html.unescape(m.group(0)), s)
    s = re.sub(r"[\s\u00a0]+", " ", s).strip()
    return s or None


def date(s):
    if not s:
        return None
    d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_link(links):
    for l in links or []:
        if l.get("rel") in (None, "", "alternate") and l.get("href"):
            return l["href"].strip()
    return None


def expected_fields(kind, exp):
    """(feed fields, [entry fields]) that gofeed's result states."""
    feed, entries = {}, []
    if kind == "rss":
        if "title" in exp:
            feed["title"] = text(exp["title"])
        if exp.get("link"):
            feed["link"] = exp["link"].strip()
        for it in exp.get("items") or []:
            e = {}
            if "title" in it:
                e["title"] = text(it["title"])
            if it.get("link"):
                e["link"] = it["link"].strip()
            g = it.get("guid")
            if isinstance(g, dict) and g.get("value"):
                e["id"] = g["value"].strip()
            if it.get("pubDateParsed"):
                e["published"] = date(it["pubDateParsed"])
            entries.append(e)
    elif kind == "atom":
        if "title" in exp:
            feed["title"] = text(exp["title"])
        if atom_link(exp.get("links")):
            feed["link"] = atom_link(exp.get("links"))
        for it in exp.get("entries") or []:
            e = {}
            if "title" in it:
                e["title"] = text(it["title"])
            if atom_link(it.get("links")):
                e["link"] = atom_link(it.get("links"))
            if it.get("id"):
                e["id"] = it["id"].strip()
            if it.get("publishedParsed"):
                e["published"] = date(it["publishedParsed"])
            if it.get("updatedParsed"):
                e["updated"] = date(it["updatedParsed"])
            entries.append(e)
    else:  # json
        if "title" in exp:
            feed["title"] = text(exp["title"])
        if exp.get("home_page_url"):
            feed["link"] = exp["home_page_url"]
        for it in exp.get("items") or []:
            e = {}
            if "title" in it:
                e["title"] = text(it["title"])
            if it.get("url"):
                e["link"] = it["url"]
            if it.get("id"):
                e["id"] = str(it["id"])
            if it.get("date_published"):
                e["published"] = date(it["date_published"])
            if it.get("date_modified"):
                e["updated"] = date(it["date_modified"])
            entries.append(e)
    return feed, entries


def pairs():
    for kind in ("rss", "atom"):
        d = os.path.join(parser_dir, kind)
        for f in sorted(os.listdir(d)):
            if f.endswith(".xml"):
                exp = os.path.join(d, f[:-4] + ".json")
                if os.path.exists(exp):
                    yield kind, os.path.join(d, f), exp
    d = os.path.join(parser_dir, "json")
    for f in sorted(os.listdir(d)):
        if f.endswith("_expected.json"):
            src = os.path.join(d, f[:-len("_expected.json")] + ".json")
            if os.path.exists(src):
                yield "json", src, os.path.join(d, f)


def outname(path):
    return os.path.join(outdir,
                        os.path.relpath(path, corpus).replace("/", "__") +
                        ".out")


total = agree = 0
fields = {}
bad = []
for kind, src, exp in pairs():
    feed, entries = expected_fields(kind, json.load(open(exp)))
    if not feed and not any(entries):
        continue
    try:
        got = json.load(open(outname(src)))
    except Exception as ex:  # no output at all: a disagreement
        got = {"entries": []}
    diffs = []

    def cmp(where, name, want, have):
        f = fields.setdefault(name, [0, 0])
        f[1] += 1
        if want == have:
            f[0] += 1
        else:
            diffs.append("%s %s: want %r, got %r" % (where, name, want, have))

    for k, v in feed.items():
        have = got.get(k)
        cmp("feed", k, v, have)
    ge = got.get("entries") or []
    for i, e in enumerate(entries):
        g = ge[i] if i < len(ge) else {}
        for k, v in e.items():
            have = g.get(k)
            if k == "id" and g.get("id_derived"):
                have = None
            cmp("entry %d" % i, k, v, have)
    total += 1
    if diffs:
        bad.append((os.path.relpath(src, corpus), diffs))
    else:
        agree += 1

for name, diffs in bad:
    print("DISAGREE %s" % name)
    for d in diffs:
        print("    %s" % d)
print("fields:", ", ".join("%s %d/%d" % (k, v[0], v[1])
                           for k, v in sorted(fields.items())))
print("agreement: %d/%d feeds (%.1f%%)" % (agree, total,
                                           100.0 * agree / max(total, 1)))
