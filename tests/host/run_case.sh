#!/bin/sh
# Host tests of `osprey run`: the checks made before any VM starts. Each case builds its
# fixtures in a fresh directory, runs osprey with TMPDIR pointing into it, and checks the
# exit status, the message, and that osprey left no temporary files behind.
#
#   run_case.sh OSPREY STATIC_PROGRAM CASE
set -u
osprey=$1
static=$2
case_name=$3

work=$(mktemp -d)
helper_pid=
trap '[ -z "$helper_pid" ] || kill "$helper_pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/tmp"
export TMPDIR="$work/tmp"
# The host's TSC frequency is cached here, not in the user's home (vm/guest_tsc.h).
export XDG_CACHE_HOME="$work/cache"
# These tests never boot: any x86-64 ELF with a PT_LOAD passes for the kernel image.
kernel_option="--kernel $static"

# patch FILE OFFSET BYTE_OCTAL: overwrites one byte in place.
patch() {
    printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
executable_copy() {
    cp "$1" "$2" && chmod 755 "$2"
}

expected_texts=
expect_text() { expected_texts="$expected_texts$1
"; }
unexpected_texts=
# reject_text TEXT: the output must not contain TEXT.
reject_text() { unexpected_texts="$unexpected_texts$1
"; }
# listen_on_free_port: starts a process listening on a free port of 127.0.0.1 (stopped
# on exit) and sets $port to it. Not in $(...): the helper must belong to this shell.
listen_on_free_port() {
    python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$work/port" &
    helper_pid=$!
    for i in $(seq 1 50); do
        [ -s "$work/port" ] && break
        sleep 0.1
    done
    port=$(cat "$work/port")
}
# free_port: a port of 127.0.0.1 that was free a moment ago.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
keep_tmp=no
interrupt=no
check_dynamic=no
check_script=no
check_tsc_cache=no
check_cache_reuse=no

case "$case_name" in
not_elf)
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/passwd"
    chmod 755 "$work/passwd"
    set -- "$work/passwd"
    expected_status=125
    expect_text "osprey: $work/passwd: not an ELF file" ;;
elf32)
    executable_copy "$static" "$work/prog32"
    patch "$work/prog32" 4 001  # EI_CLASS = ELFCLASS32
    set -- "$work/prog32"
    expected_status=125
    expect_text "osprey: $work/prog32: 32-bit ELF is not supported" ;;
aarch64)
    executable_copy "$static" "$work/progarm"
    patch "$work/progarm" 18 267  # e_machine = 0xb7, EM_AARCH64
    set -- "$work/progarm"
    expected_status=125
    expect_text "osprey: $work/progarm: not x86-64 (it is aarch64)" ;;
dynamic)
    # /bin/true is dynamically linked on Debian: its image holds the loader and libc.
    set -- --dry-run /bin/true --version
    expected_status=0
    keep_tmp=yes
    check_dynamic=yes ;;
script_env_options)
    printf '#!/usr/bin/env -S python3 -u\nprint(1)\n' >"$work/tool.py"
    chmod 755 "$work/tool.py"
    set -- "$work/tool.py"
    expected_status=125
    expect_text "osprey: $work/tool.py: #!/usr/bin/env -S python3 -u: only '#!/usr/bin/env NAME' is understood" ;;
script_missing_interpreter)
    printf '#!/opt/no-such/interpreter --flag\n' >"$work/tool"
    chmod 755 "$work/tool"
    set -- "$work/tool"
    expected_status=125
    expect_text "osprey: $work/tool: its interpreter /opt/no-such/interpreter: no such file" ;;
script_interpreter_is_script)
    printf '#!/bin/true\n' >"$work/inner"
    printf '#!%s\n' "$work/inner" >"$work/outer"
    chmod 755 "$work/inner" "$work/outer"
    set -- "$work/outer"
    expected_status=125
    expect_text "osprey: $work/outer: its interpreter $work/inner is itself a script" ;;
script_dry_run)
    # A shell script: /bin/sh (dash) becomes the program, the script its argument.
    printf '#!/bin/sh -e\necho from a script\n' >"$work/tool.sh"
    chmod 755 "$work/tool.sh"
    set -- --dry-run "$work/tool.sh" one
    expected_status=0
    keep_tmp=yes
    check_script=yes
    expect_text "osprey: the image is " ;;
