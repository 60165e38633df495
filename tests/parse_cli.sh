#!/bin/sh
# parse_cli.sh: `syndic parse` as a user runs it: file and stdin, --base,
# the exit status for a page that is not a feed, usage errors.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SYNDIC_BIN=${SYNDIC_BIN:-./syndic}
F=$SRCDIR/tests/fixtures/feeds
fail=0
no() { echo "FAIL: $*"; fail=1; }

out=$("$SYNDIC_BIN" parse "$F/rss20.xml") || no "rss20.xml: exit $?"
echo "$out" | grep -q '"format": "rss2.0"' || no "rss20.xml: format"
echo "$out" | grep -q '"title": "First post"' || no "rss20.xml: title"
echo "$out" | grep -q 'script' && no "rss20.xml: script kept"
out=$("$SYNDIC_BIN" parse --base https://b.example/x/feed - <"$F/rss20.xml") ||
    no "stdin: exit $?"
echo "$out" | grep -q '"format": "rss2.0"' || no "stdin: format"
out=$("$SYNDIC_BIN" parse --base https://b.example/x/ - <"$F/atom10.xml")
echo "$out" | grep -q '"format": "atom1.0"' || no "atom: format"
printf '<html><body>hi</body></html>' | "$SYNDIC_BIN" parse - >/dev/null 2>&1
[ $? -eq 65 ] || no "an HTML page must exit 65"
"$SYNDIC_BIN" parse >/dev/null 2>&1
[ $? -eq 64 ] || no "no file must exit 64"
"$SYNDIC_BIN" parse /nonexistent/feed.xml >/dev/null 2>&1
[ $? -eq 66 ] || no "a missing file must exit 66"
[ $fail -eq 0 ] && echo "parse_cli: ok"
exit $fail
