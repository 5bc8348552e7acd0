#!/usr/bin/env bash
# A per-instruction profile of a program run by Osprey (docs/performance.md, "System
# calls and the vDSO"): runs it under `osprey run --deterministic --no-aslr` with the QEMU plugin
# bench/programs/insn_profile_plugin.c and prints every instruction executed at least
# MIN_COUNT times, in address order, as
#
#   COUNT ADDRESS SYMBOL+OFFSET DISASSEMBLY   (the offset in bytes, decimal)
#
# with kernel addresses named from BUILD_DIR/kernel/osprey_debug.elf (nm); addresses in
# the lower half are the program's, its libraries' and the vDSO's ("user").
#
#   bench/insn_profile.sh BUILD_DIR MIN_COUNT PROGRAM [ARGS...]
#
# E.g. `bench/insn_profile.sh build 10000 /tmp/bench syscalls` shows the instructions of
# the getpid and clock_gettime loops (10,000 calls each after 1,000 warm-up calls, so
# their instructions count 11,000 times or a multiple). The raw profile is left in
# BUILD_DIR/bench/insn_profile.txt.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
min_count=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
mkdir -p "$build/bench"
raw=$build/bench/insn_profile.txt

gcc -shared -fPIC -O2 -Wall -fvisibility=hidden "$here/programs/insn_profile_plugin.c" -o "$work/profile.so"
line=$("$build/osprey" run --dry-run --deterministic --no-aslr -- "$@" 2>/dev/null)
eval "cmd=($line)"
timeout 600 "${cmd[@]}" -plugin "$work/profile.so,out=$raw" </dev/null >/dev/null 2>&1 || true
[ -s "$raw" ] || { echo "insn_profile: no profile written" >&2; exit 1; }

# Symbols sorted by address, then one merge pass over the sorted profile.
nm -n --defined-only -C "$build/kernel/osprey_debug.elf" | awk '$2 ~ /^[tTwW]$/' >"$work/symbols"
awk -v min="$min_count" -v symbols="$work/symbols" '
    function hex(s,   i, c, v) {
        v = 0
        for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v
    }
    BEGIN {
        n = 0
        while ((getline line < symbols) > 0) {
            split(line, f, " ")
            if (substr(f[1], 1, 8) != "ffffffff") continue
            address[n] = hex(substr(f[1], 9))
            name[n] = substr(line, index(line, f[3]))
            n++
        }
        k = -1
    }
    /^#/ { print; next }
    $2 >= min {
        # Kernel addresses are all in the top 2 GiB: their low 32 bits tell them apart and
        # stay exact in awk'"'"'s doubles.
        where = "user"
        if (substr($1, 1, 8) == "ffffffff") {
            a = hex(substr($1, 9))
            while (k + 1 < n && address[k + 1] <= a) k++
            if (k >= 0) where = sprintf("%s+%d", name[k], a - address[k])
        }
        disassembly = $0
        sub(/^[^ ]+ [^ ]+ /, "", disassembly)
        printf "%8d %s %s  %s\n", $2, $1, where, disassembly
    }' "$raw"
