#!/usr/bin/python3
"""Acceptance tests of issue 15: the analyst's outputs, checked from outside.

Every check runs the real binaries (candor, candor-workload) on real stores
and reads their files with the analysts' own tools: pandas (Debian's
python3-pandas, run with /usr/bin/python3), R with haven, headless Chromium.

  analysis_test.py report_numbers   every number of the report recomputed from the CSV
  analysis_test.py icls_known       the ICLS statistic on a store with known answers
  analysis_test.py suppression      a cell of 3 cannot be derived from any total
  analysis_test.py kanon            the 10,000-response workload export is 5-anonymous
  analysis_test.py flat_in_r        .sav and .dta in R with haven; CSV in pandas
  analysis_test.py renders          the report's charts are drawn by Chromium
  analysis_test.py linkage          two exports of a growing store share nothing
  analysis_test.py bad_input        one line, no output file
"""
import json, math, os, re, shutil, struct, subprocess, sys, tempfile, zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from pngread import png_pixels  # noqa: E402

CANDOR = os.environ["CANDOR"]
WORKLOAD = os.environ["CANDOR_WORKLOAD"]
KEY = os.environ["CANDOR_KEY"]
SRC = os.environ["CND_SOURCE_DIR"]
SURVEY = os.path.join(SRC, "surveys", "domestic-work.json")
TSV = os.path.join(SRC, "tools", "workload", "probabilities.tsv")
T = tempfile.mkdtemp(prefix="cnd-analysis-")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(args, ok=True):
    p = subprocess.run(args, capture_output=True, text=True)
    if ok and p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p


def workload(store, n, seed, tsv=TSV):
    run([WORKLOAD, "--n", str(n), "--seed", str(seed), "--store", store, "--probabilities", tsv])


def export(store, out, *extra):
    return run([CANDOR, "export", store, "-o", out, "--key", KEY] + list(extra))


def report(store, out, *extra):
    return run([CANDOR, "report", store, "-o", out, "--key", KEY] + list(extra))


def load_survey():
    return json.load(open(SURVEY, encoding="utf-8"))


def neutral_tsv(path, overrides=None, lang="en", span=1):
    """Every item answered with an answer coded with nothing, except the
    overrides {item: outcome}."""
    s = load_survey()
    neutral = {"age_group": "age_25_34", "terms_differ": "nothing", "threats": "none"}
    lines = ["@lang\t%s\t1" % lang, "@day\tstart\t2024-03-04", "@day\tspan\t%d" % span]
    for it in s["items"]:
        if it["kind"] == "info":
            continue
        name = it["name"]
        if overrides and name in overrides:
            out = overrides[name]
        elif name in neutral:
            out = neutral[name]
        elif it["kind"] == "yesno":
            out = "yes" if name == "outside_help" else "no"
        else:
            out = it["choices"][0]["name"]
        lines.append("%s\t%s\t1" % (name, out))
    open(path, "w").write("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------ the report --

KEY_RE = re.compile(r'data-k="([^"]+)"(?: data-sup="1")?>([^<]*)<')


def parse_report(path):
    """{key: (hidden, value text)} for every number the report shows."""
    html = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r'<(?:td|span)( class="sup")? data-k="([^"]+)"( data-sup="1")?>([^<]*)<', html):
        out[m.group(2)] = (m.group(3) is not None, m.group(4))
    return out, html


def wilson(x, n):
    z = 1.959963984540054
    p = x / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


