#!/bin/sh
# bench_corpus.sh: smoke test of bench/gencorpus.py: the same seed gives
# the same bytes, another seed other bytes; the documents are well-formed
# and the ground truth agrees with them.
set -eu

SRC=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
GEN="$SRC/bench/gencorpus.py"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench_corpus.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

python3 "$GEN" --seed 7 --feeds 24 --out "$TMP/a" >/dev/null
python3 "$GEN" --seed 7 --feeds 24 --out "$TMP/b" >/dev/null
python3 "$GEN" --seed 8 --feeds 24 --out "$TMP/c" >/dev/null
diff -r "$TMP/a" "$TMP/b" >/dev/null || fail "seed 7 twice differs"
cmp -s "$TMP/a/feeds/f00003.xml" "$TMP/c/feeds/f00003.xml" &&
    fail "seeds 7 and 8 give the same feed"

# A prefix of a bigger corpus is the smaller corpus.
python3 "$GEN" --seed 7 --feeds 30 --out "$TMP/d" >/dev/null
diff -r "$TMP/a/feeds" "$TMP/d/feeds" | grep -v '^Only in' && \
    fail "the first feeds of a bigger corpus differ"

[ "$(ls "$TMP/a/feeds" | wc -l)" = 24 ] || fail "not 24 feeds"
if command -v xmllint >/dev/null; then
	xmllint --noout "$TMP"/a/feeds/*.xml || fail "not well-formed"
fi

# The ground truth: one line per entry, in every feed, with every kind of
# syndicated copy present and each copy pointing at an original.
python3 - "$TMP/a" <<'PY' || fail "ground truth"
import json, os, re, sys
top = sys.argv[1]
man = json.load(open(os.path.join(top, "manifest.json")))
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(top,
    "truth.tsv"))][1:]
feeds = [l.rstrip("\n").split("\t") for l in open(os.path.join(top,
    "feeds.tsv"))][1:]
assert len(rows) == man["entries"], "entries"
assert len(feeds) == 24
total = 0
for f in feeds:
    data = open(os.path.join(top, "feeds", f[0]), "rb").read()
    n = len(re.findall(rb"<item>|<entry>", data))
    assert n == int(f[4]), (f[0], n, f[4])
    assert len(data) == int(f[5]), f[0]
    assert 20 <= n <= 100
    total += len(data)
    for r in rows:
        if r[0] == f[0] and r[1] == "0":
            assert r[3].encode() in data.replace(b"&amp;", b"&"), r[3]
assert total == man["bytes"]
orig = {r[4]: r for r in rows if r[5] == "original"}
kinds = {}
for r in rows:
    kinds[r[5]] = kinds.get(r[5], 0) + 1
    if r[5] != "original":
        o = orig[r[4]]
        assert o[0] != r[0], "copy in its own feed"
        if r[5] == "same-url":
            assert r[3] == o[3]
        if r[5] == "tracking":
            assert r[3].startswith(o[3] + "?utm_")
for k in ("original", "same-url", "tracking", "other-host", "edited"):
    assert kinds.get(k, 0) > 0, k
assert kinds == man["kinds"], (kinds, man["kinds"])
share = 1 - kinds["original"] / len(rows)
assert 0.05 < share < 0.25, share
frags = open(os.path.join(top, "html.dat"), "rb").read()
assert frags.count(b"<p>") > len(rows)
PY
echo "PASS: gencorpus deterministic, truth consistent"
