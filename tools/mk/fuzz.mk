# make fuzz: every libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS each
# (default 60), in a separate clang build ($(BUILD)/fuzz). Prints one
# markdown table row per harness (docs/FUZZING.md keeps the last run).
# Crashes land in $(BUILD)/fuzz/crashes/<harness>/; the committed seed
# corpus in tests/fuzz/corpus is only read. FUZZ_HARNESSES picks a subset.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?=

.PHONY: fuzz fuzz-build fuzz-seeds

fuzz-build: deps
	@sh tools/fuzz.sh build $(BUILD)/fuzz

fuzz: fuzz-build
	@echo "| harness | time | execs | execs/s | coverage | corpus | findings |"
	@echo "|---|---|---|---|---|---|---|"
	@sh tools/fuzz.sh run $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# Regenerates tests/fuzz/corpus from real outputs (after a format change).
fuzz-seeds: fuzz-build
	@sh tools/fuzz.sh seeds $(BUILD)/fuzz
