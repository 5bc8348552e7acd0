#!/bin/sh
# Prints the kernel's boot figures (docs/performance.md): instructions from the PVH entry to
# the end of kernel start-up on each machine type (deterministic: -icount shift=0, so the
# guest TSC counts instructions), the kernel image size, the smallest -m it boots in, and
# the wall time of a whole `osprey boot` (QEMU start to exit), median of 5.
#
#   bench/boot_figures.sh [BUILD_DIR]
set -eu
build=${1:-build}
osprey="$build/osprey"
kernel="$build/osprey.elf"

echo "| machine | instructions, PVH entry to start-up end | osprey boot wall time (median of 5) |"
echo "|---|---|---|"
for machine in microvm pc q35; do
    instructions=$("$osprey" boot --deterministic --machine "$machine" |
        sed -n 's/.*(\([0-9]*\) TSC ticks from PVH entry).*/\1/p')
    times=""
    for run in 1 2 3 4 5; do
        start=$(date +%s%N)
        "$osprey" boot --machine "$machine" >/dev/null
        end=$(date +%s%N)
        times="$times $(( (end - start) / 1000000 ))"
    done
    median=$(echo $times | tr ' ' '\n' | sort -n | sed -n 3p)
    echo "| $machine | $instructions | $median ms |"
done

file_bytes=$(stat -c %s "$kernel")
highest=0
for end in $(readelf -lW "$kernel" | awk '$1 == "LOAD" { print $4 " " $6 }' | while read -r paddr memsz; do
    echo $((paddr + memsz)); done); do
    [ "$end" -gt "$highest" ] && highest=$end
done
loaded=$((highest - 0x200000))
echo
echo "kernel image: $file_bytes bytes on disk, $loaded bytes in memory (from 2 MiB physical)"

low=2
high=16
while [ $((high - low)) -gt 1 ]; do
    mid=$(( (low + high) / 2 ))
    if "$osprey" boot --machine microvm --memory "$mid" --timeout 30 -- \
        selftest=cxx,frames,heap,timer,clock,pingpong,sleep,fpu >/dev/null 2>&1; then
        high=$mid
    else
        low=$mid
    fi
done
echo "smallest -m that boots and passes the memory, timer and scheduling self-tests (microvm): ${high} MiB"
