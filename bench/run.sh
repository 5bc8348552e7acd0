#!/usr/bin/env bash
# Osprey side by side with a Linux guest (`make bench`; docs/performance.md, "Side by
# side"). Runs the same static benchmark program (bench/programs/bench.c) as Osprey's
# application and as the /init of Debian's own kernel, on the same QEMU command line, and
# prints the markdown table of bench/figures.tsv on stdout (progress goes to stderr).
#
#   bench/run.sh [BUILD_DIR]
#
# Environment: BENCH_RUNS timed runs per figure (default 5, after one discarded warm-up
# run), BENCH_ICOUNT_RUNS runs under -icount (default 3; they repeat exactly),
# BENCH_CACHE where Debian's kernel is kept (default BUILD_DIR/bench-cache), BENCH_NET=0
# to leave out the network figures (bench/net_figures.sh, which has its own BENCH_NET_*
# settings), BENCH_STORAGE=0 the storage figures (bench/storage_figures.sh, with its own
# BENCH_STORAGE_* settings). The raw figures and the table are also left in BUILD_DIR/bench/.
#
# Same flags: the QEMU command line of each run is the one `osprey run --dry-run` prints;
# for the Linux guest only -kernel, -initrd and -append change (its console is the serial
# port that carries Osprey's kernel log). Memory is 256 MiB for both: Debian's kernel
# cannot touch 64 MiB in 128.
set -euo pipefail
export LC_ALL=C  # a decimal point in $EPOCHREALTIME and in awk

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
runs=${BENCH_RUNS:-5}
icount_runs=${BENCH_ICOUNT_RUNS:-3}
cache=${BENCH_CACHE:-$build/bench-cache}
memory=256
out_dir=$build/bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work  # osprey run --dry-run keeps its images in here
mkdir -p "$out_dir"
results=$out_dir/results.tsv  # GUEST<TAB>KEY<TAB>VALUE, one line per measurement
: >"$results"
started=$SECONDS

say() { echo "bench: [$((SECONDS - started))s] $*" >&2; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# --- the programs and the Linux guest ------------------------------------------------

gcc -static -O2 -Wall "$here/programs/bench.c" -o "$work/bench" -lpthread
gcc -static -O2 -Wall "$here/programs/hello.c" -o "$work/hello"
gcc -static -O2 -Wall "$here/programs/exit0.c" -o "$work/exit0"
gcc -static -O2 -Wall "$here/programs/soak.c" -o "$work/soak" -lpthread
gcc -O2 -Wall "$here/programs/host_tsc_khz.c" -o "$work/host_tsc_khz"
as --32 "$here/programs/floor.S" -o "$work/floor.o"
ld -m elf_i386 -Ttext=0x100000 "$work/floor.o" -o "$work/floor.elf"
vmlinux=$("$here/lib/linux_guest.sh" "$cache")
host_khz=$("$work/host_tsc_khz")
say "Linux guest: $vmlinux; host TSC $host_khz kHz"

# The Linux guest's initramfs: the program as /init and nothing else (the kernel's own
# built-in initramfs supplies /dev/console).
linux_initramfs() {
    local program=$1 image=$work/linux-$(basename "$1").cpio
    if [ ! -f "$image" ]; then
        mkdir -p "$work/root-$(basename "$1")"
        cp "$program" "$work/root-$(basename "$1")/init"
        (cd "$work/root-$(basename "$1")" && echo init | cpio -o -H newc --quiet) >"$image"
    fi
    echo "$image"
}

# --- one VM ----------------------------------------------------------------------------

# guest_command GUEST MACHINE MODE MEMORY_MIB PROGRAM [ARGS...] sets the array `cmd` to
# the QEMU command line of one run. MODE is icount (-icount shift=0,sleep=off and a fixed
# RTC, the TSC counts instructions, no address randomisation) or plain. The guest's
# output on QEMU's stdout is the program's stdout (Osprey; the kernel log goes to
# $work/kernel.log) or the console (Linux: kernel messages and the program's stdout).
# osprey_flags holds extra options for `osprey run`.
osprey_flags=()
linux_initrd=""  # when set, the Linux guest's initramfs instead of PROGRAM as /init
guest_command() {
    local guest=$1 machine=$2 mode=$3 mib=$4 program=$5
    shift 5
    # The memory is set below: osprey refuses sizes its image cannot fit, QEMU does not.
    local flags=(--machine "$machine" --memory "${memory}M")
    [ "$mode" = icount ] && flags+=(--deterministic --no-aslr)
    flags+=("${osprey_flags[@]}")
    local line
    line=$("$build/osprey" run --dry-run "${flags[@]}" -- "$program" "$@" 2>/dev/null)
    local -a base
    eval "base=($line)"

    local append="console=ttyS0 quiet reboot=t panic=-1"
    if [ "$machine" = microvm ]; then
        # Debian's kernel cannot calibrate the TSC on microvm under TCG and hangs without this.
        local khz=$host_khz
        [ "$mode" = icount ] && khz=1000000
        append="$append tsc_early_khz=$khz tsc=reliable"
    fi
    [ "$mode" = icount ] && append="$append norandmaps"
    append="$append -- $* --poweroff"

    cmd=()
    local i
    for ((i = 0; i < ${#base[@]}; i++)); do
        local arg=${base[i]}
        case "$guest:$arg" in
        osprey:stdio,id=oslog) cmd+=("file,id=oslog,path=$work/kernel.log") ;;
        osprey:file,id=osout,*) cmd+=("stdio,id=osout") ;;
        *:-m) cmd+=(-m "${mib}M"); i=$((i + 1)) ;;
        linux:-kernel) cmd+=(-kernel "$vmlinux"); i=$((i + 1)) ;;
        linux:-initrd) cmd+=(-initrd "${linux_initrd:-$(linux_initramfs "$program")}"); i=$((i + 1)) ;;
        linux:-append) cmd+=(-append "$append"); i=$((i + 1)) ;;
        floor:-kernel) cmd+=(-kernel "$work/floor.elf"); i=$((i + 1)) ;;
        floor:-initrd | floor:-append) i=$((i + 1)) ;;
        *) cmd+=("$arg") ;;
        esac
    done
    # TCG's RDRAND draws on host entropy; a fixed seed makes -icount runs repeat exactly.
    [ "$mode" = icount ] && cmd+=(-seed 1)
    return 0
}

