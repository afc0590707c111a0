#!/usr/bin/python3
"""XLSForm workbooks made by another tool (openpyxl, zipfile), as peers send
them, through the real `candor compile`.

  - peers' workbooks (shared strings, inline strings, empty rows, columns in
    any order, labels in three languages, groups, selected(), not(),
    constraint ranges) compile to the SAME pack bytes as the JSON source a
    person would write for them;
  - defective ones (merged header cells, an empty label cell, a numeric
    choice name, each refused type and metadata field, unsupported XPath)
    are refused with one line naming the sheet and cell;
  - hostile ones (zip bomb, a million rows, entity expansion, no survey
    sheet, not a zip) are refused with one line, no pack, and bounded
    memory (peak RSS of every candor run stays under RSS_LIMIT_MB).

Usage: xlsform_check.py CANDOR WORKDIR [SEED_DIR]; exit 0 when all hold.
With SEED_DIR, also writes the workbooks there (the fuzz seed corpus).
"""
import io
import json
import os
import re
import resource
import subprocess
import sys
import zipfile

import openpyxl

CANDOR, WORK = sys.argv[1], sys.argv[2]
SEEDS = sys.argv[3] if len(sys.argv) > 3 else None
# A generous bound on peak memory of one refused compile (ASan builds
# included); the parser itself never holds more than the capped parts.
RSS_LIMIT_MB = 400
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


# ---------------------------------------------------------------- peers

AM_UI = {k: "%s \u1230\u120b\u121d" % k for k in [
    "prefer_not", "yes", "no", "agree", "decline", "next", "review_title", "save",
    "change", "withdraw", "saved", "not_saved", "start", "referral_title", "done",
    "skipped", "handover_title", "handover_body", "handback_title", "handback_body",
    "pending_one", "pending_other", "more_one", "more_other", "storage_warn",
    "storage_urgent", "storage_full", "confirm_withdraw", "keep", "delete", "ineligible",
    "draft", "choose_language"]}

LANGS = [("es", "Español"), ("en", "English"), ("am", "Amharic")]


def tx(en, es=None, am=None):
    return {"en": en, "es": es or ("ES " + en), "am": am or ("\u12a0 " + en)}


LIVES = tx("Where do you live?", "¿Dónde vive?")
HOURS = tx("How many hours did you work yesterday?")
HOURS_HINT = tx("Count every hour")
THREATS = tx("Has anyone threatened you?")
THANKS = tx("Thank you. A few more questions.")
LATER = tx("Where do you live now?")
PLACES = [("employer", tx("In the employer's home")), ("elsewhere", tx("Elsewhere"))]
THREAT_CHOICES = [("none", tx("No one")), ("shout", tx("Shouting")), ("hit", tx("Hitting"))]
TITLE, CONSENT, REFERRAL = tx("Work"), tx("You may stop at any time."), tx("Helpline 123")


def twin_json():
    """The JSON source a person would write for the peer workbook."""
    def ch(lst):
        return [{"name": n, "label": l} for n, l in lst]
    return {
        "id": "peer-basic", "version": 3,
        "languages": [{"code": c, "name": n} for c, n in LANGS],
        "title": TITLE, "consent": CONSENT, "referral": REFERRAL,
        "ui": {"am": AM_UI},
        "items": [
            {"name": "lives_in", "kind": "single", "label": LIVES, "choices": ch(PLACES)},
            {"name": "hours", "kind": "integer", "label": HOURS, "hint": HOURS_HINT,
             "min": 0, "max": 100, "relevant": "lives_in = 'employer'", "private": True},
            {"name": "threats", "kind": "multiple", "label": THREATS,
             "choices": ch(THREAT_CHOICES), "tags": ["COE", "ILO:threats"],
             "relevant": "not(lives_in = 'elsewhere') and hours > 40"},
            {"name": "thanks", "kind": "info", "label": THANKS},
            {"name": "later", "kind": "single", "label": LATER, "choices": ch(PLACES),
             "relevant": "(hours < 10 or threats = 'none') and lives_in != 'employer'"},
        ],
    }


