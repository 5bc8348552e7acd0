#!/bin/bash
# Runs one socket test program inside Osprey and compares it with the host's run of the same
# program (tests/linux/run_case.sh stored that): the same exit status and byte-for-byte the
# same stdout. The VM gets a network device, as a networked program has one: a port forward
# from a free host port (`-p FREE:9`; nothing is sent to it) makes osprey add virtio-net, so
# lo is tested beside eth0, and getifaddrs finds another AF_INET interface as on the host.
#   guest_net_case.sh OSPREY EXPECTED_PREFIX -- BINARY [ARGS...]
set -u
if [ $# -lt 4 ] || [ "$3" != "--" ]; then
    echo "usage: $0 OSPREY EXPECTED_PREFIX -- BINARY [ARGS...]" >&2
    exit 2
fi
osprey=$1 prefix=$2
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Another test may take the port between the check and osprey's own: osprey then refuses
# it (exit 125, "already in use") before booting, and a new port is tried.
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "$osprey" run --timeout 240 -p "$port:9" "$@" >"$work/stdout" 2>"$work/stderr" </dev/null
    actual=$?
    if [ $actual -eq 125 ] && grep -q "already in use" "$work/stderr"; then
        continue
    fi
    break
done

expected=0
failed=0
if [ "$actual" != "$expected" ]; then
    echo "FAIL: exit status $actual, expected $expected" >&2
    failed=1
fi
if ! cmp -s "$prefix.stdout" "$work/stdout"; then
    echo "FAIL: stdout differs from the host's run (< host, > osprey):" >&2
    diff "$prefix.stdout" "$work/stdout" >&2
    failed=1
fi
if [ $failed -ne 0 ]; then
    echo "--- stderr:" >&2
    tail -60 "$work/stderr" >&2
else
    echo "ok: $* ($(wc -l <"$work/stdout") lines, as on the host)"
fi
exit $failed