class Expected:
    """Every number of the report, recomputed with pandas from the CSV
    export and its codebook alone."""

    def __init__(self, csv, csv_week, codebook):
        import pandas as pd
        self.df = pd.read_csv(csv)
        self.wk = pd.read_csv(csv_week)
        cb = json.load(open(codebook, encoding="utf-8"))
        self.sv = cb["surveys"][0]
        self.items = [it for it in self.sv["items"] if it["exported"]]
        self.v = {}
        df = self.df
        n = len(df)
        self.v["n"] = n
        langs = [l["code"] for l in self.sv["languages"]]
        # responses by period and language
        for per, g in df.groupby("period"):
            ptxt = "%04d-%02d" % (per // 100, per % 100)
            for li, code in enumerate(langs):
                self.v["pl:%s:%s" % (ptxt, code)] = int((g["language"] == li + 1).sum())
            self.v["pl:%s:*" % ptxt] = len(g)
        for li, code in enumerate(langs):
            self.v["pl:*:%s" % code] = int((df["language"] == li + 1).sum())
        self.v["pl:*:*"] = n
        # coding signals per item, from the codebook's coding
        sig = {}
        for it in self.items:
            name = it["name"]
            answered = df[name + "_missing"] == 0
            codes = {}
            for c in it["coding"]:
                for s in c["signals"]:
                    codes.setdefault(s, []).append(c["answer"])
            per_code = {}
            for code, answers in codes.items():
                if it["kind"] == "multiple":
                    hit = sum((df["%s_%s" % (name, a)] == 1) for a in answers) > 0
                else:
                    vals = [self.code_of(it, a) for a in answers]
                    hit = df[name].isin(vals)
                per_code[code] = hit & answered
            sig[name] = per_code
        self.sig = sig
        indicators = ["abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation",
                      "physical_and_sexual_violence", "intimidation_and_threats",
                      "retention_of_identity_documents", "withholding_of_wages", "debt_bondage",
                      "abusive_working_and_living_conditions", "excessive_overtime"]
        zero = pd.Series(False, index=df.index)
        for ind in indicators:
            any_ = zero.copy()
            for name in sig:
                if ind in sig[name]:
                    any_ |= sig[name][ind]
            self.yes_no("ind:" + ind, int(any_.sum()), n)
        inv_items = [sig[nm].get("INV", zero) for nm in sig]
        coe_items = [sig[nm].get("COE", zero) for nm in sig]
        inv_n = sum(x.astype(int) for x in inv_items)
        coe_n = sum(x.astype(int) for x in coe_items)
        both_n = sum((a | b).astype(int) for a, b in zip(inv_items, coe_items))
        # ICLS 2018: an INV answer and a COE answer of another item
        self.fl = (inv_n > 0) & (coe_n > 0) & (both_n >= 2)
        self.yes_no("icls:inv", int((inv_n > 0).sum()), n)
        self.yes_no("icls:coe", int((coe_n > 0).sum()), n)
        self.yes_no("icls:fl", int(self.fl.sum()), n)
        for it in self.items:
            if "group" not in it["tags"]:
                continue
            name = it["name"]
            rows = [(c["name"], (df[name + "_missing"] == 0) & (df[name] == self.code_of(it, c["name"])))
                    for c in it["choices"]]
            rows += [("prefer_not_to_answer", df[name + "_missing"] == 2),
                     ("not_asked", df[name + "_missing"] == 1)]
            for rn, mask in rows:
                self.v["grp:%s:%s:fl" % (name, rn)] = int((mask & self.fl).sum())
                self.v["grp:%s:%s:not" % (name, rn)] = int((mask & ~self.fl).sum())
                self.v["grp:%s:%s:*" % (name, rn)] = int(mask.sum())
            self.v["grp:%s:*:fl" % name] = int(self.fl.sum())
            self.v["grp:%s:*:not" % name] = int((~self.fl).sum())
            self.v["grp:%s:*:*" % name] = n
        # C189
        arts = {}
        for it in self.items:
            for t in it["tags"]:
                if t.startswith("C189:"):
                    arts.setdefault(t[5:], []).append(it["name"])
        for art, names in arts.items():
            if not any(sig[nm] for nm in names):
                continue  # no coded answer: the report lists the article without numbers
            answered = zero.copy()
            coded = zero.copy()
            for nm in names:
                answered |= df[nm + "_missing"] == 0
                for s in sig[nm].values():
                    coded |= s
            self.yes_no("c189:" + art, int(coded.sum()), int(answered.sum()))
        # items
        for it in self.items:
            name = it["name"]
            answered = df[name + "_missing"] == 0
            na = int(answered.sum())
            if it["kind"] == "multiple":
                for c in it["choices"]:
                    self.yes_no("item:%s:%s" % (name, c["name"]),
                                int(((df["%s_%s" % (name, c["name"])] == 1) & answered).sum()), na)
            elif it["kind"] == "integer":
                for val, cnt in df.loc[answered, name].value_counts().items():
                    self.v["item:%s:%d" % (name, val)] = int(cnt)
                self.v["item:%s:*" % name] = na
            else:
                for c in it["choices"]:
                    key = "item:%s:%s" % (name, c["name"])
                    x = int((answered & (df[name] == self.code_of(it, c["name"]))).sum())
                    self.v[key] = x
                    self.share(key, x, na)
                self.v["item:%s:*" % name] = na
            # data quality
            pna = int((df[name + "_missing"] == 2).sum())
            asked = int((df[name + "_missing"] != 1).sum())
            self.yes_no("dq:" + name, pna, asked)
        for wkc, cnt in self.wk["period"].value_counts().items():
            key = "wk:%04d-W%02d" % (wkc // 100, wkc % 100)
            self.v[key] = int(cnt)
            self.share(key, int(cnt), len(self.wk))
        self.v["wk:*"] = len(self.wk)

    @staticmethod
    def code_of(it, answer):
        names = [c["name"] for c in it["choices"]]
        i = names.index(answer)
        return i + 1 if it["kind"] == "single" else i

    def share(self, key, x, n):
        if n > 0:
            lo, hi = wilson(x, n)
            self.v[key + ":pct"] = 100 * x / n
            self.v[key + ":lo"] = 100 * lo
            self.v[key + ":hi"] = 100 * hi

    def yes_no(self, key, x, n):
        self.v[key] = x
        self.v[key + ":not"] = n - x
        self.v[key + ":*"] = n
        self.share(key, x, n)


def threshold_of(key):
    violent = ("violence", "sexual_harm", "physical_and_sexual_violence")
    parts = key.split(":")
    return 10 if len(parts) > 1 and parts[1] in violent else 5


def check_report_against(store, tag):
    rep = os.path.join(T, tag + ".html")
    report(store, rep)
    csv = os.path.join(T, tag + ".csv")
    export(store, csv, "--format", "csv", "--no-disclosure-check", "--codebook", csv + ".cb.json")
    csvw = os.path.join(T, tag + "-week.csv")
    export(store, csvw, "--format", "csv", "--no-disclosure-check", "--period", "week",
           "--codebook", csvw + ".cb.json")
    got, _ = parse_report(rep)
    exp = Expected(csv, csvw, csv + ".cb.json")
    problems = []
    checked = 0
    for key, (hidden, text) in got.items():
        if key not in exp.v:
            problems.append("report number %s=%s is not recomputed by the test" % (key, text))
            continue
        want = exp.v[key]
        if hidden:
            continue
        if key.endswith((":pct", ":lo", ":hi")):
            if abs(float(text) - want) > 0.051:
                problems.append("%s: report %s, pandas %.3f" % (key, text, want))
        else:
            if int(text) != want:
                problems.append("%s: report %s, pandas %d" % (key, text, want))
            if 0 < want < threshold_of(key):
                problems.append("%s: count %d is shown, below the threshold" % (key, want))
        checked += 1
    for key, want in exp.v.items():
        if key not in got and not key.endswith((":pct", ":lo", ":hi")):
            problems.append("%s (= %s) is missing from the report" % (key, want))
    if problems:
        fail("; ".join(problems[:15]) + " (%d problems)" % len(problems))
    return got, exp, checked


def t_report_numbers():
    store = os.path.join(T, "store")
    workload(store, 2000, 7)
    got, exp, checked = check_report_against(store, "r")
    print("ok: %d numbers of the report agree with pandas on the CSV export (%d suppressed)"
          % (checked, sum(1 for h, _ in got.values() if h)))


def t_icls_known():
    """60 respondents with known answers: 30 with one answer coded INV and
    COE (not forced labour: one answer is not two), 20 with that answer and
    a COE answer to another item (forced labour), 10 INV only."""
    store = os.path.join(T, "known")
    workload(store, 30, 1, neutral_tsv(os.path.join(T, "a.tsv"), {"could_leave": "afraid"}))
    workload(store, 20, 2, neutral_tsv(os.path.join(T, "b.tsv"),
                                       {"could_leave": "afraid", "leave_house": "no_or_locked_in"}))
    workload(store, 10, 3, neutral_tsv(os.path.join(T, "c.tsv"), {"terms_differ": "more_hours"}))
    got, exp, _ = check_report_against(store, "known")
    for key, want in (("icls:fl", "20"), ("icls:fl:not", "40"), ("icls:inv", "60"),
                      ("icls:coe", "50"), ("icls:fl:pct", "33.3")):
        if got.get(key) != (False, want):
            fail("known answers: %s is %r, want %s" % (key, got.get(key), want))
    if int(exp.fl.sum()) != 20:
        fail("pandas counts %d in forced labour, want 20" % int(exp.fl.sum()))
    print("ok: ICLS 2018 statistic on known answers: 20 of 60 (33.3 %), in the report and in pandas")


def lines_of(got, exp):
    """The sum constraints a reader of the report can use: each row and
    column of a table with its total."""
    lines = []
    keys = set(got)
    pers = sorted({k.split(":")[1] for k in keys if k.startswith("pl:") and k.split(":")[1] != "*"})
    langs = sorted({k.split(":")[2] for k in keys if k.startswith("pl:") and k.split(":")[2] != "*"})
    for p in pers + ["*"]:
        lines.append(["pl:%s:%s" % (p, l) for l in langs] + ["pl:%s:*" % p])
    for l in langs + ["*"]:
        lines.append(["pl:%s:%s" % (p, l) for p in pers] + ["pl:*:%s" % l])
    groups = {}
    for k in keys:
        parts = k.split(":")
        if k.endswith((":pct", ":lo", ":hi")) or parts[0] in ("pl", "n", "grp"):
            continue
        if parts[-1] in ("not", "*") and parts[0] != "wk" and not (parts[0] == "item" and parts[-1] == "*"):
            base = ":".join(parts[:-1])
            lines.append([base, base + ":not", base + ":*"])
        elif parts[0] in ("item", "wk") and parts[-1] != "*":
            groups.setdefault(":".join(parts[:-1]), []).append(k)
    for base, members in groups.items():
        if base + ":*" in keys and not any(m + ":not" in keys for m in members):
            lines.append(members + [base + ":*"])
    for k in keys:
        if k.startswith("grp:") and k.endswith(":*:*"):
            item = k.split(":")[1]
            rows = {x.split(":")[2] for x in keys if x.startswith("grp:%s:" % item)}
            for r in rows:
                lines.append(["grp:%s:%s:fl" % (item, r), "grp:%s:%s:not" % (item, r), "grp:%s:%s:*" % (item, r)])
            for c in ("fl", "not", "*"):
                lines.append(["grp:%s:%s:%s" % (item, r, c) for r in rows if r != "*"] + ["grp:%s:*:%s" % (item, c)])
    return lines


def t_suppression():
    """40 interviews in English, 3 in Spanish whose respondents are locked in:
    the 3 is a cell of the language table, of leave_house and of the
    indicators; no row or column total may give it back."""
    store = os.path.join(T, "crafted")
    workload(store, 40, 11, neutral_tsv(os.path.join(T, "en.tsv")))
    workload(store, 3, 12, neutral_tsv(os.path.join(T, "es.tsv"),
                                       {"leave_house": "no_or_locked_in"}, lang="es"))
    got, exp, _ = check_report_against(store, "crafted")
    threes = [k for k, v in exp.v.items() if v == 3 and not k.endswith((":pct", ":lo", ":hi"))]
    for k in ("pl:*:es", "item:leave_house:no_or_locked_in", "ind:restriction_of_movement"):
        if k not in threes:
            fail("the crafted store does not give %s = 3 (test set-up)" % k)
    derived = []
    for k in threes:
        if not got[k][0]:
            fail("%s = 3 is shown" % k)
    for line in lines_of(got, exp):
        members = [m for m in line if m in got]
        hidden = [m for m in members if got[m][0]]
        if len(hidden) == 1:
            derived.append("%s = %d from %s" % (hidden[0], exp.v[hidden[0]], " ".join(members)))
        # the sum of the hidden members is all a reader learns; with two or
        # more hidden, a 3 among them is not determined
    if derived:
        fail("a suppressed cell can be derived: " + "; ".join(derived[:5]))
    print("ok: %d cells of 3 are suppressed and no row or column total gives one back (%d lines tried)"
          % (len(threes), len(lines_of(got, exp))))


# ------------------------------------------------------------ k-anonymity --

def validate(path, schema):
    """The JSON exports stay valid against formats/schema/ (jsonschema)."""
    import jsonschema
    sch = json.load(open(os.path.join(SRC, "formats", "schema", schema + ".schema.json")))
    try:
        jsonschema.validate(json.load(open(path, encoding="utf-8")), sch)
    except jsonschema.ValidationError as e:
        fail("%s does not follow %s.schema.json: %s at %s" % (path, schema, e.message, list(e.path)))

def t_kanon():
    import pandas as pd
    store = os.path.join(T, "w10k")
    workload(store, 10000, 20240304)
    out = os.path.join(T, "w10k.csv")
    p = export(store, out, "--format", "csv")
    m = re.search(r"(\d+) quasi-identifier values? suppressed", p.stdout)
    if not m:
        fail("export did not report the suppressed values: %r" % p.stdout)
    df = pd.read_csv(out)
    cb = json.load(open(os.path.join(T, "w10k.codebook.json"), encoding="utf-8"))
    qi = [it["name"] for it in cb["surveys"][0]["items"] if it["quasi_identifier"]] + ["language", "period"]
    if sorted(qi) != sorted(["age_group", "lives_in", "origin", "language", "period"]):
        fail("quasi-identifiers %r" % qi)
    # a value, or its missing reason (not asked, prefer not, suppressed) as a value of its own
    key = pd.DataFrame({q: df[q].where(df[q + "_missing"] == 0, -df[q + "_missing"]) for q in qi})
    sizes = key.groupby(qi, dropna=False).size()
    suppressed = int(sum((df[q + "_missing"] == 3).sum() for q in qi))
    if sizes.min() < 5:
        fail("a quasi-identifier group has %d records" % sizes.min())
    if suppressed != int(m.group(1)):
        fail("export says %s suppressed, the CSV holds %d" % (m.group(1), suppressed))
    if cb["disclosure"]["suppressed_values"] != suppressed or not cb["disclosure"]["checked"]:
        fail("codebook disclosure %r" % cb["disclosure"])
    # the JSON export of the same store is checked the same way
    outj = os.path.join(T, "w10k.json")
    export(store, outj)
    recs = json.load(open(outj))
    groups = {}
    for r in recs:
        k = tuple(r["answers"][q] for q in qi[:3]) + (r["language"], r["period"])
        groups[k] = groups.get(k, 0) + 1
    if min(groups.values()) < 5:
        fail("JSON export: a group of %d" % min(groups.values()))
    if not any("suppressed" in (r["language"], r["period"]) or "suppressed" in r["answers"].values() for r in recs):
        fail("the JSON export shows no suppressed value")
    validate(outj, "export")
    validate(os.path.join(T, "w10k.codebook.json"), "codebook")
    print("ok: 10,000 responses, no quasi-identifier group below 5 (smallest %d, %d groups), %d values suppressed"
          % (sizes.min(), len(sizes), suppressed))


# ------------------------------------------------------------ flat files --

R_CHECK = r'''
suppressPackageStartupMessages(library(haven))
args <- commandArgs(TRUE)
s <- read_sav(args[1], user_na = TRUE)
d <- read_dta(args[2])
fail <- function(...) { cat("FAIL:", ..., "\n"); quit(status = 1) }
lab <- attr(s$leave_house, "labels")
if (!identical(unname(lab[names(lab) == "Only with permission"]), 2)) fail("sav labels of leave_house")
if (!identical(sort(as.numeric(attr(s$leave_house, "na_values"))), c(-3, -2, -1))) fail("sav user-missing codes")
if (names(lab)[lab == -2] != "Prefer not to answer") fail("sav label of -2")
if (!is.numeric(s$leave_house) || !is.numeric(s$threats_none) || !is.numeric(s$period)) fail("sav types")
if (sum(s$sleeping_place == -1, na.rm = TRUE) != as.integer(args[3])) fail("sav not-asked count")
if (sum(s$violence == -2, na.rm = TRUE) != as.integer(args[4])) fail("sav prefer-not count")
dl <- attr(d$leave_house, "labels")
if (!identical(unname(dl[names(dl) == "No, or I am locked in"]), 3)) fail("dta labels of leave_house")
if (sum(is_tagged_na(d$sleeping_place, "a")) != as.integer(args[3])) fail("dta .a count")
if (sum(is_tagged_na(d$violence, "b")) != as.integer(args[4])) fail("dta .b count")
if (!all(sapply(d, is.numeric))) fail("dta types")
if (nrow(s) != nrow(d)) fail("row counts")
es <- read_sav(args[5])
if (attr(es$leave_house, "label") != "¿Puede salir de la casa en su tiempo de descanso?") fail("Spanish variable label: ", attr(es$leave_house, "label"))
cat("ok\n")
'''


def t_flat_in_r():
    import pandas as pd
    store = os.path.join(T, "flat")
    workload(store, 500, 5)
    for f in ("csv", "sav", "dta"):
        export(store, os.path.join(T, "f." + f), "--format", f, "--no-disclosure-check",
               "--codebook", os.path.join(T, "f.%s.cb.json" % f))
    export(store, os.path.join(T, "es.sav"), "--format", "sav", "--labels", "es",
           "--no-disclosure-check", "--codebook", os.path.join(T, "es.cb.json"))
    for f in ("csv", "sav", "dta"):
        validate(os.path.join(T, "f.%s.cb.json" % f), "codebook")
    df = pd.read_csv(os.path.join(T, "f.csv"))
    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        fail("CSV columns not numeric in pandas: %r" % bad)
    na = int((df["sleeping_place_missing"] == 1).sum())
    pna = int((df["violence_missing"] == 2).sum())
    if na == 0 or pna == 0:
        fail("the test store has no not-asked or prefer-not answers")
    if df["sleeping_place"].notna().sum() + na + int((df["sleeping_place_missing"] == 2).sum()) != len(df):
        fail("CSV: empty cells do not match the reasons")
    rs = os.path.join(T, "check.R")
    open(rs, "w").write(R_CHECK)
    p = run(["Rscript", rs, os.path.join(T, "f.sav"), os.path.join(T, "f.dta"), str(na), str(pna),
             os.path.join(T, "es.sav")], ok=False)
    if p.returncode != 0 or "ok" not in p.stdout:
        fail("R/haven: %s %s" % (p.stdout.strip(), p.stderr.strip()[-400:]))
    print("ok: CSV loads into %d numeric columns; .sav and .dta load in haven with labels, "
          "user-missing -1/-2/-3 and tagged .a/.b" % len(df.columns))


# ---------------------------------------------------------------- render --

def blue_pixels(path):
    w, h, bpp, rows = png_pixels(path)
    n = 0
    for r in rows:
        for x in range(0, w * bpp, bpp):
            # the bars' fill, #2b6cb0
            if abs(r[x] - 0x2b) < 24 and abs(r[x + 1] - 0x6c) < 24 and abs(r[x + 2] - 0xb0) < 24:
                n += 1
    return n


def screenshot(html, png):
    chrome = shutil.which("chromium") or fail("chromium is not installed (tools/deps/analysis.txt)")
    prof = tempfile.mkdtemp(prefix="cnd-chromium-", dir=T)
    p = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--user-data-dir=" + prof, "--window-size=900,1400",
                        "--screenshot=" + png, "file://" + html],
                       capture_output=True, text=True, timeout=120)
    if not os.path.exists(png):
        fail("chromium wrote no screenshot: %s" % p.stderr[-500:])