SURVEY_HEAD = ["label::Español (es)", "name", "relevant", "type", "label::English (en)",
               "hint::English (en)", "hint::Español (es)", "required", "constraint",
               "label::Amharic (am)", "appearance", "hint::Amharic (am)", "private", "tags"]


def survey_row(**kw):
    return [kw.get(h) for h in SURVEY_HEAD]


def lab(t, pre="label"):
    return {pre + "::Español (es)": t["es"], pre + "::English (en)": t["en"],
            pre + "::Amharic (am)": t["am"]}


def peer_workbook(mutate=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(SURVEY_HEAD)
    rows = [
        {"type": "begin group", "name": "work"},
        dict(type="select_one places", name="lives_in", required="yes",
             appearance="minimal", **lab(LIVES)),
        None,  # an empty row
        dict(type="integer", name="hours", constraint=". >= 0 and . <= 100",
             relevant="${lives_in} = 'employer'", required="true()", private="yes",
             **lab(HOURS), **lab(HOURS_HINT, "hint")),
        dict(type="select_multiple threats", name="threats", tags="COE ILO:threats",
             relevant="not(selected(${lives_in}, 'elsewhere')) and ${hours} > 40",
             **lab(THREATS)),
        "",  # a row of empty strings
        dict(type="note", name="thanks", **lab(THANKS)),
        {"type": "end group"},
        dict(type="select_one places", name="later",
             relevant="(${hours} < 10 or selected(${threats}, \"none\")) and "
                      "${lives_in} != 'employer'", **lab(LATER)),
    ]
    for r in rows:
        if r is None:
            ws.append([])
        elif r == "":
            ws.append(["", "", ""])
        else:
            ws.append([r.get(h) for h in SURVEY_HEAD])
    cs = wb.create_sheet("choices")
    ch_head = ["name", "list_name", "label::English (en)", "label::Amharic (am)",
               "label::Español (es)"]
    cs.append(ch_head)
    for lst, items in (("places", PLACES), ("threats", THREAT_CHOICES)):
        for n, l in items:
            cs.append([n, lst, l["en"], l["am"], l["es"]])
        cs.append([])
    st = wb.create_sheet("settings")
    head = ["form_id", "version", "default_language"]
    vals = ["peer-basic", "3", "Español (es)"]
    for f, t in (("title", TITLE), ("consent", CONSENT), ("referral", REFERRAL)):
        for c, n in LANGS:
            head.append("%s::%s (%s)" % (f, n, c))
            vals.append(t[c])
    st.append(head)
    st.append(vals)
    ui = wb.create_sheet("ui")
    ui.append(["name", "label::Amharic (am)"])
    for k, v in AM_UI.items():
        ui.append([k, v])
    if mutate:
        mutate(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_shared_strings(data):
    """The same workbook with every string in xl/sharedStrings.xml, as Excel
    and LibreOffice write it (openpyxl 3.0 writes inline strings)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    strings, index = [], {}

    def shared(m):
        text = m.group(2)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return '<c%s t="s"><v>%d</v></c>' % (m.group(1), index[text])
    out = io.BytesIO()
    zout = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    for info in zin.infolist():
        body = zin.read(info.filename)
        if info.filename.startswith("xl/worksheets/"):
            body = re.sub(r"<t\s*/>", "<t></t>", body.decode())
            body = re.sub(r'<c([^>]*?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', shared,
                          body, flags=re.S).encode()
        elif info.filename == "[Content_Types].xml":
            body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.'
                                b'spreadsheetml.sharedStrings+xml"/></Types>')
        elif info.filename == "xl/_rels/workbook.xml.rels":
            body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://'
                                b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        zout.writestr(info.filename, body)
    sst = "".join('<si><t xml:space="preserve">%s</t></si>' % t for t in strings)
    zout.writestr("xl/sharedStrings.xml",
                  '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                  'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s'
                  "</sst>" % (len(strings), len(strings), sst))
    zout.close()
    assert b'<is>' not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    return out.getvalue()


def minimal_workbook(rows, head=("type", "name", "label::English (en)", "relevant")):
    """A one-language survey: a yes/no question on row 2, then rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(list(head))
    ws.append(["yesno", "paid", "Were you paid?"])
    for r in rows:
        ws.append(r)
    st = wb.create_sheet("settings")
    st.append(["form_id", "version", "title::English (en)", "consent::English (en)",
               "referral::English (en)"])
    st.append(["mini", 1, "T", "C", "R"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------- hostile

def raw_xlsx(sheet_xml, workbook_xml=None, sheets=("survey",), compress=True):
    wbx = workbook_xml or (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets>' +
        "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (s, i + 1, i + 1)
                for i, s in enumerate(sheets)) + "</sheets></workbook>")
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships">' +
            "".join('<Relationship Id="rId%d" Target="worksheets/sheet%d.xml" Type="x"/>' %
                    (i + 1, i + 1) for i in range(len(sheets))) + "</Relationships>")
    out = io.BytesIO()
    z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    z.writestr("xl/workbook.xml", wbx)
    z.writestr("xl/_rels/workbook.xml.rels", rels)
    for i in range(len(sheets)):
        if callable(sheet_xml):
            with z.open("xl/worksheets/sheet%d.xml" % (i + 1), "w") as f:
                sheet_xml(f)
        else:
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1), sheet_xml)
    z.close()
    return out.getvalue()


