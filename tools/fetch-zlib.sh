#!/bin/sh
# fetch-zlib.sh: unpacks Debian's own zlib source package for the device build.
#
#   tools/fetch-zlib.sh CACHE_DIR      prints the unpacked source directory
#
# The firmware compiles zlib's deflate side (deflate.c, trees.c, adler32.c,
# crc32.c, zutil.c) with Z_SOLO for the MCU. No zlib source is committed:
# this fetches the source package of exactly the zlib version the host
# links (zlib1g-dev), so device and host share one zlib, with apt's
# signature and checksum checks, and Debian's patches applied by
# dpkg-source. The result is cached in CACHE_DIR (a build dir, never the
# repo) and reused while its version matches.
#
# Needs a deb-src entry: when apt has none for Debian main, one is added
# as /etc/apt/sources.list.d/candor-debian-src.sources (root or sudo),
# pointing at the same mirror and suite as the binary entries.
set -eu

EXPECT_VERSION=1.2.13 # the upstream version the device build is measured and tested with

die() { echo "fetch-zlib: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tools/fetch-zlib.sh CACHE_DIR"
CACHE=$1
mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
CACHE=$(cd "$CACHE" && pwd)

# The Debian version of the zlib the host builds against, e.g. 1:1.2.13.dfsg-1.
DEBVER=$(dpkg-query -W -f='${Version}' zlib1g-dev 2>/dev/null || true)
[ -n "$DEBVER" ] || die "zlib1g-dev is not installed; run tools/setup-deps.sh"
STAMP=$CACHE/.version

src_dir() { find "$CACHE" -mindepth 1 -maxdepth 1 -type d -name 'zlib-*' | head -n 1; }

check_version() {
    v=$(sed -n 's/^#define ZLIB_VERSION "\([^"]*\)".*/\1/p' "$1/zlib.h")
    [ "$v" = "$EXPECT_VERSION" ] || die "zlib source in $1 is version '$v', the device build expects $EXPECT_VERSION; update EXPECT_VERSION and re-measure the image size"
}

dir=$(src_dir)
if [ -n "$dir" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$DEBVER" ]; then
    check_version "$dir"
    echo "$dir"
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root or sudo to run: $*"
    fi
}

has_deb_src() {
    # one-line format "deb-src ..." or deb822 "Types: ... deb-src"
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
        2>/dev/null | grep -Eq '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)'
}

command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source is missing (package dpkg-dev); run tools/setup-deps.sh"
if ! has_deb_src; then
    SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    MIRROR=$(sed -n 's/^URIs:[[:space:]]*\(http[^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    echo "fetch-zlib: adding deb-src for $MIRROR $SUITE main" >&2
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$MIRROR" "$SUITE" > "$CACHE/candor-debian-src.sources"
    as_root cp "$CACHE/candor-debian-src.sources" /etc/apt/sources.list.d/candor-debian-src.sources
    as_root apt-get update -qq || die "apt-get update failed after adding the deb-src entry"
fi

rm -rf "$CACHE"/zlib-* "$CACHE"/zlib_* "$STAMP"
# Same version as the host's zlib; fall back to the newest source when that
# exact one is no longer on the mirror (the version check below still holds).
if ! (cd "$CACHE" && apt-get source -qq "zlib=$DEBVER" >&2); then
    echo "fetch-zlib: zlib=$DEBVER not available as source; trying the newest" >&2
    (cd "$CACHE" && apt-get source -qq zlib >&2) || die "apt-get source zlib failed (network, or no deb-src entry?)"
fi
dir=$(src_dir)
[ -n "$dir" ] && [ -f "$dir/deflate.c" ] || die "apt-get source zlib left no zlib source in $CACHE"
check_version "$dir"
echo "$DEBVER" > "$STAMP"
echo "$dir"
