#!/bin/sh
# tools/win/build.sh BUILD_DIR: cross-builds candor.exe (tools/win) into
# BUILD_DIR with Debian's mingw-w64. The libraries' sources come from
# Debian's source packages (tools/fetch-winlibs.sh, cached in
# BUILD_DIR/debsrc). Run by `make test` (ctest test windows.build) and by
# `make dist`.
set -eu
[ $# -eq 1 ] || { echo "usage: tools/win/build.sh BUILD_DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v x86_64-w64-mingw32-gcc-posix >/dev/null 2>&1 ||
    { echo "win/build.sh: x86_64-w64-mingw32-gcc-posix missing; run tools/setup-deps.sh" >&2; exit 1; }
cmake -S "$ROOT/tools/win" -B "$1" -DCMAKE_TOOLCHAIN_FILE="$ROOT/tools/cmake/mingw-w64.cmake" \
    -DCMAKE_BUILD_TYPE=Release >"$1.configure.log" 2>&1 ||
    { cat "$1.configure.log" >&2; exit 1; }
cmake --build "$1" -j2
