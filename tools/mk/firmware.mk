# Cortex-M firmware images (issue 5): size per module, worst-case stack,
# budget check. The images themselves are part of `make build`.
.PHONY: firmware-size qemu-test

firmware-size: build
	@python3 tools/firmware-size.py $(BUILD)/firmware/arm --check

qemu-test: build
	@cd $(BUILD) && ctest --output-on-failure -L qemu
