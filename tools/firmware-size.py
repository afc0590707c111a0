#!/usr/bin/env python3
"""firmware-size.py: flash and RAM per module of each Cortex-M image, the
worst-case stack from the compiler's call graph, and the budget check.

  tools/firmware-size.py ARM_BUILD_DIR [--check] [--require BOARD]...

ARM_BUILD_DIR is the cross build (BUILD/firmware/arm), holding one
candor-<board>.elf per board folder.

Per module: the symbols of the linked ELF (after --gc-sections), attributed
to their source file through the debug info (arm-none-eabi-nm -S -l).
RAM = .data + .bss + the stack the board's linker script reserves
(CND_STACK_SIZE); flash = .text + .rodata + .data's load image.

Stack: every object is compiled with -fcallgraph-info=su, which gives each
function's frame and its direct calls, and marks every call through a
pointer as "__indirect_call". The worst case is the deepest path from main,
where an indirect call may land in any function of the image that nothing
calls directly (the HAL, bus, DCD and zalloc callbacks are exactly those),
nesting at most MAX_INDIRECT deep (store -> pack window -> NOR driver ->
SPI bus), plus one exception frame and the deepest interrupt handler
(all interrupts share one priority, so handlers never nest). Library
functions without call-graph info (newlib-nano's memcpy etc., libgcc's
division) are counted as LIBC_FRAME bytes each.

Budgets (--check exits 1 when any is exceeded):
- every image: its part's flash and RAM, and the call-graph worst case
  within the reserved stack;
- the reference handheld (BUDGET below, issue 5): at most 128 KiB flash
  and 32 KiB RAM including the reserved stack.
"""
import glob
import os
import re
import subprocess
import sys

KIB = 1024
# board: (part flash, part RAM, note). RAM = the main SRAM the image uses.
PART = {
    "qemu-netduinoplus2": (1024 * KIB, 128 * KIB, "STM32F405 as QEMU models it"),
    "stm32f407-handheld": (512 * KIB, 128 * KIB, "STM32F407VET6; +64 KiB CCM unused"),
}
# Issue 5's budget for the whole handheld image, stack included.
BUDGET = {"stm32f407-handheld": (128 * KIB, 32 * KIB)}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXC_FRAME = 32      # basic Cortex-M exception frame (soft float: no FPU context)
MAX_INDIRECT = 4    # nesting of calls through pointers, see the docstring
LIBC_FRAME = 32     # per libc/libgcc function without call-graph info
BIG_RAM = 256       # static objects listed by name
ISR_ENTRIES = ("cnd_irq_entry", "cnd_systick_entry", "cnd_fault_entry")


def module_of(path):
    if not path:
        return "(compiler tables, linker)"
    path = path.split(":")[0]
    if "/zlib-" in path:
        return "zlib (Debian, CRC-32)"
    if "/mbedtls-" in path:
        return "Mbed TLS (Debian)"
    if path.startswith(ROOT + "/"):
        rel = os.path.relpath(path, ROOT)
        if rel.split("/")[0] in ("formats", "firmware", "host", "tools"):
            return rel
        return "generated: " + os.path.basename(rel)  # e.g. the font, in the build dir
    return "libc/libgcc"


