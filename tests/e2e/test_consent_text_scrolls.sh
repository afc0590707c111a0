# A consent text longer than the 30x20 display can be read to its last
# word with the handheld's keys: down past the last option scrolls the text
# down, up past the first scrolls it back; the choice is not affected.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

printf 'wait-survey\nok\nexpect LANGUAGE\ndown ok\nexpect CONSENT\ndown*60\nexpect CONSENT\n' >"$T/down.keys"
start_sim dev --keys "$T/down.keys"
push_survey "$DEV"
wait_script dev
last_screen dev | grep -Eq '^SCREEN CONSENT .*cursor=1 options=2 .*text=([0-9]+)/\1$' ||
    fail "down did not scroll the consent to its end: $(last_screen dev)"
# The last rows of the consent as drawn must end with the consent's last words.
python3 -c '
import json, sys
src = json.load(open(sys.argv[1], encoding="utf-8"))
last_word = src["consent"]["en"].split()[-1]
screens = open(sys.argv[2], encoding="utf-8").read().split("\nSCREEN ")
final = screens[-1].splitlines()
assert any(line.rstrip().endswith(last_word) for line in final), (last_word, final)
' "$CND_SOURCE_DIR/surveys/domestic-work.json" "$T/dev.screens" ||
    fail "the end of the consent text never showed"
stop_sim dev

printf 'wait-survey\nok\ndown ok\ndown*60\nup*80\nexpect CONSENT\nok\nexpect ITEM age_group\n' >"$T/updown.keys"
start_sim dev --keys "$T/updown.keys"
wait_script dev
grep '^SCREEN CONSENT' "$T/dev.screens" | tail -n 1 | grep -Eq 'cursor=0 .*text=0/' ||
    fail "up did not scroll the consent back to its top: $(grep '^SCREEN CONSENT' "$T/dev.screens" | tail -n 1)"
echo "ok: a long consent scrolls with the handheld's keys"
