#!/usr/bin/env bash
# The network figures of `make bench` (docs/performance.md, "Network"): each server runs in
# a guest behind QEMU's user networking with a port forward on 127.0.0.1, the load
# generator on the host, once in Osprey and once as the payload of Debian's own kernel.
#
#   bench/net_figures.sh [BUILD_DIR]
#
# Servers and loads (all with 10 connections where the tool takes a number):
#   tcp_echo          tcp_ping: one-byte ping-pongs over one connection: µs per round trip
#                     (bench/programs/tcp_echo.c and tcp_ping.c)
#   redis-server      redis-benchmark -t set, -t get, without pipelining and with -P 16
#   nginx             wrk on a 612-byte page, keep-alive and Connection: close
#   iperf3 -s         iperf3 -c, host to guest and guest to host (-R)
# Each is measured twice: timed runs (requests/s, Mbit/s, µs), and runs under a QEMU
# plugin that counts the instructions the guest executes (bench/programs/
# insn_count_plugin.c; it says why not the TSC under -icount): guest instructions per
# request (per KiB for iperf3), idle time excluded.
#
# Same flags: each boot's QEMU command line is the one `osprey run --dry-run -p
# HOSTPORT:GUESTPORT` prints; for Linux only -kernel, -initrd and -append change (and, on
# microvm, acpi=off becomes acpi=on: see below). Both guests get the same NIC on the same
# -netdev user. The default machine is q35 (virtio-net-pci), where the two command lines
# are otherwise identical; on microvm (BENCH_NET_MACHINE=microvm, virtio-net-device on
# virtio-mmio) Debian's kernel needs ACPI to find the device: it is built without
# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so the virtio_mmio.device= words QEMU puts on the
# command line with acpi=off are ignored by it. Counting runs add the same -plugin to both.
#
# The Linux guest's initramfs is the image `osprey build` makes of the server (the program,
# its libraries, the files added with --add), plus bench/programs/net_init.c as /init
# (loads virtio and virtio_net modules taken from the same kernel package, configures
# eth0 10.0.2.15/24 via 10.0.2.2, starts the server) and the modules.
#
# Osprey runs the same image with `-p` (and `--network user` when its osprey has that
# option). While a guest's server does not answer on its port within a time limit, that
# guest's figures for the server are skipped with a message — for Osprey, before its
# network stack lands; for Linux, that is an error and its console is shown.
#
# Environment:
#   BENCH_NET_RUNS        timed runs of each load per guest (default 3), after one shorter
#                         warm-up run that is discarded
#   BENCH_NET_COUNT_RUNS  runs counting instructions (default 2, after a warm-up; 0: none)
#   BENCH_NET_SERVERS     which servers (default "echo redis nginx iperf3")
#   BENCH_NET_SECONDS     length of a timed wrk or iperf3 run (default 5)
#   BENCH_NET_MACHINE     q35 or microvm (default q35)
#   BENCH_NET_READY       seconds a guest may take to answer (default 120 for Linux, which
#                         boots for seconds under TCG, and 30 for Osprey)
#   BENCH_CACHE           as for bench/run.sh
#   BENCH_RESULTS         when set, the results file to append to (bench/run.sh sets it
#                         and prints the whole table); otherwise the figures go to
#                         BUILD_DIR/bench/net_results.tsv and their table to stdout
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
runs=${BENCH_NET_RUNS:-3}
count_runs=${BENCH_NET_COUNT_RUNS:-2}
servers=${BENCH_NET_SERVERS:-echo redis nginx iperf3}
seconds=${BENCH_NET_SECONDS:-5}
machine=${BENCH_NET_MACHINE:-q35}
linux_ready=${BENCH_NET_READY:-120}
osprey_ready=${BENCH_NET_READY:-30}
cache=${BENCH_CACHE:-$build/bench-cache}
memory=256
out_dir=$build/bench
# shellcheck source=lib/figures_common.sh
. "$here/lib/figures_common.sh"
figures_common net "$machine"

