# make bench: the benchmarks of issue 7 (tools/workload/bench.py). Writes
# docs/BENCHMARKS.md and bench/results.json. Not part of `make test` (which
# only runs the quick harness check, ctest label "bench").
.PHONY: bench bench-quick

BENCH_SIZES ?= 10000,100000

bench: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2 --target candor candor-sim candor-workload cnd_test_office_key
	@python3 tools/workload/bench.py --build $(BUILD) --sizes $(BENCH_SIZES)

bench-quick: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2 --target candor candor-sim candor-workload cnd_test_office_key
	@python3 tools/workload/bench.py --build $(BUILD) --quick --md /tmp/candor-bench-quick.md --json /tmp/candor-bench-quick.json
