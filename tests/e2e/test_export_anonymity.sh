# Exports carry no device id, no exact time and no collection order (issue 6,
# "anonymity by construction"). A simulated handheld takes 60 scripted
# interviews whose answers encode their position in the collection order;
# after one sync, three exports of the same store are searched for the
# device id of the simulator's flash superblock (raw, hex, base64, decimal),
# for anything finer than the ISO week (or month with --period month), and
# for the collection order, in the records and in the stored-id order.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

N=60
SURVEY="$CND_SOURCE_DIR/surveys/domestic-work.json"

# One key script for all N interviews, generated from the survey by the
# engine's UI contract (BRIEF "Engine UI contract"; hand-over screens around
# private items). Interview k answers the first single-choice items with
# the mixed-radix digits of k, everything else with the first option.
python3 - "$SURVEY" "$N" >"$T/interviews.keys" <<'EOF' || fail "cannot generate the key scripts"
import json, sys
survey = json.load(open(sys.argv[1], encoding="utf-8"))
n = int(sys.argv[2])
items = survey["items"]
# The items that carry the interview number (not lives_in: it decides
# whether sleeping_place is asked).
digits = [it for it in items if it["kind"] == "single" and it["name"] != "lives_in"][:4]
# Under-18s are not eligible (the survey's rule ends their interview).
first = {it["name"]: 1 for it in digits if it["choices"][0]["name"] == "under_18"}

def relevant(it, answers):
    rel = it.get("relevant")
    if rel is None:
        return True
    name, value = [p.strip() for p in rel.split("=")]
    return answers.get(name) == value.strip("'")

out = []
for k in range(n):
    choice, rest = {}, k
    for it in digits:
        skip = first.get(it["name"], 0)
        choice[it["name"]] = skip + rest % (len(it["choices"]) - skip)
        rest //= len(it["choices"]) - skip
    assert rest == 0, "too many interviews for the digit items"
    # Language by its own name (nothing preselected), then the consent read
    # to its end before "I agree" is offered.
    out += ["wait-survey", "expect HOME", "ok", "expect LANGUAGE", "down ok", "expect CONSENT",
            "down*40", "up ok"]
    answers, private = {}, False
    for it in items:
        if not relevant(it, answers):
            continue
        if it.get("private", False) != private:
            out += ["expect " + ("HANDOVER" if not private else "HANDBACK"), "ok"]
            private = not private
        out.append("expect ITEM " + it["name"])
        kind = it["kind"]
        pna = 1 if it.get("prefer_not", True) else 0
        if kind == "single":
            c = choice.get(it["name"], 0)
            answers[it["name"]] = it["choices"][c]["name"]
            out.append("down*%d ok" % (c + 1))  # the first DOWN highlights choice 0
        elif kind == "yesno":
            out.append("down ok")
        elif kind == "multiple":
            out += ["down ok", "down*%d ok" % (len(it["choices"]) + pna)]
        else:
            raise SystemExit("no key plan for a %s item" % kind)
    if private:
        out += ["expect HANDBACK", "ok"]
    out += ["expect REVIEW", "ok", "expect SAVED", "ok", "expect REFERRAL", "ok"]
print("\n".join(out))
EOF

start_sim dev --keys "$T/interviews.keys"
push_survey "$DEV"
# wait_script allows 30 s; 60 interviews may need longer on a busy machine.
i=0
while ! grep -q '^SCRIPT DONE' "$T/dev.screens" 2>/dev/null; do
    grep -q '^SCRIPT FAILED' "$T/dev.screens" && fail "key script failed: $(grep -A3 '^SCRIPT FAILED' "$T/dev.screens")"
    kill -0 "$(sim_pid dev)" 2>/dev/null || fail "candor-sim died: $(cat "$T/dev.err")"
    i=$((i + 1))
    [ $i -gt $((2400 * E2E_SCALE)) ] && fail "the $N interviews did not finish within $((120 * E2E_SCALE)) s"
    sleep 0.05
done
expect_eq "$(pending "$DEV")" "$N" "pending responses after $N interviews"
sync_to "$DEV" "$T/store"

expect_eq "$(export_count "$T/store")" "$N" "responses in the first export"
mv "$T/export.json" "$T/first.json"
mv "$T/export.codebook.json" "$T/first.codebook.json"
"$CANDOR" export "$T/store" -o "$T/second.json" >/dev/null 2>"$T/export.err" ||
    fail "second export: $(cat "$T/export.err")"
"$CANDOR" export "$T/store" -o "$T/month.ndjson" --format ndjson --period month \
    >/dev/null 2>"$T/export.err" || fail "month export: $(cat "$T/export.err")"

python3 - "$T/dev.flash" "$SURVEY" "$N" "$T" <<'EOF' || fail "an export can identify a device, a day or the collection order"
import base64, datetime, json, re, sys

flash, survey_path, n, t = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
problems = []

# The device id: formats/SPEC.md 4.3, bytes 20..27 of the superblock.
sb = open(flash, "rb").read(48)
assert sb[:4] == b"CNDF", "the flash image has no superblock"
dev_id = sb[20:28]
assert dev_id not in (b"\0" * 8, b"\xff" * 8), "device id not drawn"
needles = {"raw": dev_id, "hex": dev_id.hex().encode(), "HEX": dev_id.hex().upper().encode(),
           "decimal LE": str(int.from_bytes(dev_id, "little")).encode(),
           "decimal BE": str(int.from_bytes(dev_id, "big")).encode()}