# Every QEMU this script starts is in vm_pid (one at a time); it is stopped on any exit.
work=$(mktemp -d)
vm_pid=""
stop_vm() {
    if [ -n "$vm_pid" ]; then
        kill "$vm_pid" 2>/dev/null || true
        wait "$vm_pid" 2>/dev/null || true
        vm_pid=""
    fi
}
cleanup() {
    stop_vm
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export TMPDIR=$work  # osprey run --dry-run keeps its images in here

# --- the host's tools ----------------------------------------------------------------

# The load generators, and the servers whose files go into the images.
need_packages=""
for tool in redis-server:redis-server redis-benchmark:redis-tools redis-cli:redis-tools \
    nginx:nginx-light wrk:wrk iperf3:iperf3 curl:curl; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need_packages="$need_packages ${tool#*:}"
done
if [ -n "$need_packages" ]; then
    say "installing:$need_packages"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q --no-install-recommends $need_packages >&2 ||
        { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q --no-install-recommends $need_packages >&2; }
fi

gcc -static -O2 -Wall "$here/programs/tcp_echo.c" -o "$work/tcp_echo"
gcc -static -O2 -Wall "$here/programs/net_init.c" -o "$work/net_init"
gcc -O2 -Wall "$here/programs/tcp_ping.c" -o "$work/tcp_ping"
gcc -O2 -Wall "$here/programs/host_tsc_khz.c" -o "$work/host_tsc_khz"
vmlinux=$("$here/lib/linux_guest.sh" "$cache")
modules=${vmlinux%.vmlinux}.modules
host_khz=$("$work/host_tsc_khz")

# A free port on the host's loopback (the kernel picks it; osprey checks it again).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the Linux guest's /init and modules ---------------------------------------------

mkdir -p "$work/netinit"
cp "$work/net_init" "$work/netinit/init"
"$here/lib/linux_modules.sh" "$modules" "$work/netinit/bench-modules" \
    virtio_ring virtio virtio_mmio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net
(cd "$work/netinit" && find . -mindepth 1 | cpio -o -H newc --quiet) >"$work/netinit.cpio"

# --- the servers -------------------------------------------------------------------------

# Files the images share: an empty directory for /tmp (iperf3 makes its stream files there).
mkdir -p "$work/empty"

# redis: no persistence, reachable from QEMU's gateway (protected mode refuses clients from
# other addresses when there is no password).
cat >"$work/redis.conf" <<'EOF'
port 6379
bind 0.0.0.0
protected-mode no
save ""
appendonly no
daemonize no
logfile ""
dir /tmp
EOF

# nginx: one process, no daemon, everything it writes under /srv/bench; the page is 612
# bytes (the size of nginx's old welcome page, the Unikraft paper's test page).
mkdir -p "$work/nginx/www" "$work/nginx/temp" "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<'EOF'
daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid /srv/bench/nginx.pid;
events {
    worker_connections 1024;
}
http {
    default_type text/html;
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path /srv/bench/temp/body;
    proxy_temp_path /srv/bench/temp/proxy;
    fastcgi_temp_path /srv/bench/temp/fastcgi;
    uwsgi_temp_path /srv/bench/temp/uwsgi;
    scgi_temp_path /srv/bench/temp/scgi;
    server {
        listen 80;
        root /srv/bench/www;
    }
}
EOF
page_head='<!DOCTYPE html>
<html>
<head>
<title>Osprey benchmark page</title>
</head>
<body>
<h1>A small static page</h1>
<p>'
page_tail='</p>
</body>
</html>
'
{
    printf '%s' "$page_head"
    printf 'x%.0s' $(seq 1 $((612 - ${#page_head} - ${#page_tail})))
    printf '%s' "$page_tail"
} >"$work/nginx/www/index.html"
[ "$(stat -c %s "$work/nginx/www/index.html")" = 612 ] || { echo "net_figures: the page is not 612 bytes" >&2; exit 1; }

# server_command NAME: sets guest_port, argv (the server's command) and add (osprey build
# options for its files).
server_command() {
    add=(--add "$work/empty:/tmp")
    case "$1" in
    redis) guest_port=6379; argv=("$(command -v redis-server)" /srv/bench/redis.conf)
        add+=(--add "$work/redis.conf:/srv/bench/redis.conf") ;;
    nginx) guest_port=80; argv=("$(command -v nginx)" -p /srv/bench/ -c /srv/bench/nginx.conf -e stderr)
        add+=(--add "$work/nginx:/srv/bench") ;;
    iperf3) guest_port=5201; argv=("$(command -v iperf3)" -s -p 5201 --forceflush) ;;
    echo) guest_port=7777; argv=("$work/tcp_echo" 7777) ;;
    esac
}

# The image of each server, for both guests.
build_image() {
    server_command "$1"
    [ -f "$work/$1.cpio" ] && return 0
    "$build/osprey" build "${add[@]}" -o "$work/$1.cpio" "${argv[@]}" 2>"$work/build.err" || {
        echo "net_figures: osprey build of $1 failed:" >&2
        cat "$work/build.err" >&2
        exit 1
    }
    cat "$work/$1.cpio" "$work/netinit.cpio" >"$work/linux-$1.cpio"
}

# --- one guest ---------------------------------------------------------------------------

osprey_network=()
"$build/osprey" run --help 2>&1 | grep -q -- '--network' && osprey_network=(--network user)

# boot GUEST SERVER [count]: starts the server's VM in the background with a fresh host
# port (host_port). The guest's output goes to files: Linux's console (kernel messages,
# net_init's lines and the server's output) to $work/linux.log, Osprey's program stdout and
# stderr to $work/osprey.out and .err (its kernel log to $work/osprey.log). With `count`,
# both guests get the instruction-counting plugin (see count_snapshot).
boot() {
    local guest=$1 server=$2 mode=${3:-}
    build_image "$server"
    host_port=$(free_port)
    local flags=(--machine "$machine" --memory "${memory}M" -p "127.0.0.1:$host_port:$guest_port" "${osprey_network[@]}")
    local line
    line=$("$build/osprey" run --dry-run "${flags[@]}" "$work/$server.cpio" 2>"$work/dry-run.err") || {
        echo "net_figures: osprey run --dry-run failed:" >&2
        cat "$work/dry-run.err" >&2
        exit 1
    }
    local -a base
    eval "base=($line)"
    local append="console=ttyS0 quiet reboot=t panic=-1"
    [ "$machine" = microvm ] && append="$append tsc_early_khz=$host_khz tsc=reliable"
    append="$append -- ${argv[*]} --poweroff"
    local cmd=() i arg
    for ((i = 0; i < ${#base[@]}; i++)); do
        arg=${base[i]}
        case "$guest:$arg" in
        *:stdio,id=oslog) cmd+=("file,id=oslog,path=$work/$guest.log") ;;
        osprey:file,id=osout,*) cmd+=("file,id=osout,path=$work/osprey.out") ;;
        osprey:file,id=oserr,*) cmd+=("file,id=oserr,path=$work/osprey.err") ;;
        linux:microvm,acpi=off) cmd+=(microvm,acpi=on) ;;
        linux:-kernel) cmd+=(-kernel "$vmlinux"); i=$((i + 1)) ;;
        linux:-initrd) cmd+=(-initrd "$work/linux-$server.cpio"); i=$((i + 1)) ;;
        linux:-append) cmd+=(-append "$append"); i=$((i + 1)) ;;
        *) cmd+=("$arg") ;;
        esac
    done
    rm -f "$work/$guest.log" "$work/osprey.out" "$work/osprey.err" "$work/count.out"
    [ "$mode" = count ] && cmd+=(-plugin "$work/insn_count_plugin.so,control=$work/count.ctl,out=$work/count.out")
    # The -initrd osprey made for Osprey stays in its directory under $work until the end.
    timeout 1800 "${cmd[@]}" </dev/null >"$work/qemu.out" 2>&1 &
    vm_pid=$!
}

