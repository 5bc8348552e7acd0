#!/bin/sh
# Instructions from the kernel's PVH entry to the first instruction of a static program's
# main (docs/performance.md), for a glibc and a musl build, on microvm and q35: the program
# reads the TSC first thing, the kernel logs the TSC at its entry, and under
# --deterministic the TSC counts instructions.
#
#   bench/boot_to_main.sh [BUILD_DIR]
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -static -O2 "$here/programs/main_tsc.c" -o "$work/main_tsc_glibc"
if command -v musl-gcc >/dev/null; then musl-gcc -static -O2 "$here/programs/main_tsc.c" -o "$work/main_tsc_musl"; fi

echo "| program | machine | instructions, PVH entry to main |"
echo "|---|---|---|"
for program in "$work"/main_tsc_*; do
    for machine in microvm q35; do
        # stdout and the kernel log apart: merged, a log line can split the program's line.
        output=$("$build/osprey" run --deterministic --no-aslr --verbose --machine "$machine" "$program" 2>"$work/log")
        entry=$(sed -n 's/.*TSC at PVH entry \([0-9]*\).*/\1/p' "$work/log")
        main=$(echo "$output" | sed -n 's/^main_tsc \([0-9]*\)$/\1/p')
        echo "| $(basename "$program") | $machine | $((main - entry)) |"
    done
done