missing)
    set -- "$work/no-such-program"
    expected_status=125
    expect_text "osprey: $work/no-such-program: no such file" ;;
not_on_path)
    set -- osprey-no-such-program-anywhere
    expected_status=125
    expect_text "osprey: osprey-no-such-program-anywhere: not found on the host's PATH" ;;
directory)
    mkdir "$work/dir"
    set -- "$work/dir"
    expected_status=125
    expect_text "osprey: $work/dir: is a directory" ;;
not_executable)
    cp "$static" "$work/plain"
    chmod 644 "$work/plain"
    set -- "$work/plain"
    expected_status=125
    expect_text "osprey: $work/plain: not executable" ;;
qemu_missing)
    export OSPREY_QEMU=osprey-no-such-qemu
    set -- "$static"
    expected_status=125
    expect_text "osprey: osprey-no-such-qemu is not installed; install it with: sudo apt-get install qemu-system-x86" ;;
bad_memory)
    set -- --memory 64X "$static"
    expected_status=125
    expect_text "osprey: --memory 64X: unknown unit (use K, M, G or T)" ;;
memory_too_small)
    set -- --memory 4M "$static"
    expected_status=125
    expect_text "osprey: --memory 4M is too small for this image" ;;
unknown_option)
    set -- --bogus "$static"
    expected_status=125
    expect_text "osprey: run: unknown option --bogus" ;;
missing_binary)
    set --
    expected_status=125
    expect_text "osprey: run: missing BINARY" ;;
timeout)
    # A stand-in QEMU that never ends: osprey must stop it and clean up.
    printf '#!/bin/sh\necho $$ >"$0.pid"\nexec sleep 60\n' >"$work/fake-qemu"
    chmod 755 "$work/fake-qemu"
    export OSPREY_QEMU="$work/fake-qemu"
    set -- --timeout 1 "$static"
    expected_status=124
    expect_text "osprey: timed out after 1 s; the VM was stopped" ;;
interrupted)
    printf '#!/bin/sh\necho $$ >"$0.pid"\nexec sleep 60\n' >"$work/fake-qemu"
    chmod 755 "$work/fake-qemu"
    export OSPREY_QEMU="$work/fake-qemu"
    interrupt=yes
    set -- "$static"
    expected_status=130
    expect_text "osprey: stopped by signal 2" ;;
dry_run)
    set -- --dry-run -e GREETING=hi "$static" --verbose arg
    expected_status=0
    keep_tmp=yes
    expect_text "-kernel $static"
    # The image is built into the cache and loaded from there as it is; the run's own
    # /.osprey/app goes in the overlay.
    expect_text "-initrd $work/cache/osprey/images/"
    expect_text "-fw_cfg name=opt/osprey/overlay,file=$TMPDIR/osprey-"
    expect_text "-append 'loglevel=warn ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3 overlay=opt/osprey/overlay"
    expect_text "pipe,id=osctl,path=$TMPDIR/osprey-"
    expect_text "osprey: the image is $work/cache/osprey/images/" ;;
dry_run_no_cache)
    # --no-cache: the image is the run's own, written beside its other files.
    set -- --dry-run --no-cache "$static" arg
    expected_status=0
    keep_tmp=yes
    expect_text "-initrd $TMPDIR/osprey-"
    expect_text "/initramfs.cpio"
    reject_text "-fw_cfg"
    reject_text "overlay="
    expect_text "osprey: the image is $TMPDIR/osprey-" ;;
image_cache)
    # Two runs of the program with other arguments share the cached image; each run's
    # arguments are in its overlay. A changed program is built again.
    # The program in a directory of its own: the outputs written to $work change its times.
    mkdir "$work/bin"
    executable_copy "$static" "$work/bin/prog"
    "$osprey" run $kernel_option --dry-run "$work/bin/prog" first >"$work/first" 2>&1 || echo "FAIL: first run" >&2
    first=$(grep -o -- "-initrd [^ ]*" "$work/first" | cut -d' ' -f2)
    rm -rf "$(grep -o -- "pipe,id=osctl,path=[^ ]*" "$work/first" | sed 's/.*path=//; s|/control$||')"
    printf 'x' >>"$work/bin/prog"
    set -- --dry-run "$work/bin/prog" second
    expected_status=0
    keep_tmp=yes
    check_cache_reuse=yes ;;
