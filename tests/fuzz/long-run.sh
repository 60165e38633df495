#!/bin/sh
# long-run.sh FB SECONDS [TARGET...]: the long fuzz run, one target at a
# time (rotating, so that a shared machine keeps its other cores), each
# for SECONDS of wall time at nice 19, in the fuzz build folder FB (made
# by tests/reliability/fuzz.sh, or by hand with CC=clang --enable-fuzzing
# against tests/fuzz/build-libxml2.sh's libxml2).  Grown corpora stay in
# FB/long/TARGET between runs, findings go to FB/findings/, and
# FB/long/cpu.log gets one line per run with its CPU seconds, so that the
# CPU-hours per target add up: awk '{c[$1]+=$4} END {for (t in c)
# print t, c[t]/3600}' FB/long/cpu.log.
set -u

FB=${1:?usage: long-run.sh FB SECONDS [TARGET...]}
SECS=${2:?usage: long-run.sh FB SECONDS [TARGET...]}
shift 2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FB=$(cd "$FB" && pwd)
TARGETS=${*:-parse sanitize http config opml url date}
mkdir -p "$FB/long" "$FB/findings"
if [ -d "$SRC/../shared/corpus/feeds" ] && [ ! -d "$FB/shared-feeds" ]; then
	mkdir -p "$FB/shared-feeds"
	find "$SRC/../shared/corpus/feeds" -type f -size -200k \
	    \( -name '*.xml' -o -name '*.json' -o -name '*.rss' \
	    -o -name '*.atom' -o -name '*.rdf' \) \
	    -exec cp {} "$FB/shared-feeds/" \; 2>/dev/null
fi
for name in $TARGETS; do
	bin="$FB/tests/fuzz/fuzz_$name"
	[ -x "$bin" ] || { echo "no $bin" >&2; continue; }
	mkdir -p "$FB/long/$name"
	seeds="$SRC/tests/fuzz/corpus/$name"
	[ -d "$SRC/tests/fuzz/regress/$name" ] &&
	    seeds="$seeds $SRC/tests/fuzz/regress/$name"
	[ "$name" = parse ] && seeds="$seeds $SRC/tests/fixtures/feeds \
	    $SRC/examples/feeds" &&
	    [ -d "$FB/shared-feeds" ] && seeds="$seeds $FB/shared-feeds"
	dict=""
	[ -f "$SRC/tests/fuzz/dict/$name.dict" ] &&
	    dict="-dict=$SRC/tests/fuzz/dict/$name.dict"
	start=$(date -u +%FT%TZ)
	# shellcheck disable=SC2086
	/usr/bin/time -f "%U %S" -o "$FB/long/$name.time" nice -n 19 "$bin" \
	    -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 $dict \
	    -artifact_prefix="$FB/findings/$name-" "$FB/long/$name" $seeds \
	    > "$FB/long/$name.out" 2>&1
	rc=$?
	cpu=$(tail -1 "$FB/long/$name.time" | awk '{print $1 + $2}')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$FB/long/$name.out")
	echo "$name $start rc=$rc $cpu cpu-seconds ${execs:-?} execs" \
	    >> "$FB/long/cpu.log"
	tail -1 "$FB/long/cpu.log"
done
