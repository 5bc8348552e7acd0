#!/usr/bin/env bash
# The storage figures of `make bench` (docs/performance.md, "Storage"): the static program
# bench/programs/storage.c on an ext4 volume, once in Osprey and once as the payload of
# Debian's own kernel, each run on a fresh copy of the same disk image, with the same QEMU
# command line.
#
#   bench/storage_figures.sh [BUILD_DIR]
#
# What the program measures (MiB/s, writes/s, files/s, rows/s; CLOCK_MONOTONIC in the
# guest, each stretch ending with fsync or syncfs): a 64 MiB file written sequentially and
# read back twice, 4 KiB random writes each followed by fsync, small files created and
# unlinked, sqlite3 inserts in transactions of 1,000 and of 10 rows (libsqlite3.a, linked
# statically).
#
# The disk: one image made by mke2fs (ext4, 4 KiB blocks, Debian's default features, the
# inode tables and the journal zeroed now, so that Linux's mount starts no background
# zeroing of its own), copied afresh before every run; after each run `e2fsck -fn` of the
# copy must be clean (a run that leaves a damaged file system measured something else).
# The copies live in host memory (/dev/shm) by default: a guest's flush then costs QEMU an
# fdatasync on tmpfs, next to nothing, so the figures are the guests' own work and not the
# speed of the host's disk (on this project's machines a virtual disk shared with other
# builds, where a flush takes milliseconds and varies widely). BENCH_STORAGE_DIR=/var/tmp
# puts them on the host's disk, where every flush a kernel asks for costs a host fdatasync
# (QEMU's cache=writeback): slower, noisier, and what a real disk would charge.
#
# Same flags: the QEMU command line is the one `osprey run --dry-run --volume
# COPY:/data` prints; for Linux only -kernel, -initrd and -append change (and, on microvm,
# acpi=off becomes acpi=on, as in bench/net_figures.sh: Debian's kernel finds virtio-mmio
# devices through ACPI only). The default machine is q35 (virtio-blk-pci), where nothing
# else differs. Both get no network device.
#
# The Linux guest's initramfs: bench/programs/storage_init.c as /init (loads virtio_blk,
# ext4 and what they depend on, taken from the same kernel package by
# bench/lib/linux_guest.sh; mounts /dev/vda on /data with Linux's default options; runs
# the program; unmounts), the program as /bench/storage, and the modules.
#
# Osprey's figures are skipped with a message (and its output shown) when its run does not
# finish or leaves the file system damaged; for Linux that is an error.
#
# Environment:
#   BENCH_STORAGE_RUNS     runs per guest (default 3), interleaved Osprey, Linux, ...; no
#                          warm-up run: every run is a fresh VM on a fresh disk anyway
#   BENCH_STORAGE_GROUPS   the program's groups (default all: seq rand small sqlite)
#   BENCH_STORAGE_MACHINE  q35 or microvm (default q35)
#   BENCH_STORAGE_DIR      where the images are kept during the runs, in a new directory
#                          (default /dev/shm; TMPDIR or /tmp when /dev/shm is not writable)
#   BENCH_CACHE            as for bench/run.sh
#   BENCH_RESULTS          when set, the results file to append to (bench/run.sh sets it
#                          and prints the whole table); otherwise the figures go to
#                          BUILD_DIR/bench/storage_results.tsv and their table to stdout
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
runs=${BENCH_STORAGE_RUNS:-3}
read -r -a groups <<<"${BENCH_STORAGE_GROUPS:-}"
machine=${BENCH_STORAGE_MACHINE:-q35}
cache=${BENCH_CACHE:-$build/bench-cache}
memory=256
image_mib=256
out_dir=$build/bench
# shellcheck source=lib/figures_common.sh
. "$here/lib/figures_common.sh"
figures_common storage "$machine"

# The programs stay out of /dev/shm: inside Osprey's guest /dev is devfs, so a program
# taken from a host path under /dev would not be found at that path in the image.
work=$(mktemp -d)
storage_dir=${BENCH_STORAGE_DIR:-/dev/shm}
[ -d "$storage_dir" ] && [ -w "$storage_dir" ] || storage_dir=${TMPDIR:-/tmp}
disks=$(mktemp -d -p "$storage_dir")
trap 'rm -rf "$work" "$disks"' EXIT
export TMPDIR=$work  # osprey run --dry-run keeps its images in here

