#!/bin/bash
# Runs one Linux ABI test case inside Osprey and compares it with the host's run of the same
# case (run_case.sh stored that): the same exit status and, for "exact" cases, byte-for-byte
# the same stdout.
#   guest_case.sh OSPREY STATUS EXPECTED_PREFIX exact|ignore [NAME=VALUE...] -- BINARY [ARGS...]
set -u
osprey=$1 status=$2 prefix=$3 mode=$4
shift 4
options=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    options+=(-e "$1")
    shift
done
shift
actual_stdout=$(mktemp)
actual_stderr=$(mktemp)
trap 'rm -f "$actual_stdout" "$actual_stderr"' EXIT
"$osprey" run --timeout 240 "${options[@]}" "$@" >"$actual_stdout" 2>"$actual_stderr" </dev/null
actual=$?
failed=0
if [ "$actual" != "$status" ]; then
    echo "FAIL: exit status $actual, expected $status" >&2
    failed=1
fi
if [ "$mode" = exact ] && ! cmp -s "$prefix.stdout" "$actual_stdout"; then
    echo "FAIL: stdout differs from the host's run (< host, > osprey):" >&2
    diff "$prefix.stdout" "$actual_stdout" >&2
    failed=1
fi
if [ $failed -ne 0 ]; then
    echo "--- stdout:" >&2
    cat "$actual_stdout" >&2
    echo "--- stderr:" >&2
    cat "$actual_stderr" >&2
fi
exit $failed
