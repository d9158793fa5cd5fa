# netmeter — the two set-up commands are `make run` and `make test` (see README.md).
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
# ccache, when installed, makes rebuilding unchanged files cheap across build trees and clones (the
# three configurations of `make test` share it; paths are taken relative to the checkout).
ifneq ($(shell command -v ccache 2>/dev/null),)
CMAKE_FLAGS += -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
endif

.PHONY: all deps build build-asan test unit-test asan-test web web-test screenshots run bench fuzz fuzz-smoke format clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

# The sanitizer build (clang): the unit tests under ASan+UBSan and the libFuzzer targets share one
# build tree, so `make test` compiles the engine twice (this and the release build), not three times.
# -O1 keeps the instrumented tests fast; line tables are all ASan's stack traces need.
$(ASAN_BUILD)/build.ninja:
	CXX=clang++ CC=clang cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" -DCMAKE_C_FLAGS_DEBUG="-O1 -gline-tables-only" \
	  -DNETMETER_SANITIZE=ON -DNETMETER_FUZZ=ON -DNETMETER_BENCH=OFF $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja web
	cmake --build $(BUILD) -j $(JOBS)

# The web UI (web/, see web/README.md): npm ci when the lock file changed, a production build into
# web/dist when a source changed. `netmeter serve` serves web/dist.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run --silent build

web: deps web/dist/index.html

# End-to-end tests of the web UI in headless Chromium against `netmeter serve` on a shared capture.
WEB_E2E_PCAP ?= ../shared/pcaps/ndpi/alexa-app.pcapng
web-test: build
	node web/e2e/run.mjs --netmeter $(BUILD)/src/app/netmeter --web web/dist --pcap $(WEB_E2E_PCAP)

# Screenshots of every page (1280x800 and 3840x2160) into web/screenshots/.
screenshots: build
	node web/e2e/run.mjs --netmeter $(BUILD)/src/app/netmeter --web web/dist --pcap $(WEB_E2E_PCAP) --screenshots web/screenshots

build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan-test: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# Every test: fuzz smoke runs, unit tests under ASan+UBSan, the web UI in headless Chromium, then the
# release build's unit tests and the comparisons with peers (its ctest summary closes the output).
test: fuzz-smoke asan-test web-test unit-test

# The libFuzzer targets (fuzz/) live in the sanitizer build; `bash fuzz/run.sh build-asan` fuzzes
# each for FUZZ_SECONDS.
fuzz: build-asan

# Runs every fuzz target briefly over its seed corpus so a regression in a parser shows up in CI.
fuzz-smoke: fuzz
	bash fuzz/run.sh --smoke $(ASAN_BUILD)

run: build
	bash scripts/run-demo.sh $(BUILD)

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) web/dist
