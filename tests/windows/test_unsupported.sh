# What candor.exe lacks (docs/PLATFORMS.md, "What the Windows build lacks";
# host/platform/win/buildcaps_win.c): each such command gives one line
# "candor CMD: FEATURE is not in this Windows build (it needs LIBRARIES);
# use the Linux build", a non-zero exit and no output file, before it reads
# a store or a key. CSV export and JSON compile are in the build
# (windows.e2e runs them against the Linux build's output).
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/windows/win_lib.sh"

win_init
printf 'correct horse battery\n' >"$T/pass"
"$CANDOR" keygen -o "$T/office.key" --passphrase-file "$T/pass" >/dev/null 2>"$T/keygen.err" ||
    fail "keygen: $(cat "$T/keygen.err")"

# refused CMD FEATURE OUT ARGS...: candor.exe ARGS fails with the one line
# naming FEATURE, and OUT does not exist afterwards.
refused() {
    _cmd=$1 _feature=$2 _out=$3
    shift 3
    if wcandor "$@" >"$T/out" 2>"$T/err"; then
        fail "candor.exe $* succeeded; this build lacks $_feature"
    fi
    expect_one_line_error "$T/err" "$_cmd"
    grep -q ": $_feature is not in this Windows build (it needs [^)]*); use the Linux build\$" "$T/err" ||
        fail "candor.exe $*: not the missing-feature line for $_feature: $(cat "$T/err")"
    [ ! -e "$_out" ] || fail "candor.exe $* left $_out behind"
    echo "ok: candor.exe $_cmd: $(cat "$T/err")"
}

SRC="$CND_SOURCE_DIR/surveys/domestic-work.json"
refused preview "script shaping and preview" "$T/shots" preview "$SRC" -o "$T/shots"
refused xlsform XLSForm "$T/dw.xlsx" xlsform "$SRC" -o "$T/dw.xlsx"
refused compile "script shaping and preview" "$T/j.pack" compile --draft "$SRC" -o "$T/j.pack" \
    --key "$T/office.key" --passphrase-file "$T/pass"
refused compile XLSForm "$T/x.pack" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.xlsx" \
    -o "$T/x.pack" --key "$T/office.key" --passphrase-file "$T/pass"
for fmt in sav dta; do
    refused export "SPSS and Stata export" "$T/out.$fmt" export "$T/nostore" -o "$T/out.$fmt" \
        --format "$fmt" --key "$T/office.key" --passphrase-file "$T/pass"
done
# the Linux build has every feature: the same commands get past the check
"$CANDOR" xlsform "$SRC" -o "$T/dw.xlsx" >/dev/null 2>"$T/lx.err" || fail "Linux xlsform: $(cat "$T/lx.err")"
if "$CANDOR" export "$T/nostore" -o "$T/out.sav" --format sav --key "$T/office.key" \
    --passphrase-file "$T/pass" >/dev/null 2>"$T/le.err"; then
    fail "Linux export from a missing store succeeded"
fi
grep -q "not in this" "$T/le.err" && fail "the Linux build refused sav: $(cat "$T/le.err")"
echo "ok: candor.exe refuses preview, xlsform, compile (JSON and .xlsx), export sav/dta with one line each"
