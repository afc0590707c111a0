# candor-sim refuses what it cannot run with one line and a non-zero exit,
# and never changes a flash image it refuses.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

# expect_sim_error WHAT PATTERN ARGS...: candor-sim ARGS fails with one line
# "candor-sim: ..." matching PATTERN.
expect_sim_error() {
    _what=$1
    _pat=$2
    shift 2
    if "$CANDOR_SIM" "$@" </dev/null >"$T/out" 2>"$T/err"; then
        fail "$_what: candor-sim exited 0"
    fi
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$_what: expected one line, got: $(cat "$T/err")"
    grep -Eq "^candor-sim: .*$_pat" "$T/err" || fail "$_what: unexpected message: $(cat "$T/err")"
}

expect_sim_error "unknown option" "unknown option '--bogus'" --bogus
expect_sim_error "no flash" "--flash FILE is required" --socket "$T/x.sock"
expect_sim_error "bad fault count" "disconnect-after-frames" --flash "$T/a.flash" --disconnect-after-frames 0
expect_sim_error "flash is a directory" "cannot open flash file" --flash "$T" --exit-when-done
expect_sim_error "flash in a missing directory" "cannot open flash file" --flash "$T/missing/a.flash" --exit-when-done

head -c 100 /dev/zero >"$T/short.flash"
expect_sim_error "flash of the wrong size" "is 100 bytes, not a whole number of 4096-byte flash blocks" --flash "$T/short.flash" --exit-when-done
expect_sim_error "bad flash size" "--flash-size needs a size from 256K to 1024M" --flash "$T/s.flash" --flash-size 1000
expect_sim_error "flash size in part blocks" "--flash-size needs a size" --flash "$T/s.flash" --flash-size 1048577
[ -e "$T/s.flash" ] && fail "a bad --flash-size still created the flash image"
head -c 1048576 /dev/zero | tr '\000' '\377' >"$T/one.flash"
expect_sim_error "flash size of another chip" "is 1048576 bytes, not the --flash-size of 8388608" \
    --flash "$T/one.flash" --flash-size 8M --exit-when-done

# A full-size image the store does not recognise (all zeros: not blank, not
# Candor): refused, and left byte for byte as it was.
python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes(1048576))' "$T/zero.flash"
cp "$T/zero.flash" "$T/zero.copy"
expect_sim_error "corrupt flash" "refused by the store" --flash "$T/zero.flash" --exit-when-done
cmp -s "$T/zero.flash" "$T/zero.copy" || fail "the refused flash image was modified"

# Key scripts: a bad token names its line; nothing runs.
printf 'ok   # start\n\ndown*2 ok\nsideways\n' >"$T/bad.keys"
expect_sim_error "bad key token" "line 4: unknown key script token 'sideways'" \
    --flash "$T/k.flash" --keys "$T/bad.keys"
[ -e "$T/k.flash" ] && fail "a bad key script still created the flash image"
printf 'expect\n' >"$T/bad2.keys"
expect_sim_error "expect without kind" "line 1: 'expect' needs a screen kind" \
    --flash "$T/k.flash" --keys "$T/bad2.keys"
expect_sim_error "missing key script" "cannot read key script" --flash "$T/k.flash" --keys "$T/none.keys"

# An expectation that does not hold names the line and what was on screen.
printf '# comment\nexpect HOME\n' >"$T/expect.keys"
expect_sim_error "failed expect" "line 2: expected HOME but the screen is NO_SURVEY" \
    --flash "$T/e.flash" --socket "$T/e.sock" --keys "$T/expect.keys" --exit-when-done

# A second simulator on a socket that is in use is refused; the first one
# keeps serving.
start_sim dev
expect_sim_error "socket in use" "already listening" --flash "$T/other.flash" --socket "$CANDOR_SIM_DIR/dev.sock" --exit-when-done
"$CANDOR" status --device "$DEV" >/dev/null 2>"$T/err" || fail "first simulator disturbed: $(cat "$T/err")"
# ... and so is a second simulator on the same flash image.
expect_sim_error "flash in use" "in use by another simulator" --flash "$T/dev.flash" --socket "$T/y.sock" --exit-when-done

# A clean shutdown (SIGTERM) removes the socket.
stop_sim dev
[ -e "$CANDOR_SIM_DIR/dev.sock" ] && fail "socket left behind after SIGTERM"
echo "ok: candor-sim refuses bad setups with one line"
