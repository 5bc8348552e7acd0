# Osprey's front door. The real build is CMake + Ninja in build/; this file only makes
# sure the machine has what it needs and calls them.
#
#   make          build everything (kernel: build/osprey.elf, host tool: build/osprey)
#   make run      boot the kernel and show its banner
#   make check    all tests: unit (host), guest (QEMU)
#   make check-smp  the guest and application tests again, every VM with two CPUs
#   make check-lockdep  the guest and application tests on the lock-order-checking kernel
#   make bench    Osprey side by side with a Linux guest (bench/run.sh, docs/performance.md)
#   make fuzz     every fuzz target for SECONDS seconds each (default 300; tests/fuzz)
#   make clean    remove build/

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all build run check check-smp check-lockdep bench fuzz clean setup

all: build

# The setup check runs on every make (it takes a fraction of a second when all is there).
setup:
	@./scripts/setup.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: setup $(BUILD_DIR)/build.ninja
	@ninja -C $(BUILD_DIR) -j $(JOBS)

run: build
	@$(BUILD_DIR)/osprey run --timeout 60 /bin/busybox echo "Hello from Osprey"

check: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# OSPREY_CPUS sets every VM's default --cpus (docs/cli.md); tests that need one CPU, or
# choose their own count, carry the label cpus-fixed.
check-smp: build
	@cd $(BUILD_DIR) && OSPREY_CPUS=2 ctest -L '^(guest|apps)$$' -LE '^cpus-fixed$$' --output-on-failure -j $(JOBS) --timeout 300

# The same tests on osprey_lockdep.elf (docs/reliability.md): any lock taken out of order
# panics that kernel, so the test that took it fails.
check-lockdep: build
	@cd $(BUILD_DIR) && cmake -DOSPREY_TESTS_ON_LOCKDEP=ON . >/dev/null && \
		ctest -L '^(guest|apps)$$' --output-on-failure -j $(JOBS) --timeout 300; \
		status=$$?; cmake -DOSPREY_TESTS_ON_LOCKDEP=OFF . >/dev/null; exit $$status

bench: build
	@bench/run.sh $(BUILD_DIR)

SECONDS ?= 300
fuzz: build
	@cd $(BUILD_DIR) && cmake -DOSPREY_FUZZ_SECONDS=$(SECONDS) . >/dev/null && \
		ctest -L fuzz --output-on-failure --timeout $$(( $(SECONDS) + 120 )); \
		status=$$?; cmake -UOSPREY_FUZZ_SECONDS . >/dev/null; exit $$status

clean:
	rm -rf $(BUILD_DIR)
