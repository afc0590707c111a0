#!/bin/sh
# bench-usb.sh BUILD [N|all]: sync throughput through the real libusb path
# (make bench-usb). An emulated handheld (tests/usb/usb_bus.c: the firmware's
# USB function on the device core, under umockdev) gets the default survey
# over USB and N responses of the reference workload (tools/workload), or
# "all" (the default): as many as its 1 MiB flash takes. The real `candor sync` then pulls
# them through libusb, and the bus counts every bulk byte and packet.
#
# It reports counts and ratios, not timings of the emulation: wire bytes and
# packets per response, request/reply round trips, and from those the time a
# full device needs over a real full-speed link (at most 1.2 MB/s of bulk
# data: 19 x 64-byte packets per 1 ms frame; about 1.0 MB/s is realistic).
# Writes docs/BENCHMARKS-usb-sync.md and splices it into docs/BENCHMARKS.md
# (between the usb-sync markers; tools/workload/bench.py keeps it).
set -eu
BUILD=${1:-build}
WHAT=${2:-all}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$BUILD" && pwd)
export CANDOR="$B/host/candor" CANDOR_SIM="$B/firmware/candor-sim"
export CND_USB_BUS="$B/tests/usb/cnd-usb-bus" CND_SOURCE_DIR="$ROOT"
# Packs are signed: the build tree's test-only office key (tests/CMakeLists.txt).
export CANDOR_KEY="${CANDOR_KEY:-$B/test-office.key}"
for f in "$CANDOR" "$CND_USB_BUS"; do
    [ -x "$f" ] || { echo "bench-usb: $f is missing; build first (make build)" >&2; exit 1; }
done
[ -r "$CANDOR_KEY" ] || { echo "bench-usb: no signing key $CANDOR_KEY; build first (make build)" >&2; exit 1; }
. "$ROOT/tests/usb/usb_lib.sh"

start_bus
plug bench
compile_survey
ucandor push --device "usb:$SERIAL" "$T/survey.pack" >/dev/null 2>"$T/push.err" ||
    fail "push over USB: $(cat "$T/push.err")"
# A first sync copies the survey pack into the store, so that the measured
# sync moves responses only, as every sync after a device's first does.
ucandor sync --device "usb:$SERIAL" --store "$T/store" >/dev/null 2>"$T/sync.err" ||
    fail "first sync: $(cat "$T/sync.err")"
bus fill bench "$WHAT" 7
FILL=$BUS_REPLY
bus stats bench
BEFORE=$BUS_REPLY
ucandor sync --device "usb:$SERIAL" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err" ||
    fail "sync: $(cat "$T/sync.err")"
bus stats bench
AFTER=$BUS_REPLY
EXPORTED=$(export_ids "$T/store")

python3 - "$FILL" "$BEFORE" "$AFTER" "$EXPORTED" "$(cat "$T/sync.out")" "$ROOT" "$WHAT" <<'EOF'
import os, re, sys
fill, before, after, exported, sync_out, root, what = sys.argv[1:8]
full = what == "all"

def kv(line):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

f, b, a = kv(fill), kv(before), kv(after)
d = {k: a[k] - b[k] for k in a}
n = int(re.search(r"^ok fill \S+ (\d+)", fill).group(1))
count, distinct = map(int, exported.split())
assert count == n == distinct, (count, n, distinct)
assert re.match(r"synced %d responses" % n, sync_out), sync_out
flash = f["used"] + f["free"]
wire = d["out_bytes"] + d["in_bytes"]
packets = d["out_packets"] + d["in_packets"]
trips = d["out_transfers"] - d["out_zlps"]  # requests (each gets one reply)
per = wire / n

def fmt(x, nd=0):
    return "{:,.{}f}".format(x, nd)

# Full-speed model: bulk payload at 1.2 MB/s (1.0 realistic); every packet,
# short or zero-length, takes one of the 19 slots of a 1 ms frame; and each
# lock-step request/reply round trip waits about one frame (1 ms) for the
# host controller to schedule the reply (an assumption, not a measurement).
def seconds(rate):
    return max(wire / rate, packets / 19000.0) + trips * 0.001

