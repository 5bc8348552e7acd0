#!/bin/bash
# One interoperability profile: libs/net (netstack_tap) against Linux's own TCP over a TAP
# device, in a network namespace made for the run, over a link impaired as PROFILE says.
#
#   interop_case.sh NETSTACK_TAP PROFILE
#
# Inside the namespace Linux holds 10.99.0.1/24 on the TAP interface osp0; netstack_tap
# attaches to osp0 and is 10.99.0.2. Three transfers, each compared byte for byte (SHA-256):
#   1. curl GETs a random file from netstack_tap's server, PUTs another one to it, and
#      makes three HEAD requests from the same few local ports (reopening TIME_WAIT);
#   2. netstack_tap fetches a random file from `python3 -m http.server`;
#   3. netstack_tap POSTs a random file to upload_server.py (http.server with PUT/POST).
# Impairments: netstack_tap impairs the frames it sends and (unless netem can) those it
# receives; where the kernel has sch_netem, netem on osp0 impairs what Linux sends instead.
#
# Exit 0 when all transfers are exact, 1 on a failure (what differed, netstack_tap's log and
# statistics, Linux's TCP counters), 77 (SKIP) without the privileges (root or
# CAP_NET_ADMIN for `ip netns add`, /dev/net/tun). Every process and the namespace are
# removed on any exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 2 ]; then
    echo "usage: interop_case.sh NETSTACK_TAP PROFILE" >&2
    exit 2
fi
program=$1
profile=$2

# PROFILE -> the impairment (netem's words; netstack_tap's options) and the file size.
# Sizes keep every profile within a few seconds on two cores: lossy profiles move less.
case "$profile" in
    clean)         netem="";                                    impair="";                                      size_kib=8192 ;;
    loss)          netem="loss 5%";                             impair="--loss 5";                              size_kib=2048 ;;
    delay_reorder) netem="delay 20ms 5ms reorder 25% 50%";      impair="--delay 20 --jitter 5 --reorder 25";    size_kib=2048 ;;
    duplicate)     netem="duplicate 2%";                        impair="--duplicate 2";                         size_kib=4096 ;;
    corrupt)       netem="corrupt 1%";                          impair="--corrupt 1";                           size_kib=4096 ;;
    mixed)         netem="delay 10ms 3ms reorder 10% loss 2% duplicate 1% corrupt 0.5%"
                   impair="--delay 10 --jitter 3 --reorder 10 --loss 2 --duplicate 1 --corrupt 0.5"
                   size_kib=2048 ;;
    *) echo "interop_case.sh: unknown profile $profile" >&2; exit 2 ;;
esac
transfer_limit=120  # seconds for each transfer: a hang guard, not a performance bound

skip() {
    echo "SKIP: $*"
    exit 77
}
fail_now() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -x "$program" ] || fail_now "$program is not an executable (build netstack_tap first)"
for tool in ip tc curl python3 sha256sum cmp timeout; do
    command -v "$tool" >/dev/null 2>&1 || fail_now "$tool is missing (scripts/setup.sh installs it)"
done
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing (no TUN/TAP support here)"