# guest_output GUEST: what the guest printed so far.
guest_output() {
    if [ "$1" = linux ]; then
        [ ! -f "$work/linux.log" ] || tr -d '\r' <"$work/linux.log"
    else
        cat "$work/osprey.out" "$work/osprey.err" 2>/dev/null || true
    fi
}

# show_guest GUEST: the end of what the guest printed, for a failure message.
show_guest() {
    echo "--- $1's output (last 40 lines):" >&2
    guest_output "$1" | tail -n 40 >&2
    if [ "$1" = osprey ]; then
        echo "--- Osprey's kernel log (last 20 lines):" >&2
        tail -n 20 "$work/osprey.log" 2>/dev/null >&2 || true
    fi
    echo "--- QEMU:" >&2
    tail -n 5 "$work/qemu.out" >&2 || true
}

# probe SERVER: one request that only the real server answers (QEMU accepts a forwarded
# connection itself before the guest does, so a connection alone proves nothing).
probe() {
    case "$1" in
    redis) [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$host_port" ping 2>/dev/null)" = PONG ] ;;
    nginx) [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$host_port/" 2>/dev/null)" = 200 ] ;;
    iperf3) timeout 15 iperf3 -c 127.0.0.1 -p "$host_port" -t 1 >/dev/null 2>&1 ;;
    echo) timeout 10 "$work/tcp_ping" "$host_port" 1 >/dev/null 2>&1 ;;
    esac
}

