#!/bin/sh
# dist.sh BUILD_DIR: the release artifacts of `make dist` (issue 16), in dist/:
#   candor_<v>_amd64.deb                the Debian package (CPack, BUILD_DIR)
#   candor-<v>-windows-x86_64.zip      candor.exe (no DLLs needed) and the
#                                       man page as text
#   candor-<v>.tar.gz                  the source tree at HEAD (git archive)
#   SHA256SUMS                         sha256sum of the three
# BUILD_DIR is a configured and built tree (make build); candor.exe is
# built in BUILD_DIR/win (tools/win/build.sh).
set -eu
[ $# -eq 1 ] || { echo "usage: tools/dist.sh BUILD_DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
DIST="$ROOT/dist"
die() { echo "dist: $*" >&2; exit 1; }

V=$(sed -n 's/^#define CND_TOOL_VERSION "\([0-9.]*\)".*/\1/p' "$ROOT/host/cli/main.c")
[ -n "$V" ] || die "no CND_TOOL_VERSION in host/cli/main.c"
rm -rf "$DIST"
mkdir -p "$DIST"

# the .deb
(cd "$BUILD" && rm -rf deb && cpack -G DEB --config CPackConfig.cmake >"$BUILD/cpack.log" 2>&1) ||
    die "cpack failed: see $BUILD/cpack.log"
cp "$BUILD"/deb/candor_"$V"_*.deb "$DIST/" || die "cpack wrote no candor_${V}_*.deb"

# the Windows zip
sh "$ROOT/tools/win/build.sh" "$BUILD/win" >"$BUILD/win-build.log" 2>&1 ||
    die "the Windows build failed: see $BUILD/win-build.log"
Z="$BUILD/zip/candor-$V-windows-x86_64"
rm -rf "$BUILD/zip"
mkdir -p "$Z"
cp "$BUILD/win/candor.exe" "$Z/"
x86_64-w64-mingw32-strip "$Z/candor.exe"
# the man page as plain text (no overstrike), CRLF so that every Windows
# editor shows its lines
groff -man -Tutf8 -P-cbou "$ROOT/host/candor.1" 2>/dev/null | sed 's/$/\r/' >"$Z/candor.txt"
[ -s "$Z/candor.txt" ] || die "groff could not render host/candor.1"
sed 's/$/\r/' "$ROOT/tools/package/README-windows.txt" >"$Z/README.txt"
(cd "$BUILD/zip" && rm -f "$DIST/candor-$V-windows-x86_64.zip" &&
    zip -q -X -r "$DIST/candor-$V-windows-x86_64.zip" "candor-$V-windows-x86_64") ||
    die "zip failed"

# the source tarball: what is committed at HEAD
git -C "$ROOT" diff --quiet HEAD 2>/dev/null ||
    echo "dist: note: uncommitted changes are not in the source tarball (it is HEAD)" >&2
git -C "$ROOT" archive --format=tar.gz --prefix="candor-$V/" -o "$DIST/candor-$V.tar.gz" HEAD ||
    die "git archive failed"

(cd "$DIST" && sha256sum candor_"$V"_*.deb "candor-$V-windows-x86_64.zip" "candor-$V.tar.gz" >SHA256SUMS)
echo "dist/:"
(cd "$DIST" && ls -l | sed -n '2,$p' && cat SHA256SUMS)