# run_vm TIMEOUT [FIRST_LINE]: runs `cmd`; the guest's output lines (carriage returns
# removed) go to $work/out, and the milliseconds from starting QEMU to the first line that
# matches FIRST_LINE (a glob; default `figure main_tsc *`, the program's first) to
# $work/first_output_ms.
run_vm() {
    local limit=$1 first_line=${2:-"figure main_tsc *"} start=$EPOCHREALTIME
    : >"$work/kernel.log"
    timeout "$limit" "${cmd[@]}" </dev/null 2>"$work/qemu.err" | {
        local line first=""
        while IFS= read -r line; do
            line=${line%$'\r'}
            if [ -z "$first" ] && [[ $line == $first_line ]]; then first=$EPOCHREALTIME; fi
            printf '%s\n' "$line"
        done >"$work/out"
        if [ -n "$first" ]; then
            awk -v a="$start" -v b="$first" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
        fi >"$work/first_output_ms"
    } || true
}

# figure NAME: the value of `figure NAME VALUE UNIT` in the last run's output.
figure() { awk -v name="$1" '$1 == "figure" && $2 == name { print $3; exit }' "$work/out"; }

# check_done GUEST WHAT: the last run must have reached the program's end.
check_done() {
    if ! grep -qx done "$work/out"; then
        echo "bench: $1 did not finish ($2); its output and QEMU's stderr:" >&2
        tail -n 30 "$work/out" "$work/qemu.err" >&2
        exit 1
    fi
}

# record_program_figures GUEST SUFFIX KIND: NAME.KIND from the program becomes
# NAME.SUFFIX (tsc -> instructions under icount; ns from plain runs).
record_program_figures() {
    local guest=$1 suffix=$2 kind=$3 name value
    while read -r name value; do
        record "$guest" "${name%."$kind"}.$suffix" "$value"
    done < <(awk -v kind="$kind" '$1 == "figure" && $2 ~ ("\\." kind "$") { print $2, $3 }' "$work/out")
}