# wait_ready GUEST SERVER LIMIT: until the server answers (0), the VM ends or the limit
# passes (1).
wait_ready() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        kill -0 "$vm_pid" 2>/dev/null || return 1
        # iperf3's probe is a whole test: only once the server says it listens.
        if [ "$2" != iperf3 ] || guest_output "$1" | grep -q 'Server listening'; then
            probe "$2" && return 0
        fi
        sleep 0.5
    done
    return 1
}

# --- instructions per request ------------------------------------------------------------

# The plugin (bench/programs/insn_count_plugin.c) counts the instructions the guest's CPU
# executes, idle time excluded; count_snapshot prints the count so far.
gcc -shared -fPIC -O2 -Wall -fvisibility=hidden "$here/programs/insn_count_plugin.c" \
    -o "$work/insn_count_plugin.so" -lpthread
mkfifo "$work/count.ctl"
count_snapshot() {
    local lines
    lines=$(cat "$work/count.out" 2>/dev/null | wc -l)
    timeout 5 sh -c 'printf x >"$1"' sh "$work/count.ctl" || return 1
    for _ in $(seq 1 100); do
        if [ "$(cat "$work/count.out" 2>/dev/null | wc -l)" -gt "$lines" ]; then
            tail -n 1 "$work/count.out"
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# --- the loads -----------------------------------------------------------------------------

# Each load prints `KEY VALUE` lines on stdout, or fails. MODE says which run this is:
#   warmup  a short run, discarded
#   timed   the measured run: requests/s, Mbit/s, µs
#   count   under the plugin: guest instructions per request (per KiB for iperf3), from
#           the count before and after the load. The plugin slows the guest, so these
#           runs are shorter and give no time figures.
# redis-benchmark and wrk use 10 connections: with redis-benchmark's default of 50, even
# the Linux guest stalls for seconds at a time behind QEMU's user networking (requests
# trickle in at retransmission back-off intervals) and runs hang or end in a reset.
clients=10

# counted KEY UNITS COMMAND...: runs COMMAND between two snapshots (count mode) and prints
# KEY (instructions per unit); COMMAND's own output is left in $work/load.out. UNITS may
# be a file to read the number of units from after the command.
counted() {
    local key=$1 units=$2 before after
    shift 2
    before=$(count_snapshot) || { echo "bench: the instruction counter does not answer" >&2; return 1; }
    "$@" </dev/null >"$work/load.out" 2>&1 || { cat "$work/load.out" >&2; return 1; }
    after=$(count_snapshot) || { echo "bench: the instruction counter does not answer" >&2; return 1; }
    if [ -f "$units" ]; then units=$(cat "$units"); fi
    awk -v key="$key" -v d=$((after - before)) -v u="$units" 'BEGIN { if (u > 0) printf "%s %.0f\n", key, d / u; else exit 1 }'
}

redis_load() {  # PIPELINE set|get
    local n=10000 p=$1 test=$2
    case "$MODE" in warmup) n=1000 ;; count) n=2000 ;; esac
    [ "$p" -gt 1 ] && n=$((n * 10))
    local run=(timeout 120 redis-benchmark -h 127.0.0.1 -p "$host_port" -c "$clients" -q -t "$test" -n "$n" -P "$p")
    if [ "$MODE" = count ]; then
        counted "redis_${test}_p$p.instructions" "$n" "${run[@]}"
    else
        "${run[@]}" </dev/null >"$work/load.out" 2>&1 || { cat "$work/load.out" >&2; return 1; }
    fi || return 1
    tr '\r' '\n' <"$work/load.out" | awk -v key="redis_${test}_p$p.rps" -v name="$(echo "$test" | tr a-z A-Z):" \
        -v print_it=$([ "$MODE" = count ] && echo 0 || echo 1) '
        $1 == name && $3 == "requests" { if (print_it) print key, $2; found = 1 }
        END { exit !found }' || { echo "bench: redis-benchmark said:" >&2; tail -n 5 "$work/load.out" >&2; return 1; }
}