tsc_cache_reused)
    # A frequency cached during this boot is passed as it is, without measuring again.
    mkdir -p "$work/cache/osprey"
    printf 'osprey-host-tsc-v1 %s 1234567\n' "$(cat /proc/sys/kernel/random/boot_id)" >"$work/cache/osprey/host-tsc"
    set -- --dry-run "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "dns=10.0.2.3 overlay=opt/osprey/overlay tsc_khz=1234567'" ;;
tsc_cache_other_boot)
    # One from another boot is not: the host is measured again (or, on a host whose TSC
    # does not keep a constant rate, recorded as unusable) and the line replaced.
    mkdir -p "$work/cache/osprey"
    printf 'osprey-host-tsc-v1 not-this-boot 1234567\n' >"$work/cache/osprey/host-tsc"
    set -- --dry-run "$static"
    expected_status=0
    keep_tmp=yes
    check_tsc_cache=yes
    reject_text "tsc_khz=1234567" ;;
tsc_deterministic)
    # -icount shift=0: the TSC counts one instruction per ns, whatever the host's rate.
    set -- --dry-run --deterministic "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "tsc_khz=1000000'" ;;
tsc_no_cache)
    # Nowhere to keep it: nothing is passed and the kernel calibrates.
    unset XDG_CACHE_HOME HOME
    set -- --dry-run "$static"
    expected_status=0
    keep_tmp=yes
    reject_text "tsc_khz=" ;;
cpus_zero)
    set -- --cpus 0 "$static"
    expected_status=125
    expect_text "osprey: --cpus 0: expected a whole number from 1 to 64" ;;
cpus_negative)
    set -- --cpus=-1 "$static"
    expected_status=125
    expect_text "osprey: --cpus -1: expected a whole number from 1 to 64" ;;
cpus_junk)
    set -- --cpus two "$static"
    expected_status=125
    expect_text "osprey: --cpus two: expected a whole number from 1 to 64" ;;
cpus_qemu)
    # QEMU gets -smp and multi-threaded TCG.
    set -- --dry-run --cpus 4 "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-accel tcg,thread=multi"
    expect_text "-smp 4" ;;
publish_dry_run)
    port1=$(free_port)
    port2=$(free_port)
    set -- --dry-run -p "$port1:80" --publish "127.0.0.1:$port2:443" "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-netdev user,id=osnet,hostfwd=tcp:127.0.0.1:$port1-:80,hostfwd=tcp:127.0.0.1:$port2-:443 -device virtio-net-device,netdev=osnet"
    reject_text "osprey: note:" ;;
publish_q35)
    port1=$(free_port)
    set -- --dry-run --machine q35 -p "$port1:8080" "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-netdev user,id=osnet,hostfwd=tcp:127.0.0.1:$port1-:8080 -device virtio-net-pci,netdev=osnet" ;;
publish_in_use)
    listen_on_free_port
    if [ -z "$port" ]; then
        echo "FAIL: the helper listening on a port did not start" >&2
        exit 1
    fi
    set -- -p "$port:80" "$static"
    expected_status=125
    expect_text "osprey: port $port is already in use" ;;
publish_address)
    set -- -p 0.0.0.0:8080:80 "$static"
    expected_status=125
    expect_text "osprey: -p 0.0.0.0:8080:80: forwards listen on the loopback only; the address must be 127.0.0.1 (or leave it out)" ;;
publish_bad_port)
    set -- -p 8080:70000 "$static"
    expected_status=125
    expect_text "osprey: -p 8080:70000: the guest port must be a number from 1 to 65535" ;;
publish_duplicate)
    set -- -p 8080:80 -p 8080:81 "$static"
    expected_status=125
    expect_text "osprey: -p 8080:81: host port 8080 is published twice" ;;
network_default_dry_run)
    set -- --dry-run "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-global virtio-mmio.force-legacy=false"
    expect_text "-netdev user,id=osnet -device virtio-net-device,netdev=osnet,mac=52:54:00:12:34:56" ;;
