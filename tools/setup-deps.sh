#!/bin/sh
# Installs the Debian packages Candor builds and tests with, if any are missing.
# Runs apt-get as root, or through sudo; does nothing when all are present, so
# `make test` stays fast on a prepared machine.
# The package lists are tools/deps/*.txt (one package per line, # comments),
# one file per concern, so each feature states what it needs next to why.
set -eu

DEPS_DIR=$(dirname "$0")/deps
PKGS=$(cat "$DEPS_DIR"/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "setup-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup-deps: need root or sudo to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "setup-deps: apt-get update failed; trying the cached package lists" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
