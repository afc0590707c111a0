#!/bin/sh
# Quick check (label bench) that the workload tool and the bench harness still
# run; the real benchmarks are `make bench`. Counts only, never timings.
set -eu
out=$(mktemp -d /tmp/cnd-bench-quick-XXXXXX)
trap 'rm -rf "$out"' EXIT
"$CANDOR_WORKLOAD" --n 300 --rows "$out/rows.bin" >"$out/direct.json"
grep -q '"added": 300' "$out/direct.json"
"$CANDOR_WORKLOAD" --n 40 --engine >"$out/engine.json"
grep -q '"saves": 40' "$out/engine.json"
# Under ASan (make test-asan sets CND_SANITIZED) the workload runs above are
# the check: bench.py runs the binary under valgrind callgrind, which cannot
# run ASan-instrumented code.
if [ -n "${CND_SANITIZED:-}" ]; then
    echo "bench: harness skipped under $CND_SANITIZED (valgrind cannot run sanitized binaries)"
    exit 0
fi
python3 "$CND_SOURCE_DIR/tools/workload/bench.py" --quick --build "$CND_BINARY_DIR" \
    --md "$out/BENCHMARKS.md" --json "$out/results.json" --work "$out/work"
grep -q 'entropy bound' "$out/BENCHMARKS.md"
grep -q 'room for big packs' "$out/BENCHMARKS.md"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["runs"][0]["wire_bytes_per_response"] > 0' "$out/results.json"
