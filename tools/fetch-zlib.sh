#!/bin/sh
# fetch-zlib.sh: unpacks Debian's own zlib source package for the device build.
#
#   tools/fetch-zlib.sh CACHE_DIR      prints the unpacked source directory
#
# The firmware compiles zlib's deflate side (deflate.c, trees.c, adler32.c,
# crc32.c, zutil.c) with Z_SOLO for the MCU. No zlib source is committed:
# this fetches the source package of exactly the zlib version the host
# links (zlib1g-dev), so device and host share one zlib (tools/debsrc.sh:
# apt's signature checks, Debian's patches, the deb-src entry). The result
# is cached in CACHE_DIR (a build dir, never the repo) and reused while its
# version matches.
set -eu

EXPECT_VERSION=1.2.13 # the upstream version the device build is measured and tested with

die() { echo "fetch-zlib: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tools/fetch-zlib.sh CACHE_DIR"
CACHE=$1
mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
CACHE=$(cd "$CACHE" && pwd)
. "$(dirname "$0")/debsrc.sh"

check_version() {
    v=$(sed -n 's/^#define ZLIB_VERSION "\([^"]*\)".*/\1/p' "$1/zlib.h")
    [ "$v" = "$EXPECT_VERSION" ] || die "zlib source in $1 is version '$v', the device build expects $EXPECT_VERSION; update EXPECT_VERSION and re-measure the image size"
}

dir=$(debsrc_source "$CACHE" zlib zlib1g-dev deflate.c)
check_version "$dir"
echo "$dir"
