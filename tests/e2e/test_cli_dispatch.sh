# The candor command word: help, version, help for a subcommand, and one
# line plus exit 2 for an unknown command or option.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

"$CANDOR" --help >"$T/out" 2>"$T/err" || fail "--help exited non-zero"
for c in compile devices status push sync export; do
    grep -q "^  $c " "$T/out" || fail "--help does not list $c"
done
"$CANDOR" --version >"$T/out" || fail "--version exited non-zero"
grep -Eq '^candor [0-9]+\.[0-9]+\.[0-9]+ ' "$T/out" || fail "--version: $(cat "$T/out")"

for c in compile devices status push sync export; do
    "$CANDOR" help "$c" >"$T/out" 2>"$T/err" || fail "help $c exited non-zero: $(cat "$T/err")"
    grep -q "usage: candor $c" "$T/out" || fail "help $c does not show its usage: $(cat "$T/out")"
done

"$CANDOR" frobnicate >"$T/out" 2>"$T/err"
expect_eq $? 2 "exit code of an unknown command"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "unknown command: more than one line: $(cat "$T/err")"
grep -q "^candor: unknown command 'frobnicate'" "$T/err" || fail "unknown command: $(cat "$T/err")"

"$CANDOR" help frobnicate >"$T/out" 2>"$T/err"
expect_eq $? 2 "exit code of help for an unknown command"

"$CANDOR" --frobnicate >"$T/out" 2>"$T/err"
expect_eq $? 2 "exit code of an unknown option"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "unknown option: more than one line: $(cat "$T/err")"

"$CANDOR" >"$T/out" 2>"$T/err"
expect_eq $? 2 "exit code without a command"
[ -s "$T/out" ] && fail "usage error printed to stdout"
echo "ok: command dispatch, help and version"