# A run killed outright (SIGKILL from a test timeout) leaves its namespace behind: the
# namespaces of runs whose shell is gone are removed, with what still runs in them.
for stale in $(ip netns list 2>/dev/null | awk '$1 ~ /^osprey-interop-.*-[0-9]+$/ { print $1 }'); do
    owner=${stale##*-}
    kill -0 "$owner" 2>/dev/null && continue
    for pid in $(ip netns pids "$stale" 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null
    done
    ip netns delete "$stale" 2>/dev/null
done

ns="osprey-interop-$profile-$$"
scratch=$(mktemp -d "/tmp/osprey-interop-$profile.XXXXXX") || fail_now "mktemp failed"
pids=()
netns_made=0
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if [ "$netns_made" = 1 ]; then
        # Anything still in the namespace was started here (a curl, a server's child).
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null
        done
        ip netns delete "$ns" 2>/dev/null
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if ! ip netns add "$ns" 2>"$scratch/netns.err"; then
    skip "cannot create a network namespace ($(head -n 1 "$scratch/netns.err")); needs root or CAP_NET_ADMIN"
fi
netns_made=1
in_ns() { ip netns exec "$ns" "$@"; }

in_ns ip link set lo up || fail_now "cannot bring lo up in $ns"
if ! in_ns ip tuntap add dev osp0 mode tap 2>"$scratch/tap.err"; then
    skip "cannot create a TAP device ($(head -n 1 "$scratch/tap.err"))"
fi
# IPv6 stays off the link: its router solicitations would only be frames libs/net ignores.
in_ns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/osp0/disable_ipv6' 2>/dev/null
in_ns ip addr add 10.99.0.1/24 dev osp0 || fail_now "cannot address osp0"
in_ns ip link set osp0 up || fail_now "cannot bring osp0 up"

impair_direction=both
netem_note="netem: not needed"
if [ -n "$netem" ]; then
    # shellcheck disable=SC2086
    if in_ns tc qdisc add dev osp0 root netem $netem 2>"$scratch/netem.err"; then
        impair_direction=sent
        netem_note="netem: $netem (frames Linux sends); netstack_tap: $impair (frames it sends)"
    elif grep -q "qdisc kind is unknown" "$scratch/netem.err"; then
        netem_note="netem: not in this kernel (CONFIG_NET_SCH_NETEM); netstack_tap: $impair, both directions"
    else
        fail_now "tc qdisc add dev osp0 root netem $netem: $(cat "$scratch/netem.err")"
    fi
fi
echo "profile $profile: $netem_note; files of $size_kib KiB"

mkdir -p "$scratch/www" "$scratch/stored" "$scratch/sink"
head -c $((size_kib * 1024)) /dev/urandom >"$scratch/www/download.bin"
head -c $((size_kib * 1024 + 4321)) /dev/urandom >"$scratch/upload.bin"  # not a multiple of the MSS

# shellcheck disable=SC2086
netstack_tap=("$program" --time-limit "$transfer_limit" --impair "$impair_direction" --seed 7 $impair)
failures=0
logs=()

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Starts a command in the namespace in the background, its output in LOG; its pid goes to
# pids (so cleanup ends it) and to $started. `ip netns exec` execs timeout, which passes a
# SIGTERM on to the command: the pid is the command's own (not a subshell's).
start_in_ns() {
    local log=$1
    shift
    ip netns exec "$ns" timeout --kill-after=5 $((transfer_limit + 20)) "$@" >"$log" 2>&1 &
    started=$!
    pids+=("$started")
}

# Waits (bounded) for PID to exit; its status in $status.
wait_exit() {
    local pid=$1 seconds=$2 waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((seconds * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        status=124
    else
        wait "$pid"
        status=$?
    fi
}

# Waits (bounded) until a TCP server in the namespace accepts connections.
wait_listening() {
    local port=$1 tries=0
    until in_ns python3 -c "import socket; socket.create_connection(('10.99.0.1', $port), 1).close()" 2>/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -ge 100 ] && return 1
        sleep 0.1
    done
}

# Compares a transfer's result with what was sent; on a difference says how they differ.
compare() {
    local what=$1 expected=$2 actual=$3 started_ms=$4
    local elapsed=$(($(now_ms) - started_ms))
    if [ ! -f "$actual" ]; then
        echo "FAIL: $what: nothing arrived ($actual is missing) after ${elapsed} ms" >&2
        failures=$((failures + 1))
        return
    fi
    local want got
    want=$(sha256sum <"$expected" | cut -d' ' -f1)
    got=$(sha256sum <"$actual" | cut -d' ' -f1)
    if [ "$want" = "$got" ]; then
        echo "ok: $what: $(stat -c %s "$actual") bytes exact in ${elapsed} ms"
        return
    fi
    echo "FAIL: $what: the bytes differ after ${elapsed} ms" >&2
    echo "  sent     $(stat -c %s "$expected") bytes, sha256 $want" >&2
    echo "  received $(stat -c %s "$actual") bytes, sha256 $got" >&2
    echo "  first difference: $(cmp "$expected" "$actual" 2>&1 | head -n 1)" >&2
    failures=$((failures + 1))
}

note_failure() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# ---- 1. curl against netstack_tap's server: a download, then an upload ----
start_in_ns "$scratch/serve.log" "${netstack_tap[@]}" --connections 5 --store "$scratch/stored" \
    --ready-file "$scratch/ready" serve 8080 "$scratch/www/download.bin"
server=$started
logs+=("$scratch/serve.log")
for _ in $(seq 100); do
    [ -e "$scratch/ready" ] || ! kill -0 "$server" 2>/dev/null && break
    sleep 0.1
done
if [ -e "$scratch/ready" ]; then
    t=$(now_ms)
    in_ns curl -sS --fail --max-time "$transfer_limit" -o "$scratch/curl_get.bin" \
        http://10.99.0.2:8080/download.bin 2>"$scratch/curl_get.err" ||
        note_failure "curl GET from netstack_tap: $(cat "$scratch/curl_get.err")"
    compare "curl GET from netstack_tap" "$scratch/www/download.bin" "$scratch/curl_get.bin" "$t"
    t=$(now_ms)
    in_ns curl -sS --fail --max-time "$transfer_limit" -T "$scratch/upload.bin" \
        http://10.99.0.2:8080/upload.bin >"$scratch/curl_put.out" 2>"$scratch/curl_put.err" ||
        note_failure "curl PUT to netstack_tap: $(cat "$scratch/curl_put.err")"
    compare "curl PUT to netstack_tap" "$scratch/upload.bin" "$scratch/stored/upload.bin" "$t"
    # Short connections one after the other from the same few ports: when netstack_tap's
    # FIN went first, the next SYN of that four-tuple finds its TIME_WAIT and reopens it
    # (when curl's went first, Linux holds the port and curl takes the next one).
    t=$(now_ms)
    before=$failures
    for i in 1 2 3; do
        in_ns curl -sS --fail --max-time "$transfer_limit" --local-port 40000-40009 -I \
            http://10.99.0.2:8080/download.bin >"$scratch/curl_head.out" 2>"$scratch/curl_head.err" ||
            note_failure "curl HEAD $i to netstack_tap: $(cat "$scratch/curl_head.err")"
        grep -qx "Content-Length: $((size_kib * 1024))"$'\r' "$scratch/curl_head.out" ||
            note_failure "curl HEAD $i: no Content-Length: $((size_kib * 1024)) in: $(cat "$scratch/curl_head.out")"
    done
    [ "$failures" = "$before" ] &&
        echo "ok: 3 curl HEADs to netstack_tap from ports 40000-40009 in $(($(now_ms) - t)) ms"
    wait_exit "$server" 20
    [ "$status" = 0 ] || note_failure "netstack_tap serve exited with status $status"
else
    note_failure "netstack_tap serve did not start listening"
fi

# ---- 2. netstack_tap fetches from python3 -m http.server ----
start_in_ns "$scratch/http_server.log" python3 -m http.server --bind 10.99.0.1 --directory "$scratch/www" 8000
logs+=("$scratch/http_server.log")
if wait_listening 8000; then
    t=$(now_ms)
    start_in_ns "$scratch/fetch.log" "${netstack_tap[@]}" fetch 10.99.0.1 8000 /download.bin "$scratch/fetched.bin"
    logs+=("$scratch/fetch.log")
    wait_exit "$started" $((transfer_limit + 30))
    [ "$status" = 0 ] || note_failure "netstack_tap fetch exited with status $status"
    compare "netstack_tap GET from python3 -m http.server" "$scratch/www/download.bin" "$scratch/fetched.bin" "$t"
else
    note_failure "python3 -m http.server did not start listening"
fi

# ---- 3. netstack_tap uploads to upload_server.py ----
start_in_ns "$scratch/upload_server.log" python3 "$here/upload_server.py" 10.99.0.1 8001 "$scratch/sink"
logs+=("$scratch/upload_server.log")
if wait_listening 8001; then
    t=$(now_ms)
    start_in_ns "$scratch/post.log" "${netstack_tap[@]}" post 10.99.0.1 8001 /upload.bin "$scratch/upload.bin"
    logs+=("$scratch/post.log")
    wait_exit "$started" $((transfer_limit + 30))
    [ "$status" = 0 ] || note_failure "netstack_tap post exited with status $status"
    compare "netstack_tap POST to upload_server.py" "$scratch/upload.bin" "$scratch/sink/uploads/upload.bin" "$t"
else
    note_failure "upload_server.py did not start listening"
fi

linux_counters=$(in_ns nstat -az 2>/dev/null |
    awk '$1 ~ /^(TcpRetransSegs|TcpExtTCPFastRetrans|TcpExtTCPTimeouts|TcpInCsumErrors|TcpExtTCPOFOQueue|TcpExtTCPDSACKRecv|TcpInErrs|TcpOutRsts)$/ { printf "%s %s, ", $1, $2 }')
if [ "$failures" -ne 0 ]; then
    for log in "${logs[@]}"; do
        echo "---- $(basename "$log") ----" >&2
        cat "$log" >&2
    done
    echo "---- Linux: ${linux_counters%, } ----" >&2
    echo "FAIL: profile $profile: $failures failed checks" >&2
    exit 1
fi
grep -h "retransmitted\|corrupted" "$scratch/serve.log" "$scratch/fetch.log" "$scratch/post.log" | sed 's/^/  /'
echo "  Linux: ${linux_counters%, }"
echo "PASS: profile $profile"
