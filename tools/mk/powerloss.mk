# make soak: the power-loss soak (tests/powerloss/soak_powerloss.c): a longer
# device life (890 interviews, the standard life's middle repeated), each
# run cut by 1..6 power failures at random flash write ops (boot included),
# torn at random, for SOAK_SECONDS (default 600). SOAK_SEED replays a run
# (the soak prints its seed first). Same invariants as `ctest -L powerloss`,
# plus log wear within 2x. `make powerloss` runs just the ctest label and
# shows its summary lines (ctest alone shows them with -V).
SOAK_SECONDS ?= 600
SOAK_SEED ?=

.PHONY: soak powerloss

soak: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2 --target soak_powerloss
	@$(BUILD)/tests/powerloss/soak_powerloss $(SOAK_SECONDS) $(SOAK_SEED)

powerloss: build
	@cd $(BUILD) && ctest --output-on-failure -L powerloss
	@grep -h -E '^(life|runs|wear|powerloss): ' $(BUILD)/Testing/Temporary/LastTest.log
