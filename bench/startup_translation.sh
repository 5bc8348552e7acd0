#!/usr/bin/env bash
# Where the guest's start-up time goes under TCG (docs/performance.md, issue 17): runs a
# program under `osprey run` (microvm) with the QEMU plugin bench/programs/tb_trace_plugin.c
# and prints, for each phase of the start-up, how many instructions QEMU translated, in
# how many blocks, and the host's milliseconds; then the subsystems (kernel symbols' first
# namespace) whose code was translated between the kernel being ready and the program's
# first instruction. The guest runs most of its start-up code once, so its wall time
# follows the instructions translated, not those executed.
#
#   bench/startup_translation.sh BUILD_DIR PROGRAM [ARGS...]
#
# Phases, by the first block translated in each: the firmware (qboot), the kernel's entry,
# ipi::init (the first step after the kernel is ready), the program's first instruction,
# and the kernel's write(2) (its first output). The raw trace is left in
# BUILD_DIR/bench/tb_trace.txt. The plugin's clock reads slow the run by a few percent.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
mkdir -p "$build/bench"
raw=$build/bench/tb_trace.txt

gcc -shared -fPIC -O2 -Wall -fvisibility=hidden "$here/programs/tb_trace_plugin.c" -o "$work/trace.so"
line=$("$build/osprey" run --dry-run -- "$@" 2>/dev/null)
eval "cmd=($line)"
timeout 120 "${cmd[@]}" -plugin "$work/trace.so,out=$raw" </dev/null >/dev/null 2>&1 || true
[ -s "$raw" ] || { echo "startup_translation: no trace written" >&2; exit 1; }

nm -n --defined-only -C "$build/kernel/osprey_debug.elf" | awk '$2 ~ /^[tTwW]$/' >"$work/symbols"
python3 - "$work/symbols" "$raw" <<'PY'
import bisect, collections, re, sys

addresses, names = [], []
for line in open(sys.argv[1]):
    address, _, name = line.rstrip("\n").split(" ", 2)
    addresses.append(int(address, 16))
    names.append(re.sub(r"\(.*", "", name.replace("(anonymous namespace)", "anon")))

def symbol(address):
    if address < 0x100000 or 0xFFF00000 <= address < 0x100000000:
        return "firmware"
    if address < 0x800000000000:
        return "user"
    i = bisect.bisect_right(addresses, address) - 1
    return names[i] if i >= 0 else "?"

blocks = [l.split() for l in open(sys.argv[2]) if not l.startswith("#")]
start = int(blocks[0][0])
marks = [("kernel entry", lambda s: s == "kernel_entry"),
         ("kernel ready (ipi::init)", lambda s: s.startswith("ipi::init")),
         ("program's first instruction", lambda s: s == "user"),
         ("program's first write", lambda s: s == "linux_abi::sys_write")]
phases = [["firmware", 0, 0, 0, 0.0]]  # name, blocks, instructions, of them user, start ms
subsystems = collections.Counter()
for ns, address, count in blocks:
    name = symbol(int(address, 16))
    if len(phases) <= len(marks) and marks[len(phases) - 1][1](name):
        phases.append([marks[len(phases) - 1][0], 0, 0, 0, (int(ns) - start) / 1e6])
    phase = phases[-1]
    phase[1] += 1
    phase[2] += int(count)
    if name == "user":
        phase[3] += int(count)
    if phase[0] == "kernel ready (ipi::init)":
        subsystems[name.split("::")[0]] += int(count)
end = (int(blocks[-1][0]) - start) / 1e6
print("| from | blocks | instructions translated (user) | host ms |")
print("|---|---:|---:|---:|")
for i, (name, count, instructions, user, at) in enumerate(phases):
    until = phases[i + 1][4] if i + 1 < len(phases) else end
    print(f"| {name} | {count} | {instructions} ({user}) | {until - at:.1f} |")
total = sum(p[2] for p in phases)
print(f"\n{total} instructions translated in {end:.1f} ms: {total / end:.0f} per ms")
print("\nkernel ready to the program, instructions translated by subsystem:")
print(", ".join(f"{name} {count}" for name, count in subsystems.most_common(16)))
PY
