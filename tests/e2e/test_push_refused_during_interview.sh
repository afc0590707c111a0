# Installing a survey while an interview is in progress is refused: the
# questions must not change under a respondent. The interview goes on
# undisturbed, and once it has ended the same push succeeds.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

# Keys arrive through a FIFO, so the test can press more keys later.
mkfifo "$T/keys.fifo"
exec 3<>"$T/keys.fifo"
SIM_STDIN="$T/keys.fifo" start_sim dev --keys -
cat "$KEYS/in-progress.keys" >&3
push_survey "$DEV"
wait_screen dev '^SCREEN ITEM .*name=origin'

if "$CANDOR" push --device "$DEV" "$T/survey.pack" >"$T/out" 2>"$T/err"; then
    fail "push during an interview exited 0"
fi
expect_one_line_error "$T/err" push
grep -Eqi "interview|busy" "$T/err" || fail "message does not say an interview is in progress: $(cat "$T/err")"
last_screen dev | grep -q '^SCREEN ITEM .*name=origin' ||
    fail "the refused push disturbed the interview: $(last_screen dev)"

# The interviewer finishes (quick exit), then the push goes through.
printf 'down ok\nexpect ITEM terms_told\nexit\nexpect NEUTRAL\nup up down down ok\nexpect REFERRAL\nok\nexpect HOME\n' >&3
exec 3>&-
wait_script dev
"$CANDOR" push --device "$DEV" "$T/survey.pack" >"$T/out" 2>"$T/err" ||
    fail "push after the interview failed: $(cat "$T/err")"
echo "ok: push refused during an interview, accepted after it"
