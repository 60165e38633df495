#!/bin/sh
# units.sh: the systemd units pass "systemd-analyze verify" and their
# sandbox scores an exposure of at most 1.5 in "systemd-analyze security".
# Skips (77) where systemd-analyze is missing or cannot run here.
set -u

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SYNDIC_BIN=${SYNDIC_BIN:-$(pwd)/syndic}
MAX_EXPOSURE=${MAX_EXPOSURE:-1.5}

command -v systemd-analyze >/dev/null 2>&1 || {
	echo "SKIP: no systemd-analyze"
	exit 77
}
tmp=$(mktemp -d /tmp/syndic-units.XXXXXX) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# Can it analyze anything at all in this environment?
printf '[Service]\nExecStart=/bin/true\n' > "$tmp/probe.service"
if ! systemd-analyze security --offline=yes "$tmp/probe.service" \
    >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze cannot run here"
	exit 77
fi
rm -f "$tmp/probe.service"

# The units as installed, but with ExecStart on the binary under test
# (verify wants it to exist) and man pages from the tree.
mkdir -p "$tmp/units" "$tmp/man/man5" "$tmp/man/man8"
sed -e "s|@bindir@|$(dirname "$SYNDIC_BIN")|g" -e 's|@sysconfdir@|/etc|g' \
    "$SRCDIR/systemd/syndic.service.in" > "$tmp/units/syndic.service"
cp "$SRCDIR/systemd/syndic.socket" "$tmp/units/"
for page in "$SRCDIR"/man/*.[58]; do
	[ -f "$page" ] || continue
	cp "$page" "$tmp/man/man${page##*.}/"
done
# A page another part of the project has not written yet is reported,
# not failed on: verify would run man(1) on it.
for unit in "$tmp/units/"*; do
	kept=""
	for ref in $(sed -n 's/^Documentation=//p' "$unit"); do
		page=${ref#man:}
		name=${page%(*}
		sect=${page#*(}
		sect=${sect%)}
		if [ -f "$tmp/man/man$sect/$name.$sect" ]; then
			kept="$kept $ref"
		else
			echo "note: $ref is not in man/ yet"
		fi
	done
	if [ -n "$kept" ]; then
		sed -i "s|^Documentation=.*|Documentation=${kept# }|" "$unit"
	else
		sed -i '/^Documentation=/d' "$unit"
	fi
done

status=0
echo "== systemd-analyze verify"
if ! (cd "$tmp/units" && MANPATH="$tmp/man" systemd-analyze verify \
    ./syndic.service ./syndic.socket) > "$tmp/verify" 2>&1; then
	status=1
fi
if [ -s "$tmp/verify" ]; then
	cat "$tmp/verify"
	status=1	# warnings count: "verify clean" means no output
fi
[ $status = 0 ] && echo "clean"

echo "== systemd-analyze security --offline=yes"
systemd-analyze security --offline=yes "$tmp/units/syndic.service" \
    > "$tmp/security" 2>&1
grep -v '^✓' "$tmp/security"
score=$(sed -n 's/.*Overall exposure level for syndic.service: \([0-9.]*\).*/\1/p' \
    "$tmp/security")
if [ -z "$score" ]; then
	echo "FAIL: no exposure level in the output"
	exit 1
fi
if ! awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	echo "FAIL: exposure $score is above $MAX_EXPOSURE"
	status=1
else
	echo "exposure $score (at most $MAX_EXPOSURE)"
fi

# What the daemon relies on must be there.
for want in Type=notify ExecReload= WatchdogSec= DynamicUser=yes \
    StateDirectory=syndic ConfigurationDirectory=syndic Requires=syndic.socket \
    TimeoutStopSec= MemoryMax= TasksMax= LimitNOFILE=; do
	if ! grep -q "^$want" "$tmp/units/syndic.service"; then
		echo "FAIL: syndic.service lacks $want"
		status=1
	fi
done
exit $status
