# Thin wrapper: the README's two commands. Real build logic lives in CMake.
BUILD ?= build
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build test demo clean format

all: build

deps:
	@tools/setup-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j2

test: build
	@cd $(BUILD) && ctest --output-on-failure -j2

demo: build
	@tools/demo.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

# Feature targets (fuzz, sanitizers, bench, ...) live in tools/mk/*.mk.
-include tools/mk/*.mk