def t_renders():
    store = os.path.join(T, "render")
    workload(store, 400, 9)
    rep = os.path.join(T, "render.html")
    report(store, rep)
    html = open(rep, encoding="utf-8").read()
    if "<script" in html or "http://" in html.replace('xmlns="http://www.w3.org/2000/svg"', "") or "https://" in html:
        fail("the report loads scripts or network resources")
    # The first chart at the top of the page: the page with only that chart
    # drawn must show the bars, the same page without it must not.
    first = html.index("<svg")
    only = html[:html.index("<h1>")] + "<body>" + html[first:html.index("</svg>", first) + 6] + "</body></html>"
    none = html[:html.index("<h1>")] + "<body><p>no chart</p></body></html>"
    for name, text in (("only.html", only), ("none.html", none)):
        open(os.path.join(T, name), "w", encoding="utf-8").write(text)
    screenshot(rep, os.path.join(T, "full.png"))
    screenshot(os.path.join(T, "only.html"), os.path.join(T, "only.png"))
    screenshot(os.path.join(T, "none.html"), os.path.join(T, "none.png"))
    full, chart, blank = (blue_pixels(os.path.join(T, n)) for n in ("full.png", "only.png", "none.png"))
    if chart < 500 or blank != 0 or full < 500:
        fail("charts not drawn: %d bar pixels with the chart, %d without, %d on the full page"
             % (chart, blank, full))
    print("ok: Chromium draws the charts (%d bar pixels in the first chart, %d on the first screen)"
          % (chart, full))


