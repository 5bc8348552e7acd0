#!/bin/sh
# A Ctrl-C (SIGINT) or SIGTERM while `osprey build` writes a large image leaves neither the
# image nor its temporary file behind, and osprey exits with 128 + the signal.
#
#   build_interrupt.sh OSPREY STATIC_PROGRAM SIGNAL EXPECTED_STATUS
set -u
osprey=$1 static=$2 signal=$3 expected=$4

work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/tmp" "$work/out" "$work/big"
export TMPDIR="$work/tmp"
# 3 GiB that take no disk space here (a sparse file) but must all be written into the
# image: the build is still writing when the signal comes.
truncate -s 3G "$work/big/blob"
echo small >"$work/big/small.txt"
img="$work/out/big.osprey"

"$osprey" build -o "$img" --add "$work/big:/data" "$static" >"$work/stdout" 2>"$work/stderr" </dev/null &
pid=$!
# Wait until the image is being written (its temporary file beside IMAGE has content).
writing=no
for i in $(seq 1 200); do
    for partial in "$img".partial-*; do
        [ -s "$partial" ] && writing=yes
    done
    [ "$writing" = yes ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -s "$signal" "$pid"
wait "$pid"
status=$?
pid=
echo "--- osprey build -o $img --add $work/big:/data $static, SIG$signal: status $status"
echo "--- stderr"; cat "$work/stderr"

failed=0
if [ "$writing" != yes ]; then
    echo "FAIL: osprey never started writing the image" >&2
    failed=1
fi
if [ "$status" -ne "$expected" ]; then
    echo "FAIL: exit status $status after SIG$signal, expected $expected" >&2
    failed=1
fi
signal_number=$((expected - 128))
if ! grep -qF "osprey: stopped by signal $signal_number" "$work/stderr"; then
    echo "FAIL: stderr lacks: osprey: stopped by signal $signal_number" >&2
    failed=1
fi
if [ -n "$(ls -A "$work/out")" ]; then
    echo "FAIL: osprey left an image or a temporary file behind:" >&2
    ls -lA "$work/out" >&2
    failed=1
fi
if [ -n "$(ls -A "$TMPDIR")" ]; then
    echo "FAIL: osprey left files behind in TMPDIR:" >&2
    ls -lA "$TMPDIR" >&2
    failed=1
fi
[ "$failed" -eq 0 ] && echo "ok: SIG$signal during the write: status $status, nothing left behind"
exit $failed