# --- boot and the program's figures under -icount ---------------------------------------

# The firmware's share of the TSC at main (the TSC is 0 at QEMU's reset): Osprey logs the
# TSC at its PVH entry, which is the same firmware (qboot on microvm, SeaBIOS on q35)
# running the same way for any PVH kernel. Both guests' boot figure is main's TSC minus it.
declare -A firmware
osprey_flags=(--verbose)  # the kernel log at info level holds the TSC at the PVH entry
for machine in microvm q35; do
    guest_command osprey "$machine" icount "$memory" "$work/hello"
    run_vm 60
    firmware[$machine]=$(sed -n 's/.*TSC at PVH entry \([0-9]*\).*/\1/p' "$work/kernel.log")
    say "firmware on $machine: ${firmware[$machine]} instructions before the PVH entry"
done
osprey_flags=()  # measured runs: Osprey's default log level (warn), Linux's quiet

# The program's groups measured in these boots; "processes" has boots of its own (below).
program_groups=(syscalls threads mm)
for machine in microvm q35; do
    # The program's own figures once (microvm); on q35 only the boot.
    groups=()
    [ "$machine" = microvm ] && groups=("${program_groups[@]}")
    for ((run = 1; run <= icount_runs; run++)); do
        for guest in osprey linux; do
            say "-icount run $run/$icount_runs: $guest on $machine"
            guest_command "$guest" "$machine" icount "$memory" "$work/bench" "${groups[@]}"
            run_vm 300
            check_done "$guest" "-icount on $machine"
            record "$guest" "boot_instructions.$machine" $(($(figure main_tsc) - ${firmware[$machine]}))
            [ "$machine" = microvm ] && record_program_figures "$guest" instructions tsc
        done
    done
done

# --- wall time and the program's figures in nanoseconds --------------------------------

for machine in microvm q35; do
    groups=()
    [ "$machine" = microvm ] && groups=("${program_groups[@]}")
    for ((run = 0; run <= runs; run++)); do
        for guest in osprey linux; do
            say "timed run $run/$runs$([ $run = 0 ] && echo ' (warm-up, discarded)'): $guest on $machine"
            guest_command "$guest" "$machine" plain "$memory" "$work/bench" "${groups[@]}"
            run_vm 120
            check_done "$guest" "plain on $machine"
            [ "$run" = 0 ] && continue
            record "$guest" "first_output.$machine" "$(cat "$work/first_output_ms")"
            [ "$machine" = microvm ] && record_program_figures "$guest" ns ns
        done
        # The floor: QEMU with the same command line and a kernel that prints one line and
        # exits (bench/programs/floor.S); the same figure in both columns.
        [ "$run" = 0 ] && continue
        guest_command floor "$machine" plain "$memory" "$work/bench"
        run_vm 60 x
        floor_ms=$(cat "$work/first_output_ms")
        [ -n "$floor_ms" ] || { echo "bench: the floor kernel printed nothing on $machine" >&2; cat "$work/qemu.err" >&2; exit 1; }
        record osprey "floor.$machine" "$floor_ms"
        record linux "floor.$machine" "$floor_ms"
    done
done

# --- processes: fork, exec, a shell pipeline --------------------------------------------

# The program's "processes" group in boots of its own, whose images also carry what it
# execs: exit0 (bench/programs/exit0.c, static) as /bench/exit0 and Debian's static busybox
# as /bin/busybox. The boot figures above come from images without them (Linux unpacks its
# whole initramfs at boot, 2 MiB more to copy). Osprey gets them with --add; Linux's
# initramfs holds them beside /init.
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "bench: $busybox is missing (Debian: busybox-static)" >&2; exit 1; }
mkdir -p "$work/root-processes/bench" "$work/root-processes/bin"
cp "$work/bench" "$work/root-processes/init"
cp "$work/exit0" "$work/root-processes/bench/exit0"
cp "$busybox" "$work/root-processes/bin/busybox"
(cd "$work/root-processes" && find . -mindepth 1 | sed 's,^\./,,' | cpio -o -H newc --quiet) >"$work/linux-processes.cpio"
processes_run() {  # GUEST MODE: one run of `bench processes` on microvm
    osprey_flags=(--add "$work/exit0:/bench/exit0" --add "$busybox:/bin/busybox")
    linux_initrd=$work/linux-processes.cpio
    guest_command "$1" microvm "$2" "$memory" "$work/bench" processes
    osprey_flags=()
    linux_initrd=""
    run_vm 300
    check_done "$1" "processes, $2"
}
for ((run = 1; run <= icount_runs; run++)); do
    for guest in osprey linux; do
        say "-icount run $run/$icount_runs: processes, $guest"
        processes_run "$guest" icount
        record_program_figures "$guest" instructions tsc
    done