# --------------------------------------------------------------- linkage --

def t_linkage():
    store = os.path.join(T, "grow")
    workload(store, 300, 31)
    export(store, os.path.join(T, "e1.ndjson"), "--format", "ndjson", "--device-pseudonyms")
    export(store, os.path.join(T, "e1.csv"), "--format", "csv", "--device-pseudonyms",
           "--codebook", os.path.join(T, "e1c.json"))
    workload(store, 200, 32)
    export(store, os.path.join(T, "e2.ndjson"), "--format", "ndjson", "--device-pseudonyms")
    export(store, os.path.join(T, "e2.csv"), "--format", "csv", "--device-pseudonyms",
           "--codebook", os.path.join(T, "e2c.json"))
    a = [json.loads(l) for l in open(os.path.join(T, "e1.ndjson"))]
    b = [json.loads(l) for l in open(os.path.join(T, "e2.ndjson"))]
    if len(a) != 300 or len(b) != 500:
        fail("exports hold %d and %d records, want 300 and 500" % (len(a), len(b)))
    for field in ("id", "device"):
        shared = {r[field] for r in a} & {r[field] for r in b}
        if shared:
            fail("two exports share %d values of %r: they can be joined" % (len(shared), field))
    # every string of the first export that is not an answer, a language,
    # a survey or a period
    common = {"dw-conditions", "en", "es"}
    def tokens(path):
        return set(re.findall(r'"([0-9a-f]{8,}|d-[0-9a-f]+)"', open(path).read())) - common
    if tokens(os.path.join(T, "e1.ndjson")) & tokens(os.path.join(T, "e2.ndjson")):
        fail("the two exports share an id-like string")
    for c in ("e1c.json", "e2c.json"):
        if not json.load(open(os.path.join(T, c)))["ids"].startswith("per_export"):
            fail("codebook %s does not say ids are per export" % c)
    # With the explicit option, the ids are the responses' own: they join.
    export(store, os.path.join(T, "s1.ndjson"), "--format", "ndjson", "--stable-ids")
    workload(store, 50, 33)
    export(store, os.path.join(T, "s2.ndjson"), "--format", "ndjson", "--stable-ids")
    s1 = {json.loads(l)["id"] for l in open(os.path.join(T, "s1.ndjson"))}
    s2 = {json.loads(l)["id"] for l in open(os.path.join(T, "s2.ndjson"))}
    if not s1 <= s2 or len(s2) != 550:
        fail("--stable-ids: the first export's ids are not all in the second")
    print("ok: two exports of a growing store share no id and no pseudonym; --stable-ids joins them")