# Base64 at each of the three alignments inside a longer blob: the
# characters that depend on the id's bytes alone.
for shift in range(3):
    lo, hi = -(-8 * shift // 6), (8 * shift + 64 - 6) // 6
    for name, enc in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        needles["%s+%d" % (name, shift)] = enc(b"\0" * shift + dev_id + b"\0" * 3)[lo:hi + 1]
files = ["first.json", "first.codebook.json", "second.json", "second.codebook.json",
         "month.ndjson", "month.codebook.json"]
for f in files:
    data = open("%s/%s" % (t, f), "rb").read()
    for name, needle in needles.items():
        if needle in data:
            problems.append("%s holds the device id (%s)" % (f, name))

# No exact time: the period is the ISO week (month when asked), and nothing
# in a record has the resolution of a day.
today = datetime.datetime.now(datetime.timezone.utc).date()  # the device's day is UTC
week = "%04d-W%02d" % today.isocalendar()[:2]
day_number = (today - datetime.date(2020, 1, 1)).days
def records(f):
    text = open("%s/%s" % (t, f), encoding="utf-8").read()
    return json.loads(text) if f.endswith(".json") else [json.loads(l) for l in text.splitlines()]
first, second, month = records("first.json"), records("second.json"), records("month.ndjson")
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            if re.search(r"day|date|time|seq|serial|order|index", k, re.I) and path == "":
                problems.append("record field %r" % k)
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for x in v:
            walk(x, path)
    elif isinstance(v, str) and re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}|W\d{2}-\d", v):
        problems.append("%s holds a day or a time: %r" % (path, v))
    elif isinstance(v, (int, float)) and not isinstance(v, bool) and v in (day_number, day_number + 18262):
        problems.append("%s holds the day number %r" % (path, v))
for r in first + second:
    walk(r, "")
    if r.get("period") not in (week, "%04d-W%02d" % (today - datetime.timedelta(days=1)).isocalendar()[:2]):
        problems.append("period %r is not this ISO week %s" % (r.get("period"), week))
for r in month:
    walk(r, "")
    if not re.fullmatch(r"\d{4}-\d{2}", r.get("period", "")):
        problems.append("--period month gave %r" % r.get("period"))
for cb, want in (("first.codebook.json", "week"), ("month.codebook.json", "month")):
    if json.load(open("%s/%s" % (t, cb)))["period"] != want:
        problems.append("%s does not say period %s" % (cb, want))

# No collection order. Decode each record's interview number from its
# answers (the mixed-radix digits the key script used).
survey = json.load(open(survey_path, encoding="utf-8"))
digits = [it for it in survey["items"] if it["kind"] == "single" and it["name"] != "lives_in"][:4]
def number(r):
    k, scale = 0, 1
    for it in digits:
        names = [c["name"] for c in it["choices"] if c["name"] != "under_18"]  # not eligible
        k += names.index(r["answers"][it["name"]]) * scale
        scale *= len(names)
    return k
orders = [[number(r) for r in recs] for recs in (first, second, month)]
for o in orders:
    if sorted(o) != list(range(n)):
        problems.append("an export does not hold each interview once: %r" % o)
# A uniform shuffle leaves about one record in place and one pair in order;
# 10 of either is less likely than 1 in a million.
for name, o in zip(("first", "second", "month"), orders):
    fixed = sum(1 for i, k in enumerate(o) if k == i)
    runs = sum(1 for a, b in zip(o, o[1:]) if b == a + 1)
    if fixed >= 10 or runs >= 10 or o == sorted(o) or o == sorted(o, reverse=True):
        problems.append("the %s export follows the collection order (%d in place, %d in sequence)"
                        % (name, fixed, runs))
# A device pseudonym, if records carry one, is drawn per export.
for k in first[0]:
    if "device" in k.lower() and {r[k] for r in first} & {r[k] for r in second}:
        problems.append("field %r is the same in two exports: not a per-export pseudonym" % k)
ids = [[r["id"] for r in recs] for recs in (first, second)]
if sum(1 for a, b in zip(*ids) if a == b) >= 10:
    problems.append("two exports of the same store share their order")
# Ids: 64 random bits each, not a counter: not sorted in collection order,
# and no two of them close together.
by_number = {k: int(r["id"], 16) for k, r in zip(orders[0], first)}
if len(set(by_number.values())) != n or any(not re.fullmatch(r"[0-9a-f]{16}", r["id"]) for r in first):
    problems.append("ids are not %d distinct 16-digit hex strings" % n)
seq = [by_number[k] for k in range(n)]
rising = sum(1 for a, b in zip(seq, seq[1:]) if b > a)
if not 0.2 * n < rising < 0.8 * n:
    problems.append("ids rise %d times in %d steps of the collection order" % (rising, n - 1))
vals = sorted(seq)
if min(b - a for a, b in zip(vals, vals[1:])) < 2 ** 32:
    problems.append("two ids are within 2^32 of each other: a counter, not random")
if vals[-1] - vals[0] < 2 ** 60:
    problems.append("ids span less than 2^60: not 64 random bits")

for p in problems:
    print("problem:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
echo "ok: $N exports of one store hold no device id, no day and no collection order"
