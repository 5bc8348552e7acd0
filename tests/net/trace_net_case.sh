#!/bin/bash
# osprey run --trace-net end to end, with Debian's busybox-static inside the guest under
# QEMU user networking:
#   1. --ip dhcp and busybox wget from a web server on the host (QEMU's 10.0.2.2): the log
#      has a line for each step of the DHCP exchange, the ARP exchange with the gateway,
#      and the TCP connection (SYN with its options, SYN-ACK, data in).
#   2. wget from 127.0.0.1:1, where nothing listens: the SYN and the RST on loopback (lo).
#   3. The first run again with --verbose instead: the log is there, but no packet line.
#   trace_net_case.sh OSPREY BUSYBOX
set -u
osprey=$1 busybox=$2
work=$(mktemp -d)
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

. "$(dirname "$0")/checks.sh"
reject() {  # reject WHAT FILE PATTERN: no line of FILE may match PATTERN
    if grep -Eq -- "$3" "$2"; then
        echo "FAIL: $1: lines match '$3':" >&2
        grep -E -- "$3" "$2" | sed 's/^/  | /' >&2
        failed=1
    fi
}
run() {  # run NAME ARGS...: stdout to NAME.out, stderr (with the kernel log) to NAME.log
    local name=$1
    shift
    "$osprey" run --timeout 120 "$@" >"$work/$name.out" 2>"$work/$name.log" </dev/null
}

# A web server on a free port of the host's loopback, where QEMU forwards 10.0.2.2.
mkdir "$work/www"
echo "hello through the trace" >"$work/www/hello"
cat >"$work/server.py" <<'EOF'
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.HTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
EOF
python3 "$work/server.py" "$work/www" >"$work/port" 2>/dev/null &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    sleep 0.1
done
port=$(cat "$work/port")
[ -n "$port" ] || { echo "FAIL: the host's web server did not start" >&2; exit 1; }
url="http://10.0.2.2:$port/hello"

line='^\[ *[0-9]+\.[0-9]{6}\] net: '
if ! run traced --trace-net --ip dhcp "$busybox" wget -q -O - "$url"; then
    echo "FAIL: osprey run --trace-net --ip dhcp busybox wget $url did not exit 0:" >&2
    tail -n 30 "$work/traced.log" >&2
    failed=1
fi
check "wget's output" "$work/traced.out" "^hello through the trace$"
check "DHCP" "$work/traced.log" \
    "${line}eth0 out 0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: UDP len [0-9]+ \(DHCP DISCOVER\)$"
check "DHCP" "$work/traced.log" "${line}eth0 in  10\.0\.2\.2\.67 > [0-9.]+\.68: UDP len [0-9]+ \(DHCP OFFER 10\.0\.2\.15\)$"
check "DHCP" "$work/traced.log" \
    "${line}eth0 out 0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: UDP len [0-9]+ \(DHCP REQUEST 10\.0\.2\.15\)$"
check "DHCP" "$work/traced.log" "${line}eth0 in  10\.0\.2\.2\.67 > [0-9.]+\.68: UDP len [0-9]+ \(DHCP ACK 10\.0\.2\.15\)$"
check "ARP" "$work/traced.log" "${line}eth0 out ARP who-has 10\.0\.2\.2 tell 10\.0\.2\.15$"
check "ARP" "$work/traced.log" "${line}eth0 in  ARP 10\.0\.2\.2 is-at 52:55:0a:00:02:02$"
check "TCP" "$work/traced.log" \
    "${line}eth0 out 10\.0\.2\.15\.[0-9]+ > 10\.0\.2\.2\.$port: TCP \[S\] seq [0-9]+ win [0-9]+ len 0 <mss 1460,.*>$"
check "TCP" "$work/traced.log" "${line}eth0 in  10\.0\.2\.2\.$port > 10\.0\.2\.15\.[0-9]+: TCP \[S\.\] seq [0-9]+ ack [0-9]+ "
check "TCP" "$work/traced.log" "${line}eth0 in  10\.0\.2\.2\.$port > 10\.0\.2\.15\.[0-9]+: TCP \[P\.\] .* len [1-9][0-9]*$"

# Refused: wget fails, as it does on Linux.
run loopback --trace-net "$busybox" wget -q -O - http://127.0.0.1:1/
check "loopback" "$work/loopback.log" "${line}lo   in  127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.1: TCP \[S\] "
check "loopback" "$work/loopback.log" "${line}lo   in  127\.0\.0\.1\.1 > 127\.0\.0\.1\.[0-9]+: TCP \[R\.\] "

if ! run untraced --verbose --ip dhcp "$busybox" wget -q -O - "$url"; then
    echo "FAIL: osprey run --verbose --ip dhcp busybox wget $url did not exit 0:" >&2
    tail -n 30 "$work/untraced.log" >&2
    failed=1
fi
check "wget's output" "$work/untraced.out" "^hello through the trace$"
check "the kernel's log" "$work/untraced.log" "net: eth0 is 10\.0\.2\.15/24, gateway 10\.0\.2\.2 \(DHCP\)"
reject "without --trace-net" "$work/untraced.log" "net: (eth0|lo) +(in|out) "

[ $failed -eq 0 ] && echo "PASS: --trace-net shows DHCP, ARP, TCP and loopback packets; without it, none"
exit $failed