network_none_dry_run)
    set -- --dry-run --network none "$static"
    expected_status=0
    keep_tmp=yes
    reject_text "-netdev"
    reject_text "virtio-net" ;;
network_tap_dry_run)
    set -- --dry-run --machine pc --network tap:osprey0 --mac 52:54:00:AB:CD:EF "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-netdev tap,id=osnet,ifname=osprey0,script=no,downscript=no -device virtio-net-pci,netdev=osnet,mac=52:54:00:ab:cd:ef,romfile=" ;;
network_publish_without_user)
    set -- --network none -p 8080:80 "$static"
    expected_status=125
    expect_text "osprey: -p 8080:80: ports are forwarded by QEMU user networking, not with --network none (use --network user, the default)" ;;
network_bad_mode)
    set -- --network bridge "$static"
    expected_status=125
    expect_text "osprey: --network bridge: expected user, none or tap:IFNAME" ;;
network_bad_mac)
    set -- --mac 01:00:5e:00:00:01 "$static"
    expected_status=125
    expect_text "osprey: --mac 01:00:5e:00:00:01: a multicast address cannot be a NIC's own" ;;
ip_dhcp_dry_run)
    set -- --dry-run --ip dhcp "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-append 'loglevel=warn ip=dhcp" ;;
trace_net_dry_run)
    set -- --dry-run --trace-net --ip dhcp "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-append 'loglevel=warn trace_net ip=dhcp" ;;
ip_static_dry_run)
    set -- --dry-run --network tap:osprey0 --ip 192.168.7.2/24,gw=192.168.7.1,dns=1.1.1.1 "$static"
    expected_status=0
    keep_tmp=yes
    expect_text "-append 'loglevel=warn ip=192.168.7.2/24,gw=192.168.7.1,dns=1.1.1.1" ;;
ip_bad)
    set -- --ip 10.0.2.300/24 "$static"
    expected_status=125
    expect_text "osprey: --ip 10.0.2.300/24: " ;;
ip_without_network)
    set -- --network none --ip dhcp "$static"
    expected_status=125
    expect_text "osprey: --ip dhcp needs a network device (it was turned off with --network none)" ;;
*)
    echo "run_case.sh: unknown case $case_name" >&2
    exit 2 ;;
esac

if [ "$interrupt" = yes ]; then
    # Ctrl-C while the VM runs: SIGINT to osprey alone (QEMU has its own process group).
    "$osprey" run $kernel_option "$@" >"$work/stdout" 2>"$work/stderr" </dev/null &
    pid=$!
    sleep 1
    kill -INT $pid
    wait $pid
    status=$?
    if [ ! -s "$work/fake-qemu.pid" ] || kill -0 "$(cat "$work/fake-qemu.pid")" 2>/dev/null; then
        echo "FAIL: the stand-in QEMU never started or is still running" >&2
        status=999
    fi
else
    "$osprey" run $kernel_option "$@" >"$work/stdout" 2>"$work/stderr" </dev/null
    status=$?
fi
echo "--- osprey run $kernel_option $*: status $status"
echo "--- stdout"; cat "$work/stdout"
echo "--- stderr"; cat "$work/stderr"
cat "$work/stdout" "$work/stderr" >"$work/output"

failed=0
if [ "$status" -ne "$expected_status" ]; then
    echo "FAIL: exit status $status, expected $expected_status" >&2
    failed=1
fi
printf '%s' "$expected_texts" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    if ! grep -qF -- "$text" "$work/output"; then
        echo "FAIL: output lacks: $text" >&2
        exit 1
    fi
done || failed=1
printf '%s' "$unexpected_texts" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    if grep -qF -- "$text" "$work/output"; then
        echo "FAIL: output should not contain: $text" >&2
        exit 1
    fi
done || failed=1

