#!/bin/sh
# fetch-mbedtls.sh: unpacks Debian's own Mbed TLS source package for the
# device build.
#
#   tools/fetch-mbedtls.sh CACHE_DIR   prints the unpacked source directory
#
# The firmware compiles the few library/*.c files it needs (X25519, P-256
# verify, ChaCha20-Poly1305, SHA-256, HKDF, PBKDF2) with its own config,
# firmware/crypto/mbedtls_config.h. No Mbed TLS source is committed: this
# fetches the source package of exactly the version the host links
# (libmbedtls-dev), so device and host share one Mbed TLS (tools/debsrc.sh:
# apt's signature checks, Debian's patches, the deb-src entry). The result
# is cached in CACHE_DIR (a build dir, never the repo) and reused while its
# version matches.
set -eu

EXPECT_VERSION=2.28.3 # the upstream version the device build is measured and tested with

die() { echo "fetch-mbedtls: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tools/fetch-mbedtls.sh CACHE_DIR"
CACHE=$1
mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
CACHE=$(cd "$CACHE" && pwd)
. "$(dirname "$0")/debsrc.sh"

check_version() {
    v=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([^"]*\)".*/\1/p' "$1/include/mbedtls/version.h")
    [ "$v" = "$EXPECT_VERSION" ] || die "Mbed TLS source in $1 is version '$v', the device build expects $EXPECT_VERSION; update EXPECT_VERSION and re-measure the image size and heap (docs/DESIGN.md)"
}

dir=$(debsrc_source "$CACHE" mbedtls libmbedtls-dev library/ecp.c)
check_version "$dir"
echo "$dir"
