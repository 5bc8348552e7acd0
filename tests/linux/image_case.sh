#!/bin/bash
# The same comparison as guest_case.sh, through a saved image: `osprey build -o IMAGE` with
# the case's environment and arguments, then `osprey run IMAGE`.
#   image_case.sh OSPREY STATUS EXPECTED_PREFIX exact|ignore [NAME=VALUE...] -- BINARY [ARGS...]
set -u
osprey=$1 status=$2 prefix=$3 mode=$4
shift 4
options=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    options+=(-e "$1")
    shift
done
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! "$osprey" build "${options[@]}" -o "$work/image" "$@" 2>"$work/build.err"; then
    echo "FAIL: osprey build failed:" >&2
    cat "$work/build.err" >&2
    exit 1
fi
"$osprey" run --timeout 240 "$work/image" >"$work/stdout" 2>"$work/stderr" </dev/null
actual=$?
failed=0
if [ "$actual" != "$status" ]; then
    echo "FAIL: exit status $actual, expected $status" >&2
    failed=1
fi
if [ "$mode" = exact ] && ! cmp -s "$prefix.stdout" "$work/stdout"; then
    echo "FAIL: stdout differs from the host's run (< host, > osprey):" >&2
    diff "$prefix.stdout" "$work/stdout" >&2
    failed=1
fi
[ $failed -ne 0 ] && cat "$work/stderr" >&2
exit $failed
