#!/bin/sh
# conformance.sh: run `syndic parse` over every document of the shared
# corpus (../shared/corpus/feeds): no crash, no sanitizer report, no
# timeout; then compare with gofeed's expected results (conformance.py).
# Skips (77) when the corpus is absent.  Run as `make conformance`.
set -u

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SYNDIC_BIN=${SYNDIC_BIN:-./syndic}
CORPUS=${CORPUS:-$SRCDIR/../shared/corpus/feeds}
JOBS=${JOBS:-2}

if [ ! -d "$CORPUS" ]; then
	echo "conformance: $CORPUS absent: skipped"
	exit 77
fi
OUT=$(mktemp -d /tmp/syndic-conformance.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
export SYNDIC_BIN CORPUS OUT
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# One document: its JSON in OUT, a line in OUT/bad when anything is wrong.
cd "$CORPUS" || exit 1
find . -type f ! -name 'LICENSE*' | sed 's|^\./||' | sort |
    xargs -d '\n' -P "$JOBS" -n 1 sh -c '
	f=$1
	o="$OUT/$(echo "$f" | sed "s|/|__|g").out"
	timeout 20 "$SYNDIC_BIN" parse "$f" >"$o" 2>"$o.err"
	rc=$?
	if [ $rc -ge 124 ]; then
		echo "CRASH rc=$rc $f" >>"$OUT/bad"
	elif grep -q "Sanitizer\|runtime error" "$o.err"; then
		echo "SANITIZER $f" >>"$OUT/bad"
	elif [ $rc -ne 0 ] && [ $rc -ne 65 ]; then
		echo "EXIT rc=$rc $f" >>"$OUT/bad"
	fi' sh

n=$(find . -type f ! -name 'LICENSE*' | wc -l)
feeds=$(grep -l '"format": "' "$OUT"/*.out | wc -l)
echo "conformance: $n documents, $feeds read as feeds"
status=0
if [ -s "$OUT/bad" ]; then
	sort "$OUT/bad"
	for f in $(sed -n 's/^SANITIZER //p' "$OUT/bad" | head -3); do
		head -30 "$OUT/$(echo "$f" | sed "s|/|__|g").out.err"
	done
	echo "conformance: $(wc -l <"$OUT/bad") documents failed"
	status=1
else
	echo "conformance: no crash, no sanitizer report, no timeout"
fi
/usr/bin/python3 "$SRCDIR/tests/conformance.py" "$CORPUS" "$OUT" || status=1
exit $status