L = []
a_ = L.append
a_("## USB sync")
a_("")
a_("Measured by `make bench-usb` (tools/bench-usb.sh): the real `candor sync` through")
a_("the real libusb against an emulated handheld (umockdev; the firmware's USB")
a_("function on the device core, tests/usb/usb_bus.c), which counts every bulk byte")
if full:
    a_("and packet. The handheld's 1 MiB flash (the simulator's geometry) was filled with")
    a_("the reference workload (tools/workload, seed 7) until the store refused one more.")
else:
    a_("and packet. The handheld (1 MiB flash, the simulator's geometry) holds %s" % fmt(n))
    a_("responses of the reference workload (tools/workload, seed 7); the time below is")
    a_("scaled to a full device from the per-response figures.")
a_("The store already held the survey pack (a device's first sync also copies")
a_("the pack, about 11 KB once). Counts and ratios only; the emulation's own speed")
a_("means nothing.")
a_("")
a_("| Figure | Value |")
a_("|---|---|")
a_("| responses on the device%s | %s (%s bytes of flash each) |" % (" (full)" if full else "", fmt(n), fmt(f["used"] / n, 1)))
a_("| responses synced, stored exactly once | %s |" % fmt(count))
a_("| bulk OUT (requests) | %s bytes in %s packets |" % (fmt(d["out_bytes"]), fmt(d["out_packets"])))
a_("| bulk IN (replies) | %s bytes in %s packets, %s zero-length |" % (fmt(d["in_bytes"]), fmt(d["in_packets"]), fmt(d["in_zlps"])))
a_("| request/reply round trips | %s (%.3f per response) |" % (fmt(trips), trips / n))
a_("| **wire bytes per response** | **%.1f** (IN %.1f, OUT %.1f) |" % (per, d["in_bytes"] / n, d["out_bytes"] / n))
a_("| packets per response | %.2f |" % (packets / n))
a_("| control transfers (open, serial, SET_INTERFACE) | %s |" % fmt(d["control"]))
a_("")
# A full device: measured, or scaled from the per-response figures.
scale = 1.0 if full else (flash / (f["used"] / n)) / n
wire, packets, trips = wire * scale, packets * scale, trips * scale
a_("Expected time to sync a full device (%s responses) over a real full-speed link, from the" % fmt(n * scale))
a_("wire bytes above (bulk payload at the stated rate, but never faster than 19")
a_("packets per 1 ms frame, plus one 1 ms frame per lock-step round trip, an")
a_("assumption about host controller scheduling, not a measurement):")
a_("")
a_("| Link | Bytes only | With round trips |")
a_("|---|---|---|")
for rate in (1.2e6, 1.0e6):
    a_("| %.1f MB/s | %.2f s | %.2f s |" % (rate / 1e6, wire / rate, seconds(rate)))
a_("")
a_("Per response that is %.1f us of wire time at 1.2 MB/s, and the figures scale" % (per / 1.2))
a_("linearly with the flash size (an 8 MiB device: about %.0f s at 1.0 MB/s)." % (seconds(1.0e6) * 8))
share = trips * 0.001 / seconds(1.0e6)
a_("The lock-step round trips are %.0f%% of that time: each batch of up to 128" % (100 * share))
a_("responses is pulled in reply frames of at most 1 KiB, one request each.")
text = "\n".join(L) + "\n"

frag = os.path.join(root, "docs", "BENCHMARKS-usb-sync.md")
with open(frag + ".tmp", "w") as fh:
    fh.write(text)
os.replace(frag + ".tmp", frag)
md = os.path.join(root, "docs", "BENCHMARKS.md")
begin, end = "<!-- usb-sync:begin -->", "<!-- usb-sync:end -->"
block = begin + "\n" + text + end
doc = open(md).read() if os.path.exists(md) else "# Candor benchmarks\n"
if begin in doc and end in doc:
    doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
elif "## Reproduce" in doc:
    i = doc.index("## Reproduce")
    doc = doc[:i] + block + "\n\n" + doc[i:]
else:
    doc = doc.rstrip("\n") + "\n\n" + block + "\n"
with open(md + ".tmp", "w") as fh:
    fh.write(doc)
os.replace(md + ".tmp", md)
print(text)
EOF
