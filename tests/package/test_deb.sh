# The .deb installs and runs (issue 16). CPack builds candor_*.deb from
# this build; `apt-get install ./candor_*.deb` installs it into a throwaway
# root R (dpkg --root=R underneath: R's dpkg database starts as a copy of
# this system's, so apt checks the package's Depends against Debian's
# libusb, zlib, cJSON and Mbed TLS packages installed here, and the
# installed binary runs on them). Then, from R: candor --version, candor
# compile, the man page and the udev rule where udev and man look.
# lintian must report no error.
set -u
: "${CND_SOURCE_DIR:?}" "${CND_BINARY_DIR:?}" "${CANDOR_KEY:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/candor-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
R="$T/root"

cd "$CND_BINARY_DIR" || fail "no build dir"
rm -rf deb
cpack -G DEB --config CPackConfig.cmake >"$T/cpack.log" 2>&1 || fail "cpack: $(tail -n 5 "$T/cpack.log")"
DEB=$(ls deb/candor_*_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || fail "cpack wrote no candor_*.deb"
DEB="$CND_BINARY_DIR/$DEB"

for p in libusb-1.0-0 zlib1g libcjson1 libmbedcrypto7; do
    dpkg-deb -f "$DEB" Depends | grep -q "$p" || fail "Depends lacks $p: $(dpkg-deb -f "$DEB" Depends)"
done

mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
    "$R/var/cache/apt/archives/partial" "$R/var/log/apt" "$R/etc/apt"
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
# the root's status says candor is not installed (in case this system has it)
python3 - "$R/var/lib/dpkg/status" <<'PY' || fail "cannot prepare the root's dpkg status"
import sys
p = sys.argv[1]
paras = open(p).read().split("\n\n")
keep = [x for x in paras if not x.startswith("Package: candor\n")]
open(p, "w").write("\n\n".join(keep))
PY
# R's own dpkg (--root: admin dir, files and maintainer scripts all in R);
# apt only resolves against R's status and hands the local .deb to dpkg.
# (dpkg warns that R lacks the other packages' file lists: they are only in
# R's status, so that the Depends resolve.)
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO=sudo; fi
(cd "$(dirname "$DEB")" && $SUDO apt-get install -y -q \
    -o Dir::State::status="$R/var/lib/dpkg/status" \
    -o Dir::Log="$R/var/log/apt" \
    -o Debug::NoLocking=1 \
    -o APT::Sandbox::User=root \
    -o DPkg::Options::="--root=$R" -o DPkg::Options::="--log=$R/var/log/dpkg.log" \
    ./"$(basename "$DEB")") >"$T/apt.log" 2>&1 || fail "apt-get install $DEB: $(tail -n 8 "$T/apt.log")"
grep -q '^Package: candor$' "$R/var/lib/dpkg/status" || fail "candor is not in the root's dpkg status after apt-get install"
dpkg --root="$R" -s candor 2>/dev/null | grep -q '^Status: install ok installed' || fail "dpkg --root says candor is not installed"

[ -x "$R/usr/bin/candor" ] || fail "no usr/bin/candor in the root"
[ -f "$R/usr/share/man/man1/candor.1.gz" ] || fail "no man page in usr/share/man/man1"
[ -f "$R/usr/lib/udev/rules.d/70-candor.rules" ] || fail "no udev rule in usr/lib/udev/rules.d"
grep -q 'ATTR{idVendor}=="1209"' "$R/usr/lib/udev/rules.d/70-candor.rules" || fail "udev rule lacks the VID"
v=$("$R/usr/bin/candor" --version) || fail "candor --version from the root failed"
echo "$v" | grep -q '^candor [0-9]' || fail "candor --version said: $v"
"$R/usr/bin/candor" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$T/survey.pack" \
    --key "$CANDOR_KEY" >"$T/compile.out" 2>"$T/compile.err" ||
    fail "candor compile from the root: $(cat "$T/compile.err")"
[ -s "$T/survey.pack" ] || fail "candor compile from the root wrote no pack"

command -v lintian >/dev/null 2>&1 || fail "lintian missing (tools/deps/windows.txt)"
lintian --fail-on error --allow-root "$DEB" >"$T/lintian.log" 2>&1
lrc=$?
errors=$(grep -c '^E: ' "$T/lintian.log")
cat "$T/lintian.log"
[ "$lrc" -eq 0 ] && [ "$errors" -eq 0 ] || fail "lintian: $errors errors"
echo "ok: $(basename "$DEB") installed with apt-get into a throwaway root; $v; compile ran there; lintian: 0 errors"
