#!/bin/bash
# Runs one Linux ABI test case inside Osprey and compares it with the host's run of the same
# case (run_case.sh stored that): the same exit status and, for "exact" cases, byte-for-byte
# the same stdout. With --image, through a saved image: `osprey build -o IMAGE` with the
# case's environment and arguments, then `osprey run IMAGE`.
# With --share GUEST_PATH, a fresh host folder is shared on GUEST_PATH (`osprey run -v`).
# With --volume GUEST_PATH, a fresh ext4 volume made by osprey is mounted on GUEST_PATH
# (`osprey run --volume`), and the image must be clean for `e2fsck -fn` after the run.
#   guest_case.sh [--image] [--share GUEST_PATH | --volume GUEST_PATH] OSPREY STATUS EXPECTED_PREFIX exact|ignore [NAME=VALUE...] -- BINARY [ARGS...]
set -u
through_image=0
if [ "$1" = --image ]; then
    through_image=1
    shift
fi
share="" volume=""
if [ "$1" = --share ]; then
    share=$2
    shift 2
elif [ "$1" = --volume ]; then
    volume=$2
    shift 2
fi
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
if [ -n "$share" ]; then
    mkdir "$work/share"
    options+=(-v "$work/share:$share")
fi
image_dir=
if [ -n "$volume" ]; then
    # Every change the guest makes flushes the disk, an fsync of the image: /dev/shm keeps
    # them cheap.
    image_dir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
    trap 'rm -rf "$work" "$image_dir"' EXIT
    options+=(--volume-size 256M --volume "$image_dir/volume.img:$volume")
fi
if [ $through_image -eq 1 ]; then
    if ! "$osprey" build "${options[@]}" -o "$work/image" "$@" 2>"$work/build.err"; then
        echo "FAIL: osprey build failed:" >&2
        cat "$work/build.err" >&2
        exit 1
    fi
    "$osprey" run --timeout 240 "$work/image" >"$work/stdout" 2>"$work/stderr" </dev/null
else
    "$osprey" run --timeout 240 "${options[@]}" "$@" >"$work/stdout" 2>"$work/stderr" </dev/null
fi
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
if [ -n "$volume" ] && ! e2fsck -fn "$image_dir/volume.img" >"$work/fsck.out" 2>&1; then
    echo "FAIL: e2fsck -fn finds the volume not clean after the run:" >&2
    head -40 "$work/fsck.out" >&2
    failed=1
fi
if [ $failed -ne 0 ]; then
    echo "--- stdout:" >&2
    cat "$work/stdout" >&2
    echo "--- stderr:" >&2
    cat "$work/stderr" >&2
fi
exit $failed
