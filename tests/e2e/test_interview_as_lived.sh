# Issue 13 acceptance, on the simulator with key scripts: the interview as
# the respondent lives it.
#  1. nothing preselected: every consent, language and question screen
#     opens with no option highlighted, OK then does nothing; "I agree"
#     appears only once the consent's end was on screen;
#  3. "Withdraw and delete" asks once more with "Keep my answers"
#     highlighted (OK keeps them), quick exit stays one key;
#  4. exclusive choices: ticking "nothing" clears the others, ticking
#     another clears it;
#  5. an under-18 ends kindly, then the referral, and leaves the flash
#     exactly as it was (the dump before and after is the same);
#  6. a Spanish interview shows no word that is not in the pack's Spanish
#     strings (checked from the screen log against the pack itself);
#     the language choice does not carry over to the next respondent.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

compile_survey

# ---- 5. under 18: nothing on flash ----
start_sim kid
push_survey "$DEV"
wait_screen kid '^SCREEN HOME'
stop_sim kid
cp "$T/kid.flash" "$T/before.flash"
cat >"$T/kid.keys" <<'EOF'
wait-survey
expect HOME
ok
expect LANGUAGE
down ok                 # English
expect CONSENT
down*40
up ok                   # I agree
expect ITEM age_group
down ok                 # Under 18
expect INELIGIBLE       # a kind ending, nothing stored
ok
expect REFERRAL         # the referral, as after every ending
ok
expect HOME
EOF
start_sim kid --keys "$T/kid.keys"
wait_script kid
stop_sim kid
cmp -s "$T/before.flash" "$T/kid.flash" ||
    fail "the under-18 interview changed the flash ($(cmp "$T/before.flash" "$T/kid.flash" | head -n 1))"
grep '^SCREEN HOME' "$T/kid.screens" | tail -n 1 | grep -q ' pending=0 ' ||
    fail "a response is pending after the under-18 ending"
python3 - "$T/kid.screens" <<'PY' || fail "the ineligible ending is not kind, or the referral is missing"
import sys
log = open(sys.argv[1], encoding="utf-8").read().split("\nSCREEN ")
ending = [s for s in log if s.startswith("INELIGIBLE")][-1]
ending = " ".join(ending.split())
assert "Thank you for your time" in ending and "Nothing you said has been stored" in ending, ending
referral = [s for s in log if s.startswith("REFERRAL")][-1]
assert "child protection" in " ".join(referral.lower().split()), referral
PY

# ---- 1, 3, 4, 6: one device, several respondents ----
cat >"$T/lived.keys" <<'EOF'
wait-survey
expect HOME
ok
expect LANGUAGE
ok                      # nothing highlighted: nothing happens
expect LANGUAGE
down ok                 # English
expect CONSENT
ok                      # nothing highlighted
expect CONSENT
down*40                 # to the consent's end: "I agree" appears
up ok
expect ITEM age_group
ok                      # nothing highlighted: no answer
expect ITEM age_group
down*3 ok               # 25 to 34
expect ITEM lives_in
down*2 ok               # elsewhere
expect ITEM origin
down ok
expect ITEM terms_told
down ok
expect ITEM terms_differ
down ok                 # tick more_hours
down ok                 # tick other_tasks
down*4 ok               # tick nothing: the others are cleared
up*5 ok                 # tick more_hours: nothing is cleared
down*7 ok               # Next
expect ITEM recruit_fee
down ok
expect ITEM owe_work_off
down ok
expect ITEM hours_day
down ok
expect ITEM weekly_rest
down ok
expect ITEM refuse_extra
down ok
expect ITEM night_work
down ok
expect ITEM paid_how
down ok
expect ITEM paid_often
down ok
expect ITEM pay_withheld
down ok
expect ITEM deductions
down ok
expect ITEM pay_vs_min
down ok
expect ITEM documents
down ok
expect ITEM leave_house
down ok
expect ITEM contact_family
down ok
expect ITEM outside_help
down ok                 # No
expect HANDOVER
ok
expect ITEM threats
down*4 ok               # none
down*2 ok               # Next
expect ITEM violence
down ok
expect ITEM sexual_harm
down ok
expect HANDBACK
ok
expect ITEM food_care
down ok
expect ITEM could_leave
down ok
expect ITEM status_keeps
down ok
expect REVIEW
down*2 ok               # Withdraw and delete
expect CONFIRM_WITHDRAW
ok                      # Keep my answers (highlighted)
expect REVIEW
ok                      # Withdraw again (the cursor is back on it)
expect CONFIRM_WITHDRAW
down ok                 # Yes, delete them
expect REFERRAL
ok
expect HOME
EOF
cat "$T/lived.keys" "$KEYS/es-complete.keys" "$KEYS/en-complete.keys" >"$T/all.keys"
start_sim dev --keys "$T/all.keys"
push_survey "$DEV"
wait_script dev
stop_sim dev

