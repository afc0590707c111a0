# Cortex-M firmware images (issue 5): size per module, worst-case stack,
# budget check, for both images (the QEMU test board and the reference
# handheld, which must fit 128 KiB flash / 32 KiB RAM with its stack).
# The images themselves are part of `make build`; `ctest -L firmware` runs
# the same check in `make test`.
.PHONY: firmware-size qemu-test

firmware-size: build
	@python3 tools/firmware-size.py $(BUILD)/firmware/arm --check \
		--require qemu-netduinoplus2 --require stm32f407-handheld

qemu-test: build
	@cd $(BUILD) && ctest --output-on-failure -L qemu
