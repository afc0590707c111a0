#!/bin/sh
# fetch-winlibs.sh: unpacks Debian's source packages of the four libraries
# candor.exe links statically (issue 16): zlib, Mbed TLS, cJSON, libusb.
#
#   tools/fetch-winlibs.sh CACHE_DIR   prints NAME=DIR lines, one per library
#
# Each source is the Debian source package of exactly the version the Linux
# build links (its -dev package), fetched with apt's signature and checksum
# checks and Debian's patches applied (tools/debsrc.sh, which also adds the
# deb-src entry when apt has none). Nothing is vendored and nothing comes
# from anywhere but Debian's archive. zlib and Mbed TLS reuse the device
# build's scripts (same version checks). Cached in CACHE_DIR/<name>.
set -eu

die() { echo "fetch-winlibs: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tools/fetch-winlibs.sh CACHE_DIR"
CACHE=$1
mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
CACHE=$(cd "$CACHE" && pwd)
TOOLS=$(cd "$(dirname "$0")" && pwd)
. "$TOOLS/debsrc.sh"

zlib=$(sh "$TOOLS/fetch-zlib.sh" "$CACHE/zlib") || die "zlib source not available"
mbedtls=$(sh "$TOOLS/fetch-mbedtls.sh" "$CACHE/mbedtls") || die "Mbed TLS source not available"
mkdir -p "$CACHE/cjson" "$CACHE/libusb"
cjson=$(debsrc_source "$CACHE/cjson" cjson libcjson-dev cJSON.c)
libusb=$(debsrc_source "$CACHE/libusb" libusb-1.0 libusb-1.0-0-dev libusb/os/windows_winusb.c)
echo "zlib=$zlib"
echo "mbedtls=$mbedtls"
echo "cjson=$cjson"
echo "libusb=$libusb"
