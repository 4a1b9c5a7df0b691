# Metrify: the two commands a new user needs are `make run` and `make test`.
# Both install what is missing (scripts/setup), build, and go.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DATA_DIR ?= data
LISTEN ?= 127.0.0.1:8000

.PHONY: all setup configure build run test bench format clean

all: build

setup:
	@./scripts/setup

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DMETRIFY_WERROR=ON

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./scripts/run --listen $(LISTEN) --data-dir $(DATA_DIR)

test: build
	./scripts/test $(BUILD_DIR)

# Each benchmark prints its figures; docs/benchmarks.md records them.
bench: build
	./$(BUILD_DIR)/codec_bench
	./$(BUILD_DIR)/parse_bench
	./$(BUILD_DIR)/wal_bench
	./$(BUILD_DIR)/segment_bench
	./$(BUILD_DIR)/estimation_bench
	./$(BUILD_DIR)/metrify bench ingest --meters 10000 --days 7
	./$(BUILD_DIR)/metrify bench query
	node bench/dashboard_bench.mjs --binary $(BUILD_DIR)/metrify --meters 10000 --days 2

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR)
