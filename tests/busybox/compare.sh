#!/bin/bash
# Runs a command on the host and the same command inside Osprey (`osprey run`), with the
# same standard input, and checks both give the same stdout and exit status.
#   compare.sh OSPREY STDIN_FILE|- -- COMMAND [ARGS...]
set -u
osprey=$1 input=$2
shift 3
[ "$input" = - ] && input=/dev/null
host_out=$(mktemp) guest_out=$(mktemp) guest_err=$(mktemp)
trap 'rm -f "$host_out" "$guest_out" "$guest_err"' EXIT
"$@" <"$input" >"$host_out" 2>/dev/null
host_status=$?
"$osprey" run --timeout 120 "$@" <"$input" >"$guest_out" 2>"$guest_err"
guest_status=$?
failed=0
if [ "$host_status" != "$guest_status" ]; then
    echo "FAIL: exit status $guest_status in Osprey, $host_status on the host" >&2
    failed=1
fi
if ! cmp -s "$host_out" "$guest_out"; then
    echo "FAIL: stdout differs (< host, > osprey):" >&2
    diff "$host_out" "$guest_out" | head -20 >&2
    failed=1
fi
if [ $failed -ne 0 ]; then
    echo "--- osprey's stderr:" >&2
    cat "$guest_err" >&2
else
    echo "ok: $* (status $host_status, $(wc -c <"$host_out") bytes of output)"
fi
exit $failed