python3 - "$T/dev.screens" "$T/survey.pack" <<'PY' || fail "the screens broke a promise (see above)"
import re, struct, sys

log = open(sys.argv[1], encoding="utf-8").read()
pack = open(sys.argv[2], "rb").read()
screens = []
lines = log.split("\n")
for i, line in enumerate(lines):
    if line.startswith("SCREEN "):
        screens.append((line, lines[i + 1:i + 21]))  # the 20 rows of the display
problems = []

# 1. Nothing preselected: each consent, language choice and question opens
# with the cursor nowhere (a screen opens when its kind or item changes).
# A question seen again in the same interview (Change answers) shows the
# respondent's own answer: only first openings count.
prev, seen, opened_n = None, set(), 0
for meta, rows in screens:
    kind = meta.split()[1]
    where = meta.split(" lang=")[0]
    if kind == "HOME":
        seen = set()
    if where != prev and kind in ("CONSENT", "LANGUAGE", "ITEM") and where not in seen:
        opened_n += 1
        if "cursor=none" not in meta:
            problems.append("opened with a highlighted option: " + meta)
    if kind in ("CONSENT", "LANGUAGE", "ITEM"):
        seen.add(where)
    prev = where
if opened_n < 60:
    problems.append("only %d screens opened: the interviews did not run" % opened_n)
# "I agree" (options=2) appears right after a consent screen that showed
# the text's end (its last page, or all of it).
last = None
for meta, rows in screens:
    if meta.startswith("SCREEN CONSENT"):
        if "options=2" in meta and last is not None and "options=1" in last and \
                "text=" in last and not re.search(r"text=(\d+)/\1\b", last):
            problems.append("'I agree' appeared before the consent's end: " + last)
        if "options=2" in meta and last is None:
            problems.append("a consent opened with 'I agree': " + meta)
        last = meta
    else:
        last = None
if not any(m.startswith("SCREEN CONSENT") and "options=1" in m for m, _ in screens):
    problems.append("the consent never showed without 'I agree'")
# The first page of the consent names the right to skip and to stop.
first = next(rows for m, rows in screens if m.startswith("SCREEN CONSENT") and " lang=en " in m)
page = " ".join(r.strip() for r in first)
if "skip any question" not in page or "stop at any time" not in page:
    problems.append("the consent's first page does not show the right to skip and stop: " + page)

# 3. The confirmation: Keep highlighted, two options.
confirms = [m for m, _ in screens if m.startswith("SCREEN CONFIRM_WITHDRAW")]
if not confirms or "cursor=0 options=2" not in confirms[0]:
    problems.append("no withdraw confirmation with Keep highlighted: %r" % confirms[:1])

# 4. Exclusivity: the ticks of terms_differ as the keys went.
ticks = []
first_end = next(i for i, (m, _) in enumerate(screens) if m.startswith("SCREEN CONFIRM_WITHDRAW"))
for m, _ in screens[:first_end]:
    if "name=terms_differ" in m:
        c = re.search(r"checked=0x([0-9a-f]+)", m).group(1)
        if not ticks or ticks[-1] != c:
            ticks.append(c)