# ------------------------------------------------------------- bad input --

def one_line_no_file(args, out, want, code=None):
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run(args, capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode == 0 or len(lines) != 1 or want not in lines[0]:
        fail("%s: exit %d, stderr %r" % (" ".join(args[1:3]), p.returncode, p.stderr))
    if os.path.exists(out) or any(n.startswith("." + os.path.basename(out)) for n in os.listdir(os.path.dirname(out))):
        fail("%s left a file behind" % out)


def t_bad_input():
    s = load_survey()
    for it in s["items"]:
        if it["name"] == "leave_house":
            it["coding"]["no_or_locked_in"] = ["restriction_of_movements", "COE"]
    src = os.path.join(T, "bad.json")
    json.dump(s, open(src, "w"))
    out = os.path.join(T, "out", "bad.pack")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    one_line_no_file([CANDOR, "compile", src, "-o", out, "--key", KEY], out,
                     "unknown indicator 'restriction_of_movements'")
    store = os.path.join(T, "bad-store")
    workload(store, 20, 41)
    csv = os.path.join(T, "out", "r.csv")
    one_line_no_file([CANDOR, "export", store, "-o", csv, "--key", KEY, "--format", "csv",
                      "--labels", "fr"], csv, "--labels fr: survey 'dw-conditions' has no such language")
    for k in ("1", "0", "-3", "x"):
        one_line_no_file([CANDOR, "export", store, "-o", csv, "--key", KEY, "--format", "csv",
                          "--k", k], csv, "must be a whole number from 2")
    print("ok: an unknown indicator, an unknown --labels language and k below 2 each give one line and no file")


TESTS = {"report_numbers": t_report_numbers, "icls_known": t_icls_known, "suppression": t_suppression,
         "kanon": t_kanon, "flat_in_r": t_flat_in_r, "renders": t_renders, "linkage": t_linkage,
         "bad_input": t_bad_input}

if __name__ == "__main__":
    try:
        TESTS[sys.argv[1]]()
    finally:
        shutil.rmtree(T, ignore_errors=True)
