# The office sets the handheld's admin PIN at compile time. On the
# simulator: back five times on HOME opens the PIN entry, a wrong PIN is
# counted, the right one opens the device settings, and wipe (asked twice,
# with the unsynced count) erases the survey and its unsynced response.
# A PIN file that is not 4 to 8 digits is refused with one line, no pack.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

SRC="$CND_SOURCE_DIR/surveys/domestic-work.json"
printf '12a4\n' >"$T/bad.pin"
if "$CANDOR" compile --draft "$SRC" -o "$T/bad.pack" --admin-pin-file "$T/bad.pin" >/dev/null \
    2>"$T/bad.err"; then
    fail "compile with a bad PIN file exited 0"
fi
expect_one_line_error "$T/bad.err" compile
grep -q "4 to 8 digits" "$T/bad.err" || fail "the message does not say what a PIN is: $(cat "$T/bad.err")"
[ ! -e "$T/bad.pack" ] || fail "a pack was written for a bad PIN file"

printf '2468\n' >"$T/good.pin"
"$CANDOR" compile --draft "$SRC" -o "$T/pin.pack" --admin-pin-file "$T/good.pin" >/dev/null \
    2>"$T/compile.err" || fail "compile with a PIN: $(cat "$T/compile.err")"

start_sim dev --keys "$(keys en-complete)"
"$CANDOR" push --device "$DEV" "$T/pin.pack" >/dev/null 2>"$T/push.err" ||
    fail "push: $(cat "$T/push.err")"
wait_script dev
stop_sim dev

# The next day: settings, a wrong PIN, the right one, and a wipe.
cat >"$T/admin.keys" <<'KEYS'
wait-survey
expect HOME
back*5
expect ADMIN_PIN
ok ok ok ok                          # 0000: wrong
expect ADMIN_PIN
up*2 ok up*4 ok down*4 ok down*2 ok  # 2468
expect ADMIN
down ok                              # Wipe device
expect ADMIN_WIPE
down ok                              # Wipe
expect ADMIN_WIPE
down ok                              # Erase now
expect NO_SURVEY
KEYS
start_sim dev --keys "$T/admin.keys"
wait_script dev
grep -q '^SCREEN ADMIN_PIN .*failures=1' "$T/dev.screens" || fail "the wrong PIN was not counted"
grep -q '^SCREEN ADMIN_WIPE .*pending=1 step=2' "$T/dev.screens" ||
    fail "the second wipe question does not count the unsynced response"
expect_eq "$(pending "$DEV")" 0 "responses after the wipe"
echo "ok: admin PIN, its count, and a wipe asked twice"
