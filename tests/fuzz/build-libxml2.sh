#!/bin/sh
# build-libxml2.sh DEST: build a static libxml2 instrumented for libFuzzer
# (coverage, ASan, UBSan) from Debian's own source package, into DEST.
#
# Why: the fuzz targets link libxml2; the system's shared copy has no
# coverage instrumentation, so libFuzzer is blind inside it and explores
# only our callbacks.  With this copy the parser's own branches (entities,
# encodings, DTD handling, recovery) guide the search.
#
# The source comes through apt from the same Debian archive as the
# installed package (deb-src entries are derived from the system's apt
# sources, in a private apt state: the system's apt setup is not touched).
# Needs dpkg-dev and clang.  Prints the configure variables to use.
set -eu

DEST=${1:?usage: build-libxml2.sh DEST}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
if [ -f "$DEST/lib/libxml2.a" ]; then
	echo "XML_CFLAGS=-I$DEST/include/libxml2 XML_LIBS=$DEST/lib/libxml2.a"
	exit 0
fi
WORK="$DEST/src"
APT="$DEST/apt"
rm -rf "$WORK" "$APT"
mkdir -p "$WORK" "$APT/lists/partial" "$APT/parts"

# deb-src twins of the system's deb sources (deb822 and one-line forms).
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed 's/^Types:.*deb\b.*/Types: deb-src/' "$f" > "$APT/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^deb /deb-src /p' "$f" >> "$APT/sources.list"
done
touch "$APT/sources.list"
APTOPT="-o Dir::Etc::SourceList=$APT/sources.list
    -o Dir::Etc::SourceParts=$APT/parts -o Dir::State::Lists=$APT/lists
    -o APT::Sandbox::User=root -qq"
# shellcheck disable=SC2086
apt-get $APTOPT update
VERSION=$(dpkg-query -W -f='${Version}' libxml2 2>/dev/null || true)
cd "$WORK"
# shellcheck disable=SC2086
apt-get $APTOPT source --download-only "libxml2${VERSION:+=$VERSION}" ||
    apt-get $APTOPT source --download-only libxml2
dpkg-source -x --no-check ./*.dsc libxml2 >/dev/null
cd libxml2

FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined"
# Debian patches touch the build files: regenerate as dh_autoreconf does.
autoreconf -fi >/dev/null 2>&1
CC=${CC_FUZZ:-clang} CFLAGS="$FLAGS" LDFLAGS="-fsanitize=address,undefined" \
    ./configure -q --prefix="$DEST" --disable-shared --enable-static \
    --without-python --without-zlib --without-lzma --without-icu \
    --without-http --without-ftp --without-debug >/dev/null
make -s -j2 libxml2.la >/dev/null 2>&1
mkdir -p "$DEST/lib" "$DEST/include/libxml2/libxml"
cp .libs/libxml2.a "$DEST/lib/"
cp include/libxml/*.h "$DEST/include/libxml2/libxml/"
rm -rf "$WORK" "$APT"
echo "XML_CFLAGS=-I$DEST/include/libxml2 XML_LIBS=$DEST/lib/libxml2.a"
