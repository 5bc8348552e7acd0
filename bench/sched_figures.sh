#!/bin/sh
# Prints the scheduler's figures (docs/performance.md) in instructions: the kernel's
# benchmark self-tests under `osprey boot --deterministic` (-icount shift=0, so the guest
# TSC counts instructions and the figures repeat exactly).
#
#   bench/sched_figures.sh [BUILD_DIR]
set -eu
build=${1:-build}
for machine in microvm q35; do
    echo "## $machine"
    "$build/osprey" boot --deterministic --machine "$machine" --timeout 300 -- \
        selftest=bench-switch,bench-switch-fpu,bench-create,bench-sleep | sed -n 's/^bench /- /p'
done
