#!/bin/sh
# fuzz.sh: builds and runs the libFuzzer harnesses of tests/fuzz/.
#
#   fuzz.sh build DIR               clang build of the tree with -fsanitize=
#                                   fuzzer-no-link,address,undefined in DIR
#   fuzz.sh smoke DIR NAME [RUNS]   replay tests/fuzz/corpus/NAME, then RUNS
#                                   (default 2000) random inputs; for ctest
#   fuzz.sh run DIR SECONDS [NAME...]
#                                   fuzz each harness (default: all) for
#                                   SECONDS; prints one line per harness and
#                                   a markdown table row; crashes land in
#                                   DIR/crashes/NAME, new inputs in
#                                   DIR/corpus/NAME (the committed seeds are
#                                   only read)
#   fuzz.sh seeds DIR               regenerate tests/fuzz/corpus with gen_seeds
#
# Why a separate build: libFuzzer needs clang; the main build uses gcc.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEEDS=$ROOT/tests/fuzz/corpus
CLANG=${CC:-clang}
case "$CLANG" in *clang*) ;; *) CLANG=clang ;; esac
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

harnesses() {
    for f in "$ROOT"/tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        n=${n#fuzz_}
        [ "$n" = common ] || echo "$n"
    done
}

build() {
    dir=$1
    command -v "$CLANG" >/dev/null 2>&1 || {
        echo "fuzz.sh: $CLANG not found; run tools/setup-deps.sh (tools/deps/fuzz.txt)" >&2
        exit 1
    }
    cmake -S "$ROOT" -B "$dir" -DCND_FUZZ=ON -DCMAKE_C_COMPILER="$CLANG" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$SAN" >/dev/null
    cmake --build "$dir" -j2 --target fuzz_all
}

# Sanitizers abort on the first report, so libFuzzer keeps the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

smoke() {
    dir=$1 name=$2 runs=${3:-2000}
    bin=$dir/tests/fuzz/fuzz_$name
    [ -x "$bin" ] || { echo "fuzz.sh: $bin not built; run: fuzz.sh build $dir" >&2; exit 1; }
    work=$(mktemp -d "${TMPDIR:-/tmp}/cnd-fuzz-smoke-$name.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    # Seeds first (every committed input, regression inputs included, must
    # pass), then random mutations of them. New inputs go to $work only.
    "$bin" -runs=0 "$SEEDS/$name" >"$work/replay.log" 2>&1 || {
        cat "$work/replay.log" >&2
        echo "fuzz.$name: a committed seed crashes the harness" >&2
        exit 1
    }
    "$bin" -seed=1 -runs="$runs" -max_total_time=15 -timeout=10 \
        -artifact_prefix="$work/" "$work" "$SEEDS/$name" >"$work/run.log" 2>&1 || {
        tail -60 "$work/run.log" >&2
        for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
            [ -e "$a" ] && echo "fuzz.$name: failing input (base64): $(base64 -w0 "$a")" >&2
        done
        exit 1
    }
    execs=$(grep -o 'Done [0-9]* runs' "$work/run.log" | tail -1)
    echo "fuzz.$name: seeds replayed, ${execs:-no summary} without a finding"
}

run() {
    dir=$1 secs=$2
    shift 2
    [ $# -gt 0 ] || set -- $(harnesses)
    mkdir -p "$dir/crashes" "$dir/corpus" "$dir/logs"
    status=0
    for name; do
        bin=$dir/tests/fuzz/fuzz_$name
        [ -x "$bin" ] || { echo "fuzz.sh: $bin not built" >&2; exit 1; }
        mkdir -p "$dir/corpus/$name" "$dir/crashes/$name"
        log=$dir/logs/$name.log
        rc=0
        "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
            -artifact_prefix="$dir/crashes/$name/" "$dir/corpus/$name" "$SEEDS/$name" \
            >"$log" 2>&1 || rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
        units=$(ls "$dir/corpus/$name" | wc -l)
        if [ $rc -eq 0 ]; then found=none; else found="CRASH, see $log"; status=1; fi
        echo "| $name | ${secs} s | ${execs:-?} | ${rate:-?} | ${cov:-?} | $units | $found |"
    done
    return $status
}

[ $# -ge 2 ] || usage
cmd=$1
shift
case $cmd in
build) build "$1" ;;
smoke) [ $# -ge 2 ] || usage; smoke "$@" ;;
run) [ $# -ge 2 ] || usage; run "$@" ;;
seeds)
    "$1/tests/fuzz/gen_seeds" "$SEEDS"
    ;;
*) usage ;;
esac
