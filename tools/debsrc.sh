# debsrc.sh: sourced by tools/fetch-zlib.sh and tools/fetch-mbedtls.sh.
# Unpacks a Debian source package of exactly the version the host's -dev
# package was built from, so device and host share one library version,
# with apt's signature and checksum checks and Debian's patches applied by
# dpkg-source. The caller defines die() and checks the upstream version.
#
# Needs a deb-src entry: when apt has none for Debian main, one is added
# as /etc/apt/sources.list.d/candor-debian-src.sources (root or sudo),
# pointing at the same mirror and suite as the binary entries.

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

# debsrc_version DEVPKG: the Debian version of an installed package, or die.
debsrc_version() {
    v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)
    [ -n "$v" ] || die "$1 is not installed; run tools/setup-deps.sh"
    echo "$v"
}

# debsrc_cached CACHE SRCPKG DEBVER: prints the unpacked dir when CACHE
# already holds SRCPKG at DEBVER, else nothing.
debsrc_cached() {
    d=$(find "$1" -mindepth 1 -maxdepth 1 -type d -name "$2-*" | head -n 1)
    if [ -n "$d" ] && [ -f "$1/.version" ] && [ "$(cat "$1/.version")" = "$3" ]; then
        echo "$d"
    fi
}

# debsrc_fetch CACHE SRCPKG DEBVER: unpacks SRCPKG at DEBVER into CACHE
# (replacing an older one) and prints its directory. Falls back to the
# newest source when that exact version is no longer on the mirror (the
# caller's upstream version check still holds).
debsrc_fetch() {
    cache=$1 pkg=$2 debver=$3
    command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source is missing (package dpkg-dev); run tools/setup-deps.sh"
    if ! has_deb_src; then
        SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
        MIRROR=$(sed -n 's/^URIs:[[:space:]]*\(http[^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
        MIRROR=${MIRROR:-http://deb.debian.org/debian}
        echo "$pkg: adding deb-src for $MIRROR $SUITE main" >&2
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$MIRROR" "$SUITE" > "$cache/candor-debian-src.sources"
        as_root cp "$cache/candor-debian-src.sources" /etc/apt/sources.list.d/candor-debian-src.sources
        as_root apt-get update -qq || die "apt-get update failed after adding the deb-src entry"
    fi
    rm -rf "$cache/$pkg"-* "$cache/$pkg"_* "$cache/.version"
    if ! (cd "$cache" && apt-get source -qq "$pkg=$debver" >&2); then
        echo "$pkg=$debver not available as source; trying the newest" >&2
        (cd "$cache" && apt-get source -qq "$pkg" >&2) || die "apt-get source $pkg failed (network, or no deb-src entry?)"
    fi
    d=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -n 1)
    [ -n "$d" ] || die "apt-get source $pkg left no source directory in $cache"
    echo "$debver" > "$cache/.version"
    echo "$d"
}

# debsrc_source CACHE SRCPKG DEVPKG MARKER: the unpacked source of SRCPKG at
# the version DEVPKG is installed at, from CACHE or fetched into it; dies
# unless it holds the file MARKER. The caller then checks the upstream
# version (check_version DIR) and prints DIR.
debsrc_source() {
    debver=$(debsrc_version "$3")
    d=$(debsrc_cached "$1" "$2" "$debver")
    [ -n "$d" ] || d=$(debsrc_fetch "$1" "$2" "$debver")
    [ -f "$d/$4" ] || die "apt-get source $2 left no $2 source in $1"
    echo "$d"
}