SHEET_OPEN = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><sheetData>')


def bomb(f):
    f.write(SHEET_OPEN.encode())
    chunk = b" " * (1 << 20)
    for _ in range(200):  # 200 MiB of whitespace: about 200 KB deflated
        f.write(chunk)
    f.write(b"</sheetData></worksheet>")


def million_rows(f):
    f.write(SHEET_OPEN.encode())
    row = b'<row><c t="inlineStr"><is><t>note</t></is></c></row>'
    block = row * 10000
    for _ in range(100):
        f.write(block)
    f.write(b"</sheetData></worksheet>")


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
          "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % (i - 1 if i > 1 else "")) * 10)
                  for i in range(1, 10)) +
          ']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<sheets><sheet name="&lol9;" sheetId="1"/></sheets></workbook>')


# ------------------------------------------------------------- running

def run_compile(name, data):
    path = os.path.join(WORK, name + ".xlsx")
    with open(path, "wb") as f:
        f.write(data)
    if SEEDS:
        with open(os.path.join(SEEDS, name + ".xlsx"), "wb") as f:
            f.write(data)
    out = os.path.join(WORK, "out", name + ".pack")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    try:
        p = subprocess.run([CANDOR, "compile", path, "-o", out], capture_output=True,
                           timeout=120)
    except subprocess.TimeoutExpired:
        fail("%s: candor compile did not finish in 120 s" % name)
        return None, "", out
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if rss_mb > RSS_LIMIT_MB:
        fail("%s: peak memory %d MB, more than %d MB" % (name, rss_mb, RSS_LIMIT_MB))
    return p.returncode, p.stderr.decode("utf-8", "replace"), out


def expect_ok(name, data, twin_pack):
    rc, err, out = run_compile(name, data)
    if rc != 0:
        fail("%s: refused: %s" % (name, err.strip()))
        return
    with open(out, "rb") as f:
        got = f.read()
    if got != twin_pack:
        fail("%s: the pack differs from the JSON twin's" % name)
    os.remove(out)


def expect_refusal(name, data, *expect):
    rc, err, out = run_compile(name, data)
    if rc != 3:
        fail("%s: exit %s, expected 3 (stderr: %s)" % (name, rc, err.strip()))
    lines = err.splitlines()
    if len(lines) != 1:
        fail("%s: %d lines on stderr, expected 1: %r" % (name, len(lines), err))
    for e in expect:
        if e not in err:
            fail("%s: stderr %r lacks %r" % (name, err.strip(), e))
    if not err.startswith("candor compile: "):
        fail("%s: message does not start with 'candor compile: '" % name)
    left = os.listdir(os.path.dirname(out))
    if left:
        fail("%s: files left behind: %s" % (name, left))
        for x in left:
            os.remove(os.path.join(os.path.dirname(out), x))