# --- the programs, the disk and the Linux guest ---------------------------------------

# libsqlite3.a (Debian's libsqlite3-dev, installed by scripts/setup.sh) makes the program
# static like the others. The linker warns that sqlite's extension loading (dlopen) needs
# shared libraries at run time; nothing here loads extensions, so that warning is kept out.
gcc -static -O2 -Wall "$here/programs/storage.c" -o "$work/storage" -lsqlite3 -lm 2>"$work/gcc.err" ||
    { cat "$work/gcc.err" >&2; exit 1; }
grep -v -e "dlopen" -e "in function" "$work/gcc.err" >&2 || true
gcc -static -O2 -Wall "$here/programs/storage_init.c" -o "$work/storage_init"
gcc -O2 -Wall "$here/programs/host_tsc_khz.c" -o "$work/host_tsc_khz"
vmlinux=$("$here/lib/linux_guest.sh" "$cache")
modules=${vmlinux%.vmlinux}.modules
host_khz=$("$work/host_tsc_khz")

# mke2fs would pick 1 KiB blocks for a volume this small (its "small" type): 4 KiB asked.
pristine=$disks/pristine.img
truncate -s "${image_mib}M" "$pristine"
mke2fs -q -t ext4 -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 -F "$pristine"
disk=$disks/disk.img  # each run's copy; the same path for both guests

mkdir -p "$work/linux-root/bench"
cp "$work/storage_init" "$work/linux-root/init"
cp "$work/storage" "$work/linux-root/bench/storage"
# ext4's crc32c comes through the crypto API (a soft dependency): the generic one, and the
# one with SSE4.2's instruction, which the kernel prefers and Osprey also uses.
"$here/lib/linux_modules.sh" "$modules" "$work/linux-root/bench-modules" \
    virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
    crc16 mbcache jbd2 crc32c_generic crc32c-intel ext4
(cd "$work/linux-root" && find . -mindepth 1 | cpio -o -H newc --quiet) >"$work/linux.cpio"

# --- the command line ----------------------------------------------------------------------

# One --dry-run for every run: the disk is copied to the same path each time.
cp --sparse=always "$pristine" "$disk"
flags=(--machine "$machine" --memory "${memory}M" --accel tcg --network none --volume "$disk:/data")
line=$("$build/osprey" run --dry-run "${flags[@]}" -- "$work/storage" /data "${groups[@]}" 2>"$work/dry-run.err") || {
    echo "storage_figures: osprey run --dry-run failed:" >&2
    cat "$work/dry-run.err" >&2
    exit 1
}
declare -a base
eval "base=($line)"

# guest_command GUEST: sets `cmd` to the guest's QEMU command line. The guest's output goes
# to files: Linux's console (kernel messages, storage_init's lines and the program's
# output) to $work/linux.log; Osprey's program stdout and stderr to $work/osprey.out and
# .err, its kernel log to $work/osprey.log.
guest_command() {
    local guest=$1 append="console=ttyS0 quiet reboot=t panic=-1" i arg
    [ "$machine" = microvm ] && append="$append tsc_early_khz=$host_khz tsc=reliable"
    append="$append -- /bench/storage /data ${groups[*]} --poweroff"
    cmd=()
    for ((i = 0; i < ${#base[@]}; i++)); do
        arg=${base[i]}
        case "$guest:$arg" in
        *:stdio,id=oslog) cmd+=("file,id=oslog,path=$work/$guest.log") ;;
        osprey:file,id=osout,*) cmd+=("file,id=osout,path=$work/osprey.out") ;;
        osprey:file,id=oserr,*) cmd+=("file,id=oserr,path=$work/osprey.err") ;;
        linux:microvm,acpi=off) cmd+=("microvm,acpi=on") ;;
        linux:-kernel) cmd+=(-kernel "$vmlinux"); i=$((i + 1)) ;;
        linux:-initrd) cmd+=(-initrd "$work/linux.cpio"); i=$((i + 1)) ;;
        linux:-append) cmd+=(-append "$append"); i=$((i + 1)) ;;
        *) cmd+=("$arg") ;;
        esac
    done
}