done
for ((run = 0; run <= runs; run++)); do
    for guest in osprey linux; do
        say "timed run $run/$runs$([ $run = 0 ] && echo ' (warm-up, discarded)'): processes, $guest"
        processes_run "$guest" plain
        [ "$run" = 0 ] || record_program_figures "$guest" ns ns
    done
done

# --- several CPUs: the program's smp group with 1 and 2 vCPUs (plain runs: -icount runs
# the vCPUs in turn on one host thread, so it has no parallel figure to give) ------------

for ((run = 0; run <= runs; run++)); do
    for cpus in 1 2; do
        for guest in osprey linux; do
            say "timed run $run/$runs$([ $run = 0 ] && echo ' (warm-up, discarded)'): smp, $cpus CPUs, $guest"
            osprey_flags=(--cpus "$cpus")
            guest_command "$guest" microvm plain "$memory" "$work/bench" smp
            osprey_flags=()
            run_vm 300
            check_done "$guest" "smp, $cpus CPUs"
            [ "$run" = 0 ] || record_program_figures "$guest" "ns.cpus$cpus" ns
        done
    done
done

# --- python3 -c pass: a dynamic program with its runtime ----------------------------------

# Osprey runs Debian's /usr/bin/python3 from the image `osprey build` makes (the standard
# library found by itself). Linux gets that very image as its initramfs, plus /init =
# run_tsc, which starts python3, waits and prints the TSC. Osprey's kernel logs the TSC at
# power-off (--verbose). Both figures count from QEMU's reset, less the firmware's share; the wall
# time is QEMU's start to its exit.
python=/usr/bin/python3
gcc -static -O2 -Wall "$here/programs/run_tsc.c" -o "$work/run_tsc"
"$build/osprey" build -o "$work/python.cpio" "$python" -c pass 2>/dev/null
mkdir -p "$work/root-run_tsc" && cp "$work/run_tsc" "$work/root-run_tsc/init"
(cd "$work/root-run_tsc" && echo init | cpio -o -H newc --quiet) >"$work/init.cpio"
cat "$work/python.cpio" "$work/init.cpio" >"$work/linux-python.cpio"
python_run() {  # GUEST MODE: one run of python3 -c pass on microvm
    if [ "$1" = osprey ]; then
        guest_command osprey microvm "$2" "$memory" "$python" -c pass
    else
        linux_initrd=$work/linux-python.cpio
        guest_command linux microvm "$2" "$memory" "$python" "$python" -c pass
        linux_initrd=""
    fi
    local start=$EPOCHREALTIME
    run_vm 120
    python_ms=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }')
}
osprey_flags=(--verbose)
for ((run = 1; run <= icount_runs; run++)); do
    say "-icount run $run/$icount_runs: python3 -c pass"
    python_run osprey icount
    exit_tsc=$(sed -n 's/.*power off: exited 0; TSC \([0-9]*\).*/\1/p' "$work/kernel.log")
    [ -n "$exit_tsc" ] || { echo "bench: python3 -c pass did not finish in Osprey" >&2; tail -n 30 "$work/out" "$work/kernel.log" >&2; exit 1; }
    record osprey python3_pass.instructions $((exit_tsc - ${firmware[microvm]}))
    python_run linux icount
    check_done linux "python3 -c pass under -icount"
    record linux python3_pass.instructions $(($(figure child_exit_tsc) - ${firmware[microvm]}))
done
osprey_flags=()
for ((run = 0; run <= runs; run++)); do
    say "timed run $run/$runs: python3 -c pass"
    for guest in osprey linux; do
        python_run "$guest" plain
        [ "$guest" = linux ] && check_done linux "python3 -c pass"
        [ "$run" = 0 ] || record "$guest" python3_pass.ms "$python_ms"
    done
