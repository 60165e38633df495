#!/bin/sh
# install.sh: make install and uninstall with DESTDIR put the binary, the
# units (naming the installed binary), the man pages and the example
# configuration in place, never overwrite an operator's syndic.conf, and
# take everything away again except such a changed file.
set -u

MAKE=${MAKE:-make}
tmp=$(mktemp -d /tmp/syndic-install.XXXXXX) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

fail() {
	echo "FAIL: $*"
	status=1
}

# The test runs in the build directory.
if ! $MAKE -s install DESTDIR="$tmp" > "$tmp.log" 2>&1; then
	cat "$tmp.log"
	rm -f "$tmp.log"
	echo "FAIL: make install"
	exit 1
fi
rm -f "$tmp.log"
bin=$(find "$tmp" -type f -name syndic -path '*/bin/*')
unit=$(find "$tmp" -type f -name syndic.service)
conf=$(find "$tmp" -type f -name syndic.conf)
[ -n "$bin" ] && [ -x "$bin" ] || fail "no installed binary"
[ -n "$unit" ] || fail "no syndic.service"
[ -n "$(find "$tmp" -type f -name syndic.socket)" ] || fail "no syndic.socket"
for page in syndic.8 syndic.conf.5; do
	[ -n "$(find "$tmp" -type f -name "$page")" ] || fail "no $page"
done
[ -n "$conf" ] || fail "no syndic.conf"
[ -f "$conf.example" ] || fail "no syndic.conf.example"
if [ -n "$unit" ] && [ -n "$bin" ]; then
	want="ExecStart=${bin#"$tmp"} -c ${conf#"$tmp"} run"
	grep -qx "$want" "$unit" || fail "syndic.service lacks \"$want\":" \
	    "$(grep ExecStart= "$unit")"
	grep -q '@[a-z]*@' "$unit" && fail "syndic.service has a @variable@"
fi

# The operator's configuration survives install and uninstall.
if [ -n "$conf" ]; then
	echo "; changed by the operator" >> "$conf"
	$MAKE -s install DESTDIR="$tmp" >/dev/null 2>&1 || fail "reinstall"
	grep -q "changed by the operator" "$conf" ||
	    fail "make install overwrote syndic.conf"
fi
$MAKE -s uninstall DESTDIR="$tmp" >/dev/null 2>&1 || fail "make uninstall"
left=$(find "$tmp" -type f)
if [ "$left" != "$conf" ]; then
	fail "after uninstall, expected only the changed syndic.conf, found:" \
	    "$left"
fi
[ $status = 0 ] && echo "install, reinstall and uninstall hold"
exit $status
