#!/bin/sh
# docs.sh: the manuals keep up with the code: every configuration key that
# daemon/config.c accepts is in syndic.conf(5), every command of the
# dispatch table in syndic(8), the shipped example configuration passes
# "syndic check" and shows every key, and mandoc finds no warning.
set -u

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SYNDIC_BIN=${SYNDIC_BIN:-$(pwd)/syndic}
status=0

keys=$(sed -n 's/.*strcmp(key, "\([a-z_]*\)").*/\1/p' \
    "$SRCDIR/daemon/config.c" | sort -u)
[ -n "$keys" ] || { echo "FAIL: no keys found in config.c"; exit 1; }
for k in $keys; do
	if ! grep -q "^\.It Ic $k No = " "$SRCDIR/man/syndic.conf.5"; then
		echo "FAIL: syndic.conf(5) does not document \"$k\""
		status=1
	fi
done
sections=$(sed -n 's/.*strcmp(section, "\([a-z]*\)").*/\1/p' \
    "$SRCDIR/daemon/config.c" | sort -u)
for sec in $sections feed; do
	if ! grep -q "^\.Ss The \[$sec" "$SRCDIR/man/syndic.conf.5"; then
		echo "FAIL: syndic.conf(5) has no [$sec] section"
		status=1
	fi
done

cmds=$(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", cmd_.*/\1/p' \
    "$SRCDIR/daemon/cmd.c")
[ -n "$cmds" ] || { echo "FAIL: no commands found in cmd.c"; exit 1; }
for c in $cmds; do
	if ! grep -q "^\.It Cm $c\( \|$\)" "$SRCDIR/man/syndic.8"; then
		echo "FAIL: syndic(8) does not document the command \"$c\""
		status=1
	fi
done

if ! out=$("$SYNDIC_BIN" -c "$SRCDIR/examples/syndic.conf" check 2>&1); then
	echo "FAIL: examples/syndic.conf does not pass syndic check:"
	echo "$out"
	status=1
fi
for k in $keys; do
	case $k in
	title|tags|interval) continue ;;	# also [feed] keys
	esac
	if ! grep -q "^;*$k = " "$SRCDIR/examples/syndic.conf"; then
		echo "FAIL: examples/syndic.conf does not show \"$k\""
		status=1
	fi
done

# The pages are sound mdoc (mandoc, where there is one).
if command -v mandoc >/dev/null 2>&1; then
	if ! mandoc -Tlint -Wwarning "$SRCDIR"/man/*.[1-9]; then
		echo "FAIL: mandoc -Tlint found problems in man/"
		status=1
	fi
fi

[ $status = 0 ] && echo "$(echo "$keys" | wc -l) keys, $(echo "$cmds" |
    wc -w) commands documented; the example passes syndic check"
exit $status
