#!/bin/sh
# xss.sh: the XSS corpus through `syndic parse`, judged by the oracle
# (tests/xss.py).  Skips (77) without ../shared or python3-html5lib.
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SYNDIC_BIN=${SYNDIC_BIN:-./syndic}
XSS=$SRCDIR/../shared/corpus/xss
if [ ! -f "$XSS/corpus.json" ] || [ ! -f "$XSS/oracle.py" ]; then
	echo "xss: $XSS absent: skipped"
	exit 77
fi
if ! /usr/bin/python3 -c 'import html5lib' 2>/dev/null; then
	echo "xss: python3-html5lib missing: skipped"
	exit 77
fi
exec /usr/bin/python3 "$SRCDIR/tests/xss.py" "$SYNDIC_BIN" "$XSS"
