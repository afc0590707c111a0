# Flipped bits in a device image (tests/bitflip/bitflip.c, issue 12).
# `ctest -L bitflip` (in make test) flips every bit of every metadata byte
# and a sample of record bits. `make bitflip-all` flips every written bit of
# the image, one at a time (several minutes). `make bitflip-soak` flips 2..8
# random written bits per image, BITFLIP_SOAK images (default 5000), seed
# BITFLIP_SEED (default 1). All print the same summary line.
BITFLIP_SOAK ?= 5000
BITFLIP_SEED ?= 1

.PHONY: bitflip-all bitflip-soak

bitflip-all: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2 --target bitflip
	@$(BUILD)/tests/bitflip/bitflip --all

bitflip-soak: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2 --target bitflip
	@$(BUILD)/tests/bitflip/bitflip --soak $(BITFLIP_SOAK) $(BITFLIP_SEED)
