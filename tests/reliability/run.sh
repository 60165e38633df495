#!/bin/sh
# run.sh [SUITE...]: the reliability and security suites of syndic, in one
# command (make check-reliability).  Each suite is a script beside this one
# that prints a final line
#	RESULT cases=N failures=M figures=TEXT
# and exits 0 (pass), 77 (skipped: a prerequisite is missing) or else
# (fail).  Logs go to $BUILDDIR/reliability/SUITE.log; the table at the end
# gives cases, failures and figures per suite.
#
# Environment: SYNDIC_BIN, SRCDIR, BUILDDIR (set by make), FUZZ_SECONDS
# (per fuzz target, default 4), SOAK_SECONDS (default 600), KILL_CYCLES
# (default 500), SLOWLORIS (default 2000).
set -u

: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILDDIR:=$SRCDIR/build}"
: "${SYNDIC_BIN:=$BUILDDIR/syndic}"
RELIABILITY_FULL=1
export SRCDIR BUILDDIR SYNDIC_BIN RELIABILITY_FULL
HERE="$SRCDIR/tests/reliability"
LOGS="$BUILDDIR/reliability"
mkdir -p "$LOGS"

ALL="fuzz xmlattack xss faults abuse durability soak"
SUITES=${*:-$ALL}

passed=0
failed=0
skipped=0
table="$LOGS/table.txt"
printf '%-11s %-6s %7s %8s  %s\n' suite status cases failures figures \
    > "$table"
for s in $SUITES; do
	script="$HERE/$s.sh"
	[ -f "$script" ] || script="$HERE/$s.py"
	if [ ! -f "$script" ]; then
		echo "run.sh: no suite \"$s\" ($ALL)" >&2
		exit 64
	fi
	echo "== $s (log: $LOGS/$s.log)"
	start=$(date +%s)
	case "$script" in
	*.py)	/usr/bin/python3 "$script" > "$LOGS/$s.log" 2>&1 ;;
	*)	sh "$script" > "$LOGS/$s.log" 2>&1 ;;
	esac
	rc=$?
	secs=$(($(date +%s) - start))
	line=$(grep '^RESULT ' "$LOGS/$s.log" | tail -1)
	cases=$(echo "$line" | sed -n 's/.*cases=\([0-9]*\).*/\1/p')
	fails=$(echo "$line" | sed -n 's/.*failures=\([0-9]*\).*/\1/p')
	figs=$(echo "$line" | sed -n 's/.*figures=//p')
	case $rc in
	0)	status=PASS; passed=$((passed + 1)) ;;
	77)	status=SKIP; skipped=$((skipped + 1)) ;;
	*)	status=FAIL; failed=$((failed + 1))
		grep -E '^(FAIL|ERROR)' "$LOGS/$s.log" | head -20 ;;
	esac
	printf '%-11s %-6s %7s %8s  %s (%ss)\n' "$s" "$status" \
	    "${cases:--}" "${fails:--}" "${figs:-}" "$secs" >> "$table"
	echo "$s: $status ${figs:-}"
done
echo
echo "== reliability summary"
cat "$table"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
