#!/bin/sh
# An ext4 volume made by Debian's mke2fs from a tree of files, attached with
# `osprey run --volume ...:ro` and mounted by the kernel (docs/storage.md): busybox in the
# guest lists it and checksums every file, and the listing and sums must be the host's own
# of the same tree; the disk being read-only, the kernel mounts it read-only, says why, and
# refuses a write; e2fsck finds the image clean after the run. (Writing: ext4_write.sh.)
#   ext4_volume.sh OSPREY KERNEL BUSYBOX
set -u
osprey=$1 kernel=$2 busybox=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
tree=$work/tree
mkdir -p "$tree/sub/deep" "$tree/many"
echo "hello from ext4" >"$tree/hello.txt"
head -c 300000 /dev/urandom >"$tree/sub/blob"
head -c 5000 /dev/urandom >"$tree/sub/deep/small"
ln -s hello.txt "$tree/link"
ln -s sub/deep/small "$tree/long-link-$(printf '%070d' 0)"
ln "$tree/hello.txt" "$tree/hard"
for i in $(seq 1 400); do echo "$i" >"$tree/many/file-$i"; done  # a directory with an htree
chmod 600 "$tree/sub/blob"
mke2fs -q -t ext4 -b 1024 -d "$tree" "$work/disk.img" 32M || fail "mke2fs"
e2fsck -fyD "$work/disk.img" >/dev/null 2>&1  # index the large directory
listing='cd /data && find . -name lost+found -prune -o -print | sort && find . -type f | sort | xargs sha256sum && stat -c "%n %a %h %s" hello.txt sub/blob hard && readlink link'
(cd "$tree" && "$busybox" sh -c "cd $tree && find . -name lost+found -prune -o -print | sort && find . -type f | sort | xargs sha256sum && stat -c '%n %a %h %s' hello.txt sub/blob hard && readlink link") >"$work/host.out"
"$osprey" run --kernel "$kernel" --timeout 120 --verbose --volume "$work/disk.img:/data:ro" "$busybox" sh -c \
    "$listing; echo x >/data/new 2>/dev/null || echo refused" >"$work/guest.out" 2>"$work/guest.err" ||
    { cat "$work/guest.err"; fail "the run failed"; }
grep -qx refused "$work/guest.out" || fail "a write to the read-only ext4 volume was not refused"
grep -q "mounted read-only: the disk is read-only" "$work/guest.err" ||
    { cat "$work/guest.err"; fail "the kernel did not say why the volume is read-only"; }
grep -v '^refused$' "$work/guest.out" >"$work/guest.listing"
diff "$work/host.out" "$work/guest.listing" || fail "the guest's listing and sums differ from the host's (< host, > guest)"
e2fsck -fn "$work/disk.img" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck found something to fix"; }
# A volume libs/ext4 refuses (an unknown incompatible feature bit set in the superblock)
# is left unmounted with the reason on the kernel log; the program still runs.
cp "$work/disk.img" "$work/bad.img"
printf '\377\377' | dd of="$work/bad.img" bs=1 seek=$((1024 + 0x60)) conv=notrunc 2>/dev/null
"$osprey" run --kernel "$kernel" --timeout 120 --verbose --volume "$work/bad.img:/data" "$busybox" ls /data \
    >"$work/bad.out" 2>&1 || { cat "$work/bad.out"; fail "the run with a refused volume failed"; }
grep -q "unsupported incompatible feature" "$work/bad.out" && grep -q "is refused (EINVAL); not mounted on /data" "$work/bad.out" ||
    { cat "$work/bad.out"; fail "a refused volume was not said so"; }
# Read-write: a file written; the superblock on the disk (read raw through /dev/vda)
# says needs_recovery while the journal is live, and no longer once umount has stopped
# it; the image is clean with the file in it, and what is written after the umount lands
# in the root file system instead.
cp "$work/disk.img" "$work/rw.img"
incompat='dd if=/dev/vda bs=1024 skip=1 count=1 2>/dev/null | od -An -tx1 -j96 -N1 | tr -d " "'
"$osprey" run --kernel "$kernel" --timeout 120 --verbose --volume "$work/rw.img:/data" "$busybox" sh -c \
    "echo written >/data/new && live=\$($incompat) && umount /data && stopped=\$($incompat) &&
     echo flags \$live \$stopped && echo later >/data/later" \
    >"$work/rw.out" 2>"$work/rw.err" || { cat "$work/rw.out" "$work/rw.err"; fail "the read-write run failed"; }
grep -q "read-write, journaled" "$work/rw.err" || { cat "$work/rw.err"; fail "the volume was not mounted read-write"; }
set -- $(grep '^flags ' "$work/rw.out")
[ $# = 3 ] && [ $((0x$2 & 4)) = 4 ] && [ $((0x$3 & 4)) = 0 ] ||
    { cat "$work/rw.out"; fail "needs_recovery was not set while mounted and cleared by umount"; }
[ "$(debugfs -R 'cat /new' "$work/rw.img" 2>/dev/null)" = written ] || fail "the file written before umount is not on the disk"
debugfs -R 'stat /later' "$work/rw.img" 2>&1 | grep -q "not found" || fail "a file written after umount reached the disk"
e2fsck -fn "$work/rw.img" >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; fail "e2fsck after umount"; }
echo "ok: the ext4 volume reads as the host's tree (listing, sums, modes, links, an htree directory); a refused one is said so; umount leaves a written one clean"
