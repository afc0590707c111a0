# candor-sim on a terminal (a pseudo-terminal here): keys are read raw
# (arrows, Enter, Backspace, l, x), the display is drawn boxed at 30x20 with
# the cursor row highlighted, and SIGTERM restores the terminal and removes
# the socket.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

compile_survey
python3 - "$CANDOR_SIM" "$CANDOR" "$T" <<'PYEOF' || fail "terminal session did not behave"
import os, pty, select, signal, subprocess, sys, time, termios

sim, candor, tmp = sys.argv[1:4]
sock = os.path.join(tmp, "sims", "tty.sock")
log = os.path.join(tmp, "tty.screens")
pid, fd = pty.fork()
if pid == 0:
    os.execv(sim, [sim, "--flash", os.path.join(tmp, "tty.flash"), "--socket", sock,
                   "--screen-log", log])
out = bytearray()

def pump(seconds):
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out.extend(os.read(fd, 65536))
            except OSError:
                return

def screen():
    try:
        lines = [l for l in open(log, encoding="utf-8") if l.startswith("SCREEN")]
    except FileNotFoundError:
        return ""
    return lines[-1].strip() if lines else ""

def wait_for(prefix, what):
    for _ in range(200):
        pump(0.05)
        if screen().startswith(prefix):
            return
    sys.exit("%s: expected a screen starting %r, got %r" % (what, prefix, screen()))

for _ in range(200):
    pump(0.05)
    if os.path.exists(sock):
        break
# raw mode: no echo, no line buffering
attrs = termios.tcgetattr(fd)
assert not attrs[3] & termios.ICANON and not attrs[3] & termios.ECHO, "terminal not in raw mode"
subprocess.run([candor, "push", "--device", "sim:" + sock, os.path.join(tmp, "survey.pack")],
               check=True, stdout=subprocess.DEVNULL)
wait_for("SCREEN HOME", "after push")
keys = [
    (b"\r", "SCREEN LANGUAGE lang=en cursor=none", "Enter on home"),
    (b"\x1b[B\r", "SCREEN CONSENT lang=en cursor=none", "down arrow and Enter: English"),
    (b"\x1b[B" * 40, "SCREEN CONSENT lang=en cursor=1 options=2", "down arrows to the consent's end"),
    (b"\x1b[A", "SCREEN CONSENT lang=en cursor=0", "up arrow"),
    (b"\r", "SCREEN ITEM item=0 name=age_group lang=en cursor=none", "Enter on consent"),
    (b"\x1b[B\x1b[B", "SCREEN ITEM item=0 name=age_group lang=en cursor=1", "two down arrows"),
    (b"l", "SCREEN ITEM item=0 name=age_group lang=es cursor=1", "l switches language"),
    (b"\x7f", "SCREEN CONSENT lang=es", "Backspace goes back"),
    (b"x", "SCREEN NEUTRAL", "x is the quick exit"),
    (b"\r", "SCREEN NEUTRAL", "Enter alone does not leave the neutral screen"),
    (b"\x1b[A\x1b[A\x1b[B\x1b[B\r", "SCREEN REFERRAL", "up up down down Enter: the cut interview ends on the referral"),
    (b"\r", "SCREEN HOME", "Done on the referral"),
    (b"\r\x1b[B\r", "SCREEN CONSENT lang=en", "start again"),
    (b"\x1b", "SCREEN NEUTRAL", "Esc is the quick exit"),
]
for data, expect, what in keys:
    os.write(fd, data)
    wait_for(expect, what)
pump(0.2)
text = out.decode("utf-8", "replace")
assert "\u250c" + "\u2500" * 30 + "\u2510" in text, "no 30-column box drawn"
assert "\x1b[7m" in text, "cursor row not highlighted"
assert "Prefiero no responder" in text, "Spanish options not drawn"
os.kill(pid, signal.SIGTERM)
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "exit status %r" % status
assert not os.path.exists(sock), "socket left behind"
PYEOF
echo "ok: terminal keys and drawing"
