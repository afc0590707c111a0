# make bench-usb: sync throughput through the real libusb path against an
# emulated handheld filled to capacity (tools/bench-usb.sh); writes the
# "USB sync" section of docs/BENCHMARKS.md. BENCH_USB_N=500 measures 500
# responses instead and scales to a full device. `make test-usb` runs only
# the USB test family (ctest -L usb), which `make test` includes.
BENCH_USB_N ?= all

.PHONY: bench-usb test-usb

bench-usb: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2 --target candor candor-sim cnd-usb-bus
	@sh tools/bench-usb.sh $(BUILD) $(BENCH_USB_N)

test-usb: build
	@cd $(BUILD) && ctest --output-on-failure -L usb
