# `cmake --install` puts candor, candor-sim, the man page and the udev rule
# where they belong, and the rule matches the VID/PID the handheld actually
# reports (its sysfs attributes, filled from the firmware's descriptors),
# granting the seated user (uaccess) and plugdev access.
. "$CND_SOURCE_DIR/tests/usb/usb_lib.sh"
: "${CND_BINARY_DIR:?}"

DESTDIR="$T/stage" cmake --install "$CND_BINARY_DIR" >"$T/install.out" 2>&1 ||
    fail "cmake --install: $(cat "$T/install.out")"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$CND_BINARY_DIR/CMakeCache.txt")
rules=$(sed -n 's/^CND_UDEV_RULES_DIR:[A-Z]*=//p' "$CND_BINARY_DIR/CMakeCache.txt")
case "$rules" in /*) ;; *) rules="$prefix/$rules" ;; esac
for f in "$prefix/bin/candor" "$prefix/bin/candor-sim" "$prefix/share/man/man1/candor.1" \
    "$rules/70-candor.rules"; do
    [ -f "$T/stage$f" ] || fail "not installed: $f ($(cat "$T/install.out"))"
done
"$T/stage$prefix/bin/candor" --version >/dev/null || fail "installed candor does not run"

start_bus
plug a
sys="$UMOCKDEV_DIR/sys/bus/usb/devices/1-2"
vid=$(cat "$sys/idVendor")
pid=$(cat "$sys/idProduct")
rule=$(grep -v '^#' "$T/stage$rules/70-candor.rules" | grep .)
expect_eq "$(echo "$rule" | wc -l | tr -d ' ')" 1 "rules in 70-candor.rules"
echo "$rule" | grep -q "SUBSYSTEM==\"usb\"" || fail "rule is not for usb: $rule"
echo "$rule" | grep -q "ATTR{idVendor}==\"$vid\"" || fail "rule does not match idVendor $vid: $rule"
echo "$rule" | grep -q "ATTR{idProduct}==\"$pid\"" || fail "rule does not match idProduct $pid: $rule"
echo "$rule" | grep -q 'TAG+="uaccess"' || fail "rule does not give the seated user access: $rule"
echo "$rule" | grep -q 'GROUP="plugdev"' && echo "$rule" | grep -q 'MODE="0660"' ||
    fail "rule has no plugdev fallback: $rule"
echo "ok: install puts the tools, the man page and a udev rule matching the handheld"
