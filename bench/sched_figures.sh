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
        selftest=bench-switch,bench-switch-fpu,bench-create,bench-sleep,bench-wake | sed -n 's/^bench /- /p'
done
# Wake-up latency in wall time (ticks of the host's TSC): a thread woken on its own CPU,
# and one woken on another, idle CPU (the reschedule IPI ends its HLT). Not deterministic:
# under TCG each vCPU is a host thread, and the second figure includes the host waking it.
echo "## wake-up latency, microvm, 2 CPUs, wall time"
"$build/osprey" boot --cpus 2 --timeout 300 -- selftest=bench-wake | sed -n 's/^bench /- /p'