done

# --- memory ----------------------------------------------------------------------------

# runs_hello GUEST MIB: hello prints its line with that much memory (microvm).
runs_hello() {
    guest_command "$1" microvm plain "$2" "$work/hello"
    # A guest short of memory may hang rather than fail; Linux takes seconds to boot.
    if [ "$1" = linux ]; then run_vm 20; else run_vm 10; fi
    grep -qx hello "$work/out"
}

for guest in osprey linux; do
    low=1 high=$memory  # low fails (or is refused by QEMU), high runs
    if ! runs_hello "$guest" "$high"; then
        echo "bench: $guest does not run hello in $high MiB" >&2
        exit 1
    fi
    while [ $((high - low)) -gt 1 ]; do
        mid=$(((low + high) / 2))
        if runs_hello "$guest" "$mid"; then high=$mid; else low=$mid; fi
        say "memory bisection, $guest: runs in $high MiB, not in $low"
    done
    record "$guest" min_memory "$high"
done

record osprey kernel_image "$(stat -c %s "$build/osprey.elf")"
record linux kernel_image "$(stat -c %s "$vmlinux")"
guest_command osprey microvm plain "$memory" "$work/hello"
for ((i = 0; i < ${#cmd[@]}; i++)); do
    [ "${cmd[i]}" = -initrd ] && record osprey hello_image "$(stat -c %s "${cmd[i + 1]}")"
done
record linux hello_image "$(stat -c %s "$(linux_initramfs "$work/hello")")"

# --- soak ------------------------------------------------------------------------------

# bench/programs/soak.c for BENCH_SOAK_SECONDS (default 180) in each guest: how fast the
# kernel's memory grows while a program maps, threads, pipes, forks and frees in a loop.
soak_seconds=${BENCH_SOAK_SECONDS:-180}
for guest in osprey linux; do
    say "soak: $guest for $soak_seconds s"
    guest_command "$guest" microvm plain "$memory" "$work/soak" "$soak_seconds"
    run_vm $((soak_seconds + 180)) "sample *"
    check_done "$guest" "soak"
    record "$guest" soak_growth "$(figure soak_kernel_growth.kib_per_hour)"
    record "$guest" soak_rounds_per_s "$(awk -v s="$soak_seconds" '$1 == "figure" && $2 == "soak_rounds" { printf "%.0f", $3 / s }' "$work/out")"
done

# --- network ---------------------------------------------------------------------------

# Servers in both guests behind QEMU's user networking, loads from the host
# (bench/net_figures.sh; BENCH_NET=0 leaves them out).
net_note=""
if [ "${BENCH_NET:-1}" != 0 ]; then
    BENCH_RESULTS=$results BENCH_CACHE=$cache "$here/net_figures.sh" "$build"
    net_note=" Network figures on ${BENCH_NET_MACHINE:-q35} with -netdev user, loads from the host."
fi

# --- storage ---------------------------------------------------------------------------

# A benchmark program on an ext4 volume in both guests, each run on a fresh copy of one
# disk image (bench/storage_figures.sh; BENCH_STORAGE=0 leaves them out).
storage_note=""
if [ "${BENCH_STORAGE:-1}" != 0 ]; then
    BENCH_RESULTS=$results BENCH_CACHE=$cache "$here/storage_figures.sh" "$build"
    storage_note=" Storage figures on ${BENCH_STORAGE_MACHINE:-q35} with a 256 MiB ext4 volume."
fi

say "done"
{
    echo "Osprey $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo '?') against" \
        "Debian's $(basename "$vmlinux" .vmlinux), $(qemu-system-x86_64 --version | head -n 1)," \
        "TCG, -cpu max, ${memory} MiB; $runs timed runs after a warm-up, $icount_runs under -icount;" \
        "host load average $(cut -d ' ' -f 1-3 /proc/loadavg) on $(nproc) CPUs at the end.$net_note$storage_note"
    echo
    awk -F '\t' -f "$here/lib/table.awk" "$here/figures.tsv" "$results"
} | tee "$out_dir/table.md"