def main():
    twin = os.path.join(WORK, "peer_twin.json")
    with open(twin, "w") as f:
        json.dump(twin_json(), f, ensure_ascii=False, indent=1)
    twin_pack_path = os.path.join(WORK, "peer_twin.pack")
    p = subprocess.run([CANDOR, "compile", twin, "-o", twin_pack_path], capture_output=True)
    if p.returncode != 0:
        fail("the JSON twin does not compile: " + p.stderr.decode())
        return
    with open(twin_pack_path, "rb") as f:
        twin_pack = f.read()

    peer = peer_workbook()
    assert b"inlineStr" in zipfile.ZipFile(io.BytesIO(peer)).read("xl/worksheets/sheet1.xml")
    expect_ok("peer_inline_strings", peer, twin_pack)
    expect_ok("peer_shared_strings", to_shared_strings(peer), twin_pack)

    def merge_header(wb):
        wb["survey"].merge_cells("K1:L1")  # appearance + hint::Amharic (am)
    expect_refusal("peer_merged_header", peer_workbook(merge_header),
                   "survey!K1:L1: merged cells")

    def empty_am(wb):
        ws = wb["survey"]
        col = SURVEY_HEAD.index("label::Amharic (am)") + 1
        ws.cell(row=8, column=col).value = None  # the note's Amharic label
    expect_refusal("peer_empty_label", peer_workbook(empty_am),
                   "survey!J8 (label::Amharic (am)): empty")

    def numeric_choice(wb):
        wb["choices"].cell(row=2, column=1).value = 1
    expect_refusal("peer_numeric_choice", peer_workbook(numeric_choice),
                   "choices!A2 (name): '1' must match")

    def bad_language(wb):
        wb["survey"].cell(row=1, column=5).value = "label::English"
    expect_refusal("peer_header_without_code", peer_workbook(bad_language),
                   "survey!E1 (label::English): give the language as its name and code")

    def group_relevant(wb):
        wb["survey"].cell(row=2, column=3).value = "${x} = 'a'"
    expect_refusal("peer_group_relevant", peer_workbook(group_relevant),
                   "survey!C2 (relevant): a group's relevant is not supported")

    def stray_value(wb):
        wb["survey"].cell(row=5, column=20).value = "remember to translate"
    expect_refusal("peer_value_without_header", peer_workbook(stray_value),
                   "survey!T5: a value in a column without a header")

    def empty_display_columns(wb):  # other tools' columns, left empty or display-only
        ws = wb["survey"]
        ws.cell(row=1, column=15).value = "guidance_hint::Français (fr)"
        ws.cell(row=3, column=15).value = "Lire lentement"
        ws.cell(row=1, column=16).value = "media::image::English (en)"
        ws.cell(row=1, column=17).value = "constraint_message::English (en)"
        ws.cell(row=5, column=17).value = "0 to 100"
    expect_ok("peer_display_columns", peer_workbook(empty_display_columns), twin_pack)

    def media(wb):
        ws = wb["survey"]
        ws.cell(row=1, column=16).value = "media::image::English (en)"
        ws.cell(row=1, column=17).value = "image::Español (es)"  # empty: read past
        ws.cell(row=3, column=16).value = "house.jpg"
    expect_refusal("peer_media", peer_workbook(media),
                   "survey!P3 (media::image::English (en)): media are not supported")

    def compiler_check(wb):  # a check that lives in compile.c, located
        wb["survey"].cell(row=5, column=9).value = ". >= 0 and . <= 99999"
    expect_refusal("peer_wide_range", peer_workbook(compiler_check),
                   "survey!I5 (constraint): range 0..99999 spans more than")

    def identifying_label(wb):
        wb["survey"].cell(row=3, column=5).value = "What is your phone number?"
    expect_refusal("peer_identifying_label", peer_workbook(identifying_label),
                   "survey!E3 (label::English (en)):", "would collect identifying data")

    # The example of the issue, cell for cell: row 14, column C.
    rows = [["note", "n%d" % i, "Info %d" % i, "Info %d" % i] for i in range(3, 14)]
    rows.append(["integer", "days", "", "Days?", None, ". >= 0 and . <= 7"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label::Amharic (am)", "label::English (en)", "relevant",
               "constraint"])
    ws.append(["note", "n2", "Info", "Info"])
    for r in rows:
        ws.append(r)
    st = wb.create_sheet("settings")
    st.append(["form_id", "version"] + ["%s::%s" % (f, l) for f in ("title", "consent", "referral")
                                        for l in ("English (en)", "Amharic (am)")])
    st.append(["x", 1, "T", "T", "C", "C", "R", "R"])
    ui = wb.create_sheet("ui")
    ui.append(["name", "label::Amharic (am)"])
    for k, v in AM_UI.items():
        ui.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    expect_refusal("issue_example", buf.getvalue(), "survey!C14 (label::Amharic (am)): empty")

    # Each refused type: the identifying ones with identifying.c's reasons.
    for t in ("text", "geopoint", "geotrace", "geoshape", "image", "audio", "video", "barcode",
              "date", "time", "datetime", "file"):
        expect_refusal("type_" + t, minimal_workbook([[t, "q_" + t, "Question?"]]),
                       "survey!A3 (type): '%s' would collect identifying data" % t)
    for t in ("calculate", "hidden", "decimal", "range", "begin repeat"):
        expect_refusal("type_" + t.replace(" ", "_"),
                       minimal_workbook([[t, "q_" + t.replace(" ", "_"), "Question?"]]),
                       "survey!A3 (type): type '%s' is not supported" % t)
    expect_refusal("type_or_other", minimal_workbook([["select_one l or_other", "q", "Q?"]]),
                   "survey!A3 (type): 'or_other' adds a typed 'other' answer")
    for t in ("deviceid", "phonenumber", "start", "end", "today", "username", "email",
              "simserial", "subscriberid", "audit"):
        expect_refusal("meta_" + t, minimal_workbook([[t, t]]),
                       "survey!A3 (type): '%s' is metadata that identifies" % t)
    for fn, col in (("count-selected(${paid}) > 1", 1), ("string-length(${paid}) > 1", 1),
                    ("${paid} = 'yes' and today() > 1", 21)):
        expect_refusal("xpath_" + fn.split("(")[0].split()[-1],
                       minimal_workbook([["yesno", "more", "More?", fn]]),
                       "survey!D3 (relevant): column %d: XPath function" % col, "not supported")
    expect_refusal("xpath_operator", minimal_workbook([["yesno", "more", "More?",
                                                         "${paid} + 1 > 2"]]),
                   "survey!D3 (relevant): column 9: '+' is not supported")
    expect_refusal("xpath_greater_equal", minimal_workbook([["integer", "n", "N?", None]] +
                                                            [["yesno", "m", "M?", "${n} >= 2"]]),
                   "survey!D4 (relevant): column 6: '>=' is not supported")

    # Hostile workbooks.
    expect_refusal("hostile_zip_bomb", raw_xlsx(bomb), "xl/worksheets/sheet1.xml: inflates to "
                   "more than", "zip bomb")
    expect_refusal("hostile_million_rows", raw_xlsx(million_rows),
                   "survey!A4097: the sheet goes beyond row 4096")
    expect_refusal("hostile_billion_laughs", raw_xlsx("", workbook_xml=LAUGHS),
                   "xl/workbook.xml: contains a DTD")
    expect_refusal("hostile_laughs_in_sheet",
                   raw_xlsx(LAUGHS.replace("workbook", "worksheet")), "contains a DTD")
    expect_refusal("hostile_no_survey_sheet",
                   raw_xlsx(SHEET_OPEN + "</sheetData></worksheet>",
                            sheets=("questions", "choices")),
                   "no 'survey' sheet (its sheets: 'questions', 'choices')")
    expect_refusal("hostile_not_a_zip", b"PK\x03\x04" + b"\x00" * 200,
                   "not a readable .xlsx workbook")
    expect_refusal("hostile_missing_workbook", raw_xlsx("x").replace(b"xl/workbook.xml",
                                                                     b"xl/workbook.xmX"),
                   "the workbook has no xl/workbook.xml")
    expect_refusal("hostile_bad_shared_string",
                   raw_xlsx(SHEET_OPEN + '<row r="1"><c r="A1" t="s"><v>7</v></c></row>'
                            "</sheetData></worksheet>"),
                   "survey!A1: refers to shared string '7', which does not exist")


main()
print("xlsform_check: %d failures; peak memory of one candor run %d MB" % (
    len(failures), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))
sys.exit(1 if failures else 0)
