# The README's "drive the simulator yourself" walk-through, followed
# literally in a fresh folder: its shell block is read from README.md and
# run line by line (the first line, the simulator, in the background as in
# its own terminal; every passphrase prompt answered through a terminal, as
# a person types it). It must end with one exported response.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

W="$T/fresh"
mkdir -p "$W"
# The README's paths are relative to the top of a built source tree.
ln -s "$CND_SOURCE_DIR/surveys" "$W/surveys"
ln -s "$CND_SOURCE_DIR/tools" "$W/tools"
mkdir -p "$W/build/host" "$W/build/firmware"
ln -s "$CANDOR" "$W/build/host/candor"
ln -s "$CANDOR_SIM" "$W/build/firmware/candor-sim"
unset CANDOR_KEY

python3 - "$CND_SOURCE_DIR/README.md" >"$T/walk.sh" <<'PY' || fail "no walk-through in README.md"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("To drive the simulator yourself")
block = re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)
print(block, end="")
PY
[ "$(grep -c '^build/' "$T/walk.sh")" -ge 6 ] || fail "the walk-through has too few commands: $(cat "$T/walk.sh")"

# Runs one command line in $W with a terminal: a passphrase prompt gets
# one; prints the output; exits with the command's status.
cat >"$T/tty_run.py" <<'PY'
import os, pty, sys, termios, time
cmd = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", cmd])
out, seen = b"", 0
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    new = out[seen:].lower()
    if new.endswith(b": ") and b"passphrase" in new:  # a prompt, waiting for a line
        # Type only once the program has turned echo off, as a person would
        # after seeing the prompt: input typed before that is flushed.
        for _ in range(200):
            if not termios.tcgetattr(fd)[3] & termios.ECHO:
                break
            time.sleep(0.01)
        os.write(fd, b"walk through the readme\n")
        seen = len(out)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
PY

n=0
while IFS= read -r line; do
    case "$line" in
    build/firmware/candor-sim*)
        # exec: the PID the cleanup stops is the simulator itself, not a shell.
        (cd "$W" && eval "exec $line" </dev/null >"$T/sim.out" 2>"$T/sim.err") &
        SIM_PIDS="$SIM_PIDS $!"
        i=0
        while ! can_connect "$W/sim/me.sock"; do
            i=$((i + 1))
            [ $i -gt $((200 * E2E_SCALE)) ] && fail "the simulator did not start: $(cat "$T/sim.err")"
            sleep 0.05
        done
        ;;
    build/host/candor\ sync*)
        # As the README says: wait until the interview is saved.
        i=0
        until (cd "$W" && build/host/candor status --device sim:sim/me.sock) 2>/dev/null |
            grep -Eq 'pending +1\b|pending[^0-9]+1\b'; do
            i=$((i + 1))
            [ $i -gt $((600 * E2E_SCALE)) ] && fail "the scripted interview was never saved"
            sleep 0.05
        done
        (cd "$W" && python3 "$T/tty_run.py" "$line") >"$T/step$n.out" 2>&1 ||
            fail "README step failed: $line: $(cat "$T/step$n.out")"
        ;;
    build/*)
        (cd "$W" && python3 "$T/tty_run.py" "$line") >"$T/step$n.out" 2>&1 ||
            fail "README step failed: $line: $(cat "$T/step$n.out")"
        ;;
    esac
    n=$((n + 1))
done <"$T/walk.sh"

grep -q 'synced 1 response ' "$T"/step*.out || fail "the sync did not bring the interview: $(cat "$T"/step*.out)"
python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert len(r) == 1, len(r)' \
    "$W/responses.json" || fail "the export does not hold the one interview"
# The default survey is a draft with an eligibility rule: its codebook says both.
python3 - "$W/responses.codebook.json" <<'PY' || fail "the codebook does not mark the draft or state the rule"
import json, sys
cb = json.load(open(sys.argv[1], encoding="utf-8"))
s = cb["surveys"][0] if "surveys" in cb else cb
assert s["draft"] is True and "DRAFT" in s["draft_note"], s.get("draft")
assert "under_18" in s["eligibility"] and "nothing was stored" in s["eligibility_note"]
terms = [i for i in s["items"] if i["name"] == "terms_differ"][0]
assert [c["name"] for c in terms["choices"] if c.get("exclusive")] == ["nothing"]
PY
echo "ok: the README walk-through works literally in a fresh folder"
