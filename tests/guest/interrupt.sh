#!/bin/sh
# A Ctrl-C (SIGINT) or SIGTERM to `osprey` while the guest runs stops QEMU and leaves
# nothing behind; osprey exits with 128 + the signal.
#
#   interrupt.sh OSPREY KERNEL SIGNAL EXPECTED_STATUS
set -u
osprey=$1 kernel=$2 signal=$3 expected=$4
marker="osprey-interrupt-test-$$"

"$osprey" boot --kernel "$kernel" --timeout 60 -- selftest=hang "$marker" >/dev/null 2>&1 &
pid=$!
# Wait until QEMU runs the guest (its command line carries the marker).
for i in $(seq 1 100); do
    pgrep -f "$marker" | grep -qv "^$pid\$" && break
    sleep 0.1
done
kill -s "$signal" "$pid"
wait "$pid"
status=$?
sleep 0.2
if [ "$status" -ne "$expected" ]; then
    echo "FAIL: osprey exited with $status after SIG$signal, expected $expected" >&2
    exit 1
fi
if pgrep -f "$marker" >/dev/null; then
    echo "FAIL: a process is still running after osprey exited:" >&2
    pgrep -af "$marker" >&2
    pkill -KILL -f "$marker"
    exit 1
fi
echo "ok: SIG$signal stopped osprey with status $status and QEMU is gone"
