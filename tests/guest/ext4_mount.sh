#!/bin/sh
# mount(2) and umount2 of ext4 by the program (docs/storage.md): four disks, one the kernel
# mounts at boot and three attached with `--volume IMAGE` (no guest path) for the program
# to mount; ext4_mount.c mounts, writes, unmounts, mounts again read-only and checks the
# errors Linux gives. Then the host judges the images: e2fsck -fn clean, no journal left
# needing recovery, and the files the guest wrote there as written.
#   ext4_mount.sh OSPREY KERNEL PROGRAM
set -u
osprey=$1 kernel=$2 program=$3
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mke2fs -q -t ext4 -L data "$work/data.img" 64M || fail "mke2fs data"
mke2fs -q -t ext4 -b 1024 -L booted "$work/booted.img" 16M || fail "mke2fs booted"
debugfs -w -R "mknod nodisk b 254 240" "$work/booted.img" >/dev/null 2>&1 || fail "debugfs mknod"
truncate -s 8M "$work/blank.img"
mkdir "$work/tree" && printf 'read-only disk\n' >"$work/tree/hello"
mke2fs -q -t ext4 -L readonly -d "$work/tree" "$work/readonly.img" 16M || fail "mke2fs readonly"
cp "$work/readonly.img" "$work/readonly.before"

# Serial numbers volN follow the --volume order.
"$osprey" run --kernel "$kernel" --timeout 240 --verbose --volume "$work/data.img" \
    --volume "$work/booted.img:/vol" --volume "$work/blank.img" --volume "$work/readonly.img:ro" \
    "$program" vol0 vol1 vol2 vol3 >"$work/out" 2>"$work/err" ||
    { cat "$work/out" "$work/err"; fail "the guest program failed"; }
cat "$work/out"
grep -q '^ok: ' "$work/out" || { cat "$work/err"; fail "the guest program did not finish"; }
grep -q "ext4: vd.: unmounted" "$work/err" || { cat "$work/err"; fail "no unmount on the kernel log"; }

for image in data booted; do
    e2fsck -fn "$work/$image.img" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck of $image.img"; }
    dumpe2fs -h "$work/$image.img" 2>/dev/null | grep -q needs_recovery && fail "$image.img was left needing recovery"
done
[ "$(debugfs -R 'cat /kept.txt' "$work/data.img" 2>/dev/null)" = "$(printf 'kept across umount\nand a third mount')" ] ||
    fail "kept.txt on the data disk is not what the guest wrote"
debugfs -R 'dump /dir/pattern '"$work/pattern" "$work/data.img" >/dev/null 2>&1 || fail "debugfs dump"
[ "$(stat -c %s "$work/pattern")" = 307200 ] || fail "the 300 KiB file has the wrong size"
[ "$(debugfs -R 'cat /after-boot.txt' "$work/booted.img" 2>/dev/null)" = "kept across umount" ] ||
    fail "the file written on the remounted boot volume is not there"
cmp -s "$work/readonly.img" "$work/readonly.before" || fail "the read-only image changed"
echo "ok: ext4 mounted and unmounted by the program, the errors as Linux's, the images e2fsck-clean"