# more_hours(1), + other_tasks(3), nothing alone (0x20), more_hours alone (1)
if ticks != ["0", "1", "3", "20", "1"]:
    problems.append("terms_differ ticks went %r, not 0 1 3 20 1" % ticks)

# 6. The Spanish interview, word by word against the pack's Spanish strings.
n_langs = pack[5]
n_items, n_choices = struct.unpack_from("<HxxH", pack, 6)
off_langs, off_items, off_choices = struct.unpack_from("<III", pack, 24)
off_strings, len_strings = struct.unpack_from("<II", pack, 48)
# version 4 (SPEC 1.3): 160-byte language entries; a language's texts
# count from its own string range (u32 at 152 of its entry)
lang_size = 160
def base_of(l):
    return struct.unpack_from("<I", pack, off_langs + lang_size * l + 152)[0]
def sref(at, base=0):
    o, n = struct.unpack_from("<HH", pack, at)
    return pack[off_strings + base + o:off_strings + base + o + n].decode("utf-8")
es = [l for l in range(n_langs) if sref(off_langs + lang_size * l, base_of(l)) == "es"][0]
eb = base_of(es)
texts = [sref(off_langs + lang_size * es + 4 * k, eb) for k in range(38)]
item_size = 32 + 8 * n_langs
for i in range(n_items):
    texts += [sref(off_items + i * item_size + 32 + 4 * es, eb),
              sref(off_items + i * item_size + 32 + 4 * (n_langs + es), eb)]
for c in range(n_choices):
    texts.append(sref(off_choices + c * (4 + 4 * n_langs) + 4 + 4 * es, eb))
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
vocab = {w.lower() for t in texts for w in WORD.findall(t)}
spanish = False
checked = 0
for m, rows in screens:
    kind = m.split()[1]
    if kind == "CONSENT" and " lang=es " in m:
        spanish = True
    elif kind in ("HOME", "LANGUAGE"):
        spanish = False
    if not spanish:
        continue
    if " lang=es " not in m:
        problems.append("a screen of the Spanish interview is not in Spanish: " + m)
    for r in rows:
        words = WORD.findall(r.replace("[x]", "").replace("[ ]", ""))  # tick boxes
        if r.rstrip().endswith("\u2026") and words:
            words = words[:-1]  # a title cut mid-word
        for w in words:
            checked += 1
            if w.lower() not in vocab:
                problems.append("%r on a Spanish screen is not in the pack's Spanish strings (%s)"
                                % (w, m))
if checked < 500:
    problems.append("only %d words checked: the Spanish interview did not run" % checked)

# The language does not carry over: after the Spanish interview the next
# respondent is asked again, from the first language, nothing highlighted.
langs = [m for m, _ in screens if m.startswith("SCREEN LANGUAGE")]
after = [m for m, _ in screens]
es_done = max(i for i, m in enumerate(after) if " lang=es " in m)
nxt = next(m for m in after[es_done:] if m.startswith("SCREEN HOME"))
if " lang=en " not in nxt:
    problems.append("the home screen after the Spanish interview is not in the first language: " + nxt)
nxt_lang = next(m for m in after[es_done:] if m.startswith("SCREEN LANGUAGE"))
if "cursor=none" not in nxt_lang:
    problems.append("the next respondent's language was preselected: " + nxt_lang)
english_items = [m for m in after[es_done:] if m.startswith("SCREEN ITEM")]
if not english_items or any(" lang=en " not in m for m in english_items):
    problems.append("the interview after the Spanish one is not in English")
for p in problems[:20]:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# Withdrawn (after Keep once), saved in Spanish, saved in English: two responses.
start_sim dev
expect_eq "$(pending "$DEV")" 2 "responses after withdraw + two saved"
echo "ok: nothing preselected, withdraw confirmed, exclusivity kept, under-18 leaves the flash untouched, Spanish throughout, language reset"
