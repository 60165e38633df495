#!/bin/sh
# fuzz.sh: the short fuzz run.  Builds the libFuzzer targets in their own
# build folder ($BUILDDIR/build-fuzz: CC=clang --enable-fuzzing) against a
# libxml2 instrumented for coverage (tests/fuzz/build-libxml2.sh; the
# system's libxml2 when its source cannot be had, said in the log), then
# runs each target for FUZZ_SECONDS on its seeds (plus the shared feed
# corpus for the parser, when present).  A crash, leak, timeout or OOM is a
# failure: the input is kept in $BUILDDIR/build-fuzz/findings/ and must
# become a file under tests/fuzz/regress/TARGET/ once fixed.
set -u

: "${FUZZ_SECONDS:=4}"
FB="$BUILDDIR/build-fuzz"
CC_FUZZ=${CC_FUZZ:-clang}

if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
	echo "SKIP: no clang (apt-get install clang libclang-rt-14-dev)"
	echo "RESULT cases=0 failures=0 figures=skipped: no clang"
	exit 77
fi
mkdir -p "$FB"
xmlvars=""
xmlnote="system libxml2 (uninstrumented)"
if [ "${FUZZ_SYSTEM_LIBXML2:-0}" != 1 ] &&
    out=$(CC_FUZZ=$CC_FUZZ sh "$SRCDIR/tests/fuzz/build-libxml2.sh" \
    "$FB/libxml2" 2>"$FB/libxml2.log" | tail -1); then
	xmlvars=$out
	xmlnote="instrumented libxml2 from Debian source"
else
	echo "NOTE: instrumented libxml2 not built (see $FB/libxml2.log)"
fi
echo "libxml2: $xmlnote"
args="--enable-fuzzing -q"
if [ ! -f "$FB/Makefile" ] || [ "$(cat "$FB/.args" 2>/dev/null)" != "$xmlvars" ] ||
    [ "$SRCDIR/configure" -nt "$FB/config.status" ]; then
	# shellcheck disable=SC2086
	(cd "$FB" && env CC="$CC_FUZZ" $xmlvars "$SRCDIR/configure" $args) ||
	    { echo "FAIL: configure --enable-fuzzing"; \
	    echo "RESULT cases=0 failures=1 figures=build failed"; exit 1; }
	echo "$xmlvars" > "$FB/.args"
fi
if ! make -C "$FB" -s -j2 >"$FB/make.log" 2>&1; then
	tail -30 "$FB/make.log"
	echo "FAIL: building the fuzzers"
	echo "RESULT cases=0 failures=1 figures=build failed"
	exit 1
fi

cases=0
failures=0
figs=""
mkdir -p "$FB/findings"
for bin in "$FB"/tests/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	corpus="$FB/corpus/$name"
	mkdir -p "$corpus"
	cp -r "$SRCDIR/tests/fuzz/corpus/$name/." "$corpus/" 2>/dev/null
	extra=""
	[ -d "$SRCDIR/tests/fuzz/regress/$name" ] &&
	    extra="$SRCDIR/tests/fuzz/regress/$name"
	[ "$name" = parse ] &&
	    extra="$extra $SRCDIR/tests/fixtures/feeds $SRCDIR/examples/feeds"
	if [ "$name" = parse ] && [ -d "$SRCDIR/../shared/corpus/feeds" ]; then
		# Read only, as an extra seed folder: new inputs go to $corpus.
		mkdir -p "$FB/shared-feeds"
		find "$SRCDIR/../shared/corpus/feeds" -type f -size -200k \
		    \( -name '*.xml' -o -name '*.json' -o -name '*.rss' \
		    -o -name '*.atom' -o -name '*.rdf' \) \
		    -exec cp {} "$FB/shared-feeds/" \; 2>/dev/null
		extra="$extra $FB/shared-feeds"
	fi
	dict=""
	[ -f "$SRCDIR/tests/fuzz/dict/$name.dict" ] &&
	    dict="-dict=$SRCDIR/tests/fuzz/dict/$name.dict"
	cases=$((cases + 1))
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 $dict \
	    -artifact_prefix="$FB/findings/$name-" "$corpus" $extra \
	    > "$FB/$name.out" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FB/$name.out")
	cov=$(grep -o 'cov: [0-9]*' "$FB/$name.out" | tail -1 | sed 's/cov: //')
	if [ $rc != 0 ]; then
		failures=$((failures + 1))
		echo "FAIL: fuzz_$name exited $rc:"
		grep -E 'ERROR|SUMMARY|Test unit written' "$FB/$name.out" | head
	else
		echo "ok: fuzz_$name: ${execs:-?} execs, ${cov:-?} edges covered"
	fi
	figs="$figs $name:${execs:-?}x/${cov:-?}cov"
	# A harness must stand libFuzzer's own SIGALRM (EINTR anywhere).
	if [ "$name" = http ]; then
		cases=$((cases + 1))
		if ! python3 "$SRCDIR/tests/fuzz/sigalrm.py" "$bin" \
		    "$FUZZ_SECONDS" "$SRCDIR/tests/fuzz/corpus/http" \
		    > "$FB/$name.sigalrm" 2>&1; then
			failures=$((failures + 1))
			echo "FAIL: fuzz_http under a SIGALRM storm:"
			cat "$FB/$name.sigalrm"
		else
			cat "$FB/$name.sigalrm"
		fi
		figs="$figs http-sigalrm:$(sed -n \
		    's/.*: \([0-9]*\) SIGALRM.*/\1/p' "$FB/$name.sigalrm") signals"
	fi
done
echo "RESULT cases=$cases failures=$failures figures=${FUZZ_SECONDS}s each;$figs; $xmlnote"
[ $failures = 0 ]