# guest_output GUEST: what the program printed (for Linux, the whole console).
guest_output() {
    if [ "$1" = linux ]; then
        tr -d '\r' <"$work/linux.log" 2>/dev/null || true
    else
        cat "$work/osprey.out" "$work/osprey.err" 2>/dev/null || true
    fi
}

show_guest() {
    echo "--- $1's output (last 30 lines):" >&2
    guest_output "$1" | tail -n 30 >&2
    if [ "$1" = osprey ]; then
        echo "--- Osprey's kernel log (last 20 lines):" >&2
        tail -n 20 "$work/osprey.log" >&2 2>/dev/null || true
    fi
    echo "--- QEMU:" >&2
    tail -n 5 "$work/qemu.out" >&2 || true
}

# measure GUEST RUN: one VM on a fresh copy of the disk; records its figures, or returns 1
# (after saying why) when the program did not finish or the file system is not clean.
measure() {
    local guest=$1 run=$2 start=$SECONDS status=0
    cp --sparse=always "$pristine" "$disk"
    rm -f "$work/$guest.log" "$work/osprey.out" "$work/osprey.err"
    guest_command "$guest"
    timeout 600 "${cmd[@]}" </dev/null >"$work/qemu.out" 2>&1 || status=$?
    if ! guest_output "$guest" | grep -qx "done"; then
        say "$guest, run $run/$runs: the program did not finish (QEMU's status $status)"
        show_guest "$guest"
        return 1
    fi
    if ! e2fsck -fn "$disk" >"$work/e2fsck.out" 2>&1; then
        say "$guest, run $run/$runs: e2fsck -fn finds the file system damaged after the run:"
        head -n 30 "$work/e2fsck.out" >&2
        return 1
    fi
    local key value unit summary=""
    while read -r key value unit; do
        record "$guest" "$key" "$value"
        summary="$summary $key $value $unit;"
    done < <(guest_output "$guest" | awk '$1 == "figure" { print $2, $3, $4 }')
    say "$guest, run $run/$runs ($((SECONDS - start))s):$summary"
    # The program's notes (whether the page cache could be dropped), once per guest.
    if [ "$run" = 1 ]; then
        guest_output "$guest" | sed -n "s/^note /bench: $guest: /p" >&2
    fi
}

# --- the runs ------------------------------------------------------------------------------

say "storage figures on $machine: Osprey $("$build/osprey" --version 2>/dev/null | head -n 1 || true)," \
    "Linux $(basename "$vmlinux" .vmlinux); $runs runs each on fresh copies of a ${image_mib} MiB ext4 image in $disks"
[ "$machine" = microvm ] && say "note: on microvm the Linux guest gets acpi=on (its kernel finds virtio-mmio devices only through ACPI)"
osprey_ok=1
for ((run = 1; run <= runs; run++)); do
    if [ "$osprey_ok" = 1 ] && ! measure osprey "$run"; then
        say "skipping Osprey's storage figures"
        osprey_ok=0
    fi
    if ! measure linux "$run"; then
        echo "storage_figures: the Linux guest's run failed (its console is above)" >&2
        exit 1
    fi
done
say "storage figures done in $((SECONDS - started))s$([ "$osprey_ok" = 1 ] || echo '; Osprey skipped')"

if [ "$own_table" = 1 ]; then
    {
        echo "Osprey $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo '?') against" \
            "Debian's $(basename "$vmlinux" .vmlinux), $(qemu-system-x86_64 --version | head -n 1)," \
            "TCG, -cpu max, ${memory} MiB, $machine, a ${image_mib} MiB ext4 volume; $runs runs;" \
            "host load average $(cut -d ' ' -f 1-3 /proc/loadavg) on $(nproc) CPUs at the end."
        echo
        awk -F '\t' -v recorded_only=1 -f "$here/lib/table.awk" "$here/figures.tsv" "$results"
    } | tee "$out_dir/storage_table.md"
fi