if [ "$keep_tmp" = yes ]; then
    # --dry-run keeps the image it names (and stdout names only that command line).
    image=$(grep -o -- "-initrd [^ ]*" "$work/stdout" | cut -d' ' -f2)
    if [ -z "$image" ] || [ ! -s "$image" ]; then
        echo "FAIL: the image named on the command line ($image) does not exist" >&2
        failed=1
    elif ! od -A n -c -N 6 "$image" | grep -q "0   7   0   7   0   1"; then
        echo "FAIL: $image is not a newc cpio archive" >&2
        failed=1
    fi
    if [ "$check_dynamic" = yes ]; then
        "$osprey" inspect "$image" >"$work/inspect" 2>&1
        for text in "Interpreter: /lib64/ld-linux-x86-64.so.2" "libc.so.6 => " \
                    "x86_64-linux-gnu/ld-linux-x86-64.so.2" "x86_64-linux-gnu/libc.so.6"; do
            if ! grep -qF -- "$text" "$work/inspect"; then
                cat "$work/inspect"
                echo "FAIL: the image of /bin/true lacks: $text" >&2
                failed=1
            fi
        done
    fi
    if [ "$check_script" = yes ]; then
        "$osprey" inspect "$image" >"$work/inspect" 2>&1
        # The cached image holds the program's own argv; the run's argument is in its overlay.
        for text in "Command:     /bin/sh -e $work/tool.sh" "Executable:  /bin/sh" \
                    "$work/tool.sh"; do
            if ! grep -qF -- "$text" "$work/inspect"; then
                cat "$work/inspect"
                echo "FAIL: the image of the script lacks: $text" >&2
                failed=1
            fi
        done
    fi
    if [ "$(wc -l <"$work/stdout")" -ne 1 ]; then
        echo "FAIL: stdout should hold the command line alone" >&2
        failed=1
    fi
    if [ "$check_cache_reuse" = yes ]; then
        # A new image for the changed program, with its new bytes (the entry's record names
        # it now); this run's arguments are in the overlay.
        if [ "$image" = "$first" ] || [ "${image%.*.cpio}" != "${first%.*.cpio}" ]; then
            echo "FAIL: the changed program did not replace the cache entry ($first, then $image)" >&2
            failed=1
        fi
        (cd "$work" && cpio -i --quiet --to-stdout "${work#/}/bin/prog" <"$image" >"$work/prog.back")
        cmp "$work/bin/prog" "$work/prog.back" || { echo "FAIL: the cached image holds the old program" >&2; failed=1; }
        overlay=$(grep -o -- "name=opt/osprey/overlay,file=[^ ]*" "$work/stdout" | sed 's/.*file=//')
        if ! cpio -i --quiet --to-stdout .osprey/app <"$overlay" | tr '\0' ' ' | grep -q "$work/bin/prog second"; then
            echo "FAIL: the overlay lacks this run's arguments" >&2
            failed=1
        fi
        # An unchanged program: the very same file is served again.
        "$osprey" run $kernel_option --dry-run "$work/bin/prog" third >"$work/third" 2>&1
        third=$(grep -o -- "-initrd [^ ]*" "$work/third" | cut -d' ' -f2)
        if [ "$third" != "$image" ] || [ "$(stat -c %i "$third")" != "$(stat -c %i "$image")" ]; then
            echo "FAIL: an unchanged program was built again" >&2
            failed=1
        fi
        rm -rf "$(grep -o -- "pipe,id=osctl,path=[^ ]*" "$work/third" | sed 's/.*path=//; s|/control$||')"
    fi
    rm -rf "$(grep -o -- "pipe,id=osctl,path=[^ ]*" "$work/stdout" | sed 's/.*path=//; s|/control$||')"
fi
if [ "$check_tsc_cache" = yes ]; then
    line=$(cat "$work/cache/osprey/host-tsc")
    case "$line" in
    "osprey-host-tsc-v1 $(cat /proc/sys/kernel/random/boot_id) "[0-9]*) ;;
    *) echo "FAIL: the cache was not rewritten for this boot: $line" >&2; failed=1 ;;
    esac
    if ls "$work/cache/osprey" | grep -qv '^host-tsc$\|^images$'; then
        echo "FAIL: a temporary file was left in the cache directory" >&2
        failed=1
    fi
fi
if [ -n "$(ls -A "$TMPDIR")" ]; then
    echo "FAIL: osprey left files behind in TMPDIR:" >&2
    ls -lA "$TMPDIR" >&2
    failed=1
fi
exit $failed
