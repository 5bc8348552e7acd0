#!/bin/sh
# Runs a command (a VM through `osprey`), then checks its exit status and that its output
# contains each expected text, in stdout or in stderr; a text given with --once must be on
# exactly one line of the two. The two are kept apart: osprey writes the program's output
# and the kernel's log on different streams, and one file for both would let a log line
# split a line of the program's.
#
#   expect.sh STATUS [--contains TEXT | --once TEXT]... -- COMMAND [ARGS...]
set -u
expected_status=$1
shift
patterns_file=$(mktemp)
once_file=$(mktemp)
output=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$patterns_file" "$once_file" "$output" "$errors"' EXIT
while [ "$1" != "--" ]; do
    case "$1" in
        --contains) printf '%s\n' "$2" >>"$patterns_file"; shift 2 ;;
        --once) printf '%s\n' "$2" >>"$once_file"; shift 2 ;;
        *) echo "expect.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
shift

"$@" >"$output" 2>"$errors"
status=$?
cat "$output" "$errors"
failed=0
if [ "$status" -ne "$expected_status" ]; then
    echo "FAIL: exit status $status, expected $expected_status" >&2
    failed=1
fi
while IFS= read -r pattern; do
    if ! grep -qF -- "$pattern" "$output" && ! grep -qF -- "$pattern" "$errors"; then
        echo "FAIL: output lacks: $pattern" >&2
        failed=1
    fi
done <"$patterns_file"
while IFS= read -r pattern; do
    count=$(cat "$output" "$errors" | grep -cF -- "$pattern")
    if [ "$count" -ne 1 ]; then
        echo "FAIL: $count lines have (expected exactly one): $pattern" >&2
        failed=1
    fi
done <"$once_file"
exit $failed
