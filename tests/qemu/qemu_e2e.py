#!/usr/bin/env python3
"""qemu_e2e.py: the simulator's end-to-end scenario on the real ARM image.

Boots the Cortex-M4 firmware in qemu-system-arm (-M netduinoplus2) with
USART1 (console: keys in, screens out) and USART2 (the sync link) on two
local TCP ports, and:
  1. waits for the boot banner, sends the test-only RNG seed, checks the
     on-target self-test passed;
  2. compiles the default survey and pushes it with
     `candor push --device tcp:127.0.0.1:PORT`;
  3. answers it with the same key scripts as `make demo` (tools/keys:
     English complete, Spanish complete, one withdrawn), checking every
     `expect` against the screens the firmware prints;
  4. syncs with `candor sync --device tcp:...`, exports, and runs the
     demo's own export check (extracted from tools/demo.sh, so both test
     the same answers);
  5. ends QEMU through the firmware's semihosting exit (status 0).

usage: qemu_e2e.py --image ELF --candor BIN --source DIR --work DIR
Exit status 0 on success; a one-line reason on stderr otherwise.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time

KEYS = ("up", "down", "ok", "back", "lang", "exit")
TIMEOUT = 60  # seconds for any one step; QEMU on a loaded 2-core machine


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Console:
    """USART1 of the board: lines in, screen blocks out."""

    def __init__(self, port, log):
        deadline = time.time() + TIMEOUT
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise Failure("QEMU did not open the console port %d" % port)
                time.sleep(0.1)
        self.sock.settimeout(TIMEOUT)
        self.buf = b""
        self.log = log
        self.screen = None  # last SCREEN header: (kind, name)

    def line(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                raise Failure("no console output for %d s (last: %r)" % (TIMEOUT, self.buf[-200:]))
            if not data:
                raise Failure("the firmware's console closed (QEMU exited?)")
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        text = raw.decode("utf-8", errors="replace")
        self.log.write(text + "\n")
        self.log.flush()
        if text.startswith("FAULT"):
            raise Failure("the firmware faulted: " + text)
        return text

    def until(self, prefix):
        while True:
            text = self.line()
            if text.startswith(prefix):
                return text

    def read_screen(self):
        """Reads up to the next whole screen block; returns its header."""
        header = self.until("SCREEN ")
        while self.line() != "END":
            pass
        parts = header.split()
        name = ""
        for p in parts[2:]:
            if p.startswith("name="):
                name = p[5:]
        self.screen = (parts[1], name)
        return header

    def send(self, text):
        self.log.write("> " + text + "\n")
        self.sock.sendall((text + "\n").encode())


def run_key_script(con, path):
    """The simulator's key script language: keys (word*N), expect KIND [ITEM],
    wait-survey, sleep MS; '#' comments."""
    for lineno, raw in enumerate(open(path, encoding="utf-8"), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = "%s line %d" % (os.path.basename(path), lineno)
        if words[0] == "expect":
            want = (words[1].upper().replace("-", "_"), words[2] if len(words) > 2 else None)
            kind, name = con.screen
            if kind != want[0] or (want[1] is not None and name != want[1]):
                raise Failure("%s: expected %s %s, the firmware shows %s %s"
                              % (where, want[0], want[1] or "", kind, name))
        elif words[0] == "wait-survey":
            if con.screen[0] == "NO_SURVEY":
                raise Failure("%s: no survey installed" % where)
        elif words[0] == "sleep":
            time.sleep(int(words[1]) / 1000.0)
        else:
            for w in words:
                key, _, count = w.partition("*")
                if key not in KEYS:
                    raise Failure("%s: unknown key %r" % (where, w))
                for _ in range(int(count or 1)):
                    con.send(key)
                    con.read_screen()


def run(cmd, what, log):
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    out = r.stdout.decode(errors="replace")
    log.write(out)
    if r.returncode != 0:
        raise Failure("%s failed (exit %d): %s" % (what, r.returncode, out.strip()[-300:]))
    return out


def demo_export_check(source):
    """The export check of tools/demo.sh (its python heredoc), verbatim."""
    text = open(os.path.join(source, "tools", "demo.sh"), encoding="utf-8").read()
    m = re.search(r"<<'PYEOF'\n(.*?)\nPYEOF\n", text, re.S)
    if m is None:
        raise Failure("tools/demo.sh has no PYEOF export check to reuse")
    return m.group(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--candor", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--draw-bench", help="tests/script/draw_bench: a Burmese screen of "
                    "pre-rendered text the image draws on target, compared byte for byte")
    a = ap.parse_args()

    qemu = shutil.which("qemu-system-arm")
    if qemu is None:
        raise Failure("qemu-system-arm is not installed; run tools/setup-deps.sh")
    for f in (a.image, a.candor):
        if not os.path.exists(f):
            raise Failure("%s is not built" % f)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    log = open(os.path.join(a.work, "console.log"), "w", encoding="utf-8")
    if a.draw_bench:
        run([a.draw_bench, "my", "--dump", os.path.join(a.work, "pscreen.in"),
             os.path.join(a.work, "pscreen.ref")], "draw_bench --dump", log)
    p_con, p_link = free_port(), free_port()
    while p_link == p_con:
        p_link = free_port()
    dev = "tcp:127.0.0.1:%d" % p_link
    t0 = time.time()
    qlog = open(os.path.join(a.work, "qemu.log"), "w")
    q = subprocess.Popen(
        [qemu, "-M", "netduinoplus2", "-nographic", "-monitor", "none", "-kernel", a.image,
         "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % p_con,
         # the link is accepted whenever candor connects, and again after it left
         "-serial", "tcp:127.0.0.1:%d,server=on,wait=off,nodelay=on" % p_link,
         "-semihosting-config", "enable=on,target=native"],
        cwd=a.work, stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT)
    try:
        con = Console(p_con, log)
        banner = con.until("CANDOR BOOT")
        con.until("SEED?")
        con.send("seed " + os.urandom(16).hex())  # test-only RNG: QEMU has no TRNG
        selftest = con.until("SELFTEST")
        if not selftest.startswith("SELFTEST PASS"):
            raise Failure("on-target self-test: " + selftest)
        if a.draw_bench:
            drawn = con.until("PSCREEN")
            if not drawn.startswith("PSCREEN DRAWN"):
                raise Failure("the image did not draw the Burmese test screen: " + drawn)
            got = open(os.path.join(a.work, "pscreen.out"), "rb").read()
            want = open(os.path.join(a.work, "pscreen.ref"), "rb").read()
            if got != want:
                diff = next(i for i in range(min(len(got), len(want))) if got[i] != want[i]) \
                    if len(got) == len(want) else -1
                raise Failure("the ARM image's framebuffer differs from the simulator's "
                              "(%d vs %d bytes, first difference at byte %d)"
                              % (len(got), len(want), diff))
            ink = sum(1 for i in range(0, len(got), 2) if got[i:i + 2] != b"\xff\xff")
            print("qemu: the ARM image drew a Burmese screen byte for byte as the simulator "
                  "(%d bytes, %d non-background pixels)" % (len(got), ink))
        con.until("READY")
        con.read_screen()
        if con.screen[0] != "NO_SURVEY":
            raise Failure("a fresh flash should show NO_SURVEY, not %s" % con.screen[0])

        pack = os.path.join(a.work, "domestic-work.pack")
        run([a.candor, "compile", "--draft", os.path.join(a.source, "surveys", "domestic-work.json"),
             "-o", pack], "candor compile", log)
        run([a.candor, "push", "--device", dev, pack], "candor push over the link USART", log)
        con.until("EVENT pack-activated")
        con.read_screen()

        keys = os.path.join(a.source, "tools", "keys")
        for script in ("en-complete.keys", "es-complete.keys", "withdrawn.keys"):
            run_key_script(con, os.path.join(keys, script))

        store = os.path.join(a.work, "store")
        out = os.path.join(a.work, "responses.json")
        run([a.candor, "sync", "--device", dev, "--store", store], "candor sync", log)
        # a second sync finds nothing new: the ACK reached the firmware's flash
        second = run([a.candor, "sync", "--device", dev, "--store", store], "second sync", log)
        # three interviews cannot be k-anonymous; the check reads exact answers
        run([a.candor, "export", store, "-o", out, "--no-disclosure-check"], "candor export", log)
        check = subprocess.run([sys.executable, "-c", demo_export_check(a.source), out],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        summary = check.stdout.decode(errors="replace").strip()
        if check.returncode != 0:
            raise Failure("the export does not match the interviews: " + summary)

        con.send("stack")
        stack = con.until("STACK")
        con.send("quit")
        con.until("BYE")
        rc = q.wait(TIMEOUT)
        if rc != 0:
            raise Failure("QEMU exited with status %d after quit" % rc)
        print("qemu e2e: %s" % banner)
        print("qemu e2e: %s" % selftest)
        print("qemu e2e: pushed, 3 interviews scripted, synced over %s" % dev)
        print("qemu e2e: second sync: %s" % second.strip().splitlines()[-1] if second.strip() else "")
        print("qemu e2e: " + (summary % out if "%s" in summary else summary))
        print("qemu e2e: %s (of 8192 bytes of stack); %.1f s" % (stack, time.time() - t0))
    finally:
        if q.poll() is None:
            q.kill()
            q.wait()
        log.close()
        qlog.close()


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print("qemu e2e: FAILED: %s (logs in the --work dir)" % e, file=sys.stderr)
        sys.exit(1)
    except subprocess.TimeoutExpired as e:
        print("qemu e2e: FAILED: timed out: %s" % e, file=sys.stderr)
        sys.exit(1)