def sizes(elf):
    """Per-module [flash, RAM], the reserved stack, the image's function names."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", "-l", "--defined-only", elf],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    mods, stack, funcs, big = {}, 0, set(), []
    for line in out.splitlines():
        parts = line.split("\t")
        f = parts[0].split()
        if len(f) == 3 and f[2] == "CND_STACK_SIZE":
            stack = int(f[0], 16)
        if len(f) != 4:
            continue
        size, kind = int(f[1], 16), f[2].lower()
        if kind == "t":
            funcs.add(f[3])
        if kind in "db" and size >= BIG_RAM:
            big.append((size, f[3]))
        m = mods.setdefault(module_of(parts[1] if len(parts) > 1 else ""), [0, 0])
        if kind in "tr":
            m[0] += size
        elif kind == "d":
            m[0] += size
            m[1] += size
        elif kind == "b":
            m[1] += size
    return mods, stack, funcs, sorted(big, reverse=True)


def ci_files(build, board):
    """The call-graph files of one image: its own objects and the libraries'
    (never another board's objects: both define main)."""
    found = []
    top = os.path.join(build, "CMakeFiles")
    for name in sorted(os.listdir(top)) if os.path.isdir(top) else []:
        if not name.endswith(".dir") or (name.startswith("candor-") and
                                         name != "candor-%s.elf.dir" % board):
            continue
        # os.walk, not glob's "**": that skips hidden directories, and CMake
        # mirrors a source path outside the build tree (a checkout below a
        # dot-folder such as ~/.work/candor) into the object directory.
        for root, _, files in os.walk(os.path.join(top, name)):
            found += [os.path.join(root, f) for f in files if f.endswith(".ci")]
    return found


def stack_worst(cis, funcs):
    frame, calls, called, dynamic = {}, {}, set(), []
    for path in cis:
        for line in open(path, encoding="utf-8", errors="replace"):
            m = re.match(r'node: \{ title: "([^"]+)" label: "[^"]*\\n(\d+) bytes \((\w+)', line)
            if m:
                frame[m.group(1)] = max(frame.get(m.group(1), 0), int(m.group(2)))
                if m.group(3) != "static":
                    dynamic.append(m.group(1))
            m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
            if m:
                calls.setdefault(m.group(1), set()).add(m.group(2))
                called.add(m.group(2))

    def in_image(fn):
        return fn.split(":")[-1] in funcs

    # Indirect-call targets: functions of this image nothing calls directly.
    targets = [f for f in frame if f not in called and in_image(f) and f != "main"
               and f not in ISR_ENTRIES and not f.startswith("cnd_reset")]
    memo = {}

    def depth(fn, level, seen=()):
        """Deepest stack below (and including) fn; the path as a list."""
        key = (fn, level)
        if key in memo:
            return memo[key]
        if fn in seen:  # recursion: the brief forbids it; flag it loudly
            raise SystemExit("firmware-size: recursion through %s" % fn)
        if fn == "__indirect_call":
            best = (0, [])
            if level < MAX_INDIRECT:
                for t in targets:
                    d = depth(t, level + 1)  # bounded by MAX_INDIRECT, not by seen
                    best = max(best, d, key=lambda x: x[0])
            memo[key] = best
            return best
        own = frame.get(fn, LIBC_FRAME)  # no call-graph info: newlib-nano / libgcc
        below = (0, [])
        for c in calls.get(fn, ()):
            d = depth(c, level, seen + (fn,))
            below = max(below, d, key=lambda x: x[0])
        memo[key] = (own + below[0], [fn] + below[1])
        return memo[key]

    main = depth("main", 0) if "main" in frame else (0, [])
    isr = max([depth(f, 0) for f in ISR_ENTRIES if f in frame] or [(0, [])],
              key=lambda x: x[0])
    return main, isr, dynamic


def short(fn):
    return fn.split(":")[-1]


def report(build, check, required):
    ok = True
    elfs = sorted(glob.glob(os.path.join(build, "candor-*.elf")))
    for board in required:
        if os.path.join(build, "candor-%s.elf" % board) not in elfs:
            print("firmware-size: candor-%s.elf was not built in %s" % (board, build),
                  file=sys.stderr)
            ok = False
    if not elfs:
        print("firmware-size: no candor-*.elf in %s (is arm-none-eabi-gcc installed? "
              "tools/setup-deps.sh)" % build, file=sys.stderr)
        return 1
    for elf in elfs:
        board = os.path.basename(elf)[len("candor-"):-len(".elf")]
        mods, stack, funcs, big = sizes(elf)
        tot = subprocess.run(["arm-none-eabi-size", elf], stdout=subprocess.PIPE,
                             check=True).stdout.decode().splitlines()[1].split()
        text, data, bss = int(tot[0]), int(tot[1]), int(tot[2])
        flash, ram = text + data, data + bss + stack
        print("== %s  (text %d, data %d, bss %d, stack %d)" % (os.path.basename(elf), text, data,
                                                                bss, stack))
        print("%-52s %9s %9s" % ("module", "flash", "RAM"))
        for name, (f, r) in sorted(mods.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
            if f or r:
                print("%-52s %9d %9d" % (name, f, r))
        rest_f = flash - sum(f for f, _ in mods.values())
        rest_r = data + bss - sum(r for _, r in mods.values())
        print("%-52s %9d %9d" % ("(no symbol: string literals, alignment)", rest_f, rest_r))
        print("%-52s %9s %9d" % ("stack (reserved, linker script)", "", stack))
        print("%-52s %9d %9d" % ("TOTAL", flash, ram))
        print("RAM objects of %d bytes or more: %s" % (BIG_RAM, ", ".join(
            "%s %d" % (name, size) for size, name in big)))

        cis = ci_files(build, board)
        if not cis:
            # No call graph means no measurement: a worst case of 0 would
            # pass any budget, so the check fails instead.
            print("firmware-size: no call-graph files (*.ci from gcc -fcallgraph-info=su) "
                  "for %s under %s/CMakeFiles; rebuild the firmware with make build"
                  % (os.path.basename(elf), build), file=sys.stderr)
            return 1
        (main_d, path), (isr_d, isr_path), dynamic = stack_worst(cis, funcs)
        if not path:
            print("firmware-size: the call graph of %s has no main (%d .ci files read); "
                  "rebuild the firmware with make build" % (os.path.basename(elf), len(cis)),
                  file=sys.stderr)
            return 1
        worst = main_d + EXC_FRAME + isr_d
        fits_stack = worst <= stack and not dynamic
        print("stack, worst case from the call graph: main %d + exception frame %d + deepest "
              "handler %d = %d bytes, reserved %d: %s"
              % (main_d, EXC_FRAME, isr_d, worst, stack, "within" if fits_stack else "OVER"))
        print("  deepest path: %s" % " > ".join(short(f) for f in path if f != "__indirect_call"))
        if dynamic:
            print("  dynamic stack (alloca/VLA) in: %s" % ", ".join(short(f) for f in dynamic))
        ok = ok and fits_stack

        part = PART.get(board)
        if part:
            fits = flash <= part[0] and ram <= part[1]
            print("budget, the part (%s: %d KiB flash, %d KiB RAM): %s"
                  % (part[2], part[0] // KIB, part[1] // KIB, "within" if fits else "EXCEEDED"))
            ok = ok and fits
        budget = BUDGET.get(board)
        if budget:
            bf, br = flash <= budget[0], ram <= budget[1]
            print("budget, issue 5 handheld (%d KiB flash, %d KiB RAM incl. stack): flash %d "
                  "(%s, %d left), RAM %d (%s, %d left)"
                  % (budget[0] // KIB, budget[1] // KIB, flash, "within" if bf else "OVER",
                     budget[0] - flash, ram, "within" if br else "OVER", budget[1] - ram))
            ok = ok and bf and br
        else:
            print("budget, issue 5 handheld: not this board's (the test board may use more)")
        print()
    if check and not ok:
        print("firmware-size: an image exceeds its budget, its part or its stack (see above)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit("usage: tools/firmware-size.py ARM_BUILD_DIR [--check] [--require BOARD]...")
    req = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--require"]
    sys.exit(report(args[0], "--check" in args[1:], req))
