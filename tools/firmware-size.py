#!/usr/bin/env python3
"""firmware-size.py: flash and RAM per module of each Cortex-M image, the
worst-case stack from the compiler's call graph, and the budget check.

  tools/firmware-size.py ARM_BUILD_DIR [--check]

ARM_BUILD_DIR is the cross build (BUILD/firmware/arm). Per module: the
symbols of the linked ELF (after --gc-sections), attributed to their source
file through the debug info (arm-none-eabi-nm -S -l). Stack: every object
is compiled with -fcallgraph-info=su; the deepest direct-call path from
each entry point (main, interrupt handlers) is summed from the per-function
frames. Indirect calls (HAL callbacks, zlib's zalloc, the batch reader)
are not in gcc's graph, so the report adds, as an upper bound, the deepest
function that nothing calls directly (those are the callback targets) on
top of the deepest path, plus one exception frame and the deepest handler.

Budgets: the part's memory (--check fails beyond it) and the issue's target
for the handheld image (128 KiB flash, 32 KiB RAM with stack), reported.
"""
import glob
import os
import re
import subprocess
import sys

PART = {"qemu-netduinoplus2": (1024 * 1024, 128 * 1024),
        "blackpill-f411": (512 * 1024, 128 * 1024)}
TARGET = (128 * 1024, 32 * 1024)  # issue 5: whole handheld image incl. stack
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXC_FRAME = 32  # basic Cortex-M exception frame (no FPU context: soft float)


def module_of(path):
    if not path:
        return "(compiler tables, linker)"
    path = path.split(":")[0]
    if "/zlib-" in path:
        return "zlib (Debian, deflate)"
    if path.startswith(ROOT + "/"):
        return os.path.relpath(path, ROOT)
    return "libc/libgcc"


def sizes(elf):
    out = subprocess.run(["arm-none-eabi-nm", "-S", "-l", "--defined-only", elf],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    mods, stack = {}, 0
    for line in out.splitlines():
        parts = line.split("\t")
        f = parts[0].split()
        if len(f) == 3 and f[2] == "CND_STACK_SIZE":
            stack = int(f[0], 16)
        if len(f) != 4:
            continue
        size, kind = int(f[1], 16), f[2].lower()
        m = mods.setdefault(module_of(parts[1] if len(parts) > 1 else ""), [0, 0])
        if kind in "tr":
            m[0] += size
        elif kind == "d":
            m[0] += size
            m[1] += size
        elif kind == "b":
            m[1] += size
    return mods, stack


def stack_worst(ci_files):
    frame, calls, called = {}, {}, set()
    for path in ci_files:
        for line in open(path, encoding="utf-8", errors="replace"):
            m = re.match(r'node: \{ title: "([^"]+)" label: "[^"]*\\n(\d+) bytes', line)
            if m:
                frame[m.group(1)] = max(frame.get(m.group(1), 0), int(m.group(2)))
            m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
            if m:
                calls.setdefault(m.group(1), set()).add(m.group(2))
                called.add(m.group(2))
    memo = {}

    def depth(fn, seen=()):
        if fn in memo:
            return memo[fn]
        if fn in seen:  # recursion: must not exist (brief); flag it loudly
            raise SystemExit("firmware-size: recursion through %s" % fn)
        d = frame.get(fn, 0) + max([depth(c, seen + (fn,)) for c in calls.get(fn, ())] or [0])
        memo[fn] = d
        return d

    isr = [f for f in frame if f in ("cnd_irq_entry", "cnd_systick_entry", "cnd_fault_entry")]
    roots_cb = [f for f in frame if f not in called and f != "main" and f not in isr
                and not f.startswith("cnd_reset")]
    main_d = depth("main") if "main" in frame else 0
    cb = max(roots_cb, key=depth, default=None)
    isr_d = max([depth(f) for f in isr] or [0])
    return main_d, cb, depth(cb) if cb else 0, isr_d


def report(build, check):
    ok = True
    for elf in sorted(glob.glob(os.path.join(build, "candor-*.elf"))):
        board = os.path.basename(elf)[len("candor-"):-len(".elf")]
        mods, stack = sizes(elf)
        tot = subprocess.run(["arm-none-eabi-size", elf], stdout=subprocess.PIPE,
                             check=True).stdout.decode().splitlines()[1].split()
        text, data, bss = int(tot[0]), int(tot[1]), int(tot[2])
        flash, ram = text + data, data + bss + stack
        print("== %s  (text %d, data %d, bss %d, stack %d)" % (os.path.basename(elf), text, data,
                                                                bss, stack))
        print("%-48s %9s %9s" % ("module", "flash", "RAM"))
        for name, (f, r) in sorted(mods.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
            if f or r:
                print("%-48s %9d %9d" % (name, f, r))
        print("%-48s %9s %9d" % ("stack (reserved, linker script)", "", stack))
        print("%-48s %9d %9d" % ("TOTAL", flash, ram))
        cis = glob.glob(os.path.join(build, "CMakeFiles", "**", "*.ci"), recursive=True)
        main_d, cb, cb_d, isr_d = stack_worst(cis)
        worst = main_d + cb_d + EXC_FRAME + isr_d
        print("stack, worst case from the call graph: main %d + deepest callback (%s) %d + "
              "exception frame %d + deepest handler %d = %d bytes (reserved %d)%s"
              % (main_d, cb, cb_d, EXC_FRAME, isr_d, worst, stack,
                 "" if worst <= stack else "  OVER"))
        part = PART.get(board)
        if part:
            fits = flash <= part[0] and ram <= part[1]
            print("budget, the part (%d KiB flash, %d KiB RAM): %s" % (part[0] // 1024,
                  part[1] // 1024, "within" if fits else "EXCEEDED"))
            ok = ok and fits and worst <= stack
        tf, tr = flash <= TARGET[0], ram <= TARGET[1]
        print("budget, issue 5 target (128 KiB flash, 32 KiB RAM): flash %s, RAM %s%s"
              % ("within" if tf else "OVER", "within" if tr else "OVER",
                 "" if tr else " (the active survey pack alone is a 32 KiB RAM buffer)"))
        print()
    if check and not ok:
        print("firmware-size: an image exceeds its part's memory or its stack", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: tools/firmware-size.py ARM_BUILD_DIR [--check]")
    sys.exit(report(sys.argv[1], "--check" in sys.argv[2:]))