# nginx_run and iperf3_run: the `run` command line of their caller; load.units is the
# number of requests (KiB for iperf3) it served.
nginx_run() {
    "${run[@]}" >"$work/wrk.out" 2>&1 || { cat "$work/wrk.out" >&2; return 1; }
    awk '$2 == "requests" && $3 == "in" { print $1 }' "$work/wrk.out" >"$work/load.units"
}
iperf3_run() {
    # After a test the server takes a moment before it listens again; a client that comes
    # sooner is reset or told the server is busy (iperf3 -J then may exit with 0 all the
    # same). So wait until it says it listens, and try again after such an error.
    local attempt
    for attempt in 1 2 3 4 5; do
        iperf3_wait_listening
        "${run[@]}" >"$work/iperf3.out" 2>&1 && ! grep -q '"error":' "$work/iperf3.out" && break
        sleep 1
    done
    python3 -c "$parse" "$work/iperf3.out" | cut -d ' ' -f 2 >"$work/load.units" ||
        { echo "bench: iperf3 said:" >&2; head -c 2000 "$work/iperf3.out" >&2; return 1; }
}

# iperf3_wait_listening: until the guest's iperf3 has said `Server listening` since its
# last `Accepted connection` (10 s at most; the caller copes with a server not ready).
iperf3_wait_listening() {
    for _ in $(seq 1 100); do
        guest_output "$guest" | awk '/Server listening/ { ready = 1 } /Accepted connection/ { ready = 0 }
            END { exit !ready }' && return 0
        sleep 0.1
    done
    return 0
}

nginx_load() {  # keepalive|close
    local d=$seconds header=()
    case "$MODE" in warmup) d=1 ;; count) d=2 ;; esac
    [ "$1" = close ] && header=(-H 'Connection: close')
    local run=(timeout $((d + 60)) wrk -c "$clients" -t 2 -d "${d}s" --timeout 5s "${header[@]}" "http://127.0.0.1:$host_port/")
    if [ "$MODE" = count ]; then
        counted "nginx_$1.instructions" "$work/load.units" nginx_run || return 1
    else
        nginx_run || return 1
        awk -v key="nginx_$1.rps" '$1 == "Requests/sec:" { print key, $2; found = 1 } END { exit !found }' "$work/wrk.out"
    fi
    # A run with errors (timeouts, resets, non-200 answers) measured something else: say so.
    if grep -qE 'Socket errors|Non-2xx' "$work/wrk.out"; then
        grep -E 'Socket errors|Non-2xx|requests in' "$work/wrk.out" | sed 's/^/bench: wrk: /' >&2
    fi
}

iperf3_load() {  # to_guest|from_guest
    local d=$seconds reverse=()
    case "$MODE" in warmup) d=1 ;; count) d=2 ;; esac
    [ "$1" = from_guest ] && reverse=(-R)
    local run=(timeout $((d + 60)) iperf3 -c 127.0.0.1 -p "$host_port" -t "$d" -J "${reverse[@]}")
    # From iperf3's JSON: the bits per second and KiB the receiving side counted.
    local parse='import json, sys; s = json.load(open(sys.argv[1]))["end"]["sum_received"]; print(s["bits_per_second"] / 1e6, s["bytes"] / 1024)'
    if [ "$MODE" = count ]; then
        counted "iperf3_$1.instructions" "$work/load.units" iperf3_run || return 1
    else
        iperf3_run >&2 || return 1
        python3 -c "$parse" "$work/iperf3.out" | awk -v key="iperf3_$1.mbps" '{ printf "%s %.1f\n", key, $1 }'
    fi
}

echo_load() {
    local n=2000 warm=100
    case "$MODE" in warmup) n=200 ;; count) n=1000 warm=0 ;; esac
    local run=(timeout 120 "$work/tcp_ping" "$host_port" "$n" "$warm")
    if [ "$MODE" = count ]; then
        counted tcp_rtt.instructions "$n" "${run[@]}"
    else
        "${run[@]}" | awk '$1 == "figure" { print $2, $3 }'
    fi
}

loads_of() {  # SERVER: its loads, one a line
    case "$1" in
    redis) printf '%s\n' "redis_load 1 set" "redis_load 1 get" "redis_load 16 set" "redis_load 16 get" ;;
    nginx) printf '%s\n' "nginx_load keepalive" "nginx_load close" ;;
    iperf3) printf '%s\n' "iperf3_load to_guest" "iperf3_load from_guest" ;;
    echo) printf '%s\n' "echo_load" ;;
    esac
}

