#!/bin/sh
# virtio-blk end to end on one machine type: `osprey boot --volume` creates a scratch image
# (sparse, of --volume-size), attaches it with a read-only one beside it, and the kernel's
# virtio-blk self-test writes, flushes, reads back and checks inside the guest. Then the
# host reads the image file: the marker the self-test leaves at 4 MiB (virtio_blk_tests.cc)
# must be there byte for byte, and the read-only image must be untouched.
#
#   virtio_blk.sh OSPREY KERNEL MACHINE
set -u
osprey=$1
kernel=$2
machine=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
    echo "virtio_blk.sh: $*" >&2
    exit 1
}

# The read-only image: 32 MiB of a known pattern, kept to compare afterwards.
head -c 33554432 /dev/urandom >"$dir/ro.img" || fail "cannot make ro.img"
cp "$dir/ro.img" "$dir/ro.copy"

"$osprey" boot --kernel "$kernel" --machine "$machine" --timeout 120 \
    --volume "$dir/scratch.img:/data" --volume "$dir/ro.img:/srv/ro:ro" --volume-size 64M \
    -- selftest=virtio-blk loglevel=info >"$dir/out" 2>&1
status=$?
cat "$dir/out"
[ "$status" -eq 0 ] || fail "osprey boot exited with $status"
for text in "created $dir/scratch.img (64 MiB, sparse) for /data" \
    "vda: virtio-blk on" "serial 'vol0'" "vdb: virtio-blk on" "read-only" \
    "volume vol0: vda for /data, 67108864 bytes, block 512, read-write" \
    "volume vol1: vdb for /srv/ro, 33554432 bytes, block 512, read-only" \
    "read-only vdb refuses writes: EROFS" "selftest virtio-blk: ok"; do
    grep -qF "$text" "$dir/out" || fail "missing in the output: $text"
done

# The image as the host sees it.
size=$(stat -c %s "$dir/scratch.img")
[ "$size" -eq 67108864 ] || fail "scratch.img is $size bytes, not 64 MiB"
python3 - "$dir/scratch.img" <<'PY' || fail "the marker at 4 MiB is not what the guest wrote"
import sys
with open(sys.argv[1], "rb") as f:
    f.seek(4 << 20)
    got = f.read(4096)
want = bytearray((i * 31 + 7) & 0xff for i in range(4096))
want[:16] = b"osprey-blk-test\n"
if got != bytes(want):
    first = next(i for i in range(4096) if got[i] != want[i])
    print("first difference at byte", first, "of the marker", file=sys.stderr)
    sys.exit(1)
PY
cmp "$dir/ro.img" "$dir/ro.copy" || fail "the read-only image changed"
echo "virtio_blk.sh: the host sees the guest's marker, and the read-only image unchanged"
