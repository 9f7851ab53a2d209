# Thin wrapper over CMake: the two commands of the README, and the developer targets.
BUILD   ?= build
DB      ?= data/jiesu.db
LISTEN  ?= 127.0.0.1:8080
JOBS    ?= $(shell nproc)
SHARED  ?= $(abspath ../shared)
MAKEFLAGS += --no-print-directory

.PHONY: all setup build run test check fuzz format bench screenshots clean

all: build

setup:
	@scripts/setup --browser

$(BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

run: setup build
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then \
	  $(BUILD)/jiesu init --db $(DB) && \
	  $(BUILD)/jiesu demo --db $(DB) --data $(SHARED)/data/tipdm2020c >/dev/null || \
	  { rm -f $(DB) $(DB)-wal $(DB)-shm; exit 1; }; \
	fi
	@echo "演示账号（密码均为 jiesu-demo）；每个单位另有 op-CODE（单位操作员）与 lead-CODE（单位领导）："
	@$(BUILD)/jiesu demo --logins --db $(DB) | awk 'NR==1 || $$2 !~ /^unit_/ || n++ < 6'
	@$(BUILD)/jiesu serve --db $(DB) --listen $(LISTEN) --web web

test: setup build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check: setup
	@JOBS=$(JOBS) scripts/check

# libFuzzer targets of tests/fuzz, FUZZ_SECONDS each (scripts/fuzz)
fuzz: setup
	@JOBS=$(JOBS) scripts/fuzz $(FUZZ_SECONDS)

format:
	@find src tests bench -name '*.[ch]' | xargs clang-format -i

bench: setup build
	@scripts/setup --bench
	@scripts/bench

screenshots: setup build
	@node tests/browser/screenshots.mjs

clean:
	@rm -rf $(BUILD) build-asan build-clang build-clang-rel build-rel build-fuzz