# measure GUEST SERVER KIND: boots the guest (KIND count: with the counting plugin), waits
# for the server, runs every load of the server once as a short warm-up and then $runs
# times (KIND timed) or $count_runs times (count), records the figures and stops the VM.
# Returns 1 (after saying why) when the guest did not answer or a load failed.
measure() {
    local guest=$1 server=$2 kind=$3 limit=$linux_ready load run key value out mode loads last=$runs
    [ "$guest" = osprey ] && limit=$osprey_ready
    [ "$kind" = count ] && last=$count_runs
    boot "$guest" "$server" "$kind"
    say "$server in $guest ($kind): waiting for 127.0.0.1:$host_port -> guest port $guest_port (up to ${limit}s)"
    local start=$SECONDS
    if ! wait_ready "$guest" "$server" "$limit"; then
        if kill -0 "$vm_pid" 2>/dev/null; then
            say "$server in $guest did not answer on 127.0.0.1:$host_port within ${limit}s"
        else
            local status=0
            wait "$vm_pid" || status=$?
            vm_pid=""
            say "$server in $guest: the VM ended (QEMU's status $status) before its server answered"
        fi
        show_guest "$guest"
        stop_vm
        return 1
    fi
    say "$server in $guest answers after $((SECONDS - start))s"
    mapfile -t loads < <(loads_of "$server")
    for ((run = 0; run <= last; run++)); do
        mode=$kind
        [ "$run" = 0 ] && mode=warmup
        for load in "${loads[@]}"; do
            if ! out=$(MODE=$mode $load); then
                say "$server in $guest: '$load' failed ($mode run $run)"
                show_guest "$guest"
                stop_vm
                return 1
            fi
            while read -r key value; do
                [ -n "$key" ] || continue
                if [ "$run" = 0 ]; then
                    say "$guest $key $value (warm-up, discarded)"
                else
                    say "$guest $key $value ($kind run $run/$last)"
                    record "$guest" "$key" "$value"
                fi
            done <<<"$out"
        done
    done
    stop_vm
}

# --- the runs ------------------------------------------------------------------------------

say "network figures on $machine: Osprey $("$build/osprey" --version 2>/dev/null | head -n 1 || true)," \
    "Linux $(basename "$vmlinux" .vmlinux); $runs timed runs of each load and $count_runs counting" \
    "instructions, each after a warm-up"
[ "$machine" = microvm ] && say "note: on microvm the Linux guest gets acpi=on (its kernel finds virtio-mmio devices only through ACPI)"
[ ${#osprey_network[@]} -gt 0 ] || say "note: this osprey has no --network option; Osprey's guests get -p only"
skipped=()
for server in $servers; do
    case " echo redis nginx iperf3 " in
    *" $server "*) ;;
    *) echo "net_figures: BENCH_NET_SERVERS: no server '$server' (echo redis nginx iperf3)" >&2; exit 2 ;;
    esac
    kinds=(timed)
    [ "$count_runs" -gt 0 ] && kinds+=(count)
    osprey_answers=1
    for kind in "${kinds[@]}"; do
        if [ "$osprey_answers" = 1 ] && ! measure osprey "$server" "$kind"; then
            say "skipping Osprey's $server figures (no answer from its guest; Osprey's networking may not be there yet)"
            skipped+=("$server")
            osprey_answers=0
        fi
        if ! measure linux "$server" "$kind"; then
            echo "net_figures: the Linux guest's $server failed (its console is above)" >&2
            exit 1
        fi
    done
done
say "network figures done in $((SECONDS - started))s${skipped[*]:+; Osprey skipped: ${skipped[*]}}"

if [ "$own_table" = 1 ]; then
    {
        echo "Osprey $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo '?') against" \
            "Debian's $(basename "$vmlinux" .vmlinux), $(qemu-system-x86_64 --version | head -n 1)," \
            "TCG, -cpu max, ${memory} MiB, $machine, -netdev user; $runs timed runs and $count_runs" \
            "counting instructions, each after a warm-up;" \
            "host load average $(cut -d ' ' -f 1-3 /proc/loadavg) on $(nproc) CPUs at the end."
        echo
        awk -F '\t' -v recorded_only=1 -f "$here/lib/table.awk" "$here/figures.tsv" "$results"
    } | tee "$out_dir/net_table.md"
fi
